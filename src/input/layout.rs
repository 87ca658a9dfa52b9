//! What miglint knows of how a migration file is run: the tool, the
//! direction, its place in the tool's order, and the transaction the runner
//! wraps it in. `discover` works these out; analysis, rules and renderers
//! read them. Plain data, at the bottom of the import graph.

use std::cmp::Ordering;
use std::fmt;

/// The migration tools miglint knows, by the layout of their files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Tool {
    Flyway,
    Liquibase,
    GolangMigrate,
    Sqlx,
    Diesel,
    Dbmate,
    Goose,
    Prisma,
    Drizzle,
    Sqitch,
    Supabase,
    Atlas,
    /// Plain SQL files run in path order with no implicit transaction.
    #[default]
    Plain,
}

impl Tool {
    pub const ALL: [Tool; 13] = [
        Tool::Flyway,
        Tool::Liquibase,
        Tool::GolangMigrate,
        Tool::Sqlx,
        Tool::Diesel,
        Tool::Dbmate,
        Tool::Goose,
        Tool::Prisma,
        Tool::Drizzle,
        Tool::Sqitch,
        Tool::Supabase,
        Tool::Atlas,
        Tool::Plain,
    ];

    /// The id used in config, on the command line and in JSON output.
    pub fn id(self) -> &'static str {
        match self {
            Tool::Flyway => "flyway",
            Tool::Liquibase => "liquibase",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Sqlx => "sqlx",
            Tool::Diesel => "diesel",
            Tool::Dbmate => "dbmate",
            Tool::Goose => "goose",
            Tool::Prisma => "prisma",
            Tool::Drizzle => "drizzle",
            Tool::Sqitch => "sqitch",
            Tool::Supabase => "supabase",
            Tool::Atlas => "atlas",
            Tool::Plain => "plain",
        }
    }

    pub fn parse(id: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.id() == id)
    }

    /// The tool's name as its users write it, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Tool::Flyway => "Flyway",
            Tool::Liquibase => "Liquibase",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Sqlx => "sqlx",
            Tool::Diesel => "Diesel",
            Tool::Dbmate => "dbmate",
            Tool::Goose => "goose",
            Tool::Prisma => "Prisma Migrate",
            Tool::Drizzle => "Drizzle Kit",
            Tool::Sqitch => "Sqitch",
            Tool::Supabase => "the Supabase CLI",
            Tool::Atlas => "Atlas",
            Tool::Plain => "the migration runner",
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The SQL dialect of a migration root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Dialect {
    #[default]
    Postgres,
    Mysql,
    Sqlite,
}

impl Dialect {
    pub fn id(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// Accepts the usual spellings (`postgresql`, `pg`, `mariadb`, `sqlite3`).
    pub fn parse(name: &str) -> Option<Dialect> {
        match name.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" | "psql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            _ => None,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Which way a migration script moves the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    Up,
    /// Reverts an up migration (`down.sql`, `-- +goose Down`, Flyway `U`
    /// undo, Sqitch `revert/`, Liquibase `--rollback`).
    Down,
}

impl Direction {
    pub fn id(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// How the tool's runner wraps a script in transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum RunnerTransaction {
    /// Statements run one by one in autocommit (plain `psql -f`, a file
    /// that opted out of the runner's transaction).
    #[default]
    None,
    /// The runner wraps each script in one transaction.
    PerFile,
    /// The whole script is sent as one multi-statement query (golang-migrate,
    /// Prisma, Supabase on PostgreSQL): PostgreSQL runs it as one implicit
    /// transaction when it holds more than one statement, and a lone
    /// statement outside any.
    Batch,
    /// The runner wraps each script in a transaction, except a script made
    /// only of statements that cannot run in one, which it runs without
    /// (Flyway's detection; it refuses a script that mixes both).
    Detected,
    /// The runner wraps all pending migrations in one transaction (Drizzle
    /// Kit): locks taken by one file are held through the next.
    AllPending,
}

impl RunnerTransaction {
    /// The JSON spelling: `per-file`, `none` or `all-pending`.
    pub fn id(self) -> &'static str {
        match self {
            RunnerTransaction::None => "none",
            RunnerTransaction::PerFile | RunnerTransaction::Batch | RunnerTransaction::Detected => "per-file",
            RunnerTransaction::AllPending => "all-pending",
        }
    }
}

/// A point in a script where the runner ends its transaction and starts
/// the next part (a Liquibase changeset), and whether that part runs in a
/// transaction of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunnerSegment {
    /// Byte offset in the file where the part starts.
    pub start: usize,
    pub transaction: bool,
}

/// What a script is to the change being judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Role {
    /// Judged and reported.
    #[default]
    Change,
    /// Already applied: replayed into the catalog, never reported.
    History,
    /// Not asked for, but part of a migration that is (another file of its
    /// version folder): analysed with it, as part of the same change, and
    /// not reported, so naming one file of a migration judges it as the
    /// whole migration's folder would.
    Companion,
}

