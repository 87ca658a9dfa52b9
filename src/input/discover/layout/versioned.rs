//! Version folders: a schema kept as one folder per version (`v1.0/`,
//! `v1.1/`, `1.2.3/`), each holding the files that take the schema there.
//! The folders run in version order (numbers compared part by part), the
//! files of each in its `manifest.json`'s order (else by name), after a base
//! schema file beside them (`schema.sql`), replayed first as history.
//!
//! A folder is a version folder when its name is a version and a manifest
//! in it or another version folder beside it says so: a lone `2/` holding
//! SQL is a root of its own, as before.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::manifest::{in_run_order, MANIFEST};
use super::variants::{is_postgres_sql, plain_name};
use super::{Migration, Script, SqlFile};
use crate::input::discover::top::{project_top, real_path};
use crate::input::layout::{compare_versions, Direction, RunnerTransaction, Tool};

/// The version a folder's name gives: `v1.0` -> `1.0`, `1.2.3` -> `1.2.3`,
/// `V2` -> `2`; None unless it is digits (after an optional `v`) separated
/// by `.`, `_` or `-`.
pub(super) fn folder_version(name: &str) -> Option<&str> {
    let version = name.strip_prefix(['v', 'V']).unwrap_or(name);
    let parts_are_numbers = version
        .split(['.', '_', '-'])
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    parts_are_numbers.then_some(version)
}

/// Whether `folder` is a version folder of the root above it: a version
/// name, and a manifest in it or another version folder beside it. Reads
/// the folder's parent listing at most.
pub(super) fn is_version_folder(folder: &Path) -> bool {
    let Some(name) = folder.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if folder_version(name).is_none() {
        return false;
    }
    if crate::input::read::is_regular_file(&folder.join(MANIFEST)) {
        return true;
    }
    let parent = match folder.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        let other = entry.file_name();
        let other = other.to_string_lossy();
        other != name && folder_version(&other).is_some() && entry.path().is_dir()
    })
}

/// Names a base schema goes by (without `.sql`), the likeliest first;
/// after them, any name with `schema` in it.
const BASE_NAMES: [&str; 6] = ["schema", "base", "baseline", "base_schema", "init", "initial"];

/// How likely a file name is to be the base schema: lower is likelier,
/// None when it is not one.
fn base_rank(file_name: &str) -> Option<usize> {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
    let stem = stem.to_ascii_lowercase();
    BASE_NAMES
        .iter()
        .position(|name| *name == stem)
        .or_else(|| stem.contains("schema").then_some(BASE_NAMES.len()))
}

/// The entries of a folder: (name, path, is a folder), by name.
fn entries(folder: &Path) -> Vec<(String, PathBuf, bool)> {
    let Ok(read) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut entries: Vec<(String, PathBuf, bool)> = read
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path(),
                e.path().is_dir(),
            )
        })
        .collect();
    entries.sort();
    entries
}

/// A base schema's rank among files: its name's, then the name itself.
fn base_key(name: &str) -> Option<(usize, &str)> {
    let name = plain_name(name);
    Some((base_rank(name)?, name))
}

/// The root of version folders a base schema file seeds from the folder
/// above it: the first folder beside the file (by name) that holds version
/// folders and no base schema of its own. Only inside a project, and only
/// for the likeliest base name of its folder; reads the listing of the
/// file's folder and of the folders in it, nothing deeper.
pub(super) fn seeded_root(file: &Path) -> Option<PathBuf> {
    let key = base_key(file.file_name()?.to_str()?)?;
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    project_top(&real_path(folder))?;
    let beside = entries(folder);
    let likeliest = beside
        .iter()
        .filter(|(_, path, is_folder)| !is_folder && is_postgres_sql(path))
        .filter_map(|(name, _, _)| base_key(name))
        .min();
    if likeliest.is_some_and(|best| best != key) {
        return None;
    }
    beside
        .iter()
        .filter(|(name, _, is_folder)| *is_folder && !name.starts_with('.') && name != "delta")
        .find(|(_, path, _)| {
            let inside = entries(path);
            let versions: Vec<&PathBuf> = inside
                .iter()
                .filter(|(name, _, is_folder)| *is_folder && folder_version(name).is_some())
                .map(|(_, path, _)| path)
                .collect();
            let holds_versions = versions.len() > 1 || versions.iter().any(|v| v.join(MANIFEST).is_file());
            let own_base = inside
                .iter()
                .any(|(name, path, is_folder)| !is_folder && is_postgres_sql(path) && base_key(name).is_some());
            holds_versions && !own_base
        })
        .map(|(_, path, _)| path.clone())
}

