//! `ban-truncate`: `TRUNCATE` of an existing table deletes every row at once
//! under the strongest lock.

use pg_query::protobuf::DropBehavior;
use pg_query::NodeEnum;

use crate::analysis::mysql::{Action as MysqlAction, MysqlAnalyzed};
use crate::analysis::{RelationLock, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(BanTruncate, id: "ban-truncate", category: DataLoss, severity: Error, since: "0.1.0");

impl Rule for BanTruncate {
    /// MySQL: TRUNCATE of a table that existed before the change (MySQL
    /// drops and recreates it: no rollback, and it commits implicitly).
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in file
            .statements
            .iter()
            .filter(|s| matches!(s.action, MysqlAction::Truncate { .. }))
        {
            for table in &statement.existing_tables {
                out.push(
                    Finding::new(statement.span, format!("every row of table `{table}` deleted by TRUNCATE"))
                        .label(
                            statement.span,
                            "MySQL drops and recreates the table under an exclusive metadata lock: no ROLLBACK brings the rows back",
                        )
                        .help(numbered_steps(
                            "if the rows really must go, remove them without locking out reads and writes:",
                            &[
                                format!(
                                    "delete in batches outside the schema migration, each batch committed on its own:\n     \
                                     DELETE FROM `{table}` ORDER BY id LIMIT 10000;\n     \
                                     repeat until it deletes no row"
                                ),
                                "or create a new empty table, switch the application to it and deploy, then drop the old one in a later release"
                                    .to_string(),
                            ],
                        )),
                );
            }
        }
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::TruncateStmt(truncate) = ctx.node() else {
            return;
        };
        let locks: Vec<&RelationLock> = ctx.locks_on_existing().collect();
        let Some(first) = locks.first() else { return };
        let names: Vec<String> = locks.iter().map(|l| l.relation.to_string()).collect();
        let (noun, it) = if locks.len() == 1 {
            ("table", "it")
        } else {
            ("tables", "them")
        };
        let cascade = truncate.behavior == DropBehavior::DropCascade as i32;
        let message = if cascade {
            format!(
                "every row of {noun} {} deleted by TRUNCATE with CASCADE: every table with a foreign key to {it} is emptied too",
                names.join(", ")
            )
        } else {
            format!("every row of {noun} {} deleted by TRUNCATE", names.join(", "))
        };
        let mut finding = Finding::new(ctx.clause(&["truncate"]), message);
        for rv in truncate.relations.iter().filter_map(|n| match n.node.as_ref()? {
            NodeEnum::RangeVar(rv) => Some(rv),
            _ => None,
        }) {
            let table = RelationName::from_range_var(rv);
            if let Some(lock) = locks.iter().find(|l| l.relation == table) {
                finding = finding.label(
                    ctx.name_at(rv.location),
                    format!("{} until the transaction ends", lock.describe()),
                );
            }
        }
        if cascade {
            finding = finding.label(
                ctx.clause(&["cascade"]),
                "CASCADE empties the referencing tables as well",
            );
        }
        let sql = first.relation.to_sql();
        out.push(
            finding
                .help(numbered_steps(
                    "if the rows really must go, remove them without locking out reads and writes:",
                    &[
                        format!(
                            "delete in batches outside the schema migration, each batch committed on its own (here by primary key id):\n     \
                             DELETE FROM {sql} WHERE id IN (SELECT id FROM {sql} ORDER BY id LIMIT 10000);\n     \
                             repeat until it deletes no row"
                        ),
                        "or create a new empty table, switch the application to it and deploy, then drop the old one in a later release"
                            .to_string(),
                    ],
                ))
                .lock(&first.relation, first.mode),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_truncate_of_existing_tables() {
        assert_eq!(
            findings("ban-truncate", "TRUNCATE users;"),
            ["every row of table \"users\" deleted by TRUNCATE"]
        );
        assert!(findings("ban-truncate", "TRUNCATE TABLE a, b CASCADE;")[0].contains("CASCADE"));
    }

    #[test]
    fn new_tables_are_fine() {
        assert!(findings("ban-truncate", "CREATE TABLE t (id bigint);\nTRUNCATE t;").is_empty());
    }

    #[test]
    fn mysql_truncate_of_existing_tables() {
        use crate::tests::rules::mysql_findings;
        let sql = "CREATE TABLE scratch (a int);\nTRUNCATE TABLE scratch;\nTRUNCATE TABLE sessions;";
        assert_eq!(
            mysql_findings("ban-truncate", sql),
            ["every row of table `sessions` deleted by TRUNCATE"]
        );
    }
}
