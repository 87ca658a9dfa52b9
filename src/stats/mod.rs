//! `miglint stats`: a snapshot of what makes a change dangerous on the
//! production database, read from the database the user names and written
//! to `miglint-stats.json` for CI, where there is no database: each
//! table's size, row estimate and write rate, and the transactions open
//! long enough to hold a migration's lock request in a queue.
//!
//! It only reads. The session is read-only
//! (`default_transaction_read_only`), every query has a statement timeout,
//! and nothing is locked: the sizes come from `pg_table_size` and
//! `pg_total_relation_size`, which read file sizes, and the rest from the
//! statistics views. Query texts of other sessions are never read or kept.

use std::collections::HashMap;
use std::time::Duration;

use postgres::Client;

use crate::database::{connect, error_text};
use crate::report::render::size_words::bytes_words;
use crate::settings::{LongTransaction, Snapshot, SnapshotTable, TableSize, SNAPSHOT_VERSION};

/// How the write rates are measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum WriteWindow {
    /// The counters read twice, this long apart.
    Window(Duration),
    /// The counters divided by the time since the statistics were reset
    /// (or the server started).
    SinceStatsReset,
}

/// What `miglint stats` is asked to read.
#[derive(Clone, Debug)]
pub(crate) struct StatsRequest {
    pub url: String,
    pub writes: WriteWindow,
    /// Each query's `statement_timeout`.
    pub statement_timeout: Duration,
    /// Transactions open at least this long are listed.
    pub long_transaction: Duration,
}

/// Every user table, partitioned table and materialized view with its
/// size, row estimate and write counter. A partitioned table holds no rows
/// of its own: its figures are the sums over the leaves of its tree.
const TABLES: &str = r#"
WITH RECURSIVE tree(root, relid) AS (
    SELECT c.oid, c.oid FROM pg_class c WHERE c.relkind IN ('r', 'p', 'm')
  UNION ALL
    SELECT tree.root, i.inhrelid FROM tree JOIN pg_inherits i ON i.inhparent = tree.relid
),
leaf AS (
    SELECT tree.root, c.oid, c.reltuples, s.n_live_tup,
           coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0) AS writes
    FROM tree JOIN pg_class c ON c.oid = tree.relid
    LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
    WHERE c.relkind IN ('r', 'm')
)
SELECT n.nspname::text, c.relname::text,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' ELSE 'materialized view' END,
       coalesce((SELECT sum(pg_table_size(leaf.oid)) FROM leaf WHERE leaf.root = c.oid), 0)::int8,
       coalesce((SELECT sum(pg_total_relation_size(leaf.oid)) FROM leaf WHERE leaf.root = c.oid), 0)::int8,
       coalesce((SELECT sum(CASE WHEN leaf.reltuples >= 0 THEN leaf.reltuples ELSE coalesce(leaf.n_live_tup, 0) END)
                 FROM leaf WHERE leaf.root = c.oid), 0)::float8,
       coalesce((SELECT sum(leaf.writes) FROM leaf WHERE leaf.root = c.oid), 0)::int8
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
ORDER BY 1, 2
"#;

/// Transactions of other sessions open at least `$1` seconds.
const LONG_TRANSACTIONS: &str = r#"
SELECT pid, extract(epoch FROM now() - xact_start)::float8, coalesce(state, ''), coalesce(application_name, '')
FROM pg_stat_activity
WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
  AND extract(epoch FROM now() - xact_start)::float8 >= $1::float8
ORDER BY 2 DESC
"#;

