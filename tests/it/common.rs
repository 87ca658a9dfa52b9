//! Shared helpers for the integration tests: the shared support (machine,
//! corpus, PostgreSQL cluster) and what needs miglint's public API.

use miglint::{lint_bytes, FileReport, Settings};

// Shared with the crate's own suites, which use other parts of it.
#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

pub(crate) use support::cluster;
pub(crate) use support::corpus::{corpus, corpus_repositories, manifest};
pub(crate) use support::env::{git, in_ci, repo_root, sorted_files, tools_available};
pub(crate) use support::repositories::repository;

/// Lints bytes as a file at `path` with default settings.
pub fn lint(path: &str, bytes: &[u8]) -> FileReport {
    lint_bytes(path, bytes, &Settings::default())
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

/// A throwaway repository folder (with a `.git` marker, so detection stops
/// there) holding `files`, removed when dropped.
pub(crate) struct Tree(std::path::PathBuf);

impl Tree {
    /// `name` keeps the folders of tests apart.
    pub(crate) fn new(name: &str, files: &[(&str, &str)]) -> Tree {
        let dir = std::env::temp_dir().join(format!("miglint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Tree(dir)
    }

    /// `miglint check --format json ARGS` in the tree: exit code, report, stderr.
    pub(crate) fn check(&self, args: &[&str], stdin: Option<&str>) -> (i32, serde_json::Value, String) {
        let mut command = assert_cmd::Command::cargo_bin("miglint").unwrap();
        command
            .current_dir(&self.0)
            .args(["check", "--format", "json"])
            .args(args);
        if let Some(text) = stdin {
            command.write_stdin(text);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        (output.status.code().unwrap(), report, stderr)
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
