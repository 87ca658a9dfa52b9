//! Linting and planning off the main loop: replaying a long migration
//! history takes time, and the editor must not wait for it to answer. Jobs
//! queued while one runs are taken together, and only the last state of
//! each document is linted.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{ErrorCode, Message, Notification, RequestId, Response};
use lsp_types::notification::{Notification as _, PublishDiagnostics, ShowMessage};
use lsp_types::{
    Hover, HoverContents, MarkupContent, MarkupKind, MessageType, PublishDiagnosticsParams, ShowMessageParams, Uri,
};

use super::convert::{self, Text};
use super::documents::Document;
use super::lint;
use crate::report::render::plan::statement_markdown;

pub(super) enum Job {
    /// Lint the document and publish its diagnostics.
    Lint(Document),
    /// The document was closed: clear its diagnostics.
    Clear(Uri),
    /// Answer a hover request at a byte offset of the document.
    Hover {
        id: RequestId,
        document: Document,
        offset: usize,
    },
}

impl Job {
    /// The document whose published diagnostics the job replaces.
    fn publishes_for(&self) -> Option<&Uri> {
        match self {
            Job::Lint(document) => Some(&document.uri),
            Job::Clear(uri) => Some(uri),
            Job::Hover { .. } => None,
        }
    }
}

pub(super) struct Worker {
    jobs: Sender<Job>,
    thread: JoinHandle<()>,
}

impl Worker {
    pub(super) fn spawn(out: Sender<Message>, workspace: Option<PathBuf>) -> std::io::Result<Worker> {
        let (jobs, queue) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("miglint-lsp-worker".to_string())
            .spawn(move || work(&queue, &out, workspace.as_deref()))?;
        Ok(Worker { jobs, thread })
    }

    pub(super) fn submit(&self, job: Job) {
        // Fails only once the worker has stopped, which `stop` alone does.
        let _ = self.jobs.send(job);
    }

    /// Finishes the queued jobs and stops.
    pub(super) fn stop(self) {
        drop(self.jobs);
        let _ = self.thread.join();
    }
}

fn work(queue: &Receiver<Job>, out: &Sender<Message>, workspace: Option<&std::path::Path>) {
    let mut last_error: Option<String> = None;
    while let Ok(first) = queue.recv() {
        let mut batch: Vec<Job> = std::iter::once(first).chain(queue.try_iter()).collect();
        // Walking backwards, a lint or clear is stale when a later one of the same document follows.
        let mut published = HashSet::new();
        let mut keep = vec![true; batch.len()];
        for (i, job) in batch.iter().enumerate().rev() {
            if let Some(uri) = job.publishes_for() {
                keep[i] = published.insert(uri.as_str().to_string());
            }
        }
        let mut keep = keep.into_iter();
        batch.retain(|_| keep.next().unwrap_or(true));
        for job in batch {
            let hover_id = match &job {
                Job::Hover { id, .. } => Some(id.clone()),
                _ => None,
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| run(job, out, workspace, &mut last_error)));
            if outcome.is_err() {
                eprintln!("miglint lsp: internal error (a bug in miglint): the job was dropped");
                if let Some(id) = hover_id {
                    let response = Response::new_err(id, ErrorCode::InternalError as i32, "miglint failed".to_string());
                    let _ = out.send(response.into());
                }
            }
        }
    }
}

fn run(job: Job, out: &Sender<Message>, workspace: Option<&std::path::Path>, last_error: &mut Option<String>) {
    match job {
        Job::Lint(document) => {
            let diagnostics = match lint::diagnostics(&document, workspace) {
                Ok(found) => {
                    *last_error = None;
                    let text = Text::new(&document.text);
                    found
                        .iter()
                        .map(|d| lsp_types::Diagnostic {
                            data: convert::fix_data(d, &text, document.version),
                            ..convert::diagnostic(d, &text, &document.uri)
                        })
                        .collect()
                }
                Err(message) => {
                    // Say it once, not at every keystroke.
                    if last_error.as_deref() != Some(message.as_str()) {
                        show_error(out, &message);
                        *last_error = Some(message);
                    }
                    Vec::new()
                }
            };
            publish(out, document.uri, diagnostics, Some(document.version));
        }
        Job::Clear(uri) => publish(out, uri, Vec::new(), None),
        Job::Hover { id, document, offset } => {
            let response = match lint::statement_plan(&document, workspace, offset) {
                Ok(plan) => {
                    let text = Text::new(&document.text);
                    let hover = plan.map(|s| Hover {
                        contents: HoverContents::Markup(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: statement_markdown(&s),
                        }),
                        range: Some(text.range(s.start.offset, s.end.offset)),
                    });
                    Response::new_ok(id, hover)
                }
                Err(message) => Response::new_err(id, ErrorCode::RequestFailed as i32, message),
            };
            let _ = out.send(response.into());
        }
    }
}

fn publish(out: &Sender<Message>, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    };
    let _ = out.send(Notification::new(PublishDiagnostics::METHOD.to_string(), params).into());
}

fn show_error(out: &Sender<Message>, message: &str) {
    let params = ShowMessageParams {
        typ: MessageType::ERROR,
        message: format!("miglint: {message}"),
    };
    let _ = out.send(Notification::new(ShowMessage::METHOD.to_string(), params).into());
}
