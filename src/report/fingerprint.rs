//! Fingerprints of findings that survive unrelated edits: a hash of the
//! rule, the file, the text of the flagged lines (whitespace-normalised)
//! and the finding's occurrence among identical ones, never line numbers or
//! message wording. GitLab's Code Quality report and the baseline both use
//! them, so a finding has one identity everywhere.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::FileReport;
use crate::diagnostic::{Diagnostic, SuppressionScope};

/// The fingerprint of each diagnostic of `files` that no ignore comment
/// silenced (None for those), by file and diagnostic index; `path_of` names
/// the file as the fingerprint should know it (relative to the baseline's
/// folder, or as shown).
pub(crate) fn fingerprints<'f>(
    files: impl IntoIterator<Item = &'f FileReport>,
    path_of: impl Fn(&FileReport) -> String,
) -> Vec<Vec<Option<String>>> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    files
        .into_iter()
        .map(|file| {
            let path = path_of(file);
            file.diagnostics
                .iter()
                .map(|d| {
                    if d.suppressed
                        .as_ref()
                        .is_some_and(|s| s.scope != SuppressionScope::Baseline)
                    {
                        return None;
                    }
                    let key = format!("{}\0{path}\0{}", d.rule, flagged_lines(file, d));
                    let occurrence = seen.entry(key.clone()).or_insert(0);
                    *occurrence += 1;
                    Some(hex(&Sha256::digest(format!("{key}\0{occurrence}").as_bytes())))
                })
                .collect()
        })
        .collect()
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
