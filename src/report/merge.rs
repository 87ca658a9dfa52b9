//! One finding per statement for what a statement does to several columns
//! at once: `ALTER TABLE t ADD COLUMN a int NOT NULL, ADD COLUMN b int NOT
//! NULL` is one mistake written twice, not two findings. Findings of one
//! rule on one statement whose messages differ only in their subject (the
//! column) become the first of them, naming every column, with a label at
//! each.

use crate::diagnostic::{Finding, Label};

/// Merges the findings one rule reported on one statement.
pub(crate) fn merge_subjects(findings: Vec<Finding>) -> Vec<Finding> {
    if findings.iter().filter(|f| f.subject.is_some()).count() < 2 {
        return findings;
    }
    let mut merged: Vec<(Option<String>, Finding, Vec<Finding>)> = Vec::new();
    for finding in findings {
        let shape = finding.subject.as_ref().map(|subject| shape(&finding, subject));
        match merged
            .iter_mut()
            .find(|(s, first, _)| s.is_some() && *s == shape && first.max_severity == finding.max_severity)
        {
            Some((_, _, others)) => others.push(finding),
            None => merged.push((shape, finding, Vec::new())),
        }
    }
    merged
        .into_iter()
        .map(|(_, first, others)| combine(first, others))
        .collect()
}

/// The message with its subject taken out: findings with the same shape
/// say the same thing of different columns.
fn shape(finding: &Finding, subject: &str) -> String {
    finding.message.replacen(subject, "\u{0}", 1)
}

fn combine(mut first: Finding, others: Vec<Finding>) -> Finding {
    if others.is_empty() {
        return first;
    }
    let subjects: Vec<&str> = others.iter().filter_map(|f| f.subject.as_deref()).collect();
    let list = listed(&subjects);
    first.message = format!("{} (and the same for {list})", first.message);
    for other in &others {
        let subject = other.subject.as_deref().unwrap_or_default();
        if !first.labels.iter().any(|l| l.span == other.span) && other.span != first.span {
            first.labels.push(Label {
                span: other.span,
                message: format!("the same for {subject}"),
            });
        }
    }
    if let Some(help) = &mut first.help {
        help.push_str(&format!("\nlikewise for {list}"));
    }
    first
}

/// At most this many subjects are named in a message; each has its label.
const NAMED: usize = 3;

/// `"a"`, `"a" and "b"`, `"a", "b" and "c"`, `"a", "b", "c" and 4 more`.
fn listed(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        _ if items.len() > NAMED => format!("{} and {} more", items[..NAMED].join(", "), items.len() - NAMED),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::source::Span;

    fn about(column: &str, at: usize, message: &str) -> Finding {
        Finding::new(Span::new(at, at + 1), message.replace("{}", &format!("\"{column}\""))).about_column(column)
    }

    #[test]
    fn same_shape_merges_and_names_every_subject() {
        let merged = merge_subjects(vec![
            about("a", 10, "column {} added as NOT NULL"),
            about("b", 20, "column {} added as NOT NULL"),
            about("c", 30, "column {} added as NOT NULL"),
            about("d", 40, "column {} is integer"),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(
            merged[0].message,
            "column \"a\" added as NOT NULL (and the same for \"b\" and \"c\")"
        );
        let spans: Vec<usize> = merged[0].labels.iter().map(|l| l.span.start).collect();
        assert_eq!(spans, [20, 30]);
        assert_eq!(merged[1].message, "column \"d\" is integer");
        let many: Vec<Finding> = (0..6)
            .map(|i| about(&format!("c{i}"), i * 10, "column {} dropped"))
            .collect();
        assert_eq!(
            merge_subjects(many)[0].message,
            "column \"c0\" dropped (and the same for \"c1\", \"c2\", \"c3\" and 2 more)"
        );
    }

    #[test]
    fn findings_without_subject_or_of_another_severity_stay_apart() {
        let capped = about("b", 20, "column {} changed").at_most(crate::diagnostic::Severity::Warning);
        let merged = merge_subjects(vec![
            about("a", 10, "column {} changed"),
            capped,
            Finding::new(Span::new(0, 1), "something else"),
            Finding::new(Span::new(0, 1), "something else"),
        ]);
        assert_eq!(merged.len(), 4);
    }
}
