//! Shared helpers for the integration tests.

use std::path::{Path, PathBuf};

use miglint::engine::{lint_bytes, FileReport, Settings};
use miglint::parse::parse_file;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Lints bytes as a file at `path` with default settings.
pub fn lint(path: &str, bytes: &[u8]) -> FileReport {
    lint_bytes(path, bytes, &Settings::default())
}

/// Each active finding as (line of the statement holding it, rule id):
/// a finding anywhere inside a statement counts at the statement's first line.
pub fn findings_by_statement_line(report: &FileReport) -> Vec<(usize, String)> {
    let parsed = parse_file(&report.source);
    let mut found: Vec<(usize, String)> = report
        .active()
        .map(|d| {
            let start = parsed
                .statements
                .iter()
                .map(|s| s.span)
                .find(|s| s.start <= d.span.start && d.span.start < s.end.max(s.start + 1))
                .map_or(d.span.start, |s| s.start);
            (report.source.position(start).line, d.rule.to_string())
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Files in `dir` sorted by name.
pub fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// True when running under CI, where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}
