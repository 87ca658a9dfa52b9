//! Where the statements PostgreSQL's PL/pgSQL compiler reports are in the
//! body's text. The compiler gives each statement's line (counted by line
//! feeds from the start of the body) and its text; the text starts at the
//! first token at or after the end of the statement before it.

use super::span_map::SpanMap;
use crate::input::source::Span;
use crate::parse::ffi::PlpgsqlError;

/// The start of each line of a body, as PL/pgSQL counts lines.
pub(super) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(super) fn new(text: &str) -> Lines {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { starts }
    }

    /// The offset where 1-based `line` starts (the last line for a line
    /// past the end).
    pub(super) fn start(&self, line: usize) -> usize {
        self.starts[line.saturating_sub(1).min(self.starts.len() - 1)]
    }

    /// The 1-based line's text without its leading and trailing blanks.
    pub(super) fn line_span(&self, text: &str, line: usize) -> Span {
        let start = self.start(line);
        let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
        let slice = &text[start..end];
        let lead = slice.len() - slice.trim_start().len();
        Span::new(start + lead, start + slice.trim_end().len().max(lead))
    }
}

/// Where the statement PostgreSQL kept as `query` is written, searching from
/// `from`: the map from `query` to the body's text. The compiler keeps what
/// was written, except that `PERFORM` reads `SELECT` and an `INTO` clause
/// reads as spaces of the same length.
pub(super) fn statement(text: &str, from: usize, query: &str) -> SpanMap {
    let from = from.min(text.len());
    let first_token = skip_blanks_and_comments(text, from);
    let line_end = text[from..].find('\n').map_or(text.len(), |e| from + e);
    let perform = text[first_token..]
        .get(..8)
        .is_some_and(|w| w.eq_ignore_ascii_case("perform "));
    if let Some(rest) = query.strip_prefix("SELECT ").filter(|_| perform) {
        let after = first_token + "PERFORM ".len();
        let mut map = SpanMap::default();
        map.push_whole("SELECT ".len(), Span::new(first_token, after));
        map.push_verbatim(Span::new(after, (after + rest.len()).min(text.len())));
        return map;
    }
    let start = if text[first_token..].starts_with(query) {
        first_token
    } else {
        // Further on the same line: after `RETURN QUERY`, `FOR r IN`, a label.
        match text[from..].find(query) {
            Some(at) if from + at <= line_end => from + at,
            _ => first_token,
        }
    };
    SpanMap::verbatim(Span::new(start, (start + query.len()).min(text.len())))
}

/// The first offset at or after `from` that is neither whitespace nor a
/// comment.
fn skip_blanks_and_comments(text: &str, mut at: usize) -> usize {
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if trimmed.starts_with("--") {
            at += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if trimmed.starts_with("/*") {
            at += trimmed.find("*/").map_or(trimmed.len(), |e| e + 2);
        } else {
            return at;
        }
    }
}

/// The first whole-word occurrence of `word` (lowercase) at or after `from`,
/// in any case.
pub(super) fn word(text: &str, from: usize, word: &str) -> Option<Span> {
    let lower = text.to_ascii_lowercase();
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut at = from.min(text.len());
    while let Some(found) = lower[at..].find(word) {
        let start = at + found;
        let end = start + word.len();
        if !is_word(lower[..start].chars().next_back()) && !is_word(lower[end..].chars().next()) {
            return Some(Span::new(start, end));
        }
        at = end;
    }
    None
}

/// Where in the body a PL/pgSQL compile error is: the line its context names
/// (`... near line 3`, `... line 3 at ...`), and on it the text its message
/// quotes (`at or near "x"`), else the line's first word.
pub(super) fn error_in_body(text: &str, message: &str, context: &str) -> Option<Span> {
    let line = line_in_context(context)?;
    let lines = Lines::new(text);
    let line_span = lines.line_span(text, line);
    let near = message
        .split_once("at or near \"")
        .and_then(|(_, rest)| rest.rsplit_once('"'))
        .map(|(near, _)| near)
        .filter(|near| !near.is_empty());
    let found = near.and_then(|near| {
        let at = text[lines.start(line)..].find(near)? + lines.start(line);
        Some(Span::new(at, at + near.len()))
    });
    Some(found.unwrap_or(Span::new(line_span.start, line_span.start)))
}

