//! `mysql-table-rebuild`: an ALTER TABLE the server runs in place with
//! concurrent writes, but by rebuilding the table: every row is rewritten,
//! the metadata lock is taken exclusively at the start and the end, and
//! replicas apply it only once it is done.

use crate::analysis::mysql::{Concurrency, MysqlAnalyzed};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::mysql_online::{how_it_runs, online_clauses, subject, ONLINE_SCHEMA_CHANGE, SET_LOCK_WAIT_TIMEOUT};
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(MysqlTableRebuild, id: "mysql-table-rebuild", category: Rewrite, severity: Warning, since: "0.1.0");

impl Rule for MysqlTableRebuild {
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            let Some(verdict) = statement.online_on_rows() else {
                continue;
            };
            // Blocking rebuilds are mysql-blocking-alter's. A rebuild miglint only
            // assumes of a table or column it does not know is not claimed:
            // mysql-require-algorithm asks for the clause that settles it.
            if !verdict.rebuilds || verdict.assumed || verdict.concurrency != Concurrency::ReadsAndWrites {
                continue;
            }
            let table = statement.table_name();
            let steps = [
                format!("keep `{}` on the statement, so the server refuses it rather than block writes", online_clauses(verdict)),
                format!("put `{SET_LOCK_WAIT_TIMEOUT}` before it: its exclusive metadata lock at the start and the end cannot then queue every query on `{table}` behind a long transaction"),
                ONLINE_SCHEMA_CHANGE.to_string(),
            ];
            out.push(
                Finding::new(
                    statement.span,
                    format!("{} rebuilds the table ({}): every row of `{table}` is rewritten", subject(statement), verdict.reason),
                )
                .label(
                    statement.span,
                    format!(
                        "{} on {}: writes go on, but replicas apply the rebuild only after it ends here, and lag by as long",
                        how_it_runs(verdict),
                        file.server
                    ),
                )
                .help(numbered_steps(&format!("rebuild `{table}` when it can take the time:"), &steps)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::{MysqlServer, Settings};
    use crate::tests::rules::mysql_findings_after;

    const ID: &str = "mysql-table-rebuild";
    const HISTORY: &str = "CREATE TABLE users (id bigint PRIMARY KEY, legacy_flags int NULL, email varchar(100));";

    fn on(version: &str) -> Settings {
        let mut settings = Settings::default();
        settings.mysql_server = MysqlServer::parse(version).unwrap();
        settings
    }

    #[test]
    fn dropping_a_column_rebuilds_before_instant_drop() {
        let sql = "ALTER TABLE users DROP COLUMN legacy_flags;";
        assert_eq!(
            mysql_findings_after(ID, HISTORY, sql, &on("8.0.20")),
            ["ALTER TABLE `users` rebuilds the table (dropping a column rebuilds the table in place): every row of `users` is rewritten"]
        );
        assert!(mysql_findings_after(ID, HISTORY, sql, &on("8.0.29")).is_empty());
        assert!(mysql_findings_after(ID, HISTORY, sql, &on("mariadb-10.4")).is_empty());
    }

    #[test]
    fn a_new_table_and_an_unknown_one_are_left_alone() {
        let sql =
            "CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;\nALTER TABLE never_created DROP COLUMN b;";
        assert!(mysql_findings_after(ID, "", sql, &on("8.0.20")).is_empty());
    }
}
