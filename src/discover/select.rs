//! From command-line paths to the scripts of a run: which migration roots
//! they fall in, which scripts the change holds, which earlier migrations
//! are replayed as history, and in which order they all run.
//!
//! - A folder is searched for migration roots; every script of every
//!   PostgreSQL root is checked, each migration as a change of its own (an
//!   audit), or with `--since`, only the scripts added or changed since the
//!   ref, as one change, after the rest replayed as history.
//! - A file named explicitly (pre-commit, editors) is checked as part of
//!   one change, after the migrations of its root that run before it
//!   (unless `--no-history`).
//! - Roots in MySQL or SQLite are listed in one notice and skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::git::{changes_since, GitChanges};
use super::layout::{self, MigrationRoot, Script};
use super::{display_path, expand, DiscoverError, Input};
use crate::config::Config;
use crate::layout::{Direction, GitState, Role, ScriptInfo};

/// What the user asked for beyond the paths.
#[derive(Clone, Debug, Default)]
pub struct SelectOptions {
    /// `--since`: judge only what changed since this git ref.
    pub since: Option<String>,
    /// `--no-history`: do not replay a named file's earlier migrations.
    pub no_history: bool,
    /// Config `check_down` (default true).
    pub check_down: bool,
    /// The content of `-` when it is not read from the standard input (an
    /// editor's unsaved buffer).
    pub stdin: Option<Vec<u8>>,
}

/// One script of the run, not read yet (stdin and deleted files carry no path to read).
#[derive(Clone, Debug)]
pub struct Selected {
    pub input: Input,
    /// The text the tool runs, when detection already read it; None: read `input`.
    pub bytes: Option<Vec<u8>>,
    pub script: ScriptInfo,
}

/// The run's scripts in the order they run, and how they form the change.
#[derive(Debug, Default)]
pub struct Selection {
    pub scripts: Vec<Selected>,
    /// All the scripts judged form one change (named files, `--since`);
    /// otherwise each is a change of its own.
    pub one_change: bool,
    /// Things worth telling the user once (skipped roots, guessed order).
    pub notices: Vec<String>,
    pub errors: Vec<DiscoverError>,
}

