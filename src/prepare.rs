//! From what a user asked for (paths, options) to a run the engine can
//! take: the one path shared by the command line and the language server,
//! so an editor sees what `miglint check` would say. Every file is judged
//! with the settings of the config that applies to it (the nearest
//! `miglint.toml` above its root, or `--config`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::analysis::{Catalog, LockMode, TransactionMode};
use crate::diagnostic::FailOn;
use crate::input::config::{self, Config};
use crate::input::discover::configs::Configs;
use crate::input::discover::select::{SelectOptions, Selected};
use crate::input::discover::{self, Input};
use crate::input::layout::{RootSummary, Tool};
use crate::input::read::{self, Content};
use crate::input::source::SourceFile;
use crate::report::baseline::Baseline;
use crate::report::engine::{history_catalog, ChangeScope, RunInput};
use crate::report::FileReport;
use crate::rules;
use crate::settings::{CustomRule, Settings, Snapshot, TableSizes, DEFAULT_PG_VERSION, SNAPSHOT_VERSION};

/// What a run is asked to do: the command-line options of `check` and `plan`.
#[derive(Clone, Debug, Default)]
pub struct RunRequest {
    /// Files, directories or globs; `-` is the standard input (or `stdin`).
    /// Not necessarily UTF-8: a file name is whatever the system allows.
    pub paths: Vec<std::ffi::OsString>,
    /// The configuration file for every file; None: the nearest
    /// `miglint.toml` above each file's root.
    pub config: Option<PathBuf>,
    pub pg_version: Option<u32>,
    pub fail_on: Option<FailOn>,
    pub schema: Option<PathBuf>,
    pub assume_in_transaction: bool,
    pub tool: Option<Tool>,
    pub since: Option<String>,
    pub no_history: bool,
    pub assume_lock_timeout: bool,
    /// The name `-` is reported under, and the file it stands in for.
    pub stdin_filename: Option<String>,
    /// `ID=error|warning|off`, over the config's `[rules]`.
    pub rules: Vec<String>,
    /// The content of `-` when it does not come from the standard input (an
    /// editor's unsaved buffer).
    pub stdin: Option<Vec<u8>>,
    /// `--baseline`: the baseline file for every file, over config `baseline`.
    pub baseline: Option<PathBuf>,
    /// `--stats`: the snapshot of table sizes for every file, over config `stats`.
    pub stats: Option<PathBuf>,
    /// Files whose content is given here rather than read from disk, by
    /// path (`check --diff` re-lints the fixed text it does not write).
    pub overlays: Vec<(PathBuf, Vec<u8>)>,
}

/// Something to tell the user about a run, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// An input could not be used; the rest still ran.
    Error(String),
    Note(String),
}

/// A run ready to go: its inputs, each with its settings.
pub struct PreparedRun {
    pub inputs: Vec<RunInput>,
    /// The settings where the run starts (the current folder, or the file
    /// stdin stands in for): what a report shows as the run's.
    pub settings: Arc<Settings>,
    pub scope: ChangeScope,
    /// The migration roots judged, as detected.
    pub roots: Vec<RootSummary>,
    pub messages: Vec<Message>,
}

impl PreparedRun {
    /// Some input could not be used: `check` exits 2 once the rest is reported.
    pub fn failed(&self) -> bool {
        self.messages.iter().any(|m| matches!(m, Message::Error(_)))
    }
}

