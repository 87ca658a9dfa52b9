//! `disable-trigger`: `ALTER TABLE ... DISABLE TRIGGER` turns a table's
//! triggers off for every session, not only the migration's, once it
//! commits; `ALL` includes the triggers that enforce foreign keys.

use pg_query::protobuf::AlterTableType::{self, *};
use pg_query::NodeEnum;

use crate::analysis::catalog::ConstraintKind;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::{Finding, Severity};
use crate::parse::ast::{alter_table_cmds, rows_added_to};
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;

crate::rule::declare_rule!(DisableTrigger, id: "disable-trigger", category: Compatibility, severity: Error, since: "0.1.0");

impl Rule for DisableTrigger {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_table(ctx) else {
            return;
        };
        for action in alter.actions() {
            let all = action.is(AtDisableTrigAll);
            if !all && !action.is(AtDisableTrigUser) && !action.is(AtDisableTrig) {
                continue;
            }
            let table = &alter.relation;
            let sql = table.to_sql();
            let which = match (all, action.cmd.name.as_str()) {
                (true, _) => "ALL".to_string(),
                (false, "") => "USER".to_string(),
                (false, name) => name.to_string(),
            };
            let reenabled = reenabled_at(ctx, table, all);
            let finding = match (all, reenabled) {
                // Off and on in one transaction: nobody else sees the
                // change, but what the migration writes in between is
                // never checked against the foreign keys.
                (true, Some(enable)) => {
                    let Some(write) = writes_between(ctx, table, enable) else {
                        continue;
                    };
                    Finding::new(
                        write,
                        format!("rows written to {table} while all its triggers are disabled are never checked against its foreign keys"),
                    )
                    .help(format!(
                        "disable only the table's own triggers, which leaves the foreign-key checks on:\n  ALTER TABLE {sql} DISABLE TRIGGER USER;\n\
                         or check the rows afterwards: the foreign keys will not"
                    ))
                }
                (true, None) => Finding::new(
                    action.span(),
                    format!("every trigger of {table} disabled, foreign-key checks included, for every session's writes once this commits"),
                )
                .help(format!(
                    "enable them again before the transaction ends, so no other session ever writes without them:\n  ALTER TABLE {sql} ENABLE TRIGGER ALL;\n\
                     or skip triggers for this session's own writes only:\n  SET LOCAL session_replication_role = replica;\n\
                     (both need a superuser, and skip the foreign-key checks of those writes: check the rows afterwards)"
                )),
                (false, Some(_)) => continue,
                (false, None) => Finding::new(
                    action.span(),
                    format!("{} of {table} disabled for every session's writes once this commits, until enabled again", if which == "USER" { "the user triggers".to_string() } else { format!("trigger {which}") }),
                )
                .help(format!(
                    "enable it again before the transaction ends, so no other session ever writes without it:\n  ALTER TABLE {sql} ENABLE TRIGGER {which};\n\
                     or skip triggers for this session's own writes only:\n  SET LOCAL session_replication_role = replica;"
                ))
                .at_most(Severity::Warning),
            };
            out.push(
                finding
                    .label(
                        alter.name_span(),
                        format!("{}, held until the transaction ends", alter.lock.describe()),
                    )
                    .lock(&alter.lock.relation, alter.lock.mode),
            );
        }
    }
}

/// The later statement of the same transaction that enables the table's
/// triggers again (all of them after `DISABLE TRIGGER ALL`; any enabling
/// otherwise), as a statement index.
fn reenabled_at(ctx: StatementContext<'_>, table: &RelationName, all: bool) -> Option<usize> {
    let enables: &[AlterTableType] = if all {
        &[AtEnableTrigAll]
    } else {
        &[
            AtEnableTrig,
            AtEnableTrigAll,
            AtEnableTrigUser,
            AtEnableAlwaysTrig,
            AtEnableReplicaTrig,
        ]
    };
    ctx.later_in_transaction()
        .find(|later| match later.node() {
            NodeEnum::AlterTableStmt(stmt) => {
                stmt.relation
                    .as_ref()
                    .is_some_and(|rv| RelationName::from_range_var(rv).same_as(table))
                    && alter_table_cmds(&stmt.cmds).any(|cmd| enables.contains(&cmd.subtype()))
            }
            _ => false,
        })
        .map(|later| later.index)
}

