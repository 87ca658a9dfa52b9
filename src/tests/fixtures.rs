//! Fixture runner: `fixtures/<dir>/bad_*.sql` and `ok_*.sql`. A line
//! `-- expect: <id>[, <id>...]` says the statement starting on the next
//! non-marker line must be flagged by exactly those rules; the set of
//! (line, rule) pairs over all rules must equal the markers exactly.
//! `-- expect-file: <id>` expects a finding about the whole file (line 1).
//!
//! A folder `bad_<case>/` or `ok_<case>/` is one change of several files,
//! linted together in name order; its `_schema.sql`, if any, is read as the
//! production schema (`--schema`). A line `-- fixture: key=value ...` in any
//! file sets `pg_version`, `transaction` (`per-file`/`none`),
//! `assume_lock_timeout`, `require_reason`, `max_lock_timeout` (`2s`), `max_file_size`
//! (`120`, `10MB`), `placeholder.NAME` (a value of `[placeholders]`),
//! `placeholder_pattern` (one of `placeholder_patterns`), `dialect=sqlite`
//! (the case is a SQLite migration) or `sqlite_version` for the case,
//! `dialect=mysql` and `mysql_version` likewise, `rule.<id>=<severity>` (turns
//! an off-by-default rule on) and `naming.KIND` (a pattern of `[naming]`).
//! The human rendering of every case is snapshotted with insta.
//! A case folder with an `expect` file is a git history case: `history.rs`
//! runs it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::guc::parse_duration_ms;
use crate::analysis::TransactionMode;
use crate::input::config::{parse_size, FailOn};
use crate::input::layout::{Dialect, ScriptInfo};
use crate::report::engine::{history_catalog, lint_run, ChangeScope, RunInput};
use crate::report::render::{self, Format, RenderOptions};
use crate::report::FileReport;
use crate::report::Report;
use crate::settings::Settings;
use crate::SourceFile;

use crate::tests::common::{findings_by_statement_line, repo_root, sorted_files};

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

/// One fixture case: a single file, or a folder of files forming one change.
struct Case {
    path: PathBuf,
    files: Vec<PathBuf>,
    schema: Option<PathBuf>,
}

impl Case {
    fn display(&self) -> String {
        relative(&self.path)
    }

    fn is_bad(&self) -> bool {
        self.path.file_name().unwrap().to_string_lossy().starts_with("bad_")
    }

