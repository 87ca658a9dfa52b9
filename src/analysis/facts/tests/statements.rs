//! The facts of the other statements: drops, indexes, maintenance, DML,
//! and what may run in a transaction block.

use super::*;
use crate::analysis::facts::{lock_of_sql, minimum_version};
use crate::analysis::locks::LockMode::*;

#[test]
fn lock_of_sql_is_the_strongest_stated_lock() {
    let lock = |sql| lock_of_sql(sql, 16);
    assert_eq!(lock("ALTER TABLE t VALIDATE CONSTRAINT c;"), Some(ShareUpdateExclusive));
    assert_eq!(
        lock("ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES p NOT VALID;"),
        Some(ShareRowExclusive)
    );
    assert_eq!(
        lock("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;"),
        Some(AccessExclusive)
    );
    assert_eq!(lock("ALTER TABLE t ALTER COLUMN a TYPE bigint;"), Some(AccessExclusive));
    assert_eq!(lock("SELECT 1;"), None);
    assert_eq!(lock("not sql"), None);
}

#[test]
fn concurrently_cannot_run_in_a_transaction() {
    assert!(!facts("CREATE INDEX CONCURRENTLY i ON t (a)").transactional);
    assert!(facts("CREATE INDEX i ON t (a)").transactional);
    assert_eq!(modes("CREATE INDEX i ON t (a)"), [("t".to_string(), "SHARE")]);
    assert!(!facts("REINDEX (CONCURRENTLY) INDEX i").transactional);
    assert!(!facts("REINDEX INDEX CONCURRENTLY i").transactional);
    assert!(!facts("VACUUM t").transactional);
    assert!(facts("ANALYZE t").transactional);
    assert!(!facts("CREATE TABLESPACE fast LOCATION '/ssd'").transactional);
    assert!(!facts("DROP TABLESPACE fast").transactional);
    assert!(!facts("COMMIT PREPARED 'x'").transactional);
    assert!(facts("COMMIT").transactional);
}

#[test]
fn versions_decide_what_may_run_in_a_transaction() {
    assert!(!facts_at("ALTER TYPE mood ADD VALUE 'calm'", 11).transactional);
    assert!(facts_at("ALTER TYPE mood ADD VALUE 'calm'", 12).transactional);
    assert!(facts_at("ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'", 11).transactional);
    let need = |sql: &str| {
        let parsed = pg_query::parse(sql, 0).unwrap();
        minimum_version(parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.as_ref().unwrap())
    };
    assert_eq!(need("REINDEX INDEX CONCURRENTLY i"), Some(("REINDEX CONCURRENTLY", 12)));
    assert_eq!(
        need("REINDEX (CONCURRENTLY) TABLE t"),
        Some(("REINDEX CONCURRENTLY", 12))
    );
    assert_eq!(need("REINDEX TABLE t"), None);
    assert_eq!(
        need("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY"),
        Some(("DETACH PARTITION CONCURRENTLY", 14))
    );
    assert_eq!(
        need("ALTER TABLE p DETACH PARTITION p1 FINALIZE"),
        Some(("DETACH PARTITION ... FINALIZE", 14))
    );
    assert_eq!(need("ALTER TABLE p DETACH PARTITION p1"), None);
    assert_eq!(need("ALTER TABLE p ADD c int"), None);
}

