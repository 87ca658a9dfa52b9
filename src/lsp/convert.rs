//! Between miglint's byte offsets and the protocol's positions (0-based
//! lines, UTF-16 code units), and between file URIs and paths.

use std::path::PathBuf;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range, Uri,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::input::source::{floor_char_boundary, LineIndex};
use crate::report::render::rule_doc_url;

/// A text with its line index, for conversions both ways.
pub(super) struct Text<'a> {
    pub text: &'a str,
    lines: LineIndex,
}

impl<'a> Text<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Text {
            text,
            lines: LineIndex::new(text),
        }
    }

    /// The protocol position of a byte offset (clamped into the text).
    pub(super) fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(self.text, offset);
        let line = self.lines.line_of(offset);
        let start = self.lines.line_start(line);
        let character = self.text[start..offset].encode_utf16().count();
        Position::new(to_u32(line), to_u32(character))
    }

    pub(super) fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of a protocol position. A line past the end means the
    /// end of the text, a character past the line's end the end of the line
    /// (before its line break), and half a surrogate pair the character's start.
    pub(super) fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.lines.line_count() {
            return self.text.len();
        }
        let start = self.lines.line_start(line);
        let mut units = 0;
        for (at, c) in self.text[start..].char_indices() {
            if c == '\n' || c == '\r' {
                return start + at;
            }
            units += c.len_utf16();
            if units > position.character as usize {
                return start + at;
            }
        }
        self.text.len()
    }

    /// The byte offset where the line holding `offset` starts.
    pub(super) fn line_start_of(&self, offset: usize) -> usize {
        self.lines.line_start(self.lines.line_of(offset.min(self.text.len())))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A miglint diagnostic as the protocol's, on the document at `uri`: the
/// rule id as its code linked to the rule's page, help after the message,
/// labels as related information.
pub(super) fn diagnostic(d: &Diagnostic, text: &Text, uri: &Uri) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), text.range(label.span.start, label.span.end)),
            message: label.message.clone(),
        })
        .collect();
    lsp_types::Diagnostic {
        range: text.range(d.span.start, d.span.end),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description: rule_doc_url(d.rule).parse().ok().map(|href| CodeDescription { href }),
        source: Some(super::SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// A diagnostic's fix as the `data` the client keeps with the diagnostic
/// and sends back with a code action request: the edits in protocol ranges
/// of the document at `version`, in its line endings.
pub(super) fn fix_data(d: &Diagnostic, text: &Text, version: i32) -> Option<serde_json::Value> {
    let fix = d.fix.as_ref()?;
    let ending = crate::report::fix::line_ending(text.text);
    let edits: Vec<serde_json::Value> = fix
        .edits
        .iter()
        .map(|edit| {
            serde_json::json!({
                "range": text.range(edit.span.start, edit.span.end),
                "newText": crate::report::fix::with_line_ending(&edit.text, ending),
            })
        })
        .collect();
    let new_file = fix.new_file.as_ref().map(|file| {
        serde_json::json!({
            "name": file.name,
            "content": crate::report::fix::with_line_ending(&file.content, ending),
        })
    });
    Some(serde_json::json!({
        "fix": {
            "title": fix.title,
            "safe": fix.is_safe(),
            "version": version,
            "edits": edits,
            "newFile": new_file,
        }
    }))
}

/// The local path of a `file:` URI; None for other schemes and remote hosts.
pub(super) fn file_path(uri: &str) -> Option<PathBuf> {
    let (scheme, rest) = uri.split_once(':')?;
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = rest.strip_prefix("//")?;
    let slash = rest.find('/')?;
    let (host, path) = rest.split_at(slash);
    if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = percent_decode(path)?;
    bytes_to_path(bytes)
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(unix)]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    if bytes.contains(&0) {
        return None;
    }
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    let text = String::from_utf8(bytes).ok()?;
    // `/c:/x` is the drive path `c:/x`.
    let drive = text.len() >= 3 && text.as_bytes()[2] == b':' && text.as_bytes()[1].is_ascii_alphabetic();
    Some(PathBuf::from(if drive { &text[1..] } else { &text[..] }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        // é is 2 bytes and 1 unit, 😀 is 4 bytes and 2 units.
        let text = "-- é😀\r\nDROP TABLE t; -- 😀x\rend";
        let t = Text::new(text);
        let drop = text.find("DROP").unwrap();
        assert_eq!(t.position(drop), Position::new(1, 0));
        let x = text.find('x').unwrap();
        assert_eq!(t.position(x), Position::new(1, 19));
        assert_eq!(t.position(text.find("end").unwrap()), Position::new(2, 0));
        assert_eq!(t.position(text.find("\r\n").unwrap()), Position::new(0, 6));
        for offset in [0, 3, drop, x, text.len()] {
            assert_eq!(t.offset(t.position(offset)), offset);
        }
    }

    #[test]
    fn offsets_clamp_to_the_line_and_the_text() {
        let text = "ab😀\nc";
        let t = Text::new(text);
        assert_eq!(t.offset(Position::new(0, 99)), 6, "end of line, before its break");
        assert_eq!(
            t.offset(Position::new(0, 3)),
            2,
            "inside a surrogate pair: the character's start"
        );
        assert_eq!(t.offset(Position::new(7, 0)), text.len());
        assert_eq!(t.position(999), Position::new(1, 1));
        assert_eq!(t.position(3), Position::new(0, 2), "inside a character: its start");
    }

    #[cfg(unix)]
    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            file_path("file:///tmp/db%20x/V1__%C3%A9.sql"),
            Some(PathBuf::from("/tmp/db x/V1__é.sql"))
        );
        assert_eq!(file_path("file://localhost/a.sql"), Some(PathBuf::from("/a.sql")));
        assert_eq!(file_path("untitled:Untitled-1"), None);
        assert_eq!(file_path("file://server/share/a.sql"), None);
        assert_eq!(file_path("file:///a%zz.sql"), None);
        assert_eq!(file_path("file:///a%00.sql"), None);
    }
}
