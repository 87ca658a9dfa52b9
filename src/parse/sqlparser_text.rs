//! What the dialects parsed by `sqlparser` (SQLite, MySQL) share in
//! reading its output: positions, error messages and syntax problems.

use super::{ParseProblem, ProblemKind};
use crate::input::source::{excerpt, Span};

/// Byte offsets of sqlparser's 1-based lines (counted at `\n`) and columns
/// (counted in characters).
pub(super) struct LineStarts(Vec<usize>);

impl LineStarts {
    pub(super) fn new(text: &str) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineStarts(starts)
    }

    pub(super) fn offset(&self, text: &str, line: u64, column: u64) -> usize {
        let line = usize::try_from(line).unwrap_or(usize::MAX).max(1);
        let Some(&start) = self.0.get(line - 1) else {
            return text.len();
        };
        let column = usize::try_from(column).unwrap_or(usize::MAX).max(1);
        text[start..]
            .char_indices()
            .nth(column - 1)
            .map_or(text.len(), |(i, _)| start + i)
    }
}

/// sqlparser's message without its prefix and position, and that position.
pub(super) fn parser_error(message: &str) -> (String, Option<(u64, u64)>) {
    let message = message.strip_prefix("sql parser error: ").unwrap_or(message);
    let Some((text, position)) = message.rsplit_once(" at Line: ") else {
        return (message.to_string(), None);
    };
    let position = position.split_once(", Column: ").and_then(|(line, column)| {
        let column: String = column.chars().take_while(char::is_ascii_digit).collect();
        Some((line.trim().parse().ok()?, column.parse().ok()?))
    });
    (text.to_string(), position)
}

/// A statement the dialect cannot parse, located at `at` (clamped into
/// the statement), with the text from there as a hint.
pub(super) fn syntax_problem(dialect: &str, text: &str, span: Span, at: usize, message: &str) -> ParseProblem {
    let at = at.clamp(span.start, span.end);
    let near: String = excerpt(text.get(at..span.end).unwrap_or(""), 30);
    let message = match near.trim().is_empty() {
        true => format!("{dialect} cannot parse this statement: {message}"),
        false => format!(
            "{dialect} cannot parse this statement: {message} (near `{}`)",
            near.trim()
        ),
    };
    ParseProblem {
        kind: ProblemKind::Syntax,
        span,
        message,
    }
}
