//! `miglint.toml`: raw options (every key optional, unknown keys rejected
//! with their file, line and column) resolved into settings.
//!
//! ```toml
//! pg_version = 15
//! sqlite_version = "3.35"      # what SQLite's ALTER TABLE can do (default 3.35)
//! mysql_version = "8.0.35"     # MySQL or MariaDB ("mariadb-10.11"): online DDL (default 8.4)
//! fail_on = "warning"
//! exclude = ["migrations/legacy/**"]
//!
//! timezone = "UTC"           # the sessions' TimeZone: timestamp <-> timestamptz in place only under UTC
//! max_file_size = "10MB"     # larger files are reported, not read
//! baseline = "miglint-baseline.json"  # accepted findings (`miglint baseline`)
//! tool = "diesel"            # skip detection: every root is this tool's
//! check_down = true           # lint down migrations too (default)
//! require_reason = true       # an ignore comment must say why after `--`
//! placeholder_patterns = ['\$%(\w+)%\$']  # macros of the project's own
//!
//! [placeholders]              # values of template placeholders
//! schema = "public"
//!
//! [rules]
//! prefer-text = "off"
//! ban-drop-column = "warning"
//!
//! owners_file = "OWNERS.tables"   # CODEOWNERS-style `pattern owner...` lines
//!
//! [owners]                    # who reviews changes to which tables (last match wins)
//! "billing.*" = "@acme/billing"
//! "users" = ["@acme/identity", "@alice"]
//!
//! stats = "miglint-stats.json"  # table sizes and write rates (`miglint stats`)
//!
//! [tables]                    # sizes known without a snapshot (config/sizes.rs)
//! "public.events" = { size = "200GB", rows = 3000000000, writes_per_second = 500 }
//!
//! [estimates]                 # throughput assumed for durations
//! rewrite_rate = "50MB"
//!
//! [[custom_rules]]            # the team's own rules (config/custom_rules.rs)
//! id = "no-drop-in-billing"
//! statement = "DROP"
//! schemas = ["billing"]
//! message = "nothing is dropped in billing"
//!
//! [naming]                    # naming-convention (off by default): a regex per kind
//! index = "^{table}_{columns}_idx$"   # {table}, {columns}: the names as written
//! foreign_key = "_fkey$"
//!
//! [[roots]]                   # one migration root, found or named here
//! path = "db/mysql"
//! dialect = "mysql"           # postgres | mysql | sqlite
//! tool = "golang-migrate"
//! ```

mod custom_rules;
mod sizes;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::input::layout::{Dialect, Tool};
use crate::input::source::LineIndex;
pub(crate) use crate::settings::FailOn;
use crate::settings::{
    check_owner, parse_duration_ms, parse_owners_file, CustomRule, Estimates, MysqlServer, OwnerRule, Owners,
    SessionTimeZone, Severity, SqliteVersion, TablePattern, TableSize, TransactionMode, SUPPORTED_PG_VERSIONS,
};

pub(crate) const FILE_NAME: &str = "miglint.toml";

/// A configuration is a few lines; a larger file is not one.
const MAX_CONFIG_SIZE: u64 = 1 << 20;

/// A rule setting: a severity, or off.
pub(crate) fn parse_rule_level(text: &str) -> Option<Option<Severity>> {
    match text {
        "error" => Some(Some(Severity::Error)),
        "warning" | "warn" => Some(Some(Severity::Warning)),
        "info" => Some(Some(Severity::Info)),
        "off" => Some(None),
        _ => None,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Any integer, so that one out of range meets the range check below.
    pg_version: Option<Spanned<i64>>,
    sqlite_version: Option<Spanned<String>>,
    mysql_version: Option<Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    exclude: Option<Vec<Spanned<String>>>,
    schema: Option<Spanned<String>>,
    baseline: Option<Spanned<String>>,
    transaction: Option<Spanned<String>>,
    assume_lock_timeout: Option<bool>,
    max_lock_timeout: Option<Spanned<toml::Value>>,
    timezone: Option<Spanned<String>>,
    rules: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    tool: Option<Spanned<String>>,
    check_down: Option<bool>,
    require_reason: Option<bool>,
    max_file_size: Option<Spanned<toml::Value>>,
    placeholders: Option<BTreeMap<String, Spanned<toml::Value>>>,
    placeholder_patterns: Option<Vec<Spanned<String>>>,
    roots: Option<Vec<RawRoot>>,
    owners: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    owners_file: Option<Spanned<String>>,
    stats: Option<Spanned<String>>,
    tables: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    estimates: Option<sizes::RawEstimates>,
    custom_rules: Option<Vec<custom_rules::RawCustomRule>>,
    naming: Option<RawNaming>,
}

/// `[naming]`: a regular expression per kind of name (`naming-convention`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNaming {
    index: Option<Spanned<String>>,
    unique: Option<Spanned<String>>,
    foreign_key: Option<Spanned<String>>,
    check: Option<Spanned<String>>,
    primary_key: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoot {
    path: Spanned<String>,
    dialect: Option<Spanned<String>>,
    tool: Option<Spanned<String>>,
}

/// A migration root set in the config: its dialect or tool, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RootConfig {
    /// Resolved against the config's folder.
    pub path: PathBuf,
    pub dialect: Option<Dialect>,
    pub tool: Option<Tool>,
}