/// Finds the configs, the inputs and their settings, and reads the inputs.
/// Problems with single inputs (an unreadable file, an invalid config that
/// applies to some of them) become messages and the rest still runs; a run
/// that cannot start at all (no path, a bad `--config`, `--rule` or schema)
/// is an error.
pub fn prepare(request: &RunRequest) -> Result<PreparedRun, String> {
    if request.paths.is_empty() {
        return Err("no input: give migration files, directories or quoted globs (or `-` for stdin)".into());
    }
    validate_rule_flags(&request.rules)?;
    let configs = Configs::new(request.config.as_deref(), request.tool).map_err(|e| e.to_string())?;
    let options = SelectOptions {
        since: request.since.clone(),
        no_history: request.no_history,
        stdin: request.stdin.clone(),
        overlays: request.overlays.clone(),
    };
    let selection = discover::select::select(&request.paths, request.stdin_filename.as_deref(), &configs, &options);
    let mut messages: Vec<Message> = Vec::new();
    // A file a walk skipped may be skipped again by the listing of its root: say it once.
    let told = selection
        .errors
        .iter()
        .map(|e| Message::Error(e.to_string()))
        .chain(selection.notices.iter().cloned().map(Message::Note));
    for message in told {
        if !messages.contains(&message) {
            messages.push(message);
        }
    }

    let mut resolver = SettingsResolver::new(request);
    let start = request
        .stdin_filename
        .as_deref()
        .and_then(|name| Path::new(name).parent())
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // The settings shown for the run; an invalid config here is reported
    // where it applies to a file, not for the run as a whole.
    let start_config = configs.for_dir(start).unwrap_or_default();
    let settings = resolver
        .settings(&start_config)
        .unwrap_or_else(|_| Settings::shared_default());
    // A config that cannot be resolved (an unknown rule id, an unreadable
    // schema) leaves its files unjudged, as an invalid config does: said
    // once, the rest still runs.
    type Schema = Option<Arc<Catalog>>;
    let mut selected: Vec<(Selected, Arc<Settings>, Schema)> = Vec::new();
    for script in selection.scripts {
        let resolved = resolver
            .settings(&script.config)
            .and_then(|settings| Ok((settings, resolver.schema_for(&script.config)?)));
        match resolved {
            Ok((settings, schema)) => selected.push((script, settings, schema)),
            Err(message) => {
                if !messages.contains(&Message::Error(message.clone())) {
                    messages.push(Message::Error(message));
                }
            }
        }
    }
    let read: Vec<Result<RunInput, String>> = selected
        .into_par_iter()
        .map(|(selected, settings, schema)| {
            let overlay = match &selected.input {
                Input::File(path) => request.overlays.iter().find(|(p, _)| p == path),
                Input::Stdin(_) => None,
            };
            let content = match (selected.content, overlay) {
                (_, Some((_, bytes))) => Content::Bytes(bytes.clone()),
                (Some(content), None) => content,
                (None, None) => read_input(&selected.input, selected.config.max_file_size())?,
            };
            Ok(RunInput {
                path: selected.input.display(),
                content,
                script: selected.script,
                settings,
                schema,
            })
        })
        .collect();
    let mut inputs = Vec::with_capacity(read.len());
    for result in read {
        match result {
            Ok(input) => inputs.push(input),
            Err(message) => messages.push(Message::Error(message)),
        }
    }
    let scope = if selection.one_change {
        ChangeScope::AllFiles
    } else {
        ChangeScope::EachMigration
    };
    Ok(PreparedRun {
        inputs,
        settings,
        scope,
        roots: selection.roots,
        messages,
    })
}

fn read_input(input: &Input, limit: u64) -> Result<Content, String> {
    match input {
        Input::File(path) => {
            read::regular_file(path, limit).map_err(|e| format!("{}: {e}", discover::display_path(path)))
        }
        // Selection reads stdin once, before anything else.
        Input::Stdin(name) => Err(format!("{name}: standard input was not read")),
    }
}

fn validate_rule_flags(flags: &[String]) -> Result<(), String> {
    for flag in flags {
        parse_rule_flag(flag)?;
    }
    Ok(())
}

fn parse_rule_flag(flag: &str) -> Result<(&str, Option<crate::diagnostic::Severity>), String> {
    let (id, level) = flag
        .split_once('=')
        .ok_or_else(|| format!("--rule {flag:?}: expected ID=error|warning|off"))?;
    if rules::find(id).is_none() {
        return Err(format!(
            "--rule {flag:?}: unknown rule `{id}`{} (see `miglint rules`)",
            rules::did_you_mean(id)
        ));
    }
    let level = config::parse_rule_level(level)
        .ok_or_else(|| format!("--rule {flag:?}: level must be error, warning, info or off"))?;
    Ok((id, level))
}

/// `[[custom_rules]]` with their lock modes checked against PostgreSQL's.
fn checked_custom_rules(config: &Config) -> Result<Arc<[CustomRule]>, String> {
    for rule in &config.custom_rules {
        if let Some(lock) = rule.lock.as_deref().filter(|lock| LockMode::parse(lock).is_none()) {
            let modes: Vec<&str> = LockMode::ALL.iter().map(|mode| mode.name()).collect();
            return Err(format!(
                "{}: custom rule `{}`: unknown lock mode {lock:?}; expected one of {}",
                rule.at,
                rule.id,
                modes.join(", ")
            ));
        }
    }
    Ok(config.custom_rules.iter().cloned().collect())
}

