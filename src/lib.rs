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
mod database;
mod diagnostic;
mod input;
mod lsp;
mod parse;
mod prepare;
mod report;
mod rule;
mod rules;
mod settings;
mod stats;
mod trace;

#[cfg(test)]
mod tests;

pub use analysis::mysql::MetadataLock;
pub use analysis::{Catalog, LockMode, RelationName};
pub use cli::run;
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, LockInfo, NewFile, Suppressed, SuppressionScope};
pub use input::layout::{
    Dialect, Direction, GitState, Role, RootSummary, RunnerSegment, RunnerTransaction, ScriptInfo, Tool,
};
pub use input::read::{Content, TooLarge};
pub use input::source::{Position, SourceFile, Span};
pub use prepare::{apply_baselines, prepare, Message, PreparedRun, RunRequest};
pub use report::engine::{
    history_catalog, lint_and_plan_run, lint_bytes, lint_run, lint_source, plan_run, ChangeScope, CheckedFile, RunInput,
};
pub use report::plan::{FilePlan, HeldUntil, Inside, LockPlan, PlanMode, PlannedFile, StatementPlan, TransactionKind};
pub use report::render::{render, Format, RenderOptions};
pub use report::{FileReport, Report, Summary};
pub use rule::{Category, RuleMeta};
pub use settings::{
    Estimates, FailOn, LongTransaction, MysqlFlavor, MysqlServer, NameKind, NamePattern, NameRules, Naming, OwnerRule,
    Owners, Placeholders, Settings, Severity, Snapshot, SnapshotTable, SqliteVersion, TablePattern, TableSize,
    TableSizes, TransactionMode, SNAPSHOT_VERSION,
};

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

/// Entry points for the fuzz targets of `fuzz/` and for the test that
/// replays their regression inputs (`tests/it/fuzz_regressions.rs`): each
/// takes the fuzzer's raw bytes. Not a stable API; each must return, never
/// panic.
#[doc(hidden)]
pub mod fuzzing {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::{lint_run, prepare, RunRequest, Settings};

    /// The whole lint of one file's bytes.
    pub fn lint_bytes(data: &[u8]) {
        crate::lint_bytes("fuzz.sql", data, &Settings::default());
    }

    /// Parses `data` as a `miglint.toml`, then resolves it as a run would.
    pub fn config(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let Ok(config) = crate::input::config::parse(text, Path::new("miglint.toml")) else {
            return;
        };
        let _ = config.max_file_size();
        let _ = config.excludes(Path::new("db/migrations/0001_init.sql"));
    }

    /// Finds the ignore comments of `data` (in comments around statements
    /// that draw findings), then lints it with suppressions applied.
    pub fn suppressions(data: &[u8]) {
        let body = String::from_utf8_lossy(data);
        let text = format!("-- {body}\nCREATE INDEX i ON t (a); -- {body}\n/* {body} */\nDROP TABLE t;\n--{body}");
        let source = crate::input::source::SourceFile::new("fuzz.sql", text.as_str());
        let parsed = crate::parse::parse_file(&source);
        let _ = crate::report::suppress::directives(&source, &parsed);
        crate::lint_bytes("fuzz.sql", text.as_bytes(), &Settings::default());
    }

    /// A file tree from `data` (entries split by NUL: a relative path, a
    /// newline, the content; a path ending in `/` is a folder), written to a
    /// fresh temporary folder, then discovered and linted as `miglint check
    /// <folder>` does.
    pub fn layout(data: &[u8]) {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "miglint-fuzz-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        if std::fs::create_dir_all(&root).is_err() {
            return;
        }
        for entry in data.split(|b| *b == 0).take(64) {
            let (name, content) = match entry.iter().position(|b| *b == b'\n') {
                Some(i) => (&entry[..i], &entry[i + 1..]),
                None => (entry, &[][..]),
            };
            let Some(path) = tree_path(&root, name) else {
                continue;
            };
            if name.ends_with(b"/") {
                let _ = std::fs::create_dir_all(&path);
            } else {
                if let Some(parent) = path.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                let _ = std::fs::write(&path, content);
            }
        }
        let request = RunRequest {
            paths: vec![root.clone().into_os_string()],
            ..RunRequest::default()
        };
        if let Ok(prepared) = prepare(&request) {
            lint_run(prepared.inputs, prepared.scope);
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    /// `name` under `root` when it is a plain relative path of at most
    /// four parts (no `..`, no absolute path).
    fn tree_path(root: &Path, name: &[u8]) -> Option<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        let parts: Vec<&[u8]> = name.split(|b| *b == b'/').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() || parts.len() > 4 || parts.iter().any(|p| *p == b"." || *p == b".." || p.len() > 64) {
            return None;
        }
        let mut path = root.to_path_buf();
        for part in parts {
            path.push(std::ffi::OsStr::from_bytes(part));
        }
        Some(path)
    }

    /// Lines of `data` as JSON-RPC messages from a client, after an
    /// `initialize` request, to the language server over an in-memory
    /// connection; a line that is not a message is also read as a framed one.
    pub fn lsp(data: &[u8]) {
        let initialize = serde_json::json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": { "capabilities": {} }
        });
        let mut messages: Vec<lsp_server::Message> =
            vec![serde_json::from_value(initialize).expect("an initialize request")];
        for line in data.split(|b| *b == b'\n').take(64) {
            if let Ok(message) = serde_json::from_slice::<lsp_server::Message>(line) {
                messages.push(message);
                continue;
            }
            let mut framed = format!("Content-Length: {}\r\n\r\n", line.len()).into_bytes();
            framed.extend_from_slice(line);
            if let Ok(Some(message)) = lsp_server::Message::read(&mut framed.as_slice()) {
                messages.push(message);
            }
        }
        crate::lsp::serve_in_memory(messages);
    }
}
