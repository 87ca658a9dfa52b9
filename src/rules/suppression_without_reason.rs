//! `suppression-without-reason` (off unless `require_reason = true`):
//! reported by the engine while it applies ignore comments, not by a
//! statement check.

use crate::rule::Rule;

crate::rule::declare_rule!(SuppressionWithoutReason, id: "suppression-without-reason", category: Suppression, severity: Error, since: "0.2.0", enabled_by_default: false);

impl Rule for SuppressionWithoutReason {}
