//! What a configuration resolves to, shared by every layer: severities, the
//! exit threshold, the PostgreSQL version and the runner assumptions that
//! apply to the files of one config. Plain data at the bottom of the import
//! graph: config fills it, the engine and the rules read it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

mod custom_rules;
mod naming;
mod owners;
mod sizes;
mod table_pattern;
pub(crate) use custom_rules::{CustomRule, StatementPattern};
pub use naming::{NameKind, NamePattern, Naming};
pub(crate) use owners::{check_owner, parse_owners_file};
pub use owners::{OwnerRule, Owners};
pub use sizes::{Estimates, LongTransaction, Snapshot, SnapshotTable, TableSize, TableSizes, SNAPSHOT_VERSION};
pub use table_pattern::{NameRules, TablePattern};

pub(crate) const DEFAULT_PG_VERSION: u32 = 16;
pub(crate) const SUPPORTED_PG_VERSIONS: std::ops::RangeInclusive<u32> = 11..=18;
pub(crate) const DEFAULT_MAX_LOCK_TIMEOUT_MS: u64 = 10_000;

/// The largest file read by default: far above any hand-written migration
/// (the largest of 2,652 real ones is 200 KB), small enough that a data dump
/// or a binary saved as `.sql` is refused instead of held in memory.
pub(crate) const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Said, never blocking: what miglint could not check, for a reviewer to look at.
    Info,
    Warning,
    Error,
}

impl Severity {
    /// Every severity, the most severe first.
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
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
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Never => false,
        }
    }
}

/// A SQLite version, `major.minor` (`3.35`): what `ALTER TABLE` can do
/// depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SqliteVersion(pub u32, pub u32);

impl SqliteVersion {
    /// `RENAME COLUMN`.
    pub const RENAME_COLUMN: SqliteVersion = SqliteVersion(3, 25);
    /// `DROP COLUMN`.
    pub const DROP_COLUMN: SqliteVersion = SqliteVersion(3, 35);
    /// The version assumed when the config names none: the first with
    /// every ALTER TABLE form (March 2021).
    pub const DEFAULT: SqliteVersion = SqliteVersion::DROP_COLUMN;

    /// `3.35` or `3.35.5` (the patch level does not matter here).
    pub fn parse(text: &str) -> Option<SqliteVersion> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        match parts.next() {
            Some(patch) if patch.parse::<u32>().is_err() => None,
            _ if parts.next().is_some() => None,
            _ => Some(SqliteVersion(major, minor)),
        }
    }
}

