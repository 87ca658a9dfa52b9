//! `statement-not-rerunnable`: a statement that commits before its file
//! ends (autocommit, or a transaction the file commits) and that fails, or
//! does its work twice, when the migration runs again after a later
//! statement failed: `CREATE TABLE` without `IF NOT EXISTS`, `DROP` without
//! `IF EXISTS`, `ADD CONSTRAINT`, `RENAME`. A failed `CREATE INDEX
//! CONCURRENTLY` leaves an INVALID index, so the build itself is flagged.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::analysis::names::{quote_ident, RelationName};
use crate::analysis::rerun::{rerun, rerun_actions, Guard, Rerun};
use crate::analysis::{AnalyzedFile, StatementContext, TransactionMode};
use crate::diagnostic::Finding;
use crate::input::layout::{RunnerTransaction, Tool};
use crate::input::source::Span;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(StatementNotRerunnable, id: "statement-not-rerunnable", category: Transaction, severity: Warning, since: "0.1.0");

impl Rule for StatementNotRerunnable {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        if !commits_part_way(file) {
            return;
        }
        let top: Vec<StatementContext<'_>> = file.top_level().collect();
        for (i, ctx) in top.iter().enumerate() {
            if ctx.state().undone_by.is_some() {
                continue;
            }
            let tx = ctx.state().transaction_id;
            // The first statement after this one's transaction that can fail:
            // from there on a failure runs the file again.
            let later = top[i + 1..]
                .iter()
                .find(|later| can_fail(later) && (tx.is_none() || later.state().transaction_id != tx));
            let concurrent_build = matches!(ctx.node(), NodeEnum::IndexStmt(s) if s.concurrent)
                && tx.is_none()
                && runs_statements_one_by_one(file);
            if later.is_none() && !concurrent_build || rebuilt_after_drop(*ctx, &top[..i]) {
                continue;
            }
            check(*ctx, later.copied(), out);
        }
    }
}

/// A runner that records a migration only once all of it ran, and runs it
/// again after a failure, runs this file so that part of it can commit
/// before its end: the configuration says files run in autocommit, the file
/// opted out of its tool's transaction, its tool runs it without one
/// (Sqitch, a Flyway script of statements that refuse a transaction, a
/// lone statement that golang-migrate, Prisma or Supabase send), or the
/// runner wraps it and the tracker finds where a COMMIT of the file ends
/// that transaction. A file of no known tool is left alone unless the
/// configuration speaks: most runners wrap a file in a transaction, and
/// `psql -f` records nothing to run again.
fn commits_part_way(file: &AnalyzedFile<'_>) -> bool {
    let script = file.script;
    if script.tool == Tool::Liquibase {
        // Liquibase records each changeset: a re-run starts at the one that failed.
        return false;
    }
    if file.options.autocommit_declared || file.options.transaction != TransactionMode::None {
        return true;
    }
    script.tool != Tool::Plain
        && (script.opted_out
            || matches!(script.tool, Tool::Sqitch | Tool::Flyway)
            || script.transaction == RunnerTransaction::Batch)
}

/// The runner sends the file's statements one at a time, so that a `DROP
/// INDEX CONCURRENTLY IF EXISTS` can precede a lone concurrent build in its
/// file: goose and Atlas split the file, Flyway runs each statement, Sqitch
/// and a plain runner go through `psql`. golang-migrate, Prisma and
/// Supabase send the file as one query, and so do sqlx, Diesel and dbmate
/// when the file opts out of their transaction: a second statement would
/// put the build in the implicit transaction PostgreSQL opens for a query
/// of several statements, which `CONCURRENTLY` refuses. There, the lone
/// build is not flagged: its file cannot hold the remedy, and a failed
/// build's re-run stops with "already exists" rather than passing.
fn runs_statements_one_by_one(file: &AnalyzedFile<'_>) -> bool {
    matches!(
        file.script.tool,
        Tool::Goose | Tool::Atlas | Tool::Flyway | Tool::Sqitch | Tool::Plain
    )
}

/// A named index build after a `DROP INDEX ... IF EXISTS` of that name in
/// the file: running again drops what the last run left, valid or not.
fn rebuilt_after_drop(ctx: StatementContext<'_>, before: &[StatementContext<'_>]) -> bool {
    let NodeEnum::IndexStmt(index) = ctx.node() else {
        return false;
    };
    if index.idxname.is_empty() {
        return false;
    }
    before.iter().any(|b| match b.node() {
        NodeEnum::DropStmt(drop) if drop.missing_ok && drop.remove_type == ObjectType::ObjectIndex as i32 => {
            crate::analysis::names::dropped_names(&drop.objects)
                .iter()
                .any(|n| n.name == index.idxname)
        }
        _ => false,
    })
}

