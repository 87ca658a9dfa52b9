//! `miglint stats` against a throwaway PostgreSQL with tables of known
//! sizes: the snapshot holds what the server says of each table (size, row
//! estimate, write rate), the long transactions, and nothing else; it needs
//! no privilege to write; and `check --stats` scales findings with it.

use std::process::Command;
use std::time::Duration;

use crate::cli::{assert_valid, json, project, validator};
use crate::common::cluster::cluster;
use crate::common::repo_root;

const SEED: &str = "
CREATE TABLE sized (id bigint PRIMARY KEY, pad text);
INSERT INTO sized SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;
CREATE TABLE busy (id bigserial PRIMARY KEY, note text);
CREATE TABLE parted (id int, k int) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (500);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (500) TO (1000);
INSERT INTO parted SELECT g, g FROM generate_series(0, 999) g;
CREATE SCHEMA billing;
CREATE MATERIALIZED VIEW billing.totals AS SELECT count(*) AS n FROM sized;
ANALYZE;
CREATE ROLE reader LOGIN;
GRANT pg_read_all_stats TO reader;
";

fn stats(url: &str, dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_miglint"))
        .current_dir(dir)
        .args(["stats", "--database-url", url])
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_snapshot_holds_what_the_server_says_of_each_table() {
    let Some(cluster) = cluster() else { return };
    cluster.psql(SEED).unwrap();
    let server = |sql: &str| cluster.psql(sql).unwrap().trim().to_string();
    // Writes to `busy` during the window, and a transaction left open.
    let _writer = cluster
        .spawn(
            "postgres",
            "writer",
            &"INSERT INTO busy (note) SELECT 'n' FROM generate_series(1, 100);\nSELECT pg_sleep(0.2);\n".repeat(40),
        )
        .unwrap();
    let _idle = cluster
        .spawn(
            "postgres",
            "left-open",
            "BEGIN;\nSELECT txid_current();\nSELECT pg_sleep(60);\n",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let dir = tempfile::tempdir().unwrap();
    // As a role that may read statistics and nothing else.
    let url = cluster.url().replace("user=postgres", "user=reader");
    let (code, stderr) = stats(&url, dir.path(), &["--window", "2s", "--long-transaction", "1s"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("miglint: wrote miglint-stats.json: 4 tables"),
        "{stderr}"
    );
    let snapshot = json(&std::fs::read_to_string(dir.path().join("miglint-stats.json")).unwrap());
    assert_valid(
        &validator(&repo_root().join("schema/miglint-stats.schema.json")),
        &snapshot,
        "the snapshot",
    );
    let table = |name: &str| {
        snapshot["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {snapshot}"))
            .clone()
    };
    let names: Vec<String> = snapshot["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}.{} ({})",
                t["schema"].as_str().unwrap(),
                t["name"].as_str().unwrap(),
                t["kind"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "billing.totals (materialized view)",
            "public.busy (table)",
            "public.parted (partitioned table)",
            "public.sized (table)",
        ],
        "partitions are summed into their table; indexes and sequences are not tables"
    );
    let sized = table("sized");
    assert_eq!(
        sized["table_bytes"].to_string(),
        server("SELECT pg_table_size('sized')")
    );
    assert_eq!(
        sized["total_bytes"].to_string(),
        server("SELECT pg_total_relation_size('sized')")
    );
    assert_eq!(sized["rows"], 20000);
    assert_eq!(sized["writes_per_second"], 0.0, "nothing wrote to it in the window");
    let parted = table("parted");
    assert_eq!(parted["rows"], 1000, "the partitions' rows");
    assert_eq!(
        parted["table_bytes"].to_string(),
        server("SELECT pg_table_size('parted_1') + pg_table_size('parted_2')")
    );
    assert!(
        table("busy")["writes_per_second"].as_f64().unwrap() > 0.0,
        "busy was written during the window: {snapshot}"
    );
    let long: Vec<&str> = snapshot["long_transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["application"].as_str().unwrap())
        .collect();
    assert!(long.contains(&"left-open"), "{snapshot}");
    assert_eq!(snapshot["writes_measured"], "window");
    let text = snapshot.to_string();
    assert!(
        !text.contains("pg_sleep") && !text.contains("txid_current"),
        "no query text is kept: {text}"
    );
    // Nothing was created or changed by the snapshot.
    assert_eq!(
        server("SELECT count(*) FROM pg_class WHERE relname LIKE 'miglint%'"),
        "0"
    );
}

#[test]
fn check_scales_findings_with_a_snapshot_taken_from_the_server() {
    let Some(cluster) = cluster() else { return };
    cluster.psql(SEED).unwrap();
    let migration = "SET lock_timeout = '2s';\nALTER TABLE sized ADD CONSTRAINT positive CHECK (id > 0);\n";
    // A throughput so low that sized's few MB take minutes.
    let config = "stats = \"miglint-stats.json\"\n[estimates]\nscan_rate = \"10kB\"\n";
    let dir = project(&[
        ("miglint.toml", config.as_bytes()),
        ("migrations/1_check.sql", migration.as_bytes()),
    ]);
    let (code, stderr) = stats(&cluster.url(), dir.path(), &["--since-stats-reset"]);
    assert_eq!(code, Some(0), "{stderr}");
    let output = Command::new(env!("CARGO_BIN_EXE_miglint"))
        .current_dir(dir.path())
        .args(["check", "--format", "json", "migrations"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json(&String::from_utf8_lossy(&output.stdout));
    let finding = &report["diagnostics"][0];
    assert_eq!(finding["rule"], "constraint-missing-not-valid");
    assert_eq!(finding["severity"], "error");
    let bytes = cluster
        .psql("SELECT pg_table_size('sized')")
        .unwrap()
        .trim()
        .parse::<f64>()
        .unwrap();
    assert_eq!(finding["size"]["estimated_seconds"].as_f64().unwrap(), bytes / 10_000.0);
}

#[test]
fn an_unreachable_database_is_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = stats(
        &format!(
            "host={} user=nobody dbname=none connect_timeout=2",
            dir.path().display()
        ),
        dir.path(),
        &[],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("miglint: error: cannot connect to the database"),
        "{stderr}"
    );
    assert!(!dir.path().join("miglint-stats.json").exists());
}
