//! `miglint check <project>` with no flags, on every project of
//! `../shared/corpus`: it finds the migrations, orders and splits them as
//! their tool does, judges transactions as the tool runs them, and never
//! panics or gives up.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::common::{corpus_repositories, manifest};

/// `miglint check --format json .` run inside `project`: the exit code and the report.
fn check_project(project: &Path) -> (i32, Value, String) {
    let output = Command::cargo_bin("miglint")
        .unwrap()
        .current_dir(project)
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{}: no JSON report ({e}); stderr: {stderr}", project.display()));
    (output.status.code().unwrap_or(-1), report, stderr)
}

#[test]
fn every_project_is_checked_with_its_tool_and_no_flags() {
    let Some(corpus) = corpus_repositories("the project tests") else {
        return;
    };
    let rows = manifest(&corpus);
    let projects: BTreeSet<&str> = rows.iter().map(|r| r.dir.as_str()).collect();
    for project in projects {
        let (code, report, stderr) = check_project(&corpus.join(project));
        assert!(
            code == 0 || code == 1,
            "{project}: exit {code}, miglint could not do its job: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{project}: {stderr}");
        let files = report["files"].as_array().unwrap();
        for row in rows.iter().filter(|r| r.dir == project) {
            let (dialect, folders) = (&row.dialect, &row.paths);
            let tool = if row.layout == "other" {
                "plain"
            } else {
                row.layout.as_str()
            };
            let in_row: Vec<&Value> = files
                .iter()
                .filter(|f| {
                    let path = f["path"].as_str().unwrap();
                    folders.iter().any(|folder| path.starts_with(&format!("{folder}/")))
                })
                .collect();
            assert!(
                !in_row.is_empty(),
                "{project}: no {dialect} file of {folders:?} was checked"
            );
            for file in &in_row {
                assert_eq!(file["tool"], tool, "{project}: {}", file["path"]);
            }
            // Each root's files come in the tool's order.
            let mut last: Option<(String, u64)> = None;
            for file in &in_row {
                let root = file["root"].as_str().unwrap().to_string();
                let order = file["order"].as_u64().unwrap();
                if let Some((last_root, last_order)) = &last {
                    if *last_root == root {
                        assert!(order >= *last_order, "{project}: {} out of order", file["path"]);
                    }
                }
                last = Some((root, order));
            }
        }
    }
}

#[test]
fn crates_io_concurrent_statements_fail_exactly_where_no_metadata_toml_opts_out() {
    let Some(corpus) = corpus_repositories("the project tests") else {
        return;
    };
    let project = corpus.join("rust-lang__crates.io");
    let (_, report, stderr) = check_project(&project);
    let flagged: BTreeSet<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "concurrently-in-transaction")
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    // Expected from what each statement is, as `miglint plan` states it: a
    // statement that refuses a transaction, in a migration without `metadata.toml`.
    let plan = Command::cargo_bin("miglint")
        .unwrap()
        .current_dir(&project)
        .args(["plan", "--format", "json", "."])
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&plan.stdout).expect("a JSON plan");
    let mut expected = BTreeSet::new();
    for file in plan["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let refuses = file["statements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["transactional"] == false);
        let opted_out = project.join(path).parent().unwrap().join("metadata.toml").is_file();
        if refuses && !opted_out {
            expected.insert(path.to_string());
        }
    }
    assert!(
        expected.contains("migrations/2024-04-12-144536_remove-downloads-column/down.sql"),
        "{expected:?}"
    );
    assert_eq!(flagged, expected, "stderr: {stderr}");
}
