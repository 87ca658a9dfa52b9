//! `mysql-require-algorithm`: an online ALTER TABLE (or CREATE/DROP INDEX)
//! on a table with rows that names no ALGORITHM= or LOCK=: where the server
//! cannot make it online (another version, another table definition than
//! miglint saw) it silently copies the table, blocking writes, instead of
//! refusing.

use crate::analysis::mysql::{Action, Algorithm, Concurrency, MysqlAnalyzed};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::mysql_online::{how_it_runs, online_clauses, subject};

crate::rule::declare_rule!(MysqlRequireAlgorithm, id: "mysql-require-algorithm", category: Locking, severity: Warning, since: "0.1.0");

impl Rule for MysqlRequireAlgorithm {
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            let Some(verdict) = statement.online.as_ref() else {
                continue;
            };
            // Blocking statements are mysql-blocking-alter's; DROP INDEX
            // takes no clauses before MySQL 8.0 and is always in place.
            if statement.requested.algorithm.is_some()
                || statement.requested.lock.is_some()
                || !statement.on_table_with_rows()
                || verdict.concurrency != Concurrency::ReadsAndWrites
                || matches!(statement.action, Action::DropIndex { .. })
            {
                continue;
            }
            let clauses = online_clauses(verdict);
            let how = match verdict.algorithm {
                Algorithm::Instant => "instantly",
                _ => "in place with concurrent writes",
            };
            let spelled = |clauses: &str| match statement.action {
                Action::CreateIndex { .. } => clauses.replace(", ", " "),
                _ => format!(", {clauses}"),
            };
            let help = if verdict.assumed {
                // What miglint does not know of the table may make it instant.
                format!(
                    "add `{}` at the end of the statement if the change can be instant on this table ({}), else `{}`: the server then refuses it, and the migration fails before it blocks anyone",
                    spelled("ALGORITHM=INSTANT"),
                    verdict.reason,
                    spelled(clauses)
                )
            } else {
                format!(
                    "add `{}` at the end of the statement: the server then refuses it, and the migration fails before it blocks anyone, wherever it cannot make it {how}",
                    spelled(clauses)
                )
            };
            out.push(
                Finding::new(
                    statement.span,
                    format!("{} names no ALGORITHM or LOCK: where the server cannot make it {how}, it copies the table instead, blocking writes", subject(statement)),
                )
                .label(statement.span, format!("{} on {}", how_it_runs(verdict), file.server))
                .help(help),
            );
        }
    }
}
