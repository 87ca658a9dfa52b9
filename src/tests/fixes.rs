//! Every fix tested by applying it: each case's file, in its tool's
//! layout, is fixed as `check --fix` fixes it (pass after pass, the fixed
//! text re-discovered and re-linted), then (a) the rule is silent on the
//! fixed text, and (b) a second fix changes nothing. `truth::fixes` runs the
//! fixed SQL on a real PostgreSQL and reads the lock it takes.

use std::path::{Path, PathBuf};

use crate::cli::fix::fix_run;
use crate::prepare::{prepare, RunRequest};
use crate::report::engine::lint_run;

/// One fix: the files of a tool's layout, the migration fixed, the rule
/// whose fix it is, and the text `--fix` makes of it.
pub(crate) struct FixCase {
    pub rule: &'static str,
    /// Files that give the tool away, with their content.
    pub layout: Layout,
    /// The migration, in the layout.
    pub path: &'static str,
    pub sql: &'static str,
    pub fixed: &'static str,
    /// How the tool's runner runs the fixed file: in one transaction, or
    /// statement by statement.
    pub in_transaction: bool,
    /// The migration the fix adds beside it (name, content).
    pub new_file: Option<(&'static str, &'static str)>,
}

/// Files beside the migration, with their content.
type Layout = &'static [(&'static str, &'static str)];

const SQLX: Layout = &[("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n")];
const GOOSE: Layout = &[("go.mod", "module x\nrequire github.com/pressly/goose/v3 v3.20.0\n")];
const ATLAS: Layout = &[("migrations/atlas.sum", "h1:x=\n")];

