//! Fixture runner: `fixtures/<dir>/bad_*.sql` and `ok_*.sql`. A line
//! `-- expect: <id>[, <id>...]` says the statement starting on the next
//! non-marker line must be flagged by exactly those rules; the set of
//! (line, rule) pairs over all rules must equal the markers exactly.
//! `-- expect-file: <id>` expects a finding about the whole file (line 1).
//! The human rendering of every fixture is snapshotted with insta.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use miglint::config::FailOn;
use miglint::render::{self, Format, RenderOptions, Report};

use crate::common::{findings_by_statement_line, lint, repo_root, sorted_files};

/// Lines of a fixture; LF, CRLF and a lone CR each end a line.
fn lines(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(str::to_string)
        .collect()
}

/// Markers of a fixture as (line of the statement below, rule id).
fn expected_markers(text: &str) -> BTreeSet<(usize, String)> {
    let lines = lines(text);
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
    let display = path.strip_prefix(repo_root()).unwrap_or(path).display().to_string();
    let report = lint(&display, &bytes);
    let actual: BTreeSet<(usize, String)> = findings_by_statement_line(&report).into_iter().collect();
    let expected = expected_markers(&String::from_utf8_lossy(&bytes));
    let name = path.file_name().unwrap().to_string_lossy();
    if name.starts_with("ok_") && !expected.is_empty() {
        return Err(format!("{display}: ok_ fixtures carry no expect markers"));
    }
    if name.starts_with("bad_") && expected.is_empty() {
        return Err(format!("{display}: bad_ fixtures need at least one expect marker"));
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

/// Every `fixtures/<dir>/bad_*.sql` and `ok_*.sql`, in order.
fn fixture_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in sorted_files(&repo_root().join("fixtures")) {
        if !dir.is_dir() {
            continue;
        }
        for file in sorted_files(&dir) {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            if (name.starts_with("bad_") || name.starts_with("ok_")) && name.ends_with(".sql") {
                files.push(file);
            }
        }
    }
    files
}

#[test]
fn every_fixture_reports_exactly_its_markers() {
    let mut failures = Vec::new();
    let files = fixture_files();
    let checked = files.len();
    for file in files {
        if let Err(e) = check_fixture(&file) {
            failures.push(e);
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
    for ending in ["\r\n", "\r"] {
        assert_eq!(expected_markers(&text.replace('\n', ending)), markers, "{ending:?}");
    }
    assert_eq!(lines("a\r\nb\rc\n\nd"), ["a", "b", "c", "", "d"]);
}

const SNAPSHOTS: &str = "tests/it/snapshots";

/// `fixtures/require-concurrent-index/bad_existing_table.sql` ->
/// `require-concurrent-index__bad_existing_table`.
fn snapshot_name(fixture: &Path) -> String {
    let dir = fixture.parent().unwrap().file_name().unwrap().to_string_lossy();
    let stem = fixture.file_stem().unwrap().to_string_lossy();
    format!("{dir}__{stem}")
}

/// The human report of one fixture, as `miglint check --no-color` prints it.
fn human_report(fixture: &Path) -> String {
    let display = fixture
        .strip_prefix(repo_root())
        .unwrap_or(fixture)
        .to_string_lossy()
        .replace('\\', "/");
    let file = lint(&display, &std::fs::read(fixture).unwrap());
    let report = Report {
        pg_version: miglint::Settings::default().pg_version,
        files: vec![file],
        fail_on: FailOn::Error,
    };
    let mut out = Vec::new();
    render::render(Format::Human, &report, &RenderOptions { color: false }, &mut out).unwrap();
    String::from_utf8(out).expect("human output is UTF-8")
}

/// Snapshots the human output of every fixture in `tests/it/snapshots/`, one
/// `<fixture-folder>__<file-stem>.snap` each; a fixture without a snapshot, a
/// changed rendering, or a snapshot without its fixture fails. After adding or
/// changing fixtures or messages, regenerate and review the diff:
///
///     INSTA_UPDATE=always cargo test --test it fixtures::human_output
///
/// (or `cargo insta test --review -- fixtures::human_output` with cargo-insta),
/// and delete the `.snap` files of removed fixtures.
#[test]
fn human_output_of_every_fixture_is_snapshotted() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(repo_root().join(SNAPSHOTS));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let mut names = BTreeSet::new();
    for fixture in fixture_files() {
        let name = snapshot_name(&fixture);
        let rendered = human_report(&fixture);
        settings.set_info(
            &fixture
                .strip_prefix(repo_root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/"),
        );
        settings.bind(|| insta::assert_snapshot!(name.clone(), rendered));
        names.insert(name);
    }
    let orphans: Vec<String> = sorted_files(&repo_root().join(SNAPSHOTS))
        .iter()
        .filter_map(|p| p.file_name()?.to_str()?.strip_suffix(".snap").map(str::to_string))
        .filter(|name| !names.contains(name))
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshots without a fixture in {SNAPSHOTS}/ (delete them): {orphans:?}"
    );
}

#[test]
fn human_output_is_the_same_for_every_line_ending() {
    let dir = repo_root().join("fixtures/line-endings");
    let lf = human_report(&dir.join("bad_lf.sql")).replace("bad_lf.sql", "X");
    for name in ["bad_crlf.sql", "bad_cr.sql"] {
        let other = human_report(&dir.join(name)).replace(name, "X");
        assert_eq!(other, lf, "{name}");
    }
}
