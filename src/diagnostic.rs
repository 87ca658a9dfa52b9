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
    /// The mechanical edit that resolves the finding, when the rule knows one.
    pub fix: Option<Fix>,
}

/// How far a fix can be trusted to keep what the migration does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Keeps what the migration does and only changes how it locks or
    /// waits: `miglint check --fix` applies it.
    Safe,
    /// Changes more than the lock (a file's other statements lose their
    /// transaction, for example): offered in the editor, never applied by
    /// `--fix`.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Text that replaces a span of the file (an insertion when the span is
/// empty). Replacement text ends lines with `\n`; applying it writes the
/// file's own line ending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// A file a fix adds beside the one it edits (in the same folder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    /// The file's name, without a folder.
    pub name: String,
    pub content: String,
}

/// A fix: edits of the finding's file (never overlapping), and perhaps a
/// new file beside it, applied together or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, as an editor's action names it: `add CONCURRENTLY`.
    pub title: String,
    pub applicability: Applicability,
    /// Sorted by position.
    pub edits: Vec<Edit>,
    pub new_file: Option<NewFile>,
    /// Applied only to a file that no other fix changes: whether it is
    /// still needed depends on what the others leave (a lock_timeout is
    /// needed only while a statement still takes a lock that blocks).
    pub yields: bool,
}

impl Fix {
    pub(crate) fn new(title: impl Into<String>, applicability: Applicability, mut edits: Vec<Edit>) -> Fix {
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        Fix {
            title: title.into(),
            applicability,
            edits,
            new_file: None,
            yields: false,
        }
    }

    /// The fix, applied only once no other fix changes its file.
    pub(crate) fn yielding(mut self) -> Fix {
        self.yields = true;
        self
    }

    pub fn is_safe(&self) -> bool {
        self.applicability == Applicability::Safe
    }
}

impl Edit {
    pub(crate) fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit {
            span: Span::new(at, at),
            text: text.into(),
        }
    }
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
            fix: None,
        }
    }

    pub(crate) fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
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
    /// The rule's fix, with spans of the file.
    pub fix: Option<Fix>,
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
