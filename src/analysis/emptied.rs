//! Tables a transaction has emptied: after `TRUNCATE t` the transaction
//! holds ACCESS EXCLUSIVE on `t` to its end and `t` has no rows, so later
//! statements of that transaction on `t` block nobody new and cannot fail on
//! existing rows, as on a table the change created. Rows written to it again
//! (INSERT, COPY, MERGE) end that.

use pg_query::NodeEnum;

use crate::analysis::names::RelationName;
use crate::parse::ast::rows_added_to;

#[derive(Default)]
pub(crate) struct Emptied {
    /// (transaction, table, the TRUNCATE's statement index).
    tables: Vec<(usize, RelationName, usize)>,
}

impl Emptied {
    /// Records what `node` (statement `index`, run in `transaction`) does to
    /// the emptiness of tables.
    pub(crate) fn step(&mut self, node: &NodeEnum, index: usize, transaction: Option<usize>) {
        let Some(transaction) = transaction else {
            // In autocommit the lock ends with the statement: anyone may
            // write rows before the next one.
            return;
        };
        match node {
            NodeEnum::TruncateStmt(stmt) => {
                for rv in stmt.relations.iter().filter_map(|n| match n.node.as_ref()? {
                    NodeEnum::RangeVar(rv) => Some(rv),
                    _ => None,
                }) {
                    self.tables.push((transaction, RelationName::from_range_var(rv), index));
                }
            }
            _ => self.filled(rows_added_to(node)),
        }
    }

    fn filled(&mut self, relation: Option<&pg_query::protobuf::RangeVar>) {
        if let Some(rv) = relation {
            let name = RelationName::from_range_var(rv);
            self.tables.retain(|(_, t, _)| !t.same_as(&name));
        }
    }

    /// Is `table` empty, and held by the transaction, when a statement of
    /// `transaction` runs? `undone` says whether a statement (by index) was
    /// undone by a `ROLLBACK TO SAVEPOINT`.
    pub(crate) fn is_empty(
        &self,
        table: &RelationName,
        transaction: Option<usize>,
        undone: impl Fn(usize) -> bool,
    ) -> bool {
        transaction.is_some_and(|id| {
            self.tables
                .iter()
                .any(|(tx, t, by)| *tx == id && t.same_as(table) && !undone(*by))
        })
    }
}
