//! What the rules about down scripts share: where a finding about the down
//! script as a whole stands, where a statement's finding stands, and the
//! SQL that undoes an object.

use crate::analysis::reversal::{Object, ObjectKind};
use crate::analysis::AnalyzedFile;
use crate::input::source::Span;

/// The rules that read `AnalyzedFile::reversal`: the engine compares a down
/// script with the schema before its up script only when one is on.
pub(crate) const RULES: [&str; 3] = [
    "down-migration-incomplete",
    "down-migration-fails",
    "down-migration-loses-data",
];

/// The start of the down script: its first line with code or a comment
/// (a goose or dbmate down section's marker), the whole comment line.
pub(crate) fn script_start(file: &AnalyzedFile<'_>) -> Span {
    let text = &file.source.text[..file.parsed.text(file.original).text.len()];
    let Some(start) = text.find(|c: char| !c.is_whitespace()) else {
        return Span::new(0, 0);
    };
    if text[start..].starts_with("--") {
        let end = text[start..].find(['\n', '\r']).map_or(text.len(), |e| start + e);
        Span::new(start, end)
    } else {
        Span::new(start, start)
    }
}

/// A statement of the file, or one action of its `ALTER TABLE`.
pub(crate) fn statement_span(file: &AnalyzedFile<'_>, statement: usize, action: Option<usize>) -> Span {
    let ctx = file.statement(statement);
    match action {
        Some(n) => ctx.alter_action_span(n),
        None => ctx.span(),
    }
}

/// The statement that removes an object.
pub(crate) fn drop_sql(object: &Object) -> String {
    let name = object.sql_name();
    match (object.kind, object.sql_table()) {
        (ObjectKind::Column, Some(table)) => format!("ALTER TABLE {table} DROP COLUMN {name};"),
        (ObjectKind::Constraint, Some(table)) => format!("ALTER TABLE {table} DROP CONSTRAINT {name};"),
        (ObjectKind::Table, _) => format!("DROP TABLE {name};"),
        (ObjectKind::View, _) => format!("DROP VIEW {name};"),
        (ObjectKind::MaterializedView, _) => format!("DROP MATERIALIZED VIEW {name};"),
        (ObjectKind::Sequence, _) => format!("DROP SEQUENCE {name};"),
        (ObjectKind::Index, _) => format!("DROP INDEX {name};"),
        (ObjectKind::Enum, _) => format!("DROP TYPE {name};"),
        (ObjectKind::Domain, _) => format!("DROP DOMAIN {name};"),
        (ObjectKind::Routine, _) => format!("DROP FUNCTION {name};"),
        (ObjectKind::Schema, _) => format!("DROP SCHEMA {name};"),
        (_, None) => format!("DROP {} {name};", object.kind.noun().to_uppercase()),
    }
}

/// The statement that gives an object its old name back.
pub(crate) fn rename_sql(old: &Object, new: &Object) -> String {
    let (from, to) = (new.sql_name(), crate::analysis::names::quote_ident(&old.name.name));
    match (new.kind, new.sql_table()) {
        (ObjectKind::Column, Some(table)) => format!("ALTER TABLE {table} RENAME COLUMN {from} TO {to};"),
        (ObjectKind::Constraint, Some(table)) => format!("ALTER TABLE {table} RENAME CONSTRAINT {from} TO {to};"),
        (ObjectKind::Index, _) => format!("ALTER INDEX {from} RENAME TO {to};"),
        (ObjectKind::View, _) => format!("ALTER VIEW {from} RENAME TO {to};"),
        (ObjectKind::MaterializedView, _) => format!("ALTER MATERIALIZED VIEW {from} RENAME TO {to};"),
        (ObjectKind::Sequence, _) => format!("ALTER SEQUENCE {from} RENAME TO {to};"),
        _ => format!("ALTER TABLE {from} RENAME TO {to};"),
    }
}

/// "added" for what lives in a table, "created" for the rest.
pub(crate) fn made(object: &Object) -> &'static str {
    match object.kind {
        ObjectKind::Column | ObjectKind::Constraint => "added",
        _ => "created",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_rules_that_read_the_comparison_exist() {
        for id in super::RULES {
            assert!(crate::rules::all().iter().any(|r| r.meta().id == id), "{id}");
        }
    }
}
