//! The facts of a statement as data: the lock per relation, locks, rewrites
//! and scans of relations reached without being named, data loss, and each
//! column type change. A statement's parts add theirs with the strongest
//! lock kept per relation.

use std::sync::Arc;

use crate::analysis::catalog::Relation;
use crate::analysis::locks::{LockMode, LockScope};
use crate::analysis::names::RelationName;
use crate::analysis::types::{ColumnType, TypeChangeCost};

/// A lock a statement takes on one relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RelationLock {
    pub relation: RelationName,
    pub mode: LockMode,
}

impl RelationLock {
    /// `ACCESS EXCLUSIVE lock on "users": reads and writes wait`
    pub(crate) fn describe(&self) -> String {
        format!("{} lock on {}: {}", self.mode, self.relation, self.mode.what_waits())
    }
}

/// A lock on relations the statement does not name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedLock {
    pub scope: LockScope,
    pub mode: LockMode,
}

impl ScopedLock {
    /// `SHARE lock on the table of "users_email_idx": writes wait (reads continue)`
    pub fn describe(&self) -> String {
        format!("{} lock on {}: {}", self.mode, self.scope, self.mode.what_waits())
    }
}

/// What one statement does: its locks, rewrites, scans and data loss, and
/// whether it may run in a transaction block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    /// One entry per relation, with the strongest mode taken on it.
    pub locks: Vec<RelationLock>,
    /// Locks on relations reached without being named (the table of an
    /// index, every table of a schema).
    pub scoped_locks: Vec<ScopedLock>,
    pub rewrites: Vec<RelationName>,
    /// Relations whose files are copied block by block to another
    /// tablespace (`SET TABLESPACE`): a new file, no row read or rewritten.
    pub file_copies: Vec<RelationName>,
    /// Relations given a new, empty file (`TRUNCATE`): every row goes,
    /// nothing is copied or read.
    pub new_empty_files: Vec<RelationName>,
    /// Relations given a new, empty file without being named: the
    /// partitions and child tables of a truncated table, the tables
    /// `TRUNCATE ... CASCADE` empties.
    pub scoped_new_empty_files: Vec<LockScope>,
    /// Relations rewritten without being named: the partitions of a
    /// partitioned table, every index of a table `REINDEX` rebuilds.
    pub scoped_rewrites: Vec<LockScope>,
    /// Relations read in full (validation, an index build). A rewritten
    /// relation is read in full too; that read is part of the rewrite.
    pub scans: Vec<RelationName>,
    /// Relations read in full without being named: the table of a
    /// reindexed index, the tables of a domain being validated.
    pub scoped_scans: Vec<LockScope>,
    /// Relations `ANALYZE` samples: it reads at most 300 × the statistics
    /// target rows' blocks, a bounded read, not a scan of the table.
    pub samples: Vec<RelationName>,
    /// Relations sampled without being named: the partitions of an
    /// analyzed partitioned table, every table of a bare `ANALYZE`.
    pub scoped_samples: Vec<LockScope>,
    pub data_loss: bool,
    /// False for statements PostgreSQL refuses inside a transaction block.
    pub transactional: bool,
    /// Each `ALTER COLUMN ... TYPE` of an `ALTER TABLE`, and what it costs.
    pub type_changes: Vec<ColumnTypeChange>,
    /// A `CREATE INDEX` on a table the catalog knows to be partitioned:
    /// what it does on each partition.
    pub partitioned_index: Option<PartitionedIndex>,
    /// An `ALTER TABLE` of a table the catalog knows to be partitioned: the
    /// partitions that hold its rows (leaves of the partition tree), as far
    /// as the catalog knows them, as they stand before the statement.
    pub partition_leaves: Option<Vec<Arc<Relation>>>,
    /// The indexes a `DROP INDEX` names that the catalog knows to be on a
    /// partitioned table (PostgreSQL refuses to drop those concurrently).
    pub partitioned_indexes: Vec<RelationName>,
    /// The actions (by position, as `ColumnTypeChange::action`) adding a
    /// foreign key or unique constraint to a partitioned table whose every
    /// partition already holds it (validated): the partitions' constraints
    /// are attached, no row is checked and no index built.
    pub adopted_constraints: Vec<usize>,
}

/// What a `CREATE INDEX` does on a partitioned table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PartitionedIndex {
    /// `ON ONLY`: the parent's index alone, invalid until an index of each
    /// partition is attached to it (`ALTER INDEX ... ATTACH PARTITION`).
    /// Nothing is built or read.
    pub only: bool,
    pub tree: PartitionIndexes,
}

impl PartitionedIndex {
    /// Nothing is built: `ON ONLY`, or every partition holds a matching
    /// index, which the new index adopts.
    pub(crate) fn builds_nothing(&self) -> bool {
        self.only || self.tree.adopts_everywhere()
    }
}

/// A table of a partition tree, and what an index build on the tree's top
/// does on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PartitionIndexes {
    pub table: RelationName,
    /// The table's own index that matches the new one (same keys,
    /// expressions, method, predicate, uniqueness): it is attached, not
    /// built.
    pub adopts: Option<RelationName>,
    /// True for a partitioned table: it holds no rows, its partitions do.
    pub partitioned: bool,
    /// The partitions the catalog knows, for a partitioned table.
    pub partitions: Vec<PartitionIndexes>,
}

