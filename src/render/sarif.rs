//! SARIF 2.1.0 for code scanning: every rule in `tool.driver.rules`, one
//! result per finding, suppressed findings with `suppressions`.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{rule_doc_url, Report};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileReport;
use crate::rules;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_value(report))?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

pub fn sarif_value(report: &Report) -> Value {
    let rule_list: Vec<Value> = rules::all()
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            json!({
                "id": meta.id,
                "name": meta.id,
                "shortDescription": { "text": meta.summary() },
                "fullDescription": { "text": meta.description() },
                "help": { "text": meta.doc, "markdown": meta.doc },
                "helpUri": rule_doc_url(meta.id),
                "defaultConfiguration": { "level": level(meta.default_severity) },
                "properties": { "category": meta.category.as_str(), "tags": [meta.category.as_str()] },
            })
        })
        .collect();
    let results: Vec<Value> = report.diagnostics().map(|(f, d)| result(f, d)).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "miglint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/miglint/miglint",
                "rules": rule_list,
            }},
            "originalUriBaseIds": { "%SRCROOT%": { "uri": "./" } },
            "results": results,
        }],
    })
}

fn result(file: &FileReport, d: &Diagnostic) -> Value {
    let rule_index = rules::all().iter().position(|r| r.meta().id == d.rule);
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.rule,
        "ruleIndex": rule_index,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": relative_uri(file.path()), "uriBaseId": "%SRCROOT%" },
                "region": {
                    "startLine": d.start.line,
                    "startColumn": d.start.column,
                    "endLine": d.end.line,
                    "endColumn": d.end.column,
                },
            },
        }],
    });
    if let Some(lock) = &d.lock {
        result["properties"] =
            json!({ "lock": { "mode": lock.mode.name(), "relation": super::json::relation_name(&lock.relation) } });
    }
    if let Some(s) = &d.suppressed {
        let mut suppression = json!({ "kind": "inSource" });
        if let Some(reason) = &s.reason {
            suppression["justification"] = json!(reason);
        }
        result["suppressions"] = json!([suppression]);
    }
    result
}

/// A relative URI reference: forward slashes, percent-encoded where needed.
fn relative_uri(path: &str) -> String {
    let path = path.trim_start_matches("./");
    let mut out = String::new();
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            b'\\' => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
