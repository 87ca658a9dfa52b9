//! `cargo bench --bench corpus`: lints every file of `../shared/corpus`, in
//! its projects' folders as `miglint check` would walk them, and reports
//! throughput and peak memory; then times the detection of every project's
//! migration roots (tools, order, sections, dialects). A plain harness (no extra dependency): it
//! prints numbers to compare across changes, it asserts nothing.

use std::path::{Path, PathBuf};
use std::time::Instant;

use miglint::config::Config;
use miglint::discover::layout::detect;
use miglint::engine::{lint_run, ChangeScope, RunInput, Settings};

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
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_dir())
        .collect();
    projects.sort();
    let settings = Settings::default();
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
            let reports = lint_run(inputs, None, &settings, ChangeScope::EachFile);
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

    let config = Config::default();
    let mut best = f64::MAX;
    let (mut roots, mut scripts) = (0, 0);
    for _ in 0..rounds {
        let start = Instant::now();
        (roots, scripts) = (0, 0);
        for project in &projects {
            let (found, _) = detect(project, &config);
            roots += found.len();
            scripts += found.iter().map(|r| r.scripts().count()).sum::<usize>();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "detection: {roots} roots, {scripts} scripts in {:.3} s (best of {rounds}, {:.0} scripts/s)",
        best,
        scripts as f64 / best
    );
}
