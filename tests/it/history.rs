//! Git history cases of the history rules: `fixtures/<id>/bad_<case>/` and
//! `ok_<case>/`, each with `base/` (the tree at the ref), `head/` (the tree
//! at HEAD; a file absent from it was deleted) and `expect` (one
//! `path:line rule-id` per line; empty for ok cases). Each case becomes a
//! temporary git repository, tagged `base` then committed as `head`, and is
//! checked with `miglint check --since base --format json db/migrations`:
//! the history rules must report exactly `expect`, and only the files added,
//! changed or deleted since `base` may be reported at all.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use miglint::Category;

use crate::cli::{json, miglint};
use crate::common::{git, repo_root, sorted_files, tools_available};

/// The migration root every case keeps its migrations in.
const ROOT: &str = "db/migrations";

/// One finding: (path, line, rule id).
type Expected = BTreeSet<(String, usize, String)>;

struct Case {
    dir: PathBuf,
    rule: String,
}

impl Case {
    fn name(&self) -> String {
        let case = self.dir.file_name().unwrap_or_default().to_string_lossy();
        format!("{}/{case}", self.rule)
    }

    fn is_bad(&self) -> bool {
        self.dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("bad_"))
    }

    fn expected(&self) -> Result<Expected, String> {
        let text = std::fs::read_to_string(self.dir.join("expect")).map_err(|e| format!("{}: {e}", self.name()))?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| parse_expect_line(line).ok_or_else(|| format!("{}: bad expect line `{line}`", self.name())))
            .collect()
    }
}

/// `db/migrations/2_x.up.sql:2 migration-history-edited`.
fn parse_expect_line(line: &str) -> Option<(String, usize, String)> {
    let (location, rule) = line.trim().rsplit_once(' ')?;
    let (path, number) = location.rsplit_once(':')?;
    Some((path.to_string(), number.parse().ok()?, rule.to_string()))
}

fn history_rule_ids() -> BTreeSet<&'static str> {
    miglint::rules()
        .filter(|m| m.category == Category::History)
        .map(|m| m.id)
        .collect()
}

/// Every case folder that holds an `expect` file.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for rule_dir in sorted_files(&repo_root().join("fixtures")) {
        if !rule_dir.is_dir() {
            continue;
        }
        let rule = rule_dir.file_name().unwrap_or_default().to_string_lossy().to_string();
        for dir in sorted_files(&rule_dir) {
            if dir.join("expect").is_file() {
                cases.push(Case {
                    dir,
                    rule: rule.clone(),
                });
            }
        }
    }
    cases
}

#[test]
fn every_history_rule_has_well_formed_cases() {
    let cases = cases();
    let mut failures = Vec::new();
    for id in history_rule_ids() {
        let of_rule: Vec<&Case> = cases.iter().filter(|c| c.rule == id).collect();
        if !of_rule.iter().any(|c| c.is_bad()) || !of_rule.iter().any(|c| !c.is_bad()) {
            failures.push(format!("{id}: needs a bad_ and an ok_ git history case"));
        }
    }
    for case in &cases {
        if !history_rule_ids().contains(case.rule.as_str()) {
            failures.push(format!("{}: only history rules have git history cases", case.name()));
        }
        for side in ["base", "head"] {
            if !case.dir.join(side).join(ROOT).is_dir() {
                failures.push(format!("{}: no {side}/{ROOT}/", case.name()));
            }
        }
        match case.expected() {
            Err(e) => failures.push(e),
            Ok(expected) if case.is_bad() && !expected.iter().any(|(_, _, rule)| *rule == case.rule) => {
                failures.push(format!("{}: a bad_ case expects its own rule", case.name()))
            }
            Ok(expected) if !case.is_bad() && !expected.is_empty() => {
                failures.push(format!("{}: an ok_ case expects nothing", case.name()))
            }
            Ok(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        parse_expect_line("db/m/1 a.sql:3 x-y"),
        Some(("db/m/1 a.sql".into(), 3, "x-y".into()))
    );
}

/// Copies the files under `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for path in files_under(from) {
        let target = to.join(&path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&path), target).unwrap();
    }
}

