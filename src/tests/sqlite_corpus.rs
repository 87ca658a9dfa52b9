//! SQLite's own parser as the truth for `parse_sqlite`, over every SQLite
//! migration root of the corpus (`../shared/corpus`, read in place).
//!
//! Each root's scripts run as its tool runs them (the layout's order and its
//! up view: goose's `-- +goose Up` section, Drizzle's breakpoints) on a fresh
//! in-memory database, then its down scripts newest first. Every piece
//! `parse_sqlite` gives (a statement, or a problem's span) is prepared by the
//! bundled SQLite and, when that succeeds, run, so later statements find the
//! tables earlier ones made (some tables come from migrations written in Go,
//! which never run here). Only SQLite's parse errors are a rejection. SQLite
//! stops at its first error, but it looks names up once it has read the whole
//! statement, except for the few statements that look up a table midway
//! (`ALTER TABLE t ADD`, `CREATE TRIGGER ... ON t`, `CREATE TABLE` that
//! exists): a name error on those gives no syntax verdict, on the others it
//! means SQLite read the statement whole (both checked below).
//!
//! Then: every statement miglint accepts SQLite accepts, every statement
//! SQLite rejects miglint reports on that statement, and miglint's pieces are
//! SQLite's statements (`sqlite3_complete` ends none of them early or late).

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::Connection;

use crate::input::config::Config;
use crate::input::discover::layout::{detect, MigrationRoot, Script};
use crate::input::layout::Direction;
use crate::input::source::{excerpt, Span};
use crate::parse::sqlite::parse_sqlite;
use crate::tests::common::{corpus_repositories, manifest};
use crate::SourceFile;

/// What SQLite says of one piece.
#[derive(Debug)]
enum Verdict {
    Accepted,
    /// A parse error: SQLite's message.
    Rejected(String),
    /// Read whole, then a name or another non-syntax error.
    AcceptedThenFailed(String),
    /// A name or another non-syntax error midway: no syntax verdict.
    Undetermined(String),
    /// The piece is not one statement for SQLite: miglint split wrongly.
    BadSplit(String),
}

/// SQLite's parse errors, as opposed to names and constraints.
fn is_syntax_error(message: &str) -> bool {
    ["syntax error", "incomplete input", "unrecognized token"]
        .iter()
        .any(|m| message.contains(m))
}

/// Statements SQLite looks a table up in before it has read them whole.
fn looks_up_names_midway(sql: &str) -> bool {
    let words: Vec<String> = sql.split_whitespace().take(6).map(str::to_ascii_uppercase).collect();
    let starts = |head: &[&str]| words.len() >= head.len() && words.iter().zip(head).all(|(w, h)| w == h);
    (starts(&["ALTER", "TABLE"]) && words.iter().any(|w| w == "ADD"))
        || [
            &["CREATE", "TRIGGER"][..],
            &["CREATE", "TEMP", "TRIGGER"],
            &["CREATE", "TEMPORARY", "TRIGGER"],
            &["CREATE", "TABLE"],
            &["CREATE", "TEMP", "TABLE"],
            &["CREATE", "TEMPORARY", "TABLE"],
        ]
        .iter()
        .any(|head| starts(head))
}

/// The syntax verdict on a statement that failed on a table midway: prepared
/// again on a fresh database holding a stub of each table it names as
/// missing. None when that does not settle it.
fn with_stub_tables(sql: &str) -> Option<Verdict> {
    let scratch = Connection::open_in_memory().expect("an in-memory SQLite");
    for _ in 0..4 {
        let message = match scratch.prepare(sql) {
            Ok(_) => return Some(Verdict::Accepted),
            Err(error) => error.to_string(),
        };
        if is_syntax_error(&message) {
            return Some(Verdict::Rejected(message));
        }
        let Some(missing) = message.strip_prefix("no such table: ") else {
            // Past the midway lookup, SQLite reads the rest before failing.
            return Some(Verdict::Accepted);
        };
        let missing = missing.split_whitespace().next()?;
        let (schema, table) = missing.split_once('.').unwrap_or(("main", missing));
        if schema != "main" {
            return None;
        }
        scratch
            .execute_batch(&format!("CREATE TABLE \"{}\" (stub)", table.replace('"', "\"\"")))
            .ok()?;
    }
    None
}

