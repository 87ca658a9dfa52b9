//! Scripts whose outcome a rule predicts, against a real PostgreSQL: a
//! statement miglint says fails on existing rows fails on the seeded schema,
//! and one it lets pass because the table is empty (created, or emptied by a
//! `TRUNCATE` of the same transaction) runs; a write miglint says skips the
//! foreign keys is accepted though it breaks one. Each script is linted against
//! the seeded schema's catalog as production, and run on the server in a
//! transaction that is rolled back (its `COMMIT` made a `ROLLBACK`).

use std::sync::Arc;

use crate::report::engine::{lint_run, ChangeScope, RunInput};

use super::facts::{seed_catalog, seeded, SEED_DB};

/// (script, rule, miglint flags it, the server rejects it).
const CASES: &[(&str, &str, bool, bool)] = &[
    (
        "ALTER TABLE loose ADD COLUMN z int NOT NULL;",
        "adding-required-column",
        true,
        true,
    ),
    (
        "BEGIN;\nTRUNCATE loose;\nALTER TABLE loose ADD COLUMN z int NOT NULL;\nCOMMIT;",
        "adding-required-column",
        false,
        false,
    ),
    (
        "BEGIN;\nTRUNCATE loose;\nINSERT INTO loose VALUES (1, 1, 's');\nALTER TABLE loose ADD COLUMN z int NOT NULL;\nCOMMIT;",
        "adding-required-column",
        true,
        true,
    ),
    (
        "CREATE TABLE fresh (id int);\nALTER TABLE fresh ADD COLUMN z int NOT NULL;",
        "adding-required-column",
        false,
        false,
    ),
    // Dropping the default of a NOT NULL column breaks inserts that leave
    // it out (old code); the column added with a default does not.
    (
        "ALTER TABLE loose ADD COLUMN st text NOT NULL DEFAULT 'new';\nALTER TABLE loose ALTER COLUMN st DROP DEFAULT;\n\
         INSERT INTO loose (id, k, s) VALUES (0, 0, 's');",
        "dropping-column-default",
        true,
        true,
    ),
    (
        "ALTER TABLE loose ADD COLUMN st text NOT NULL DEFAULT 'new';\nINSERT INTO loose (id, k, s) VALUES (0, 0, 's');",
        "dropping-column-default",
        false,
        false,
    ),
    // On a nullable column old inserts store NULL instead: not flagged.
    (
        "ALTER TABLE loose ALTER COLUMN s SET DEFAULT 'x';\nALTER TABLE loose ALTER COLUMN s DROP DEFAULT;\n\
         INSERT INTO loose (id, k) VALUES (0, 0);",
        "dropping-column-default",
        false,
        false,
    ),
    // DISABLE TRIGGER ALL turns the foreign-key checks off: an orphan gets
    // in; USER keeps them.
    (
        "ALTER TABLE t DISABLE TRIGGER ALL;\nINSERT INTO t (id, pid) VALUES (100000, 999999);",
        "disable-trigger",
        true,
        false,
    ),
    (
        "ALTER TABLE t DISABLE TRIGGER USER;\nINSERT INTO t (id, pid) VALUES (100000, 999999);",
        "disable-trigger",
        true,
        true,
    ),
];

#[test]
fn what_a_rule_says_fails_fails_and_what_it_lets_pass_runs() {
    let Some(seeded) = seeded() else { return };
    let schema = Arc::new(seed_catalog());
    let mut failures = Vec::new();
    for &(script, rule, flagged, rejected) in CASES {
        let mut input = RunInput::new("migration.sql", script.as_bytes().to_vec());
        input.schema = Some(Arc::clone(&schema));
        let reports = lint_run(vec![input], ChangeScope::EachMigration);
        let miglint_flags = reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .any(|d| d.rule == rule && d.is_active());
        let server = seeded.cluster.script(SEED_DB, &in_rolled_back_transaction(script));
        if miglint_flags != flagged {
            failures.push(format!(
                "{script}\n    {rule}: expected flagged={flagged}, miglint {miglint_flags}"
            ));
        }
        if server.is_err() != rejected {
            failures.push(format!(
                "{script}\n    expected rejected={rejected}, server: {server:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `now-default-without-time-zone`: the same inserts, at the same instant,
/// under two `TimeZone` settings store two wall-clock values in the
/// `timestamp` column that defaults to `now()` (nine hours apart for UTC and
/// Tokyo) and one instant in the `timestamptz` column; the rule flags only
/// the first.
#[test]
fn a_clock_default_on_timestamp_stores_the_session_zones_wall_clock() {
    let table = "CREATE TABLE clock (zone text, naive timestamp DEFAULT now(), aware timestamptz DEFAULT now());";
    let found = crate::tests::rules::findings("now-default-without-time-zone", table);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("column \"naive\""), "{found:?}");
    let Some(cluster) = crate::tests::support::cluster::cluster() else {
        return;
    };
    let script = format!(
        "BEGIN;\n{}\nSET LOCAL TimeZone = 'UTC';\nINSERT INTO clock (zone) VALUES ('utc');\n\
         SET LOCAL TimeZone = 'Asia/Tokyo';\nINSERT INTO clock (zone) VALUES ('tokyo');\n\
         SELECT 'result: ' || count(DISTINCT naive) || ' ' || count(DISTINCT aware) || ' ' || (max(naive) - min(naive)) FROM clock;\n\
         ROLLBACK;\n",
        table.replace("CREATE TABLE", "CREATE TEMP TABLE")
    );
    let output = cluster.script("postgres", &script).expect("the script runs");
    let result = output.lines().find_map(|l| l.strip_prefix("result: "));
    assert_eq!(result, Some("2 1 09:00:00"), "{output}");
}

/// The script in one transaction that ends in `ROLLBACK`, the seed untouched.
fn in_rolled_back_transaction(script: &str) -> String {
    match script.strip_suffix("COMMIT;") {
        Some(body) => format!("{body}ROLLBACK;\n"),
        None => format!("BEGIN;\n{script}\nROLLBACK;\n"),
    }
}
