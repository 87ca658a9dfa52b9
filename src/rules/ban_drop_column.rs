//! `ban-drop-column`: `ALTER TABLE ... DROP COLUMN` on an existing table
//! deletes the column's data and breaks running code that still reads it.

use pg_query::protobuf::{AlterTableType, DropBehavior};

use sqlparser::ast::AlterTableOperation;

use crate::analysis::mysql::{Algorithm, MysqlAnalyzed};
use crate::analysis::names::quote_ident;
use crate::analysis::sqlite::{Action as SqliteAction, SqliteAnalyzed};
use crate::analysis::{RelationLock, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(BanDropColumn, id: "ban-drop-column", category: DataLoss, severity: Error, since: "0.1.0");

impl Rule for BanDropColumn {
    /// SQLite: a column of a table that held rows before the change, dropped
    /// (when SQLite would refuse the drop, `sqlite-alter-table-fails` says so).
    fn check_sqlite(&self, file: &SqliteAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in file.statements.iter().filter(|s| s.loses_data) {
            let SqliteAction::DropColumn { table, column } = &statement.action else {
                continue;
            };
            out.push(
                Finding::new(
                    statement.span,
                    format!(
                        "column \"{column}\" of \"{table}\" dropped: its data is lost and running app versions that read it fail"
                    ),
                )
                .about_column(column)
                .label(
                    statement.span,
                    "SQLite rewrites every row of the table to remove it, holding the database's write lock",
                )
                .help(drop_in_two_releases(&format!("\"{column}\""), column, table)),
            );
        }
    }

    /// MySQL: a column of a table that held rows before the change, dropped.
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            let Some((operations, table)) = statement.altered_existing_table() else {
                continue;
            };
            let name = &table.name;
            for operation in operations {
                let AlterTableOperation::DropColumn { column_names, .. } = operation else {
                    continue;
                };
                for column in column_names {
                    let column = &column.value;
                    let rebuild = match statement.online.as_ref() {
                        Some(verdict) if verdict.algorithm == Algorithm::Instant => {
                            "dropped instantly: the data is gone at once".to_string()
                        }
                        Some(_) => "the table is rebuilt without it: every row is rewritten".to_string(),
                        None => "the table is rebuilt without it".to_string(),
                    };
                    out.push(
                        Finding::new(
                            statement.span,
                            format!("column `{column}` of `{name}` dropped: its data is lost and running app versions that read it fail"),
                        )
                        .about_column(&column.to_lowercase())
                        .label(statement.span, rebuild)
                        .help(drop_in_two_releases(&format!("`{column}`"), &format!("`{column}`"), &format!("`{name}`"))),
                    );
                }
            }
        }
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_table(ctx) else {
            return;
        };
        let table = &alter.relation;
        for action in alter.actions_of(AlterTableType::AtDropColumn) {
            let cmd = action.cmd;
            // This action's own lock: the statement's may be stronger.
            let lock = RelationLock {
                relation: table.clone(),
                mode: action.lock_mode(),
            };
            let cascade = if cmd.behavior == DropBehavior::DropCascade as i32 {
                " (CASCADE also drops the views, indexes and constraints that use it)"
            } else {
                ""
            };
            let column = &cmd.name;
            out.push(
                Finding::new(
                    action.span(),
                    format!(
                        "column \"{column}\" of {table} dropped: its data is lost and running app versions that read it fail{cascade}"
                    ),
                )
                .about_column(column)
                .label(alter.name_span(), format!("{} while the column is removed", lock.describe()))
                .help(help(column, table))
                .lock(&lock.relation, lock.mode),
            );
        }
    }
}

fn help(column: &str, table: &RelationName) -> String {
    let col = quote_ident(column);
    drop_in_two_releases(&col, &col, &table.to_sql())
}

/// The two releases of a column's drop: `shown`, the column as the text
/// names it; `column` and `table` as the SQL spells them.
fn drop_in_two_releases(shown: &str, column: &str, table: &str) -> String {
    numbered_steps(
        "drop the column in two releases (expand/contract):",
        &[
            format!(
                "stop reading and writing {shown} in the application (list columns instead of SELECT *), and deploy that"
            ),
            format!(
                "in a later migration, once no deployed version uses it: ALTER TABLE {table} DROP COLUMN {column};\n     \
                 with an ignore comment saying since when it is unused: -- miglint: ignore ban-drop-column -- <reason>"
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_each_dropped_column() {
        let found = findings(
            "ban-drop-column",
            "ALTER TABLE users DROP COLUMN email, DROP COLUMN IF EXISTS phone CASCADE;",
        );
        assert_eq!(found.len(), 2);
        assert!(found[0].starts_with("column \"email\" of \"users\" dropped"));
        assert!(found[1].contains("CASCADE"));
    }

    #[test]
    fn columns_of_new_tables_are_fine() {
        assert!(findings(
            "ban-drop-column",
            "CREATE TABLE t (a bigint, b text);\nALTER TABLE t DROP COLUMN b;"
        )
        .is_empty());
        assert!(findings("ban-drop-column", "ALTER TABLE t DROP CONSTRAINT c;").is_empty());
    }
}
