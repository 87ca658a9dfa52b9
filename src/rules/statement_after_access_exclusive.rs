//! `statement-after-access-exclusive`: statements that run in a transaction
//! after it took an ACCESS EXCLUSIVE lock on an existing table keep every
//! query on that table waiting for them too.

use pg_query::NodeEnum;

use crate::analysis::{AnalyzedFile, LockMode, LockScope, RelationLock, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::input::layout::RunnerTransaction;
use crate::input::source::Span;
use crate::rule::{Rule, RunCheck};
use crate::rules::validate_in_same_transaction::validations_in_adding_transaction;

crate::rule::declare_rule!(StatementAfterAccessExclusive, id: "statement-after-access-exclusive", category: Locking, severity: Warning, since: "0.1.0");

impl Rule for StatementAfterAccessExclusive {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        // One pass: the ACCESS EXCLUSIVE locks the current transaction holds
        // on existing relations, with the statement that took each and the
        // ROLLBACK TO SAVEPOINT that releases it, if any.
        let mut current: Option<usize> = None;
        let mut held: Vec<(&RelationLock, usize, Option<usize>)> = Vec::new();
        let mut reported: Option<usize> = None;
        // `validate-in-same-transaction` reports these, with their own recipe.
        let validations: Vec<usize> = validations_in_adding_transaction(file)
            .iter()
            .map(|v| v.index)
            .collect();
        for ctx in file.contexts() {
            let id = ctx.state().transaction_id;
            if id != current {
                held.clear();
                current = id;
            }
            if id.is_none() || reported == id {
                continue;
            }
            held.retain(|(_, _, released)| released.is_none_or(|at| at > ctx.index));
            if let Some(&(lock, at, _)) = held.first() {
                let names: Vec<&RelationName> = held.iter().map(|(l, ..)| &l.relation).collect();
                let said_elsewhere = validations.contains(&ctx.index);
                if !is_control_or_setting(&ctx) && !is_quick_follow_up(&ctx, &names) && !said_elsewhere {
                    out.push(finding(file.statement(at), ctx, lock));
                    reported = id;
                    continue;
                }
            }
            // The locks that make even plain reads wait: ACCESS EXCLUSIVE.
            for lock in ctx.locks_on_existing().filter(|l| l.mode.blocks_reads()) {
                if !held.iter().any(|(l, ..)| l.relation.same_as(&lock.relation)) {
                    held.push((lock, ctx.index, ctx.state().undone_by));
                }
            }
        }
    }

    fn run_check(&self) -> Option<Box<dyn RunCheck>> {
        Some(Box::<AllPending>::default())
    }
}

/// Runners that wrap all pending migrations in one transaction (Drizzle
/// Kit) hold what one file locked through the files after it. What the
/// shared transaction holds, file after file.
#[derive(Default)]
struct AllPending {
    /// The input index of the last file seen: an input between two files
    /// that was not analysed (history, content that is not SQL) breaks the
    /// run of pending files.
    last: Option<usize>,
    root: Option<String>,
    /// The ACCESS EXCLUSIVE locks the shared transaction holds, each with
    /// where the statement that took it is (`path:line`).
    held: Vec<(RelationLock, String)>,
}

impl RunCheck for AllPending {
    fn file(&mut self, index: usize, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        if self.last.is_none_or(|last| last + 1 != index) {
            self.held.clear();
        }
        self.last = Some(index);
        if file.script.transaction != RunnerTransaction::AllPending {
            self.held.clear();
            return;
        }
        if self.root.as_deref() != Some(file.script.root.as_str()) {
            self.held.clear();
            self.root = Some(file.script.root.clone());
        }
        if let Some((lock, taken_at)) = self.held.first() {
            let names: Vec<&RelationName> = self.held.iter().map(|(l, _)| &l.relation).collect();
            let slow = file.contexts().find(|ctx| {
                ctx.in_implicit_transaction() && !is_control_or_setting(ctx) && !is_quick_follow_up(ctx, &names)
            });
            if let Some(later) = slow {
                let table = &lock.relation;
                let tool = file.script.tool.display_name();
                out.push(
                    Finding::new(
                        first_line(later),
                        format!(
                            "statement runs while {tool} still holds the {} lock on {table} that {taken_at} took: every read and write of {table} keeps waiting until it finishes",
                            lock.mode,
                        ),
                    )
                    .help(format!(
                        "{tool} runs all pending migrations in one transaction: deploy the migration that locks {table} on its own, so its lock ends with it"
                    ))
                    .lock(table, lock.mode),
                );
            }
        }
        // What the shared transaction holds when the next file starts.
        if !file.runner_open_at_end {
            self.held.clear();
            return;
        }
        for ctx in file.contexts() {
            if !ctx.in_implicit_transaction() || ctx.state().undone_by.is_some() {
                continue;
            }
            for lock in ctx.locks_on_existing().filter(|l| l.mode.blocks_reads()) {
                if !self.held.iter().any(|(l, _)| l.relation.same_as(&lock.relation)) {
                    let line = file.original.position(ctx.file_span().start).line;
                    self.held.push((lock.clone(), format!("{}:{line}", file.source.path)));
                }
            }
        }
    }
}

fn finding(ctx: StatementContext<'_>, later: StatementContext<'_>, lock: &RelationLock) -> Finding {
    let table = &lock.relation;
    let help = if later.in_implicit_transaction() {
        format!(
            "keep the lock short: the migration runner runs this file in one transaction, so end the file with the statement that locks {table}: move this statement before it, or into another migration"
        )
    } else {
        format!(
            "keep the lock short: COMMIT right after the statement that locks {table} and run this statement in a new transaction, or move it before the lock"
        )
    };
    Finding::new(
        first_line(later),
        format!(
            "statement runs while the transaction holds the {} lock on {table}: every read and write of {table} keeps waiting until it finishes",
            lock.mode
        ),
    )
    .label(
        first_line(ctx),
        format!(
            "{} lock on {table} taken here and held until the transaction ends: {}",
            lock.mode,
            lock.mode.what_waits()
        ),
    )
    .help(help)
    .lock(table, lock.mode)
}

