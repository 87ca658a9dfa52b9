//! The statements of `DO` blocks and called functions against a real
//! PostgreSQL: what miglint says their statements lock together is what the
//! server's backend holds after the block ran (in a transaction that is
//! rolled back); and a block's locks are held until the block ends, even in
//! autocommit, or until a `COMMIT` in a procedure.

use crate::analysis::facts::Facts;
use crate::analysis::{analyze, AnalyzedFile, Catalog, Options, TransactionMode};
use crate::input::source::SourceFile;
use crate::parse::parse_file;
use crate::report::plan::{plan_file, HeldUntil, StatementPlan, TransactionKind};

use super::facts::{compare, describe_facts, describe_observed, observe_in_transaction, seeded, SEED_DB};

/// Blocks and calls over the seeded schema (`cases::SEED`), each one script.
const CASES: &[&str] = &[
    // DDL written in the block.
    "DO $$ BEGIN ALTER TABLE t ADD COLUMN z int; END $$",
    "DO $$ BEGIN ALTER TABLE loose ALTER COLUMN k SET NOT NULL; END $$",
    // DDL run by EXECUTE of a constant, and of format() with constants.
    "DO $$ BEGIN EXECUTE 'CREATE INDEX t_z ON t (c)'; END $$",
    "DO $$ BEGIN EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE bigint', 'loose2', 'x'); END $$",
    "DO 'BEGIN EXECUTE ''ALTER TABLE loose2 ADD COLUMN y text DEFAULT ''''x''''''; END'",
    // Several statements: every lock is held at the end of the block.
    "DO $$ BEGIN ALTER TABLE loose ADD COLUMN z int; UPDATE p SET v = v WHERE id = 1; TRUNCATE loose2; END $$",
    // Branches and a loop of batches.
    "DO $$ BEGIN IF true THEN CREATE INDEX loose_k ON loose (k); END IF; FOR i IN 1..3 LOOP UPDATE loose SET s = 'b' WHERE id = i; END LOOP; END $$",
    // A function defined in the script, then called.
    "CREATE FUNCTION pg_temp_rename() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE loose2 RENAME COLUMN x TO x2; END $$;\nSELECT pg_temp_rename()",
    "CREATE FUNCTION sql_drop() RETURNS void LANGUAGE sql AS 'ALTER TABLE loose DROP COLUMN s';\nSELECT sql_drop()",
];

fn options(transaction: TransactionMode) -> Options {
    Options {
        pg_version: 16,
        transaction,
        assume_lock_timeout: false,
        max_lock_timeout_ms: 10_000,
        time_zone: crate::analysis::SessionTimeZone::Unknown,
        autocommit_declared: false,
        naming: Default::default(),
    }
}

