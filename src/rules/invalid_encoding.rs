//! `invalid-encoding`: reported by the engine itself, not by a statement check.

use crate::rule::Rule;

crate::rule::declare_rule!(InvalidEncoding, id: "invalid-encoding", category: Syntax, severity: Error, since: "0.1.0");

impl Rule for InvalidEncoding {}
