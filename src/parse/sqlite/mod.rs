//! SQLite files become statements with exact spans, parsed by `sqlparser`'s
//! SQLite dialect, and located problems for what SQLite would reject.
//!
//! The file is split at its top-level `;` by sqlparser's own tokenizer (so
//! strings, quoted names and comments never split it), keeping a trigger's
//! `BEGIN ... END` body whole; each piece is then parsed on its own, so one
//! bad statement never hides the rest. `PRAGMA` is read here: its grammar is
//! small and sqlparser rejects the usual `PRAGMA foreign_keys = OFF`.

use sqlparser::ast::{AlterTable, AlterTableOperation, RenameTableNameKind, Statement as Ast};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

mod spelling;

use super::sqlparser_text::{parser_error, syntax_problem, LineStarts};
use super::{Comment, ParseProblem, ProblemKind};
use crate::input::source::{SourceFile, Span};

/// One statement of a SQLite file.
#[derive(Debug, Clone)]
pub(crate) struct SqliteStatement {
    /// From the first token to the last, without the trailing `;`.
    pub span: Span,
    pub kind: SqliteKind,
}

#[derive(Debug, Clone)]
pub(crate) enum SqliteKind {
    /// `PRAGMA [schema.]name [= value | (value)]`, name and value lowercased
    /// (a value is a name, a number or a string, unquoted).
    Pragma { name: String, value: Option<String> },
    /// Every other statement, as sqlparser reads it.
    Ast(Box<Ast>),
}

/// A parsed SQLite file.
#[derive(Debug, Default)]
pub(crate) struct SqliteFile {
    pub statements: Vec<SqliteStatement>,
    pub problems: Vec<ParseProblem>,
    /// `--` and `/* */` comments, for `miglint: ignore` directives.
    pub comments: Vec<Comment>,
    /// False when the file is empty or holds only comments and whitespace.
    pub has_code: bool,
}

pub(crate) fn parse_sqlite(source: &SourceFile) -> SqliteFile {
    let text: &str = &source.text;
    let offsets = LineStarts::new(text);
    let tokens = match Tokenizer::new(&SQLiteDialect {}, text).tokenize_with_location() {
        Ok(tokens) => tokens,
        Err(error) => {
            // An unterminated string or comment: everything from the first
            // statement on is one problem, located where the tokenizer stopped.
            let at = offsets.offset(text, error.location.line, error.location.column);
            let start = text.len() - text.trim_start().len();
            let span = Span::new(start.min(at), text.trim_end().len().max(at));
            return SqliteFile {
                statements: Vec::new(),
                problems: vec![problem(text, span, at, &error.message)],
                comments: Vec::new(),
                has_code: !text.trim().is_empty(),
            };
        }
    };
    let mut file = SqliteFile {
        comments: comments(text, &offsets, &tokens),
        ..SqliteFile::default()
    };
    for piece in split_statements(&tokens) {
        let first = &tokens[piece.start];
        let last = &tokens[piece.end - 1];
        let start = offsets.offset(text, first.span.start.line, first.span.start.column);
        let end = offsets.offset(text, last.span.end.line, last.span.end.column);
        let span = Span::new(start, end.max(start));
        file.has_code = true;
        let sql = &text[span.start..span.end];
        match statement_kind(sql, &tokens[piece.clone()]) {
            Ok(kind) => file.statements.push(SqliteStatement { span, kind }),
            Err(_) if let Some(what) = spelling::known_form(sql) => file.problems.push(ParseProblem {
                kind: ProblemKind::Unsupported,
                span,
                message: format!(
                    "SQLite accepts this statement, but miglint cannot read {what}; miglint does not check it"
                ),
            }),
            Err((message, at)) => {
                let at = at.map_or(span.start, |(line, column)| {
                    // The piece's line 1 is the statement's first line.
                    let base_line = first.span.start.line;
                    let column = if line == 1 {
                        column + first.span.start.column - 1
                    } else {
                        column
                    };
                    offsets.offset(text, base_line + line - 1, column)
                });
                file.problems.push(problem(text, span, at, &message));
            }
        }
    }
    file
}

