//! `validate-in-same-transaction`: `ADD CONSTRAINT ... NOT VALID` followed
//! by `VALIDATE CONSTRAINT` in the same transaction holds the ADD's lock
//! through the validation scan, which is what NOT VALID was meant to avoid.

use std::collections::HashMap;

use pg_query::protobuf::AlterTableType;
use pg_query::NodeEnum;

use crate::analysis::catalog::table_constraint_name;
use crate::analysis::facts::lock_of_sql;
use crate::analysis::names::quote_ident;
use crate::analysis::{AnalyzedFile, LockMode, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::parse::ast::constraint;
use crate::rule::Rule;
use crate::rules::alter_table;
use crate::rules::recipe::{numbered_steps, validate_constraint};

crate::rule::declare_rule!(ValidateInSameTransaction, id: "validate-in-same-transaction", category: Locking, severity: Error, since: "0.1.0");

impl Rule for ValidateInSameTransaction {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        for v in validations_in_adding_transaction(file) {
            out.push(finding(file.statement(v.index), &v.table, v.action, &v.name, &v.added));
        }
    }
}

/// A `VALIDATE CONSTRAINT` of a constraint its own transaction added NOT
/// VALID.
pub(crate) struct SameTransactionValidation {
    /// The statement that validates.
    pub index: usize,
    action: usize,
    table: RelationName,
    name: String,
    added: AddedNotValid,
}

/// Every validation of a constraint in the transaction that added it NOT
/// VALID, on a table that existed before: what this rule reports (and
/// `statement-after-access-exclusive` leaves to it).
pub(crate) fn validations_in_adding_transaction(file: &AnalyzedFile<'_>) -> Vec<SameTransactionValidation> {
    // One pass: the constraints each transaction added NOT VALID, by
    // table and name (a statement in autocommit is its own transaction).
    let mut out = Vec::new();
    let mut current: Option<usize> = None;
    let mut added: HashMap<Key, AddedNotValid> = HashMap::new();
    for ctx in file.contexts() {
        let id = ctx.state().transaction_id;
        if id != current || id.is_none() {
            added.clear();
            current = id;
        }
        if let NodeEnum::TransactionStmt(_) = ctx.node() {
            // A ROLLBACK TO SAVEPOINT takes back the constraints added since.
            added.retain(|_, a| a.undone_by != Some(ctx.index));
            continue;
        }
        let NodeEnum::AlterTableStmt(stmt) = ctx.node() else {
            continue;
        };
        let Some(rv) = &stmt.relation else { continue };
        let table = RelationName::from_range_var(rv);
        let existing = ctx.alter_existing_table().is_some();
        for action in alter_table::actions(ctx) {
            let cmd = action.cmd;
            if let Some(con) = constraint(cmd).filter(|c| c.skip_validation) {
                if action.is(AlterTableType::AtAddConstraint) {
                    if let Some(name) = table_constraint_name(&table.name, con) {
                        let at = AddedNotValid {
                            index: ctx.index,
                            action: action.n,
                            lock: action.lock_mode(),
                            references: con.pktable.as_ref().map(RelationName::from_range_var),
                            undone_by: ctx.state().undone_by,
                        };
                        added.insert(key(&table, &name), at);
                    }
                }
            } else if action.is(AlterTableType::AtValidateConstraint) && existing {
                if let Some(at) = added.get(&key(&table, &cmd.name)) {
                    out.push(SameTransactionValidation {
                        index: ctx.index,
                        action: action.n,
                        table: table.clone(),
                        name: cmd.name.clone(),
                        added: at.clone(),
                    });
                }
            }
        }
    }
    out
}

/// A table (schema, `public` when none is written, and name) and a
/// constraint name.
type Key = (String, String, String);

fn key(table: &RelationName, constraint: &str) -> Key {
    (
        table.schema.clone().unwrap_or_else(|| "public".to_string()),
        table.name.clone(),
        constraint.to_string(),
    )
}

/// Where a constraint was added NOT VALID: the statement, the action, and
/// for a foreign key the table it references.
#[derive(Clone)]
struct AddedNotValid {
    index: usize,
    action: usize,
    /// The lock the action takes on the table.
    lock: LockMode,
    references: Option<RelationName>,
    undone_by: Option<usize>,
}

/// The `n`th action of `ctx` validates `name`, which `at` added NOT VALID
/// in the same transaction.
fn finding(ctx: StatementContext<'_>, table: &RelationName, n: usize, name: &str, at: &AddedNotValid) -> Finding {
    let add = ctx.file.statement(at.index);
    let add_span = add.alter_action_span(at.action);
    let lock = add.facts().lock_on(table).unwrap_or(at.lock);
    let validate = validate_constraint(&table.to_sql(), &quote_ident(name));
    // The lock the recipe's VALIDATE takes, as the facts state it.
    let own = lock_of_sql(&validate, ctx.pg_version()).map_or_else(|| "lock".to_string(), |m| format!("{m} lock"));
    let help = if add.index == ctx.index {
        numbered_steps(
            &format!(
                "split the statement, and commit between the two steps so the scan runs under VALIDATE's own {own} (reads and writes continue):"
            ),
            &[
                "the ADD CONSTRAINT ... NOT VALID alone, then COMMIT".to_string(),
                format!("in a later transaction: {validate}"),
            ],
        )
    } else if ctx.in_implicit_transaction() {
        format!(
            "the migration runner runs this file in one transaction: move the validation to a later migration, where it runs under its own {own} (reads and writes continue):\n  {validate}"
        )
    } else {
        numbered_steps(
            &format!("commit between the two steps, so the scan runs under VALIDATE's own {own} (reads and writes continue):"),
            &[
                "COMMIT right after the ADD CONSTRAINT ... NOT VALID".to_string(),
                format!("in a new transaction: {validate}"),
            ],
        )
    };
    let mut finding = Finding::new(
        ctx.alter_action_span(n),
        format!(
            "constraint \"{name}\" is validated in the transaction that added it NOT VALID: the {lock} lock the ADD took on {table} is held through the whole validation scan"
        ),
    )
    .label(
        add_span,
        format!(
            "{lock} lock on {table} taken here, held until the transaction ends: {}",
            lock.what_waits()
        ),
    );
    if let Some((referenced, mode)) = at.references.as_ref().and_then(|r| Some((r, add.facts().lock_on(r)?))) {
        finding = finding.label(
            add_span,
            format!(
                "{mode} lock on the referenced table {referenced} as well: {}",
                mode.what_waits()
            ),
        );
    }
    finding.help(help).lock(table, lock)
}

#[cfg(test)]
mod tests {
    use crate::analysis::TransactionMode;
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

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
        settings.transaction = Some(TransactionMode::PerFile);
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
