//! The library and the binary never panic, whatever the input, and every
//! diagnostic they report is located inside the text, on character
//! boundaries, with 1-based lines and columns.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use miglint::{lint_bytes, FileReport, Settings};

use crate::common::check_positions;

/// Lints `bytes`, turning a panic into a test failure that shows the input.
fn lint_checked(bytes: &[u8]) -> FileReport {
    let report = catch_unwind(AssertUnwindSafe(|| {
        lint_bytes("input.sql", bytes, &Settings::default())
    }))
    .unwrap_or_else(|_| panic!("miglint panicked on {:?}", String::from_utf8_lossy(bytes)));
    if let Err(problem) = check_positions(&report) {
        panic!("{problem}\ninput: {:?}", String::from_utf8_lossy(bytes));
    }
    report
}

/// (rule, line, column) of each active diagnostic.
fn located(report: &FileReport) -> Vec<(&'static str, usize, usize)> {
    report
        .active()
        .map(|d| (d.rule, d.start.line, d.start.column))
        .collect()
}

#[test]
fn empty_input_is_an_empty_file() {
    for input in ["", "\n", "  \r\n\t\r"] {
        let report = lint_checked(input.as_bytes());
        assert_eq!(located(&report), [("empty-file", 1, 1)], "{input:?}");
        assert_eq!(report.diagnostics[0].span.start, 0);
        assert_eq!(report.statements, 0);
    }
}

#[test]
fn comment_only_input_is_an_empty_file() {
    let report = lint_checked(b"-- nothing yet\n/* still /* nothing */ here */\n--");
    assert_eq!(located(&report), [("empty-file", 1, 1)]);
    // an unterminated block comment is still only a comment
    let report = lint_checked(b"/* never closed\nCREATE INDEX i ON t (a);");
    assert_eq!(located(&report), [("empty-file", 1, 1)]);
}

#[test]
fn psql_meta_commands_only() {
    let report = lint_checked(b"\\set ON_ERROR_STOP on\n  \\i other.sql\r\n\\connect db");
    assert_eq!(
        located(&report),
        [
            ("unsupported-syntax", 1, 1),
            ("unsupported-syntax", 2, 3),
            ("unsupported-syntax", 3, 1)
        ]
    );
    assert_eq!(report.statements, 0);
}

#[test]
fn a_five_megabyte_file_of_repeated_statements() {
    let statement = "INSERT INTO events (id, kind) VALUES (1, 'signup; or not');\n";
    let count = 5 * 1024 * 1024 / statement.len() + 1;
    let mut text = "SET lock_timeout = '5s';\n".to_string();
    text.push_str(&statement.repeat(count));
    text.push_str("CREATE INDEX events_kind_idx ON events (kind);\n");
    let started = Instant::now();
    let report = lint_checked(text.as_bytes());
    let took = started.elapsed();
    assert_eq!(report.statements, count + 2);
    assert_eq!(located(&report), [("require-concurrent-index", count + 2, 8)]);
    assert!(took < Duration::from_secs(120), "linting 5 MB took {took:?}");
    eprintln!("5 MB, {} statements: {took:?}", count + 2);
}

