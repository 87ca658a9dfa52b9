//! Runs the enabled rules over an analysed file, applies suppressions and
//! sorts the result. No I/O: callers hand in bytes.

use std::collections::BTreeMap;

use crate::analysis::{self, AnalyzedFile};
use crate::diagnostic::{Diagnostic, Finding, Severity};
use crate::parse::{self, ProblemKind};
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
    /// Per-rule overrides: `None` turns the rule off.
    overrides: BTreeMap<String, Option<Severity>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pg_version: DEFAULT_PG_VERSION,
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

    pub fn is_enabled(&self, id: &str) -> bool {
        rules::find(id).is_some_and(|rule| self.severity(rule.meta()).is_some())
    }
}

/// The result of linting one file.
#[derive(Debug)]
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

/// Lints raw file content: rejects binary and non-UTF-8 content with a
/// located diagnostic instead of guessing at it.
pub fn lint_bytes(path: &str, bytes: &[u8], settings: &Settings) -> FileReport {
    match std::str::from_utf8(bytes) {
        Ok(text) => match text.find('\0') {
            Some(nul) => unreadable(
                SourceFile::new(path, text),
                nul,
                "file is binary (it holds a NUL byte), not SQL text; miglint skips it",
                settings,
            ),
            None => lint_source(SourceFile::new(path, text), settings),
        },
        Err(error) => {
            let at = error.valid_up_to();
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            unreadable(
                SourceFile::new(path, lossy),
                at,
                &format!(
                    "file is not valid UTF-8 (invalid byte 0x{:02x}); save it as UTF-8 so miglint can check it",
                    bytes[at]
                ),
                settings,
            )
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

/// Lints one source file.
pub fn lint_source(source: SourceFile, settings: &Settings) -> FileReport {
    let parsed = parse::parse_file(&source);
    let mut findings: Vec<(&'static RuleMeta, Finding)> = Vec::new();

    for problem in &parsed.problems {
        let meta = match problem.kind {
            ProblemKind::Syntax => &rules::syntax_error::META,
            ProblemKind::Unsupported => &rules::unsupported_syntax::META,
        };
        findings.push((meta, parse_problem_finding(problem)));
    }
    if !parsed.has_code && parsed.problems.is_empty() {
        findings.push((
            &rules::empty_file::META,
            Finding::new(Span::new(0, 0), "file holds no SQL statements")
                .help("delete the file, or add the migration's statements"),
        ));
    }

    let analyzed = analysis::analyze(&source, &parsed, settings.pg_version);
    run_rules(&analyzed, settings, &mut findings);

    let mut diagnostics = into_diagnostics(&source, findings, settings);
    let directives = suppress::directives(&source, &parsed);
    let suppression_findings = suppress::apply(&directives, &mut diagnostics, settings);
    diagnostics.extend(into_diagnostics(&source, suppression_findings, settings));
    diagnostics.sort_by(|a, b| {
        (a.span.start, a.rule, a.span.end).cmp(&(b.span.start, b.rule, b.span.end))
    });

    FileReport {
        statements: parsed.statements.len(),
        source,
        diagnostics,
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

fn run_rules(
    file: &AnalyzedFile,
    settings: &Settings,
    findings: &mut Vec<(&'static RuleMeta, Finding)>,
) {
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