/// How the script stands against the `--since` git ref.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GitState {
    /// The same as at the ref.
    Unchanged,
    /// Not at the ref, committed since.
    Added,
    /// Not tracked by git.
    Untracked,
    /// At the ref, and changed since; the first line that differs (1-based).
    Modified { first_changed_line: usize },
    /// At the ref, and gone now.
    Deleted,
}

/// Everything miglint knows of how one script runs.
#[derive(Clone, Debug, Default)]
pub struct ScriptInfo {
    pub tool: Tool,
    /// The SQL dialect of its migration root.
    pub dialect: Dialect,
    /// The migration root, as shown to users (`""` for files outside one).
    pub root: String,
    pub direction: Option<Direction>,
    /// The position of its migration in the tool's run order, in its root.
    pub order: Option<usize>,
    /// The version or timestamp the tool orders and records it by.
    pub version: Option<String>,
    /// The migration the script belongs to, named as the tool names it
    /// (`2024-01-01-000000_add_x`, `V3__add_x`); scripts of one migration
    /// (up, down, verify) share it.
    pub migration: Option<String>,
    /// Whether the migration has a down script; None for tools without
    /// down migrations.
    pub has_down: Option<bool>,
    /// A Sqitch verify script: it checks the deploy and rolls back, so what
    /// it does is not replayed into the schema.
    pub verify: bool,
    pub transaction: RunnerTransaction,
    /// Where the runner restarts its transaction inside the file.
    pub segments: Vec<RunnerSegment>,
    /// The file opted out of the runner's transaction as the tool allows.
    pub opted_out: bool,
    /// The tool's settings file for the migration exists: Diesel's
    /// `metadata.toml` in its folder, a Flyway `<script>.conf` beside it.
    /// A fix adds one, never edits it.
    pub settings_file: bool,
    /// Another script of the migration (Diesel's `down.sql`) may hold
    /// several statements: an opt-out for the whole migration would take
    /// them out of their transaction too.
    pub sibling_holds_several: bool,
    pub role: Role,
    pub git: Option<GitState>,
}

impl ScriptInfo {
    /// A script run by no known tool, in autocommit.
    pub const fn plain() -> ScriptInfo {
        ScriptInfo {
            tool: Tool::Plain,
            dialect: Dialect::Postgres,
            root: String::new(),
            direction: None,
            order: None,
            version: None,
            migration: None,
            has_down: None,
            verify: false,
            transaction: RunnerTransaction::None,
            segments: Vec::new(),
            opted_out: false,
            settings_file: false,
            sibling_holds_several: false,
            role: Role::Change,
            git: None,
        }
    }

    pub fn is_down(&self) -> bool {
        self.direction == Some(Direction::Down)
    }

    /// What the script does stays in the schema for the scripts after it:
    /// not so for a down script (judged against the state it reverses) or a
    /// verify script.
    pub fn keeps_effects(&self) -> bool {
        !self.is_down() && !self.verify
    }

    pub fn is_deleted(&self) -> bool {
        self.git == Some(GitState::Deleted)
    }
}

/// What was detected of one migration root of a run, for the line that
/// opens the human output and the `roots` of the JSON report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootSummary {
    /// As shown to users, as `ScriptInfo::root`.
    pub dir: String,
    pub tool: Tool,
    /// What gave the tool away ("Cargo.toml names sqlx", "set in miglint.toml").
    pub tool_reason: String,
    /// Set in miglint.toml or with `--tool` rather than detected.
    pub tool_configured: bool,
    pub dialect: Dialect,
    pub dialect_reason: String,
    /// How the runner wraps a migration that does not opt out.
    pub transaction: RunnerTransaction,
    /// Up scripts that opt out of the runner's transaction.
    pub opted_out: usize,
    /// SQL migrations, the base schema and code migrations not counted.
    pub migrations: usize,
    /// The schema file replayed before the first migration (a root of
    /// version folders beside `schema.sql`), as shown to users.
    pub base_schema: Option<String>,
    /// Migrations written in code that miglint cannot read, per language as
    /// users write it (`Go`, `Python`), in that order.
    pub code_migrations: Vec<(String, usize)>,
}

