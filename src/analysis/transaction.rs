//! The transaction model of a file: explicit blocks (`BEGIN` ... `COMMIT`,
//! `AND CHAIN`), the transaction a migration runner opens around the whole
//! file, savepoints, and the `lock_timeout` they scope.
//!
//! What PostgreSQL does, and this model follows:
//! - `BEGIN` inside an open transaction only warns ("there is already a
//!   transaction in progress"); the outer transaction goes on, and the next
//!   `COMMIT` ends it.
//! - `COMMIT`, `END` or `ROLLBACK` with no transaction only warns ("there is
//!   no transaction in progress"); with `AND CHAIN` it is an error.
//! - Inside the runner's transaction, a `COMMIT` ends that transaction
//!   early: the rest of the file runs outside it, in autocommit.
//! - A file sent as one multi-statement query (a batch) runs in an implicit
//!   transaction block: a `BEGIN` in it turns that block into an explicit
//!   one (no warning), and after a `COMMIT` the rest of the batch runs in a
//!   new implicit block.
//! - A runner whose connection has autocommit off (JDBC: Flyway, Liquibase)
//!   starts a new transaction with the first statement after a `COMMIT`; so
//!   does PostgreSQL for the rest of a file sent as one query inside the
//!   runner's transaction (Diesel, sqlx, dbmate): the statements after a
//!   `COMMIT` run in an implicit transaction block.
//! - `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` need a transaction; `ROLLBACK
//!   TO` undoes what ran after the savepoint, releases the locks taken since
//!   and restores the settings changed since.
//! - `SET` lasts for the session (a `ROLLBACK` undoes it), `SET LOCAL` until
//!   the transaction ends (outside one it has no effect); `RESET` and `SET
//!   ... TO DEFAULT` go back to the value the session started with.

use pg_query::protobuf::{TransactionStmtKind, VariableSetKind};
use pg_query::NodeEnum;

use super::guc::duration_setting_ms;
use crate::input::source::Span;

pub(crate) use crate::settings::TransactionMode;

/// What a transaction-control statement does where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TransactionControl {
    /// `BEGIN` / `START TRANSACTION` opening a transaction block.
    Begin,
    /// `BEGIN` while a transaction block is open: PostgreSQL warns and keeps
    /// the outer block, opened at `outer`.
    NestedBegin { outer: Span },
    /// `BEGIN` inside the transaction the runner opens around the file:
    /// PostgreSQL warns and ignores it.
    BeginInRunner,
    /// `COMMIT`, `END`, `ROLLBACK` or `PREPARE TRANSACTION` closing the open
    /// block; `AND CHAIN` opens the next one at once.
    End { chain: bool },
    /// `COMMIT`, `END`, `ROLLBACK` or `PREPARE TRANSACTION` ending the
    /// runner's transaction before the file ends. `ignored_begin` is the
    /// `BEGIN` it closes as written, which PostgreSQL ignored.
    EndRunner {
        rollback: bool,
        chain: bool,
        ignored_begin: Option<Span>,
    },
    /// `COMMIT`, `END` or `ROLLBACK` with no transaction open. `ended_at` is
    /// the statement that ended the file's last transaction, if any.
    EndOutside { chain: bool, ended_at: Option<Span> },
    /// `SAVEPOINT` inside a transaction.
    Savepoint,
    /// `RELEASE` or `ROLLBACK TO` a savepoint established earlier.
    SavepointEnd,
    /// `SAVEPOINT`, `RELEASE` or `ROLLBACK TO` with no transaction open:
    /// PostgreSQL refuses it.
    SavepointOutside,
    /// `RELEASE` or `ROLLBACK TO` a savepoint the transaction never
    /// established: PostgreSQL refuses it.
    UnknownSavepoint { name: String },
    /// PL/pgSQL's `COMMIT` or `ROLLBACK` in a `DO` block or a procedure run
    /// outside any transaction block: it ends the transaction, and the next
    /// starts at once.
    EndInBlock,
    /// Transaction control inside a body where PostgreSQL refuses it
    /// ("invalid transaction termination"), and why.
    RefusedInBlock { why: &'static str },
}

