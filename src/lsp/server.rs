//! The protocol loop: initialize, then requests and notifications until
//! `exit`. Bad input never ends the server: unknown requests get
//! MethodNotFound, malformed parameters InvalidParams.

use std::path::PathBuf;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, Notification as _,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _, Shutdown};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams, HoverParams,
    HoverProviderCapability, InitializeParams, InitializeResult, PositionEncodingKind, SaveOptions, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};
use serde::de::DeserializeOwned;

use super::actions::{ignore_fixes, rule_fixes};
use super::convert::{file_path, Text};
use super::documents::{Document, Documents};
use super::worker::{Job, Worker};

/// Serves one client on standard input and output. Exit code: 0 after
/// `shutdown` then `exit`, 1 when the client left without `shutdown` (as
/// the protocol says), 2 when the server could not run.
pub(crate) fn run() -> u8 {
    let (connection, io_threads) = Connection::stdio();
    let outcome = serve(&connection);
    // The writer thread ends when the last sender is gone.
    drop(connection);
    match outcome {
        Ok(code) => {
            // The reader has stopped (at `exit` or the end of input): safe to wait for the threads.
            if let Err(e) = io_threads.join() {
                eprintln!("miglint lsp: {e}");
            }
            code
        }
        Err(message) => {
            eprintln!("miglint lsp: {message}");
            2
        }
    }
}

/// Serves a client held in memory that sends `messages`, then hangs up:
/// the protocol loop without standard input and output (the fuzz target).
/// The server's exit code; what it answers is read and dropped.
pub(crate) fn serve_in_memory(messages: Vec<Message>) -> u8 {
    let (server, client) = Connection::memory();
    let serving = std::thread::spawn(move || serve(&server).unwrap_or(2));
    for message in messages {
        if client.sender.send(message).is_err() {
            break;
        }
    }
    let Connection { sender, receiver } = client;
    // Hanging up ends the protocol loop, then the server's connection.
    drop(sender);
    for _answer in receiver.iter() {}
    serving.join().unwrap_or(2)
}

fn serve(connection: &Connection) -> Result<u8, String> {
    let params = initialize(connection)?;
    let workspace = workspace_root(&params);
    let worker = Worker::spawn(connection.sender.clone(), workspace).map_err(|e| format!("cannot start: {e}"))?;
    let create_files = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.workspace_edit.as_ref())
        .and_then(|e| e.resource_operations.as_ref())
        .is_some_and(|ops| ops.contains(&lsp_types::ResourceOperationKind::Create));
    let mut server = Server {
        connection,
        create_files,
        documents: Documents::default(),
        worker: &worker,
        shutting_down: false,
    };
    let code = server.main_loop();
    worker.stop();
    Ok(code)
}

/// Waits for `initialize` (answering anything else as the protocol says)
/// and answers it with the server's capabilities.
fn initialize(connection: &Connection) -> Result<InitializeParams, String> {
    loop {
        let (id, params) = connection.initialize_start().map_err(|e| format!("initialize: {e}"))?;
        match serde_json::from_value::<InitializeParams>(params) {
            Ok(params) => {
                let result = InitializeResult {
                    capabilities: capabilities(),
                    server_info: Some(ServerInfo {
                        name: "miglint".to_string(),
                        version: Some(env!("CARGO_PKG_VERSION").to_string()),
                    }),
                };
                send(connection, Response::new_ok(id, result).into());
                return Ok(params);
            }
            Err(e) => send(connection, invalid_params(id, &e)),
        }
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                include_text: Some(false),
            })),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// The first workspace folder, else the root URI the client gave.
fn workspace_root(params: &InitializeParams) -> Option<PathBuf> {
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.first())
        .map(|folder| folder.uri.as_str().to_string());
    #[allow(deprecated)] // Older clients send only rootUri.
    let root = params.root_uri.as_ref().map(|uri| uri.as_str().to_string());
    folder.or(root).and_then(|uri| file_path(&uri))
}

struct Server<'a> {
    connection: &'a Connection,
    /// The client applies workspace edits that create files.
    create_files: bool,
    documents: Documents,
    worker: &'a Worker,
    shutting_down: bool,
}