/// The statement's span up to the end of its first line.
fn first_line(ctx: StatementContext<'_>) -> Span {
    let span = ctx.span();
    match ctx.text().find('\n') {
        Some(end) => Span::new(span.start, span.start + ctx.text()[..end].trim_end().len()),
        None => span,
    }
}

/// Transaction control and `SET`/`RESET`/`SHOW` take no lock and no time.
fn is_control_or_setting(ctx: &StatementContext<'_>) -> bool {
    matches!(
        ctx.node(),
        NodeEnum::TransactionStmt(_) | NodeEnum::VariableSetStmt(_) | NodeEnum::VariableShowStmt(_)
    )
}

/// A catalog-only statement that waits for no other lock and reads no
/// existing rows: it only touches relations the transaction already holds
/// exclusively or that the change created (`ALTER TABLE t ADD COLUMN b
/// text` after `ALTER TABLE t ADD COLUMN a text`, `COMMENT ON COLUMN t.a`,
/// the view that keeps a renamed table's old name working).
/// It keeps the lock for no noticeable time.
fn is_quick_follow_up(ctx: &StatementContext<'_>, held: &[&RelationName]) -> bool {
    let catalog_only = matches!(
        ctx.node(),
        NodeEnum::AlterTableStmt(_)
            | NodeEnum::CommentStmt(_)
            | NodeEnum::CreateStmt(_)
            | NodeEnum::IndexStmt(_)
            | NodeEnum::RenameStmt(_)
            | NodeEnum::GrantStmt(_)
            | NodeEnum::AlterOwnerStmt(_)
            | NodeEnum::CreateSeqStmt(_)
            | NodeEnum::AlterSeqStmt(_)
            | NodeEnum::CreateTrigStmt(_)
            | NodeEnum::CreateFunctionStmt(_)
            | NodeEnum::DropStmt(_)
            | NodeEnum::ViewStmt(_)
            | NodeEnum::CreateEnumStmt(_)
            | NodeEnum::CreateDomainStmt(_)
            | NodeEnum::CompositeTypeStmt(_)
            | NodeEnum::CreateSchemaStmt(_)
            | NodeEnum::CreatePolicyStmt(_)
            | NodeEnum::AlterPolicyStmt(_)
    );
    let facts = ctx.facts();
    let light = |relation: &RelationName| ctx.is_new(relation) || held.iter().any(|h| h.same_as(relation));
    // The children of a table held or new were locked, or created, with it.
    let light_scope =
        |scope: &LockScope| matches!(scope, LockScope::Inheritors(t) | LockScope::Partitions(t) if light(t));
    // ACCESS SHARE (a definition read: the source of `LIKE`, a view's
    // query) waits for an ACCESS EXCLUSIVE holder alone.
    let waits = |mode: LockMode| mode != LockMode::AccessShare;
    catalog_only
        && facts
            .scoped_locks
            .iter()
            .all(|l| !waits(l.mode) || light_scope(&l.scope))
        && facts
            .scans
            .iter()
            .chain(&facts.rewrites)
            .chain(&facts.file_copies)
            .all(|r| ctx.is_new(r))
        && facts.locks.iter().all(|l| !waits(l.mode) || light(&l.relation))
}

#[cfg(test)]
mod tests {
    use crate::analysis::TransactionMode;
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

    const ID: &str = "statement-after-access-exclusive";

    #[test]
    fn flags_the_first_statement_after_the_lock() {
        let sql = "BEGIN;\nALTER TABLE users ADD COLUMN note text;\nUPDATE orders SET total = 0;\nUPDATE orders SET total = 1;\nCOMMIT;";
        assert_eq!(
            findings(ID, sql),
            ["statement runs while the transaction holds the ACCESS EXCLUSIVE lock on \"users\": every read and write of \"users\" keeps waiting until it finishes"]
        );
        let mut settings = Settings::default();
        settings.transaction = Some(TransactionMode::PerFile);
        let runner = "ALTER TABLE users ADD COLUMN note text;\nCREATE INDEX orders_total_idx ON orders (total);";
        assert_eq!(findings_with(ID, runner, &settings).len(), 1);
        assert!(
            findings(ID, runner).is_empty(),
            "autocommit: the lock ends with the statement"
        );
    }

    #[test]
    fn quick_follow_ups_settings_and_commits_are_fine() {
        let sql = "BEGIN;\nALTER TABLE users ADD COLUMN note text;\nCOMMENT ON COLUMN users.note IS 'free text';\nALTER TABLE users ADD COLUMN tag text;\nSET LOCAL statement_timeout = '1s';\nCOMMIT;\nUPDATE users SET note = '';";
        assert!(findings(ID, sql).is_empty());
        let new =
            "BEGIN;\nCREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN a text;\nINSERT INTO t VALUES (1);\nCOMMIT;";
        assert!(findings(ID, new).is_empty());
    }

    #[test]
    fn a_rollback_to_savepoint_releases_the_lock() {
        let sql = "BEGIN;\nSAVEPOINT s;\nALTER TABLE users ADD COLUMN note text;\nROLLBACK TO SAVEPOINT s;\nUPDATE orders SET total = 0;\nCOMMIT;";
        assert!(findings(ID, sql).is_empty());
    }
}
