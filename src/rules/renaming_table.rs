//! `renaming-table`: `ALTER TABLE ... RENAME TO` on an existing table breaks
//! running code that still uses the old name.

use pg_query::protobuf::{AlterObjectSchemaStmt, ObjectType};
use pg_query::NodeEnum;

use sqlparser::ast::{AlterTableOperation, RenameTableNameKind};

use crate::analysis::mysql::actions::name_of;
use crate::analysis::mysql::{Action as MysqlAction, MysqlAnalyzed};
use crate::analysis::names::quote_ident;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(RenamingTable, id: "renaming-table", category: Compatibility, severity: Error, since: "0.1.0");

impl Rule for RenamingTable {
    /// MySQL: `RENAME TABLE` or `ALTER TABLE ... RENAME TO` of a table that
    /// existed before the change.
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            let renames: Vec<(String, String)> = match (&statement.action, statement.altered_existing_table()) {
                // The existing tables, as written, of the renamed ones.
                (MysqlAction::RenameTables { pairs }, _) => pairs
                    .iter()
                    .filter_map(|(old, new)| {
                        let existing = statement.existing_tables.iter().find(|t| t.eq_ignore_ascii_case(old))?;
                        Some((existing.clone(), new.clone()))
                    })
                    .collect(),
                (_, Some((operations, table))) => operations
                    .iter()
                    .filter_map(|operation| match operation {
                        AlterTableOperation::RenameTable {
                            table_name: RenameTableNameKind::To(new) | RenameTableNameKind::As(new),
                        } => Some((table.name.clone(), name_of(new))),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (old, new) in renames {
                let steps = numbered_steps(
                    "keep the old name working while both versions of the application run:",
                    &[
                        format!(
                            "rename it and leave an updatable view under the old name, so old code keeps reading and writing:\n     \
                             RENAME TABLE `{old}` TO `{new}`;\n     \
                             CREATE VIEW `{old}` AS SELECT * FROM `{new}`;"
                        ),
                        format!("switch the application to `{new}`, and deploy"),
                        format!("DROP VIEW `{old}`; in a later release"),
                    ],
                );
                out.push(
                    Finding::new(
                        statement.span,
                        format!("table `{old}` renamed to `{new}`: running code that uses `{old}` fails"),
                    )
                    .help(steps),
                );
            }
        }
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        if let NodeEnum::AlterObjectSchemaStmt(moved) = ctx.node() {
            set_schema(ctx, moved, out);
            return;
        }
        let NodeEnum::RenameStmt(rename) = ctx.node() else {
            return;
        };
        if rename.rename_type != ObjectType::ObjectTable as i32 {
            return;
        }
        let Some(rv) = rename.relation.as_ref() else {
            return;
        };
        let table = RelationName::from_range_var(rv);
        if ctx.is_new(&table) || view_keeps_old_name(ctx, &table) {
            return;
        }
        let new = &rename.newname;
        let mut finding = Finding::new(
            ctx.clause_from("rename"),
            format!("table {table} renamed to \"{new}\": running code that uses {table} fails"),
        );
        if let Some(lock) = ctx.lock_on_existing(&table) {
            finding = finding
                .label(ctx.name_at(rv.location), lock.describe())
                .lock(&lock.relation, lock.mode);
        }
        let old = table.to_sql();
        let renamed = RelationName::new(table.schema.as_deref(), new).to_sql();
        let new_sql = quote_ident(new);
        let steps = numbered_steps(
            "keep the old name working while both versions of the application run:",
            &[
                format!(
                    "in one transaction, rename it and leave a view under the old name (a simple view is updatable, so old code keeps reading and writing):\n     \
                     BEGIN;\n     \
                     ALTER TABLE {old} RENAME TO {new_sql};\n     \
                     CREATE VIEW {old} AS SELECT * FROM {renamed};\n     \
                     COMMIT;"
                ),
                format!("switch the application to {new_sql}, and deploy"),
                format!("DROP VIEW {old}; in a later release"),
            ],
        );
        out.push(finding.help(format!(
            "{steps}\n\
             or expand/contract: create {new_sql}, write to both, backfill, switch reads, then drop {old}"
        )));
    }
}

/// `ALTER TABLE ... SET SCHEMA` of an existing table: its qualified name
/// changes as a rename's does.
fn set_schema(ctx: StatementContext<'_>, moved: &AlterObjectSchemaStmt, out: &mut Vec<Finding>) {
    if moved.object_type != ObjectType::ObjectTable as i32 {
        return;
    }
    let Some(rv) = moved.relation.as_ref() else {
        return;
    };
    let table = RelationName::from_range_var(rv);
    if ctx.is_new(&table) || view_keeps_old_name(ctx, &table) {
        return;
    }
    let schema = &moved.newschema;
    let mut finding = Finding::new(
        ctx.clause_from("set"),
        format!("table {table} moved to schema \"{schema}\": running code that uses {table} fails"),
    );
    if let Some(lock) = ctx.lock_on_existing(&table) {
        finding = finding
            .label(ctx.name_at(rv.location), lock.describe())
            .lock(&lock.relation, lock.mode);
    }
    let old = table.to_sql();
    let moved_sql = RelationName::new(Some(schema), &table.name).to_sql();
    let steps = numbered_steps(
        "keep the old name working while both versions of the application run:",
        &[
            format!(
                "in one transaction, move it and leave a view under the old name (a simple view is updatable, so old code keeps reading and writing):\n     \
                 BEGIN;\n     \
                 ALTER TABLE {old} SET SCHEMA {};\n     \
                 CREATE VIEW {old} AS SELECT * FROM {moved_sql};\n     \
                 COMMIT;",
                quote_ident(schema)
            ),
            format!("switch the application to {moved_sql}, and deploy"),
            format!("DROP VIEW {old}; in a later release"),
        ],
    );
    out.push(finding.help(steps));
}

/// A later statement of the file creates a view with the table's old name,
/// the safe recipe itself.
fn view_keeps_old_name(ctx: StatementContext<'_>, table: &RelationName) -> bool {
    ctx.file.contexts().skip(ctx.index + 1).any(|s| match s.node() {
        NodeEnum::ViewStmt(view) => view
            .view
            .as_ref()
            .is_some_and(|rv| RelationName::from_range_var(rv).same_as(table)),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_renaming_an_existing_table() {
        assert_eq!(
            findings("renaming-table", "ALTER TABLE users RENAME TO accounts;"),
            ["table \"users\" renamed to \"accounts\": running code that uses \"users\" fails"]
        );
    }

    #[test]
    fn new_tables_and_a_view_with_the_old_name_are_fine() {
        assert!(findings("renaming-table", "CREATE TABLE t (a text);\nALTER TABLE t RENAME TO u;").is_empty());
        assert!(findings(
            "renaming-table",
            "ALTER TABLE users RENAME TO accounts;\nCREATE VIEW users AS SELECT * FROM accounts;"
        )
        .is_empty());
        assert!(findings("renaming-table", "ALTER TABLE users RENAME COLUMN a TO b;").is_empty());
    }

    #[test]
    fn moving_an_existing_table_to_another_schema_renames_it() {
        assert_eq!(
            findings("renaming-table", "ALTER TABLE app.users SET SCHEMA archive;"),
            ["table \"app\".\"users\" moved to schema \"archive\": running code that uses \"app\".\"users\" fails"]
        );
        assert!(findings(
            "renaming-table",
            "CREATE TABLE t (a text);\nALTER TABLE t SET SCHEMA archive;"
        )
        .is_empty());
        assert!(findings(
            "renaming-table",
            "ALTER TABLE users SET SCHEMA archive;\nCREATE VIEW users AS SELECT * FROM archive.users;"
        )
        .is_empty());
        assert!(findings("renaming-table", "ALTER SEQUENCE s SET SCHEMA archive;").is_empty());
    }

    #[test]
    fn mysql_renames_of_existing_tables_whatever_their_case() {
        use crate::tests::rules::mysql_findings_after;
        let found = mysql_findings_after(
            "renaming-table",
            "CREATE TABLE `Users` (id int);\nCREATE TABLE teams (id int);",
            "CREATE TABLE fresh (id int);\nRENAME TABLE users TO people, fresh TO fresher;\nALTER TABLE teams RENAME TO squads;",
            &crate::settings::Settings::default(),
        );
        assert_eq!(
            found,
            [
                "table `Users` renamed to `people`: running code that uses `Users` fails",
                "table `teams` renamed to `squads`: running code that uses `teams` fails"
            ]
        );
    }
}
