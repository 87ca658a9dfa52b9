//! The last stage before the front ends: the rules run over analysed files
//! (`engine`), findings inside bodies placed in the file (`embedded`),
//! suppressions applied (`suppress`), what each statement does (`plan`), and
//! every output format (`render`).

pub(crate) mod baseline;
pub(crate) mod custom;
pub(crate) mod embedded;
pub(crate) mod engine;
pub(crate) mod fingerprint;
pub(crate) mod fix;
mod merge;
pub(crate) mod plan;
pub(crate) mod render;
pub(crate) mod sizes;
pub(crate) mod suppress;

use std::path::PathBuf;

use crate::analysis::RelationName;
use crate::diagnostic::{Diagnostic, SuppressionScope};
use crate::input::layout::{RootSummary, ScriptInfo};
use crate::input::source::{SourceFile, Span};
use crate::settings::{FailOn, NameRules, Owners, Severity};

/// The result of linting one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
    /// Statements parsed and checked.
    pub statements: usize,
    /// How the file runs: tool, direction, transaction, order.
    pub script: ScriptInfo,
    /// The lowest severity that blocks, for this file's config.
    pub fail_on: FailOn,
    /// The baseline file that applies to this file (`--baseline`, config `baseline`).
    pub baseline: Option<PathBuf>,
    /// The owners of the tables the file touches (`[owners]`), sorted, each once.
    pub owners: Vec<String>,
}

impl FileReport {
    pub fn path(&self) -> &str {
        &self.source.path
    }

    pub fn active(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_active())
    }

    /// Does this active diagnostic block the change?
    pub fn blocks(&self, diagnostic: &Diagnostic) -> bool {
        diagnostic.is_active() && self.fail_on.blocks(diagnostic.severity)
    }
}

/// The tables one statement touches (those it locks), and where it is in the file.
#[derive(Debug, Clone)]
pub(crate) struct StatementTables {
    pub span: Span,
    pub tables: Vec<RelationName>,
}

/// Names the owners of a file's tables on its report and on each finding
/// whose table is known: the relation of the lock it names, else the
/// tables of the innermost statement it is in.
pub(crate) fn assign_owners(
    owners: &Owners,
    rules: NameRules,
    statements: &[StatementTables],
    diagnostics: &mut [Diagnostic],
) -> Vec<String> {
    if owners.is_empty() {
        return Vec::new();
    }
    let of = |tables: &mut dyn Iterator<Item = &RelationName>| {
        owners.owners_of_all(tables.map(|t| (t.schema.as_deref(), t.name.as_str())), rules)
    };
    for d in diagnostics.iter_mut() {
        if let Some(lock) = &d.lock {
            d.owners = Some(of(&mut std::iter::once(&lock.relation)));
            continue;
        }
        let with_tables = statements.iter().filter(|s| !s.tables.is_empty());
        if let Some(statement) = innermost(with_tables, d.span.start, |s| s.span) {
            d.owners = Some(of(&mut statement.tables.iter()));
        }
    }
    of(&mut statements.iter().flat_map(|s| s.tables.iter()))
}

/// The innermost of `statements` (by their `span`) that holds the byte
/// `at`: a statement inside a `DO` block before the block. An empty span
/// holds its start.
pub(crate) fn innermost<'s, T>(
    statements: impl Iterator<Item = &'s T>,
    at: usize,
    span: impl Fn(&T) -> Span,
) -> Option<&'s T> {
    statements
        .filter(|s| {
            let span = span(s);
            span.start <= at && at < span.end.max(span.start + 1)
        })
        .min_by_key(|s| {
            let span = span(s);
            span.end - span.start
        })
}

/// Everything a run produced, in file order.
pub struct Report {
    pub files: Vec<FileReport>,
    /// The run's threshold, as the configuration where it started says;
    /// each file blocks by its own config's (`FileReport::fail_on`).
    pub fail_on: FailOn,
    pub pg_version: u32,
    /// The migration roots judged, as detected.
    pub roots: Vec<RootSummary>,
}

/// Counts over the active (unsuppressed) diagnostics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub statements: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Active diagnostics of severity `info`: said, never blocking.
    pub infos: usize,
    /// Silenced by an ignore comment.
    pub suppressed: usize,
    /// Silenced by the baseline.
    pub baselined: usize,
    /// Active diagnostics at or above `--fail-on`.
    pub blocking: usize,
}

impl Report {
    /// A report of files alone, with no roots detected (tests, the library).
    pub fn of_files(files: Vec<FileReport>, fail_on: FailOn, pg_version: u32) -> Report {
        Report {
            files,
            fail_on,
            pg_version,
            roots: Vec::new(),
        }
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = (&FileReport, &Diagnostic)> {
        self.files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(move |d| (f, d)))
    }

    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            files: self.files.len(),
            statements: self.files.iter().map(|f| f.statements).sum(),
            ..Summary::default()
        };
        for (file, d) in self.diagnostics() {
            if let Some(suppressed) = &d.suppressed {
                if suppressed.scope == SuppressionScope::Baseline {
                    summary.baselined += 1;
                } else {
                    summary.suppressed += 1;
                }
                continue;
            }
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
            if file.blocks(d) {
                summary.blocking += 1;
            }
        }
        summary
    }
}