/// The file's comments: each span without a line comment's line break, its
/// body without the markers.
fn comments(text: &str, offsets: &LineStarts, tokens: &[TokenWithSpan]) -> Vec<Comment> {
    tokens
        .iter()
        .filter_map(|token| {
            let (open, close) = match &token.token {
                Token::Whitespace(Whitespace::SingleLineComment { prefix, .. }) => (prefix.len(), 0),
                Token::Whitespace(Whitespace::MultiLineComment(_)) => (2, 2),
                _ => return None,
            };
            let start = offsets.offset(text, token.span.start.line, token.span.start.column);
            let end = offsets.offset(text, token.span.end.line, token.span.end.column);
            let end = start + text[start..end.max(start)].trim_end_matches(['\r', '\n']).len();
            let body = Span::new(
                (start + open).min(end),
                end.saturating_sub(close).max(start + open).min(end),
            );
            Some(Comment {
                span: Span::new(start, end),
                body,
            })
        })
        .collect()
}

/// A statement's kind, or sqlparser's message with the 1-based line and
/// column it names (in the statement's own text).
fn statement_kind(sql: &str, tokens: &[TokenWithSpan]) -> Result<SqliteKind, (String, Option<(u64, u64)>)> {
    if let Some(pragma) = pragma(tokens) {
        return pragma.ok_or_else(|| ("PRAGMA expects a name and an optional = value".to_string(), None));
    }
    let statement = match parse_one(sql) {
        Ok(statement) => statement,
        // Respelled words are blanked or padded, so an error in the
        // respelled statement is located in the statement as written.
        Err(error) => match spelling::respelled(sql) {
            Some(text) => parse_one(&text)?,
            None => return Err(error),
        },
    };
    if let Ast::AlterTable(alter) = &statement {
        if let Some(form) = foreign_alter_table(alter) {
            return Err((
                format!("{form} is not a form of SQLite's ALTER TABLE"),
                alter_operation_at(tokens),
            ));
        }
    }
    Ok(SqliteKind::Ast(Box::new(statement)))
}

/// One statement, the whole of `sql`.
fn parse_one(sql: &str) -> Result<Ast, (String, Option<(u64, u64)>)> {
    let mut parser = Parser::new(&SQLiteDialect {})
        .try_with_sql(sql)
        .map_err(|e| parser_error(&e.to_string()))?;
    let statement = parser.parse_statement().map_err(|e| parser_error(&e.to_string()))?;
    // One statement per piece: anything after it is the split's mistake
    // or text SQLite would reject.
    if parser.peek_token().token != Token::EOF {
        return Err(parser_error("unexpected text after the statement"));
    }
    Ok(statement)
}

/// What sqlparser reads in an `ALTER TABLE` that SQLite's own grammar has
/// no form for (sqlparser's SQLite dialect takes other databases' forms,
/// such as MySQL's `DROP INDEX`): None when SQLite reads it too. SQLite has
/// `ALTER TABLE [schema.]table` and one of `RENAME TO name`, `RENAME [COLUMN]
/// a TO b`, `ADD [COLUMN] column-def` and `DROP [COLUMN] name`.
fn foreign_alter_table(alter: &AlterTable) -> Option<&'static str> {
    if alter.if_exists {
        return Some("IF EXISTS");
    }
    if alter.only {
        return Some("ONLY");
    }
    if alter.on_cluster.is_some() || alter.location.is_some() || alter.table_type.is_some() {
        return Some("this clause");
    }
    let [operation] = alter.operations.as_slice() else {
        return Some("a list of changes");
    };
    match operation {
        // MySQL's FIRST / AFTER x never get here: sqlparser's SQLite dialect
        // stops at them (SQLite reads them as part of the type name).
        AlterTableOperation::AddColumn { if_not_exists, .. } => if_not_exists.then_some("ADD COLUMN IF NOT EXISTS"),
        AlterTableOperation::DropColumn {
            column_names,
            if_exists,
            drop_behavior,
            ..
        } => {
            if *if_exists {
                Some("DROP COLUMN IF EXISTS")
            } else if drop_behavior.is_some() {
                Some("CASCADE or RESTRICT")
            } else if column_names.len() != 1 {
                Some("DROP COLUMN of several columns")
            } else {
                None
            }
        }
        AlterTableOperation::RenameColumn { .. } => None,
        AlterTableOperation::RenameTable {
            table_name: RenameTableNameKind::To(_),
        } => None,
        AlterTableOperation::RenameTable { .. } => Some("RENAME AS"),
        _ => Some("this change"),
    }
}

/// The 1-based line and column, in the statement, of what follows
/// `ALTER TABLE [schema.]name`: where SQLite stops reading.
fn alter_operation_at(tokens: &[TokenWithSpan]) -> Option<(u64, u64)> {
    let base = tokens.first()?.span.start;
    let mut code = tokens.iter().filter(|t| !matches!(t.token, Token::Whitespace(_)));
    // ALTER TABLE name
    code.nth(2)?;
    let mut next = code.next()?;
    // [IF EXISTS | ONLY] are what SQLite stops at: only `.name` is skipped.
    if next.token == Token::Period {
        code.next()?;
        next = code.next()?;
    }
    let at = next.span.start;
    // Relative to the statement, whose first line is 1.
    let line = at.line - base.line + 1;
    let column = if at.line == base.line {
        at.column - base.column + 1
    } else {
        at.column
    };
    Some((line, column))
}

