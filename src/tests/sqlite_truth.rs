//! Truth tests against a real SQLite (rusqlite's bundled engine): what the
//! SQLite rules say SQLite does, it does.
//!
//! - The fixtures of the rules that claim a statement fails (or runs) are
//!   run statement by statement on a fresh database: each statement marked
//!   `-- expect: sqlite-alter-table-fails`, and each one miglint cannot
//!   parse, must fail; every other one must succeed. The `ok_` fixtures
//!   therefore run from start to end.
//! - A table rebuild loses exactly the indexes and triggers miglint names.
//! - `PRAGMA foreign_keys` changes nothing inside a transaction.
//!
//! Claims about older SQLite versions (`sqlite_version`) cannot run on
//! this engine: fixtures that set one are checked statically only.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::Connection;

use crate::input::source::SourceFile;
use crate::parse::sqlite::parse_sqlite;
use crate::tests::common::repo_root;

/// The fixture folders whose statements all run on an empty database.
const SELF_CONTAINED: [&str; 3] = [
    "sqlite-alter-table-fails",
    "sqlite-rebuild-drops-indexes",
    "sqlite-foreign-keys-in-transaction",
];

const FAILS: &str = "sqlite-alter-table-fails";

fn engine_version() -> crate::settings::SqliteVersion {
    crate::settings::SqliteVersion::parse(rusqlite::version()).expect("SQLite's version")
}

/// The lines (1-based) of the statements a fixture marks with `rule`.
fn marked_lines(text: &str, rule: &str) -> BTreeSet<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut marked = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(ids) = line.trim().strip_prefix("-- expect:") else {
            continue;
        };
        if ids.split(',').any(|id| id.trim() == rule) {
            let target = (i + 1..lines.len()).find(|&j| !lines[j].trim().starts_with("-- expect:"));
            marked.insert(target.map_or(i + 2, |j| j + 1));
        }
    }
    marked
}

/// Runs a fixture's statements in order on a fresh database: Err lists the
/// statements whose outcome is not the one the markers claim.
fn run_fixture(path: &Path) -> Result<usize, Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let source = SourceFile::new(path.display().to_string(), text.as_str());
    let parsed = parse_sqlite(&source);
    let mut must_fail = marked_lines(&text, FAILS);
    let mut spans: Vec<_> = parsed.statements.iter().map(|s| s.span).collect();
    for problem in &parsed.problems {
        must_fail.insert(source.position(problem.span.start).line);
        spans.push(problem.span);
    }
    spans.sort_by_key(|span| span.start);
    let connection = Connection::open_in_memory().unwrap();
    let mut wrong = Vec::new();
    for span in spans {
        let sql = source.slice(span);
        let line = source.position(span.start).line;
        let outcome = connection.execute_batch(sql);
        match (must_fail.contains(&line), outcome) {
            (true, Ok(())) => wrong.push(format!(
                "line {line}: miglint says SQLite refuses it, SQLite ran it: {sql}"
            )),
            (false, Err(e)) => wrong.push(format!(
                "line {line}: SQLite refused it ({e}), miglint did not say so: {sql}"
            )),
            _ => {}
        }
    }
    match wrong.is_empty() {
        true => Ok(parsed.statements.len() + parsed.problems.len()),
        false => Err(wrong),
    }
}

