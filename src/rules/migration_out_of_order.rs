//! `migration-out-of-order`: a migration added since the `--since` ref
//! sorts before one that existed at the ref, which databases may already
//! have applied.

use crate::analysis::RunContext;
use crate::diagnostic::Finding;
use crate::input::layout::Tool;
use crate::input::source::Span;
use crate::rule::{Rule, RunCheck};

use super::history::{compare_versions, migration_inputs, runs_before, Entry};

crate::rule::declare_rule!(MigrationOutOfOrder, id: "migration-out-of-order", category: History, severity: Error, since: "0.2.0");

impl Rule for MigrationOutOfOrder {
    fn run_check(&self) -> Option<Box<dyn RunCheck>> {
        Some(Box::new(MigrationOutOfOrder))
    }
}

/// Decided at the run's end, from how each input runs.
impl RunCheck for MigrationOutOfOrder {
    fn finish(self: Box<Self>, run: &RunContext<'_>, out: &mut Vec<(usize, Finding)>) {
        let inputs = migration_inputs(run);
        for new in inputs
            .iter()
            .filter(|e| e.is_change() && e.is_new() && e.is_up() && !e.is_repeatable())
        {
            let existing: Vec<&Entry> = inputs
                .iter()
                .filter(|e| e.script.root == new.script.root && e.existed_at_ref() && e.is_up() && !e.is_repeatable())
                // The same version is duplicate-migration-version's to report.
                .filter(|e| !same_version(e, new))
                .collect();
            // The first existing migration it runs before, and the newest of all.
            let Some(first) = existing
                .iter()
                .copied()
                .filter(|e| runs_before(new.script, e.script) == Some(true))
                .min_by(|a, b| order_of(a, b))
            else {
                continue;
            };
            let newest = existing.iter().copied().max_by(|a, b| order_of(a, b)).unwrap_or(first);
            out.push((new.index, finding(new, first, newest)));
        }
    }
}

fn same_version(a: &Entry, b: &Entry) -> bool {
    match (&a.script.version, &b.script.version) {
        (Some(x), Some(y)) => compare_versions(a.script.tool, x, y).is_eq(),
        _ => false,
    }
}

fn order_of(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    match (runs_before(a.script, b.script), runs_before(b.script, a.script)) {
        (Some(true), _) => std::cmp::Ordering::Less,
        (_, Some(true)) => std::cmp::Ordering::Greater,
        _ => std::cmp::Ordering::Equal,
    }
}

fn finding(new: &Entry, first: &Entry, newest: &Entry) -> Finding {
    let name = new.name();
    let before = first.name();
    Finding::new(
        Span::new(0, 0),
        format!(
            "new migration `{name}` sorts before `{before}`, which existed already: databases that applied `{before}` meet `{name}` out of order"
        ),
    )
    .help(format!(
        "rename it with a version after `{}`, the newest migration that may have run: {}",
        newest.name(),
        what_the_tool_does(new.script.tool)
    ))
}

/// What the tool does with a migration older than the last one applied.
fn what_the_tool_does(tool: Tool) -> String {
    match tool {
        Tool::Flyway => "Flyway refuses to migrate unless `outOfOrder` is on".to_string(),
        Tool::GolangMigrate => {
            "golang-migrate never runs it, as it only runs versions after the current one".to_string()
        }
        Tool::Goose => "goose refuses it unless run with `-allow-missing`".to_string(),
        _ => format!(
            "{} runs it after migrations it sorts before, or not at all",
            tool.display_name()
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::input::layout::GitState;
    use crate::settings::Settings;
    use crate::tests::rules::{migration, run_findings};

    fn findings(inputs: Vec<crate::report::engine::RunInput>) -> Vec<String> {
        run_findings("migration-out-of-order", inputs, &Settings::default())
    }

    #[test]
    fn a_new_migration_before_an_existing_one() {
        let found = findings(vec![
            migration("1", "users", 0, GitState::Unchanged),
            migration("2", "late", 1, GitState::Untracked),
            migration("3", "orders", 2, GitState::Unchanged),
            migration("4", "items", 3, GitState::Modified { first_changed_line: 1 }),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("db/2_late.up.sql:1 new migration `2_late` sorts before `3_orders`"),
            "{found:?}"
        );
    }

    #[test]
    fn after_the_newest_or_before_a_deleted_one() {
        let in_order = findings(vec![
            migration("1", "users", 0, GitState::Unchanged),
            migration("2", "new", 1, GitState::Added),
            migration("3", "newer", 2, GitState::Added),
        ]);
        assert!(in_order.is_empty(), "{in_order:?}");
        // A deleted file has no place in the order: its version says where it was.
        let mut deleted = migration("5", "gone", 0, GitState::Deleted);
        deleted.script.order = None;
        deleted.content = crate::input::read::Content::Bytes(Vec::new());
        let found = findings(vec![migration("4", "new", 0, GitState::Added), deleted]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("sorts before `5_gone`"), "{found:?}");
    }

    /// SQLite and MySQL roots are judged apart from PostgreSQL's: each
    /// root's migration out of order is reported once, in its own file.
    #[test]
    fn in_every_dialects_roots_once() {
        use crate::input::layout::Dialect;
        let mut inputs = Vec::new();
        for (root, dialect) in [
            ("pg", Dialect::Postgres),
            ("lite", Dialect::Sqlite),
            ("my", Dialect::Mysql),
        ] {
            for (version, name, order, git) in [
                ("1", "users", 0, GitState::Unchanged),
                ("2", "late", 1, GitState::Added),
                ("3", "orders", 2, GitState::Unchanged),
            ] {
                let mut input = migration(version, name, order, git);
                input.path = format!("{root}/{version}_{name}.up.sql");
                input.script.root = root.to_string();
                input.script.dialect = dialect;
                inputs.push(input);
            }
        }
        let found: Vec<String> = findings(inputs)
            .into_iter()
            .map(|f| f.split(' ').next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            found,
            ["pg/2_late.up.sql:1", "lite/2_late.up.sql:1", "my/2_late.up.sql:1"]
        );
    }

    /// A SQLite file's ignore comment covers what the history rules say of
    /// it, as it does in a PostgreSQL file.
    #[test]
    fn suppressed_in_a_sqlite_file() {
        let mut late = migration("2", "late", 1, GitState::Added);
        late.content = crate::input::read::Content::Bytes(
            b"-- miglint: ignore-file migration-out-of-order -- not applied anywhere yet\nSELECT 1;\n".to_vec(),
        );
        let mut inputs = vec![
            migration("1", "users", 0, GitState::Unchanged),
            late,
            migration("3", "orders", 2, GitState::Unchanged),
        ];
        for input in &mut inputs {
            input.script.dialect = crate::input::layout::Dialect::Sqlite;
        }
        let reports = crate::report::engine::lint_run(inputs, crate::report::engine::ChangeScope::AllFiles);
        let rules: Vec<(&str, bool)> = reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(|d| (d.rule, d.is_active())))
            .collect();
        assert_eq!(rules, [("migration-out-of-order", false)]);
    }

    #[test]
    fn needs_git() {
        let mut existing = migration("3", "orders", 1, GitState::Unchanged);
        existing.script.git = None;
        let mut new = migration("2", "new", 0, GitState::Added);
        new.script.git = None;
        assert!(findings(vec![new, existing]).is_empty());
    }
}