#[test]
fn drop_index_locks_its_table() {
    assert_eq!(modes("DROP INDEX t_a"), [("t_a".to_string(), "ACCESS EXCLUSIVE")]);
    assert_eq!(
        scoped("DROP INDEX t_a"),
        [("the table of \"t_a\"".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert_eq!(
        scoped("DROP INDEX CONCURRENTLY t_a"),
        [("the table of \"t_a\"".to_string(), "SHARE UPDATE EXCLUSIVE")]
    );
    // Observed: dropping a table locks the tables its foreign keys
    // reference, a partition's parent and default partition, and a
    // partitioned table's partitions.
    assert_eq!(
        scoped("DROP TABLE t"),
        [
            (
                "every table \"t\" references by foreign key".to_string(),
                "ACCESS EXCLUSIVE"
            ),
            (
                "the partitioned table of \"t\" and its default partition".to_string(),
                "ACCESS EXCLUSIVE"
            ),
            ("every partition of \"t\"".to_string(), "ACCESS EXCLUSIVE")
        ]
    );
}

#[test]
fn reindex_locks_tables_share_and_indexes_access_exclusive() {
    assert_eq!(modes("REINDEX INDEX t_a"), [("t_a".to_string(), "ACCESS EXCLUSIVE")]);
    assert_eq!(
        scoped("REINDEX INDEX t_a"),
        [("the table of \"t_a\"".to_string(), "SHARE")]
    );
    assert_eq!(modes("REINDEX TABLE t"), [("t".to_string(), "SHARE")]);
    assert_eq!(
        scoped("REINDEX TABLE t"),
        [("every index of \"t\"".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert_eq!(
        scoped("REINDEX SCHEMA app"),
        [
            ("every table in schema \"app\"".to_string(), "SHARE"),
            ("every index in schema \"app\"".to_string(), "ACCESS EXCLUSIVE")
        ]
    );
    assert_eq!(
        scoped("REINDEX DATABASE app")[1],
        ("every index in the database".to_string(), "ACCESS EXCLUSIVE")
    );
    assert_eq!(
        modes("REINDEX (CONCURRENTLY) TABLE t"),
        [("t".to_string(), "SHARE UPDATE EXCLUSIVE")]
    );
    assert_eq!(scoped("REINDEX INDEX CONCURRENTLY t_a")[0].1, "SHARE UPDATE EXCLUSIVE");
}

#[test]
fn whole_database_maintenance_and_domains() {
    assert_eq!(
        scoped("VACUUM FULL"),
        [("every table in the database".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert!(scoped("VACUUM FULL t").is_empty());
    assert_eq!(
        scoped("CLUSTER"),
        [("every table clustered before".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert_eq!(modes("CLUSTER t USING t_a"), [("t".to_string(), "ACCESS EXCLUSIVE")]);
    let domain = [("every table with a column of domain \"email\"".to_string(), "SHARE")];
    assert_eq!(
        scoped("ALTER DOMAIN email ADD CONSTRAINT c CHECK (VALUE LIKE '%@%')"),
        domain
    );
    assert_eq!(scoped("ALTER DOMAIN email VALIDATE CONSTRAINT c"), domain);
    assert_eq!(scoped("ALTER DOMAIN email SET NOT NULL"), domain);
    assert!(scoped("ALTER DOMAIN email DROP NOT NULL").is_empty());
    assert!(scoped("ALTER DOMAIN email ADD CONSTRAINT c CHECK (VALUE LIKE '%@%') NOT VALID").is_empty());
    assert!(scoped("ALTER DOMAIN email DROP CONSTRAINT c").is_empty());
}

// The tests below state facts observed on a PostgreSQL 15 server by the
// truth suite (src/tests/truth); each corrected an earlier claim.
#[test]
fn statements_that_lock_tables_they_name() {
    let exclusive = |name: &str| vec![(name.to_string(), "ACCESS EXCLUSIVE")];
    assert_eq!(modes("DROP TRIGGER tr ON app.t"), exclusive("t"));
    assert_eq!(modes("DROP POLICY pol ON t"), exclusive("t"));
    assert_eq!(modes("DROP RULE r ON t"), exclusive("t"));
    assert_eq!(modes("CREATE POLICY pol ON t USING (true)"), exclusive("t"));
    assert_eq!(modes("ALTER POLICY pol ON t USING (true)"), exclusive("t"));
    assert_eq!(modes("CREATE RULE r AS ON INSERT TO t DO ALSO NOTHING"), exclusive("t"));
    assert_eq!(modes("CREATE OR REPLACE VIEW v AS SELECT 1"), exclusive("v"));
    assert!(modes("CREATE VIEW v AS SELECT 1").is_empty());
    assert_eq!(modes("ALTER TABLE t SET SCHEMA other"), exclusive("t"));
    assert_eq!(modes("ALTER MATERIALIZED VIEW mv SET SCHEMA other"), exclusive("mv"));
    assert_eq!(
        modes("ALTER SEQUENCE s RESTART"),
        [("s".to_string(), "SHARE ROW EXCLUSIVE")]
    );
    assert_eq!(
        scoped("DROP SCHEMA app CASCADE"),
        [("every relation in schema \"app\"".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert_eq!(
        scoped("LOCK TABLE ONLY v IN EXCLUSIVE MODE"),
        [("every relation read by \"v\" if it is a view".to_string(), "EXCLUSIVE")]
    );
    assert_eq!(
        scoped_rewrites("ALTER TYPE pair ALTER ATTRIBUTE y TYPE bigint CASCADE"),
        ["every table of type \"pair\""]
    );
    assert!(facts("ALTER TYPE pair ALTER ATTRIBUTE y TYPE bigint CASCADE")
        .rewrites
        .is_empty());
}

#[test]
fn rebuilt_indexes_are_rewritten_and_their_tables_read() {
    assert_eq!(names(&facts("REINDEX INDEX t_a").rewrites), ["t_a"]);
    assert_eq!(scoped_scans("REINDEX INDEX t_a"), ["the table of \"t_a\""]);
    assert_eq!(scoped_rewrites("REINDEX TABLE t"), ["every index of \"t\""]);
    assert_eq!(scoped_scans("REINDEX TABLE t"), ["the tables of every index of \"t\""]);
    assert_eq!(
        scoped_scans("REINDEX SCHEMA app"),
        ["the tables of every index in schema \"app\""]
    );
    assert_eq!(scoped_rewrites("CLUSTER"), ["every table clustered before"]);
    assert_eq!(
        scoped_scans("ALTER DOMAIN email VALIDATE CONSTRAINT c"),
        ["every table with a column of domain \"email\""]
    );
    // CONCURRENTLY keeps the relfilenode and reads the view in full.
    let concurrent = facts("REFRESH MATERIALIZED VIEW CONCURRENTLY mv");
    assert!(concurrent.rewrites.is_empty());
    assert_eq!(names(&concurrent.scans), ["mv"]);
}

#[test]
fn dml_scans_in_full_only_without_a_where_clause() {
    assert_eq!(names(&facts("UPDATE t SET a = 1").scans), ["t"]);
    assert_eq!(names(&facts("DELETE FROM t").scans), ["t"]);
    assert!(facts("DELETE FROM t WHERE id = 1").scans.is_empty());
    assert!(facts("UPDATE t SET a = 1 WHERE id = 1").scans.is_empty());
}

#[test]
fn data_loss() {
    assert!(facts("DROP TABLE t").data_loss);
    assert!(facts("ALTER TABLE t DROP COLUMN c").data_loss);
    assert!(facts("TRUNCATE t").data_loss);
    assert!(!facts("DROP INDEX i").data_loss);
}
