//! Sizes and durations in words, as every output says them: `200.0 GB`,
//! `about 1 h 8 min`, `"events" 200.0 GB, about 3,000,000 rows, 500 writes/s`.

use crate::diagnostic::{SizeNote, SizedTable};
use crate::settings::Severity;

/// `under a second`, `about 2 s`, `about 14 min`, `about 1 h 8 min`: a
/// duration as a reviewer reads it.
pub(crate) fn duration_words(seconds: f64) -> String {
    if seconds < 1.0 {
        return "under a second".to_string();
    }
    if seconds < 60.0 {
        return format!("about {seconds:.0} s");
    }
    let minutes = (seconds / 60.0).round() as u64;
    if minutes < 60 {
        return format!("about {minutes} min");
    }
    match (minutes / 60, minutes % 60) {
        (hours, 0) => format!("about {hours} h"),
        (hours, rest) => format!("about {hours} h {rest} min"),
    }
}

/// `200.0 GB`, `512 kB`: bytes in the units of `pg_size_pretty` (powers of 1000 here).
pub(crate) fn bytes_words(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `"events" 200.0 GB, about 3,000,000,000 rows, 500 writes/s`; `name` is
/// the table as the output names tables.
pub(crate) fn table_words(name: &str, table: &SizedTable) -> String {
    let size = &table.size;
    let mut parts = vec![name.to_string()];
    if let Some(bytes) = size.rewrite_bytes() {
        parts.push(bytes_words(bytes));
    }
    let mut text = parts.join(" ");
    if let Some(rows) = size.rows {
        text.push_str(&format!(", about {} rows", thousands(rows)));
    }
    if let Some(rate) = size.writes_per_second {
        text.push_str(&format!(", {} writes/s", trim_rate(rate)));
    }
    text
}

/// What the size note of a finding of `severity` says, on one line.
pub(crate) fn note_words(note: &SizeNote, severity: Severity) -> String {
    let tables: Vec<String> = note
        .tables
        .iter()
        .map(|t| table_words(&t.relation.to_string(), t))
        .collect();
    let mut text = tables.join("; ");
    if let Some(seconds) = note.seconds {
        text.push_str(&format!("; the work under the lock takes {}", duration_words(seconds)));
    }
    if let Some((count, longest)) = note.waits_behind {
        let open = if count == 1 {
            "1 transaction was".to_string()
        } else {
            format!("{count} transactions were")
        };
        text.push_str(&format!(
            "; when the stats were taken {open} open long (the longest for {}): the lock request waits behind them, and queries queue behind it",
            duration_words(longest).trim_start_matches("about ")
        ));
    }
    if let Some(from) = note.scaled_from {
        text.push_str(&format!(
            "; {} at this size (the rule says {})",
            severity.as_str(),
            from.as_str()
        ));
    }
    text
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn trim_rate(rate: f64) -> String {
    if rate >= 10.0 || rate == rate.trunc() {
        format!("{rate:.0}")
    } else {
        format!("{rate:.1}")
    }
}

/// What the text outputs (human, GitHub annotations, GitLab) say under a
/// finding: who reviews it, and how big its tables are.
pub(crate) fn finding_context(d: &crate::diagnostic::Diagnostic) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(owners) = d.owners.as_ref().filter(|o| !o.is_empty()) {
        lines.push(format!("owners: {}", owners.join(", ")));
    }
    if let Some(note) = &d.size {
        lines.push(format!("size: {}", note_words(note, d.severity)));
    }
    lines
}
