//! Source files, byte spans and the 1-based line/column index.
//!
//! Every position a user sees comes from here, so LF, CRLF and lone CR line
//! endings are all handled in one place.

use std::sync::Arc;

/// A half-open byte range `[start, end)` into a source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Moves a span found in a slice of the text back to file coordinates.
    pub fn offset_by(self, base: usize) -> Span {
        Span::new(self.start + base, self.end + base)
    }
}

/// A 1-based line and column (in characters), plus the 0-based byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// Byte offsets of the first byte of every line.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    line_starts.push(i + 2);
                    i += 1;
                }
                b'\r' => line_starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { line_starts }
    }

    /// The position of a byte offset. Offsets past the end, or inside a
    /// multi-byte character, are clamped to the nearest valid place.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let line_start = self.line_starts[line];
        let mut column = text[line_start..offset].chars().count() + 1;
        // Editors do not show a byte order mark: it takes no column.
        if line_start == 0 && offset > 0 && text.starts_with('\u{feff}') {
            column -= 1;
        }
        Position {
            line: line + 1,
            column,
            offset,
        }
    }

    /// 0-based index of the line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where the 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts[line.min(self.line_starts.len() - 1)]
    }
}

/// The largest char boundary at or before `offset`.
pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The visible symbol for a control character (other than tab and line
/// breaks, which callers handle), so source text quoted in output can neither
/// garble nor drive a terminal: U+2400.. for C0, U+2421 for DEL, U+FFFD for C1.
pub(crate) fn visible_control(c: char) -> Option<char> {
    match c {
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32),
        '\x7f' => Some('\u{2421}'),
        '\u{80}'..='\u{9f}' => Some('\u{fffd}'),
        _ => None,
    }
}

/// Source text quoted in a one-line message: whitespace runs (line breaks
/// included) become one space, control characters become visible, and at
/// most `max` characters are kept, with `…` when cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = collapsed
        .chars()
        .take(max)
        .map(|c| visible_control(c).unwrap_or(c))
        .collect();
    if collapsed.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// A file (or stdin) being linted: its display path, text and line index.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text = text.into();
        let lines = LineIndex::new(&text);
        SourceFile {
            path: path.into(),
            text,
            lines,
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.text, offset)
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.start..span.end]
    }

    /// The byte offset of a 1-based character position reported by the
    /// PostgreSQL parser (its `cursorpos`), counted from `base`.
    pub fn offset_of_char_position(&self, base: usize, char_pos: usize) -> usize {
        let rest = &self.text[base..];
        let skip = char_pos.saturating_sub(1);
        rest.char_indices()
            .nth(skip)
            .map(|(i, _)| base + i)
            .unwrap_or(self.text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(text: &str, offset: usize) -> (usize, usize) {
        let p = LineIndex::new(text).position(text, offset);
        (p.line, p.column)
    }

    #[test]
    fn lf_crlf_and_cr_line_endings() {
        assert_eq!(pos("a\nbc", 3), (2, 2));
        assert_eq!(pos("a\r\nbc", 4), (2, 2));
        assert_eq!(pos("a\rbc", 3), (2, 2));
        assert_eq!(pos("a\r\n\r\nb", 5), (3, 1));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(pos("é = ñ", 5), (1, 5));
        // an offset inside a multi-byte character clamps to its start
        assert_eq!(pos("éa", 1), (1, 1));
    }

    #[test]
    fn excerpts_are_one_visible_line() {
        assert_eq!(excerpt("{{ .Role\n  | x }}", 40), "{{ .Role | x }}");
        assert_eq!(excerpt("a\x1b[2Jb\0", 40), "a\u{241b}[2Jb\u{2400}");
        assert_eq!(excerpt("ééééé", 3), "ééé…");
        assert_eq!(excerpt("abc", 3), "abc");
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        assert_eq!(pos("\u{feff}SELECT 1;\nx", 3), (1, 1));
        assert_eq!(pos("\u{feff}SELECT 1;\nx", 4), (1, 2));
        assert_eq!(pos("\u{feff}SELECT 1;\nx", 13), (2, 1));
        assert_eq!(pos("\u{feff}", 0), (1, 1));
    }

    #[test]
    fn cursor_positions_are_characters() {
        let file = SourceFile::new("x.sql", "ab\nçd");
        assert_eq!(file.offset_of_char_position(0, 5), 5);
        assert_eq!(file.offset_of_char_position(3, 2), 5);
        assert_eq!(file.offset_of_char_position(0, 99), 6);
    }
}
