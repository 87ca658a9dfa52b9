//! A document linted and planned exactly as `miglint check --stdin-filename
//! PATH -` would: the same request through `prepare`, so the same
//! `miglint.toml`, the same migration root and the same history replay.

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::input::config;
use crate::prepare::{apply_baselines, prepare, Message, PreparedRun, RunRequest};
use crate::report::engine::{lint_run, plan_run};
use crate::report::plan::StatementPlan;

use super::documents::Document;

/// The run `check --stdin-filename PATH -` makes, with the editor's text as
/// standard input: the config that applies to the file, as for any path; a
/// document with no file (untitled) takes the one at or above the workspace.
pub(super) fn request(document: &Document, workspace: Option<&Path>) -> RunRequest {
    let config = match document.path {
        Some(_) => None,
        None => workspace.and_then(config::find),
    };
    RunRequest {
        paths: vec!["-".into()],
        config,
        stdin_filename: Some(document.name()),
        stdin: Some(document.text.clone().into_bytes()),
        ..RunRequest::default()
    }
}

/// The document's active diagnostics (a file of a tool with up and down
/// sections is two scripts: both are reported), or why it could not be linted.
pub(super) fn diagnostics(document: &Document, workspace: Option<&Path>) -> Result<Vec<Diagnostic>, String> {
    let prepared = prepared(document, workspace)?;
    let name = document.name();
    let mut reports = lint_run(prepared.inputs, prepared.scope);
    // Findings the baseline accepts are not shown, as `check` does not report them.
    for message in apply_baselines(&mut reports) {
        log(document, &message);
    }
    let mut found: Vec<Diagnostic> = reports
        .into_iter()
        .filter(|report| report.path() == name)
        .flat_map(|report| report.diagnostics)
        .filter(Diagnostic::is_active)
        .collect();
    found.sort_by(|a, b| (a.span, a.rule, &a.message).cmp(&(b.span, b.rule, &b.message)));
    found.dedup_by(|a, b| (a.span, a.rule, &a.message) == (b.span, b.rule, &b.message));
    Ok(found)
}

/// The plan of the statement holding byte `offset` of the document, if any.
pub(super) fn statement_plan(
    document: &Document,
    workspace: Option<&Path>,
    offset: usize,
) -> Result<Option<StatementPlan>, String> {
    let prepared = prepared(document, workspace)?;
    let name = document.name();
    let files = plan_run(prepared.inputs, prepared.scope);
    Ok(files
        .into_iter()
        .filter(|file| file.plan.path == name)
        .flat_map(|file| file.plan.statements)
        .filter(|s| s.start.offset <= offset && offset <= s.end.offset)
        // A statement inside a DO block (or a routine's, at its call) over
        // the statement holding it.
        .min_by_key(|s| s.end.offset - s.start.offset))
}

fn prepared(document: &Document, workspace: Option<&Path>) -> Result<PreparedRun, String> {
    let prepared = prepare(&request(document, workspace))?;
    for message in &prepared.messages {
        log(document, message);
    }
    Ok(prepared)
}

/// The client shows the server's standard error in its log.
fn log(document: &Document, message: &Message) {
    match message {
        Message::Error(text) => eprintln!("miglint lsp: {}: {text}", document.name()),
        Message::Note(text) => eprintln!("miglint lsp: note: {}: {text}", document.name()),
    }
}
