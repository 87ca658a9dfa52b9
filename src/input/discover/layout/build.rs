//! A root's migrations in its tool's order, for the tools whose migrations
//! are files named `<version>_<name>[.up|.down].sql` (and plain SQL, in
//! path order or by version and delta folders).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::sections::{dbmate_sections, drizzle_breakpoints, goose_sections, keep_only};
use super::tool::atlas_directive;
use super::version::{by_version, leading_number, split_stem};
use super::{delta, flyway, folders, liquibase, sqitch, versioned, Migration, Overlay, Script, SqlFile};
use crate::input::discover::display_path;
use crate::input::discover::top::RealPaths;
use crate::input::layout::{Direction, RunnerTransaction, Tool};

/// A root's migrations in the order they run.
pub(super) struct Ordered {
    pub migrations: Vec<Migration>,
    /// What the layout calls for telling (a guessed order, a stray file).
    pub notices: Vec<String>,
    /// The schema file replayed first (version folders beside `schema.sql`).
    pub base_schema: Option<PathBuf>,
}

/// The migrations of a root and the notices its layout calls for.
/// `overlays` stand in for files on disk, settings files among them.
pub(super) fn migrations(
    tool: Tool,
    dir: &Path,
    files: Vec<SqlFile>,
    real_paths: &RealPaths,
    overlays: &[Overlay],
) -> Ordered {
    let (migrations, notices) = match tool {
        Tool::Flyway => flyway::migrations(files, overlays),
        Tool::Diesel | Tool::Prisma => folders::migrations(tool, dir, files, real_paths, overlays),
        Tool::Sqitch => sqitch::migrations(dir, files),
        Tool::Liquibase => liquibase_migrations(dir, files),
        // Plain SQL kept in delta or version folders runs folder by folder.
        Tool::Plain if delta::detect(dir, &files).is_some() => delta::migrations(dir, files),
        Tool::Plain if versioned::detect(dir, &files).is_some() => {
            let (migrations, notices, base_schema) = versioned::migrations(dir, files);
            return Ordered {
                migrations,
                notices,
                base_schema,
            };
        }
        _ => flat_migrations(tool, dir, files),
    };
    Ordered {
        migrations,
        notices,
        base_schema: None,
    }
}

/// A file and the direction its name gives.
type NamedFile = (Option<Direction>, SqlFile);

/// Files grouped by name (`1_x.up.sql` with `1_x.down.sql`), in version
/// order; plain SQL in path order; Drizzle in its journal's order.
fn flat_migrations(tool: Tool, dir: &Path, files: Vec<SqlFile>) -> (Vec<Migration>, Vec<String>) {
    let mut notices = Vec::new();
    let mut groups: BTreeMap<(PathBuf, String), Vec<NamedFile>> = BTreeMap::new();
    for file in files {
        let (stem, direction) = split_stem(file.name());
        let key = (
            file.path.parent().map(Path::to_path_buf).unwrap_or_default(),
            stem.to_string(),
        );
        groups.entry(key).or_default().push((direction, file));
    }
    let mut migrations: Vec<Migration> = groups
        .into_iter()
        .map(|((_, stem), mut files)| {
            files.sort_by_key(|(direction, _)| *direction == Some(Direction::Down));
            let scripts = files
                .iter()
                .flat_map(|(direction, file)| scripts_of(tool, file, *direction))
                .collect();
            let version = match tool {
                Tool::Plain => None,
                _ => leading_number(&stem).map(str::to_string),
            };
            Migration {
                name: stem,
                version,
                scripts,
            }
        })
        .collect();
    if tool == Tool::Plain {
        return (migrations, notices);
    }
    let unversioned: Vec<String> = migrations
        .iter()
        .filter(|m| m.version.is_none())
        .map(|m| m.name.clone())
        .collect();
    if !unversioned.is_empty() {
        notices.push(format!(
            "{}: not named as {tool} names migrations (`<version>_<name>.sql`), so {tool} does not run them; linted last: {}",
            display_path(dir),
            unversioned.join(", ")
        ));
    }
    let journal = (tool == Tool::Drizzle)
        .then(|| drizzle_journal(dir, &mut notices))
        .flatten();
    migrations.sort_by(|a, b| match &journal {
        Some(journal) => {
            let place = |m: &Migration| journal.iter().position(|tag| *tag == m.name).unwrap_or(usize::MAX);
            place(a).cmp(&place(b)).then_with(|| by_version(tool, a, b))
        }
        None => by_version(tool, a, b),
    });
    (migrations, notices)
}

