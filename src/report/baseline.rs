//! A baseline: the findings a team accepts today, so that adopting miglint
//! on an old history blocks only what is new. `miglint baseline` writes one
//! (a JSON file listing each finding's fingerprint, with its rule, file, line
//! and message for a human reading it); `check --baseline FILE` (or config
//! `baseline`) silences the findings it lists and says how many. Matching is
//! by fingerprint alone (`report::fingerprint`), so a finding keeps its place
//! in the baseline when lines are added above it, and a new finding on a
//! line of its own is never hidden. No I/O here: the front end reads and
//! writes the file and says where paths are relative to.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::fingerprint::fingerprints;
use super::FileReport;
use crate::diagnostic::{Suppressed, SuppressionScope};

/// The format's version, written in the file.
const VERSION: u64 = 1;

/// A baseline file, read.
#[derive(Debug, Default)]
pub(crate) struct Baseline {
    /// How many times each fingerprint is listed.
    counts: HashMap<String, usize>,
}

/// What applying a baseline did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Applied {
    /// Findings the baseline silenced.
    pub(crate) matched: usize,
    /// Entries that matched no finding (fixed since, or their file not checked).
    pub(crate) stale: usize,
}

impl Baseline {
    /// Reads a baseline file's text; `name` names it in errors.
    pub(crate) fn parse(text: &str, name: &str) -> Result<Baseline, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("{name}: not a miglint baseline (invalid JSON: {e})"))?;
        let version = value.get("version").and_then(Value::as_u64);
        if version != Some(VERSION) {
            return Err(format!(
                "{name}: not a miglint baseline of version {VERSION} (write it again with `miglint baseline`)"
            ));
        }
        let findings = value
            .get("findings")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{name}: a miglint baseline needs a `findings` list"))?;
        let mut counts = HashMap::new();
        for (i, finding) in findings.iter().enumerate() {
            let fingerprint = finding
                .get("fingerprint")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{name}: finding {} has no `fingerprint`", i + 1))?;
            *counts.entry(fingerprint.to_string()).or_insert(0) += 1;
        }
        Ok(Baseline { counts })
    }

    /// Silences the findings of `files` the baseline lists; `path_of` names a
    /// file relative to the baseline's folder, as when it was written.
    pub(crate) fn apply(&self, mut files: Vec<&mut FileReport>, path_of: impl Fn(&FileReport) -> String) -> Applied {
        let prints = fingerprints(files.iter().map(|f| &**f), path_of);
        let mut left = self.counts.clone();
        let mut matched = 0;
        for (file, prints) in files.iter_mut().zip(prints) {
            for (diagnostic, print) in file.diagnostics.iter_mut().zip(prints) {
                let Some(print) = print else { continue };
                let Some(count) = left.get_mut(&print).filter(|c| **c > 0) else {
                    continue;
                };
                *count -= 1;
                matched += 1;
                diagnostic.suppressed = Some(Suppressed {
                    reason: None,
                    scope: SuppressionScope::Baseline,
                });
            }
        }
        Applied {
            matched,
            stale: left.values().sum(),
        }
    }
}

/// The baseline of `files`: every finding no ignore comment silenced, in
/// report order; `path_of` names a file relative to the baseline's folder.
pub(crate) fn write(files: &[FileReport], path_of: impl Fn(&FileReport) -> String) -> (String, usize) {
    let prints = fingerprints(files, &path_of);
    let mut findings = Vec::new();
    for (file, prints) in files.iter().zip(prints) {
        for (d, print) in file.diagnostics.iter().zip(prints) {
            let Some(print) = print else { continue };
            findings.push(json!({
                "rule": d.rule,
                "path": path_of(file),
                "line": d.start.line,
                "message": d.message,
                "fingerprint": print,
            }));
        }
    }
    let count = findings.len();
    let document = json!({
        "version": VERSION,
        "about": "findings accepted when this file was written by `miglint baseline`; `miglint check --baseline` reports only the others",
        "findings": findings,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("JSON of plain values");
    text.push('\n');
    (text, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::engine::lint_bytes;
    use crate::settings::Settings;

    fn lint(text: &str) -> Vec<FileReport> {
        vec![lint_bytes("db/1.sql", text.as_bytes(), &Settings::default())]
    }

    fn active(files: &[FileReport]) -> Vec<(usize, &'static str)> {
        files[0].active().map(|d| (d.start.line, d.rule)).collect()
    }

    #[test]
    fn only_new_findings_remain_after_edits_that_move_the_old_ones() {
        let old = "CREATE INDEX a_idx ON users (a);\n";
        let (text, written) = write(&lint(old), |f| f.path().to_string());
        assert_eq!(written, 2, "require-concurrent-index and require-lock-timeout");
        let baseline = Baseline::parse(&text, "baseline.json").unwrap();

        // A comment added above moves the old finding; a new index is new.
        let edited = "-- moved down\nCREATE INDEX a_idx ON users (a);\nCREATE INDEX b_idx ON users (b);\n";
        let mut files = lint(edited);
        let applied = baseline.apply(files.iter_mut().collect(), |f| f.path().to_string());
        assert_eq!(applied, Applied { matched: 2, stale: 0 });
        // (The file's one require-lock-timeout stays on the old statement.)
        assert_eq!(
            active(&files),
            [(3, "require-concurrent-index")],
            "only the new statement's finding"
        );
        let silenced = files[0].diagnostics.iter().filter(|d| d.suppressed.is_some()).count();
        assert_eq!(silenced, 2);

        // The old statement fixed: its entries are stale, nothing is silenced.
        let mut fixed = lint("SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY a_idx ON users (a);\n");
        let applied = baseline.apply(fixed.iter_mut().collect(), |f| f.path().to_string());
        assert_eq!(applied, Applied { matched: 0, stale: 2 });
        // Another file with the same text is another finding.
        let mut other = lint(old);
        let applied = baseline.apply(other.iter_mut().collect(), |_| "db/2.sql".to_string());
        assert_eq!(applied.matched, 0);
    }

    #[test]
    fn a_file_that_is_no_baseline_is_refused_with_its_name() {
        assert!(Baseline::parse("[]", "b.json")
            .unwrap_err()
            .starts_with("b.json: not a miglint baseline of version 1"));
        assert!(Baseline::parse("{", "b.json").unwrap_err().contains("invalid JSON"));
        let no_print = r#"{"version": 1, "findings": [{"rule": "x"}]}"#;
        assert_eq!(
            Baseline::parse(no_print, "b.json").unwrap_err(),
            "b.json: finding 1 has no `fingerprint`"
        );
    }
}
