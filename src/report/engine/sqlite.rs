//! The SQLite inputs of a run: each root is its own database, whose files
//! are parsed, replayed (history) or analysed and linted (the change) in
//! run order against the schema the files before them left. A down script
//! is judged against the schema before it and leaves it as it was.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::{decode, into_diagnostics, parse_problem_finding, problem_meta, severity, ChangeScope, Decoded, RunInput};
use crate::analysis::sqlite::{analyze_sqlite, SqliteAnalyzed, SqliteCatalog};
use crate::diagnostic::Finding;
use crate::input::layout::{Dialect, Role, RunnerTransaction};
use crate::parse::sqlite::{parse_sqlite, SqliteFile};
use crate::report::suppress;
use crate::report::FileReport;
use crate::rule::RuleMeta;
use crate::rules;
use crate::settings::Settings;

/// Whether an input is SQLite's.
pub(super) fn is_sqlite(input: &RunInput) -> bool {
    input.script.dialect == Dialect::Sqlite
}

/// The report of each SQLite input, by its index in the run; None for
/// history, which is replayed, not reported.
pub(super) fn lint_sqlite(inputs: Vec<(usize, RunInput)>, scope: ChangeScope) -> Vec<(usize, Option<FileReport>)> {
    let decoded: Vec<(usize, Decoded)> = inputs.into_par_iter().map(|(i, input)| (i, decode(input))).collect();
    // Parsing needs no schema: every file at once, on every core.
    let parsed: Vec<Option<SqliteFile>> = decoded
        .par_iter()
        .map(|(_, d)| match d {
            Decoded::Text(source, script, _) if !script.is_deleted() => Some(parse_sqlite(source)),
            _ => None,
        })
        .collect();
    let mut catalogs: HashMap<String, SqliteCatalog> = HashMap::new();
    // The migration of the last judged script: (root, place in its order).
    let mut last_migration: Option<(String, usize)> = None;
    let mut reports = Vec::with_capacity(decoded.len());
    for ((index, decoded), parsed) in decoded.into_iter().zip(parsed) {
        let (source, script, settings) = match decoded {
            Decoded::Text(source, script, settings) => (source, script, settings),
            Decoded::Unreadable(report, _) => {
                let reported = (report.script.role == Role::Change).then_some(report);
                reports.push((index, reported));
                continue;
            }
        };
        let catalog = catalogs.entry(script.root.clone()).or_default();
        let parsed = parsed.unwrap_or_default();
        let change = script.role == Role::Change;
        // Each migration of an audit is its own change: what the ones before
        // it built is production's by then.
        let migration = script.order.map(|order| (script.root.clone(), order));
        let new_change = migration.is_none() || migration != last_migration;
        if !change || (scope == ChangeScope::EachMigration && new_change) {
            catalog.settle();
        }
        if change {
            last_migration = migration;
        }
        // A down script (or a Sqitch verify) runs long after its up script,
        // against everything it built, and leaves the schema as it found it.
        let mut aside;
        let catalog = if script.keeps_effects() {
            catalog
        } else {
            aside = catalog.clone();
            aside.settle();
            &mut aside
        };
        let runner_transaction = script.transaction != RunnerTransaction::None;
        let file = analyze_sqlite(
            &source,
            &parsed,
            &script,
            catalog,
            settings.sqlite_version,
            runner_transaction,
            change,
        );
        let report = change.then(|| report_of(&file, &settings));
        reports.push((index, report));
    }
    reports
}

/// The report of one analysed SQLite file: its parse problems, what the
/// rules find, its suppressions applied.
fn report_of(file: &SqliteAnalyzed<'_>, settings: &Arc<Settings>) -> FileReport {
    let (source, script, parsed) = (file.source, file.script, file.parsed);
    let mut findings: Vec<(&'static RuleMeta, Finding)> = Vec::new();
    if !script.is_deleted() {
        for problem in &parsed.problems {
            findings.push((problem_meta(problem.kind), parse_problem_finding(problem, "SQLite")));
        }
        if !parsed.has_code && parsed.problems.is_empty() {
            if let Some(finding) = super::empty_script_finding(source, script) {
                findings.push((&rules::empty_file::META, finding));
            }
        }
        for rule in rules::all() {
            if severity(settings, rule.meta()).is_none() {
                continue;
            }
            let mut out = Vec::new();
            rule.check_sqlite(file, &mut out);
            findings.extend(out.into_iter().map(|finding| (rule.meta(), finding)));
        }
    }
    let mut diagnostics = into_diagnostics(source, findings, settings, script);
    let statements: Vec<_> = parsed.statements.iter().map(|s| s.span).collect();
    let problems: Vec<_> = parsed.problems.iter().map(|p| p.span).collect();
    let directives = suppress::directives_in(source, &parsed.comments, &statements, &problems);
    let suppression_findings = suppress::apply(&directives, &mut diagnostics, settings);
    diagnostics.extend(into_diagnostics(source, suppression_findings, settings, script));
    diagnostics.sort_by(|a, b| (a.span.start, a.rule, a.span.end).cmp(&(b.span.start, b.rule, b.span.end)));
    FileReport {
        statements: parsed.statements.len(),
        source: source.clone(),
        diagnostics,
        script: script.clone(),
        fail_on: settings.fail_on,
        baseline: settings.baseline.clone(),
    }
}
