//! Smoke-test helper for the tests beside each rule.

use crate::engine::{lint_source, Settings};
use crate::source::SourceFile;

/// Messages of the active findings of one rule on `sql`, with default settings.
pub fn findings(rule: &str, sql: &str) -> Vec<String> {
    findings_with(rule, sql, &Settings::default())
}

pub fn findings_with(rule: &str, sql: &str, settings: &Settings) -> Vec<String> {
    lint_source(SourceFile::new("test.sql", sql), settings)
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == rule && d.is_active())
        .map(|d| d.message)
        .collect()
}