impl std::fmt::Display for SqliteVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// The MySQL-family server MySQL migrations run on (`mysql_version`): which
/// ALTER TABLE changes it makes in place or instantly depends on the server
/// and its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MysqlServer {
    pub flavor: MysqlFlavor,
    /// `major, minor, patch`; a version written without its patch level
    /// means that series' first release (the conservative reading).
    pub version: (u32, u32, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MysqlFlavor {
    Mysql,
    Mariadb,
}

impl MysqlServer {
    /// MySQL 8.4, the LTS series, when the config names no server.
    pub const DEFAULT: MysqlServer = MysqlServer {
        flavor: MysqlFlavor::Mysql,
        version: (8, 4, 0),
    };

    /// `8.0`, `8.0.35`, `mysql-5.7`, `mariadb-10.11`, `mariadb-11.4.2`.
    pub fn parse(text: &str) -> Option<MysqlServer> {
        let text = text.trim().to_ascii_lowercase();
        let (flavor, number) = if let Some(rest) = text.strip_prefix("mariadb") {
            (MysqlFlavor::Mariadb, rest.trim_start_matches(['-', ' ']))
        } else {
            (
                MysqlFlavor::Mysql,
                text.strip_prefix("mysql")
                    .unwrap_or(&text)
                    .trim_start_matches(['-', ' ']),
            )
        };
        let mut parts = number.split('.').map(|part| part.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next()??;
        let patch = match parts.next() {
            Some(patch) => patch?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        let known = match flavor {
            MysqlFlavor::Mysql => matches!((major, minor), (5, 7) | (8, _) | (9, _)),
            MysqlFlavor::Mariadb => matches!(major, 10..=12),
        };
        known.then_some(MysqlServer {
            flavor,
            version: (major, minor, patch),
        })
    }

    pub fn is_mariadb(self) -> bool {
        self.flavor == MysqlFlavor::Mariadb
    }

    /// The server is this flavor at `version` or later.
    pub fn at_least(self, flavor: MysqlFlavor, version: (u32, u32, u32)) -> bool {
        self.flavor == flavor && self.version >= version
    }
}

impl std::fmt::Display for MysqlServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.flavor {
            MysqlFlavor::Mysql => "MySQL",
            MysqlFlavor::Mariadb => "MariaDB",
        };
        let (major, minor, patch) = self.version;
        write!(f, "{name} {major}.{minor}")?;
        if patch > 0 {
            write!(f, ".{patch}")?;
        }
        Ok(())
    }
}

/// Resolved, immutable settings for the files of one config (every file of
/// a migration root shares its root's).
#[derive(Clone, Debug)]
pub struct Settings {
    pub pg_version: u32,
    /// The SQLite version SQLite migrations run on (`sqlite_version`).
    pub sqlite_version: SqliteVersion,
    /// The MySQL or MariaDB server MySQL migrations run on (`mysql_version`).
    pub mysql_server: MysqlServer,
    /// The lowest severity that blocks the change.
    pub fail_on: FailOn,
    /// How the runner wraps each file, whatever the tool does (`--assume-in-transaction`,
    /// config `transaction`); None follows each script's tool.
    pub transaction: Option<TransactionMode>,
    /// A lock timeout is set outside the migrations (role, database, runner).
    pub assume_lock_timeout: bool,
    /// `lock-timeout-too-long`: the longest acceptable `lock_timeout`, in ms.
    pub max_lock_timeout_ms: u64,
    /// The sessions' `TimeZone` (`timezone`): whether a change between
    /// `timestamp` and `timestamptz` rewrites.
    pub time_zone: SessionTimeZone,
    /// Files larger than this many bytes are reported (`file-too-large`), not linted.
    pub max_file_size: u64,
    /// The baseline file whose findings are accepted (`--baseline`, config `baseline`).
    pub baseline: Option<PathBuf>,
    /// Template placeholders: their values (`[placeholders]`) and the
    /// project's own macro syntaxes (`placeholder_patterns`).
    pub placeholders: Placeholders,
    /// Who owns which tables (`[owners]`, `owners_file`): the owners of
    /// the tables a finding or a migration is about.
    pub owners: Owners,
    /// How big and busy the tables are (`stats`, `[tables]`) and the
    /// throughput assumed (`[estimates]`): findings scale with them.
    pub sizes: TableSizes,
    /// `[naming]`: the naming conventions of `naming-convention`.
    pub naming: std::sync::Arc<Naming>,
    /// `[[custom_rules]]`: the team's own rules, checked like built-in ones.
    pub(crate) custom_rules: Arc<[CustomRule]>,
    /// Per-rule overrides: `None` turns the rule off.
    overrides: BTreeMap<String, Option<Severity>>,
}

/// What miglint substitutes for template placeholders before parsing.
#[derive(Clone, Debug, Default)]
pub struct Placeholders {
    /// Name -> value, from `[placeholders]`. A name is looked up as written
    /// in the placeholder (`flyway:defaultSchema`, `.Schema`), then by the
    /// word it names (`Schema`), then ignoring case.
    pub values: BTreeMap<String, String>,
    /// Regular expressions for macros of the project's own
    /// (`placeholder_patterns`, e.g. `\$%(\w+)%\$`): the first capture
    /// group is the name (the whole match without one).
    pub patterns: Vec<regex::Regex>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pg_version: DEFAULT_PG_VERSION,
            sqlite_version: SqliteVersion::DEFAULT,
            mysql_server: MysqlServer::DEFAULT,
            fail_on: FailOn::default(),
            transaction: None,
            assume_lock_timeout: false,
            max_lock_timeout_ms: DEFAULT_MAX_LOCK_TIMEOUT_MS,
            time_zone: SessionTimeZone::Unknown,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            baseline: None,
            placeholders: Placeholders::default(),
            owners: Owners::default(),
            sizes: TableSizes::default(),
            naming: Default::default(),
            custom_rules: Arc::from([]),
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

/// The `TimeZone` the migrations' sessions run with (`timezone` in
/// `miglint.toml`). PostgreSQL 12 and later convert between `timestamp` and
/// `timestamptz` without a rewrite when the zone's offset is fixed at zero
/// (`TimestampTimestampTzRequiresRewrite`): UTC and its aliases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionTimeZone {
    /// Not configured: the conversion is judged a rewrite unless UTC.
    #[default]
    Unknown,
    Utc,
    Other,
}

impl SessionTimeZone {
    /// The zone a `TimeZone` name stands for: UTC for the names of the IANA
    /// database whose offset is zero at all times, in any case.
    pub fn from_name(name: &str) -> SessionTimeZone {
        const UTC_NAMES: [&str; 9] = [
            "utc",
            "uct",
            "gmt",
            "gmt0",
            "gmt+0",
            "gmt-0",
            "greenwich",
            "universal",
            "zulu",
        ];
        let lower = name.trim().to_ascii_lowercase();
        let bare = lower.strip_prefix("etc/").unwrap_or(&lower);
        if UTC_NAMES.contains(&bare) {
            SessionTimeZone::Utc
        } else {
            SessionTimeZone::Other
        }
    }
}

/// How the migration runner wraps each file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// Statements run one by one, in autocommit (plain `psql -f`).
    #[default]
    None,
    /// The runner wraps each file in one transaction.
    PerFile,
    /// The runner sends the file as one multi-statement query, which
    /// PostgreSQL runs in one implicit transaction block.
    Batch,
    /// The runner wraps the file in a transaction, and a `COMMIT` in the
    /// file only starts the next one: JDBC connections keep autocommit off
    /// (Flyway, Liquibase), and runners that send the whole file as one
    /// query (Diesel, sqlx, dbmate) run what follows a `COMMIT` in
    /// PostgreSQL's implicit transaction block.
    Reopening,
}

/// A time value as PostgreSQL reads it for a parameter measured in
/// milliseconds (`lock_timeout`, `statement_timeout`): a bare number is
/// milliseconds; a unit may follow, with or without a space: `us`, `ms`,
/// `s`, `min`, `h`, `d` (case-sensitive, as in PostgreSQL). Fractions are
/// rounded to the nearest millisecond (halves to even, as
/// PostgreSQL's `rint`), so `'0.4'` is 0. Negative or
/// malformed values are None (PostgreSQL rejects them).
pub(crate) fn parse_duration_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() || number == "." {
        return None;
    }
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim_start() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1_000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    let ms = (number * factor).round_ties_even();
    (ms.is_finite() && ms >= 0.0 && ms <= u64::MAX as f64).then_some(ms as u64)
}
