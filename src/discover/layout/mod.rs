//! Migration roots: where a tool's migrations live, which tool runs them,
//! in which order, up or down, inside which transaction, and the dialect.
//!
//! The flow: walk the folder for `.sql` files and read each once (in
//! parallel); group them into candidate roots by shape (`<ts>_x/up.sql` is
//! a Diesel migration in its grandparent, `deploy/x.sql` a Sqitch change);
//! choose each root's tool (config, project files, content markers, file
//! names); build its migrations with that tool's rules; merge Flyway
//! locations of one dialect; settle every root's dialect.

mod build;
pub use build::with_content;
mod dialect;
mod flyway;
mod folders;
mod liquibase;
mod sections;
mod sqitch;
mod tool;
mod version;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{walk_tree, DiscoverError};
use crate::config::Config;
use crate::layout::{Dialect, Direction, RunnerSegment, RunnerTransaction, Tool};

pub use crate::layout::compare_versions;
pub use version::{migration_of, version_of};

/// A folder of migrations run by one tool against one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRoot {
    pub dir: PathBuf,
    pub tool: Tool,
    pub dialect: Dialect,
    /// Why this dialect: "config", "folder name `mysql`", "SQLite syntax
    /// (AUTOINCREMENT) in 2 files", "the repository's other roots", "default".
    pub dialect_reason: String,
    /// In the order the tool runs them.
    pub migrations: Vec<Migration>,
    pub notices: Vec<String>,
}

impl MigrationRoot {
    /// Every script, migration by migration, each migration's up first.
    pub fn scripts(&self) -> impl Iterator<Item = &Script> {
        self.migrations.iter().flat_map(|m| m.scripts.iter())
    }

    /// Only PostgreSQL roots are linted so far.
    pub fn is_supported(&self) -> bool {
        self.dialect == Dialect::Postgres
    }
}

/// One migration: what the tool records as applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// "2024-01-01-000000_add_x", "V3__add_x", a Sqitch change name.
    pub name: String,
    /// The version the tool records (None for Flyway `R__`, Sqitch, plain).
    pub version: Option<String>,
    /// Up first, then down, then (Sqitch) verify.
    pub scripts: Vec<Script>,
}

/// One file, or one direction's section of a file, as the tool runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub path: PathBuf,
    /// None for Sqitch verify scripts.
    pub direction: Option<Direction>,
    /// After the file's own opt-out is applied.
    pub transaction: RunnerTransaction,
    /// The file opted out of the runner's transaction.
    pub opted_out: bool,
    /// Liquibase: one per changeset (start offset, runInTransaction).
    pub segments: Vec<RunnerSegment>,
    /// What the tool runs for this direction: the file's bytes with the other
    /// direction's sections blanked (every byte except \n and \r replaced by a
    /// space, so offsets, lines and columns match the file), and annotations
    /// the tool splits on rewritten in place (Drizzle `--> statement-breakpoint`
    /// becomes `;-- statement-breakpoint`, same length), Liquibase `--rollback `
    /// prefixes blanked in the down view. Not UTF-8: the bytes unchanged.
    pub bytes: Vec<u8>,
}

impl Script {
    /// A whole file run one way.
    fn whole(file: &SqlFile, direction: Option<Direction>, transaction: RunnerTransaction) -> Script {
        Script {
            path: file.path.clone(),
            direction,
            transaction,
            opted_out: false,
            segments: Vec::new(),
            bytes: file.bytes.clone(),
        }
    }

    /// The script with the runner's transaction turned off by the file.
    fn opting_out(mut self, opted_out: bool) -> Script {
        if opted_out {
            self.transaction = RunnerTransaction::None;
            self.opted_out = true;
        }
        self
    }
}

/// A `.sql` file and its bytes, read once.
#[derive(Debug, Clone)]
struct SqlFile {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl SqlFile {
    fn name(&self) -> &str {
        self.path.file_name().and_then(|n| n.to_str()).unwrap_or("")
    }