pub(crate) const CASES: &[FixCase] = &[
    FixCase {
        rule: "require-concurrent-index",
        layout: &[],
        path: "plain/001.sql",
        sql: "CREATE INDEX t_c ON t (c);\n",
        fixed: "CREATE INDEX CONCURRENTLY t_c ON t (c);\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-concurrent-index",
        layout: SQLX,
        path: "migrations/20240101000000_index.sql",
        sql: "CREATE UNIQUE INDEX IF NOT EXISTS t_c ON t (b);\n",
        fixed: "-- no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_c ON t (b);\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-concurrent-index",
        layout: GOOSE,
        path: "migrations/00001_index.sql",
        sql: "-- +goose Up\nCREATE INDEX t_c ON t (c);\n",
        fixed: "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY t_c ON t (c);\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-concurrent-index",
        layout: &[],
        path: "db/migrations/20240101000000_index.sql",
        sql: "-- migrate:up\nCREATE INDEX t_c ON t (c);\n\n-- migrate:down\nDROP INDEX t_c;\n",
        fixed: "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t_c ON t (c);\n\n-- migrate:down\nDROP INDEX t_c;\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-concurrent-index",
        layout: ATLAS,
        path: "migrations/20240101000000_index.sql",
        sql: "CREATE INDEX t_c ON t (c);\n",
        fixed: "-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY t_c ON t (c);\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-concurrent-index",
        layout: &[],
        path: "flyway/V1__index.sql",
        sql: "CREATE INDEX t_c ON t (c);\n",
        fixed: "CREATE INDEX CONCURRENTLY t_c ON t (c);\n",
        in_transaction: false,
        new_file: None,
    },
    // Diesel: a metadata.toml added in the migration's folder.
    FixCase {
        rule: "require-concurrent-index",
        layout: &[("migrations/2024-01-01-000000_index/down.sql", "DROP INDEX t_c;\n")],
        path: "migrations/2024-01-01-000000_index/up.sql",
        sql: "CREATE INDEX t_c ON t (c);\n",
        fixed: "CREATE INDEX CONCURRENTLY t_c ON t (c);\n",
        in_transaction: false,
        new_file: Some(("metadata.toml", "run_in_transaction = false\n")),
    },
    // Flyway: a script Flyway would run in a transaction (it holds a SET
    // too) gets a script config beside it.
    FixCase {
        rule: "require-concurrent-index",
        layout: &[],
        path: "flyway/V2__index.sql",
        sql: "SET maintenance_work_mem = '64MB';\nCREATE INDEX t_c ON t (c);\n",
        fixed: "SET maintenance_work_mem = '64MB';\nCREATE INDEX CONCURRENTLY t_c ON t (c);\n",
        in_transaction: false,
        new_file: Some(("V2__index.sql.conf", "executeInTransaction=false\n")),
    },
    // Liquibase: the statement's changeset leaves its transaction; the
    // other changeset keeps its own, so the fix is safe.
    FixCase {
        rule: "require-concurrent-index",
        layout: &[],
        path: "changelog/002-index.sql",
        sql: "--liquibase formatted sql\n\n--changeset ann:1\nCREATE TABLE liquibase_x (id int);\n\n--changeset ann:2 \nCREATE INDEX t_c ON t (c);\n",
        fixed: "--liquibase formatted sql\n\n--changeset ann:1\nCREATE TABLE liquibase_x (id int);\n\n--changeset ann:2 runInTransaction:false \nCREATE INDEX CONCURRENTLY t_c ON t (c);\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-concurrent-index-drop",
        layout: &[],
        path: "plain/001.sql",
        sql: "DROP INDEX IF EXISTS t_a;\n",
        fixed: "DROP INDEX CONCURRENTLY IF EXISTS t_a;\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-concurrent-index-drop",
        layout: SQLX,
        path: "migrations/20240101000000_drop.sql",
        sql: "DROP INDEX t_a;\n",
        fixed: "-- no-transaction\nDROP INDEX CONCURRENTLY t_a;\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-concurrent-reindex",
        layout: &[],
        path: "plain/001.sql",
        sql: "REINDEX INDEX t_a;\n",
        fixed: "REINDEX INDEX CONCURRENTLY t_a;\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-concurrent-reindex",
        layout: GOOSE,
        path: "migrations/00001_reindex.sql",
        sql: "-- +goose Up\nREINDEX TABLE t;\n",
        fixed: "-- +goose NO TRANSACTION\n-- +goose Up\nREINDEX TABLE CONCURRENTLY t;\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-lock-timeout",
        layout: &[],
        path: "plain/001.sql",
        sql: "-- a comment stays first\n  ALTER TABLE t ADD COLUMN z bigint;\n",
        fixed: "-- a comment stays first\n  SET lock_timeout = '5s';\n  ALTER TABLE t ADD COLUMN z bigint;\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "require-lock-timeout",
        layout: SQLX,
        path: "migrations/20240101000000_column.sql",
        sql: "ALTER TABLE t ADD COLUMN z bigint;\nALTER TABLE t ADD COLUMN y bigint;\n",
        fixed: "SET LOCAL lock_timeout = '5s';\nALTER TABLE t ADD COLUMN z bigint;\nALTER TABLE t ADD COLUMN y bigint;\n",
        in_transaction: true,
        new_file: None,
    },
    FixCase {
        rule: "require-lock-timeout",
        layout: &[],
        path: "plain/001.sql",
        sql: "BEGIN;\nALTER TABLE t ADD COLUMN z bigint;\nCOMMIT;\n",
        fixed: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE t ADD COLUMN z bigint;\nCOMMIT;\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "constraint-missing-not-valid",
        layout: &[],
        path: "plain/001.sql",
        sql: "SET lock_timeout = '5s';\nALTER TABLE t ADD CHECK (d > -1);\n",
        fixed: "SET lock_timeout = '5s';\nALTER TABLE t ADD CONSTRAINT t_d_check CHECK (d > -1) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_d_check;\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "constraint-missing-not-valid",
        layout: &[],
        path: "plain/001.sql",
        sql: "ALTER TABLE t ADD CONSTRAINT t_pid_fk2 FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE; -- kept\n",
        fixed: "SET lock_timeout = '5s';\nALTER TABLE t ADD CONSTRAINT t_pid_fk2 FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_pid_fk2; -- kept\n",
        in_transaction: false,
        new_file: None,
    },
    FixCase {
        rule: "constraint-missing-not-valid",
        layout: SQLX,
        path: "migrations/20240101000000_check.sql",
        sql: "SET LOCAL lock_timeout = '5s';\nALTER TABLE t ADD CONSTRAINT t_n_floor CHECK (n > -5);\n",
        fixed: "SET LOCAL lock_timeout = '5s';\nALTER TABLE t ADD CONSTRAINT t_n_floor CHECK (n > -5) NOT VALID;\n",
        in_transaction: true,
        new_file: Some((
            "20240101000001_validate_t_n_floor.sql",
            "ALTER TABLE t VALIDATE CONSTRAINT t_n_floor;\n",
        )),
    },
    FixCase {
        rule: "constraint-missing-not-valid",
        layout: GOOSE,
        path: "migrations/00007_key.sql",
        sql: "-- +goose Up\nALTER TABLE t ADD FOREIGN KEY (d) REFERENCES p (id);\n",
        fixed: "-- +goose Up\nSET LOCAL lock_timeout = '5s';\nALTER TABLE t ADD CONSTRAINT t_d_fkey FOREIGN KEY (d) REFERENCES p (id) NOT VALID;\n",
        in_transaction: true,
        new_file: Some((
            "00008_validate_t_d_fkey.sql",
            "-- +goose Up\nALTER TABLE t VALIDATE CONSTRAINT t_d_fkey;\n",
        )),
    },
    FixCase {
        rule: "constraint-missing-not-valid",
        layout: &[("go.mod", "module x\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n")],
        path: "migrations/3_check.up.sql",
        sql: "ALTER TABLE t ADD CONSTRAINT t_q_floor CHECK (q > -5);\n",
        fixed: "SET lock_timeout = '5s';\nALTER TABLE t ADD CONSTRAINT t_q_floor CHECK (q > -5) NOT VALID;\n",
        in_transaction: true,
        new_file: Some(("4_validate_t_q_floor.up.sql", "ALTER TABLE t VALIDATE CONSTRAINT t_q_floor;\n")),
    },
    FixCase {
        rule: "setting-not-null",
        layout: &[],
        path: "plain/001.sql",
        sql: "SET lock_timeout = '5s';\n  ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n",
        fixed: "SET lock_timeout = '5s';\n  ALTER TABLE t ADD CONSTRAINT t_a_not_null CHECK (a IS NOT NULL) NOT VALID;\n  ALTER TABLE t VALIDATE CONSTRAINT t_a_not_null;\n  ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n  ALTER TABLE t DROP CONSTRAINT t_a_not_null;\n",
        in_transaction: false,
        new_file: None,
    },
];

