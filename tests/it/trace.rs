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
    let (code, out) = trace(&cluster.url(), &["fixtures"], &["--schema", schema_path]);
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
