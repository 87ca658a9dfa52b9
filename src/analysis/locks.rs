//! PostgreSQL's table-level lock modes and their conflict table
//! (https://www.postgresql.org/docs/current/explicit-locking.html), and the
//! scopes of relations a statement reaches without naming them. Everything
//! miglint says about what a lock blocks is derived here.

use std::fmt;

use serde::Serialize;

use super::names::RelationName;

/// Table-level lock modes, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

use LockMode::*;

impl LockMode {
    pub const ALL: [LockMode; 8] = [
        AccessShare,
        RowShare,
        RowExclusive,
        ShareUpdateExclusive,
        Share,
        ShareRowExclusive,
        Exclusive,
        AccessExclusive,
    ];

    /// PostgreSQL's own name for the mode, as in `pg_locks` without "Lock".
    pub fn name(self) -> &'static str {
        match self {
            AccessShare => "ACCESS SHARE",
            RowShare => "ROW SHARE",
            RowExclusive => "ROW EXCLUSIVE",
            ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Share => "SHARE",
            ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Exclusive => "EXCLUSIVE",
            AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// The mode PostgreSQL calls `name` (`ACCESS EXCLUSIVE`, any case and
    /// spacing, with or without a trailing `LOCK`).
    pub fn parse(name: &str) -> Option<LockMode> {
        let words: Vec<String> = name.split_whitespace().map(str::to_ascii_uppercase).collect();
        let words = match words.split_last() {
            Some((last, rest)) if last == "LOCK" => rest,
            _ => &words[..],
        };
        let name = words.join(" ");
        Self::ALL.into_iter().find(|mode| mode.name() == name)
    }

    /// Does this mode block everything `other` blocks (it is `other`, or
    /// stronger)? SHARE covers ROW EXCLUSIVE but not SHARE UPDATE EXCLUSIVE:
    /// the two block different things.
    pub fn covers(self, other: LockMode) -> bool {
        Self::ALL
            .into_iter()
            .all(|mode| !other.conflicts_with(mode) || self.conflicts_with(mode))
    }

    /// The mode's name in `pg_locks.mode`, e.g. `AccessExclusiveLock`.
    pub fn pg_locks_name(self) -> &'static str {
        match self {
            AccessShare => "AccessShareLock",
            RowShare => "RowShareLock",
            RowExclusive => "RowExclusiveLock",
            ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            Share => "ShareLock",
            ShareRowExclusive => "ShareRowExclusiveLock",
            Exclusive => "ExclusiveLock",
            AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// The conflict table of the PostgreSQL documentation (Table 13.2).
    pub fn conflicts_with(self, other: LockMode) -> bool {
        let (weak, strong) = if self <= other { (self, other) } else { (other, self) };
        match weak {
            AccessShare => strong == AccessExclusive,
            RowShare => strong >= Exclusive,
            RowExclusive => strong >= Share,
            ShareUpdateExclusive => strong >= ShareUpdateExclusive,
            Share => strong != Share,
            ShareRowExclusive | Exclusive | AccessExclusive => true,
        }
    }

    /// Plain SELECT takes ACCESS SHARE: does this mode make it wait?
    pub fn blocks_reads(self) -> bool {
        self.conflicts_with(AccessShare)
    }

    /// INSERT, UPDATE and DELETE take ROW EXCLUSIVE: do they wait?
    pub fn blocks_writes(self) -> bool {
        self.conflicts_with(RowExclusive)
    }

    /// What waits while this lock is held, in words for messages.
    pub fn what_waits(self) -> &'static str {
        match (self.blocks_reads(), self.blocks_writes()) {
            (true, _) => "reads and writes wait",
            (false, true) => "writes wait (reads continue)",
            (false, false) => "only other schema changes and maintenance wait",
        }
    }

    /// From `LOCK TABLE ... IN <mode> MODE` (the parser's numbering, 1-8).
    pub fn from_lock_statement(mode: i32) -> Option<LockMode> {
        usize::try_from(mode)
            .ok()
            .and_then(|m| m.checked_sub(1))
            .and_then(|i| Self::ALL.get(i).copied())
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Relations a statement locks without naming them. Which relations these
/// are depends on the schema (the catalog, or a real database, resolves
/// them); a scope that reaches no relation there takes no lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockScope {
    /// The table of a named index (`DROP INDEX i`, `REINDEX INDEX i`), and
    /// the table itself when the catalog knows the index.
    TableOf {
        index: RelationName,
        table: Option<RelationName>,
    },
    /// Every index of a named table (`REINDEX TABLE t`).
    IndexesOf(RelationName),
    /// Every index of each relation of another scope (`REINDEX TABLE` of a
    /// partitioned table: the indexes of its partitions).
    IndexesOfEach(Box<LockScope>),
    /// Every table of a schema, or of the database when `None`.
    TablesIn(Option<String>),
    /// Every index of a schema, or of the database when `None`.
    IndexesIn(Option<String>),
    /// Every table clustered before (`CLUSTER` without a table).
    ClusteredTables,
    /// Every table with a column of the domain (`ALTER DOMAIN`).
    TablesUsingDomain(RelationName),
    /// Every partition and inheritance child of a table, at any depth: the
    /// `ALTER TABLE` actions, `TRUNCATE` and `LOCK` that recurse (no `ONLY`).
    Inheritors(RelationName),
    /// Every partition of a partitioned table, at any depth: what recurses
    /// to partitions but not to inheritance children (`CREATE INDEX`, row
    /// triggers, `DROP TABLE`).
    Partitions(RelationName),
    /// The partitions of a partitioned table that the rows written go to
    /// (`INSERT`, `COPY FROM`): some of `Partitions`, which ones depends on
    /// the rows.
    RowPartitions(RelationName),
    /// The default partition of a partitioned table (`ATTACH PARTITION`,
    /// `DETACH PARTITION`, `CREATE TABLE ... PARTITION OF`).
    DefaultPartition(RelationName),
    /// The partitioned table a partition belongs to, and its default
    /// partition (`DROP TABLE` of a partition).
    PartitionParent(RelationName),
    /// Every table a foreign key of the table references (`DROP TABLE`).
    ReferencedTables(RelationName),
    /// Every table with a foreign key to the table (`DROP TABLE ... CASCADE`).
    ReferencingTables(RelationName),
    /// Every table with a foreign key to the table, and to those, at any
    /// depth (`TRUNCATE ... CASCADE`).
    ReferencingTablesCascade(RelationName),
    /// Every table whose rows a `DELETE` from the table deletes or updates
    /// through a foreign key `ON DELETE CASCADE`, `SET NULL` or `SET
    /// DEFAULT`, and through those, at any depth.
    ReferencingTablesWrittenOnDelete(RelationName),
    /// The tables at the other end of the foreign keys on a column (`DROP
    /// COLUMN`, `ALTER COLUMN ... TYPE`).
    ColumnForeignKeyTables { table: RelationName, column: String },
    /// The tables at the other end of a constraint that is, or is
    /// referenced by, a foreign key (`DROP CONSTRAINT`).
    ConstraintForeignKeyTables { table: RelationName, constraint: String },
    /// Every view and materialized view built on the relation, at any
    /// depth (`DROP ... CASCADE`).
    DependentViews(RelationName),
    /// Every relation a view or materialized view reads, and through each
    /// view among them what that view reads (`LOCK` on a view, a query
    /// through a view, `REFRESH MATERIALIZED VIEW`).
    ViewTables(RelationName),
    /// Every table of a composite type (`ALTER TYPE ... CASCADE`).
    TablesOfType(RelationName),
    /// Every relation of a schema (`DROP SCHEMA ... CASCADE`).
    RelationsIn(String),
    /// The tables of the indexes of another scope (what `REINDEX` reads:
    /// a table without an index is not read).
    TablesOf(Box<LockScope>),
}

impl LockScope {
    /// The table of a named index, its table not yet known.
    pub(crate) fn table_of(index: RelationName) -> LockScope {
        LockScope::TableOf { index, table: None }
    }
}

impl std::fmt::Display for LockScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockScope::TableOf { index, table: None } => write!(f, "the table of {index}"),
            LockScope::TableOf {
                index,
                table: Some(table),
            } => write!(f, "{table}, the table of {index}"),
            LockScope::IndexesOf(table) => write!(f, "every index of {table}"),
            LockScope::IndexesOfEach(scope) => write!(f, "every index of {scope}"),
            LockScope::TablesIn(Some(schema)) => write!(f, "every table in schema \"{schema}\""),
            LockScope::TablesIn(None) => f.write_str("every table in the database"),
            LockScope::IndexesIn(Some(schema)) => write!(f, "every index in schema \"{schema}\""),
            LockScope::IndexesIn(None) => f.write_str("every index in the database"),
            LockScope::ClusteredTables => f.write_str("every table clustered before"),
            LockScope::TablesUsingDomain(domain) => write!(f, "every table with a column of domain {domain}"),
            LockScope::Inheritors(table) => write!(f, "every partition and child table of {table}"),
            LockScope::Partitions(table) => write!(f, "every partition of {table}"),
            LockScope::RowPartitions(table) => write!(f, "the partitions of {table} the rows go to"),
            LockScope::DefaultPartition(table) => write!(f, "the default partition of {table}"),
            LockScope::PartitionParent(table) => {
                write!(f, "the partitioned table of {table} and its default partition")
            }
            LockScope::ReferencedTables(table) => write!(f, "every table {table} references by foreign key"),
            LockScope::ReferencingTables(table) => write!(f, "every table with a foreign key to {table}"),
            LockScope::ReferencingTablesCascade(table) => {
                write!(f, "every table with a foreign key to {table}, or to one of those")
            }
            LockScope::ReferencingTablesWrittenOnDelete(table) => write!(
                f,
                "every table whose foreign key to {table} deletes or updates its rows on delete (CASCADE, SET NULL, SET DEFAULT)"
            ),
            LockScope::ColumnForeignKeyTables { table, column } => {
                write!(
                    f,
                    "every table a foreign key links to column \"{column}\" of {table}, if any"
                )
            }
            LockScope::ConstraintForeignKeyTables { table, constraint } => {
                write!(
                    f,
                    "every table at the other end of constraint \"{constraint}\" of {table}, if it is or backs a foreign key"
                )
            }
            LockScope::DependentViews(relation) => write!(f, "every view built on {relation}"),
            LockScope::ViewTables(view) => write!(f, "every relation read by {view} if it is a view"),
            LockScope::TablesOfType(type_name) => write!(f, "every table of type {type_name}"),
            LockScope::RelationsIn(schema) => write!(f, "every relation in schema \"{schema}\""),
            LockScope::TablesOf(indexes) => write!(f, "the tables of {indexes}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_from_their_names_and_cover_what_they_block() {
        assert_eq!(LockMode::parse("access exclusive"), Some(AccessExclusive));
        assert_eq!(LockMode::parse(" SHARE  ROW EXCLUSIVE lock"), Some(ShareRowExclusive));
        assert_eq!(LockMode::parse("AccessExclusiveLock"), None);
        assert_eq!(LockMode::parse("exclusive-ish"), None);
        assert!(AccessExclusive.covers(AccessShare));
        assert!(Share.covers(Share));
        assert!(ShareRowExclusive.covers(Share));
        assert!(ShareRowExclusive.covers(ShareUpdateExclusive));
        // SHARE lets SHARE UPDATE EXCLUSIVE's peers (VACUUM) run; it is not stronger.
        assert!(!Share.covers(ShareUpdateExclusive));
        assert!(!ShareUpdateExclusive.covers(Share));
        assert!(!RowExclusive.covers(Share));
    }

    #[test]
    fn conflict_table_is_symmetric_and_matches_the_docs() {
        for a in LockMode::ALL {
            for b in LockMode::ALL {
                assert_eq!(a.conflicts_with(b), b.conflicts_with(a), "{a} vs {b}");
            }
        }
        assert!(!Share.conflicts_with(Share));
        assert!(ShareUpdateExclusive.conflicts_with(ShareUpdateExclusive));
        assert!(!RowExclusive.conflicts_with(RowExclusive));
        assert!(Exclusive.conflicts_with(RowShare));
        assert!(!Exclusive.conflicts_with(AccessShare));
    }

    #[test]
    fn what_each_mode_blocks() {
        assert!(AccessExclusive.blocks_reads());
        assert!(!Exclusive.blocks_reads() && Exclusive.blocks_writes());
        assert!(!Share.blocks_reads() && Share.blocks_writes());
        assert!(!ShareUpdateExclusive.blocks_writes());
        assert_eq!(LockMode::from_lock_statement(8), Some(AccessExclusive));
        assert_eq!(LockMode::from_lock_statement(1), Some(AccessShare));
    }
}