/// Selects the scripts for `args` (paths, folders, quoted globs, `-`).
pub fn select(args: &[String], stdin_name: &str, config: &Config, options: &SelectOptions) -> Selection {
    let mut selection = Selection::default();
    let mut roots: BTreeMap<PathBuf, MigrationRoot> = BTreeMap::new();
    // Per root: the scripts named explicitly, by canonical path.
    let mut named: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    let mut walked: BTreeSet<PathBuf> = BTreeSet::new();
    let mut loose: Vec<Input> = Vec::new();
    let mut stdin: Option<Input> = None;
    // Stdin named after a file of a root (an editor's buffer): it stands in
    // for that file, after the file's history.
    let mut stdin_for: Option<(PathBuf, Vec<u8>)> = None;
    let mut skipped: Vec<String> = Vec::new();

    for arg in args {
        let path = Path::new(arg);
        if arg == "-" {
            let stands_for = Path::new(stdin_name);
            match stands_for
                .is_file()
                .then(|| root_containing(stands_for, &mut roots, config))
                .flatten()
            {
                Some(dir) => match options.stdin.clone().map_or_else(read_stdin, Ok) {
                    Ok(bytes) => {
                        named.entry(dir).or_default().insert(canonical(stands_for));
                        stdin_for = Some((canonical(stands_for), bytes));
                    }
                    Err(e) => selection.errors.push(e),
                },
                None => stdin = Some(Input::Stdin(stdin_name.to_string())),
            }
        } else if path.is_dir() {
            let (found, errors) = layout::detect(path, config);
            selection.errors.extend(errors);
            if found.is_empty() {
                selection
                    .errors
                    .push(DiscoverError(format!("{arg}: no .sql files in this directory")));
            }
            for root in found {
                walked.insert(root.dir.clone());
                roots.entry(root.dir.clone()).or_insert(root);
            }
        } else {
            // Files and globs: each file is looked up in its root.
            let (inputs, errors) = expand(std::slice::from_ref(arg), stdin_name, config);
            selection.errors.extend(errors);
            for input in inputs {
                let Input::File(file) = &input else { continue };
                match root_containing(file, &mut roots, config) {
                    Some(dir) => {
                        named.entry(dir).or_default().insert(canonical(file));
                    }
                    None => loose.push(input),
                }
            }
        }
    }

    let git = match &options.since {
        Some(git_ref) => {
            let dir = roots.keys().next().cloned().unwrap_or_else(|| PathBuf::from("."));
            match changes_since(&dir, git_ref) {
                Ok(changes) => Some(changes),
                Err(message) => {
                    selection
                        .errors
                        .push(DiscoverError(format!("--since {git_ref}: {message}")));
                    return selection;
                }
            }
        }
        None => None,
    };
    // A walked folder is an audit, each migration its own change; named
    // files, or what changed since a ref, are one change.
    selection.one_change = options.since.is_some() || walked.is_empty();

    for (dir, root) in &roots {
        let shown = display_path(&relative_to_cwd(dir));
        selection
            .notices
            .extend(root.notices.iter().map(|n| format!("{shown}: {n}")));
        if !root.is_supported() {
            skipped.push(format!("{shown} ({}, {})", root.dialect, root.dialect_reason));
            continue;
        }
        let whole = walked.contains(dir);
        let named_here = named.get(dir);
        let mut scripts = root_scripts(root, whole, named_here, git.as_ref(), options);
        if let Some((file, bytes)) = &stdin_for {
            scripts = stand_in(root, scripts, file, stdin_name, bytes, options.check_down);
        }
        selection.scripts.extend(scripts);
    }
    if !skipped.is_empty() {
        selection.notices.push(format!(
            "skipped {} migration root{} in a dialect miglint does not check yet (only PostgreSQL): {}",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            skipped.join("; ")
        ));
    }
    for input in loose {
        let mut script = ScriptInfo::plain();
        if let (Some(git), Input::File(path)) = (&git, &input) {
            script.git = Some(git.state(path));
        }
        selection.scripts.push(Selected {
            input,
            bytes: None,
            script,
        });
    }
    if let Some(input) = stdin {
        selection.scripts.push(Selected {
            input,
            bytes: options.stdin.clone(),
            script: ScriptInfo::plain(),
        });
    }
    selection
}

/// The scripts of a root with stdin standing in for `file`: the scripts the
/// tool would run from the buffer replace those of the saved file, in their
/// place (up, then down), each keeping what the saved script's migration is.
fn stand_in(
    root: &MigrationRoot,
    scripts: Vec<Selected>,
    file: &Path,
    stdin_name: &str,
    bytes: &[u8],
    check_down: bool,
) -> Vec<Selected> {
    // Compared as real paths: a selected path is shown relative to the current folder.
    let is_file = |selected: &Selected| matches!(&selected.input, Input::File(path) if canonical(path) == file);
    let Some(at) = scripts.iter().position(is_file) else {
        return scripts;
    };
    let Some(saved) = root.scripts().find(|s| canonical(&s.path) == file) else {
        return scripts;
    };
    let template = scripts[at].script.clone();
    let mut buffer = layout::with_content(root.tool, saved, bytes.to_vec());
    buffer.retain(|s| check_down || s.direction != Some(Direction::Down));
    buffer.sort_by_key(|s| s.direction != Some(Direction::Up));
    let replaced = buffer.into_iter().map(|script| Selected {
        input: Input::Stdin(stdin_name.to_string()),
        script: ScriptInfo {
            direction: script.direction,
            verify: template.verify && script.direction.is_none(),
            transaction: script.transaction,
            opted_out: script.opted_out,
            segments: script.segments,
            ..template.clone()
        },
        bytes: Some(script.bytes),
    });
    let mut out: Vec<Selected> = Vec::with_capacity(scripts.len() + 1);
    let mut rest = scripts.into_iter().peekable();
    out.extend(rest.by_ref().take(at));
    out.extend(replaced);
    out.extend(rest.filter(|s| !is_file(s)));
    out
}

