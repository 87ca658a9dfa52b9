//! The command line over migration roots: named files judged after their
//! history, stdin standing in for a file, `--tool`, skipped dialects and
//! `check_down`.

use assert_cmd::Command;
use serde_json::Value;

use crate::common::Tree;

/// (path, direction) of every file entry.
fn files(report: &Value) -> Vec<(String, Value)> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["direction"].clone()))
        .collect()
}

/// (path, line, rule) of every diagnostic.
fn findings(report: &Value) -> Vec<(String, u64, String)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn rules_in(report: &Value, path: &str) -> Vec<String> {
    findings(report)
        .into_iter()
        .filter(|f| f.0 == path)
        .map(|f| f.2)
        .collect()
}

const WIDEN: &str = "SET lock_timeout = '2s';\nALTER TABLE accounts ALTER COLUMN email TYPE varchar(400);\n";

fn golang_tree(name: &str) -> Tree {
    Tree::new(
        name,
        &[
            (
                "db/migrations/1_accounts.up.sql",
                "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(200));\n",
            ),
            ("db/migrations/1_accounts.down.sql", "DROP TABLE accounts;\n"),
            ("db/migrations/2_widen.up.sql", WIDEN),
            (
                "db/migrations/2_widen.down.sql",
                "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200);\n",
            ),
        ],
    )
}

#[test]
fn a_named_file_is_judged_after_the_migrations_before_it() {
    let tree = golang_tree("history");
    let file = "db/migrations/2_widen.up.sql";
    let (_, report, _) = tree.check(&[file], None);
    assert_eq!(files(&report), [(file.to_string(), Value::from("up"))]);
    // The history says email is varchar(200): widening it rewrites nothing.
    assert!(
        !rules_in(&report, file).contains(&"changing-column-type".to_string()),
        "{report:#}"
    );

    let (_, alone, _) = tree.check(&[file, "--no-history"], None);
    assert!(
        rules_in(&alone, file).contains(&"changing-column-type".to_string()),
        "{alone:#}"
    );
}

#[test]
fn a_folder_is_audited_in_the_tools_order_with_its_down_migrations() {
    let tree = golang_tree("audit");
    let (_, report, _) = tree.check(&["."], None);
    let listed = files(&report);
    assert_eq!(
        listed,
        [
            ("db/migrations/1_accounts.up.sql".to_string(), Value::from("up")),
            ("db/migrations/1_accounts.down.sql".to_string(), Value::from("down")),
            ("db/migrations/2_widen.up.sql".to_string(), Value::from("up")),
            ("db/migrations/2_widen.down.sql".to_string(), Value::from("down")),
        ]
    );
    for file in report["files"].as_array().unwrap() {
        assert_eq!(file["tool"], "golang-migrate");
        assert_eq!(file["root"], "db/migrations");
    }
    // Dropping the table is the down's job: a warning, not a blocking error.
    let drop = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "ban-drop-table")
        .expect("the down's DROP TABLE is reported");
    assert_eq!(drop["severity"], "warning");

    std::fs::write(tree.path().join("miglint.toml"), "check_down = false\n").unwrap();
    let (_, ups, _) = tree.check(&["."], None);
    assert!(files(&ups).iter().all(|(_, d)| d == "up"), "{:?}", files(&ups));
}

#[test]
fn stdin_stands_in_for_the_file_it_is_named_after() {
    let tree = Tree::new(
        "tools-stdin",
        &[
            (
                "db/migrations/00001_accounts.sql",
                "-- +goose Up\nCREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n-- +goose Down\nDROP TABLE accounts;\n",
            ),
            // Saved with an Up section only: the buffer adds the Down section.
            ("db/migrations/00002_index.sql", "-- +goose Up\nSELECT 1;\n"),
        ],
    );
    // The editor's unsaved buffer: an index built in goose's transaction.
    let buffer = "-- +goose Up\nCREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n-- +goose Down\nDROP INDEX accounts_email;\n";
    let name = "db/migrations/00002_index.sql";
    let (code, report, stderr) = tree.check(&["--stdin-filename", name, "-"], Some(buffer));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        files(&report),
        [
            (name.to_string(), Value::from("up")),
            (name.to_string(), Value::from("down"))
        ]
    );
    let found = findings(&report);
    assert!(
        found.contains(&(name.to_string(), 2, "concurrently-in-transaction".to_string())),
        "{found:?}"
    );
    let help = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "concurrently-in-transaction")
        .unwrap()["help"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(help.contains("-- +goose NO TRANSACTION"), "{help}");

    // With the opt-out in the buffer, goose runs it outside a transaction.
    let opted = format!("-- +goose NO TRANSACTION\n{buffer}");
    let (_, report, _) = tree.check(&["--stdin-filename", name, "-"], Some(&opted));
    assert!(
        !rules_in(&report, name).contains(&"concurrently-in-transaction".to_string()),
        "{report:#}"
    );
}

#[test]
fn tool_flag_overrides_detection() {
    let tree = Tree::new(
        "tools-tool",
        &[
            (
                "db/migrations/1_accounts.up.sql",
                "CREATE TABLE accounts (id bigint);\n",
            ),
            (
                "db/migrations/2_index.up.sql",
                "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY accounts_id ON accounts (id);\n",
            ),
        ],
    );
    let (_, detected, _) = tree.check(&["."], None);
    assert!(rules_in(&detected, "db/migrations/2_index.up.sql").contains(&"concurrently-in-transaction".to_string()));
    let (_, plain, _) = tree.check(&["--tool", "plain", "."], None);
    assert_eq!(plain["files"][1]["tool"], "plain");
    assert!(!rules_in(&plain, "db/migrations/2_index.up.sql").contains(&"concurrently-in-transaction".to_string()));

    let output = Command::cargo_bin("miglint")
        .unwrap()
        .current_dir(tree.path())
        .args(["check", "--tool", "rails", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown tool `rails`"));
}

#[test]
fn every_dialects_roots_are_checked_in_their_dialect() {
    let tree = Tree::new(
        "tools-dialects",
        &[
            (
                "db/mysql/1_a.up.sql",
                "CREATE TABLE a (id int AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\n",
            ),
            (
                "db/sqlite/1_a.up.sql",
                "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);\n",
            ),
            (
                "db/postgres/1_a.up.sql",
                "CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE b (id bigint PRIMARY KEY);\n",
            ),
        ],
    );
    let (code, report, stderr) = tree.check(&["."], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(rules_in(&report, "db/postgres/1_a.up.sql").is_empty(), "{report:#}");
    assert_eq!(
        files(&report),
        [
            ("db/mysql/1_a.up.sql".to_string(), Value::from("up")),
            ("db/postgres/1_a.up.sql".to_string(), Value::from("up")),
            ("db/sqlite/1_a.up.sql".to_string(), Value::from("up"))
        ]
    );
    assert!(!stderr.contains("skipped"), "{stderr}");

    // A root the config sets to MySQL is judged as MySQL whatever its folder
    // says: there, each CREATE TABLE commits on its own.
    std::fs::write(
        tree.path().join("miglint.toml"),
        "[[roots]]\npath = \"db/postgres\"\ndialect = \"mysql\"\n",
    )
    .unwrap();
    let (_, report, _) = tree.check(&["."], None);
    assert_eq!(
        rules_in(&report, "db/postgres/1_a.up.sql"),
        ["mysql-ddl-implicit-commit"],
        "{report:#}"
    );
}
