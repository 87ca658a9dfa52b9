//! Which files make up one root folder, found by listing that folder and
//! the few folders below it that a tool's shape puts there — never a walk
//! of everything below — and reading each once. sqlc's query folders are
//! no root, a dialect variant stands in for the file it replaces, and
//! migrations written in code are noted by name, never read.

use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use super::code::{self, Language};
use super::sqlc::Sqlc;
use super::{delta, variants, versioned, SqlFile};
use crate::input::config::{Config, RootConfig};
use crate::input::discover::configs::Configs;
use crate::input::discover::top::{real_path, RealPaths};
use crate::input::discover::walk::{is_sql, walk, WalkLimits};
use crate::input::discover::{display_path, DiscoverError};
use crate::input::read::{self, Content};

/// An editor's unsaved buffer (or stdin) standing in for a file, which may
/// not exist yet: discovery sees the buffer as that file's content.
#[derive(Clone, Debug)]
pub(crate) struct Overlay {
    /// As given (`--stdin-filename`).
    pub path: PathBuf,
    real: PathBuf,
    pub bytes: Vec<u8>,
}

impl Overlay {
    pub(crate) fn new(path: &Path, bytes: Vec<u8>) -> Overlay {
        Overlay {
            path: path.to_path_buf(),
            real: real_path(path),
            bytes,
        }
    }

    /// The real path of the file it stands in for.
    pub(crate) fn real(&self) -> &Path {
        &self.real
    }

    fn is(&self, path: &Path) -> bool {
        path.file_name() == self.path.file_name() && real_path(path) == self.real
    }

    /// A tool's settings file a fix adds (Diesel `metadata.toml`, a Flyway
    /// `<script>.conf`), not a migration: read as the tool reads it, never
    /// linted.
    fn is_settings(&self) -> bool {
        self.path
            .file_name()
            .is_some_and(|n| n == "metadata.toml" || n.to_string_lossy().ends_with(".conf"))
    }
}

/// The text of a tool's settings file (`metadata.toml`, a Flyway `.conf`):
/// an overlay's when one stands in for it, else the file's on disk.
pub(super) fn settings_text(path: &Path, overlays: &[Overlay]) -> Option<String> {
    match overlays.iter().find(|o| o.is(path)) {
        Some(overlay) => Some(String::from_utf8_lossy(&overlay.bytes).into_owned()),
        None => crate::input::read::marker_file(path),
    }
}

/// Whether an overlay stands in for `path`.
pub(super) fn overlaid(path: &Path, overlays: &[Overlay]) -> bool {
    overlays.iter().any(|o| o.is(path))
}

/// The folder of the root `file` belongs to, from its path: a `[[roots]]`
/// path above it, else its shape's (the grandparent of `<ts>_x/up.sql`,
/// `deploy/x.sql`, `delta/<N>/x.sql` and of a version folder's files),
/// else its own folder.
pub(super) fn root_dir_of(file: &Path, config: &Config) -> PathBuf {
    let dir = configured_root_above(file, config).unwrap_or_else(|| shape_root(file));
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}

fn shape_root(file: &Path) -> PathBuf {
    let parent = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !matches!(parent.components().next_back(), Some(Component::Normal(_))) {
        return shape_root_from_real(file, parent);
    }
    match parent.parent() {
        // A version folder is told by a look at it and beside it: last.
        Some(grandparent) if shaped_by_name(file) || versioned::is_version_folder(parent) => grandparent.to_path_buf(),
        // A base schema beside the folder of version folders it seeds.
        _ => versioned::seeded_root(file).unwrap_or_else(|| parent.to_path_buf()),
    }
}

/// The shape's root of a file named without its folder's name (`up.sql`
/// from inside its folder, `../x.sql`): found from the real folders, and
/// spelled from `parent` as the file is (`.`, `..`, `./other`).
fn shape_root_from_real(file: &Path, parent: &Path) -> PathBuf {
    let real_file = real_path(file);
    // A file at the filesystem's root (`/x.sql`) has no folder name even
    // when real: its folder is the root, not a shape to look for (and
    // `shape_root` of it would come back here forever).
    let named = |p: &Path| matches!(p.components().next_back(), Some(Component::Normal(_)));
    if !real_file.parent().is_some_and(named) {
        return parent.to_path_buf();
    }
    let (Some(real_parent), root) = (real_file.parent(), shape_root(&real_file)) else {
        return parent.to_path_buf();
    };
    // `join("")` would add a trailing separator.
    let joined = |base: PathBuf, rest: &Path| {
        if rest.as_os_str().is_empty() {
            base
        } else {
            base.join(rest)
        }
    };
    if let Ok(rest) = root.strip_prefix(real_parent) {
        return joined(parent.to_path_buf(), rest);
    }
    match real_parent.parent().map(|above| root.strip_prefix(above)) {
        Some(Ok(rest)) => joined(parent.join(".."), rest),
        _ => root,
    }
}