/// A statement whose failure matters: not transaction control or a setting.
fn can_fail(ctx: &StatementContext<'_>) -> bool {
    !matches!(
        ctx.node(),
        NodeEnum::TransactionStmt(_) | NodeEnum::VariableSetStmt(_) | NodeEnum::VariableShowStmt(_)
    )
}

fn check(ctx: StatementContext<'_>, later: Option<StatementContext<'_>>, out: &mut Vec<Finding>) {
    let committed = if ctx.in_transaction() {
        "its transaction commits before the file ends"
    } else {
        "this runs in autocommit"
    };
    let (whole, actions): (Option<Rerun>, Vec<(Span, Rerun)>) = match ctx.node() {
        NodeEnum::AlterTableStmt(stmt) => (
            None,
            rerun_actions(stmt)
                .into_iter()
                .map(|(n, r)| (ctx.alter_action_span(n), r))
                .collect(),
        ),
        node => (rerun(node, ctx.pg_version()), Vec::new()),
    };
    let mut found: Vec<(Span, Rerun)> = actions;
    if let Some(whole) = whole {
        let span = whole
            .clause
            .iter()
            .map(|words| ctx.clause(words))
            .find(|span| *span != ctx.span())
            .unwrap_or(ctx.span());
        found.push((span, whole));
    }
    for (span, what) in found {
        let concurrent_alone = later.is_none();
        let message = if concurrent_alone {
            format!(
                "if this concurrent build fails, running the migration again {}",
                what.outcome
            )
        } else {
            format!(
                "{committed}: if a later statement fails and the migration runs again, this {}",
                what.outcome.replacen("fails", "statement fails", 1)
            )
        };
        let mut finding = Finding::new(span, message).help(help(ctx, span, &what));
        if let Some(later) = later {
            finding = finding.label(
                later.span(),
                "a failure here or after leaves the statements before it done",
            );
        }
        out.push(finding);
    }
}

fn help(ctx: StatementContext<'_>, span: Span, what: &Rerun) -> String {
    let text = &ctx.file.source.text;
    match &what.guard {
        Guard::Words { after, words } => {
            // Within the flagged clause's statement part, after its word.
            let part = if matches!(ctx.node(), NodeEnum::AlterTableStmt(_)) {
                span
            } else {
                ctx.span()
            };
            let tokens = ctx.tokens_in(part);
            let guarded_part = match tokens.iter().find(|t| t.is(after)) {
                Some(t) => format!(
                    "{} {words}{}",
                    &text[part.start..t.span.end],
                    &text[t.span.end..part.end]
                ),
                None => text[part.start..part.end].to_string(),
            };
            // The whole statement, with the guarded action in its place.
            let statement = ctx.span();
            let guarded = format!(
                "{}{guarded_part}{};",
                &text[statement.start..part.start],
                &text[part.end..statement.end]
            );
            let mut help = format!("write it so that it runs again without failing:\n  {guarded}");
            if *words == "IF NOT EXISTS" {
                help.push_str("\nIF NOT EXISTS keeps an object of that name as it is, even one defined differently");
            }
            help
        }
        Guard::DropFirst(drop) => match ctx.node() {
            NodeEnum::AlterTableStmt(stmt) => {
                let table = stmt
                    .relation
                    .as_ref()
                    .map(RelationName::from_range_var)
                    .map(|r| r.to_sql())
                    .unwrap_or_default();
                format!(
                    "PostgreSQL has no ADD CONSTRAINT IF NOT EXISTS: drop it first in the same statement, so both happen or neither:\n  ALTER TABLE {table} {drop}, {};\nor guard it with a DO block that adds it only when pg_constraint has no constraint of that name on the table",
                    &text[span.start..span.end]
                )
            }
            _ => numbered_steps(
                "PostgreSQL has no IF NOT EXISTS for this: drop it first, then create it:",
                &[format!("{drop};"), format!("{};", ctx.text())],
            ),
        },
        Guard::CheckCatalog(table) => check_catalog_help(ctx, table),
        Guard::DropIndexFirst(drop) => numbered_steps(
            "drop what a failed build left, then build it (not IF NOT EXISTS, which would keep an INVALID index):",
            &[format!("{drop};"), format!("{};", ctx.text())],
        ),
    }
}

