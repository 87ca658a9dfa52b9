//! Runs the enabled rules over an analysed file, applies suppressions and
//! sorts the result. No I/O: callers hand in bytes.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::analysis::{self, AnalyzedFile, Catalog, Origin, RunContext, TransactionMode};
use crate::diagnostic::{Diagnostic, Finding, Severity};
use crate::parse::{self, ProblemKind};
use crate::plan::{self, PlannedFile};
use crate::rule::RuleMeta;
use crate::rules;
use crate::source::{SourceFile, Span};
use crate::suppress;

pub const DEFAULT_PG_VERSION: u32 = 16;
pub const SUPPORTED_PG_VERSIONS: std::ops::RangeInclusive<u32> = 11..=18;

/// Resolved, immutable settings for a run.
#[derive(Clone, Debug)]
pub struct Settings {
    pub pg_version: u32,
    /// How the runner wraps each file.
    pub transaction: TransactionMode,
    /// A lock timeout is set outside the migrations (role, database, runner).
    pub assume_lock_timeout: bool,
    /// `lock-timeout-too-long`: the longest acceptable `lock_timeout`, in ms.
    pub max_lock_timeout_ms: u64,
    /// Per-rule overrides: `None` turns the rule off.
    overrides: BTreeMap<String, Option<Severity>>,
}

pub const DEFAULT_MAX_LOCK_TIMEOUT_MS: u64 = 10_000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pg_version: DEFAULT_PG_VERSION,
            transaction: TransactionMode::None,
            assume_lock_timeout: false,
            max_lock_timeout_ms: DEFAULT_MAX_LOCK_TIMEOUT_MS,
            overrides: BTreeMap::new(),
        }
    }
}

impl Settings {
    pub fn new(pg_version: u32) -> Self {
        Settings {
            pg_version,
            ..Settings::default()
        }
    }

    /// Sets a rule's severity, or turns it off with `None`.
    pub fn set_rule(&mut self, id: &str, severity: Option<Severity>) {
        self.overrides.insert(id.to_string(), severity);
    }

    /// The severity a rule reports at, or None when it is off.
    pub fn severity(&self, meta: &RuleMeta) -> Option<Severity> {
        match self.overrides.get(meta.id) {
            Some(choice) => *choice,
            None => Some(meta.default_severity),
        }
    }

    pub fn analysis_options(&self) -> analysis::Options {
        analysis::Options {
            pg_version: self.pg_version,
            transaction: self.transaction,
            assume_lock_timeout: self.assume_lock_timeout,
            max_lock_timeout_ms: self.max_lock_timeout_ms,
        }
    }
}

/// The result of linting one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    /// Statements parsed and checked.
    pub statements: usize,
}

impl FileReport {
    pub fn path(&self) -> &str {
        &self.source.path
    }

    pub fn active(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_active())
    }
}

/// One file handed to a run.
#[derive(Clone, Debug)]
pub struct RunInput {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Which files form the change being judged: what a change creates is new
/// and empty for the rest of it, what came before is existing and populated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeScope {
    /// Each file is its own change (an audit of a whole history).
    EachFile,
    /// All files together are one change (files named explicitly).
    AllFiles,
}

/// Lints raw file content as a run of its own.
pub fn lint_bytes(path: &str, bytes: &[u8], settings: &Settings) -> FileReport {
    let input = RunInput {
        path: path.to_string(),
        bytes: bytes.to_vec(),
    };
    lint_run(vec![input], None, settings, ChangeScope::EachFile)
        .pop()
        .expect("one report per input")
}

/// Lints one source file as a run of its own.
pub fn lint_source(source: SourceFile, settings: &Settings) -> FileReport {
    let input = RunInput {
        path: source.path.clone(),
        bytes: source.text.as_bytes().to_vec(),
    };
    lint_run(vec![input], None, settings, ChangeScope::EachFile)
        .pop()
        .expect("one report per input")
}

/// Reads text that is not a migration of the run but the schema production
/// already has (`pg_dump --schema-only`, `structure.sql`) into a catalog.
/// What is not DDL is read or skipped without noise.
pub fn history_catalog(schema: &SourceFile) -> Catalog {
    let parsed = parse::parse_file(schema);
    let mut catalog = Catalog::default();
    for stmt in &parsed.statements {
        catalog.apply(&stmt.node, Origin::History, None);
    }
    catalog.settle();
    catalog.reset_session();
    catalog
}

/// A file after decoding: SQL text, or a report saying why it is not.
enum Decoded {
    Text(SourceFile),
    Unreadable(FileReport),
}