/// A line of `[rules]`. Whether the id names a rule is for the caller that
/// knows the rules to check (`Config::check_rule_ids`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleSetting {
    pub id: String,
    /// A severity, or None for off.
    pub level: Option<Severity>,
    /// `file:line:column` of the id.
    pub at: String,
}

/// A loaded configuration file.
#[derive(Debug, Default, Clone)]
pub(crate) struct Config {
    pub path: Option<PathBuf>,
    pub pg_version: Option<u32>,
    /// `sqlite_version = "3.35"`: what SQLite's ALTER TABLE can do.
    pub sqlite_version: Option<SqliteVersion>,
    /// `mysql_version = "8.0.35"` or `"mariadb-10.11"`: what online DDL the server does.
    pub mysql_server: Option<MysqlServer>,
    pub fail_on: Option<FailOn>,
    /// Path globs, matched against paths relative to the config's folder.
    pub exclude: Vec<glob::Pattern>,
    /// A schema dump read as the production catalog, resolved against the
    /// config's folder.
    pub schema: Option<PathBuf>,
    /// The baseline file of accepted findings, resolved against the config's folder.
    pub baseline: Option<PathBuf>,
    pub transaction: Option<TransactionMode>,
    pub assume_lock_timeout: Option<bool>,
    pub max_lock_timeout_ms: Option<u64>,
    /// `timezone = "UTC"`: the `TimeZone` the migrations run under.
    pub time_zone: Option<SessionTimeZone>,
    pub rules: Vec<RuleSetting>,
    /// The tool every root is run by, instead of detecting it.
    pub tool: Option<Tool>,
    /// Lint down migrations (default true).
    pub check_down: Option<bool>,
    /// `require_reason`: turns `suppression-without-reason` on (or off).
    pub require_reason: Option<bool>,
    /// Files larger than this many bytes are reported, not read.
    pub max_file_size: Option<u64>,
    /// `[placeholders]`: the value of each template placeholder.
    pub placeholders: BTreeMap<String, String>,
    /// `placeholder_patterns`: macro syntaxes of the project's own.
    pub placeholder_patterns: Vec<regex::Regex>,
    pub roots: Vec<RootConfig>,
    /// `owners_file`'s lines, then `[owners]`, in the order written.
    pub owners: Owners,
    /// `stats`: the snapshot `miglint stats` wrote.
    pub stats: Option<PathBuf>,
    /// `[tables]`, in the order written.
    pub tables: Vec<(TablePattern, TableSize)>,
    /// `[estimates]` over the defaults.
    pub estimates: Estimates,
    /// `[naming]`: the conventions of `naming-convention`.
    pub naming: crate::settings::Naming,
    /// `[[custom_rules]]`, in the order written.
    pub custom_rules: Vec<CustomRule>,
}

pub(crate) fn parse_transaction_mode(text: &str) -> Option<TransactionMode> {
    match text {
        "per-file" => Some(TransactionMode::PerFile),
        "none" => Some(TransactionMode::None),
        _ => None,
    }
}

/// A configuration error, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Finds `miglint.toml` in `start` or the nearest folder above it.
pub(crate) fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

pub(crate) fn load(path: &Path) -> Result<Config, ConfigError> {
    let cannot_read = |why: String| ConfigError(format!("{}: cannot read configuration: {why}", path.display()));
    let bytes = match crate::input::read::regular_file(path, MAX_CONFIG_SIZE) {
        Ok(crate::input::read::Content::Bytes(bytes)) => bytes,
        Ok(crate::input::read::Content::TooLarge(_)) => return Err(cannot_read("larger than 1 MiB".into())),
        Err(crate::input::read::ReadError::Io(e)) => return Err(cannot_read(e.to_string())),
        Err(e) => return Err(cannot_read(e.to_string())),
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        // Where the text stops being UTF-8, as line:column of what precedes it.
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let good = std::str::from_utf8(good).unwrap_or_default();
        let at = LineIndex::new(good).position(good, good.len());
        ConfigError(format!(
            "{}:{}:{}: cannot read configuration: not UTF-8 text (byte 0x{:02x})",
            path.display(),
            at.line,
            at.column,
            e.as_bytes()[good.len()]
        ))
    })?;
    parse(&text, path)
}

