//! `uncommitted-transaction`: a `BEGIN` with no `COMMIT` by the end of the
//! file leaves the transaction open when the migration's session ends.

use pg_query::NodeEnum;

use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::rule::Rule;

crate::rule::declare_rule!(UncommittedTransaction, id: "uncommitted-transaction", category: Transaction, severity: Error, since: "0.1.0");

impl Rule for UncommittedTransaction {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        let Some(begin) = file.unclosed_transaction else {
            return;
        };
        let last = file.top_level().last();
        let chained = matches!(last.map(|s| s.node()), Some(NodeEnum::TransactionStmt(tx)) if tx.chain);
        let help = if chained {
            "end the file with a plain `COMMIT;`: `AND CHAIN` opens the next transaction at once".to_string()
        } else {
            format!(
                "add `COMMIT;` as the last statement of the file, to close the `{};` opened here",
                file.source.slice(begin)
            )
        };
        let last = last.map_or(begin, |s| s.span());
        out.push(
            Finding::new(
                begin,
                "transaction block is never closed: it stays open until the runner's session ends, which rolls it back",
            )
            .label(
                last,
                "the file ends here with the transaction open: until the session ends, every lock taken in it stays held",
            )
            .help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_begin_without_commit() {
        assert_eq!(
            findings("uncommitted-transaction", "BEGIN;\nCREATE TABLE t (id bigint);").len(),
            1
        );
    }

    #[test]
    fn commit_rollback_or_end_close_it() {
        assert!(findings(
            "uncommitted-transaction",
            "BEGIN;\nCREATE TABLE t (id bigint);\nCOMMIT;"
        )
        .is_empty());
        assert!(findings("uncommitted-transaction", "START TRANSACTION;\nROLLBACK;\nBEGIN;\nEND;").is_empty());
    }

    #[test]
    fn commit_and_chain_leaves_the_next_one_open() {
        assert_eq!(
            findings("uncommitted-transaction", "BEGIN;\nCOMMIT AND CHAIN;").len(),
            1
        );
    }
}
