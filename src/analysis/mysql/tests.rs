use super::model::{Generated, IndexKind};
use super::*;
use crate::parse::mysql::parse_mysql;

/// Replays `history` (production's migrations), then analyses `sql` as the
/// change, with default settings.
fn analyzed_after(history: &str, sql: &str, f: impl FnOnce(&MysqlAnalyzed<'_>, &MysqlCatalog)) {
    let settings = Settings::default();
    let mut catalog = MysqlCatalog::default();
    let old = SourceFile::new("1.sql", history);
    let old_parsed = parse_mysql(&old);
    analyze_mysql(&old, &old_parsed, &mut catalog, &settings, false, false);
    catalog.settle();
    let source = SourceFile::new("2.sql", sql);
    let parsed = parse_mysql(&source);
    let file = analyze_mysql(&source, &parsed, &mut catalog, &settings, false, true);
    f(&file, &catalog);
}

#[test]
fn create_table_records_columns_indexes_and_options() {
    let sql = "CREATE TABLE `Users` (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(100) CHARACTER SET latin1 NOT NULL, \
               bio text, total int AS (id * 2) STORED, UNIQUE KEY users_email (email), FULLTEXT KEY users_bio (bio), \
               CONSTRAINT users_team FOREIGN KEY (id) REFERENCES teams (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;";
    analyzed_after("", sql, |_, catalog| {
        let table = catalog.table("users").expect("users");
        assert_eq!(table.name, "Users");
        assert!(table.new_in_change && !table.has_rows && !table.unknown);
        assert_eq!(table.engine.as_deref(), Some("innodb"));
        assert_eq!(table.charset.as_deref(), Some("utf8mb4"));
        let id = table.column("ID").expect("id");
        assert!(id.auto_increment && !id.nullable);
        let email = table.column("email").expect("email");
        assert_eq!(email.charset.as_deref(), Some("latin1"));
        assert!(!email.nullable);
        assert!(table.column("bio").expect("bio").nullable);
        assert_eq!(table.column("total").expect("total").generated, Some(Generated::Stored));
        let kinds: Vec<(&str, IndexKind)> = table.indexes.iter().map(|i| (i.name.as_str(), i.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("primary", IndexKind::Primary),
                ("users_email", IndexKind::Unique),
                ("users_bio", IndexKind::Fulltext)
            ]
        );
        assert!(table.has_fulltext());
        assert_eq!(table.foreign_keys, ["users_team"]);
    });
}

#[test]
fn alter_table_operations_change_the_table() {
    let history = "CREATE TABLE t (a int, b varchar(10), c int, KEY t_b (b));";
    let sql = "ALTER TABLE t ADD COLUMN d bigint NOT NULL DEFAULT 0, DROP COLUMN c, MODIFY COLUMN a bigint NOT NULL;\n\
               ALTER TABLE t CHANGE COLUMN b b2 varchar(20);\n\
               ALTER TABLE t RENAME TO t2;\n\
               RENAME TABLE t2 TO t3;";
    analyzed_after(history, sql, |file, catalog| {
        assert!(catalog.table("t").is_none() && catalog.table("t2").is_none());
        let table = catalog.table("t3").expect("renamed twice");
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b2", "d"]);
        assert!(!table.column("a").unwrap().nullable);
        assert_eq!(
            table.column("b2").unwrap().data_type.to_string().to_lowercase(),
            "varchar(20)"
        );
        assert_eq!(table.indexes[0].columns, ["b2"], "the index follows the renamed column");
        // The table existed before the change: every statement is on a table with rows.
        assert!(file.statements.iter().take(2).all(|s| s.on_table_with_rows()));
        assert_eq!(file.statements[3].existing_tables, ["t2"]);
    });
}

#[test]
fn session_settings_and_transactions_are_followed() {
    let sql = "SET SESSION lock_wait_timeout = 5;\nSET GLOBAL lock_wait_timeout = 100;\nSTART TRANSACTION;\n\
               INSERT INTO t (a) VALUES (1);\nALTER TABLE t ADD COLUMN b int;\nDELETE FROM t;\nSET @@session.lock_wait_timeout = 50;\nDELETE FROM t WHERE a = 1;";
    analyzed_after("CREATE TABLE t (a int);", sql, |file, _| {
        let s = &file.statements;
        assert_eq!(s[0].lock_wait_timeout, None, "a SET applies after itself");
        assert_eq!(s[3].lock_wait_timeout, Some(5.0), "SET GLOBAL is not this session's");
        assert!(s[3].open_transaction.is_some());
        assert!(s[4].open_transaction.is_some() && s[4].action.commits());
        assert!(s[5].open_transaction.is_none(), "the ALTER committed the transaction");
        assert_eq!(s[7].lock_wait_timeout, Some(50.0));
        assert!(matches!(s[5].action, Action::Delete { has_where: false, .. }));
        assert!(matches!(s[7].action, Action::Delete { has_where: true, .. }));
    });
}

#[test]
fn dropping_and_truncating_name_the_existing_tables() {
    let sql = "CREATE TABLE fresh (a int);\nDROP TABLE fresh, old, never_created;\nTRUNCATE TABLE kept;";
    analyzed_after(
        "CREATE TABLE old (a int);\nCREATE TABLE kept (a int);",
        sql,
        |file, _| {
            assert_eq!(file.statements[1].existing_tables, ["old", "never_created"]);
            assert_eq!(file.statements[2].existing_tables, ["kept"]);
            // Dropping a table is not online DDL: it was once judged as DROP INDEX.
            assert_eq!(file.statements[1].online, None);
        },
    );
}

#[test]
fn requested_clauses_and_refusals() {
    let copy = Verdict {
        algorithm: Algorithm::Copy,
        concurrency: Concurrency::Reads,
        rebuilds: true,
        reason: "changing a column's type".to_string(),
        assumed: false,
    };
    let instant = Verdict {
        algorithm: Algorithm::Instant,
        concurrency: Concurrency::ReadsAndWrites,
        rebuilds: false,
        reason: "adding a column".to_string(),
        assumed: false,
    };
    let asked = |algorithm, lock| Requested { algorithm, lock };
    assert_eq!(
        refusal(&copy, asked(Some(Algorithm::Instant), None)).as_deref(),
        Some("ALGORITHM=INSTANT is refused, this needs ALGORITHM=COPY (changing a column's type)")
    );
    assert_eq!(
        refusal(&copy, asked(None, Some(Concurrency::ReadsAndWrites))).as_deref(),
        Some("LOCK=NONE is refused, this permits at most LOCK=SHARED (changing a column's type)")
    );
    assert_eq!(
        refusal(&copy, asked(Some(Algorithm::Copy), Some(Concurrency::Reads))),
        None
    );
    assert_eq!(refusal(&instant, asked(Some(Algorithm::Instant), None)), None);
    // An instant change asked to copy: the server copies, blocking writes.
    let run = as_run(instant.clone(), asked(Some(Algorithm::Copy), None));
    assert_eq!(
        (run.algorithm, run.concurrency, run.rebuilds),
        (Algorithm::Copy, Concurrency::Reads, true)
    );
    let parsed = |sql: &str| {
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::MySqlDialect {}, sql)
            .unwrap()
            .remove(0)
    };
    assert_eq!(
        requested_of(&parsed("ALTER TABLE t ADD COLUMN a int, ALGORITHM=INPLACE, LOCK=NONE")),
        asked(Some(Algorithm::Inplace), Some(Concurrency::ReadsAndWrites))
    );
    assert_eq!(
        requested_of(&parsed("ALTER TABLE t ADD COLUMN a int, ALGORITHM=DEFAULT")),
        asked(None, None)
    );
}

#[test]
fn drop_index_with_algorithm_and_lock_is_judged_with_them() {
    analyzed_after(
        "CREATE TABLE t (id int PRIMARY KEY, a int, KEY ia (a));",
        "DROP INDEX ia ON t ALGORITHM=INPLACE LOCK=NONE;\nDROP INDEX ia ON t ALGORITHM=INSTANT;",
        |file, _| {
            let [inplace, instant] = &file.statements[..] else {
                panic!("{:?}", file.statements.len())
            };
            assert!(
                matches!(inplace.action, Action::DropIndex { .. }),
                "{:?}",
                inplace.action
            );
            assert_eq!(inplace.requested.algorithm, Some(Algorithm::Inplace));
            assert_eq!(inplace.requested.lock, Some(Concurrency::ReadsAndWrites));
            assert_eq!(inplace.refused, None);
            // MySQL 8.4 drops an index in place, not instantly: the server refuses.
            assert!(instant.refused.is_some(), "{:?}", instant.online);
        },
    );
}
