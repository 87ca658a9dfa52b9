//! One right answer, at once, however the files arrive: a named file never
//! sets off a search of everything beside it, never blocks on a FIFO, and a
//! folder, a glob, a list of names and stdin get the same findings with the
//! same config. Every run here has a generous timeout: a hang is a failure.

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

use crate::cli::{active_findings as findings, check_json, miglint, project, TIMEOUT};
use crate::common::{git, tools_available};

#[cfg(unix)]
fn mkfifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(unix)]
#[test]
fn a_named_file_outside_a_repository_next_to_fifos_is_checked_at_once() {
    if !tools_available(&["mkfifo"]) {
        return;
    }
    // FIFOs beside the file, in the folder above and in a sibling root:
    // opening any of them for reading would block for ever.
    let dir = project(&[
        (
            "work/db/0001_index.sql",
            b"CREATE INDEX users_email_idx ON users (email);\n",
        ),
        ("work/other/0001_x.sql", b"SELECT 1;\n"),
    ]);
    for fifo in ["work/db/pipe.sql", "work/stuck.sql", "work/other/0002_pipe.sql"] {
        assert!(mkfifo(&dir.path().join(fifo)));
    }
    let (code, report, stderr) = check_json(&dir.path().join("work/db"), &["0001_index.sql"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(findings(&report).contains(&("0001_index.sql".into(), 1, "require-concurrent-index".into())));
    // Only the root's own folder was looked at: the FIFO beside the file is
    // noted, those further away are never seen.
    assert!(
        stderr.contains("pipe.sql: skipped, it is a FIFO, not a regular file"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("stuck.sql") && !stderr.contains("0002_pipe"),
        "{stderr}"
    );

    // Named explicitly, a FIFO is refused (exit 2), the other file still checked.
    let (code, report, stderr) = check_json(&dir.path().join("work/db"), &["pipe.sql", "0001_index.sql"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("pipe.sql: not a regular file (a FIFO)"), "{stderr}");
    assert_eq!(report["summary"]["files"], 1);
}

#[cfg(unix)]
#[test]
fn a_repository_with_a_fifo_and_a_large_unrelated_tree_checks_one_migration_without_reading_it() {
    if !tools_available(&["git", "mkfifo"]) {
        return;
    }
    let dir = project(&[
        (
            "db/migrations/0001_users.up.sql",
            b"CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
        ),
        (
            "db/migrations/0002_index.up.sql",
            b"CREATE INDEX users_email_idx ON users (email);\n",
        ),
    ]);
    git(dir.path(), &["init", "-q"]);
    // Thousands of unrelated SQL files, one unreadable and one a FIFO.
    let vendor = dir.path().join("vendor/fixtures");
    for i in 0..40 {
        let folder = vendor.join(format!("suite{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        for j in 0..50 {
            std::fs::write(folder.join(format!("{j:03}_case.sql")), "CREATE TABLE t (id int);\n").unwrap();
        }
    }
    assert!(mkfifo(&vendor.join("suite0/blocked.sql")));
    let (code, report, stderr) = check_json(dir.path(), &["db/migrations/0002_index.up.sql"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(report["summary"]["files"], 1, "{stderr}");
    assert_eq!(report["roots"][0]["path"], "db/migrations");
    assert_eq!(report["roots"][0]["tool"], "golang-migrate");
    assert!(!stderr.contains("vendor"), "the unrelated tree was looked at: {stderr}");
    // The table comes from the history: it exists, so the index blocks writes.
    assert!(findings(&report).contains(&(
        "db/migrations/0002_index.up.sql".into(),
        1,
        "require-concurrent-index".into()
    )));
}

/// A golang-migrate history whose second migration indexes the table the
/// first one created (in production by then: blocked), and whose third adds
/// a table and its index together (new: fine).
fn history_project() -> TempDir {
    project(&[
        (
            "db/migrations/0001_users.up.sql",
            b"CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
        ),
        ("db/migrations/0002_index.up.sql", b"CREATE INDEX users_email_idx ON users (email);\n"),
        (
            "db/migrations/0003_orders.up.sql",
            b"CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\nCREATE INDEX orders_user_idx ON orders (user_id);\n",
        ),
    ])
}

#[test]
fn a_folder_a_glob_and_named_files_give_the_same_findings() {
    let dir = history_project();
    let (folder_code, folder, _) = check_json(dir.path(), &["db/migrations"]);
    let (glob_code, glob, _) = check_json(dir.path(), &["db/migrations/*.sql"]);
    let (named_code, named, _) = check_json(
        dir.path(),
        &[
            "db/migrations/0003_orders.up.sql",
            "db/migrations/0001_users.up.sql",
            "db/migrations/0002_index.up.sql",
        ],
    );
    assert_eq!(folder_code, 1);
    assert_eq!((glob_code, named_code), (folder_code, folder_code));
    let expected = findings(&folder);
    assert!(expected.contains(&(
        "db/migrations/0002_index.up.sql".into(),
        1,
        "require-concurrent-index".into()
    )));
    assert!(
        !expected
            .iter()
            .any(|f| f.0.ends_with("0003_orders.up.sql") && f.2 == "require-concurrent-index"),
        "an index on a table created in the same migration is fine: {expected:?}"
    );
    assert_eq!(findings(&glob), expected);
    assert_eq!(findings(&named), expected);
    // One file named alone is judged as in the folder: after its history.
    let (code, alone, _) = check_json(dir.path(), &["db/migrations/0002_index.up.sql"]);
    assert_eq!(code, 1);
    let in_folder: Vec<_> = expected
        .iter()
        .filter(|f| f.0.ends_with("0002_index.up.sql"))
        .cloned()
        .collect();
    assert_eq!(findings(&alone), in_folder);
}

#[test]
fn stdin_in_a_tools_root_gets_the_tool_saved_or_not() {
    let dir = project(&[
        (
            "Cargo.toml",
            b"[package]\nname = \"app\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
        ),
        (
            "migrations/20240101000000_users.sql",
            b"CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
        ),
    ]);
    let concurrent = "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n";
    let run = |name: &str| {
        let output = miglint(
            dir.path(),
            &["check", "--format", "json", "--stdin-filename", name, "-"],
        )
        .write_stdin(concurrent)
        .timeout(TIMEOUT)
        .output()
        .unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        (output.status.code(), report)
    };
    // Not saved yet: still a sqlx migration, in sqlx's transaction.
    let (code, unsaved) = run("migrations/20240102000000_index.sql");
    assert_eq!(code, Some(1));
    assert_eq!(unsaved["files"][0]["tool"], "sqlx");
    assert_eq!(unsaved["files"][0]["path"], "migrations/20240102000000_index.sql");
    assert_eq!(unsaved["roots"][0]["tool_reason"], "Cargo.toml names sqlx");
    let rules: Vec<&str> = unsaved["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"concurrently-in-transaction"), "{rules:?}");
    // Saved, the same answer.
    std::fs::write(dir.path().join("migrations/20240102000000_index.sql"), concurrent).unwrap();
    let (saved_code, saved) = run("migrations/20240102000000_index.sql");
    assert_eq!(saved_code, code);
    assert_eq!(findings(&saved), findings(&unsaved));
    let (_, by_path, _) = check_json(dir.path(), &["migrations/20240102000000_index.sql"]);
    assert_eq!(findings(&by_path), findings(&saved));

    // Excluded by the config, named or on stdin: not checked either way.
    std::fs::write(
        dir.path().join("miglint.toml"),
        "exclude = [\"migrations/2024010200*\"]\n",
    )
    .unwrap();
    let (code, excluded) = run("migrations/20240102000000_index.sql");
    assert_eq!(code, Some(0));
    assert_eq!(excluded["summary"]["files"], 0);
}

/// A repository whose top config turns `require-lock-timeout` off and whose
/// `db/pg` folder has its own config, which applies there alone (configs are
/// not merged): both rules warnings.
pub(crate) fn nested_configs() -> TempDir {
    let dir = project(&[
        ("miglint.toml", b"[rules]\nrequire-lock-timeout = \"off\"\n"),
        (
            "db/pg/miglint.toml",
            b"[rules]\nrequire-concurrent-index = \"warning\"\nrequire-lock-timeout = \"warning\"\n",
        ),
        (
            "db/pg/migrations/0001_users.up.sql",
            b"CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
        ),
        (
            "db/pg/migrations/0002_index.up.sql",
            b"CREATE INDEX users_email_idx ON users (email);\n",
        ),
        (
            "db/other/0001_index.sql",
            b"CREATE INDEX orders_user_idx ON orders (user_id);\n",
        ),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

/// (rule, severity) of every active finding for `path`.
fn severities(report: &Value, path: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["suppressed"] == false && d["path"] == path)
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_nearest_config_applies_to_paths_and_stdin_alike() {
    let dir = nested_configs();
    let migration = "db/pg/migrations/0002_index.up.sql";
    let expected = vec![
        ("require-concurrent-index".to_string(), "warning".to_string()),
        ("require-lock-timeout".to_string(), "warning".to_string()),
    ];
    // From the top, from inside, by folder, by name and through stdin.
    let (code, top, _) = check_json(dir.path(), &["."]);
    assert_eq!(code, 1, "db/other still blocks under the top config");
    assert_eq!(severities(&top, migration), expected);
    assert_eq!(
        severities(&top, "db/other/0001_index.sql"),
        [("require-concurrent-index".to_string(), "error".to_string())]
    );
    let (code, named, _) = check_json(&dir.path().join("db/pg"), &["migrations/0002_index.up.sql"]);
    assert_eq!(code, 0, "a warning does not block");
    assert_eq!(severities(&named, "migrations/0002_index.up.sql"), expected);
    let output = miglint(
        dir.path(),
        &["check", "--format", "json", "--stdin-filename", migration, "-"],
    )
    .write_stdin("CREATE INDEX users_email_idx ON users (email);\n")
    .timeout(TIMEOUT)
    .output()
    .unwrap();
    let stdin: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(severities(&stdin, migration), expected);

    // --config replaces every config.
    std::fs::write(dir.path().join("strict.toml"), "fail_on = \"warning\"\n").unwrap();
    let (code, strict, _) = check_json(dir.path(), &["--config", "strict.toml", migration]);
    assert_eq!(code, 1);
    assert_eq!(
        severities(&strict, migration),
        [
            ("require-concurrent-index".to_string(), "error".to_string()),
            ("require-lock-timeout".to_string(), "error".to_string())
        ]
    );
}

#[test]
fn an_invalid_config_that_applies_exits_2_and_the_rest_is_still_checked() {
    let dir = nested_configs();
    std::fs::write(dir.path().join("db/pg/miglint.toml"), "pg_version = 9\n").unwrap();
    let (code, report, stderr) = check_json(dir.path(), &["db"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("db/pg/miglint.toml:1:14"), "{stderr}");
    // The files under the valid config are still reported.
    assert_eq!(
        severities(&report, "db/other/0001_index.sql"),
        [("require-concurrent-index".to_string(), "error".to_string())]
    );
    assert!(severities(&report, "db/pg/migrations/0002_index.up.sql").is_empty());
    // A config that applies to nothing named is not read.
    let (code, _, stderr) = check_json(dir.path(), &["db/other"]);
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn the_human_output_starts_with_what_was_detected() {
    let dir = history_project();
    let output = miglint(dir.path(), &["check", "--no-color", "db/migrations"])
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let first = stdout.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "db/migrations: golang-migrate (`.up.sql` and `.down.sql` files), each file sent as one query \
         (one implicit transaction when it holds several statements), 3 migrations; \
         set tool = \"...\" in miglint.toml to override"
    );
    std::fs::write(dir.path().join("miglint.toml"), "tool = \"goose\"\n").unwrap();
    let output = miglint(dir.path(), &["check", "--no-color", "db/migrations"])
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with(
            "db/migrations: goose (set in miglint.toml), each migration in its own transaction, 3 migrations\n"
        ),
        "{stdout}"
    );
}

#[test]
fn a_file_named_from_inside_its_migration_folder_is_judged_in_its_root() {
    let dir = project(&[
        (
            "Cargo.toml",
            b"[package]\nname = \"app\"\n\n[dependencies]\ndiesel = \"2\"\n",
        ),
        (
            "migrations/2024-01-01-000000_users/up.sql",
            b"CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
        ),
        ("migrations/2024-01-01-000000_users/down.sql", b"DROP TABLE users;\n"),
        (
            "migrations/2024-01-02-000000_index/up.sql",
            b"CREATE INDEX users_email_idx ON users (email);\n",
        ),
        (
            "migrations/2024-01-02-000000_index/down.sql",
            b"DROP INDEX users_email_idx;\n",
        ),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let (_, from_top, _) = check_json(dir.path(), &["migrations/2024-01-02-000000_index/up.sql"]);
    let inside = dir.path().join("migrations/2024-01-02-000000_index");
    let (_, from_inside, stderr) = check_json(&inside, &["up.sql"]);
    // The Diesel root above, not a folder of its own; the file as named.
    assert_eq!(from_inside["roots"][0]["tool"], "diesel", "{stderr}");
    assert_eq!(from_inside["roots"][0]["path"], "..");
    assert_eq!(from_inside["files"][0]["path"], "up.sql");
    let rules = |report: &Value| -> Vec<(u64, String)> { findings(report).into_iter().map(|f| (f.1, f.2)).collect() };
    assert_eq!(rules(&from_inside), rules(&from_top));
    assert!(rules(&from_top)
        .iter()
        .any(|(_, rule)| rule == "require-concurrent-index"));
}
