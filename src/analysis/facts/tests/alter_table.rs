//! The facts of `ALTER TABLE` actions.

use super::*;
use crate::analysis::catalog::Catalog;
use crate::analysis::facts::statement_facts_in;
use crate::analysis::locks::LockMode::*;
use crate::analysis::types::TypeChangeCost;
use crate::settings::SessionTimeZone;

#[test]
fn alter_table_takes_the_strongest_mode_of_its_actions() {
    assert_eq!(
        modes("ALTER TABLE t SET (fillfactor = 70), ADD COLUMN x int"),
        [("t".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert_eq!(
        modes("ALTER TABLE t SET (fillfactor = 70)"),
        [("t".to_string(), "SHARE UPDATE EXCLUSIVE")]
    );
}

#[test]
fn foreign_keys_lock_both_tables() {
    assert_eq!(
        modes("ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES p (id) NOT VALID"),
        [
            ("t".to_string(), "SHARE ROW EXCLUSIVE"),
            ("p".to_string(), "SHARE ROW EXCLUSIVE")
        ]
    );
    assert!(facts("ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES p (id) NOT VALID")
        .scans
        .is_empty());
    // Observed on PostgreSQL 15: validation reads both tables in full.
    assert_eq!(
        names(&facts("ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES p (id)").scans),
        ["t", "p"]
    );
}

#[test]
fn add_column_rewrites_only_for_volatile_defaults_from_11() {
    assert!(facts("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()")
        .rewrites
        .is_empty());
    assert_eq!(
        facts("ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid()")
            .rewrites
            .len(),
        1
    );
    assert_eq!(facts("ALTER TABLE t ADD COLUMN c bigserial").rewrites.len(), 1);
    let parsed = pg_query::parse("ALTER TABLE t ADD COLUMN c int DEFAULT 0", 0).unwrap();
    let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
    assert_eq!(statement_facts(&node, 10).rewrites.len(), 1);
}

#[test]
fn generated_and_identity_columns() {
    assert_eq!(
        facts("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED")
            .rewrites
            .len(),
        1
    );
    assert_eq!(
        facts("ALTER TABLE t ADD COLUMN g bigint GENERATED ALWAYS AS IDENTITY")
            .rewrites
            .len(),
        1
    );
    assert_eq!(facts("ALTER TABLE t ADD COLUMN s serial").rewrites.len(), 1);
    assert!(
        facts("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) VIRTUAL")
            .rewrites
            .is_empty()
    );
    assert!(facts("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2)")
        .rewrites
        .is_empty());
}

#[test]
fn set_not_null_and_constraint_validation() {
    let set_not_null = facts("ALTER TABLE t ALTER COLUMN a SET NOT NULL");
    assert_eq!(set_not_null.locks[0].mode, AccessExclusive);
    assert_eq!(set_not_null.scans.len(), 1);
    assert_eq!(facts("ALTER TABLE t ADD CONSTRAINT nn NOT NULL a").scans.len(), 1);
    assert!(facts("ALTER TABLE t ADD CONSTRAINT nn NOT NULL a NOT VALID")
        .scans
        .is_empty());
    assert_eq!(
        modes("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID"),
        [("t".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert!(facts("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID")
        .scans
        .is_empty());
    assert!(facts("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED")
        .scans
        .is_empty());
    assert_eq!(facts("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)").scans.len(), 1);
    assert_eq!(
        modes("ALTER TABLE t VALIDATE CONSTRAINT c"),
        [("t".to_string(), "SHARE UPDATE EXCLUSIVE")]
    );
    assert_eq!(
        modes("ALTER TABLE t ADD UNIQUE (a)"),
        [("t".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert_eq!(facts("ALTER TABLE t ADD UNIQUE (a)").scans.len(), 1);
    assert!(facts("ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX k")
        .scans
        .is_empty());
    assert_eq!(
        facts("ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&)")
            .scans
            .len(),
        1
    );
}

#[test]
fn type_changes_provably_free_of_a_rewrite() {
    assert!(facts("ALTER TABLE t ALTER COLUMN c TYPE text").rewrites.is_empty());
    assert!(facts("ALTER TABLE t ALTER COLUMN c SET DATA TYPE character varying")
        .rewrites
        .is_empty());
    assert_eq!(facts("ALTER TABLE t ALTER COLUMN c TYPE varchar(50)").rewrites.len(), 1);
    assert_eq!(
        facts("ALTER TABLE t ALTER COLUMN c TYPE text USING lower(c)")
            .rewrites
            .len(),
        1
    );
    assert_eq!(facts("ALTER TABLE t ALTER COLUMN c TYPE bigint").rewrites.len(), 1);
    assert_eq!(
        modes("ALTER TABLE t ALTER COLUMN c TYPE bigint"),
        [("t".to_string(), "ACCESS EXCLUSIVE")]
    );
}

#[test]
fn validating_a_known_foreign_key_locks_the_referenced_table() {
    let mut catalog = Catalog::default();
    let history = "CREATE TABLE p (id int PRIMARY KEY);
                   CREATE TABLE t (id int, pid int);
                   ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (pid) REFERENCES p (id) NOT VALID;";
    for raw in pg_query::parse(history, 0).unwrap().protobuf.stmts {
        catalog.apply(
            &raw.stmt.unwrap().node.unwrap(),
            crate::analysis::catalog::Origin::History,
            None,
        );
    }
    let parsed = pg_query::parse("ALTER TABLE t VALIDATE CONSTRAINT t_fk", 0).unwrap();
    let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
    let f = statement_facts_in(&node, 16, SessionTimeZone::Unknown, Some(&catalog));
    let modes: Vec<(String, &str)> = f
        .locks
        .iter()
        .map(|l| (l.relation.name.clone(), l.mode.name()))
        .collect();
    assert_eq!(
        modes,
        [
            ("t".to_string(), "SHARE UPDATE EXCLUSIVE"),
            ("p".to_string(), "ROW SHARE")
        ]
    );
}

#[test]
fn type_changes_judged_against_the_catalog() {
    let mut catalog = Catalog::default();
    let history = "CREATE DOMAIN email AS varchar(254);
                   CREATE TABLE app.t (v varchar(20), n numeric(10, 2), e email, ts timestamp, i int);";
    for raw in pg_query::parse(history, 0).unwrap().protobuf.stmts {
        catalog.apply(
            &raw.stmt.unwrap().node.unwrap(),
            crate::analysis::catalog::Origin::History,
            None,
        );
    }
    let judged = |sql: &str, pg_version: u32| {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        statement_facts_in(&node, pg_version, SessionTimeZone::Unknown, Some(&catalog))
    };
    let f = judged(
        "ALTER TABLE app.t ALTER v TYPE varchar(40), ALTER n TYPE numeric(12, 2), ALTER e TYPE varchar(254)",
        16,
    );
    assert!(f.rewrites.is_empty());
    let costs: Vec<(usize, &str, TypeChangeCost)> = f
        .type_changes
        .iter()
        .map(|c| (c.action, c.column.as_str(), c.cost))
        .collect();
    assert_eq!(
        costs,
        [
            (0, "v", TypeChangeCost::InPlace),
            (1, "n", TypeChangeCost::InPlace),
            (2, "e", TypeChangeCost::InPlace)
        ]
    );
    assert_eq!(f.type_changes[0].old.as_ref().unwrap().to_string(), "varchar(20)");
    assert_eq!(
        judged("ALTER TABLE app.t ALTER v TYPE varchar(10)", 16).rewrites.len(),
        1
    );
    assert_eq!(judged("ALTER TABLE app.t ALTER i TYPE bigint", 16).rewrites.len(), 1);
    // USING the column itself, cast or not, is the plain conversion.
    assert!(judged(
        "ALTER TABLE app.t ALTER n TYPE numeric(12, 2) USING n::numeric(12, 2)",
        16
    )
    .rewrites
    .is_empty());
    assert!(judged("ALTER TABLE app.t ALTER v TYPE text USING v", 16)
        .rewrites
        .is_empty());
    assert_eq!(
        judged("ALTER TABLE app.t ALTER n TYPE numeric(12, 2) USING round(n, 1)", 16)
            .rewrites
            .len(),
        1
    );
    let ts = judged("ALTER TABLE app.t ALTER ts TYPE timestamptz", 16);
    assert_eq!(ts.type_changes[0].cost, TypeChangeCost::InPlaceIfUtc);
    assert_eq!(ts.rewrites.len(), 1, "a rewrite unless the session is in UTC");
    assert_eq!(
        judged("ALTER TABLE app.t ALTER ts TYPE timestamptz", 11).type_changes[0].cost,
        TypeChangeCost::Rewrite
    );
    let unknown = judged("ALTER TABLE t ALTER v TYPE varchar(40)", 16);
    assert!(unknown.type_changes[0].old.is_none(), "public.t is not app.t");
    assert_eq!(unknown.rewrites.len(), 1);
}

#[test]
fn constraints_written_on_an_added_column() {
    // No default: every existing row holds NULL, PostgreSQL skips the check.
    let plain = facts("ALTER TABLE t ADD COLUMN pid bigint REFERENCES p (id)");
    assert_eq!(plain.lock_on(&RelationName::new(None, "p")), Some(ShareRowExclusive));
    assert_eq!(plain.lock_on(&RelationName::new(None, "t")), Some(AccessExclusive));
    assert!(plain.scans.is_empty());
    assert_eq!(
        names(&facts("ALTER TABLE t ADD COLUMN pid bigint DEFAULT 1 REFERENCES p (id)").scans),
        ["p", "t"]
    );
    assert_eq!(
        facts("ALTER TABLE t ADD COLUMN pid bigint REFERENCES p (id), ADD COLUMN n int DEFAULT 0")
            .scans
            .len(),
        2,
        "any added column with a default turns the check on for the statement"
    );
    assert_eq!(facts("ALTER TABLE t ADD COLUMN n int CHECK (n > 0)").scans.len(), 1);
    assert_eq!(facts("ALTER TABLE t ADD COLUMN code text UNIQUE").scans.len(), 1);
    assert!(facts("ALTER TABLE t ADD COLUMN n int").scans.is_empty());
    assert!(facts("ALTER TABLE t ADD COLUMN n int CHECK (n > 0) NOT ENFORCED")
        .scans
        .is_empty());
    assert!(
        facts("ALTER TABLE t ADD COLUMN n int DEFAULT 1 REFERENCES p NOT ENFORCED")
            .scans
            .is_empty()
    );
}

#[test]
fn detach_partition_locks_parent_and_partition() {
    assert_eq!(
        modes("ALTER TABLE parted DETACH PARTITION parted_1"),
        [
            ("parted".to_string(), "ACCESS EXCLUSIVE"),
            ("parted_1".to_string(), "ACCESS EXCLUSIVE")
        ]
    );
    assert_eq!(
        modes("ALTER TABLE parted DETACH PARTITION parted_1 FINALIZE"),
        [
            ("parted".to_string(), "SHARE UPDATE EXCLUSIVE"),
            ("parted_1".to_string(), "ACCESS EXCLUSIVE")
        ]
    );
    assert_eq!(modes("LOCK TABLE t"), [("t".to_string(), "ACCESS EXCLUSIVE")]);
    assert_eq!(
        modes("REFRESH MATERIALIZED VIEW mv"),
        [("mv".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert_eq!(facts("ALTER TABLE t SET UNLOGGED").rewrites.len(), 1);
}

// The tests below state facts observed on a PostgreSQL 15 server by the
// truth suite (src/tests/truth); each corrected an earlier claim.
#[test]
fn recursing_alter_table_actions_reach_partitions_and_children() {
    // Observed: ADD COLUMN, SET NOT NULL, ALTER TYPE, CHECK, ... lock every
    // child exclusively; a type change rewrites them, SET NOT NULL reads them.
    assert_eq!(
        scoped("ALTER TABLE parted ADD COLUMN z int"),
        [(
            "every partition and child table of \"parted\"".to_string(),
            "ACCESS EXCLUSIVE"
        )]
    );
    assert_eq!(
        scoped_rewrites("ALTER TABLE parted ALTER COLUMN id TYPE bigint"),
        ["every partition and child table of \"parted\""]
    );
    assert_eq!(
        scoped_scans("ALTER TABLE parted ALTER COLUMN v SET NOT NULL"),
        ["every partition and child table of \"parted\""]
    );
    assert_eq!(
        scoped("ALTER TABLE p ALTER COLUMN a SET STATISTICS 100"),
        [(
            "every partition and child table of \"p\"".to_string(),
            "SHARE UPDATE EXCLUSIVE"
        )]
    );
    // ONLY, and actions that never recurse, stay on the table.
    assert!(scoped("ALTER TABLE ONLY p ALTER COLUMN a SET DEFAULT 0").is_empty());
    assert!(scoped("ALTER TABLE p OWNER TO someone").is_empty());
    assert!(scoped("ALTER TABLE p SET (fillfactor = 70)").is_empty());
    // Indexes, foreign keys and row triggers reach partitions only.
    assert_eq!(
        scoped("ALTER TABLE p ADD UNIQUE (id)"),
        [("every partition of \"p\"".to_string(), "SHARE")]
    );
    assert_eq!(
        scoped("ALTER TABLE p DISABLE TRIGGER ALL"),
        [("every partition of \"p\"".to_string(), "SHARE ROW EXCLUSIVE")]
    );
    assert_eq!(
        scoped("CREATE INDEX i ON p (a)"),
        [("every partition of \"p\"".to_string(), "SHARE")]
    );
    assert_eq!(
        scoped("CREATE TRIGGER tr AFTER INSERT ON p FOR EACH ROW EXECUTE FUNCTION f()"),
        [("every partition of \"p\"".to_string(), "SHARE ROW EXCLUSIVE")]
    );
    assert_eq!(
        scoped("ALTER TABLE p RENAME COLUMN a TO b"),
        [(
            "every partition and child table of \"p\"".to_string(),
            "ACCESS EXCLUSIVE"
        )]
    );
    assert_eq!(
        scoped("LOCK TABLE p IN SHARE MODE")[0],
        ("every partition and child table of \"p\"".to_string(), "SHARE")
    );
    assert_eq!(
        scoped_new_empty_files("TRUNCATE p"),
        ["every partition and child table of \"p\""]
    );
    assert!(scoped_rewrites("TRUNCATE p").is_empty(), "nothing is copied");
    assert!(scoped_new_empty_files("TRUNCATE ONLY p").is_empty());
}

#[test]
fn default_partitions_and_partition_parents() {
    let default = || ("the default partition of \"parted\"".to_string(), "ACCESS EXCLUSIVE");
    assert_eq!(
        scoped("ALTER TABLE parted ATTACH PARTITION spare FOR VALUES FROM (1) TO (2)"),
        [default()]
    );
    assert_eq!(
        scoped_scans("ALTER TABLE parted ATTACH PARTITION spare FOR VALUES FROM (1) TO (2)"),
        ["the default partition of \"parted\""]
    );
    assert_eq!(scoped("ALTER TABLE parted DETACH PARTITION p2"), [default()]);
    assert!(scoped("ALTER TABLE parted DETACH PARTITION p2 CONCURRENTLY").is_empty());
    assert_eq!(
        scoped("CREATE TABLE p3 PARTITION OF parted FOR VALUES FROM (1) TO (2)"),
        [default()]
    );
    assert!(scoped("CREATE TABLE pd PARTITION OF parted DEFAULT").is_empty());
    // An index attached to a partitioned index is not read.
    assert!(facts("ALTER INDEX parted_v ATTACH PARTITION parted_1_v")
        .scans
        .is_empty());
}

#[test]
fn foreign_keys_lock_the_table_at_their_other_end() {
    let at_other_end = |sql| scoped(sql).into_iter().map(|(scope, _)| scope).collect::<Vec<_>>();
    assert_eq!(
        at_other_end("ALTER TABLE ONLY t DROP CONSTRAINT t_fk"),
        ["every table at the other end of constraint \"t_fk\" of \"t\", if it is or backs a foreign key"]
    );
    assert_eq!(
        scoped("ALTER TABLE ONLY t DROP COLUMN pid"),
        [(
            "every table a foreign key links to column \"pid\" of \"t\", if any".to_string(),
            "ACCESS EXCLUSIVE"
        )]
    );
    assert_eq!(
        scoped_scans("ALTER TABLE t ALTER COLUMN pid TYPE bigint"),
        ["every table a foreign key links to column \"pid\" of \"t\", if any"]
    );
    assert_eq!(
        at_other_end("DROP TABLE child CASCADE"),
        [
            "every table \"child\" references by foreign key",
            "the partitioned table of \"child\" and its default partition",
            "every partition of \"child\"",
            "every table with a foreign key to \"child\"",
            "every partition and child table of \"child\"",
            "every view built on \"child\""
        ]
    );
    assert_eq!(
        scoped("TRUNCATE ONLY t CASCADE"),
        [(
            "every table with a foreign key to \"t\", or to one of those".to_string(),
            "ACCESS EXCLUSIVE"
        )]
    );
}

#[test]
fn foreign_table_options_take_access_exclusive() {
    // Observed on PostgreSQL 15 (it was stated as SHARE UPDATE EXCLUSIVE).
    assert_eq!(
        modes("ALTER FOREIGN TABLE ft OPTIONS (SET filename '/dev/zero')"),
        [("ft".to_string(), "ACCESS EXCLUSIVE")]
    );
    assert_eq!(
        modes("ALTER FOREIGN TABLE ft ALTER COLUMN a OPTIONS (ADD force_not_null 'true')"),
        [("ft".to_string(), "ACCESS EXCLUSIVE")]
    );
}

#[test]
fn constrained_domains_and_keys_over_nullable_columns_are_judged_against_the_catalog() {
    let mut catalog = Catalog::default();
    let history = "CREATE DOMAIN plain AS int;
                   CREATE DOMAIN positive AS int CHECK (VALUE > 0);
                   CREATE DOMAIN later AS int;
                   ALTER DOMAIN later SET NOT NULL;
                   CREATE TABLE k (id int, v int NOT NULL);
                   CREATE UNIQUE INDEX k_id ON k (id);
                   CREATE UNIQUE INDEX k_v ON k (v);";
    for raw in pg_query::parse(history, 0).unwrap().protobuf.stmts {
        catalog.apply(
            &raw.stmt.unwrap().node.unwrap(),
            crate::analysis::catalog::Origin::History,
            None,
        );
    }
    let judged = |sql: &str| {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        statement_facts_in(&node, 15, SessionTimeZone::Unknown, Some(&catalog))
    };
    for (sql, rewrites) in [
        ("ALTER TABLE k ADD COLUMN z plain", false),
        ("ALTER TABLE k ADD COLUMN z positive", true),
        ("ALTER TABLE k ADD COLUMN z positive[]", false),
        ("ALTER TABLE k ADD COLUMN z later DEFAULT 1", true),
    ] {
        assert_eq!(!judged(sql).rewrites.is_empty(), rewrites, "{sql}");
    }
    assert_eq!(judged("ALTER TABLE k ADD PRIMARY KEY USING INDEX k_id").scans.len(), 1);
    assert!(judged("ALTER TABLE k ADD PRIMARY KEY USING INDEX k_v").scans.is_empty());
    assert!(judged("ALTER TABLE k ADD UNIQUE USING INDEX k_id").scans.is_empty());
}

#[test]
fn partitioned_tables_reindex_cluster_and_move_as_the_version_allows() {
    let mut catalog = Catalog::default();
    let history = "CREATE TABLE parted (id int, k int) PARTITION BY LIST (k);
                   CREATE TABLE parted_1 PARTITION OF parted FOR VALUES IN (1);
                   CREATE INDEX parted_k ON parted (k);
                   CREATE TABLE plain (id int);
                   CREATE TABLE columnar (id int) USING other_am;";
    for raw in pg_query::parse(history, 0).unwrap().protobuf.stmts {
        catalog.apply(
            &raw.stmt.unwrap().node.unwrap(),
            crate::analysis::catalog::Origin::History,
            None,
        );
    }
    let judged = |sql: &str, pg_version: u32| {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        statement_facts_in(&node, pg_version, SessionTimeZone::Unknown, Some(&catalog))
    };
    // REINDEX of a partitioned table or index: 14 on (release notes of 14).
    assert!(judged("REINDEX TABLE parted", 13).transactional);
    assert!(!judged("REINDEX TABLE parted", 14).transactional);
    assert!(!judged("REINDEX INDEX parted_k", 14).transactional);
    assert!(judged("REINDEX TABLE plain", 18).transactional);
    // CLUSTER of a partitioned table: 15 on (release notes of 15).
    assert!(judged("CLUSTER parted USING parted_k", 14).transactional);
    let cluster = judged("CLUSTER parted USING parted_k", 15);
    assert!(!cluster.transactional && cluster.rewrites.is_empty());
    assert_eq!(cluster.scoped_rewrites.len(), 1);
    // A partitioned table has no file to move; the method a table has is kept.
    assert!(judged("ALTER TABLE parted SET TABLESPACE ts", 15).rewrites.is_empty());
    assert_eq!(judged("ALTER TABLE plain SET TABLESPACE ts", 15).file_copies.len(), 1);
    assert!(judged("ALTER TABLE parted SET TABLESPACE ts", 15)
        .file_copies
        .is_empty());
    assert!(judged("ALTER TABLE plain SET ACCESS METHOD heap", 15)
        .rewrites
        .is_empty());
    assert_eq!(
        judged("ALTER TABLE columnar SET ACCESS METHOD heap", 15).rewrites.len(),
        1
    );
    assert!(judged("ALTER TABLE columnar SET ACCESS METHOD other_am", 15)
        .rewrites
        .is_empty());
}
