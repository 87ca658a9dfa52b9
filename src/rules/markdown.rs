//! The README's rules table, generated from the rule list: `miglint rules
//! --format markdown` prints it, `cargo xtask readme` (and `cargo xtask
//! new-rule`) write it into README.md between the markers below, and a meta
//! test fails when README.md differs from it.

use crate::rule::RuleMeta;

/// The line before the table in README.md.
pub const README_START: &str =
    "<!-- rules table: generated from src/rules/mod.rs and rules/*.md by `cargo xtask readme`; do not edit -->";
/// The line after the table in README.md.
pub const README_END: &str = "<!-- end of rules table -->";

/// A header, then one row per rule in the order given.
pub fn rules_table<'m>(rules: impl IntoIterator<Item = &'m RuleMeta>) -> String {
    let mut table = String::from("| rule | category | default | what it flags |\n| --- | --- | --- | --- |\n");
    for meta in rules {
        table.push_str(&row(meta));
        table.push('\n');
    }
    table
}

/// `| [`id`](rules/id.md) | category | default | summary |`: the default is
/// `off` for a rule that is off until config turns it on.
fn row(meta: &RuleMeta) -> String {
    let default = if meta.enabled_by_default {
        meta.default_severity.as_str()
    } else {
        "off"
    };
    format!(
        "| [`{id}`](rules/{id}.md) | {category} | {default} | {summary} |",
        id = meta.id,
        category = meta.category.as_str(),
        summary = cell(meta.summary()),
    )
}

/// Text that stays inside one table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The table between the markers of `readme`.
pub fn table_in_readme(readme: &str) -> Option<&str> {
    let (start, end) = table_bounds(readme)?;
    Some(&readme[start..end])
}

/// `readme` with `table` between its markers; None when a marker is missing.
pub fn with_table(readme: &str, table: &str) -> Option<String> {
    let (start, end) = table_bounds(readme)?;
    Some(format!("{}{table}{}", &readme[..start], &readme[end..]))
}

/// The byte range of the table: from the line after the start marker to
/// the start of the end marker's line.
fn table_bounds(readme: &str) -> Option<(usize, usize)> {
    let start = readme.find(&format!("{README_START}\n"))? + README_START.len() + 1;
    let rest = &readme[start..];
    let end = if rest.starts_with(README_END) {
        start
    } else {
        start + rest.find(&format!("\n{README_END}"))? + 1
    };
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::rule::Category;

    #[test]
    fn rows_escape_pipes_and_say_off_for_rules_off_by_default() {
        let meta = RuleMeta {
            id: "some-rule",
            category: Category::Style,
            default_severity: Severity::Warning,
            enabled_by_default: false,
            since: "0.1.0",
            doc: "# some-rule\n\n## What it does\nFlags `a | b` and\nmore. Not this.\n",
        };
        assert_eq!(
            rules_table([&meta]),
            "| rule | category | default | what it flags |\n| --- | --- | --- | --- |\n\
             | [`some-rule`](rules/some-rule.md) | style | off | Flags `a \\| b` and more. |\n"
        );
    }

    #[test]
    fn the_table_goes_between_the_markers() {
        let readme = format!("intro\n{README_START}\nold\n{README_END}\nrest\n");
        assert_eq!(table_in_readme(&readme), Some("old\n"));
        let new = with_table(&readme, "| new |\n").unwrap();
        assert_eq!(new, format!("intro\n{README_START}\n| new |\n{README_END}\nrest\n"));
        assert_eq!(table_in_readme(&new), Some("| new |\n"));
        assert_eq!(with_table("no markers", "x"), None);
        let empty = format!("{README_START}\n{README_END}");
        assert_eq!(
            with_table(&empty, "t\n").as_deref(),
            Some(format!("{README_START}\nt\n{README_END}").as_str())
        );
    }
}
