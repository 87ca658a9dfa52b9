//! `ban-delete-without-where`: `DELETE` without `WHERE` (or with one that is
//! always true, `WHERE 1 = 1`) empties an existing table; `UPDATE` without
//! one rewrites every row in one transaction.

use pg_query::NodeEnum;

use crate::analysis::mysql::{Action as MysqlAction, MysqlAnalyzed};
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::{Finding, Severity};
use crate::parse::ast::selects_every_row;
use crate::rule::Rule;

crate::rule::declare_rule!(BanDeleteWithoutWhere, id: "ban-delete-without-where", category: DataLoss, severity: Error, since: "0.1.0");

impl Rule for BanDeleteWithoutWhere {
    /// MySQL: DELETE or UPDATE without WHERE (or a join that limits the
    /// rows) of a table that holds rows.
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in file.statements.iter().filter(|s| s.on_table_with_rows()) {
            let table = statement.table_name();
            match statement.action {
                MysqlAction::Delete { has_where: false, .. } => out.push(
                    Finding::new(statement.span, format!("every row of `{table}` deleted: DELETE has no WHERE clause"))
                        .label(
                            statement.span,
                            "InnoDB locks every row it deletes until the transaction commits, and replicas replay the whole delete at once",
                        )
                        .help(format!(
                            "if only some rows must go, add the WHERE clause that selects them\n\
                             if every row must go, delete in batches outside the schema migration, each batch committed on its own:\n  \
                             DELETE FROM `{table}` ORDER BY id LIMIT 10000;\n  \
                             repeat until it deletes no row"
                        )),
                ),
                MysqlAction::Update { has_where: false, .. } => out.push(
                    Finding::new(
                        statement.span,
                        format!("every row of `{table}` updated in one transaction: UPDATE has no WHERE clause"),
                    )
                    .label(
                        statement.span,
                        "every row stays locked until the transaction commits, so other writes to any of its rows wait",
                    )
                    .help(format!(
                        "backfill in batches outside the schema migration, each batch committed on its own (here by primary key id):\n  \
                         UPDATE `{table}` SET ... WHERE id >= 1 AND id < 10001;\n  \
                         UPDATE `{table}` SET ... WHERE id >= 10001 AND id < 20001;\n  \
                         ... and so on up to max(id): short transactions keep row locks brief and replicas current"
                    ))
                    .at_most(Severity::Warning),
                ),
                _ => {}
            }
        }
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        match ctx.node() {
            NodeEnum::DeleteStmt(delete) if selects_every_row(delete.where_clause.as_deref()) => {
                let Some(rv) = delete.relation.as_ref() else {
                    return;
                };
                let Some(lock) = ctx.lock_on_existing(&RelationName::from_range_var(rv)) else {
                    return;
                };
                let sql = lock.relation.to_sql();
                out.push(
                    Finding::new(
                        ctx.clause(&["delete"]),
                        format!("every row of {} deleted: {}", lock.relation, why_every_row(delete.where_clause.is_some(), "DELETE")),
                    )
                    .label(
                        ctx.name_at(rv.location),
                        format!(
                            "{} lock on {}: every deleted row stays locked until the transaction commits, so writes to those rows wait",
                            lock.mode, lock.relation
                        ),
                    )
                    .help(format!(
                        "if only some rows must go, add the WHERE clause that selects them\n\
                         if every row must go, delete in batches outside the schema migration, each batch committed on its own (here by primary key id):\n  \
                         DELETE FROM {sql} WHERE id IN (SELECT id FROM {sql} ORDER BY id LIMIT 10000);\n  \
                         repeat until it deletes no row"
                    ))
                    .lock(&lock.relation, lock.mode),
                );
            }
            NodeEnum::UpdateStmt(update) if selects_every_row(update.where_clause.as_deref()) => {
                let Some(rv) = update.relation.as_ref() else {
                    return;
                };
                let Some(lock) = ctx.lock_on_existing(&RelationName::from_range_var(rv)) else {
                    return;
                };
                // The statement itself, batched by primary key range, when a
                // WHERE clause can simply be appended to it.
                let simple = update.from_clause.is_empty()
                    && update.returning_clause.is_none()
                    && update.with_clause.is_none()
                    && update.where_clause.is_none();
                let base = if simple {
                    ctx.text().split_whitespace().collect::<Vec<_>>().join(" ")
                } else {
                    format!("UPDATE {} SET ...", lock.relation.to_sql())
                };
                out.push(
                    Finding::new(
                        ctx.clause(&["update"]),
                        format!(
                            "every row of {} updated in one transaction: {}",
                            lock.relation,
                            why_every_row(update.where_clause.is_some(), "UPDATE")
                        ),
                    )
                    .label(
                        ctx.name_at(rv.location),
                        format!(
                            "{} lock on {}: every row stays locked until the transaction commits, so other writes to any of its rows wait",
                            lock.mode, lock.relation
                        ),
                    )
                    .help(format!(
                        "backfill in batches outside the schema migration, each batch committed on its own (here by primary key id):\n  \
                         {base} WHERE id >= 1 AND id < 10001;\n  \
                         {base} WHERE id >= 10001 AND id < 20001;\n  \
                         ... and so on up to max(id): short transactions keep row locks brief and let vacuum reclaim the old row versions as you go"
                    ))
                    .lock(&lock.relation, lock.mode)
                    .at_most(Severity::Warning),
                );
            }
            _ => {}
        }
    }
}

fn why_every_row(has_where: bool, verb: &str) -> String {
    if has_where {
        "its WHERE clause is true for every row".to_string()
    } else {
        format!("{verb} has no WHERE clause")
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_delete_and_update_without_where() {
        assert_eq!(
            findings("ban-delete-without-where", "DELETE FROM users;"),
            ["every row of \"users\" deleted: DELETE has no WHERE clause"]
        );
        assert_eq!(
            findings("ban-delete-without-where", "DELETE FROM users USING banned;").len(),
            1
        );
        assert_eq!(
            findings("ban-delete-without-where", "UPDATE users SET plan = 'free';").len(),
            1
        );
    }

    #[test]
    fn update_is_only_a_warning() {
        let report = crate::report::engine::lint_source(
            crate::input::source::SourceFile::new("t.sql", "UPDATE users SET plan = 'free';"),
            &crate::settings::Settings::default(),
        );
        let found: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == "ban-delete-without-where")
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, crate::diagnostic::Severity::Warning);
    }

    #[test]
    fn where_clauses_and_new_tables_are_fine() {
        assert!(findings(
            "ban-delete-without-where",
            "DELETE FROM users WHERE id = 1; UPDATE users SET a = 1 WHERE id < 100;"
        )
        .is_empty());
        assert!(findings(
            "ban-delete-without-where",
            "CREATE TABLE t (id bigint);\nUPDATE t SET id = 1;\nDELETE FROM t;"
        )
        .is_empty());
    }

    #[test]
    fn mysql_delete_and_update_without_where_of_existing_tables() {
        use crate::tests::rules::mysql_findings;
        let sql = "CREATE TABLE scratch (a int);\nDELETE FROM scratch;\nDELETE FROM users;\nDELETE FROM users WHERE id = 1;\nUPDATE users SET a = 1;\nUPDATE users u JOIN teams t ON t.id = u.team_id SET u.a = 1;";
        assert_eq!(
            mysql_findings("ban-delete-without-where", sql),
            [
                "every row of `users` deleted: DELETE has no WHERE clause",
                "every row of `users` updated in one transaction: UPDATE has no WHERE clause"
            ]
        );
    }
}