    fn parent_name(&self) -> &str {
        self.path
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .unwrap_or("")
    }
}

/// A root as built, with what its dialect is settled from.
struct Built {
    root: MigrationRoot,
    configured_dialect: Option<Dialect>,
    evidence: dialect::Evidence,
}

/// Finds every migration root under `dir` (config `exclude`, `tool`, `[[roots]]` applied).
pub fn detect(dir: &Path, config: &Config) -> (Vec<MigrationRoot>, Vec<DiscoverError>) {
    let mut paths = BTreeSet::new();
    let mut errors = Vec::new();
    walk_tree(dir, config, &mut paths, &mut errors);
    let read: Vec<Result<SqlFile, DiscoverError>> = paths
        .into_par_iter()
        .map(|path| match std::fs::read(&path) {
            Ok(bytes) => Ok(SqlFile { path, bytes }),
            Err(e) => Err(DiscoverError(format!(
                "{}: cannot read: {e}",
                super::display_path(&path)
            ))),
        })
        .collect();
    let mut files = Vec::new();
    for result in read {
        match result {
            Ok(file) => files.push(file),
            Err(error) => errors.push(error),
        }
    }
    let candidates = group(dir, files, config);
    let mut built: Vec<Built> = candidates
        .into_par_iter()
        .map(|(root_dir, files)| build_root(root_dir, files, config))
        .collect();
    flyway::merge_locations(dir, &mut built);
    settle_dialects(dir, &mut built);
    let mut roots: Vec<MigrationRoot> = built.into_iter().map(|b| b.root).collect();
    roots.sort_by(|a, b| a.dir.cmp(&b.dir));
    (roots, errors)
}

/// The folder each file's root is in: a `[[roots]]` path above it, else
/// its shape's (the grandparent of `<ts>_x/up.sql` and of `deploy/x.sql`),
/// else its own folder.
fn group(dir: &Path, files: Vec<SqlFile>, config: &Config) -> BTreeMap<PathBuf, Vec<SqlFile>> {
    let configured = ConfiguredRoots::new(config);
    let mut groups: BTreeMap<PathBuf, Vec<SqlFile>> = BTreeMap::new();
    for file in files {
        let root = configured
            .enclosing(dir, &file.path)
            .unwrap_or_else(|| shape_root(&file));
        groups.entry(root).or_default().push(file);
    }
    groups
}

fn shape_root(file: &SqlFile) -> PathBuf {
    let parent = file.path.parent().unwrap_or(Path::new("."));
    let grandparent = parent.parent().filter(|g| !g.as_os_str().is_empty());
    let in_numbered_folder = file.parent_name().starts_with(|c: char| c.is_ascii_digit());
    let name = file.name().to_ascii_lowercase();
    let folder_script = in_numbered_folder && matches!(name.as_str(), "up.sql" | "down.sql" | "migration.sql");
    let sqitch_script = matches!(file.parent_name(), "deploy" | "revert" | "verify");
    match grandparent {
        Some(grandparent) if folder_script || sqitch_script => grandparent.to_path_buf(),
        _ => parent.to_path_buf(),
    }
}

/// The `[[roots]]` of the config, by their real paths.
struct ConfiguredRoots<'a> {
    by_real_path: HashMap<PathBuf, &'a crate::config::RootConfig>,
}

impl<'a> ConfiguredRoots<'a> {
    fn new(config: &'a Config) -> Self {
        let by_real_path = config.roots.iter().map(|root| (real_path(&root.path), root)).collect();
        ConfiguredRoots { by_real_path }
    }

    /// The nearest configured root above `file`, spelled as under `dir`.
    fn enclosing(&self, dir: &Path, file: &Path) -> Option<PathBuf> {
        if self.by_real_path.is_empty() {
            return None;
        }
        file.ancestors()
            .skip(1)
            .take_while(|a| !a.as_os_str().is_empty())
            .find(|a| self.by_real_path.contains_key(&real_path(a)))
            .map(Path::to_path_buf)
            .filter(|a| a.starts_with(dir) || dir.as_os_str() == ".")
    }

    fn get(&self, dir: &Path) -> Option<&'a crate::config::RootConfig> {
        if self.by_real_path.is_empty() {
            return None;
        }
        self.by_real_path.get(&real_path(dir)).copied()
    }
}

