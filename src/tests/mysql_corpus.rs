//! MariaDB's own parser as the truth for `parse_mysql`, over every MySQL
//! migration root of the corpus (`../shared/corpus`, read in place).
//!
//! Each root's scripts run as its tool runs them (the layout's order and its
//! up view: goose's `-- +goose Up` section) on a fresh database of a
//! throwaway MariaDB, then its down scripts newest first. Every piece
//! `parse_mysql` gives (a statement, or a problem's span) is sent on its own
//! through the client (under a delimiter that never occurs, so the server
//! receives the piece whole), in a session that first replays the file's
//! earlier session statements (`SET`, `PREPARE`, `USE`) so that `PREPARE
//! stmt FROM @sql` sees its variable. MariaDB reads a statement whole before
//! it looks a name up, so every piece gets a syntax verdict: a parse error
//! (1064, 1149) is a rejection, any other error (a table that exists, a
//! column that does not: some tables come from migrations written in Go) is
//! an acceptance.
//!
//! Then: a piece miglint calls a syntax error MariaDB rejects, a piece
//! MariaDB rejects miglint calls a syntax error, a piece miglint cannot read
//! (`Unsupported`) MariaDB accepts, and each piece is exactly one statement
//! for the server (its `Questions` counter goes up by one for it).

use std::collections::BTreeMap;
use std::path::Path;

use crate::input::config::Config;
use crate::input::discover::layout::{detect, MigrationRoot, Script};
use crate::input::layout::Direction;
use crate::input::source::{excerpt, Span};
use crate::parse::mysql::{parse_mysql, MysqlKind};
use crate::parse::ProblemKind;
use crate::tests::common::{corpus_repositories, corpus_script, manifest, Mariadb, MariadbError};

/// A delimiter no migration holds: the client sends each piece whole.
pub(super) const DELIMITER: &str = "@@@miglint@@@";

/// The server's parse errors, as opposed to names and constraints.
pub(super) fn is_syntax_error(error: &MariadbError) -> bool {
    // ER_PARSE_ERROR, ER_SYNTAX_ERROR, ER_EMPTY_QUERY.
    matches!(error.code, 1064 | 1149 | 1065)
}

/// What the server says of one piece.
#[derive(Debug)]
pub(super) enum Verdict {
    Accepted,
    /// Read whole, then failed on a name or a constraint.
    AcceptedThenFailed(#[allow(dead_code)] MariadbError),
    Rejected(MariadbError),
    /// The server ran this many statements for the piece, not one.
    Statements(i64),
}

fn questions(line: Option<&str>) -> Option<i64> {
    line?.strip_prefix("Questions\t")?.trim().parse().ok()
}

/// Sends `sql` on its own to `db`, after `replay` (statements the server
/// accepted earlier in the same file, for session state).
pub(super) fn verdict(server: &Mariadb, db: &str, replay: &[String], sql: &str) -> Verdict {
    let count = "SHOW SESSION STATUS LIKE 'Questions'";
    let mut script = format!("DELIMITER {DELIMITER}\n");
    for earlier in replay {
        script.push_str(&format!("{earlier}{DELIMITER}\n"));
    }
    script.push_str(&format!("{count}{DELIMITER}\n{sql}\n{DELIMITER}\n{count}{DELIMITER}\n"));
    match server.run(db, &script) {
        Ok(output) => {
            let lines: Vec<&str> = output.lines().filter(|l| l.starts_with("Questions\t")).collect();
            let before = questions(lines.iter().rev().nth(1).copied());
            let after = questions(lines.last().copied());
            match (before, after) {
                // The piece and the second count.
                (Some(b), Some(a)) if a - b == 2 => Verdict::Accepted,
                (Some(b), Some(a)) => Verdict::Statements(a - b - 1),
                _ => Verdict::Statements(-1),
            }
        }
        Err(error) => {
            let reached = server
                .run(db, &replay_then_count(replay))
                .is_ok_and(|o| o.contains("Questions\t"));
            if !reached && !replay.is_empty() {
                // The replay failed this time: the piece alone.
                return verdict(server, db, &[], sql);
            }
            if is_syntax_error(&error) {
                Verdict::Rejected(error)
            } else {
                Verdict::AcceptedThenFailed(error)
            }
        }
    }
}

fn replay_then_count(replay: &[String]) -> String {
    let mut script = format!("DELIMITER {DELIMITER}\n");
    for earlier in replay {
        script.push_str(&format!("{earlier}{DELIMITER}\n"));
    }
    script.push_str(&format!("SHOW SESSION STATUS LIKE 'Questions'{DELIMITER}\n"));
    script
}

/// Statements whose effect is the session's: replayed before later pieces.
fn is_session_statement(sql: &str) -> bool {
    let words: Vec<String> = sql.split_whitespace().take(2).map(str::to_ascii_uppercase).collect();
    match words.first().map(String::as_str) {
        Some("SET") => !matches!(words.get(1).map(String::as_str), Some("GLOBAL" | "PERSIST")),
        Some("PREPARE" | "USE") => true,
        _ => false,
    }
}

/// Where MySQL and MariaDB differ on the corpus: statements (by their start,
/// whitespace collapsed) that MySQL accepts and MariaDB, the truth here,
/// rejects; miglint reads them as MySQL does. Each must still be seen and
/// still differ, so a change shows.
const MYSQL_ONLY: &[(&str, &str)] = &[(
    "DROP INDEX idx_",
    "DROP INDEX ... ON t LOCK = NONE: MySQL takes ALGORITHM and LOCK in DROP INDEX, MariaDB 10.11 does not",
)];

fn mysql_only(sql: &str) -> Option<&'static str> {
    let collapsed = excerpt(sql, 200).to_ascii_uppercase();
    MYSQL_ONLY
        .iter()
        .find(|(start, _)| collapsed.starts_with(&start.to_ascii_uppercase()))
        .map(|(start, _)| *start)
}