    /// Settings from `-- fixture:` lines.
    fn settings(&self) -> Settings {
        let mut settings = Settings::default();
        for file in &self.files {
            let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).to_string();
            for line in lines(&text) {
                let Some(pairs) = line.trim().strip_prefix("-- fixture:") else {
                    continue;
                };
                for pair in pairs.split_whitespace() {
                    let (key, value) = pair
                        .split_once('=')
                        .unwrap_or_else(|| panic!("{}: bad `{pair}`", relative(file)));
                    match key {
                        "pg_version" => settings.pg_version = value.parse().unwrap(),
                        // Read by `dialect()`.
                        "dialect" => {}
                        "mysql_version" => {
                            settings.mysql_server = crate::settings::MysqlServer::parse(value)
                                .unwrap_or_else(|| panic!("{}: bad mysql_version `{value}`", relative(file)))
                        }
                        "sqlite_version" => {
                            settings.sqlite_version = crate::settings::SqliteVersion::parse(value)
                                .unwrap_or_else(|| panic!("{}: bad sqlite_version `{value}`", relative(file)))
                        }
                        "transaction" => {
                            settings.transaction = Some(match value {
                                "per-file" => TransactionMode::PerFile,
                                _ => TransactionMode::None,
                            })
                        }
                        "assume_lock_timeout" => settings.assume_lock_timeout = value == "true",
                        // `require_reason = true`, as miglint.toml writes it.
                        "require_reason" => {
                            let meta = &crate::rules::suppression_without_reason::META;
                            settings.set_rule(meta.id, (value == "true").then_some(meta.default_severity));
                        }
                        "max_lock_timeout" => {
                            settings.max_lock_timeout_ms = parse_duration_ms(value)
                                .unwrap_or_else(|| panic!("{}: bad max_lock_timeout `{value}`", relative(file)))
                        }
                        "max_file_size" => {
                            settings.max_file_size = parse_size(value)
                                .unwrap_or_else(|| panic!("{}: bad max_file_size `{value}`", relative(file)))
                        }
                        "placeholder_pattern" => settings.placeholders.patterns.push(
                            regex::Regex::new(value)
                                .unwrap_or_else(|e| panic!("{}: bad placeholder_pattern: {e}", relative(file))),
                        ),
                        // `rule.<id>=<severity>`: turns an off-by-default rule on.
                        _ if key.starts_with("rule.") => {
                            let severity = crate::settings::Severity::ALL
                                .into_iter()
                                .find(|s| s.as_str() == value)
                                .unwrap_or_else(|| panic!("{}: bad severity `{value}`", relative(file)));
                            settings.set_rule(&key["rule.".len()..], Some(severity));
                        }
                        _ if key.starts_with("placeholder.") => {
                            settings
                                .placeholders
                                .values
                                .insert(key["placeholder.".len()..].to_string(), value.to_string());
                        }
                        // `naming.<kind>=<pattern>`: a line of `[naming]`.
                        _ if key.starts_with("naming.") => {
                            let kind = crate::settings::NameKind::ALL
                                .into_iter()
                                .find(|k| k.key() == &key["naming.".len()..])
                                .unwrap_or_else(|| panic!("{}: unknown `{key}`", relative(file)));
                            let pattern = crate::settings::NamePattern::new(value)
                                .unwrap_or_else(|e| panic!("{}: bad `{key}`: {e}", relative(file)));
                            std::sync::Arc::make_mut(&mut settings.naming)
                                .patterns
                                .push((kind, pattern));
                        }
                        other => panic!("{}: unknown fixture setting `{other}`", relative(file)),
                    }
                }
            }
        }
        settings
    }

    /// `-- fixture: dialect=sqlite` (or `dialect=mysql`) in any file makes
    /// the case that dialect's.
    fn dialect(&self) -> Dialect {
        self.files
            .iter()
            .find_map(|file| {
                let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).to_string();
                lines(&text).iter().find_map(|line| {
                    let pairs = line.trim().strip_prefix("-- fixture:")?;
                    pairs
                        .split_whitespace()
                        .find_map(|pair| Dialect::parse(pair.strip_prefix("dialect=")?))
                })
            })
            .unwrap_or(Dialect::Postgres)
    }

    /// In a case folder, `<version>_<name>.up.sql` and `.down.sql` are the
    /// scripts of a golang-migrate migration (numbered by version, in the
    /// folder's order); other files are plain.
    fn script_of(&self, file: &Path, plain: &ScriptInfo) -> ScriptInfo {
        use crate::input::layout::{Direction, Tool};
        let name = file.file_name().unwrap().to_string_lossy();
        let (stem, direction) = match (name.strip_suffix(".up.sql"), name.strip_suffix(".down.sql")) {
            (Some(stem), _) => (stem, Direction::Up),
            (_, Some(stem)) => (stem, Direction::Down),
            _ => return plain.clone(),
        };
        let version = stem.split('_').next().unwrap_or(stem);
        ScriptInfo {
            tool: Tool::GolangMigrate,
            root: self.display(),
            direction: Some(direction),
            order: version.parse().ok(),
            version: Some(version.to_string()),
            migration: Some(stem.to_string()),
            ..plain.clone()
        }
    }

    /// Lints the case as `miglint check` would: one file alone, or a folder's
    /// files as one change after its schema.
    fn lint(&self) -> Vec<FileReport> {
        let settings = Arc::new(self.settings());
        let script = ScriptInfo {
            dialect: self.dialect(),
            ..ScriptInfo::plain()
        };
        let schema = self.schema.as_ref().map(|s| {
            let text = std::fs::read_to_string(s).unwrap();
            Arc::new(history_catalog(&SourceFile::new(relative(s), text)))
        });
        let inputs = self
            .files
            .iter()
            .map(|f| {
                RunInput::new(relative(f), std::fs::read(f).unwrap())
                    .with_settings(settings.clone())
                    .with_schema(schema.clone())
                    .with_script(self.script_of(f, &script))
            })
            .collect();
        let scope = if self.path.is_dir() {
            ChangeScope::AllFiles
        } else {
            ChangeScope::EachMigration
        };
        lint_run(inputs, scope)
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn check_case(case: &Case) -> Result<(), String> {
    let mut errors = Vec::new();
    let mut markers = 0;
    for (file, report) in case.files.iter().zip(case.lint()) {
        let actual: BTreeSet<(usize, String)> = findings_by_statement_line(&report).into_iter().collect();
        let expected = expected_markers(&String::from_utf8_lossy(&std::fs::read(file).unwrap()));
        markers += expected.len();
        if actual != expected {
            let missing: Vec<_> = expected.difference(&actual).collect();
            let unexpected: Vec<_> = actual.difference(&expected).collect();
            errors.push(format!(
                "{}:\n  expected but not reported (line, rule): {missing:?}\n  reported but not expected: {unexpected:?}",
                relative(file)
            ));
        }
    }
    if !case.is_bad() && markers > 0 {
        errors.push(format!("{}: ok_ fixtures carry no expect markers", case.display()));
    }
    if case.is_bad() && markers == 0 {
        errors.push(format!(
            "{}: bad_ fixtures need at least one expect marker",
            case.display()
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// Every `fixtures/<dir>/bad_*` and `ok_*` case, in order.
fn fixture_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in sorted_files(&repo_root().join("fixtures")) {
        if !dir.is_dir() {
            continue;
        }
        for path in sorted_files(&dir) {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !(name.starts_with("bad_") || name.starts_with("ok_")) {
                continue;
            }
            // A git history case (`base/`, `head/`, `expect`): history.rs runs it.
            if path.join("expect").is_file() {
                continue;
            }
            if path.is_dir() {
                let files: Vec<PathBuf> = sorted_files(&path)
                    .into_iter()
                    .filter(|f| f.extension().is_some_and(|e| e == "sql"))
                    .collect();
                let (schema, files): (Vec<PathBuf>, Vec<PathBuf>) = files
                    .into_iter()
                    .partition(|f| f.file_name().is_some_and(|n| n == "_schema.sql"));
                assert!(!files.is_empty(), "{}: a case folder needs .sql files", relative(&path));
                // A migration's up script runs before its down script.
                let mut files = files;
                files.sort_by_key(|f| {
                    let name = f.file_name().unwrap().to_string_lossy().to_string();
                    let down = name.ends_with(".down.sql");
                    (
                        name.trim_end_matches(".down.sql")
                            .trim_end_matches(".up.sql")
                            .to_string(),
                        down,
                    )
                });
                cases.push(Case {
                    path,
                    files,
                    schema: schema.into_iter().next(),
                });
            } else if name.ends_with(".sql") {
                cases.push(Case {
                    files: vec![path.clone()],
                    path,
                    schema: None,
                });
            }
        }
    }
    cases
}

#[test]
fn every_fixture_reports_exactly_its_markers() {
    let mut failures = Vec::new();
    let cases = fixture_cases();
    let checked = cases.len();
    for case in &cases {
        if let Err(e) = check_case(case) {
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

const SNAPSHOTS: &str = "tests/snapshots";

/// `fixtures/require-concurrent-index/bad_existing_table.sql` ->
/// `require-concurrent-index__bad_existing_table`.
fn snapshot_name(case: &Path) -> String {
    let dir = case.parent().unwrap().file_name().unwrap().to_string_lossy();
    let stem = case.file_stem().unwrap().to_string_lossy();
    format!("{dir}__{stem}")
}

/// The human report of one case, as `miglint check --no-color` prints it.
fn human_report(case: &Case) -> String {
    let report = Report::of_files(case.lint(), FailOn::Error, case.settings().pg_version);
    let mut out = Vec::new();
    render::render(Format::Human, &report, &RenderOptions { color: false }, &mut out).unwrap();
    String::from_utf8(out).expect("human output is UTF-8")
}

fn single(path: PathBuf) -> Case {
    Case {
        files: vec![path.clone()],
        path,
        schema: None,
    }
}

/// Snapshots the human output of every fixture in `tests/snapshots/`, one
/// `<fixture-folder>__<file-stem>.snap` each; a fixture without a snapshot, a
/// changed rendering, or a snapshot without its fixture fails. After adding or
/// changing fixtures or messages, regenerate and review the diff:
///
///     INSTA_UPDATE=always cargo test --lib tests::fixtures::human_output
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
    for case in fixture_cases() {
        let name = snapshot_name(&case.path);
        let rendered = human_report(&case);
        settings.set_info(&case.display());
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
    let lf = human_report(&single(dir.join("bad_lf.sql"))).replace("bad_lf.sql", "X");
    for name in ["bad_crlf.sql", "bad_cr.sql"] {
        let other = human_report(&single(dir.join(name))).replace(name, "X");
        assert_eq!(other, lf, "{name}");
    }
}
