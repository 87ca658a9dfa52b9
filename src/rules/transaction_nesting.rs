//! `transaction-nesting`: transaction control that does not do what the
//! file shows: a `BEGIN` inside an open transaction, a `COMMIT` with none
//! open, a `BEGIN` or `COMMIT` inside the runner's transaction, savepoints
//! outside a transaction, a `COMMIT` inside a function or a `DO` block where
//! PostgreSQL refuses it.

use crate::analysis::{AnalyzedFile, StatementContext, TransactionControl};
use crate::diagnostic::{Finding, Severity};
use crate::input::source::Span;
use crate::rule::Rule;

crate::rule::declare_rule!(TransactionNesting, id: "transaction-nesting", category: Transaction, severity: Error, since: "0.1.0");

impl Rule for TransactionNesting {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        // The statement ending the transaction each statement runs in, if any.
        let mut next_end: Vec<Option<Span>> = vec![None; file.statements.len()];
        let mut end = None;
        for ctx in file.contexts().collect::<Vec<_>>().into_iter().rev() {
            next_end[ctx.index] = end;
            if matches!(
                ctx.control(),
                Some(TransactionControl::End { .. } | TransactionControl::EndRunner { .. })
            ) {
                end = Some(ctx.span());
            }
        }
        for ctx in file.contexts() {
            check(ctx, next_end[ctx.index], out);
        }
    }
}

/// `next_end`: the statement that ends the transaction `ctx` runs in: the
/// `COMMIT` a nested or ignored `BEGIN` seems to pair with.
fn check(ctx: StatementContext<'_>, next_end: Option<Span>, out: &mut Vec<Finding>) {
    let Some(control) = ctx.control() else { return };
    let word = command(ctx);
    // What runs after the runner's transaction ends: JDBC connections and
    // batches start another one, other runners leave the rest in autocommit.
    let after_runner = |end: Span| {
        let next = ctx.file.top_level().find(|c| c.span().start >= end.end);
        match next {
            Some(next) if next.in_transaction() => "what comes after it runs in a new transaction",
            _ => "what comes after it runs outside any transaction",
        }
    };
    let keyword = ctx.tokens().first().map_or(ctx.span(), |t| t.span);
    let finding = match control {
            TransactionControl::NestedBegin { outer } => {
                let mut finding = Finding::new(
                    keyword,
                    format!("nested {word} is ignored: PostgreSQL has no nested transactions, and the next COMMIT ends the outer transaction block"),
                )
                .label(*outer, "this transaction block is still open");
                if let Some(end) = next_end {
                    finding = finding.label(
                        end,
                        "this ends the outer transaction: the statements after it run outside any transaction block",
                    );
                }
                finding.help(format!(
                    "remove this {word} and the COMMIT that closes it; for a part that may fail on its own, use `SAVEPOINT name;` ... `RELEASE SAVEPOINT name;` (or `ROLLBACK TO SAVEPOINT name;`)"
                ))
            }
            TransactionControl::BeginInRunner => {
                let finding = match next_end {
                    Some(end) => Finding::new(
                        keyword,
                        format!("the runner's transaction around the file makes PostgreSQL ignore this {word}, and its COMMIT ends the runner's transaction early"),
                    )
                    .label(
                        end,
                        format!(
                            "this commits the runner's transaction: {}, and a later failure no longer rolls back what came before",
                            after_runner(end)
                        ),
                    ),
                    None => Finding::new(
                        keyword,
                        format!("the runner's transaction around the file makes PostgreSQL ignore this {word}: it only warns \"there is already a transaction in progress\""),
                    )
                    .at_most(Severity::Warning),
                };
                finding.help(
                    "remove the BEGIN and its COMMIT: the runner already runs the whole file in one transaction; if this part must commit on its own, put it in a migration of its own",
                )
            }
            TransactionControl::EndRunner {
                rollback,
                chain,
                ignored_begin,
            } => {
                // Reported at the BEGIN it closes as written.
                if ignored_begin.is_some() {
                    return;
                }
                let message = match (rollback, chain) {
                    (true, _) => format!(
                        "this {word} discards what the file did so far and ends the transaction the runner opened around the file; the runner still records the migration as applied"
                    ),
                    (false, true) => format!(
                        "this {word} AND CHAIN commits what the file did so far in the middle of the runner's transaction: a later failure rolls back only the rest"
                    ),
                    (false, false) => format!(
                        "this {word} ends the transaction the runner opened around the file: what came before is committed even if the migration fails later, and {}",
                        after_runner(ctx.span()).replace("what comes after it", "the rest")
                    ),
                };
                Finding::new(ctx.span(), message).help(
                    "remove it and let the runner commit at the end of the file; if the parts must commit separately, split the file into two migrations (a statement that cannot run in a transaction goes in one the runner runs without)",
                )
            }
            TransactionControl::EndOutside { chain, ended_at } => {
                let mut finding = if *chain {
                    Finding::new(
                        ctx.span(),
                        format!("no transaction is open here: {word} AND CHAIN fails with \"can only be used in transaction blocks\""),
                    )
                } else {
                    Finding::new(
                        ctx.span(),
                        format!("no transaction is open here: {word} does nothing but warn \"there is no transaction in progress\""),
                    )
                    .at_most(Severity::Warning)
                };
                if let Some(end) = ended_at {
                    finding = finding.label(*end, "the file's last transaction already ended here");
                }
                finding.help(
                    "remove it, or add the BEGIN it was meant to close; if the migration runner wraps each file in a transaction, say so with `transaction = \"per-file\"` in miglint.toml (or --assume-in-transaction)",
                )
            }
            TransactionControl::SavepointOutside => Finding::new(
                keyword,
                format!("no transaction is open here: {word} fails with \"can only be used in transaction blocks\""),
            )
            .help("open a transaction block with BEGIN first, or remove the savepoint"),
            TransactionControl::UnknownSavepoint { name } => Finding::new(
                ctx.span(),
                format!("savepoint \"{name}\" was never established in this transaction: {word} fails with \"savepoint does not exist\""),
            )
            .help(format!(
                "establish it earlier in the same transaction with `SAVEPOINT {name};`, or fix the name"
            )),
            TransactionControl::RefusedInBlock { why } => Finding::new(
                ctx.span(),
                format!("this {word} fails with \"invalid transaction termination\": {why}"),
            )
            .help(
                "to commit between batches, put the work in a procedure and run it with `CALL` outside any transaction block (a migration the runner runs without its transaction), with no EXCEPTION clause around the COMMIT; otherwise remove it",
            ),
            TransactionControl::Begin
            | TransactionControl::End { .. }
            | TransactionControl::EndInBlock
            | TransactionControl::Savepoint
            | TransactionControl::SavepointEnd => return,
        };
    out.push(finding);
}

