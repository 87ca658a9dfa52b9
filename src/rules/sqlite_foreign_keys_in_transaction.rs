//! `sqlite-foreign-keys-in-transaction`: `PRAGMA foreign_keys` inside
//! a transaction does nothing, so the table rebuild it was meant to protect
//! runs with foreign keys as they were.

use crate::analysis::sqlite::{Action, SqliteAnalyzed};
use crate::diagnostic::Finding;
use crate::input::layout::RunnerTransaction;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(SqliteForeignKeysInTransaction, id: "sqlite-foreign-keys-in-transaction", category: Transaction, severity: Error, since: "0.1.0");

impl Rule for SqliteForeignKeysInTransaction {
    fn check_sqlite(&self, file: &SqliteAnalyzed<'_>, out: &mut Vec<Finding>) {
        for statement in &file.statements {
            let Action::Pragma { name, value } = &statement.action else {
                continue;
            };
            if name != "foreign_keys" || value.is_none() || !statement.in_transaction {
                continue;
            }
            let whose = if file.script.transaction != RunnerTransaction::None {
                format!("{} runs this file in a transaction", file.script.tool.display_name())
            } else {
                "a BEGIN above opened a transaction".to_string()
            };
            out.push(
                Finding::new(statement.span, "PRAGMA foreign_keys does nothing inside a transaction")
                    .label(statement.span, format!("{whose}: SQLite ignores the change"))
                    .help(numbered_steps(
                        "change foreign key enforcement outside any transaction:",
                        &[
                            "run the migration without the runner's transaction (the tool's no-transaction option), with PRAGMA foreign_keys = OFF; before its BEGIN",
                            "do the rebuild between BEGIN and COMMIT, and run PRAGMA foreign_key_check; before COMMIT",
                            "after COMMIT, PRAGMA foreign_keys = ON;",
                        ],
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::sqlite_findings;

    const ID: &str = "sqlite-foreign-keys-in-transaction";

    #[test]
    fn flags_the_pragma_inside_begin() {
        assert_eq!(
            sqlite_findings(ID, "BEGIN;\nPRAGMA foreign_keys = OFF;\nCOMMIT;"),
            ["PRAGMA foreign_keys does nothing inside a transaction"]
        );
    }

    #[test]
    fn leaves_the_pragma_before_begin_alone() {
        assert!(sqlite_findings(
            ID,
            "PRAGMA foreign_keys = OFF;\nBEGIN;\nPRAGMA foreign_key_check;\nCOMMIT;\nPRAGMA foreign_keys = ON;"
        )
        .is_empty());
    }
}
