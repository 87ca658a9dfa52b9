//! The sample repositories of `tests/repositories/<layout>/`, each copied
//! into a temporary folder made a git repository (a bare `.git` folder when
//! git is missing), so discovery stops at its top as in a real project.

use super::corpus::copy_tree;
use super::env::{git, repo_root, tools_available};

/// A fresh copy of `tests/repositories/<name>`, removed when dropped.
pub(crate) fn repository(name: &str) -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("temporary folder");
    copy_tree(&repo_root().join("tests/repositories").join(name), copy.path());
    if tools_available(&["git"]) {
        git(copy.path(), &["-c", "init.defaultBranch=main", "init", "-q"]);
        git(copy.path(), &["config", "user.name", "miglint tests"]);
        git(copy.path(), &["config", "user.email", "tests@miglint.invalid"]);
    } else {
        std::fs::create_dir(copy.path().join(".git")).unwrap();
    }
    copy
}
