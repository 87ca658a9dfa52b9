//! `require-concurrent-index`: `CREATE INDEX` on an existing table without
//! `CONCURRENTLY` blocks every write to the table for the whole build.

use pg_query::NodeEnum;

use crate::analysis::facts::PartitionIndexes;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe;

crate::rule::declare_rule!(RequireConcurrentIndex, id: "require-concurrent-index", category: Locking, severity: Error, since: "0.1.0");

impl Rule for RequireConcurrentIndex {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::IndexStmt(index) = ctx.node() else { return };
        let Some(rv) = index.relation.as_ref().filter(|_| !index.concurrent) else {
            return;
        };
        let table = RelationName::from_range_var(rv);
        let Some(lock) = ctx.lock_on_existing(&table) else {
            return;
        };
        let partitioned = ctx.facts().partitioned_index.as_ref();
        // ON ONLY, or a build that only adopts the partitions' indexes:
        // nothing is built, the locks are brief.
        if partitioned.is_some_and(|p| p.builds_nothing()) {
            return;
        }
        let unique = if index.unique { "unique " } else { "" };
        let help = match partitioned {
            Some(p) => recipe::numbered_steps(
                &format!(
                    "PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table; build the index partition by partition ({}):",
                    known_partitions(&p.tree)
                ),
                &recipe::partitioned_index_steps(ctx, index, &p.tree),
            ) + "\nthe parent's index is valid once every partition's is attached; a build that fails leaves an INVALID index: drop it and build it again"
                + &recipe::outside_transaction_note(ctx).map_or(String::new(), |note| format!("\n{note}")),
            None => format!(
                "build it without blocking writes, outside a transaction block:\n  {}\nif the build fails it leaves an INVALID index: drop it and run the statement again{}",
                recipe::insert_after_word(ctx, "index", "CONCURRENTLY"),
                recipe::outside_transaction_note(ctx).map_or(String::new(), |note| format!("\n{note}"))
            ),
        };
        out.push(
            Finding::new(
                ctx.clause(&["index"]),
                format!("{unique}index on {table} built without CONCURRENTLY"),
            )
            .label(
                ctx.word_at(rv.location),
                match partitioned {
                    Some(_) => format!(
                        "{}, and the same on every partition, until the build ends",
                        lock.describe()
                    ),
                    None => format!("{} until the build ends", lock.describe()),
                },
            )
            .help(help)
            .lock(&lock.relation, lock.mode)
            // PostgreSQL refuses CONCURRENTLY on a partitioned table.
            .fix(
                partitioned
                    .is_none()
                    .then(|| recipe::concurrently_fix(ctx, "index", "build the index with CONCURRENTLY"))
                    .flatten(),
            ),
        );
    }
}

/// Which partitions the recipe names: those the migrations show, which
/// may not be all.
fn known_partitions(tree: &PartitionIndexes) -> String {
    match tree.partitions.len() {
        0 => "the migrations show none of its partitions".to_string(),
        1 => "the migrations show 1 partition".to_string(),
        n => format!("the migrations show {n} partitions"),
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_plain_index_on_existing_table() {
        assert_eq!(
            findings("require-concurrent-index", "CREATE INDEX i ON users (email);").len(),
            1
        );
    }

    #[test]
    fn concurrently_or_new_table_is_fine() {
        assert!(findings(
            "require-concurrent-index",
            "CREATE INDEX CONCURRENTLY i ON users (email);"
        )
        .is_empty());
        assert!(findings(
            "require-concurrent-index",
            "CREATE TABLE users (email text);\nCREATE INDEX i ON users (email);"
        )
        .is_empty());
    }
}
