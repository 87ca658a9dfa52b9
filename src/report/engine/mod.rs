//! Runs the enabled rules over an analysed file, applies suppressions and
//! sorts the result. No I/O: callers hand in bytes.

mod judge;
mod mysql;
mod replayed;
mod sqlite;

use std::sync::Arc;

use super::{assign_owners, sizes, FileReport, StatementTables};
use crate::analysis::{self, AnalyzedFile, Catalog, Origin, TransactionMode};
use crate::diagnostic::{Diagnostic, Finding};
use crate::input::layout::{Dialect, Role, RunnerTransaction, ScriptInfo, Tool};
use crate::input::read::{Content, TooLarge};
use crate::input::source::{SourceFile, Span};
use crate::parse::{self, ProblemKind};
use crate::report::embedded::Placement;
use crate::report::plan::{self, FilePlan, PlannedFile};

use crate::report::suppress;
use crate::rule::RuleMeta;
use crate::rules;
use crate::settings::Severity;
use crate::settings::{NameRules, Settings};
use judge::{judge_run, JudgedRun};

/// The severity a rule reports at under `settings`, or None when it is off.
fn severity(settings: &Settings, meta: &RuleMeta) -> Option<Severity> {
    settings.rule_severity(meta.id, meta.enabled_by_default.then_some(meta.default_severity))
}

/// One file handed to a run, with how its tool runs it and the settings
/// of the config that applies to it.
#[derive(Clone, Debug)]
pub struct RunInput {
    pub path: String,
    pub content: Content,
    pub script: ScriptInfo,
    pub settings: Arc<Settings>,
    /// The schema production already has (`--schema`, config `schema`):
    /// what the input's root starts from.
    pub schema: Option<Arc<Catalog>>,
}

impl RunInput {
    /// A file run by no known tool, with the default settings.
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> RunInput {
        RunInput {
            path: path.into(),
            content: Content::Bytes(bytes),
            script: ScriptInfo::plain(),
            settings: Settings::shared_default(),
            schema: None,
        }
    }

    pub fn with_settings(mut self, settings: Arc<Settings>) -> RunInput {
        self.settings = settings;
        self
    }

    pub fn with_schema(mut self, schema: Option<Arc<Catalog>>) -> RunInput {
        self.schema = schema;
        self
    }

    pub fn with_script(mut self, script: ScriptInfo) -> RunInput {
        self.script = script;
        self
    }
}

/// Which files form the change being judged: what a change creates is new
/// and empty for the rest of it, what came before is existing and populated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeScope {
    /// Each migration is its own change, judged against those before it (an
    /// audit of a history, files named without `--since`); the files of one
    /// migration (a version folder's) are one change together.
    EachMigration,
    /// All files together are one change (files named explicitly).
    AllFiles,
}

/// Lints raw file content as a run of its own.
pub fn lint_bytes(path: &str, bytes: &[u8], settings: &Settings) -> FileReport {
    let input = RunInput::new(path, bytes.to_vec()).with_settings(Arc::new(settings.clone()));
    lint_run(vec![input], ChangeScope::EachMigration)
        .pop()
        .expect("one report per input")
}

/// Lints one source file as a run of its own.
pub fn lint_source(source: SourceFile, settings: &Settings) -> FileReport {
    lint_bytes(&source.path, source.text.as_bytes(), settings)
}

/// Reads text that is not a migration of the run but the schema production
/// already has (`pg_dump --schema-only`, `structure.sql`) into a catalog.
/// What is not DDL is read or skipped without noise.
pub fn history_catalog(schema: &SourceFile) -> Catalog {
    let parsed = parse::parse_file(schema);
    let mut catalog = Catalog::default();
    analysis::replay(&mut catalog, &parsed, Origin::History);
    catalog.settle();
    catalog.reset_session();
    catalog
}

/// A file after decoding: SQL text, or a report saying why it is not.
enum Decoded {
    Text(SourceFile, ScriptInfo, Arc<Settings>),
    Unreadable(FileReport, Arc<Settings>),
}

impl Decoded {
    fn settings(&self) -> &Arc<Settings> {
        match self {
            Decoded::Text(_, _, settings) | Decoded::Unreadable(_, settings) => settings,
        }
    }

