//! `syntax-error`: reported by the engine itself, not by a statement check.

use crate::rule::Rule;

crate::rule::declare_rule!(SyntaxError, id: "syntax-error", category: Syntax, severity: Error, since: "0.1.0");

impl Rule for SyntaxError {}
