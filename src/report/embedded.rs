//! Findings on statements found inside others, placed in the file: rules
//! report spans of the analysis text (the file followed by the statements of
//! bodies), and a span past the file's own text is moved to where its
//! statement is written, or, for a routine's body, to the call. The message
//! then says where the statement is, and a call's help names the statement
//! in the body and its line.

use crate::analysis::embedded::RunKind;
use crate::analysis::AnalyzedFile;
use crate::diagnostic::{Finding, Label};
use crate::input::source::{excerpt, Span};

/// `finding` with every span in the file's own text.
pub(crate) fn place(file: &AnalyzedFile<'_>, mut finding: Finding) -> Finding {
    let primary = finding.span;
    finding.span = file.file_span(primary);
    for label in &mut finding.labels {
        label.span = file.file_span(label.span);
    }
    if let Some((run, embedding)) = file.run_at(primary) {
        let handler = match run.step(embedding.step) {
            Some(step) if step.in_handler => ", in an exception handler",
            _ => "",
        };
        finding.message = format!("{} ({}{handler})", finding.message, run.describe());
        if let (RunKind::Call { name, same_file, .. }, Some(step)) = (&run.kind, run.step(embedding.step)) {
            let statement = excerpt(step_text(file, primary).unwrap_or_default(), 60);
            let at = format!("line {} of {}", step.line, run.body.path);
            let note = format!("{name} runs `{statement}` at {at}");
            finding.help = Some(match finding.help.take() {
                Some(help) => format!("{help}\n{note}"),
                None => note,
            });
            if *same_file {
                finding.labels.push(Label {
                    // A span of the text parsed, which may have placeholders replaced.
                    span: file.parsed.file_span(step.span),
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

/// The text of the body statement an analysis-text span is in.
fn step_text<'f>(file: &'f AnalyzedFile<'_>, span: Span) -> Option<&'f str> {
    let at = file.embedded.partition_point(|s| s.span.end < span.start);
    let statement = file.embedded.get(at)?;
    file.source.text.get(statement.span.start..statement.span.end)
}
