//! clap argument definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::input::config::FailOn;
use crate::report::render::Format;

/// `miglint --version`: the release and the commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("MIGLINT_COMMIT"), ")");

#[derive(Parser, Debug)]
#[command(
    name = "miglint",
    version = VERSION,
    about = "Gate PostgreSQL schema migrations in CI: locks, rewrites, data loss, and the safe way instead",
    after_help = "Exit codes: 0 nothing at or above --fail-on, 1 findings that block, 2 miglint could not do its job."
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Lint migration files, directories (searched for *.sql) and quoted globs.
    Check(CheckArgs),
    /// Show what each statement will lock, block, rewrite and scan, and for how long.
    Plan(PlanArgs),
    /// Run migrations against a scratch database and compare what PostgreSQL
    /// locked, rewrote and scanned with miglint's plan (rolled back unless --commit).
    ///
    /// The files run in order in one transaction (a savepoint per file and per
    /// statement) that is rolled back at the end: each file sees what the
    /// earlier ones created, and nothing is kept. A statement PostgreSQL refuses
    /// is rolled back to its savepoint, marked failed, and the run goes on.
    ///
    /// Exit codes: 0 every statement that ran did what miglint predicted and
    /// none failed; 1 a difference; 2 trace could not compare everything (a
    /// statement failed, a file could not be planned) or could not run at all
    /// (connection, unreadable input).
    Trace(TraceArgs),
    /// Snapshot production's table sizes and write rates into
    /// miglint-stats.json, for `check --stats` in CI (reads only).
    ///
    /// Each table's size (rows, and with indexes), row estimate and write
    /// rate, and the transactions open long. A read-only session with a
    /// statement timeout: nothing is written to the database or locked.
    Stats(StatsArgs),
    /// List every rule with its category, default severity and summary.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
        format: RulesFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// The rule id, e.g. require-concurrent-index.
        rule: String,
    },
    /// Run the language server on standard input and output, for editors:
    /// diagnostics as you type, plan facts on hover, rule fixes and ignore
    /// quick fixes.
    Lsp,
    /// Write today's findings to a baseline file, so that `check --baseline`
    /// (or config `baseline`) reports only new ones: adopt miglint on an old
    /// history without fixing it first.
    Baseline(BaselineArgs),
}

/// What `check` and `plan` share: the inputs and what miglint knows of them.
#[derive(Args, Debug)]
pub(super) struct RunArgs {
    /// Files, directories or quoted globs; `-` reads standard input.
    #[arg(value_name = "PATH|GLOB")]
    pub paths: Vec<std::ffi::OsString>,

    /// The configuration file for every file [default: for each file, the
    /// nearest miglint.toml above its migration root].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// PostgreSQL major version the migrations run on (11-18) [default: 16].
    #[arg(long, value_parser = clap::value_parser!(u32).range(11..=18), value_name = "N")]
    pub pg_version: Option<u32>,

    /// A schema dump (`pg_dump --schema-only`, `structure.sql`, any DDL) read
    /// as the existing production database before the migrations.
    #[arg(long, value_name = "PATH")]
    pub schema: Option<PathBuf>,

    /// A snapshot of the production tables written by `miglint stats`:
    /// findings and the plan scale with each table's size and write rate
    /// [default: config `stats`].
    #[arg(long, value_name = "PATH")]
    pub stats: Option<PathBuf>,

    /// The migration runner wraps each file in a transaction (whatever the
    /// tool's own default).
    #[arg(long)]
    pub assume_in_transaction: bool,

    /// The migration tool, instead of detecting it: flyway, liquibase,
    /// golang-migrate, sqlx, diesel, dbmate, goose, prisma, drizzle, sqitch,
    /// supabase, atlas, plain.
    #[arg(long, value_parser = parse_tool, value_name = "NAME")]
    pub tool: Option<crate::input::layout::Tool>,

    /// Check only migrations added or changed since this git ref (and
    /// untracked ones), after replaying the others; also runs the history
    /// rules (edited, out-of-order migrations).
    #[arg(long, value_name = "GIT-REF")]
    pub since: Option<String>,

    /// Do not replay the migrations that run before the files named.
    #[arg(long)]
    pub no_history: bool,

    /// A lock_timeout is set outside the migrations (on the role or database).
    #[arg(long)]
    pub assume_lock_timeout: bool,

    /// Plain output without colours, whatever the environment says. Without
    /// it, colour goes to a terminal unless NO_COLOR is set (non-empty) or
    /// CLICOLOR=0, and to any output with FORCE_COLOR or CLICOLOR_FORCE.
    #[arg(long)]
    pub no_color: bool,

    /// File name to show for input read from `-`.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
}