/// A file whose path alone puts it in the folder above its own: a Diesel
/// or Prisma script, a Sqitch script, a delta folder's file.
fn shaped_by_name(file: &Path) -> bool {
    let parent = file.parent().unwrap_or(Path::new("."));
    let folder = super::parent_name(file);
    let in_numbered_folder = folder.starts_with(|c: char| c.is_ascii_digit());
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let folder_script = in_numbered_folder && matches!(name.as_str(), "up.sql" | "down.sql" | "migration.sql");
    let sqitch_script = matches!(folder, "deploy" | "revert" | "verify");
    folder_script || sqitch_script || delta::is_delta_folder(parent)
}

/// A folder below a root whose files may belong to it, by its name.
fn may_hold_root_files(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_digit())
        || matches!(name, "deploy" | "revert" | "verify")
        || versioned::folder_version(name).is_some()
}

/// The nearest `[[roots]]` path of `config` above `file`, spelled as `file` is.
fn configured_root_above(file: &Path, config: &Config) -> Option<PathBuf> {
    if config.roots.is_empty() {
        return None;
    }
    let configured: Vec<PathBuf> = config.roots.iter().map(|r| real_path(&r.path)).collect();
    file.ancestors()
        .skip(1)
        .find(|a| configured.contains(&real_path(if a.as_os_str().is_empty() { Path::new(".") } else { a })))
        .map(Path::to_path_buf)
}

/// The `[[roots]]` entry for the folder `dir`, if the config names it.
pub(super) fn configured_root<'c>(dir: &Path, config: &'c Config) -> Option<&'c RootConfig> {
    if config.roots.is_empty() {
        return None;
    }
    let real = real_path(dir);
    config.roots.iter().find(|r| real_path(&r.path) == real)
}

/// What listing a root folder found.
#[derive(Default)]
pub(super) struct Listing {
    pub files: Vec<SqlFile>,
    /// Migrations written in code, directly in the folder (not read).
    pub code: Vec<(PathBuf, Language)>,
    /// Files a PostgreSQL variant replaces: (file, variant).
    pub replaced: Vec<(PathBuf, PathBuf)>,
    /// Dialect files for other databases (`x.sql.sqlite`), never read.
    pub other_dialects: usize,
    /// The sqlc config whose `queries:` name the whole folder: no root.
    pub queries_of: Option<PathBuf>,
    /// Query files sqlc's `queries:` name in the folder, left out, with
    /// the config that names each.
    pub query_files: Vec<(PathBuf, PathBuf)>,
    pub notices: Vec<String>,
    pub errors: Vec<DiscoverError>,
}

/// Lists and reads the files of the root in `dir`: everything below a
/// configured root; else the `.sql` files whose shape puts them in `dir`
/// (its own, and those of its numbered, version, delta and Sqitch
/// folders), with a root of version folders' base schema from the folder
/// above when it has none (never above `top`, the project's top). `report`
/// says whether skipped files are worth a notice (not for a neighbour).
pub(super) fn list_root(
    dir: &Path,
    config: &Config,
    configs: &Configs,
    overlays: &[Overlay],
    top: Option<&Path>,
    report: bool,
) -> Listing {
    let mut listing = Listing::default();
    let real_paths = configs.real_paths();
    let real_dir = real_paths.of(dir);
    let sqlc = Sqlc::around(&real_dir, top);
    if let Some(config) = sqlc.queries_folder(&real_dir) {
        listing.queries_of = Some(config.to_path_buf());
        return listing;
    }
    let mut paths = if configured_root(dir, config).is_some() {
        let walked = walk(dir, configs, WalkLimits { depth: None, report });
        listing.notices.extend(walked.notices);
        listing.errors.extend(walked.errors);
        walked.files.into_iter().collect()
    } else {
        shaped_files(dir, config, real_paths, report, &mut listing)
    };
    for overlay in overlays.iter().filter(|o| !o.is_settings()) {
        let belongs = real_paths.of(&root_dir_of(&overlay.path, config)) == real_dir;
        if belongs && !paths.iter().any(|p| overlay.is(p)) {
            paths.push(overlay.path.clone());
        }
    }
    let mut paths: Vec<PathBuf> = paths
        .into_iter()
        .filter(|path| match sqlc.query_file(&real_paths.of(path)) {
            Some(config) => {
                listing.query_files.push((path.clone(), config.to_path_buf()));
                false
            }
            None => true,
        })
        .collect();
    if let Some(top) = top {
        paths.extend(versioned::base_schema_above(dir, &paths, top));
    }
    let chosen = variants::choose_postgres(paths);
    listing.replaced = chosen.replaced;
    let paths = chosen.paths;
    let limit = config.max_file_size();
    let read: Vec<Result<SqlFile, DiscoverError>> = paths
        .into_par_iter()
        .map(|path| read_sql_file(path, limit, overlays))
        .collect();
    for result in read {
        match result {
            Ok(file) => listing.files.push(file),
            Err(error) => listing.errors.push(error),
        }
    }
    listing
}

