//! `down-migration-fails`: a down script that acts on a table, column,
//! index or constraint that does not exist once its up script ran, without
//! `IF EXISTS`: PostgreSQL stops it with an error, and the rollback fails.

use crate::analysis::reversal::Gone;
use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::down::statement_span;

crate::rule::declare_rule!(DownMigrationFails, id: "down-migration-fails", category: Compatibility, severity: Error, since: "0.2.0");

impl Rule for DownMigrationFails {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        let Some(reversal) = &file.reversal else {
            return;
        };
        for missing in &reversal.missing {
            let object = &missing.object;
            let why = match missing.gone {
                Gone::EarlierInDown => "an earlier statement of the down migration dropped or renamed it",
                Gone::ByUp => "its up migration dropped or renamed it",
                Gone::Never => "neither the migrations before nor its up migration created it",
            };
            let span = statement_span(file, missing.statement, missing.action);
            let noun = object.kind.noun();
            let help = match (&missing.gone, missing.created_by_up.as_slice()) {
                (Gone::EarlierInDown, _) => format!(
                    "undo the up migration's steps in reverse order: act on the {noun} before the statement that drops it, or leave this statement out if the {noun} goes with a table or column dropped before"
                ),
                (Gone::ByUp, _) => format!(
                    "the {noun} is already gone when the down migration runs: undo only what the up migration did (restore the {noun} if the up migration dropped it, rather than drop it)"
                ),
                (Gone::Never, []) => format!("act on what the up migration created, by the name it created; write `IF EXISTS` only where the {noun} may really be absent"),
                (Gone::Never, names) => {
                    let names: Vec<String> = names.iter().take(5).map(|n| format!("\"{n}\"")).collect();
                    format!(
                        "the up migration created {} {}: undo what it created, by the name it created",
                        if names.len() == 1 { format!("the {noun}") } else { format!("these {noun}s:") },
                        names.join(", ")
                    )
                }
            };
            out.push(
                Finding::new(
                    span,
                    format!("down migration fails here: {object} does not exist ({why})"),
                )
                .label(
                    span,
                    "PostgreSQL stops the down migration with an error: the rollback fails",
                )
                .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::down_findings;

    const ID: &str = "down-migration-fails";

    #[test]
    fn a_misnamed_index() {
        assert_eq!(
            down_findings(ID, "CREATE TABLE users (id bigint, email text);", "CREATE INDEX users_email_idx ON users (email);", "DROP INDEX users_email_index;"),
            ["1:1 down migration fails here: index \"users_email_index\" does not exist (neither the migrations before nor its up migration created it)"]
        );
    }

    #[test]
    fn if_exists_guards_it() {
        assert!(down_findings(
            ID,
            "CREATE TABLE users (id bigint);",
            "SELECT 1;",
            "DROP INDEX IF EXISTS users_email_index;\nALTER TABLE users DROP COLUMN IF EXISTS email;"
        )
        .is_empty());
    }
}
