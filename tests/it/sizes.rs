//! Table sizes in the findings and the plan: `[tables]` and a snapshot file
//! (`stats`) scale locking and rewrite findings with the estimated duration
//! of their work, and every output a reviewer reads says how big the tables
//! are. The snapshot here is written by hand; `stats.rs` takes one from a
//! real server.

use serde_json::Value;

use crate::cli::{assert_valid, json, miglint, project, stdout_of, validator};
use crate::common::repo_root;

/// `events` is huge (declared), `tiny` small (from the snapshot), `other`
/// unknown.
const CONFIG: &str = r#"
stats = "miglint-stats.json"

[tables]
"events" = { size = "200GB", rows = 3000000000, writes_per_second = 500 }

[owners]
"events" = "@acme/data"
"#;

const SNAPSHOT: &str = r#"{
  "version": 1,
  "taken_at": "2026-12-07T12:00:00Z",
  "database": "app",
  "server_version": "15.10",
  "writes_measured": "window",
  "window_seconds": 5.0,
  "long_transaction_seconds": 60.0,
  "tables": [
    { "schema": "public", "name": "tiny", "kind": "table", "table_bytes": 16384, "total_bytes": 32768, "rows": 2000, "writes_per_second": 0.5 },
    { "schema": "public", "name": "events", "kind": "table", "table_bytes": 1000, "total_bytes": 1000, "rows": 1, "writes_per_second": 1 }
  ],
  "long_transactions": []
}
"#;

/// Line 2 rewrites a huge table, line 3 validates a small one, line 4
/// builds an index on an unknown one.
const MIGRATION: &str = "SET lock_timeout = '2s';
ALTER TABLE events ALTER COLUMN id TYPE bigint;
ALTER TABLE tiny ADD CONSTRAINT positive CHECK (a > 0);
CREATE INDEX other_a ON other (a);
";
const PATH: &str = "migrations/0001_sized.sql";

fn sized_project() -> tempfile::TempDir {
    project(&[
        ("miglint.toml", CONFIG.as_bytes()),
        ("miglint-stats.json", SNAPSHOT.as_bytes()),
        (PATH, MIGRATION.as_bytes()),
    ])
}

/// `check --format json` of the project's migrations, which block.
fn check_json(dir: &std::path::Path) -> Value {
    json(&stdout_of(
        &mut miglint(dir, &["check", "--format", "json", "migrations"]),
        1,
    ))
}

fn diagnostics(report: &Value) -> Vec<&Value> {
    report["diagnostics"].as_array().unwrap().iter().collect()
}

#[test]
fn json_scales_each_finding_by_the_size_of_its_tables() {
    let dir = sized_project();
    let report = check_json(dir.path());
    assert_valid(
        &validator(&repo_root().join("schema/miglint-report.schema.json")),
        &report,
        "the report",
    );
    let by_line: Vec<(u64, &str, &str, Option<&str>)> = diagnostics(&report)
        .into_iter()
        .map(|d| {
            (
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
                d["size"]["rule_severity"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        by_line,
        [
            (2, "changing-column-type", "error", None),
            (3, "constraint-missing-not-valid", "info", Some("error")),
            (4, "require-concurrent-index", "error", None),
        ]
    );
    let events = &diagnostics(&report)[0]["size"];
    // Declared fields win over the snapshot's: 200 GB rewritten at 50 MB/s.
    assert_eq!(events["tables"][0]["relation"], "events");
    assert_eq!(events["tables"][0]["total_bytes"], 200_000_000_000u64);
    assert_eq!(events["tables"][0]["writes_per_second"], 500.0);
    assert_eq!(events["estimated_seconds"], 4000.0);
    let tiny = &diagnostics(&report)[1]["size"];
    assert_eq!(tiny["tables"][0]["table_bytes"], 16384);
    assert!(diagnostics(&report)[2].get("size").is_none(), "`other` is unknown");
}

#[test]
fn human_github_gitlab_and_sarif_say_how_big_the_tables_are() {
    let dir = sized_project();
    let human = stdout_of(&mut miglint(dir.path(), &["check", "--no-color", "migrations"]), 1);
    assert!(
        human.contains(
            "  owners: @acme/data\n  size: \"events\" 200.0 GB, about 3,000,000,000 rows, 500 writes/s; \
             the work under the lock takes about 1 h 7 min\n"
        ),
        "{human}"
    );
    assert!(
        human.contains("size: \"tiny\" 32.8 kB, about 2,000 rows, 0.5 writes/s; the work under the lock takes under a second; info at this size (the rule says error)"),
        "{human}"
    );
    let github = stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "github", "migrations"]),
        1,
    );
    let annotations: Vec<&str> = github.lines().collect();
    assert!(
        annotations[0].starts_with("::error ")
            && annotations[0].contains("%0Aowners: @acme/data%0Asize: \"events\" 200.0 GB"),
        "{github}"
    );
    assert!(
        annotations[1].starts_with("::notice "),
        "the small table's finding is a notice: {github}"
    );
    let gitlab = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "gitlab", "migrations"]),
        1,
    ));
    assert_eq!(gitlab[1]["severity"], "info");
    assert!(gitlab[0]["content"]["body"]
        .as_str()
        .unwrap()
        .contains("\n\nowners: @acme/data\n\nsize: \"events\""));
    let sarif = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "sarif", "migrations"]),
        1,
    ));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results[1]["level"], "note");
    assert_eq!(results[1]["properties"]["size"]["rule_severity"], "error");
    assert_eq!(results[0]["properties"]["size"]["estimated_seconds"], 4000.0);
}

