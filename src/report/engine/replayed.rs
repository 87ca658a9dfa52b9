//! The inputs of the dialects miglint replays on a schema of their own
//! (SQLite, MySQL): each root is its own database, whose files are parsed,
//! replayed (history) or analysed and linted (the change) in run order
//! against the schema the files before them left. A down script is judged
//! against the schema before it and leaves it as it was. Each dialect says
//! how it parses, analyses and is checked (`ReplayedDialect`).

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::judge::{finish_checks, history_checks, JudgedRun};
use super::{
    decode, finish_reports, into_diagnostics, parse_problem_finding, problem_meta, severity, ChangeScope, Decoded,
    PendingReport, RunInput,
};
use crate::diagnostic::Finding;
use crate::input::layout::{Dialect, Role, RunnerTransaction, ScriptInfo};
use crate::input::source::{SourceFile, Span};
use crate::parse::{Comment, ParseProblem};
use crate::report::plan::{FilePlan, PlannedFile};
use crate::report::suppress;
use crate::report::{FileReport, StatementTables};
use crate::rule::{Rule, RuleMeta};
use crate::rules;
use crate::settings::Settings;

/// A dialect whose files are judged against a schema replayed from the
/// root's earlier files.
pub(super) trait ReplayedDialect {
    /// The dialect's name in messages: "SQLite".
    const NAME: &'static str;
    type File: Default + Send + Sync;
    type Catalog: Default + Clone;
    type Analyzed<'a>;

