//! The plan of a MySQL or MariaDB file: each statement's metadata locks
//! and what waits on them, the algorithm the server runs its DDL with, the
//! table it rebuilds or reads, data it removes, and its transaction (DDL
//! commits the open one and runs on its own).

use super::{holds, replayed_statement, Ends, FilePlan, LockPlan, PlanMode, StatementPlan, TransactionKind};
use crate::analysis::mysql::{algorithm_name, Action, MysqlAnalyzed, MysqlStatementState};
use crate::analysis::RelationName;
use crate::input::layout::Dialect;

pub(crate) fn plan_mysql(file: &MysqlAnalyzed<'_>) -> FilePlan {
    let source = file.source;
    let line = |s: &MysqlStatementState<'_>| source.position(s.span.start).line;
    // The runner's transaction: open from the file's start, ended by the
    // first statement that commits (DDL), after which each statement commits
    // on its own.
    let mut runner_open = file.runner_transaction;
    let steps: Vec<(usize, TransactionKind, Ends)> = file
        .statements
        .iter()
        .map(|s| {
            let commits = s.action.commits();
            let ends = match s.action {
                Action::Commit | Action::Rollback => Ends::Explicitly,
                Action::Begin => Ends::Implicitly,
                _ if commits => Ends::Implicitly,
                _ => Ends::No,
            };
            if ends != Ends::No {
                runner_open = false;
            }
            let transaction = if commits {
                TransactionKind::None
            } else if s.open_transaction.is_some() || matches!(s.action, Action::Begin) {
                TransactionKind::Explicit
            } else if runner_open {
                TransactionKind::PerFile
            } else {
                TransactionKind::None
            };
            (line(s), transaction, ends)
        })
        .collect();
    let statements = file
        .statements
        .iter()
        .zip(holds(&steps))
        .map(|(s, (transaction, held))| {
            let table = || RelationName::new(None, s.table_name());
            let rebuilds = s.online.as_ref().is_some_and(|v| v.rebuilds) && s.on_table_with_rows();
            let reads_every_row = match &s.action {
                Action::Delete { has_where, .. } | Action::Update { has_where, .. } => !has_where,
                _ => s.builds_index(),
            } && s.on_table_with_rows();
            StatementPlan {
                locks: s
                    .metadata_locks()
                    .into_iter()
                    .map(|lock| LockPlan {
                        relation: RelationName::new(None, &lock.table),
                        mode: PlanMode::Metadata(lock.mode),
                        new_relation: lock.new_table,
                    })
                    .collect(),
                rewrites: if rebuilds { vec![table()] } else { Vec::new() },
                scans: if reads_every_row && !rebuilds {
                    vec![table()]
                } else {
                    Vec::new()
                },
                algorithm: s.online.as_ref().map(|v| algorithm_name(v.algorithm)),
                assumed: s.online.as_ref().is_some_and(|v| v.assumed),
                implicit_commit: s.action.commits(),
                data_loss: s.loses_data(),
                ..replayed_statement(source, s.span, transaction, held)
            }
        })
        .collect();
    FilePlan {
        path: source.path.clone(),
        dialect: Dialect::Mysql,
        statements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::mysql::{analyze_mysql, MysqlCatalog};
    use crate::input::source::SourceFile;
    use crate::parse::mysql::parse_mysql;
    use crate::report::plan::HeldUntil;
    use crate::settings::Settings;

    /// The plan of `sql` run after a migration that made `users`, which
    /// holds rows in production.
    fn plan(sql: &str, runner_transaction: bool) -> FilePlan {
        let settings = Settings::default();
        let mut catalog = MysqlCatalog::default();
        let history = SourceFile::new(
            "0.sql",
            "CREATE TABLE users (id int PRIMARY KEY, email varchar(100), name varchar(50), a int, b int) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;",
        );
        analyze_mysql(&history, &parse_mysql(&history), &mut catalog, &settings, false, false);
        catalog.settle();
        let source = SourceFile::new("m.sql", sql);
        let parsed = parse_mysql(&source);
        let file = analyze_mysql(&source, &parsed, &mut catalog, &settings, runner_transaction, true);
        plan_mysql(&file)
    }

    fn locks(s: &StatementPlan) -> Vec<String> {
        s.locks
            .iter()
            .map(|l| {
                format!(
                    "{} {}{}",
                    l.mode,
                    l.relation.plain(),
                    if l.new_relation { " new" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn online_ddl_holds_the_lock_its_algorithm_allows() {
        let p = plan(
            "ALTER TABLE users ADD COLUMN note text;\n\
             CREATE INDEX users_email ON users (email);\n\
             ALTER TABLE users MODIFY email bigint;\n\
             ALTER TABLE users ADD INDEX i (name), LOCK=SHARED;",
            false,
        );
        let [add, index, modify, shared] = &p.statements[..] else {
            panic!("{p:?}")
        };
        assert_eq!(locks(add), ["MDL_EXCLUSIVE users"]);
        assert_eq!(add.algorithm, Some("INSTANT"));
        assert!(add.rewrites.is_empty() && add.scans.is_empty());
        assert_eq!(locks(index), ["MDL_SHARED_UPGRADABLE users"]);
        assert_eq!(index.blocks(), ["ddl"]);
        assert_eq!(index.scans, [RelationName::new(None, "users")]);
        assert_eq!(modify.algorithm, Some("COPY"));
        assert_eq!(modify.blocks(), ["writes"]);
        assert_eq!(modify.rewrites, [RelationName::new(None, "users")]);
        assert_eq!(locks(shared), ["MDL_SHARED_NO_WRITE users"]);
        assert!(p.statements.iter().all(|s| !s.assumed));
        assert!(p.statements.iter().all(|s| s.implicit_commit));
        assert!(p
            .statements
            .iter()
            .all(|s| s.held_until == HeldUntil::StatementEnd && s.transaction == TransactionKind::None));
    }

    #[test]
    fn data_changes_hold_their_locks_to_the_commit_ddl_makes() {
        let p = plan(
            "CREATE TABLE t (id int);\n\
             START TRANSACTION;\n\
             UPDATE users SET a = 1;\n\
             DELETE FROM t;\n\
             ALTER TABLE users DROP COLUMN b;\n\
             DROP TABLE t, old;",
            false,
        );
        let [create, _, update, delete, drop_column, drop] = &p.statements[..] else {
            panic!("{p:?}")
        };
        assert_eq!(locks(create), ["MDL_EXCLUSIVE t new"]);
        assert!(create.blocks().is_empty());
        assert_eq!(locks(update), ["MDL_SHARED_WRITE users"]);
        assert_eq!(update.transaction, TransactionKind::Explicit);
        // The ALTER's implicit commit ends the transaction.
        assert_eq!(update.held_until, HeldUntil::ImplicitCommit(5));
        assert_eq!(update.held_through, [4]);
        assert_eq!(update.scans, [RelationName::new(None, "users")]);
        assert!(delete.data_loss && delete.scans.is_empty(), "t is new and empty");
        assert!(drop_column.data_loss && drop_column.implicit_commit);
        assert_eq!(locks(drop), ["MDL_EXCLUSIVE t new", "MDL_EXCLUSIVE old"]);
        assert!(drop.data_loss);
    }

    #[test]
    fn a_table_no_migration_created_is_assumed_the_worst() {
        let p = plan("ALTER TABLE unknown ADD COLUMN c int;", false);
        assert!(p.statements[0].assumed);
        assert_eq!(p.statements[0].rewrites, [RelationName::new(None, "unknown")]);
    }

    #[test]
    fn the_runners_transaction_ends_at_the_first_ddl() {
        let p = plan(
            "INSERT INTO users (id) VALUES (1);\nALTER TABLE users ADD COLUMN c int;\nINSERT INTO users (id) VALUES (2);",
            true,
        );
        assert_eq!(p.statements[0].transaction, TransactionKind::PerFile);
        assert_eq!(p.statements[0].held_until, HeldUntil::ImplicitCommit(2));
        assert_eq!(p.statements[2].transaction, TransactionKind::None);
    }
}
