//! Team policy written as data: `[[custom_rules]]` in miglint.toml. A
//! custom rule flags the statements of a kind (`DROP`, `CREATE INDEX`,
//! `ALTER TABLE ... DROP COLUMN`), or that take a lock of a mode or a
//! stronger one, optionally only on tables or schemas matching globs. The
//! config reads it, the engine checks it (`report::custom`).

use crate::settings::{Severity, TablePattern};

/// One `[[custom_rules]]` entry, checked.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CustomRule {
    /// Kebab-case, unlike every built-in id; used in `[rules]`, ignore
    /// comments and every output.
    pub(crate) id: String,
    /// The finding's message.
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    pub(crate) severity: Severity,
    /// Statement kinds, any of which matches; empty: any statement.
    pub(crate) statements: Vec<StatementPattern>,
    /// A lock mode as PostgreSQL names it (`ACCESS EXCLUSIVE`): the rule
    /// matches a statement that takes it, or a mode that blocks all it
    /// blocks, on a table that existed before the change.
    pub(crate) lock: Option<String>,
    /// Only statements on these tables (`payments.*`).
    pub(crate) tables: Vec<TablePattern>,
    /// Only statements on tables of, or about, these schemas (globs).
    pub(crate) schemas: Vec<glob::Pattern>,
    /// `file:line:column` of the entry's id, for errors found later.
    pub(crate) at: String,
}

/// A statement kind as keywords: those before `...` begin the statement
/// (`CREATE INDEX` matches `CREATE UNIQUE INDEX CONCURRENTLY`: the first
/// word first, the rest in order among the keywords that lead it), those
/// after `...` follow somewhere later, together (`ALTER TABLE ... DROP
/// COLUMN`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StatementPattern {
    written: String,
    leading: Vec<String>,
    later: Vec<String>,
}

impl StatementPattern {
    /// Err says what is wrong with the pattern.
    pub(crate) fn new(text: &str) -> Result<StatementPattern, String> {
        let (head, tail) = match text.split_once("...") {
            Some((head, tail)) => (head, Some(tail)),
            None => (text, None),
        };
        let words = |part: &str| -> Result<Vec<String>, String> {
            part.split_whitespace()
                .map(|word| {
                    if word.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
                        Ok(word.to_ascii_lowercase())
                    } else {
                        Err(format!(
                            "statement pattern {text:?}: `{word}` is not a keyword; write keywords such as \"DROP TABLE\" or \"ALTER TABLE ... DROP COLUMN\""
                        ))
                    }
                })
                .collect()
        };
        if tail.is_some_and(|t| t.contains("...")) {
            return Err(format!("statement pattern {text:?} has more than one `...`"));
        }
        let leading = words(head)?;
        let later = tail.map(words).transpose()?.unwrap_or_default();
        if leading.is_empty() {
            return Err(format!(
                "statement pattern {text:?} must start with the statement's first keyword, such as \"DROP\""
            ));
        }
        if tail.is_some() && later.is_empty() {
            return Err(format!(
                "statement pattern {text:?}: write the keywords that follow `...`"
            ));
        }
        Ok(StatementPattern {
            written: text.trim().to_string(),
            leading,
            later,
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.written
    }

    /// Does a statement whose tokens are `words` (lowercase), of which
    /// the first `keywords` are the keywords that lead it, match? Some
    /// gives the index range of the tokens that matched last: the clause
    /// to point at.
    pub(crate) fn matches(&self, words: &[&str], keywords: usize) -> Option<std::ops::Range<usize>> {
        let lead = &words[..keywords.min(words.len())];
        if lead.first() != Some(&self.leading[0].as_str()) {
            return None;
        }
        let mut at = 1;
        for word in &self.leading[1..] {
            at += lead[at..].iter().position(|w| w == word)? + 1;
        }
        if self.later.is_empty() {
            return Some(0..at);
        }
        let n = self.later.len();
        (at..words.len().saturating_sub(n - 1))
            .find(|&i| words[i..i + n].iter().zip(&self.later).all(|(w, p)| w == p))
            .map(|i| i..i + n)
    }
}

#[cfg(test)]
mod tests {
    use super::StatementPattern;

    fn matched(pattern: &str, statement: &str, keywords: usize) -> Option<String> {
        let words: Vec<&str> = statement.split_whitespace().collect();
        let range = StatementPattern::new(pattern).unwrap().matches(&words, keywords)?;
        Some(words[range].join(" "))
    }

    #[test]
    fn leading_keywords_match_in_order_from_the_first() {
        assert_eq!(matched("DROP", "drop table t", 2).as_deref(), Some("drop"));
        assert_eq!(
            matched("CREATE INDEX", "create unique index concurrently i on t", 4).as_deref(),
            Some("create unique index")
        );
        assert_eq!(matched("DROP TABLE", "drop index table_idx", 2), None);
        assert_eq!(matched("TABLE", "drop table t", 2), None);
        // Words past the leading keywords are names, not the kind.
        assert_eq!(matched("ALTER TABLE", "alter index table", 2), None);
    }

    #[test]
    fn keywords_after_the_ellipsis_follow_together() {
        assert_eq!(
            matched("ALTER TABLE ... DROP COLUMN", "alter table t drop column c", 2).as_deref(),
            Some("drop column")
        );
        assert_eq!(
            matched("ALTER TABLE ... DROP COLUMN", "alter table t drop constraint c", 2),
            None
        );
        assert_eq!(
            matched("ALTER TABLE ... DROP COLUMN", "alter table drop column", 1),
            None
        );
    }

    #[test]
    fn bad_patterns_say_why() {
        assert!(StatementPattern::new("").unwrap_err().contains("first keyword"));
        assert!(StatementPattern::new("... DROP").unwrap_err().contains("first keyword"));
        assert!(StatementPattern::new("ALTER TABLE ...").unwrap_err().contains("follow"));
        assert!(StatementPattern::new("DROP TABLE users").is_ok());
        assert!(StatementPattern::new("DROP TABLE \"users\"")
            .unwrap_err()
            .contains("not a keyword"));
        assert!(StatementPattern::new("A ... B ... C")
            .unwrap_err()
            .contains("more than one"));
    }
}
