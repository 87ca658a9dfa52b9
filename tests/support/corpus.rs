//! The real-world corpus at `../shared/corpus`: where it is, its manifest,
//! and a copy in which each project is a git repository.

use std::path::{Path, PathBuf};

use super::env::{git, in_ci, repo_root};

/// The corpus at `../shared/corpus`, or None (with the reason printed) when it
/// is absent; absent under CI fails: `what` names the tests that would be skipped.
pub(crate) fn corpus(what: &str) -> Option<PathBuf> {
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
/// under Cargo's temporary folder.
pub(crate) fn corpus_repositories(what: &str) -> Option<PathBuf> {
    static COPY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let corpus = corpus(what)?;
    Some(
        COPY.get_or_init(|| {
            // Cargo's folder for integration tests' files, or the target folder's for unit tests.
            let scratch =
                option_env!("CARGO_TARGET_TMPDIR").map_or_else(|| repo_root().join("target/tmp"), PathBuf::from);
            let copy = scratch.join("corpus-repositories");
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

/// Copies a folder, its files made writable (the copy must be removable).
pub(crate) fn copy_tree(from: &Path, to: &Path) {
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
pub(crate) struct ManifestRow {
    /// The project folder.
    pub dir: String,
    /// The tool, as the manifest names it (`other` for plain SQL).
    pub layout: String,
    pub dialect: String,
    pub files: usize,
    /// Migration folders relative to `dir`, without a trailing `/`.
    pub paths: Vec<String>,
}

pub(crate) fn manifest(corpus: &Path) -> Vec<ManifestRow> {
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
