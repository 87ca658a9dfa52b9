//! PostgreSQL's table-level lock modes and their conflict table
//! (https://www.postgresql.org/docs/current/explicit-locking.html).
//! Everything miglint says about what a lock blocks is derived here.

use std::fmt;

use serde::Serialize;

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
        let (weak, strong) = if self <= other {
            (self, other)
        } else {
            (other, self)
        };
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

#[cfg(test)]
mod tests {
    use super::*;

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