#[test]
fn what_sqlite_alter_table_fails_claims_sqlite_does() {
    let engine = engine_version();
    let mut failures = Vec::new();
    let mut statements = 0;
    for dir in SELF_CONTAINED {
        let folder = repo_root().join("fixtures").join(dir);
        let mut files: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "sql")) {
            let text = std::fs::read_to_string(file).unwrap();
            // A claim about an older SQLite than this one is checked statically only.
            let older = text.lines().any(|l| {
                l.split_whitespace()
                    .filter_map(|pair| pair.strip_prefix("sqlite_version="))
                    .any(|v| crate::settings::SqliteVersion::parse(v).is_some_and(|v| v < engine))
            });
            if older {
                continue;
            }
            match run_fixture(file) {
                Ok(n) => statements += n,
                Err(wrong) => failures.push(format!("{}:\n  {}", file.display(), wrong.join("\n  "))),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(statements > 40, "only {statements} statements ran");
}

/// Every ADD COLUMN form the rule judges, one by one on a table with rows:
/// miglint's verdict and SQLite's agree.
#[test]
fn add_column_verdicts_match_sqlite() {
    let columns = [
        "c text",
        "c text NOT NULL",
        "c text NOT NULL DEFAULT ''",
        "c text NOT NULL DEFAULT NULL",
        "c text DEFAULT NULL",
        "c integer DEFAULT -1",
        "c integer DEFAULT +1",
        "c integer DEFAULT (1)",
        "c integer DEFAULT (1 + 2)",
        "c text DEFAULT (lower('A'))",
        "c text DEFAULT CURRENT_TIMESTAMP",
        "c text DEFAULT CURRENT_DATE",
        "c integer DEFAULT TRUE",
        "c blob DEFAULT x'00'",
        "c text UNIQUE",
        "c integer PRIMARY KEY",
        "c integer GENERATED ALWAYS AS (a * 2) VIRTUAL",
        "c integer GENERATED ALWAYS AS (a * 2) STORED",
        "c integer AS (a * 2)",
        "c integer NOT NULL GENERATED ALWAYS AS (a * 2) VIRTUAL",
        "c integer REFERENCES t (a)",
        "c integer REFERENCES t (a) DEFAULT 1",
        "c text CHECK (c <> '')",
        "c text COLLATE NOCASE",
    ];
    let mut disagreements = Vec::new();
    for foreign_keys in [false, true] {
        for column in columns {
            let pragma = if foreign_keys {
                "PRAGMA foreign_keys = ON;\n"
            } else {
                "PRAGMA foreign_keys = OFF;\n"
            };
            let setup = "CREATE TABLE t (a integer UNIQUE);\nINSERT INTO t VALUES (1), (2);\n";
            let statement = format!("ALTER TABLE t ADD COLUMN {column};");
            let miglint_refuses =
                !crate::tests::rules::sqlite_findings(FAILS, &format!("{pragma}{setup}{statement}")).is_empty();
            let connection = Connection::open_in_memory().unwrap();
            connection.execute_batch(&format!("{pragma}{setup}")).unwrap();
            let sqlite_refuses = connection.execute_batch(&statement).err();
            if miglint_refuses != sqlite_refuses.is_some() {
                disagreements.push(format!(
                    "{pragma}{statement}: miglint {}, SQLite {}",
                    if miglint_refuses { "refuses" } else { "accepts" },
                    sqlite_refuses.map_or("accepts".to_string(), |e| format!("refuses ({e})"))
                ));
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn a_rebuild_loses_what_miglint_names_and_keeps_what_it_does_not() {
    let path = repo_root().join("fixtures/sqlite-rebuild-drops-indexes/bad_lost_index_and_trigger.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let connection = Connection::open_in_memory().unwrap();
    connection.execute_batch(&text).unwrap();
    let mut query = connection
        .prepare("SELECT name FROM sqlite_schema WHERE type IN ('index', 'trigger')")
        .unwrap();
    let present: BTreeSet<String> = query
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|name| !name.starts_with("sqlite_autoindex"))
        .collect();
    let findings = crate::tests::rules::sqlite_findings("sqlite-rebuild-drops-indexes", &text);
    assert_eq!(findings.len(), 1, "{findings:?}");
    for lost in ["accounts_email_key", "accounts_touch"] {
        assert!(findings[0].contains(&format!("\"{lost}\"")), "{}", findings[0]);
        assert!(!present.contains(lost), "SQLite kept {lost}");
    }
    // Created again by the file: not named, and there.
    assert!(!findings[0].contains("accounts_updated"));
    assert!(present.contains("accounts_updated"));
}

#[test]
fn the_foreign_keys_pragma_changes_nothing_inside_a_transaction() {
    let connection = Connection::open_in_memory().unwrap();
    let enforced = |c: &Connection| {
        c.query_row("PRAGMA foreign_keys", [], |row| row.get::<_, i64>(0))
            .unwrap()
    };
    for (outside, inside) in [(0, 1), (1, 0)] {
        connection
            .execute_batch(&format!("PRAGMA foreign_keys = {outside};"))
            .unwrap();
        assert_eq!(enforced(&connection), outside, "outside a transaction it takes effect");
        connection
            .execute_batch(&format!("BEGIN; PRAGMA foreign_keys = {inside};"))
            .unwrap();
        assert_eq!(enforced(&connection), outside, "inside a transaction it is a no-op");
        connection.execute_batch("COMMIT;").unwrap();
    }
}

#[test]
fn other_databases_alter_forms_fail_in_sqlite() {
    let connection = Connection::open_in_memory().unwrap();
    connection.execute_batch("CREATE TABLE t (a integer, b text);").unwrap();
    for statement in [
        "ALTER TABLE t ALTER COLUMN b SET NOT NULL",
        "ALTER TABLE t ALTER COLUMN b TYPE integer",
        "ALTER TABLE t ADD CONSTRAINT t_b CHECK (b <> '')",
        "ALTER TABLE t ADD COLUMN c int, ADD COLUMN d int",
    ] {
        assert!(connection.execute_batch(statement).is_err(), "SQLite ran {statement}");
        let source = SourceFile::new("t.sql", statement);
        let parsed = parse_sqlite(&source);
        let refused_by_miglint = !parsed.problems.is_empty()
            || !crate::tests::rules::sqlite_findings(
                FAILS,
                &format!("CREATE TABLE t (a integer, b text);\n{statement};"),
            )
            .is_empty();
        assert!(refused_by_miglint, "miglint takes {statement}");
    }
}