/// What changes after a statement: its transaction control, and the
/// statements a `ROLLBACK TO` undid (by index).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Step {
    pub control: Option<TransactionControl>,
    pub undone: Option<std::ops::Range<usize>>,
}

#[derive(Debug)]
struct SavepointMark {
    name: String,
    /// Index of the `SAVEPOINT` statement.
    index: usize,
    session_timeout: bool,
    local_timeout: Option<bool>,
}

/// The transaction state as the file runs, statement by statement.
#[derive(Debug)]
pub(crate) struct TransactionTracker {
    /// The `BEGIN` of the open explicit transaction block.
    explicit: Option<Span>,
    /// The runner's transaction around the file is still open.
    runner_open: bool,
    /// The file is one multi-statement query: its transaction is
    /// PostgreSQL's implicit block, which `BEGIN` takes over and which starts
    /// again after `COMMIT`.
    batch: bool,
    /// After a `COMMIT` of its transaction, the next statement runs in
    /// another one (batches, JDBC connections, one-query runners).
    restarts: bool,
    /// A `BEGIN` the runner's transaction made PostgreSQL ignore.
    ignored_begin: Option<Span>,
    /// The number of the open transaction, counted in the file.
    id: Option<usize>,
    next_id: usize,
    last_end: Option<Span>,
    savepoints: Vec<SavepointMark>,
    /// The lock timeout the session starts with (set outside the file).
    initial_timeout: bool,
    session_timeout: bool,
    /// The session value when the open transaction began: `ROLLBACK` restores it.
    session_at_begin: bool,
    /// `SET LOCAL`'s value until the transaction ends.
    local_timeout: Option<bool>,
    /// One entry per `DO` block or routine call running: true when it
    /// opened the transaction its statements run in (it ran in autocommit).
    blocks: Vec<bool>,
}

impl TransactionTracker {
    /// `mode`: how the runner wraps the file.
    /// `assume_lock_timeout`: the session starts with a lock timeout.
    pub(crate) fn new(mode: TransactionMode, assume_lock_timeout: bool) -> Self {
        let runner_transaction = mode != TransactionMode::None;
        let mut tracker = TransactionTracker {
            explicit: None,
            runner_open: runner_transaction,
            batch: mode == TransactionMode::Batch,
            restarts: matches!(mode, TransactionMode::Batch | TransactionMode::Reopening),
            ignored_begin: None,
            id: None,
            next_id: 0,
            last_end: None,
            savepoints: Vec::new(),
            initial_timeout: assume_lock_timeout,
            session_timeout: assume_lock_timeout,
            session_at_begin: assume_lock_timeout,
            local_timeout: None,
            blocks: Vec::new(),
        };
        if runner_transaction {
            tracker.start_transaction();
        }
        tracker
    }

    /// The runner commits its transaction at `at` and runs what follows in a
    /// new one, or in none (a Liquibase changeset boundary). An explicit
    /// block the file opened is the file's own business and stays open.
    pub(crate) fn restart_runner(&mut self, transaction: bool, at: Span) {
        if self.explicit.is_some() {
            return;
        }
        if self.id.is_some() {
            self.end_transaction(false, false, at);
        }
        self.ignored_begin = None;
        self.runner_open = transaction;
        if transaction {
            self.start_transaction();
        }
    }

    /// A `DO` block or a routine call starts: its statements run in the
    /// transaction open now, or, in autocommit, in one of its own that ends
    /// with it. Returns whether it opened its own.
    pub(crate) fn enter_block(&mut self) -> bool {
        let owned = self.id.is_none();
        if owned {
            self.start_transaction();
        }
        self.blocks.push(owned);
        owned
    }

    /// The `DO` block or call that `enter_block` started ends at `at`.
    pub(crate) fn leave_block(&mut self, at: Span) {
        if self.blocks.pop() == Some(true) && self.id.is_some() {
            self.end_transaction(false, false, at);
        }
    }