/// A run after decoding, parsing and catalog replay: what `lint_run` and
/// `miglint plan` both start from.
pub struct AnalyzedRun<'a> {
    /// One entry per input; None for content that is not SQL text.
    pub files: Vec<Option<AnalyzedFile<'a>>>,
    /// Reports for inputs that are not SQL text (binary, not UTF-8), by index.
    pub unreadable: Vec<Option<&'a FileReport>>,
    pub parsed: &'a [Option<parse::ParsedFile>],
    /// The catalog at the end of the run.
    pub catalog: Catalog,
}

/// Decodes and parses the inputs in parallel, replays the catalog through
/// them in order (so each statement is judged against the schema it will
/// meet), and hands the analysed run to `work`.
pub fn with_analyzed_run<R>(
    inputs: Vec<RunInput>,
    history: Option<Catalog>,
    settings: &Settings,
    scope: ChangeScope,
    work: impl FnOnce(AnalyzedRun<'_>) -> R,
) -> R {
    let decoded: Vec<Decoded> = inputs.into_par_iter().map(|input| decode(input, settings)).collect();
    let parsed: Vec<Option<parse::ParsedFile>> = decoded
        .par_iter()
        .map(|d| match d {
            Decoded::Text(source) => Some(parse::parse_file(source)),
            Decoded::Unreadable(_) => None,
        })
        .collect();

    let mut catalog = history.unwrap_or_default();
    let options = settings.analysis_options();
    let mut files: Vec<Option<AnalyzedFile>> = Vec::with_capacity(decoded.len());
    for (index, (d, p)) in decoded.iter().zip(&parsed).enumerate() {
        let (Decoded::Text(source), Some(parsed)) = (d, p) else {
            files.push(None);
            continue;
        };
        if scope == ChangeScope::EachFile {
            catalog.settle();
        }
        // Each file starts a new session as far as search_path goes.
        catalog.reset_session();
        files.push(Some(analysis::analyze(source, parsed, options, &mut catalog, index)));
    }
    let unreadable = decoded
        .iter()
        .map(|d| match d {
            Decoded::Unreadable(report) => Some(report),
            Decoded::Text(_) => None,
        })
        .collect();
    work(AnalyzedRun {
        files,
        unreadable,
        parsed: &parsed,
        catalog,
    })
}

/// Lints the files of a run, in order: the rules run on each analysed file
/// in parallel, then the run-level rules on the whole. One report per input,
/// in input order.
pub fn lint_run(
    inputs: Vec<RunInput>,
    history: Option<Catalog>,
    settings: &Settings,
    scope: ChangeScope,
) -> Vec<FileReport> {
    with_analyzed_run(inputs, history, settings, scope, |run| {
        let mut run_findings: Vec<Vec<(&'static RuleMeta, Finding)>> = vec![Vec::new(); run.files.len()];
        let context = RunContext {
            files: &run.files,
            catalog: &run.catalog,
        };
        for rule in rules::all().iter().filter(|r| settings.severity(r.meta()).is_some()) {
            let mut out = Vec::new();
            rule.check_run(&context, &mut out);
            for (file, finding) in out {
                if let Some(slot) = run_findings.get_mut(file) {
                    slot.push((rule.meta(), finding));
                }
            }
        }
        let reports: Vec<Option<FileReport>> = run
            .files
            .par_iter()
            .zip(run.parsed.par_iter())
            .zip(run_findings.into_par_iter())
            .map(|((file, parsed), extra)| Some(file_report(file.as_ref()?, parsed.as_ref()?, extra, settings)))
            .collect();
        reports
            .into_iter()
            .zip(&run.unreadable)
            .map(|(report, unreadable)| match (report, unreadable) {
                (Some(report), _) => report,
                (None, Some(unreadable)) => (*unreadable).clone(),
                (None, None) => unreachable!("every input is text or unreadable"),
            })
            .collect()
    })
}

/// The plan of every file of a run (`miglint plan`), in input order.
pub fn plan_run(
    inputs: Vec<RunInput>,
    history: Option<Catalog>,
    settings: &Settings,
    scope: ChangeScope,
) -> Vec<PlannedFile> {
    with_analyzed_run(inputs, history, settings, scope, |run| {
        run.files
            .iter()
            .zip(run.parsed)
            .zip(&run.unreadable)
            .map(|((file, parsed), unreadable)| match (file, parsed, unreadable) {
                (Some(file), Some(parsed), _) => {
                    let problems = parsed
                        .problems
                        .iter()
                        .map(|p| (problem_meta(p.kind), parse_problem_finding(p)));
                    PlannedFile {
                        plan: plan::plan_file(file),
                        problems: into_diagnostics(file.source, problems.collect(), settings),
                    }
                }
                (_, _, Some(report)) => PlannedFile {
                    plan: plan::FilePlan {
                        path: report.path().to_string(),
                        statements: Vec::new(),
                    },
                    problems: report.diagnostics.clone(),
                },
                _ => unreachable!("every input is text or unreadable"),
            })
            .collect()
    })
}

/// Rejects binary and non-UTF-8 content with a located diagnostic instead of
/// guessing at it.
fn decode(input: RunInput, settings: &Settings) -> Decoded {
    let RunInput { path, bytes } = input;
    match String::from_utf8(bytes) {
        Ok(text) => match text.find('\0') {
            Some(nul) => Decoded::Unreadable(unreadable(
                SourceFile::new(path, text),
                nul,
                "file is binary (it holds a NUL byte), not SQL text; miglint skips it",
                settings,
            )),
            None => Decoded::Text(SourceFile::new(path, text)),
        },
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let byte = error.as_bytes()[at];
            let lossy = String::from_utf8_lossy(error.as_bytes()).into_owned();
            Decoded::Unreadable(unreadable(
                SourceFile::new(path, lossy),
                at,
                &format!(
                    "file is not valid UTF-8 (invalid byte 0x{byte:02x}); save it as UTF-8 so miglint can check it"
                ),
                settings,
            ))
        }
    }
}

fn unreadable(source: SourceFile, at: usize, message: &str, settings: &Settings) -> FileReport {
    let mut findings = Vec::new();
    let end = at + source.text[at..].chars().next().map_or(0, char::len_utf8);
    findings.push((
        &rules::invalid_encoding::META,
        Finding::new(Span::new(at, end), message)
            .help("convert the file to UTF-8 text, or leave it out with `exclude` in miglint.toml"),
    ));
    let diagnostics = into_diagnostics(&source, findings, settings);
    FileReport {
        source,
        diagnostics,
        statements: 0,
    }
}

/// Runs the statement and file rules on one analysed file and turns every
/// finding into a sorted, suppression-aware diagnostic.
fn file_report(
    file: &AnalyzedFile,
    parsed: &parse::ParsedFile,
    run_findings: Vec<(&'static RuleMeta, Finding)>,
    settings: &Settings,
) -> FileReport {
    let source = file.source;
    let mut findings: Vec<(&'static RuleMeta, Finding)> = Vec::new();
    for problem in &parsed.problems {
        findings.push((problem_meta(problem.kind), parse_problem_finding(problem)));
    }
    if !parsed.has_code && parsed.problems.is_empty() {
        findings.push((
            &rules::empty_file::META,
            Finding::new(Span::new(0, 0), "file holds no SQL statements")
                .help("delete the file, or add the migration's statements"),
        ));
    }
    run_rules(file, settings, &mut findings);
    findings.extend(run_findings);

    let mut diagnostics = into_diagnostics(source, findings, settings);
    let directives = suppress::directives(source, parsed);
    let suppression_findings = suppress::apply(&directives, &mut diagnostics, settings);
    diagnostics.extend(into_diagnostics(source, suppression_findings, settings));
    diagnostics.sort_by(|a, b| (a.span.start, a.rule, a.span.end).cmp(&(b.span.start, b.rule, b.span.end)));

    FileReport {
        statements: parsed.statements.len(),
        source: source.clone(),
        diagnostics,
    }
}

fn problem_meta(kind: ProblemKind) -> &'static RuleMeta {
    match kind {
        ProblemKind::Syntax => &rules::syntax_error::META,
        ProblemKind::Unsupported => &rules::unsupported_syntax::META,
    }
}

fn parse_problem_finding(problem: &parse::ParseProblem) -> Finding {
    let finding = Finding::new(problem.span, problem.message.clone());
    match problem.kind {
        ProblemKind::Syntax => finding
            .label(problem.span, "PostgreSQL stops here")
            .help("fix the statement: PostgreSQL will reject this migration as written"),
        ProblemKind::Unsupported => finding.help(
            "miglint checks plain SQL; render templates before linting, or move psql commands out of the migration",
        ),
    }
}

fn run_rules(file: &AnalyzedFile, settings: &Settings, findings: &mut Vec<(&'static RuleMeta, Finding)>) {
    let mut out = Vec::new();
    for rule in rules::all() {
        if settings.severity(rule.meta()).is_none() {
            continue;
        }
        for ctx in file.contexts() {
            rule.check_statement(ctx, &mut out);
        }
        rule.check_file(file, &mut out);
        findings.extend(out.drain(..).map(|f| (rule.meta(), f)));
    }
}

fn into_diagnostics(
    source: &SourceFile,
    findings: Vec<(&'static RuleMeta, Finding)>,
    settings: &Settings,
) -> Vec<Diagnostic> {
    findings
        .into_iter()
        .filter_map(|(meta, finding)| {
            let mut severity = settings.severity(meta)?;
            if let Some(cap) = finding.max_severity {
                severity = severity.min(cap);
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
            })
        })
        .collect()
}
