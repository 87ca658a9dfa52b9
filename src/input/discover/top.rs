//! How far discovery may look beyond a file: the top of its project.
//!
//! Inside a git repository that is the repository's top folder. Outside
//! one, it is the folder of the nearest `miglint.toml` (a project that says
//! so); with neither, discovery never leaves the folder of the root a file
//! is in, so a file under `/tmp` or a home folder never sets off a search of
//! everything beside it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The nearest folder at or above `dir` (a real path) holding `.git`.
pub(crate) fn repository_top(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|a| a.join(".git").exists()).map(Path::to_path_buf)
}

/// The repository's top, else the folder of the nearest `miglint.toml`,
/// else None. `dir` is a real path.
pub(crate) fn project_top(dir: &Path) -> Option<PathBuf> {
    repository_top(dir).or_else(|| {
        dir.ancestors()
            .find(|a| crate::input::read::is_regular_file(&a.join(crate::input::config::FILE_NAME)))
            .map(Path::to_path_buf)
    })
}

/// Real paths of many files in few folders, each folder resolved once: a
/// file that is no symbolic link is its folder's real path and its name.
/// (Resolving every file in full asked the kernel for each component of
/// each path: most of the system calls of a large run.) For one selection
/// only: what it remembers may be stale later.
#[derive(Default)]
pub(crate) struct RealPaths {
    folders: RefCell<HashMap<PathBuf, PathBuf>>,
}

impl RealPaths {
    pub(crate) fn of(&self, path: &Path) -> PathBuf {
        let plain_file = std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_symlink());
        match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) if plain_file => {
                let parent = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
                self.folders
                    .borrow_mut()
                    .entry(parent.to_path_buf())
                    .or_insert_with(|| real_path(parent))
                    .join(name)
            }
            _ => real_path(path),
        }
    }
}

/// The real path of a folder or file. For one that does not exist (a new
/// file in an editor, a file deleted since a git ref), the real path of the
/// nearest folder above that does, joined with the rest of the path; `.`
/// and `..` are resolved by name first.
pub(crate) fn real_path(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(real) = absolute.canonicalize() {
        return real;
    }
    let mut lexical = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return lexical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tops_and_real_paths() {
        let dir = std::env::temp_dir().join(format!("miglint-top-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.join("repo/db/migrations")).unwrap();
        std::fs::create_dir_all(dir.join("loose/db")).unwrap();
        std::fs::write(dir.join("loose/miglint.toml"), "").unwrap();
        std::fs::create_dir_all(dir.join("bare/db")).unwrap();
        let real = dir.canonicalize().unwrap();
        assert_eq!(project_top(&real.join("repo/db/migrations")), Some(real.join("repo")));
        assert_eq!(project_top(&real.join("loose/db")), Some(real.join("loose")));
        assert_eq!(repository_top(&real.join("loose/db")), None);
        assert_eq!(
            real_path(&dir.join("repo/db/./migrations/../new.sql")),
            real.join("repo/db/new.sql")
        );
        assert_eq!(
            real_path(&dir.join("repo/db/migrations/new.sql")),
            real.join("repo/db/migrations/new.sql")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
