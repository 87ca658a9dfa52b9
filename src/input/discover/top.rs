//! How far discovery may look beyond a file: the top of its project.
//!
//! Inside a git repository that is the repository's top folder. Outside
//! one, it is the folder of the nearest `miglint.toml` (a project that says
//! so); with neither, discovery never leaves the folder of the root a file
//! is in, so a file under `/tmp` or a home folder never sets off a search of
//! everything beside it.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::FileType;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The repository's top, else the folder of the nearest `miglint.toml`,
/// else None. `dir` is a real path.
pub(crate) fn project_top(dir: &Path) -> Option<PathBuf> {
    RealPaths::default().project_top(dir)
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
    /// By real folder: its entries' names and types, as listed.
    listings: Mutex<HashMap<PathBuf, Arc<Listed>>>,
}

/// A folder's entries: names and types as the listing gave them.
type Listed = Vec<(OsString, Option<FileType>)>;

#[derive(Clone, Copy)]
struct Marks {
    git: bool,
    config: bool,
}

impl RealPaths {
    /// The real path of `path`, as [`real_path`] finds it.
    pub(crate) fn of(&self, path: &Path) -> PathBuf {
        match self.absolute(path) {
            Some(absolute) => self.resolve(&absolute),
            None => real_path(path),
        }
    }

    /// A listing of the folder `dir` (entries spelled from `dir`, with their
    /// types as the listing gave them): an entry that is no symbolic link is
    /// the folder's real path and its name, and whether the folder holds
    /// `.git` or a `miglint.toml` is seen, not asked again. Nothing is
    /// taken from an entry of unknown type or a link (a link to nowhere is
    /// no `.git`).
    pub(crate) fn note_listing(&self, dir: &Path, entries: &[(PathBuf, Option<FileType>)]) {
        let Some(absolute) = self.absolute(dir) else {
            return;
        };
        let real = self.resolve(&absolute);
        let mut git = false;
        let mut config = false;
        let mut sure = true;
        let mut known = lock(&self.known);
        for (path, file_type) in entries {
            let Some(name) = path.file_name() else { continue };
            let plain = file_type.filter(|t| !t.is_symlink());
            if name == ".git" {
                git = true;
                sure &= plain.is_some();
            } else if name == crate::input::config::FILE_NAME {
                config = plain.is_some_and(|t| t.is_file());
                sure &= plain.is_some();
            }
            if plain.is_some() {
                known.entry(absolute.join(name)).or_insert_with(|| real.join(name));
            }
        }
        drop(known);
        if sure {
            lock(&self.marks).entry(real).or_insert(Marks { git, config });
        }
    }

    /// The entries of the folder `dir`, spelled from `dir`, with their types
    /// as listed (a link as a link), in no set order: each folder listed
    /// once per run (an entry that cannot be read is left out, and such a
    /// listing is not kept). An error is `read_dir`'s.
    pub(crate) fn list(&self, dir: &Path) -> std::io::Result<Vec<(PathBuf, Option<FileType>)>> {
        let real = self.of(dir);
        if let Some(listed) = lock(&self.listings).get(&real).cloned() {
            return Ok(listed.iter().map(|(name, t)| (dir.join(name), *t)).collect());
        }
        let mut whole = true;
        let entries: Vec<(PathBuf, Option<FileType>)> = std::fs::read_dir(dir)?
            .filter_map(|entry| {
                whole &= entry.is_ok();
                entry.ok()
            })
            .map(|e| (e.path(), e.file_type().ok()))
            .collect();
        if whole {
            self.note_listing(dir, &entries);
            let listed: Listed = entries
                .iter()
                .filter_map(|(path, t)| Some((path.file_name()?.to_os_string(), *t)))
                .collect();
            lock(&self.listings).insert(real, Arc::new(listed));
        }
        Ok(entries)
    }