/// Parses configuration text; `path` names it in errors.
pub(crate) fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let lines = LineIndex::new(text);
    let at = |span: std::ops::Range<usize>| {
        let pos = lines.position(text, span.start);
        format!("{}:{}:{}", path.display(), pos.line, pos.column)
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let location = e.span().map_or_else(|| path.display().to_string(), &at);
        let message = type_error_in_words(text, &e).unwrap_or_else(|| e.message().to_string());
        ConfigError(format!("{location}: invalid configuration: {message}"))
    })?;

    let mut config = Config {
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    if let Some(version) = raw.pg_version {
        let supported = u32::try_from(*version.get_ref())
            .ok()
            .filter(|v| SUPPORTED_PG_VERSIONS.contains(v));
        let Some(supported) = supported else {
            return Err(ConfigError(format!(
                "{}: `pg_version` must be between {} and {}, not {}",
                at(version.span()),
                SUPPORTED_PG_VERSIONS.start(),
                SUPPORTED_PG_VERSIONS.end(),
                version.get_ref()
            )));
        };
        config.pg_version = Some(supported);
    }
    if let Some(version) = raw.sqlite_version {
        let parsed = SqliteVersion::parse(version.get_ref()).filter(|v| v.0 == 3);
        let Some(parsed) = parsed else {
            return Err(ConfigError(format!(
                "{}: `sqlite_version` must be a SQLite 3 version such as \"3.35\", not {:?}",
                at(version.span()),
                version.get_ref()
            )));
        };
        config.sqlite_version = Some(parsed);
    }
    if let Some(version) = raw.mysql_version {
        let Some(parsed) = MysqlServer::parse(version.get_ref()) else {
            return Err(ConfigError(format!(
                "{}: `mysql_version` must be a MySQL version such as \"8.0.35\" or \"5.7\", or a MariaDB one such as \"mariadb-10.11\", not {:?}",
                at(version.span()),
                version.get_ref()
            )));
        };
        config.mysql_server = Some(parsed);
    }
    if let Some(fail_on) = raw.fail_on {
        config.fail_on = Some(FailOn::parse(fail_on.get_ref()).ok_or_else(|| {
            ConfigError(format!(
                "{}: `fail_on` must be \"error\", \"warning\" or \"never\", not {:?}",
                at(fail_on.span()),
                fail_on.get_ref()
            ))
        })?);
    }
    for pattern in raw.exclude.unwrap_or_default() {
        let compiled = glob::Pattern::new(pattern.get_ref()).map_err(|e| {
            ConfigError(format!(
                "{}: bad `exclude` glob {:?}: {e}",
                at(pattern.span()),
                pattern.get_ref()
            ))
        })?;
        config.exclude.push(compiled);
    }
    let base = path.parent().unwrap_or(Path::new("."));
    if let Some(schema) = raw.schema {
        config.schema = Some(base.join(schema.get_ref()));
    }
    if let Some(baseline) = raw.baseline {
        config.baseline = Some(base.join(baseline.get_ref()));
    }
    if let Some(mode) = raw.transaction {
        config.transaction = Some(parse_transaction_mode(mode.get_ref()).ok_or_else(|| {
            ConfigError(format!(
                "{}: `transaction` must be \"per-file\" or \"none\", not {:?}",
                at(mode.span()),
                mode.get_ref()
            ))
        })?);
    }
    config.assume_lock_timeout = raw.assume_lock_timeout;
    if let Some(max) = raw.max_lock_timeout {
        let ms = match max.get_ref() {
            toml::Value::Integer(i) => u64::try_from(*i).ok(),
            toml::Value::String(text) => parse_duration_ms(text),
            _ => None,
        };
        config.max_lock_timeout_ms = Some(ms.ok_or_else(|| {
            ConfigError(format!(
                "{}: `max_lock_timeout` must be milliseconds or a duration such as \"10s\"",
                at(max.span())
            ))
        })?);
    }
    if let Some(zone) = raw.timezone {
        if zone.get_ref().trim().is_empty() {
            return Err(ConfigError(format!(
                "{}: `timezone` must name a time zone such as \"UTC\"",
                at(zone.span())
            )));
        }
        config.time_zone = Some(SessionTimeZone::from_name(zone.get_ref()));
    }
    for (id, level) in raw.rules.unwrap_or_default() {
        let parsed = parse_rule_level(level.get_ref()).ok_or_else(|| {
            ConfigError(format!(
                "{}: rule `{}` must be \"error\", \"warning\", \"info\" or \"off\", not {:?}",
                at(level.span()),
                id.get_ref(),
                level.get_ref()
            ))
        })?;
        config.rules.push(RuleSetting {
            at: at(id.span()),
            id: id.into_inner(),
            level: parsed,
        });
    }
    let tool_error = |tool: &Spanned<String>| {
        let ids: Vec<&str> = Tool::ALL.iter().map(|t| t.id()).collect();
        ConfigError(format!(
            "{}: unknown tool {:?}; expected one of {}",
            at(tool.span()),
            tool.get_ref(),
            ids.join(", ")
        ))
    };
    if let Some(tool) = raw.tool {
        config.tool = Some(Tool::parse(tool.get_ref()).ok_or_else(|| tool_error(&tool))?);
    }
    config.check_down = raw.check_down;
    config.require_reason = raw.require_reason;
    if let Some(size) = raw.max_file_size {
        let bytes = match size.get_ref() {
            toml::Value::Integer(i) => u64::try_from(*i).ok(),
            toml::Value::String(text) => parse_size(text),
            _ => None,
        };
        config.max_file_size = Some(bytes.filter(|b| *b > 0).ok_or_else(|| {
            ConfigError(format!(
                "{}: `max_file_size` must be a number of bytes or a size such as \"10MB\"",
                at(size.span())
            ))
        })?);
    }
    for (name, value) in raw.placeholders.unwrap_or_default() {
        let text = match value.get_ref() {
            toml::Value::String(text) => text.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                return Err(ConfigError(format!(
                    "{}: placeholder `{name}` must be a string (or a number or boolean), the text to put in its place",
                    at(value.span())
                )))
            }
        };
        config.placeholders.insert(name, text);
    }
    if let Some(naming) = raw.naming {
        use crate::settings::{NameKind, NamePattern};
        let keys = [
            (NameKind::Index, naming.index),
            (NameKind::Unique, naming.unique),
            (NameKind::ForeignKey, naming.foreign_key),
            (NameKind::Check, naming.check),
            (NameKind::PrimaryKey, naming.primary_key),
        ];
        for (kind, value) in keys {
            let Some(value) = value else { continue };
            let pattern = NamePattern::new(value.get_ref()).map_err(|e| {
                ConfigError(format!(
                    "{}: bad `naming.{}` pattern {:?}: it must be a regular expression (`{{table}}` and `{{columns}}` stand for the names): {e}",
                    at(value.span()),
                    kind.key(),
                    value.get_ref()
                ))
            })?;
            config.naming.patterns.push((kind, pattern));
        }
    }
    for pattern in raw.placeholder_patterns.unwrap_or_default() {
        let compiled = regex::Regex::new(pattern.get_ref())
            .ok()
            .filter(|r| !r.is_match(""))
            .ok_or_else(|| {
                ConfigError(format!(
                    "{}: bad `placeholder_patterns` entry {:?}: it must be a regular expression that matches some text (its first capture group, if any, is the name)",
                    at(pattern.span()),
                    pattern.get_ref()
                ))
            })?;
        config.placeholder_patterns.push(compiled);
    }
    for root in raw.roots.unwrap_or_default() {
        let dialect = match &root.dialect {
            Some(name) => Some(Dialect::parse(name.get_ref()).ok_or_else(|| {
                ConfigError(format!(
                    "{}: unknown dialect {:?}; expected postgres, mysql or sqlite",
                    at(name.span()),
                    name.get_ref()
                ))
            })?),
            None => None,
        };
        let tool = match &root.tool {
            Some(tool) => Some(Tool::parse(tool.get_ref()).ok_or_else(|| tool_error(tool))?),
            None => None,
        };
        config.roots.push(RootConfig {
            path: base.join(root.path.get_ref()),
            dialect,
            tool,
        });
    }
    if let Some(file) = raw.owners_file {
        config
            .owners
            .rules
            .extend(read_owners_file(&base.join(file.get_ref()), &at(file.span()))?);
    }
    // A table keeps the order of the file, not of its keys: sort by place.
    let mut entries: Vec<_> = raw.owners.unwrap_or_default().into_iter().collect();
    entries.sort_by_key(|(pattern, _)| pattern.span().start);
    for (pattern, value) in entries {
        let owners = match value.get_ref() {
            toml::Value::String(owner) => vec![owner.clone()],
            toml::Value::Array(items) if items.iter().all(toml::Value::is_str) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect(),
            toml::Value::Table(_) => {
                return Err(ConfigError(format!(
                    "{}: `{}` in [owners] must be an owner or a list of owners, not a table; \
                     quote a pattern with a schema: \"{}.…\" = \"@org/team\"",
                    at(value.span()),
                    pattern.get_ref(),
                    pattern.get_ref()
                )))
            }
            _ => {
                return Err(ConfigError(format!(
                    "{}: `{}` in [owners] must be an owner such as \"@org/team\" or a list of them",
                    at(value.span()),
                    pattern.get_ref()
                )))
            }
        };
        // An owner's fault is at the owners, a pattern's at the pattern.
        for owner in &owners {
            check_owner(owner)
                .map_err(|why| ConfigError(format!("{}: bad [owners] entry: {why}", at(value.span()))))?;
        }
        let rule = OwnerRule::new(pattern.get_ref(), owners)
            .map_err(|why| ConfigError(format!("{}: bad [owners] entry: {why}", at(pattern.span()))))?;
        config.owners.rules.push(rule);
    }
    if let Some(stats) = raw.stats {
        config.stats = Some(base.join(stats.get_ref()));
    }
    config.tables = sizes::declared_tables(raw.tables.unwrap_or_default(), &at)?;
    config.estimates = sizes::estimates(raw.estimates.unwrap_or_default(), &at)?;
    config.custom_rules = custom_rules::custom_rules(raw.custom_rules.unwrap_or_default(), &at)?;
    Ok(config)
}