    /// Drops the text of a history input once it is replayed: a long
    /// history's text would otherwise stay to the end of the run.
    fn release_history_text(&mut self) {
        if let Decoded::Text(source, script, _) = self {
            if script.role == Role::History {
                *source = SourceFile::new(std::mem::take(&mut source.path), "");
            }
        }
    }
}

/// Lints the files of a run, in order: the rules run on each analysed file
/// as soon as its chunk is analysed, the run-level rules on the whole. One
/// report per input, in input order.
pub fn lint_run(inputs: Vec<RunInput>, scope: ChangeScope) -> Vec<FileReport> {
    let (Parted { inputs, indexes }, replayed_inputs) = by_dialect(inputs);
    let run = judge_run(inputs, scope, true, |file, settings, found| {
        let weighed = plan_for_scaling(|| plan::plan_file(file), settings, file.script);
        (lint_file(file, settings, found, weighed), ())
    });
    let postgres_reports = finish_reports(run).into_iter().map(|r| r.map(|(report, _)| report));
    merge(indexes, postgres_reports, lint_replayed(replayed_inputs, scope))
        .into_iter()
        .flatten()
        .collect()
}

/// The report of each input of a replayed dialect (SQLite, MySQL), by its
/// index in the run; None for history, which is replayed, not reported.
fn lint_replayed(inputs: Vec<(usize, RunInput)>, scope: ChangeScope) -> Vec<(usize, Option<FileReport>)> {
    let (sqlite, mysql) = by_replayed_dialect(inputs);
    let mut reports = replayed::lint_dialect::<sqlite::Sqlite>(sqlite, scope);
    reports.extend(replayed::lint_dialect::<mysql::Mysql>(mysql, scope));
    reports
}

/// Inputs by their index in the run.
type Indexed = Vec<(usize, RunInput)>;

/// The replayed dialects' inputs: SQLite's, and MySQL's.
fn by_replayed_dialect(inputs: Indexed) -> (Indexed, Indexed) {
    inputs
        .into_iter()
        .partition(|(_, input)| input.script.dialect == Dialect::Sqlite)
}

/// A run's inputs parted by dialect: PostgreSQL's, judged together, and
/// the replayed dialects' (SQLite, MySQL), by their index in the run.
struct Parted {
    inputs: Vec<RunInput>,
    /// The run index of each PostgreSQL input.
    indexes: Vec<usize>,
}

fn by_dialect(inputs: Vec<RunInput>) -> (Parted, Vec<(usize, RunInput)>) {
    let mut postgres = Parted {
        inputs: Vec::new(),
        indexes: Vec::new(),
    };
    let mut replayed_inputs = Vec::new();
    for (index, input) in inputs.into_iter().enumerate() {
        if replayed::is_replayed(&input) {
            replayed_inputs.push((index, input));
        } else {
            postgres.indexes.push(index);
            postgres.inputs.push(input);
        }
    }
    (postgres, replayed_inputs)
}

/// Every dialect's results in run order: PostgreSQL's, whose run indexes
/// are `indexes`, and the replayed dialects', by theirs.
fn merge<T>(
    indexes: Vec<usize>,
    postgres: impl IntoIterator<Item = Option<T>>,
    replayed: Vec<(usize, Option<T>)>,
) -> Vec<Option<T>> {
    let mut all: Vec<(usize, Option<T>)> = indexes.into_iter().zip(postgres).collect();
    all.extend(replayed);
    all.sort_by_key(|(index, _)| *index);
    all.into_iter().map(|(_, result)| result).collect()
}

/// A linted file and, when it is SQL text, its plan.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    pub report: FileReport,
    pub plan: Option<FilePlan>,
}

/// `lint_run` and the plan of each file from the same analysis, for outputs
/// that show findings beside what each statement locks (the CI job summary).
pub fn lint_and_plan_run(inputs: Vec<RunInput>, scope: ChangeScope) -> Vec<CheckedFile> {
    let (Parted { inputs, indexes }, replayed_inputs) = by_dialect(inputs);
    let run = judge_run(inputs, scope, true, |file, settings, found| {
        let shown = shown_plan(
            plan::plan_file(file),
            settings,
            file.script,
            &statement_tables(file, settings),
        );
        // The findings scale with the same weighed plan.
        let weighed = (!settings.sizes.is_empty()).then(|| shown.clone());
        (lint_file(file, settings, found, weighed), shown)
    });
    let postgres_files = finish_reports(run)
        .into_iter()
        .map(|r| r.map(|(report, plan)| CheckedFile { report, plan }));
    let (sqlite, mysql) = by_replayed_dialect(replayed_inputs);
    let mut replayed = replayed::lint_and_plan_dialect::<sqlite::Sqlite>(sqlite, scope);
    replayed.extend(replayed::lint_and_plan_dialect::<mysql::Mysql>(mysql, scope));
    let replayed_files = replayed
        .into_iter()
        .map(|(index, checked)| (index, checked.map(|(report, plan)| CheckedFile { report, plan })))
        .collect();
    merge(indexes, postgres_files, replayed_files)
        .into_iter()
        .flatten()
        .collect()
}