/// The base schema in the folder above a root of version folders whose
/// `paths` hold none: the file there that seeds it (`seeded_root`), a
/// PostgreSQL variant before the file it replaces; never above `top`.
pub(super) fn base_schema_above(dir: &Path, paths: &[PathBuf], top: &Path) -> Option<PathBuf> {
    let in_version_folder = |path: &PathBuf| {
        let folder = path.parent();
        folder.and_then(Path::parent) == Some(dir)
            && folder
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .is_some_and(|n| folder_version(n).is_some())
    };
    let own_base = |path: &PathBuf| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        path.parent() == Some(dir) && base_key(name).is_some()
    };
    if !paths.iter().any(in_version_folder) || paths.iter().any(own_base) {
        return None;
    }
    let above = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new(".."));
    if !real_path(above).starts_with(top) {
        return None;
    }
    let (_, candidate, _) = entries(above)
        .into_iter()
        .filter(|(_, path, is_folder)| !is_folder && is_postgres_sql(path))
        .filter_map(|(name, path, _)| {
            let (rank, plain) = base_key(&name)?;
            // The PostgreSQL variant before the file it replaces.
            Some(((rank, plain.to_string(), plain == name), path, ()))
        })
        .min()?;
    let seeds = seeded_root(&candidate).is_some_and(|root| real_path(&root) == real_path(dir));
    (seeds && !paths.contains(&candidate)).then_some(candidate)
}

/// The files' version folders (direct subfolders of `dir` named as
/// versions), when the root is one of version folders.
fn version_folders<'f>(dir: &Path, files: &'f [SqlFile]) -> BTreeMap<&'f str, usize> {
    let mut folders = BTreeMap::new();
    for file in files {
        let folder = file.path.parent();
        if folder.and_then(Path::parent) == Some(dir) && folder_version(file.parent_name()).is_some() {
            *folders.entry(file.parent_name()).or_insert(0) += 1;
        }
    }
    folders
}

/// Why the root is one of version folders ("version folders `v1.0/` to
/// `v1.2/`, in manifest.json order"), or None when it is not one.
pub(super) fn detect(dir: &Path, files: &[SqlFile]) -> Option<String> {
    let folders = version_folders(dir, files);
    let mut names: Vec<&str> = folders.keys().copied().collect();
    names.sort_by(|a, b| by_folder_version(a, b));
    let (first, last) = (names.first()?, names.last()?);
    let span = if first == last {
        format!("version folder `{first}/`")
    } else {
        format!("version folders `{first}/` to `{last}/`")
    };
    let with_manifest = names.iter().any(|n| dir.join(n).join(MANIFEST).is_file());
    let order = if with_manifest {
        "files in manifest.json order"
    } else {
        "files by name"
    };
    Some(format!("{span}, {order}"))
}

fn by_folder_version(a: &str, b: &str) -> Ordering {
    let version = |name| folder_version(name).unwrap_or(name);
    compare_versions(Tool::Plain, version(a), version(b)).then_with(|| a.cmp(b))
}

