//! How each tool's runner wraps a script changes what is safe: these runs
//! hand the engine scripts with the tool facts discovery gives them and
//! check the findings follow (transactions per tool, batches, changesets,
//! all-pending transactions, history replay, down scripts).

use miglint::{
    lint_run, ChangeScope, Direction, FileReport, Role, RunInput, RunnerSegment, RunnerTransaction, ScriptInfo,
    Severity, Tool,
};

const USERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n";

fn script(tool: Tool, transaction: RunnerTransaction) -> ScriptInfo {
    ScriptInfo {
        tool,
        root: "db/migrations".into(),
        transaction,
        direction: Some(Direction::Up),
        ..ScriptInfo::plain()
    }
}

fn input(path: &str, sql: &str, script: ScriptInfo) -> RunInput {
    RunInput {
        script,
        ..RunInput::new(path, sql.as_bytes().to_vec())
    }
}

/// The users table, already in production.
fn history(tool: Tool) -> RunInput {
    input(
        "db/migrations/0_users.sql",
        USERS,
        ScriptInfo {
            role: Role::History,
            ..script(tool, RunnerTransaction::PerFile)
        },
    )
}

fn run(inputs: Vec<RunInput>) -> Vec<FileReport> {
    lint_run(inputs, ChangeScope::AllFiles)
}

/// (path, line, rule, severity) of every active finding.
fn findings(reports: &[FileReport]) -> Vec<(String, usize, String, Severity)> {
    reports
        .iter()
        .flat_map(|r| {
            r.active()
                .map(|d| (r.path().to_string(), d.start.line, d.rule.to_string(), d.severity))
        })
        .collect()
}

fn rule_lines(reports: &[FileReport], rule: &str) -> Vec<(String, usize)> {
    findings(reports)
        .into_iter()
        .filter(|f| f.2 == rule)
        .map(|f| (f.0, f.1))
        .collect()
}

fn help_of(reports: &[FileReport], rule: &str) -> String {
    reports
        .iter()
        .flat_map(|r| r.active())
        .find(|d| d.rule == rule)
        .and_then(|d| d.help.clone())
        .unwrap_or_default()
}

const CONCURRENT: &str = "CREATE INDEX CONCURRENTLY users_email ON users (email);\n";

#[test]
fn history_is_replayed_not_reported() {
    let reports = run(vec![
        history(Tool::Diesel),
        input(
            "db/migrations/1/up.sql",
            "ALTER TABLE users ADD COLUMN name text NOT NULL;\n",
            script(Tool::Diesel, RunnerTransaction::None),
        ),
    ]);
    assert_eq!(reports.len(), 1, "history files get no report");
    assert_eq!(
        rule_lines(&reports, "adding-required-column"),
        [("db/migrations/1/up.sql".to_string(), 1)],
        "users exists: the history was replayed"
    );
}

#[test]
fn per_file_runners_name_their_own_way_out() {
    let cases = [
        (Tool::Diesel, "metadata.toml"),
        (Tool::Goose, "-- +goose NO TRANSACTION"),
        (Tool::Sqlx, "-- no-transaction"),
        (Tool::Dbmate, "transaction:false"),
        (Tool::Atlas, "-- atlas:txmode none"),
    ];
    for (tool, hint) in cases {
        let reports = run(vec![
            history(tool),
            input(
                "db/migrations/1/up.sql",
                CONCURRENT,
                script(tool, RunnerTransaction::PerFile),
            ),
        ]);
        assert_eq!(
            rule_lines(&reports, "concurrently-in-transaction"),
            [("db/migrations/1/up.sql".to_string(), 1)],
            "{tool}"
        );
        let help = help_of(&reports, "concurrently-in-transaction");
        assert!(help.contains(hint), "{tool}: {help}");
        let message = &reports[0].active().next().unwrap().message;
        assert!(message.starts_with(tool.display_name()), "{tool}: {message}");
    }
}