/// SQLite's own test for the end of a statement (`sqlite3_complete`: a `;`
/// outside strings, comments and a trigger's body).
fn sqlite_complete(text: &str) -> bool {
    let Ok(text) = std::ffi::CString::new(text) else {
        return false;
    };
    // SAFETY: a NUL-terminated string that outlives the call; the function
    // only reads it.
    unsafe { rusqlite::ffi::sqlite3_complete(text.as_ptr()) != 0 }
}

/// Where SQLite's tokenizer splits `sql` otherwise than miglint did: it ends
/// a statement at one of its `;`, or not at its end.
fn split_mismatch(sql: &str, last_in_file: bool) -> Option<String> {
    for (at, _) in sql.match_indices(';') {
        if sqlite_complete(&sql[..=at]) {
            return Some(format!("SQLite ends a statement at the `;` {at} bytes in"));
        }
    }
    (!last_in_file && !sqlite_complete(&format!("{sql};")))
        .then(|| "SQLite's statement goes on past the piece's end".to_string())
}

/// Prepares `sql` (one piece, without its `;`) and runs it when it prepares.
fn verdict(conn: &Connection, sql: &str, last_in_file: bool, failed_runs: &mut usize) -> Verdict {
    if let Some(mismatch) = split_mismatch(sql, last_in_file) {
        return Verdict::BadSplit(mismatch);
    }
    match conn.prepare(sql) {
        Ok(statement) => {
            drop(statement);
            if conn.execute_batch(sql).is_err() {
                *failed_runs += 1;
            }
            Verdict::Accepted
        }
        Err(rusqlite::Error::MultipleStatement) => Verdict::BadSplit("SQLite reads more than one statement".into()),
        Err(error) => {
            let message = error.to_string();
            if is_syntax_error(&message) {
                Verdict::Rejected(message)
            } else if !looks_up_names_midway(sql) {
                Verdict::AcceptedThenFailed(message)
            } else {
                match with_stub_tables(sql) {
                    Some(Verdict::Accepted) => Verdict::AcceptedThenFailed(message),
                    Some(rejected @ Verdict::Rejected(_)) => rejected,
                    _ => Verdict::Undetermined(message),
                }
            }
        }
    }
}

#[derive(Default)]
struct Tally {
    roots: usize,
    up_files: usize,
    down_files: usize,
    /// SQLite's rejections, each with miglint's verdict.
    rejections: Vec<String>,
    statements: usize,
    rejected_by_sqlite: usize,
    reported_by_miglint: usize,
    undetermined: Vec<String>,
    /// Read whole by SQLite, then failed on a name: its messages.
    name_errors: Vec<String>,
    failed_runs: usize,
    disagreements: Vec<String>,
}

