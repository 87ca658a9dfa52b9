//! Shared by the style rules about column types (`prefer-bigint`,
//! `prefer-timestamptz`, `prefer-text`, `prefer-identity`, `prefer-jsonb`):
//! the columns a statement declares, where their type is written, and the
//! column written with a better type.

use crate::analysis::facts::lock_of_sql;
use crate::analysis::names::RelationName;
use crate::analysis::types::{self, declared_columns, Declaration, DeclaredColumn};
use crate::analysis::StatementContext;
use crate::input::source::Span;

/// A column a statement declares, as written.
pub(crate) struct Column<'a> {
    pub decl: DeclaredColumn<'a>,
    /// The type as written: `character varying(20)`.
    pub type_span: Span,
    /// The column's name as written (quoted if it was).
    pub name: String,
}

/// Columns of `CREATE TABLE`, `ADD COLUMN` and `ALTER COLUMN ... TYPE`.
pub(crate) fn columns<'a>(ctx: StatementContext<'a>) -> Vec<Column<'a>> {
    declared_columns(ctx.node())
        .into_iter()
        .map(|decl| {
            let name_span = ctx.word_at(decl.location);
            let written = ctx.file.source.slice(name_span);
            let name = if name_span != ctx.span() && unquote(written) == decl.column {
                written.to_string()
            } else {
                ident(decl.column)
            };
            Column {
                type_span: ctx.type_span(decl.type_name),
                name,
                decl,
            }
        })
        .collect()
}

impl Column<'_> {
    /// `column "id" of "users"`, for messages.
    pub(crate) fn subject(&self) -> String {
        format!("column \"{}\" of {}", self.decl.column, self.decl.table)
    }

    /// The type for messages: `integer`, `varchar(20)`, `timestamp[]`.
    pub(crate) fn type_display(&self) -> String {
        types::display_name(self.decl.type_name)
    }

    /// `[]` when the column is an array.
    pub(crate) fn array_suffix(&self) -> &'static str {
        if types::is_array(self.decl.type_name) {
            "[]"
        } else {
            ""
        }
    }

    pub(crate) fn is_serial(&self) -> bool {
        types::is_serial(self.decl.type_name)
    }

    pub(crate) fn base_name(&self) -> &str {
        types::base_name(self.decl.type_name)
    }

    /// The column written with `new_type` in the statement's own form:
    /// `id bigint`, `ADD COLUMN id bigint`, `ALTER COLUMN id TYPE bigint`.
    pub(crate) fn with_type(&self, new_type: &str) -> String {
        match self.decl.declaration {
            Declaration::CreateTable => format!("{} {new_type}", self.name),
            Declaration::AddColumn => format!("ADD COLUMN {} {new_type}", self.name),
            Declaration::AlterType => format!("ALTER COLUMN {} TYPE {new_type}", self.name),
        }
    }

    /// The table as SQL: `users`, `app.users`, `"Users"`.
    pub(crate) fn table_sql(&self) -> String {
        sql_name(&self.decl.table)
    }

    /// `an ACCESS EXCLUSIVE lock`: the lock the facts state for changing
    /// the column to `new_type` later with `ALTER COLUMN ... TYPE`.
    pub(crate) fn type_change_lock(&self, new_type: &str, pg_version: u32) -> String {
        let sql = format!(
            "ALTER TABLE {} ALTER COLUMN {} TYPE {new_type};",
            self.table_sql(),
            self.name
        );
        match lock_of_sql(&sql, pg_version) {
            Some(mode) if mode.name().starts_with(['A', 'E']) => format!("an {mode} lock"),
            Some(mode) => format!("a {mode} lock"),
            None => "a lock".to_string(),
        }
    }
}

/// A relation name as SQL, quoting the parts that need it.
pub(crate) fn sql_name(relation: &RelationName) -> String {
    match &relation.schema {
        Some(schema) => format!("{}.{}", ident(schema), ident(&relation.name)),
        None => ident(&relation.name),
    }
}

/// An identifier as SQL: bare when PostgreSQL would read it back unchanged.
pub(crate) fn ident(name: &str) -> String {
    let bare = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !RESERVED.contains(&name);
    if bare {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn unquote(written: &str) -> String {
    match written.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => written.to_ascii_lowercase(),
    }
}

/// Keywords that cannot be a column name without quotes (PostgreSQL's
/// reserved and type/function-name keywords).
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers_only_when_needed() {
        assert_eq!(ident("created_at"), "created_at");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("Name"), "\"Name\"");
        assert_eq!(sql_name(&RelationName::new(Some("app"), "order")), "app.\"order\"");
    }
}