/// The rules of a CODEOWNERS-style owners file; `named_at` locates the
/// `owners_file` setting, for a file that cannot be read.
fn read_owners_file(path: &Path, named_at: &str) -> Result<Vec<OwnerRule>, ConfigError> {
    let cannot = |why: String| {
        ConfigError(format!(
            "{named_at}: cannot read `owners_file` {}: {why}",
            path.display()
        ))
    };
    let bytes = match crate::input::read::regular_file(path, MAX_CONFIG_SIZE) {
        Ok(crate::input::read::Content::Bytes(bytes)) => bytes,
        Ok(crate::input::read::Content::TooLarge(_)) => return Err(cannot("larger than 1 MiB".into())),
        Err(crate::input::read::ReadError::Io(e)) => return Err(cannot(e.to_string())),
        Err(e) => return Err(cannot(e.to_string())),
    };
    let text = String::from_utf8(bytes).map_err(|_| cannot("not UTF-8 text".into()))?;
    parse_owners_file(&text).map_err(|(line, column, why)| {
        ConfigError(format!("{}:{line}:{column}: bad owners line: {why}", path.display()))
    })
}

/// `"10MB"`, `"512 KiB"`, `"2GB"`, `"1000"`: a size in bytes. KB, MB and
/// GB count in thousands, KiB, MiB and GiB in 1024s.
pub(crate) fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let number: u64 = text[..digits].parse().ok()?;
    let factor: u64 = match text[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" => 1 << 10,
        "mb" => 1_000_000,
        "mib" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// What each key holds, in words: type errors name this instead of the Rust
/// types serde names (`u32`, `a sequence`). `path` is the keys leading to the
/// value; every key of `RawConfig` and `RawRoot` has an entry (tested).
fn expected_kind(path: &[&str]) -> Option<&'static str> {
    Some(match path {
        ["pg_version"] => "a whole number such as 16",
        ["sqlite_version"] => "a string such as \"3.35\"",
        ["mysql_version"] => "a string such as \"8.0.35\" or \"mariadb-10.11\"",
        ["fail_on"] => "a string: \"error\", \"warning\" or \"never\"",
        ["exclude"] => "a list of strings",
        ["schema"] | ["baseline"] => "a string (a file path)",
        ["transaction"] => "a string: \"per-file\" or \"none\"",
        ["assume_lock_timeout"] | ["check_down"] | ["require_reason"] => "true or false",
        ["timezone"] => "a string naming a time zone such as \"UTC\"",
        ["max_lock_timeout"] => "a whole number of milliseconds or a string such as \"10s\"",
        ["max_file_size"] => "a whole number of bytes or a string such as \"10MB\"",
        ["rules"] => "a table of rule ids and levels",
        ["placeholders"] => "a table of placeholder names and their values",
        ["placeholders", _] => "a string: the text put in the placeholder's place",
        ["placeholder_patterns"] => "a list of strings (regular expressions)",
        ["naming"] => "a table: index, unique, foreign_key, check, primary_key",
        ["naming", _] => "a string: a regular expression, where {table} and {columns} stand for the names",
        ["rules", _] => "a string: \"error\", \"warning\", \"info\" or \"off\"",
        ["tool"] | ["roots", "tool"] => "a string naming a migration tool",
        ["roots"] => "a list of tables, each written [[roots]]",
        ["roots", "path"] => "a string (a folder path)",
        ["roots", "dialect"] => "a string: \"postgres\", \"mysql\" or \"sqlite\"",
        ["owners"] => "a table of table patterns and their owners",
        ["owners", _] => "an owner such as \"@org/team\" or a list of them",
        ["owners_file"] | ["stats"] => "a string (a file path)",
        ["tables"] => "a table of table patterns and their sizes",
        ["tables", _] => "a size such as \"200GB\" or a table such as { size = \"200GB\", rows = 1000 }",
        ["estimates"] => "a table: rewrite_rate, scan_rate, note_under, error_over",
        ["estimates", "rewrite_rate" | "scan_rate"] => "a string such as \"50MB\" (bytes per second)",
        ["estimates", "note_under" | "error_over"] => "a string such as \"1min\" or a whole number of milliseconds",
        ["custom_rules"] => "a list of rules: [[custom_rules]] tables with an id, a message and a statement or a lock",
        ["custom_rules", "id" | "message" | "help" | "severity" | "lock"] => "a string",
        ["custom_rules", "statement" | "tables" | "schemas"] => "a string or a list of strings",
        _ => return None,
    })
}

