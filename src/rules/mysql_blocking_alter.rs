//! `mysql-blocking-alter`: an ALTER TABLE (or CREATE/DROP INDEX) on a table
//! that holds rows, which the server can only run by copying the table or
//! in place without concurrent writes: every write to the table waits until
//! it ends.

use crate::analysis::mysql::{Algorithm, Concurrency, MysqlAnalyzed};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::mysql_online::{how_it_runs, subject, ONLINE_SCHEMA_CHANGE, SET_LOCK_WAIT_TIMEOUT};
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(MysqlBlockingAlter, id: "mysql-blocking-alter", category: Locking, severity: Error, since: "0.1.0");

impl Rule for MysqlBlockingAlter {
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            // A refused statement never runs (mysql-algorithm-refused says so);
            // a table the change created is empty: blocking it blocks nobody.
            let Some(verdict) = statement.online_on_rows() else {
                continue;
            };
            if verdict.concurrency == Concurrency::ReadsAndWrites {
                continue;
            }
            let table = statement.table_name();
            let blocked = match verdict.concurrency {
                Concurrency::Nothing => "reads and writes of",
                _ => "writes to",
            };
            let message = match verdict.algorithm {
                Algorithm::Copy => format!(
                    "{} copies the table ({}): {blocked} `{table}` wait until the copy ends",
                    subject(statement),
                    verdict.reason
                ),
                _ => format!(
                    "{} blocks {blocked} `{table}` until it ends ({})",
                    subject(statement),
                    verdict.reason
                ),
            };
            let steps = [
                ONLINE_SCHEMA_CHANGE.to_string(),
                "or expand and contract: add what the new shape needs beside the old (a new column or table, instant or in place), backfill it in batches, move the application over, then drop the old".to_string(),
                format!("otherwise run it when writes can wait, after `{SET_LOCK_WAIT_TIMEOUT}` so that it gives up instead of queueing every query behind its metadata lock"),
            ];
            out.push(
                Finding::new(statement.span, message)
                    .label(statement.span, format!("{} on {}", how_it_runs(verdict), file.server))
                    .help(numbered_steps(
                        &format!("change `{table}` without stopping its writes:"),
                        &steps,
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::{mysql_findings, mysql_findings_after};

    const ID: &str = "mysql-blocking-alter";
    const HISTORY: &str =
        "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100) NOT NULL, status enum('a','b'));";

    #[test]
    fn a_type_change_of_a_known_column_copies() {
        assert_eq!(
            mysql_findings_after(ID, HISTORY, "ALTER TABLE users MODIFY COLUMN id int NOT NULL;", &Settings::default()),
            ["ALTER TABLE `users` copies the table (changing a column's type copies the table): writes to `users` wait until the copy ends"]
        );
    }

    #[test]
    fn online_changes_and_new_tables_are_left_alone() {
        let online =
            "ALTER TABLE users ADD COLUMN note text NULL;\nALTER TABLE users MODIFY COLUMN status enum('a','b','c');";
        assert!(mysql_findings_after(ID, HISTORY, online, &Settings::default()).is_empty());
        assert!(mysql_findings(
            ID,
            &format!("{HISTORY}\nALTER TABLE users MODIFY COLUMN id int NOT NULL;")
        )
        .is_empty());
    }
}
