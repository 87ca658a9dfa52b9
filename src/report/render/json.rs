//! JSON output, version 1, described by `schema/miglint-report.schema.json`.
//! Built from explicit output types, never by dumping internal structs.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::diagnostic::Diagnostic;
use crate::input::layout::{RootSummary, RunnerTransaction};
use crate::input::source::Position;
use crate::report::FileReport;
use crate::report::Report;

pub(super) const VERSION: u32 = 1;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report_value(report))?;
    writeln!(out)
}

pub(super) fn report_value(report: &Report) -> Value {
    let summary = report.summary();
    let mut value = json!({
        "version": VERSION,
        "tool": { "name": "miglint", "version": env!("CARGO_PKG_VERSION") },
        "settings": { "pg_version": report.pg_version, "fail_on": report.fail_on.as_str() },
        "roots": report.roots.iter().map(root_value).collect::<Vec<_>>(),
        "files": report.files.iter().map(file_value).collect::<Vec<_>>(),
        "diagnostics": report.diagnostics().map(|(f, d)| diagnostic_value(f, d)).collect::<Vec<_>>(),
        "summary": {
            "files": summary.files,
            "statements": summary.statements,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "infos": summary.infos,
            "suppressed": summary.suppressed,
            "baselined": summary.baselined,
            "blocking": summary.blocking,
        },
    });
    if report.roots.is_empty() {
        value.as_object_mut().expect("an object").remove("roots");
    }
    value
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
