//! miglint: gate PostgreSQL schema migrations in CI.
//!
//! The flow, one way: discover -> source -> parse -> analysis -> rules ->
//! suppress -> render -> exit code. The public API lints sources with
//! settings and returns diagnostics; the `cli` module is the binary.

pub mod analysis;
pub mod cli;
pub mod diagnostic;
pub mod input;
pub mod lsp;
pub mod parse;
pub mod prepare;
pub mod report;
pub mod rule;
pub mod rules;
pub mod settings;
pub mod trace;

pub use diagnostic::{Diagnostic, Severity};
pub use input::source::SourceFile;
pub use report::engine::{lint_bytes, lint_source, Settings};
pub use report::FileReport;