/// A `DO` block that runs the statement only when the catalog lacks what it
/// creates, where miglint can write the check; else the advice.
fn check_catalog_help(ctx: StatementContext<'_>, table: &str) -> String {
    let literal = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let condition = match ctx.node() {
        NodeEnum::CreateEnumStmt(s) => type_condition(&s.type_name),
        NodeEnum::CompositeTypeStmt(s) => s.typevar.as_ref().map(|rv| {
            let name = RelationName::from_range_var(rv);
            format!("SELECT FROM pg_type WHERE typname = {}", literal(&name.name))
        }),
        NodeEnum::CreateRangeStmt(s) => type_condition(&s.type_name),
        NodeEnum::CreateDomainStmt(s) => type_condition(&s.domainname),
        NodeEnum::RenameStmt(s) if s.rename_type == ObjectType::ObjectColumn as i32 => s.relation.as_ref().map(|rv| {
            format!(
                "SELECT FROM information_schema.columns WHERE table_name = {} AND column_name = {}",
                literal(&rv.relname),
                literal(&s.subname)
            )
        }),
        _ => None,
    };
    match condition {
        Some(condition) if matches!(ctx.node(), NodeEnum::RenameStmt(_)) => format!(
            "PostgreSQL has no IF EXISTS for this: rename only while the old name is there:\n  DO $$ BEGIN\n    IF EXISTS ({condition}) THEN\n      {};\n    END IF;\n  END $$;",
            ctx.text()
        ),
        Some(condition) => format!(
            "PostgreSQL has no IF NOT EXISTS for this: create it only when {table} lacks it:\n  DO $$ BEGIN\n    IF NOT EXISTS ({condition}) THEN\n      {};\n    END IF;\n  END $$;",
            ctx.text()
        ),
        None if matches!(ctx.node(), NodeEnum::IndexStmt(_) | NodeEnum::AlterTableStmt(_)) => {
            "give it a name, so that running again can find it: CREATE INDEX IF NOT EXISTS <name> ... for an index (DROP INDEX CONCURRENTLY IF EXISTS <name> first for a concurrent build), or ADD CONSTRAINT <name> after DROP CONSTRAINT IF EXISTS <name> in the same ALTER TABLE".to_string()
        }
        None => format!("PostgreSQL has no IF EXISTS guard for this: run it in a DO block that checks {table} first"),
    }
}

fn type_condition(names: &[pg_query::Node]) -> Option<String> {
    let name = RelationName::from_name_list(names)?;
    let mut condition = format!(
        "SELECT FROM pg_type WHERE typname = '{}'",
        name.name.replace('\'', "''")
    );
    if let Some(schema) = &name.schema {
        condition.push_str(&format!(
            " AND typnamespace = {}::regnamespace",
            format_args!("'{}'", quote_ident(schema).replace('\'', "''"))
        ));
    }
    Some(condition)
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

    const ID: &str = "statement-not-rerunnable";

    fn autocommit() -> Settings {
        let mut settings = Settings::default();
        settings.transaction = Some(crate::analysis::TransactionMode::None);
        settings
    }

    #[test]
    fn flags_statements_a_later_failure_runs_again() {
        let found = findings_with(
            ID,
            "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;\nDROP TABLE u;",
            &autocommit(),
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("this runs in autocommit: if a later statement fails"),
            "{found:?}"
        );
    }

    #[test]
    fn a_lone_statement_or_one_transaction_is_atomic() {
        assert!(findings_with(ID, "CREATE TABLE t (a int);", &autocommit()).is_empty());
        assert!(findings_with(
            ID,
            "BEGIN;\nCREATE TABLE t (a int);\nDROP TABLE u;\nCOMMIT;",
            &autocommit()
        )
        .is_empty());
        let mut per_file = Settings::default();
        per_file.transaction = Some(crate::analysis::TransactionMode::PerFile);
        assert!(findings_with(ID, "CREATE TABLE t (a int);\nDROP TABLE u;", &per_file).is_empty());
    }

    #[test]
    fn plain_files_are_left_alone_unless_the_configuration_speaks() {
        let sql = "CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY i ON u (a);";
        assert!(findings(ID, sql).is_empty());
        let found = findings_with(ID, sql, &autocommit());
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[1].starts_with("if this concurrent build fails"), "{found:?}");
    }

    #[test]
    fn a_commit_in_the_runner_transaction_commits_what_ran() {
        let mut per_file = Settings::default();
        per_file.transaction = Some(crate::analysis::TransactionMode::PerFile);
        let found = findings_with(ID, "CREATE TABLE t (a int);\nCOMMIT;\nDROP TABLE u;", &per_file);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("its transaction commits before the file ends"),
            "{found:?}"
        );
    }

    #[test]
    fn guarded_statements_are_fine() {
        let sql = "CREATE TABLE IF NOT EXISTS t (a int);\nALTER TABLE t ADD COLUMN IF NOT EXISTS b int;\nDROP INDEX CONCURRENTLY IF EXISTS i;\nCREATE INDEX CONCURRENTLY i ON t (a);\nDROP TABLE IF EXISTS u;";
        let found = findings_with(ID, sql, &autocommit());
        assert!(
            found.is_empty(),
            "the drop before the build clears what a failed one left: {found:?}"
        );
    }
}
