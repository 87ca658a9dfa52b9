//! Shared helpers for the integration tests.

use std::path::{Path, PathBuf};

use miglint::parse::parse_file;
use miglint::report::engine::{lint_bytes, Settings};
use miglint::report::FileReport;

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

/// Every span is in bounds and on char boundaries, and every position is
/// 1-based and agrees with the span.
pub fn check_positions(report: &FileReport) -> Result<(), String> {
    let text = &report.source.text;
    for d in &report.diagnostics {
        let spans = std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span));
        for span in spans {
            if span.start > span.end || span.end > text.len() {
                return Err(format!("{}: span {span:?} outside 0..{}", d.rule, text.len()));
            }
            if !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end) {
                return Err(format!("{}: span {span:?} not on char boundaries", d.rule));
            }
        }
        for (position, offset) in [(d.start, d.span.start), (d.end, d.span.end)] {
            if position.line < 1 || position.column < 1 {
                return Err(format!("{}: position {position:?} is not 1-based", d.rule));
            }
            if position != report.source.position(offset) || position.offset != offset {
                return Err(format!(
                    "{}: position {position:?} does not match offset {offset}",
                    d.rule
                ));
            }
        }
        if d.message.is_empty() || d.message.len() > 500 {
            return Err(format!(
                "{}: message of {} bytes: {:.200}",
                d.rule,
                d.message.len(),
                d.message
            ));
        }
    }
    Ok(())
}

/// The corpus at `../shared/corpus`, or None (with the reason printed) when it
/// is absent; absent under CI fails: `what` names the tests that would be skipped.
pub fn corpus(what: &str) -> Option<PathBuf> {
    let corpus = repo_root().join("../shared/corpus");
    if !corpus.join("MANIFEST.tsv").is_file() {
        let reason = format!("no corpus at {}", corpus.display());
        assert!(!in_ci(), "{reason}: {what} may not be skipped under CI");
        eprintln!("skipping {what}: {reason}");
        return None;
    }
    Some(corpus.canonicalize().expect("the corpus path"))
}

/// A copy of the corpus in which every project is a git repository, as it
/// is where it came from: discovery looks around a root (sibling roots,
/// Flyway locations) only within a project's top. Made once per test run
/// under Cargo's temporary folder for integration tests.
pub fn corpus_repositories(what: &str) -> Option<PathBuf> {
    static COPY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let corpus = corpus(what)?;
    Some(
        COPY.get_or_init(|| {
            let copy = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("corpus-repositories");
            let _ = std::fs::remove_dir_all(&copy);
            copy_tree(&corpus, &copy);
            for row in manifest(&corpus) {
                let project = copy.join(&row.dir);
                if !project.join(".git").exists() {
                    git(&project, &["init", "-q"]);
                }
            }
            copy
        })
        .clone(),
    )
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            // The corpus is read-only; the copy must be removable next run.
            let mut permissions = std::fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            std::fs::set_permissions(&target, permissions).unwrap();
        }
    }
}

/// One row of the corpus's `MANIFEST.tsv`: a project's migrations in one dialect.
pub struct ManifestRow {
    /// The project folder.
    pub dir: String,
    /// The tool, as the manifest names it (`other` for plain SQL).
    pub layout: String,
    pub dialect: String,
    pub files: usize,
    /// Migration folders relative to `dir`, without a trailing `/`.
    pub paths: Vec<String>,
}

pub fn manifest(corpus: &Path) -> Vec<ManifestRow> {
    let text = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("MANIFEST.tsv has no `{name}` column: {header:?}"))
    };
    let (dir, layout, dialect, files, paths) = (
        column("dir"),
        column("layout"),
        column("dialect"),
        column("files"),
        column("paths"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            ManifestRow {
                dir: cells[dir].to_string(),
                layout: cells[layout].to_string(),
                dialect: cells[dialect].to_string(),
                files: cells[files].parse().expect("a file count"),
                paths: cells[paths]
                    .split(',')
                    .map(|p| p.trim().trim_end_matches('/').to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
            }
        })
        .collect()
}

/// True when `tools` (such as `git`, `bash`) can run here; on CI a missing
/// tool fails the test instead of skipping it.
pub fn tools_available(tools: &[&str]) -> bool {
    for tool in tools {
        if std::process::Command::new(tool).arg("--version").output().is_err() {
            assert!(!in_ci(), "{tool} is missing on CI");
            eprintln!("skipped: {tool} is not installed");
            return false;
        }
    }
    true
}

/// Runs git in `dir` with no configuration from the machine; its trimmed
/// standard output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap_or_else(|e| panic!("git {args:?}: {e}"));
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}
