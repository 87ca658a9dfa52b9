//! `require-concurrent-index`: `CREATE INDEX` on an existing table without
//! `CONCURRENTLY` blocks every write to the table for the whole build.

use pg_query::NodeEnum;

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
        let unique = if index.unique { "unique " } else { "" };
        out.push(
            Finding::new(ctx.clause(&["index"]), format!("{unique}index on {table} built without CONCURRENTLY"))
                .label(ctx.word_at(rv.location), format!("{} until the build ends", lock.describe()))
                .help(format!(
                    "build it without blocking writes, outside a transaction block:\n  {}\nif the build fails it leaves an INVALID index: drop it and run the statement again{}",
                    recipe::insert_after_word(ctx, "index", "CONCURRENTLY"),
                    recipe::outside_transaction_note(ctx).map_or(String::new(), |note| format!("\n{note}"))
                ))
                .lock(&lock.relation, lock.mode),
        );
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