    /// PL/pgSQL's `COMMIT` or `ROLLBACK` where PostgreSQL allows it: the
    /// transaction ends at `at` and the next starts at once.
    pub(crate) fn end_in_block(&mut self, rollback: bool, at: Span) {
        self.end_transaction(rollback, false, at);
        self.start_transaction();
    }

    /// The `BEGIN` of the explicit block the next statement runs in.
    pub(crate) fn explicit_block(&self) -> Option<Span> {
        self.explicit
    }

    /// The next statement runs inside the runner's transaction.
    pub(crate) fn in_runner_transaction(&self) -> bool {
        self.runner_open
    }

    /// The transaction the next statement runs in (numbered in the file),
    /// or None in autocommit.
    pub(crate) fn transaction_id(&self) -> Option<usize> {
        self.id
    }

    /// A `lock_timeout` other than 0 is in force for the next statement.
    pub(crate) fn lock_timeout_set(&self) -> bool {
        self.local_timeout.unwrap_or(self.session_timeout)
    }

    fn start_transaction(&mut self) {
        self.id = Some(self.next_id);
        self.next_id += 1;
        self.session_at_begin = self.session_timeout;
        self.local_timeout = None;
        self.savepoints.clear();
    }

    fn end_transaction(&mut self, rollback: bool, chain: bool, at: Span) {
        if rollback {
            self.session_timeout = self.session_at_begin;
        }
        self.last_end = Some(at);
        if chain {
            self.start_transaction();
        } else {
            self.id = None;
            self.local_timeout = None;
            self.savepoints.clear();
        }
    }

    /// Applies statement `index` (spanning `span`) after it ran.
    pub(crate) fn step(&mut self, index: usize, span: Span, node: &NodeEnum) -> Step {
        match node {
            NodeEnum::TransactionStmt(tx) => {
                let kind = TransactionStmtKind::try_from(tx.kind).unwrap_or(TransactionStmtKind::Undefined);
                self.transaction_stmt(index, span, kind, tx.chain, &tx.savepoint_name)
            }
            NodeEnum::VariableSetStmt(set) => {
                self.variable_set(set);
                Step::default()
            }
            _ => Step::default(),
        }
    }