/// Runs one script's pieces on `conn`, checking each against SQLite.
fn check_script(conn: &Connection, corpus: &Path, script: &Script, tally: &mut Tally) {
    let shown = script
        .path
        .strip_prefix(corpus)
        .unwrap_or(&script.path)
        .display()
        .to_string();
    let direction = match script.direction {
        Some(Direction::Down) => "down",
        _ => "up",
    };
    assert!(script.too_large.is_none(), "{shown}: too large to read");
    let text = String::from_utf8(script.bytes.clone()).unwrap_or_else(|e| panic!("{shown}: {e}"));
    let source = SourceFile::new(shown.clone(), text);
    let parsed = parse_sqlite(&source);
    match script.direction {
        Some(Direction::Down) => tally.down_files += 1,
        _ => tally.up_files += 1,
    }
    // (span, miglint's problem message or None when it parsed)
    let mut pieces: Vec<(Span, Option<&str>)> = parsed.statements.iter().map(|s| (s.span, None)).collect();
    pieces.extend(parsed.problems.iter().map(|p| (p.span, Some(p.message.as_str()))));
    pieces.sort_by_key(|(span, _)| span.start);
    for pair in pieces.windows(2) {
        assert!(pair[0].0.end <= pair[1].0.start, "{shown}: pieces overlap: {pair:?}");
    }
    let count = pieces.len();
    for (i, (span, problem)) in pieces.into_iter().enumerate() {
        let sql = source.slice(span);
        let position = source.position(span.start);
        let place = format!("{shown} ({direction}):{}:{}", position.line, position.column);
        tally.statements += 1;
        if problem.is_some() {
            tally.reported_by_miglint += 1;
        }
        let miglint = problem.map_or_else(|| "parses".to_string(), |m| format!("reports `{m}`"));
        let disagree = |sqlite: &str| format!("{place}: `{}`: SQLite {sqlite}; miglint {miglint}", excerpt(sql, 80));
        match verdict(conn, sql, i + 1 == count, &mut tally.failed_runs) {
            Verdict::Accepted if problem.is_some() => tally.disagreements.push(disagree("accepts it")),
            Verdict::Accepted => {}
            Verdict::AcceptedThenFailed(_) if problem.is_some() => tally
                .disagreements
                .push(disagree("reads it whole (then fails on a name)")),
            Verdict::AcceptedThenFailed(message) => tally.name_errors.push(message),
            Verdict::Rejected(message) => {
                tally.rejected_by_sqlite += 1;
                tally
                    .rejections
                    .push(format!("{place}: `{}`: {message}; miglint {miglint}", excerpt(sql, 60)));
                if problem.is_none() {
                    tally.disagreements.push(disagree(&format!("rejects it ({message})")));
                }
            }
            Verdict::Undetermined(message) => tally
                .undetermined
                .push(format!("{place}: `{}`: {message}; miglint {miglint}", excerpt(sql, 60))),
            Verdict::BadSplit(message) => tally
                .disagreements
                .push(disagree(&format!("splits otherwise: {message}"))),
        }
    }
}

/// Every root's ups in the tool's order, then its downs newest first.
fn check_root(corpus: &Path, root: &MigrationRoot, tally: &mut Tally) {
    let conn = Connection::open_in_memory().expect("an in-memory SQLite");
    tally.roots += 1;
    for script in root.scripts().filter(|s| s.direction == Some(Direction::Up)) {
        check_script(&conn, corpus, script, tally);
    }
    for migration in root.migrations.iter().rev() {
        for script in migration
            .scripts
            .iter()
            .filter(|s| s.direction == Some(Direction::Down))
        {
            check_script(&conn, corpus, script, tally);
        }
    }
}

#[test]
fn parse_sqlite_agrees_with_sqlite_on_the_corpus() {
    let Some(corpus) = corpus_repositories("the SQLite corpus truth test") else {
        return;
    };
    let mut tally = Tally::default();
    let mut detected: BTreeMap<String, Vec<MigrationRoot>> = BTreeMap::new();
    let rows: Vec<_> = manifest(&corpus)
        .into_iter()
        .filter(|r| r.dialect == "sqlite")
        .collect();
    assert!(rows.len() >= 6, "MANIFEST.tsv lists {} SQLite projects", rows.len());
    for row in &rows {
        let roots = detected.entry(row.dir.clone()).or_insert_with(|| {
            let (roots, errors) = detect(&corpus.join(&row.dir), &Config::default());
            assert!(errors.is_empty(), "{}: {errors:?}", row.dir);
            roots
        });
        for path in &row.paths {
            let folder = corpus.join(&row.dir).join(path);
            let in_folder: Vec<&MigrationRoot> = roots
                .iter()
                .filter(|r| r.scripts().any(|s| s.path.starts_with(&folder)))
                .collect();
            assert!(!in_folder.is_empty(), "{}: no root under {path}", row.dir);
            for root in in_folder {
                check_root(&corpus, root, &mut tally);
            }
        }
    }
    eprintln!(
        "SQLite corpus: {} roots, {} files ({} up, {} down), {} statements, {} rejected by SQLite, {} reported by miglint, \
         {} read whole then failed on a name (tables from Go migrations, app functions), {} without a syntax verdict, {} prepared but failed to run",
        tally.roots,
        tally.up_files + tally.down_files,
        tally.up_files,
        tally.down_files,
        tally.statements,
        tally.rejected_by_sqlite,
        tally.reported_by_miglint,
        tally.name_errors.len(),
        tally.undetermined.len(),
        tally.failed_runs
    );
    for line in &tally.rejections {
        eprintln!("  SQLite rejects: {line}");
    }
    for line in &tally.undetermined {
        eprintln!("  no syntax verdict: {line}");
    }
    assert!(
        tally.disagreements.is_empty(),
        "{} disagreements with SQLite's parser:\n{}",
        tally.disagreements.len(),
        tally.disagreements.join("\n")
    );
}

