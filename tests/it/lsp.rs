//! `miglint lsp` driven over standard input and output as an editor drives
//! it, and checked against what `miglint check --format json
//! --stdin-filename` says of the same text with the same config; the
//! README's editor section, run.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Long enough for a debug build replaying history on a busy machine; a
/// hung server fails the test instead of hanging it.
const TIMEOUT: Duration = Duration::from_secs(60);

fn miglint() -> &'static str {
    env!("CARGO_BIN_EXE_miglint")
}

/// A throwaway project: a config turning one rule off and another down to
/// a warning, and a golang-migrate root whose first migration creates the
/// tables the second one (the document) changes.
struct Project(PathBuf);

impl Project {
    fn new(name: &str) -> Project {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("miglint-lsp-{name}-{}-{nanos}", std::process::id()));
        let migrations = dir.join("db/migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        std::fs::write(
            dir.join("miglint.toml"),
            "[rules]\nrequire-lock-timeout = \"off\"\nrequire-concurrent-index = \"warning\"\n",
        )
        .unwrap();
        std::fs::write(
            migrations.join("0001_init.up.sql"),
            "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint);\n\
             CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
        )
        .unwrap();
        std::fs::write(migrations.join("0002_change.up.sql"), OPENED).unwrap();
        Project(dir)
    }

    fn document(&self) -> PathBuf {
        self.0.join("db/migrations/0002_change.up.sql")
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Non-ASCII text before the findings, on their lines too: byte offsets,
/// characters and UTF-16 units all differ.
const OPENED: &str = "-- Index für Bestellungen 😀 (ü)\n\
CREATE INDEX orders_account_idx ON orders (account_id);\n\
/* Spalte für 😀 */ ALTER TABLE users DROP COLUMN email;\n";

/// An edit the editor has not saved.
const EDITED_LINE: &str = "ALTER TABLE orders ADD COLUMN total bigint NOT NULL;\n";

/// A language client speaking Content-Length framed JSON-RPC to the server.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read while waiting for another one.
    backlog: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start(cwd: &Path) -> Client {
        let mut child = Command::new(miglint())
            .arg("lsp")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start miglint lsp");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (sender, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            backlog: Vec::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_string(&message).unwrap();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(&format!("the response to {method}"), |m| {
            m["id"] == id && m.get("method").is_none()
        })
    }

    /// The first message (kept from before, or new) that `wanted` accepts.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&wanted) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.backlog.push(message),
                Err(e) => panic!(
                    "no {what} from miglint lsp within {TIMEOUT:?} ({e}); got {:#?}",
                    self.backlog
                ),
            }
        }
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let message = self.wait_for(&format!("diagnostics of version {version:?}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"].as_i64() == version
        });
        message["params"]["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// Closes standard input and waits for the exit code.
    fn wait_exit(&mut self) -> Option<i32> {
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for miglint lsp") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "miglint lsp did not exit within {TIMEOUT:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Only when a test failed half-way: leave no server behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// A `file:` URI, percent-encoding all but unreserved characters and `/`.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_str().expect("a UTF-8 temp path").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The protocol position (0-based line, UTF-16 units) of a byte offset in
/// LF-only text: written apart from the server's own conversion.
fn protocol_position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    json!({
        "line": before.matches('\n').count(),
        "character": before[line_start..].encode_utf16().count(),
    })
}

/// The byte offset of a protocol position in LF-only text.
fn byte_offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (at, c) in text[line_start..].char_indices() {
        if units >= character {
            return line_start + at;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// (rule, severity, range) of each diagnostic, sorted.
type Found = Vec<(String, i64, Value)>;

fn from_server(diagnostics: &[Value]) -> Found {
    let mut found: Found = diagnostics
        .iter()
        .map(|d| {
            assert_eq!(d["source"], "miglint");
            let rule = d["code"].as_str().expect("rule id as code").to_string();
            assert_eq!(
                d["codeDescription"]["href"],
                format!("https://github.com/miglint/miglint/blob/main/rules/{rule}.md")
            );
            (rule, d["severity"].as_i64().unwrap(), d["range"].clone())
        })
        .collect();
    found.sort_by_key(|f| format!("{f:?}"));
    found
}

/// What `miglint check --format json --stdin-filename PATH -` reports for
/// `text`, run in the project with its config, as the server would publish it.
fn from_cli(project: &Project, text: &str) -> Found {
    from_cli_at(&project.0, &project.document(), text)
}

/// What `check --stdin-filename DOCUMENT -` run in `dir` reports for `text`.
fn from_cli_at(dir: &Path, document: &Path, text: &str) -> Found {
    let mut child = Command::new(miglint())
        .current_dir(dir)
        .args(["check", "--format", "json", "--stdin-filename"])
        .arg(document)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found: Found = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["suppressed"] == false)
        .map(|d| {
            let offset = |end: &str| d["span"][end]["offset"].as_u64().unwrap() as usize;
            let severity = if d["severity"] == "error" { 1 } else { 2 };
            let range = json!({
                "start": protocol_position(text, offset("start")),
                "end": protocol_position(text, offset("end")),
            });
            (d["rule"].as_str().unwrap().to_string(), severity, range)
        })
        .collect();
    found.sort_by_key(|f| format!("{f:?}"));
    found
}

fn rules(found: &Found) -> Vec<(&str, i64)> {
    let mut rules: Vec<(&str, i64)> = found.iter().map(|(r, s, _)| (r.as_str(), *s)).collect();
    rules.sort();
    rules
}

/// Opens `text` as the project's document in a new session: the
/// diagnostics published for it, and the hover at `line`, `character`.
/// `text` written at `path` in `project` and opened: the client, the
/// document's URI and its published diagnostic of rule `code`.
fn open_with_finding(project: &Project, path: &str, text: &str, code: &str) -> (Client, String, Value) {
    let path = project.0.join(path);
    std::fs::write(&path, text).unwrap();
    let uri = file_uri(&path);
    let mut client = Client::start(&project.0);
    client.request(
        "initialize",
        json!({ "processId": null, "rootUri": file_uri(&project.0), "capabilities": {} }),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "sql", "version": 1, "text": text } }),
    );
    let published = client.diagnostics(&uri, Some(1));
    let diagnostic = published
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {published:?}"))
        .clone();
    (client, uri, diagnostic)
}