/// Reads the snapshot `request` asks for.
pub(crate) fn take_snapshot(request: &StatsRequest) -> Result<Snapshot, String> {
    let mut client = connect(&request.url)?;
    let timeout_ms = request.statement_timeout.as_millis().max(1);
    client
        .batch_execute(&format!(
            "SET default_transaction_read_only = on; SET statement_timeout = {timeout_ms}; \
             SET lock_timeout = {timeout_ms}; SET application_name = 'miglint stats'"
        ))
        .map_err(|e| error_text(&e))?;
    let query = |client: &mut Client, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]| {
        client.query(sql, params).map_err(|e| error_text(&e))
    };
    let about = query(
        &mut client,
        "SELECT current_database()::text, current_setting('server_version'), \
         to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
         extract(epoch FROM now() - coalesce((SELECT stats_reset FROM pg_stat_database \
         WHERE datname = current_database()), pg_postmaster_start_time()))::float8",
        &[],
    )?;
    let about = about
        .first()
        .ok_or("the server returned no row for the database's name")?;
    let (database, server_version, taken_at, since_reset): (String, String, String, f64) =
        (about.get(0), about.get(1), about.get(2), about.get(3));

    let rows = query(&mut client, TABLES, &[])?;
    let mut tables: Vec<SnapshotTable> = rows
        .iter()
        .map(|row| {
            let rows: f64 = row.get(5);
            SnapshotTable {
                schema: row.get(0),
                name: row.get(1),
                kind: row.get::<_, String>(2),
                size: TableSize {
                    table_bytes: u64::try_from(row.get::<_, i64>(3)).ok(),
                    total_bytes: u64::try_from(row.get::<_, i64>(4)).ok(),
                    rows: Some(rows.max(0.0).round() as u64),
                    writes_per_second: None,
                },
            }
        })
        .collect();
    let first_writes: Vec<i64> = rows.iter().map(|row| row.get(6)).collect();

    let (writes_measured, window_seconds) = match request.writes {
        WriteWindow::SinceStatsReset => {
            for (table, writes) in tables.iter_mut().zip(&first_writes) {
                table.size.writes_per_second = Some(rate(*writes, since_reset));
            }
            ("since_stats_reset", None)
        }
        WriteWindow::Window(window) => {
            std::thread::sleep(window);
            // A new transaction: statistics read in one are frozen in it.
            let later: HashMap<(String, String), i64> = query(&mut client, TABLES, &[])?
                .iter()
                .map(|row| ((row.get(0), row.get(1)), row.get(6)))
                .collect();
            let seconds = window.as_secs_f64();
            for (table, before) in tables.iter_mut().zip(&first_writes) {
                let after = later
                    .get(&(table.schema.clone(), table.name.clone()))
                    .copied()
                    .unwrap_or(*before);
                table.size.writes_per_second = Some(rate((after - before).max(0), seconds));
            }
            ("window", Some(seconds))
        }
    };

    let threshold = request.long_transaction.as_secs_f64();
    let long_transactions = query(&mut client, LONG_TRANSACTIONS, &[&threshold])?
        .iter()
        .map(|row| LongTransaction {
            pid: row.get(0),
            seconds: row.get(1),
            state: row.get(2),
            application: row.get(3),
        })
        .collect();
    Ok(Snapshot {
        version: SNAPSHOT_VERSION,
        taken_at,
        database,
        server_version,
        writes_measured: writes_measured.to_string(),
        window_seconds,
        long_transaction_seconds: threshold,
        tables,
        long_transactions,
    })
}

/// Rows written per second, to two decimals.
fn rate(writes: i64, seconds: f64) -> f64 {
    if seconds <= 0.0 {
        return 0.0;
    }
    (writes as f64 / seconds * 100.0).round() / 100.0
}

/// What `miglint stats` says on stderr once the snapshot is written.
pub(crate) fn summary(snapshot: &Snapshot) -> String {
    let largest = snapshot
        .tables
        .iter()
        .max_by_key(|t| t.size.total_bytes.unwrap_or(0))
        .map(|t| {
            format!(
                "; the largest is {}.{} ({} with indexes)",
                t.schema,
                t.name,
                bytes_words(t.size.total_bytes.unwrap_or(0))
            )
        })
        .unwrap_or_default();
    let long = match snapshot.long_transactions.len() {
        0 => String::new(),
        1 => format!(
            "; 1 transaction open longer than {} s",
            snapshot.long_transaction_seconds
        ),
        n => format!(
            "; {n} transactions open longer than {} s",
            snapshot.long_transaction_seconds
        ),
    };
    format!(
        "{} tables of database {:?} (PostgreSQL {}){largest}{long}",
        snapshot.tables.len(),
        snapshot.database,
        snapshot.server_version
    )
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn rates_are_rows_per_second_and_never_divide_by_zero() {
        assert_eq!(rate(50, 10.0), 5.0);
        assert_eq!(rate(1, 3.0), 0.33);
        assert_eq!(rate(10, 0.0), 0.0);
    }
}