#[test]
fn ten_thousand_nested_parentheses_is_a_located_syntax_error() {
    let text = format!("SELECT 1;\nSELECT {}1{};\n", "(".repeat(10_000), ")".repeat(10_000));
    let report = lint_checked(text.as_bytes());
    let found = located(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    let (rule, line, _) = found[0];
    assert_eq!((rule, line), ("syntax-error", 2));
    assert!(
        report.diagnostics[0].message.contains("memory exhausted"),
        "{}",
        report.diagnostics[0].message
    );
    assert_eq!(report.statements, 1);
}

#[test]
fn deep_but_valid_nesting_is_unsupported_not_a_syntax_error() {
    let text = format!(
        "SET lock_timeout = '5s';\nSELECT {}1{};\nCREATE INDEX i ON t (a);\n",
        "ARRAY[".repeat(500),
        "]".repeat(500)
    );
    let report = lint_checked(text.as_bytes());
    assert_eq!(
        located(&report),
        [("unsupported-syntax", 2, 1), ("require-concurrent-index", 3, 8)]
    );
}

#[test]
fn binary_junk_with_nul_bytes_is_invalid_encoding() {
    let report = lint_checked(b"SELECT 1;\n\x7fELF\x02\x01\x01\x00\x00\x00\x00");
    assert_eq!(located(&report), [("invalid-encoding", 2, 8)]);
    assert_eq!(report.diagnostics[0].span.start, 17);
    assert!(report.diagnostics[0].message.contains("NUL"));
    let report = lint_checked(b"\x00");
    assert_eq!(located(&report), [("invalid-encoding", 1, 1)]);
}

#[test]
fn invalid_utf8_is_invalid_encoding_at_the_first_bad_byte() {
    // line 3, after `SELECT 'caf` and two multi-byte characters: column in characters
    let report = lint_checked(
        "SELECT 1;\r\nSELECT 2;\rSELECT 'éé caf"
            .as_bytes()
            .iter()
            .chain(b"\xe9';")
            .copied()
            .collect::<Vec<u8>>()
            .as_slice(),
    );
    assert_eq!(located(&report), [("invalid-encoding", 3, 15)]);
    assert!(
        report.diagnostics[0].message.contains("0xe9"),
        "{}",
        report.diagnostics[0].message
    );
    assert_eq!(report.diagnostics[0].span.start, 11 + 10 + 16);
    // a truncated multi-byte character at the very end
    let report = lint_checked(b"SELECT '\xc3");
    assert_eq!(located(&report), [("invalid-encoding", 1, 9)]);
}

#[test]
fn a_leading_byte_order_mark_is_skipped_and_takes_no_column() {
    let report = lint_checked("\u{feff}SET lock_timeout = '5s'; CREATE INDEX i ON users (a);\r\n".as_bytes());
    assert_eq!(located(&report), [("require-concurrent-index", 1, 33)]);
    assert_eq!(report.statements, 2);
    let report = lint_checked("\u{feff}".as_bytes());
    assert_eq!(located(&report), [("empty-file", 1, 1)]);
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "CREATE INDEX i ON t (a)",
    "CREATE UNIQUE INDEX CONCURRENTLY",
    "CREATE TABLE t (id int)",
    "ALTER TABLE t ADD COLUMN b text",
    "SELECT ",
    "DROP TABLE t",
    "BEGIN",
    "COMMIT",
    "SET lock_timeout = '1s'",
    "'",
    "''",
    "E'\\'",
    "\"",
    "\"\"",
    "$$",
    "$tag$",
    "$1",
    "$",
    "\\",
    "\\set x 1",
    "\\i f.sql",
    "--",
    "-- miglint: ignore require-concurrent-index -- why",
    "/* miglint: ignore-file require-concurrent-index, nope */",
    "/*",
    "*/",
    ";",
    ";;",
    "\n",
    "\r",
    "\r\n",
    "(",
    ")",
    "[",
    "]",
    "{{",
    "}}",
    "${",
    "}",
    ":",
    "::",
    ":'v'",
    "é",
    "😀",
    "\u{feff}",
    " ",
    "\t",
    ",",
    "1",
    "a",
    "ON",
    "INDEX",
];

fn random_input(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..1 + rng.below(12) {
        match rng.below(20) {
            0 => out.push(rng.next() as u8),
            1 => out.push(0),
            _ => out.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len())].as_bytes()),
        }
    }
    out
}

#[test]
fn thousands_of_random_inputs_never_panic_and_stay_in_bounds() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut diagnostics = 0;
    let mut rules = std::collections::BTreeSet::new();
    for _ in 0..4000 {
        let input = random_input(&mut rng);
        let report = lint_checked(&input);
        diagnostics += report.diagnostics.len();
        rules.extend(report.diagnostics.iter().map(|d| d.rule));
    }
    // the generator reaches the interesting paths
    for rule in [
        "syntax-error",
        "unsupported-syntax",
        "invalid-encoding",
        "empty-file",
        "require-concurrent-index",
    ] {
        assert!(rules.contains(rule), "no input produced {rule}: {rules:?}");
    }
    assert!(diagnostics > 4000);
}

#[test]
fn every_output_format_survives_hostile_input() {
    let dir = tempfile::tempdir().unwrap();
    let inputs: [(&str, &[u8]); 6] = [
        ("escape.sql", b"SELECT \x1b[31m;\nSELECT '\x1b[2J"),
        ("empty.sql", b""),
        ("junk.sql", b"\x00\x1b[2J\xff\xfe"),
        ("cr.sql", b"SELECT 'a\rb\r\nc;\r/* \r"),
        ("deep.sql", b"SELECT ((((((((((((((((((((((((((((1;"),
        ("psql.sql", b"\\set x 1\n\\\\\n"),
    ];
    for (name, bytes) in inputs {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    for format in miglint::Format::NAMES {
        // No colour hints from the environment: FORCE_COLOR would add escapes.
        let output = crate::cli::miglint(dir.path(), &["check", ".", "--format", format])
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.is_empty(), "{format}: {stderr}");
        let stdout = String::from_utf8(output.stdout).unwrap_or_else(|_| panic!("{format}: output is not UTF-8"));
        assert!(
            !stdout.contains('\x1b') && !stdout.contains('\0'),
            "{format}: control characters in output"
        );
        if matches!(format, "json" | "sarif" | "gitlab") {
            serde_json::from_str::<serde_json::Value>(&stdout).unwrap_or_else(|e| panic!("{format}: {e}"));
        }
    }
}

