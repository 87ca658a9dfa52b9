//! Where the repository is and what the machine can run: shared by the
//! integration tests (`tests/it`) and the crate's own test suites
//! (`src/tests`), which include this folder by path.

use std::path::{Path, PathBuf};

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files in `dir` sorted by name.
pub(crate) fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// True when running under CI, where nothing may be skipped.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// True when `tools` (such as `git`, `bash`) can run here; on CI a missing
/// tool fails the test instead of skipping it.
pub(crate) fn tools_available(tools: &[&str]) -> bool {
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
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
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