/// The code actions offered for one published diagnostic.
fn code_actions(client: &mut Client, uri: &str, diagnostic: Value) -> Value {
    client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic] },
        }),
    )
}

fn open_and_hover(project: &Project, text: &str, line: u32, character: u32) -> (Found, Value) {
    let uri = file_uri(&project.document());
    let mut client = Client::start(&std::env::temp_dir());
    client.request(
        "initialize",
        json!({ "processId": null, "rootUri": file_uri(&project.0), "capabilities": {} }),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "sql", "version": 1, "text": text } }),
    );
    let published = from_server(&client.diagnostics(&uri, Some(1)));
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
    );
    (published, hover)
}

#[test]
fn hover_inside_a_do_block_shows_the_statement_under_the_cursor() {
    let project = Project::new("do-block");
    let text = "DO $$\nBEGIN\n  ALTER TABLE users ADD COLUMN plan text;\n  CREATE INDEX users_plan_idx ON users (plan);\nEND $$;\n";
    let (published, hover) = open_and_hover(&project, text, 3, 10);
    assert!(
        published
            .iter()
            .any(|(rule, _, range)| rule == "require-concurrent-index" && range["start"]["line"] == 3),
        "{published:?}"
    );
    let markdown = hover["result"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(markdown.contains("SHARE on users (blocks writes)"), "{hover:#}");
    assert!(markdown.contains("inside the DO block at line 1"), "{hover:#}");
    assert_eq!(hover["result"]["range"]["start"], json!({ "line": 3, "character": 2 }));
}

#[test]
fn a_mysql_document_gets_mysql_diagnostics_and_its_metadata_locks_on_hover() {
    let project = Project::new("mysql");
    std::fs::write(
        project.0.join("miglint.toml"),
        "[[roots]]\npath = \"db/migrations\"\ndialect = \"mysql\"\n",
    )
    .unwrap();
    let text = "SET SESSION lock_wait_timeout = 5;\nALTER TABLE users MODIFY email varchar(20);\n";
    let (published, hover) = open_and_hover(&project, text, 1, 5);
    assert!(
        published
            .iter()
            .any(|(rule, _, range)| rule == "mysql-blocking-alter" && range["start"]["line"] == 1),
        "{published:?}"
    );
    let markdown = hover["result"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        markdown.contains("MDL\\_SHARED\\_NO\\_WRITE on users (blocks writes)"),
        "{hover:#}"
    );
    assert!(markdown.contains("COPY"), "{hover:#}");
}

#[test]
fn an_editor_gets_the_cli_diagnostics_hover_and_quick_fixes() {
    let project = Project::new("session");
    let path = project.document();
    let uri = file_uri(&path);
    // Started elsewhere: the config must come from the document's folder.
    let mut client = Client::start(&std::env::temp_dir());

    let initialized = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": file_uri(&project.0), "capabilities": {} }),
    );
    let capabilities = &initialized["result"]["capabilities"];
    assert_eq!(capabilities["hoverProvider"], true, "{initialized}");
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    client.notify("initialized", json!({}));

    // Open: the config applies (require-lock-timeout off, require-concurrent-index a warning).
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "sql", "version": 1, "text": OPENED } }),
    );
    let opened = from_server(&client.diagnostics(&uri, Some(1)));
    assert_eq!(
        rules(&opened),
        [("ban-drop-column", 1), ("require-concurrent-index", 2)]
    );
    assert_eq!(opened, from_cli(&project, OPENED));
    let drop_column = opened.iter().find(|f| f.0 == "ban-drop-column").unwrap();
    // `/* Spalte für 😀 */ ALTER TABLE users ` is 37 characters and 38 UTF-16 units.
    assert_eq!(drop_column.2["start"], json!({ "line": 2, "character": 38 }));

    // Change, unsaved: the buffer is what gets linted.
    let edited = format!("{OPENED}{EDITED_LINE}");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": edited }],
        }),
    );
    let published = client.diagnostics(&uri, Some(2));
    let changed = from_server(&published);
    assert!(rules(&changed).contains(&("adding-required-column", 1)), "{changed:?}");
    assert_eq!(changed, from_cli(&project, &edited));

    // Hover on the index build: its lock, from the plan.
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 3 } }),
    );
    let markdown = hover["result"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(markdown.contains("SHARE on orders (blocks writes)"), "{hover:#}");
    assert_eq!(hover["result"]["range"]["start"], json!({ "line": 1, "character": 0 }));
    let on_comment = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 5 } }),
    );
    assert_eq!(on_comment["result"], Value::Null, "{on_comment:#}");

    // The quick fix for ban-drop-column, applied, silences it.
    let diagnostic = published
        .iter()
        .find(|d| d["code"] == "ban-drop-column")
        .unwrap()
        .clone();
    let actions = code_actions(&mut client, &uri, diagnostic);
    let fix = actions["result"]
        .as_array()
        .and_then(|list| list.iter().find(|a| a["kind"] == "quickfix"))
        .unwrap_or_else(|| panic!("no quick fix in {actions:#}"));
    let edits = fix["edit"]["changes"][&uri].as_array().expect("edits for the document");
    assert_eq!(edits.len(), 1, "{fix:#}");
    let start = byte_offset(&edited, &edits[0]["range"]["start"]);
    let end = byte_offset(&edited, &edits[0]["range"]["end"]);
    let new_text = edits[0]["newText"].as_str().unwrap();
    assert!(
        new_text.contains("-- miglint: ignore ban-drop-column -- "),
        "{new_text:?}"
    );
    let fixed = format!("{}{new_text}{}", &edited[..start], &edited[end..]);
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 3 },
            "contentChanges": [{ "text": fixed }],
        }),
    );
    let after_fix = from_server(&client.diagnostics(&uri, Some(3)));
    assert!(rules(&after_fix).iter().all(|(rule, _)| *rule != "ban-drop-column"));
    assert!(rules(&after_fix).contains(&("adding-required-column", 1)));
    assert_eq!(after_fix, from_cli(&project, &fixed));

    // Bad input gets errors, not a crash.
    let unknown = client.request("miglint/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let malformed = client.request("textDocument/hover", json!({ "position": "here" }));
    assert_eq!(malformed["error"]["code"], -32602, "{malformed}");
    client.notify("textDocument/didOpen", json!({ "nonsense": true }));

    // Close clears the document's diagnostics.
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    assert!(client.diagnostics(&uri, None).is_empty());

    let shutdown = client.request("shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null, "{shutdown}");
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), Some(0));
}

