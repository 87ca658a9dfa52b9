//! `migration-history-edited`: a migration that existed at the `--since`
//! ref was edited or deleted. It may already have run in production, and
//! databases that ran it never see the change.

use crate::analysis::RunContext;
use crate::diagnostic::Finding;
use crate::input::layout::GitState;
use crate::input::source::Span;
use crate::rule::{Rule, RunCheck};

use super::history::{line_span, migration_inputs};

crate::rule::declare_rule!(MigrationHistoryEdited, id: "migration-history-edited", category: History, severity: Error, since: "0.2.0");

impl Rule for MigrationHistoryEdited {
    fn run_check(&self) -> Option<Box<dyn RunCheck>> {
        Some(Box::new(MigrationHistoryEdited))
    }
}

/// Decided at the run's end, from how each input runs.
impl RunCheck for MigrationHistoryEdited {
    fn finish(self: Box<Self>, run: &RunContext<'_>, out: &mut Vec<(usize, Finding)>) {
        for entry in migration_inputs(run) {
            // A down script runs as it is when rolling back, and a Flyway
            // repeatable migration re-runs when it changes: editing them is
            // how they are kept. Deleting any script leaves the tool unable
            // to run it.
            let deleted = entry.script.is_deleted();
            if !entry.is_change() || (!entry.is_up() && !deleted) || entry.is_repeatable() {
                continue;
            }
            let Some(source) = entry.source else { continue };
            let name = entry.name();
            let finding = match entry.script.git {
                Some(GitState::Modified { first_changed_line }) => {
                    let span = line_span(source, first_changed_line);
                    Finding::new(
                        span,
                        format!(
                            "migration `{name}` was edited after it was committed: it may already have run in production, and databases that ran it never see the edit"
                        ),
                    )
                    .label(span, "the first line that differs from the git ref")
                    .help("revert the edit, and add a new migration that makes the change")
                }
                Some(GitState::Deleted) => Finding::new(
                    Span::new(0, 0),
                    format!(
                        "migration `{name}` was deleted after it was committed: it may already have run in production, and deleting the file undoes nothing there"
                    ),
                )
                .help("restore the file, and add a new migration that reverses what it did if that is the aim"),
                _ => continue,
            };
            out.push((entry.index, finding));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::input::layout::{Direction, GitState};
    use crate::settings::Settings;
    use crate::tests::rules::{migration, run_findings};

    fn findings(inputs: Vec<crate::report::engine::RunInput>) -> Vec<String> {
        run_findings("migration-history-edited", inputs, &Settings::default())
    }

    #[test]
    fn an_edit_is_reported_at_its_first_changed_line() {
        let mut edited = migration("2", "add_email", 1, GitState::Modified { first_changed_line: 2 });
        edited.content = crate::input::read::Content::Bytes(b"SELECT 1;\nSELECT 2;\n".to_vec());
        let found = findings(vec![migration("1", "users", 0, GitState::Unchanged), edited]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("db/2_add_email.up.sql:2 migration `2_add_email` was edited"),
            "{found:?}"
        );
    }

    #[test]
    fn a_deleted_file_is_reported_and_new_or_down_files_are_not() {
        let mut deleted = migration("2", "gone", 1, GitState::Deleted);
        deleted.content = crate::input::read::Content::Bytes(Vec::new());
        let mut down = migration("1", "users", 0, GitState::Modified { first_changed_line: 1 });
        down.path = "db/1_users.down.sql".to_string();
        down.script.direction = Some(Direction::Down);
        let found = findings(vec![down, deleted, migration("3", "new", 2, GitState::Added)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("db/2_gone.up.sql:1 migration `2_gone` was deleted"),
            "{found:?}"
        );
    }
}