#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    #[command(flatten)]
    pub run: RunArgs,

    #[arg(long, value_parser = parse_format, default_value = "human",
          help = "Output format: human, json, github, sarif, gcc, gitlab")]
    pub format: Format,

    /// Lowest severity that makes miglint exit 1 [default: error].
    #[arg(long, value_parser = parse_fail_on, value_name = "error|warning|never")]
    pub fail_on: Option<FailOn>,

    /// Set a rule's severity, e.g. --rule prefer-text=off (repeatable).
    #[arg(long = "rule", value_name = "ID=error|warning|info|off")]
    pub rules: Vec<String>,

    /// Report only findings this baseline file does not list (written by
    /// `miglint baseline`) [default: config `baseline`].
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,

    /// Also append a Markdown summary (verdict, findings, what each
    /// migration locks) to this file, e.g. "$GITHUB_STEP_SUMMARY".
    #[arg(long, value_name = "PATH")]
    pub summary_file: Option<PathBuf>,

    /// Also write the findings as SARIF 2.1.0 to this file.
    #[arg(long, value_name = "PATH")]
    pub sarif_file: Option<PathBuf>,

    /// Also append `errors=N`, `warnings=N` and `sarif-file=PATH` lines to
    /// this file, e.g. "$GITHUB_OUTPUT".
    #[arg(long, value_name = "PATH")]
    pub github_output: Option<PathBuf>,

    /// Apply the safe fixes (CONCURRENTLY with the tool's no-transaction
    /// marker, SET lock_timeout, NOT VALID then VALIDATE, SET NOT NULL after
    /// a validated CHECK) to the files checked, then report what is left.
    /// Every file checked may be edited: name the new migrations, or use
    /// --since.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,

    /// Print the safe fixes as a unified diff instead of the report, and
    /// write nothing; the exit code is the one `check` would give once they
    /// are applied.
    #[arg(long)]
    pub diff: bool,
}

#[derive(Args, Debug)]
pub(super) struct BaselineArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Set a rule's severity, e.g. --rule prefer-text=off (repeatable).
    #[arg(long = "rule", value_name = "ID=error|warning|info|off")]
    pub rules: Vec<String>,

    /// Where to write the baseline [default: config `baseline`, else
    /// miglint-baseline.json in the current folder].
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(super) struct PlanArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
}

#[derive(Args, Debug)]
pub(super) struct TraceArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// The database to run the migrations in, e.g. postgresql://user@localhost/scratch
    /// or "host=/var/run/postgresql dbname=scratch". Use a scratch or staging database.
    #[arg(long, value_name = "URL", required = true)]
    pub database_url: String,

    /// Commit each file instead of rolling it back, and run statements that
    /// cannot run in a transaction block (CONCURRENTLY, VACUUM).
    #[arg(long, conflicts_with = "each_file")]
    pub commit: bool,

    /// Trace each file alone against the database as it is, in a
    /// transaction of its own that is rolled back, instead of the files in
    /// order as one history.
    #[arg(long)]
    pub each_file: bool,
}

#[derive(Args, Debug)]
pub(super) struct StatsArgs {
    /// The database to read, e.g. postgresql://readonly@db.internal/app or
    /// "host=/var/run/postgresql dbname=app". A read-only role is enough.
    #[arg(long, value_name = "URL", required = true)]
    pub database_url: String,

    /// Where to write the snapshot; `-` writes it to standard output.
    #[arg(long, short, value_name = "PATH", default_value = "miglint-stats.json")]
    pub output: PathBuf,

    /// How long to watch the write counters to measure each table's write
    /// rate, e.g. 5s or 1min.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION", default_value = "5s",
          conflicts_with = "since_stats_reset")]
    pub window: std::time::Duration,

    /// Measure write rates since the statistics were last reset (or the
    /// server started) instead of over a window: no wait, a long-run average.
    #[arg(long)]
    pub since_stats_reset: bool,

    /// The longest any query may run.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION", default_value = "10s")]
    pub statement_timeout: std::time::Duration,

    /// List transactions open at least this long.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION", default_value = "1min")]
    pub long_transaction: std::time::Duration,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::settings::parse_duration_ms(s)
        .map(std::time::Duration::from_millis)
        .ok_or_else(|| "expected a duration such as 5s, 500ms or 1min".to_string())
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub(super) enum PlanFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub(super) enum RulesFormat {
    Human,
    Json,
    /// The README's rules table.
    Markdown,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| format!("expected one of {}", Format::NAMES.join(", ")))
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    FailOn::parse(s).ok_or_else(|| "expected error, warning or never".to_string())
}

fn parse_tool(text: &str) -> Result<crate::input::layout::Tool, String> {
    crate::input::layout::Tool::parse(text).ok_or_else(|| {
        let ids: Vec<&str> = crate::input::layout::Tool::ALL.iter().map(|t| t.id()).collect();
        format!("unknown tool `{text}`; expected one of {}", ids.join(", "))
    })
}