/// The settings of each config, resolved once: the request's options over
/// the config's, key by key; the schema dump read once per path.
struct SettingsResolver<'r> {
    request: &'r RunRequest,
    by_config: HashMap<Option<PathBuf>, Arc<Settings>>,
    schemas: HashMap<PathBuf, Arc<Catalog>>,
    snapshots: HashMap<PathBuf, Arc<Snapshot>>,
}

impl<'r> SettingsResolver<'r> {
    fn new(request: &'r RunRequest) -> Self {
        SettingsResolver {
            request,
            by_config: HashMap::new(),
            schemas: HashMap::new(),
            snapshots: HashMap::new(),
        }
    }

    fn settings(&mut self, config: &Config) -> Result<Arc<Settings>, String> {
        if let Some(settings) = self.by_config.get(&config.path) {
            return Ok(settings.clone());
        }
        let request = self.request;
        let pg_version = request.pg_version.or(config.pg_version).unwrap_or(DEFAULT_PG_VERSION);
        let mut settings = Settings::new(pg_version);
        if let Some(version) = config.sqlite_version {
            settings.sqlite_version = version;
        }
        if let Some(server) = config.mysql_server {
            settings.mysql_server = server;
        }
        settings.fail_on = request.fail_on.or(config.fail_on).unwrap_or_default();
        config
            .check_rule_ids(|id| rules::find(id).is_some(), rules::did_you_mean)
            .map_err(|e| e.to_string())?;
        if let Some(required) = config.require_reason {
            let meta = &rules::suppression_without_reason::META;
            settings.set_rule(meta.id, required.then_some(meta.default_severity));
        }
        for rule in &config.rules {
            settings.set_rule(&rule.id, rule.level);
        }
        for flag in &request.rules {
            let (id, level) = parse_rule_flag(flag)?;
            settings.set_rule(id, level);
        }
        settings.transaction = if request.assume_in_transaction {
            Some(TransactionMode::PerFile)
        } else {
            config.transaction
        };
        settings.assume_lock_timeout = request.assume_lock_timeout || config.assume_lock_timeout.unwrap_or(false);
        if let Some(ms) = config.max_lock_timeout_ms {
            settings.max_lock_timeout_ms = ms;
        }
        if let Some(zone) = config.time_zone {
            settings.time_zone = zone;
        }
        settings.max_file_size = config.max_file_size();
        settings.placeholders = crate::settings::Placeholders {
            values: config.placeholders.clone(),
            patterns: config.placeholder_patterns.clone(),
        };
        settings.owners = config.owners.clone();
        settings.naming = Arc::new(config.naming.clone());
        settings.custom_rules = checked_custom_rules(config)?;
        settings.sizes = TableSizes {
            declared: config.tables.clone(),
            snapshot: self.snapshot_for(config)?,
            estimates: config.estimates,
        };
        settings.baseline = request.baseline.clone().or_else(|| config.baseline.clone());
        let settings = Arc::new(settings);
        self.by_config.insert(config.path.clone(), settings.clone());
        Ok(settings)
    }

    /// `--schema`, else config `schema`: the production schema the files of
    /// `config` start from.
    fn schema_for(&mut self, config: &Config) -> Result<Option<Arc<Catalog>>, String> {
        match self.request.schema.as_ref().or(config.schema.as_ref()) {
            Some(path) => self.schema(path).map(Some),
            None => Ok(None),
        }
    }

    /// `--stats`, else config `stats`: the snapshot of the production
    /// tables for the files of `config`, read once per path.
    fn snapshot_for(&mut self, config: &Config) -> Result<Option<Arc<Snapshot>>, String> {
        let Some(path) = self.request.stats.as_ref().or(config.stats.as_ref()) else {
            return Ok(None);
        };
        if let Some(snapshot) = self.snapshots.get(path) {
            return Ok(Some(snapshot.clone()));
        }
        let snapshot = Arc::new(read_snapshot(path)?);
        self.snapshots.insert(path.clone(), snapshot.clone());
        Ok(Some(snapshot))
    }

