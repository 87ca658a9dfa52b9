//! Naming conventions (`[naming]` in `miglint.toml`): a regular expression
//! per kind of name, in which `{table}` and `{columns}` stand for the table
//! and its columns joined by `_`, as written in the statement.

/// The kinds of names a convention can govern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameKind {
    /// `CREATE INDEX name` (and `CREATE UNIQUE INDEX` when `unique` is not set).
    Index,
    /// `UNIQUE` constraints, and unique indexes when set.
    Unique,
    ForeignKey,
    Check,
    PrimaryKey,
}

impl NameKind {
    pub const ALL: [NameKind; 5] = [
        NameKind::Index,
        NameKind::Unique,
        NameKind::ForeignKey,
        NameKind::Check,
        NameKind::PrimaryKey,
    ];

    /// The key in `[naming]`.
    pub fn key(self) -> &'static str {
        match self {
            NameKind::Index => "index",
            NameKind::Unique => "unique",
            NameKind::ForeignKey => "foreign_key",
            NameKind::Check => "check",
            NameKind::PrimaryKey => "primary_key",
        }
    }

    /// In messages: `index`, `unique constraint`, ...
    pub fn noun(self) -> &'static str {
        match self {
            NameKind::Index => "index",
            NameKind::Unique => "unique constraint",
            NameKind::ForeignKey => "foreign key",
            NameKind::Check => "check constraint",
            NameKind::PrimaryKey => "primary key",
        }
    }
}

/// One convention: the pattern as written, checked to compile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePattern {
    source: String,
}

impl NamePattern {
    /// The pattern, or why it is no regular expression once its
    /// placeholders are filled.
    pub fn new(source: &str) -> Result<NamePattern, String> {
        let pattern = NamePattern {
            source: source.to_string(),
        };
        // The regex crate's message ends with its one-line reason.
        pattern.regex("t", &["c".to_string()]).map_err(|e| {
            let text = e.to_string();
            text.lines().last().unwrap_or_default().trim().to_string()
        })?;
        Ok(pattern)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    fn regex(&self, table: &str, columns: &[String]) -> Result<regex::Regex, regex::Error> {
        let filled = self
            .source
            .replace("{table}", &regex::escape(table))
            .replace("{columns}", &regex::escape(&columns.join("_")));
        regex::Regex::new(&filled)
    }

    /// `name` matches the pattern for this table and these columns.
    pub fn matches(&self, name: &str, table: &str, columns: &[String]) -> bool {
        self.regex(table, columns).is_ok_and(|r| r.is_match(name))
    }

    /// The pattern with its placeholders filled, for messages.
    pub fn filled(&self, table: &str, columns: &[String]) -> String {
        self.source
            .replace("{table}", table)
            .replace("{columns}", &columns.join("_"))
    }
}

/// The conventions set, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Naming {
    pub patterns: Vec<(NameKind, NamePattern)>,
}

impl Naming {
    pub fn pattern(&self, kind: NameKind) -> Option<&NamePattern> {
        self.patterns.iter().find(|(k, _)| *k == kind).map(|(_, p)| p)
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_the_names_as_written() {
        let p = NamePattern::new("^{table}_{columns}_idx$").unwrap();
        let cols = ["user_id".to_string(), "created_at".to_string()];
        assert!(p.matches("orders_user_id_created_at_idx", "orders", &cols));
        assert!(!p.matches("idx_orders", "orders", &cols));
        assert!(NamePattern::new("^idx_(").is_err());
        assert!(NamePattern::new("^[a-z]{2,}_fk$").is_ok(), "regex repetitions stay");
    }
}
