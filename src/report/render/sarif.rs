//! SARIF 2.1.0 for code scanning: every rule in `tool.driver.rules`, one
//! result per finding, suppressed findings with `suppressions`.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::rule_doc_url;
use crate::diagnostic::{Diagnostic, Severity, SuppressionScope};
use crate::report::FileReport;
use crate::report::Report;
use crate::rule::{Category, RuleMeta};
use crate::rules;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_value(report))?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub(super) fn sarif_value(report: &Report) -> Value {
    // The built-in rules, then the custom rules the findings name.
    let mut metas: Vec<&RuleMeta> = rules::all().iter().map(|rule| rule.meta()).collect();
    for (_, diagnostic) in report.diagnostics() {
        if rules::find(diagnostic.rule).is_none() && !metas.iter().any(|m| m.id == diagnostic.rule) {
            metas.extend(crate::report::custom::registered(diagnostic.rule));
        }
    }
    let rule_list: Vec<Value> = metas
        .iter()
        .map(|meta| {
            let mut rule = json!({
                "id": meta.id,
                "name": meta.id,
                "shortDescription": { "text": meta.summary() },
                "fullDescription": { "text": meta.description() },
                "help": { "text": meta.doc, "markdown": meta.doc },
                "helpUri": rule_doc_url(meta.id),
                "defaultConfiguration": {
                    "level": level(meta.default_severity),
                    "enabled": meta.enabled_by_default,
                },
                "properties": { "category": meta.category.as_str(), "tags": [meta.category.as_str()] },
            });
            // A custom rule's documentation is its config: no page to link.
            if meta.category == Category::Custom {
                if let Some(fields) = rule.as_object_mut() {
                    fields.remove("helpUri");
                }
            }
            rule
        })
        .collect();
    let results: Vec<Value> = report
        .diagnostics()
        .map(|(f, d)| result(f, d, metas.iter().position(|m| m.id == d.rule)))
        .collect();
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
            // Columns count Unicode characters, as everywhere in miglint;
            // SARIF's default would be UTF-16 code units.
            "columnKind": "unicodeCodePoints",
            // The folder miglint ran in; SARIF wants an absolute URI here or
            // none, and the output stays the same wherever it is produced.
            "originalUriBaseIds": {
                "%SRCROOT%": { "description": { "text": "the folder miglint was run from" } },
            },
            "results": results,
        }],
    })
}

fn result(file: &FileReport, d: &Diagnostic, rule_index: Option<usize>) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(file.path()),
                "region": {
                    "startLine": d.start.line,
                    "startColumn": d.start.column,
                    "endLine": d.end.line,
                    "endColumn": d.end.column,
                },
            },
        }],
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    if let Some(lock) = &d.lock {
        result["properties"] = json!({ "lock": { "mode": lock.mode.name(), "relation": &lock.relation.plain() } });
    }
    // Who reviews: the owners of the finding's tables (`[owners]`).
    if let Some(owners) = d.owners.as_ref().filter(|o| !o.is_empty()) {
        if result.get("properties").is_none() {
            result["properties"] = json!({});
        }
        result["properties"]["owners"] = json!(owners);
    }
    // How big its tables are, and the estimated duration of the work.
    if let Some(note) = &d.size {
        if result.get("properties").is_none() {
            result["properties"] = json!({});
        }
        result["properties"]["size"] = super::json::size_json(note);
    }
    if let Some(s) = &d.suppressed {
        // A baseline is kept outside the source; an ignore comment is in it.
        let kind = if s.scope == SuppressionScope::Baseline {
            "external"
        } else {
            "inSource"
        };
        let mut suppression = json!({ "kind": kind });
        if let Some(reason) = &s.reason {
            suppression["justification"] = json!(reason);
        }
        result["suppressions"] = json!([suppression]);
    }
    result
}

/// Where a file is: relative paths are relative URI references under
/// `%SRCROOT%`; absolute paths become `file://` URIs.
fn artifact_location(path: &str) -> Value {
    let path = path.replace('\\', "/");
    let drive = path.as_bytes().get(1) == Some(&b':') && path.as_bytes()[0].is_ascii_alphabetic();
    if path.starts_with('/') || drive {
        let rooted = if drive { format!("/{path}") } else { path };
        return json!({ "uri": format!("file://{}", percent_encode(&rooted, true)) });
    }
    let relative = path.trim_start_matches("./");
    json!({ "uri": percent_encode(relative, false), "uriBaseId": "%SRCROOT%" })
}

/// Percent-encodes a path for a URI: `/` and unreserved characters stay; a
/// drive letter's `:` stays in an absolute `file://` URI.
fn percent_encode(path: &str, absolute: bool) -> String {
    let mut out = String::new();
    for (i, byte) in path.bytes().enumerate() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            b':' if absolute && i == 2 => out.push(':'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_sit_under_srcroot_and_absolute_ones_are_file_uris() {
        assert_eq!(
            artifact_location("./db/1 a,b:c.sql"),
            json!({ "uri": "db/1%20a%2Cb%3Ac.sql", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("/tmp/x y.sql"),
            json!({ "uri": "file:///tmp/x%20y.sql" })
        );
        assert_eq!(
            artifact_location("C:\\db\\1.sql"),
            json!({ "uri": "file:///C:/db/1.sql" })
        );
        assert_eq!(
            artifact_location("<stdin>"),
            json!({ "uri": "%3Cstdin%3E", "uriBaseId": "%SRCROOT%" })
        );
    }
}
