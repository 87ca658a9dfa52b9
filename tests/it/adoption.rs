//! Adopting miglint on an old history: `miglint baseline` writes today's
//! findings, `check --baseline` (or config `baseline`) reports only new
//! ones, whatever edits moved the old ones; a long run ends with totals.

use serde_json::Value;

use crate::cli::{active_findings, check_json, json, miglint, project};

const OLD: &str = "CREATE INDEX users_email_idx ON users (email);\nALTER TABLE users ADD COLUMN age int NOT NULL;\n";

/// (path, rule) of every active finding, sorted.
fn active_rules(report: &Value) -> Vec<(String, String)> {
    active_findings(report)
        .into_iter()
        .map(|(path, _, rule)| (path, rule))
        .collect()
}

#[test]
fn a_baseline_hides_todays_findings_and_reports_only_new_ones() {
    let dir = project(&[("db/migrations/0001_old.up.sql", OLD.as_bytes())]);
    let written = miglint(dir.path(), &["baseline", "db/migrations"]).output().unwrap();
    assert_eq!(written.status.code(), Some(0));
    let said = String::from_utf8_lossy(&written.stdout);
    assert!(
        said.contains("wrote 4 findings of 1 file to miglint-baseline.json"),
        "{said}"
    );
    let file: Value = json(&std::fs::read_to_string(dir.path().join("miglint-baseline.json")).unwrap());
    assert_eq!(file["version"], 1);
    assert_eq!(file["findings"].as_array().unwrap().len(), 4);
    assert_eq!(file["findings"][0]["path"], "db/migrations/0001_old.up.sql");

    // Today: nothing blocks, and the report says what the baseline holds.
    let (code, report, _) = check_json(dir.path(), &["--baseline", "miglint-baseline.json", "db/migrations"]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["baselined"], 4);
    assert_eq!(report["summary"]["blocking"], 0);
    let scopes: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["suppression"]["scope"])
        .collect();
    assert!(scopes.iter().all(|s| *s == "baseline"), "{scopes:?}");

    // Lines added above the old findings move them; a new migration is new.
    std::fs::write(
        dir.path().join("db/migrations/0001_old.up.sql"),
        format!("-- reviewed in 2024\n\n{OLD}"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("db/migrations/0002_new.up.sql"),
        "CREATE INDEX users_age_idx ON users (age);\n",
    )
    .unwrap();
    let (code, report, _) = check_json(dir.path(), &["--baseline", "miglint-baseline.json", "db/migrations"]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["baselined"], 4);
    assert_eq!(
        active_rules(&report),
        [
            (
                "db/migrations/0002_new.up.sql".to_string(),
                "require-concurrent-index".to_string()
            ),
            (
                "db/migrations/0002_new.up.sql".to_string(),
                "require-lock-timeout".to_string()
            ),
        ]
    );

    // The same from config, from another folder, and for stdin.
    std::fs::write(
        dir.path().join("miglint.toml"),
        "baseline = \"miglint-baseline.json\"\n",
    )
    .unwrap();
    let (code, from_config, _) = check_json(&dir.path().join("db"), &["migrations"]);
    assert_eq!(code, 1);
    assert_eq!(active_rules(&from_config).len(), 2);
    let output = miglint(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "db/migrations/0001_old.up.sql",
            "-",
        ],
    )
    .write_stdin(format!("-- reviewed in 2024\n\n{OLD}"))
    .output()
    .unwrap();
    let stdin: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdin}");
    assert_eq!(stdin["summary"]["baselined"], 4);
}

#[test]
fn a_baseline_that_cannot_be_read_is_an_error_and_stale_entries_are_said() {
    let dir = project(&[("db/0001_old.sql", OLD.as_bytes())]);
    let output = miglint(dir.path(), &["check", "--baseline", "missing.json", "db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.json: cannot read the baseline"));

    miglint(dir.path(), &["baseline", "--output", "accepted.json", "db"])
        .assert()
        .code(0);
    std::fs::write(dir.path().join("db/0001_old.sql"), "SELECT 1;\n").unwrap();
    let output = miglint(dir.path(), &["check", "--baseline", "accepted.json", "db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("accepted.json: 4 of its findings no longer occur"),
        "{stderr}"
    );
}

#[test]
fn a_long_run_ends_with_totals_per_rule_and_per_file() {
    let index = "CREATE INDEX i ON users (email);\n".repeat(20);
    let files: Vec<(String, String)> = (0..12).map(|i| (format!("db/{i:04}_x.sql"), index.clone())).collect();
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())).collect();
    let dir = project(&borrowed);
    let output = miglint(dir.path(), &["check", "--no-color", "db"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let totals = &stdout[stdout.find("findings by rule:").expect("totals by rule")..];
    assert!(totals.contains("  240  require-concurrent-index\n"), "{totals}");
    assert!(totals.contains("files with the most findings (10 of 12):"), "{totals}");
    assert!(
        totals.contains("     21  db/0000_x.sql") || totals.contains("   21  db/0000_x.sql"),
        "{totals}"
    );
}