#[test]
fn leaving_without_shutdown_exits_1() {
    let mut client = Client::start(&std::env::temp_dir());
    let initialized = client.request("initialize", json!({ "capabilities": {} }));
    assert!(initialized["result"]["capabilities"].is_object(), "{initialized}");
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), Some(1));
}

#[test]
fn stdin_stands_in_for_its_file_named_from_another_folder() {
    let project = Project::new("stdin");
    let buffer = format!("{OPENED}{EDITED_LINE}");
    let mut child = Command::new(miglint())
        .current_dir(std::env::temp_dir())
        .args(["check", "--format", "json", "--stdin-filename"])
        .arg(project.document())
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(buffer.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    // The buffer's line, not the saved file, with the project's config.
    assert!(found.contains(&"adding-required-column"), "{report:#}");
    assert!(!found.contains(&"require-lock-timeout"), "{report:#}");
    assert_eq!(report["files"][0]["tool"], "golang-migrate", "{report:#}");
}

/// The fenced block of `language` that follows `marker` in the README.
fn readme_block(marker: &str, language: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let at = readme.find(marker).unwrap_or_else(|| panic!("README lost {marker:?}"));
    let fence = format!("```{language}\n");
    let start = readme[at..].find(&fence).expect("a fenced block after the marker") + at + fence.len();
    let end = readme[start..].find("```").expect("a closed block") + start;
    readme[start..end].to_string()
}

#[test]
fn the_readme_stdin_example_is_what_miglint_prints() {
    let block = readme_block("<!-- tests/it/lsp.rs runs this command", "console");
    let mut lines = block.lines();
    let command = lines
        .next()
        .and_then(|l| l.strip_prefix("$ "))
        .expect("a `$ ` command line");
    let bin_dir = Path::new(miglint()).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let output = Command::new("sh")
        .args(["-c", command])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "the README says exit status 1\n{stdout}");
    // The lines shown, `…` standing for lines left out, appear in this order.
    let mut actual = stdout.lines();
    for shown in lines.filter(|l| l.trim() != "…") {
        assert!(
            actual.any(|line| line == shown),
            "README line {shown:?} not in the output (in order):\n{stdout}"
        );
    }
}

