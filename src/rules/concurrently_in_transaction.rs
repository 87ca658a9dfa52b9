//! `concurrently-in-transaction`: a statement PostgreSQL refuses inside a
//! transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...) placed
//! between `BEGIN` and `COMMIT` fails when the migration runs.

use pg_query::protobuf::{AlterTableType, ObjectType, ReindexObjectType};
use pg_query::NodeEnum;

use crate::analysis::facts::{alter_table_cmds, has_option};
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::{Rule, RuleMeta};

crate::declare_rule!(ConcurrentlyInTransaction, id: "concurrently-in-transaction", category: Transaction, severity: Error, since: "0.1.0");

impl Rule for ConcurrentlyInTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        if ctx.facts().transactional {
            return;
        }
        let Some(begin) = ctx.transaction() else {
            return;
        };
        let (command, clauses) = command_name(ctx.node());
        let span = clauses
            .iter()
            .map(|words| ctx.clause(words))
            .find(|span| *span != ctx.span())
            .unwrap_or(ctx.span());
        let mut help = format!(
            "move it to its own migration that runs outside a transaction block (no BEGIN/COMMIT around it):\n  {};",
            ctx.text()
        );
        match ctx.node() {
            NodeEnum::IndexStmt(_) => help.push_str(
                "\nif the build fails it leaves an INVALID index behind: drop it and run the statement again",
            ),
            NodeEnum::AlterEnumStmt(_) => help.push_str(
                "\nfrom PostgreSQL 12 on it may run in a transaction block, but the new value cannot be used before COMMIT",
            ),
            _ => {}
        }
        if let Some((feature, needs)) = version_need(ctx.node()).filter(|(_, needs)| ctx.pg_version() < *needs) {
            help.push_str(&format!(
                "\n{feature} needs PostgreSQL {needs}, and the configured version is {}",
                ctx.pg_version()
            ));
        }
        out.push(
            Finding::new(
                span,
                format!("inside a transaction block, {command} fails with \"cannot run inside a transaction block\""),
            )
            .label(begin, "the transaction block opens here")
            .help(help),
        );
    }
}

/// A concurrent form the configured PostgreSQL may lack.
fn version_need(node: &NodeEnum) -> Option<(&'static str, u32)> {
    match node {
        NodeEnum::ReindexStmt(stmt) if has_option(&stmt.params, "concurrently") => Some(("REINDEX CONCURRENTLY", 12)),
        NodeEnum::AlterTableStmt(_) => Some(("DETACH PARTITION CONCURRENTLY", 14)),
        _ => None,
    }
}

type Clauses = &'static [&'static [&'static str]];

/// The statement's name as PostgreSQL's error spells it, and the words of
/// the clause to point at, most specific first.
fn command_name(node: &NodeEnum) -> (&'static str, Clauses) {
    match node {
        NodeEnum::IndexStmt(_) => (
            "CREATE INDEX CONCURRENTLY",
            &[&["index", "concurrently"], &["concurrently"]],
        ),
        NodeEnum::DropStmt(stmt) if stmt.remove_type == ObjectType::ObjectDatabase as i32 => {
            ("DROP DATABASE", &[&["drop", "database"]])
        }
        NodeEnum::DropStmt(_) => (
            "DROP INDEX CONCURRENTLY",
            &[&["index", "concurrently"], &["concurrently"]],
        ),
        NodeEnum::VacuumStmt(_) => ("VACUUM", &[&["vacuum"]]),
        NodeEnum::ClusterStmt(_) => ("CLUSTER without a table name", &[&["cluster"]]),
        NodeEnum::ReindexStmt(stmt) => match ReindexObjectType::try_from(stmt.kind) {
            Ok(ReindexObjectType::ReindexObjectSchema) => ("REINDEX SCHEMA", &[&["concurrently"], &["reindex"]]),
            Ok(ReindexObjectType::ReindexObjectDatabase) => ("REINDEX DATABASE", &[&["concurrently"], &["reindex"]]),
            Ok(ReindexObjectType::ReindexObjectSystem) => ("REINDEX SYSTEM", &[&["reindex"]]),
            _ => ("REINDEX CONCURRENTLY", &[&["concurrently"], &["reindex"]]),
        },
        NodeEnum::AlterTableStmt(stmt)
            if alter_table_cmds(&stmt.cmds).any(|c| c.subtype == AlterTableType::AtDetachPartition as i32) =>
        {
            (
                "DETACH PARTITION CONCURRENTLY",
                &[&["concurrently"], &["detach", "partition"]],
            )
        }
        NodeEnum::AlterEnumStmt(_) => ("ALTER TYPE ... ADD VALUE", &[&["add", "value"]]),
        NodeEnum::CreatedbStmt(_) => ("CREATE DATABASE", &[&["create", "database"]]),
        NodeEnum::AlterSystemStmt(_) => ("ALTER SYSTEM", &[&["alter", "system"]]),
        NodeEnum::CreateTableSpaceStmt(_) => ("CREATE TABLESPACE", &[&["create", "tablespace"]]),
        NodeEnum::DropTableSpaceStmt(_) => ("DROP TABLESPACE", &[&["drop", "tablespace"]]),
        _ => ("this statement", &[]),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{findings, findings_with};

    #[test]
    fn flags_concurrent_index_inside_begin_commit() {
        let found = findings(
            "concurrently-in-transaction",
            "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;",
        );
        assert_eq!(found, ["inside a transaction block, CREATE INDEX CONCURRENTLY fails with \"cannot run inside a transaction block\""]);
    }

    #[test]
    fn flags_vacuum_in_a_transaction_block() {
        assert_eq!(
            findings("concurrently-in-transaction", "START TRANSACTION;\nVACUUM t;\nEND;").len(),
            1
        );
    }

    #[test]
    fn notes_versions_without_the_concurrent_form() {
        let mut settings = crate::engine::Settings::new(13);
        settings.set_rule("require-lock-timeout", None);
        let sql = "BEGIN;\nALTER TABLE m DETACH PARTITION m1 CONCURRENTLY;\nCOMMIT;";
        let report = crate::engine::lint_source(crate::source::SourceFile::new("t.sql", sql), &settings);
        let help = report
            .diagnostics
            .iter()
            .find_map(|d| d.help.clone())
            .unwrap_or_default();
        assert!(
            help.contains("needs PostgreSQL 14, and the configured version is 13"),
            "{help}"
        );
        let add_value = "BEGIN;\nALTER TYPE mood ADD VALUE 'calm';\nCOMMIT;";
        let id = "concurrently-in-transaction";
        assert_eq!(findings_with(id, add_value, &crate::engine::Settings::new(11)).len(), 1);
        assert!(findings(id, add_value).is_empty(), "allowed from PostgreSQL 12 on");
    }

    #[test]
    fn outside_a_transaction_block_is_fine() {
        assert!(findings(
            "concurrently-in-transaction",
            "BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);"
        )
        .is_empty());
    }
}
