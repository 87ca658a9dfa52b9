//! `miglint lsp`: a language server over standard input and output.
//!
//! Built on rust-analyzer's `lsp-server` (synchronous: a loop over a
//! channel, no async runtime) and `lsp-types`. Diagnostics are published on
//! open, change and save, from the same run `miglint check --stdin-filename
//! PATH -` makes (`lint`); hover shows the `miglint plan` facts of the
//! statement under the cursor; quick fixes insert an ignore comment.

mod actions;
mod convert;
mod documents;
mod lint;
mod server;
mod worker;

/// The `source` of every diagnostic the server publishes.
pub(crate) const SOURCE: &str = "miglint";

pub(crate) use server::{run, serve_in_memory};
