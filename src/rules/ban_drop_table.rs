//! `ban-drop-table`: `DROP TABLE` on a table the file did not create deletes
//! its data and breaks every running version of the application that uses it.

use pg_query::protobuf::{DropBehavior, ObjectType};
use pg_query::NodeEnum;

use crate::analysis::mysql::{Action as MysqlAction, MysqlAnalyzed};
use crate::analysis::sqlite::{Action as SqliteAction, SqliteAnalyzed};
use crate::analysis::{RelationLock, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::input::source::Span;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(BanDropTable, id: "ban-drop-table", category: DataLoss, severity: Error, since: "0.1.0");

impl Rule for BanDropTable {
    /// SQLite: a table that held rows before the change, dropped without
    /// its rows having been copied elsewhere by the file (a rebuild).
    fn check_sqlite(&self, file: &SqliteAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in file.statements.iter().filter(|s| s.loses_data) {
            let SqliteAction::DropTable { table, .. } = &statement.action else {
                continue;
            };
            out.push(
                Finding::new(statement.span, format!("table \"{table}\" dropped with its data"))
                    .label(statement.span, "running code that still uses it fails afterwards")
                    .help(numbered_steps(
                        &format!("retire \"{table}\" in steps (expand/contract):"),
                        &[
                            "stop reading and writing it in the application, and deploy that".to_string(),
                            format!(
                                "keep the data for a while: rename it aside (ALTER TABLE {table} RENAME TO {table}_deprecated;) or back it up (sqlite3 app.db \".dump {table}\")"
                            ),
                            "drop it in a later release, once no deployed version uses it".to_string(),
                        ],
                    )),
            );
        }
    }

    /// MySQL: each table that existed before the change, dropped.
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            if !matches!(statement.action, MysqlAction::DropTables { .. }) {
                continue;
            }
            for table in &statement.existing_tables {
                out.push(
                    Finding::new(statement.span, format!("table `{table}` dropped with its data"))
                        .label(statement.span, "running code that still uses it fails afterwards")
                        .help(numbered_steps(
                            &format!("retire `{table}` in steps (expand/contract):"),
                            &[
                                "stop reading and writing it in the application, and deploy that".to_string(),
                                format!(
                                    "keep the data for a while: rename it aside (RENAME TABLE `{table}` TO `{table}_deprecated`;) or back it up (mysqldump app {table})"
                                ),
                                "drop it in a later release, once no deployed version uses it".to_string(),
                            ],
                        )),
                );
            }
        }
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::DropStmt(drop) = ctx.node() else {
            return;
        };
        if drop.remove_type != ObjectType::ObjectTable as i32 {
            return;
        }
        // DROP TABLE takes ACCESS EXCLUSIVE on each table it drops.
        let locks: Vec<&RelationLock> = ctx.locks_on_existing().collect();
        let Some(first) = locks.first() else { return };
        let names: Vec<String> = locks.iter().map(|l| l.relation.to_string()).collect();
        let (noun, its, it) = if locks.len() == 1 {
            ("table", "its", "it")
        } else {
            ("tables", "their", "them")
        };
        let cascade = if drop.behavior == DropBehavior::DropCascade as i32 {
            format!(" (CASCADE also drops the views and foreign keys that depend on {it})")
        } else {
            String::new()
        };
        let mut finding = Finding::new(
            ctx.clause(&["drop", "table"]),
            format!("{noun} {} dropped with {its} data{cascade}", names.join(", ")),
        );
        for lock in &locks {
            finding = finding.label(
                name_span(ctx, &lock.relation),
                format!("{}; running code that still uses it fails afterwards", lock.describe()),
            );
        }
        let finding = finding.lock(&first.relation, first.mode);
        let sql = first.relation.to_sql();
        let aside = RelationName::new(None, &format!("{}_deprecated", first.relation.name)).to_sql();
        out.push(finding.help(numbered_steps(
            &format!("retire {} in steps (expand/contract):", names.join(", ")),
            &[
                format!("stop reading and writing {it} in the application, and deploy that"),
                format!(
                    "keep the data for a while: rename {it} aside (ALTER TABLE {sql} RENAME TO {aside};) or back {it} up (pg_dump --table={sql})"
                ),
                format!("drop {it} in a later release, once no deployed version uses {it}"),
            ],
        )));
    }
}

/// The span of the table's (possibly qualified) name in the statement.
fn name_span(ctx: StatementContext<'_>, table: &RelationName) -> Span {
    let tokens = ctx.tokens();
    let quoted = |part: &str| format!("\"{}\"", part.replace('"', "\"\""));
    let matches = |i: usize, part: &str| tokens.get(i).is_some_and(|t| t.is(part) || t.is(&quoted(part)));
    let found = (2..tokens.len()).find_map(|i| {
        if !matches(i, &table.name) {
            return None;
        }
        let qualified = tokens[i - 1].is(".");
        match (&table.schema, qualified) {
            (Some(schema), true) if matches(i - 2, schema) => {
                Some(Span::new(tokens[i - 2].span.start, tokens[i].span.end))
            }
            (None, false) => Some(tokens[i].span),
            _ => None,
        }
    });
    found.unwrap_or(ctx.span())
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_dropping_an_existing_table() {
        assert_eq!(
            findings("ban-drop-table", "DROP TABLE users;"),
            ["table \"users\" dropped with its data"]
        );
    }

    #[test]
    fn names_every_existing_table_once() {
        let found = findings(
            "ban-drop-table",
            "CREATE TABLE tmp (id bigint);\nDROP TABLE IF EXISTS tmp, a, app.b CASCADE;",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("tables \"a\", \"app\".\"b\" dropped") && found[0].contains("CASCADE"));
    }

    #[test]
    fn tables_created_in_the_file_and_other_objects_are_fine() {
        assert!(findings("ban-drop-table", "CREATE TABLE t (id bigint);\nDROP TABLE t;").is_empty());
        assert!(findings("ban-drop-table", "DROP VIEW v; DROP MATERIALIZED VIEW m;").is_empty());
    }
}

#[cfg(test)]
mod mysql_tests {
    use crate::tests::rules::mysql_findings;

    #[test]
    fn mysql_drops_of_tables_the_change_did_not_create() {
        assert_eq!(
            mysql_findings(
                "ban-drop-table",
                "CREATE TABLE scratch (a int);\nDROP TABLE IF EXISTS scratch, `Sessions`;"
            ),
            ["table `sessions` dropped with its data"]
        );
    }
}
