//! The rule trait and its metadata.

use crate::analysis::mysql::MysqlAnalyzed;
use crate::analysis::sqlite::SqliteAnalyzed;
use crate::analysis::{AnalyzedFile, RunContext, StatementContext};
use crate::diagnostic::{Finding, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    DataLoss,
    Locking,
    Rewrite,
    Compatibility,
    Transaction,
    Timeout,
    Style,
    /// Text miglint could not read as SQL.
    Syntax,
    /// Problems with `miglint: ignore` comments.
    Suppression,
    /// The migration history in git: edited, reordered or duplicated migrations.
    History,
    /// The team's own rules, from `[[custom_rules]]` in miglint.toml.
    Custom,
}

impl Category {
    pub const ALL: [Category; 11] = [
        Category::DataLoss,
        Category::Locking,
        Category::Rewrite,
        Category::Compatibility,
        Category::Transaction,
        Category::Timeout,
        Category::Style,
        Category::Syntax,
        Category::Suppression,
        Category::History,
        Category::Custom,
    ];

    /// The category named `name` (`data-loss`, `locking`, ...).
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|category| category.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::DataLoss => "data-loss",
            Category::Locking => "locking",
            Category::Rewrite => "rewrite",
            Category::Compatibility => "compatibility",
            Category::Transaction => "transaction",
            Category::Timeout => "timeout",
            Category::Style => "style",
            Category::Syntax => "syntax",
            Category::Suppression => "suppression",
            Category::History => "history",
            Category::Custom => "custom",
        }
    }
}

/// What every rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// The stable kebab-case id used in config, suppressions and output.
    pub id: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    /// Off unless config or the command line turns it on (at
    /// `default_severity`, or the severity given there).
    pub enabled_by_default: bool,
    /// The miglint version that introduced the rule.
    pub since: &'static str,
    /// `rules/<id>.md`, compiled in.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The text of a `## heading` section of the rule's documentation.
    pub fn section(&self, heading: &str) -> Option<&'static str> {
        doc_section(self.doc, heading)
    }

    /// The first sentence under `## What it does`.
    pub fn summary(&self) -> &'static str {
        let paragraph = self.description().split("\n\n").next().unwrap_or("");
        first_sentence(paragraph)
    }

    /// The full text under `## What it does`.
    pub fn description(&self) -> &'static str {
        doc_section(self.doc, "What it does").unwrap_or("").trim()
    }
}

/// `paragraph` up to the period that ends its first sentence: one followed by
/// whitespace or the end, outside `code` spans (`ALTER TABLE ... ADD`) and not
/// the last dot of an ellipsis; the whole paragraph when there is none.
fn first_sentence(paragraph: &str) -> &str {
    let bytes = paragraph.as_bytes();
    let mut in_code = false;
    for (i, &byte) in bytes.iter().enumerate() {
        match byte {
            b'`' => in_code = !in_code,
            b'.' if !in_code => {
                let ends_word = bytes.get(i + 1).is_none_or(u8::is_ascii_whitespace);
                let in_ellipsis = i > 0 && bytes[i - 1] == b'.';
                if ends_word && !in_ellipsis {
                    return &paragraph[..=i];
                }
            }
            _ => {}
        }
    }
    paragraph
}

/// The text of a `## heading` section of a rule doc.
pub(crate) fn doc_section<'d>(doc: &'d str, heading: &str) -> Option<&'d str> {
    let marker = format!("\n## {heading}\n");
    let start = doc.find(&marker)? + marker.len();
    let end = doc[start..].find("\n## ").map_or(doc.len(), |e| start + e);
    Some(&doc[start..end])
}

/// The metadata half of a rule. `declare_rule!` implements it from its
/// arguments and `rules/<id>.md`, so no rule writes it by hand.
pub(crate) trait DeclaredRule {
    fn meta(&self) -> &'static RuleMeta;
}

