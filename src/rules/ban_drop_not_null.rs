//! `ban-drop-not-null`: `ALTER COLUMN ... DROP NOT NULL` on a column that
//! running code knows: once NULLs are written, code that assumes the column
//! always has a value (the version still running during the deploy, or the
//! one a rollback brings back) reads a NULL it cannot handle.

use pg_query::protobuf::AlterTableType;

use crate::analysis::catalog::Origin;
use crate::analysis::names::quote_ident;
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(BanDropNotNull, id: "ban-drop-not-null", category: Compatibility, severity: Warning, since: "0.2.0");

impl Rule for BanDropNotNull {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        // A table the change created is known only to the new code.
        let Some(alter) = AlterTable::of_table_running_code_uses(ctx) else {
            return;
        };
        let table = &alter.relation;
        let before = ctx.relation_before(table);
        for action in alter.actions_of(AlterTableType::AtDropNotNull) {
            let column = &action.cmd.name;
            match before.and_then(|rel| rel.column(column)) {
                // Added by this change: no running code reads it yet.
                Some(col) if col.origin == Origin::Change => continue,
                // Already nullable: nothing changes.
                Some(col) if !col.not_null => continue,
                _ => {}
            }
            let (sql, col) = (table.to_sql(), quote_ident(column));
            out.push(
                Finding::new(
                    action.span(),
                    format!(
                        "column \"{column}\" of {table} made nullable: code that assumes it always has a value reads NULLs once they are written"
                    ),
                )
                .about_column(column)
                .label(
                    alter.name_span(),
                    "the code still running during the deploy, and the code a rollback brings back, were written for a NOT NULL column",
                )
                .help(numbered_steps(
                    "make the column optional in steps (expand/contract):",
                    &[
                        format!("deploy code that reads {col} as optional (handles NULL), while every writer still sets it"),
                        format!("then drop NOT NULL: ALTER TABLE {sql} ALTER COLUMN {col} DROP NOT NULL;"),
                        format!(
                            "only then deploy code that writes NULL to {col}; a rollback past step 1 after that meets NULLs, and SET NOT NULL again must scan the table"
                        ),
                    ],
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "ban-drop-not-null";

    #[test]
    fn a_down_script_that_drops_not_null_restores_the_old_schema() {
        use crate::input::layout::{Direction, GitState};
        use crate::tests::rules::{migration, run_findings};
        let sql = "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n";
        let mut up = migration("2", "email_required", 1, GitState::Added);
        up.content = crate::input::read::Content::Bytes(sql.as_bytes().to_vec());
        let mut down = migration("2", "email_required", 1, GitState::Added);
        down.path = "db/2_email_required.down.sql".to_string();
        down.script.direction = Some(Direction::Down);
        down.content = crate::input::read::Content::Bytes(sql.as_bytes().to_vec());
        let settings = crate::settings::Settings::default();
        assert_eq!(
            run_findings(ID, vec![up, down], &settings).len(),
            1,
            "the up script's only"
        );
    }

    #[test]
    fn flags_drop_not_null_on_an_existing_column() {
        assert_eq!(
            findings(ID, "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"),
            ["column \"email\" of \"users\" made nullable: code that assumes it always has a value reads NULLs once they are written"]
        );
    }

    #[test]
    fn new_tables_new_columns_and_nullable_columns_are_fine() {
        let sql = "CREATE TABLE t (a text NOT NULL);\nALTER TABLE t ALTER COLUMN a DROP NOT NULL;\n\
                   ALTER TABLE users ADD COLUMN b text NOT NULL DEFAULT '';\nALTER TABLE users ALTER COLUMN b DROP NOT NULL;";
        assert!(findings(ID, sql).is_empty());
    }
}