/// `PRAGMA` statements, read by hand: `None` when the piece is not one,
/// `Some(None)` when it is malformed.
fn pragma(tokens: &[TokenWithSpan]) -> Option<Option<SqliteKind>> {
    let mut words = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)));
    match words.next() {
        Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("pragma") => {}
        _ => return None,
    }
    let rest: Vec<&Token> = words.collect();
    let name_text = |t: &Token| match t {
        Token::Word(w) => Some(w.value.to_ascii_lowercase()),
        _ => None,
    };
    let mut at = 0;
    let mut name = rest.first().and_then(|t| name_text(t));
    // `schema.name`
    if matches!(rest.get(1), Some(Token::Period)) {
        name = rest.get(2).and_then(|t| name_text(t));
        at = 2;
    }
    let Some(name) = name else { return Some(None) };
    let value_text = |t: &Token| match t {
        Token::Word(w) => Some(w.value.to_ascii_lowercase()),
        Token::Number(n, _) => Some(n.clone()),
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s.to_ascii_lowercase()),
        _ => None,
    };
    let value = match (rest.get(at + 1), rest.get(at + 2), rest.get(at + 3)) {
        (None, _, _) => None,
        (Some(Token::Eq), Some(Token::Minus), Some(Token::Number(n, _))) => Some(format!("-{n}")),
        (Some(Token::Eq), Some(value), _) => match value_text(value) {
            Some(v) => Some(v),
            None => return Some(None),
        },
        (Some(Token::LParen), Some(value), Some(Token::RParen)) => match value_text(value) {
            Some(v) => Some(v),
            None => return Some(None),
        },
        _ => return Some(None),
    };
    Some(Some(SqliteKind::Pragma { name, value }))
}

fn problem(text: &str, span: Span, at: usize, message: &str) -> ParseProblem {
    let mut problem = syntax_problem("SQLite", text, span, at, message);
    // sqlparser names other databases' ALTER TABLE forms; SQLite has four.
    let statement = text[span.start..span.end].trim_start();
    let words: Vec<&str> = statement.split_whitespace().take(2).collect();
    if words.len() == 2 && words[0].eq_ignore_ascii_case("alter") && words[1].eq_ignore_ascii_case("table") {
        problem.message.push_str(
            "; SQLite's ALTER TABLE can only RENAME TO, RENAME COLUMN, ADD COLUMN and DROP COLUMN: \
             any other change rebuilds the table",
        );
    }
    problem
}

