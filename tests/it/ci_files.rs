//! The files `check` writes for CI besides its output: `--summary-file` (a
//! Markdown job summary), `--sarif-file` and `--github-output`.

use std::path::Path;

use crate::cli::{assert_valid, json, miglint, project, sarif_schema, stdout_of};

/// An index build that blocks writes (an error with a lock and a help on
/// several lines) and a text column (a warning), on a table whose quoted
/// name holds Markdown and HTML syntax and a line break.
const AWKWARD: &str = "SET lock_timeout = '5s';
CREATE INDEX \"odd|name<b>*_\" ON \"we|rd\nusers\" (email);
ALTER TABLE accounts ADD COLUMN note varchar(20);
";
const AWKWARD_PATH: &str = "db/0001_awkward.sql";
const SAFE: &str = "CREATE TABLE accounts (id bigint PRIMARY KEY);\n";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The cells of a Markdown table row, split at the `|` that are not escaped.
fn cells(row: &str) -> Vec<String> {
    let inner = row
        .strip_prefix('|')
        .and_then(|r| r.strip_suffix('|'))
        .unwrap_or_else(|| panic!("not a table row: {row}"));
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for c in inner.chars() {
        if c == '|' && !escaped {
            cells.push(String::new());
        } else if let Some(cell) = cells.last_mut() {
            cell.push(c);
        }
        escaped = c == '\\' && !escaped;
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// Every table of the summary: its header's cells, then its rows' cells.
fn tables(summary: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut in_table = false;
    for line in summary.lines() {
        if line.starts_with('|') {
            if !in_table {
                tables.push(Vec::new());
            }
            in_table = true;
            if !line.starts_with("| ---") {
                if let Some(table) = tables.last_mut() {
                    table.push(cells(line));
                }
            }
        } else {
            in_table = false;
        }
    }
    tables
}

#[test]
fn summary_has_a_verdict_a_findings_table_and_a_lock_table_with_markdown_escaped() {
    let dir = project(&[(AWKWARD_PATH, AWKWARD.as_bytes())]);
    let summary_path = dir.path().join("summary.md");
    std::fs::write(&summary_path, "earlier step\n").unwrap();
    let summary_arg = summary_path.to_string_lossy().to_string();
    stdout_of(
        &mut miglint(dir.path(), &["check", "--summary-file", &summary_arg, "db"]),
        1,
    );
    let summary = read(&summary_path);
    assert!(
        summary.starts_with("earlier step\n## miglint: ❌ blocked\n"),
        "{summary}"
    );
    assert!(
        summary.contains("1 error and 1 warning in 1 file checked (3 statements), for PostgreSQL 16"),
        "{summary}"
    );

    let tables = tables(&summary);
    assert_eq!(tables.len(), 2, "a findings table and one lock table:\n{summary}");
    let findings = &tables[0];
    assert_eq!(findings[0], ["Location", "Rule", "Severity", "Finding", "Lock", "Help"]);
    for row in &findings[1..] {
        assert_eq!(row.len(), 6, "a row whose cells did not stay apart: {row:?}\n{summary}");
    }
    let index = findings
        .iter()
        .find(|row| row[1].starts_with("[require-concurrent-index]"))
        .unwrap_or_else(|| panic!("no require-concurrent-index row:\n{summary}"));
    assert_eq!(index[0], format!("`{AWKWARD_PATH}:2`"));
    assert!(index[1].ends_with("(https://github.com/miglint/miglint/blob/main/rules/require-concurrent-index.md)"));
    assert_eq!(index[2], "error");
    // The table's name: `|` escaped, `<b>` shown as text, the line break kept in the cell.
    assert!(index[3].contains("\"we\\|rd<br>users\""), "{}", index[3]);
    assert!(
        index[4].starts_with("SHARE on we\\|rd<br>users (blocks writes)"),
        "{}",
        index[4]
    );
    assert!(
        index[5].contains("CREATE INDEX CONCURRENTLY \"odd\\|name&lt;b&gt;\\*\\_\""),
        "{}",
        index[5]
    );
    assert!(index[5].contains("<br>"), "the help's lines are kept: {}", index[5]);
    assert!(
        findings
            .iter()
            .any(|row| row[1].contains("prefer") && row[2] == "warning"),
        "{summary}"
    );

    let locks = &tables[1];
    assert!(summary.contains(&format!("#### `{AWKWARD_PATH}`")), "{summary}");
    assert_eq!(
        locks[0],
        ["Line", "Statement", "Locks (what waits)", "Rewrite, scan", "Held until"]
    );
    assert_eq!(locks.len(), 4, "one row per statement:\n{summary}");
    assert_eq!(locks[2][0], "2:1");
    assert_eq!(
        locks[3][0], "4:1",
        "the line break in the name moves the next statement"
    );
    // A statement in a code span: its line break becomes a space, its `|` stays escaped.
    assert_eq!(
        locks[2][1],
        "`CREATE INDEX \"odd\\|name<b>*_\" ON \"we\\|rd users\" (email)`"
    );
    assert!(locks[2][2].contains("SHARE on"), "{:?}", locks[2]);
    assert!(locks[3][2].contains("ACCESS EXCLUSIVE on accounts"), "{:?}", locks[3]);
}

#[test]
fn summary_of_a_clean_run_says_so_and_lists_no_findings() {
    let dir = project(&[("db/0001_safe.sql", SAFE.as_bytes())]);
    let summary_path = dir.path().join("summary.md");
    let summary_arg = summary_path.to_string_lossy().to_string();
    stdout_of(
        &mut miglint(dir.path(), &["check", "--summary-file", &summary_arg, "db"]),
        0,
    );
    let summary = read(&summary_path);
    assert!(summary.starts_with("## miglint: ✅ passed\n"), "{summary}");
    assert!(!summary.contains("### Findings"), "{summary}");
    assert!(summary.contains("#### `db/0001_safe.sql`"), "{summary}");
    assert_eq!(tables(&summary).len(), 1, "{summary}");
}

#[test]
fn down_migrations_get_no_lock_table() {
    let dir = project(&[
        (
            "db/migrations/000001_accounts.up.sql",
            b"CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
        ),
        ("db/migrations/000001_accounts.down.sql", b"DROP TABLE accounts;\n"),
    ]);
    let summary_path = dir.path().join("summary.md");
    let summary_arg = summary_path.to_string_lossy().to_string();
    miglint(dir.path(), &["check", "--summary-file", &summary_arg, "."])
        .assert()
        .code(predicates::ord::lt(2));
    let summary = read(&summary_path);
    assert!(
        summary.contains("#### `db/migrations/000001_accounts.up.sql`"),
        "{summary}"
    );
    assert!(
        !summary.contains("#### `db/migrations/000001_accounts.down.sql`"),
        "{summary}"
    );
}

#[test]
fn sarif_file_holds_what_format_sarif_prints_and_matches_the_schema() {
    let dir = project(&[(AWKWARD_PATH, AWKWARD.as_bytes())]);
    let printed = stdout_of(&mut miglint(dir.path(), &["check", "--format", "sarif", "db"]), 1);
    let github = stdout_of(
        &mut miglint(
            dir.path(),
            &["check", "--format", "github", "--sarif-file", "report.sarif", "db"],
        ),
        1,
    );
    assert!(github.starts_with("::error file=db/0001_awkward.sql"), "{github}");
    let written = read(&dir.path().join("report.sarif"));
    assert_eq!(json(&written), json(&printed));
    if let Some(schema) = sarif_schema() {
        assert_valid(&schema, &json(&written), "the --sarif-file output");
    }
}

#[test]
fn github_output_appends_counts_and_the_sarif_path() {
    let dir = project(&[(AWKWARD_PATH, AWKWARD.as_bytes())]);
    let output_path = dir.path().join("github_output");
    std::fs::write(&output_path, "earlier=1\n").unwrap();
    let output_arg = output_path.to_string_lossy().to_string();
    stdout_of(
        &mut miglint(
            dir.path(),
            &[
                "check",
                "--github-output",
                &output_arg,
                "--sarif-file",
                "miglint.sarif",
                "db",
            ],
        ),
        1,
    );
    assert_eq!(
        read(&output_path),
        "earlier=1\nerrors=1\nwarnings=1\nsarif-file=miglint.sarif\n"
    );
    assert!(dir.path().join("miglint.sarif").is_file());

    // Without SARIF the output is still set, empty; suppressed findings are not counted.
    let suppressed = format!("-- miglint: ignore-file prefer-text -- legacy\n{AWKWARD}");
    std::fs::write(dir.path().join(AWKWARD_PATH), suppressed).unwrap();
    std::fs::remove_file(&output_path).unwrap();
    stdout_of(
        &mut miglint(dir.path(), &["check", "--github-output", &output_arg, "db"]),
        1,
    );
    assert_eq!(read(&output_path), "errors=1\nwarnings=0\nsarif-file=\n");
}

#[test]
fn an_unwritable_ci_file_is_an_error_after_the_output() {
    let dir = project(&[("db/0001_safe.sql", SAFE.as_bytes())]);
    for flag in ["--summary-file", "--sarif-file", "--github-output"] {
        let missing = dir.path().join("no/such/folder/file");
        let missing_arg = missing.to_string_lossy().to_string();
        let output = miglint(dir.path(), &["check", "--format", "gcc", flag, &missing_arg, "db"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("miglint: error:") && stderr.contains("no/such/folder/file"),
            "{flag}: {stderr}"
        );
    }
}
