//! `require-concurrent-index-drop`: `DROP INDEX` without `CONCURRENTLY`
//! takes its table exclusively: reads and writes wait.

use pg_query::protobuf::{DropBehavior, ObjectType};
use pg_query::NodeEnum;

use crate::analysis::names::dropped_names;
use crate::analysis::{LockScope, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::input::source::Span;
use crate::rule::Rule;

crate::rule::declare_rule!(RequireConcurrentIndexDrop, id: "require-concurrent-index-drop", category: Locking, severity: Error, since: "0.1.0");

impl Rule for RequireConcurrentIndexDrop {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::DropStmt(stmt) = ctx.node() else { return };
        if stmt.remove_type != ObjectType::ObjectIndex as i32 || stmt.concurrent {
            return;
        }
        let partitioned = &ctx.facts().partitioned_indexes;
        let help = if partitioned.is_empty() {
            recipe(ctx, stmt)
        } else {
            partitioned_help(partitioned)
        };
        // CONCURRENTLY drops one index, without CASCADE, and not a
        // partitioned table's.
        let fix = (partitioned.is_empty()
            && dropped_names(&stmt.objects).len() == 1
            && stmt.behavior != DropBehavior::DropCascade as i32)
            .then(|| crate::rules::recipe::concurrently_fix(ctx, "index", "drop the index with CONCURRENTLY"))
            .flatten();
        for lock in &ctx.facts().scoped_locks {
            let LockScope::TableOf { index, .. } = &lock.scope else {
                continue;
            };
            if ctx.is_new(index) {
                continue;
            }
            out.push(
                Finding::new(
                    ctx.clause(&["drop", "index"]),
                    if partitioned.iter().any(|p| p.same_as(index)) {
                        format!("index {index} of a partitioned table dropped, locking the table and every partition")
                    } else {
                        format!("index {index} dropped without CONCURRENTLY")
                    },
                )
                .label(
                    name_span(ctx, index),
                    format!("{} until the transaction ends", lock.describe()),
                )
                .help(help.clone())
                .lock(index, lock.mode)
                .fix(fix.clone()),
            );
        }
    }
}

/// One `DROP INDEX CONCURRENTLY` per index, as PostgreSQL requires.
fn recipe(ctx: StatementContext<'_>, stmt: &pg_query::protobuf::DropStmt) -> String {
    let names = dropped_names(&stmt.objects);
    let if_exists = if stmt.missing_ok { "IF EXISTS " } else { "" };
    let mut help = String::from("drop it without blocking the table, outside a transaction block");
    if names.len() > 1 {
        help.push_str(", one index per statement");
    }
    help.push(':');
    for name in &names {
        help.push_str(&format!("\n  DROP INDEX CONCURRENTLY {if_exists}{};", name.to_sql()));
    }
    if stmt.behavior == DropBehavior::DropCascade as i32 {
        help.push_str(
            "\nCONCURRENTLY cannot be combined with CASCADE: drop the objects that depend on the index first",
        );
    }
    if let Some(note) = crate::rules::recipe::outside_transaction_note(ctx) {
        help.push('\n');
        help.push_str(&note);
    }
    help
}

/// PostgreSQL refuses `DROP INDEX CONCURRENTLY` on a partitioned table's
/// index, and a partition's index attached to it cannot be dropped alone:
/// there is no way around the lock, only keeping its wait short.
fn partitioned_help(indexes: &[RelationName]) -> String {
    let names: Vec<String> = indexes.iter().map(ToString::to_string).collect();
    format!(
        "PostgreSQL refuses DROP INDEX CONCURRENTLY on the index of a partitioned table ({}), and the partitions' indexes \
         attached to it cannot be dropped one by one: there is no concurrent way. Set a short lock_timeout before it, \
         so that it gives up instead of queueing everyone behind it, and retry at a quiet time",
        names.join(", ")
    )
}

/// The span of the index's name in the statement, or of `DROP INDEX`.
fn name_span(ctx: StatementContext<'_>, index: &RelationName) -> Span {
    let quoted = format!("\"{}\"", index.name.replace('"', "\"\""));
    ctx.tokens()
        .iter()
        .skip(2)
        .find(|t| t.word == index.name || t.word == quoted)
        .map_or_else(|| ctx.clause(&["drop", "index"]), |t| t.span)
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_each_existing_index() {
        assert_eq!(
            findings("require-concurrent-index-drop", "DROP INDEX a, app.b;").len(),
            2
        );
    }

    #[test]
    fn concurrently_or_new_index_is_fine() {
        assert!(findings("require-concurrent-index-drop", "DROP INDEX CONCURRENTLY a;").is_empty());
        assert!(findings(
            "require-concurrent-index-drop",
            "CREATE INDEX a ON t (x);\nDROP INDEX a;"
        )
        .is_empty());
    }
}
