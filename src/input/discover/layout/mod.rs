//! Migration roots: where a tool's migrations live, which tool runs them,
//! in which order, up or down, inside which transaction, and the dialect.
//!
//! A root is found from a file's path: its folder, or the folder its shape
//! names (`<ts>_x/up.sql` is a Diesel migration in its grandparent,
//! `deploy/x.sql` a Sqitch change, `v1.2/x.sql` a version folder's file and
//! `delta/7/x.sql` a delta folder's), or a `[[roots]]` path above it. Only
//! that folder is listed and read (`listing.rs`), sqlc's query folders
//! left out (`sqlc.rs`), dialect variants chosen (`variants.rs`) and
//! migrations written in code counted (`code.rs`); its tool comes from
//! config, project files, content markers and file names (`tool.rs`); its
//! migrations are built with that tool's rules (`build.rs`, `versioned.rs`,
//! `delta.rs`). Flyway locations of one dialect merge, and an undecided
//! dialect is settled from the roots around it, within two folders and the
//! project's top (`finder.rs`, `neighbours.rs`). The same steps serve a folder, a glob,
//! named files, stdin and the language server, so each file gets one answer.

mod build;
mod code;
mod delta;
mod dialect;
mod finder;
mod flyway;
mod folders;
mod liquibase;
mod listing;
mod manifest;
mod neighbours;
mod sections;
mod sqitch;
mod sqlc;
mod tool;
pub(crate) mod variants;
mod version;
mod versioned;

use std::path::{Path, PathBuf};

use crate::input::layout::{Dialect, Direction, RunnerSegment, RunnerTransaction, Tool};
use crate::input::read::TooLarge;

pub(crate) use code::{CodeMigration, Language};
pub(crate) use finder::RootFinder;
pub(crate) use listing::Overlay;
pub(crate) use version::{migration_of, version_of};

/// A folder of migrations run by one tool against one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MigrationRoot {
    pub dir: PathBuf,
    pub tool: Tool,
    /// Why this tool: "set in miglint.toml", "Cargo.toml names sqlx",
    /// "files named `V<version>__<name>.sql`".
    pub tool_reason: String,
    /// Set by config or `--tool`, not detected.
    pub tool_configured: bool,
    pub dialect: Dialect,
    /// Why this dialect: "config", "folder name `mysql`", "SQLite syntax
    /// (AUTOINCREMENT) in 2 files", "the repository's other roots", "default".
    pub dialect_reason: String,
    /// In the order the tool runs them.
    pub migrations: Vec<Migration>,
    /// The schema file replayed first (the first migration), for a root of
    /// version folders.
    pub base_schema: Option<PathBuf>,
    /// Migrations written in code, which miglint counts but cannot read.
    pub code: Vec<CodeMigration>,
    /// Files PostgreSQL does not run because a variant of theirs
    /// (`x.sql.postgres`) runs in their place: (file, variant).
    pub replaced: Vec<(PathBuf, PathBuf)>,
    pub notices: Vec<String>,
}

impl MigrationRoot {
    /// Every script, migration by migration, each migration's up first.
    pub(crate) fn scripts(&self) -> impl Iterator<Item = &Script> {
        self.migrations.iter().flat_map(|m| m.scripts.iter())
    }
}

/// One migration: what the tool records as applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Migration {
    /// "2024-01-01-000000_add_x", "V3__add_x", a Sqitch change name.
    pub name: String,
    /// The version the tool records (None for Flyway `R__`, Sqitch, plain).
    pub version: Option<String>,
    /// Up first, then down, then (Sqitch) verify.
    pub scripts: Vec<Script>,
}

/// One file, or one direction's section of a file, as the tool runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Script {
    pub path: PathBuf,
    /// None for Sqitch verify scripts.
    pub direction: Option<Direction>,
    /// After the file's own opt-out is applied.
    pub transaction: RunnerTransaction,
    /// The file opted out of the runner's transaction.
    pub opted_out: bool,
    /// The tool's settings file for the migration exists (Diesel
    /// `metadata.toml`, a Flyway `<script>.conf`).
    pub settings_file: bool,
    /// Diesel: another script of the migration (its `down.sql`) may hold
    /// several statements, which the migration's `metadata.toml` would take
    /// out of their transaction too.
    pub sibling_holds_several: bool,
    /// Liquibase: one per changeset (start offset, runInTransaction).
    pub segments: Vec<RunnerSegment>,
    /// What the tool runs for this direction: the file's bytes with the other
    /// direction's sections blanked (every byte except \n and \r replaced by a
    /// space, so offsets, lines and columns match the file), and annotations
    /// the tool splits on rewritten in place (Drizzle `--> statement-breakpoint`
    /// becomes `;-- statement-breakpoint`, same length), Liquibase `--rollback `
    /// prefixes blanked in the down view. Not UTF-8: the bytes unchanged.
    pub bytes: Vec<u8>,
    /// Larger than `max_file_size`: not read, `bytes` is empty.
    pub too_large: Option<TooLarge>,
}

