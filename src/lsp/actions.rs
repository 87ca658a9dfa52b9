//! Quick fixes: an ignore comment on its own line above the statement that
//! holds a finding, in the syntax `suppress` reads.

use std::collections::{BTreeSet, HashMap};

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, NumberOrString, TextEdit, WorkspaceEdit};

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
        if rules::find(id).is_none() || id == rules::unknown_rule::META.id || id == rules::unused_suppression::META.id {
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