/// The rule the corpus test relies on: a name error means SQLite read the
/// statement whole, except where `looks_up_names_midway` says otherwise.
#[test]
fn sqlite_reads_a_statement_whole_before_its_names_except_midway_lookups() {
    let conn = Connection::open_in_memory().unwrap();
    let error = |sql: &str| conn.prepare(sql).map(drop).unwrap_err().to_string();
    // Whole first: the syntax error after the missing name wins.
    for sql in [
        "DROP TABLE nosuch x",
        "CREATE INDEX i ON nosuch (a) WHERE (",
        "UPDATE nosuch SET a = nosuch_fn(b) WHERE",
        "INSERT INTO nosuch (a) SELECT b FROM other WHERE",
        "DELETE FROM nosuch WHERE a = 1 ORDER",
        "ALTER TABLE nosuch DROP COLUMN a b",
        "ALTER TABLE nosuch RENAME COLUMN a TO",
        "CREATE VIEW v AS SELECT a FROM nosuch WHERE",
        "CREATE VIRTUAL TABLE v USING nosuch(a, (",
    ] {
        assert!(!looks_up_names_midway(sql), "{sql}");
        let message = error(sql);
        assert!(is_syntax_error(&message), "{sql}: {message}");
    }
    // Midway: the name error hides the syntax error after it.
    conn.execute_batch("CREATE TABLE t (a int)").unwrap();
    for sql in [
        "ALTER TABLE nosuch ADD COLUMN x int garbage(",
        "CREATE TRIGGER tr AFTER INSERT ON nosuch BEGIN SELECT ( ; END",
        "CREATE TABLE t (a int garbage(",
    ] {
        assert!(looks_up_names_midway(sql), "{sql}");
        let message = error(sql);
        assert!(!is_syntax_error(&message), "{sql}: {message}");
    }
    // With the missing table stubbed on a fresh database, SQLite reads on.
    let verdict = |sql: &str| match with_stub_tables(sql) {
        Some(Verdict::Accepted) => "accepted",
        Some(Verdict::Rejected(_)) => "rejected",
        other => panic!("{sql}: {other:?}"),
    };
    assert_eq!(verdict("ALTER TABLE nosuch ADD COLUMN x int garbage("), "rejected");
    assert_eq!(verdict("ALTER TABLE main.nosuch ADD COLUMN x int"), "accepted");
    assert_eq!(
        verdict("CREATE TRIGGER tr AFTER INSERT ON nosuch BEGIN UPDATE other SET a = 1; END"),
        "accepted"
    );
    assert_eq!(
        verdict("CREATE TRIGGER tr AFTER INSERT ON nosuch BEGIN SELECT ( ; END"),
        "rejected"
    );
}

#[test]
fn a_piece_split_otherwise_than_sqlite_splits_is_caught() {
    assert_eq!(split_mismatch("SELECT ';'", false), None);
    assert_eq!(
        split_mismatch("CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; END", false),
        None
    );
    assert!(split_mismatch("DROP TABLE a; DROP TABLE b", false).is_some());
    assert!(split_mismatch("CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u", false).is_some());
    assert_eq!(split_mismatch("SELECT 'unterminated", true), None);
}
