//! CLI contracts, checked on the real `miglint` binary: one dangerous input
//! in every output format, exit codes, stdin, configuration, the `rules` and
//! `explain` commands, and line endings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{in_ci, repo_root};

/// The dangerous input every format renders: an error (a blocking index
/// build on line 3, whose help spans several lines) and a warning whose span
/// covers two lines and whose message holds a `%`.
const DANGEROUS: &str = "SET lock_timeout = '5s';
-- the users table is large
CREATE INDEX users_email_idx ON users (email);
CREATE TABLE audit ({{ .Columns
  | printf \"%s\" }});
";
const DANGEROUS_PATH: &str = "migrations/0001_index.sql";

/// A migration with a warning only (a psql meta-command).
const WARNING_ONLY: &str = "\\set ON_ERROR_STOP on\nCREATE TABLE accounts (id bigint PRIMARY KEY);\n";
/// A migration with nothing to report.
const SAFE: &str =
    "CREATE TABLE accounts (id bigint PRIMARY KEY);\nCREATE INDEX CONCURRENTLY accounts_id_idx ON users (id);\n";

/// A temporary project folder holding `files` (path relative to it, content).
pub(crate) fn project(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

/// The environment variables that turn colour on or off.
const COLOR_VARIABLES: [&str; 4] = ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR"];

/// `miglint <args>` run in `dir`, with no colour hints from the environment.
pub(crate) fn miglint(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_miglint"));
    cmd.current_dir(dir).args(args);
    for variable in COLOR_VARIABLES {
        cmd.env_remove(variable);
    }
    cmd
}

/// Far longer than any run of these tests takes, even in a debug build on a
/// busy machine; a run still going then has hung.
pub(crate) const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// `miglint check --format json <args>` in `dir`, with the timeout: exit
/// code, report and standard error.
pub(crate) fn check_json(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let output = miglint(dir, &all).timeout(TIMEOUT).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("miglint {all:?} did not exit (timed out?): {stderr}"));
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("miglint {all:?}: no JSON ({e}); stderr: {stderr}"));
    (code, report, stderr)
}

/// (path, line, rule) of every active finding of a JSON report, sorted.
pub(crate) fn active_findings(report: &Value) -> Vec<(String, u64, String)> {
    let mut found: Vec<(String, u64, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["suppressed"] == false)
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

pub(crate) fn stdout_of(cmd: &mut Command, code: i32) -> String {
    let output = cmd.assert().code(code).get_output().clone();
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn dangerous_project() -> TempDir {
    project(&[(DANGEROUS_PATH, DANGEROUS.as_bytes())])
}

/// The output of the dangerous input in `format` (exit code 1: it blocks).
fn render_dangerous(format: &str) -> String {
    let dir = dangerous_project();
    stdout_of(
        &mut miglint(dir.path(), &["check", "migrations", "--format", format]),
        1,
    )
}

pub(crate) fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

pub(crate) fn validator(schema_path: &Path) -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_path).unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()));
    jsonschema::options()
        .should_validate_formats(true)
        .build(&json(&text))
        .unwrap_or_else(|e| panic!("{}: not a valid JSON Schema: {e}", schema_path.display()))
}

pub(crate) fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("  at {}: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}",
        errors.join("\n")
    );
}

fn report_schema() -> jsonschema::Validator {
    validator(&repo_root().join("schema/miglint-report.schema.json"))
}

/// The official SARIF 2.1.0 schema, shared beside the repository. None (with
/// the reason printed) when it is absent, which fails under CI.
pub(crate) fn sarif_schema() -> Option<jsonschema::Validator> {
    let path = repo_root().join("../shared/schemas/sarif-schema-2.1.0.json");
    if !path.is_file() {
        let reason = format!("SARIF schema not found at {}", path.display());
        assert!(!in_ci(), "{reason}: it is required under CI");
        eprintln!("skipping SARIF schema validation: {reason}");
        return None;
    }
    Some(validator(&path))
}

fn all_rule_ids() -> BTreeSet<String> {
    miglint::rules().map(|m| m.id.to_string()).collect()
}

fn position(value: &Value) -> (u64, u64, u64) {
    (
        value["line"].as_u64().unwrap(),
        value["column"].as_u64().unwrap(),
        value["offset"].as_u64().unwrap(),
    )
}

// ---------------------------------------------------------------------------
// One dangerous input, every format

#[test]
fn human_shows_a_frame_per_finding_and_a_verdict() {
    let out = render_dangerous("human");
    assert!(!out.contains('\x1b'), "colour codes without a terminal:\n{out}");
    assert!(out.contains("require-concurrent-index"), "{out}");
    assert!(out.contains("index on \"users\" built without CONCURRENTLY"), "{out}");
    assert!(out.contains(&format!("[{DANGEROUS_PATH}:3:8]")), "{out}");
    assert!(
        out.contains(" 3 │ CREATE INDEX users_email_idx ON users (email);"),
        "{out}"
    );
    assert!(out.contains("SHARE lock on \"users\""), "{out}");
    assert!(out.contains("help: build it without blocking writes"), "{out}");
    assert!(
        out.contains("CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"),
        "{out}"
    );
    assert!(out.contains("unsupported-syntax"), "{out}");
    assert!(
        out.trim_end().ends_with(
            "miglint: 1 error, 1 warning (1 file checked, 2 statements); this change is blocked (--fail-on error)"
        ),
        "{out}"
    );
}

