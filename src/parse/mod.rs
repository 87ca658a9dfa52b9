//! A file's text becomes statements (each with its exact span and PostgreSQL
//! parse tree), comments, and located problems for what could not be parsed.
//!
//! Outside tests, this is the only code that calls the parser crates (parse,
//! scan, the C library), and `ast` is the home of the accessors over their
//! parse tree. Other layers read pg_query's node types and ask these.

pub(crate) mod ast;
pub(crate) mod embedded;
mod ffi;
pub(crate) mod lexer;
pub(crate) mod mysql;
pub(crate) mod sqlite;
mod sqlparser_text;
pub(crate) mod template;
pub(crate) mod tokens;

use std::sync::Arc;

use pg_query::NodeEnum;

use crate::input::source::{excerpt, SourceFile, Span};
use crate::settings::Placeholders;
use embedded::Body;
use lexer::Lexed;
use template::{Found, OffsetMap};

pub(crate) use lexer::Comment;

/// One parsed SQL statement.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    /// From the first token to the last, without the trailing `;`.
    pub span: Span,
    pub node: NodeEnum,
    /// File offset that the parse tree's `location` fields count from.
    base: usize,
}

impl Statement {
    /// The file offset of a parse-tree `location` (-1 means unknown).
    pub(crate) fn offset_of(&self, location: i32) -> Option<usize> {
        usize::try_from(location).ok().map(|l| self.base + l)
    }

