//! MySQL and MariaDB files become statements with exact spans, parsed by
//! `sqlparser`'s MySQL dialect, and located problems for what the server
//! would reject.

use sqlparser::ast::Statement as Ast;

use super::{Comment, ParseProblem};
use crate::input::source::{SourceFile, Span};

/// One statement of a MySQL file.
#[derive(Debug, Clone)]
pub(crate) struct MysqlStatement {
    /// From the first token to the last, without the delimiter.
    pub span: Span,
    pub kind: MysqlKind,
}

#[derive(Debug, Clone)]
pub(crate) enum MysqlKind {
    /// A statement as sqlparser reads it.
    Ast(Box<Ast>),
    /// A stored program (`CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT`) whose
    /// body sqlparser cannot read but the server accepts: kept whole, not
    /// a syntax error. `object` is `procedure`, `function`, `trigger` or
    /// `event`; `table` the table of a trigger.
    Routine {
        object: &'static str,
        name: String,
        table: Option<String>,
    },
}

/// A parsed MySQL file.
#[derive(Debug, Default)]
pub(crate) struct MysqlFile {
    pub statements: Vec<MysqlStatement>,
    pub problems: Vec<ParseProblem>,
    /// `--`, `#` and `/* */` comments (not `/*! */` versioned comments,
    /// whose text is code), for `miglint: ignore` directives.
    pub comments: Vec<Comment>,
    /// False when the file is empty or holds only comments and whitespace.
    pub has_code: bool,
}

// TEMPORARY stand-in until the real splitter lands: splits at `;` outside
// quotes, no DELIMITER, no comments.
pub(crate) fn parse_mysql(source: &SourceFile) -> MysqlFile {
    use sqlparser::dialect::MySqlDialect;
    use sqlparser::parser::Parser;
    let text: &str = &source.text;
    let mut file = MysqlFile::default();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut pieces = Vec::new();
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' || c == '`' => quote = Some(c),
            None if c == ';' => {
                pieces.push((start, i));
                start = i + 1;
            }
            None => {}
        }
    }
    pieces.push((start, text.len()));
    for (start, end) in pieces {
        let piece = &text[start..end];
        let code: String = piece
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        if code.trim().is_empty() {
            continue;
        }
        let lead = piece.len() - piece.trim_start().len();
        let span = Span::new(start + lead, start + piece.trim_end().len());
        file.has_code = true;
        match Parser::parse_sql(&MySqlDialect {}, &text[span.start..span.end]) {
            Ok(mut statements) if statements.len() == 1 => file.statements.push(MysqlStatement {
                span,
                kind: MysqlKind::Ast(Box::new(statements.remove(0))),
            }),
            Ok(_) => {}
            Err(error) => file.problems.push(ParseProblem {
                span,
                message: error.to_string(),
                kind: super::ProblemKind::Syntax,
            }),
        }
    }
    file
}
