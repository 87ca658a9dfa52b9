//! `down-migration-loses-data`: a down script that drops a table or column
//! that existed before its up script, with the rows production had. Unlike
//! the other data-loss rules it keeps its severity in a down script: a
//! down script is written to drop what its up script added, not this.

use crate::analysis::reversal::ObjectKind;
use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::down::statement_span;

crate::rule::declare_rule!(DownMigrationLosesData, id: "down-migration-loses-data", category: DataLoss, severity: Error, since: "0.2.0");

/// Its findings keep their severity in a down script, where the other
/// data-loss rules' are warnings at most.
pub(crate) const ID: &str = "down-migration-loses-data";

impl Rule for DownMigrationLosesData {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        let Some(reversal) = &file.reversal else {
            return;
        };
        for lost in &reversal.lost {
            let object = &lost.object;
            let what = if object.kind == ObjectKind::Column {
                "its data is lost"
            } else {
                "its rows are lost"
            };
            let span = statement_span(file, lost.statement, lost.action);
            out.push(
                Finding::new(
                    span,
                    format!("down migration drops {object}, which existed before its up migration: {what}"),
                )
                .help(format!(
                    "a down migration undoes its up migration only: drop only what the up migration {}; if the {} must go, drop it in a forward migration once no deployed version uses it",
                    if object.kind == ObjectKind::Column { "added" } else { "created" },
                    object.kind.noun()
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::down_findings;

    const ID: &str = super::ID;

    #[test]
    fn a_column_that_was_there_before() {
        assert_eq!(
            down_findings(ID, "CREATE TABLE users (id bigint, name text);", "ALTER TABLE users ADD COLUMN email text;", "ALTER TABLE users DROP COLUMN name;"),
            ["1:19 down migration drops column \"users\".\"name\", which existed before its up migration: its data is lost"]
        );
    }

    #[test]
    fn the_column_its_up_added() {
        assert!(down_findings(
            ID,
            "CREATE TABLE users (id bigint);",
            "ALTER TABLE users ADD COLUMN email text;",
            "ALTER TABLE users DROP COLUMN email;"
        )
        .is_empty());
    }
}
