//! `miglint trace` against a throwaway PostgreSQL: the server does what
//! `miglint plan` says, over the rule fixtures, and nothing is left behind.

use std::process::Command;

use crate::common::cluster::cluster;
use crate::common::repo_root;

/// Tables the fixtures use, with rows, so that their statements run.
const SEED: &str = r#"
CREATE SCHEMA app;
CREATE TABLE accounts (id bigint PRIMARY KEY, email text, name text, owner_id bigint, created_at timestamptz,
                       balance numeric(10, 2), summary text, signed_up_at timestamp, handle varchar(30), flags int,
                       contact json, visits int, network cidr, bio varchar(100), address text);
CREATE TABLE users (id bigint PRIMARY KEY, email text, name text, nickname text, age int, status text,
                    account_id bigint, legacy text, created_at timestamptz, deleted_at timestamptz,
                    plan text, legacy_flags int, "Old Name" text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, account_id bigint, number text, note text,
                     status text, total numeric(10, 2), legacy_status text, created_at timestamptz, deleted_at timestamptz,
                     quantity int, coupon_code text);
CREATE TABLE customers (id bigint PRIMARY KEY, email text, name text, created_at timestamptz);
CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint, token text, created_at timestamptz);
CREATE TABLE plans (id bigint PRIMARY KEY, name text, active boolean);
CREATE TABLE app.customers (id bigint PRIMARY KEY, email text);
CREATE TABLE app.users (id bigint PRIMARY KEY, email text);
CREATE TABLE app.events (id bigint PRIMARY KEY, payload jsonb);
CREATE TABLE app.audit_log (id bigint PRIMARY KEY, note text);
INSERT INTO customers SELECT g, 'c' || g, 'n', now() FROM generate_series(1, 200) g;
INSERT INTO sessions SELECT g, g, 't', now() FROM generate_series(1, 200) g;
CREATE TABLE app.orders (id bigint PRIMARY KEY, number text, deleted_at timestamptz);
CREATE TABLE app.accounts (id bigint PRIMARY KEY, owner_id bigint, created_at timestamptz);
CREATE UNLOGGED TABLE events (id bigint PRIMARY KEY, payload json, created_at timestamp);
INSERT INTO accounts SELECT g, 'a' || g, 'n', g, now() FROM generate_series(1, 200) g;
INSERT INTO users SELECT g, 'u' || g, 'n', 'k', 30, 's', g, 'l', now(), NULL FROM generate_series(1, 200) g;
INSERT INTO orders SELECT g, g, g, 'o' || g, '', 's', 1, 'x', now(), NULL FROM generate_series(1, 200) g;
CREATE INDEX users_email_idx ON users (email);
CREATE INDEX orders_number_idx ON orders (number);
CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE UNIQUE INDEX order_totals_user_id_idx ON order_totals (user_id);
"#;

