//! GitLab Code Quality report. Fingerprints hash the rule, the path, the
//! message, the text of the flagged lines and its occurrence, not line
//! numbers, so they survive unrelated edits that move the finding.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Severity};
use crate::report::FileReport;
use crate::report::Report;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Value> = report
        .diagnostics()
        .filter(|(_, d)| d.is_active())
        .map(|(file, d)| {
            let key = format!("{}\0{}\0{}\0{}", d.rule, file.path(), d.message, flagged_lines(file, d));
            let occurrence = seen.entry(key.clone()).or_insert(0);
            *occurrence += 1;
            let fingerprint = hex(&Sha256::digest(format!("{key}\0{occurrence}").as_bytes()));
            json!({
                "type": "issue",
                "check_name": d.rule,
                "description": d.message,
                "content": { "body": d.help.clone().unwrap_or_default() },
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

/// The whole lines the finding's span covers, whitespace-normalised: more
/// distinctive than the flagged word alone (`INDEX`), and blind to lines
/// added or removed elsewhere.
fn flagged_lines(file: &FileReport, d: &Diagnostic) -> String {
    let lines = &file.source.lines;
    let start = lines.line_start(d.start.line - 1);
    let end = if d.end.line < lines.line_count() {
        lines.line_start(d.end.line)
    } else {
        file.source.text.len()
    };
    file.source.text[start..end.max(start)]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
