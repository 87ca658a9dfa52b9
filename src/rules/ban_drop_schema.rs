//! `ban-drop-schema`: `DROP SCHEMA` removes a whole namespace of objects,
//! and with them their data. (`DROP DATABASE` is `ban-drop-database`'s.)

use pg_query::protobuf::{DropBehavior, ObjectType};
use pg_query::NodeEnum;

use crate::analysis::names::dropped_names;
use crate::analysis::names::quote_ident;
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(BanDropSchema, id: "ban-drop-schema", category: DataLoss, severity: Error, since: "0.1.0");

impl Rule for BanDropSchema {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::DropStmt(drop) = ctx.node() else {
            return;
        };
        if drop.remove_type != ObjectType::ObjectSchema as i32 {
            return;
        }
        let schemas: Vec<String> = dropped_names(&drop.objects)
            .into_iter()
            .map(|n| n.name)
            .filter(|name| !created_earlier(ctx, name))
            .collect();
        let Some(first) = schemas.first() else { return };
        let quoted: Vec<String> = schemas.iter().map(|s| format!("\"{s}\"")).collect();
        let noun = if schemas.len() == 1 { "schema" } else { "schemas" };
        let cascade = drop.behavior == DropBehavior::DropCascade as i32;
        let mut finding = if cascade {
            Finding::new(
                ctx.clause(&["drop", "schema"]),
                format!(
                    "{noun} {} dropped with CASCADE: every table in it is dropped with its data, and so is every object elsewhere that depends on them",
                    quoted.join(", ")
                ),
            )
            .label(ctx.clause(&["cascade"]), "CASCADE drops the schema's contents instead of refusing")
        } else {
            Finding::new(
                ctx.clause(&["drop", "schema"]),
                format!(
                    "{noun} {} dropped: code that still uses {} fails",
                    quoted.join(", "),
                    if schemas.len() == 1 { "it" } else { "them" }
                ),
            )
        };
        let sql = quote_ident(first);
        let aside = quote_ident(&format!("{first}_deprecated"));
        finding = finding.help(numbered_steps(
            &format!("retire {sql} in steps:"),
            &[
                "stop using its objects in the application, and deploy that".to_string(),
                format!(
                    "keep the data for a while: back it up (pg_dump --schema={sql}) or rename it aside (ALTER SCHEMA {sql} RENAME TO {aside};)"
                ),
                "drop it in a later release, without CASCADE so that anything still in it makes the drop fail"
                    .to_string(),
            ],
        ));
        out.push(finding);
    }
}

/// An earlier statement of the file created the schema: it holds nothing
/// anyone else wrote.
fn created_earlier(ctx: StatementContext<'_>, name: &str) -> bool {
    ctx.file
        .contexts()
        .take(ctx.index)
        .any(|s| matches!(s.node(), NodeEnum::CreateSchemaStmt(create) if create.schemaname == name))
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_drop_schema_and_names_cascade() {
        assert_eq!(findings("ban-drop-schema", "DROP SCHEMA app;").len(), 1);
        assert!(findings("ban-drop-schema", "DROP SCHEMA IF EXISTS app CASCADE;")[0].contains("with CASCADE"));
    }

    #[test]
    fn leaves_drop_database_to_ban_drop_database() {
        assert!(findings("ban-drop-schema", "DROP DATABASE shop;").is_empty());
    }

    #[test]
    fn schemas_created_in_the_file_are_fine() {
        assert!(findings("ban-drop-schema", "CREATE SCHEMA tmp;\nDROP SCHEMA tmp CASCADE;").is_empty());
    }
}
