//! `unsupported-syntax`: reported by the engine itself, not by a statement check.

use crate::rule::{Rule, RuleMeta};

crate::declare_rule!(UnsupportedSyntax, id: "unsupported-syntax", category: Syntax, severity: Warning, since: "0.1.0");

impl Rule for UnsupportedSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
