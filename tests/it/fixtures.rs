//! Fixture runner: `fixtures/<dir>/bad_*.sql` and `ok_*.sql`. A line
//! `-- expect: <id>[, <id>...]` says the statement starting on the next
//! non-marker line must be flagged by exactly those rules; the set of
//! (line, rule) pairs over all rules must equal the markers exactly.
//! `-- expect-file: <id>` expects a finding about the whole file (line 1).

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{findings_by_statement_line, lint, repo_root, sorted_files};

/// Markers of a fixture as (line of the statement below, rule id).
fn expected_markers(text: &str) -> BTreeSet<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut expected = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(ids) = line.trim().strip_prefix("-- expect-file:") {
            expected.extend(
                ids.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|id| (1, id.to_string())),
            );
            continue;
        }
        let Some(ids) = line.trim().strip_prefix("-- expect:") else {
            continue;
        };
        let target = (i + 1..lines.len())
            .find(|&j| !lines[j].trim().starts_with("-- expect:"))
            .map_or(i + 1, |j| j + 1);
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            expected.insert((target, id.to_string()));
        }
    }
    expected
}

fn check_fixture(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).unwrap();
    let display = path
        .strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string();
    let report = lint(&display, &bytes);
    let actual: BTreeSet<(usize, String)> =
        findings_by_statement_line(&report).into_iter().collect();
    let expected = expected_markers(&String::from_utf8_lossy(&bytes));
    let name = path.file_name().unwrap().to_string_lossy();
    if name.starts_with("ok_") && !expected.is_empty() {
        return Err(format!("{display}: ok_ fixtures carry no expect markers"));
    }
    if name.starts_with("bad_") && expected.is_empty() {
        return Err(format!(
            "{display}: bad_ fixtures need at least one expect marker"
        ));
    }
    if actual != expected {
        let missing: Vec<_> = expected.difference(&actual).collect();
        let unexpected: Vec<_> = actual.difference(&expected).collect();
        return Err(format!(
            "{display}:\n  expected but not reported (line, rule): {missing:?}\n  reported but not expected: {unexpected:?}"
        ));
    }
    Ok(())
}

#[test]
fn every_fixture_reports_exactly_its_markers() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in sorted_files(&repo_root().join("fixtures")) {
        if !dir.is_dir() {
            continue;
        }
        for file in sorted_files(&dir) {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            if (name.starts_with("bad_") || name.starts_with("ok_")) && name.ends_with(".sql") {
                checked += 1;
                if let Err(e) = check_fixture(&file) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} of {checked} fixtures failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn markers_point_at_the_statement_below() {
    let text = "-- expect: a\n-- expect: b\nDROP TABLE t;\n";
    let markers = expected_markers(text);
    assert_eq!(markers, BTreeSet::from([(3, "a".into()), (3, "b".into())]));
}
