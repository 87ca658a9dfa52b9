//! miglint: gate PostgreSQL schema migrations in CI.
//!
//! The flow, one way: discover -> source -> parse -> analysis -> rules ->
//! suppress -> render -> exit code. The public API lints sources with
//! settings and returns diagnostics; the `cli` module is the binary.

pub mod analysis;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod layout;
pub mod lsp;
pub mod parse;
pub mod plan;
pub mod prepare;
pub mod read;
pub mod render;
pub mod rule;
pub mod rules;
pub mod settings;
pub mod source;
pub mod suppress;
pub mod trace;

pub use diagnostic::{Diagnostic, Severity};
pub use engine::{lint_bytes, lint_source, FileReport, Settings};
pub use source::SourceFile;