#[test]
fn json_matches_its_schema_with_exact_positions() {
    let report = json(&render_dangerous("json"));
    assert_valid(&report_schema(), &report, "the JSON report");
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "miglint");
    assert_eq!(report["settings"]["fail_on"], "error");
    assert_eq!(report["settings"]["pg_version"], 16);
    assert_eq!(report["files"][0]["path"], DANGEROUS_PATH);
    assert_eq!(report["files"][0]["dialect"], "postgres");

    let diagnostics = report["diagnostics"].as_array().unwrap();
    let rules: Vec<&str> = diagnostics.iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["require-concurrent-index", "unsupported-syntax"]);

    // `INDEX` on line 3: line 1 is 25 bytes, line 2 is 28, `CREATE ` is 7.
    let index = &diagnostics[0];
    assert_eq!(index["severity"], "error");
    assert_eq!(index["path"], DANGEROUS_PATH);
    assert_eq!(position(&index["span"]["start"]), (3, 8, 25 + 28 + 7));
    assert_eq!(position(&index["span"]["end"]), (3, 13, 25 + 28 + 12));
    let start = index["span"]["start"]["offset"].as_u64().unwrap() as usize;
    assert_eq!(&DANGEROUS[start..start + 5], "INDEX");
    assert_eq!(index["lock"]["mode"], "SHARE");
    assert_eq!(index["lock"]["relation"], "users");
    assert_eq!(index["lock"]["blocks_reads"], false);
    assert_eq!(index["lock"]["blocks_writes"], true);
    assert_eq!(position(&index["labels"][0]["span"]["start"]), (3, 33, 25 + 28 + 32));
    assert_eq!(index["suppressed"], false);
    assert_eq!(index["suppression"], Value::Null);

    let placeholder = &diagnostics[1];
    assert_eq!(placeholder["severity"], "warning");
    assert_eq!(position(&placeholder["span"]["start"]).0, 4);
    assert_eq!(position(&placeholder["span"]["end"]).0, 5);

    let summary = &report["summary"];
    assert_eq!(
        (
            &summary["files"],
            &summary["errors"],
            &summary["warnings"],
            &summary["blocking"]
        ),
        (&Value::from(1), &Value::from(1), &Value::from(1), &Value::from(1))
    );
}

/// Each file entry names the dialect it was judged in, its root's: the
/// roots of every dialect in one report.
#[test]
fn json_files_say_their_dialect() {
    let dir = project(&[
        (
            "db/mysql/1_a.up.sql",
            b"CREATE TABLE a (id int AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\n" as &[u8],
        ),
        (
            "db/sqlite/1_a.up.sql",
            b"CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);\n",
        ),
        ("db/postgres/1_a.up.sql", b"CREATE TABLE a (id bigint PRIMARY KEY);\n"),
    ]);
    let report = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "json", "db"]),
        0,
    ));
    assert_valid(&report_schema(), &report, "the JSON report");
    let dialects: Vec<(&str, &str, &str)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["root"].as_str().unwrap(),
                f["dialect"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        dialects,
        [
            ("db/mysql/1_a.up.sql", "db/mysql", "mysql"),
            ("db/postgres/1_a.up.sql", "db/postgres", "postgres"),
            ("db/sqlite/1_a.up.sql", "db/sqlite", "sqlite"),
        ],
        "{report:#}"
    );
    for root in report["roots"].as_array().unwrap() {
        let of_root = dialects.iter().find(|(_, r, _)| root["path"] == *r).unwrap();
        assert_eq!(root["dialect"], of_root.2, "{root:#}");
    }
}

#[test]
fn the_schema_names_every_lock_mode_and_severity() {
    let text = std::fs::read_to_string(repo_root().join("schema/miglint-report.schema.json")).unwrap();
    let schema = json(&text);
    let diagnostic = &schema["$defs"]["diagnostic"]["properties"];
    let modes = &diagnostic["lock"]["oneOf"][1]["properties"]["mode"]["enum"];
    let expected: Vec<&str> = miglint::LockMode::ALL.iter().map(|m| m.name()).collect();
    assert_eq!(modes, &serde_json::json!(expected));
    let severities = &diagnostic["severity"]["enum"];
    let expected: Vec<&str> = miglint::Severity::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(severities, &serde_json::json!(expected));
    assert_eq!(schema["properties"]["version"]["const"], 1);
}

