//! `unknown-rule`: reported by the engine itself, not by a statement check.

use crate::rule::Rule;

crate::rule::declare_rule!(UnknownRule, id: "unknown-rule", category: Suppression, severity: Error, since: "0.1.0");

impl Rule for UnknownRule {}
