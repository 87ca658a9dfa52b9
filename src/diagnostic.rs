//! Findings as rules report them, and diagnostics as users see them.

use crate::analysis::{LockMode, RelationName};
use crate::input::source::{Position, Span};
use crate::settings::TableSize;
pub(crate) use crate::settings::{FailOn, Severity};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// The lock a finding is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockInfo {
    pub mode: LockMode,
    pub relation: RelationName,
}

/// What a rule reports: where, what happens, and the safe way instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub span: Span,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub lock: Option<LockInfo>,
    /// Caps the rule's severity for this finding (an `UPDATE` without
    /// `WHERE` is a warning where a `DELETE` is an error).
    pub max_severity: Option<Severity>,
    /// What the finding is about within its statement, quoted as the message
    /// writes it (`"email"` for a column): findings of one rule on one
    /// statement that differ only in it are reported once, naming each.
    pub subject: Option<String>,
}

impl Finding {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Self {
        Finding {
            span,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            lock: None,
            max_severity: None,
            subject: None,
        }
    }

    /// The column (or other part of the statement) the finding is about;
    /// its message must name it as `"name"`.
    pub(crate) fn about_column(mut self, column: &str) -> Self {
        self.subject = Some(format!("\"{column}\""));
        self
    }

    pub(crate) fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn lock(mut self, relation: &RelationName, mode: LockMode) -> Self {
        self.lock = Some(LockInfo {
            mode,
            relation: relation.clone(),
        });
        self
    }

    pub(crate) fn at_most(mut self, severity: Severity) -> Self {
        self.max_severity = Some(severity);
        self
    }
}

/// A finding with its rule, effective severity and positions.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub start: Position,
    pub end: Position,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub lock: Option<LockInfo>,
    /// Set when an ignore comment suppressed the finding.
    pub suppressed: Option<Suppressed>,
    /// The owners of the tables the finding is about (`[owners]`), sorted;
    /// None when its table is not known (or no owners are configured).
    pub owners: Option<Vec<String>>,
    /// How big the tables the finding is about are, and how long its
    /// statement's work is estimated to take (`stats`, `[tables]`); None
    /// when none of its tables is known.
    pub size: Option<SizeNote>,
}

/// A table whose size miglint knows.
#[derive(Clone, Debug, PartialEq)]
pub struct SizedTable {
    pub relation: RelationName,
    pub size: TableSize,
}

/// What a statement's known tables weigh, and how long its rewrites and
/// whole-table reads are estimated to take.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The statement's tables whose size is known, in the order it names them.
    pub tables: Vec<SizedTable>,
    /// Seconds its rewrites and whole-table reads take at the assumed
    /// throughput: None when it does neither or a table it does them on
    /// is not known.
    pub seconds: Option<f64>,
}

/// The size of a finding's tables, and what it did to the severity.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeNote {
    /// The finding's tables whose size is known.
    pub tables: Vec<SizedTable>,
    /// The estimated seconds of its statement's rewrites and reads.
    pub seconds: Option<f64>,
    /// The rule's severity when the estimate changed it.
    pub scaled_from: Option<Severity>,
    /// For a lock that blocks reads or writes: the transactions the stats
    /// snapshot saw open long (how many, the longest in seconds), which
    /// such a lock request would wait behind while queries queue behind it.
    pub waits_behind: Option<(usize, f64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub reason: Option<String>,
    pub scope: SuppressionScope,
}

/// What silenced a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionScope {
    /// `miglint: ignore` above the statement, or at the end of its line.
    Statement,
    /// `miglint: ignore-file`.
    File,
    /// A baseline file listed it (`miglint baseline`, `check --baseline`).
    Baseline,
}

impl SuppressionScope {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionScope::Statement => "statement",
            SuppressionScope::File => "file",
            SuppressionScope::Baseline => "baseline",
        }
    }
}

impl Diagnostic {
    pub fn is_active(&self) -> bool {
        self.suppressed.is_none()
    }
}
