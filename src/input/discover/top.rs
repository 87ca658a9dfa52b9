//! How far discovery may look beyond a file: the top of its project.
//!
//! Inside a git repository that is the repository's top folder. Outside
//! one, it is the folder of the nearest `miglint.toml` (a project that says
//! so); with neither, discovery never leaves the folder of the root a file
//! is in, so a file under `/tmp` or a home folder never sets off a search of
//! everything beside it.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, OnceLock};

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

/// The real paths and project tops of one run, each path component asked
/// of the kernel once: a path that is no symbolic link is its folder's real
/// path and its name, and a folder's real path is worked out once however
/// many files, roots and configs ask for it. (Resolving every path in full
/// asked the kernel for each component of each path, and for the current
/// folder each time: most of the system calls of a large run.) For one run
/// only: what it remembers may be stale later (the language server makes
/// one per run).
#[derive(Default)]
pub(crate) struct RealPaths {
    /// The current folder, asked once.
    cwd: OnceLock<Option<PathBuf>>,
    /// By absolute path without `.` or `..`: its real path.
    known: Mutex<HashMap<PathBuf, PathBuf>>,
    /// By real folder: whether it holds `.git`, and a regular `miglint.toml`.
    marks: Mutex<HashMap<PathBuf, Marks>>,
}

#[derive(Clone, Copy)]
struct Marks {
    git: bool,
    config: bool,
}

impl RealPaths {
    /// The real path of `path`, as [`real_path`] finds it.
    pub(crate) fn of(&self, path: &Path) -> PathBuf {
        if path.as_os_str().is_empty() {
            return real_path(path);
        }
        let mut components = path.components().peekable();
        let mut base = PathBuf::new();
        if path.is_absolute() {
            while let Some(c @ (Component::Prefix(_) | Component::RootDir)) = components.peek() {
                base.push(c);
                components.next();
            }
        } else {
            match self.cwd.get_or_init(|| std::env::current_dir().ok()) {
                Some(cwd) => base = self.resolve(cwd),
                None => return real_path(path),
            }
        }
        // Leading `..` climb from the real folder the path starts in, as
        // the kernel does; a `..` after a name (after a symbolic link, it
        // climbs from where the link points) is left to the full resolution.
        while let Some(c @ (Component::ParentDir | Component::CurDir)) = components.peek() {
            if *c == Component::ParentDir {
                base.pop();
            }
            components.next();
        }
        let rest: Vec<Component<'_>> = components.filter(|c| *c != Component::CurDir).collect();
        if rest.contains(&Component::ParentDir) {
            return real_path(path);
        }
        let absolute = rest.iter().fold(base, |acc, c| acc.join(c));
        self.resolve(&absolute)
    }

    /// `path` is absolute, without `.` or `..`.
    fn resolve(&self, path: &Path) -> PathBuf {
        if let Some(real) = lock(&self.known).get(path) {
            return real.clone();
        }
        let real = match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) => match std::fs::symlink_metadata(path) {
                // What a link points to is resolved in full; a link that
                // leads nowhere stays a name, as a missing file does.
                Ok(m) if m.file_type().is_symlink() => {
                    path.canonicalize().unwrap_or_else(|_| self.resolve(parent).join(name))
                }
                // A file or folder, or one that does not exist (yet).
                _ => self.resolve(parent).join(name),
            },
            _ => path.canonicalize().unwrap_or_else(|_| path.to_path_buf()),
        };
        lock(&self.known).insert(path.to_path_buf(), real.clone());
        real
    }

    fn marks(&self, dir: &Path) -> Marks {
        if let Some(marks) = lock(&self.marks).get(dir) {
            return *marks;
        }
        let marks = Marks {
            git: dir.join(".git").exists(),
            config: crate::input::read::is_regular_file(&dir.join(crate::input::config::FILE_NAME)),
        };
        lock(&self.marks).insert(dir.to_path_buf(), marks);
        marks
    }

    /// Whether the real folder `dir` holds `.git` (asked once per run).
    pub(crate) fn holds_git(&self, dir: &Path) -> bool {
        self.marks(dir).git
    }

    /// Whether the real folder `dir` holds a regular `miglint.toml` (asked
    /// once per run).
    pub(crate) fn holds_config(&self, dir: &Path) -> bool {
        self.marks(dir).config
    }

    /// [`repository_top`], each folder asked once per run.
    pub(crate) fn repository_top(&self, dir: &Path) -> Option<PathBuf> {
        dir.ancestors().find(|a| self.holds_git(a)).map(Path::to_path_buf)
    }

    /// [`project_top`], each folder asked once per run.
    pub(crate) fn project_top(&self, dir: &Path) -> Option<PathBuf> {
        self.repository_top(dir)
            .or_else(|| dir.ancestors().find(|a| self.holds_config(a)).map(Path::to_path_buf))
    }
}

/// A poisoned lock only means another thread panicked mid-insert: the map is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