#[test]
fn the_job_summary_has_a_size_column() {
    let dir = sized_project();
    let summary_path = dir.path().join("summary.md");
    let summary_arg = summary_path.to_string_lossy().to_string();
    stdout_of(
        &mut miglint(dir.path(), &["check", "--summary-file", &summary_arg, "migrations"]),
        1,
    );
    let summary = std::fs::read_to_string(&summary_path).unwrap();
    assert!(
        summary.contains("| Location | Rule | Severity | Finding | Lock | Owners | Size | Help |"),
        "{summary}"
    );
    assert!(summary.contains("takes about 1 h 7 min"), "{summary}");
}

#[test]
fn the_plan_shows_each_statements_tables_and_estimated_time() {
    let dir = sized_project();
    let human = stdout_of(&mut miglint(dir.path(), &["plan", "--no-color", "migrations"]), 0);
    let rewrite = human.lines().find(|l| l.contains("ALTER TABLE events")).unwrap();
    assert!(
        rewrite.contains(
            "rewrites events, events 200.0 GB, about 3,000,000,000 rows, 500 writes/s, takes about 1 h 7 min"
        ),
        "{human}"
    );
    let plan = json(&stdout_of(
        &mut miglint(dir.path(), &["plan", "--format", "json", "migrations"]),
        0,
    ));
    assert_valid(
        &validator(&repo_root().join("schema/miglint-plan.schema.json")),
        &plan,
        "the plan",
    );
    let statements = plan["files"][0]["statements"].as_array().unwrap();
    assert_eq!(statements[0]["workload"], Value::Null, "SET touches no table");
    assert_eq!(statements[1]["workload"]["estimated_seconds"], 4000.0);
    assert_eq!(statements[2]["workload"]["tables"][0]["relation"], "tiny");
    assert_eq!(statements[3]["workload"], Value::Null, "`other` is unknown");
}

#[test]
fn throughput_and_thresholds_are_configurable() {
    let config = format!("{CONFIG}\n[estimates]\nrewrite_rate = \"1GB\"\nerror_over = \"10min\"\n");
    let dir = project(&[
        ("miglint.toml", config.as_bytes()),
        ("miglint-stats.json", SNAPSHOT.as_bytes()),
        (PATH, MIGRATION.as_bytes()),
    ]);
    let report = check_json(dir.path());
    let events = &diagnostics(&report)[0];
    assert_eq!(events["size"]["estimated_seconds"], 200.0);
    assert_eq!(events["severity"], "error", "between the thresholds: the rule's own");
}

#[test]
fn without_sizes_nothing_changes() {
    let dir = project(&[(PATH, MIGRATION.as_bytes())]);
    let report = check_json(dir.path());
    assert!(diagnostics(&report)
        .iter()
        .all(|d| d.get("size").is_none() && d["severity"] == "error"));
}

#[test]
fn a_bad_sizes_entry_or_snapshot_stops_the_run_with_its_place() {
    let cases: [(&str, &str, &str); 5] = [
        (
            "[estimates]\nnote_under = \"5min\"\n",
            "",
            "miglint.toml:2:14: `error_over` (60000 ms) in [estimates] must not be shorter than `note_under` (300000 ms)",
        ),
        (
            "[tables]\nevents = \"huge\"\n",
            "",
            "miglint.toml:2:10: `events` in [tables] must be a size",
        ),
        (
            "[tables]\nevents = { size = \"1GB\", owner = \"x\" }\n",
            "",
            "has an unknown key `owner`",
        ),
        (
            "[estimates]\nscan_rate = \"fast\"\n",
            "",
            "miglint.toml:2:13: `scan_rate` in [estimates] must be bytes per second",
        ),
        (
            "stats = \"miglint-stats.json\"\n",
            "{\"version\": 9}",
            "miglint-stats.json: cannot read stats snapshot: format version 9 is not 1",
        ),
    ];
    for (config, snapshot, expected) in cases {
        let dir = project(&[
            ("miglint.toml", config.as_bytes()),
            ("miglint-stats.json", snapshot.as_bytes()),
            (PATH, MIGRATION.as_bytes()),
        ]);
        let output = miglint(dir.path(), &["check", "migrations"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{config}: {stderr}");
        assert!(stderr.contains(expected), "{config}: expected {expected:?} in {stderr}");
    }
    // --stats names a file that is not there: exit 2, not a silent run.
    let dir = project(&[(PATH, MIGRATION.as_bytes())]);
    let output = miglint(dir.path(), &["check", "--stats", "missing.json", "migrations"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.json: cannot read stats snapshot"));
}

#[test]
fn a_blocking_lock_says_which_long_transactions_it_would_wait_behind() {
    let snapshot = SNAPSHOT.replace(
        "\"long_transactions\": []",
        "\"long_transactions\": [{ \"pid\": 7, \"seconds\": 840.0, \"state\": \"idle in transaction\", \"application\": \"report\" }]",
    );
    let dir = project(&[
        ("miglint.toml", CONFIG.as_bytes()),
        ("miglint-stats.json", snapshot.as_bytes()),
        (PATH, MIGRATION.as_bytes()),
    ]);
    let report = check_json(dir.path());
    assert_valid(
        &validator(&repo_root().join("schema/miglint-report.schema.json")),
        &report,
        "the report",
    );
    let waits = &diagnostics(&report)[0]["size"]["long_transactions"];
    assert_eq!(waits["count"], 1);
    assert_eq!(waits["longest_seconds"], 840.0);
    let human = stdout_of(&mut miglint(dir.path(), &["check", "--no-color", "migrations"]), 1);
    assert!(
        human.contains("when the stats were taken 1 transaction was open long (the longest for 14 min): the lock request waits behind them"),
        "{human}"
    );
}
