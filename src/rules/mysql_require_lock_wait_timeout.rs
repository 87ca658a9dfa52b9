//! `mysql-require-lock-wait-timeout`: DDL on a table with rows, with no
//! short `lock_wait_timeout` set before it. Every DDL statement needs the
//! table's exclusive metadata lock; behind a long transaction it waits up
//! to `lock_wait_timeout` (a year by default), and every query on the table
//! queues behind it.

use crate::analysis::mysql::MysqlAnalyzed;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::mysql_online::{subject, SET_LOCK_WAIT_TIMEOUT};
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(MysqlRequireLockWaitTimeout, id: "mysql-require-lock-wait-timeout", category: Timeout, severity: Warning, since: "0.1.0");

impl Rule for MysqlRequireLockWaitTimeout {
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        if file.lock_wait_timeout_assumed {
            return;
        }
        let first = file.statements.iter().find(|statement| {
            statement.locks_table_metadata()
                && statement
                    .lock_wait_timeout
                    // 0 is MariaDB's NOWAIT (a SET of 0 is raised to the minimum, 1 s).
                    .is_none_or(|s| s > file.max_lock_wait_timeout)
        });
        let Some(statement) = first else { return };
        let table = statement.table_name();
        let message = match statement.lock_wait_timeout {
            Some(seconds) => format!(
                "{} may wait {seconds} s for its metadata lock (lock_wait_timeout), longer than the {} s allowed, while every query on `{table}` queues behind it",
                subject(statement),
                file.max_lock_wait_timeout
            ),
            None => format!(
                "{} waits for its metadata lock as long as lock_wait_timeout allows (a year by default), while every query on `{table}` queues behind it",
                subject(statement)
            ),
        };
        let mut steps = vec![
            format!("put `{SET_LOCK_WAIT_TIMEOUT}` at the top of the file"),
            "if the migration times out, run it again later: a failed attempt only made queries wait for 5 s"
                .to_string(),
        ];
        if file.server.is_mariadb() {
            steps.push(
                "on MariaDB, `ALTER TABLE t WAIT 5 ...` (or `NOWAIT`), or `SET STATEMENT lock_wait_timeout = 5 FOR ...`, sets it for one statement"
                    .to_string(),
            );
        }
        out.push(
            Finding::new(statement.span, message)
                .label(
                    statement.span,
                    format!("a long transaction or query on `{table}` holds this up, and everything after it waits"),
                )
                .help(numbered_steps("give up instead of queueing everyone:", &steps)),
        );
    }
}
