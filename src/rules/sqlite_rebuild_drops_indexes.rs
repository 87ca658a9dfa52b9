//! `sqlite-rebuild-drops-indexes`: dropping the old table of a rebuild drops
//! its indexes and triggers with it; a rebuild that does not create them
//! again on the new table silently loses them (and unique indexes' checks).

use crate::analysis::sqlite::SqliteAnalyzed;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(SqliteRebuildDropsIndexes, id: "sqlite-rebuild-drops-indexes", category: Compatibility, severity: Error, since: "0.1.0");

impl Rule for SqliteRebuildDropsIndexes {
    fn check_sqlite(&self, file: &SqliteAnalyzed<'_>, out: &mut Vec<Finding>) {
        for rebuild in file.rebuilds.iter().filter(|r| !r.lost.is_empty()) {
            let table = &rebuild.table;
            let names: Vec<String> = rebuild.lost.iter().map(|n| format!("\"{n}\"")).collect();
            let recreate: Vec<String> = rebuild
                .lost
                .iter()
                .map(|name| {
                    file.definitions.get(name).map_or_else(
                        || format!("create \"{name}\" again on \"{table}\""),
                        |sql| format!("{sql};"),
                    )
                })
                .collect();
            out.push(
                Finding::new(
                    rebuild.drop,
                    format!(
                        "dropping \"{table}\" drops {} with it, and the rebuild does not create {} again",
                        names.join(", "),
                        if names.len() == 1 { "it" } else { "them" }
                    ),
                )
                .label(
                    rebuild.drop,
                    "SQLite drops a table's indexes and triggers with the table",
                )
                .label(rebuild.rename, format!("\"{table}\" is back here, without them"))
                .help(numbered_steps(
                    &format!("after the rename, create each again on \"{table}\":"),
                    &recreate,
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::sqlite_findings;

    const ID: &str = "sqlite-rebuild-drops-indexes";

    const BEFORE: &str = "CREATE TABLE t (a int, b int);\nCREATE INDEX t_b ON t (b);\nCREATE TABLE new_t (a int, b int NOT NULL);\nINSERT INTO new_t SELECT a, b FROM t;\nDROP TABLE t;\nALTER TABLE new_t RENAME TO t;\n";

    #[test]
    fn flags_an_index_not_created_again() {
        assert_eq!(
            sqlite_findings(ID, BEFORE),
            ["dropping \"t\" drops \"t_b\" with it, and the rebuild does not create it again"]
        );
    }

    #[test]
    fn leaves_a_rebuild_that_creates_it_again_alone() {
        assert!(sqlite_findings(ID, &format!("{BEFORE}CREATE INDEX t_b ON t (b);\n")).is_empty());
    }
}