/// Runs `f` on the analysis of `sql` as a file of its own.
fn analysed<R>(sql: &str, f: impl FnOnce(&AnalyzedFile<'_>) -> R) -> R {
    let source = SourceFile::new("case.sql", sql);
    let parsed = parse_file(&source);
    assert!(parsed.problems.is_empty(), "{sql}: {:?}", parsed.problems);
    let file = analyze(
        &source,
        &parsed,
        options(TransactionMode::None),
        &mut Catalog::default(),
        0,
    );
    f(&file)
}

/// What miglint says every statement of the script locks, together: the
/// block's (or the call's) own statements included, relations the script
/// creates left out (nobody else sees them).
fn script_facts(sql: &str) -> Facts {
    analysed(sql, |file| {
        let mut facts = Facts {
            transactional: true,
            ..Facts::default()
        };
        for ctx in file.contexts() {
            let mut own = ctx.facts().clone();
            own.locks.retain(|l| !ctx.is_new(&l.relation));
            facts.merge(own);
        }
        facts
    })
}

#[test]
fn bodies_lock_what_their_statements_lock_and_hold_it_until_the_block_ends() {
    let Some(seeded) = seeded() else { return };
    let (cluster, world) = (&seeded.cluster, &seeded.world);
    let mut failures = Vec::new();
    for sql in CASES {
        let facts = script_facts(sql);
        assert!(!facts.locks.is_empty(), "{sql}: miglint sees nothing in the body");
        match observe_in_transaction(cluster, world, sql) {
            Err(e) => failures.push(format!("{sql}\n    error: {e}")),
            Ok(None) => failures.push(format!("{sql}\n    refused in a transaction block")),
            Ok(Some(observed)) => {
                let mismatches = compare(&facts, world, &observed);
                if !mismatches.is_empty() {
                    failures.push(format!(
                        "{sql}\n    {}\n    miglint: {}\n    server:  {}",
                        mismatches.join("\n    "),
                        describe_facts(&facts),
                        describe_observed(&observed, world)
                    ));
                }
            }
        }
    }
    eprintln!(
        "{} bodies checked against PostgreSQL {}",
        CASES.len(),
        seeded.pg_version
    );
    assert!(
        failures.is_empty(),
        "{} of {} bodies differ from the server:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );

    held_until_the_block_ends(cluster);
}

/// In autocommit, a lock taken by a DO block's first statement is still held
/// while its later statements run, and gone after the block; a procedure's
/// COMMIT releases it at once. miglint's plan says the same.
fn held_until_the_block_ends(cluster: &crate::tests::support::cluster::Cluster) {
    const DB: &str = "held";
    const SCRIPT: &str = "\
CREATE TABLE lock_log (step text, mode text);
DO $$
BEGIN
  ALTER TABLE t ADD COLUMN z int;
  INSERT INTO lock_log SELECT 'after alter', mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted AND relation = 't'::regclass;
  UPDATE p SET v = v WHERE id = 1;
  INSERT INTO lock_log SELECT 'after update', mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted AND relation = 't'::regclass;
END $$;
INSERT INTO lock_log SELECT 'after the block', mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted AND relation = 't'::regclass;
CREATE PROCEDURE batches() LANGUAGE plpgsql AS $$
BEGIN
  ALTER TABLE loose ADD COLUMN z int;
  INSERT INTO lock_log SELECT 'before commit', mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted AND relation = 'loose'::regclass;
  COMMIT;
  INSERT INTO lock_log SELECT 'after commit', mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted AND relation = 'loose'::regclass;
END $$;
CALL batches();
";
    cluster
        .psql(&format!("CREATE DATABASE {DB} TEMPLATE {SEED_DB}"))
        .unwrap_or_else(|e| panic!("creating {DB}: {e}"));
    cluster.script(DB, SCRIPT).unwrap_or_else(|e| panic!("{SCRIPT}\n{e}"));
    let log = cluster
        .psql_in(DB, "SELECT step || ':' || mode FROM lock_log ORDER BY step, mode")
        .unwrap_or_else(|e| panic!("reading lock_log: {e}"));
    let log: Vec<&str> = log.lines().collect();
    assert!(log.contains(&"after alter:AccessExclusiveLock"), "{log:?}");
    assert!(
        log.contains(&"after update:AccessExclusiveLock"),
        "the lock outlives the ALTER: {log:?}"
    );
    assert!(
        !log.iter().any(|l| l.starts_with("after the block")),
        "the block's transaction ended with it: {log:?}"
    );
    assert!(log.contains(&"before commit:AccessExclusiveLock"), "{log:?}");
    assert!(
        !log.iter().any(|l| l.starts_with("after commit")),
        "COMMIT released the lock: {log:?}"
    );

    // The same script as miglint plans it.
    let source = SourceFile::new("held.sql", SCRIPT);
    let parsed = parse_file(&source);
    let file = analyze(
        &source,
        &parsed,
        options(TransactionMode::None),
        &mut Catalog::default(),
        0,
    );
    let plan = plan_file(&file);
    let at = |line: usize| -> &StatementPlan {
        plan.statements
            .iter()
            .find(|s| s.start.line == line && s.inside.is_some())
            .unwrap_or_else(|| panic!("no statement of a body at line {line}: {plan:#?}"))
    };
    let alter = at(4);
    assert_eq!(alter.transaction, TransactionKind::Block);
    assert_eq!(alter.held_until, HeldUntil::BlockEnd(2));
    assert_eq!(alter.held_through, [5, 6, 7]);
    let after_block = plan.statements.iter().find(|s| s.start.line == 9).unwrap();
    assert_eq!(after_block.transaction, TransactionKind::None);
    let procedure_alter = plan
        .statements
        .iter()
        .find(|s| s.summary.starts_with("ALTER TABLE loose"))
        .expect("the procedure's ALTER, at its call");
    // The procedure's statements stand at its call (line 17): the lock ends
    // at its COMMIT, not with the CALL, and covers the statement between.
    assert_eq!(
        procedure_alter.held_until,
        HeldUntil::TransactionEnd(Some(17)),
        "{procedure_alter:#?}"
    );
    assert_eq!(procedure_alter.held_through, [17]);
}
