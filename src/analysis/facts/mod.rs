//! What a statement does to the database: which lock on which relation,
//! whether it rewrites or scans a table, whether data is lost, and whether
//! it may run inside a transaction block.
//!
//! Lock modes follow PostgreSQL's `AlterTableGetLockLevel` and the
//! documentation of each command; they are checked against a real server in
//! the test suite. `model` holds the fact types, `statement` which kind of
//! statement yields which facts, `alter_table` the facts of each `ALTER
//! TABLE` action, `maintenance` those of `VACUUM`, `CLUSTER`, `REINDEX` and
//! `REFRESH`, `query` the locks of the queries statements run or store.

mod alter_table;
mod maintenance;
mod model;
mod query;
mod statement;
#[cfg(test)]
mod tests;

pub(crate) use alter_table::{
    add_column_rewrites, alter_table_action_lock, inline_foreign_keys_validated, VALIDATE_FOREIGN_KEY_REFERENCED_LOCK,
};
pub(crate) use model::{ColumnTypeChange, Facts, PartitionIndexes, RelationLock, ScopedLock};
#[cfg(test)]
pub(crate) use statement::statement_facts_in;
pub(crate) use statement::{lock_of_sql, minimum_version, statement_facts, statement_facts_judged};