/// A folder holding the case's layout and migration.
pub(crate) fn lay_out(case: &FixCase) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // A config of its own: none above the temporary folder applies.
    for (path, content) in case
        .layout
        .iter()
        .chain([&(case.path, case.sql), &("miglint.toml", "")])
    {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
    }
    let file = dir.path().join(case.path);
    (dir, file)
}

fn request(file: &Path, overlay: Option<&str>) -> RunRequest {
    RunRequest {
        paths: vec![file.as_os_str().to_owned()],
        overlays: overlay
            .map(|text| vec![(file.to_path_buf(), text.as_bytes().to_vec())])
            .unwrap_or_default(),
        ..RunRequest::default()
    }
}

/// What `check --fix` makes of a case's file.
pub(crate) struct Fixed {
    pub text: String,
    pub applied: usize,
    /// A new migration beside it: (name, content).
    pub new_file: Option<(String, String)>,
}

/// The case's file as `check --fix` leaves it (its text unchanged when
/// nothing was fixed), and the file it adds.
pub(crate) fn fixed_text(file: &Path, overlay: Option<&str>) -> Fixed {
    let fixed = fix_run(&request(file, overlay)).expect("a run");
    assert!(fixed.refused.is_empty(), "{:?}", fixed.refused);
    let mut text = overlay.map_or_else(|| std::fs::read_to_string(file).unwrap(), str::to_string);
    let mut new_file = None;
    for changed in &fixed.files {
        if changed.path == file {
            text = changed.after.clone();
        } else {
            assert!(changed.before.is_none(), "only the file named changes");
            assert_eq!(changed.path.parent(), file.parent(), "a new file beside it");
            let name = changed.path.file_name().unwrap().to_string_lossy().into_owned();
            new_file = Some((name, changed.after.clone()));
        }
    }
    Fixed {
        text,
        applied: fixed.applied,
        new_file,
    }
}

