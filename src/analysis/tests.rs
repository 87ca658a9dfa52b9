//! Files analysed statement by statement: transactions, lock timeouts,
//! what the file created, and `StatementContext` as rules see it.

use super::*;
use crate::parse::parse_file;

/// Runs `f` on the analysis of `text` as a file of its own (PostgreSQL 16,
/// autocommit, an empty catalog); rules' unit tests use it too.
pub(crate) fn with_file<R>(text: &str, f: impl FnOnce(&AnalyzedFile) -> R) -> R {
    let source = SourceFile::new("t.sql", text);
    let parsed = parse_file(&source);
    let options = Options {
        pg_version: 16,
        transaction: TransactionMode::None,
        assume_lock_timeout: false,
        max_lock_timeout_ms: 10_000,
        time_zone: crate::analysis::SessionTimeZone::Unknown,
        autocommit_declared: false,
        naming: Default::default(),
    };
    let file = analyze(&source, &parsed, options, &mut Catalog::default(), 0);
    f(&file)
}

#[test]
fn tracks_transactions_and_lock_timeouts() {
    let sql = "SET lock_timeout = '2s';\nBEGIN;\nSET LOCAL lock_timeout = 0;\nALTER TABLE t ADD c int;\nCOMMIT;\nSET lock_timeout = 0;\nALTER TABLE t ADD d int;";
    with_file(sql, |file| {
        let states = &file.statements;
        assert!(states[1].lock_timeout_set);
        assert!(states[3].transaction.is_some());
        assert!(
            !states[3].lock_timeout_set,
            "SET LOCAL 0 disables it for the transaction"
        );
        assert!(states[5].lock_timeout_set, "the session value is back after COMMIT");
        assert!(states[6].transaction.is_none());
        assert!(!states[6].lock_timeout_set);
    });
}

#[test]
fn reset_all_rollback_and_chain() {
    let sql = "SET lock_timeout = '2s';\nRESET ALL;\nALTER TABLE t ADD c int;";
    with_file(sql, |file| assert!(!file.statements[2].lock_timeout_set));
    let sql = "BEGIN;\nSET lock_timeout = '2s';\nROLLBACK;\nALTER TABLE t ADD c int;";
    with_file(sql, |file| {
        assert!(file.statements[2].lock_timeout_set);
        assert!(!file.statements[3].lock_timeout_set, "ROLLBACK undoes a session SET");
    });
    let sql = "BEGIN;\nSET LOCAL lock_timeout = '2s';\nCOMMIT AND CHAIN;\nALTER TABLE t ADD c int;";
    with_file(sql, |file| {
        assert!(
            file.statements[3].transaction.is_some(),
            "AND CHAIN opens the next transaction"
        );
        assert!(
            !file.statements[3].lock_timeout_set,
            "SET LOCAL ends with its transaction"
        );
        assert!(file.unclosed_transaction.is_some());
    });
}

#[test]
fn statements_of_the_same_transaction() {
    let sql = "SELECT 0;\nBEGIN;\nSAVEPOINT s;\nALTER TABLE t ADD a int;\nROLLBACK TO SAVEPOINT s;\nALTER TABLE t ADD b int;\nCOMMIT;\nSELECT 1;";
    with_file(sql, |file| {
        let indexes = |it: &mut dyn Iterator<Item = StatementContext>| it.map(|c| c.index).collect::<Vec<_>>();
        assert!(!file.statement(0).in_transaction());
        assert_eq!(
            indexes(&mut file.statement(0).later_in_transaction()),
            Vec::<usize>::new()
        );
        assert_eq!(file.statements[3].undone_by, Some(4));
        assert_eq!(
            indexes(&mut file.statement(3).later_in_transaction()),
            Vec::<usize>::new(),
            "its lock ends at the ROLLBACK TO"
        );
        assert_eq!(indexes(&mut file.statement(5).later_in_transaction()), [6]);
        assert_eq!(file.statement(1).control(), Some(&TransactionControl::Begin));
        assert!(file.statement(7).control().is_none() && !file.statement(7).in_transaction());
    });
}

