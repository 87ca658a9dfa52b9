//! What changed in a git repository since a ref, as a pull request sees it:
//! the working tree (committed, staged, unstaged and untracked files)
//! against the merge base of the ref and HEAD. Runs the `git` binary.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::top::real_path;
use crate::input::layout::GitState;

/// The files of a repository that differ from a base commit.
#[derive(Clone, Debug)]
pub(crate) struct GitChanges {
    /// The repository's top folder, canonical.
    pub repo_root: PathBuf,
    /// The commit compared against: the merge base of the ref and HEAD.
    pub base: String,
    /// Tracked files that differ from the base, by path relative to `repo_root`.
    changed: BTreeMap<PathBuf, Change>,
    /// Files git does not track and does not ignore.
    untracked: BTreeSet<PathBuf>,
    /// Every file of the base commit, to tell an unchanged file from an ignored one.
    at_base: BTreeSet<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Added,
    Modified,
    Deleted,
}

/// Compares the working tree (committed, staged, unstaged and untracked files) with the merge base of
/// `git_ref` and HEAD, as a pull request's diff does. `dir` is any folder inside the repository.
pub(crate) fn changes_since(dir: &Path, git_ref: &str) -> Result<GitChanges, String> {
    let dir = if dir.is_file() {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if !dir.exists() {
        return Err(format!("`{}` does not exist", dir.display()));
    }
    let top = git(dir, &["rev-parse", "--show-toplevel"]).map_err(|e| match e {
        GitError::Failed(_) => format!("`{}` is not inside a git repository", dir.display()),
        other => other.to_string(),
    })?;
    let repo_root = real_path(Path::new(first_line(&top)));

    // A ref that starts with `-` would be read as an option.
    let known = !git_ref.starts_with('-')
        && git(
            &repo_root,
            &["rev-parse", "--verify", "--quiet", &format!("{git_ref}^{{commit}}")],
        )
        .is_ok();
    let base = if known {
        let base = git(&repo_root, &["merge-base", git_ref, "HEAD"]).map_err(|_| {
            format!("`{git_ref}` and HEAD share no history (a shallow CI checkout may lack it, use `fetch-depth: 0`)")
        })?;
        first_line(&base).to_string()
    } else if git_ref == "HEAD" && git(&repo_root, &["rev-parse", "--verify", "--quiet", "HEAD"]).is_err() {
        // The first commit of a repository (pre-commit's `--since HEAD`
        // before there is one): everything is new, compared with no tree.
        let empty = git(&repo_root, &["hash-object", "-t", "tree", "/dev/null"])?;
        first_line(&empty).to_string()
    } else {
        return Err(format!(
            "unknown git ref `{git_ref}` (fetch it: a shallow CI checkout may lack it, use `fetch-depth: 0`)"
        ));
    };

    let diff = git(
        &repo_root,
        &[
            "diff",
            "--name-status",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            &base,
            "--",
        ],
    )?;
    let mut changed = BTreeMap::new();
    let mut fields = split_nul(&diff);
    while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
        let change = match status.first() {
            Some(b'A') => Change::Added,
            Some(b'D') => Change::Deleted,
            // M, T (type change) and U (unmerged) all edit a file that was there.
            _ => Change::Modified,
        };
        changed.insert(os_path(path), change);
    }
    let others = git(&repo_root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    let untracked = split_nul(&others).map(os_path).collect();
    let tree = git(&repo_root, &["ls-tree", "-r", "-z", "--name-only", &base])?;
    let at_base = split_nul(&tree).map(os_path).collect();
    Ok(GitChanges {
        repo_root,
        base,
        changed,
        untracked,
        at_base,
    })
}

impl GitChanges {
    /// The state of a file (any path form: relative to cwd or absolute) against the base.
    pub(crate) fn state(&self, path: &Path) -> GitState {
        self.state_of_real(&real_path(path))
    }

    /// The state of a file by its real path (a run resolves each path once).
    pub(crate) fn state_of_real(&self, real: &Path) -> GitState {
        let Some(relative) = real.strip_prefix(&self.repo_root).ok().map(Path::to_path_buf) else {
            // Outside the repository: git knows nothing of it.
            return GitState::Untracked;
        };
        match self.changed.get(&relative) {
            Some(Change::Added) => GitState::Added,
            Some(Change::Deleted) => GitState::Deleted,
            Some(Change::Modified) => match self.first_changed_line(&relative) {
                Some(line) => GitState::Modified {
                    first_changed_line: line,
                },
                // Only the file mode changed: the SQL is the same.
                None => GitState::Unchanged,
            },
            None if self.untracked.contains(&relative) => GitState::Untracked,
            None if self.at_base.contains(&relative) => GitState::Unchanged,
            // Not at the base and not tracked: an ignored file.
            None => GitState::Untracked,
        }
    }

    /// Files under `dir` that differ from the base and are there now: added,
    /// modified or untracked (absolute paths, in path order).
    pub(crate) fn present_under(&self, dir: &Path) -> Vec<PathBuf> {
        let Some(under) = self.relative(dir) else {
            return Vec::new();
        };
        let changed = self
            .changed
            .iter()
            .filter(|(path, change)| **change != Change::Deleted && path.starts_with(&under))
            .map(|(path, _)| path);
        let untracked = self.untracked.iter().filter(|path| path.starts_with(&under));
        let mut found: Vec<PathBuf> = changed.chain(untracked).map(|p| self.repo_root.join(p)).collect();
        found.sort();
        found.dedup();
        found
    }

    /// Files that existed at the base under `dir` and are gone now (absolute paths).
    pub(crate) fn deleted_under(&self, dir: &Path) -> Vec<PathBuf> {
        let Some(under) = self.relative(dir) else {
            return Vec::new();
        };
        self.changed
            .iter()
            .filter(|(path, change)| **change == Change::Deleted && path.starts_with(&under))
            .map(|(path, _)| self.repo_root.join(path))
            .collect()
    }

    /// The path relative to the repository's top folder, or None outside it.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        real_path(path)
            .strip_prefix(&self.repo_root)
            .ok()
            .map(Path::to_path_buf)
    }

    /// The first line of the new side of the file's first hunk; a hunk that
    /// only deletes lines points at the line after the deletion. None when
    /// the diff has no hunk (a mode change); line 1 when git cannot say (a
    /// binary file).
    fn first_changed_line(&self, relative: &Path) -> Option<usize> {
        let args = [
            OsStr::new("diff"),
            OsStr::new("-U0"),
            OsStr::new("--no-renames"),
            OsStr::new("--no-ext-diff"),
            OsStr::new("--no-textconv"),
            OsStr::new("--no-color"),
            OsStr::new(&self.base),
            OsStr::new("--"),
            relative.as_os_str(),
        ];
        let Ok(patch) = run_git(&self.repo_root, &args) else {
            return Some(1);
        };
        let text = String::from_utf8_lossy(&patch);
        if let Some(hunk) = text.lines().find(|l| l.starts_with("@@ ")) {
            return Some(new_side_start(hunk).unwrap_or(1));
        }
        text.lines().any(|l| l.starts_with("Binary files ")).then_some(1)
    }
}