/// The error is about a line of the body (its context says which), not
/// about the statement around it.
pub(super) fn names_a_line(error: &PlpgsqlError) -> bool {
    line_in_context(&error.context).is_some()
}

/// The compiler raised the error only because it runs without a database:
/// it knows built-in types alone, so a variable of a user-defined type (or
/// an array of one, or `tbl.col%TYPE`) looks missing or like a pseudo-type.
/// PostgreSQL itself accepts such a body.
pub(super) fn needs_a_database(error: &PlpgsqlError) -> bool {
    let message = error.message.to_ascii_lowercase();
    [
        "does not exist",
        "pseudo-type",
        "not implemented",
        "only a shell",
        "array type",
        "cache lookup failed",
    ]
    .iter()
    .any(|artifact| message.contains(artifact))
}

/// The number after the last ` line ` of a PL/pgSQL error context.
fn line_in_context(context: &str) -> Option<usize> {
    let at = context.rfind(" line ")?;
    let digits: String = context[at + 6..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_line_feeds() {
        let text = "\nBEGIN\n  x;\r\nEND";
        let lines = Lines::new(text);
        assert_eq!(lines.start(1), 0);
        assert_eq!(lines.start(3), 7);
        assert_eq!(
            &text[lines.line_span(text, 3).start..lines.line_span(text, 3).end],
            "x;"
        );
        assert_eq!(lines.start(99), 13);
    }

    #[test]
    fn statements_are_found_from_their_line() {
        let text = "BEGIN\n  -- note\n  PERFORM f(); UPDATE t SET a = 1;\nEND";
        let perform = statement(text, 6, "SELECT f()");
        assert_eq!(perform.len(), "SELECT f()".len());
        let whole = perform.whole().unwrap();
        assert_eq!(&text[whole.start..whole.end], "PERFORM f()");
        let f = perform.file_span(Span::new(7, 10)).unwrap();
        assert_eq!(&text[f.start..f.end], "f()");
        let update = statement(text, 29, "UPDATE t SET a = 1").whole().unwrap();
        assert_eq!(&text[update.start..update.end], "UPDATE t SET a = 1");
        let into = "  SELECT a INTO x FROM t;";
        let blanked = statement(into, 0, "SELECT a        FROM t").whole().unwrap();
        assert_eq!(&into[blanked.start..blanked.end], "SELECT a INTO x FROM t");
    }

    #[test]
    fn words_are_whole() {
        let text = "committed; COMMIT;";
        assert_eq!(word(text, 0, "commit"), Some(Span::new(11, 17)));
    }

    #[test]
    fn errors_are_found_from_the_context_line_and_the_quoted_text() {
        let text = "\nBEGIN\n  ALTER TABEL t;\nEND\n";
        let span = error_in_body(
            text,
            "syntax error at or near \"TABEL\"",
            "PL/pgSQL function inline_code_block line 3 at SQL statement",
        )
        .unwrap();
        assert_eq!(&text[span.start..span.end], "TABEL");
        assert_eq!(error_in_body(text, "x", "no line here"), None);
    }

    #[test]
    fn errors_of_a_compiler_without_a_database_are_told_apart() {
        let error = |message: &str| PlpgsqlError {
            message: message.to_string(),
            context: "compilation of PL/pgSQL function \"f\" near line 3".to_string(),
        };
        assert!(needs_a_database(&error("variable \"b\" has pseudo-type _record")));
        assert!(needs_a_database(&error("type \"s3region\" does not exist")));
        assert!(!needs_a_database(&error("syntax error at or near \"TABEL\"")));
    }
}