#[test]
fn a_file_that_opted_out_runs_concurrently_fine() {
    let opted_out = ScriptInfo {
        opted_out: true,
        ..script(Tool::Diesel, RunnerTransaction::None)
    };
    let reports = run(vec![
        history(Tool::Diesel),
        input("db/migrations/1/up.sql", CONCURRENT, opted_out),
    ]);
    assert!(
        rule_lines(&reports, "concurrently-in-transaction").is_empty(),
        "{:?}",
        findings(&reports)
    );
    // Diesel sends the file as one query: a drop before the build would make
    // it one implicit transaction, so the lone build is not asked for one.
    assert!(rule_lines(&reports, "statement-not-rerunnable").is_empty());
    // goose splits the file: the drop can come first, and is asked for.
    let goose = ScriptInfo {
        opted_out: true,
        ..script(Tool::Goose, RunnerTransaction::None)
    };
    let reports = run(vec![
        history(Tool::Goose),
        input("db/migrations/2_index.sql", CONCURRENT, goose),
    ]);
    assert_eq!(
        rule_lines(&reports, "statement-not-rerunnable"),
        [("db/migrations/2_index.sql".to_string(), 1)]
    );
    assert!(help_of(&reports, "statement-not-rerunnable").contains("DROP INDEX CONCURRENTLY IF EXISTS"));
}

#[test]
fn a_migration_run_without_a_transaction_must_run_again_cleanly() {
    let sql = "ALTER TABLE users ADD COLUMN nickname text;\nDROP INDEX CONCURRENTLY IF EXISTS users_nickname;\nCREATE INDEX CONCURRENTLY users_nickname ON users (nickname);\n";
    let opted_out = ScriptInfo {
        opted_out: true,
        ..script(Tool::Sqlx, RunnerTransaction::None)
    };
    let reports = run(vec![
        history(Tool::Sqlx),
        input("db/migrations/2_nick.sql", sql, opted_out),
    ]);
    assert_eq!(
        rule_lines(&reports, "statement-not-rerunnable"),
        [("db/migrations/2_nick.sql".to_string(), 1)],
        "the ADD COLUMN is done when the build fails; the build is preceded by its drop"
    );
    assert!(help_of(&reports, "statement-not-rerunnable")
        .contains("ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;"));
    // In the runner's transaction a failure rolls everything back.
    let wrapped = run(vec![
        history(Tool::Sqlx),
        input(
            "db/migrations/2_nick.sql",
            "ALTER TABLE users ADD COLUMN nickname text;\nDROP TABLE old_users;\n",
            script(Tool::Sqlx, RunnerTransaction::PerFile),
        ),
    ]);
    assert!(rule_lines(&wrapped, "statement-not-rerunnable").is_empty());
}

#[test]
fn a_batch_is_one_transaction_only_with_several_statements() {
    let batch = || script(Tool::GolangMigrate, RunnerTransaction::Batch);
    let alone = run(vec![
        history(Tool::GolangMigrate),
        input("db/migrations/1_index.up.sql", CONCURRENT, batch()),
    ]);
    assert!(
        rule_lines(&alone, "concurrently-in-transaction").is_empty(),
        "{:?}",
        findings(&alone)
    );
    // The drop that would clear a failed build cannot share the file, so the
    // lone build is not flagged for it.
    assert!(rule_lines(&alone, "statement-not-rerunnable").is_empty());

    let two = run(vec![
        history(Tool::GolangMigrate),
        input(
            "db/migrations/1_index.up.sql",
            &format!("SET lock_timeout = '1s';\n{CONCURRENT}"),
            batch(),
        ),
    ]);
    assert_eq!(
        rule_lines(&two, "concurrently-in-transaction"),
        [("db/migrations/1_index.up.sql".to_string(), 2)]
    );
    assert!(help_of(&two, "concurrently-in-transaction").contains("migration file of its own"));
}

