//! `dropping-column-default`: `ALTER COLUMN ... DROP DEFAULT` on a NOT NULL
//! column of an existing table: code that does not send the column (the
//! version still running during the deploy, or the one a rollback brings
//! back) fails each insert.

use pg_query::protobuf::AlterTableType;
use pg_query::NodeEnum;

use crate::analysis::names::quote_ident;
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(DroppingColumnDefault, id: "dropping-column-default", category: Compatibility, severity: Error, since: "0.2.0");

impl Rule for DroppingColumnDefault {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        // A table the change created is known only to the new code.
        let Some(alter) = AlterTable::of_table_running_code_uses(ctx) else {
            return;
        };
        let table = &alter.relation;
        let Some(before) = ctx.relation_before(table) else {
            return;
        };
        let actions: Vec<_> = alter.actions().collect();
        for (i, action) in actions.iter().enumerate() {
            if !action.is(AlterTableType::AtColumnDefault) || !drops_default(action.cmd.def.as_deref()) {
                continue;
            }
            let column = &action.cmd.name;
            let Some(col) = before.column(column) else {
                continue;
            };
            if !col.has_default || col.identity || col.generated {
                continue;
            }
            let later = &actions[i + 1..];
            let set_again = later.iter().any(|a| {
                a.is(AlterTableType::AtColumnDefault) && a.cmd.name == *column && !drops_default(a.cmd.def.as_deref())
            });
            let dropped_not_null = later
                .iter()
                .chain(&actions[..i])
                .any(|a| a.is(AlterTableType::AtDropNotNull) && a.cmd.name == *column);
            let made_not_null = actions
                .iter()
                .any(|a| a.is(AlterTableType::AtSetNotNull) && a.cmd.name == *column);
            if set_again || dropped_not_null || !(col.not_null || made_not_null) {
                continue;
            }
            let (sql, c) = (table.to_sql(), quote_ident(column));
            out.push(
                Finding::new(
                    action.span(),
                    format!("default of NOT NULL column \"{column}\" of {table} dropped: inserts that do not set \"{column}\" fail"),
                )
                .about_column(column)
                .label(
                    alter.name_span(),
                    format!(
                        "code still running during the deploy, or brought back by a rollback, that does not send \"{column}\" gets a not-null violation on every insert"
                    ),
                )
                .help(numbered_steps(
                    "keep the default until no running code relies on it:",
                    &[
                        format!("deploy code that sets {c} on every insert"),
                        format!(
                            "drop the default in a later release, once no older version runs or could be rolled back to: ALTER TABLE {sql} ALTER COLUMN {c} DROP DEFAULT;"
                        ),
                    ],
                )),
            );
        }
    }
}

/// `DROP DEFAULT`, or `SET DEFAULT NULL`, which leaves the column without one.
fn drops_default(def: Option<&pg_query::Node>) -> bool {
    match def.and_then(|d| d.node.as_ref()) {
        None => true,
        Some(NodeEnum::AConst(c)) => c.isnull,
        Some(NodeEnum::TypeCast(cast)) => drops_default(cast.arg.as_deref()),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "dropping-column-default";

    #[test]
    fn flags_dropping_the_default_of_a_not_null_column() {
        let sql = "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';\n\
                   ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;";
        assert_eq!(
            findings(ID, sql),
            ["default of NOT NULL column \"status\" of \"orders\" dropped: inserts that do not set \"status\" fail"]
        );
        // The column added with a default is adding-required-column's to
        // leave alone: its default is what the old inserts need.
        assert!(findings("adding-required-column", sql).is_empty());
        let set_null = "ALTER TABLE orders ADD COLUMN s text NOT NULL DEFAULT 'new';\n\
                        ALTER TABLE orders ALTER COLUMN s SET DEFAULT NULL;";
        assert_eq!(findings(ID, set_null).len(), 1);
    }

    #[test]
    fn nullable_columns_new_tables_and_new_defaults_are_fine() {
        let sql =
            "ALTER TABLE orders ADD COLUMN a text DEFAULT 'x';\nALTER TABLE orders ALTER COLUMN a DROP DEFAULT;\n\
                   CREATE TABLE t (b text NOT NULL DEFAULT 'x');\nALTER TABLE t ALTER COLUMN b DROP DEFAULT;\n\
                   ALTER TABLE orders ADD COLUMN c text NOT NULL DEFAULT 'x';\n\
                   ALTER TABLE orders ALTER COLUMN c DROP DEFAULT, ALTER COLUMN c SET DEFAULT 'y';\n\
                   ALTER TABLE orders ALTER COLUMN unknown DROP DEFAULT;";
        assert!(findings(ID, sql).is_empty());
    }
}
