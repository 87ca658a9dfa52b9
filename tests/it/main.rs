//! One integration test binary (one link of the PostgreSQL parser, not one
//! per file): fixtures, rule docs, meta checks, CLI contracts, the corpus.

mod common;
mod docs;
mod fixtures;
mod meta;
