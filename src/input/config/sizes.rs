//! `[tables]` and `[estimates]` of miglint.toml: table sizes known without
//! a snapshot, and the throughput assumed to turn a size into a duration.
//!
//! ```toml
//! [tables]
//! "public.events" = { size = "200GB", rows = 3000000000, writes_per_second = 500 }
//! "audit_*" = "40GB"          # a size alone
//!
//! [estimates]
//! rewrite_rate = "50MB"       # bytes a rewrite writes per second
//! scan_rate = "200MB"         # bytes a whole-table read takes per second
//! note_under = "1s"           # shorter work: the finding is a note
//! error_over = "1min"         # longer work: the finding blocks
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{parse_size, ConfigError};
use crate::settings::{parse_duration_ms, Estimates, TablePattern, TableSize};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEstimates {
    rewrite_rate: Option<Spanned<toml::Value>>,
    scan_rate: Option<Spanned<toml::Value>>,
    note_under: Option<Spanned<toml::Value>>,
    error_over: Option<Spanned<toml::Value>>,
}

/// `[tables]` in the order written (a later pattern wins over an earlier one).
pub(super) fn declared_tables(
    raw: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<Vec<(TablePattern, TableSize)>, ConfigError> {
    let mut entries: Vec<_> = raw.into_iter().collect();
    entries.sort_by_key(|(pattern, _)| pattern.span().start);
    entries
        .into_iter()
        .map(|(pattern, value)| {
            let table = TablePattern::new(pattern.get_ref())
                .map_err(|why| ConfigError(format!("{}: bad [tables] entry: {why}", at(pattern.span()))))?;
            let size = table_size(value.get_ref()).map_err(|why| {
                ConfigError(format!(
                    "{}: `{}` in [tables] {why}",
                    at(value.span()),
                    pattern.get_ref()
                ))
            })?;
            Ok((table, size))
        })
        .collect()
}

/// `"200GB"`, or `{ size = "200GB", rows = 3000000000, writes_per_second = 500 }`.
fn table_size(value: &toml::Value) -> Result<TableSize, String> {
    const EXPECTED: &str = "must be a size such as \"200GB\" or a table such as \
         { size = \"200GB\", rows = 3000000000, writes_per_second = 500 }";
    let bytes = |value: &toml::Value| match value {
        toml::Value::String(text) => parse_size(text),
        toml::Value::Integer(i) => u64::try_from(*i).ok(),
        _ => None,
    };
    match value {
        toml::Value::String(_) | toml::Value::Integer(_) => {
            let bytes = bytes(value).ok_or(EXPECTED)?;
            Ok(TableSize {
                table_bytes: Some(bytes),
                total_bytes: Some(bytes),
                ..TableSize::default()
            })
        }
        toml::Value::Table(fields) => {
            let mut size = TableSize::default();
            for (key, field) in fields {
                match key.as_str() {
                    "size" => {
                        let b = bytes(field).ok_or("has a `size` that is not a size such as \"200GB\"")?;
                        size.table_bytes = Some(b);
                        size.total_bytes = Some(b);
                    }
                    "rows" => {
                        size.rows = Some(
                            field
                                .as_integer()
                                .and_then(|i| u64::try_from(i).ok())
                                .ok_or("has `rows` that is not a whole number of rows")?,
                        )
                    }
                    "writes_per_second" => {
                        let rate = match field {
                            toml::Value::Integer(i) => *i as f64,
                            toml::Value::Float(f) => *f,
                            _ => f64::NAN,
                        };
                        if !(rate.is_finite() && rate >= 0.0) {
                            return Err("has `writes_per_second` that is not a number of rows per second".into());
                        }
                        size.writes_per_second = Some(rate);
                    }
                    other => {
                        return Err(format!(
                            "has an unknown key `{other}`; expected `size`, `rows` or `writes_per_second`"
                        ))
                    }
                }
            }
            Ok(size)
        }
        _ => Err(EXPECTED.to_string()),
    }
}

/// `[estimates]` over the defaults.
pub(super) fn estimates(
    raw: RawEstimates,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<Estimates, ConfigError> {
    let mut estimates = Estimates::default();
    let rate = |value: &Spanned<toml::Value>, key: &str| {
        let bytes = match value.get_ref() {
            toml::Value::String(text) => parse_size(text),
            toml::Value::Integer(i) => u64::try_from(*i).ok(),
            _ => None,
        };
        bytes.filter(|b| *b > 0).ok_or_else(|| {
            ConfigError(format!(
                "{}: `{key}` in [estimates] must be bytes per second, such as \"50MB\"",
                at(value.span())
            ))
        })
    };
    let duration = |value: &Spanned<toml::Value>, key: &str| {
        let ms = match value.get_ref() {
            toml::Value::String(text) => parse_duration_ms(text),
            toml::Value::Integer(i) => u64::try_from(*i).ok(),
            _ => None,
        };
        ms.ok_or_else(|| {
            ConfigError(format!(
                "{}: `{key}` in [estimates] must be milliseconds or a duration such as \"1min\"",
                at(value.span())
            ))
        })
    };
    if let Some(value) = &raw.rewrite_rate {
        estimates.rewrite_bytes_per_second = rate(value, "rewrite_rate")?;
    }
    if let Some(value) = &raw.scan_rate {
        estimates.scan_bytes_per_second = rate(value, "scan_rate")?;
    }
    if let Some(value) = &raw.note_under {
        estimates.note_under_ms = duration(value, "note_under")?;
    }
    if let Some(value) = &raw.error_over {
        estimates.error_over_ms = duration(value, "error_over")?;
    }
    if estimates.error_over_ms < estimates.note_under_ms {
        let named = raw.error_over.as_ref().or(raw.note_under.as_ref());
        return Err(ConfigError(format!(
            "{}: `error_over` ({} ms) in [estimates] must not be shorter than `note_under` ({} ms)",
            named.map_or_else(String::new, |value| at(value.span())),
            estimates.error_over_ms,
            estimates.note_under_ms
        )));
    }
    Ok(estimates)
}