/// Files of the case that differ between `base/` and `head/` (added,
/// changed or deleted), as `/`-separated paths.
fn changed_files(case: &Case) -> BTreeSet<String> {
    let files = |side: &str| {
        let dir = case.dir.join(side);
        files_under(&dir)
            .into_iter()
            .map(|p| (p.to_string_lossy().replace('\\', "/"), std::fs::read(dir.join(&p)).ok()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let (base, head) = (files("base"), files("head"));
    base.keys()
        .chain(head.keys())
        .filter(|p| base.get(*p) != head.get(*p))
        .cloned()
        .collect()
}

/// Paths of the files under `dir`, relative to it.
fn files_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    for entry in sorted_files(dir) {
        let name = PathBuf::from(entry.file_name().unwrap_or_default());
        if entry.is_dir() {
            found.extend(files_under(&entry).into_iter().map(|p| name.join(p)));
        } else {
            found.insert(name);
        }
    }
    found
}

/// Builds the case's repository: `base` committed and tagged, then `head`.
fn build_repository(case: &Case, repo: &Path) {
    git(repo, &["-c", "init.defaultBranch=main", "init", "-q"]);
    git(repo, &["config", "user.name", "miglint tests"]);
    git(repo, &["config", "user.email", "tests@miglint.invalid"]);
    copy_tree(&case.dir.join("base"), repo);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "base"]);
    git(repo, &["tag", "base"]);
    for entry in sorted_files(repo) {
        if entry.file_name().is_some_and(|n| n != ".git") {
            let removed = if entry.is_dir() {
                std::fs::remove_dir_all(&entry)
            } else {
                std::fs::remove_file(&entry)
            };
            removed.unwrap();
        }
    }
    copy_tree(&case.dir.join("head"), repo);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "--allow-empty", "-m", "head"]);
}