#[derive(Default)]
struct Tally {
    roots: usize,
    up_files: usize,
    down_files: usize,
    statements: usize,
    agreed: usize,
    rejected_by_mariadb: Vec<String>,
    unsupported: Vec<String>,
    routines: usize,
    name_errors: usize,
    /// MySQL-only statements MariaDB rejected, by their MYSQL_ONLY entry.
    known_gaps: Vec<&'static str>,
    disagreements: Vec<String>,
}

fn check_script(server: &Mariadb, db: &str, corpus: &Path, script: &Script, tally: &mut Tally) {
    let (source, direction) = corpus_script(corpus, script);
    let shown = source.path.clone();
    let parsed = parse_mysql(&source);
    match script.direction {
        Some(Direction::Down) => tally.down_files += 1,
        _ => tally.up_files += 1,
    }
    // (span, the problem's kind and message, or None when it parsed)
    let mut pieces: Vec<(Span, Option<(ProblemKind, &str)>)> =
        parsed.statements.iter().map(|s| (s.span, None)).collect();
    tally.routines += parsed
        .statements
        .iter()
        .filter(|s| matches!(s.kind, MysqlKind::Routine { .. }))
        .count();
    pieces.extend(
        parsed
            .problems
            .iter()
            .map(|p| (p.span, Some((p.kind, p.message.as_str())))),
    );
    pieces.sort_by_key(|(span, _)| span.start);
    for pair in pieces.windows(2) {
        assert!(pair[0].0.end <= pair[1].0.start, "{shown}: pieces overlap: {pair:?}");
    }
    let mut replay: Vec<String> = Vec::new();
    for (span, problem) in pieces {
        let sql = source.slice(span);
        let position = source.position(span.start);
        let place = format!("{shown} ({direction}):{}:{}", position.line, position.column);
        tally.statements += 1;
        let miglint = match problem {
            None => "parses".to_string(),
            Some((ProblemKind::Syntax, m)) => format!("reports `{m}`"),
            Some((ProblemKind::Unsupported, m)) => format!("cannot read it (`{m}`)"),
        };
        let disagree = |mariadb: &str| format!("{place}: `{}`: MariaDB {mariadb}; miglint {miglint}", excerpt(sql, 80));
        let syntax_problem = matches!(problem, Some((ProblemKind::Syntax, _)));
        let verdict = verdict(server, db, &replay, sql);
        let agrees = match &verdict {
            Verdict::Accepted | Verdict::AcceptedThenFailed(_) => {
                if let Verdict::AcceptedThenFailed(_) = verdict {
                    tally.name_errors += 1;
                }
                if let Some((ProblemKind::Unsupported, _)) = problem {
                    tally.unsupported.push(format!("{place}: `{}`", excerpt(sql, 60)));
                }
                if syntax_problem {
                    tally.disagreements.push(disagree("accepts it"));
                }
                !syntax_problem
            }
            Verdict::Rejected(error) => {
                tally
                    .rejected_by_mariadb
                    .push(format!("{place}: `{}`: {error}; miglint {miglint}", excerpt(sql, 60)));
                // miglint reads it as MySQL does: it parses, or is known valid.
                let accepted = !syntax_problem;
                match mysql_only(sql) {
                    Some(gap) if accepted => {
                        tally.known_gaps.push(gap);
                        false
                    }
                    _ => {
                        if !syntax_problem {
                            tally.disagreements.push(disagree(&format!("rejects it ({error})")));
                        }
                        syntax_problem
                    }
                }
            }
            Verdict::Statements(n) => {
                tally
                    .disagreements
                    .push(disagree(&format!("runs {n} statements for this piece")));
                false
            }
        };
        if agrees {
            tally.agreed += 1;
        }
        if matches!(verdict, Verdict::Accepted | Verdict::AcceptedThenFailed(_)) && is_session_statement(sql) {
            replay.push(sql.to_string());
        }
    }
}

