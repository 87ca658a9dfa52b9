//! Quick fixes: an ignore comment on its own line above the statement that
//! holds a finding, in the syntax `suppress` reads.

use std::collections::{BTreeSet, HashMap};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CreateFile, CreateFileOptions, DocumentChangeOperation,
    DocumentChanges, NumberOrString, OneOf, OptionalVersionedTextDocumentIdentifier, Position, Range, ResourceOp,
    TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};
use serde::Deserialize;

use super::convert::Text;
use super::documents::Document;
use crate::input::source::SourceFile;
use crate::parse::parse_file;
use crate::rules;

/// Stands for the reason the user must give; any text after `--` is one.
pub(super) const REASON_PLACEHOLDER: &str = "TODO: why this is safe";

/// One quick fix per miglint diagnostic that lies in a statement, one per
/// rule and statement.
pub(super) fn ignore_fixes(document: &Document, diagnostics: &[lsp_types::Diagnostic]) -> Vec<CodeActionOrCommand> {
    let source = SourceFile::new(document.name(), document.text.as_str());
    let parsed = parse_file(&source);
    let text = Text::new(&document.text);
    let mut seen = BTreeSet::new();
    let mut actions = Vec::new();
    for diagnostic in diagnostics {
        if diagnostic.source.as_deref() != Some(super::SOURCE) {
            continue;
        }
        let Some(NumberOrString::String(id)) = &diagnostic.code else {
            continue;
        };
        // Findings about ignore comments themselves come after suppression.
        let about_comments = [
            rules::unknown_rule::META.id,
            rules::unused_suppression::META.id,
            rules::suppression_without_reason::META.id,
        ];
        if about_comments.contains(&id.as_str()) {
            continue;
        }
        let at = text.offset(diagnostic.range.start);
        let Some(statement) = parsed
            .statements
            .iter()
            .map(|s| parsed.file_span(s.span))
            .find(|s| s.start <= at && at <= s.end)
        else {
            continue;
        };
        if !seen.insert((id.clone(), statement.start)) {
            continue;
        }
        let edit = ignore_edit(&text, statement.start, id);
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Ignore `{id}` for this statement (miglint)"),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(WorkspaceEdit::new(HashMap::from([(document.uri.clone(), vec![edit])]))),
            ..CodeAction::default()
        }));
    }
    actions
}

/// A fix as the diagnostic's `data` carries it (`convert::fix_data`).
#[derive(Deserialize)]
struct FixData {
    fix: DataFix,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataFix {
    title: String,
    safe: bool,
    version: i32,
    edits: Vec<TextEdit>,
    new_file: Option<DataNewFile>,
}

#[derive(Deserialize)]
struct DataNewFile {
    name: String,
    content: String,
}

/// The rules' fixes of the miglint diagnostics the client sends back, each
/// a quick fix (preferred when safe) with the fix's edits; none for a
/// diagnostic published for another version of the document. A fix that
/// adds a file beside the document needs a client that creates files
/// (`create_files`), and is left out for one that does not.
pub(super) fn rule_fixes(
    document: &Document,
    diagnostics: &[lsp_types::Diagnostic],
    create_files: bool,
) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    for diagnostic in diagnostics {
        if diagnostic.source.as_deref() != Some(super::SOURCE) {
            continue;
        }
        let Some(data) = diagnostic.data.clone() else {
            continue;
        };
        let Ok(FixData { fix }) = serde_json::from_value::<FixData>(data) else {
            continue;
        };
        if fix.version != document.version {
            continue;
        }
        let edit = match &fix.new_file {
            None => WorkspaceEdit::new(HashMap::from([(document.uri.clone(), fix.edits.clone())])),
            Some(_) if !create_files => continue,
            Some(new_file) => {
                let Some(uri) = beside(&document.uri, &new_file.name) else {
                    continue;
                };
                let start = Position::new(0, 0);
                WorkspaceEdit {
                    document_changes: Some(DocumentChanges::Operations(vec![
                        DocumentChangeOperation::Edit(TextDocumentEdit {
                            text_document: OptionalVersionedTextDocumentIdentifier {
                                uri: document.uri.clone(),
                                version: Some(document.version),
                            },
                            edits: fix.edits.iter().cloned().map(OneOf::Left).collect(),
                        }),
                        DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                            uri: uri.clone(),
                            options: Some(CreateFileOptions {
                                overwrite: Some(false),
                                ignore_if_exists: Some(false),
                            }),
                            annotation_id: None,
                        })),
                        DocumentChangeOperation::Edit(TextDocumentEdit {
                            text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                            edits: vec![OneOf::Left(TextEdit::new(
                                Range::new(start, start),
                                new_file.content.clone(),
                            ))],
                        }),
                    ])),
                    ..WorkspaceEdit::default()
                }
            }
        };
        let rule = match &diagnostic.code {
            Some(NumberOrString::String(id)) => id.as_str(),
            _ => "",
        };
        let title = if fix.safe {
            format!("{} ({rule}, miglint)", fix.title)
        } else {
            format!("{} ({rule}, miglint; unsafe: it changes more than the lock)", fix.title)
        };
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(edit),
            is_preferred: Some(fix.safe),
            ..CodeAction::default()
        }));
    }
    actions
}

