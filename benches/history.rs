//! `cargo bench --bench history [-- MIGRATIONS]`: a long generated history
//! (golang-migrate layout, ten statements a migration: tables, columns,
//! indexes, constraints, data changes), committed to a scratch git
//! repository but for its last ten migrations, then `miglint check --since
//! HEAD` over the folder: the whole history replayed into the catalog, the
//! last ten files judged. Run at 1x, 2x, 4x and 8x of a base size (8x is
//! 100,000 migrations, about a million statements, unless MIGRATIONS says
//! otherwise) and prints each time, the cost per million statements, and
//! the ratio of the 8x time to the 1x time (linear cost: about 8). A plain
//! harness: it prints numbers to compare across changes, it asserts nothing.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Statements per migration (the generator writes exactly this many).
const STATEMENTS: usize = 10;

/// Migration `n`: a table of its own, columns and indexes on it and on the
/// table of an earlier migration, a constraint, a backfill.
fn migration(n: usize) -> String {
    let earlier = n / 2;
    let mut sql = String::new();
    let _ = writeln!(sql, "SET lock_timeout = '5s';");
    let _ = writeln!(
        sql,
        "CREATE TABLE t{n} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
    );
    let _ = writeln!(sql, "CREATE INDEX t{n}_name_idx ON t{n} (name);");
    let _ = writeln!(sql, "ALTER TABLE t{n} ADD COLUMN note varchar(200);");
    let _ = writeln!(sql, "ALTER TABLE t{n} ALTER COLUMN note TYPE varchar(400);");
    let _ = writeln!(sql, "ALTER TABLE t{earlier} ADD COLUMN c{n} bigint;");
    let _ = writeln!(
        sql,
        "ALTER TABLE t{earlier} ADD CONSTRAINT t{earlier}_c{n}_check CHECK (c{n} > 0) NOT VALID;"
    );
    let _ = writeln!(sql, "ALTER TABLE t{earlier} VALIDATE CONSTRAINT t{earlier}_c{n}_check;");
    let _ = writeln!(sql, "UPDATE t{earlier} SET c{n} = 1 WHERE id BETWEEN 1 AND 1000;");
    let _ = writeln!(sql, "COMMENT ON TABLE t{n} IS 'generated';");
    sql
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@localhost",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// A scratch repository with `count` migrations, all but the last ten
/// committed.
fn history(count: usize) -> tempfile::TempDir {
    let repo = tempfile::tempdir().expect("a temporary folder");
    let folder = repo.path().join("db/migrations");
    std::fs::create_dir_all(&folder).unwrap();
    git(repo.path(), &["init", "-q"]);
    let write = |n: usize| {
        std::fs::write(folder.join(format!("{n:06}_step_{n}.up.sql")), migration(n)).unwrap();
    };
    let committed = count.saturating_sub(10);
    (1..=committed).for_each(write);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "history"]);
    (committed + 1..=count).for_each(write);
    repo
}

/// The best of `rounds` runs of `miglint check --since HEAD db/migrations`.
fn check(repo: &Path, rounds: usize) -> Duration {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_miglint"))
                .args(["check", "--format", "json", "--since", "HEAD", "db/migrations"])
                .current_dir(repo)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("miglint runs");
            assert!(status.code().is_some_and(|c| c <= 1), "miglint failed: {status}");
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let largest: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let base = (largest / 8).max(10);
    let mut times = Vec::new();
    println!("history bench: {STATEMENTS} statements a migration, the last 10 judged with --since HEAD");
    for factor in [1, 2, 4, 8] {
        let count = base * factor;
        let repo = history(count);
        let rounds = if factor >= 4 { 2 } else { 3 };
        let best = check(repo.path(), rounds);
        let statements = (count * STATEMENTS) as f64;
        println!(
            "{factor}x: {count:>7} migrations, {:>8} statements: {:>7.2} s ({:.2} s per million statements)",
            count * STATEMENTS,
            best.as_secs_f64(),
            best.as_secs_f64() / statements * 1e6
        );
        times.push(best.as_secs_f64());
    }
    println!(
        "8x / 1x time: {:.2} (linear cost: 8); the 8x history ({} migrations) took {:.2} s",
        times[3] / times[0],
        base * 8,
        times[3]
    );
}