impl Server<'_> {
    fn main_loop(&mut self) -> u8 {
        while let Ok(message) = self.connection.receiver.recv() {
            match message {
                Message::Request(request) => self.request(request),
                Message::Notification(notification) if notification.method == "exit" => {
                    return if self.shutting_down { 0 } else { 1 };
                }
                Message::Notification(notification) => self.notification(notification),
                // The server sends no requests, so expects no responses.
                Message::Response(_) => {}
            }
        }
        // The input ended without `exit`.
        1
    }

    fn request(&mut self, request: Request) {
        let Request { id, method, params } = request;
        if self.shutting_down {
            let error = Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            );
            return send(self.connection, error.into());
        }
        let reply = match method.as_str() {
            Shutdown::METHOD => {
                self.shutting_down = true;
                Some(Response::new_ok(id, ()))
            }
            HoverRequest::METHOD => match parse::<HoverParams>(params) {
                Ok(params) => self.hover(id, params),
                Err(e) => Some(Response::new_err(id, ErrorCode::InvalidParams as i32, e)),
            },
            CodeActionRequest::METHOD => match parse::<CodeActionParams>(params) {
                Ok(params) => {
                    let actions = self
                        .documents
                        .get(&params.text_document.uri)
                        .map(|document| {
                            let diagnostics = &params.context.diagnostics;
                            let mut actions = rule_fixes(document, diagnostics, self.create_files);
                            actions.extend(ignore_fixes(document, diagnostics));
                            actions
                        })
                        .unwrap_or_default();
                    Some(Response::new_ok(id, actions))
                }
                Err(e) => Some(Response::new_err(id, ErrorCode::InvalidParams as i32, e)),
            },
            _ => Some(Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("miglint does not handle `{method}`"),
            )),
        };
        if let Some(reply) = reply {
            send(self.connection, reply.into());
        }
    }

    /// Planning replays the history: the worker answers.
    fn hover(&self, id: RequestId, params: HoverParams) -> Option<Response> {
        let position = params.text_document_position_params;
        let Some(document) = self.documents.get(&position.text_document.uri) else {
            return Some(Response::new_ok(id, ()));
        };
        let offset = Text::new(&document.text).offset(position.position);
        self.worker.submit(Job::Hover {
            id,
            document: document.clone(),
            offset,
        });
        None
    }

    fn notification(&mut self, notification: Notification) {
        let Notification { method, params } = notification;
        let outcome = match method.as_str() {
            DidOpenTextDocument::METHOD => parse::<DidOpenTextDocumentParams>(params).map(|p| {
                let item = p.text_document;
                let document = Document::new(item.uri, item.version, item.text);
                self.documents.open(document.clone());
                self.worker.submit(Job::Lint(document));
            }),
            DidChangeTextDocument::METHOD => parse::<DidChangeTextDocumentParams>(params).map(|p| {
                if let Some(document) = self.documents.get_mut(&p.text_document.uri) {
                    document.apply(p.text_document.version, p.content_changes);
                    self.worker.submit(Job::Lint(document.clone()));
                }
            }),
            DidSaveTextDocument::METHOD => parse::<DidSaveTextDocumentParams>(params).map(|p| {
                if let Some(document) = self.documents.get_mut(&p.text_document.uri) {
                    if let Some(text) = p.text {
                        document.text = text;
                    }
                    // The saved file may change what runs before it (history).
                    self.worker.submit(Job::Lint(document.clone()));
                }
            }),
            DidCloseTextDocument::METHOD => parse::<DidCloseTextDocumentParams>(params).map(|p| {
                self.documents.close(&p.text_document.uri);
                self.worker.submit(Job::Clear(p.text_document.uri));
            }),
            // Other notifications (`initialized`, `$/cancelRequest`, settings) need nothing.
            _ => Ok(()),
        };
        if let Err(e) = outcome {
            // A notification has no reply: the log is the only place to say it.
            eprintln!("miglint lsp: {method}: {e}");
        }
    }
}

fn parse<P: DeserializeOwned>(params: serde_json::Value) -> Result<P, String> {
    serde_json::from_value(params).map_err(|e| format!("invalid parameters: {e}"))
}

fn invalid_params(id: RequestId, error: &serde_json::Error) -> Message {
    Response::new_err(
        id,
        ErrorCode::InvalidParams as i32,
        format!("invalid parameters: {error}"),
    )
    .into()
}

fn send(connection: &Connection, message: Message) {
    // Fails only when the client is gone; the loop then ends on its own.
    let _ = connection.sender.send(message);
}
