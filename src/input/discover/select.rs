//! From command-line paths to the scripts of a run: which files are judged,
//! which migration roots they fall in, which earlier migrations are
//! replayed as history, and in which order they all run.
//!
//! One semantics whatever the way in: a folder, a quoted glob and a list of
//! names judge the files they name, each against the migrations of its root
//! that run before it; a folder walked adds nothing a list of its files
//! would not. With `--since REF` the judged files are those that differ from
//! the ref (found from git, not from a walk), all together one change, and
//! every migration of their roots is known to the history rules. stdin named
//! after a file (`--stdin-filename`, an editor's buffer) is that file's
//! content, saved or not: it belongs to the root its path lies in.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::configs::Configs;
use super::git::{changes_since, GitChanges};
use super::layout::variants::is_other_dialect_sql;
use super::layout::{Language, MigrationRoot, Overlay, RootFinder, Script};
use super::notices;
use super::top::RealPaths;
use super::walk::{is_sql, walk, WalkLimits, SKIPPED_DIRS};
use super::{display_path, relative_to_cwd, shown_path, DiscoverError, Input};
use crate::input::config::Config;
use crate::input::layout::{Direction, GitState, Role, RootSummary, RunnerTransaction, ScriptInfo};
use crate::input::read::Content;

/// What the user asked for beyond the paths.
#[derive(Clone, Debug, Default)]
pub(crate) struct SelectOptions {
    /// `--since`: judge only what changed since this git ref.
    pub since: Option<String>,
    /// `--no-history`: do not replay a named file's earlier migrations.
    pub no_history: bool,
    /// The content of `-` when it is not read from the standard input (an
    /// editor's unsaved buffer).
    pub stdin: Option<Vec<u8>>,
    /// Files whose content is given here instead of read (`check --diff`
    /// re-lints fixed text it does not write), by path as named.
    pub overlays: Vec<(PathBuf, Vec<u8>)>,
}

/// One script of the run, not read yet when `content` is None.
#[derive(Clone, Debug)]
pub(crate) struct Selected {
    pub input: Input,
    /// What the tool runs, when detection already read it.
    pub content: Option<Content>,
    pub script: ScriptInfo,
    /// The config that applies to the script (its root's).
    pub config: Arc<Config>,
}

/// The run's scripts in the order they run, and how they form the change.
#[derive(Debug, Default)]
pub(crate) struct Selection {
    pub scripts: Vec<Selected>,
    /// All the scripts judged form one change (`--since`); otherwise each
    /// is a change of its own, judged against what ran before it.
    pub one_change: bool,
    /// The roots the run judges, as detected.
    pub roots: Vec<RootSummary>,
    /// Things worth telling the user once (skipped roots, guessed order).
    pub notices: Vec<String>,
    pub errors: Vec<DiscoverError>,
}

