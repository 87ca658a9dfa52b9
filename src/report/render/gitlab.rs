//! GitLab Code Quality report, with the fingerprints of `report::fingerprint`
//! (they survive unrelated edits that move a finding).

use std::io::{self, Write};

use serde_json::{json, Value};

use super::size_words::finding_context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::report::fingerprint::fingerprints;
use crate::report::Report;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let fingerprints = fingerprints(&report.files, |file| file.path().to_string());
    let issues: Vec<Value> = report
        .files
        .iter()
        .zip(&fingerprints)
        .flat_map(|(file, prints)| file.diagnostics.iter().zip(prints).map(move |(d, print)| (file, d, print)))
        .filter(|(_, d, _)| d.is_active())
        .map(|(file, d, fingerprint)| {
            json!({
                "type": "issue",
                "check_name": d.rule,
                "description": d.message,
                "content": { "body": body(d) },
                "categories": ["Bug Risk"],
                "severity": match d.severity { Severity::Error => "major", Severity::Warning => "minor", Severity::Info => "info" },
                "fingerprint": fingerprint,
                "location": {
                    "path": file.path(),
                    "lines": { "begin": d.start.line, "end": d.end.line },
                },
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

/// The issue's body: the safe way instead, then who reviews it and how big
/// its tables are.
fn body(d: &Diagnostic) -> String {
    let mut lines: Vec<String> = d.help.iter().cloned().collect();
    lines.extend(finding_context(d));
    lines.join("\n\n")
}
