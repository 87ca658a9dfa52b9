//! `unsupported-syntax`: reported by the engine itself, not by a statement check.

use crate::rule::Rule;

crate::rule::declare_rule!(UnsupportedSyntax, id: "unsupported-syntax", category: Syntax, severity: Warning, since: "0.1.0");

impl Rule for UnsupportedSyntax {}
