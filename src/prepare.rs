//! From what a user asked for (paths, options, the config that applies) to a
//! run the engine can take: the one path shared by the command line and the
//! language server, so an editor sees what `miglint check` would say.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::analysis::{Catalog, TransactionMode};
use crate::config::{self, Config};
use crate::discover::select::SelectOptions;
use crate::discover::{self, Input};
use crate::engine::{history_catalog, ChangeScope, RunInput, Settings, DEFAULT_PG_VERSION};
use crate::layout::Tool;
use crate::rules;
use crate::source::SourceFile;

/// What a run is asked to do: the command-line options of `check` and `plan`.
#[derive(Clone, Debug, Default)]
pub struct RunRequest {
    /// Files, directories or globs; `-` is the standard input (or `stdin`).
    pub paths: Vec<String>,
    /// The configuration file; None: `miglint.toml` nearest above
    /// `stdin_filename`, or above the current folder.
    pub config: Option<PathBuf>,
    pub pg_version: Option<u32>,
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
}

/// Something to tell the user about a run, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// An input could not be used; the rest still ran.
    Error(String),
    Note(String),
}

/// A run ready to go: its inputs and resolved settings.
pub struct PreparedRun {
    pub inputs: Vec<RunInput>,
    pub history: Option<Catalog>,
    pub settings: Settings,
    pub config: Config,
    pub scope: ChangeScope,
    pub messages: Vec<Message>,
}

impl PreparedRun {
    /// Some input could not be used: `check` exits 2 once the rest is reported.
    pub fn failed(&self) -> bool {
        self.messages.iter().any(|m| matches!(m, Message::Error(_)))
    }
}

/// Loads the config, resolves settings, finds and reads the inputs. Problems
/// with single inputs become messages and the rest still runs (possibly with
/// no input left); a run that cannot start at all (no path, bad config or
/// options, unreadable schema) is an error.
pub fn prepare(request: &RunRequest) -> Result<PreparedRun, String> {
    if request.paths.is_empty() {
        return Err("no input: give migration files, directories or quoted globs (or `-` for stdin)".into());
    }
    let mut config = load_config(request)?;
    if request.tool.is_some() {
        config.tool = request.tool;
    }
    let settings = resolve_settings(request, &config)?;
    let stdin_name = request.stdin_filename.clone().unwrap_or_else(|| "<stdin>".to_string());
    let options = SelectOptions {
        since: request.since.clone(),
        no_history: request.no_history,
        check_down: config.check_down.unwrap_or(true),
        stdin: request.stdin.clone(),
    };
    let selection = discover::select::select(&request.paths, &stdin_name, &config, &options);
    let mut messages: Vec<Message> = selection
        .errors
        .iter()
        .map(|e| Message::Error(e.to_string()))
        .chain(selection.notices.iter().cloned().map(Message::Note))
        .collect();
    let history = schema_catalog(request, &config)?;
    let read: Vec<Result<RunInput, String>> = selection
        .scripts
        .into_par_iter()
        .map(|selected| {
            let bytes = match selected.bytes {
                Some(bytes) => bytes,
                None => read_input(&selected.input)?,
            };
            Ok(RunInput {
                path: selected.input.display(),
                bytes,
                script: selected.script,
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
        ChangeScope::EachFile
    };
    Ok(PreparedRun {
        inputs,
        history,
        settings,
        config,
        scope,
        messages,
    })
}

fn read_input(input: &Input) -> Result<Vec<u8>, String> {
    match input {
        Input::File(path) => std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", input.display())),
        Input::Stdin(name) => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("{name}: cannot read standard input: {e}"))?;
            Ok(bytes)
        }
    }
}

/// `config`, else `miglint.toml` in the folder of `stdin_filename` or the
/// current folder, or the nearest folder above.
fn load_config(request: &RunRequest) -> Result<Config, String> {
    if let Some(path) = &request.config {
        return config::load(path).map_err(|e| e.to_string());
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let start = request
        .stdin_filename
        .as_deref()
        .map(|name| cwd.join(name))
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or(cwd);
    match config::find(&start) {
        Some(path) => config::load(&path).map_err(|e| e.to_string()),
        None => Ok(Config::default()),
    }
}

/// Options given with the request override the file, key by key.
fn resolve_settings(request: &RunRequest, config: &Config) -> Result<Settings, String> {
    let pg_version = request.pg_version.or(config.pg_version).unwrap_or(DEFAULT_PG_VERSION);
    let mut settings = Settings::new(pg_version);
    for (id, level) in &config.rules {
        settings.set_rule(id, *level);
    }
    for rule in &request.rules {
        let (id, level) = rule
            .split_once('=')
            .ok_or_else(|| format!("--rule {rule:?}: expected ID=error|warning|off"))?;
        if rules::find(id).is_none() {
            return Err(format!(
                "--rule {rule:?}: unknown rule `{id}`{} (see `miglint rules`)",
                rules::did_you_mean(id)
            ));
        }
        let level = config::parse_rule_level(level)
            .ok_or_else(|| format!("--rule {rule:?}: level must be error, warning or off"))?;
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
    Ok(settings)
}

/// `schema` (or config `schema`): the production schema as history.
fn schema_catalog(request: &RunRequest, config: &Config) -> Result<Option<Catalog>, String> {
    let Some(path) = request.schema.as_ref().or(config.schema.as_ref()) else {
        return Ok(None);
    };
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read schema: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{}: the schema is not UTF-8 text", path.display()))?;
    Ok(Some(history_catalog(&SourceFile::new(
        path.display().to_string(),
        text,
    ))))
}