#[test]
fn the_readme_editor_snippets_run_miglint_lsp() {
    let helix: toml::Table = toml::from_str(&readme_block("Helix (`languages.toml`", "toml")).unwrap();
    assert_eq!(helix["language-server"]["miglint"]["command"].as_str(), Some("miglint"));
    assert_eq!(
        helix["language-server"]["miglint"]["args"],
        toml::Value::Array(vec!["lsp".into()])
    );
    assert_eq!(helix["language"][0]["language-servers"][0].as_str(), Some("miglint"));
    for marker in ["Neovim 0.11 and later", "Neovim 0.10"] {
        let lua = readme_block(marker, "lua");
        assert!(lua.contains(r#"cmd = { "miglint", "lsp" }"#), "{marker}: {lua}");
    }
}

#[test]
fn an_editor_gets_the_config_nearest_the_document_as_the_command_line_does() {
    let project = crate::entry::nested_configs();
    let document = project.path().join("db/pg/migrations/0002_index.up.sql");
    let text = std::fs::read_to_string(&document).unwrap();
    let uri = file_uri(&document);
    let mut client = Client::start(project.path());
    client.request(
        "initialize",
        json!({ "processId": null, "rootUri": file_uri(project.path()), "capabilities": {} }),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "sql", "version": 1, "text": text } }),
    );
    let published = from_server(&client.diagnostics(&uri, Some(1)));
    // db/pg/miglint.toml, not the one at the top: both rules are warnings there.
    assert_eq!(
        rules(&published),
        [("require-concurrent-index", 2), ("require-lock-timeout", 2)]
    );
    assert_eq!(published, from_cli_at(project.path(), &document, &text));
    assert_eq!(published, from_cli_at(&project.path().join("db"), &document, &text));
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), Some(0));
}

