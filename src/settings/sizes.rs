//! How big and busy the production tables are: a snapshot `miglint stats`
//! took of the database (`stats` in miglint.toml, `--stats`), sizes
//! declared in `[tables]`, and the throughput assumed to turn a size into
//! a duration (`[estimates]`). Findings scale with them (`report::sizes`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::table_pattern::{NameRules, TablePattern};

/// The version of the snapshot file's format (`miglint-stats.json`).
pub const SNAPSHOT_VERSION: u32 = 1;

/// What miglint knows of one table. Every field may be unknown.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableSize {
    /// Bytes of the table's rows (heap and TOAST): what a scan reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_bytes: Option<u64>,
    /// Bytes with the table's indexes: what a rewrite writes, since every
    /// index is rebuilt with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_bytes: Option<u64>,
    /// The planner's row estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Rows inserted, updated and deleted per second: the writes that queue
    /// behind a lock that blocks them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes_per_second: Option<f64>,
}

impl TableSize {
    /// `self`, with each field `over` knows replaced by its value.
    fn overlaid(&self, over: &TableSize) -> TableSize {
        TableSize {
            table_bytes: over.table_bytes.or(self.table_bytes),
            total_bytes: over.total_bytes.or(self.total_bytes),
            rows: over.rows.or(self.rows),
            writes_per_second: over.writes_per_second.or(self.writes_per_second),
        }
    }

    /// What a scan reads: the rows' bytes, else the whole size.
    pub fn scan_bytes(&self) -> Option<u64> {
        self.table_bytes.or(self.total_bytes)
    }

    /// What a rewrite writes: the size with indexes, else the rows' bytes.
    pub fn rewrite_bytes(&self) -> Option<u64> {
        self.total_bytes.or(self.table_bytes)
    }
}

/// One table of a snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotTable {
    pub schema: String,
    pub name: String,
    /// `table`, `partitioned table` or `materialized view`.
    pub kind: String,
    #[serde(flatten)]
    pub size: TableSize,
}

/// A transaction that was open long when the snapshot was taken: a lock
/// request that conflicts with what it holds waits for it, and every
/// statement behind the request waits too.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LongTransaction {
    pub pid: i32,
    /// How long it had been open.
    pub seconds: f64,
    /// `active`, `idle in transaction`, ...
    pub state: String,
    /// The client's `application_name` (may be empty). The query text is
    /// not kept: it may hold data.
    pub application: String,
}

/// `miglint-stats.json`: what `miglint stats` read of a database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    /// When the snapshot was taken, as the server's clock says (RFC 3339).
    pub taken_at: String,
    pub database: String,
    /// `server_version` as the server reports it.
    pub server_version: String,
    /// How write rates were measured: `window` (counters read twice,
    /// `window_seconds` apart) or `since_stats_reset`.
    pub writes_measured: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_seconds: Option<f64>,
    /// Transactions open at least this long are listed.
    pub long_transaction_seconds: f64,
    pub tables: Vec<SnapshotTable>,
    pub long_transactions: Vec<LongTransaction>,
}

/// The throughput assumed when a size becomes a duration, and the
/// durations that change a finding's severity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimates {
    /// Bytes per second a rewrite writes (rows, indexes rebuilt, WAL).
    pub rewrite_bytes_per_second: u64,
    /// Bytes per second a whole-table read takes (validation, index build).
    pub scan_bytes_per_second: u64,
    /// Work estimated to take less than this is a note (`info`).
    pub note_under_ms: u64,
    /// Work estimated to take longer than this is an error.
    pub error_over_ms: u64,
}

impl Default for Estimates {
    /// Conservative for a busy server on network storage: a rewrite
    /// writes every row, rebuilds each index and logs it all to WAL (tens
    /// of MB/s), a sequential read goes at a few hundred MB/s. A second is
    /// a pause users do not see; a minute of blocked writes is an outage.
    fn default() -> Self {
        Estimates {
            rewrite_bytes_per_second: 50_000_000,
            scan_bytes_per_second: 200_000_000,
            note_under_ms: 1_000,
            error_over_ms: 60_000,
        }
    }
}

impl Estimates {
    /// Seconds to rewrite `bytes`.
    pub fn rewrite_seconds(&self, bytes: u64) -> f64 {
        bytes as f64 / self.rewrite_bytes_per_second.max(1) as f64
    }

    /// Seconds to read `bytes` in full.
    pub fn scan_seconds(&self, bytes: u64) -> f64 {
        bytes as f64 / self.scan_bytes_per_second.max(1) as f64
    }
}

/// Everything known of the tables' sizes, for the files of one config.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableSizes {
    /// `[tables]` of miglint.toml in the order written: the last matching
    /// pattern gives its fields, which win over the snapshot's.
    pub declared: Vec<(TablePattern, TableSize)>,
    pub snapshot: Option<Arc<Snapshot>>,
    pub estimates: Estimates,
}

