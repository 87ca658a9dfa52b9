//! Findings on statements found inside others, placed in the file: rules
//! report spans of the analysis text (the file followed by the statements of
//! bodies), and a span past the file's own text is moved to where its
//! statement is written, or, for a routine's body, to the call. The message
//! then says where the statement is, and a call's help names the statement
//! in the body and its line.

use std::sync::Arc;

use crate::analysis::embedded::{RunKind, Tail};
use crate::analysis::AnalyzedFile;
use crate::diagnostic::{Finding, Label};
use crate::input::source::{excerpt, Span};
use crate::parse::template::OffsetMap;

/// What placing a file's findings needs, taken from the analysed file so
/// that findings of the run's end can be placed after its parse trees are
/// gone.
pub(crate) struct Placement {
    /// The length of the text parsed (the file's, placeholders replaced).
    text_len: usize,
    /// From the text parsed to the file as written.
    map: OffsetMap,
    tail: Tail,
    runs: Vec<RunPlace>,
    /// Where the statements found inside others are, in the analysis text.
    embedded: Vec<Span>,
}

/// A body that runs in the file, as a finding in it is described.
struct RunPlace {
    /// `inside the DO block at line 3`, `in function f(), called here`.
    describe: String,
    /// For a routine called: its name, and whether its body is in the file.
    call: Option<(String, bool)>,
    body_path: Arc<str>,
    steps: Vec<StepPlace>,
}

struct StepPlace {
    in_handler: bool,
    /// 1-based, in the body's file.
    line: usize,
    /// In the text parsed.
    span: Span,
}

impl Placement {
    pub(crate) fn of(file: &AnalyzedFile<'_>) -> Placement {
        let runs = file
            .runs
            .iter()
            .map(|run| RunPlace {
                describe: run.describe(),
                call: match &run.kind {
                    RunKind::Call { name, same_file, .. } => Some((name.clone(), *same_file)),
                    RunKind::DoBlock => None,
                },
                body_path: Arc::clone(&run.body.path),
                steps: run
                    .body
                    .steps
                    .iter()
                    .map(|step| StepPlace {
                        in_handler: step.in_handler,
                        line: step.line,
                        span: step.span,
                    })
                    .collect(),
            })
            .collect();
        Placement {
            text_len: file.parsed.text(file.original).text.len(),
            map: file.parsed.map.clone(),
            tail: file.tail.clone(),
            runs,
            embedded: file.embedded.iter().map(|s| s.span).collect(),
        }
    }

    /// The span of the file a span of the analysis text stands for.
    fn file_span(&self, span: Span) -> Span {
        self.map.original(self.tail.file_span(span, self.text_len))
    }

    /// A fix with its edits placed in the file: None when an edit is in
    /// text the file does not hold as written (a body's statement, a
    /// template placeholder's stand-in).
    fn place_fix(&self, mut fix: crate::diagnostic::Fix) -> Option<crate::diagnostic::Fix> {
        for edit in &mut fix.edits {
            if edit.span.end > self.text_len {
                return None;
            }
            edit.span = self.map.exact(edit.span)?;
        }
        Some(fix)
    }

    /// The text of the body statement an analysis-text span is in.
    fn step_text(&self, span: Span) -> Option<&str> {
        let at = self.embedded.partition_point(|s| s.end < span.start);
        let statement = self.embedded.get(at)?;
        let start = statement.start.checked_sub(self.tail.start)?;
        self.tail.text.get(start..statement.end - self.tail.start)
    }

    /// `finding` with every span in the file's own text.
    pub(crate) fn place(&self, mut finding: Finding) -> Finding {
        let primary = finding.span;
        finding.fix = finding.fix.take().and_then(|fix| self.place_fix(fix));
        finding.span = self.file_span(primary);
        for label in &mut finding.labels {
            label.span = self.file_span(label.span);
        }
        let region = self.tail.region(primary.start);
        let run = region.and_then(|r| Some((self.runs.get(r.embedding.run)?, r.embedding.step)));
        if let Some((run, step)) = run {
            let step = run.steps.get(step);
            let handler = match step {
                Some(step) if step.in_handler => ", in an exception handler",
                _ => "",
            };
            finding.message = format!("{} ({}{handler})", finding.message, run.describe);
            if let (Some((name, same_file)), Some(step)) = (&run.call, step) {
                let statement = excerpt(self.step_text(primary).unwrap_or_default(), 60);
                let at = format!("line {} of {}", step.line, run.body_path);
                let note = format!("{name} runs `{statement}` at {at}");
                finding.help = Some(match finding.help.take() {
                    Some(help) => format!("{help}\n{note}"),
                    None => note,
                });
                if *same_file {
                    finding.labels.push(Label {
                        // A span of the text parsed, which may have placeholders replaced.
                        span: self.map.original(step.span),
                        message: format!("the statement of {name} that the call runs"),
                    });
                }
            }
        }
        let mut seen: Vec<Label> = Vec::new();
        finding.labels.retain(|label| {
            let new = !seen.contains(label);
            if new {
                seen.push(label.clone());
            }
            new
        });
        finding
    }
}
