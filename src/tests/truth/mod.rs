//! Truth tests against a real PostgreSQL: a throwaway cluster (initdb into a
//! temp dir, unix socket only, the server run as the `postgres` OS user when
//! the tests run as root) checks the facts miglint states without a database.
//!
//! The server binaries come from `MIGLINT_PG_BIN`, else the newest
//! `/usr/lib/postgresql/<version>/bin`. Without them the tests print why and
//! skip, except under `CI=true`, where they fail.
//!
//! - this file: function volatility against `pg_proc`;
//! - `facts`: the lock, rewrite, scan and transaction facts of
//!   `analysis::facts` against `pg_locks`, `relfilenode` and the scan
//!   counters, for the statements of `cases`;
//! - `bodies`: the statements of `DO` blocks and called functions, and how
//!   long a block holds their locks;
//! - `outcomes`: scripts a rule says fail (or cannot fail) run or fail so;
//! - `rerun`: a failed concurrent build, `IF NOT EXISTS` and the re-run
//!   recipes; identifiers cut to 63 bytes; keyword categories;
//! - `partitions`: the recipes for partitioned tables run on the server, and
//!   what the server refuses there is never advised.

mod bodies;
mod cases;
mod facts;
mod fixes;
mod outcomes;
mod partitions;
mod rerun;

use crate::analysis::volatility::{builtin_volatility, Volatility};

use super::support::cluster::cluster;

#[test]
fn function_volatility_matches_pg_proc() {
    let Some(cluster) = cluster() else { return };
    let cluster = &cluster;
    let rows = cluster
        .psql(
            "SELECT proname, CASE WHEN bool_or(provolatile = 'v') THEN 'v' WHEN bool_or(provolatile = 's') THEN 's' ELSE 'i' END \
             FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace GROUP BY proname",
        )
        .unwrap();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for line in rows.lines() {
        let Some((name, class)) = line.split_once('\t') else {
            continue;
        };
        let expected = match class {
            "i" => Volatility::Immutable,
            "s" => Volatility::Stable,
            _ => Volatility::Volatile,
        };
        checked += 1;
        if builtin_volatility(name) != Some(expected) {
            mismatches.push(format!(
                "{name}: server {expected:?}, miglint {:?}",
                builtin_volatility(name)
            ));
        }
    }
    assert!(checked > 2000, "only {checked} functions read");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