    fn parse(source: &SourceFile) -> Self::File;
    /// What the file holds, for the parts of a report every dialect shares.
    fn parsed(file: &Self::File) -> Parsed<'_>;
    /// What the change built is now production's: existing, with rows.
    fn settle(catalog: &mut Self::Catalog);
    /// The facts of each statement of `parsed`, leaving `catalog` as the
    /// file leaves the schema; `in_change`: the file is part of the change.
    #[allow(clippy::too_many_arguments)]
    fn analyze<'a>(
        source: &'a SourceFile,
        parsed: &'a Self::File,
        script: &'a ScriptInfo,
        catalog: &mut Self::Catalog,
        settings: &Settings,
        runner_transaction: bool,
        in_change: bool,
    ) -> Self::Analyzed<'a>;
    fn check(rule: &dyn Rule, file: &Self::Analyzed<'_>, out: &mut Vec<Finding>);
    /// What each statement of the file does to a live database (`miglint plan`).
    fn plan(file: &Self::Analyzed<'_>, source: &SourceFile) -> FilePlan;
    /// The tables each statement acts on, named as the analysis holds them.
    fn tables(file: &Self::Analyzed<'_>) -> Vec<StatementTables>;
}

/// The dialect-neutral parts of a parsed file.
pub(super) struct Parsed<'a> {
    pub problems: &'a [ParseProblem],
    pub comments: &'a [Comment],
    pub statements: Vec<Span>,
    /// False when the file is empty or holds only comments and whitespace.
    pub has_code: bool,
}

/// Whether an input is judged here rather than with PostgreSQL's.
pub(super) fn is_replayed(input: &RunInput) -> bool {
    input.script.dialect != Dialect::Postgres
}

/// The report of each input of dialect `D`, by its index in the run; None
/// for history, which is replayed, not reported. The History rules' run
/// checks see the dialect's inputs together at the end, as PostgreSQL's.
pub(super) fn lint_dialect<D: ReplayedDialect>(
    inputs: Vec<(usize, RunInput)>,
    scope: ChangeScope,
) -> Vec<(usize, Option<FileReport>)> {
    let (indexes, run) = judge_dialect::<D, _>(inputs, scope, true, |judged| {
        let weighed = super::plan_for_scaling(|| D::plan(judged.file, judged.source), judged.settings, judged.script);
        (pending_report(judged, weighed), ())
    });
    let reports = finish_reports(run).into_iter().map(|r| r.map(|(report, _)| report));
    indexes.into_iter().zip(reports).collect()
}

/// The plan of each input of dialect `D` in the change, by its index in
/// the run: its statements, and the parse problems that kept parts of it
/// out; Err for a file that could not be read, with why.
pub(super) fn plan_dialect<D: ReplayedDialect>(
    inputs: Vec<(usize, RunInput)>,
    scope: ChangeScope,
) -> Vec<(usize, Option<Outcome<PlannedFile>>)> {
    let (indexes, run) = judge_dialect::<D, _>(inputs, scope, false, |judged| {
        let problems = judged
            .parsed
            .problems
            .iter()
            .map(|p| (problem_meta(p.kind), parse_problem_finding(p, D::NAME)))
            .collect();
        PlannedFile {
            plan: shown_plan(&judged),
            problems: into_diagnostics(judged.source, problems, judged.settings, judged.script),
        }
    });
    let planned = run
        .decoded
        .into_iter()
        .zip(run.judged)
        .map(|(decoded, planned)| match (decoded, planned) {
            (_, Some(planned)) => Some(Ok(planned)),
            (Decoded::Unreadable(report, _), None) if report.script.role == Role::Change => Some(Err(Box::new(report))),
            // History is replayed, not planned.
            _ => None,
        });
    indexes.into_iter().zip(planned).collect()
}

/// `lint_dialect` and `plan_dialect` from one analysis: each file's
/// report, and its plan when it is SQL text.
pub(super) fn lint_and_plan_dialect<D: ReplayedDialect>(
    inputs: Vec<(usize, RunInput)>,
    scope: ChangeScope,
) -> Vec<(usize, Option<ReportAndPlan>)> {
    let (indexes, run) = judge_dialect::<D, _>(inputs, scope, true, |judged| {
        let plan = shown_plan(&judged);
        // The findings scale with the same weighed plan.
        let weighed = (!judged.settings.sizes.is_empty()).then(|| plan.clone());
        (pending_report(judged, weighed), plan)
    });
    indexes.into_iter().zip(finish_reports(run)).collect()
}

/// A file's report, and its plan when it is SQL text.
pub(super) type ReportAndPlan = (FileReport, Option<FilePlan>);

/// What became of a file of the change: judged, or the report of why it
/// could not be read (boxed: a report is large beside most judgements).
pub(super) type Outcome<T> = Result<T, Box<FileReport>>;

/// A file of the change, analysed against the schema before it.
pub(super) struct Judged<'j, 'a, D: ReplayedDialect> {
    pub file: &'j D::Analyzed<'a>,
    pub source: &'j SourceFile,
    pub parsed: Parsed<'j>,
    pub script: &'j ScriptInfo,
    pub settings: &'j Arc<Settings>,
}

/// Replays every input of dialect `D` in run order and judges each file of
/// the change with `judge`; then, with `checked`, the History rules' run
/// checks see the whole run. The run index of each input, and the run
/// (`judged` None for history and content that is not SQL text).
fn judge_dialect<D: ReplayedDialect, T>(
    inputs: Vec<(usize, RunInput)>,
    scope: ChangeScope,
    checked: bool,
    judge: impl for<'j, 'a> Fn(Judged<'j, 'a, D>) -> T,
) -> (Vec<usize>, JudgedRun<T>) {
    let (indexes, mut decoded): (Vec<usize>, Vec<Decoded>) =
        inputs.into_par_iter().map(|(i, input)| (i, decode(input))).unzip();
    // Parsing needs no schema: every file at once, on every core.
    let parsed: Vec<Option<D::File>> = decoded
        .par_iter()
        .map(|d| match d {
            Decoded::Text(source, script, _) if !script.is_deleted() => Some(D::parse(source)),
            _ => None,
        })
        .collect();
    let mut catalogs: HashMap<String, D::Catalog> = HashMap::new();
    // The migration of the last judged script: (root, place in its order).
    let mut last_migration: Option<(String, usize)> = None;
    let mut judged: Vec<Option<T>> = Vec::with_capacity(decoded.len());
    for (input, parsed) in decoded.iter_mut().zip(parsed) {
        let Decoded::Text(source, script, settings) = &*input else {
            judged.push(None);
            continue;
        };
        let catalog = catalogs.entry(script.root.clone()).or_default();
        let parsed = parsed.unwrap_or_default();
        let change = script.role == Role::Change;
        // Each migration of an audit is its own change: what the ones before
        // it built is production's by then.
        let migration = script.order.map(|order| (script.root.clone(), order));
        let new_change = migration.is_none() || migration != last_migration;
        if !change || (scope == ChangeScope::EachMigration && new_change) {
            D::settle(catalog);
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
            D::settle(&mut aside);
            &mut aside
        };
        let runner_transaction = script.transaction != RunnerTransaction::None;
        let made = {
            let file = D::analyze(source, &parsed, script, catalog, settings, runner_transaction, change);
            change.then(|| {
                judge(Judged {
                    file: &file,
                    source,
                    parsed: D::parsed(&parsed),
                    script,
                    settings,
                })
            })
        };
        judged.push(made);
        // History is replayed, never reported: its text is not needed again.
        input.release_history_text();
    }
    let checks = if checked { history_checks(&decoded) } else { Vec::new() };
    let run_findings = finish_checks(checks, &decoded, &judged, &[]);
    let run = JudgedRun {
        decoded,
        judged,
        run_findings,
    };
    (indexes, run)
}

/// What the rules find in one analysed file, with its parse problems;
/// its suppressions apply at the run's end, with the History rules' findings.
fn pending_report<D: ReplayedDialect>(judged: Judged<'_, '_, D>, weighed: Option<FilePlan>) -> PendingReport {
    let Judged {
        file,
        source,
        parsed,
        script,
        settings,
    } = judged;
    let mut findings: Vec<(&'static RuleMeta, Finding)> = Vec::new();
    if !script.is_deleted() {
        for problem in parsed.problems {
            findings.push((problem_meta(problem.kind), parse_problem_finding(problem, D::NAME)));
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
            D::check(*rule, file, &mut out);
            findings.extend(out.into_iter().map(|finding| (rule.meta(), finding)));
        }
        if !settings.custom_rules.is_empty() {
            crate::report::custom::check_replayed(source, &D::tables(file), settings, &mut findings);
        }
    }
    let problems: Vec<_> = parsed.problems.iter().map(|p| p.span).collect();
    PendingReport {
        diagnostics: into_diagnostics(source, findings, settings, script),
        directives: suppress::directives_in(source, parsed.comments, &parsed.statements, &problems),
        statements: parsed.statements.len(),
        placement: None,
        weighed,
        tables: statement_tables::<D>(file, settings),
    }
}

/// The tables each statement acts on, for `[owners]`; none when no owners
/// are configured (nothing reads them).
fn statement_tables<D: ReplayedDialect>(file: &D::Analyzed<'_>, settings: &Settings) -> Vec<StatementTables> {
    if settings.owners.is_empty() {
        Vec::new()
    } else {
        D::tables(file)
    }
}

/// The judged file's plan as a reader sees it (`super::shown_plan`).
fn shown_plan<D: ReplayedDialect>(judged: &Judged<'_, '_, D>) -> FilePlan {
    super::shown_plan(
        D::plan(judged.file, judged.source),
        judged.settings,
        judged.script,
        &statement_tables::<D>(judged.file, judged.settings),
    )
}