/// The scripts one file makes: one per section for goose and dbmate, else
/// the whole file in the direction its name gives (up when it gives none).
fn scripts_of(tool: Tool, file: &SqlFile, named: Option<Direction>) -> Vec<Script> {
    let direction = Some(named.unwrap_or(Direction::Up));
    match tool {
        Tool::Goose => {
            let (sections, no_transaction) = goose_sections(&file.bytes);
            if sections.is_empty() {
                return vec![Script::whole(file, direction, RunnerTransaction::PerFile).opting_out(no_transaction)];
            }
            sections
                .into_iter()
                .map(|s| Script {
                    bytes: keep_only(&file.bytes, s.range),
                    ..Script::whole(file, Some(s.direction), RunnerTransaction::PerFile)
                })
                .map(|s| s.opting_out(no_transaction))
                .collect()
        }
        Tool::Dbmate => {
            let sections = dbmate_sections(&file.bytes);
            if sections.is_empty() {
                return vec![Script::whole(file, direction, RunnerTransaction::PerFile)];
            }
            sections
                .into_iter()
                .map(|s| {
                    let opted_out = !s.transaction;
                    Script {
                        bytes: keep_only(&file.bytes, s.range),
                        ..Script::whole(file, Some(s.direction), RunnerTransaction::PerFile)
                    }
                    .opting_out(opted_out)
                })
                .collect()
        }
        Tool::Drizzle => vec![Script {
            bytes: drizzle_breakpoints(&file.bytes),
            ..Script::whole(file, direction, RunnerTransaction::AllPending)
        }],
        Tool::Sqlx => {
            let opted_out = file.bytes.starts_with(b"-- no-transaction");
            vec![Script::whole(file, direction, RunnerTransaction::PerFile).opting_out(opted_out)]
        }
        Tool::Atlas => {
            let opted_out = atlas_directive(&file.bytes, "txmode").is_some_and(|d| {
                d.split_whitespace()
                    .nth(1)
                    .is_some_and(|m| m.eq_ignore_ascii_case("none"))
            });
            vec![Script::whole(file, direction, RunnerTransaction::PerFile).opting_out(opted_out)]
        }
        Tool::GolangMigrate | Tool::Supabase | Tool::Prisma => {
            vec![Script::whole(file, direction, RunnerTransaction::Batch)]
        }
        Tool::Diesel => vec![Script::whole(file, direction, RunnerTransaction::PerFile)],
        Tool::Liquibase | Tool::Flyway | Tool::Sqitch | Tool::Plain => {
            vec![Script::whole(file, direction, RunnerTransaction::None)]
        }
    }
}

/// The tags of `meta/_journal.json`, in its order.
fn drizzle_journal(dir: &Path, notices: &mut Vec<String>) -> Option<Vec<String>> {
    let path = dir.join("meta").join("_journal.json");
    let text = crate::input::read::marker_file(&path)?;
    let parsed: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(e) => {
            notices.push(format!(
                "{}: unreadable ({e}); order taken from names",
                display_path(&path)
            ));
            return None;
        }
    };
    let mut entries: Vec<(u64, String)> = parsed
        .get("entries")?
        .as_array()?
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| {
            let tag = entry.get("tag")?.as_str()?.to_string();
            Some((entry.get("idx").and_then(|x| x.as_u64()).unwrap_or(i as u64), tag))
        })
        .collect();
    entries.sort();
    Some(entries.into_iter().map(|(_, tag)| tag).collect())
}

/// One migration per file, in the order a master changelog includes them
/// when one is beside them, else in path order.
fn liquibase_migrations(dir: &Path, files: Vec<SqlFile>) -> (Vec<Migration>, Vec<String>) {
    let included = master_changelog_order(dir);
    let place = |path: &Path| {
        let real = crate::input::discover::top::real_path(path);
        included.iter().position(|p| *p == real).unwrap_or(usize::MAX)
    };
    let mut files = files;
    files.sort_by(|a, b| place(&a.path).cmp(&place(&b.path)).then_with(|| a.path.cmp(&b.path)));
    let migrations = files.iter().map(|f| liquibase::migration(&f.path, &f.bytes)).collect();
    (migrations, Vec::new())
}

/// The `.sql` files included by a changelog file (a name with `changelog`
/// in it) in the root or the folder above it.
fn master_changelog_order(dir: &Path) -> Vec<PathBuf> {
    let folders = std::iter::once(dir).chain(dir.parent());
    let mut included = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        let mut changelogs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                name.contains("changelog") && [".xml", ".yaml", ".yml", ".json"].iter().any(|x| name.ends_with(x))
            })
            .collect();
        changelogs.sort();
        for changelog in changelogs {
            if let Some(text) = crate::input::read::marker_file(&changelog) {
                included.extend(
                    liquibase::included_files(&text, folder)
                        .iter()
                        .map(|p| crate::input::discover::top::real_path(p)),
                );
            }
        }
    }
    included
}
