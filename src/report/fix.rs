//! Applying fixes to a file's text: the edits of the fixes chosen, none
//! overlapping another, applied back to front in the file's own line
//! endings; a fix whose edits meet an edit already taken is skipped (a
//! later pass, after re-linting, may still apply it). No I/O.

use crate::diagnostic::{Edit, Fix};

/// What applying fixes to one text gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Applied {
    pub text: String,
    /// The fixes applied, in the order given.
    pub applied: Vec<usize>,
    /// Fixes skipped: an edit out of the text, off a character boundary, or
    /// overlapping one of a fix taken before it.
    pub skipped: usize,
}

/// The line ending a text uses: that of its first line break (`\n` for a
/// text without one).
pub(crate) fn line_ending(text: &str) -> &'static str {
    match text.find(['\r', '\n']) {
        Some(i) if text[i..].starts_with("\r\n") => "\r\n",
        Some(i) if text.as_bytes()[i] == b'\r' => "\r",
        _ => "\n",
    }
}

/// `text` (written with `\n`) in the line ending `ending`.
pub(crate) fn with_line_ending(text: &str, ending: &str) -> String {
    if ending == "\n" {
        text.to_string()
    } else {
        text.replace('\n', ending)
    }
}

/// Applies the fixes in order, each whole or not at all.
pub(crate) fn apply(text: &str, fixes: &[&Fix]) -> Applied {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = Vec::new();
    let mut skipped = 0;
    for (n, fix) in fixes.iter().enumerate() {
        let fits = fix.edits.iter().all(|edit| {
            edit.span.start <= edit.span.end
                && edit.span.end <= text.len()
                && text.is_char_boundary(edit.span.start)
                && text.is_char_boundary(edit.span.end)
        });
        let own_overlap = fix.edits.windows(2).any(|w| conflict(&w[0], &w[1]));
        let clash = fix.edits.iter().any(|edit| taken.iter().any(|t| conflict(edit, t)));
        if !fits || own_overlap || clash {
            skipped += 1;
            continue;
        }
        taken.extend(fix.edits.iter());
        applied.push(n);
    }
    // Back to front: earlier offsets stay valid. Insertions at one point
    // keep the order their fixes were taken in.
    let mut order: Vec<(usize, &Edit)> = taken.into_iter().enumerate().collect();
    order.sort_by(|(i, a), (j, b)| (b.span.start, b.span.end, j).cmp(&(a.span.start, a.span.end, i)));
    let ending = line_ending(text);
    let mut out = text.to_string();
    for (_, edit) in order {
        out.replace_range(edit.span.start..edit.span.end, &with_line_ending(&edit.text, ending));
    }
    Applied {
        text: out,
        applied,
        skipped,
    }
}

/// Two edits conflict when their spans overlap, or both insert at the same
/// point (which text comes first would be a guess).
fn conflict(a: &Edit, b: &Edit) -> bool {
    if a.span.start == a.span.end && b.span.start == b.span.end {
        return a.span.start == b.span.start;
    }
    a.span.start < b.span.end && b.span.start < a.span.end
        || (a.span.start == a.span.end && b.span.start < a.span.start && a.span.start < b.span.end)
        || (b.span.start == b.span.end && a.span.start < b.span.start && b.span.start < a.span.end)
}

/// A unified diff of a file's text before and after (`---`/`+++` naming
/// `path`, three lines of context); empty when they are equal. A new file
/// is diffed from `/dev/null`.
pub(crate) fn unified_diff(path: &str, before: Option<&str>, after: &str) -> String {
    if before == Some(after) {
        return String::new();
    }
    let old_header = match before {
        Some(_) => format!("a/{path}"),
        None => "/dev/null".to_string(),
    };
    let diff = similar::TextDiff::from_lines(before.unwrap_or(""), after);
    let mut text = diff
        .unified_diff()
        .context_radius(3)
        .header(&old_header, &format!("b/{path}"))
        .to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Applicability;
    use crate::input::source::Span;

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        let edits = edits
            .iter()
            .map(|&(start, end, text)| Edit {
                span: Span::new(start, end),
                text: text.to_string(),
            })
            .collect();
        Fix::new("test", Applicability::Safe, edits)
    }

    #[test]
    fn edits_apply_back_to_front_and_a_conflicting_fix_is_skipped() {
        let text = "CREATE INDEX i ON t (a);\n";
        let a = fix(&[(12, 12, " CONCURRENTLY"), (0, 0, "-- no-transaction\n")]);
        let b = fix(&[(0, 0, "SET lock_timeout = '5s';\n")]);
        let c = fix(&[(7, 14, "X")]);
        let applied = apply(text, &[&a, &b, &c]);
        assert_eq!(
            applied.text,
            "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
        );
        assert_eq!(applied.applied, [0]);
        assert_eq!(applied.skipped, 2);
    }

    #[test]
    fn replacement_text_takes_the_files_line_ending() {
        let text = "ALTER TABLE t ADD c int;\r\n";
        let applied = apply(text, &[&fix(&[(0, 0, "SET lock_timeout = '5s';\n")])]);
        assert_eq!(applied.text, "SET lock_timeout = '5s';\r\nALTER TABLE t ADD c int;\r\n");
        assert_eq!(line_ending("a\rb"), "\r");
        assert_eq!(line_ending("a"), "\n");
    }

    #[test]
    fn an_edit_out_of_the_text_or_inside_a_character_is_not_applied() {
        assert_eq!(apply("é", &[&fix(&[(1, 1, "x")])]).skipped, 1);
        assert_eq!(apply("ab", &[&fix(&[(3, 3, "x")])]).skipped, 1);
    }

    #[test]
    fn the_diff_names_the_file_and_shows_the_change() {
        let diff = unified_diff("m.sql", Some("a\nb\n"), "a\nc\n");
        assert!(diff.starts_with("--- a/m.sql\n+++ b/m.sql\n"), "{diff}");
        assert!(diff.contains("-b\n+c\n"), "{diff}");
        assert_eq!(unified_diff("m.sql", Some("a\n"), "a\n"), "");
        assert!(unified_diff("n.sql", None, "x\n").starts_with("--- /dev/null\n+++ b/n.sql\n"));
    }
}
