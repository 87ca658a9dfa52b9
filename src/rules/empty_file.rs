//! `empty-file`: reported by the engine itself, not by a statement check.

use crate::rule::Rule;

crate::rule::declare_rule!(EmptyFile, id: "empty-file", category: Syntax, severity: Warning, since: "0.1.0");

impl Rule for EmptyFile {}
