//! `require-lock-timeout`: a migration that takes a lock blocking reads or
//! writes on an existing table without a `lock_timeout` can wait forever
//! behind a long transaction while every query on the table queues behind it.

use pg_query::protobuf::VariableSetKind;
use pg_query::NodeEnum;

use crate::analysis::{AnalyzedFile, LockScope, StatementContext};
use crate::diagnostic::{Applicability, Finding, Fix};
use crate::input::source::Span;
use crate::rule::Rule;
use crate::rules::recipe::{numbered_steps, set_lock_timeout_edit};

crate::rule::declare_rule!(RequireLockTimeout, id: "require-lock-timeout", category: Timeout, severity: Error, since: "0.1.0");

impl Rule for RequireLockTimeout {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        let first = file.contexts().find_map(|ctx| {
            if ctx.state().lock_timeout_set {
                return None;
            }
            ctx.locks_on_existing()
                .find(|l| l.mode.blocks_reads() || l.mode.blocks_writes())
                .map(|lock| (ctx, lock))
        });
        let Some((ctx, lock)) = first else { return };
        let table = table_token(ctx, &lock.relation.name);
        // `ALTER TABLE users`, or just the name when it is further down.
        let text = &file.source.text;
        let span = match table {
            Some(t) if !text[ctx.span().start..t.start].contains('\n') => Span::new(ctx.span().start, t.end),
            Some(t) => t,
            None => ctx.span(),
        };
        let set_earlier = file.contexts().take(ctx.index).any(|c| {
            matches!(c.node(), NodeEnum::VariableSetStmt(set) if set.name == "lock_timeout" && set.kind == VariableSetKind::VarSetValue as i32)
        });
        let where_to_set = match ctx.transaction() {
            Some(begin) => format!(
                "put `SET LOCAL lock_timeout = '5s';` right after the `{};` on line {}",
                file.source.slice(begin),
                file.source.position(begin.start).line
            ),
            // It ends with the runner's transaction, and stays out of the runner's session.
            None if ctx.in_implicit_transaction() => {
                "put `SET LOCAL lock_timeout = '5s';` at the top of the file (the runner's transaction around the file ends it)".to_string()
            }
            None => "put `SET lock_timeout = '5s';` at the top of the file".to_string(),
        };
        let fix = lock_timeout_fix(file, ctx);
        let mut help = numbered_steps(
            "give up instead of queueing everyone:",
            &[
                where_to_set.as_str(),
                "if the migration times out, run it again later (a failed attempt only made queries wait for 5s)",
            ],
        );
        if set_earlier {
            help.push_str(
                "\nthe lock_timeout set earlier in the file is not in force here: it was turned off (0, DEFAULT, RESET), undone by ROLLBACK or ROLLBACK TO SAVEPOINT, or was a SET LOCAL that ended with its transaction or ran outside one",
            );
        }
        // A lock on an index is taken on its table too: the table's
        // queries are the ones that wait.
        let index_table = ctx
            .facts()
            .scoped_locks
            .iter()
            .find(|s| matches!(&s.scope, LockScope::TableOf { index, .. } if *index == lock.relation));
        let (subject, described) = match index_table {
            Some(table_lock) => (format!("index {} and its table", lock.relation), table_lock.describe()),
            None => (lock.relation.to_string(), lock.describe()),
        };
        out.push(
            Finding::new(
                span,
                format!("no lock_timeout set: the wait for {} on {subject} has no time limit", lock.mode),
            )
            .label(
                table.unwrap_or(span),
                format!(
                    "{described}; while it waits behind a long transaction, every later {} on the table queues behind it",
                    if lock.mode.blocks_reads() {
                        "read and write"
                    } else {
                        "write"
                    }
                ),
            )
            .help(help)
            .lock(&lock.relation, lock.mode)
            .fix(fix),
        );
    }
}

/// `SET lock_timeout = '5s';` where the help says: right after the `BEGIN`
/// of the block the statement runs in, else before the file's first
/// statement (`SET LOCAL` in the runner's transaction). None when the file
/// sets lock_timeout anywhere: which setting should win is not mechanical.
fn lock_timeout_fix(file: &AnalyzedFile<'_>, ctx: StatementContext<'_>) -> Option<Fix> {
    let sets_it = file.contexts().any(|c| match c.node() {
        NodeEnum::VariableSetStmt(set) => set.name == "lock_timeout" || set.kind == VariableSetKind::VarResetAll as i32,
        _ => false,
    });
    if sets_it {
        return None;
    }
    let (before, local) = match ctx.transaction() {
        Some(begin) => (file.top_level().find(|c| c.span().start >= begin.end)?, true),
        None => (file.top_level().next()?, ctx.in_implicit_transaction()),
    };
    let edit = set_lock_timeout_edit(&file.source.text, before.span().start, local);
    Some(Fix::new("set lock_timeout first", Applicability::Safe, vec![edit]).yielding())
}

/// The span of the first token naming the table, bare or quoted.
fn table_token(ctx: StatementContext<'_>, name: &str) -> Option<Span> {
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    ctx.tokens()
        .iter()
        .find(|t| t.is(name) || t.is(&quoted))
        .map(|t| t.span)
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_the_first_blocking_statement_once() {
        let found = findings(
            "require-lock-timeout",
            "ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text;",
        );
        assert_eq!(
            found,
            ["no lock_timeout set: the wait for ACCESS EXCLUSIVE on \"users\" has no time limit"]
        );
    }

    #[test]
    fn a_timeout_or_harmless_locks_are_fine() {
        assert!(findings(
            "require-lock-timeout",
            "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN a text;"
        )
        .is_empty());
        assert!(findings(
            "require-lock-timeout",
            "INSERT INTO users (id) VALUES (1);\nCREATE INDEX CONCURRENTLY i ON users (a);"
        )
        .is_empty());
    }

    #[test]
    fn follows_the_runner_transaction_and_the_role_setting() {
        use crate::analysis::TransactionMode;
        use crate::settings::Settings;
        use crate::tests::rules::findings_with;
        let mut per_file = Settings::default();
        per_file.transaction = Some(TransactionMode::PerFile);
        let local = "SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN a text;";
        assert!(findings_with("require-lock-timeout", local, &per_file).is_empty());
        assert_eq!(findings("require-lock-timeout", local).len(), 1);
        let mut role = Settings::default();
        role.assume_lock_timeout = true;
        let reset = "SET lock_timeout = 0;\nRESET lock_timeout;\nALTER TABLE users ADD COLUMN a text;";
        assert!(findings_with("require-lock-timeout", reset, &role).is_empty());
        let off = "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN a text;";
        assert_eq!(findings_with("require-lock-timeout", off, &role).len(), 1);
    }

    #[test]
    fn a_disabled_timeout_does_not_count() {
        assert_eq!(
            findings(
                "require-lock-timeout",
                "SET lock_timeout = '5s';\nRESET lock_timeout;\nALTER TABLE users ADD COLUMN a text;"
            )
            .len(),
            1
        );
    }
}