    fn transaction_stmt(
        &mut self,
        index: usize,
        span: Span,
        kind: TransactionStmtKind,
        chain: bool,
        savepoint: &str,
    ) -> Step {
        use TransactionStmtKind::*;
        let control = match kind {
            TransStmtBegin | TransStmtStart => Some(if let Some(outer) = self.explicit {
                TransactionControl::NestedBegin { outer }
            } else if self.runner_open && self.batch {
                // The implicit block becomes this explicit one: same transaction.
                self.runner_open = false;
                self.explicit = Some(span);
                TransactionControl::Begin
            } else if self.runner_open {
                self.ignored_begin.get_or_insert(span);
                TransactionControl::BeginInRunner
            } else {
                self.explicit = Some(span);
                self.start_transaction();
                TransactionControl::Begin
            }),
            TransStmtCommit | TransStmtRollback | TransStmtPrepare => {
                let rollback = kind == TransStmtRollback;
                // PREPARE TRANSACTION cannot chain; the parser never sets it.
                let control = if self.explicit.is_some() {
                    if !chain {
                        self.explicit = None;
                    }
                    TransactionControl::End { chain }
                } else if self.runner_open && self.batch {
                    // It ends PostgreSQL's implicit block, as it may.
                    TransactionControl::End { chain }
                } else if self.runner_open {
                    // A chained COMMIT keeps the file in a transaction the
                    // runner's own COMMIT ends.
                    self.runner_open = chain;
                    TransactionControl::EndRunner {
                        rollback,
                        chain,
                        ignored_begin: self.ignored_begin.take(),
                    }
                } else {
                    return Step {
                        control: Some(TransactionControl::EndOutside {
                            chain,
                            ended_at: self.last_end,
                        }),
                        undone: None,
                    };
                };
                self.end_transaction(rollback, chain, span);
                if self.restarts && !chain && self.explicit.is_none() {
                    // The rest runs in a new implicit block, or the
                    // connection's next transaction.
                    self.runner_open = true;
                    self.start_transaction();
                }
                Some(control)
            }
            TransStmtSavepoint | TransStmtRelease | TransStmtRollbackTo if self.id.is_none() => {
                Some(TransactionControl::SavepointOutside)
            }
            TransStmtSavepoint => {
                self.savepoints.push(SavepointMark {
                    name: savepoint.to_string(),
                    index,
                    session_timeout: self.session_timeout,
                    local_timeout: self.local_timeout,
                });
                Some(TransactionControl::Savepoint)
            }
            TransStmtRelease | TransStmtRollbackTo => {
                let Some(at) = self.savepoints.iter().rposition(|s| s.name == savepoint) else {
                    return Step {
                        control: Some(TransactionControl::UnknownSavepoint {
                            name: savepoint.to_string(),
                        }),
                        undone: None,
                    };
                };
                if kind == TransStmtRelease {
                    self.savepoints.truncate(at);
                    Some(TransactionControl::SavepointEnd)
                } else {
                    // The savepoint stays; what ran after it is undone.
                    self.savepoints.truncate(at + 1);
                    let mark = &self.savepoints[at];
                    self.session_timeout = mark.session_timeout;
                    self.local_timeout = mark.local_timeout;
                    return Step {
                        control: Some(TransactionControl::SavepointEnd),
                        undone: Some(mark.index + 1..index),
                    };
                }
            }
            _ => None,
        };
        Step { control, undone: None }
    }

    fn variable_set(&mut self, set: &pg_query::protobuf::VariableSetStmt) {
        let kind = VariableSetKind::try_from(set.kind).unwrap_or(VariableSetKind::Undefined);
        if kind == VariableSetKind::VarResetAll {
            self.session_timeout = self.initial_timeout;
            self.local_timeout = None;
            return;
        }
        if set.name != "lock_timeout" {
            return;
        }
        let enabled = match kind {
            VariableSetKind::VarSetValue => duration_setting_ms(&set.args) != Some(0),
            // RESET and TO DEFAULT: the value the session started with.
            VariableSetKind::VarReset | VariableSetKind::VarSetDefault => self.initial_timeout,
            _ => return,
        };
        if set.is_local {
            // SET LOCAL outside a transaction has no effect.
            if self.id.is_some() {
                self.local_timeout = Some(enabled);
            }
        } else {
            self.session_timeout = enabled;
            self.local_timeout = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TransactionControl::*;

    /// A statement's state before it runs: explicit block open, runner's
    /// transaction open, transaction id, lock timeout set.
    type State = (bool, bool, Option<usize>, bool);

    /// Each statement's state and step.
    fn run(sql: &str, runner: bool, assume: bool) -> Vec<(State, Step)> {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let mode = if runner {
            TransactionMode::PerFile
        } else {
            TransactionMode::None
        };
        let mut tracker = TransactionTracker::new(mode, assume);
        parsed
            .protobuf
            .stmts
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let node = raw.stmt.as_ref().unwrap().node.as_ref().unwrap();
                let state = (
                    tracker.explicit_block().is_some(),
                    tracker.in_runner_transaction(),
                    tracker.transaction_id(),
                    tracker.lock_timeout_set(),
                );
                let span = Span::new(i, i + 1);
                (state, tracker.step(i, span, node))
            })
            .collect()
    }

    fn controls(sql: &str, runner: bool) -> Vec<Option<TransactionControl>> {
        run(sql, runner, false).into_iter().map(|(_, s)| s.control).collect()
    }

