//! `concurrently-in-transaction`: a statement PostgreSQL refuses inside a
//! transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...) placed
//! between `BEGIN` and `COMMIT`, or inside a `DO` block or a function,
//! fails when the migration runs.

use pg_query::protobuf::{AlterTableType, ObjectType, ReindexObjectType};
use pg_query::NodeEnum;

use crate::analysis::facts::minimum_version;
use crate::analysis::{AnalyzedFile, StatementContext};
use crate::diagnostic::Finding;
use crate::parse::ast::alter_table_cmds;
use crate::rule::Rule;
use crate::rules::recipe::{leave_runner_transaction, runner_wraps};

crate::rule::declare_rule!(ConcurrentlyInTransaction, id: "concurrently-in-transaction", category: Transaction, severity: Error, since: "0.1.0");

impl Rule for ConcurrentlyInTransaction {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        let in_runner = file
            .contexts()
            .filter(|c| c.in_implicit_transaction() && refuses_a_transaction(c))
            .count();
        for ctx in file.contexts().filter(refuses_a_transaction) {
            check(ctx, in_runner, out);
        }
    }
}

/// `in_runner`: how many statements of the file refuse a transaction and
/// run in the runner's.
fn check(ctx: StatementContext<'_>, in_runner: usize, out: &mut Vec<Finding>) {
    let begin = ctx.transaction();
    let runner = ctx.in_implicit_transaction();
    let embedded = ctx.embedding().is_some();
    if begin.is_none() && !runner && !embedded {
        return;
    }
    let (command, clauses) = command_name(ctx.node());
    let span = clauses
        .iter()
        .map(|words| ctx.clause(words))
        .find(|span| *span != ctx.span())
        .unwrap_or(ctx.span());
    let (message, mut help) = if embedded {
        (
            format!("inside a DO block or function, {command} fails with \"cannot be executed from a function\""),
            format!(
                "run it as a statement of its own, outside the body and outside any transaction block:\n  {};",
                ctx.text()
            ),
        )
    } else if runner {
        let mut help = format!("{}:\n  {};", leave_runner_transaction(ctx), ctx.text());
        if in_runner > 1 {
            help.push_str(&format!(
                    "\nthis file holds {in_runner} such statements: give each its own migration, so that one failing does not leave the others done but the migration unrecorded"
                ));
        }
        (
            format!(
                "{}: {command} fails with \"cannot run inside a transaction block\"",
                runner_wraps(ctx)
            ),
            help,
        )
    } else {
        (
                format!("inside a transaction block, {command} fails with \"cannot run inside a transaction block\""),
                format!(
                    "move it to its own migration that runs outside a transaction block (no BEGIN/COMMIT around it):\n  {};",
                    ctx.text()
                ),
            )
    };
    if let NodeEnum::IndexStmt(_) = ctx.node() {
        help.push_str("\nif the build fails it leaves an INVALID index behind: drop it and run the statement again");
    }
    // The form does not exist on the configured version: moving it helps nothing.
    if let Some((feature, needs)) = minimum_version(ctx.node()).filter(|(_, needs)| ctx.pg_version() < *needs) {
        let instead = match ctx.node() {
                NodeEnum::ReindexStmt(_) => "build a replacement with CREATE INDEX CONCURRENTLY outside a transaction block, then drop the old index and rename the new one (see `miglint explain require-concurrent-reindex`)",
                _ => "detach without CONCURRENTLY, with a short lock_timeout, in a transaction that does nothing else (see `miglint explain require-concurrent-detach-partition`)",
            };
        help = format!(
                "{feature} needs PostgreSQL {needs}, and the configured version is {}: it fails there inside or outside a transaction block; instead, {instead}",
                ctx.pg_version()
            );
    }
    let mut finding = Finding::new(span, message);
    if let Some(begin) = begin {
        finding = finding.label(begin, "the transaction block opens here");
    }
    out.push(finding.help(help));
}

/// A statement PostgreSQL refuses inside a transaction. `ALTER TYPE ... ADD
/// VALUE` before PostgreSQL 12 is left to `enum-value-in-transaction`.
fn refuses_a_transaction(ctx: &StatementContext<'_>) -> bool {
    !ctx.facts().transactional && !matches!(ctx.node(), NodeEnum::AlterEnumStmt(_))
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
        NodeEnum::TransactionStmt(_) => ("COMMIT PREPARED or ROLLBACK PREPARED", &[&["prepared"]]),
        NodeEnum::CreatedbStmt(_) => ("CREATE DATABASE", &[&["create", "database"]]),
        NodeEnum::AlterSystemStmt(_) => ("ALTER SYSTEM", &[&["alter", "system"]]),
        NodeEnum::CreateTableSpaceStmt(_) => ("CREATE TABLESPACE", &[&["create", "tablespace"]]),
        NodeEnum::DropTableSpaceStmt(_) => ("DROP TABLESPACE", &[&["drop", "tablespace"]]),
        _ => ("this statement", &[]),
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::{findings, findings_with};

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
        let mut settings = crate::settings::Settings::new(13);
        settings.set_rule("require-lock-timeout", None);
        let sql = "BEGIN;\nALTER TABLE m DETACH PARTITION m1 CONCURRENTLY;\nCOMMIT;";
        let report = crate::report::engine::lint_source(crate::input::source::SourceFile::new("t.sql", sql), &settings);
        let help = report
            .diagnostics
            .iter()
            .find_map(|d| d.help.clone())
            .unwrap_or_default();
        assert!(
            help.contains("needs PostgreSQL 14, and the configured version is 13") && !help.contains("move it"),
            "{help}"
        );
        let add_value = "BEGIN;\nALTER TYPE mood ADD VALUE 'calm';\nCOMMIT;";
        let id = "concurrently-in-transaction";
        assert!(
            findings_with(id, add_value, &crate::settings::Settings::new(11)).is_empty(),
            "enum-value-in-transaction reports it"
        );
    }

    #[test]
    fn flags_each_statement_in_the_runner_transaction() {
        let mut settings = crate::settings::Settings::default();
        settings.transaction = Some(crate::analysis::TransactionMode::PerFile);
        let sql = "CREATE INDEX CONCURRENTLY i ON t (a);\nCREATE INDEX CONCURRENTLY j ON t (b);\nCOMMIT;\nVACUUM t;";
        let found = findings_with("concurrently-in-transaction", sql, &settings);
        assert_eq!(found.len(), 2, "VACUUM runs after the runner's transaction ended");
        assert!(found[0].starts_with("the migration runner runs this file in one transaction"));
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