/// Selects the scripts for `args` (paths, folders, quoted globs, `-`).
/// `stdin_name` is what `-` is called (`--stdin-filename`).
pub(crate) fn select(
    args: &[OsString],
    stdin_name: Option<&str>,
    configs: &Configs,
    options: &SelectOptions,
) -> Selection {
    let mut selection = Selection {
        one_change: options.since.is_some(),
        ..Selection::default()
    };
    let mut wanted = Wanted::new(configs.real_paths());
    let mut folders: Vec<PathBuf> = Vec::new();
    let mut stdin: Option<Vec<u8>> = None;
    for arg in args {
        if arg == "-" {
            match options.stdin.clone().map_or_else(read_stdin, Ok) {
                Ok(bytes) => stdin = Some(bytes),
                Err(e) => selection.errors.push(e),
            }
            continue;
        }
        expand(arg, configs, options, &mut wanted, &mut folders, &mut selection);
    }

    let git = match &options.since {
        Some(git_ref) => {
            let start = args
                .iter()
                .find(|a| *a != "-")
                .map_or_else(|| PathBuf::from("."), PathBuf::from);
            match changes_since(&start, git_ref) {
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
    if let Some(git) = &git {
        for folder in &folders {
            for file in git.present_under(folder).into_iter().chain(git.deleted_under(folder)) {
                if is_candidate(&file, folder, configs) {
                    wanted.add(file);
                }
            }
        }
    }

    // Other databases' dialect files, named or on stdin: never PostgreSQL's.
    let mut other_dialect: Vec<String> = Vec::new();
    // stdin named after a file the config leaves out is left out too, as
    // the file would be (an editor showing an excluded migration).
    if let Some(name) = stdin_name.filter(|_| stdin.is_some()) {
        let path = Path::new(name);
        if configs.for_file(path).is_ok_and(|c| c.excludes(path)) {
            selection
                .notices
                .push(format!("{name}: excluded by miglint.toml, not checked"));
            stdin = None;
        } else if is_other_dialect_sql(path) {
            other_dialect.push(name.to_string());
            stdin = None;
        }
    }
    // stdin named after a `.sql` file stands in for it, saved or not.
    let overlay = match (&stdin, stdin_name) {
        (Some(bytes), Some(name)) if is_sql(Path::new(name)) => Some(Overlay::new(Path::new(name), bytes.clone())),
        _ => None,
    };
    if let Some(overlay) = &overlay {
        wanted.add(overlay.path.clone());
    }

    let mut overlays: Vec<Overlay> = options
        .overlays
        .iter()
        .filter(|(path, _)| overlay.as_ref().is_none_or(|o| o.path != *path))
        .map(|(path, bytes)| Overlay::new(path, bytes.clone()))
        .collect();
    overlays.extend(overlay.clone());
    let mut finder = RootFinder::new(configs, overlays);
    let found = finder.roots_of(&wanted.files);
    selection.errors.extend(finder.take_errors());
    selection.notices.extend(finder.take_notices());
    selection.notices.extend(notices::sqlc_queries(&finder.take_queries()));

    // Per root (by its folder): the root and the real paths judged in it.
    let mut judged: BTreeMap<PathBuf, (Arc<MigrationRoot>, BTreeSet<PathBuf>)> = BTreeMap::new();
    // Files as the user spelled them, by real path: reported so.
    let real_paths = configs.real_paths();
    let spelled: HashMap<PathBuf, PathBuf> = found
        .iter()
        .map(|(file, _)| (real_paths.of(file), file.clone()))
        .collect();
    let mut loose: Vec<PathBuf> = Vec::new();
    let mut stdin_placed = false;
    // Each root's files by real path, worked out once per root.
    let mut files_of: HashMap<PathBuf, HashSet<PathBuf>> = HashMap::new();
    for (file, root) in found {
        let real = real_paths.of(&file);
        let mut in_root = |root: &MigrationRoot| {
            files_of
                .entry(root.dir.clone())
                .or_insert_with(|| root.scripts().map(|s| real_paths.of(&s.path)).collect())
                .contains(&real)
        };
        // A file a PostgreSQL variant replaces stands for the variant.
        let replaced_by = |root: &MigrationRoot| {
            let variant = root
                .replaced
                .iter()
                .find(|(replaced, _)| real_paths.of(replaced) == real)?;
            Some(real_paths.of(&variant.1))
        };
        match root {
            Some(root) if in_root(&root) || is_deleted(&git, &file) => {
                stdin_placed |= overlay.as_ref().is_some_and(|o| o.real() == real);
                judged
                    .entry(root.dir.clone())
                    .or_insert_with(|| (root.clone(), BTreeSet::new()))
                    .1
                    .insert(real);
            }
            Some(root) => {
                if let Some(variant) = replaced_by(&root) {
                    judged
                        .entry(root.dir.clone())
                        .or_insert_with(|| (root.clone(), BTreeSet::new()))
                        .1
                        .insert(variant);
                }
            }
            // Another database's dialect file (`x.sql.sqlite`), named explicitly.
            None if is_other_dialect_sql(&file) => other_dialect.push(display_path(&file)),
            // In no root: not a `.sql` file (named explicitly), or a file
            // its root could not read (already an error).
            None if !is_sql(&file) && file.exists() => loose.push(file),
            _ => {}
        }
    }

    for (root, judged_here) in judged.values() {
        let shown = display_path(&relative_to_cwd(&root.dir));
        selection
            .notices
            .extend(root.notices.iter().map(|n| format!("{shown}: {n}")));
        let config = configs.for_dir(&root.dir).unwrap_or_default();
        let context = RootContext {
            root,
            shown,
            judged: judged_here,
            git: git.as_ref(),
            options,
            config: &config,
            stdin: overlay.as_ref().map(|o| (o.real(), stdin_name.unwrap_or("<stdin>"))),
            spelled: &spelled,
            real_paths,
        };
        let scripts = context.scripts();
        // Named files that git says are unchanged, or a base schema, leave
        // nothing to judge.
        if scripts.iter().all(|s| s.script.role == Role::History) {
            if let Some(base) = root.base_schema.as_deref() {
                if judged_here.contains(&real_paths.of(base)) {
                    selection.notices.push(notices::base_schema(&context.shown, base));
                }
            }
            continue;
        }
        let last_judged = scripts
            .iter()
            .filter(|s| s.script.role == Role::Change)
            .filter_map(|s| s.script.order)
            .max();
        selection
            .notices
            .extend(last_judged.and_then(|last| notices::code_before(&context.shown, &root.code, last)));
        selection.roots.push(summary(&context));
        selection.scripts.extend(scripts);
    }
    selection.notices.extend(notices::other_databases(&other_dialect));
    for path in loose {
        let config = configs.for_file(&path).unwrap_or_default();
        let mut script = ScriptInfo::plain();
        if let Some(git) = &git {
            script.git = Some(git.state(&path));
        }
        selection.scripts.push(Selected {
            input: Input::File(path),
            content: None,
            script,
            config,
        });
    }
    if let (Some(bytes), false) = (stdin, stdin_placed) {
        let name = stdin_name.unwrap_or("<stdin>");
        let config = configs.for_file(Path::new(name)).unwrap_or_default();
        selection.scripts.push(Selected {
            input: Input::Stdin(name.to_string()),
            content: Some(Content::Bytes(bytes)),
            script: ScriptInfo::plain(),
            config,
        });
    }
    selection
}

/// The files to judge, each once (by real path), in the order first named.
struct Wanted<'a> {
    files: Vec<PathBuf>,
    seen: BTreeSet<PathBuf>,
    /// The run's real paths.
    real_paths: &'a RealPaths,
}

impl<'a> Wanted<'a> {
    fn new(real_paths: &'a RealPaths) -> Wanted<'a> {
        Wanted {
            files: Vec::new(),
            seen: BTreeSet::new(),
            real_paths,
        }
    }

    fn add(&mut self, file: PathBuf) {
        if self.seen.insert(self.real_paths.of(&file)) {
            self.files.push(file);
        }
    }
}

/// One argument: a folder (walked for `.sql` files, or with `--since` left
/// for git to say what changed in it), a file, or a quoted glob.
fn expand(
    arg: &OsStr,
    configs: &Configs,
    options: &SelectOptions,
    wanted: &mut Wanted<'_>,
    folders: &mut Vec<PathBuf>,
    selection: &mut Selection,
) {
    let path = Path::new(arg);
    let shown = arg.to_string_lossy();
    // A file that is no symbolic link is known to the run's real paths
    // without asking again.
    let metadata = std::fs::symlink_metadata(path).and_then(|m| {
        if m.file_type().is_symlink() {
            std::fs::metadata(path)
        } else {
            configs.real_paths().note_plain(path);
            Ok(m)
        }
    });
    if metadata.as_ref().is_ok_and(|m| m.is_dir()) {
        if options.since.is_some() {
            folders.push(path.to_path_buf());
            return;
        }
        let walked = walk(path, configs, WalkLimits::ALL);
        selection.notices.extend(walked.notices);
        let nothing = walked.files.is_empty() && walked.errors.is_empty();
        selection.errors.extend(walked.errors);
        if nothing {
            selection
                .errors
                .push(DiscoverError(format!("{shown}: no .sql files in this directory")));
        }
        for file in walked.files {
            wanted.add(file);
        }
        return;
    }
    if let Ok(metadata) = metadata {
        if !metadata.is_file() {
            let kind = crate::input::read::special_kind(metadata.file_type()).unwrap_or("not a regular file");
            selection.errors.push(DiscoverError(format!(
                "{shown}: not a regular file ({kind}); pipe it to `miglint check -` instead"
            )));
            return;
        }
        // A file named explicitly is linted whatever its extension, unless
        // the config excludes it (pre-commit passes every staged file).
        if !configs.for_file(path).is_ok_and(|c| c.excludes(path)) {
            wanted.add(path.to_path_buf());
        }
        return;
    }
    // A glob is text: a name that is not UTF-8 is a path or nothing.
    let Some(pattern) = arg.to_str().filter(|a| a.contains(['*', '?', '['])) else {
        selection
            .errors
            .push(DiscoverError(format!("{shown}: no such file or directory")));
        return;
    };
    let paths = match glob::glob(pattern) {
        Ok(paths) => paths,
        Err(e) => {
            selection
                .errors
                .push(DiscoverError(format!("{shown}: invalid glob pattern: {e}")));
            return;
        }
    };
    // A glob through a symbolic link loop (`tree/**/*.sql` with
    // `tree/a/loop -> ..`) matches one file under many spellings, as deep
    // as the system resolves: each file once, under its shortest.
    let mut entries: Vec<Result<PathBuf, glob::GlobError>> = paths.collect();
    entries.sort_by_key(|entry| entry.as_ref().map_or(0, |p| p.components().count()));
    let mut seen = HashSet::new();
    entries.retain(|entry| entry.as_ref().map_or(true, |p| seen.insert(configs.real_paths().of(p))));
    let mut matched = 0;
    for entry in entries {
        match entry {
            Ok(p) if p.is_dir() => {}
            Ok(p) if !crate::input::read::is_regular_file(&p) => selection
                .notices
                .push(format!("{}: skipped, it is not a regular file", display_path(&p))),
            Ok(p) => {
                if !configs.for_file(&p).is_ok_and(|c| c.excludes(&p)) {
                    matched += 1;
                    wanted.add(p);
                }
            }
            Err(e) => selection
                .errors
                .push(DiscoverError(format!("{}: {}", e.path().display(), e.error()))),
        }
    }
    if matched == 0 {
        selection
            .errors
            .push(DiscoverError(format!("{shown}: no files match this pattern")));
    }
}

/// A file git names under a folder argument that a walk of the folder
/// would have found: `.sql`, outside skipped folders, not excluded, and a
/// regular file unless it is gone.
fn is_candidate(file: &Path, folder: &Path, configs: &Configs) -> bool {
    let real_folder = configs.real_paths().of(folder);
    let inside = file.strip_prefix(&real_folder).unwrap_or(file);
    let in_skipped = inside
        .components()
        .any(|c| SKIPPED_DIRS.iter().any(|s| c.as_os_str() == *s));
    is_sql(file)
        && !in_skipped
        && (!file.exists() || crate::input::read::is_regular_file(file))
        && !configs.for_file(file).is_ok_and(|c| c.excludes(file))
}

fn is_deleted(git: &Option<GitChanges>, file: &Path) -> bool {
    git.as_ref().is_some_and(|g| g.state(file) == GitState::Deleted)
}

/// One root of the run and what the run asks of it.
struct RootContext<'a> {
    root: &'a MigrationRoot,
    shown: String,
    /// Real paths of the root's files to judge.
    judged: &'a BTreeSet<PathBuf>,
    git: Option<&'a GitChanges>,
    options: &'a SelectOptions,
    config: &'a Arc<Config>,
    /// The file stdin stands in for (real path), and the name it is reported under.
    stdin: Option<(&'a Path, &'a str)>,
    /// Files named or walked, as spelled, by real path.
    spelled: &'a HashMap<PathBuf, PathBuf>,
    real_paths: &'a RealPaths,
}

impl RootContext<'_> {
    /// The scripts of the root the run needs, in the tool's order: those
    /// judged, after the migrations before them replayed as history. Without
    /// `--since`, the migrations after the last judged one do not run before
    /// it and are left out; with it, every migration of the root is there
    /// for the history rules (a new migration older than an applied one).
    fn scripts(&self) -> Vec<Selected> {
        let root = self.root;
        let real: HashMap<&Path, PathBuf> = root
            .scripts()
            .map(|s| (s.path.as_path(), self.real_paths.of(&s.path)))
            .collect();
        let is_judged = |script: &Script| self.judged.contains(&real[script.path.as_path()]);
        let last_judged = root
            .migrations
            .iter()
            .rposition(|m| m.scripts.iter().any(is_judged))
            .unwrap_or(0);
        let has_downs = root.scripts().any(|s| s.direction == Some(Direction::Down));
        let check_down = self.config.check_down.unwrap_or(true);
        let mut out = Vec::new();
        for (order, migration) in root.migrations.iter().enumerate() {
            if self.git.is_none() && order > last_judged {
                break;
            }
            let has_down = migration.scripts.iter().any(|s| s.direction == Some(Direction::Down));
            let migration_judged = migration.scripts.iter().any(is_judged);
            for script in &migration.scripts {
                if script.direction == Some(Direction::Down) && !check_down {
                    continue;
                }
                let real_script = &real[script.path.as_path()];
                let state = self.git.map(|g| g.state_of_real(real_script));
                let role = match state {
                    Some(GitState::Unchanged) => Role::History,
                    // The base schema is what production has: never new.
                    _ if root.base_schema.as_ref() == Some(&script.path) => Role::History,
                    _ if is_judged(script) => Role::Change,
                    // Another up file of a migration being judged.
                    _ if migration_judged && script.direction == Some(Direction::Up) => Role::Companion,
                    _ => Role::History,
                };
                if role == Role::History && self.options.no_history {
                    continue;
                }
                let input = match self.stdin {
                    Some((file, name)) if file == real_script => Input::Stdin(name.to_string()),
                    _ => match self.spelled.get(real_script) {
                        Some(spelled) => Input::File(self.real_paths.relative_to_cwd(spelled)),
                        None => Input::File(self.real_paths.relative_to_cwd(&script.path)),
                    },
                };
                let content = match script.too_large {
                    Some(too_large) => Content::TooLarge(too_large),
                    None => Content::Bytes(script.bytes.clone()),
                };
                out.push(Selected {
                    input,
                    content: Some(content),
                    script: ScriptInfo {
                        tool: root.tool,
                        dialect: root.dialect,
                        root: self.shown.clone(),
                        direction: script.direction,
                        order: Some(order),
                        version: migration.version.clone(),
                        migration: Some(migration.name.clone()),
                        has_down: has_downs.then_some(has_down),
                        verify: script.direction.is_none() && root.tool == crate::input::layout::Tool::Sqitch,
                        transaction: script.transaction,
                        segments: script.segments.clone(),
                        opted_out: script.opted_out,
                        settings_file: script.settings_file,
                        sibling_holds_several: script.sibling_holds_several,
                        role,
                        git: state,
                    },
                    config: self.config.clone(),
                });
            }
        }
        if let Some(git) = self.git {
            for path in git.deleted_under(&root.dir) {
                if !is_sql(&path) {
                    continue;
                }
                let (migration, direction) = super::layout::migration_of(root.tool, &path);
                out.push(Selected {
                    input: Input::File(self.real_paths.relative_to_cwd(&path)),
                    content: Some(Content::Bytes(Vec::new())),
                    script: ScriptInfo {
                        tool: root.tool,
                        dialect: root.dialect,
                        root: self.shown.clone(),
                        direction,
                        migration: Some(migration),
                        version: super::layout::version_of(root.tool, &path),
                        role: Role::Change,
                        git: Some(GitState::Deleted),
                        ..ScriptInfo::plain()
                    },
                    config: self.config.clone(),
                });
            }
        }
        out
    }
}

/// What was detected of the root, for the line that opens the output.
fn summary(context: &RootContext<'_>) -> RootSummary {
    let root = context.root;
    let ups = || root.scripts().filter(|s| s.direction == Some(Direction::Up));
    let transaction = ups()
        .find(|s| !s.opted_out)
        .map_or(RunnerTransaction::None, |s| s.transaction);
    RootSummary {
        dir: context.shown.clone(),
        tool: root.tool,
        tool_reason: root.tool_reason.clone(),
        tool_configured: root.tool_configured,
        dialect: root.dialect,
        dialect_reason: root.dialect_reason.clone(),
        transaction,
        opted_out: ups().filter(|s| s.opted_out).count(),
        migrations: root.migrations.len() - usize::from(root.base_schema.is_some()),
        base_schema: root.base_schema.as_deref().map(shown_path),
        code_migrations: [Language::Go, Language::Python]
            .into_iter()
            .map(|language| {
                let count = root.code.iter().filter(|c| c.language == language).count();
                (language.name().to_string(), count)
            })
            .filter(|(_, count)| *count > 0)
            .collect(),
    }
}

fn read_stdin() -> Result<Vec<u8>, DiscoverError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| DiscoverError(format!("cannot read standard input: {e}")))?;
    Ok(bytes)
}