#[test]
fn in_a_batch_begin_takes_over_and_commit_starts_a_new_implicit_block() {
    let sql = format!("BEGIN;\nALTER TABLE users ADD COLUMN a int;\nCOMMIT;\n{CONCURRENT}");
    let reports = run(vec![
        history(Tool::GolangMigrate),
        input(
            "db/migrations/1_x.up.sql",
            &sql,
            script(Tool::GolangMigrate, RunnerTransaction::Batch),
        ),
    ]);
    // No complaint about the BEGIN (PostgreSQL takes it without a warning),
    // but the statement after COMMIT still runs inside the batch's block.
    assert!(
        rule_lines(&reports, "transaction-nesting").is_empty(),
        "{:?}",
        findings(&reports)
    );
    assert_eq!(
        rule_lines(&reports, "concurrently-in-transaction"),
        [("db/migrations/1_x.up.sql".to_string(), 4)]
    );
}

#[test]
fn flyway_runs_a_script_of_only_concurrent_statements_outside_a_transaction() {
    let flyway = || script(Tool::Flyway, RunnerTransaction::Detected);
    let alone = run(vec![
        history(Tool::Flyway),
        input("db/migrations/V2__index.sql", CONCURRENT, flyway()),
    ]);
    assert!(
        rule_lines(&alone, "concurrently-in-transaction").is_empty(),
        "{:?}",
        findings(&alone)
    );

    let mixed = run(vec![
        history(Tool::Flyway),
        input(
            "db/migrations/V2__index.sql",
            &format!("SET lock_timeout = '1s';\n{CONCURRENT}"),
            flyway(),
        ),
    ]);
    assert_eq!(
        rule_lines(&mixed, "concurrently-in-transaction"),
        [("db/migrations/V2__index.sql".to_string(), 2)]
    );
    assert!(help_of(&mixed, "concurrently-in-transaction").contains("V2__index.sql.conf"));
}

#[test]
fn liquibase_changesets_each_run_as_they_say() {
    let sql = "--liquibase formatted sql\n\
               --changeset ana:1\n\
               ALTER TABLE users ADD COLUMN a int;\n\
               --changeset ana:2 runInTransaction:false\n\
               CREATE INDEX CONCURRENTLY users_a ON users (a);\n\
               --changeset ana:3\n\
               CREATE INDEX CONCURRENTLY users_b ON users (email);\n";
    let at = |needle: &str| sql.find(needle).unwrap();
    let segments = vec![
        RunnerSegment {
            start: at("--changeset ana:1"),
            transaction: true,
        },
        RunnerSegment {
            start: at("--changeset ana:2"),
            transaction: false,
        },
        RunnerSegment {
            start: at("--changeset ana:3"),
            transaction: true,
        },
    ];
    let reports = run(vec![
        history(Tool::Liquibase),
        input(
            "db/changelog.sql",
            sql,
            ScriptInfo {
                segments,
                ..script(Tool::Liquibase, RunnerTransaction::PerFile)
            },
        ),
    ]);
    assert_eq!(
        rule_lines(&reports, "concurrently-in-transaction"),
        [("db/changelog.sql".to_string(), 7)]
    );
    assert!(help_of(&reports, "concurrently-in-transaction").contains("runInTransaction:false"));
}

#[test]
fn all_pending_migrations_hold_locks_across_files() {
    let drizzle = || script(Tool::Drizzle, RunnerTransaction::AllPending);
    let reports = run(vec![
        history(Tool::Drizzle),
        input(
            "db/migrations/0001_rename.sql",
            "ALTER TABLE users RENAME COLUMN email TO mail;\n",
            drizzle(),
        ),
        input(
            "db/migrations/0002_backfill.sql",
            "UPDATE users SET mail = lower(mail);\n",
            drizzle(),
        ),
    ]);
    let held = rule_lines(&reports, "statement-after-access-exclusive");
    assert_eq!(held, [("db/migrations/0002_backfill.sql".to_string(), 1)]);
    let message = &reports[1]
        .active()
        .find(|d| d.rule == "statement-after-access-exclusive")
        .unwrap()
        .message;
    assert!(message.contains("db/migrations/0001_rename.sql:1"), "{message}");

    // Run per file, the lock ends with the first file.
    let per_file = run(vec![
        history(Tool::Sqlx),
        input(
            "db/migrations/0001_rename.sql",
            "ALTER TABLE users RENAME COLUMN email TO mail;\n",
            script(Tool::Sqlx, RunnerTransaction::PerFile),
        ),
        input(
            "db/migrations/0002_backfill.sql",
            "UPDATE users SET mail = lower(mail);\n",
            script(Tool::Sqlx, RunnerTransaction::PerFile),
        ),
    ]);
    assert!(rule_lines(&per_file, "statement-after-access-exclusive").is_empty());
}