/// What a root of version folders runs, in order: the base schema, each
/// version folder as one migration, then files beside them that are in no
/// version folder (with a notice). Returns the base schema's path too.
pub(super) fn migrations(dir: &Path, files: Vec<SqlFile>) -> (Vec<Migration>, Vec<String>, Option<PathBuf>) {
    let mut notices = Vec::new();
    let mut beside: Vec<SqlFile> = Vec::new();
    let mut folders: BTreeMap<String, (PathBuf, Vec<SqlFile>)> = BTreeMap::new();
    for file in files {
        let folder = file.path.parent().map(Path::to_path_buf).unwrap_or_default();
        if folder.parent() == Some(dir) && folder_version(file.parent_name()).is_some() {
            let name = file.parent_name().to_string();
            folders.entry(name).or_insert_with(|| (folder, Vec::new())).1.push(file);
        } else {
            beside.push(file);
        }
    }
    // The likeliest base name in the root; the listing adds one from the
    // folder above only when the root has none.
    beside.sort_by(|a, b| a.path.cmp(&b.path));
    let base_at = beside
        .iter()
        .enumerate()
        .filter_map(|(at, file)| {
            let rank = match file.path.parent() == Some(dir) {
                true => base_rank(file.name())?,
                false => usize::MAX,
            };
            Some((rank, at))
        })
        .min()
        .map(|(_, at)| at);
    let base = base_at.map(|at| beside.remove(at));
    let run = |file: &SqlFile| Script::whole(file, Some(Direction::Up), RunnerTransaction::None);
    let mut migrations = Vec::new();
    if let Some(base) = &base {
        migrations.push(Migration {
            name: base.name().to_string(),
            version: None,
            scripts: vec![run(base)],
        });
    }
    let mut ordered: Vec<(String, (PathBuf, Vec<SqlFile>))> = folders.into_iter().collect();
    ordered.sort_by(|a, b| by_folder_version(&a.0, &b.0));
    for (name, (folder, files)) in ordered {
        let (files, _) = in_run_order(dir, &folder, files, &mut notices);
        migrations.push(Migration {
            version: folder_version(&name).map(str::to_string),
            name,
            scripts: files.iter().map(run).collect(),
        });
    }
    if !beside.is_empty() {
        let names: Vec<String> = beside.iter().map(|f| format!("`{}`", f.name())).collect();
        notices.push(format!("{} in no version folder: checked after them", names.join(", ")));
        for file in &beside {
            migrations.push(Migration {
                name: file.name().to_string(),
                version: None,
                scripts: vec![run(file)],
            });
        }
    }
    (migrations, notices, base.map(|b| b.path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_folder_names() {
        assert_eq!(folder_version("v1.0"), Some("1.0"));
        assert_eq!(folder_version("V2"), Some("2"));
        assert_eq!(folder_version("1.2.3"), Some("1.2.3"));
        assert_eq!(folder_version("2024_01"), Some("2024_01"));
        assert_eq!(folder_version("v1.0-rc1"), None);
        assert_eq!(folder_version("v"), None);
        assert_eq!(folder_version("1..2"), None);
        assert_eq!(folder_version("2024-01-01-000000_add_x"), None);
        assert_eq!(folder_version("deploy"), None);
    }

    #[test]
    fn version_folders_run_by_number_part_by_part() {
        let mut names = vec!["v1.10", "v1.2", "v1.0", "v2", "v1.9.1", "1.1"];
        names.sort_by(|a, b| by_folder_version(a, b));
        assert_eq!(names, ["v1.0", "1.1", "v1.2", "v1.9.1", "v1.10", "v2"]);
    }

    #[test]
    fn base_schema_names() {
        assert_eq!(base_rank("schema.sql"), Some(0));
        assert_eq!(base_rank("Baseline.sql"), Some(2));
        assert_eq!(base_rank("full_schema.sql"), Some(BASE_NAMES.len()));
        assert_eq!(base_rank("seed.sql"), None);
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("miglint-versioned-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_version_folder_needs_a_manifest_or_a_sibling() {
        let dir = temp_dir("siblings");
        for folder in ["a/v1.0", "a/v1.1", "b/v1.0", "c/2", "c/deploy", "d/v3"] {
            std::fs::create_dir_all(dir.join(folder)).unwrap();
        }
        std::fs::write(dir.join("d/v3").join(MANIFEST), "[]").unwrap();
        assert!(is_version_folder(&dir.join("a/v1.0")));
        assert!(!is_version_folder(&dir.join("b/v1.0")), "alone, without a manifest");
        assert!(!is_version_folder(&dir.join("c/2")));
        assert!(!is_version_folder(&dir.join("c/deploy")));
        assert!(is_version_folder(&dir.join("d/v3")), "alone, with a manifest");
        // A folder not made yet (an editor's new file) is one when its siblings are.
        assert!(is_version_folder(&dir.join("a/v1.2")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_base_schema_above_seeds_the_folder_of_versions_beside_it() {
        let dir = temp_dir("above");
        for folder in [
            ".git",
            "db/versioned/v1",
            "db/versioned/v2",
            "db/other",
            "own/versioned/v1",
            "own/versioned/v2",
        ] {
            std::fs::create_dir_all(dir.join(folder)).unwrap();
        }
        for file in [
            "db/schema.sql",
            "db/schema.sql.postgres",
            "db/base.sql",
            "own/schema.sql",
            "own/versioned/init.sql",
        ] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        let top = real_path(&dir);
        let root = dir.join("db/versioned");
        assert_eq!(seeded_root(&dir.join("db/schema.sql")), Some(root.clone()));
        assert_eq!(seeded_root(&dir.join("db/schema.sql.postgres")), Some(root.clone()));
        assert_eq!(
            seeded_root(&dir.join("db/base.sql")),
            None,
            "not the likeliest base there"
        );
        assert_eq!(
            seeded_root(&dir.join("own/schema.sql")),
            None,
            "the versions have a base of their own"
        );
        let above = |paths: &[&str]| {
            let paths: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
            base_schema_above(&root, &paths, &top)
        };
        assert_eq!(above(&["v1/a.sql"]), Some(dir.join("db/schema.sql.postgres")));
        assert_eq!(above(&["v1/a.sql", "schema.sql"]), None, "the root has its own");
        assert_eq!(above(&["a.sql"]), None, "no version folders");
        let below_top = base_schema_above(&root, &[root.join("v1/a.sql")], &top.join("db/versioned"));
        assert_eq!(below_top, None, "never above the top");
        std::fs::remove_dir_all(&dir).unwrap();
        // Outside a project, a base schema seeds nothing.
        let bare = temp_dir("bare");
        std::fs::create_dir_all(bare.join("versioned/v1")).unwrap();
        std::fs::create_dir_all(bare.join("versioned/v2")).unwrap();
        std::fs::write(bare.join("schema.sql"), "").unwrap();
        if crate::input::discover::top::project_top(&real_path(&bare)).is_none() {
            assert_eq!(seeded_root(&bare.join("schema.sql")), None);
        }
        std::fs::remove_dir_all(&bare).unwrap();
    }
}