/// A rule set to `info` is said in every format, at that format's lowest
/// level, and never blocks.
#[test]
fn info_findings_are_said_and_never_block() {
    let dir = project(&[
        (
            "migrations/0001_index.sql",
            b"CREATE INDEX users_email_idx ON users (email);\n" as &[u8],
        ),
        (
            "miglint.toml",
            b"[rules]\nrequire-concurrent-index = \"info\"\nrequire-lock-timeout = \"info\"\n",
        ),
    ]);
    let run = |format: &str| {
        stdout_of(
            &mut miglint(dir.path(), &["check", "--format", format, "migrations"]),
            0,
        )
    };
    let report = json(&run("json"));
    assert_valid(&report_schema(), &report, "the JSON report");
    assert_eq!(report["summary"]["infos"], 2);
    assert_eq!(report["summary"]["blocking"], 0);
    assert!(report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["severity"] == "info"));
    assert!(
        run("github").lines().all(|l| l.starts_with("::notice ")),
        "{}",
        run("github")
    );
    assert!(run("gcc").contains(": info: index on \"users\" built without CONCURRENTLY"));
    let sarif = json(&run("sarif"));
    if let Some(validator) = sarif_schema() {
        assert_valid(&validator, &sarif, "the SARIF log");
    }
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["level"] == "note"));
    let human = run("human");
    assert!(
        human
            .trim_end()
            .ends_with("miglint: no problems found (2 infos to review) (1 file checked, 1 statement)"),
        "{human}"
    );
    // `--fail-on warning` still passes: an info never blocks.
    stdout_of(
        &mut miglint(dir.path(), &["check", "--fail-on", "warning", "migrations"]),
        0,
    );
}

#[test]
fn github_annotations_one_per_line_escaped() {
    let out = render_dangerous("github");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "one command per finding, no raw line breaks:\n{out}");
    assert!(!out.contains('\r'));
    assert!(
        lines[0].starts_with(&format!(
            "::error file={DANGEROUS_PATH},line=3,col=8,endLine=3,endColumn=13,title=miglint require-concurrent-index::index on \"users\" built without CONCURRENTLY%0A%0Ahelp: "
        )),
        "{}",
        lines[0]
    );
    // a warning over lines 4-5: no columns; `%` and line breaks escaped
    assert!(
        lines[1].starts_with(&format!(
            "::warning file={DANGEROUS_PATH},line=4,endLine=5,title=miglint unsupported-syntax::"
        )),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("{{ .Columns | printf \"%25s\" }}"), "{}", lines[1]);
    assert!(!lines[1].contains("col="), "{}", lines[1]);
}

#[test]
fn github_escapes_carriage_returns() {
    // the recipe for the second index quotes a statement written over CRLF lines
    let dir = repo_root().join("fixtures/line-endings");
    let out = stdout_of(&mut miglint(&dir, &["check", "bad_crlf.sql", "--format", "github"]), 1);
    assert!(!out.contains('\r'), "{out:?}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("CREATE UNIQUE%0D%0A  -- «unique» is on the line above%0D%0AINDEX CONCURRENTLY"),
        "{out}"
    );
}

#[test]
fn github_escapes_properties_in_file_names() {
    let name = "db/1,add:index%.sql";
    let dir = project(&[(name, b"SET lock_timeout = '5s';\nCREATE INDEX i ON users (email);\n")]);
    let out = stdout_of(&mut miglint(dir.path(), &["check", name, "--format", "github"]), 1);
    assert!(
        out.starts_with("::error file=db/1%2Cadd%3Aindex%25.sql,line=2,col=8,endLine=2,endColumn=13,title=miglint require-concurrent-index::"),
        "{out}"
    );
}

#[test]
fn sarif_matches_the_official_schema_and_lists_every_rule() {
    let sarif = json(&render_dangerous("sarif"));
    if let Some(schema) = sarif_schema() {
        assert_valid(&schema, &sarif, "the SARIF log");
    }
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: BTreeSet<String> = rules.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, all_rule_ids());
    for rule in rules {
        assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()), "{rule}");
        assert!(rule["helpUri"].as_str().is_some(), "{rule}");
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level), "{rule}");
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], DANGEROUS_PATH);
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        assert!(result.get("suppressions").is_none());
    }
    assert_eq!(results[0]["ruleId"], "require-concurrent-index");
    assert_eq!(results[0]["level"], "error");
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ),
        (&Value::from(3), &Value::from(8), &Value::from(3), &Value::from(13))
    );
    assert_eq!(results[1]["level"], "warning");
}

