//! A table glob, as `[owners]` and `[tables]` in miglint.toml write it.
//!
//! A pattern is a glob over a table's name (`users`, `audit_*`) or over a
//! schema and a table (`billing.*`, `public.audit_*`); `*`, `?` and `[...]`
//! work as in file globs. A pattern without a schema matches the table in
//! any schema; one with a schema matches the schema the statement writes,
//! or PostgreSQL's `public` for a name written without one (MySQL and
//! SQLite tables, whose database miglint does not read, meet only patterns
//! without a schema). PostgreSQL compares names as it stores them
//! (unquoted names folded to lowercase, quoted ones as written); MySQL and
//! SQLite ignore case.

/// How a dialect compares table names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRules {
    /// PostgreSQL: names as stored, compared exactly; no schema means `public`.
    Postgres,
    /// MySQL and SQLite: case ignored; the schema (database) is unknown.
    CaseInsensitive,
}

/// `table` or `schema.table`, each part a glob.
#[derive(Clone, Debug, PartialEq)]
pub struct TablePattern {
    /// The pattern as written.
    written: String,
    schema: Option<glob::Pattern>,
    table: glob::Pattern,
}

impl TablePattern {
    /// Err says what is wrong with the pattern.
    pub fn new(pattern: &str) -> Result<TablePattern, String> {
        if pattern.trim().is_empty() {
            return Err("an empty pattern matches no table".to_string());
        }
        if pattern.chars().any(char::is_whitespace) {
            return Err(format!(
                "pattern {pattern:?} holds a space; a table pattern is one word"
            ));
        }
        let parts: Vec<&str> = pattern.split('.').collect();
        let (schema, table) = match parts.as_slice() {
            [table] => (None, *table),
            [schema, table] => (Some(*schema), *table),
            _ => {
                return Err(format!(
                    "pattern {pattern:?} has more than one `.`; write `table` or `schema.table`"
                ))
            }
        };
        let compile = |part: &str| {
            if part.is_empty() {
                return Err(format!(
                    "pattern {pattern:?} has an empty part; write `table` or `schema.table`"
                ));
            }
            glob::Pattern::new(part).map_err(|e| format!("bad pattern {pattern:?}: {e}"))
        };
        Ok(TablePattern {
            written: pattern.to_string(),
            schema: schema.map(compile).transpose()?,
            table: compile(table)?,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// Does the pattern match the table `name` in `schema` (None: as
    /// written without one)?
    pub fn matches(&self, schema: Option<&str>, name: &str, rules: NameRules) -> bool {
        let options = glob::MatchOptions {
            case_sensitive: rules == NameRules::Postgres,
            require_literal_separator: false,
            require_literal_leading_dot: false,
        };
        if !self.table.matches_with(name, options) {
            return false;
        }
        match (&self.schema, rules) {
            (None, _) => true,
            (Some(pattern), NameRules::Postgres) => pattern.matches_with(schema.unwrap_or("public"), options),
            (Some(pattern), NameRules::CaseInsensitive) => schema.is_some_and(|s| pattern.matches_with(s, options)),
        }
    }
}
