//! `lock-table`: an explicit `LOCK TABLE` on an existing table holds its
//! lock until the transaction ends.

use pg_query::NodeEnum;

use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;

crate::rule::declare_rule!(LockTable, id: "lock-table", category: Locking, severity: Error, since: "0.1.0");

impl Rule for LockTable {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::LockStmt(stmt) = ctx.node() else { return };
        for rv in stmt.relations.iter().filter_map(|n| match n.node.as_ref()? {
            NodeEnum::RangeVar(rv) => Some(rv),
            _ => None,
        }) {
            let table = RelationName::from_range_var(rv);
            let Some(lock) = ctx.lock_on_existing(&table) else {
                continue;
            };
            // Modes that let reads and writes through only queue schema changes.
            if !lock.mode.blocks_writes() {
                continue;
            }
            out.push(
                Finding::new(ctx.name_at(rv.location), format!("explicit {} lock on {table} held until the transaction ends", lock.mode))
                    .label(ctx.clause(&["lock"]), format!("{} until COMMIT or ROLLBACK", lock.describe()))
                    .help(format!(
                        "remove it: each statement that follows takes the lock it needs on {table} by itself\nif the lock order matters (to avoid a deadlock), keep it, but bound the wait and keep the transaction short:\n  SET LOCAL lock_timeout = '5s';\n  LOCK TABLE {} IN {} MODE;\nthen suppress this finding with the reason",
                        table.to_sql(),
                        lock.mode
                    ))
                    .lock(&lock.relation, lock.mode),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_blocking_modes_on_existing_tables() {
        assert_eq!(
            findings("lock-table", "BEGIN;\nLOCK TABLE a, b;"),
            [
                "explicit ACCESS EXCLUSIVE lock on \"a\" held until the transaction ends",
                "explicit ACCESS EXCLUSIVE lock on \"b\" held until the transaction ends",
            ]
        );
        assert_eq!(findings("lock-table", "BEGIN;\nLOCK TABLE a IN SHARE MODE;").len(), 1);
    }

    #[test]
    fn weak_modes_and_new_tables_are_fine() {
        assert!(findings("lock-table", "BEGIN;\nLOCK TABLE a IN ROW EXCLUSIVE MODE;").is_empty());
        assert!(findings("lock-table", "BEGIN;\nCREATE TABLE a (id bigint);\nLOCK TABLE a;").is_empty());
    }
}