/// The active findings of `rule` on the file's text.
fn findings_of(file: &Path, text: &str, rule: &str) -> Vec<String> {
    let prepared = prepare(&request(file, Some(text))).expect("a run");
    lint_run(prepared.inputs, prepared.scope)
        .iter()
        .flat_map(|r| r.active().filter(|d| d.rule == rule).map(|d| d.message.clone()))
        .collect::<Vec<_>>()
}

/// The active findings of `rule` on the up script of the file's text.
fn up_findings_of(file: &Path, text: &str, rule: &str) -> Vec<String> {
    let prepared = prepare(&request(file, Some(text))).expect("a run");
    lint_run(prepared.inputs, prepared.scope)
        .iter()
        .filter(|r| !r.script.is_down())
        .flat_map(|r| r.active().filter(|d| d.rule == rule).map(|d| d.message.clone()))
        .collect::<Vec<_>>()
}

#[test]
fn every_fix_silences_its_rule_and_a_second_fix_changes_nothing() {
    let mut failures = Vec::new();
    for case in CASES {
        let (_dir, file) = lay_out(case);
        let original = std::fs::read_to_string(&file).unwrap();
        if findings_of(&file, &original, case.rule).is_empty() {
            failures.push(format!("{}: {} does not flag\n{}", case.path, case.rule, case.sql));
            continue;
        }
        let Fixed {
            text,
            applied,
            new_file,
        } = fixed_text(&file, None);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            original,
            "fixing in memory writes nothing"
        );
        let expected_new = case.new_file.map(|(n, c)| (n.to_string(), c.to_string()));
        if text != case.fixed || applied == 0 || new_file != expected_new {
            failures.push(format!(
                "{} ({}): fixed as\n{text}{new_file:?}\nexpected\n{}{expected_new:?}",
                case.path, case.rule, case.fixed
            ));
            continue;
        }
        // The new file as `--fix` writes it: discovery reads it (a tool's
        // settings file makes the migration run outside a transaction).
        if let Some((name, content)) = &new_file {
            std::fs::write(file.with_file_name(name), content).unwrap();
        }
        let left = findings_of(&file, &text, case.rule);
        let refused = up_findings_of(&file, &text, "concurrently-in-transaction");
        if !refused.is_empty() {
            failures.push(format!(
                "{}: the fixed text runs CONCURRENTLY in a transaction: {refused:?}",
                case.path
            ));
        }
        if !left.is_empty() {
            failures.push(format!(
                "{}: {} still flags the fixed text: {left:?}",
                case.path, case.rule
            ));
        }
        let again = fixed_text(&file, Some(&text));
        if again.text != text || again.applied != 0 || again.new_file.is_some() {
            failures.push(format!(
                "{}: a second fix changed\n{text}into\n{}",
                case.path, again.text
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn no_fix_where_no_edit_can_make_it_safe() {
    // (layout, path, sql, rule): inside BEGIN ... COMMIT, several indexes
    // dropped at once, CASCADE, golang-migrate's
    // batch of several statements, a Diesel or Flyway settings file that
    // exists.
    let cases: &[(Layout, &str, &str, &str)] = &[
        (
            &[],
            "plain/001.sql",
            "BEGIN;\nCREATE INDEX i ON t (c);\nCOMMIT;\n",
            "require-concurrent-index",
        ),
        (
            &[],
            "plain/001.sql",
            "DROP INDEX a, b;\n",
            "require-concurrent-index-drop",
        ),
        (
            &[],
            "plain/001.sql",
            "DROP INDEX a CASCADE;\n",
            "require-concurrent-index-drop",
        ),
        (
            &[(
                "go.mod",
                "module x\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n",
            )],
            "migrations/1_x.up.sql",
            "SET lock_timeout = '5s';\nCREATE INDEX i ON t (c);\n",
            "require-concurrent-index",
        ),
        // A Diesel metadata.toml or a Flyway script config that exists and
        // keeps the transaction: miglint adds such a file, never edits one.
        (
            &[(
                "migrations/2024-01-01-000000_x/metadata.toml",
                "run_in_transaction = true\n",
            )],
            "migrations/2024-01-01-000000_x/up.sql",
            "CREATE INDEX i ON t (c);\n",
            "require-concurrent-index",
        ),
        (
            &[("flyway/V1__x.sql.conf", "encoding=UTF-8\n")],
            "flyway/V1__x.sql",
            "SET maintenance_work_mem = '64MB';\nCREATE INDEX i ON t (c);\n",
            "require-concurrent-index",
        ),
        (
            &[],
            "plain/001.sql",
            "SET lock_timeout = 0;\nALTER TABLE t ADD COLUMN z bigint;\n",
            "require-lock-timeout",
        ),
        // Flyway's versions leave no next one that surely runs next; two
        // actions in one statement.
        (
            &[],
            "flyway/V1__check.sql",
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);\n",
            "constraint-missing-not-valid",
        ),
        (
            &[],
            "plain/001.sql",
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0), ADD COLUMN z bigint;\n",
            "constraint-missing-not-valid",
        ),
        // SET NOT NULL in a runner's transaction, or beside another action.
        (
            SQLX,
            "migrations/20240101000000_not_null.sql",
            "SET LOCAL lock_timeout = '5s';\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\n",
            "setting-not-null",
        ),
        (
            &[],
            "plain/001.sql",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL;\n",
            "setting-not-null",
        ),
    ];
    for &(layout, path, sql, rule) in cases {
        let case = FixCase {
            rule,
            layout,
            path,
            sql,
            fixed: sql,
            in_transaction: false,
            new_file: None,
        };
        let (_dir, file) = lay_out(&case);
        assert!(!findings_of(&file, sql, rule).is_empty(), "{path}: {rule} flags\n{sql}");
        let prepared = prepare(&request(&file, None)).unwrap();
        let offered: usize = lint_run(prepared.inputs, prepared.scope)
            .iter()
            .map(|r| r.active().filter(|d| d.rule == rule && d.fix.is_some()).count())
            .sum();
        assert_eq!(offered, 0, "{path}: no fix for {rule}\n{sql}");
    }
}

#[test]
fn a_fix_that_takes_other_statements_out_of_their_transaction_is_unsafe() {
    // sqlx, Diesel (its metadata.toml), Flyway (its script config), and a
    // Liquibase changeset of two statements.
    let cases = [
        (SQLX, "migrations/20240101000000_index.sql"),
        (&[] as Layout, "migrations/2024-01-01-000000_index/up.sql"),
        (&[], "flyway/V3__index.sql"),
    ];
    let sql = "SET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN z bigint;\nCREATE INDEX t_z ON t (z);\n";
    for (layout, path) in cases {
        unsafe_fix_is_left(layout, path, sql);
    }
    // Diesel's metadata.toml would take the down.sql's two statements out
    // of their transaction too.
    unsafe_fix_is_left(
        &[(
            "migrations/2024-01-01-000000_index/down.sql",
            "DROP INDEX t_z;\nALTER TABLE t DROP COLUMN z;\n",
        )],
        "migrations/2024-01-01-000000_index/up.sql",
        "SET lock_timeout = '5s';\nCREATE INDEX t_z ON t (z);\n",
    );
    unsafe_fix_is_left(
        &[],
        "changelog/001.sql",
        "--liquibase formatted sql\n--changeset ann:1\nSET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN z bigint;\nCREATE INDEX t_z ON t (z);\n",
    );
}

/// The first active finding of the case's rule, in the case's layout.
fn first_finding(case: &FixCase) -> crate::diagnostic::Diagnostic {
    let (_dir, file) = lay_out(case);
    lint_first(&file, case)
}

/// The first active finding of the case's rule when `file`, laid out, is linted.
fn lint_first(file: &std::path::Path, case: &FixCase) -> crate::diagnostic::Diagnostic {
    let prepared = prepare(&request(file, None)).unwrap();
    lint_run(prepared.inputs, prepared.scope)
        .iter()
        .flat_map(|r| r.active())
        .find(|d| d.rule == case.rule)
        .cloned()
        .unwrap_or_else(|| panic!("{}: flagged by {}", case.path, case.rule))
}

fn unsafe_fix_is_left(layout: Layout, path: &'static str, sql: &'static str) {
    let case = FixCase {
        rule: "require-concurrent-index",
        layout,
        path,
        sql,
        fixed: "",
        in_transaction: true,
        new_file: None,
    };
    let (_dir, file) = lay_out(&case);
    let fix = lint_first(&file, &case)
        .fix
        .unwrap_or_else(|| panic!("{path}: a fix is offered"));
    assert!(!fix.is_safe(), "{path}");
    let fixed = fix_run(&request(&file, None)).unwrap();
    assert!(fixed.files.is_empty(), "{path}: --fix leaves an unsafe fix alone");
    assert!(fixed.unsafe_left >= 1, "{path}");
}

#[test]
fn a_new_migration_is_not_made_when_its_version_is_taken() {
    let case = FixCase {
        rule: "constraint-missing-not-valid",
        layout: &[
            ("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n"),
            ("migrations/20240101000001_next.sql", "SELECT 1;\n"),
        ],
        path: "migrations/20240101000000_check.sql",
        sql: "SET LOCAL lock_timeout = '5s';\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);\n",
        fixed: "",
        in_transaction: true,
        new_file: None,
    };
    let (_dir, file) = lay_out(&case);
    let fixed = fix_run(&request(&file, None)).unwrap();
    assert!(fixed.files.is_empty(), "neither the NOT VALID nor the new file");
    assert!(
        fixed
            .refused
            .iter()
            .any(|why| why.contains("version 20240101000001 is taken")),
        "{:?}",
        fixed.refused
    );
}

#[test]
fn where_no_fix_is_offered_the_help_says_why() {
    // (layout, path, sql, what the help says)
    let cases: &[(Layout, &str, &str, &str)] = &[
        (
            &[("flyway/V1__x.sql.conf", "encoding=UTF-8\n")],
            "flyway/V1__x.sql",
            "SET maintenance_work_mem = '64MB';\nCREATE INDEX i ON t (c);\n",
            "set `executeInTransaction=false` in `",
        ),
        (
            &[("sqitch/revert/x.sql", "DROP INDEX i;\n")],
            "sqitch/deploy/x.sql",
            "BEGIN;\nCREATE INDEX i ON t (c);\nCOMMIT;\n",
            "Sqitch runs a deploy script with psql and has no transaction setting of its own",
        ),
    ];
    for &(layout, path, sql, says) in cases {
        let case = FixCase {
            rule: "require-concurrent-index",
            layout,
            path,
            sql,
            fixed: sql,
            in_transaction: false,
            new_file: None,
        };
        let finding = first_finding(&case);
        assert!(finding.fix.is_none(), "{path}: no fix");
        let help = finding.help.as_deref().unwrap_or_default();
        assert!(help.contains(says), "{path}: the help says {says:?}\n{help}");
    }
}
