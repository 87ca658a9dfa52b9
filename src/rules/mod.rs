//! THE list of rules. Adding a rule is its file here, its doc
//! `rules/<id>.md`, its fixtures `fixtures/<id>/`, and one line below.

use crate::rule::Rule;

pub mod recipe;
#[cfg(test)]
pub mod testing;

pub mod adding_volatile_default;
pub mod changing_column_type;
pub mod constraint_missing_not_valid;
pub mod empty_file;
pub mod exclusion_constraint;
pub mod invalid_encoding;
pub mod require_concurrent_index;
pub mod setting_not_null;
pub mod syntax_error;
pub mod unique_without_index;
pub mod unknown_rule;
pub mod unsupported_syntax;
pub mod unused_suppression;

static RULES: &[&dyn Rule] = &[
    // syntax and suppressions (reported by the engine)
    &syntax_error::SyntaxError,
    &unsupported_syntax::UnsupportedSyntax,
    &empty_file::EmptyFile,
    &invalid_encoding::InvalidEncoding,
    &unknown_rule::UnknownRule,
    &unused_suppression::UnusedSuppression,
    // locking
    &require_concurrent_index::RequireConcurrentIndex,
    // locking: ALTER TABLE constraints and NOT NULL on existing tables
    &setting_not_null::SettingNotNull,
    &constraint_missing_not_valid::ConstraintMissingNotValid,
    &unique_without_index::UniqueWithoutIndex,
    &exclusion_constraint::ExclusionConstraint,
    // rewrite: ALTER TABLE column changes on existing tables
    &changing_column_type::ChangingColumnType,
    &adding_volatile_default::AddingVolatileDefault,
];

/// Every rule, in a stable order.
pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|rule| rule.meta().id == id)
}
