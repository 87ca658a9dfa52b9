//! `ban-drop-database`: `DROP DATABASE` removes a whole database and its
//! data, outside any transaction, so nothing can roll it back. Reported by
//! `ban-drop-schema` before 0.2.0; an ignore comment for that id on a `DROP
//! DATABASE` still covers it (`rules::also_covers`).

use pg_query::NodeEnum;

use crate::analysis::names::quote_ident;
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(BanDropDatabase, id: "ban-drop-database", category: DataLoss, severity: Error, since: "0.2.0");

impl Rule for BanDropDatabase {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::DropdbStmt(drop) = ctx.node() else {
            return;
        };
        if created_earlier(ctx, &drop.dbname) {
            return;
        }
        let sql = quote_ident(&drop.dbname);
        out.push(
            Finding::new(
                ctx.clause(&["drop", "database"]),
                format!("database \"{}\" dropped with all its data", drop.dbname),
            )
            .help(numbered_steps(
                "DROP DATABASE runs outside any transaction and cannot be rolled back; a migration should not drop a database:",
                &[
                    format!("back it up first (pg_dump --dbname={sql})"),
                    "once no application connects to it, drop it by hand outside the migrations".to_string(),
                ],
            )),
        );
    }
}

/// An earlier statement of the file created the database: it holds nothing
/// anyone else wrote.
fn created_earlier(ctx: StatementContext<'_>, name: &str) -> bool {
    ctx.file
        .contexts()
        .take(ctx.index)
        .any(|s| matches!(s.node(), NodeEnum::CreatedbStmt(create) if create.dbname == name))
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "ban-drop-database";

    #[test]
    fn flags_drop_database() {
        assert_eq!(
            findings(ID, "DROP DATABASE IF EXISTS shop;"),
            ["database \"shop\" dropped with all its data"]
        );
        assert!(findings("ban-drop-schema", "DROP DATABASE shop;").is_empty());
    }

    #[test]
    fn a_database_created_in_the_file_is_fine() {
        assert!(findings(ID, "CREATE DATABASE scratch;\nDROP DATABASE scratch;").is_empty());
    }
}
