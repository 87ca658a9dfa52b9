//! `missing-down-migration` (off by default): an up migration without its
//! down script, in a root whose tool runs down migrations.

use crate::analysis::RunContext;
use crate::diagnostic::Finding;
use crate::input::layout::Tool;
use crate::input::source::Span;
use crate::rule::{Rule, RunCheck};

use super::history::migration_inputs;

crate::rule::declare_rule!(MissingDownMigration, id: "missing-down-migration", category: History, severity: Warning, since: "0.2.0", enabled_by_default: false);

impl Rule for MissingDownMigration {
    fn run_check(&self) -> Option<Box<dyn RunCheck>> {
        Some(Box::new(MissingDownMigration))
    }
}

/// Decided at the run's end, from how each input runs.
impl RunCheck for MissingDownMigration {
    fn finish(self: Box<Self>, run: &RunContext<'_>, out: &mut Vec<(usize, Finding)>) {
        for entry in migration_inputs(run) {
            if !entry.is_change() || !entry.is_up() || entry.script.is_deleted() || entry.script.has_down != Some(false)
            {
                continue;
            }
            let tool = entry.script.tool.display_name();
            out.push((
                entry.index,
                Finding::new(
                    Span::new(0, 0),
                    format!(
                        "migration `{}` has no down migration: {tool} cannot roll it back",
                        entry.name()
                    ),
                )
                .help(down_hint(entry.script.tool)),
            ));
        }
    }
}

/// Where the tool looks for the down script.
fn down_hint(tool: Tool) -> String {
    let place = match tool {
        Tool::GolangMigrate | Tool::Sqlx => "a `<version>_<name>.down.sql` file beside the `.up.sql`",
        Tool::Diesel => "a `down.sql` beside the `up.sql`",
        Tool::Flyway => "an undo script `U<version>__<name>.sql`",
        Tool::Dbmate => "a `-- migrate:down` section",
        Tool::Goose => "a `-- +goose Down` section",
        Tool::Sqitch => "a `revert/` script",
        Tool::Liquibase => "`--rollback` lines in the changeset",
        _ => "a down script",
    };
    format!("add {place} that reverses the migration (projects that never roll back leave this rule off)")
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::input::layout::GitState;
    use crate::settings::Settings;
    use crate::tests::rules::{migration, run_findings};

    fn inputs() -> Vec<crate::report::engine::RunInput> {
        let mut with_down = migration("1", "users", 0, GitState::Added);
        with_down.script.has_down = Some(true);
        let mut without = migration("2", "add_email", 1, GitState::Added);
        without.script.has_down = Some(false);
        let no_downs_in_root = migration("3", "orders", 2, GitState::Added);
        vec![with_down, without, no_downs_in_root]
    }

    #[test]
    fn off_by_default() {
        assert!(run_findings("missing-down-migration", inputs(), &Settings::default()).is_empty());
    }

    #[test]
    fn an_up_without_its_down_when_turned_on() {
        let mut settings = Settings::default();
        settings.set_rule("missing-down-migration", Some(Severity::Warning));
        assert_eq!(
            run_findings("missing-down-migration", inputs(), &settings),
            ["db/2_add_email.up.sql:1 migration `2_add_email` has no down migration: golang-migrate cannot roll it back"]
        );
    }
}