/// What a rule checks; its metadata comes from `declare_rule!`.
pub(crate) trait Rule: DeclaredRule + Send + Sync {
    /// Checks one statement. Most rules match one kind of statement and
    /// return early for the rest.
    fn check_statement(&self, _ctx: StatementContext<'_>, _out: &mut Vec<Finding>) {}

    /// Checks the file as a whole, for rules about order or what is missing.
    fn check_file(&self, _file: &AnalyzedFile<'_>, _out: &mut Vec<Finding>) {}

    /// Checks a SQLite file: the SQLite rules, and the rules whose danger
    /// SQLite shares (dropping a table or a column loses its data there too).
    fn check_sqlite(&self, _file: &SqliteAnalyzed<'_>, _out: &mut Vec<Finding>) {}

    /// Checks a MySQL or MariaDB file: the MySQL rules, and the rules whose
    /// danger MySQL shares (dropping a table, renaming a column).
    fn check_mysql(&self, _file: &MysqlAnalyzed<'_>, _out: &mut Vec<Finding>) {}

    /// Starts a check of one run as a whole, for rules about order across
    /// files or the end state; None for rules of statements and files.
    fn run_check(&self) -> Option<Box<dyn RunCheck>> {
        None
    }
}

/// A rule's check of one run. A run is analysed a few files at a time and
/// each file's parse trees are dropped once it is linted, so the check sees
/// every analysed file once, in run order, while its trees exist (`file`),
/// keeps what it needs of it, and decides at the end (`finish`).
pub(crate) trait RunCheck: Send {
    /// Sees the file at input `index`. Its findings are the file's, in
    /// the file's analysis text like those of `check_file`.
    fn file(&mut self, _index: usize, _file: &AnalyzedFile<'_>, _out: &mut Vec<Finding>) {}

    /// Checks the run's end, once the catalog has seen every file. Each
    /// finding names its file's index in the run; its spans are of that
    /// file's analysis text.
    fn finish(self: Box<Self>, _run: &RunContext<'_>, _out: &mut Vec<(usize, Finding)>) {}
}

/// Declares a rule's unit struct and metadata (`META`, and `meta()` through
/// `DeclaredRule`); its doc is `rules/<id>.md`. The rule's file then only
/// writes `impl Rule` with its checks. Exported only so that rule files can
/// name it `crate::rule::declare_rule!`; it is of no use outside the crate.
#[doc(hidden)]
#[macro_export]
macro_rules! declare_rule {
    ($name:ident, id: $id:literal, category: $category:ident, severity: $severity:ident, since: $since:literal $(,)?) => {
        $crate::rule::declare_rule!($name, id: $id, category: $category, severity: $severity, since: $since, enabled_by_default: true);
    };
    ($name:ident, id: $id:literal, category: $category:ident, severity: $severity:ident, since: $since:literal, enabled_by_default: $enabled:literal $(,)?) => {
        pub(crate) struct $name;

        pub(crate) const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
            id: $id,
            category: $crate::rule::Category::$category,
            default_severity: $crate::diagnostic::Severity::$severity,
            enabled_by_default: $enabled,
            since: $since,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $id, ".md")),
        };

        impl $crate::rule::DeclaredRule for $name {
            fn meta(&self) -> &'static $crate::rule::RuleMeta {
                &META
            }
        }
    };
}
pub(crate) use declare_rule;

#[cfg(test)]
mod tests {
    use super::{first_sentence, Category};

    #[test]
    fn categories_parse_from_their_names() {
        for category in Category::ALL {
            assert_eq!(Category::parse(category.as_str()), Some(category));
        }
        assert_eq!(Category::parse("dataloss"), None);
    }

    #[test]
    fn a_sentence_ends_at_a_period_outside_code_and_ellipses() {
        assert_eq!(
            first_sentence("Flags `ALTER TABLE ... DROP COLUMN` on a table. Columns of new tables are not."),
            "Flags `ALTER TABLE ... DROP COLUMN` on a table."
        );
        assert_eq!(
            first_sentence("Waits... then flags it. More."),
            "Waits... then flags it."
        );
        assert_eq!(first_sentence("Flags `a.b` and\n`c`.\nMore."), "Flags `a.b` and\n`c`.");
        assert_eq!(first_sentence("No period at all"), "No period at all");
    }
}
