//! `unknown-rule`: reported by the engine itself, not by a statement check.

use crate::rule::{Rule, RuleMeta};

crate::declare_rule!(UnknownRule, id: "unknown-rule", category: Suppression, severity: Error, since: "0.1.0");

impl Rule for UnknownRule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