impl TableSizes {
    /// Nothing is known: findings keep their rules' severities.
    pub fn is_empty(&self) -> bool {
        self.declared.is_empty() && self.snapshot.is_none()
    }

    /// What is known of the table `name` in `schema` (None: as written
    /// without one), or None when nothing is.
    pub fn size_of(&self, schema: Option<&str>, name: &str, rules: NameRules) -> Option<TableSize> {
        let measured = self
            .snapshot
            .as_deref()
            .and_then(|snapshot| snapshot_table(snapshot, schema, name, rules))
            .map(|t| t.size.clone());
        let declared = self
            .declared
            .iter()
            .rev()
            .find(|(pattern, _)| pattern.matches(schema, name, rules))
            .map(|(_, size)| size);
        match (measured, declared) {
            (Some(measured), Some(declared)) => Some(measured.overlaid(declared)),
            (None, Some(declared)) => Some(declared.clone()),
            (measured, None) => measured,
        }
    }
}

/// The snapshot's entry for a table. A PostgreSQL name without a schema is
/// looked up in `public`; MySQL and SQLite names match by name alone,
/// ignoring case (miglint does not read their database).
fn snapshot_table<'s>(
    snapshot: &'s Snapshot,
    schema: Option<&str>,
    name: &str,
    rules: NameRules,
) -> Option<&'s SnapshotTable> {
    snapshot.tables.iter().find(|t| match rules {
        NameRules::Postgres => t.name == name && t.schema == schema.unwrap_or("public"),
        NameRules::CaseInsensitive => {
            t.name.eq_ignore_ascii_case(name) && schema.is_none_or(|s| t.schema.eq_ignore_ascii_case(s))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(tables: &[(&str, &str, u64)]) -> Snapshot {
        Snapshot {
            version: SNAPSHOT_VERSION,
            taken_at: "2026-12-07T00:00:00Z".into(),
            database: "app".into(),
            server_version: "15.10".into(),
            writes_measured: "window".into(),
            window_seconds: Some(5.0),
            long_transaction_seconds: 60.0,
            tables: tables
                .iter()
                .map(|(schema, name, bytes)| SnapshotTable {
                    schema: schema.to_string(),
                    name: name.to_string(),
                    kind: "table".into(),
                    size: TableSize {
                        table_bytes: Some(*bytes),
                        total_bytes: Some(bytes * 2),
                        rows: Some(bytes / 100),
                        writes_per_second: Some(1.0),
                    },
                })
                .collect(),
            long_transactions: Vec::new(),
        }
    }

    #[test]
    fn a_name_without_a_schema_is_public_in_postgres_and_any_schema_elsewhere() {
        let sizes = TableSizes {
            snapshot: Some(Arc::new(snapshot(&[
                ("public", "users", 1000),
                ("billing", "invoices", 5000),
            ]))),
            ..TableSizes::default()
        };
        let pg = NameRules::Postgres;
        assert_eq!(sizes.size_of(None, "users", pg).unwrap().table_bytes, Some(1000));
        assert_eq!(sizes.size_of(None, "invoices", pg), None);
        assert_eq!(sizes.size_of(Some("billing"), "invoices", pg).unwrap().rows, Some(50));
        assert_eq!(
            sizes.size_of(None, "Users", pg),
            None,
            "PostgreSQL names are compared as stored"
        );
        let other = NameRules::CaseInsensitive;
        assert_eq!(sizes.size_of(None, "INVOICES", other).unwrap().table_bytes, Some(5000));
    }

    #[test]
    fn declared_fields_win_over_the_snapshot_and_the_last_pattern_wins() {
        let declared = |pattern: &str, size: TableSize| (TablePattern::new(pattern).unwrap(), size);
        let sizes = TableSizes {
            snapshot: Some(Arc::new(snapshot(&[("public", "events", 1000)]))),
            declared: vec![
                declared(
                    "event*",
                    TableSize {
                        rows: Some(7),
                        ..TableSize::default()
                    },
                ),
                declared(
                    "events",
                    TableSize {
                        writes_per_second: Some(500.0),
                        ..TableSize::default()
                    },
                ),
            ],
            ..TableSizes::default()
        };
        let events = sizes.size_of(None, "events", NameRules::Postgres).unwrap();
        assert_eq!(events.table_bytes, Some(1000), "kept from the snapshot");
        assert_eq!(events.writes_per_second, Some(500.0), "declared");
        assert_eq!(events.rows, Some(10), "only the last matching pattern applies");
        assert_eq!(
            sizes.size_of(None, "event_log", NameRules::Postgres).unwrap().rows,
            Some(7)
        );
    }

    #[test]
    fn durations_follow_the_assumed_throughput() {
        let estimates = Estimates::default();
        assert_eq!(estimates.rewrite_seconds(100_000_000), 2.0);
        assert_eq!(estimates.scan_seconds(100_000_000), 0.5);
    }
}