/// Every root's ups in the tool's order, then its downs newest first.
fn check_root(server: &Mariadb, corpus: &Path, root: &MigrationRoot, tally: &mut Tally) {
    let db = server.database();
    tally.roots += 1;
    for script in root.scripts().filter(|s| s.direction == Some(Direction::Up)) {
        check_script(server, &db, corpus, script, tally);
    }
    for migration in root.migrations.iter().rev() {
        for script in migration
            .scripts
            .iter()
            .filter(|s| s.direction == Some(Direction::Down))
        {
            check_script(server, &db, corpus, script, tally);
        }
    }
}

#[test]
fn parse_mysql_agrees_with_mariadb_on_the_corpus() {
    let Some(corpus) = corpus_repositories("the MySQL corpus truth test") else {
        return;
    };
    let Some(server) = crate::tests::common::mariadb() else {
        return;
    };
    let mut tally = Tally::default();
    let mut detected: BTreeMap<String, Vec<MigrationRoot>> = BTreeMap::new();
    let rows: Vec<_> = manifest(&corpus).into_iter().filter(|r| r.dialect == "mysql").collect();
    assert!(rows.len() >= 3, "MANIFEST.tsv lists {} MySQL projects", rows.len());
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
                check_root(&server, &corpus, root, &mut tally);
            }
        }
    }
    eprintln!(
        "MySQL corpus on {}: {} roots, {} files ({} up, {} down), {} statements, {} agreed, {} rejected by MariaDB, \
         {} stored programs kept whole, {} valid but unread by miglint, {} read whole then failed on a name, \
         {} disagreements, {} known gaps (MySQL-only forms MariaDB rejects)",
        server.version(),
        tally.roots,
        tally.up_files + tally.down_files,
        tally.up_files,
        tally.down_files,
        tally.statements,
        tally.agreed,
        tally.rejected_by_mariadb.len(),
        tally.routines,
        tally.unsupported.len(),
        tally.name_errors,
        tally.disagreements.len(),
        tally.known_gaps.len(),
    );
    for line in &tally.rejected_by_mariadb {
        eprintln!("  MariaDB rejects: {line}");
    }
    for line in &tally.unsupported {
        eprintln!("  valid, unread by miglint: {line}");
    }
    assert!(tally.up_files > 50, "only {} up files", tally.up_files);
    for (start, why) in MYSQL_ONLY {
        assert!(
            tally.known_gaps.contains(start),
            "known gap `{start}` ({why}) no longer seen: MariaDB and miglint agree on it now, or it is gone"
        );
    }
    assert!(
        tally.disagreements.is_empty(),
        "{} disagreements with MariaDB's parser:\n{}",
        tally.disagreements.len(),
        tally.disagreements.join("\n")
    );
}

/// The checks the corpus test relies on: a piece of two statements is
/// caught, a name error is not a syntax verdict, a replayed variable is seen.
#[test]
fn the_verdict_sees_splits_syntax_and_session_state() {
    let Some(server) = crate::tests::common::mariadb() else {
        return;
    };
    let db = server.database();
    assert!(matches!(verdict(&server, &db, &[], "SELECT 1"), Verdict::Accepted));
    assert!(matches!(
        verdict(&server, &db, &[], "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END"),
        Verdict::Accepted
    ));
    assert!(matches!(verdict(&server, &db, &[], "CALL p()"), Verdict::Accepted));
    assert!(matches!(
        verdict(&server, &db, &[], "SELECT 1; SELECT 2"),
        Verdict::Statements(2)
    ));
    assert!(matches!(verdict(&server, &db, &[], "SELEC 1"), Verdict::Rejected(_)));
    assert!(matches!(
        verdict(&server, &db, &[], "CREATE PROCEDURE q() BEGIN SELECT 1"),
        Verdict::Rejected(_)
    ));
    assert!(matches!(
        verdict(&server, &db, &[], "ALTER TABLE nosuch ADD COLUMN a int"),
        Verdict::AcceptedThenFailed(_)
    ));
    // A syntax error after a missing name still wins.
    assert!(matches!(
        verdict(&server, &db, &[], "ALTER TABLE nosuch ADD COLUMN a int BOGUS"),
        Verdict::Rejected(_)
    ));
    let replay = ["SET @q = 'SELECT 1'".to_string()];
    assert!(matches!(
        verdict(&server, &db, &replay, "PREPARE s FROM @q"),
        Verdict::Accepted
    ));
    // Without it, PREPARE reads NULL and fails as a syntax error.
    assert!(matches!(
        verdict(&server, &db, &[], "PREPARE s FROM @q"),
        Verdict::Rejected(_)
    ));
}