/// Pieces of PL/pgSQL bodies, well and badly formed.
const BODY_FRAGMENTS: &[&str] = &[
    "BEGIN ",
    "END; ",
    "END ",
    "DECLARE x int := 1; ",
    "LOOP ",
    "END LOOP; ",
    "FOR i IN 1..3 LOOP ",
    "IF true THEN ",
    "ELSE ",
    "END IF; ",
    "EXCEPTION WHEN others THEN NULL; ",
    "COMMIT; ",
    "ROLLBACK; ",
    "UPDATE t SET a = 1; ",
    "ALTER TABLE t ADD COLUMN b text; ",
    "PERFORM f(); ",
    "EXECUTE 'DROP TABLE t'; ",
    "EXECUTE format('ALTER TABLE %I ADD c int', 't'); ",
    "EXECUTE format('%",
    "EXECUTE 'x' || y; ",
    "SELECT 1 INTO x; ",
    "'",
    "''",
    "$x$",
    "\n",
    "-- c\n",
    "/*",
    "é",
    ";",
];

/// Whole PL/pgSQL statements.
const BODY_STATEMENTS: &[&str] = &[
    "UPDATE t SET a = 1;\n",
    "ALTER TABLE t ADD COLUMN b text;\n",
    "PERFORM pg_sleep(0);\n",
    "EXECUTE 'DROP TABLE t';\n",
    "EXECUTE format('ALTER TABLE %I ADD c int', 't');\n",
    "EXECUTE 'DROP TABLE ' || quote_ident(current_user);\n",
    "FOR i IN 1..3 LOOP DELETE FROM t WHERE id = i; END LOOP;\n",
    "IF now() > now() THEN CREATE INDEX j ON t (b); ELSE TRUNCATE t; END IF;\n",
    "BEGIN INSERT INTO t VALUES (1); EXCEPTION WHEN others THEN NULL; END;\n",
    "COMMIT;\n",
    "-- é ;\n",
];

#[test]
fn random_bodies_never_panic_and_stay_in_bounds() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut rules = std::collections::BTreeSet::new();
    for _ in 0..1500 {
        // Mostly bodies that compile, with a broken piece now and then.
        let mut body = String::from("BEGIN\n");
        for _ in 0..1 + rng.below(8) {
            let piece = if rng.below(6) == 0 {
                BODY_FRAGMENTS[rng.below(BODY_FRAGMENTS.len())]
            } else {
                BODY_STATEMENTS[rng.below(BODY_STATEMENTS.len())]
            };
            body.push_str(piece);
        }
        body.push_str("END");
        let text = match rng.below(3) {
            0 => format!("DO $body$\n{body}\n$body$;\nCREATE INDEX i ON t (a);\n"),
            1 => format!("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\n{body}\n$body$;\nSELECT f();\n"),
            _ => format!("DO '{}';\n", body.replace('\'', "''")),
        };
        let report = lint_checked(text.as_bytes());
        rules.extend(report.diagnostics.iter().map(|d| d.rule));
    }
    for rule in ["syntax-error", "require-concurrent-index", "dynamic-sql-not-checked"] {
        assert!(rules.contains(rule), "no body produced {rule}: {rules:?}");
    }
}

#[test]
fn deep_and_recursive_bodies_end() {
    // Blocks nested far deeper than anyone writes them.
    let depth = 2000;
    let nested = format!(
        "DO $$\n{}ALTER TABLE t ADD COLUMN b text;\n{}$$;\n",
        "BEGIN\n".repeat(depth),
        "END;\n".repeat(depth)
    );
    lint_checked(nested.as_bytes());
    // EXECUTE of a DO block of an EXECUTE of a DO block, ...
    let mut inner = "ALTER TABLE t ADD COLUMN b text".to_string();
    for _ in 0..12 {
        inner = format!("DO $$ BEGIN EXECUTE {}; END $$", quote(&inner));
    }
    lint_checked(format!("{inner};\n").as_bytes());
    // Functions that call themselves and each other.
    let recursive = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM g(); PERFORM f(); END $$;\n\
                     CREATE FUNCTION g() RETURNS void LANGUAGE sql AS 'SELECT f()';\n\
                     SELECT f();\n";
    lint_checked(recursive.as_bytes());
    // One function called many times: each call is judged, within a bound.
    let started = Instant::now();
    let calls = "SELECT f();\n".repeat(3000);
    let many = format!(
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN {} END $$;\n{calls}",
        "UPDATE t SET a = 1; ".repeat(20)
    );
    let report = lint_checked(many.as_bytes());
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.rule == "dynamic-sql-not-checked" && d.message.starts_with("more than")),
        "the statements past the bound are said to be unchecked"
    );
}

/// `text` as a SQL string constant.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
