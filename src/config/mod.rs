//! `miglint.toml`: raw options (every key optional, unknown keys rejected
//! with their file, line and column) resolved into settings.
//!
//! ```toml
//! pg_version = 15
//! fail_on = "warning"
//! exclude = ["migrations/legacy/**"]
//!
//! [rules]
//! prefer-text = "off"
//! ban-drop-column = "warning"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;
use crate::engine::SUPPORTED_PG_VERSIONS;
use crate::rules;
use crate::source::LineIndex;

pub const FILE_NAME: &str = "miglint.toml";

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

/// A rule setting: a severity, or off.
pub fn parse_rule_level(text: &str) -> Option<Option<Severity>> {
    match text {
        "error" => Some(Some(Severity::Error)),
        "warning" | "warn" => Some(Some(Severity::Warning)),
        "off" => Some(None),
        _ => None,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    pg_version: Option<Spanned<u32>>,
    fail_on: Option<Spanned<String>>,
    exclude: Option<Vec<Spanned<String>>>,
    rules: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

/// A loaded configuration file.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub pg_version: Option<u32>,
    pub fail_on: Option<FailOn>,
    /// Path globs, matched against paths relative to the config's folder.
    pub exclude: Vec<glob::Pattern>,
    pub rules: Vec<(String, Option<Severity>)>,
}

/// A configuration error, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Finds `miglint.toml` in `start` or the nearest folder above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{}: cannot read configuration: {e}", path.display())))?;
    parse(&text, path)
}

/// Parses configuration text; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let lines = LineIndex::new(text);
    let at = |span: std::ops::Range<usize>| {
        let pos = lines.position(text, span.start);
        format!("{}:{}:{}", path.display(), pos.line, pos.column)
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let location = e.span().map_or_else(|| path.display().to_string(), &at);
        ConfigError(format!("{location}: invalid configuration: {}", e.message()))
    })?;

    let mut config = Config {
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    if let Some(version) = raw.pg_version {
        if !SUPPORTED_PG_VERSIONS.contains(version.get_ref()) {
            return Err(ConfigError(format!(
                "{}: `pg_version` must be between {} and {}, not {}",
                at(version.span()),
                SUPPORTED_PG_VERSIONS.start(),
                SUPPORTED_PG_VERSIONS.end(),
                version.get_ref()
            )));
        }
        config.pg_version = Some(*version.get_ref());
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
    for (id, level) in raw.rules.unwrap_or_default() {
        if rules::find(id.get_ref()).is_none() {
            return Err(ConfigError(format!(
                "{}: unknown rule `{}` in [rules] (see `miglint rules`)",
                at(id.span()),
                id.get_ref()
            )));
        }
        let parsed = parse_rule_level(level.get_ref()).ok_or_else(|| {
            ConfigError(format!(
                "{}: rule `{}` must be \"error\", \"warning\" or \"off\", not {:?}",
                at(level.span()),
                id.get_ref(),
                level.get_ref()
            ))
        })?;
        config.rules.push((id.into_inner(), parsed));
    }
    Ok(config)
}

impl Config {
    /// True when `path` matches an `exclude` glob, relative to the config's folder.
    pub fn excludes(&self, path: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let base = self.path.as_deref().and_then(Path::parent).unwrap_or(Path::new("."));
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
        let relative = absolute.strip_prefix(&base).unwrap_or(path);
        self.exclude
            .iter()
            .any(|p| p.matches_path(relative) || p.matches_path(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new("miglint.toml"))
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
    fn unknown_keys_and_rules_are_located_errors() {
        let err = parse_str("pg_version = 15\nfail_onn = \"error\"\n").unwrap_err();
        assert!(err.0.starts_with("miglint.toml:2:1:"), "{err}");
        assert!(err.0.contains("fail_onn"), "{err}");
        let err = parse_str("[rules]\nno-such-rule = \"off\"\n").unwrap_err();
        assert_eq!(
            err.0,
            "miglint.toml:2:1: unknown rule `no-such-rule` in [rules] (see `miglint rules`)"
        );
        let err = parse_str("pg_version = 9\n").unwrap_err();
        assert!(err.0.starts_with("miglint.toml:1:14:"), "{err}");
        let err = parse_str("[rules]\nrequire-concurrent-index = \"loud\"\n").unwrap_err();
        assert!(err.0.starts_with("miglint.toml:2:28:"), "{err}");
    }
}