#[test]
fn sarif_and_json_carry_suppressions_with_their_justification() {
    let sql = "SET lock_timeout = '5s';\n-- miglint: ignore require-concurrent-index -- users has 40 rows\nCREATE INDEX i ON users (email);\n";
    let dir = project(&[("a.sql", sql.as_bytes())]);
    let sarif = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "a.sql", "--format", "sarif"]),
        0,
    ));
    if let Some(schema) = sarif_schema() {
        assert_valid(&schema, &sarif, "the SARIF log");
    }
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "require-concurrent-index");
    assert_eq!(
        results[0]["suppressions"],
        serde_json::json!([{ "kind": "inSource", "justification": "users has 40 rows" }])
    );

    let report = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "a.sql", "--format", "json"]),
        0,
    ));
    assert_valid(&report_schema(), &report, "the JSON report");
    let d = &report["diagnostics"][0];
    assert_eq!(d["suppressed"], true);
    assert_eq!(
        d["suppression"],
        serde_json::json!({ "reason": "users has 40 rows", "scope": "statement" })
    );
    assert_eq!(report["summary"]["suppressed"], 1);
    assert_eq!(report["summary"]["errors"], 0);

    // suppressed findings are no annotations, no gcc lines, no Code Quality issues
    for format in ["github", "gcc"] {
        let out = stdout_of(&mut miglint(dir.path(), &["check", "a.sql", "--format", format]), 0);
        assert_eq!(out, "", "{format}");
    }
    let gitlab = stdout_of(&mut miglint(dir.path(), &["check", "a.sql", "--format", "gitlab"]), 0);
    assert_eq!(json(&gitlab), serde_json::json!([]));
}

#[test]
fn gcc_prints_one_compiler_style_line_per_finding() {
    let out = render_dangerous("gcc");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{DANGEROUS_PATH}:3:8: error: index on \"users\" built without CONCURRENTLY [require-concurrent-index]"),
            format!("{DANGEROUS_PATH}:4:21: warning: template placeholder `{{{{ .Columns | printf \"%s\" }}}}` is not SQL, and the statement does not parse with a stand-in for it; miglint cannot check this statement [unsupported-syntax]"),
        ]
    );
}

fn gitlab_issues(files: &[(&str, &[u8])], args: &[&str], code: i32) -> Vec<Value> {
    let dir = project(files);
    let mut all = vec!["check", "--format", "gitlab"];
    all.extend(args);
    match json(&stdout_of(&mut miglint(dir.path(), &all), code)) {
        Value::Array(issues) => issues,
        other => panic!("not an array: {other}"),
    }
}

