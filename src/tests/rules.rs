//! Smoke-test helpers for the tests beside each rule: a rule's findings on
//! some SQL, or over a run.

use crate::input::layout::Dialect;
use crate::input::source::SourceFile;
use crate::report::engine::lint_source;
use crate::settings::Settings;

/// Messages of the active findings of one rule on `sql`, with default settings.
pub(crate) fn findings(rule: &str, sql: &str) -> Vec<String> {
    findings_with(rule, sql, &Settings::default())
}

pub(crate) fn findings_with(rule: &str, sql: &str, settings: &Settings) -> Vec<String> {
    lint_source(SourceFile::new("test.sql", sql), settings)
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == rule && d.is_active())
        .map(|d| d.message)
        .collect()
}

/// Messages of the active findings of one rule on SQLite `sql` (a file of a
/// SQLite root run without a transaction), with default settings.
pub(crate) fn sqlite_findings(rule: &str, sql: &str) -> Vec<String> {
    sqlite_findings_with(rule, sql, &Settings::default())
}

pub(crate) fn sqlite_findings_with(rule: &str, sql: &str, settings: &Settings) -> Vec<String> {
    dialect_run(Dialect::Sqlite, rule, None, sql, settings)
}

/// The same, for `sql` run after `history` (a migration already applied:
/// its tables hold rows in production).
pub(crate) fn sqlite_findings_after(rule: &str, history: &str, sql: &str) -> Vec<String> {
    dialect_run(Dialect::Sqlite, rule, Some(history), sql, &Settings::default())
}

/// Messages of the active findings of one rule on MySQL `sql` (a file of a
/// MySQL root run without a transaction), with default settings (MySQL 8.4).
pub(crate) fn mysql_findings(rule: &str, sql: &str) -> Vec<String> {
    dialect_run(Dialect::Mysql, rule, None, sql, &Settings::default())
}

/// The same, for `sql` run after `history` (its tables hold rows in
/// production), with `settings`.
pub(crate) fn mysql_findings_after(rule: &str, history: &str, sql: &str, settings: &Settings) -> Vec<String> {
    dialect_run(Dialect::Mysql, rule, Some(history), sql, settings)
}

fn dialect_run(dialect: Dialect, rule: &str, history: Option<&str>, sql: &str, settings: &Settings) -> Vec<String> {
    use crate::input::layout::{Role, ScriptInfo};
    use crate::report::engine::{lint_run, ChangeScope, RunInput};
    let settings = std::sync::Arc::new(settings.clone());
    let input = |path: &str, sql: &str, role: Role| {
        let script = ScriptInfo {
            dialect,
            root: "db".to_string(),
            role,
            ..ScriptInfo::plain()
        };
        RunInput::new(path, sql.as_bytes().to_vec())
            .with_settings(settings.clone())
            .with_script(script)
    };
    let mut inputs: Vec<RunInput> = history
        .map(|h| input("db/1.sql", h, Role::History))
        .into_iter()
        .collect();
    inputs.push(input("db/2.sql", sql, Role::Change));
    lint_run(inputs, ChangeScope::AllFiles)
        .into_iter()
        .flat_map(|report| report.diagnostics)
        .filter(|d| d.rule == rule && d.is_active())
        .map(|d| d.message)
        .collect()
}

/// A golang-migrate script of root `db`, as `--since` selects it: history
/// when unchanged since the ref, else part of the change.
pub(crate) fn migration(
    version: &str,
    name: &str,
    order: usize,
    git: crate::input::layout::GitState,
) -> crate::report::engine::RunInput {
    use crate::input::layout::{Direction, GitState, Role, ScriptInfo, Tool};
    let migration = format!("{version}_{name}");
    let mut input = crate::report::engine::RunInput::new(format!("db/{migration}.up.sql"), b"SELECT 1;\n".to_vec());
    input.script = ScriptInfo {
        tool: Tool::GolangMigrate,
        root: "db".to_string(),
        direction: Some(Direction::Up),
        order: Some(order),
        version: Some(version.to_string()),
        migration: Some(migration),
        role: if git == GitState::Unchanged {
            Role::History
        } else {
            Role::Change
        },
        git: Some(git),
        ..ScriptInfo::plain()
    };
    input
}

/// The active findings of one rule over a run, as `path:line message`.
pub(crate) fn run_findings(
    rule: &str,
    inputs: Vec<crate::report::engine::RunInput>,
    settings: &Settings,
) -> Vec<String> {
    let settings = std::sync::Arc::new(settings.clone());
    let inputs = inputs.into_iter().map(|i| i.with_settings(settings.clone())).collect();
    crate::report::engine::lint_run(inputs, crate::report::engine::ChangeScope::AllFiles)
        .into_iter()
        .flat_map(|report| {
            report
                .diagnostics
                .into_iter()
                .filter(|d| d.rule == rule && d.is_active())
                .map(move |d| format!("{}:{} {}", report.source.path, d.start.line, d.message))
        })
        .collect()
}

/// The active findings of one rule on the down script `down` of a
/// golang-migrate migration `up` run after `history`, as `line:column
/// message`, with default settings.
pub(crate) fn down_findings(rule: &str, history: &str, up: &str, down: &str) -> Vec<String> {
    use crate::input::layout::{Direction, Role, ScriptInfo, Tool};
    let settings = std::sync::Arc::new(Settings::default());
    let script = |order: usize, direction: Direction, role: Role, name: &str| ScriptInfo {
        tool: Tool::GolangMigrate,
        root: "db".to_string(),
        direction: Some(direction),
        order: Some(order),
        version: Some(order.to_string()),
        migration: Some(name.to_string()),
        role,
        ..ScriptInfo::plain()
    };
    let inputs = vec![
        (
            "db/1_history.up.sql",
            history,
            script(0, Direction::Up, Role::History, "1_history"),
        ),
        (
            "db/2_change.up.sql",
            up,
            script(1, Direction::Up, Role::Change, "2_change"),
        ),
        (
            "db/2_change.down.sql",
            down,
            script(1, Direction::Down, Role::Change, "2_change"),
        ),
    ]
    .into_iter()
    .map(|(path, sql, script)| {
        crate::report::engine::RunInput::new(path, sql.as_bytes().to_vec())
            .with_settings(settings.clone())
            .with_script(script)
    })
    .collect();
    crate::report::engine::lint_run(inputs, crate::report::engine::ChangeScope::EachMigration)
        .into_iter()
        .filter(|report| report.source.path.ends_with(".down.sql"))
        .flat_map(|report| report.diagnostics)
        .filter(|d| d.rule == rule && d.is_active())
        .map(|d| format!("{}:{} {}", d.start.line, d.start.column, d.message))
        .collect()
}
