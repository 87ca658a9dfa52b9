//! Walking a folder for `.sql` files by name, without reading them. Each
//! folder is entered once however many symbolic links lead to it; the
//! `exclude` globs of the config that applies to each folder are honoured;
//! FIFOs, sockets and devices are never opened, only noted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::configs::Configs;
use super::{display_path, DiscoverError};

/// Folders never searched when walking a directory.
pub(crate) const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".hg", ".svn"];

/// What a walk found.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// `.sql` files, in path order, spelled from the folder walked.
    pub files: BTreeSet<PathBuf>,
    /// Files skipped for what they are (a FIFO named `x.sql`).
    pub notices: Vec<String>,
    pub errors: Vec<DiscoverError>,
}

/// How deep a walk goes, and whether it tells what it skipped.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WalkLimits {
    /// Folders below the start to enter (None: all).
    pub depth: Option<usize>,
    /// Report skipped special files and unreadable folders (a walk the user
    /// asked for), or stay quiet (a look around a root for its neighbours).
    pub report: bool,
}

impl WalkLimits {
    pub(crate) const ALL: WalkLimits = WalkLimits {
        depth: None,
        report: true,
    };
}

/// Walks `start` for `.sql` files.
pub(crate) fn walk(start: &Path, configs: &Configs, limits: WalkLimits) -> Walked {
    let mut walker = Walker {
        configs,
        limits,
        walked: Walked::default(),
        visited: BTreeSet::new(),
        config_errors: BTreeSet::new(),
    };
    let mut links = Vec::new();
    walker.folder(start, 0, &mut links);
    // Linked folders after the real ones, so a folder is reached by its
    // real path when it has one inside the tree.
    while !links.is_empty() {
        for (link, depth) in std::mem::take(&mut links) {
            walker.folder(&link, depth, &mut links);
        }
    }
    walker.walked
}

struct Walker<'a> {
    configs: &'a Configs,
    limits: WalkLimits,
    walked: Walked,
    visited: BTreeSet<PathBuf>,
    config_errors: BTreeSet<String>,
}

impl Walker<'_> {
    fn folder(&mut self, dir: &Path, depth: usize, links: &mut Vec<(PathBuf, usize)>) {
        let real_paths = self.configs.real_paths();
        if !self.visited.insert(real_paths.of(dir)) {
            return;
        }
        // Listed before its config is looked up: the listing tells the
        // config lookup whether the folder holds `miglint.toml` or `.git`.
        let entries = real_paths.list(dir).map(|mut entries| {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries
        });
        let config = match self.configs.for_dir(dir) {
            Ok(config) => config,
            Err(error) => {
                // Files under an invalid config cannot be judged by it: say so once.
                if self.limits.report && self.config_errors.insert(error.to_string()) {
                    self.walked.errors.push(DiscoverError(error.to_string()));
                }
                return;
            }
        };
        let entries = match entries {
            Ok(entries) => entries,
            Err(e) => {
                if self.limits.report {
                    self.walked.errors.push(DiscoverError(format!(
                        "{}: cannot read directory: {e}",
                        display_path(dir)
                    )));
                }
                return;
            }
        };
        for (path, file_type) in entries {
            let Some(file_type) = file_type else { continue };
            if config.excludes(&path) {
                continue;
            }
            let is_link = file_type.is_symlink();
            // A link is judged by what it points to.
            let target_type = if is_link {
                match std::fs::metadata(&path) {
                    Ok(metadata) => metadata.file_type(),
                    Err(_) => continue,
                }
            } else {
                file_type
            };
            if target_type.is_dir() {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let deeper = self.limits.depth.is_none_or(|limit| depth < limit);
                if SKIPPED_DIRS.contains(&name) || !deeper {
                    continue;
                }
                if is_link {
                    links.push((path, depth + 1));
                } else {
                    self.folder(&path, depth + 1, links);
                }
            } else if is_sql(&path) {
                if target_type.is_file() {
                    self.walked.files.insert(path);
                } else if self.limits.report {
                    let kind = crate::input::read::special_kind(target_type).unwrap_or("not a regular file");
                    self.walked.notices.push(format!(
                        "{}: skipped, it is {kind}, not a regular file",
                        display_path(&path)
                    ));
                }
            }
        }
    }
}

/// A name ending in `.sql`, in any case, or a PostgreSQL variant of one
/// (`x.sql.postgres`, see `layout::variants`).
pub(crate) fn is_sql(path: &Path) -> bool {
    super::layout::variants::is_postgres_sql(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("miglint-walk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_link_loops_are_walked_once_and_fifos_noted() {
        let dir = temp_dir("loop");
        std::fs::create_dir_all(dir.join("db/sub/.git")).unwrap();
        std::fs::write(dir.join("db/1.sql"), "").unwrap();
        std::fs::write(dir.join("db/sub/2.SQL"), "").unwrap();
        std::fs::write(dir.join("db/sub/.git/3.sql"), "").unwrap();
        std::fs::write(dir.join("db/notes.txt"), "").unwrap();
        std::os::unix::fs::symlink("..", dir.join("db/sub/up")).unwrap();
        std::os::unix::fs::symlink("sub", dir.join("db/again")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(dir.join("db/pipe.sql"))
            .status();
        let configs = Configs::new(None, None).unwrap();
        let walked = walk(&dir.join("db"), &configs, WalkLimits::ALL);
        let names: Vec<PathBuf> = walked
            .files
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().to_path_buf())
            .collect();
        assert_eq!(names, [PathBuf::from("db/1.sql"), PathBuf::from("db/sub/2.SQL")]);
        assert!(walked.errors.is_empty(), "{:?}", walked.errors);
        if fifo.is_ok_and(|s| s.success()) {
            assert_eq!(walked.notices.len(), 1, "{:?}", walked.notices);
            assert!(walked.notices[0].ends_with("pipe.sql: skipped, it is a FIFO, not a regular file"));
        }
        let shallow = walk(
            &dir.join("db"),
            &configs,
            WalkLimits {
                depth: Some(0),
                report: false,
            },
        );
        assert_eq!(shallow.files.len(), 1);
        assert!(shallow.notices.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nested_configs_exclude_their_own_files_and_an_invalid_one_is_an_error() {
        let dir = temp_dir("configs");
        std::fs::create_dir_all(dir.join("a/.git")).unwrap();
        std::fs::create_dir_all(dir.join("a/old")).unwrap();
        std::fs::create_dir_all(dir.join("a/bad")).unwrap();
        std::fs::write(dir.join("a/miglint.toml"), "exclude = [\"old/**\"]\n").unwrap();
        std::fs::write(dir.join("a/old/1.sql"), "").unwrap();
        std::fs::write(dir.join("a/2.sql"), "").unwrap();
        std::fs::write(dir.join("a/bad/miglint.toml"), "nonsense = 1\n").unwrap();
        std::fs::write(dir.join("a/bad/3.sql"), "").unwrap();
        let configs = Configs::new(None, None).unwrap();
        let walked = walk(&dir.join("a"), &configs, WalkLimits::ALL);
        assert_eq!(walked.files.len(), 1, "{:?}", walked.files);
        assert!(walked.files.iter().all(|f| f.ends_with("2.sql")));
        assert_eq!(walked.errors.len(), 1, "{:?}", walked.errors);
        assert!(walked.errors[0].0.contains("nonsense"), "{:?}", walked.errors);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