fn check_case(case: &Case) -> Result<(), String> {
    let expected = case.expected()?;
    let repo = std::env::temp_dir().join(format!(
        "miglint-history-{}-{}-{}",
        case.rule,
        case.dir.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(&repo).unwrap();
    build_repository(case, &repo);
    let output = miglint(&repo, &["check", "--since", "base", "--format", "json", ROOT])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&repo);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !matches!(output.status.code(), Some(0 | 1)) || stdout.trim().is_empty() {
        return Err(format!(
            "{}: miglint exited {:?}\n{stderr}{stdout}",
            case.name(),
            output.status.code()
        ));
    }
    let report = json(&stdout);
    let history_rules = history_rule_ids();
    let mut actual = Expected::new();
    for d in report["diagnostics"].as_array().into_iter().flatten() {
        let rule = d["rule"].as_str().unwrap_or_default();
        if history_rules.contains(rule) {
            let path = d["path"].as_str().unwrap_or_default().to_string();
            let line = d["span"]["start"]["line"].as_u64().unwrap_or_default() as usize;
            actual.insert((path, line, rule.to_string()));
        }
    }
    let mut errors = Vec::new();
    if actual != expected {
        errors.push(format!(
            "expected but not reported: {:?}\n  reported but not expected: {:?}",
            expected.difference(&actual).collect::<Vec<_>>(),
            actual.difference(&expected).collect::<Vec<_>>()
        ));
    }
    let reported: BTreeSet<String> = report["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect();
    let changed: BTreeSet<String> = changed_files(case)
        .into_iter()
        .filter(|p| p.starts_with(ROOT) && p.ends_with(".sql"))
        .collect();
    if reported != changed {
        errors.push(format!(
            "files reported {reported:?}, but the files changed since base are {changed:?}"
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n  {}", case.name(), errors.join("\n  ")))
    }
}

#[test]
fn since_reports_exactly_the_expected_history_findings_on_the_changed_files() {
    if !tools_available(&["git"]) {
        return;
    }
    let cases = cases();
    assert!(cases.len() >= 2 * history_rule_ids().len(), "{} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|c| check_case(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} git history cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Writes `files` (path, content) into `repo`, commits them as `message`.
fn commit(repo: &Path, files: &[(&str, &str)], message: &str) {
    for (path, content) in files {
        let path = repo.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
}

/// `miglint check --since base --format json .` in `repo`: the history
/// rules' findings as (path, line, rule), and the files reported.
fn history_findings(repo: &Path) -> (Expected, BTreeSet<String>, serde_json::Value) {
    let output = miglint(repo, &["check", "--since", "base", "--format", "json", "."])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "miglint exited {:?}\n{}{stdout}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&stdout);
    let history_rules = history_rule_ids();
    let findings = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| history_rules.contains(d["rule"].as_str().unwrap_or_default()))
        .map(|d| {
            (
                d["path"].as_str().unwrap_or_default().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap_or_default() as usize,
                d["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let files = report["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect();
    (findings, files, report)
}

fn expected(lines: &[&str]) -> Expected {
    lines.iter().map(|l| parse_expect_line(l).unwrap()).collect()
}

/// SQLite and MySQL roots are judged apart from PostgreSQL's, by their own
/// dialect's rules, and the history rules judge them too: a migration added
/// before one that existed at the ref, and an applied one edited, are
/// reported in their own files; a history added to in order is not.
#[test]
fn since_runs_the_history_rules_on_sqlite_and_mysql_roots() {
    if !tools_available(&["git"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["-c", "init.defaultBranch=main", "init", "-q"]);
    git(repo, &["config", "user.name", "miglint tests"]);
    git(repo, &["config", "user.email", "tests@miglint.invalid"]);
    // sqlx's timestamped files in a SQLite folder; golang-migrate's up and
    // down files in a MySQL one.
    commit(
        repo,
        &[
            (
                "db/sqlite/20240101000000_users.sql",
                "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);\n",
            ),
            (
                "db/sqlite/20240301000000_orders.sql",
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);\n",
            ),
            (
                "db/mysql/1_users.up.sql",
                "CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, name text) ENGINE=InnoDB;\n",
            ),
            ("db/mysql/1_users.down.sql", "DROP TABLE users;\n"),
            (
                "db/mysql/3_orders.up.sql",
                "CREATE TABLE orders (id bigint AUTO_INCREMENT PRIMARY KEY, user_id bigint) ENGINE=InnoDB;\n",
            ),
            ("db/mysql/3_orders.down.sql", "DROP TABLE orders;\n"),
        ],
        "base",
    );
    git(repo, &["tag", "base"]);

    // New migrations after the newest: the history is unchanged.
    commit(
        repo,
        &[
            (
                "db/sqlite/20240401000000_items.sql",
                "CREATE TABLE items (id INTEGER PRIMARY KEY);\n",
            ),
            (
                "db/mysql/4_items.up.sql",
                "CREATE TABLE items (id bigint AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\n",
            ),
            ("db/mysql/4_items.down.sql", "DROP TABLE items;\n"),
        ],
        "in order",
    );
    let (found, files, report) = history_findings(repo);
    let dialects: BTreeSet<(String, String)> = report["roots"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["dialect"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        dialects,
        BTreeSet::from([
            ("db/mysql".to_string(), "mysql".to_string()),
            ("db/sqlite".to_string(), "sqlite".to_string())
        ]),
        "{report:#}"
    );
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(files.len(), 3, "{files:?}");

    // A migration before one that existed at the ref, and one edited.
    commit(
        repo,
        &[
            (
                "db/sqlite/20240201000000_email.sql",
                "ALTER TABLE users ADD COLUMN email TEXT;\n",
            ),
            (
                "db/sqlite/20240301000000_orders.sql",
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);\nCREATE INDEX orders_user_id ON orders (user_id);\n",
            ),
            ("db/mysql/2_email.up.sql", "ALTER TABLE users ADD COLUMN email text;\n"),
            ("db/mysql/2_email.down.sql", "ALTER TABLE users DROP COLUMN email;\n"),
            (
                "db/mysql/1_users.up.sql",
                "CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, name varchar(255)) ENGINE=InnoDB;\n",
            ),
        ],
        "out of order and edited",
    );
    let (found, files, _) = history_findings(repo);
    assert_eq!(
        found,
        expected(&[
            "db/sqlite/20240201000000_email.sql:1 migration-out-of-order",
            "db/sqlite/20240301000000_orders.sql:2 migration-history-edited",
            "db/mysql/2_email.up.sql:1 migration-out-of-order",
            "db/mysql/1_users.up.sql:1 migration-history-edited",
        ])
    );
    assert_eq!(files.len(), 8, "{files:?}");
}
