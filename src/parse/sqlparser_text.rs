//! What the dialects parsed by `sqlparser` (SQLite, MySQL) share in
//! reading its output: positions, error messages and syntax problems, and
//! the tokens of a statement with their bytes, for the spellings each
//! dialect rewrites into ones sqlparser reads.

use std::ops::Range;

use sqlparser::dialect::Dialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{ParseProblem, ProblemKind};
use crate::input::source::{excerpt, Span};

/// A code token and the bytes of the statement it covers.
pub(super) type Located = (Token, Range<usize>);

/// The code tokens of `sql` (no whitespace or comments) with their bytes;
/// None when it does not tokenize.
pub(super) fn located_code(dialect: &dyn Dialect, sql: &str) -> Option<Vec<Located>> {
    let tokens = Tokenizer::new(dialect, sql).tokenize_with_location().ok()?;
    let lines = LineStarts::new(sql);
    Some(
        tokens
            .into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
            .map(|t| {
                let (start, end) = (t.span.start, t.span.end);
                let range = lines.offset(sql, start.line, start.column)..lines.offset(sql, end.line, end.column);
                (t.token, range)
            })
            .collect(),
    )
}

/// A rewrite of a statement into a spelling sqlparser reads that means
/// the same to miglint; None where it does not apply.
pub(super) type Rewrite = fn(&str, &[Located]) -> Option<String>;

/// `sql` after every rewrite that applies, each tried on what the one
/// before left; None when none applies.
pub(super) fn respell(dialect: &dyn Dialect, sql: &str, rewrites: &[Rewrite]) -> Option<String> {
    let mut text: Option<String> = None;
    for rewrite in rewrites {
        let current = text.as_deref().unwrap_or(sql);
        let code = located_code(dialect, current)?;
        if let Some(rewritten) = rewrite(current, &code) {
            text = Some(rewritten);
        }
    }
    text
}

/// `sql` with `range` replaced by spaces (line breaks kept, so lines hold).
pub(super) fn blanked(sql: &str, range: Range<usize>) -> String {
    let spaces: String = sql[range.clone()]
        .chars()
        .map(|c| if c == '\n' || c == '\r' { c } else { ' ' })
        .collect();
    let mut text = sql.to_string();
    text.replace_range(range, &spaces);
    text
}

/// The uppercase text of an unquoted word.
pub(super) fn keyword(token: &Token) -> Option<String> {
    match token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// The token is an unquoted word, one of `expected` (uppercase).
pub(super) fn is_word(token: Option<&Token>, expected: &[&str]) -> bool {
    token
        .and_then(keyword)
        .is_some_and(|k| expected.iter().any(|e| *e == k))
}

/// The code starts with these words.
pub(super) fn first_words(code: &[Located], words: &[&str]) -> bool {
    code.len() >= words.len() && code.iter().zip(words).all(|((t, _), w)| is_word(Some(t), &[w]))
}

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

#[cfg(test)]
mod tests {
    use crate::input::source::SourceFile;
    use crate::parse::{mysql::parse_mysql, sqlite::parse_sqlite};

    /// The spellings the dialects rewrite, cut anywhere and with text put
    /// in: never a panic (an index past a statement's first word once was).
    #[test]
    fn the_dialects_never_panic_on_edits_of_the_spellings_they_rewrite() {
        let seeds = [
            "SET @x := 1",
            "LOCK TABLE t WRITE",
            "UPDATE t, u SET t.b = u.b",
            "DELETE LOW_PRIORITY QUICK IGNORE FROM t",
            "SELECT a FROM t LOCK IN SHARE MODE",
            "SELECT a MOD 2 FROM t",
            "CREATE TABLE x (a char(36) BINARY)",
            "CREATE TABLE x (a int) PARTITION BY HASH (a)",
            "ALTER TABLE t WAIT 5 ADD COLUMN e int",
            "SET STATEMENT lock_wait_timeout = 5 FOR ALTER TABLE t ADD COLUMN e int",
            "ALTER ONLINE TABLE t ADD INDEX i (b)",
            "OPTIMIZE TABLE t",
            "ALTER TABLE t ADD (e int, f int), ORDER BY a, b",
            "SELECT a FROM t WHERE a NOT GLOB 'é'",
            "WITH c AS NOT MATERIALIZED (SELECT 1) SELECT 1",
            "INSERT INTO t AS x (a) VALUES (1)",
            "CREATE TABLE x (a int UNIQUE ON CONFLICT REPLACE)",
            "CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN SELECT 1; END",
            "REINDEX t",
            "CREATE VIRTUAL TABLE f USING fts5(a)",
        ];
        let inserts = [
            "", "é", "\n", "'", "(", ")", ",", " WAIT 1", " NOWAIT", "--", "`", ";", ":=", "AS",
        ];
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for cut in 0..=chars.len() {
                for insert in inserts {
                    let text: String = chars[..cut]
                        .iter()
                        .chain(insert.chars().collect::<Vec<_>>().iter())
                        .chain(&chars[cut..])
                        .collect();
                    let source = SourceFile::new("m.sql", text.as_str());
                    for (span, problems) in [
                        {
                            let parsed = parse_mysql(&source);
                            (
                                parsed.statements.iter().map(|s| s.span).collect::<Vec<_>>(),
                                parsed.problems,
                            )
                        },
                        {
                            let parsed = parse_sqlite(&source);
                            (
                                parsed.statements.iter().map(|s| s.span).collect::<Vec<_>>(),
                                parsed.problems,
                            )
                        },
                    ] {
                        for s in span.iter().chain(problems.iter().map(|p| &p.span)) {
                            assert!(s.end <= text.len() && text.is_char_boundary(s.start), "{text:?}");
                        }
                    }
                }
            }
        }
    }
}