fn read_sql_file(path: PathBuf, limit: u64, overlays: &[Overlay]) -> Result<SqlFile, DiscoverError> {
    if let Some(overlay) = overlays.iter().find(|o| o.is(&path)) {
        return Ok(SqlFile {
            path,
            bytes: overlay.bytes.clone(),
            too_large: None,
        });
    }
    match read::regular_file(&path, limit) {
        Ok(Content::Bytes(bytes)) => Ok(SqlFile {
            path,
            bytes,
            too_large: None,
        }),
        Ok(Content::TooLarge(too_large)) => Ok(SqlFile {
            path,
            bytes: Vec::new(),
            too_large: Some(too_large),
        }),
        Err(e) => Err(DiscoverError(format!("{}: {e}", display_path(&path)))),
    }
}

/// The `.sql` files directly in `dir`, and in the folders below it that a
/// tool's shape makes part of it (`<number>_x/`, version folders,
/// `delta/<N>/`, Sqitch's `deploy/`, `revert/`, `verify/`), in path order;
/// migrations written in code and other databases' files are noted.
fn shaped_files(
    dir: &Path,
    config: &Config,
    real_paths: &RealPaths,
    report: bool,
    listing: &mut Listing,
) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = Vec::new();
    let mut entries = entries_of(dir, real_paths, report, listing);
    entries.sort();
    for (path, kind) in entries {
        if config.excludes(&path) {
            continue;
        }
        match kind {
            EntryKind::Folder => {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if may_hold_root_files(name) {
                    folders.push(path);
                }
            }
            EntryKind::File if variants::is_other_dialect_sql(&path) => listing.other_dialects += 1,
            EntryKind::File => match code::language_of(&path, dir) {
                Some(language) => listing.code.push((path, language)),
                None => keep_if_shaped(dir, path, kind, true, report, listing, &mut found),
            },
            kind => keep_if_shaped(dir, path, kind, true, report, listing, &mut found),
        }
    }
    for folder in folders {
        // Told once per folder: all its files are the root's, or those its
        // names put there.
        let whole = delta::is_delta_folder(&folder) || versioned::is_version_folder(&folder);
        let mut entries = entries_of(&folder, real_paths, false, listing);
        entries.sort();
        for (path, kind) in entries {
            if kind == EntryKind::Folder || config.excludes(&path) {
                continue;
            }
            if whole && variants::is_other_dialect_sql(&path) {
                listing.other_dialects += 1;
            }
            let shaped = whole || shaped_by_name(&path);
            keep_if_shaped(dir, path, kind, shaped, report, listing, &mut found);
        }
    }
    found.sort();
    found
}

/// Keeps `path` when it is an SQL file the root runs: `shaped` for a file
/// below the root, else (a file in the root's folder) when its shape
/// leaves it there.
fn keep_if_shaped(
    dir: &Path,
    path: PathBuf,
    kind: EntryKind,
    shaped: bool,
    report: bool,
    listing: &mut Listing,
    found: &mut Vec<PathBuf>,
) {
    let in_dir = path.parent() == Some(dir);
    if !is_sql(&path) || !shaped || (in_dir && shape_root(&path) != dir) {
        return;
    }
    match kind {
        EntryKind::File => found.push(path),
        EntryKind::Special(kind) if report => listing.notices.push(format!(
            "{}: skipped, it is {kind}, not a regular file",
            display_path(&path)
        )),
        _ => {}
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EntryKind {
    File,
    Folder,
    Special(&'static str),
}

/// The entries of a folder by what they are (a symbolic link by what it
/// points to; a broken one is left out).
fn entries_of(dir: &Path, real_paths: &RealPaths, report: bool, listing: &mut Listing) -> Vec<(PathBuf, EntryKind)> {
    let entries = match real_paths.list(dir) {
        Ok(entries) => entries,
        // A folder that is not there yet (an editor's new file) holds nothing.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            if report {
                listing.errors.push(DiscoverError(format!(
                    "{}: cannot read directory: {e}",
                    display_path(dir)
                )));
            }
            return Vec::new();
        }
    };
    entries
        .into_iter()
        .filter_map(|(path, file_type)| {
            let mut file_type = file_type?;
            if file_type.is_symlink() {
                file_type = std::fs::metadata(&path).ok()?.file_type();
            }
            let kind = if file_type.is_dir() {
                EntryKind::Folder
            } else if file_type.is_file() {
                EntryKind::File
            } else {
                EntryKind::Special(read::special_kind(file_type).unwrap_or("not a regular file"))
            };
            Some((path, kind))
        })
        .collect()
}