/// The command as the file writes it: `BEGIN`, `START TRANSACTION`, `END`,
/// `ROLLBACK TO SAVEPOINT`, ...
fn command(ctx: StatementContext<'_>) -> &'static str {
    let tokens = ctx.tokens();
    let word = |i: usize| tokens.get(i).map_or("", |t| t.word.as_str());
    match word(0) {
        "begin" => "BEGIN",
        "start" => "START TRANSACTION",
        "end" => "END",
        "abort" => "ABORT",
        "rollback" if word(1) == "to" || word(2) == "to" => "ROLLBACK TO SAVEPOINT",
        "rollback" => "ROLLBACK",
        "savepoint" => "SAVEPOINT",
        "release" => "RELEASE SAVEPOINT",
        "prepare" => "PREPARE TRANSACTION",
        _ => "COMMIT",
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::TransactionMode;
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

    const ID: &str = "transaction-nesting";

    fn per_file() -> Settings {
        let mut settings = Settings::default();
        settings.transaction = Some(TransactionMode::PerFile);
        settings
    }

    #[test]
    fn flags_nested_begin_and_stray_commit() {
        let found = findings(ID, "BEGIN;\nBEGIN;\nCREATE TABLE t (id bigint);\nCOMMIT;\nCOMMIT;");
        assert_eq!(found.len(), 2);
        assert!(found[0].starts_with("nested BEGIN is ignored"));
        assert!(found[1].starts_with("no transaction is open here: COMMIT does nothing"));
        assert_eq!(findings(ID, "SAVEPOINT a;").len(), 1);
    }

    #[test]
    fn flags_transaction_control_inside_the_runner_transaction() {
        let sql = "BEGIN;\nCREATE TABLE t (id bigint);\nCOMMIT;";
        assert_eq!(
            findings_with(ID, sql, &per_file()).len(),
            1,
            "reported at the BEGIN only"
        );
        assert!(findings(ID, sql).is_empty());
        let found = findings_with(ID, "CREATE TABLE t (id bigint);\nCOMMIT;", &per_file());
        assert!(found[0].starts_with("this COMMIT ends the transaction the runner opened"));
    }

    #[test]
    fn well_formed_blocks_and_savepoints_are_fine() {
        let sql = "BEGIN;\nSAVEPOINT a;\nCREATE TABLE t (id bigint);\nROLLBACK TO SAVEPOINT a;\nRELEASE a;\nCOMMIT AND CHAIN;\nCOMMIT;";
        assert!(findings(ID, sql).is_empty());
        assert!(findings_with(ID, "SAVEPOINT a;\nRELEASE a;", &per_file()).is_empty());
    }
}
