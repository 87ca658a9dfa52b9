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

/// The script in one transaction that ends in `ROLLBACK`, the seed untouched.
fn in_rolled_back_transaction(script: &str) -> String {
    match script.strip_suffix("COMMIT;") {
        Some(body) => format!("{body}ROLLBACK;\n"),
        None => format!("BEGIN;\n{script}\nROLLBACK;\n"),
    }
}
