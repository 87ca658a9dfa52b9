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
    // an unterminated block comment is a syntax error (PostgreSQL rejects
    // it), and what it swallows is not linted
    let report = lint_checked(b"/* never closed\nCREATE INDEX i ON t (a);");
    assert_eq!(located(&report), [("syntax-error", 1, 1)]);
    let report = lint_checked(b"SELECT 1;\n  /* /* */\nSELECT 2;");
    assert_eq!(located(&report), [("syntax-error", 2, 3)]);
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

// ---------------------------------------------------------------------------
// The hostile-input table (issue 14): each row is one hostile input alone in
// its own folder beside a normal migration, run through the binary.
// ---------------------------------------------------------------------------

mod hostile {
    use std::ffi::OsString;
    use std::io::{Read, Write};
    use std::os::unix::ffi::OsStringExt;
    use std::path::Path;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use serde_json::Value;

    /// The normal migration beside every hostile input: still linted.
    const NEIGHBOUR: (&str, &[u8]) = ("other.sql", b"DROP TABLE users;\n");

    /// What a row sets up: the arguments after `check --format json`, and
    /// the standard input.
    struct Setup {
        args: Vec<OsString>,
        stdin: Option<Vec<u8>>,
    }

    fn folder() -> Setup {
        Setup {
            args: vec![".".into()],
            stdin: None,
        }
    }