fn fingerprints(issues: &[Value]) -> Vec<String> {
    issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn gitlab_code_quality_with_stable_fingerprints() {
    let issues = json(&render_dangerous("gitlab"));
    let issues = issues.as_array().expect("a JSON array");
    assert_eq!(issues.len(), 2);
    let first = &issues[0];
    assert_eq!(first["type"], "issue");
    assert_eq!(first["check_name"], "require-concurrent-index");
    assert_eq!(first["description"], "index on \"users\" built without CONCURRENTLY");
    assert_eq!(first["severity"], "major");
    assert_eq!(issues[1]["severity"], "minor");
    assert_eq!(first["location"]["path"], DANGEROUS_PATH);
    assert_eq!(first["location"]["lines"]["begin"], 3);
    assert!(first["fingerprint"].as_str().unwrap().len() >= 32);

    // the same across runs
    let again = json(&render_dangerous("gitlab"));
    assert_eq!(fingerprints(issues), fingerprints(again.as_array().unwrap()));

    // unchanged by unrelated lines inserted above; different per finding
    let two = "SET lock_timeout = '5s';\nCREATE INDEX a ON users (email);\nCREATE INDEX b ON orders (number);\n";
    let shifted = format!("-- a note\n\nSET statement_timeout = '1min';\n{two}");
    let before = fingerprints(&gitlab_issues(&[("m.sql", two.as_bytes())], &["m.sql"], 1));
    let after = gitlab_issues(&[("m.sql", shifted.as_bytes())], &["m.sql"], 1);
    assert_eq!(after[0]["location"]["lines"]["begin"], 5);
    assert_eq!(before, fingerprints(&after));
    assert_ne!(before[0], before[1]);

    // the same statement twice still gives two fingerprints
    let twice = "SET lock_timeout = '5s';\nCREATE INDEX a ON users (email);\nCREATE INDEX a ON users (email);\n";
    let twice = fingerprints(&gitlab_issues(&[("m.sql", twice.as_bytes())], &["m.sql"], 1));
    assert_ne!(twice[0], twice[1]);
}

// ---------------------------------------------------------------------------
// Exit codes

#[test]
fn exit_0_for_a_safe_folder_and_for_warnings_below_fail_on() {
    let dir = project(&[("db/1.sql", SAFE.as_bytes()), ("db/2.sql", WARNING_ONLY.as_bytes())]);
    miglint(dir.path(), &["check", "db/1.sql"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "miglint: no problems found (1 file checked, 2 statements)",
        ));
    miglint(dir.path(), &["check", "db"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "miglint: 0 errors, 1 warning (2 files checked",
        ));
}

#[test]
fn exit_1_for_blocking_findings_and_fail_on_moves_the_threshold() {
    let dir = project(&[("bad.sql", DANGEROUS.as_bytes()), ("warn.sql", WARNING_ONLY.as_bytes())]);
    miglint(dir.path(), &["check", "bad.sql"]).assert().code(1);
    miglint(dir.path(), &["check", "warn.sql", "--fail-on", "warning"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("this change is blocked (--fail-on warning)"));
    miglint(dir.path(), &["check", "warn.sql", "--fail-on", "error"])
        .assert()
        .code(0);
    miglint(dir.path(), &["check", "bad.sql", "--fail-on", "never"])
        .assert()
        .code(0);
}

#[test]
fn exit_2_when_miglint_cannot_do_its_job() {
    let dir = project(&[
        ("ok.sql", SAFE.as_bytes()),
        ("docs/readme.txt", b"no sql here"),
        ("conf/miglint.toml", b"pg_version = 15\nfail_onn = \"error\"\n"),
    ]);
    let cases: &[(&[&str], &str)] = &[
        (&["check", "ok.sql", "--no-such-flag"], "--no-such-flag"),
        (&["check", "ok.sql", "--pg-version", "9"], "9"),
        (&["check", "ok.sql", "--format", "xml"], "xml"),
        (&["check", "ok.sql", "--fail-on", "sometimes"], "sometimes"),
        (
            &["check", "ok.sql", "--rule", "no-such-rule=off"],
            "unknown rule `no-such-rule`",
        ),
        (
            &["check", "ok.sql", "--rule", "require-concurrent-index=loud"],
            "level must be",
        ),
        (
            &["check", "ok.sql", "--config", "conf/miglint.toml"],
            "conf/miglint.toml:2:1:",
        ),
        (&["check", "ok.sql", "--config", "missing.toml"], "missing.toml"),
        (&["check", "missing.sql"], "missing.sql: no such file or directory"),
        (&["check", "docs"], "docs: no .sql files in this directory"),
        (&["check", "nothing/*.sql"], "no files match"),
        (&["check"], "no input"),
        (&["no-such-command"], "no-such-command"),
        (&["explain", "no-such-rule"], "unknown rule `no-such-rule`"),
    ];
    for (args, message) in cases {
        miglint(dir.path(), args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*message))
            .stdout(predicate::str::is_empty());
    }
}

#[test]
fn unknown_config_key_is_located_in_a_discovered_config() {
    let dir = project(&[
        ("miglint.toml", b"pg_version = 15\n\n  fail_onn = \"error\"\n"),
        ("db/1.sql", SAFE.as_bytes()),
    ]);
    miglint(&dir.path().join("db"), &["check", "1.sql"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("miglint.toml:3:3:").and(predicate::str::contains("fail_onn")));
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_loop_lints_each_file_once() {
    let dir = project(&[("db/1.sql", SAFE.as_bytes())]);
    std::os::unix::fs::symlink("..", dir.path().join("db/up")).unwrap();
    miglint(dir.path(), &["check", "db"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("(1 file checked"));
}

#[test]
fn a_missing_path_beside_a_real_file_still_lints_the_file_and_exits_2() {
    let dir = project(&[("bad.sql", DANGEROUS.as_bytes())]);
    let output = miglint(dir.path(), &["check", "missing.sql", "bad.sql", "--format", "gcc"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.sql: no such file or directory"))
        .get_output()
        .clone();
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(out.starts_with("bad.sql:3:8: error: "), "{out}");
}

/// The README opens with `$ miglint check <file>` and its output: it must be
/// what miglint prints, word for word.
#[test]
fn the_readme_opening_example_is_what_miglint_prints() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let marker = "```text\n$ miglint check ";
    let at = readme.find(marker).expect("the README's opening example");
    let block = &readme[at + marker.len()..];
    let (command, rest) = block.split_once('\n').unwrap();
    let shown = &rest[..rest.find("```\n").expect("the example's closing fence")];
    let mut args = vec!["check", "--no-color"];
    args.extend(command.split_whitespace());
    let printed = stdout_of(&mut miglint(&repo_root(), &args), 1);
    assert_eq!(
        shown, printed,
        "README.md's opening example differs from `miglint {command}`"
    );
}

#[test]
fn help_and_version_exit_0() {
    let dir = project(&[]);
    miglint(dir.path(), &["--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Exit codes"));
    let version = miglint(dir.path(), &["--version"]).output().unwrap();
    assert_eq!(version.status.code(), Some(0));
    let version = String::from_utf8(version.stdout).unwrap();
    // `miglint 0.1.0 (commit 0123456789ab)`: the commit of this checkout.
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".to_string(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_string(),
        );
    assert_eq!(
        version.trim(),
        format!("miglint {} (commit {commit})", env!("CARGO_PKG_VERSION"))
    );
}

// ---------------------------------------------------------------------------
// stdin

#[test]
fn stdin_is_linted_under_the_given_name() {
    let dir = project(&[]);
    let out = miglint(
        dir.path(),
        &[
            "check",
            "-",
            "--stdin-filename",
            "db/0001_index.sql",
            "--format",
            "json",
        ],
    )
    .write_stdin(DANGEROUS)
    .assert()
    .code(1)
    .get_output()
    .stdout
    .clone();
    let report = json(&String::from_utf8(out).unwrap());
    assert_valid(&report_schema(), &report, "the JSON report");
    assert_eq!(report["files"][0]["path"], "db/0001_index.sql");
    let d = &report["diagnostics"][0];
    assert_eq!(d["path"], "db/0001_index.sql");
    assert_eq!(position(&d["span"]["start"]), (3, 8, 60));

    miglint(dir.path(), &["check", "-", "--format", "gcc"])
        .write_stdin("SET lock_timeout = '5s';\nCREATE INDEX i ON users (email);\n")
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("<stdin>:2:8: error: "));
}

// ---------------------------------------------------------------------------
// Configuration

fn settings_and_severity(dir: &Path, args: &[&str], code: i32) -> (Value, String) {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let report = json(&stdout_of(&mut miglint(dir, &all), code));
    let severity = report["diagnostics"][0]["severity"]
        .as_str()
        .unwrap_or("none")
        .to_string();
    (report["settings"].clone(), severity)
}

#[test]
fn miglint_toml_is_found_from_the_current_folder_and_its_parents() {
    let config = "pg_version = 14\nfail_on = \"warning\"\n[rules]\nrequire-concurrent-index = \"warning\"\n";
    let dir = project(&[("miglint.toml", config.as_bytes()), ("db/1.sql", DANGEROUS.as_bytes())]);
    let expected = serde_json::json!({ "pg_version": 14, "fail_on": "warning" });
    // from the project folder, and from a folder below it
    let (settings, severity) = settings_and_severity(dir.path(), &["db/1.sql"], 1);
    assert_eq!((settings, severity.as_str()), (expected.clone(), "warning"));
    let (settings, severity) = settings_and_severity(&dir.path().join("db"), &["1.sql"], 1);
    assert_eq!((settings, severity.as_str()), (expected, "warning"));
}

#[test]
fn config_flag_and_command_line_overrides() {
    let config = "pg_version = 14\nfail_on = \"never\"\n[rules]\nrequire-concurrent-index = \"warning\"\n";
    let dir = project(&[("ci/strict.toml", config.as_bytes()), ("1.sql", DANGEROUS.as_bytes())]);
    let (settings, severity) = settings_and_severity(dir.path(), &["1.sql", "--config", "ci/strict.toml"], 0);
    assert_eq!(settings, serde_json::json!({ "pg_version": 14, "fail_on": "never" }));
    assert_eq!(severity, "warning");

    let (settings, severity) = settings_and_severity(
        dir.path(),
        &[
            "1.sql",
            "--config",
            "ci/strict.toml",
            "--pg-version",
            "12",
            "--fail-on",
            "error",
            "--rule",
            "require-concurrent-index=error",
        ],
        1,
    );
    assert_eq!(settings, serde_json::json!({ "pg_version": 12, "fail_on": "error" }));
    assert_eq!(severity, "error");

    // --rule ...=off drops the finding altogether
    let (_, severity) = settings_and_severity(
        dir.path(),
        &[
            "1.sql",
            "--rule",
            "require-concurrent-index=off",
            "--rule",
            "unsupported-syntax=off",
        ],
        0,
    );
    assert_eq!(severity, "none");
}

/// The rule ids of a JSON report's active diagnostics, in order.
fn rule_ids(dir: &Path, args: &[&str], code: i32) -> Vec<String> {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let report = json(&stdout_of(&mut miglint(dir, &all), code));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["suppressed"] == false)
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn assume_in_transaction_flag_and_config_wrap_each_file() {
    let migration = "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n";
    let dir = project(&[("1.sql", migration.as_bytes())]);
    assert!(rule_ids(dir.path(), &["1.sql"], 0).is_empty());
    assert_eq!(
        rule_ids(dir.path(), &["1.sql", "--assume-in-transaction"], 1),
        ["concurrently-in-transaction"]
    );
    let dir = project(&[
        ("miglint.toml", b"transaction = \"per-file\"\n"),
        ("1.sql", migration.as_bytes()),
    ]);
    assert_eq!(rule_ids(dir.path(), &["1.sql"], 1), ["concurrently-in-transaction"]);
    let dir = project(&[
        ("miglint.toml", b"transaction = \"none\"\n"),
        ("1.sql", migration.as_bytes()),
    ]);
    // In autocommit the build runs; a failed one would leave an INVALID index
    // that running the file again trips over (a warning).
    assert_eq!(rule_ids(dir.path(), &["1.sql"], 0), ["statement-not-rerunnable"]);
    // The flag wins over the file.
    assert_eq!(
        rule_ids(dir.path(), &["1.sql", "--assume-in-transaction"], 1),
        ["concurrently-in-transaction"]
    );
    let dir = project(&[
        ("miglint.toml", b"transaction = \"always\"\n"),
        ("1.sql", migration.as_bytes()),
    ]);
    miglint(dir.path(), &["check", "1.sql"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`transaction` must be \"per-file\" or \"none\"",
        ));
}

#[test]
fn assume_lock_timeout_flag_and_config() {
    let migration = "ALTER TABLE users ADD COLUMN nickname text;\n";
    let dir = project(&[("1.sql", migration.as_bytes())]);
    assert_eq!(rule_ids(dir.path(), &["1.sql"], 1), ["require-lock-timeout"]);
    assert!(rule_ids(dir.path(), &["1.sql", "--assume-lock-timeout"], 0).is_empty());
    let dir = project(&[
        ("miglint.toml", b"assume_lock_timeout = true\n"),
        ("1.sql", migration.as_bytes()),
        (
            "2.sql",
            b"SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN bio text;\n",
        ),
    ]);
    assert!(rule_ids(dir.path(), &["1.sql"], 0).is_empty());
    assert_eq!(
        rule_ids(dir.path(), &["2.sql"], 1),
        ["lock-timeout-too-long", "require-lock-timeout"],
        "turning the role's timeout off in the file still counts"
    );
}

#[test]
fn max_lock_timeout_from_config() {
    let migration = "SET lock_timeout = '30s';\nALTER TABLE users ADD COLUMN nickname text;\n";
    let dir = project(&[("1.sql", migration.as_bytes())]);
    assert_eq!(rule_ids(dir.path(), &["1.sql"], 0), ["lock-timeout-too-long"]);
    for limit in ["max_lock_timeout = \"1min\"\n", "max_lock_timeout = 30000\n"] {
        let dir = project(&[("miglint.toml", limit.as_bytes()), ("1.sql", migration.as_bytes())]);
        assert!(rule_ids(dir.path(), &["1.sql"], 0).is_empty(), "{limit}");
    }
    let dir = project(&[
        ("miglint.toml", b"max_lock_timeout = \"2s\"\n"),
        ("1.sql", b"SET lock_timeout = 3000;\n"),
    ]);
    assert_eq!(rule_ids(dir.path(), &["1.sql"], 0), ["lock-timeout-too-long"]);
    let dir = project(&[
        ("miglint.toml", b"max_lock_timeout = \"soon\"\n"),
        ("1.sql", migration.as_bytes()),
    ]);
    miglint(dir.path(), &["check", "1.sql"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`max_lock_timeout` must be milliseconds or a duration",
        ));
}

#[test]
fn config_excludes_apply_to_discovered_files() {
    let dir = project(&[
        ("miglint.toml", b"exclude = [\"db/legacy/**\"]\n"),
        ("db/1.sql", SAFE.as_bytes()),
        ("db/legacy/0.sql", DANGEROUS.as_bytes()),
    ]);
    miglint(dir.path(), &["check", "db"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("(1 file checked"));
}

// ---------------------------------------------------------------------------
// rules and explain

#[test]
fn rules_lists_every_rule_in_both_formats() {
    let dir = project(&[]);
    let human = stdout_of(&mut miglint(dir.path(), &["rules"]), 0);
    let listed: BTreeSet<String> = human
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert_eq!(listed, all_rule_ids());
    assert_eq!(human.lines().count(), miglint::rules().len());

    let list = json(&stdout_of(&mut miglint(dir.path(), &["rules", "--format", "json"]), 0));
    let list = list.as_array().unwrap();
    let ids: BTreeSet<String> = list.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, all_rule_ids());
    assert_eq!(list.len(), miglint::rules().len());
    for rule in list {
        for key in ["category", "default_severity", "since", "summary"] {
            assert!(rule[key].as_str().is_some_and(|v| !v.is_empty()), "{key} in {rule}");
        }
    }
}

#[test]
fn explain_prints_the_rule_doc() {
    let dir = project(&[]);
    let doc = miglint::rule("require-concurrent-index").unwrap().doc;
    miglint(dir.path(), &["explain", "require-concurrent-index"])
        .assert()
        .code(0)
        .stdout(predicate::eq(doc))
        .stdout(predicate::str::starts_with("# require-concurrent-index\n"));
    miglint(dir.path(), &["explain", "require-concurent-index"])
        .assert()
        .code(2)
        .stderr(predicate::eq(
            "miglint: error: unknown rule `require-concurent-index`; did you mean `require-concurrent-index`? \
             (see `miglint rules`)\n",
        ));
    // Not a typo but a part of ids: the rules holding it.
    miglint(dir.path(), &["explain", "concurrent-index"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean one of `require-concurrent-index`, `require-concurrent-index-drop`, `concurrent-index-if-not-exists`?",
        ));
}

#[test]
fn a_misspelt_rule_id_is_answered_with_the_rule_it_most_likely_means() {
    const MEANT: &str = "did you mean `require-concurrent-index`?";
    let dir = project(&[
        ("ok.sql", SAFE.as_bytes()),
        ("conf/miglint.toml", b"[rules]\nrequire-concurent-index = \"off\"\n"),
        (
            "ignored.sql",
            b"SET lock_timeout = '5s';\n-- miglint: ignore require-concurrent-indx -- small table\nCREATE INDEX i ON t (c);\n",
        ),
    ]);
    miglint(dir.path(), &["check", "ok.sql", "--config", "conf/miglint.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "conf/miglint.toml:2:1: unknown rule `require-concurent-index` in [rules]; {MEANT} (see `miglint rules`)"
        )));
    miglint(
        dir.path(),
        &["check", "ok.sql", "--rule", "require-concurent-index=off"],
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains(format!(
        "--rule \"require-concurent-index=off\": unknown rule `require-concurent-index`; {MEANT} \
             (see `miglint rules`)"
    )));
    let gcc = stdout_of(
        &mut miglint(dir.path(), &["check", "ignored.sql", "--format", "gcc"]),
        1,
    );
    assert!(
        gcc.contains(&format!(
            "ignored.sql:2:20: error: unknown rule `require-concurrent-indx` in a miglint ignore comment; {MEANT}"
        )),
        "{gcc}"
    );
    // No suggestion for an id that resembles none.
    miglint(dir.path(), &["check", "ok.sql", "--rule", "no-such-rule=off"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean").not());
}

// ---------------------------------------------------------------------------
// colour

#[test]
fn force_color_colours_piped_human_output_unless_no_color_says_otherwise() {
    let dir = dangerous_project();
    let human = |env: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = miglint(dir.path(), &[&["check", "migrations"][..], extra].concat());
        cmd.envs(env.iter().copied());
        stdout_of(&mut cmd, 1)
    };
    let coloured = |out: &str| out.contains("\x1b[");
    assert!(coloured(&human(&[("FORCE_COLOR", "1")], &[])));
    assert!(coloured(&human(&[("CLICOLOR_FORCE", "1")], &[])));
    // An empty NO_COLOR is unset, by its own convention.
    assert!(coloured(&human(&[("NO_COLOR", ""), ("FORCE_COLOR", "1")], &[])));
    assert!(!coloured(&human(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")], &[])));
    assert!(!coloured(&human(&[("FORCE_COLOR", "0")], &[])));
    assert!(!coloured(&human(&[("FORCE_COLOR", "1")], &["--no-color"])));
    assert!(!coloured(&human(&[], &[])));
}

// ---------------------------------------------------------------------------
// Line endings

/// The line-endings fixtures: the same migration with LF, CRLF and CR.
fn line_ending_fixtures() -> [(PathBuf, &'static str); 3] {
    let dir = repo_root().join("fixtures/line-endings");
    [
        (dir.join("bad_lf.sql"), "\n"),
        (dir.join("bad_crlf.sql"), "\r\n"),
        (dir.join("bad_cr.sql"), "\r"),
    ]
}

#[test]
fn line_ending_fixtures_hold_exactly_their_line_ending() {
    for (path, ending) in line_ending_fixtures() {
        let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        let normalized = text.replace(ending, "\n");
        assert!(!normalized.contains('\r'), "{}: mixed line endings", path.display());
        let lf = std::fs::read_to_string(&line_ending_fixtures()[0].0).unwrap();
        assert_eq!(
            normalized,
            lf,
            "{}: differs from bad_lf.sql beyond line endings",
            path.display()
        );
    }
}

/// (rule, start line/col, end line/col) of every diagnostic and label.
fn line_columns(report: &Value) -> Vec<(String, Vec<(u64, u64)>)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut spans = vec![&d["span"]];
            spans.extend(d["labels"].as_array().unwrap().iter().map(|l| &l["span"]));
            let positions = spans
                .iter()
                .flat_map(|s| [&s["start"], &s["end"]])
                .map(|p| (p["line"].as_u64().unwrap(), p["column"].as_u64().unwrap()))
                .collect();
            (d["rule"].as_str().unwrap().to_string(), positions)
        })
        .collect()
}

#[test]
fn lf_crlf_and_cr_give_the_same_lines_and_columns() {
    let mut seen = Vec::new();
    for (path, _) in line_ending_fixtures() {
        let dir = path.parent().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let report = json(&stdout_of(&mut miglint(dir, &["check", name, "--format", "json"]), 1));
        assert_valid(&report_schema(), &report, name);
        let bytes = std::fs::read(&path).unwrap();
        for d in report["diagnostics"].as_array().unwrap() {
            // offsets count bytes of this very file
            let start = d["span"]["start"]["offset"].as_u64().unwrap() as usize;
            let end = d["span"]["end"]["offset"].as_u64().unwrap() as usize;
            assert_eq!(&bytes[start..end], b"INDEX", "{name}");
        }
        seen.push((name.to_string(), line_columns(&report)));
    }
    // the flagged CREATE INDEX sits on line 4 and the second one starts on line 7
    let expected = &seen[0].1;
    assert_eq!(expected.len(), 2, "{expected:?}");
    assert_eq!(expected[0].1[..2], [(4, 8), (4, 13)]);
    assert_eq!(expected[1].1[..2], [(8, 1), (8, 6)]);
    for (name, found) in &seen {
        assert_eq!(found, expected, "{name} differs from bad_lf.sql");
    }
}