fn trace(url: &str, paths: &[&str], extra: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_miglint"))
        .current_dir(repo_root())
        .arg("trace")
        .args(["--database-url", url])
        .args(extra)
        .args(paths)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn trace_agrees_with_plan_on_the_fixtures() {
    let Some(cluster) = cluster() else { return };
    cluster.psql(SEED).unwrap();
    let tables_before = cluster
        .psql("SELECT count(*) FROM pg_class WHERE relkind = 'r'")
        .unwrap();
    // The seed is also the schema miglint plans against, so that a type
    // change is judged from the column's real old type.
    let schema = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(schema.path(), SEED).unwrap();
    let schema_path = schema.path().to_str().unwrap();
    // The fixtures are not one history: each meets the seeded database alone.
    let (code, out) = trace(&cluster.url(), &["fixtures"], &["--each-file", "--schema", schema_path]);
    let differences: Vec<&str> = out.lines().filter(|l| l.contains("DIFFERS")).collect();
    assert!(
        differences.is_empty(),
        "miglint's plan differs from the server:\n{}",
        differences.join("\n")
    );
    let compared = out.lines().filter(|l| l.contains("as planned")).count();
    assert!(
        compared >= 120,
        "only {compared} statements ran and were compared:\n{out}"
    );
    // Files that are not SQL text make the run exit 2; nothing may differ.
    assert!(matches!(code, Some(0) | Some(2)), "exit {code:?}\n{out}");
    assert!(out.contains("0 statements with a difference"), "{out}");
    let tables_after = cluster
        .psql("SELECT count(*) FROM pg_class WHERE relkind = 'r'")
        .unwrap();
    assert_eq!(tables_before, tables_after, "a rolled-back trace left tables behind");
}

#[test]
fn commit_runs_concurrent_statements_and_keeps_the_changes() {
    let Some(cluster) = cluster() else { return };
    cluster.psql(SEED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("001.sql");
    std::fs::write(
        &file,
        "ALTER TABLE users ADD COLUMN bio text;\nCREATE INDEX CONCURRENTLY users_bio_idx ON users (bio);\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (code, out) = trace(&cluster.url(), &[path], &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("skipped: cannot run in a transaction block: run with --commit"),
        "{out}"
    );
    assert_eq!(
        cluster
            .psql("SELECT count(*) FROM pg_indexes WHERE indexname = 'users_bio_idx'")
            .unwrap()
            .trim(),
        "0"
    );

    let (code, out) = trace(&cluster.url(), &[path], &["--commit"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("ran outside a transaction block"), "{out}");
    assert_eq!(
        cluster
            .psql("SELECT count(*) FROM pg_indexes WHERE indexname = 'users_bio_idx'")
            .unwrap()
            .trim(),
        "1"
    );
}

/// Writes `files` (name, SQL) into a new folder.
fn history(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    dir
}

fn widgets_left(cluster: &crate::common::cluster::Cluster) -> String {
    cluster
        .psql("SELECT count(*) FROM pg_class WHERE relname LIKE 'widgets%'")
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn a_history_runs_in_order_in_one_transaction_and_is_rolled_back() {
    let Some(cluster) = cluster() else { return };
    cluster.psql(SEED).unwrap();
    let dir = history(&[
        (
            "001_widgets.sql",
            "CREATE TABLE widgets (id bigint PRIMARY KEY, name text);\n\
             INSERT INTO widgets SELECT g, 'w' || g FROM generate_series(1, 100) g;\n",
        ),
        (
            "002_color.sql",
            "ALTER TABLE widgets ADD COLUMN color text;\nALTER TABLE users ADD COLUMN widget_id bigint;\n",
        ),
        (
            "003_color_index.sql",
            "CREATE INDEX widgets_color_idx ON widgets (color);\n\
             CREATE INDEX users_widget_id_idx ON users (widget_id);\n",
        ),
    ]);
    let (code, out) = trace(&cluster.url(), &[dir.path().to_str().unwrap()], &[]);
    assert_eq!(code, Some(0), "{out}");
    let compared = out.lines().filter(|l| l.contains("as planned")).count();
    assert_eq!(compared, 6, "every statement runs and is compared:\n{out}");
    // File 2 left ACCESS EXCLUSIVE on users held; the index build's SHARE is
    // still seen, as a mode new to the table.
    assert!(out.contains("as planned: SHARE on public.users"), "{out}");
    // The very mode file 1 took on widgets cannot be told apart: said so.
    assert!(
        out.contains("ACCESS EXCLUSIVE on public.widgets held by an earlier statement: not compared"),
        "{out}"
    );
    for word in ["failed", "skipped", "DIFFERS", "does not exist"] {
        assert!(!out.contains(word), "{word}:\n{out}");
    }
    assert!(
        out.contains(
            "miglint trace: 0 statements with a difference between miglint's plan and the server \
             (one transaction, rolled back)"
        ),
        "{out}"
    );
    assert_eq!(widgets_left(&cluster), "0", "the trace kept a table");
    assert_eq!(
        cluster
            .psql("SELECT count(*) FROM pg_attribute WHERE attname = 'widget_id'")
            .unwrap()
            .trim(),
        "0",
        "the trace kept a column"
    );
}

#[test]
fn a_failed_statement_is_counted_and_the_run_goes_on() {
    let Some(cluster) = cluster() else { return };
    let dir = history(&[
        (
            "001_widgets.sql",
            "CREATE TABLE widgets (id bigint PRIMARY KEY, name text);\n\
             ALTER TABLE no_such_table ADD COLUMN color text;\n\
             ALTER TABLE widgets ADD COLUMN color text;\n",
        ),
        (
            "002_color_index.sql",
            "CREATE INDEX widgets_color_idx ON widgets (color);\n",
        ),
    ]);
    let (code, out) = trace(&cluster.url(), &[dir.path().to_str().unwrap()], &[]);
    let failed: Vec<&str> = out.lines().filter(|l| l.contains("failed:")).collect();
    assert_eq!(failed.len(), 1, "{out}");
    assert!(
        failed[0].contains("no_such_table") && failed[0].contains("does not exist"),
        "{out}"
    );
    // What follows the failure, in its file and the next, still runs.
    let compared = out.lines().filter(|l| l.contains("as planned")).count();
    assert_eq!(compared, 3, "{out}");
    assert!(
        out.contains(
            "miglint trace: 0 statements with a difference between miglint's plan and the server; \
             1 statement failed and was not compared (one transaction, rolled back)"
        ),
        "{out}"
    );
    assert_eq!(code, Some(2), "a run with a failed statement is not clean:\n{out}");
    assert_eq!(widgets_left(&cluster), "0", "the trace kept a table");
}

#[test]
fn an_unreachable_database_is_exit_2_and_the_error_says_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001.sql"), "SELECT 1;\n").unwrap();
    // A socket folder with no server in it: the socket file is missing.
    crate::cli::miglint(
        dir.path(),
        &["trace", "--database-url", "host=/nonexistent-dir dbname=x", "001.sql"],
    )
    .assert()
    .code(2)
    .stderr(predicates::str::contains(
        "miglint: error: cannot connect to the database: error connecting to server: \
         No such file or directory (os error 2)",
    ));
}