#[test]
fn down_scripts_meet_the_state_their_up_left_and_lose_data_as_warnings() {
    let up = input(
        "db/migrations/1/up.sql",
        "CREATE TABLE posts (id bigint PRIMARY KEY);\n",
        script(Tool::Diesel, RunnerTransaction::PerFile),
    );
    let down = input(
        "db/migrations/1/down.sql",
        "DROP TABLE posts;\nDROP TABLE users;\n",
        ScriptInfo {
            direction: Some(Direction::Down),
            ..script(Tool::Diesel, RunnerTransaction::PerFile)
        },
    );
    let next = input(
        "db/migrations/2/up.sql",
        "ALTER TABLE posts ADD COLUMN title text NOT NULL;\n",
        script(Tool::Diesel, RunnerTransaction::PerFile),
    );
    let reports = run(vec![history(Tool::Diesel), up, down, next]);
    let drops: Vec<(usize, Severity)> = findings(&reports)
        .into_iter()
        .filter(|f| f.2 == "ban-drop-table")
        .map(|f| (f.1, f.3))
        .collect();
    // Both tables exist when the down runs; dropping them is its job: warnings.
    assert_eq!(drops, [(1, Severity::Warning), (2, Severity::Warning)]);
    // The down left the catalog alone: posts is still the table this change
    // created (and holds no rows) when migration 2 alters it.
    assert!(
        rule_lines(&reports, "adding-required-column").is_empty(),
        "{:?}",
        findings(&reports)
    );
}

#[test]
fn after_a_commit_some_runners_still_run_the_rest_in_a_transaction() {
    let sql = format!("ALTER TABLE users ADD COLUMN a int;\nCOMMIT;\n{CONCURRENT}");
    let flyway = run(vec![
        history(Tool::Flyway),
        input(
            "db/migrations/V2__x.sql",
            &sql,
            script(Tool::Flyway, RunnerTransaction::Detected),
        ),
    ]);
    assert_eq!(
        rule_lines(&flyway, "concurrently-in-transaction"),
        [("db/migrations/V2__x.sql".to_string(), 3)],
        "the JDBC connection opens a transaction for the statement after COMMIT"
    );
    let commit = |reports: &[FileReport]| {
        reports[0]
            .active()
            .find(|d| d.rule == "transaction-nesting")
            .map(|d| d.message.clone())
            .unwrap_or_default()
    };
    assert!(
        commit(&flyway).ends_with("the rest runs in a new transaction"),
        "{}",
        commit(&flyway)
    );

    // Diesel sends the file as one query: after the COMMIT, PostgreSQL runs
    // the rest in an implicit transaction block.
    let diesel = run(vec![
        history(Tool::Diesel),
        input(
            "db/migrations/2/up.sql",
            &sql,
            script(Tool::Diesel, RunnerTransaction::PerFile),
        ),
    ]);
    assert_eq!(
        rule_lines(&diesel, "concurrently-in-transaction"),
        [("db/migrations/2/up.sql".to_string(), 3)]
    );

    // goose sends statements one by one: after the COMMIT, autocommit.
    let goose = run(vec![
        history(Tool::Goose),
        input(
            "db/migrations/00002_x.sql",
            &sql,
            script(Tool::Goose, RunnerTransaction::PerFile),
        ),
    ]);
    assert!(rule_lines(&goose, "concurrently-in-transaction").is_empty());
    assert!(
        commit(&goose).ends_with("the rest runs outside any transaction"),
        "{}",
        commit(&goose)
    );
}
