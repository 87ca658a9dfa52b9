//! What a configuration resolves to, shared by every layer: severities, the
//! exit threshold, the PostgreSQL version and the runner assumptions that
//! apply to the files of one config. Plain data at the bottom of the import
//! graph: config fills it, the engine and the rules read it.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::analysis::TransactionMode;

pub const DEFAULT_PG_VERSION: u32 = 16;
pub const SUPPORTED_PG_VERSIONS: std::ops::RangeInclusive<u32> = 11..=18;
pub const DEFAULT_MAX_LOCK_TIMEOUT_MS: u64 = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The lowest severity that makes `miglint check` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Never,
}

impl FailOn {
    pub fn parse(text: &str) -> Option<FailOn> {
        match text {
            "error" => Some(FailOn::Error),
            "warning" => Some(FailOn::Warning),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Never => "never",
        }
    }

    /// Does a finding of this severity block the change?
    pub fn blocks(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity == Severity::Error,
            FailOn::Warning => true,
            FailOn::Never => false,
        }
    }
}

/// Resolved, immutable settings for the files of one config (every file of
/// a migration root shares its root's).
#[derive(Clone, Debug)]
pub struct Settings {
    pub pg_version: u32,
    /// The lowest severity that blocks the change.
    pub fail_on: FailOn,
    /// How the runner wraps each file, whatever the tool does (`--assume-in-transaction`,
    /// config `transaction`); None follows each script's tool.
    pub transaction: Option<TransactionMode>,
    /// A lock timeout is set outside the migrations (role, database, runner).
    pub assume_lock_timeout: bool,
    /// `lock-timeout-too-long`: the longest acceptable `lock_timeout`, in ms.
    pub max_lock_timeout_ms: u64,
    /// Files larger than this many bytes are reported (`file-too-large`), not linted.
    pub max_file_size: u64,
    /// Per-rule overrides: `None` turns the rule off.
    overrides: BTreeMap<String, Option<Severity>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pg_version: DEFAULT_PG_VERSION,
            fail_on: FailOn::default(),
            transaction: None,
            assume_lock_timeout: false,
            max_lock_timeout_ms: DEFAULT_MAX_LOCK_TIMEOUT_MS,
            max_file_size: crate::read::DEFAULT_MAX_FILE_SIZE,
            overrides: BTreeMap::new(),
        }
    }
}

impl Settings {
    pub fn new(pg_version: u32) -> Self {
        Settings {
            pg_version,
            ..Settings::default()
        }
    }

    /// The default settings, shared.
    pub fn shared_default() -> Arc<Settings> {
        static DEFAULT: OnceLock<Arc<Settings>> = OnceLock::new();
        DEFAULT.get_or_init(|| Arc::new(Settings::default())).clone()
    }

    /// Sets a rule's severity, or turns it off with `None`.
    pub fn set_rule(&mut self, id: &str, severity: Option<Severity>) {
        self.overrides.insert(id.to_string(), severity);
    }

    /// The severity the rule `id` reports at, or None when it is off:
    /// what config and flags set, else `default` (None for a rule off by default).
    pub fn rule_severity(&self, id: &str, default: Option<Severity>) -> Option<Severity> {
        match self.overrides.get(id) {
            Some(choice) => *choice,
            None => default,
        }
    }
}
