//! MySQL and MariaDB as a replayed dialect: `parse::mysql`,
//! `analysis::mysql`, and the rules' `check_mysql`.

use super::replayed::{Parsed, ReplayedDialect};
use crate::analysis::mysql::{analyze_mysql, MysqlAnalyzed, MysqlCatalog};
use crate::analysis::RelationName;
use crate::diagnostic::Finding;
use crate::input::layout::ScriptInfo;
use crate::input::source::SourceFile;
use crate::parse::mysql::{parse_mysql, MysqlFile};
use crate::report::plan::{self, FilePlan};
use crate::report::StatementTables;
use crate::rule::Rule;
use crate::settings::Settings;

pub(super) struct Mysql;

impl ReplayedDialect for Mysql {
    const NAME: &'static str = "MySQL";
    type File = MysqlFile;
    type Catalog = MysqlCatalog;
    type Analyzed<'a> = MysqlAnalyzed<'a>;

    fn parse(source: &SourceFile) -> MysqlFile {
        parse_mysql(source)
    }

    fn parsed(file: &MysqlFile) -> Parsed<'_> {
        Parsed {
            problems: &file.problems,
            comments: &file.comments,
            statements: file.statements.iter().map(|s| s.span).collect(),
            has_code: file.has_code,
        }
    }

    fn settle(catalog: &mut MysqlCatalog) {
        catalog.settle();
    }

    fn analyze<'a>(
        source: &'a SourceFile,
        parsed: &'a MysqlFile,
        _script: &'a ScriptInfo,
        catalog: &mut MysqlCatalog,
        settings: &Settings,
        runner_transaction: bool,
        in_change: bool,
    ) -> MysqlAnalyzed<'a> {
        analyze_mysql(source, parsed, catalog, settings, runner_transaction, in_change)
    }

    fn check(rule: &dyn Rule, file: &MysqlAnalyzed<'_>, out: &mut Vec<Finding>) {
        rule.check_mysql(file, out);
    }

    fn plan(file: &MysqlAnalyzed<'_>, _source: &SourceFile) -> FilePlan {
        plan::plan_mysql(file)
    }

    fn tables(file: &MysqlAnalyzed<'_>) -> Vec<StatementTables> {
        file.statements
            .iter()
            .map(|s| {
                let mut tables: Vec<RelationName> = Vec::new();
                for lock in s.metadata_locks() {
                    let table = RelationName::new(None, &lock.table);
                    if !tables.contains(&table) {
                        tables.push(table);
                    }
                }
                StatementTables { span: s.span, tables }
            })
            .collect()
    }
}
