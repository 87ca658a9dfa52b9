//! `cargo bench --bench corpus`: lints every file of `../shared/corpus`, in
//! its projects' folders as `miglint check` would walk them, and reports
//! throughput and peak memory; then times discovery of every project's
//! migration roots (tools, order, sections, dialects, reading); then runs the
//! `miglint` binary on the PostgreSQL projects' files named on the command
//! line and on their folders, in turn, and prints the ratio of the medians
//! (named files must not cost more than 1.2 times their folders). A plain
//! harness (no extra dependency): it prints numbers to compare across
//! changes, it asserts nothing.
//!
//! `cargo bench --bench corpus -- --parse-only` prints only the parse
//! floor: `pg_query::parse` of the PostgreSQL projects' files on every
//! core, in process, with nothing else of a run (no reading, discovery,
//! analysis, rules or output). No miglint run can be faster than that.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use miglint::{lint_run, prepare, ChangeScope, RunInput, RunRequest};

fn sql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            sql_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
}

/// Peak resident memory of this process, from /proc (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("no corpus at {}: nothing to measure", corpus.display());
        return;
    }
    if std::env::args().any(|a| a == "--parse-only") {
        parse_floor(&corpus);
        return;
    }
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_dir())
        .collect();
    projects.sort();
    let rounds = 5;
    let mut best = f64::MAX;
    let (mut files, mut bytes, mut statements) = (0, 0, 0);
    for _ in 0..rounds {
        let start = Instant::now();
        (files, bytes, statements) = (0, 0, 0);
        for project in &projects {
            let mut paths = Vec::new();
            sql_files(project, &mut paths);
            let inputs: Vec<RunInput> = paths
                .iter()
                .map(|p| {
                    let data = std::fs::read(p).unwrap();
                    bytes += data.len();
                    RunInput::new(p.display().to_string(), data)
                })
                .collect();
            files += inputs.len();
            let reports = lint_run(inputs, ChangeScope::EachMigration);
            statements += reports.iter().map(|r| r.statements).sum::<usize>();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "corpus: {files} files, {statements} statements, {:.1} MiB",
        bytes as f64 / 1048576.0
    );
    println!(
        "best of {rounds}: {:.3} s ({:.0} statements/s, {:.1} MiB/s)",
        best,
        statements as f64 / best,
        bytes as f64 / 1048576.0 / best
    );
    if let Some(kib) = peak_rss_kib() {
        println!("peak resident memory: {:.1} MiB", kib as f64 / 1024.0);
    }

    // Discovery as a run does it: roots, tools, order, sections, dialects,
    // and reading the files (nothing is linted).
    let mut best = f64::MAX;
    let (mut roots, mut scripts) = (0, 0);
    for _ in 0..rounds {
        let start = Instant::now();
        (roots, scripts) = (0, 0);
        for project in &projects {
            let request = RunRequest {
                paths: vec![project.clone().into_os_string()],
                ..RunRequest::default()
            };
            let prepared = prepare(&request).expect("a run");
            roots += prepared.roots.len();
            scripts += prepared.inputs.len();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "discovery: {roots} PostgreSQL roots, {scripts} scripts read in {:.3} s (best of {rounds}, {:.0} scripts/s)",
        best,
        scripts as f64 / best
    );
    entry_paths(&corpus);
}

/// The PostgreSQL projects of the corpus: their folders and their `.sql` files.
fn postgres_projects(corpus: &Path) -> (Vec<String>, Vec<String>) {
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap_or_default();
    let mut folders: Vec<String> = manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            (cells.get(5) == Some(&"postgres")).then(|| cells[0].to_string())
        })
        .collect();
    folders.sort();
    folders.dedup();
    let mut files = Vec::new();
    for folder in &folders {
        let mut found = Vec::new();
        sql_files(&corpus.join(folder), &mut found);
        files.extend(
            found
                .iter()
                .map(|p| p.strip_prefix(corpus).unwrap().display().to_string()),
        );
    }
    (folders, files)
}

/// The time `pg_query::parse` alone takes over the PostgreSQL projects'
/// files (libpg_query's grammar, then its protobuf encoded in C and decoded
/// in Rust: what every parse tree miglint reads costs), on every core.
fn parse_floor(corpus: &Path) {
    use rayon::prelude::*;
    let (_, files) = postgres_projects(corpus);
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| String::from_utf8(std::fs::read(corpus.join(f)).ok()?).ok())
        .collect();
    let rounds = 7;
    let times: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            let parsed = texts.par_iter().filter(|t| pg_query::parse(t, 0).is_ok()).count();
            std::hint::black_box(parsed);
            start.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "parse floor: pg_query::parse of {} files on {} threads: {:.3} s (median of {rounds}, in process)",
        texts.len(),
        rayon::current_num_threads(),
        median(times)
    );
}

/// Seconds one `miglint check` run takes, as a whole process.
fn time_check(corpus: &Path, args: &[String]) -> f64 {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_miglint"))
        .current_dir(corpus)
        .args(["check", "--format", "json"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run miglint");
    assert!(matches!(status.code(), Some(0 | 1)), "miglint check failed: {status}");
    start.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Named files against their folders, run in turn so that drift in the
/// machine's speed hits both alike.
fn entry_paths(corpus: &Path) {
    let (folders, files) = postgres_projects(corpus);
    let rounds = 7;
    let (mut named, mut walked) = (Vec::new(), Vec::new());
    time_check(corpus, &folders);
    for _ in 0..rounds {
        named.push(time_check(corpus, &files));
        walked.push(time_check(corpus, &folders));
    }
    let ratios: Vec<f64> = named.iter().zip(&walked).map(|(n, w)| n / w).collect();
    println!(
        "entry paths: {} files named: {:.3} s; their {} folders: {:.3} s; named/folders {:.2} (medians of {rounds}, whole processes)",
        files.len(),
        median(named),
        folders.len(),
        median(walked),
        median(ratios)
    );
}