    #[test]
    fn nested_begin_keeps_the_outer_block() {
        let c = controls("BEGIN; BEGIN; COMMIT; SELECT 1; COMMIT;", false);
        assert_eq!(
            c,
            [
                Some(Begin),
                Some(NestedBegin { outer: Span::new(0, 1) }),
                Some(End { chain: false }),
                None,
                Some(EndOutside {
                    chain: false,
                    ended_at: Some(Span::new(2, 3))
                })
            ]
        );
        assert_eq!(
            controls("COMMIT AND CHAIN;", false),
            [Some(EndOutside {
                chain: true,
                ended_at: None
            })]
        );
    }

    #[test]
    fn the_runner_transaction_ends_at_an_explicit_commit() {
        let steps = run(
            "SELECT 1; BEGIN; SELECT 2; COMMIT; SELECT 3; BEGIN; COMMIT;",
            true,
            false,
        );
        let states: Vec<_> = steps.iter().map(|(s, _)| (s.0, s.1, s.2)).collect();
        assert_eq!(
            states,
            [
                (false, true, Some(0)),
                (false, true, Some(0)),
                (false, true, Some(0)),
                (false, true, Some(0)),
                (false, false, None),
                (false, false, None),
                (true, false, Some(1)),
            ]
        );
        assert_eq!(steps[1].1.control, Some(BeginInRunner));
        assert_eq!(
            steps[3].1.control,
            Some(EndRunner {
                rollback: false,
                chain: false,
                ignored_begin: Some(Span::new(1, 2))
            })
        );
        assert_eq!(steps[5].1.control, Some(Begin));
        let chained = run("COMMIT AND CHAIN; SELECT 1;", true, false);
        assert_eq!(chained[1].0, (false, true, Some(1), false));
    }

    #[test]
    fn savepoints_need_a_transaction_and_roll_back_settings() {
        assert_eq!(controls("SAVEPOINT a;", false), [Some(SavepointOutside)]);
        assert_eq!(
            controls("SAVEPOINT a; RELEASE a;", true),
            [Some(Savepoint), Some(SavepointEnd)]
        );
        assert_eq!(
            controls("BEGIN; ROLLBACK TO b;", false)[1],
            Some(UnknownSavepoint { name: "b".into() })
        );
        let steps = run(
            "BEGIN; SAVEPOINT a; SET lock_timeout = '5s'; ALTER TABLE t ADD c int; ROLLBACK TO SAVEPOINT a; SELECT 1; RELEASE a; COMMIT;",
            false,
            false,
        );
        assert!(steps[3].0 .3, "the SET is in force");
        assert_eq!(steps[4].1.undone, Some(2..4));
        assert!(!steps[5].0 .3, "ROLLBACK TO undid the SET");
        assert_eq!(steps[6].1.control, Some(SavepointEnd));
    }

    #[test]
    fn lock_timeouts_follow_set_local_reset_and_the_role() {
        let timeouts = |sql: &str, runner: bool, assume: bool| -> Vec<bool> {
            run(sql, runner, assume).into_iter().map(|(s, _)| s.3).collect()
        };
        // SET LOCAL holds in the runner's transaction until it ends.
        assert_eq!(
            timeouts(
                "SET LOCAL lock_timeout = '5s'; SELECT 1; COMMIT; SELECT 2;",
                true,
                false
            ),
            [false, true, true, false]
        );
        assert_eq!(
            timeouts("SET LOCAL lock_timeout = '5s'; SELECT 1;", false, false),
            [false, false]
        );
        // RESET and DEFAULT return to the role's value.
        assert_eq!(
            timeouts("SET lock_timeout = 0; RESET lock_timeout; SELECT 1;", false, true),
            [true, false, true]
        );
        assert_eq!(
            timeouts(
                "SET lock_timeout = '5s'; SET lock_timeout TO DEFAULT; SELECT 1;",
                false,
                false
            ),
            [false, true, false]
        );
        // ROLLBACK of the runner's transaction undoes a session SET.
        assert_eq!(
            timeouts("SET lock_timeout = '1s'; ROLLBACK; SELECT 1;", true, false),
            [false, true, false]
        );
    }
}
