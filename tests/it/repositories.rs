//! The layouts of `tests/repositories/<layout>/`, each checked by the real
//! binary in a copy made a git repository: version folders with manifests
//! and a base schema, delta folders with dialect files, sqlc query folders,
//! and migrations written in Go or Python. Every file of a layout gets the
//! same findings named alone, through a glob and on stdin as in its folder.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::cli::{active_findings as findings, assert_valid, miglint, validator};
use crate::common::{git, repo_root, repository, tools_available};

/// Far longer than any of these runs takes; a run still going has hung.
const TIMEOUT: Duration = Duration::from_secs(60);

/// One run of `miglint check --format json`: exit code, report, stderr.
struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

fn check(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let mut command = miglint(dir, &all);
    if let Some(bytes) = stdin {
        command.write_stdin(bytes.to_vec());
    }
    let output = command.timeout(TIMEOUT).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("miglint {all:?} did not exit: {stderr}"));
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("miglint {all:?}: no JSON ({e}); stderr: {stderr}"));
    assert_valid(
        &validator(&repo_root().join("schema/miglint-report.schema.json")),
        &report,
        "the report",
    );
    Run { code, report, stderr }
}

/// The first line of the human output: what was detected of each root.
fn detected(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["check", "--no-color"];
    all.extend_from_slice(args);
    let output = miglint(dir, &all).timeout(TIMEOUT).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout
        .lines()
        .take_while(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The paths of the files judged, in the order they were checked.
fn judged(report: &Value) -> Vec<String> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

fn rules_of(report: &Value, path: &str) -> Vec<String> {
    findings(report)
        .into_iter()
        .filter(|f| f.0 == path)
        .map(|f| f.2)
        .collect()
}

/// Each file the folder run judged gets the same findings named alone, as
/// one glob of its folder's files, and on stdin named after it: one answer
/// however the file arrives.
fn assert_each_file_alone_as_in_folder(folder: &Path, arg: &str) {
    let in_folder = check(folder, &[arg], None);
    // A file with up and down sections is judged twice: once each way.
    let mut files = judged(&in_folder.report);
    files.dedup();
    assert!(!files.is_empty(), "{arg}: nothing judged: {}", in_folder.stderr);
    for file in &files {
        let expected: Vec<_> = findings(&in_folder.report)
            .into_iter()
            .filter(|f| f.0 == *file)
            .collect();
        let alone = check(folder, &[file], None);
        let mut named = judged(&alone.report);
        named.dedup();
        assert_eq!(named, std::slice::from_ref(file), "{file}: {}", alone.stderr);
        assert_eq!(findings(&alone.report), expected, "{file} named alone");
        let bytes = std::fs::read(folder.join(file)).unwrap();
        let stdin = check(folder, &["--stdin-filename", file, "-"], Some(&bytes));
        assert_eq!(findings(&stdin.report), expected, "{file} on stdin");
        let glob = format!("{}/*.sql*", Path::new(file).parent().unwrap().display());
        let globbed = check(folder, &[&glob], None);
        let same_folder: Vec<_> = findings(&globbed.report).into_iter().filter(|f| f.0 == *file).collect();
        assert_eq!(same_folder, expected, "{file} through {glob}");
    }
}

// Version folders.

const VERSIONED: &str = "db/versioned";

#[test]
fn version_folders_are_one_root_after_their_base_schema() {
    let repo = repository("versioned");
    let run = check(repo.path(), &["."], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let roots = run.report["roots"].as_array().unwrap();
    assert_eq!(roots.len(), 1, "{roots:#?}");
    let root = &roots[0];
    assert_eq!(root["path"], VERSIONED);
    assert_eq!(root["tool"], "plain");
    assert_eq!(
        root["tool_reason"],
        "version folders `v1.0/` to `v1.10/`, files in manifest.json order"
    );
    assert_eq!(root["base_schema"], "db/versioned/schema.sql");
    assert_eq!(root["migrations"], 4);
    assert_eq!(root["transaction"], "none");
    // v1.10 after v1.2, each folder in its manifest's order (v1.1 lists
    // widen_email before add_note); the base schema is history, not judged.
    assert_eq!(
        judged(&run.report),
        [
            "db/versioned/v1.0/accounts.sql",
            "db/versioned/v1.0/accounts_index.sql",
            "db/versioned/v1.1/widen_email.sql",
            "db/versioned/v1.1/add_note.sql",
            "db/versioned/v1.2/narrow_email.sql",
            "db/versioned/v1.10/users_name_index.sql",
        ]
    );
    let orders: Vec<u64> = run.report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["order"].as_u64().unwrap())
        .collect();
    assert_eq!(orders, [1, 1, 2, 2, 3, 4], "the base schema runs first, as order 0");
    assert!(
        run.stderr
            .contains("db/versioned: v1.10/manifest.json lists `missing.sql`, not in the folder"),
        "{}",
        run.stderr
    );
    assert_eq!(
        detected(repo.path(), &["."]),
        [
            "db/versioned: plain (version folders `v1.0/` to `v1.10/`, files in manifest.json order), \
          no transaction: statements run one by one, 4 migrations after the base schema \
          `db/versioned/schema.sql`; set tool = \"...\" in miglint.toml to override"
        ]
    );
}

#[test]
fn a_varchar_created_in_an_earlier_version_is_widened_in_place_and_narrowed_with_a_rewrite() {
    let repo = repository("versioned");
    let widen = "db/versioned/v1.1/widen_email.sql";
    let narrow = "db/versioned/v1.2/narrow_email.sql";
    let run = check(repo.path(), &[widen, narrow], None);
    // varchar(20) -> varchar(40): a relabel, no rewrite.
    assert!(
        !rules_of(&run.report, widen).contains(&"changing-column-type".to_string()),
        "{:#}",
        run.report
    );
    // varchar(40) -> varchar(30): a rewrite, said as such.
    let narrowing = run.report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == narrow && d["rule"] == "changing-column-type")
        .unwrap_or_else(|| panic!("{:#}", run.report));
    assert!(
        narrowing["message"]
            .as_str()
            .unwrap()
            .contains("from varchar(40) to varchar(30), rewriting the table"),
        "{narrowing:#}"
    );
    // Without the history, the type before is unknown: a rewrite of unknown cost.
    let alone = check(repo.path(), &["--no-history", widen], None);
    assert!(rules_of(&alone.report, widen).contains(&"changing-column-type".to_string()));
    // A table of the base schema exists and has rows.
    let index = "db/versioned/v1.10/users_name_index.sql";
    let run = check(repo.path(), &[index], None);
    assert!(rules_of(&run.report, index).contains(&"require-concurrent-index".to_string()));
}

/// The files of one version folder are one migration: a table one of them
/// creates is new to the others, so its index needs no CONCURRENTLY; the
/// next version meets it as an existing table.
#[test]
fn the_files_of_one_version_folder_are_one_change() {
    let dir = crate::cli::project(&[
        (
            "db/v1.0/manifest.json",
            br#"["1_tables.sql", "2_indexes.sql"]"# as &[u8],
        ),
        (
            "db/v1.0/1_tables.sql",
            b"CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint);\n",
        ),
        (
            "db/v1.0/2_indexes.sql",
            b"CREATE INDEX orders_account_idx ON orders (account_id);\n",
        ),
        ("db/v1.1/manifest.json", br#"["1_index.sql"]"#),
        (
            "db/v1.1/1_index.sql",
            b"CREATE INDEX orders_id_idx ON orders (id, account_id);\n",
        ),
    ]);
    let run = check(dir.path(), &["db"], None);
    assert!(
        rules_of(&run.report, "db/v1.0/2_indexes.sql").is_empty(),
        "{:#}",
        run.report
    );
    assert!(rules_of(&run.report, "db/v1.1/1_index.sql").contains(&"require-concurrent-index".to_string()));
    // Named alone, the file is judged with the rest of its migration, which is not reported.
    let alone = check(dir.path(), &["db/v1.0/2_indexes.sql"], None);
    assert_eq!(judged(&alone.report), ["db/v1.0/2_indexes.sql"]);
    assert!(
        rules_of(&alone.report, "db/v1.0/2_indexes.sql").is_empty(),
        "{:#}",
        alone.report
    );
}

#[test]
fn each_versioned_file_gets_one_answer_however_it_arrives() {
    let repo = repository("versioned");
    assert_each_file_alone_as_in_folder(repo.path(), VERSIONED);
    // Named from inside its version folder, a file is still in the root.
    let inside = repo.path().join("db/versioned/v1.1");
    let run = check(&inside, &["widen_email.sql"], None);
    assert_eq!(run.report["roots"][0]["path"], "..");
    assert_eq!(judged(&run.report), ["widen_email.sql"]);
    assert_eq!(rules_of(&run.report, "widen_email.sql"), ["prefer-text"]);
}

#[test]
fn the_base_schema_is_history_even_when_named() {
    let repo = repository("versioned");
    let run = check(repo.path(), &["db/versioned/schema.sql"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(judged(&run.report).is_empty());
    assert!(
        run.stderr.contains(
            "db/versioned: `db/versioned/schema.sql` is the base schema its versions build on: replayed as history, not checked"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_base_schema_beside_the_folder_of_versions_seeds_it() {
    let repo = repository("versioned");
    std::fs::rename(
        repo.path().join("db/versioned/schema.sql"),
        repo.path().join("db/schema.sql"),
    )
    .unwrap();
    let run = check(repo.path(), &["db"], None);
    let roots = run.report["roots"].as_array().unwrap();
    assert_eq!(roots.len(), 1, "the base schema is no root of its own: {roots:#?}");
    assert_eq!(roots[0]["base_schema"], "db/schema.sql");
    let index = "db/versioned/v1.10/users_name_index.sql";
    assert!(rules_of(&run.report, index).contains(&"require-concurrent-index".to_string()));
    // Named alone, the same root and the same answer.
    let named = check(repo.path(), &[index], None);
    assert_eq!(named.report["roots"][0]["base_schema"], "db/schema.sql");
    assert_eq!(rules_of(&named.report, index), rules_of(&run.report, index));
    let base = check(repo.path(), &["db/schema.sql"], None);
    assert!(judged(&base.report).is_empty(), "{:#}", base.report);
    // Outside a repository discovery stays in the root's folder: no base.
    std::fs::remove_dir_all(repo.path().join(".git")).unwrap();
    let bare = check(repo.path(), &[index], None);
    assert_eq!(bare.report["roots"][0]["base_schema"], Value::Null);
}

// Delta folders and dialect files.

#[test]
fn each_area_delta_folder_is_a_root_run_in_numeric_order_with_postgres_variants() {
    let repo = repository("delta");
    let run = check(repo.path(), &["."], None);
    // One delta folder is one migration: the audit index is built on a table
    // the same migration creates, empty, so nothing blocks.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(rules_of(&run.report, "schema/audit/delta/1/002_events_index.sql.postgres").is_empty());
    let roots: Vec<(&str, &str)> = run.report["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["path"].as_str().unwrap(), r["tool_reason"].as_str().unwrap()))
        .collect();
    let reason = "numbered folders `delta/<N>/`, files by name";
    assert_eq!(roots, [("schema/audit/delta", reason), ("schema/main/delta", reason)]);
    for root in run.report["roots"].as_array().unwrap() {
        assert_eq!(root["dialect"], "postgres");
        assert!(
            root["dialect_reason"].as_str().unwrap().starts_with("dialect files"),
            "{root:#}"
        );
    }
    // 2 before 10; each `x.sql.postgres` in place of `x.sql`; no `.sql.sqlite`.
    assert_eq!(
        judged(&run.report),
        [
            "schema/audit/delta/1/001_events.sql",
            "schema/audit/delta/1/002_events_index.sql.postgres",
            "schema/main/delta/1/001_accounts.sql.postgres",
            "schema/main/delta/1/002_sessions.sql",
            "schema/main/delta/2/001_widen_email.sql",
            "schema/main/delta/10/001_sessions_index.sql.postgres",
        ]
    );
    assert!(
        run.stderr.contains(
            "schema/main/delta: 2 files replaced by their PostgreSQL variants: 1/001_accounts.sql by 001_accounts.sql.postgres, 10/001_sessions_index.sql by 001_sessions_index.sql.postgres"
        ),
        "{}",
        run.stderr
    );
    // The MySQL text of the replaced file is never read; the variant's
    // CONCURRENTLY is; the widening follows the variant's varchar(20).
    let found = findings(&run.report);
    assert!(
        !found
            .iter()
            .any(|f| f.2 == "syntax-error" || (f.0.starts_with("schema/main") && f.2 == "require-concurrent-index")),
        "{found:?}"
    );
    assert!(
        !rules_of(&run.report, "schema/main/delta/2/001_widen_email.sql").contains(&"changing-column-type".to_string())
    );
}

#[test]
fn a_file_a_variant_replaces_stands_for_it_and_other_databases_files_are_skipped() {
    let repo = repository("delta");
    let generic = check(repo.path(), &["schema/main/delta/10/001_sessions_index.sql"], None);
    let variant = "schema/main/delta/10/001_sessions_index.sql.postgres";
    assert_eq!(judged(&generic.report), [variant]);
    let direct = check(repo.path(), &[variant], None);
    assert_eq!(findings(&generic.report), findings(&direct.report));

    let sqlite = check(repo.path(), &["schema/main/delta/1/001_accounts.sql.sqlite"], None);
    assert_eq!(sqlite.code, 0, "{}", sqlite.stderr);
    assert!(judged(&sqlite.report).is_empty());
    assert!(
        sqlite.stderr.contains("skipped 1 file for another database")
            && sqlite.stderr.contains("schema/main/delta/1/001_accounts.sql.sqlite"),
        "{}",
        sqlite.stderr
    );
    // On stdin (an editor showing it), the same.
    let on_stdin = check(
        repo.path(),
        &["--stdin-filename", "schema/main/delta/1/001_accounts.sql.sqlite", "-"],
        Some(b"CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\n"),
    );
    assert_eq!(on_stdin.code, 0, "{}", on_stdin.stderr);
    assert!(judged(&on_stdin.report).is_empty());
    assert!(on_stdin.stderr.contains("skipped 1 file for another database"));
}

#[test]
fn each_delta_file_gets_one_answer_however_it_arrives() {
    let repo = repository("delta");
    assert_each_file_alone_as_in_folder(repo.path(), "schema");
}

// sqlc.

#[test]
fn sqlc_query_folders_are_skipped_with_one_notice_and_its_schema_checked() {
    let repo = repository("sqlc");
    let run = check(repo.path(), &["."], None);
    let roots: Vec<&str> = run.report["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(roots, ["db/migrations", "services/billing/migrations"]);
    assert!(
        judged(&run.report).iter().all(|f| !f.contains("queries")),
        "{:?}",
        judged(&run.report)
    );
    let notices: Vec<&str> = run.stderr.lines().filter(|l| l.contains("sqlc queries")).collect();
    assert_eq!(
        notices,
        [
            "miglint: note: skipped sqlc queries, not migrations (named by `queries:` in sqlc.yaml, \
             services/billing/sqlc.json): db/queries, services/billing/queries/invoices.sql"
        ],
        "{}",
        run.stderr
    );
    // A query file named alone (pre-commit names every staged file): the same.
    let named = check(repo.path(), &["db/queries/users.sql"], None);
    assert_eq!(named.code, 0, "{}", named.stderr);
    assert!(judged(&named.report).is_empty());
    assert!(
        named
            .stderr
            .contains("skipped sqlc queries, not migrations (named by `queries:` in sqlc.yaml): db/queries"),
        "{}",
        named.stderr
    );
}

#[test]
fn sqlc_queries_changed_since_a_ref_raise_no_history_findings() {
    if !tools_available(&["git"]) {
        return;
    }
    let repo = repository("sqlc");
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    // A query edited and one added: neither is a migration.
    std::fs::write(
        repo.path().join("db/queries/users.sql"),
        "-- name: GetUser :one\nSELECT id FROM users WHERE id = $1;\n",
    )
    .unwrap();
    std::fs::write(
        repo.path().join("db/queries/0001_orders.sql"),
        "-- name: ListOrders :many\nSELECT * FROM orders;\n",
    )
    .unwrap();
    let run = check(repo.path(), &["--since", "HEAD", "."], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(findings(&run.report).is_empty(), "{:?}", findings(&run.report));
    assert!(run.stderr.contains("sqlc queries"), "{}", run.stderr);
}

// Migrations written in code.

#[test]
fn go_migrations_are_counted_placed_and_said_once() {
    let repo = repository("code-go");
    let run = check(repo.path(), &["."], None);
    let root = &run.report["roots"][0];
    assert_eq!(root["tool"], "goose");
    assert_eq!(root["migrations"], 3);
    assert_eq!(
        root["code_migrations"],
        serde_json::json!([{ "language": "go", "count": 2 }])
    );
    assert_eq!(
        detected(repo.path(), &["."]),
        [
            "db/migrations: goose (`-- +goose Up` annotations), each migration in its own transaction (1 opts out), \
          3 migrations, 2 migrations in Go not checked; set tool = \"...\" in miglint.toml to override"
        ]
    );
    let said: Vec<&str> = run.stderr.lines().filter(|l| l.contains("in Go")).collect();
    assert_eq!(
        said,
        [
            "miglint: note: db/migrations: 2 migrations in Go (`00002_backfill_emails.go`, `00004_split_names.go`) \
          run before migrations checked here and cannot be read: what they changed is missing from the schema \
          they are judged against"
        ]
    );
    // Only the Go migrations that run before the files judged are named.
    let third = check(repo.path(), &["db/migrations/00003_orders.sql"], None);
    assert!(
        third
            .stderr
            .contains("1 migration in Go (`00002_backfill_emails.go`) runs before"),
        "{}",
        third.stderr
    );
    let first = check(repo.path(), &["db/migrations/00001_users.sql"], None);
    assert!(!first.stderr.contains("in Go"), "{}", first.stderr);
    assert_each_file_alone_as_in_folder(repo.path(), "db/migrations");
}

#[test]
fn python_migrations_are_counted_and_said() {
    let repo = repository("code-python");
    let run = check(repo.path(), &["."], None);
    let root = &run.report["roots"][0];
    assert_eq!(root["migrations"], 2);
    assert_eq!(
        root["code_migrations"],
        serde_json::json!([{ "language": "python", "count": 1 }])
    );
    assert_eq!(
        judged(&run.report),
        [
            "scripts/migrations/0001_accounts.sql",
            "scripts/migrations/0003_status_not_null.sql"
        ]
    );
    assert!(
        run.stderr
            .contains("scripts/migrations: 1 migration in Python (`0002_fill_status.py`) runs before"),
        "{}",
        run.stderr
    );
    assert!(detected(repo.path(), &["."])[0].contains(", 2 migrations, 1 migration in Python not checked;"));
    assert_each_file_alone_as_in_folder(repo.path(), "scripts/migrations");
}

// Sections of one file (goose, dbmate).

#[test]
fn an_empty_down_section_is_no_finding_and_an_empty_up_section_is_named_at_its_marker() {
    let dir = crate::cli::project(&[
        (
            "db/migrations/20240101000000_users.sql",
            b"-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY);\n\n-- +goose Down\n",
        ),
        (
            "db/migrations/20240102000000_nothing.sql",
            b"-- a placeholder kept for its version\n-- +goose Up\n\n-- +goose Down\n",
        ),
        (
            "dbmate/db/migrations/20240101000000_users.sql",
            b"-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY);\n-- migrate:down\n",
        ),
    ]);
    let goose = check(dir.path(), &["db/migrations"], None);
    let empty: Vec<(String, u64, String)> = findings(&goose.report)
        .into_iter()
        .filter(|f| f.2 == "empty-file")
        .collect();
    assert_eq!(
        empty,
        [(
            "db/migrations/20240102000000_nothing.sql".to_string(),
            2,
            "empty-file".to_string()
        )]
    );
    let message = goose.report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "empty-file")
        .unwrap()["message"]
        .clone();
    assert_eq!(message, "up section holds no SQL statements");
    let dbmate = check(&dir.path().join("dbmate"), &["db/migrations"], None);
    assert!(findings(&dbmate.report).is_empty(), "{:?}", findings(&dbmate.report));
}
