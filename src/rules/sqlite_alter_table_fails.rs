//! `sqlite-alter-table-fails`: an `ALTER TABLE` that SQLite refuses: a form
//! it does not have, a column it cannot add or drop that way, or a form the
//! configured SQLite version lacks. The migration stops there.

use crate::analysis::sqlite::{Action, SqliteAnalyzed, SqliteStatementState};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(SqliteAlterTableFails, id: "sqlite-alter-table-fails", category: Compatibility, severity: Error, since: "0.1.0");

impl Rule for SqliteAlterTableFails {
    fn check_sqlite(&self, file: &SqliteAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            let Some(why) = &statement.refused else { continue };
            out.push(
                Finding::new(statement.span, format!("SQLite refuses this ALTER TABLE: {why}"))
                    .label(statement.span, "the migration stops here with an error")
                    .help(help(statement)),
            );
        }
    }
}

/// SQLite's documented way for any other change, shortened to what a
/// migration writes.
fn rebuild(intro: &str, table: &str) -> String {
    numbered_steps(
        intro,
        &[
            format!("CREATE TABLE new_{table} (...) with the new definition;"),
            format!("INSERT INTO new_{table} (...) SELECT ... FROM {table};"),
            format!("DROP TABLE {table};"),
            format!("ALTER TABLE new_{table} RENAME TO {table};"),
            format!("create the indexes and triggers of {table} again (the drop took them)"),
        ],
    )
}

fn help(statement: &SqliteStatementState) -> String {
    let why = statement.refused.as_deref().unwrap_or("");
    let rebuild_instead =
        |table: &str| rebuild("rebuild the table instead (SQLite's way for any other change):", table);
    match &statement.action {
        Action::AddColumn { table, column } => {
            let name = &column.name;
            if column.primary_key {
                rebuild("a table that exists cannot gain a primary key; rebuild it:", table)
            } else if column.unique {
                numbered_steps(
                    "add the column, then its uniqueness as an index:",
                    &[
                        format!("ALTER TABLE {table} ADD COLUMN {name} ... (without UNIQUE);"),
                        format!("CREATE UNIQUE INDEX {table}_{name}_key ON {table} ({name});"),
                    ],
                )
            } else if why.contains("STORED") {
                "add it as a VIRTUAL generated column (computed when read), or rebuild the table to store it"
                    .to_string()
            } else if why.contains("non-constant default") {
                numbered_steps(
                    "add it with a constant default (or none), then fill it:",
                    &[
                        format!("ALTER TABLE {table} ADD COLUMN {name} ... (DEFAULT NULL or a literal);"),
                        format!("UPDATE {table} SET {name} = <the expression> WHERE {name} IS NULL; (in batches on a large table)"),
                    ],
                )
            } else if why.contains("NOT NULL") {
                format!(
                    "give it a non-NULL constant default (ADD COLUMN {name} ... NOT NULL DEFAULT <value>), or add it \
                     nullable, fill it, and rebuild the table to make it NOT NULL"
                )
            } else {
                format!("add the REFERENCES column with DEFAULT NULL (or no default), then fill {name}")
            }
        }
        Action::DropColumn { table, .. } | Action::RenameColumn { table, .. } if why.contains("needs SQLite") => {
            format!(
                "set sqlite_version in miglint.toml if every database this runs on has a newer SQLite; otherwise {}",
                rebuild_instead(table)
            )
        }
        Action::DropColumn { table, .. } if why.contains("index") && !why.contains("partial") => {
            format!(
                "drop the index first (DROP INDEX ...;) in the same migration, or {}",
                rebuild_instead(table)
            )
        }
        Action::DropColumn { table, .. }
            if why.contains("view") || why.contains("trigger") || why.contains("generated") =>
        {
            format!(
                "drop (and create again without the column) what uses it first, in the same migration, or {}",
                rebuild_instead(table)
            )
        }
        Action::DropColumn { table, .. } | Action::RenameColumn { table, .. } => rebuild_instead(table),
        _ => rebuild_instead("t"),
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::sqlite_findings;

    const ID: &str = "sqlite-alter-table-fails";

    #[test]
    fn flags_what_sqlite_refuses() {
        assert_eq!(
            sqlite_findings(ID, "ALTER TABLE t ADD COLUMN c text NOT NULL;"),
            ["SQLite refuses this ALTER TABLE: an added NOT NULL column needs a non-NULL default (\"c\")"]
        );
        assert_eq!(
            sqlite_findings(
                ID,
                "CREATE TABLE t (a int, b int UNIQUE);\nALTER TABLE t DROP COLUMN b;"
            ),
            ["SQLite refuses this ALTER TABLE: \"b\" cannot be dropped: it has a UNIQUE constraint"]
        );
    }

    #[test]
    fn leaves_what_sqlite_takes_alone() {
        assert!(sqlite_findings(ID, "CREATE TABLE t (a int, b int);\nALTER TABLE t ADD COLUMN c text NOT NULL DEFAULT '';\nALTER TABLE t DROP COLUMN b;").is_empty());
    }
}
