//! The plan of a SQLite file. SQLite locks the database, not a table: a
//! statement that writes takes the database's write lock (RESERVED), and
//! every other writer waits until its transaction commits. Readers go on
//! (in rollback-journal mode they wait only for the commit itself). The
//! plan says which statements take that lock and how long it is held,
//! which rewrite or read a table in full, and which remove data.

use super::{holds, replayed_statement, Ends, FilePlan, PlanMode, StatementPlan, TransactionKind};
use crate::analysis::sqlite::{Action, SqliteAnalyzed};
use crate::analysis::RelationName;
use crate::input::layout::Dialect;
use crate::input::source::SourceFile;

pub(crate) fn plan_sqlite(file: &SqliteAnalyzed<'_>, source: &SourceFile) -> FilePlan {
    let line = |at: usize| source.position(at).line;
    let mut explicit = false;
    let steps: Vec<(usize, TransactionKind, Ends)> = file
        .statements
        .iter()
        .map(|s| {
            let ends = match s.action {
                Action::Commit | Action::Rollback => Ends::Explicitly,
                _ => Ends::No,
            };
            match s.action {
                Action::Begin => explicit = true,
                Action::Commit | Action::Rollback => explicit = false,
                _ => {}
            }
            let transaction = match (s.in_transaction, explicit || ends != Ends::No) {
                (false, _) => TransactionKind::None,
                (true, true) => TransactionKind::Explicit,
                (true, false) => TransactionKind::PerFile,
            };
            (line(s.span.start), transaction, ends)
        })
        .collect();
    let statements = file
        .statements
        .iter()
        .zip(holds(&steps))
        .map(|(s, (transaction, held))| {
            let table = |name: &str| vec![RelationName::new(None, name)];
            let writes = s.writes && s.refused.is_none();
            // DROP COLUMN rewrites every row to purge the column's values.
            let rewrites = match &s.action {
                Action::DropColumn { table: name, .. } if writes && s.on_existing_table => table(name),
                _ => Vec::new(),
            };
            // An index build and a rebuild's copy read the whole table.
            let copied = file.rebuilds.iter().find(|r| r.copy == s.span && r.existing);
            let scans = match (&s.action, copied) {
                (_, Some(rebuild)) => table(&rebuild.table),
                (Action::CreateIndex { table: name, .. }, None) if s.on_existing_table => table(name),
                _ => Vec::new(),
            };
            // Without a statement that writes, nothing waits on it; a lock
            // taken earlier in the transaction is listed at that statement.
            let held = if writes {
                held
            } else {
                (super::HeldUntil::StatementEnd, Vec::new())
            };
            StatementPlan {
                database_lock: writes.then_some(PlanMode::SqliteWrite),
                rewrites,
                scans,
                data_loss: s.loses_data,
                ..replayed_statement(source, s.span, transaction, held)
            }
        })
        .collect();
    FilePlan {
        path: source.path.clone(),
        dialect: Dialect::Sqlite,
        statements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::sqlite::{analyze_sqlite, SqliteCatalog, SqliteVersion};
    use crate::input::layout::ScriptInfo;
    use crate::parse::sqlite::parse_sqlite;
    use crate::report::plan::HeldUntil;

    fn plan(history: &str, sql: &str, runner_transaction: bool) -> FilePlan {
        let script = ScriptInfo::plain();
        let mut catalog = SqliteCatalog::default();
        let before = SourceFile::new("0.sql", history);
        analyze_sqlite(
            &before,
            &parse_sqlite(&before),
            &script,
            &mut catalog,
            SqliteVersion::DEFAULT,
            false,
            false,
        );
        catalog.settle();
        let source = SourceFile::new("1.sql", sql);
        let parsed = parse_sqlite(&source);
        let file = analyze_sqlite(
            &source,
            &parsed,
            &script,
            &mut catalog,
            SqliteVersion::DEFAULT,
            runner_transaction,
            true,
        );
        plan_sqlite(&file, &source)
    }

    #[test]
    fn a_write_locks_the_database_until_its_transaction_commits() {
        let p = plan(
            "CREATE TABLE users (id integer primary key, email text, note text);",
            "BEGIN;\nCREATE INDEX users_email ON users (email);\nSELECT 1;\nALTER TABLE users DROP COLUMN note;\nCOMMIT;\nCREATE TABLE t (id int);",
            false,
        );
        let [begin, index, select, drop, _, create] = &p.statements[..] else {
            panic!("{p:?}")
        };
        assert_eq!(begin.database_lock, None);
        assert_eq!(index.database_lock, Some(PlanMode::SqliteWrite));
        assert_eq!(index.blocks(), ["writes"]);
        assert_eq!(index.scans, [RelationName::new(None, "users")]);
        assert_eq!(index.transaction, TransactionKind::Explicit);
        assert_eq!(index.held_until, HeldUntil::TransactionEnd(Some(5)));
        assert_eq!(index.held_through, [3, 4]);
        assert_eq!(select.database_lock, None);
        assert_eq!(drop.rewrites, [RelationName::new(None, "users")]);
        assert!(drop.data_loss);
        assert_eq!(create.transaction, TransactionKind::None);
        assert_eq!(create.held_until, HeldUntil::StatementEnd);
        assert!(create.rewrites.is_empty() && create.scans.is_empty() && !create.data_loss);
    }

    #[test]
    fn a_rebuilds_copy_reads_the_old_table_and_the_runner_holds_the_lock_to_the_end() {
        let p = plan(
            "CREATE TABLE users (id integer primary key, email text);",
            "CREATE TABLE users_new (id integer primary key, email text not null);\n\
             INSERT INTO users_new SELECT id, email FROM users;\n\
             DROP TABLE users;\n\
             ALTER TABLE users_new RENAME TO users;",
            true,
        );
        let copy = &p.statements[1];
        assert_eq!(copy.scans, [RelationName::new(None, "users")]);
        assert!(!p.statements[2].data_loss, "the rows were copied");
        assert_eq!(p.statements[0].transaction, TransactionKind::PerFile);
        assert_eq!(p.statements[0].held_until, HeldUntil::TransactionEnd(None));
        assert_eq!(p.statements[0].held_through, [2, 3, 4]);
    }
}
