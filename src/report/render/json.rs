//! JSON output, version 1, described by `schema/miglint-report.schema.json`.
//! Built from explicit output types, never by dumping internal structs.

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value};

use crate::diagnostic::Diagnostic;
use crate::input::layout::{RootSummary, RunnerTransaction};
use crate::input::source::Position;
use crate::report::FileReport;
use crate::report::Report;

pub(super) const VERSION: u32 = 1;

/// Writes the report as it is serialized: each diagnostic becomes a value
/// and is written before the next is built, so memory does not grow with
/// the report (a whole report as one value took more than the analysis).
pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &ReportOut(report))?;
    writeln!(out)
}

struct ReportOut<'a>(&'a Report);

impl Serialize for ReportOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let summary = report.summary();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("version", &VERSION)?;
        map.serialize_entry(
            "tool",
            &json!({ "name": "miglint", "version": env!("CARGO_PKG_VERSION") }),
        )?;
        map.serialize_entry(
            "settings",
            &json!({ "pg_version": report.pg_version, "fail_on": report.fail_on.as_str() }),
        )?;
        if !report.roots.is_empty() {
            map.serialize_entry("roots", &Streamed(|| report.roots.iter().map(root_value)))?;
        }
        map.serialize_entry("files", &Streamed(|| report.files.iter().map(file_value)))?;
        map.serialize_entry(
            "diagnostics",
            &Streamed(|| report.diagnostics().map(|(f, d)| diagnostic_value(f, d))),
        )?;
        map.serialize_entry(
            "summary",
            &json!({
                "files": summary.files,
                "statements": summary.statements,
                "errors": summary.errors,
                "warnings": summary.warnings,
                "infos": summary.infos,
                "suppressed": summary.suppressed,
                "baselined": summary.baselined,
                "blocking": summary.blocking,
            }),
        )?;
        map.end()
    }
}

/// A JSON array written from an iterator, one element at a time.
struct Streamed<F>(F);

impl<F, I> Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: Iterator<Item = Value>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

fn root_value(root: &RootSummary) -> Value {
    let transaction = match root.transaction {
        RunnerTransaction::PerFile => "per-file",
        RunnerTransaction::Batch => "batch",
        RunnerTransaction::Detected => "detected",
        RunnerTransaction::AllPending => "all-pending",
        RunnerTransaction::None => "none",
    };
    json!({
        "path": root.dir,
        "tool": root.tool.id(),
        "tool_reason": root.tool_reason,
        "tool_configured": root.tool_configured,
        "dialect": root.dialect.id(),
        "dialect_reason": root.dialect_reason,
        "transaction": transaction,
        "opted_out": root.opted_out,
        "migrations": root.migrations,
        "base_schema": root.base_schema,
        "code_migrations": root
            .code_migrations
            .iter()
            .map(|(language, count)| json!({ "language": language.to_ascii_lowercase(), "count": count }))
            .collect::<Vec<_>>(),
    })
}

fn file_value(file: &FileReport) -> Value {
    let script = &file.script;
    json!({
        "path": file.path(),
        "statements": file.statements,
        "diagnostics": file.diagnostics.len(),
        "tool": script.tool.id(),
        "root": script.root,
        "direction": script.direction.map(|d| d.id()),
        "transaction": script.transaction.id(),
        "order": script.order,
    })
}

pub(super) fn position_value(p: Position) -> Value {
    json!({ "line": p.line, "column": p.column, "offset": p.offset })
}

pub(super) fn diagnostic_value(file: &FileReport, d: &Diagnostic) -> Value {
    let span = |start: usize, end: usize| {
        json!({
            "start": position_value(file.source.position(start)),
            "end": position_value(file.source.position(end)),
        })
    };
    json!({
        "rule": d.rule,
        "severity": d.severity.as_str(),
        "message": d.message,
        "help": d.help,
        "path": file.path(),
        "span": { "start": position_value(d.start), "end": position_value(d.end) },
        "labels": d.labels.iter().map(|l| json!({
            "message": l.message,
            "span": span(l.span.start, l.span.end),
        })).collect::<Vec<_>>(),
        "lock": d.lock.as_ref().map(|lock| json!({
            "mode": lock.mode.name(),
            "relation": lock.relation.plain(),
            "blocks_reads": lock.mode.blocks_reads(),
            "blocks_writes": lock.mode.blocks_writes(),
        })),
        "suppressed": d.suppressed.is_some(),
        "suppression": d.suppressed.as_ref().map(|s| json!({
            "reason": s.reason,
            "scope": s.scope.as_str(),
        })),
    })
}
