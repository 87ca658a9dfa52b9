//! `sqlite-table-rebuild`: a table rebuilt the way SQLite's documentation
//! gives for changes ALTER TABLE cannot make (new table, copy, drop, rename)
//! copies every row while holding the database's only write lock.

use crate::analysis::sqlite::SqliteAnalyzed;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(SqliteTableRebuild, id: "sqlite-table-rebuild", category: Locking, severity: Warning, since: "0.1.0");

impl Rule for SqliteTableRebuild {
    fn check_sqlite(&self, file: &SqliteAnalyzed<'_>, out: &mut Vec<Finding>) {
        // A table the change created is empty: copying it blocks nobody.
        for rebuild in file.rebuilds.iter().filter(|r| r.existing) {
            let table = &rebuild.table;
            let mut finding = Finding::new(
                rebuild.copy,
                format!("rebuilding \"{table}\" copies every row while holding the database's write lock"),
            )
            .label(
                rebuild.copy,
                "SQLite has one writer: every other write to the database waits (or fails with SQLITE_BUSY) until this commits",
            )
            .label(rebuild.rename, "the rebuilt table takes the old one's place here");
            let mut steps = vec![
                "run it when writes can wait (a deploy window), or give writers a busy_timeout longer than the copy"
                    .to_string(),
                "keep the whole rebuild in one transaction, so a failure leaves the old table as it was".to_string(),
            ];
            if rebuild.foreign_keys_off && !rebuild.foreign_key_check {
                finding = finding.label(
                    rebuild.drop,
                    "foreign keys are off for the rebuild and never checked: rows that lost their parent go unnoticed",
                );
                steps.push("run PRAGMA foreign_key_check; after the rename, before COMMIT".to_string());
            }
            out.push(finding.help(numbered_steps(
                &format!("expect writes to stop while \"{table}\" is copied:"),
                &steps,
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::{sqlite_findings, sqlite_findings_after};

    const ID: &str = "sqlite-table-rebuild";

    const REBUILD: &str =
        "CREATE TABLE new_t (a int NOT NULL);\nINSERT INTO new_t (a) SELECT a FROM t;\nDROP TABLE t;\nALTER TABLE new_t RENAME TO t;\n";

    #[test]
    fn flags_the_copy_of_an_existing_table() {
        assert_eq!(
            sqlite_findings_after(ID, "CREATE TABLE t (a int);", REBUILD),
            ["rebuilding \"t\" copies every row while holding the database's write lock"]
        );
    }

    #[test]
    fn leaves_a_table_of_the_same_change_alone() {
        assert!(sqlite_findings(ID, &format!("CREATE TABLE t (a int);\n{REBUILD}")).is_empty());
    }
}
