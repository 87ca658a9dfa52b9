//! `concurrent-index-if-not-exists`: `CREATE INDEX CONCURRENTLY IF NOT
//! EXISTS`. A concurrent build that fails (a duplicate for a unique index, a
//! deadlock, a cancel) leaves an INVALID index behind; run again, `IF NOT
//! EXISTS` finds that name, says NOTICE and succeeds, and the index stays
//! INVALID: never used by queries, a unique one still checked on writes.

use pg_query::NodeEnum;

use crate::analysis::names::RelationName;
use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::input::layout::RunnerTransaction;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(ConcurrentIndexIfNotExists, id: "concurrent-index-if-not-exists", category: Transaction, severity: Warning, since: "0.1.0");

impl Rule for ConcurrentIndexIfNotExists {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::IndexStmt(index) = ctx.node() else {
            return;
        };
        // Inside a transaction the build fails at once: concurrently-in-transaction says so.
        if !index.concurrent || !index.if_not_exists || ctx.in_transaction() || ctx.embedding().is_some() {
            return;
        }
        let schema = index
            .relation
            .as_ref()
            .map(|r| r.schemaname.as_str())
            .filter(|s| !s.is_empty());
        let name = RelationName::new(schema, &index.idxname).to_sql();
        let text = &ctx.file.source.text;
        let span = ctx.span();
        // The statement without its IF NOT EXISTS.
        let clause = ctx.clause(&["if", "not", "exists"]);
        let build = if clause == span {
            ctx.text().to_string()
        } else {
            let rest = text[clause.end..span.end].trim_start();
            format!("{} {rest}", text[span.start..clause.start].trim_end())
        };
        let help = if ctx.file.script.transaction == RunnerTransaction::Batch {
            format!(
                "drop IF NOT EXISTS, so that running again after a failed build fails loudly; {} sends a file of more than one statement as one transaction, where CONCURRENTLY is refused, so drop the INVALID index by hand before running again:\n  DROP INDEX CONCURRENTLY IF EXISTS {name};",
                ctx.file.script.tool.display_name()
            )
        } else {
            numbered_steps(
                "drop what a failed build left, valid or not, then build it without IF NOT EXISTS:",
                &[
                    format!("DROP INDEX CONCURRENTLY IF EXISTS {name};"),
                    format!("{build};"),
                ],
            )
        };
        out.push(
            Finding::new(
                clause,
                format!(
                    "if a concurrent build of {name} fails, running this again keeps the INVALID index it left: IF NOT EXISTS only finds the name"
                ),
            )
            .label(
                ctx.clause(&["concurrently"]),
                "a failed CONCURRENTLY build leaves an INVALID index behind",
            )
            .help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::{findings, findings_with};

    const ID: &str = "concurrent-index-if-not-exists";

    #[test]
    fn flags_concurrent_builds_with_if_not_exists() {
        assert_eq!(
            findings(ID, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);"),
            ["if a concurrent build of users_email fails, running this again keeps the INVALID index it left: IF NOT EXISTS only finds the name"]
        );
    }

    #[test]
    fn leaves_other_builds_alone() {
        assert!(findings(ID, "CREATE INDEX IF NOT EXISTS i ON t (a);").is_empty());
        assert!(findings(
            ID,
            "DROP INDEX CONCURRENTLY IF EXISTS i;\nCREATE INDEX CONCURRENTLY i ON t (a);"
        )
        .is_empty());
        let mut settings = crate::settings::Settings::default();
        settings.transaction = Some(crate::analysis::TransactionMode::PerFile);
        assert!(
            findings_with(ID, "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);", &settings).is_empty(),
            "in a transaction it fails at once"
        );
    }
}
