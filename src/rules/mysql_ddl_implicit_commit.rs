//! `mysql-ddl-implicit-commit`: MySQL commits before and after every DDL
//! statement. Inside a transaction, DDL silently commits what came before
//! it (a later ROLLBACK cannot undo it); in a file of several statements,
//! a failure after a DDL statement leaves the migration half-applied, the
//! runner's transaction notwithstanding.

use crate::analysis::mysql::MysqlAnalyzed;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(MysqlDdlImplicitCommit, id: "mysql-ddl-implicit-commit", category: Transaction, severity: Warning, since: "0.1.0");

impl Rule for MysqlDdlImplicitCommit {
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        let source = file.source;
        let mut inside_reported = false;
        for statement in file.statements.iter().filter(|s| s.action.commits()) {
            let Some(begin) = statement.open_transaction else {
                continue;
            };
            inside_reported = true;
            out.push(
                Finding::new(
                    statement.span,
                    format!(
                        "{} commits the transaction begun on line {}: what ran before it stays, whatever follows",
                        statement.action.named(),
                        source.position(begin.start).line
                    ),
                )
                .label(begin, "this transaction ends at the DDL statement, not at its COMMIT or ROLLBACK")
                .help("MySQL cannot roll DDL back: move the DDL out of the transaction, and keep in it only the data changes that must succeed or fail together"),
            );
        }
        if inside_reported {
            return;
        }
        // The first DDL statement that another change follows.
        let changing: Vec<_> = file
            .statements
            .iter()
            .filter(|s| s.action.changes_something())
            .collect();
        let Some(position) = changing.iter().position(|s| s.action.commits()) else {
            return;
        };
        let Some(next) = changing.get(position + 1) else { return };
        let statement = changing[position];
        let mut finding = Finding::new(
            statement.span,
            format!(
                "{} commits at once: if a later statement of this file fails, the migration stops half-applied",
                statement.action.named()
            ),
        )
        .label(
            next.span,
            "a failure from here on leaves the statements before it applied, and the migration not recorded as run",
        );
        if file.runner_transaction {
            finding = finding.label(
                statement.span,
                "the tool's transaction around the file does not make it atomic: MySQL commits each DDL statement",
            );
        }
        out.push(finding.help(numbered_steps(
            "make a failure recoverable:",
            &[
                "put each DDL statement in a migration of its own, or",
                "make every statement safe to run again (CREATE TABLE IF NOT EXISTS, DROP ... IF EXISTS, and on MariaDB ADD COLUMN IF NOT EXISTS), so that running the migration again after a failure completes it",
            ],
        )));
    }
}