impl PartitionIndexes {
    /// Every partition below holds a matching index. A partitioned table
    /// with no known partition is not taken to have none: partitions may be
    /// made where the migrations do not show.
    pub(crate) fn adopts_everywhere(&self) -> bool {
        self.adopts.is_some()
            || (self.partitioned
                && !self.partitions.is_empty()
                && self.partitions.iter().all(PartitionIndexes::adopts_everywhere))
    }

    /// The tables below that hold rows and no matching index: where the
    /// build reads and builds.
    pub(crate) fn built_leaves(&self) -> Vec<&PartitionIndexes> {
        if self.adopts.is_some() {
            Vec::new()
        } else if self.partitioned {
            self.partitions
                .iter()
                .flat_map(PartitionIndexes::built_leaves)
                .collect()
        } else {
            vec![self]
        }
    }
}

/// One `ALTER COLUMN ... TYPE` action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ColumnTypeChange {
    /// The action's position in the statement (the `n` of
    /// `StatementContext::alter_action_span`).
    pub action: usize,
    pub column: String,
    /// The column's type before the statement, when the catalog knows it.
    pub old: Option<ColumnType>,
    pub new: ColumnType,
    pub has_using: bool,
    pub cost: TypeChangeCost,
}

impl Facts {
    pub(super) fn lock(&mut self, relation: RelationName, mode: LockMode) {
        match self.locks.iter_mut().find(|l| l.relation == relation) {
            Some(existing) => existing.mode = existing.mode.max(mode),
            None => self.locks.push(RelationLock { relation, mode }),
        }
    }

    pub(super) fn rewrite(&mut self, relation: &RelationName) {
        if !self.rewrites.contains(relation) {
            self.rewrites.push(relation.clone());
        }
    }

    pub(super) fn copy_file(&mut self, relation: &RelationName) {
        if !self.file_copies.contains(relation) {
            self.file_copies.push(relation.clone());
        }
    }

    pub(super) fn empty(&mut self, relation: &RelationName) {
        if !self.new_empty_files.contains(relation) {
            self.new_empty_files.push(relation.clone());
        }
    }

    pub(super) fn empty_scoped(&mut self, scope: LockScope) {
        if !self.scoped_new_empty_files.contains(&scope) {
            self.scoped_new_empty_files.push(scope);
        }
    }

    pub(super) fn scan(&mut self, relation: &RelationName) {
        if !self.scans.contains(relation) {
            self.scans.push(relation.clone());
        }
    }

    pub(super) fn sample(&mut self, relation: &RelationName) {
        if !self.samples.contains(relation) {
            self.samples.push(relation.clone());
        }
    }

    pub(super) fn sample_scoped(&mut self, scope: LockScope) {
        if !self.scoped_samples.contains(&scope) {
            self.scoped_samples.push(scope);
        }
    }

    pub(super) fn lock_scoped(&mut self, scope: LockScope, mode: LockMode) {
        match self.scoped_locks.iter_mut().find(|l| l.scope == scope) {
            Some(existing) => existing.mode = existing.mode.max(mode),
            None => self.scoped_locks.push(ScopedLock { scope, mode }),
        }
    }

    pub(super) fn rewrite_scoped(&mut self, scope: LockScope) {
        if !self.scoped_rewrites.contains(&scope) {
            self.scoped_rewrites.push(scope);
        }
    }

    pub(super) fn scan_scoped(&mut self, scope: LockScope) {
        if !self.scoped_scans.contains(&scope) {
            self.scoped_scans.push(scope);
        }
    }

    /// The lock, rewrite, scan and new file of a table, extended to a scope (its
    /// partitions, the tables of a type) that gets the same treatment.
    pub(super) fn extend_to(&mut self, table: &RelationName, scope: LockScope, mode: LockMode) {
        if self.rewrites.contains(table) {
            self.rewrite_scoped(scope.clone());
        }
        if self.scans.contains(table) {
            self.scan_scoped(scope.clone());
        }
        if self.samples.contains(table) {
            self.sample_scoped(scope.clone());
        }
        if self.new_empty_files.contains(table) {
            self.empty_scoped(scope.clone());
        }
        self.lock_scoped(scope, mode);
    }

    /// Adds another part's facts (one action of an `ALTER TABLE`, one
    /// statement of a `DO` block).
    pub(crate) fn merge(&mut self, other: Facts) {
        for lock in other.locks {
            self.lock(lock.relation, lock.mode);
        }
        for lock in other.scoped_locks {
            self.lock_scoped(lock.scope, lock.mode);
        }
        for relation in &other.rewrites {
            self.rewrite(relation);
        }
        for relation in &other.scans {
            self.scan(relation);
        }
        for relation in &other.new_empty_files {
            self.empty(relation);
        }
        for relation in &other.file_copies {
            self.copy_file(relation);
        }
        for scope in other.scoped_new_empty_files {
            self.empty_scoped(scope);
        }
        for scope in other.scoped_rewrites {
            self.rewrite_scoped(scope);
        }
        for scope in other.scoped_scans {
            self.scan_scoped(scope);
        }
        for relation in &other.samples {
            self.sample(relation);
        }
        for scope in other.scoped_samples {
            self.sample_scoped(scope);
        }
        self.data_loss |= other.data_loss;
        self.transactional &= other.transactional;
    }

    /// The mode the statement takes on a relation it names, reading no
    /// schema as `public`.
    pub(crate) fn lock_on(&self, relation: &RelationName) -> Option<LockMode> {
        self.locks.iter().find(|l| l.relation.same_as(relation)).map(|l| l.mode)
    }
}