/// The first statement before `until` in the transaction that writes rows
/// to the table.
fn writes_between(ctx: StatementContext<'_>, table: &RelationName, until: usize) -> Option<crate::input::source::Span> {
    ctx.later_in_transaction()
        .take_while(|later| later.index < until)
        .find(|later| {
            let written = match later.node() {
                // An update is checked only on the key columns it sets.
                NodeEnum::UpdateStmt(s) if sets_key_column(later, s, table) => s.relation.as_ref(),
                node => rows_added_to(node),
            };
            written.is_some_and(|rv| RelationName::from_range_var(rv).same_as(table))
        })
        .map(|later| later.file_span())
}

/// Does the `UPDATE` set a column a foreign key checks: one of the table's
/// foreign keys, or a key other tables may reference? A table the catalog
/// does not know may have any.
fn sets_key_column(ctx: &StatementContext<'_>, update: &pg_query::protobuf::UpdateStmt, table: &RelationName) -> bool {
    let Some(relation) = ctx.relation_before(table) else {
        return true;
    };
    let set: Vec<&str> = update
        .target_list
        .iter()
        .filter_map(|n| match n.node.as_ref()? {
            NodeEnum::ResTarget(target) => Some(target.name.as_str()),
            _ => None,
        })
        .collect();
    relation.constraints.iter().any(|c| match &c.kind {
        ConstraintKind::ForeignKey { columns, .. }
        | ConstraintKind::PrimaryKey { columns }
        | ConstraintKind::Unique { columns } => columns.iter().any(|c| set.contains(&c.as_str())),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "disable-trigger";

    #[test]
    fn all_left_off_and_user_left_off_are_flagged() {
        assert_eq!(
            findings(ID, "ALTER TABLE orders DISABLE TRIGGER ALL;"),
            ["every trigger of \"orders\" disabled, foreign-key checks included, for every session's writes once this commits"]
        );
        assert_eq!(
            findings(ID, "ALTER TABLE orders DISABLE TRIGGER audit;"),
            ["trigger audit of \"orders\" disabled for every session's writes once this commits, until enabled again"]
        );
    }

    #[test]
    fn reenabled_in_the_transaction_is_fine_unless_rows_skip_the_foreign_keys() {
        let user = "BEGIN;\nALTER TABLE orders DISABLE TRIGGER USER;\nUPDATE orders SET total = 0 WHERE id = 1;\nALTER TABLE orders ENABLE TRIGGER USER;\nCOMMIT;";
        assert!(findings(ID, user).is_empty());
        let all = "BEGIN;\nALTER TABLE orders DISABLE TRIGGER ALL;\nALTER TABLE orders ENABLE TRIGGER ALL;\nCOMMIT;";
        assert!(findings(ID, all).is_empty());
        let written = "BEGIN;\nALTER TABLE orders DISABLE TRIGGER ALL;\nINSERT INTO orders SELECT * FROM old_orders;\nALTER TABLE orders ENABLE TRIGGER ALL;\nCOMMIT;";
        assert_eq!(findings(ID, written).len(), 1);
        // A table the history knows: only an update of a key column skips a check.
        let update = |set: &str| {
            use crate::input::layout::GitState;
            use crate::tests::rules::{migration, run_findings};
            let mut history = migration("1", "orders", 0, GitState::Unchanged);
            history.content = crate::input::read::Content::Bytes(
                b"CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, total int);\n"
                    .to_vec(),
            );
            let mut change = migration("2", "fix", 1, GitState::Added);
            change.script.transaction = crate::input::layout::RunnerTransaction::PerFile;
            change.content = crate::input::read::Content::Bytes(
                format!("ALTER TABLE orders DISABLE TRIGGER ALL;\nUPDATE orders SET {set} WHERE id < 100;\nALTER TABLE orders ENABLE TRIGGER ALL;\n")
                    .into_bytes(),
            );
            run_findings(ID, vec![history, change], &crate::settings::Settings::default())
        };
        assert!(update("total = 0").is_empty());
        assert_eq!(update("customer_id = 7").len(), 1);
    }

    #[test]
    fn new_tables_are_fine() {
        assert!(findings(
            ID,
            "CREATE TABLE orders (id bigint);\nALTER TABLE orders DISABLE TRIGGER ALL;"
        )
        .is_empty());
    }
}
