//! The real-world corpus in `../shared/corpus` (read in place, never copied
//! here): every file of every dialect is linted without a panic and in
//! bounded time, and every PostgreSQL file either parses or gets located
//! syntax diagnostics.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use miglint::{lint_bytes, FileReport, Settings};
use rayon::prelude::*;

use crate::common::{check_positions, corpus, manifest};

/// Longest a single file, and the whole corpus, may take in a debug build
/// (the whole corpus takes about half a second on two cores).
const PER_FILE_LIMIT: Duration = Duration::from_secs(20);
const TOTAL_LIMIT: Duration = Duration::from_secs(300);

/// Rules that locate text miglint could not read as PostgreSQL.
const SYNTAX_RULES: [&str; 2] = ["syntax-error", "unsupported-syntax"];

/// The `.sql` files under `dir` (MANIFEST.tsv counts those; a few projects
/// keep tool metadata such as Diesel's `metadata.toml` beside them).
fn walk(dir: &Path, out: &mut BTreeSet<PathBuf>, skipped: &mut usize) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out, skipped);
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql")) {
            out.insert(path);
        } else {
            *skipped += 1;
        }
    }
}

/// What linting one file gave.
struct Outcome {
    path: String,
    dialect: String,
    took: Duration,
    statements: usize,
    /// Syntax and unsupported-syntax diagnostics as `line:column: rule: message`.
    syntax: Vec<String>,
    empty: bool,
    failure: Option<String>,
}

fn lint_one(corpus: &Path, file: &Path, dialect: &str) -> Outcome {
    let path = file
        .strip_prefix(corpus)
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/");
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{path}: {e}"));
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| lint_bytes(&path, &bytes, &Settings::default())));
    let took = started.elapsed();
    let mut outcome = Outcome {
        path: path.clone(),
        dialect: dialect.to_string(),
        took,
        statements: 0,
        syntax: Vec::new(),
        empty: false,
        failure: None,
    };
    let report: FileReport = match result {
        Ok(report) => report,
        Err(_) => {
            outcome.failure = Some(format!("{path}: miglint panicked"));
            return outcome;
        }
    };
    outcome.statements = report.statements;
    outcome.empty = report.diagnostics.iter().any(|d| d.rule == "empty-file");
    outcome.syntax = report
        .diagnostics
        .iter()
        .filter(|d| SYNTAX_RULES.contains(&d.rule))
        .map(|d| format!("{}:{}: {}: {}", d.start.line, d.start.column, d.rule, d.message))
        .collect();
    let located = report
        .diagnostics
        .iter()
        .filter(|d| SYNTAX_RULES.contains(&d.rule))
        .all(|d| d.start.line >= 1 && d.start.column >= 1);
    if let Err(problem) = check_positions(&report) {
        outcome.failure = Some(format!("{path}: {problem}"));
    } else if took > PER_FILE_LIMIT {
        outcome.failure = Some(format!("{path}: took {took:?}"));
    } else if dialect == "postgres"
        && !(report.statements > 0 || outcome.empty || (!outcome.syntax.is_empty() && located))
    {
        outcome.failure = Some(format!(
            "{path}: a PostgreSQL file with no statements, no empty-file and no located syntax diagnostic: {:?}",
            report.diagnostics.iter().map(|d| d.rule).collect::<Vec<_>>()
        ));
    }
    outcome
}

#[test]
fn every_corpus_file_is_linted_and_postgres_files_parse_or_are_located() {
    let Some(corpus) = corpus("the corpus test") else {
        return;
    };

    let mut work: Vec<(PathBuf, String)> = Vec::new();
    let mut count_problems = Vec::new();
    let mut skipped = 0;
    for entry in manifest(&corpus) {
        let mut files = BTreeSet::new();
        for folder in &entry.paths {
            let dir = corpus.join(&entry.dir).join(folder);
            assert!(dir.is_dir(), "{}: listed in MANIFEST.tsv but missing", dir.display());
            walk(&dir, &mut files, &mut skipped);
        }
        if files.len() != entry.files {
            count_problems.push(format!(
                "{} ({}): MANIFEST.tsv lists {} files, found {}",
                entry.dir,
                entry.dialect,
                entry.files,
                files.len()
            ));
        }
        work.extend(files.into_iter().map(|f| (f, entry.dialect.clone())));
    }
    assert!(count_problems.is_empty(), "{}", count_problems.join("\n"));
    assert!(!work.is_empty(), "the corpus lists no files");

    // A hang fails the test instead of stalling it: the files are linted on
    // another thread, watched with a deadline.
    let started = Instant::now();
    let (done, finished) = std::sync::mpsc::channel();
    let root = corpus.clone();
    std::thread::spawn(move || {
        let outcomes: Vec<Outcome> = work
            .par_iter()
            .map(|(file, dialect)| lint_one(&root, file, dialect))
            .collect();
        let _ = done.send(outcomes);
    });
    let outcomes = finished
        .recv_timeout(TOTAL_LIMIT)
        .unwrap_or_else(|_| panic!("linting the corpus did not finish within {TOTAL_LIMIT:?}"));
    let took = started.elapsed();

    let mut by_dialect: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for o in &outcomes {
        let counts = by_dialect.entry(o.dialect.as_str()).or_default();
        counts.0 += 1;
        counts.1 += o.statements;
        counts.2 += usize::from(!o.syntax.is_empty());
    }
    let statements: usize = outcomes.iter().map(|o| o.statements).sum();
    let with_syntax = outcomes.iter().filter(|o| !o.syntax.is_empty()).count();
    let slowest = outcomes.iter().max_by_key(|o| o.took).unwrap();
    println!(
        "corpus: {} files ({skipped} non-SQL files skipped), {statements} statements, {with_syntax} files with syntax or unsupported-syntax diagnostics, in {took:?} (slowest {} in {:?})",
        outcomes.len(),
        slowest.path,
        slowest.took
    );
    for (dialect, (files, statements, syntax)) in &by_dialect {
        println!("  {dialect}: {files} files, {statements} statements, {syntax} with syntax diagnostics");
    }
    for o in outcomes
        .iter()
        .filter(|o| o.dialect == "postgres" && !o.syntax.is_empty())
    {
        for diagnostic in &o.syntax {
            println!("  {}:{diagnostic}", o.path);
        }
    }

    let failures: Vec<&str> = outcomes.iter().filter_map(|o| o.failure.as_deref()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus files failed:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
    let postgres = &by_dialect.get("postgres").copied().unwrap_or_default();
    assert!(postgres.0 > 0 && postgres.1 > 0, "no PostgreSQL statements checked");
}
