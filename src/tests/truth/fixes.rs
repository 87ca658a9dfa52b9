//! The fixed SQL of every fix case (`tests::fixes`) on the real server, run
//! as its tool's runner runs it: a CONCURRENTLY fix runs outside a
//! transaction and waits, behind a session holding its table, for SHARE
//! UPDATE EXCLUSIVE (the lock that lets reads and writes go on) and for
//! nothing stronger; a lock_timeout fix runs and leaves `lock_timeout` at
//! 5s where its statement runs. One seeded cluster for every case.

use crate::analysis::LockMode;
use crate::tests::fixes::{fixed_text, lay_out, CASES};

use super::facts::{observe_outside_transaction, seeded, SEED_DB};

/// What the runner runs of the fixed file: its up section.
fn up_section(text: &str) -> &str {
    ["-- migrate:down", "-- +goose Down"]
        .iter()
        .filter_map(|marker| text.find(marker))
        .min()
        .map_or(text, |end| &text[..end])
}

#[test]
fn fixed_sql_runs_on_the_server_with_the_lock_its_fix_promises() {
    let Some(seeded) = seeded() else { return };
    let table = seeded.world.oid_of("t").expect("the seed's table t");
    let mut failures = Vec::new();
    for case in CASES {
        let (_dir, file) = lay_out(case);
        let (fixed, _) = fixed_text(&file, None);
        let sql = up_section(&fixed).trim_end();
        if case.rule == "require-lock-timeout" {
            // Run in a transaction that is rolled back, its own COMMIT too.
            let body = sql.strip_prefix("BEGIN;").unwrap_or(sql);
            let body = body.strip_suffix("COMMIT;").unwrap_or(body);
            let script = format!("BEGIN;\n{body}\nSHOW lock_timeout;\nROLLBACK;\n");
            match seeded.cluster.script(SEED_DB, &script) {
                Ok(out) if out.lines().any(|l| l.trim() == "5s") => {}
                other => failures.push(format!("{}: lock_timeout not 5s: {other:?}\n{sql}", case.path)),
            }
            continue;
        }
        assert!(
            !case.in_transaction,
            "{}: CONCURRENTLY runs outside a transaction",
            case.path
        );
        match observe_outside_transaction(&seeded.cluster, &seeded.world, sql, &[table]) {
            Ok(observed) => {
                let mode = observed.lock_on(table);
                if mode != Some(LockMode::ShareUpdateExclusive) || !observed.notes().is_empty() {
                    failures.push(format!(
                        "{}: expected SHARE UPDATE EXCLUSIVE on t, saw {mode:?} {:?}\n{sql}",
                        case.path,
                        observed.notes()
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: {e}\n{sql}", case.path)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
