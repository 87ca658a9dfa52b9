//! miglint: gate PostgreSQL schema migrations in CI.
//!
//! The code is a pipeline, and imports flow one way down it (checked by
//! `tests/it/layers.rs`; `docs/architecture.md` draws it):
//!
//! ```text
//! front ends   cli, lsp, trace, prepare      what a user asked for -> a run -> output, exit code
//!      |
//! report       report::{engine, suppress,    rules over analysed files, suppressions,
//!              plan, render}                  plans, every output format
//! rules        rules, rule, diagnostic       one file per rule; what a rule reports
//! analysis     analysis                      facts per statement, the catalog, transactions
//! parse        parse                         pg_query, spans, comments, the AST accessors
//! input        input::{source, read, config, what is read: files, configs, tool layouts
//!              discover, layout}
//! settings     settings                      what a configuration resolves to
//! ```
//!
//! The public API is what an embedder needs: lint paths as the command line
//! does (`prepare`, then `lint_run`), or lint inputs already in hand
//! (`lint_bytes`, `lint_run` over `RunInput`s), get reports and plans, render
//! them, and read the rules' metadata. Everything else is private to the
//! crate, so the compiler reports what nothing uses.

#![warn(unreachable_pub)]

mod analysis;
mod cli;
mod diagnostic;
mod input;
mod lsp;
mod parse;
mod prepare;
mod report;
mod rule;
mod rules;
mod settings;
mod trace;

#[cfg(test)]
mod tests;

pub use analysis::{Catalog, LockMode, RelationName};
pub use cli::run;
pub use diagnostic::{Diagnostic, Label, LockInfo, Suppressed, SuppressionScope};
pub use input::layout::{
    Dialect, Direction, GitState, Role, RootSummary, RunnerSegment, RunnerTransaction, ScriptInfo, Tool,
};
pub use input::read::{Content, TooLarge};
pub use input::source::{Position, SourceFile, Span};
pub use prepare::{apply_baselines, prepare, Message, PreparedRun, RunRequest};
pub use report::engine::{
    history_catalog, lint_and_plan_run, lint_bytes, lint_run, lint_source, plan_run, ChangeScope, CheckedFile, RunInput,
};
pub use report::plan::{FilePlan, HeldUntil, Inside, LockPlan, PlannedFile, StatementPlan, TransactionKind};
pub use report::render::{render, Format, RenderOptions};
pub use report::{FileReport, Report, Summary};
pub use rule::{Category, RuleMeta};
pub use settings::{FailOn, Placeholders, Settings, Severity, TransactionMode};

/// Every rule, in the order of the rule list (`miglint rules`).
pub fn rules() -> impl ExactSizeIterator<Item = &'static RuleMeta> {
    rules::all().iter().map(|rule| rule.meta())
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    rules::find(id).map(|rule| rule.meta())
}

/// The closest rule id to a misspelt one, for "did you mean" messages.
pub fn suggest_rule(id: &str) -> Option<&'static str> {
    rules::suggest(id)
}

/// The README's rules table, generated from the rule list (`miglint rules
/// --format markdown`), and where it sits in README.md: for the tooling that
/// keeps README.md up to date (`cargo xtask readme`).
pub mod rules_table {
    pub use crate::rules::markdown::{rules_table, table_in_readme, with_table, README_END, README_START};
}