    /// `path` exists and is no symbolic link: it is its folder's real path
    /// and its name.
    pub(crate) fn note_plain(&self, path: &Path) {
        // `link/` and `link/.` are what the link points to, not the link.
        let text = path.as_os_str().as_encoded_bytes();
        if text.ends_with(b"/") || text.ends_with(b"\\") || text.ends_with(b".") {
            return;
        }
        let Some(absolute) = self.absolute(path) else {
            return;
        };
        if let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) {
            let real = self.resolve(parent).join(name);
            lock(&self.known).entry(absolute).or_insert(real);
        }
    }

    /// Whether the folder `dir` was listed in this run and held no entry
    /// named `name` (false when it was not listed).
    pub(crate) fn listed_without(&self, dir: &Path, name: &str) -> bool {
        let real = self.of(dir);
        lock(&self.listings)
            .get(&real)
            .is_some_and(|listed| listed.iter().all(|(entry, _)| entry != name))
    }

    /// `path` made absolute from the current folder (asked once), without
    /// `.` or `..`; None when it is empty or the current folder is unknown.
    /// A `..` climbs from the real folder reached so far, as the kernel does
    /// (after a symbolic link, from where the link points).
    fn absolute(&self, path: &Path) -> Option<PathBuf> {
        if path.as_os_str().is_empty() {
            return None;
        }
        let mut base = PathBuf::new();
        if path.is_relative() {
            let cwd = self.cwd.get_or_init(|| std::env::current_dir().ok()).as_ref()?;
            base = self.resolve(cwd);
        }
        for component in path.components() {
            match component {
                Component::CurDir => {}
                Component::ParentDir => {
                    base = self.resolve(&base);
                    base.pop();
                }
                other => base.push(other),
            }
        }
        Some(base)
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

    /// [`super::relative_to_cwd`], the current folder asked once per run.
    pub(crate) fn relative_to_cwd(&self, path: &Path) -> PathBuf {
        match self.cwd.get_or_init(|| std::env::current_dir().ok()) {
            Some(cwd) => super::relative_to(path, cwd, |p| self.of(p)),
            None => path.to_path_buf(),
        }
    }

    /// The nearest folder at or above `dir` (a real path) holding `.git`,
    /// each folder asked once per run.
    pub(crate) fn repository_top(&self, dir: &Path) -> Option<PathBuf> {
        dir.ancestors().find(|a| self.holds_git(a)).map(Path::to_path_buf)
    }

    /// The repository's top, else the folder of the nearest `miglint.toml`,
    /// else None (`dir` is a real path), each folder asked once per run.
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
        assert_eq!(RealPaths::default().repository_top(&real.join("loose/db")), None);
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

    /// The run's memo answers as a full resolution does: through links, for
    /// files not there yet, with `..` before and after a link, and after a
    /// listing told it what a folder holds.
    #[cfg(unix)]
    #[test]
    fn remembered_real_paths_are_the_real_paths() {
        let dir = std::env::temp_dir().join(format!("miglint-realpaths-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.join("repo/db/migrations")).unwrap();
        std::fs::create_dir_all(dir.join("elsewhere/deep")).unwrap();
        std::fs::write(dir.join("repo/db/migrations/1.sql"), "").unwrap();
        std::fs::write(dir.join("elsewhere/deep/2.sql"), "").unwrap();
        std::os::unix::fs::symlink(dir.join("elsewhere/deep"), dir.join("repo/db/linked")).unwrap();
        std::os::unix::fs::symlink(dir.join("repo/db/migrations/1.sql"), dir.join("repo/db/one.sql")).unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("repo/db/dangling")).unwrap();
        let paths = RealPaths::default();
        for path in [
            "repo/db/migrations/1.sql",
            "repo/db/migrations/./1.sql",
            "repo/db/linked/2.sql",
            "repo/db/linked/../deep/2.sql",
            "repo/db/linked/new.sql",
            "repo/db/one.sql",
            "repo/db/dangling",
            "repo/db/dangling/new.sql",
            "repo/db/new/../migrations/1.sql",
            "repo/db/migrations/1.sql/x",
            "repo/db/migrations/",
            "repo/db/linked",
        ] {
            let path = dir.join(path);
            assert_eq!(paths.of(&path), real_path(&path), "{}", path.display());
            assert_eq!(paths.of(&path), real_path(&path), "{} again", path.display());
        }
        let cwd = std::env::current_dir().unwrap();
        for path in [
            "",
            ".",
            "..",
            "../x.sql",
            "./src/../Cargo.toml",
            "src/lib.rs",
            "new/x.sql",
        ] {
            assert_eq!(
                paths.of(Path::new(path)),
                real_path(Path::new(path)),
                "{path:?} from {}",
                cwd.display()
            );
        }

        let listing = |folder: &Path| -> Vec<(PathBuf, Option<std::fs::FileType>)> {
            std::fs::read_dir(folder)
                .unwrap()
                .map(|e| e.unwrap())
                .map(|e| (e.path(), e.file_type().ok()))
                .collect()
        };
        let noted = RealPaths::default();
        noted.note_listing(&dir.join("repo"), &listing(&dir.join("repo")));
        noted.note_listing(&dir.join("repo/db"), &listing(&dir.join("repo/db")));
        assert!(noted.holds_git(&paths.of(&dir.join("repo"))));
        assert!(!noted.holds_config(&paths.of(&dir.join("repo"))));
        assert!(!noted.holds_git(&paths.of(&dir.join("repo/db"))));
        assert_eq!(
            noted.project_top(&paths.of(&dir.join("repo/db/migrations"))),
            project_top(&paths.of(&dir.join("repo/db/migrations")))
        );
        noted.note_plain(&dir.join("repo/db/linked/"));
        noted.note_plain(&dir.join("repo/db/linked/."));
        noted.note_plain(&dir.join("repo/db/migrations/1.sql"));
        assert!(
            !noted.listed_without(&dir.join("repo/db"), "metadata.toml"),
            "not listed yet"
        );
        let mut listed: Vec<PathBuf> = noted
            .list(&dir.join("repo/db"))
            .unwrap()
            .into_iter()
            .map(|e| e.0)
            .collect();
        listed.sort();
        let again: Vec<PathBuf> = noted
            .list(&dir.join("repo/db"))
            .unwrap()
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(listed.len(), 4);
        assert!(again.iter().all(|p| listed.contains(p)) && again.len() == listed.len());
        assert!(noted.listed_without(&dir.join("repo/db"), "metadata.toml"));
        assert!(!noted.listed_without(&dir.join("repo/db"), "migrations"));
        assert!(
            !noted.listed_without(&dir.join("elsewhere"), "metadata.toml"),
            "not listed"
        );
        for path in [
            "repo/db/linked",
            "repo/db/one.sql",
            "repo/db/dangling",
            "repo/db/migrations",
            "repo/db/migrations/1.sql",
        ] {
            assert_eq!(
                noted.of(&dir.join(path)),
                real_path(&dir.join(path)),
                "{path} after a listing"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
