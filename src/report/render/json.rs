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
            &Streamed(|| report.diagnostics().map(|(f, d)| diagnostic_out(f, d))),
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

impl<F, I, T> Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: Iterator<Item = T>,
    T: Serialize,
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
        "dialect": script.dialect.id(),
        "direction": script.direction.map(|d| d.id()),
        "transaction": script.transaction.id(),
        "order": script.order,
        "owners": file.owners,
    })
}

pub(super) fn position_value(p: Position) -> Value {
    json!({ "line": p.line, "column": p.column, "offset": p.offset })
}

/// A diagnostic as the schema describes it, serialized straight from the
/// report's data (building a `Value` for each took a tenth of a large run).
#[derive(serde::Serialize)]
struct DiagnosticOut<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    path: &'a str,
    span: SpanOut,
    labels: Vec<LabelOut<'a>>,
    lock: Option<LockOut>,
    suppressed: bool,
    suppression: Option<SuppressionOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owners: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixOut<'a>>,
}

#[derive(serde::Serialize)]
struct FixOut<'a> {
    title: &'a str,
    applicability: &'static str,
    edits: Vec<EditOut<'a>>,
    new_file: Option<NewFileOut<'a>>,
}

#[derive(serde::Serialize)]
struct EditOut<'a> {
    span: SpanOut,
    text: &'a str,
}

#[derive(serde::Serialize)]
struct NewFileOut<'a> {
    name: &'a str,
    content: &'a str,
}

#[derive(serde::Serialize)]
struct SpanOut {
    start: PositionOut,
    end: PositionOut,
}

#[derive(serde::Serialize)]
struct PositionOut {
    line: usize,
    column: usize,
    offset: usize,
}

impl From<Position> for PositionOut {
    fn from(p: Position) -> PositionOut {
        PositionOut {
            line: p.line,
            column: p.column,
            offset: p.offset,
        }
    }
}

#[derive(serde::Serialize)]
struct LabelOut<'a> {
    message: &'a str,
    span: SpanOut,
}

#[derive(serde::Serialize)]
struct LockOut {
    mode: &'static str,
    relation: String,
    blocks_reads: bool,
    blocks_writes: bool,
}

#[derive(serde::Serialize)]
struct SuppressionOut<'a> {
    reason: Option<&'a str>,
    scope: &'static str,
}

fn diagnostic_out<'a>(file: &'a FileReport, d: &'a Diagnostic) -> DiagnosticOut<'a> {
    let span = |start: usize, end: usize| SpanOut {
        start: file.source.position(start).into(),
        end: file.source.position(end).into(),
    };
    DiagnosticOut {
        rule: d.rule,
        severity: d.severity.as_str(),
        message: &d.message,
        help: d.help.as_deref(),
        path: file.path(),
        span: SpanOut {
            start: d.start.into(),
            end: d.end.into(),
        },
        labels: d
            .labels
            .iter()
            .map(|l| LabelOut {
                message: &l.message,
                span: span(l.span.start, l.span.end),
            })
            .collect(),
        lock: d.lock.as_ref().map(|lock| LockOut {
            mode: lock.mode.name(),
            relation: lock.relation.plain(),
            blocks_reads: lock.mode.blocks_reads(),
            blocks_writes: lock.mode.blocks_writes(),
        }),
        suppressed: d.suppressed.is_some(),
        suppression: d.suppressed.as_ref().map(|s| SuppressionOut {
            reason: s.reason.as_deref(),
            scope: s.scope.as_str(),
        }),
        owners: d.owners.as_deref(),
        size: d.size.as_ref().map(size_json),
        fix: d.fix.as_ref().map(|fix| FixOut {
            title: &fix.title,
            applicability: fix.applicability.as_str(),
            edits: fix
                .edits
                .iter()
                .map(|e| EditOut {
                    span: span(e.span.start, e.span.end),
                    text: &e.text,
                })
                .collect(),
            new_file: fix.new_file.as_ref().map(|f| NewFileOut {
                name: &f.name,
                content: &f.content,
            }),
        }),
    }
}

/// A finding's size note: its known tables, the estimated duration of its
/// statement's rewrites and reads, and the rule's severity when the
/// estimate changed it.
pub(super) fn size_json(note: &crate::diagnostic::SizeNote) -> serde_json::Value {
    let mut out = serde_json::json!({ "tables": tables_json(&note.tables) });
    if let Some(seconds) = note.seconds {
        out["estimated_seconds"] = serde_json::json!(seconds);
    }
    if let Some(from) = note.scaled_from {
        out["rule_severity"] = serde_json::json!(from.as_str());
    }
    if let Some((count, longest)) = note.waits_behind {
        out["long_transactions"] = serde_json::json!({ "count": count, "longest_seconds": longest });
    }
    out
}

/// Known tables as JSON: the relation and what is known of it.
pub(crate) fn tables_json(tables: &[crate::diagnostic::SizedTable]) -> serde_json::Value {
    tables
        .iter()
        .map(|t| {
            let mut table = serde_json::Map::new();
            table.insert("relation".into(), serde_json::json!(t.relation.plain()));
            if let serde_json::Value::Object(fields) = serde_json::json!(t.size) {
                table.extend(fields);
            }
            serde_json::Value::Object(table)
        })
        .collect()
}