#[test]
fn table_sizes_scale_the_editors_diagnostics_and_show_on_hover() {
    let project = Project::new("sizes");
    std::fs::write(
        project.0.join("miglint.toml"),
        "[rules]\nrequire-lock-timeout = \"off\"\nrequire-concurrent-index = \"warning\"\n\
         [tables]\nusers = { size = \"100GB\", rows = 900000000 }\n",
    )
    .unwrap();
    let text = "CREATE INDEX users_email_idx ON users (email);\n";
    let (published, hover) = open_and_hover(&project, text, 0, 5);
    // 100 GB read at 200 MB/s: over a minute, so the warning blocks (1 = Error).
    assert!(
        published
            .iter()
            .any(|(rule, severity, _)| rule == "require-concurrent-index" && *severity == 1),
        "{published:?}"
    );
    let markdown = hover["result"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(markdown.contains("users 100.0 GB, about 900,000,000 rows"), "{hover:#}");
    assert!(markdown.contains("takes about 8 min"), "{hover:#}");
}

#[test]
fn a_rule_fix_is_offered_as_a_quick_fix_and_applied_silences_the_rule() {
    let project = Project::new("rule-fix");
    let text = "CREATE INDEX orders_total_idx ON orders (id);\n";
    let (mut client, uri, diagnostic) = open_with_finding(
        &project,
        "db/migrations/0003_index.up.sql",
        text,
        "require-concurrent-index",
    );
    let actions = code_actions(&mut client, &uri, diagnostic);
    let fix = actions["result"]
        .as_array()
        .and_then(|list| list.iter().find(|a| a["isPreferred"] == true))
        .unwrap_or_else(|| panic!("no preferred quick fix in {actions:#}"));
    assert_eq!(fix["kind"], "quickfix");
    assert!(fix["title"].as_str().unwrap().contains("CONCURRENTLY"), "{fix:#}");
    let edits = fix["edit"]["changes"][&uri].as_array().expect("edits for the document");
    let mut fixed = text.to_string();
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                byte_offset(text, &e["range"]["start"]),
                byte_offset(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (start, end, new_text) in edits {
        fixed.replace_range(start..end, &new_text);
    }
    assert_eq!(fixed, "CREATE INDEX CONCURRENTLY orders_total_idx ON orders (id);\n");
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": fixed }],
        }),
    );
    let after = from_server(&client.diagnostics(&uri, Some(2)));
    assert!(
        rules(&after)
            .iter()
            .all(|(rule, _)| *rule != "require-concurrent-index"),
        "{after:?}"
    );
    let shutdown = client.request("shutdown", Value::Null);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), Some(0));
}

#[test]
fn a_custom_rule_reaches_the_editor_with_an_ignore_quick_fix() {
    let project = Project::new("custom-rule");
    std::fs::write(
        project.0.join("miglint.toml"),
        "[rules]\nrequire-lock-timeout = \"off\"\n\n[[custom_rules]]\nid = \"acme-no-drop-in-billing\"\n\
         statement = \"DROP\"\nschemas = [\"billing\"]\nmessage = \"nothing is dropped in billing\"\n",
    )
    .unwrap();
    let text = "DROP TABLE billing.old_invoices;\n";
    let (mut client, uri, diagnostic) = open_with_finding(
        &project,
        "db/migrations/0003_drop.up.sql",
        text,
        "acme-no-drop-in-billing",
    );
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .starts_with("nothing is dropped in billing\n"),
        "{diagnostic:#}"
    );
    let actions = code_actions(&mut client, &uri, diagnostic);
    let ignore = actions["result"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|a| a["edit"]["changes"][&uri].as_array().cloned().unwrap_or_default())
        .any(|edit| {
            edit["newText"]
                .as_str()
                .is_some_and(|t| t.contains("-- miglint: ignore acme-no-drop-in-billing -- "))
        });
    assert!(ignore, "no ignore quick fix for the custom rule in {actions:#}");
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), Some(0));
}