/// The root `file` belongs to, detected once per root: its key in `roots`.
fn root_containing(file: &Path, roots: &mut BTreeMap<PathBuf, MigrationRoot>, config: &Config) -> Option<PathBuf> {
    let wanted = canonical(file);
    let contains = |root: &MigrationRoot| {
        root.migrations
            .iter()
            .flat_map(|m| &m.scripts)
            .any(|s| canonical(&s.path) == wanted)
    };
    if let Some((dir, _)) = roots.iter().find(|(_, root)| contains(root)) {
        return Some(dir.clone());
    }
    let root = layout::root_of(file, config)?;
    if !contains(&root) {
        return None;
    }
    let dir = root.dir.clone();
    roots.insert(dir.clone(), root);
    Some(dir)
}

/// The scripts of one root the run needs, in the tool's order: all of them
/// for a walked root, else the named ones after their history.
fn root_scripts(
    root: &MigrationRoot,
    whole: bool,
    named: Option<&BTreeSet<PathBuf>>,
    git: Option<&GitChanges>,
    options: &SelectOptions,
) -> Vec<Selected> {
    let shown = display_path(&relative_to_cwd(&root.dir));
    let is_named = |script: &Script| named.is_some_and(|n| n.contains(&canonical(&script.path)));
    // Named files alone: the migrations after the last named one do not run before it.
    let last_named = root
        .migrations
        .iter()
        .rposition(|m| m.scripts.iter().any(is_named))
        .unwrap_or(0);
    let has_downs = root
        .migrations
        .iter()
        .any(|m| m.scripts.iter().any(|s| s.direction == Some(Direction::Down)));
    let mut out = Vec::new();
    for (order, migration) in root.migrations.iter().enumerate() {
        if !whole && order > last_named {
            break;
        }
        let has_down = migration.scripts.iter().any(|s| s.direction == Some(Direction::Down));
        for script in &migration.scripts {
            if script.direction == Some(Direction::Down) && !options.check_down {
                continue;
            }
            let state = git.map(|g| g.state(&script.path));
            let judged = whole || is_named(script);
            let role = match state {
                Some(GitState::Unchanged) => Role::History,
                _ if judged => Role::Change,
                _ => Role::History,
            };
            if role == Role::History && options.no_history {
                continue;
            }
            out.push(Selected {
                input: Input::File(relative_to_cwd(&script.path)),
                bytes: Some(script.bytes.clone()),
                script: ScriptInfo {
                    tool: root.tool,
                    root: shown.clone(),
                    direction: script.direction,
                    order: Some(order),
                    version: migration.version.clone(),
                    migration: Some(migration.name.clone()),
                    has_down: has_downs.then_some(has_down),
                    verify: script.direction.is_none() && root.tool == crate::layout::Tool::Sqitch,
                    transaction: script.transaction,
                    segments: script.segments.clone(),
                    opted_out: script.opted_out,
                    role,
                    git: state,
                },
            });
        }
    }
    if let Some(git) = git {
        for path in git.deleted_under(&root.dir) {
            if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql")) {
                continue;
            }
            let (migration, direction) = layout::migration_of(root.tool, &path);
            out.push(Selected {
                input: Input::File(relative_to_cwd(&path)),
                bytes: Some(Vec::new()),
                script: ScriptInfo {
                    tool: root.tool,
                    root: shown.clone(),
                    direction,
                    migration: Some(migration),
                    version: layout::version_of(root.tool, &path),
                    role: Role::Change,
                    git: Some(GitState::Deleted),
                    ..ScriptInfo::plain()
                },
            });
        }
    }
    out
}

fn read_stdin() -> Result<Vec<u8>, DiscoverError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| DiscoverError(format!("cannot read standard input: {e}")))?;
    Ok(bytes)
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|_| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// A path as short as the user would write it: an absolute path inside
/// the current folder becomes relative to it; others stay as they are.
fn relative_to_cwd(path: &Path) -> PathBuf {
    if !path.is_absolute() {
        return path.to_path_buf();
    }
    let Ok(cwd) = std::env::current_dir() else {
        return path.to_path_buf();
    };
    let real = canonical(path);
    let inside = [(path, cwd.clone()), (real.as_path(), canonical(&cwd))]
        .into_iter()
        .find_map(|(path, cwd)| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    inside
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf())
}