    /// A schema dump read into a catalog, once per path.
    fn schema(&mut self, path: &Path) -> Result<Arc<Catalog>, String> {
        if let Some(catalog) = self.schemas.get(path) {
            return Ok(catalog.clone());
        }
        let cannot = |why: String| format!("{}: cannot read schema: {why}", path.display());
        let bytes = match read::regular_file(path, u64::MAX) {
            Ok(content) => content.bytes().to_vec(),
            Err(read::ReadError::Io(e)) => return Err(cannot(e.to_string())),
            Err(e) => return Err(cannot(e.to_string())),
        };
        let text = String::from_utf8(bytes).map_err(|_| format!("{}: the schema is not UTF-8 text", path.display()))?;
        let catalog = Arc::new(history_catalog(&SourceFile::new(path.display().to_string(), text)));
        self.schemas.insert(path.to_path_buf(), catalog.clone());
        Ok(catalog)
    }
}

/// Silences the findings each file's baseline lists (`--baseline`, config
/// `baseline`): each baseline file read once, its paths relative to its
/// own folder. What went wrong reading one, or entries that matched nothing,
/// come back as messages.
pub fn apply_baselines(files: &mut [FileReport]) -> Vec<Message> {
    let mut messages = Vec::new();
    let mut paths: Vec<PathBuf> = files.iter().filter_map(|f| f.baseline.clone()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let shown = discover::display_path(&path);
        let text = match read::regular_file(&path, u64::MAX) {
            Ok(content) => String::from_utf8_lossy(content.bytes()).into_owned(),
            Err(e) => {
                messages.push(Message::Error(format!(
                    "{shown}: cannot read the baseline: {e} (write it with `miglint baseline`)"
                )));
                continue;
            }
        };
        let baseline = match Baseline::parse(&text, &shown) {
            Ok(baseline) => baseline,
            Err(message) => {
                messages.push(Message::Error(message));
                continue;
            }
        };
        let dir = folder_of(&path);
        let mine: Vec<&mut FileReport> = files
            .iter_mut()
            .filter(|f| f.baseline.as_ref() == Some(&path))
            .collect();
        let applied = baseline.apply(mine, |file| path_from(dir, file.path()));
        if applied.stale > 0 {
            messages.push(Message::Note(format!(
                "{shown}: {} of its findings no longer occur (fixed, or in files not checked); `miglint baseline` writes it anew",
                applied.stale
            )));
        }
    }
    messages
}

/// The folder a baseline's paths are relative to: its own.
pub(crate) fn folder_of(baseline: &Path) -> &Path {
    baseline
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A file's path as seen from `dir` (the baseline's folder), with `/`.
pub(crate) fn path_from(dir: &Path, path: &str) -> String {
    let real = crate::input::discover::top::real_path(Path::new(path));
    let base = crate::input::discover::top::real_path(dir);
    real.strip_prefix(&base)
        .map(discover::display_path)
        .unwrap_or_else(|_| discover::display_path(&real))
}

/// A snapshot `miglint stats` wrote; Err says why it cannot be used.
fn read_snapshot(path: &Path) -> Result<Snapshot, String> {
    /// Far above the snapshot of a database with 100,000 tables.
    const MAX_SNAPSHOT_SIZE: u64 = 256 << 20;
    let cannot = |why: String| format!("{}: cannot read stats snapshot: {why}", path.display());
    let bytes = match read::regular_file(path, MAX_SNAPSHOT_SIZE) {
        Ok(read::Content::Bytes(bytes)) => bytes,
        Ok(read::Content::TooLarge(_)) => return Err(cannot("larger than 256 MiB".into())),
        Err(read::ReadError::Io(e)) => return Err(cannot(e.to_string())),
        Err(e) => return Err(cannot(e.to_string())),
    };
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| cannot(e.to_string()))?;
    let version = value.get("version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(SNAPSHOT_VERSION)) {
        return Err(cannot(format!(
            "format version {} is not {SNAPSHOT_VERSION}; take it again with this miglint's `miglint stats`",
            version.map_or("missing".to_string(), |v| v.to_string())
        )));
    }
    serde_json::from_value(value).map_err(|e| cannot(e.to_string()))
}
