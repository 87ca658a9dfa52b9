//! `unused-suppression`: reported by the engine itself, not by a statement check.

use crate::rule::Rule;

crate::rule::declare_rule!(UnusedSuppression, id: "unused-suppression", category: Suppression, severity: Warning, since: "0.1.0");

impl Rule for UnusedSuppression {}
