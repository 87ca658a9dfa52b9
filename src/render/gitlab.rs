//! GitLab Code Quality report. Fingerprints hash the rule, the path, the
//! flagged text and its occurrence, not line numbers, so they survive
//! unrelated edits that move the finding.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Report;
use crate::diagnostic::Severity;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Value> = report
        .diagnostics()
        .filter(|(_, d)| d.is_active())
        .map(|(file, d)| {
            let flagged: String = file
                .source
                .slice(d.span)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let key = format!("{}\0{}\0{}", d.rule, file.path(), flagged);
            let occurrence = seen.entry(key.clone()).or_insert(0);
            *occurrence += 1;
            let fingerprint = hex(&Sha256::digest(format!("{key}\0{occurrence}").as_bytes()));
            json!({
                "type": "issue",
                "check_name": d.rule,
                "description": d.message,
                "content": { "body": d.help.clone().unwrap_or_default() },
                "categories": ["Bug Risk"],
                "severity": match d.severity { Severity::Error => "major", Severity::Warning => "minor" },
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
