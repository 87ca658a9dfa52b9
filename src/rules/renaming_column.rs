//! `renaming-column`: `ALTER TABLE ... RENAME COLUMN` on an existing table
//! breaks running code that still uses the old name.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use sqlparser::ast::AlterTableOperation;

use crate::analysis::mysql::MysqlAnalyzed;
use crate::analysis::names::quote_ident;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(RenamingColumn, id: "renaming-column", category: Compatibility, severity: Error, since: "0.1.0");

impl Rule for RenamingColumn {
    /// MySQL: `RENAME COLUMN`, or `CHANGE COLUMN` to another name, on a
    /// table that existed before the change.
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            let Some((operations, table)) = statement.altered_existing_table() else {
                continue;
            };
            for operation in operations {
                let (old, new) = match operation {
                    AlterTableOperation::RenameColumn {
                        old_column_name,
                        new_column_name,
                    } => (&old_column_name.value, &new_column_name.value),
                    AlterTableOperation::ChangeColumn { old_name, new_name, .. }
                        if !old_name.value.eq_ignore_ascii_case(&new_name.value) =>
                    {
                        (&old_name.value, &new_name.value)
                    }
                    _ => continue,
                };
                let name = &table.name;
                let steps = numbered_steps(
                    "rename it in steps so that every deployed version keeps working (expand/contract):",
                    &[
                        format!("ALTER TABLE `{name}` ADD COLUMN `{new}` <type of `{old}`>, ALGORITHM=INSTANT;"),
                        format!("write both `{old}` and `{new}` from the application (or a trigger), and deploy"),
                        format!("backfill `{new}` from `{old}` in batches, outside the schema migration"),
                        format!("read only `{new}`, and deploy"),
                        format!("drop `{old}` in a later release"),
                    ],
                );
                out.push(
                    Finding::new(
                        statement.span,
                        format!("column `{old}` of `{name}` renamed to `{new}`: running code that uses `{old}` fails"),
                    )
                    .help(steps),
                );
            }
        }
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::RenameStmt(rename) = ctx.node() else {
            return;
        };
        if rename.rename_type != ObjectType::ObjectColumn as i32
            || rename.relation_type != ObjectType::ObjectTable as i32
        {
            return;
        }
        let Some(rv) = rename.relation.as_ref() else {
            return;
        };
        let table = RelationName::from_range_var(rv);
        if ctx.is_new(&table) {
            return;
        }
        let (old, new) = (&rename.subname, &rename.newname);
        let mut finding = Finding::new(
            ctx.clause_from("rename"),
            format!("column \"{old}\" of {table} renamed to \"{new}\": running code that uses \"{old}\" fails"),
        );
        if let Some(lock) = ctx.lock_on_existing(&table) {
            finding = finding
                .label(ctx.name_at(rv.location), lock.describe())
                .lock(&lock.relation, lock.mode);
        }
        let (sql, old, new) = (table.to_sql(), quote_ident(old), quote_ident(new));
        let steps = numbered_steps(
            "rename it in steps so that every deployed version keeps working (expand/contract):",
            &[
                format!("ALTER TABLE {sql} ADD COLUMN {new} <type of {old}>;"),
                format!("write both {old} and {new} from the application (or a trigger), and deploy"),
                format!("backfill {new} from {old} in batches, outside the schema migration"),
                format!("read only {new}, and deploy"),
                format!("drop {old} in a later release"),
            ],
        );
        out.push(finding.help(format!(
            "{steps}\n\
             or, for a short switch-over, rename the table aside in the same transaction and create a view with the old table name that exposes {old}, until old code is gone"
        )));
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_renamed_columns_of_existing_tables() {
        assert_eq!(
            findings(
                "renaming-column",
                "ALTER TABLE users RENAME COLUMN email TO email_address;"
            ),
            ["column \"email\" of \"users\" renamed to \"email_address\": running code that uses \"email\" fails"]
        );
        assert_eq!(
            findings(
                "renaming-column",
                "ALTER TABLE IF EXISTS app.users RENAME email TO mail;"
            )
            .len(),
            1
        );
    }

    #[test]
    fn new_tables_and_other_renames_are_fine() {
        assert!(findings(
            "renaming-column",
            "CREATE TABLE t (a text);\nALTER TABLE t RENAME COLUMN a TO b;"
        )
        .is_empty());
        assert!(findings(
            "renaming-column",
            "ALTER TABLE t RENAME TO u; ALTER TABLE t RENAME CONSTRAINT c TO d;"
        )
        .is_empty());
    }
}
