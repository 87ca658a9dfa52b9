//! `mysql-algorithm-refused`: an ALTER TABLE whose ALGORITHM= or LOCK=
//! asks for more than its change allows: the server refuses it and the
//! migration fails there.

use crate::analysis::mysql::MysqlAnalyzed;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::mysql_online::{how_it_runs, subject, ONLINE_SCHEMA_CHANGE};
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(MysqlAlgorithmRefused, id: "mysql-algorithm-refused", category: Locking, severity: Error, since: "0.1.0");

impl Rule for MysqlAlgorithmRefused {
    fn check_mysql(&self, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            let (Some(why), Some(verdict)) = (&statement.refused, &statement.online) else {
                continue;
            };
            let steps = [
                format!("set mysql_version in miglint.toml if production runs another server than {}: what it can do online depends on its version", file.server),
                "otherwise the change cannot be made that way: make it another way (expand and contract, or a new table)".to_string(),
                ONLINE_SCHEMA_CHANGE.to_string(),
            ];
            out.push(
                Finding::new(statement.span, format!("{} fails: {why}", subject(statement)))
                    .label(statement.span, format!("{} on {}", how_it_runs(verdict), file.server))
                    .help(numbered_steps(
                        "keep the clause (it stops a slower change than the migration meant) and:",
                        &steps,
                    )),
            );
        }
    }
}
