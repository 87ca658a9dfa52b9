//! The metadata locks a MySQL or MariaDB statement takes on its tables, by
//! the names `performance_schema.metadata_locks` (MySQL) and
//! `information_schema.METADATA_LOCK_INFO` (MariaDB) show them. Every
//! statement on a table holds one until its transaction ends; DDL holds a
//! strong one, which waits behind every open transaction on the table and
//! makes every later query on it wait too.
//!
//! An online ALTER holds the weaker lock its `LOCK=` level allows for the
//! copy or build, and upgrades to `MDL_EXCLUSIVE` briefly at its start and
//! end; an INSTANT one holds `MDL_EXCLUSIVE` for its whole, short run
//! (MySQL manual, "Online DDL Performance and Concurrency": "Metadata
//! Locking Requirements").

use super::{Action, Algorithm, Concurrency, MysqlStatementState};

/// A metadata lock mode, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MetadataLock {
    /// A read (`SELECT`): only DDL waits.
    SharedRead,
    /// A data change (`INSERT`, `UPDATE`, `DELETE`): only DDL waits.
    SharedWrite,
    /// An online ALTER with `LOCK=NONE`: reads and writes go on, other DDL waits.
    SharedUpgradable,
    /// An ALTER with `LOCK=SHARED`, or a copy: reads go on, writes wait.
    SharedNoWrite,
    /// DDL that replaces the table, or an ALTER with `LOCK=EXCLUSIVE`: everything waits.
    Exclusive,
}

impl MetadataLock {
    pub fn name(self) -> &'static str {
        match self {
            MetadataLock::SharedRead => "MDL_SHARED_READ",
            MetadataLock::SharedWrite => "MDL_SHARED_WRITE",
            MetadataLock::SharedUpgradable => "MDL_SHARED_UPGRADABLE",
            MetadataLock::SharedNoWrite => "MDL_SHARED_NO_WRITE",
            MetadataLock::Exclusive => "MDL_EXCLUSIVE",
        }
    }

    pub fn blocks_reads(self) -> bool {
        self == MetadataLock::Exclusive
    }

    pub fn blocks_writes(self) -> bool {
        self >= MetadataLock::SharedNoWrite
    }

    /// The lock an online DDL statement holds while it runs, as the server runs it.
    pub(crate) fn of_online(algorithm: Algorithm, concurrency: Concurrency) -> MetadataLock {
        match (algorithm, concurrency) {
            (Algorithm::Instant, _) | (_, Concurrency::Nothing) => MetadataLock::Exclusive,
            (_, Concurrency::ReadsAndWrites) => MetadataLock::SharedUpgradable,
            (_, Concurrency::Reads) => MetadataLock::SharedNoWrite,
        }
    }
}

/// A metadata lock on one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableLock {
    /// As the statement names it, lowercased.
    pub table: String,
    pub mode: MetadataLock,
    /// The table was created by the change: empty, nobody waits on it.
    pub new_table: bool,
}

impl MysqlStatementState<'_> {
    /// The metadata locks the statement takes, one per table it names.
    pub(crate) fn metadata_locks(&self) -> Vec<TableLock> {
        let existed = self.table.as_ref().is_none_or(|t| t.existed);
        let on = |table: &str, mode: MetadataLock, new_table: bool| TableLock {
            table: table.to_string(),
            mode,
            new_table,
        };
        // Tables a DROP, TRUNCATE or RENAME names that were not created by the change.
        let named_existing = |table: &str| self.existing_tables.iter().any(|t| t.eq_ignore_ascii_case(table));
        match &self.action {
            Action::AlterTable { table } | Action::CreateIndex { table, .. } | Action::DropIndex { table, .. } => {
                let mode = self.online.as_ref().map_or(MetadataLock::Exclusive, |verdict| {
                    MetadataLock::of_online(verdict.algorithm, verdict.concurrency)
                });
                vec![on(table, mode, !existed)]
            }
            Action::CreateTable {
                table,
                temporary: false,
                ..
            } => vec![on(table, MetadataLock::Exclusive, true)],
            Action::DropTables {
                tables,
                temporary: false,
            }
            | Action::Truncate { tables } => tables
                .iter()
                .map(|table| on(table, MetadataLock::Exclusive, !named_existing(table)))
                .collect(),
            Action::RenameTables { pairs } => pairs
                .iter()
                .flat_map(|(old, new)| {
                    let new_table = !named_existing(old);
                    [
                        on(old, MetadataLock::Exclusive, new_table),
                        on(new, MetadataLock::Exclusive, new_table),
                    ]
                })
                .collect(),
            Action::Delete { table, .. } | Action::Update { table, .. } | Action::Insert { table } => {
                vec![on(table, MetadataLock::SharedWrite, !existed)]
            }
            Action::Routine { table: Some(table), .. } => vec![on(table, MetadataLock::Exclusive, !existed)],
            _ => Vec::new(),
        }
    }

    /// The statement builds an index by reading the whole table, without
    /// rebuilding it.
    pub(crate) fn builds_index(&self) -> bool {
        use sqlparser::ast::{AlterTableOperation, Statement as Ast, TableConstraint};
        let adds_index = |op: &AlterTableOperation| {
            matches!(
                op,
                AlterTableOperation::AddConstraint {
                    constraint: TableConstraint::Index { .. }
                        | TableConstraint::Unique { .. }
                        | TableConstraint::FulltextOrSpatial { .. },
                    ..
                }
            )
        };
        let builds = match self.ast {
            Some(Ast::CreateIndex(_)) => true,
            Some(Ast::AlterTable(alter)) => alter.operations.iter().any(adds_index),
            _ => false,
        };
        builds && self.online.as_ref().is_some_and(|v| !v.rebuilds)
    }

    /// The statement removes data production holds: a table dropped or
    /// emptied, rows deleted, a column dropped.
    pub(crate) fn loses_data(&self) -> bool {
        use sqlparser::ast::AlterTableOperation;
        match &self.action {
            Action::DropTables { temporary: false, .. } | Action::Truncate { .. } => !self.existing_tables.is_empty(),
            Action::Delete { .. } => true,
            _ => self.altered_existing_table().is_some_and(|(operations, _)| {
                operations
                    .iter()
                    .any(|op| matches!(op, AlterTableOperation::DropColumn { .. }))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_online_change_holds_the_lock_its_concurrency_allows() {
        use Algorithm::*;
        use Concurrency::*;
        assert_eq!(
            MetadataLock::of_online(Instant, ReadsAndWrites),
            MetadataLock::Exclusive
        );
        assert_eq!(
            MetadataLock::of_online(Inplace, ReadsAndWrites),
            MetadataLock::SharedUpgradable
        );
        assert_eq!(MetadataLock::of_online(Copy, Reads), MetadataLock::SharedNoWrite);
        assert_eq!(MetadataLock::of_online(Inplace, Nothing), MetadataLock::Exclusive);
        assert!(!MetadataLock::SharedUpgradable.blocks_writes());
        assert!(MetadataLock::SharedNoWrite.blocks_writes() && !MetadataLock::SharedNoWrite.blocks_reads());
        assert!(MetadataLock::Exclusive.blocks_reads());
    }
}