/// The URI of the file `name` in the folder of `uri`.
fn beside(uri: &Uri, name: &str) -> Option<Uri> {
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return None;
    }
    let text = uri.as_str();
    let (folder, _) = text.rsplit_once('/')?;
    let escaped: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{folder}/{escaped}").parse().ok()
}

/// `-- miglint: ignore <id> -- <reason>` on a line of its own right above
/// the statement starting at `start`, indented as the statement's line. A
/// statement sharing its line with earlier text is moved to a line of its
/// own, so the comment covers it and not its neighbour.
fn ignore_edit(text: &Text, start: usize, id: &str) -> TextEdit {
    let newline = if text.text.contains("\r\n") { "\r\n" } else { "\n" };
    let line_start = text.line_start_of(start);
    let before = &text.text[line_start..start];
    let indent: String = before.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let comment = format!("-- miglint: ignore {id} -- {REASON_PLACEHOLDER}");
    if before.len() == indent.len() {
        let at = text.position(line_start);
        TextEdit::new(lsp_types::Range::new(at, at), format!("{indent}{comment}{newline}"))
    } else {
        let at = text.position(start);
        TextEdit::new(
            lsp_types::Range::new(at, at),
            format!("{newline}{indent}{comment}{newline}{indent}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use lsp_types::Uri;

    use super::*;
    use crate::report::engine::lint_bytes;
    use crate::settings::Settings;

    /// Applies the single edit of `action` to `text`.
    fn apply(text: &str, action: &CodeActionOrCommand) -> String {
        let CodeActionOrCommand::CodeAction(action) = action else {
            panic!("a code action");
        };
        let edits: Vec<&TextEdit> = action
            .edit
            .iter()
            .flat_map(|e| e.changes.iter().flat_map(|c| c.values().flatten()))
            .collect();
        assert_eq!(edits.len(), 1);
        let t = Text::new(text);
        let (start, end) = (t.offset(edits[0].range.start), t.offset(edits[0].range.end));
        format!("{}{}{}", &text[..start], edits[0].new_text, &text[end..])
    }

    fn fixes_then_relint(text: &str, rule: &str) -> String {
        let uri: Uri = "file:///nowhere/m.sql".parse().unwrap();
        let document = Document::new(uri.clone(), 1, text.to_string());
        let settings = Settings::default();
        let report = lint_bytes("m.sql", text.as_bytes(), &settings);
        let t = Text::new(text);
        let diagnostics: Vec<lsp_types::Diagnostic> = report
            .active()
            .map(|d| super::super::convert::diagnostic(d, &t, &uri))
            .collect();
        let actions = ignore_fixes(&document, &diagnostics);
        let action = actions
            .iter()
            .find(|a| matches!(a, CodeActionOrCommand::CodeAction(c) if c.title.contains(rule)))
            .unwrap_or_else(|| panic!("a fix for {rule} in {actions:?}"));
        let fixed = apply(text, action);
        let after = lint_bytes("m.sql", fixed.as_bytes(), &settings);
        assert!(
            after.active().all(|d| d.rule != rule),
            "{rule} still reported in {fixed:?}"
        );
        assert!(after
            .active()
            .all(|d| d.rule != "unknown-rule" && d.rule != "syntax-error"));
        fixed
    }

    #[test]
    fn the_fix_goes_above_the_statement_with_its_indentation() {
        let fixed = fixes_then_relint(
            "SET lock_timeout = '5s';\r\n  ALTER TABLE users DROP COLUMN email;\r\n",
            "ban-drop-column",
        );
        assert_eq!(
            fixed,
            "SET lock_timeout = '5s';\r\n  -- miglint: ignore ban-drop-column -- TODO: why this is safe\r\n  ALTER TABLE users DROP COLUMN email;\r\n"
        );
    }

    #[test]
    fn a_statement_sharing_its_line_gets_a_line_of_its_own() {
        let fixed = fixes_then_relint(
            "SET lock_timeout = '5s'; ALTER TABLE users DROP COLUMN email;",
            "ban-drop-column",
        );
        assert!(fixed.starts_with("SET lock_timeout = '5s'; \n-- miglint: ignore ban-drop-column"));
    }

    /// The document's diagnostics as the server publishes them at `version`
    /// (with their fixes as data), and the rule fixes offered for them.
    fn rule_actions(text: &str, version: i32, document_version: i32, create_files: bool) -> Vec<CodeActionOrCommand> {
        let uri: Uri = "file:///nowhere/m.sql".parse().unwrap();
        let document = Document::new(uri.clone(), document_version, text.to_string());
        let report = lint_bytes("m.sql", text.as_bytes(), &Settings::default());
        let t = Text::new(text);
        let diagnostics: Vec<lsp_types::Diagnostic> = report
            .active()
            .map(|d| lsp_types::Diagnostic {
                data: super::super::convert::fix_data(d, &t, version),
                ..super::super::convert::diagnostic(d, &t, &uri)
            })
            .collect();
        rule_fixes(&document, &diagnostics, create_files)
    }

    #[test]
    fn a_rule_fix_is_a_preferred_quick_fix_that_silences_its_rule() {
        let text = "CREATE INDEX i ON users (email);\r\n";
        let actions = rule_actions(text, 4, 4, false);
        let action = actions
            .iter()
            .find(|a| matches!(a, CodeActionOrCommand::CodeAction(c) if c.title.contains("require-concurrent-index")))
            .unwrap_or_else(|| panic!("a fix in {actions:?}"));
        let CodeActionOrCommand::CodeAction(code_action) = action else {
            unreachable!()
        };
        assert_eq!(code_action.is_preferred, Some(true));
        assert_eq!(code_action.kind, Some(CodeActionKind::QUICKFIX));
        let fixed = apply(text, action);
        assert_eq!(fixed, "CREATE INDEX CONCURRENTLY i ON users (email);\r\n");
        let after = lint_bytes("m.sql", fixed.as_bytes(), &Settings::default());
        assert!(after.active().all(|d| d.rule != "require-concurrent-index"));
        // The lock_timeout fix keeps the document's CRLF.
        let timeout = actions
            .iter()
            .find(|a| matches!(a, CodeActionOrCommand::CodeAction(c) if c.title.contains("require-lock-timeout")))
            .expect("a lock_timeout fix");
        assert!(apply(text, timeout).starts_with("SET lock_timeout = '5s';\r\nCREATE INDEX"));
    }

    #[test]
    fn no_rule_fix_for_another_version_of_the_document() {
        assert!(rule_actions("CREATE INDEX i ON users (email);", 4, 5, false).is_empty());
    }

    #[test]
    fn a_fix_that_adds_a_file_needs_a_client_that_creates_files() {
        use crate::diagnostic::{Applicability, Edit, Fix, NewFile};
        let uri: Uri = "file:///db/migrations/0001_x.sql".parse().unwrap();
        let text = "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);\n";
        let document = Document::new(uri.clone(), 1, text.to_string());
        let mut fix = Fix::new(
            "split",
            Applicability::Safe,
            vec![Edit::insert(text.len() - 2, " NOT VALID")],
        );
        fix.new_file = Some(NewFile {
            name: "0002_validate c.sql".to_string(),
            content: "ALTER TABLE t VALIDATE CONSTRAINT c;\n".to_string(),
        });
        let mut report = lint_bytes("m.sql", b"DROP TABLE t;", &Settings::default());
        let mut finding = report.diagnostics.remove(0);
        finding.fix = Some(fix);
        let t = Text::new(text);
        let diagnostic = lsp_types::Diagnostic {
            data: super::super::convert::fix_data(&finding, &t, 1),
            ..super::super::convert::diagnostic(&finding, &t, &uri)
        };
        assert!(rule_fixes(&document, std::slice::from_ref(&diagnostic), false).is_empty());
        let actions = rule_fixes(&document, &[diagnostic], true);
        let CodeActionOrCommand::CodeAction(action) = &actions[0] else {
            panic!("a code action")
        };
        let Some(DocumentChanges::Operations(operations)) =
            action.edit.as_ref().and_then(|e| e.document_changes.clone())
        else {
            panic!("document changes in {action:?}")
        };
        assert_eq!(operations.len(), 3);
        let DocumentChangeOperation::Op(ResourceOp::Create(create)) = &operations[1] else {
            panic!("a created file in {operations:?}")
        };
        assert_eq!(create.uri.as_str(), "file:///db/migrations/0002_validate%20c.sql");
        assert_eq!(create.options.as_ref().and_then(|o| o.overwrite), Some(false));
    }

    #[test]
    fn other_sources_and_comment_findings_get_no_fix() {
        let uri: Uri = "file:///nowhere/m.sql".parse().unwrap();
        let document = Document::new(uri, 1, "DROP TABLE t;".to_string());
        let foreign = lsp_types::Diagnostic {
            source: Some("sqlfluff".to_string()),
            code: Some(NumberOrString::String("ban-drop-table".to_string())),
            ..lsp_types::Diagnostic::default()
        };
        let about_comments = lsp_types::Diagnostic {
            source: Some("miglint".to_string()),
            code: Some(NumberOrString::String("unused-suppression".to_string())),
            ..lsp_types::Diagnostic::default()
        };
        assert!(ignore_fixes(&document, &[foreign, about_comments]).is_empty());
    }
}
