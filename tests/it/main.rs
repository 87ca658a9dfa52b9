//! One integration test binary (one link of the PostgreSQL parser, not one
//! per file): fixtures, rule docs, meta checks, CLI contracts, robustness and
//! the corpus.

#[cfg(unix)]
mod action;
mod adoption;
mod ci_files;
mod cli;
mod common;
mod corpus;
mod custom_rules;
mod docs;
mod downs;
mod entry;
mod fix;
mod fuzz_regressions;
mod history;
mod integrations;
mod layers;
mod lsp;
mod meta;
mod owners;
mod plan;
mod projects;
mod repositories;
mod robustness;
mod runners;
mod sizes;
mod stats;
mod templates;
mod tools;
mod trace;