/// serde's `invalid type: string "15", expected u32` said in the file's own
/// words: ``pg_version` must be a whole number such as 16, not the string "15"`.
/// None for other errors (syntax, unknown or missing keys).
fn type_error_in_words(text: &str, error: &toml::de::Error) -> Option<String> {
    let message = error.message();
    if !message.starts_with("invalid type:") && !message.starts_with("invalid value:") {
        return None;
    }
    let at = error.span()?.start;
    let document = toml::de::DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    let found = document
        .get_ref()
        .iter()
        .find_map(|(key, value)| value_at(text, key.get_ref(), value, at, &mut path))?;
    let key = match path.as_slice() {
        ["rules", id] => format!("`{id}` in [rules]"),
        ["roots", field] => format!("`{field}` in [[roots]]"),
        ["custom_rules", field] => format!("`{field}` in [[custom_rules]]"),
        ["owners", pattern] => format!("`{pattern}` in [owners]"),
        ["tables", pattern] => format!("`{pattern}` in [tables]"),
        ["estimates", key] => format!("`{key}` in [estimates]"),
        keys => format!("`{}`", keys.join(".")),
    };
    Some(format!("{key} must be {}, not {found}", expected_kind(&path)?))
}

/// The value under `key` at byte offset `at`, innermost first, described in
/// words; `path` gets the keys leading to it.
fn value_at<'d>(
    text: &str,
    key: &'d str,
    value: &'d Spanned<toml::de::DeValue<'_>>,
    at: usize,
    path: &mut Vec<&'d str>,
) -> Option<String> {
    use toml::de::DeValue;

    path.push(key);
    let inner = match value.get_ref() {
        DeValue::Table(table) => table
            .iter()
            .find_map(|(key, value)| value_at(text, key.get_ref(), value, at, path)),
        DeValue::Array(items) => items.iter().find_map(|item| match item.get_ref() {
            // [[roots]]: the keys of each table
            DeValue::Table(table) => table
                .iter()
                .find_map(|(key, value)| value_at(text, key.get_ref(), value, at, path)),
            _ if item.span().contains(&at) => Some(format!("a list holding {}", describe(text, item))),
            _ => None,
        }),
        _ => None,
    };
    let found = inner.or_else(|| value.span().contains(&at).then(|| describe(text, value)));
    if found.is_none() {
        path.pop();
    }
    found
}