/// A file linted before the run's end: what the run checks find at the
/// end joins its diagnostics, then its suppressions apply.
struct PendingReport {
    diagnostics: Vec<Diagnostic>,
    directives: Vec<suppress::Directive>,
    statements: usize,
    /// Where findings of the analysis text are in the file; None when the
    /// analysis text is the file's (the replayed dialects).
    placement: Option<Placement>,
    /// The tables each statement touches, at its place in the file.
    tables: Vec<StatementTables>,
    /// The file's plan, weighed, when the sizes of tables are known: the
    /// findings' severities scale with it.
    weighed: Option<FilePlan>,
}

/// The report of each input, in input order, with what else was made of
/// it; None for history, which is replayed, not reported.
fn finish_reports<X>(run: JudgedRun<(PendingReport, X)>) -> Vec<Option<(FileReport, Option<X>)>> {
    let JudgedRun {
        decoded,
        judged,
        run_findings,
    } = run;
    let mut at_end: Vec<Vec<(&'static RuleMeta, Finding)>> = Vec::new();
    at_end.resize_with(decoded.len(), Vec::new);
    for (index, meta, finding) in run_findings {
        if let Some(slot) = at_end.get_mut(index) {
            slot.push((meta, finding));
        }
    }
    decoded
        .into_iter()
        .zip(judged)
        .zip(at_end)
        .map(|((decoded, judged), at_end)| {
            let (report, extra) = match (decoded, judged) {
                (Decoded::Text(source, script, settings), Some((pending, extra))) => {
                    (finish_report(source, script, &settings, pending, at_end), Some(extra))
                }
                (Decoded::Unreadable(report, _), _) => (report, None),
                (Decoded::Text(..), None) => return None,
            };
            (report.script.role == Role::Change).then_some((report, extra))
        })
        .collect()
}

/// A file's report: its findings, those of the run's end placed in the
/// file, its suppressions applied, sorted.
fn finish_report(
    source: SourceFile,
    script: ScriptInfo,
    settings: &Settings,
    pending: PendingReport,
    at_end: Vec<(&'static RuleMeta, Finding)>,
) -> FileReport {
    let PendingReport {
        mut diagnostics,
        directives,
        statements,
        placement,
        tables,
        weighed,
    } = pending;
    let at_end = at_end
        .into_iter()
        .map(|(meta, finding)| match &placement {
            Some(placement) => (meta, placement.place(finding)),
            None => (meta, finding),
        })
        .collect();
    diagnostics.extend(into_diagnostics(&source, at_end, settings, &script));
    if let Some(plan) = &weighed {
        sizes::scale(plan, &settings.sizes, &mut diagnostics);
    }
    let suppression_findings = suppress::apply(&directives, &mut diagnostics, settings);
    diagnostics.extend(into_diagnostics(&source, suppression_findings, settings, &script));
    diagnostics.sort_by(|a, b| (a.span.start, a.rule, a.span.end).cmp(&(b.span.start, b.rule, b.span.end)));
    let owners = assign_owners(&settings.owners, name_rules(&script), &tables, &mut diagnostics);
    FileReport {
        statements,
        source,
        diagnostics,
        script,
        fail_on: settings.fail_on,
        baseline: settings.baseline.clone(),
        owners,
    }
}

/// `plan` with the size of its tables and the duration of its work, when
/// the config knows sizes (`stats`, `[tables]`).
fn weighed(mut plan: FilePlan, settings: &Settings, script: &ScriptInfo) -> FilePlan {
    sizes::weigh(&mut plan, &settings.sizes, name_rules(script));
    plan
}

/// The plan a reader sees (`miglint plan`, the job summary, the editor's
/// hover): weighed, and each statement naming the owners of the tables
/// it touches (`tables`: the same tables the file's findings take their
/// owners from).
fn shown_plan(plan: FilePlan, settings: &Settings, script: &ScriptInfo, tables: &[StatementTables]) -> FilePlan {
    let mut plan = weighed(plan, settings, script);
    if !settings.owners.is_empty() {
        let rules = name_rules(script);
        for statement in &mut plan.statements {
            let Some(touched) = super::innermost(tables.iter(), statement.start.offset, |t| t.span) else {
                continue;
            };
            statement.owners = settings.owners.owners_of_all(
                touched.tables.iter().map(|t| (t.schema.as_deref(), t.name.as_str())),
                rules,
            );
        }
    }
    plan
}

/// The weighed plan a file's findings scale with; None when no size is
/// known (nothing would read it).
fn plan_for_scaling(plan: impl FnOnce() -> FilePlan, settings: &Settings, script: &ScriptInfo) -> Option<FilePlan> {
    (!settings.sizes.is_empty()).then(|| weighed(plan(), settings, script))
}

/// How the file's dialect compares table names, for `[owners]` and sizes.
fn name_rules(script: &ScriptInfo) -> NameRules {
    match script.dialect {
        Dialect::Postgres => NameRules::Postgres,
        Dialect::Mysql | Dialect::Sqlite => NameRules::CaseInsensitive,
    }
}

/// The plan of every file of a run (`miglint plan`), in input order.
pub fn plan_run(inputs: Vec<RunInput>, scope: ChangeScope) -> Vec<PlannedFile> {
    let (Parted { inputs, indexes }, replayed_inputs) = by_dialect(inputs);
    let run = judge_run(inputs, scope, false, |file, settings, _| {
        (file.script.role == Role::Change).then(|| {
            let problems = file
                .parsed
                .problems
                .iter()
                .map(|p| (problem_meta(p.kind), parse_problem_finding(p, "PostgreSQL")));
            PlannedFile {
                plan: shown_plan(
                    plan::plan_file(file),
                    settings,
                    file.script,
                    &statement_tables(file, settings),
                ),
                problems: into_diagnostics(file.original, problems.collect(), settings, file.script),
            }
        })
    });
    let postgres_planned = run
        .decoded
        .into_iter()
        .zip(run.judged)
        .map(|(decoded, judged)| match (decoded, judged) {
            (_, Some(planned)) => planned,
            (Decoded::Unreadable(report, _), None) if report.script.role == Role::Change => Some(unplanned(report)),
            // History is replayed, companions analysed: neither is planned.
            _ => None,
        });
    let (sqlite, mysql) = by_replayed_dialect(replayed_inputs);
    let mut replayed_planned = replayed::plan_dialect::<sqlite::Sqlite>(sqlite, scope);
    replayed_planned.extend(replayed::plan_dialect::<mysql::Mysql>(mysql, scope));
    let replayed_planned = replayed_planned
        .into_iter()
        .map(|(index, planned)| (index, planned.map(|p| p.unwrap_or_else(|unread| unplanned(*unread)))))
        .collect();
    merge(indexes, postgres_planned, replayed_planned)
        .into_iter()
        .flatten()
        .collect()
}

/// A file listed in a plan without statements, with its syntax problems or
/// the reason it was not read.
fn unplanned(report: FileReport) -> PlannedFile {
    let syntax = [rules::syntax_error::META.id, rules::unsupported_syntax::META.id];
    PlannedFile {
        plan: plan::FilePlan {
            path: report.path().to_string(),
            dialect: report.script.dialect,
            statements: Vec::new(),
        },
        problems: report
            .diagnostics
            .into_iter()
            .filter(|d| syntax.contains(&d.rule) || report.statements == 0)
            .collect(),
    }
}

/// Rejects binary and non-UTF-8 content, and a file left unread for its
/// size, with a located diagnostic instead of guessing at it.
fn decode(input: RunInput) -> Decoded {
    let RunInput {
        path,
        content,
        mut script,
        settings,
        schema: _,
    } = input;
    // What the user says of the runner wins over the tool's preset.
    match settings.transaction {
        Some(TransactionMode::None) => script.transaction = RunnerTransaction::None,
        Some(TransactionMode::PerFile | TransactionMode::Batch | TransactionMode::Reopening) => {
            script.transaction = RunnerTransaction::PerFile
        }
        None => {}
    }
    let bytes = match content {
        // Content that did not come from a read with the limit (stdin, an
        // editor, a caller of the library) meets the same limit here.
        Content::Bytes(bytes) if bytes.len() as u64 > settings.max_file_size => {
            let too_large = TooLarge {
                size: bytes.len() as u64,
                limit: settings.max_file_size,
            };
            let report = too_large_report(SourceFile::new(path, String::new()), too_large, &settings, script);
            return Decoded::Unreadable(report, settings);
        }
        Content::Bytes(bytes) => bytes,
        Content::TooLarge(too_large) => {
            let report = too_large_report(SourceFile::new(path, String::new()), too_large, &settings, script);
            return Decoded::Unreadable(report, settings);
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => match text.find('\0') {
            Some(nul) => {
                let report = unreadable(
                    SourceFile::new(path, text),
                    nul,
                    "file is binary (it holds a NUL byte), not SQL text; miglint skips it",
                    &settings,
                    script,
                );
                Decoded::Unreadable(report, settings)
            }
            None => Decoded::Text(SourceFile::new(path, text), script, settings),
        },
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let byte = error.as_bytes()[at];
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let report = unreadable(
                SourceFile::new(path, lossy),
                at,
                &format!(
                    "file is not valid UTF-8 (invalid byte 0x{byte:02x}); save it as UTF-8 so miglint can check it"
                ),
                &settings,
                script,
            );
            Decoded::Unreadable(report, settings)
        }
    }
}

fn unreadable(source: SourceFile, at: usize, message: &str, settings: &Settings, script: ScriptInfo) -> FileReport {
    let end = at + source.text[at..].chars().next().map_or(0, char::len_utf8);
    let finding = Finding::new(Span::new(at, end), message)
        .help("convert the file to UTF-8 text, or leave it out with `exclude` in miglint.toml");
    report_of_one(source, &rules::invalid_encoding::META, finding, settings, script)
}

fn too_large_report(source: SourceFile, too_large: TooLarge, settings: &Settings, script: ScriptInfo) -> FileReport {
    let finding = Finding::new(
        Span::new(0, 0),
        format!(
            "file is {}, larger than max_file_size ({}): miglint did not read it",
            byte_size(too_large.size),
            byte_size(too_large.limit)
        ),
    )
    .help("a migration this large is usually data, not schema: move the data out, or raise `max_file_size` in miglint.toml if this file is a real migration");
    report_of_one(source, &rules::file_too_large::META, finding, settings, script)
}

/// `10.0 MiB`, `512 KiB`, `900 bytes`.
fn byte_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    UNITS.iter().find(|(_, size)| bytes >= *size).map_or_else(
        || format!("{bytes} bytes"),
        |(unit, size)| format!("{:.1} {unit}", bytes as f64 / *size as f64),
    )
}

/// The report of a file the rules never saw: one finding.
fn report_of_one(
    source: SourceFile,
    meta: &'static RuleMeta,
    finding: Finding,
    settings: &Settings,
    script: ScriptInfo,
) -> FileReport {
    let diagnostics = into_diagnostics(&source, vec![(meta, finding)], settings, &script);
    FileReport {
        source,
        diagnostics,
        statements: 0,
        script,
        fail_on: settings.fail_on,
        baseline: settings.baseline.clone(),
        owners: Vec::new(),
    }
}

/// Runs the statement and file rules on one analysed file, places every
/// finding (with the file's findings of the run checks) in the file and
/// turns it into a diagnostic; suppressions apply at the run's end.
fn lint_file(
    file: &AnalyzedFile,
    settings: &Settings,
    run_findings: Vec<(&'static RuleMeta, Finding)>,
    weighed: Option<FilePlan>,
) -> PendingReport {
    let source = file.original;
    let script = file.script;
    let parsed = file.parsed;
    let mut findings: Vec<(&'static RuleMeta, Finding)> = Vec::new();
    // Spans of the file as written, never placed.
    let mut in_file: Vec<(&'static RuleMeta, Finding)> = Vec::new();
    // A file deleted since the git ref has no SQL left to judge: only what
    // the run-level rules say of its deletion.
    if !script.is_deleted() {
        for problem in &parsed.problems {
            in_file.push((problem_meta(problem.kind), parse_problem_finding(problem, "PostgreSQL")));
        }
        if !parsed.has_code && parsed.problems.is_empty() {
            if let Some(finding) = empty_script_finding(source, script) {
                in_file.push((&rules::empty_file::META, finding));
            }
        }
        run_rules(file, settings, &mut findings);
        findings.extend(run_findings);
    }
    // Rules report spans of the analysis text: statements inside bodies are
    // placed where they are written, or called.
    let placement = Placement::of(file);
    let findings = findings
        .into_iter()
        .map(|(meta, finding)| (meta, placement.place(finding)))
        .chain(in_file)
        .collect();
    PendingReport {
        diagnostics: into_diagnostics(source, findings, settings, script),
        directives: suppress::directives(source, parsed),
        statements: parsed.statements.len(),
        placement: Some(placement),
        tables: statement_tables(file, settings),
        weighed,
    }
}

/// The tables each statement of a PostgreSQL file locks, at its place in
/// the file (none when no owners are configured: nothing reads them).
fn statement_tables(file: &AnalyzedFile, settings: &Settings) -> Vec<StatementTables> {
    if settings.owners.is_empty() {
        return Vec::new();
    }
    file.contexts()
        .map(|ctx| {
            let mut tables: Vec<_> = Vec::new();
            for lock in &ctx.state().facts.locks {
                if !tables.contains(&lock.relation) {
                    tables.push(lock.relation.clone());
                }
            }
            StatementTables {
                span: ctx.file_span(),
                tables,
            }
        })
        .collect()
}

fn problem_meta(kind: ProblemKind) -> &'static RuleMeta {
    match kind {
        ProblemKind::Syntax => &rules::syntax_error::META,
        ProblemKind::Unsupported => &rules::unsupported_syntax::META,
    }
}

/// What to say of a script without a statement. A section of a file
/// (goose's `-- +goose Up`, dbmate's `-- migrate:up`) is named as such, at
/// its marker; an empty down section is how a migration says it has nothing
/// to undo, and is not reported.
fn empty_script_finding(source: &SourceFile, script: &ScriptInfo) -> Option<Finding> {
    let sections = matches!(script.tool, Tool::Goose | Tool::Dbmate) && script.direction.is_some();
    if !sections {
        return Some(
            Finding::new(Span::new(0, 0), "file holds no SQL statements")
                .help("delete the file, or add the migration's statements"),
        );
    }
    if script.is_down() {
        return None;
    }
    // The section's view blanks the rest of the file: its first text is
    // the marker line.
    let text = &source.text;
    let start = text.find(|c: char| !c.is_whitespace()).unwrap_or(0);
    let end = text[start..].find(['\r', '\n']).map_or(text.len(), |i| start + i);
    Some(
        Finding::new(Span::new(start, end), "up section holds no SQL statements")
            .label(Span::new(start, end), "the migration runs nothing")
            .help("add the migration's statements below this marker, or delete the file"),
    )
}

/// The finding of a parse problem; `database` names who rejects it.
fn parse_problem_finding(problem: &parse::ParseProblem, database: &str) -> Finding {
    let finding = Finding::new(problem.span, problem.message.clone());
    match problem.kind {
        ProblemKind::Syntax => finding
            .label(problem.span, format!("{database} stops here"))
            .help(format!("fix the statement: {database} will reject this migration as written")),
        ProblemKind::Unsupported if problem.message.starts_with("template placeholder") => finding.help(
            "give the placeholder the text your tool puts there in miglint.toml's [placeholders], or render templates before linting",
        ),
        ProblemKind::Unsupported => finding.help(
            "miglint checks plain SQL; render templates before linting, or move psql commands out of the migration",
        ),
    }
}

fn run_rules(file: &AnalyzedFile, settings: &Settings, findings: &mut Vec<(&'static RuleMeta, Finding)>) {
    let mut out = Vec::new();
    for rule in rules::all() {
        if severity(settings, rule.meta()).is_none() {
            continue;
        }
        for ctx in file.contexts() {
            let mut of_statement = Vec::new();
            rule.check_statement(ctx, &mut of_statement);
            out.extend(super::merge::merge_subjects(of_statement));
        }
        rule.check_file(file, &mut out);
        findings.extend(out.drain(..).map(|f| (rule.meta(), f)));
    }
    crate::report::custom::check_postgres(file, settings, findings);
}

/// Turns findings into diagnostics at their configured severity. In a down
/// script, losing data is what it is written to do: data-loss findings
/// there are warnings at most, except `down-migration-loses-data`'s (data
/// that existed before the up script).
fn into_diagnostics(
    source: &SourceFile,
    findings: Vec<(&'static RuleMeta, Finding)>,
    settings: &Settings,
    script: &ScriptInfo,
) -> Vec<Diagnostic> {
    let down = script.is_down();
    findings
        .into_iter()
        .filter_map(|(meta, finding)| {
            let mut severity = severity(settings, meta)?;
            if let Some(cap) = finding.max_severity {
                severity = severity.min(cap);
            }
            // Data the down script was not written to drop keeps its severity.
            if down
                && meta.category == crate::rule::Category::DataLoss
                && meta.id != rules::down_migration_loses_data::ID
            {
                severity = severity.min(Severity::Warning);
            }
            Some(Diagnostic {
                rule: meta.id,
                severity,
                start: source.position(finding.span.start),
                end: source.position(finding.span.end),
                span: finding.span,
                message: finding.message,
                labels: finding.labels,
                help: finding.help,
                lock: finding.lock,
                suppressed: None,
                owners: None,
                size: None,
                fix: finding.fix,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each finding's rule and owners.
    type FindingOwners = Vec<(&'static str, Option<Vec<String>>)>;

    /// The owners of the file and of each finding (by rule) of `sql` in `dialect`.
    fn owners_of(dialect: Dialect, sql: &str) -> (Vec<String>, FindingOwners) {
        let mut settings = Settings::default();
        settings.owners = crate::settings::Owners {
            rules: [("users", "@identity"), ("*_new", "@dba"), ("billing.*", "@billing")]
                .into_iter()
                .map(|(p, o)| crate::settings::OwnerRule::new(p, vec![o.to_string()]).unwrap())
                .collect(),
        };
        let mut script = ScriptInfo::plain();
        script.dialect = dialect;
        let input = RunInput::new("m.sql", sql.as_bytes().to_vec())
            .with_settings(Arc::new(settings))
            .with_script(script);
        let report = lint_run(vec![input], ChangeScope::AllFiles).pop().unwrap();
        let findings = report.diagnostics.iter().map(|d| (d.rule, d.owners.clone())).collect();
        (report.owners, findings)
    }

    #[test]
    fn owners_come_from_the_tables_each_dialect_knows() {
        let (file, findings) = owners_of(Dialect::Postgres, "CREATE INDEX i ON billing.invoices (a);\n");
        assert_eq!(file, ["@billing"]);
        assert!(findings
            .iter()
            .all(|(_, owners)| owners.as_deref() == Some(&["@billing".to_string()][..])));
        let (file, _) = owners_of(Dialect::Mysql, "ALTER TABLE USERS ADD COLUMN x int;\n");
        assert_eq!(file, ["@identity"], "MySQL ignores case");
        // A SQLite rebuild's copy is about the table it rebuilds too.
        let (file, findings) = owners_of(
            Dialect::Sqlite,
            "CREATE TABLE users_new (id integer);\nINSERT INTO users_new SELECT id FROM users;\n\
             DROP TABLE users;\nALTER TABLE users_new RENAME TO users;\n",
        );
        assert_eq!(file, ["@dba", "@identity"]);
        let rebuild = findings
            .iter()
            .find(|(rule, _)| *rule == "sqlite-table-rebuild")
            .unwrap();
        assert_eq!(
            rebuild.1.as_deref(),
            Some(&["@dba".to_string(), "@identity".to_string()][..])
        );
    }

    #[test]
    fn lint_and_plan_run_reports_what_lint_run_reports_with_each_files_plan() {
        let inputs = vec![
            RunInput::new(
                "1.sql",
                b"CREATE TABLE t (id bigint);\nCREATE INDEX i ON users (id);\n".to_vec(),
            ),
            RunInput::new("2.sql", vec![0xff, 0xfe]),
        ];
        let linted = lint_run(inputs.clone(), ChangeScope::AllFiles);
        let checked = lint_and_plan_run(inputs, ChangeScope::AllFiles);
        assert_eq!(checked.len(), 2);
        for (checked, linted) in checked.iter().zip(&linted) {
            assert_eq!(checked.report.diagnostics, linted.diagnostics);
        }
        let plan = checked[0].plan.as_ref().expect("SQL text is planned");
        assert_eq!(plan.statements.len(), 2);
        assert_eq!(plan.statements[1].locks.len(), 1, "the index build locks users");
        assert!(checked[1].plan.is_none(), "content that is not UTF-8 has no plan");
    }
}
