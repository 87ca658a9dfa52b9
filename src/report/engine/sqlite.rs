//! SQLite as a replayed dialect: `parse::sqlite`, `analysis::sqlite`, and
//! the rules' `check_sqlite`.

use super::replayed::{Parsed, ReplayedDialect};
use crate::analysis::sqlite::{analyze_sqlite, Action, SqliteAnalyzed, SqliteCatalog};
use crate::analysis::RelationName;
use crate::diagnostic::Finding;
use crate::input::layout::ScriptInfo;
use crate::input::source::SourceFile;
use crate::parse::sqlite::{parse_sqlite, SqliteFile};
use crate::report::plan::{self, FilePlan};
use crate::report::StatementTables;
use crate::rule::Rule;
use crate::settings::Settings;

pub(super) struct Sqlite;

impl ReplayedDialect for Sqlite {
    const NAME: &'static str = "SQLite";
    type File = SqliteFile;
    type Catalog = SqliteCatalog;
    type Analyzed<'a> = SqliteAnalyzed<'a>;

    fn parse(source: &SourceFile) -> SqliteFile {
        parse_sqlite(source)
    }

    fn parsed(file: &SqliteFile) -> Parsed<'_> {
        Parsed {
            problems: &file.problems,
            comments: &file.comments,
            statements: file.statements.iter().map(|s| s.span).collect(),
            has_code: file.has_code,
        }
    }

    fn settle(catalog: &mut SqliteCatalog) {
        catalog.settle();
    }

    fn analyze<'a>(
        source: &'a SourceFile,
        parsed: &'a SqliteFile,
        script: &'a ScriptInfo,
        catalog: &mut SqliteCatalog,
        settings: &Settings,
        runner_transaction: bool,
        in_change: bool,
    ) -> SqliteAnalyzed<'a> {
        analyze_sqlite(
            source,
            parsed,
            script,
            catalog,
            settings.sqlite_version,
            runner_transaction,
            in_change,
        )
    }

    fn check(rule: &dyn Rule, file: &SqliteAnalyzed<'_>, out: &mut Vec<Finding>) {
        rule.check_sqlite(file, out);
    }

    fn plan(file: &SqliteAnalyzed<'_>, source: &SourceFile) -> FilePlan {
        plan::plan_sqlite(file, source)
    }

    fn tables(file: &SqliteAnalyzed<'_>) -> Vec<StatementTables> {
        file.statements
            .iter()
            .map(|s| {
                let mut tables: Vec<RelationName> = s
                    .action
                    .table()
                    .map(|t| RelationName::new(None, t))
                    .into_iter()
                    .collect();
                // A rename hands the table over under its new name.
                if let Action::RenameTable { new, .. } = &s.action {
                    tables.push(RelationName::new(None, new));
                }
                // A rebuild's copy reads the table it rebuilds.
                for rebuild in file.rebuilds.iter().filter(|r| r.copy == s.span) {
                    tables.push(RelationName::new(None, &rebuild.table));
                }
                StatementTables { span: s.span, tables }
            })
            .collect()
    }
}