    /// The same statement in a text where its own text starts `by` bytes
    /// further on.
    pub(crate) fn shifted(&self, by: usize) -> Statement {
        Statement {
            span: self.span.offset_by(by),
            node: self.node.clone(),
            base: self.base + by,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProblemKind {
    /// PostgreSQL itself rejects the text.
    Syntax,
    /// Valid for another layer (psql, a template engine) but not SQL.
    Unsupported,
}

/// Text that could not be turned into a statement.
#[derive(Debug, Clone)]
pub(crate) struct ParseProblem {
    pub kind: ProblemKind,
    pub span: Span,
    pub message: String,
}

/// A parsed file. With template placeholders, its statements (and their
/// bodies) are spans of the substituted text (`substituted`), and
/// `file_span` takes them back to the file; problems and comments are
/// always spans of the file as written.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub statements: Vec<Statement>,
    pub problems: Vec<ParseProblem>,
    pub comments: Vec<Comment>,
    /// False when the file is empty or holds only comments and whitespace.
    pub has_code: bool,
    /// The bodies of `DO` blocks and routines, by statement index, in order.
    pub bodies: Vec<(usize, Arc<Body>)>,
    /// The file's text with its template placeholders replaced, when it
    /// has any: the text the statements' spans are in.
    pub substituted: Option<SourceFile>,
    /// From the substituted text to the file.
    pub map: OffsetMap,
    /// The file's template placeholders, in order.
    pub placeholders: Vec<Found>,
}

impl ParsedFile {
    /// The text the statements' spans are in: the substituted text, or
    /// the file itself.
    pub(crate) fn text<'a>(&'a self, file: &'a SourceFile) -> &'a SourceFile {
        self.substituted.as_ref().unwrap_or(file)
    }

    /// The span of the file as written that a span of `text` stands for.
    pub(crate) fn file_span(&self, span: Span) -> Span {
        self.map.original(span)
    }

    /// Where an offset of the file as written is in `text`.
    pub(crate) fn text_offset(&self, offset: usize) -> usize {
        self.map.substituted(offset)
    }

    /// The body the statement at `index` holds: a `DO` block's, or a
    /// routine's.
    pub(crate) fn body(&self, index: usize) -> Option<&Arc<Body>> {
        let at = self.bodies.binary_search_by_key(&index, |(i, _)| *i).ok()?;
        Some(&self.bodies[at].1)
    }
}

/// Parses a whole file, with stand-ins for its template placeholders.
pub(crate) fn parse_file(source: &SourceFile) -> ParsedFile {
    parse_file_with(source, &Placeholders::default())
}

/// Parses a whole file. Never fails: what does not parse becomes a problem,
/// and the statements around it are still returned. Template placeholders
/// are replaced by their values in `placeholders`, or stand-ins, first.
pub(crate) fn parse_file_with(source: &SourceFile, placeholders: &Placeholders) -> ParsedFile {
    let text: &str = &source.text;
    let lexed = lexer::lex_with(text, &placeholders.patterns);
    let mut problems = Vec::new();

    for &span in &lexed.meta_commands {
        problems.push(ParseProblem {
            kind: ProblemKind::Unsupported,
            span,
            message: format!(
                "psql meta-command `{}` is not SQL; miglint skips it",
                excerpt(first_word(&text[span.start..span.end]), 40)
            ),
        });
    }
    if let Some(start) = lexed.unterminated_comment {
        problems.push(ParseProblem {
            kind: ProblemKind::Syntax,
            span: Span::new(start, start + 2),
            message:
                "unterminated /* comment: PostgreSQL rejects the text from here to the end of the file (comments nest, \
                      each /* needs its */)"
                    .to_string(),
        });
    }
    let bom = text
        .starts_with(lexer::BOM)
        .then(|| Span::new(0, lexer::BOM.len_utf8()));
    let mut blanked: Vec<Span> = bom
        .into_iter()
        .chain(lexed.meta_commands.iter().copied())
        .chain(lexed.copy_data.iter().copied())
        .collect();
    blanked.sort();
    let sql = blank_out(text, &blanked);

    if lexed.placeholders.is_empty() {
        let (statements, bodies) = statements_and_bodies(&sql, &lexed, source, &mut problems);
        problems.sort_by_key(|p| p.span);
        return ParsedFile {
            statements,
            problems,
            has_code: lexed.has_code(),
            comments: lexed.comments,
            bodies,
            substituted: None,
            map: OffsetMap::default(),
            placeholders: Vec::new(),
        };
    }
    let substituted = template::substitute(&sql, &lexed, placeholders);
    let sub_source = SourceFile::new(source.path.clone(), substituted.text);
    let sub_lexed = lexer::lex_with(&sub_source.text, &placeholders.patterns);
    let mut found = Vec::new();
    let (statements, bodies) = statements_and_bodies(&sub_source.text, &sub_lexed, &sub_source, &mut found);
    let map = substituted.map;
    problems.extend(found.into_iter().map(|mut p| {
        p.span = map.original(p.span);
        p
    }));
    problems.sort_by_key(|p| p.span);
    ParsedFile {
        statements,
        problems,
        has_code: lexed.has_code(),
        comments: lexed.comments,
        bodies,
        substituted: Some(sub_source),
        map,
        placeholders: substituted.found,
    }
}

/// The largest statement miglint reads into a parse tree. The tree of a
/// statement takes several hundred times its text (pg_query decodes each
/// node into a large enum, each list into a vector with room for four): a
/// 5 MB `INSERT ... VALUES` took over 4 GB. A larger statement (only data
/// loads are this large) is checked for syntax by PostgreSQL's parser
/// without building the tree, and reported as not judged.
const MAX_TREE_STATEMENT: usize = 1024 * 1024;

/// True when a statement of `sql` (split at its top-level semicolons) is
/// larger than `MAX_TREE_STATEMENT`.
fn has_huge_statement(sql: &str, lexed: &Lexed) -> bool {
    let mut start = 0;
    lexed.semicolons.iter().copied().chain([sql.len()]).any(|end| {
        let huge = end.saturating_sub(start) > MAX_TREE_STATEMENT;
        start = end + 1;
        huge
    })
}

/// The statements of `sql` (the text of `source`, with what is not SQL
/// blanked) and the bodies they hold.
fn statements_and_bodies(
    sql: &str,
    lexed: &Lexed,
    source: &SourceFile,
    problems: &mut Vec<ParseProblem>,
) -> (Vec<Statement>, Vec<(usize, Arc<Body>)>) {
    let statements = if lexed.placeholders.is_empty() && !has_huge_statement(sql, lexed) {
        match pg_query::parse(sql, 0) {
            Ok(parsed) => whole_file_statements(lexed, parsed, sql.len()),
            Err(_) => statement_by_statement(sql, lexed, problems, source),
        }
    } else {
        statement_by_statement(sql, lexed, problems, source)
    };
    let bodies = embedded::file_bodies(&statements, source, problems);
    (statements, bodies)
}

/// The parse tree of the first statement of `sql`: text miglint writes
/// itself, such as a recipe's statement. None when it does not parse or holds
/// no statement.
pub(crate) fn parse_statement(sql: &str) -> Option<NodeEnum> {
    let parsed = pg_query::parse(sql, 0).ok()?;
    parsed.protobuf.stmts.into_iter().next()?.stmt?.node
}

fn whole_file_statements(lexed: &Lexed, parsed: pg_query::ParseResult, len: usize) -> Vec<Statement> {
    parsed
        .protobuf
        .stmts
        .into_iter()
        .filter_map(|raw| {
            let start = usize::try_from(raw.stmt_location).ok()?;
            let end = match usize::try_from(raw.stmt_len).ok()? {
                0 => len,
                n => start + n,
            };
            Some(Statement {
                span: trim_to_code(lexed, Span::new(start, end))?,
                node: raw.stmt?.node?,
                base: 0,
            })
        })
        .collect()
}

/// When the whole file does not parse, split it at top-level semicolons and
/// parse each piece, so one bad statement hides nothing else.
fn statement_by_statement(
    sql: &str,
    lexed: &Lexed,
    problems: &mut Vec<ParseProblem>,
    source: &SourceFile,
) -> Vec<Statement> {
    let mut statements = Vec::new();
    let mut chunk_start = 0;
    let ends = lexed.semicolons.iter().copied().chain([sql.len()]);
    for end in ends {
        let chunk = Span::new(chunk_start, end);
        chunk_start = (end + 1).min(sql.len());
        let Some(span) = trim_to_code(lexed, chunk) else {
            continue;
        };
        let first = lexed.placeholders.partition_point(|p| p.span.end <= span.start);
        let placeholders: Vec<Span> = lexed.placeholders[first..]
            .iter()
            .take_while(|p| p.span.start < span.end)
            .map(|p| p.span)
            .filter(|p| span.contains(*p))
            .collect();
        if !placeholders.is_empty() {
            problems.extend(placeholders.into_iter().map(|p| ParseProblem {
                kind: ProblemKind::Unsupported,
                span: p,
                message: format!(
                    "template placeholder `{}` is not SQL, and the statement does not parse with a stand-in for it; miglint cannot check this statement",
                    excerpt(&sql[p.start..p.end], 40)
                ),
            }));
            continue;
        }
        let text = &sql[span.start..span.end];
        if text.len() > MAX_TREE_STATEMENT {
            problems.push(match pg_query::split_with_parser(text) {
                Ok(_) => ParseProblem {
                    kind: ProblemKind::Unsupported,
                    span: word_at(&source.text, span.start, span.end),
                    message: format!(
                        "statement of {:.1} MB is larger than miglint reads ({} MB): PostgreSQL accepts its syntax, \
                         but miglint does not judge what it does",
                        text.len() as f64 / (1024.0 * 1024.0),
                        MAX_TREE_STATEMENT / (1024 * 1024)
                    ),
                },
                Err(_) => syntax_problem(text, span, source),
            });
            continue;
        }
        match pg_query::parse(text, 0) {
            Ok(parsed) => statements.extend(parsed.protobuf.stmts.into_iter().filter_map(|raw| {
                Some(Statement {
                    span,
                    node: raw.stmt?.node?,
                    base: span.start,
                })
            })),
            Err(pg_query::Error::Decode(_)) => problems.push(too_deep_problem(span, source)),
            Err(_) => problems.push(syntax_problem(text, span, source)),
        }
    }
    statements
}

/// PostgreSQL accepts the statement, but its parse tree nests deeper than
/// the tree decoder's recursion limit (about 100 levels).
fn too_deep_problem(span: Span, source: &SourceFile) -> ParseProblem {
    ParseProblem {
        kind: ProblemKind::Unsupported,
        span: word_at(&source.text, span.start, span.end),
        message: "statement nests too deeply for miglint to read (PostgreSQL accepts it); miglint skips it".into(),
    }
}

fn syntax_problem(text: &str, span: Span, source: &SourceFile) -> ParseProblem {
    let Some(error) = ffi::parse_error(text) else {
        // The C parser accepts what the crate could not decode.
        return too_deep_problem(span, source);
    };
    let at = match error.cursor {
        Some(cursor) => source.offset_of_char_position(span.start, cursor).min(span.end),
        None => span.start,
    };
    ParseProblem {
        kind: ProblemKind::Syntax,
        span: word_at(&source.text, at, span.end),
        message: shorten_near(&error.message),
    }
}

/// PostgreSQL quotes the text it stopped at (`at or near "..."`); for an
/// unterminated quote that is the rest of the file. Keep its first line, at
/// most 40 characters, with control characters made visible.
fn shorten_near(message: &str) -> String {
    const NEAR: &str = " at or near \"";
    let Some(at) = message.find(NEAR) else {
        return message.to_string();
    };
    let quoted = &message[at + NEAR.len()..];
    let Some(near) = quoted.strip_suffix('"') else {
        return message.to_string();
    };
    let near = near.trim_end();
    let first_line = near.split(['\n', '\r']).next().unwrap_or("");
    let mut shown = excerpt(first_line, 40);
    if first_line.len() < near.len() && !shown.ends_with('…') {
        shown.push('…');
    }
    format!("{}{NEAR}{shown}\"", &message[..at])
}

/// The span of the word (or single character) starting at `at`.
fn word_at(text: &str, at: usize, limit: usize) -> Span {
    let rest = &text[at..limit.max(at)];
    let len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(i, _)| i);
    let len = if len == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        len
    };
    Span::new(at, at + len)
}