fn real_path(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

fn build_root(dir: PathBuf, files: Vec<SqlFile>, config: &Config) -> Built {
    let configured = ConfiguredRoots::new(config).get(&dir).cloned();
    let tool = configured
        .as_ref()
        .and_then(|c| c.tool)
        .or(config.tool)
        .unwrap_or_else(|| tool::detect_tool(&dir, &files));
    let mut evidence = dialect::Evidence::default();
    for file in &files {
        evidence.add(&dialect::sniff(&file.bytes));
    }
    let (migrations, notices) = build::migrations(tool, &dir, files);
    Built {
        root: MigrationRoot {
            dir,
            tool,
            dialect: Dialect::Postgres,
            dialect_reason: "default".to_string(),
            migrations,
            notices,
        },
        configured_dialect: configured.and_then(|c| c.dialect),
        evidence,
    }
}

/// Config, then a folder name between `dir` and the root, then syntax,
/// then the dialect the other roots showed, then PostgreSQL.
fn settle_dialects(dir: &Path, built: &mut [Built]) {
    let scanned_name = real_path(dir).file_name().map(PathBuf::from).unwrap_or_default();
    let mut undecided = Vec::new();
    for (index, b) in built.iter_mut().enumerate() {
        let relative = b.root.dir.strip_prefix(dir).unwrap_or(&b.root.dir);
        let decided = match b.configured_dialect {
            Some(dialect) => Some((dialect, "config".to_string())),
            None => {
                // The scanned folder's own name counts only when it is the root
                // (`miglint check db/mysql`), not for the roots inside a project.
                let path = if relative.as_os_str().is_empty() {
                    scanned_name.as_path()
                } else {
                    relative
                };
                dialect::from_folders(path).or_else(|| b.evidence.verdict())
            }
        };
        match decided {
            Some((dialect, reason)) => {
                b.root.dialect = dialect;
                b.root.dialect_reason = reason;
            }
            None => undecided.push(index),
        }
    }
    // Siblings are the roots of the same repository (all that was scanned
    // when there is no `.git`).
    let repository = |b: &Built| -> PathBuf { repository_top(&b.root.dir.join("x")).unwrap_or_default() };
    let repositories: Vec<PathBuf> = built.iter().map(repository).collect();
    let sibling_dialects: Vec<Option<Dialect>> = undecided
        .iter()
        .map(|&index| {
            let mut shown: BTreeMap<Dialect, usize> = BTreeMap::new();
            for (other, b) in built.iter().enumerate() {
                if !undecided.contains(&other) && repositories[other] == repositories[index] {
                    *shown.entry(b.root.dialect).or_default() += 1;
                }
            }
            // The most common; on a tie not PostgreSQL, as a repository that
            // names another dialect at all rarely means the default by it.
            shown
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
                .map(|(dialect, _)| dialect)
        })
        .collect();
    for (index, sibling) in undecided.into_iter().zip(sibling_dialects) {
        let root = &mut built[index].root;
        match sibling {
            Some(dialect) => {
                root.dialect = dialect;
                root.dialect_reason = "the repository's other roots".to_string();
            }
            None => root.dialect_reason = "default".to_string(),
        }
    }
}

/// The dialect the syntax of these files shows, with the reason ("SQLite
/// syntax (AUTOINCREMENT) in 2 files"), or None when it shows none.
pub fn dialect_from_syntax<'a>(files: impl IntoIterator<Item = &'a [u8]>) -> Option<(Dialect, String)> {
    let mut evidence = dialect::Evidence::default();
    for bytes in files {
        evidence.add(&dialect::sniff(bytes));
    }
    evidence.verdict()
}

/// The root a file belongs to, found by walking up from the file, with all
/// its migrations (so the ones before it can be replayed as history). None
/// when the file is in no recognisable root.
pub fn root_of(file: &Path, config: &Config) -> Option<MigrationRoot> {
    let target = real_path(file);
    let holding = |search: &Path| {
        let (roots, _) = detect(search, config);
        roots
            .into_iter()
            .find(|root| root.scripts().any(|s| real_path(&s.path) == target))
    };
    if let Some(top) = repository_top(file) {
        return holding(&top);
    }
    // Outside a repository: far enough up for `<root>/<ts>_x/up.sql`,
    // `<root>/deploy/x.sql`, Flyway's merged locations and the sibling roots
    // a dialect may be settled from — but never a whole home folder or disk.
    let parent = std::path::absolute(file).ok()?.parent()?.to_path_buf();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let too_wide = |dir: &Path| dir.parent().is_none() || home.as_deref().is_some_and(|home| home.starts_with(dir));
    let search = parent
        .ancestors()
        .take(3)
        .take_while(|dir| !too_wide(dir))
        .last()
        .unwrap_or(&parent)
        .to_path_buf();
    holding(&search)
}

/// The nearest folder above `file` holding `.git`.
fn repository_top(file: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(file).ok()?;
    let relative_top = file
        .ancestors()
        .skip(1)
        .map(|a| if a.as_os_str().is_empty() { Path::new(".") } else { a })
        .find(|a| a.join(".git").exists());
    relative_top.map(Path::to_path_buf).or_else(|| {
        absolute
            .ancestors()
            .skip(1)
            .find(|a| a.join(".git").exists())
            .map(Path::to_path_buf)
    })
}
