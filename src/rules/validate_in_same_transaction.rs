//! `validate-in-same-transaction`: `ADD CONSTRAINT ... NOT VALID` followed
//! by `VALIDATE CONSTRAINT` in the same transaction holds the ADD's lock
//! through the validation scan, which is what NOT VALID was meant to avoid.

use pg_query::protobuf::AlterTableType;
use pg_query::NodeEnum;

use crate::analysis::catalog::table_constraint_name;
use crate::analysis::facts::{alter_table_actions, constraint};
use crate::analysis::names::quote_ident;
use crate::analysis::{LockMode, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::{Rule, RuleMeta};
use crate::rules::recipe::validate_constraint;
use crate::source::Span;

crate::declare_rule!(ValidateInSameTransaction, id: "validate-in-same-transaction", category: Locking, severity: Error, since: "0.1.0");

impl Rule for ValidateInSameTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = ctx.alter_existing_table() else {
            return;
        };
        let table = &alter.relation;
        for (n, cmd) in alter.actions() {
            if cmd.subtype != AlterTableType::AtValidateConstraint as i32 {
                continue;
            }
            let Some(added) = added_not_valid(ctx, table, &cmd.name, n) else {
                continue;
            };
            let lock = added.ctx.facts().lock_on(table).unwrap_or(LockMode::AccessExclusive);
            let name = quote_ident(&cmd.name);
            let validate = validate_constraint(&table.to_sql(), &name);
            let help = if added.ctx.index == ctx.index {
                format!(
                    "split the statement, and commit between the two steps so the scan runs under VALIDATE's own SHARE UPDATE EXCLUSIVE lock (reads and writes continue):\n  1. the ADD CONSTRAINT ... NOT VALID alone, then COMMIT\n  2. in a later transaction: {validate}"
                )
            } else if ctx.in_implicit_transaction() {
                format!(
                    "the migration runner runs this file in one transaction: move the validation to a later migration, where it runs under its own SHARE UPDATE EXCLUSIVE lock (reads and writes continue):\n  {validate}"
                )
            } else {
                format!(
                    "commit between the two steps, so the scan runs under VALIDATE's own SHARE UPDATE EXCLUSIVE lock (reads and writes continue):\n  1. COMMIT right after the ADD CONSTRAINT ... NOT VALID\n  2. in a new transaction: {validate}"
                )
            };
            let mut finding = Finding::new(
                ctx.alter_action_span(n),
                format!(
                    "constraint \"{}\" is validated in the transaction that added it NOT VALID: the {lock} lock the ADD took on {table} is held through the whole validation scan",
                    cmd.name
                ),
            )
            .label(
                added.span,
                format!(
                    "{lock} lock on {table} taken here, held until the transaction ends: {}",
                    lock.what_waits()
                ),
            );
            if let Some(referenced) = &added.references {
                if let Some(mode) = added.ctx.facts().lock_on(referenced) {
                    finding = finding.label(
                        added.span,
                        format!(
                            "{mode} lock on the referenced table {referenced} as well: {}",
                            mode.what_waits()
                        ),
                    );
                }
            }
            out.push(finding.help(help).lock(table, lock));
        }
    }
}

/// The `ADD CONSTRAINT ... NOT VALID` of a constraint in the same
/// transaction: its statement, the action's span, and for a foreign key the
/// table it references.
struct AddedNotValid<'a> {
    ctx: StatementContext<'a>,
    span: Span,
    references: Option<RelationName>,
}

/// Finds where constraint `name`, validated by the `validate_action`th
/// action of `ctx`, was added NOT VALID in the same transaction: earlier in
/// the same statement, or in the latest earlier statement of the
/// transaction that adds it to the same table.
fn added_not_valid<'a>(
    ctx: StatementContext<'a>,
    table: &RelationName,
    name: &str,
    validate_action: usize,
) -> Option<AddedNotValid<'a>> {
    let earlier: Vec<StatementContext<'a>> = ctx.earlier_in_transaction().collect();
    let candidates = std::iter::once((ctx, validate_action)).chain(earlier.into_iter().rev().map(|c| (c, usize::MAX)));
    for (candidate, before) in candidates {
        let NodeEnum::AlterTableStmt(stmt) = candidate.node() else {
            continue;
        };
        if !stmt
            .relation
            .as_ref()
            .is_some_and(|rv| RelationName::from_range_var(rv).same_as(table))
        {
            continue;
        }
        let found = alter_table_actions(&stmt.cmds)
            .take_while(|(n, _)| *n < before)
            .filter(|(_, cmd)| cmd.subtype == AlterTableType::AtAddConstraint as i32)
            .filter_map(|(n, cmd)| Some((n, cmd, constraint(cmd)?)))
            .find(|(_, _, con)| {
                con.skip_validation && table_constraint_name(&table.name, con).is_some_and(|c| c == name)
            });
        if let Some((n, _, con)) = found {
            return Some(AddedNotValid {
                ctx: candidate,
                span: candidate.alter_action_span(n),
                references: con.pktable.as_ref().map(RelationName::from_range_var),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::analysis::TransactionMode;
    use crate::engine::Settings;
    use crate::rules::testing::{findings, findings_with};

    const ID: &str = "validate-in-same-transaction";

    #[test]
    fn flags_validation_in_the_adding_transaction() {
        let sql = "BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\nCOMMIT;";
        assert_eq!(
            findings(ID, sql),
            ["constraint \"orders_user_fk\" is validated in the transaction that added it NOT VALID: the SHARE ROW EXCLUSIVE lock the ADD took on \"orders\" is held through the whole validation scan"]
        );
        let unnamed =
            "BEGIN;\nALTER TABLE t ADD CHECK (a > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_a_check;\nCOMMIT;";
        assert_eq!(findings(ID, unnamed).len(), 1);
        let one = "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID, VALIDATE CONSTRAINT c;";
        assert_eq!(findings(ID, one).len(), 1);
    }

    #[test]
    fn the_runner_transaction_counts() {
        let sql = "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;";
        assert!(findings(ID, sql).is_empty(), "autocommit: two transactions");
        let mut settings = Settings::default();
        settings.transaction = TransactionMode::PerFile;
        assert_eq!(findings_with(ID, sql, &settings).len(), 1);
    }

    #[test]
    fn separate_transactions_and_new_tables_are_fine() {
        let sql = "BEGIN;\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nCOMMIT;\nBEGIN;\nALTER TABLE t VALIDATE CONSTRAINT c;\nCOMMIT;";
        assert!(findings(ID, sql).is_empty());
        let new = "BEGIN;\nCREATE TABLE t (a bigint);\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;\nCOMMIT;";
        assert!(findings(ID, new).is_empty());
        let undone = "BEGIN;\nSAVEPOINT s;\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nROLLBACK TO SAVEPOINT s;\nALTER TABLE t VALIDATE CONSTRAINT c;\nCOMMIT;";
        assert!(findings(ID, undone).is_empty());
    }
}