/// Narrows a span to the SQL code inside it, dropping surrounding whitespace
/// and comments. None when there is no code.
fn trim_to_code(lexed: &Lexed, span: Span) -> Option<Span> {
    let mut inside = overlapping(&lexed.code, span)
        .iter()
        .map(|c| Span::new(c.start.max(span.start), c.end.min(span.end)));
    let first = inside.next()?;
    let last = inside.next_back().unwrap_or(first);
    let mut end = last.end;
    // A statement's own `;` is not part of it.
    if end > first.start && lexed.semicolons.binary_search(&(end - 1)).is_ok() {
        end -= 1;
    }
    (end > first.start).then(|| Span::new(first.start, end))
}

/// The spans of a sorted, non-overlapping list that overlap `span`, found by
/// binary search: a file's statements each look up their own code runs.
fn overlapping(sorted: &[Span], span: Span) -> &[Span] {
    let first = sorted.partition_point(|c| c.end <= span.start);
    let count = sorted[first..].partition_point(|c| c.start < span.end);
    &sorted[first..first + count]
}

/// Replaces the bytes of `spans` with spaces, keeping every offset valid.
fn blank_out(text: &str, spans: &[Span]) -> String {
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.extend(std::iter::repeat_n(' ', span.len()));
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (SourceFile, ParsedFile) {
        let source = SourceFile::new("t.sql", text);
        let parsed = parse_file(&source);
        (source, parsed)
    }

    #[test]
    fn statement_spans_exclude_comments_and_semicolons() {
        let (source, parsed) = parse("-- lead\nCREATE TABLE t (id int);\n\n/* c */ DROP TABLE t ;\n");
        let texts: Vec<_> = parsed.statements.iter().map(|s| source.slice(s.span)).collect();
        assert_eq!(texts, ["CREATE TABLE t (id int)", "DROP TABLE t"]);
    }

    #[test]
    fn copy_data_is_skipped_without_a_problem() {
        let sql = "COPY public.users (id, note) FROM stdin;\n1\tit's; \\N\n\\.\n\nALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);\n";
        let (source, parsed) = parse(sql);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let texts: Vec<_> = parsed.statements.iter().map(|s| source.slice(s.span)).collect();
        assert_eq!(
            texts,
            [
                "COPY public.users (id, note) FROM stdin",
                "ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id)"
            ]
        );
    }

    #[test]
    fn a_bad_statement_hides_nothing_else() {
        let (source, parsed) = parse("CREATE TABLE a (id int);\nALTER TABEL a ADD b int;\nDROP TABLE a;");
        assert_eq!(parsed.statements.len(), 2);
        assert_eq!(parsed.problems.len(), 1);
        let problem = &parsed.problems[0];
        assert_eq!(problem.kind, ProblemKind::Syntax);
        assert_eq!(source.slice(problem.span), "TABEL");
        assert_eq!(source.position(problem.span.start).line, 2);
        assert_eq!(source.position(problem.span.start).column, 7);
    }

    #[test]
    fn locations_in_fallback_statements_are_absolute() {
        let (source, parsed) = parse("SELEC 1;\nCREATE INDEX i ON tbl (a);");
        let NodeEnum::IndexStmt(index) = &parsed.statements[0].node else {
            panic!()
        };
        let relation = index.relation.as_ref().unwrap();
        let at = parsed.statements[0].offset_of(relation.location).unwrap();
        assert_eq!(&source.text[at..at + 3], "tbl");
    }

    #[test]
    fn meta_commands_and_placeholders_are_unsupported_not_syntax_errors() {
        let (_, parsed) = parse("\\set x 1\nCREATE TABLE t (${cols});\nCREATE TABLE u (id int);");
        let kinds: Vec<_> = parsed.problems.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [ProblemKind::Unsupported, ProblemKind::Unsupported]);
        assert_eq!(parsed.statements.len(), 1);
    }

    #[test]
    fn placeholders_are_replaced_and_spans_map_back_to_the_file() {
        let text = "\\set x 1\nCREATE TABLE \"{{ .Schema }}\".t (id int);\n-- c\nALTER TABLE ${schema}.t ADD b int;\nSELECT 'a' FROM t WHERE x = :v;";
        let (source, parsed) = parse(text);
        assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
        let substituted = parsed.text(&source);
        let texts: Vec<_> = parsed.statements.iter().map(|s| substituted.slice(s.span)).collect();
        assert_eq!(
            texts,
            [
                "CREATE TABLE \"schema\".t (id int)",
                "ALTER TABLE schema.t ADD b int",
                "SELECT 'a' FROM t WHERE x = v"
            ]
        );
        let in_file: Vec<_> = parsed
            .statements
            .iter()
            .map(|s| source.slice(parsed.file_span(s.span)))
            .collect();
        assert_eq!(
            in_file,
            [
                "CREATE TABLE \"{{ .Schema }}\".t (id int)",
                "ALTER TABLE ${schema}.t ADD b int",
                "SELECT 'a' FROM t WHERE x = :v"
            ]
        );
        // Lines of the substituted text are the file's.
        let alter = &parsed.statements[1];
        assert_eq!(substituted.position(alter.span.start).line, 4);
        assert_eq!(parsed.comments.len(), 1);
        assert_eq!(source.slice(parsed.comments[0].span), "-- c");
    }

    #[test]
    fn the_text_quoted_in_an_error_is_one_short_line() {
        assert_eq!(
            shorten_near("syntax error at or near \"TABEL\""),
            "syntax error at or near \"TABEL\""
        );
        assert_eq!(
            shorten_near("unterminated quoted string at or near \"'abc);\n\""),
            "unterminated quoted string at or near \"'abc);\""
        );
        assert_eq!(
            shorten_near("unterminated quoted string at or near \"'abc\r\nmore\nlines\""),
            "unterminated quoted string at or near \"'abc…\""
        );
        let long = format!("syntax error at or near \"{}\"", "é".repeat(50));
        assert_eq!(
            shorten_near(&long),
            format!("syntax error at or near \"{}…\"", "é".repeat(40))
        );
        assert_eq!(
            shorten_near("syntax error at end of input"),
            "syntax error at end of input"
        );
        assert_eq!(
            shorten_near("syntax error at or near \"\x1b\""),
            "syntax error at or near \"\u{241b}\""
        );
    }

    #[test]
    fn valid_sql_nested_deeper_than_the_decoder_reads_is_unsupported_not_a_syntax_error() {
        let deep = format!(
            "SELECT 1;\nSELECT {}1{};\nSELECT 2;",
            "ARRAY[".repeat(300),
            "]".repeat(300)
        );
        let (source, parsed) = parse(&deep);
        assert_eq!(parsed.statements.len(), 2);
        assert_eq!(parsed.problems.len(), 1);
        let problem = &parsed.problems[0];
        assert_eq!(problem.kind, ProblemKind::Unsupported);
        assert_eq!(source.slice(problem.span), "SELECT");
        assert_eq!(source.position(problem.span.start).line, 2);
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped() {
        let (source, parsed) = parse("\u{feff}CREATE TABLE t (id int);\nDROP TABLE t;");
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let texts: Vec<_> = parsed.statements.iter().map(|s| source.slice(s.span)).collect();
        assert_eq!(texts, ["CREATE TABLE t (id int)", "DROP TABLE t"]);
    }

    #[test]
    fn empty_and_comment_only_files_have_no_code() {
        assert!(!parse("").1.has_code);
        assert!(!parse("-- nothing\n/* here */\n").1.has_code);
    }
}
