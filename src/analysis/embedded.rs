//! Statements that run inside other statements, as the analysis of a file
//! sees them: the bodies that run (a `DO` block where it stands, a routine
//! where a statement calls it), and where each statement found in them
//! stands in the file.
//!
//! Every statement of a body is analysed like a statement of the file, in
//! the order it runs. Its text is appended after the file's own text (the
//! analysis text), so rules read and locate it as they read any statement;
//! each appended piece is a `Region` that maps back to the file: to the
//! characters the statement is written with in a `DO` block, or to the call
//! for a routine's body (which may be written in another file).

use std::sync::Arc;

use crate::input::source::Span;
use crate::parse::embedded::{Body, SpanMap, Step};

/// A body running in the file.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub kind: RunKind,
    pub body: Arc<Body>,
    /// The statement (its index in the file's analysis) that runs it: the
    /// `DO`, or the statement with the call.
    pub by: usize,
    /// The run that statement is in, if any.
    pub parent: Option<usize>,
    /// 1-based line where it runs in the file: the `DO` statement's, or
    /// the call's.
    pub line: usize,
    /// Its `COMMIT` and `ROLLBACK` end transactions: a `DO` or `CALL`
    /// outside any transaction block, reached through nothing but `DO` and
    /// `CALL`. Elsewhere PostgreSQL refuses them.
    pub may_end_transactions: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunKind {
    DoBlock,
    /// A function or procedure called: `f()`, and whether the body is
    /// written in the file being analysed.
    Call {
        name: String,
        procedure: bool,
        same_file: bool,
    },
}

impl Run {
    /// The body's step that produced a statement.
    pub(crate) fn step(&self, index: usize) -> Option<&Step> {
        self.body.steps.get(index)
    }

    /// `inside the DO block at line 3`, `in function f(), called here`.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            RunKind::DoBlock => format!("inside the DO block at line {}", self.line),
            RunKind::Call { name, procedure, .. } => {
                let kind = if *procedure { "procedure" } else { "function" };
                format!("in {kind} {name}, called here")
            }
        }
    }
}

/// What an analysed statement is a step of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Embedding {
    /// Index in `AnalyzedFile::runs`.
    pub run: usize,
    /// Index in the run's `body.steps`.
    pub step: usize,
}

/// SQL a run executes that miglint could not read: `EXECUTE` of text built
/// at run time, a body in another language.
#[derive(Debug, Clone)]
pub(crate) struct Unchecked {
    pub run: usize,
    /// Where it is, in the file (the call, for a routine's body).
    pub span: Span,
    pub why: String,
    /// Where it is written: the body's file and 1-based line.
    pub written: (Arc<str>, usize),
}

/// Statement text appended after the file's own text, and where it is in
/// the file.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    /// In the analysis text.
    pub span: Span,
    /// From the region's own offsets to the file.
    pub map: SpanMap,
    pub embedding: Embedding,
}

/// The analysis text past the file's own: the regions, appended in order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tail {
    /// Where the tail starts in the analysis text.
    pub start: usize,
    pub text: String,
    pub regions: Vec<Region>,
}

impl Tail {
    pub(crate) fn new(file_len: usize) -> Tail {
        Tail {
            // After a line break of its own, so the file's last line stays as it is.
            start: file_len + 1,
            text: String::new(),
            regions: Vec::new(),
        }
    }

    /// Appends `text`, mapped to the file by `map`; returns where it starts
    /// in the analysis text.
    pub(crate) fn push(&mut self, text: &str, map: SpanMap, embedding: Embedding) -> usize {
        let at = self.start + self.text.len();
        self.text.push_str(text);
        self.text.push('\n');
        self.regions.push(Region {
            span: Span::new(at, at + text.len()),
            map,
            embedding,
        });
        at
    }

    /// The region holding an offset of the analysis text, if it is past the
    /// file's own text.
    pub(crate) fn region(&self, offset: usize) -> Option<&Region> {
        if offset < self.start {
            return None;
        }
        let index = self.regions.partition_point(|r| r.span.end < offset);
        self.regions
            .get(index)
            .filter(|r| r.span.start <= offset)
            .or_else(|| self.regions.get(index.saturating_sub(1)))
    }

    /// The span of the file that a span of the analysis text stands for.
    pub(crate) fn file_span(&self, span: Span, file_len: usize) -> Span {
        let Some(region) = self.region(span.start) else {
            return Span::new(span.start.min(file_len), span.end.min(file_len));
        };
        let relative = Span::new(
            span.start.saturating_sub(region.span.start),
            span.end.min(region.span.end).saturating_sub(region.span.start),
        );
        let relative = Span::new(relative.start, relative.end.max(relative.start));
        region
            .map
            .file_span(relative)
            .map_or(Span::new(file_len, file_len), |s| {
                Span::new(s.start.min(file_len), s.end.min(file_len))
            })
    }
}
