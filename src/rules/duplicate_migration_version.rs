//! `duplicate-migration-version`: two migrations of one root with the same
//! version. The tool records migrations by version: it refuses to run, or
//! runs one and takes the other for applied.

use crate::analysis::RunContext;
use crate::diagnostic::Finding;
use crate::input::layout::GitState;
use crate::input::source::Span;
use crate::rule::{Rule, RunCheck};

use super::history::{compare_versions, migration_inputs, Entry};

crate::rule::declare_rule!(DuplicateMigrationVersion, id: "duplicate-migration-version", category: History, severity: Error, since: "0.2.0");

impl Rule for DuplicateMigrationVersion {
    fn run_check(&self) -> Option<Box<dyn RunCheck>> {
        Some(Box::new(DuplicateMigrationVersion))
    }
}

/// Decided at the run's end, from how each input runs.
impl RunCheck for DuplicateMigrationVersion {
    fn finish(self: Box<Self>, run: &RunContext<'_>, out: &mut Vec<(usize, Finding)>) {
        // One entry per migration: its up script, still on disk.
        let migrations: Vec<Entry> = migration_inputs(run)
            .into_iter()
            .filter(|e| e.is_up() && e.script.git != Some(GitState::Deleted) && e.script.version.is_some())
            .collect();
        for entry in migrations.iter().filter(|e| e.is_change()) {
            let (Some(version), Some(migration)) = (&entry.script.version, &entry.script.migration) else {
                continue;
            };
            let other = migrations.iter().find(|o| {
                o.script.root == entry.script.root
                    && o.script.migration.as_ref().is_some_and(|m| m != migration)
                    && o.script
                        .version
                        .as_deref()
                        .is_some_and(|v| compare_versions(entry.script.tool, v, version).is_eq())
            });
            if let Some(other) = other {
                out.push((entry.index, finding(entry, other, version)));
            }
        }
    }
}

fn finding(entry: &Entry, other: &Entry, version: &str) -> Finding {
    let tool = entry.script.tool.display_name();
    Finding::new(
        Span::new(0, 0),
        format!(
            "migration `{}` has version {version}, like `{}`: {tool} records migrations by version, so it refuses to run or takes one of them for applied",
            entry.name(),
            other.name()
        ),
    )
    .help("give the newer migration a version of its own, after the newest one")
}

#[cfg(test)]
mod tests {
    use crate::input::layout::GitState;
    use crate::settings::Settings;
    use crate::tests::rules::{migration, run_findings};

    fn findings(inputs: Vec<crate::report::engine::RunInput>) -> Vec<String> {
        run_findings("duplicate-migration-version", inputs, &Settings::default())
    }

    #[test]
    fn the_new_migration_names_the_other() {
        let found = findings(vec![
            migration("2", "add_email", 0, GitState::Unchanged),
            migration("02", "add_phone", 1, GitState::Added),
        ]);
        assert_eq!(
            found,
            ["db/02_add_phone.up.sql:1 migration `02_add_phone` has version 02, like `2_add_email`: golang-migrate records migrations by version, so it refuses to run or takes one of them for applied"]
        );
    }

    #[test]
    fn scripts_of_one_migration_and_deleted_files_are_no_duplicates() {
        let mut down = migration("2", "add_email", 0, GitState::Added);
        down.path = "db/2_add_email.down.sql".to_string();
        down.script.direction = Some(crate::input::layout::Direction::Down);
        let mut deleted = migration("2", "old", 1, GitState::Deleted);
        deleted.content = crate::input::read::Content::Bytes(Vec::new());
        let found = findings(vec![migration("2", "add_email", 0, GitState::Added), down, deleted]);
        assert!(found.is_empty(), "{found:?}");
    }
}