impl Script {
    /// A whole file run one way.
    fn whole(file: &SqlFile, direction: Option<Direction>, transaction: RunnerTransaction) -> Script {
        Script {
            path: file.path.clone(),
            direction,
            transaction,
            opted_out: false,
            settings_file: false,
            sibling_holds_several: false,
            segments: Vec::new(),
            bytes: file.bytes.clone(),
            too_large: file.too_large,
        }
    }

    /// The script, knowing whether its tool's settings file exists.
    fn with_settings_file(mut self, exists: bool) -> Script {
        self.settings_file = exists;
        self
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
    too_large: Option<TooLarge>,
}

impl SqlFile {
    /// A file with no content (tests of ordering and grouping).
    #[cfg(test)]
    fn named(path: &str) -> SqlFile {
        SqlFile {
            path: PathBuf::from(path),
            bytes: Vec::new(),
            too_large: None,
        }
    }

    /// The name as a tool sees it: a variant's plain name (`x.sql` for
    /// `x.sql.postgres`).
    fn name(&self) -> &str {
        variants::plain_name(self.path.file_name().and_then(|n| n.to_str()).unwrap_or(""))
    }

    fn parent_name(&self) -> &str {
        parent_name(&self.path)
    }
}

fn parent_name(path: &Path) -> &str {
    path.parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or("")
}

#[cfg(test)]
pub(crate) use whole_folders::{detect, dialect_from_syntax, root_of};

/// Folder-wide detection, as `select` does it for a folder, for the tests of
/// the layouts (runs go through `select`).
#[cfg(test)]
mod whole_folders {
    use std::path::{Path, PathBuf};

    use super::{dialect, MigrationRoot, RootFinder};
    use crate::input::config::Config;
    use crate::input::discover::configs::Configs;
    use crate::input::discover::DiscoverError;
    use crate::input::layout::Dialect;

    /// Every migration root with a `.sql` file under `dir`, each whole (its
    /// files outside `dir` too), in folder order: what `select` finds for a
    /// folder, as roots (for tests of the layouts).
    pub(crate) fn detect(dir: &Path, config: &Config) -> (Vec<MigrationRoot>, Vec<DiscoverError>) {
        let configs = Configs::with_config(config.clone());
        let walked = crate::input::discover::walk::walk(dir, &configs, crate::input::discover::walk::WalkLimits::ALL);
        let mut finder = RootFinder::new(&configs, Vec::new());
        let files: Vec<PathBuf> = walked.files.into_iter().collect();
        let mut roots: Vec<MigrationRoot> = Vec::new();
        for (_, root) in finder.roots_of(&files) {
            if let Some(root) = root {
                if !roots.iter().any(|r| r.dir == root.dir) {
                    roots.push((*root).clone());
                }
            }
        }
        roots.sort_by(|a, b| a.dir.cmp(&b.dir));
        let mut errors = walked.errors;
        errors.extend(finder.take_errors());
        (roots, errors)
    }

    /// The dialect the syntax of these files shows, with the reason ("SQLite
    /// syntax (AUTOINCREMENT) in 2 files"), or None when it shows none.
    pub(crate) fn dialect_from_syntax<'a>(files: impl IntoIterator<Item = &'a [u8]>) -> Option<(Dialect, String)> {
        let mut evidence = dialect::Evidence::default();
        for bytes in files {
            evidence.add(&dialect::sniff(bytes));
        }
        evidence.verdict()
    }

    /// The root a file belongs to, with all its migrations (so the ones before
    /// it can be replayed as history). None when the file is in no root (not a
    /// `.sql` file, excluded, or its folder cannot be read).
    pub(crate) fn root_of(file: &Path, config: &Config) -> Option<MigrationRoot> {
        let configs = Configs::with_config(config.clone());
        let mut finder = RootFinder::new(&configs, Vec::new());
        let root = finder.roots_of(std::slice::from_ref(&file.to_path_buf())).pop()?.1?;
        Some((*root).clone())
    }
}
