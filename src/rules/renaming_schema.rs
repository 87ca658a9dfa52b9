//! `renaming-schema`: `ALTER SCHEMA ... RENAME TO` breaks every query of
//! running code that names the schema, at once, and no view can keep the
//! old name of a schema working.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::analysis::names::quote_ident;
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(RenamingSchema, id: "renaming-schema", category: Compatibility, severity: Error, since: "0.2.0");

impl Rule for RenamingSchema {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::RenameStmt(rename) = ctx.node() else {
            return;
        };
        if rename.rename_type != ObjectType::ObjectSchema as i32 {
            return;
        }
        let (old, new) = (&rename.subname, &rename.newname);
        if created_earlier(ctx, old) {
            return;
        }
        let (old_sql, new_sql) = (quote_ident(old), quote_ident(new));
        out.push(
            Finding::new(
                ctx.clause_from("rename"),
                format!("schema \"{old}\" renamed to \"{new}\": running code that names \"{old}\" fails"),
            )
            .help(numbered_steps(
                "a schema has no alias, so move the application first:",
                &[
                    format!(
                        "create the new schema and, for each table, a view there over the old one (a simple view is updatable):\n     \
                         CREATE SCHEMA {new_sql};\n     \
                         CREATE VIEW {new_sql}.<table> AS SELECT * FROM {old_sql}.<table>;"
                    ),
                    format!("switch the application to {new_sql}, and deploy"),
                    format!(
                        "in a later release, in one transaction: drop the views, move each table (ALTER TABLE {old_sql}.<table> SET SCHEMA {new_sql};) and drop {old_sql}"
                    ),
                ],
            )),
        );
    }
}

/// An earlier statement of the file created the schema: no running code
/// names it yet.
fn created_earlier(ctx: StatementContext<'_>, name: &str) -> bool {
    ctx.file
        .contexts()
        .take(ctx.index)
        .any(|s| matches!(s.node(), NodeEnum::CreateSchemaStmt(create) if create.schemaname == name))
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "renaming-schema";

    #[test]
    fn flags_renaming_an_existing_schema() {
        assert_eq!(
            findings(ID, "ALTER SCHEMA reporting RENAME TO analytics;"),
            ["schema \"reporting\" renamed to \"analytics\": running code that names \"reporting\" fails"]
        );
    }

    #[test]
    fn a_schema_created_in_the_file_is_fine() {
        assert!(findings(ID, "CREATE SCHEMA staging;\nALTER SCHEMA staging RENAME TO scratch;").is_empty());
        assert!(findings(ID, "ALTER TABLE t RENAME TO u;").is_empty());
    }
}