/// `@@ -3,2 +4,0 @@` -> the first line of the new side that differs (5: the
/// line after lines deleted after line 4).
fn new_side_start(hunk: &str) -> Option<usize> {
    let new_side = hunk.split_whitespace().find_map(|w| w.strip_prefix('+'))?;
    let (start, count) = match new_side.split_once(',') {
        Some((start, count)) => (start.parse::<usize>().ok()?, count.parse::<usize>().ok()?),
        None => (new_side.parse::<usize>().ok()?, 1),
    };
    Some(if count == 0 { start + 1 } else { start.max(1) })
}

#[derive(Debug)]
enum GitError {
    NotInstalled,
    /// git ran and failed: its first line of stderr.
    Failed(String),
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::NotInstalled => f.write_str("git is not installed (or not on PATH); --since needs it"),
            GitError::Failed(message) => write!(f, "git failed: {message}"),
        }
    }
}

impl From<GitError> for String {
    fn from(error: GitError) -> String {
        error.to_string()
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    run_git(dir, &args)
}

fn run_git(dir: &Path, args: &[&OsStr]) -> Result<Vec<u8>, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => GitError::NotInstalled,
            _ => GitError::Failed(e.to_string()),
        })?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(GitError::Failed(first_line(stderr.as_bytes()).to_string()))
    }
}

