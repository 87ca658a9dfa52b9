//! `cargo xtask <task>` (an alias in `.cargo/config.toml`): miglint's
//! repository tasks. `cargo xtask help` lists them.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use xtask::new_rule::{write_new_rule, NewRule, SNAPSHOTS};
use xtask::statement_kinds::{StatementKind, DEFAULT};

fn usage() -> String {
    format!(
        "usage:
  cargo xtask new-rule <id> <category> [--severity error|warning|info] [--node KIND] [--no-snapshots]
      writes a new rule that passes the whole test suite as written: src/rules/<id_snake>.rs,
      its two lines in src/rules/mod.rs, rules/<id>.md, fixtures/<id>/bad_example.sql and
      ok_example.sql, the README's rules table and a CHANGELOG line; then accepts the new
      fixtures' snapshots (`INSTA_UPDATE=unseen cargo test --lib tests::fixtures::human_output`),
      unless --no-snapshots.
      category: {}
      --severity: the default severity (error; warning for style)
      --node: the pg_query statement the check matches (default {DEFAULT}): {}
  cargo xtask readme
      regenerates the README's rules table from the rule list (as `miglint rules --format markdown`)",
        NewRule::categories().join(", "),
        StatementKind::names().join(", "),
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("new-rule") => new_rule(&args[1..]),
        Some("readme") => readme(),
        Some("help" | "--help" | "-h") | None => {
            println!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown task `{other}`\n{}", usage())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository: the folder above this package.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn readme() -> Result<(), String> {
    if xtask::readme::regenerate(&root())? {
        println!("README.md: rules table regenerated");
    } else {
        println!("README.md: rules table already up to date");
    }
    Ok(())
}

fn new_rule(args: &[String]) -> Result<(), String> {
    let accept_snapshots = !args.iter().any(|a| a == "--no-snapshots");
    let args: Vec<String> = args.iter().filter(|a| *a != "--no-snapshots").cloned().collect();
    let rule = NewRule::from_args(&args).map_err(|e| format!("{e}\n{}", usage()))?;
    let root = root();
    let started = Instant::now();
    let written = write_new_rule(&root, &rule)?;
    println!(
        "new rule `{}` ({}, {}), checking {} statements, in {} ms:",
        rule.id,
        rule.category.as_str(),
        rule.severity.as_str(),
        rule.kind.node,
        started.elapsed().as_millis()
    );
    for file in &written {
        println!("  {file}");
    }
    if accept_snapshots {
        accept_new_snapshots(&root)?;
    }
    println!(
        "\nnext: narrow the check, message and help in src/rules/{}.rs and every `todo` in rules/{}.md and the \
         fixtures; then `cargo xtask readme`, and `INSTA_UPDATE=always cargo test --lib tests::fixtures::human_output` \
         to review the snapshots.{}",
        rule.module(),
        rule.id,
        if rule.kind.node == DEFAULT {
            format!(
                "\n(--node starts from another statement: {})",
                StatementKind::names().join(", ")
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Builds miglint with the new rule and writes the snapshots of fixtures
/// that have none; an existing snapshot that differs is left alone (as a
/// `.snap.new`) and fails the run.
fn accept_new_snapshots(root: &Path) -> Result<(), String> {
    println!("\naccepting the new fixtures' snapshots in {SNAPSHOTS}/ (builds miglint with the rule):");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(root)
        .env("INSTA_UPDATE", "unseen")
        .args(["test", "--package", "miglint", "--lib", "tests::fixtures::human_output"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("the snapshot run failed (see above); the rule's files are written".to_string())
    }
}