/// A value as a user would name it: `the string "15"`, `the number 1.5`
/// (numbers and dates as written in `text`), `true`, `a list`.
fn describe(text: &str, value: &Spanned<toml::de::DeValue<'_>>) -> String {
    use toml::de::DeValue;

    let written = text.get(value.span()).unwrap_or_default();
    match value.get_ref() {
        DeValue::String(string) => format!("the string {string:?}"),
        DeValue::Integer(_) | DeValue::Float(_) => format!("the number {written}"),
        DeValue::Boolean(flag) => flag.to_string(),
        DeValue::Datetime(_) => format!("the date {written}"),
        DeValue::Array(_) => "a list".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

impl Config {
    /// An error for the first `[rules]` id that `is_rule` does not know,
    /// with `hint(id)` (a "did you mean") after it.
    pub(crate) fn check_rule_ids(
        &self,
        is_rule: impl Fn(&str) -> bool,
        hint: impl Fn(&str) -> String,
    ) -> Result<(), ConfigError> {
        if let Some(custom) = self.custom_rules.iter().find(|custom| is_rule(&custom.id)) {
            return Err(ConfigError(format!(
                "{}: custom rule `{}` has a built-in rule's id; give it another (a team prefix, such as \"acme-{}\", keeps clear of future ones)",
                custom.at, custom.id, custom.id
            )));
        }
        let is_custom = |id: &str| self.custom_rules.iter().any(|custom| custom.id == id);
        match self
            .rules
            .iter()
            .find(|rule| !is_rule(&rule.id) && !is_custom(&rule.id))
        {
            Some(rule) => Err(ConfigError(format!(
                "{}: unknown rule `{}` in [rules]{} (see `miglint rules`)",
                rule.at,
                rule.id,
                hint(&rule.id)
            ))),
            None => Ok(()),
        }
    }

    /// The folder paths in this config are relative to (the current folder for no file).
    pub(crate) fn dir(&self) -> &Path {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    /// The largest file read: `max_file_size`, or the default.
    pub(crate) fn max_file_size(&self) -> u64 {
        self.max_file_size.unwrap_or(crate::settings::DEFAULT_MAX_FILE_SIZE)
    }

    /// True when `path` matches an `exclude` glob, relative to the config's folder.
    pub(crate) fn excludes(&self, path: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let base = self.dir();
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let absolute_base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
        // Through symbolic links (a temporary folder, a linked checkout) the
        // file and the config may only meet as real paths.
        let relative = absolute
            .strip_prefix(&absolute_base)
            .map(Path::to_path_buf)
            .or_else(|_| {
                let real_base = base.canonicalize()?;
                let real = match (path.parent(), path.file_name()) {
                    (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => parent.canonicalize()?.join(name),
                    _ => std::path::absolute(path)?,
                };
                real.strip_prefix(real_base)
                    .map(Path::to_path_buf)
                    .map_err(|_| std::io::Error::other("outside"))
            });
        self.exclude
            .iter()
            .any(|p| relative.as_deref().is_ok_and(|r| p.matches_path(r)) || p.matches_path(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parsed and checked as a run checks it: rule ids against the rules.
    fn parse_str(text: &str) -> Result<Config, ConfigError> {
        let config = parse(text, Path::new("miglint.toml"))?;
        config.check_rule_ids(|id| crate::rules::find(id).is_some(), crate::rules::did_you_mean)?;
        Ok(config)
    }

    #[test]
    fn reads_every_key() {
        let config = parse_str(
            "pg_version = 14\nfail_on = \"warning\"\nexclude = [\"old/**\"]\n[rules]\nempty-file = \"off\"\nrequire-concurrent-index = \"warning\"\n",
        )
        .unwrap();
        assert_eq!(config.pg_version, Some(14));
        assert_eq!(config.fail_on, Some(FailOn::Warning));
        assert_eq!(config.rules.len(), 2);
        assert!(config.excludes(Path::new("old/1.sql")));
        assert!(!config.excludes(Path::new("new/1.sql")));
    }

    #[test]
    fn timezone_says_whether_the_sessions_run_under_utc() {
        let zone = |text: &str| parse_str(text).unwrap().time_zone;
        assert_eq!(zone("timezone = \"UTC\"\n"), Some(SessionTimeZone::Utc));
        assert_eq!(zone("timezone = \"Etc/UTC\"\n"), Some(SessionTimeZone::Utc));
        assert_eq!(zone("timezone = \"Europe/Berlin\"\n"), Some(SessionTimeZone::Other));
        assert_eq!(zone("pg_version = 15\n"), None);
        let err = parse_str("timezone = \"\"\n").unwrap_err();
        assert_eq!(
            err.0,
            "miglint.toml:1:12: `timezone` must name a time zone such as \"UTC\""
        );
        let err = parse_str("timezone = 0\n").unwrap_err();
        assert!(
            err.0.contains("`timezone` must be a string naming a time zone"),
            "{err}"
        );
    }

    #[test]
    fn schema_transaction_and_timeouts() {
        let config = parse(
            "schema = \"db/structure.sql\"\ntransaction = \"per-file\"\nassume_lock_timeout = true\nmax_lock_timeout = \"2min\"\n",
            Path::new("repo/miglint.toml"),
        )
        .unwrap();
        assert_eq!(config.schema, Some(PathBuf::from("repo/db/structure.sql")));
        assert_eq!(config.transaction, Some(TransactionMode::PerFile));
        assert_eq!(config.assume_lock_timeout, Some(true));
        assert_eq!(config.max_lock_timeout_ms, Some(120_000));
        assert_eq!(
            parse_str("max_file_size = \"2MiB\"\n").unwrap().max_file_size(),
            2 << 20
        );
        assert_eq!(parse_str("max_file_size = 5000\n").unwrap().max_file_size, Some(5000));
        assert_eq!(parse_size("10 MB"), Some(10_000_000));
        assert_eq!(parse_size("10 parsecs"), None);
        assert!(parse_str("max_file_size = \"big\"\n")
            .unwrap_err()
            .0
            .starts_with("miglint.toml:1:17:"));
        assert!(parse_str("transaction = \"always\"\n")
            .unwrap_err()
            .0
            .starts_with("miglint.toml:1:15:"));
        assert_eq!(parse_duration_ms("500"), Some(500));
        assert_eq!(parse_duration_ms("1.5s"), Some(1_500));
        assert_eq!(parse_duration_ms("5 parsecs"), None);
    }

    #[test]
    fn tools_and_roots() {
        let config = parse(
            "tool = \"goose\"\ncheck_down = false\n[[roots]]\npath = \"db/mysql\"\ndialect = \"mariadb\"\n[[roots]]\npath = \"db/pg\"\ntool = \"dbmate\"\n",
            Path::new("repo/miglint.toml"),
        )
        .unwrap();
        assert_eq!(config.tool, Some(Tool::Goose));
        assert_eq!(config.check_down, Some(false));
        assert_eq!(
            config.roots,
            [
                RootConfig {
                    path: PathBuf::from("repo/db/mysql"),
                    dialect: Some(Dialect::Mysql),
                    tool: None
                },
                RootConfig {
                    path: PathBuf::from("repo/db/pg"),
                    dialect: None,
                    tool: Some(Tool::Dbmate)
                },
            ]
        );
        let err = parse_str("tool = \"rails\"\n").unwrap_err();
        assert!(err.0.starts_with("miglint.toml:1:8: unknown tool \"rails\""), "{err}");
        let err = parse_str("[[roots]]\npath = \"x\"\ndialect = \"oracle\"\n").unwrap_err();
        assert!(err.0.starts_with("miglint.toml:3:11:"), "{err}");
    }

    #[test]
    fn naming_patterns_are_regular_expressions_with_placeholders() {
        use crate::settings::NameKind;
        let config = parse_str("[naming]\nindex = \"^{table}_{columns}_idx$\"\nforeign_key = \"_fkey$\"\n").unwrap();
        let index = config.naming.pattern(NameKind::Index).unwrap();
        assert!(index.matches("orders_user_id_idx", "orders", &["user_id".to_string()]));
        assert!(config.naming.pattern(NameKind::Check).is_none());
        let err = parse_str("[naming]\nindexes = \"^idx_\"\n").unwrap_err();
        assert!(
            err.0.starts_with("miglint.toml:2:1:") && err.0.contains("indexes"),
            "{err}"
        );
        let err = parse_str("[naming]\ncheck = \"^ck_(\"\n").unwrap_err();
        assert!(
            err.0
                .starts_with("miglint.toml:2:9: bad `naming.check` pattern \"^ck_(\""),
            "{err}"
        );
        let err = parse_str("[naming]\nunique = 3\n").unwrap_err();
        assert!(
            err.0.contains("`naming.unique` must be a string: a regular expression"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_and_rules_are_located_errors() {
        let err = parse_str("pg_version = 15\nfail_onn = \"error\"\n").unwrap_err();
        assert!(err.0.starts_with("miglint.toml:2:1:"), "{err}");
        assert!(err.0.contains("fail_onn"), "{err}");
        let err = parse_str("[rules]\nno-such-rule = \"off\"\n").unwrap_err();
        assert_eq!(
            err.0,
            "miglint.toml:2:1: unknown rule `no-such-rule` in [rules] (see `miglint rules`)"
        );
        let err = parse_str("[rules]\nrequire-concurent-index = \"off\"\n").unwrap_err();
        assert_eq!(
            err.0,
            "miglint.toml:2:1: unknown rule `require-concurent-index` in [rules]; \
             did you mean `require-concurrent-index`? (see `miglint rules`)"
        );
        let err = parse_str("pg_version = 9\n").unwrap_err();
        assert!(err.0.starts_with("miglint.toml:1:14:"), "{err}");
        let err = parse_str("[rules]\nrequire-concurrent-index = \"loud\"\n").unwrap_err();
        assert!(err.0.starts_with("miglint.toml:2:28:"), "{err}");
    }

    #[test]
    fn type_errors_name_the_key_and_what_it_holds_in_words() {
        let cases = [
            (
                "pg_version = \"15\"\n",
                "miglint.toml:1:14: invalid configuration: `pg_version` must be a whole number such as 16, \
                 not the string \"15\"",
            ),
            (
                "pg_version = -1\n",
                "miglint.toml:1:14: `pg_version` must be between 11 and 18, not -1",
            ),
            (
                "pg_version = 15.0\n",
                "miglint.toml:1:14: invalid configuration: `pg_version` must be a whole number such as 16, \
                 not the number 15.0",
            ),
            (
                "check_down = \"yes\"\n",
                "miglint.toml:1:14: invalid configuration: `check_down` must be true or false, not the string \"yes\"",
            ),
            (
                "exclude = \"x\"\n",
                "miglint.toml:1:11: invalid configuration: `exclude` must be a list of strings, not the string \"x\"",
            ),
            (
                "exclude = [\"old/**\", 7]\n",
                "miglint.toml:1:22: invalid configuration: `exclude` must be a list of strings, \
                 not a list holding the number 7",
            ),
            (
                "rules = [\"prefer-text\"]\n",
                "miglint.toml:1:9: invalid configuration: `rules` must be a table of rule ids and levels, not a list",
            ),
            (
                "[rules]\nrequire-concurrent-index = false\n",
                "miglint.toml:2:28: invalid configuration: `require-concurrent-index` in [rules] must be a string: \
                 \"error\", \"warning\", \"info\" or \"off\", not false",
            ),
            (
                "[[roots]]\npath = 1.5\n",
                "miglint.toml:2:8: invalid configuration: `path` in [[roots]] must be a string (a folder path), \
                 not the number 1.5",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_str(text).unwrap_err().0, expected, "{text}");
        }
    }

    #[test]
    fn owners_keep_the_order_written_and_bad_entries_are_located() {
        let config = parse_str("[owners]\nzeta = \"@z\"\n\"billing.*\" = [\"@b\", \"@c\"]\nalpha = []\n").unwrap();
        let patterns: Vec<&str> = config.owners.rules.iter().map(|r| r.pattern.as_str()).collect();
        assert_eq!(patterns, ["zeta", "billing.*", "alpha"], "file order, not key order");
        assert_eq!(config.owners.rules[1].owners, ["@b", "@c"]);
        let cases = [
            (
                "[owners]\n\"[owners\" = \"@a\"\n",
                "miglint.toml:2:1: bad [owners] entry: bad pattern \"[owners\": ",
            ),
            (
                "[owners]\nusers = [\"@a\", 1]\n",
                "miglint.toml:2:9: `users` in [owners] must be an owner such as \"@org/team\" or a list of them",
            ),
            (
                "[owners]\npublic.users = \"@a\"\n",
                "miglint.toml:2:1: `public` in [owners] must be an owner or a list of owners, not a table",
            ),
            (
                "owners = \"@a\"\n",
                "miglint.toml:1:10: invalid configuration: `owners` must be a table of table patterns and their owners",
            ),
        ];
        for (text, expected) in cases {
            let err = parse_str(text).unwrap_err().0;
            assert!(err.starts_with(expected), "{text}: {err}");
        }
    }

    #[test]
    fn every_key_has_what_it_holds_in_words() {
        // serde lists the keys it accepts when it meets one it does not.
        let accepted = |text: &str| -> Vec<String> {
            let err = parse_str(text).unwrap_err().0;
            let (_, listed) = err.split_once("expected one of ").unwrap_or_else(|| panic!("{err}"));
            listed.split('`').skip(1).step_by(2).map(str::to_string).collect()
        };
        let top = accepted("no_such_key = 1\n");
        assert!(top.contains(&"pg_version".to_string()), "{top:?}");
        for key in top {
            assert!(expected_kind(&[&key]).is_some(), "`{key}` has no kind in words");
        }
        for key in accepted("[[roots]]\npath = \"x\"\nno_such_key = 1\n") {
            assert!(
                expected_kind(&["roots", &key]).is_some(),
                "`{key}` in [[roots]] has no kind in words"
            );
        }
        assert!(expected_kind(&["rules", "prefer-text"]).is_some());
    }
}