    fn named(names: &[&str]) -> Setup {
        Setup {
            args: names.iter().map(OsString::from).collect(),
            stdin: None,
        }
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    /// A located finding expected in the report: (path, line, column, rule).
    type Located = (&'static str, u64, u64, &'static str);

    struct Row {
        name: &'static str,
        /// Writes the hostile input into the folder (the neighbour is
        /// already there) and says how miglint is run.
        setup: fn(&Path) -> Setup,
        code: i32,
        /// Findings the report must hold (besides the neighbour's).
        located: &'static [Located],
        /// For exit 2: what standard error must say.
        stderr: Option<&'static str>,
        /// The neighbour is linted too (false: it is not among the inputs).
        neighbour: bool,
        /// A memory ceiling above the budget, per byte of input, for the
        /// rows of many statements: every statement's parse tree is held
        /// until the run ends (pg_query's decoded trees, ~15-20 KB per small
        /// `CREATE TABLE`), a design the speed work of issue 14 changes. The
        /// ceiling still catches anything worse than linear.
        known_memory_factor: Option<u64>,
    }

    const fn row(name: &'static str, setup: fn(&Path) -> Setup, code: i32, located: &'static [Located]) -> Row {
        Row {
            name,
            setup,
            code,
            located,
            stderr: None,
            neighbour: true,
            known_memory_factor: None,
        }
    }

    /// How the child ended and what it used.
    struct Run {
        code: Option<i32>,
        stdout: Vec<u8>,
        stderr: String,
        elapsed: Duration,
        /// Peak resident set size in bytes: the highest `VmHWM` read while
        /// it ran (`wait4`'s `ru_maxrss` would count the test process itself,
        /// whose pages the child held between fork and exec). A run that ends
        /// before the first read (about 10 ms) reads 0: it had no time to
        /// hold much.
        peak_rss: u64,
    }

    /// Runs the binary in `dir`, polls its peak memory, reaps it with
    /// `waitpid` (this child alone, not the other tests' children), and
    /// kills it at `deadline`.
    fn run(dir: &Path, setup: &Setup, deadline: Duration) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_miglint"));
        cmd.current_dir(dir)
            .args(["check", "--format", "json"])
            .args(&setup.args)
            .stdin(if setup.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for variable in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
            cmd.env_remove(variable);
        }
        let started = Instant::now();
        // Reaped by `waitpid` below (`wait` would not give the timeout).
        #[allow(clippy::zombie_processes)]
        let mut child = cmd.spawn().expect("miglint starts");
        let pid = child.id() as libc::pid_t;
        let feeder = child.stdin.take().map(|mut input| {
            let bytes = setup.stdin.clone().unwrap_or_default();
            std::thread::spawn(move || {
                // The child may stop reading early; that is its right.
                let _ = input.write_all(&bytes);
            })
        });
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = out.read_to_end(&mut bytes);
            bytes
        });
        let err_reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = err.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        let mut status = 0;
        let mut timed_out = false;
        let mut peak_rss = 0;
        let status_file = format!("/proc/{pid}/status");
        loop {
            // The high-water mark of the process's memory since its exec
            // (readable until it is reaped, even as a zombie it reads 0).
            if let Some(kb) = std::fs::read_to_string(&status_file)
                .ok()
                .and_then(|s| high_water_kb(&s))
            {
                peak_rss = peak_rss.max(kb * 1024);
            }
            // SAFETY: pid is our own child, not yet reaped; status is valid for writes.
            let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            if done == pid {
                break;
            }
            assert!(done == 0, "waitpid: {}", std::io::Error::last_os_error());
            if started.elapsed() > deadline && !timed_out {
                timed_out = true;
                // SAFETY: signalling our own child.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let elapsed = started.elapsed();
        if let Some(feeder) = feeder {
            feeder.join().unwrap();
        }
        let code = (!timed_out && libc::WIFEXITED(status)).then(|| libc::WEXITSTATUS(status));
        Run {
            code,
            stdout: reader.join().unwrap(),
            stderr: err_reader.join().unwrap(),
            elapsed,
            peak_rss,
        }
    }

    /// `VmHWM` of a `/proc/<pid>/status`, in kB.
    fn high_water_kb(status: &str) -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// (path, line, column, rule) of every active finding.
    fn findings(report: &Value) -> Vec<(String, u64, u64, String)> {
        report["diagnostics"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|d| d["suppressed"] == false)
                    .map(|d| {
                        (
                            d["path"].as_str().unwrap_or("").to_string(),
                            d["span"]["start"]["line"].as_u64().unwrap_or(0),
                            d["span"]["start"]["column"].as_u64().unwrap_or(0),
                            d["rule"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Total size of the regular files under `dir` (the input), not
    /// following links.
    fn input_size(dir: &Path) -> u64 {
        let mut total = 0;
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
                    continue;
                };
                if meta.is_dir() {
                    total += input_size(&entry.path());
                } else if meta.is_file() {
                    total += meta.len();
                }
            }
        }
        total
    }

    fn is_root() -> bool {
        // SAFETY: geteuid has no preconditions.
        unsafe { libc::geteuid() == 0 }
    }

    const MB: u64 = 1024 * 1024;

    /// Valid DDL, `size` bytes of it, one table per statement.
    fn ddl(size: usize) -> Vec<u8> {
        let mut text = String::with_capacity(size + 100);
        let mut i = 0;
        while text.len() < size {
            text.push_str(&format!(
                "CREATE TABLE IF NOT EXISTS t_{i} (id bigint PRIMARY KEY, name text NOT NULL);\n"
            ));
            i += 1;
        }
        text.into_bytes()
    }

    fn rows() -> Vec<Row> {
        vec![
            row(
                "empty",
                |d| {
                    write(d, "a.sql", b"");
                    folder()
                },
                1,
                &[("a.sql", 1, 1, "empty-file")],
            ),
            row(
                "whitespace only",
                |d| {
                    write(d, "a.sql", b" \t\r\n\n  \x0c\n");
                    folder()
                },
                1,
                &[("a.sql", 1, 1, "empty-file")],
            ),
            row(
                "UTF-8 BOM",
                |d| {
                    write(
                        d,
                        "a.sql",
                        "\u{feff}SET lock_timeout = '1s';\nCREATE INDEX i ON t (a);\n".as_bytes(),
                    );
                    folder()
                },
                1,
                &[("a.sql", 2, 8, "require-concurrent-index")],
            ),
            row(
                "BOM only",
                |d| {
                    write(d, "a.sql", "\u{feff}".as_bytes());
                    folder()
                },
                1,
                &[("a.sql", 1, 1, "empty-file")],
            ),
            row(
                "CR line endings",
                |d| {
                    write(
                        d,
                        "a.sql",
                        b"SET lock_timeout = '1s';\rSELECT 1;\rCREATE INDEX i ON t (a);\r",
                    );
                    folder()
                },
                1,
                &[("a.sql", 3, 8, "require-concurrent-index")],
            ),
            row(
                "CRLF line endings",
                |d| {
                    write(
                        d,
                        "a.sql",
                        b"SET lock_timeout = '1s';\r\nSELECT 1;\r\nCREATE INDEX i ON t (a);\r\n",
                    );
                    folder()
                },
                1,
                &[("a.sql", 3, 8, "require-concurrent-index")],
            ),
            row(
                "mixed line endings",
                |d| {
                    write(
                        d,
                        "a.sql",
                        b"SET lock_timeout = '1s';\rSELECT 1;\r\n\nCREATE INDEX i ON t (a);\n",
                    );
                    folder()
                },
                1,
                &[("a.sql", 4, 8, "require-concurrent-index")],
            ),
            row(
                "invalid UTF-8 in a string",
                |d| {
                    write(d, "a.sql", b"SELECT 1;\nSELECT 'caf\xc3\x28';\n");
                    folder()
                },
                1,
                &[("a.sql", 2, 12, "invalid-encoding")],
            ),
            row(
                "invalid UTF-8 in a comment",
                |d| {
                    write(d, "a.sql", b"-- ok\n/* \xff\xfe */ SELECT 1;\n");
                    folder()
                },
                1,
                &[("a.sql", 2, 4, "invalid-encoding")],
            ),
            row(
                "Latin-1",
                |d| {
                    write(d, "a.sql", b"SELECT 'caf\xe9';\n");
                    folder()
                },
                1,
                &[("a.sql", 1, 12, "invalid-encoding")],
            ),
            row(
                "UTF-16 with a BOM",
                |d| {
                    let mut bytes = vec![0xff, 0xfe];
                    for unit in "CREATE INDEX i ON t (a);\n".encode_utf16() {
                        bytes.extend_from_slice(&unit.to_le_bytes());
                    }
                    write(d, "a.sql", &bytes);
                    folder()
                },
                1,
                &[("a.sql", 1, 1, "invalid-encoding")],
            ),
            row(
                "random binary",
                |d| {
                    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
                    let bytes: Vec<u8> = (0..64 * 1024)
                        .map(|_| {
                            state ^= state << 13;
                            state ^= state >> 7;
                            state ^= state << 17;
                            (state >> 24) as u8
                        })
                        .collect();
                    write(d, "a.sql", &bytes);
                    folder()
                },
                1,
                &[],
            ),
            row(
                "NUL bytes",
                |d| {
                    write(d, "a.sql", b"SELECT 1;\nSELECT \x00\x00;\n");
                    folder()
                },
                1,
                &[("a.sql", 2, 8, "invalid-encoding")],
            ),
            row(
                "a PNG renamed .sql",
                |d| {
                    write(d, "image.sql", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89");
                    folder()
                },
                1,
                &[("image.sql", 1, 1, "invalid-encoding")],
            ),
            row(
                "control characters",
                |d| {
                    write(d, "a.sql", b"SELECT 1;\nSELECT \x01\x1b[2J\x07;\n");
                    folder()
                },
                1,
                &[("a.sql", 2, 8, "syntax-error")],
            ),
            Row {
                known_memory_factor: Some(400),
                ..row(
                    "a large file of valid DDL (10 MB, under a raised max_file_size)",
                    |d| {
                        write(d, "miglint.toml", b"max_file_size = \"64MB\"\n");
                        let mut text = ddl(10 * MB as usize);
                        text.extend_from_slice(b"CREATE INDEX users_name_idx ON users (name);\n");
                        write(d, "a.sql", &text);
                        folder()
                    },
                    1,
                    &[("a.sql", 130_827, 8, "require-concurrent-index")],
                )
            },
            row(
                "a file over max_file_size (15 MB)",
                |d| {
                    write(d, "a.sql", &ddl(15 * MB as usize));
                    folder()
                },
                1,
                &[("a.sql", 1, 1, "file-too-large")],
            ),
            Row {
                known_memory_factor: Some(800),
                ..row(
                    "100,000 statements",
                    |d| {
                        let mut text = "SELECT 1;\n".repeat(100_000);
                        text.push_str("CREATE INDEX i ON t (a);\n");
                        write(d, "a.sql", text.as_bytes());
                        folder()
                    },
                    1,
                    &[("a.sql", 100_001, 8, "require-concurrent-index")],
                )
            },
            // Over 1 MiB, a statement's syntax is checked without its tree.
            row(
                "a 5 MB statement",
                |d| {
                    let values = vec!["(1, 'x')"; 5 * MB as usize / 10].join(",");
                    write(
                        d,
                        "a.sql",
                        format!("INSERT INTO t (a, b) VALUES {values};\nCREATE INDEX i ON t (a);\n").as_bytes(),
                    );
                    folder()
                },
                1,
                &[
                    ("a.sql", 1, 1, "unsupported-syntax"),
                    ("a.sql", 2, 8, "require-concurrent-index"),
                ],
            ),
            row(
                "a million newlines",
                |d| {
                    let mut text = "\n".repeat(1_000_000);
                    text.push_str("CREATE INDEX i ON t (a);\n");
                    write(d, "a.sql", text.as_bytes());
                    folder()
                },
                1,
                &[("a.sql", 1_000_001, 8, "require-concurrent-index")],
            ),
            row(
                "only semicolons",
                |d| {
                    write(d, "a.sql", ";".repeat(100_000).as_bytes());
                    folder()
                },
                1,
                &[],
            ),
            row(
                "5,000 nested parentheses",
                |d| {
                    write(
                        d,
                        "a.sql",
                        format!(
                            "SELECT {}1{};\nCREATE INDEX i ON t (a);\n",
                            "(".repeat(5_000),
                            ")".repeat(5_000)
                        )
                        .as_bytes(),
                    );
                    folder()
                },
                1,
                &[("a.sql", 2, 8, "require-concurrent-index")],
            ),
            row(
                "100,000 nested parentheses",
                |d| {
                    write(
                        d,
                        "a.sql",
                        format!(
                            "SELECT {}1{};\nCREATE INDEX i ON t (a);\n",
                            "(".repeat(100_000),
                            ")".repeat(100_000)
                        )
                        .as_bytes(),
                    );
                    folder()
                },
                1,
                &[
                    ("a.sql", 1, 10_004, "syntax-error"),
                    ("a.sql", 2, 8, "require-concurrent-index"),
                ],
            ),
            row(
                "a 70,000-character identifier",
                |d| {
                    write(
                        d,
                        "a.sql",
                        format!("CREATE INDEX {} ON t (a);\n", "i".repeat(70_000)).as_bytes(),
                    );
                    folder()
                },
                1,
                &[("a.sql", 1, 8, "require-concurrent-index")],
            ),
            row(
                "unterminated dollar quote",
                |d| {
                    write(d, "a.sql", b"SELECT 1;\nDO $body$ BEGIN\n");
                    folder()
                },
                1,
                &[("a.sql", 2, 4, "syntax-error")],
            ),
            row(
                "unterminated string",
                |d| {
                    write(d, "a.sql", b"SELECT 1;\nSELECT 'never\n");
                    folder()
                },
                1,
                &[("a.sql", 2, 8, "syntax-error")],
            ),
            row(
                "unterminated quoted identifier",
                |d| {
                    write(d, "a.sql", b"SELECT 1;\nSELECT \"never\n");
                    folder()
                },
                1,
                &[("a.sql", 2, 8, "syntax-error")],
            ),
            row(
                "unterminated block comment",
                |d| {
                    write(d, "a.sql", b"SELECT 1;\n/* never closed\nCREATE INDEX i ON t (a);\n");
                    folder()
                },
                1,
                &[("a.sql", 2, 1, "syntax-error")],
            ),
            row(
                "unbalanced nested block comment",
                |d| {
                    write(d, "a.sql", b"SELECT 1;\n  /* /* */\nSELECT 2;\n");
                    folder()
                },
                1,
                &[("a.sql", 2, 3, "syntax-error")],
            ),
            row(
                "psql meta-commands",
                |d| {
                    write(
                        d,
                        "a.sql",
                        b"\\set ON_ERROR_STOP on\n\\i other.sql\nCREATE INDEX i ON t (a);\n",
                    );
                    folder()
                },
                1,
                &[
                    ("a.sql", 1, 1, "unsupported-syntax"),
                    ("a.sql", 3, 8, "require-concurrent-index"),
                ],
            ),
            row(
                "Flyway placeholders",
                |d| {
                    write(
                        d,
                        "a.sql",
                        b"SET lock_timeout = '1s';\nDROP TABLE ${schema}.accounts;\n",
                    );
                    folder()
                },
                1,
                &[("a.sql", 2, 1, "ban-drop-table")],
            ),
            row(
                "Go template placeholders",
                |d| {
                    write(
                        d,
                        "a.sql",
                        b"SET lock_timeout = '1s';\nDROP TABLE {{ .Schema }}.accounts;\n",
                    );
                    folder()
                },
                1,
                &[("a.sql", 2, 1, "ban-drop-table")],
            ),
            row(
                "a directory named x.sql",
                |d| {
                    std::fs::create_dir(d.join("x.sql")).unwrap();
                    folder()
                },
                1,
                &[],
            ),
            row(
                "a FIFO in the folder",
                |d| {
                    make_fifo(&d.join("pipe.sql"));
                    folder()
                },
                1,
                &[],
            ),
            Row {
                stderr: Some("pipe.sql"),
                ..row(
                    "a FIFO named",
                    |d| {
                        make_fifo(&d.join("pipe.sql"));
                        named(&["pipe.sql", "other.sql"])
                    },
                    2,
                    &[],
                )
            },
            Row {
                stderr: Some("/dev/zero"),
                ..row("/dev/zero named", |_| named(&["/dev/zero", "other.sql"]), 2, &[])
            },
            row(
                "a symbolic link loop in the folder",
                |d| {
                    write(d, "tree/a/x.sql", b"CREATE INDEX i ON t (a);\n");
                    std::os::unix::fs::symlink("..", d.join("tree/a/loop")).unwrap();
                    folder()
                },
                1,
                &[("tree/a/x.sql", 1, 8, "require-concurrent-index")],
            ),
            row(
                "a symbolic link loop under a glob",
                |d| {
                    write(d, "tree/a/x.sql", b"CREATE INDEX i ON t (a);\n");
                    std::os::unix::fs::symlink("..", d.join("tree/a/loop")).unwrap();
                    named(&["tree/**/*.sql", "other.sql"])
                },
                1,
                &[("tree/a/x.sql", 1, 8, "require-concurrent-index")],
            ),
            Row {
                stderr: Some("a.sql"),
                ..row(
                    "an unreadable file",
                    |d| {
                        write(d, "a.sql", b"CREATE INDEX i ON t (a);\n");
                        std::fs::set_permissions(d.join("a.sql"), std::os::unix::fs::PermissionsExt::from_mode(0o000))
                            .unwrap();
                        folder()
                    },
                    2,
                    &[],
                )
            },
            row(
                "a file name that is not UTF-8, named",
                |d| {
                    let name = OsString::from_vec(b"bad-\xff\xfe.sql".to_vec());
                    std::fs::write(d.join(&name), b"CREATE INDEX i ON t (a);\n").unwrap();
                    Setup {
                        args: vec![name, "other.sql".into()],
                        stdin: None,
                    }
                },
                1,
                &[("bad-\u{fffd}\u{fffd}.sql", 1, 8, "require-concurrent-index")],
            ),
            row(
                "a file name that is not UTF-8, in the folder",
                |d| {
                    let name = OsString::from_vec(b"bad-\xff\xfe.sql".to_vec());
                    std::fs::write(d.join(&name), b"CREATE INDEX i ON t (a);\n").unwrap();
                    folder()
                },
                1,
                &[("bad-\u{fffd}\u{fffd}.sql", 1, 8, "require-concurrent-index")],
            ),
            // Found by the lsp fuzz target: a stack overflow looking for the
            // layout of a file whose folder is the filesystem's root.
            Row {
                neighbour: false,
                ..row(
                    "standard input named after a file at the filesystem root",
                    |_| Setup {
                        args: vec!["--stdin-filename".into(), "/hostile-at-root.sql".into(), "-".into()],
                        stdin: Some(b"DROP TABLE users;\n".to_vec()),
                    },
                    1,
                    &[("/hostile-at-root.sql", 1, 1, "ban-drop-table")],
                )
            },
            Row {
                neighbour: false,
                ..row(
                    "binary on standard input",
                    |_| Setup {
                        args: vec!["-".into()],
                        stdin: Some(b"SELECT 1;\n\x89PNG\x00\xff".to_vec()),
                    },
                    1,
                    &[("<stdin>", 2, 1, "invalid-encoding")],
                )
            },
            Row {
                neighbour: false,
                known_memory_factor: Some(400),
                ..row(
                    "1 MB of DDL on standard input",
                    |_| {
                        let mut text = ddl(MB as usize);
                        text.extend_from_slice(b"CREATE INDEX i ON t (a);\n");
                        Setup {
                            args: vec!["-".into()],
                            stdin: Some(text),
                        }
                    },
                    1,
                    &[("<stdin>", 13_248, 8, "require-concurrent-index")],
                )
            },
            Row {
                stderr: Some("miglint.toml:2:1: cannot read configuration: not UTF-8 text (byte 0x89)"),
                neighbour: false,
                ..row(
                    "a binary miglint.toml",
                    |d| {
                        write(d, "miglint.toml", b"max_file_size = 1\n\x89PNG\x00\xff\xfe");
                        folder()
                    },
                    2,
                    &[],
                )
            },
            Row {
                stderr: Some("miglint.toml: cannot read configuration: larger than 1 MiB"),
                neighbour: false,
                ..row(
                    "a huge miglint.toml",
                    |d| {
                        write(d, "miglint.toml", "# padding\n".repeat(300_000).as_bytes());
                        folder()
                    },
                    2,
                    &[],
                )
            },
        ]
    }

    fn make_fifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
    }

    /// Every hostile input: the documented exit code, a located finding
    /// where one is due, the neighbour still linted, within time and memory
    /// ceilings a debug build on a busy 2-core machine keeps.
    #[test]
    fn hostile_inputs_table() {
        let mut failures = Vec::new();
        for row in rows() {
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), NEIGHBOUR.0, NEIGHBOUR.1);
            let setup = (row.setup)(dir.path());
            let size = input_size(dir.path()) + setup.stdin.as_ref().map_or(0, |s| s.len() as u64);
            // Ceilings: ~10x the input plus a base for the binary itself;
            // a minute plus 10 s per MB for a debug build (release: ~2 s per 10 MB).
            let memory_ceiling = 200 * MB + row.known_memory_factor.unwrap_or(10) * size;
            let time_ceiling = Duration::from_secs(60 + 10 * size / MB);
            let run = run(dir.path(), &setup, time_ceiling);
            let mut problems = Vec::new();
            if run.code != Some(row.code) {
                problems.push(format!("exit {:?}, want {}", run.code, row.code));
            }
            if run.elapsed > time_ceiling {
                problems.push(format!("took {:?} (ceiling {time_ceiling:?})", run.elapsed));
            }
            if run.peak_rss > memory_ceiling {
                problems.push(format!(
                    "peak RSS {} MB (ceiling {} MB)",
                    run.peak_rss / MB,
                    memory_ceiling / MB
                ));
            }
            let report: Option<Value> = serde_json::from_slice(&run.stdout).ok();
            let found = report.as_ref().map(findings).unwrap_or_default();
            for &(path, line, column, rule) in row.located {
                if !found
                    .iter()
                    .any(|f| f.0 == path && f.1 == line && f.2 == column && f.3 == rule)
                {
                    problems.push(format!("no {rule} at {path}:{line}:{column}"));
                }
            }
            // Every finding is located: a path and 1-based positions.
            if let Some(bad) = found.iter().find(|f| f.0.is_empty() || f.1 < 1 || f.2 < 1) {
                problems.push(format!("unlocated finding {bad:?}"));
            }
            if row.neighbour && !found.iter().any(|f| f.0 == "other.sql" && f.3 == "ban-drop-table") {
                problems.push("the neighbour other.sql was not linted".to_string());
            }
            if let Some(said) = row.stderr {
                if !run.stderr.contains(said) {
                    problems.push(format!("standard error does not name {said}"));
                }
            }
            if row.code != 2 && report.is_none() {
                problems.push("no JSON report".to_string());
            }
            if run.stderr.contains("panicked") {
                problems.push("panicked".to_string());
            }
            if row.name == "an unreadable file" && is_root() {
                eprintln!("{}: skipped, running as root (the file is readable)", row.name);
                continue;
            }
            eprintln!(
                "{:<60} exit {:?} {:>8.2?} {:>5} MB peak, input {} KB",
                row.name,
                run.code,
                run.elapsed,
                run.peak_rss / MB,
                size / 1024
            );
            if !problems.is_empty() {
                failures.push(format!(
                    "{}: {}\n  findings: {:?}\n  stderr: {}",
                    row.name,
                    problems.join("; "),
                    found.iter().take(6).collect::<Vec<_>>(),
                    run.stderr.chars().take(400).collect::<String>()
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} rows failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

/// The same lint gives the same bytes: run twice, and on one thread or
/// many (the engine parses and lints files in parallel with rayon).
#[test]
fn output_is_deterministic_whatever_the_thread_count() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..24 {
        let text = match i % 4 {
            0 => format!("CREATE TABLE t{i} (id int);\nCREATE INDEX i{i} ON t{i} (id);\n"),
            1 => format!(
                "ALTER TABLE t{} ADD COLUMN c text NOT NULL DEFAULT now()::text;\nDROP TABLE x{i};\n",
                i - 1
            ),
            2 => format!("-- miglint: ignore ban-drop-table -- reviewed\nDROP TABLE y{i};\nSELECT 'broken;\n"),
            _ => format!(
                "SET lock_timeout = '1s';\nALTER TABLE t{} ALTER COLUMN id TYPE bigint;\n\\set x 1\n",
                i - 3
            ),
        };
        files.push((format!("db/migrations/{:04}_m{i}.sql", i + 1), text.into_bytes()));
        files.push((format!("other/{i}.sql"), b"DROP TABLE users;\n".to_vec()));
    }
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    let dir = crate::cli::project(&borrowed);
    for format in ["human", "json", "sarif"] {
        let output = |threads: Option<&str>| {
            let mut cmd = crate::cli::miglint(dir.path(), &["check", "db/migrations", "other", "--format", format]);
            match threads {
                Some(n) => cmd.env("RAYON_NUM_THREADS", n),
                None => cmd.env_remove("RAYON_NUM_THREADS"),
            };
            let output = cmd.timeout(crate::cli::TIMEOUT).output().unwrap();
            assert_eq!(
                output.status.code(),
                Some(1),
                "{format}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            (output.stdout, output.stderr)
        };
        let first = output(None);
        assert!(first.0.len() > 1000, "{format}: too little output to compare");
        for (what, threads) in [
            ("again", None),
            ("on one thread", Some("1")),
            ("on eight threads", Some("8")),
        ] {
            let other = output(threads);
            assert!(
                other == first,
                "{format}: output differs {what}:\n{}\n---\n{}",
                String::from_utf8_lossy(&first.0),
                String::from_utf8_lossy(&other.0)
            );
        }
    }
}