impl RootSummary {
    /// `db/migrations: sqlx (Cargo.toml names sqlx), each migration in its
    /// own transaction, 42 migrations; set tool = "..." in miglint.toml to override`;
    /// a base schema and code migrations follow the count
    /// (`12 migrations, 9 migrations in Go not checked`).
    pub fn describe(&self) -> String {
        let runner = match self.transaction {
            RunnerTransaction::PerFile => "each migration in its own transaction",
            RunnerTransaction::Detected => {
                "each migration in its own transaction, unless all its statements refuse one"
            }
            RunnerTransaction::Batch => {
                "each file sent as one query (one implicit transaction when it holds several statements)"
            }
            RunnerTransaction::AllPending => "all pending migrations in one transaction",
            RunnerTransaction::None => "no transaction: statements run one by one",
        };
        let opted_out = match self.opted_out {
            0 => String::new(),
            1 => " (1 opts out)".to_string(),
            n => format!(" ({n} opt out)"),
        };
        let migrations = match self.migrations {
            1 => "1 migration".to_string(),
            n => format!("{n} migrations"),
        };
        let base = match &self.base_schema {
            Some(path) => format!(" after the base schema `{path}`"),
            None => String::new(),
        };
        let code: String = self
            .code_migrations
            .iter()
            .map(|(language, count)| match count {
                1 => format!(", 1 migration in {language} not checked"),
                n => format!(", {n} migrations in {language} not checked"),
            })
            .collect();
        let tail = if self.tool_configured {
            String::new()
        } else {
            "; set tool = \"...\" in miglint.toml to override".to_string()
        };
        format!(
            "{}: {} ({}), {runner}{opted_out}, {migrations}{base}{code}{tail}",
            self.dir, self.tool, self.tool_reason
        )
    }
}

/// How a tool lets one script run outside its transaction, said as an
/// instruction for a finding's help, or None when it has no such switch.
pub(crate) fn no_transaction_hint(tool: Tool, path: &str) -> Option<String> {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let folder = path.rsplit_once('/').map_or(".", |(dir, _)| dir);
    Some(match tool {
        Tool::Flyway => format!("add `{file_name}.conf` beside the script with the line `executeInTransaction=false`"),
        Tool::Liquibase => "put `runInTransaction:false` on the statement's `--changeset` line".to_string(),
        Tool::GolangMigrate => {
            "give the statement a migration file of its own: alone in its file it runs outside any transaction".to_string()
        }
        Tool::Sqlx => "make `-- no-transaction` the first line of the migration".to_string(),
        Tool::Diesel => format!("add `{folder}/metadata.toml` with the line `run_in_transaction = false`"),
        Tool::Dbmate => "write the section marker as `-- migrate:up transaction:false`".to_string(),
        Tool::Goose => "add the line `-- +goose NO TRANSACTION` at the top of the file".to_string(),
        Tool::Atlas => "add the directive `-- atlas:txmode none` at the top of the file".to_string(),
        Tool::Drizzle => {
            "Drizzle Kit runs all pending migrations in one transaction and has no way out of it: run this statement outside Drizzle (a separate script run with psql), or split the deploy".to_string()
        }
        Tool::Prisma | Tool::Supabase | Tool::Sqitch | Tool::Plain => return None,
    })
}

/// Compares two versions as the tool orders them. Diesel and Prisma compare
/// the text; the others compare numbers part by part (`.`, `_` and `-`
/// separate parts), so Flyway `1.10` follows `1.9` and `1.0` equals `1`.
pub(crate) fn compare_versions(tool: Tool, a: &str, b: &str) -> Ordering {
    match tool {
        Tool::Diesel | Tool::Prisma => a.cmp(b),
        _ => compare_parts(a, b),
    }
}

fn compare_parts(a: &str, b: &str) -> Ordering {
    let is_separator = |c: char| matches!(c, '.' | '_' | '-');
    let mut left = a.split(is_separator);
    let mut right = b.split(is_separator);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => {
                let order = compare_part(x.unwrap_or("0"), y.unwrap_or("0"));
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Numbers by value (of any length, without overflow), numbers before
/// words, words as text.
fn compare_part(x: &str, y: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match (numeric(x), numeric(y)) {
        (true, true) => {
            let x = x.trim_start_matches('0');
            let y = y.trim_start_matches('0');
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => x.cmp(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_as_their_tools_sort_them() {
        assert_eq!(compare_versions(Tool::Flyway, "1.10", "1.9"), Ordering::Greater);
        assert_eq!(compare_versions(Tool::Flyway, "1.2", "1.2.1"), Ordering::Less);
        assert_eq!(compare_versions(Tool::GolangMigrate, "007", "7"), Ordering::Equal);
        assert_eq!(compare_versions(Tool::GolangMigrate, "2", "10"), Ordering::Less);
        assert_eq!(
            compare_versions(Tool::Sqlx, "20240101000000", "20231231235959"),
            Ordering::Greater
        );
        assert_eq!(
            compare_versions(Tool::Diesel, "20240101000000", "20240102000000"),
            Ordering::Less
        );
    }
}