#[test]
fn nested_rollbacks_to_savepoints() {
    let sql = "BEGIN; SAVEPOINT a; SELECT 1; SAVEPOINT b; SELECT 2; ROLLBACK TO b; SELECT 3; ROLLBACK TO a; SELECT 4; COMMIT;";
    with_file(sql, |file| {
        let undone: Vec<Option<usize>> = file.statements.iter().map(|s| s.undone_by).collect();
        assert_eq!(
            undone,
            [
                None,
                None,
                Some(7),
                Some(7),
                Some(5),
                Some(7),
                Some(7),
                None,
                None,
                None
            ]
        );
    });
}

#[test]
fn children_the_catalog_rules_out_take_no_lock() {
    let sql = "CREATE TABLE plain (id bigint);\nALTER TABLE plain ADD COLUMN a int;\n\
               CREATE TABLE parted (id bigint) PARTITION BY RANGE (id);\n\
               CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);\n\
               ALTER TABLE parted ADD COLUMN a int;\nALTER TABLE unknown ADD COLUMN a int;";
    with_file(sql, |file| {
        let scoped = |i: usize| file.statements[i].facts.scoped_locks.len();
        assert_eq!(scoped(1), 0, "a table without children");
        assert_eq!(scoped(4), 1, "a partitioned table with a partition");
        assert_eq!(scoped(5), 1, "a table miglint has never seen may have children");
    });
}

#[test]
fn knows_what_the_file_created() {
    with_file("CREATE TABLE public.t (id int);\nCREATE INDEX i ON t (id);", |file| {
        let ctx = file.statement(1);
        assert!(ctx.locks_on_existing().next().is_none());
        assert!(!file.statement(0).is_new(&RelationName::new(None, "t")));
        assert!(file.statement(1).is_new(&RelationName::new(None, "t")));
    });
}

#[test]
fn alters_of_existing_tables() {
    let sql = "CREATE TABLE app.n (a int);\n\
               ALTER TABLE n ADD b int;\n\
               ALTER TABLE app.n ADD b int;\n\
               ALTER TABLE ONLY public.t SET (fillfactor = 70), ALTER COLUMN a SET NOT NULL;\n\
               ALTER INDEX i SET TABLESPACE fast;\n\
               ALTER TABLE t RENAME TO u;";
    with_file(sql, |file| {
        let alter = file.statement(1).alter_existing_table().expect("public.n is not app.n");
        assert_eq!(alter.relation, RelationName::new(None, "n"));
        assert!(file.statement(2).alter_existing_table().is_none(), "app.n is new");

        let ctx = file.statement(3);
        let alter = ctx.alter_existing_table().unwrap();
        assert_eq!(alter.relation, RelationName::new(Some("public"), "t"));
        assert_eq!(file.source.slice(ctx.name_at(alter.range_var.location)), "public.t");
        assert_eq!(
            alter.lock.mode,
            LockMode::AccessExclusive,
            "the strongest of its actions"
        );
        assert_eq!(Some(alter.lock), ctx.lock_on_existing(&RelationName::new(None, "t")));
        let actions: Vec<(&str, &str)> = crate::parse::ast::alter_table_actions(&alter.stmt.cmds)
            .map(|(n, cmd)| (file.source.slice(ctx.alter_action_span(n)), cmd.name.as_str()))
            .collect();
        assert_eq!(
            actions,
            [("SET (fillfactor = 70)", ""), ("ALTER COLUMN a SET NOT NULL", "a")]
        );

        let index = file.statement(4);
        assert!(index.alter_existing_table().is_none(), "an index is not a table");
        assert_eq!(index.alter_existing_relation().unwrap().relation.name, "i");
        assert!(
            file.statement(5).alter_existing_relation().is_none(),
            "RENAME is another statement"
        );
        assert_eq!(
            file.source.slice(file.statement(5).clause_from("rename")),
            "RENAME TO u"
        );
    });
}
