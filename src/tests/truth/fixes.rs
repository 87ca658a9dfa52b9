//! The fixed SQL of every fix case (`tests::fixes`) on the real server, run
//! as its tool's runner runs it: a CONCURRENTLY fix runs outside a
//! transaction and waits, behind a session holding its table, for SHARE
//! UPDATE EXCLUSIVE (the lock that lets reads and writes go on) and for
//! nothing stronger; a lock_timeout fix runs and leaves `lock_timeout` at
//! 5s where its statement runs; a NOT VALID fix adds the constraint
//! without validating it, and its VALIDATE takes SHARE UPDATE EXCLUSIVE; a
//! SET NOT NULL fix validates its CHECK under SHARE UPDATE EXCLUSIVE, and
//! then SET NOT NULL reads no row.
//! One seeded cluster for every case.

use crate::analysis::LockMode;
use crate::tests::fixes::{fixed_text, lay_out, CASES};

use super::facts::{observe_in_transaction, observe_outside_transaction, seeded, SEED_DB, TX_DB};

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
    let mut observed_sql = std::collections::HashSet::new();
    for case in CASES {
        let (_dir, file) = lay_out(case);
        let fixed = fixed_text(&file, None);
        let sql = up_section(&fixed.text).trim_end();
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
        if case.rule == "setting-not-null" {
            // Autocommit: the ADD commits, the VALIDATE is observed then
            // committed, and the SET NOT NULL observed (rolled back).
            let lines: Vec<&str> = sql.lines().map(str::trim).collect();
            let at = |word: &str| lines.iter().find(|l| l.contains(word)).copied().unwrap_or_default();
            let statement = |line: &str| line.trim_end_matches(';').to_string();
            let (add, validate, set) = (at("NOT VALID"), at("VALIDATE CONSTRAINT"), at("SET NOT NULL"));
            let steps = seeded
                .cluster
                .script(TX_DB, &format!("{}\n{add}", lines[0]))
                .and_then(|_| observe_in_transaction(&seeded.cluster, &seeded.world, &statement(validate)))
                .and_then(|validating| {
                    seeded.cluster.script(TX_DB, validate)?;
                    let setting = observe_in_transaction(&seeded.cluster, &seeded.world, &statement(set))?;
                    Ok((validating, setting))
                });
            match steps {
                Ok((Some(validating), Some(setting)))
                    if validating.lock_on(table) == Some(LockMode::ShareUpdateExclusive)
                        && !setting.seq_scanned(table) => {}
                Ok((validating, setting)) => failures.push(format!(
                    "{}: VALIDATE {:?}, SET NOT NULL scanned {:?}\n{sql}",
                    case.path,
                    validating.map(|o| o.lock_on(table)),
                    setting.map(|o| o.seq_scanned(table))
                )),
                Err(e) => failures.push(format!("{}: {e}\n{sql}", case.path)),
            }
            continue;
        }
        if case.rule == "constraint-missing-not-valid" {
            // The file up to the VALIDATE runs (and commits) as its runner
            // runs it, then the VALIDATE (the next statement, or the new
            // migration's) in a transaction whose locks are read.
            let (mut setup, mut validate): (Vec<&str>, Vec<&str>) =
                sql.lines().partition(|line| !line.contains("VALIDATE CONSTRAINT"));
            if case.in_transaction {
                setup.insert(0, "BEGIN;");
                setup.push("COMMIT;");
            }
            if let Some((_, content)) = &fixed.new_file {
                validate.extend(content.lines().filter(|line| line.contains("VALIDATE CONSTRAINT")));
            }
            let validate = validate.concat();
            let validate = validate.split(';').next().unwrap_or_default();
            let added = seeded.cluster.script(
                TX_DB,
                &format!(
                    "{}\nSELECT 'validated', convalidated FROM pg_constraint WHERE conrelid = {table} AND NOT convalidated;",
                    setup.join("\n")
                ),
            );
            match added {
                Ok(out) if out.contains("validated\tf") => {}
                other => {
                    failures.push(format!("{}: not added NOT VALID: {other:?}\n{sql}", case.path));
                    continue;
                }
            }
            match observe_in_transaction(&seeded.cluster, &seeded.world, validate) {
                Ok(Some(observed)) if observed.lock_on(table) == Some(LockMode::ShareUpdateExclusive) => {}
                other => failures.push(format!(
                    "{}: {validate}: expected SHARE UPDATE EXCLUSIVE on t, saw {:?}",
                    case.path,
                    other.map(|o| o.map(|o| o.lock_on(table)))
                )),
            }
            continue;
        }
        assert!(
            !case.in_transaction,
            "{}: CONCURRENTLY runs outside a transaction",
            case.path
        );
        // The same SQL (the same statement under several tools) is run once.
        if !observed_sql.insert(sql.to_string()) {
            continue;
        }
        match observe_outside_transaction(&seeded.cluster, &seeded.world, sql, &[table], &Default::default()) {
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
        // The control: the statement as written takes a stronger lock.
        let original = up_section(case.sql).trim_end();
        if !observed_sql.insert(original.to_string()) {
            continue;
        }
        match observe_outside_transaction(&seeded.cluster, &seeded.world, original, &[table], &Default::default()) {
            Ok(observed) if observed.lock_on(table) > Some(LockMode::ShareUpdateExclusive) => {}
            Ok(observed) => failures.push(format!(
                "{}: the unfixed statement took {:?}, not a stronger lock\n{original}",
                case.path,
                observed.lock_on(table)
            )),
            Err(e) => failures.push(format!("{}: {e}\n{original}", case.path)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
