//! The open documents: the editor's text, which is what gets linted, saved
//! or not.

use std::collections::HashMap;
use std::path::PathBuf;

use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::convert::{file_path, Text};

/// One open document, as the editor last sent it.
#[derive(Clone, Debug)]
pub(super) struct Document {
    pub uri: Uri,
    /// The file it is (None for unsaved buffers and other schemes).
    pub path: Option<PathBuf>,
    pub version: i32,
    pub text: String,
}

impl Document {
    pub(super) fn new(uri: Uri, version: i32, text: String) -> Self {
        let path = file_path(uri.as_str());
        Document {
            uri,
            path,
            version,
            text,
        }
    }

    /// The name miglint reports it under and finds its config and migration
    /// root by: the file's path, else the URI.
    pub(super) fn name(&self) -> String {
        match &self.path {
            Some(path) => path.display().to_string(),
            None => self.uri.as_str().to_string(),
        }
    }

    /// Applies the editor's changes in order: a change without a range
    /// replaces the text, one with a range replaces that range.
    pub(super) fn apply(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        for change in changes {
            match change.range {
                None => self.text = change.text,
                Some(range) => {
                    let text = Text::new(&self.text);
                    let start = text.offset(range.start);
                    let end = text.offset(range.end).max(start);
                    self.text.replace_range(start..end, &change.text);
                }
            }
        }
        self.version = version;
    }
}

#[derive(Default)]
pub(super) struct Documents {
    /// Keyed by the URI as text (`Uri` itself caches parts of itself inside).
    open: HashMap<String, Document>,
}

impl Documents {
    pub(super) fn open(&mut self, document: Document) {
        self.open.insert(document.uri.as_str().to_string(), document);
    }

    pub(super) fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri.as_str())
    }

    pub(super) fn get_mut(&mut self, uri: &Uri) -> Option<&mut Document> {
        self.open.get_mut(uri.as_str())
    }

    pub(super) fn close(&mut self, uri: &Uri) {
        self.open.remove(uri.as_str());
    }
}

#[cfg(test)]
mod tests {
    use lsp_types::{Position, Range};

    use super::*;

    fn change(range: Option<((u32, u32), (u32, u32))>, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range.map(|(a, b)| Range::new(Position::new(a.0, a.1), Position::new(b.0, b.1))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn changes_apply_in_order_with_utf16_ranges() {
        let uri: Uri = "file:///tmp/m.sql".parse().unwrap();
        let mut doc = Document::new(uri, 1, "-- 😀\nDROP TABLE t;".to_string());
        assert_eq!(doc.path, Some(PathBuf::from("/tmp/m.sql")));
        doc.apply(
            2,
            vec![
                change(Some(((1, 11), (1, 12))), "users"),
                change(Some(((0, 3), (0, 5))), "x"),
            ],
        );
        assert_eq!(doc.text, "-- x\nDROP TABLE users;");
        assert_eq!(doc.version, 2);
        doc.apply(3, vec![change(None, "SELECT 1;")]);
        assert_eq!(doc.text, "SELECT 1;");
        // Out-of-range positions clamp instead of failing.
        doc.apply(4, vec![change(Some(((9, 0), (3, 0))), "!")]);
        assert_eq!(doc.text, "SELECT 1;!");
    }
}
