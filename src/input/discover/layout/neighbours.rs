//! What the roots around a root say of it: the other locations of a Flyway
//! project, and the dialect of a root whose own files do not tell.
//!
//! The look around is bounded: at most two folders up, never above the
//! project's top (the repository's, or the folder of `miglint.toml`), and
//! not at all outside a project; folders are walked by name a few levels
//! down, and only the roots found there are read. The same look serves
//! every way files arrive, so a root gets the same answer from a folder,
//! a glob or one named file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::finder::{Facts, RootFinder};
use super::listing::root_dir_of;
use crate::input::discover::display_path;
use crate::input::discover::top::real_path;
use crate::input::discover::walk::{walk, WalkLimits};
use crate::input::layout::{Dialect, Tool};

/// How far below the folder that names the dialect's grandparent Flyway
/// locations are looked for (DSpace's `sqlmigration/workflow/postgres/x/`).
const FLYWAY_DEPTH: usize = 5;

/// A chain of locations found from locations stops after this many looks.
const MAX_FLYWAY_LOOKS: usize = 8;

/// The folders of the Flyway locations run with the root of `facts` (itself
/// included), sorted: those whose folder names the same dialect, found two
/// folders above each one's dialect folder.
impl RootFinder<'_> {
    pub(super) fn flyway_locations(&mut self, facts: &Facts) -> Vec<PathBuf> {
        let mut members = vec![facts.real.clone()];
        let (Some(top), Some((dialect, _, _))) = (facts.top.clone(), facts.named.clone()) else {
            return members;
        };
        let mut queue = vec![facts.clone()];
        let mut looks = 0;
        while let Some(member) = queue.pop() {
            if looks == MAX_FLYWAY_LOOKS {
                break;
            }
            let Some((_, _, named_folder)) = &member.named else {
                continue;
            };
            let Some(start) = named_folder
                .ancestors()
                .skip(1)
                .take(2)
                .take_while(|a| a.starts_with(&top))
                .last()
                .map(Path::to_path_buf)
            else {
                continue;
            };
            looks += 1;
            for dir in self.roots_around(&start, FLYWAY_DEPTH) {
                let Some(other) = self.facts(&dir) else { continue };
                let same = other.tool == Tool::Flyway
                    && other.configured_dialect.is_none()
                    && other.named.as_ref().map(|n| n.0) == Some(dialect);
                if same && !members.contains(&dir) {
                    members.push(dir);
                    queue.push(other.clone());
                }
            }
        }
        members.sort();
        members
    }

    /// The dialect most roots around an undecided root show: those within its
    /// parent folder first, then within the folder above. On a tie, not
    /// PostgreSQL: a project that names another dialect at all rarely means the
    /// default by it. None outside a project or when no root around decides.
    pub(super) fn sibling_dialect(&mut self, facts: &Facts, members: &[PathBuf]) -> Option<(Dialect, String)> {
        let top = facts.top.clone()?;
        for (level, folder) in facts.real.ancestors().enumerate().skip(1).take(2) {
            if !folder.starts_with(&top) {
                break;
            }
            let mut votes: BTreeMap<Dialect, usize> = BTreeMap::new();
            for dir in self.roots_around(folder, level + 1) {
                if members.contains(&dir) {
                    continue;
                }
                if let Some((dialect, _)) = self.facts(&dir).and_then(|f| f.own_dialect.clone()) {
                    *votes.entry(dialect).or_default() += 1;
                }
            }
            let Some((&dialect, _)) = votes.iter().max_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0))) else {
                continue;
            };
            let counts: Vec<String> = votes.iter().rev().map(|(d, n)| format!("{n} {d}")).collect();
            let shown = folder
                .strip_prefix(&top)
                .map_or_else(|_| display_path(folder), display_path);
            let shown = if shown.is_empty() { ".".to_string() } else { shown };
            return Some((
                dialect,
                format!("the other roots under `{shown}` ({})", counts.join(", ")),
            ));
        }
        None
    }

    /// The real folders of the roots with a `.sql` file within `depth` folders
    /// below `folder`, each built (quietly) once; cached per folder and depth.
    fn roots_around(&mut self, folder: &Path, depth: usize) -> Vec<PathBuf> {
        let key = (folder.to_path_buf(), depth);
        if let Some(found) = self.around.get(&key) {
            return found.clone();
        }
        let limits = WalkLimits {
            depth: Some(depth),
            report: false,
        };
        let walked = walk(folder, self.configs, limits);
        let mut dirs: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
        for file in &walked.files {
            let Ok(config) = self.configs.for_file(file) else {
                continue;
            };
            if config.excludes(file) {
                continue;
            }
            let dir = root_dir_of(file, &config);
            if !dirs.values().any(|d| *d == dir) {
                dirs.insert(real_path(&dir), dir);
            }
        }
        let found: Vec<PathBuf> = dirs.keys().cloned().collect();
        self.build_all(dirs.into_iter().collect(), false);
        let found: Vec<PathBuf> = found.into_iter().filter(|d| self.facts(d).is_some()).collect();
        self.around.insert(key, found.clone());
        found
    }
}