fn first_line(bytes: &[u8]) -> &str {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    text.lines().next().unwrap_or("").trim()
}

fn split_nul(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split(|b| *b == 0).filter(|field| !field.is_empty())
}

/// A path as git prints it (bytes, `/`-separated, relative to the top folder).
fn os_path(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway repository with a `base` tag; None (with the reason
    /// printed) when git is missing outside CI.
    struct Repo {
        dir: PathBuf,
    }

    impl Repo {
        fn new(name: &str) -> Option<Repo> {
            let dir = std::env::temp_dir().join(format!("miglint-git-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            let repo = Repo { dir };
            if Command::new("git").arg("--version").output().is_err() {
                assert!(std::env::var("CI").as_deref() != Ok("true"), "git is missing on CI");
                eprintln!("skipped: git is not installed");
                return None;
            }
            repo.git(&["-c", "init.defaultBranch=main", "init", "-q"]);
            repo.git(&["config", "user.name", "miglint tests"]);
            repo.git(&["config", "user.email", "tests@miglint.invalid"]);
            Some(repo)
        }

        fn git(&self, args: &[&str]) {
            let status = Command::new("git")
                .arg("-C")
                .arg(&self.dir)
                .args(args)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .output()
                .expect("git runs");
            assert!(
                status.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&status.stderr)
            );
        }

        fn write(&self, path: &str, text: &str) {
            let path = self.dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }

        fn commit(&self, message: &str) {
            self.git(&["add", "-A"]);
            self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        }
    }

    impl Drop for Repo {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    #[test]
    fn every_kind_of_change_against_the_base() {
        let Some(repo) = Repo::new("kinds") else { return };
        repo.write("db/1_a.sql", "CREATE TABLE a (id int);\n");
        repo.write("db/2_b.sql", "CREATE TABLE b (id int);\nCREATE TABLE c (id int);\n");
        repo.write("db/3_gone.sql", "SELECT 1;\n");
        repo.write("db/4 spaced ü.sql", "SELECT 1;\n");
        repo.commit("base");
        repo.git(&["tag", "base"]);
        repo.write("db/2_b.sql", "CREATE TABLE b (id int);\nCREATE TABLE c (id bigint);\n");
        std::fs::remove_file(repo.dir.join("db/3_gone.sql")).unwrap();
        repo.write("db/5_new.sql", "SELECT 1;\n");
        repo.commit("head");
        repo.write("db/6_staged.sql", "SELECT 1;\n");
        repo.git(&["add", "db/6_staged.sql"]);
        repo.write("db/7 untracked ü.sql", "SELECT 1;\n");
        repo.write("db/4 spaced ü.sql", "SELECT 2;\n");

        let changes = changes_since(&repo.dir.join("db"), "base").unwrap();
        let db = repo.dir.join("db");
        assert_eq!(changes.state(&db.join("1_a.sql")), GitState::Unchanged);
        assert_eq!(
            changes.state(&db.join("2_b.sql")),
            GitState::Modified { first_changed_line: 2 }
        );
        assert_eq!(changes.state(&db.join("3_gone.sql")), GitState::Deleted);
        assert_eq!(
            changes.state(&db.join("4 spaced ü.sql")),
            GitState::Modified { first_changed_line: 1 }
        );
        assert_eq!(changes.state(&db.join("5_new.sql")), GitState::Added);
        assert_eq!(changes.state(&db.join("6_staged.sql")), GitState::Added);
        assert_eq!(changes.state(&db.join("7 untracked ü.sql")), GitState::Untracked);
        assert_eq!(
            changes.deleted_under(&db),
            vec![changes.repo_root.join("db/3_gone.sql")]
        );
        assert!(changes.deleted_under(&repo.dir.join("elsewhere")).is_empty());
        assert_eq!(changes.base.len(), 40, "{}", changes.base);
    }

    #[test]
    fn compares_with_the_merge_base_not_the_ref_tip() {
        let Some(repo) = Repo::new("merge-base") else { return };
        repo.write("db/1_a.sql", "SELECT 1;\n");
        repo.commit("base");
        repo.git(&["branch", "target"]);
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.write("db/3_feature.sql", "SELECT 3;\n");
        repo.commit("feature");
        // The target branch moves on after the feature branched off.
        repo.git(&["checkout", "-q", "target"]);
        repo.write("db/2_target.sql", "SELECT 2;\n");
        repo.commit("target");
        repo.git(&["checkout", "-q", "feature"]);

        let changes = changes_since(&repo.dir, "target").unwrap();
        assert_eq!(changes.state(&repo.dir.join("db/3_feature.sql")), GitState::Added);
        // Not in the feature branch: neither a deletion nor a change of its own.
        assert!(changes.deleted_under(&repo.dir).is_empty());
        assert_eq!(changes.state(&repo.dir.join("db/1_a.sql")), GitState::Unchanged);
    }

    #[test]
    fn relative_paths_and_deleted_lines_and_ignored_files() {
        let Some(repo) = Repo::new("paths") else { return };
        repo.write(".gitignore", "ignored.sql\n");
        repo.write("db/1_a.sql", "one\ntwo\nthree\n");
        repo.commit("base");
        repo.write("db/1_a.sql", "one\nthree\n");
        repo.write("db/ignored.sql", "SELECT 1;\n");
        let changes = changes_since(&repo.dir, "HEAD").unwrap();
        // The second line went: the first line that differs is line 2.
        let through_dots = repo.dir.join("db/../db/1_a.sql");
        assert_eq!(
            changes.state(&through_dots),
            GitState::Modified { first_changed_line: 2 }
        );
        assert_eq!(changes.state(&repo.dir.join("db/ignored.sql")), GitState::Untracked);
        assert_eq!(changes.state(Path::new("/nowhere/x.sql")), GitState::Untracked);
    }

    #[test]
    fn clear_errors() {
        let Some(repo) = Repo::new("errors") else { return };
        repo.write("a.sql", "SELECT 1;\n");
        repo.commit("base");
        let unknown = changes_since(&repo.dir, "no-such-ref").unwrap_err();
        assert!(unknown.starts_with("unknown git ref `no-such-ref`"), "{unknown}");
        assert!(unknown.contains("fetch-depth: 0"), "{unknown}");
        let option = changes_since(&repo.dir, "--output=x").unwrap_err();
        assert!(option.starts_with("unknown git ref"), "{option}");

        let outside = std::env::temp_dir().join(format!("miglint-git-outside-{}", std::process::id()));
        std::fs::create_dir_all(&outside).unwrap();
        let not_repo = changes_since(&outside, "miglint-no-such-ref");
        let _ = std::fs::remove_dir_all(&outside);
        // The temp folder itself may sit inside a repository on a developer's machine.
        let message = not_repo.unwrap_err();
        assert!(
            message.contains("is not inside a git repository") || message.starts_with("unknown git ref"),
            "{message}"
        );
        let missing = changes_since(&outside.join("gone"), "main").unwrap_err();
        assert!(missing.ends_with("does not exist"), "{missing}");
    }

    #[test]
    fn head_before_the_first_commit_is_an_empty_tree() {
        let Some(repo) = Repo::new("unborn") else { return };
        repo.write("db/1.sql", "SELECT 1;\n");
        repo.write("db/2.sql", "SELECT 2;\n");
        repo.git(&["add", "db/1.sql"]);
        let changes = changes_since(&repo.dir, "HEAD").unwrap();
        assert_eq!(changes.state(&repo.dir.join("db/1.sql")), GitState::Added);
        assert_eq!(changes.state(&repo.dir.join("db/2.sql")), GitState::Untracked);
        assert_eq!(changes.present_under(&repo.dir.join("db")).len(), 2);
        assert!(changes_since(&repo.dir, "main")
            .unwrap_err()
            .starts_with("unknown git ref"));
    }

    #[test]
    fn hunk_headers() {
        assert_eq!(new_side_start("@@ -3,2 +4,3 @@ x"), Some(4));
        assert_eq!(new_side_start("@@ -3 +3 @@"), Some(3));
        assert_eq!(new_side_start("@@ -2 +1,0 @@"), Some(2));
        assert_eq!(new_side_start("@@ -1,2 +0,0 @@"), Some(1));
        assert_eq!(new_side_start("@@ -0,0 +1 @@"), Some(1));
        assert_eq!(new_side_start("@@ garbage @@"), None);
    }
}