/// The token ranges of the file's statements: split at top-level `;`,
/// blank pieces dropped, a trigger's `BEGIN ... END` kept whole.
fn split_statements(tokens: &[TokenWithSpan]) -> Vec<std::ops::Range<usize>> {
    let mut pieces = Vec::new();
    let mut start: Option<usize> = None;
    let mut words_seen = 0;
    let mut is_trigger = false;
    let mut in_body = false;
    let mut case_depth = 0usize;
    let mut last_code = 0;
    for (i, token) in tokens.iter().enumerate() {
        match &token.token {
            Token::Whitespace(Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_)) => {}
            Token::Whitespace(_) | Token::EOF => {}
            Token::SemiColon if !in_body => {
                if let Some(s) = start.take() {
                    pieces.push(s..last_code + 1);
                }
                words_seen = 0;
                is_trigger = false;
                case_depth = 0;
            }
            token => {
                start.get_or_insert(i);
                last_code = i;
                if let Token::Word(w) = token {
                    let word = w.value.to_ascii_uppercase();
                    words_seen += 1;
                    // CREATE [TEMP | TEMPORARY] TRIGGER
                    if words_seen <= 3 && word == "TRIGGER" {
                        is_trigger = true;
                    }
                    if is_trigger && w.quote_style.is_none() {
                        match word.as_str() {
                            "BEGIN" if !in_body => in_body = true,
                            "CASE" if in_body => case_depth += 1,
                            "END" if in_body && case_depth > 0 => case_depth -= 1,
                            "END" if in_body => in_body = false,
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    if let Some(s) = start {
        pieces.push(s..last_code + 1);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> (SourceFile, SqliteFile) {
        let source = SourceFile::new("m.sql", sql);
        let parsed = parse_sqlite(&source);
        (source, parsed)
    }

    fn texts<'a>(source: &'a SourceFile, parsed: &SqliteFile) -> Vec<&'a str> {
        parsed.statements.iter().map(|s| source.slice(s.span)).collect()
    }

    #[test]
    fn statements_are_split_at_top_level_semicolons_with_exact_spans() {
        let (source, parsed) = parse("-- c;\nCREATE TABLE a (x text DEFAULT ';');\n\n  DROP TABLE b ;\nSELECT 1");
        assert_eq!(
            texts(&source, &parsed),
            ["CREATE TABLE a (x text DEFAULT ';')", "DROP TABLE b", "SELECT 1"]
        );
        assert!(parsed.problems.is_empty());
    }

    #[test]
    fn a_trigger_body_is_one_statement() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = CASE WHEN 1 THEN 2 END;\n  DELETE FROM b;\nEND;\nSELECT 2;";
        let (source, parsed) = parse(sql);
        let texts = texts(&source, &parsed);
        assert_eq!(texts.len(), 2, "{texts:?} {:?}", parsed.problems);
        assert!(texts[0].ends_with("END"));
    }

    #[test]
    fn pragmas_are_read_whatever_their_value() {
        let (_, parsed) = parse("PRAGMA foreign_keys = OFF;\nPRAGMA main.legacy_alter_table=ON;\nPRAGMA foreign_key_check;\nPRAGMA user_version = -3;");
        let pragmas: Vec<(String, Option<String>)> = parsed
            .statements
            .iter()
            .map(|s| match &s.kind {
                SqliteKind::Pragma { name, value } => (name.clone(), value.clone()),
                other => panic!("not a pragma: {other:?}"),
            })
            .collect();
        assert_eq!(
            pragmas,
            [
                ("foreign_keys".into(), Some("off".into())),
                ("legacy_alter_table".into(), Some("on".into())),
                ("foreign_key_check".into(), None),
                ("user_version".into(), Some("-3".into())),
            ]
        );
    }

    #[test]
    fn a_bad_statement_is_a_located_problem_and_the_rest_still_parse() {
        let sql = "CREATE TABLE a (x int);\nALTER TABLE a ALTER COLUMN x TO y int;\nDROP TABLE a;";
        let (source, parsed) = parse(sql);
        assert_eq!(texts(&source, &parsed), ["CREATE TABLE a (x int)", "DROP TABLE a"]);
        assert_eq!(parsed.problems.len(), 1);
        let problem = &parsed.problems[0];
        assert_eq!(source.slice(problem.span), "ALTER TABLE a ALTER COLUMN x TO y int");
        assert!(problem.message.contains("near `TO y int`"), "{}", problem.message);
    }

    #[test]
    fn an_unterminated_string_is_one_problem() {
        let (_, parsed) = parse("SELECT 1;\nSELECT 'x;\n");
        assert!(parsed.statements.is_empty());
        assert_eq!(parsed.problems.len(), 1);
        assert!(parsed.has_code);
    }

    #[test]
    fn comments_are_found_with_their_bodies() {
        let (source, parsed) = parse("-- miglint: ignore x\r\nSELECT 1; /* b */\n");
        let bodies: Vec<&str> = parsed.comments.iter().map(|c| source.slice(c.body)).collect();
        assert_eq!(bodies, [" miglint: ignore x", " b "]);
        assert_eq!(source.slice(parsed.comments[0].span), "-- miglint: ignore x");
    }

    #[test]
    fn comments_only_is_no_code() {
        let (_, parsed) = parse("-- nothing\n/* here */\n");
        assert!(!parsed.has_code);
        assert!(parsed.statements.is_empty() && parsed.problems.is_empty());
    }

    /// Whether SQLite's own parser takes `sql`, against a table `t (a, b, c)`.
    fn sqlite_parses(sql: &str) -> bool {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a int, b int, c int)").unwrap();
        let prepared = conn.prepare(sql).map(drop);
        match prepared {
            Ok(()) => true,
            Err(e) => {
                let message = e.to_string();
                assert!(
                    ["syntax error", "incomplete input", "unrecognized token"]
                        .iter()
                        .any(|m| message.contains(m)),
                    "{sql}: not a syntax error: {message}"
                );
                false
            }
        }
    }

    #[test]
    fn alter_table_is_read_as_sqlite_reads_it() {
        let cases = [
            ("ALTER TABLE t RENAME TO u", true),
            ("ALTER TABLE main.t RENAME TO u", true),
            ("ALTER TABLE t RENAME COLUMN a TO z", true),
            ("ALTER TABLE t RENAME a TO z", true),
            ("ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0", true),
            ("ALTER TABLE t ADD d text", true),
            ("ALTER TABLE t DROP COLUMN a", true),
            ("ALTER TABLE t DROP a", true),
            ("ALTER TABLE t ADD COLUMN d", true),
            ("ALTER TABLE t ADD key int", true),
            ("ALTER TABLE t ADD unique_id int", true),
            // Other databases' forms, which sqlparser's SQLite dialect takes.
            ("ALTER TABLE t DROP INDEX a_idx", false),
            ("ALTER TABLE t ADD COLUMN IF NOT EXISTS d int", false),
            ("ALTER TABLE IF EXISTS t ADD COLUMN d int", false),
            ("ALTER TABLE t DROP COLUMN IF EXISTS a", false),
            ("ALTER TABLE t DROP COLUMN a CASCADE", false),
            ("ALTER TABLE t ADD COLUMN d int, ADD COLUMN e int", false),
            ("ALTER TABLE t RENAME AS u", false),
            ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", false),
            ("ALTER TABLE t DROP CONSTRAINT c", false),
            ("ALTER TABLE t ADD UNIQUE (a)", false),
            ("ALTER TABLE t ADD PRIMARY KEY (a)", false),
            ("ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES t (a)", false),
            ("ALTER TABLE t DROP PRIMARY KEY", false),
            ("ALTER TABLE t DROP FOREIGN KEY f", false),
            ("ALTER TABLE t RENAME COLUMN a TO y, RENAME COLUMN b TO z", false),
            ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", false),
            ("ALTER TABLE t MODIFY COLUMN a text", false),
        ];
        for (sql, parses) in cases {
            assert_eq!(sqlite_parses(sql), parses, "SQLite itself on {sql}");
            let (_, parsed) = parse(sql);
            assert_eq!(parsed.problems.is_empty(), parses, "{sql}: {:?}", parsed.problems);
            assert_eq!(parsed.statements.len(), usize::from(parses), "{sql}");
        }
    }

    #[test]
    fn a_foreign_alter_table_form_is_located_where_sqlite_stops() {
        let sql = "SELECT 1;\n  alter table main.scripts\n    drop index name_uniq_idx;";
        let (source, parsed) = parse(sql);
        assert_eq!(texts(&source, &parsed), ["SELECT 1"]);
        let [problem] = parsed.problems.as_slice() else {
            panic!("{:?}", parsed.problems)
        };
        assert_eq!(
            source.slice(problem.span),
            "alter table main.scripts\n    drop index name_uniq_idx"
        );
        assert!(
            problem.message.starts_with(
                "SQLite cannot parse this statement: this change is not a form of SQLite's ALTER TABLE \
                 (near `drop index name_uniq_idx`); SQLite's ALTER TABLE can only"
            ),
            "{}",
            problem.message
        );
        let (_, parsed) = parse("ALTER TABLE t DROP COLUMN IF EXISTS a");
        assert!(
            parsed.problems[0].message.contains(
                "DROP COLUMN IF EXISTS is not a form of SQLite's ALTER TABLE (near `DROP COLUMN IF EXISTS a`)"
            ),
            "{}",
            parsed.problems[0].message
        );
    }

    #[test]
    fn a_trigger_may_say_if_not_exists() {
        let sql = "CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN\n  DELETE FROM t WHERE a = 0;\nEND;\n\
                   CREATE TEMP TRIGGER if  /* c */ not exists tr2 BEFORE DELETE ON t BEGIN SELECT 1; END;\n\
                   CREATE TRIGGER IF NOT EXISTS tr3 AFTER INSERT ON t BEGIN SELECT (; END;";
        let (source, parsed) = parse(sql);
        let texts = texts(&source, &parsed);
        assert_eq!(texts.len(), 2, "{texts:?} {:?}", parsed.problems);
        for statement in &parsed.statements {
            assert!(matches!(&statement.kind, SqliteKind::Ast(ast) if matches!(**ast, Ast::CreateTrigger(_))));
        }
        // A mistake after it is still found, and located in the file.
        let [problem] = parsed.problems.as_slice() else {
            panic!("{:?}", parsed.problems)
        };
        assert!(source
            .slice(problem.span)
            .starts_with("CREATE TRIGGER IF NOT EXISTS tr3"));
        assert!(problem.message.contains("(near `; END`)"), "{}", problem.message);
        for statement in source.text.split_inclusive("END;") {
            let parses = sqlite_parses(statement);
            assert_eq!(parses, !statement.contains("tr3"), "SQLite itself on {statement}");
        }
    }
}
