//! `batches-in-one-transaction`: an `UPDATE`, `DELETE`, `INSERT` or `MERGE`
//! in a loop of a `DO` block or a function runs all its "batches" in one
//! transaction: every row it touches stays locked, and nothing is committed,
//! until the block (or the statement calling the function) ends.

use pg_query::NodeEnum;

use crate::analysis::embedded::{Run, RunKind};
use crate::analysis::{AnalyzedFile, StatementContext, TransactionControl};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(BatchesInOneTransaction, id: "batches-in-one-transaction", category: Transaction, severity: Warning, since: "0.1.0");

impl Rule for BatchesInOneTransaction {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        // Each loop (run, loop) is reported once, at its first write.
        let mut reported: Vec<(usize, usize)> = Vec::new();
        for ctx in file.contexts() {
            if !matches!(
                ctx.node(),
                NodeEnum::UpdateStmt(_) | NodeEnum::DeleteStmt(_) | NodeEnum::InsertStmt(_) | NodeEnum::MergeStmt(_)
            ) {
                continue;
            }
            let Some(lock) = ctx.locks_on_existing().next() else {
                continue;
            };
            let loops = loops_around(&ctx);
            let Some(&outer) = loops.first() else { continue };
            if reported.iter().any(|l| loops.contains(l)) || commits_in(file, &loops) {
                continue;
            }
            reported.push(outer);
            let (run_index, loop_index) = outer;
            let run = &file.runs[run_index];
            let writes = match ctx.node() {
                NodeEnum::UpdateStmt(_) => "UPDATEs on",
                NodeEnum::DeleteStmt(_) => "DELETEs from",
                NodeEnum::InsertStmt(_) => "INSERTs into",
                _ => "MERGEs into",
            };
            let table = &lock.relation;
            let ends = match &run.kind {
                RunKind::DoBlock => "when the DO block ends".to_string(),
                RunKind::Call { name, .. } => format!("when the statement calling {name} ends"),
            };
            let mut finding = Finding::new(
                ctx.span(),
                format!(
                    "loop of {writes} {table}: every batch commits together {ends}, and the rows each batch writes stay locked until then"
                ),
            )
            .lock(table, lock.mode);
            if let Some(at) = run
                .body
                .loops
                .get(loop_index)
                .filter(|_| *run.body.path == *file.original.path)
            {
                finding = finding.label(at.span, "each turn of this loop runs in the same transaction");
            }
            out.push(finding.help(help(run)));
        }
    }
}

/// The loops around a statement, from the outermost: the loops of its own
/// body, then those around the statement that ran that body, and so on, as
/// (run, loop) pairs.
fn loops_around(ctx: &StatementContext<'_>) -> Vec<(usize, usize)> {
    let file = ctx.file;
    let mut loops = Vec::new();
    let mut embedding = ctx.state().embedding;
    while let Some(e) = embedding {
        let Some(run) = file.runs.get(e.run) else { break };
        if let Some(step) = run.step(e.step) {
            loops.splice(0..0, step.loops.iter().map(|&l| (e.run, l)));
        }
        embedding = file.statements.get(run.by).and_then(|s| s.embedding);
    }
    loops
}

/// A `COMMIT` or `ROLLBACK` of a body runs inside one of these loops: the
/// batches end their transactions (or PostgreSQL refuses to, which
/// `transaction-nesting` reports).
fn commits_in(file: &AnalyzedFile<'_>, loops: &[(usize, usize)]) -> bool {
    file.contexts().any(|c| {
        matches!(
            c.control(),
            Some(TransactionControl::EndInBlock | TransactionControl::RefusedInBlock { .. })
        ) && loops_around(&c).iter().any(|l| loops.contains(l))
    })
}

fn help(run: &Run) -> String {
    let note = match &run.kind {
        RunKind::DoBlock => "a DO block run outside any transaction block may COMMIT between batches as well",
        RunKind::Call { .. } => "a function cannot COMMIT: only a procedure run by CALL can",
    };
    let steps = numbered_steps(
        "commit between batches, so each one's row locks end with it:",
        &[
            "move the loop into a procedure (CREATE PROCEDURE ... LANGUAGE plpgsql) with `COMMIT;` after each batch, outside any BEGIN ... EXCEPTION block",
            "run it with `CALL` outside a transaction block, in a migration the runner runs without its transaction (where the runner allows it)",
        ],
    );
    format!("{steps}\n{note}")
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "batches-in-one-transaction";

    #[test]
    fn a_loop_of_updates_in_a_do_block_commits_once() {
        let sql = "DO $$\nBEGIN\n  LOOP\n    UPDATE users SET a = 0 WHERE id IN (SELECT id FROM users WHERE a IS NULL LIMIT 1000);\n    EXIT WHEN NOT FOUND;\n  END LOOP;\nEND $$;";
        assert_eq!(
            findings(ID, sql),
            ["loop of UPDATEs on \"users\": every batch commits together when the DO block ends, and the rows each batch writes stay locked until then (inside the DO block at line 1)"]
        );
    }

    #[test]
    fn a_commit_in_the_loop_or_a_new_table_is_fine() {
        let committed =
            "DO $$\nBEGIN\n  LOOP\n    UPDATE users SET a = 0 WHERE a IS NULL;\n    COMMIT;\n  END LOOP;\nEND $$;";
        assert!(findings(ID, committed).is_empty());
        let new = "CREATE TABLE t (id bigint);\nDO $$\nBEGIN\n  FOR i IN 1..10 LOOP\n    INSERT INTO t VALUES (i);\n  END LOOP;\nEND $$;";
        assert!(findings(ID, new).is_empty());
        let once = "DO $$\nBEGIN\n  UPDATE users SET a = 0;\nEND $$;";
        assert!(findings(ID, once).is_empty());
    }
}
