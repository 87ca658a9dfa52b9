//! A static catalog replayed from the migrations themselves: schemas,
//! tables (and views, materialized views, sequences), columns, constraints,
//! indexes, enum types and domains. No database is involved.
//!
//! Every object remembers whether it comes from the history (what production
//! already has: existing, populated) or from the change being judged (new and
//! empty for the rest of the change). `model` holds the objects and the
//! lookups, `replay` and `replay_table` apply statements, `sequences` keeps
//! the sequences columns own, `routines` the bodies of functions and
//! procedures, `naming` gives unnamed objects PostgreSQL's names.

mod check_bound;
mod model;
pub(crate) mod naming;
mod replay;
mod replay_table;
mod routines;
mod sequences;
#[cfg(test)]
mod tests;

pub use model::Catalog;
pub(crate) use model::RelationKind;
pub(crate) use model::{Column, ConstraintKind, Index, Location, Origin, Relation};
pub(crate) use naming::{column_check_name, column_foreign_key_name, first_free, table_constraint_name};
pub(crate) use routines::called_name;
