//! Code that runs inside other statements: the body of a `DO` block and of
//! `CREATE FUNCTION` / `CREATE PROCEDURE` (PL/pgSQL, `LANGUAGE sql`,
//! `BEGIN ATOMIC`), and the SQL an `EXECUTE` in them runs when it is built
//! from constants.
//!
//! Each statement found is parsed like a statement of the file, in a text of
//! its own (the SQL as PostgreSQL runs it, quotes undone) that keeps a
//! `SpanMap` back to the characters of the file it was written with. What
//! runs when is analysis's business: a `DO` block's statements run where it
//! stands, a function's when it is called.

pub(crate) mod dynamic;
pub(crate) mod literal;
mod locate;
mod plpgsql;
mod routine;
pub(crate) mod span_map;

use std::sync::Arc;

use pg_query::NodeEnum;

use super::ffi::PlpgsqlError;
use super::{ParseProblem, ProblemKind, Statement};
use crate::input::source::{excerpt, SourceFile, Span};
use crate::parse::ast::string_value;
use crate::parse::tokens;
use literal::Literal;
pub(crate) use routine::Signature;
pub(crate) use span_map::SpanMap;

/// Bodies inside bodies (`EXECUTE 'DO ...'`, a function created in a `DO`
/// block) are followed this deep.
const MAX_NESTING: usize = 8;

/// What holds a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyKind {
    DoBlock,
    Routine(Signature),
}

/// The body of a `DO` block or of a function or procedure.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub kind: BodyKind,
    /// `plpgsql`, `sql`, or another language (not read).
    pub language: String,
    /// The file the body is written in.
    pub path: Arc<str>,
    /// The body's text in the file: its string constant, or `BEGIN ATOMIC
    /// ... END`.
    pub span: Span,
    /// What it runs, in the order of the text.
    pub steps: Vec<Step>,
    /// Its loops: where each is in the file.
    pub loops: Vec<LoopAt>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LoopAt {
    pub span: Span,
    pub line: usize,
}

/// One thing a body runs.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub kind: StepKind,
    /// Where it is written in the file.
    pub span: Span,
    /// 1-based line of the file.
    pub line: usize,
    /// The loops around it (indexes in `Body::loops`), outermost first.
    pub loops: Vec<usize>,
    /// It runs only when an exception handler caught an error.
    pub in_handler: bool,
    /// A block with an exception handler is around it (a subtransaction,
    /// where `COMMIT` and `ROLLBACK` are refused).
    pub in_protected_block: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum StepKind {
    /// A SQL statement, `PERFORM`, `CALL`, PL/pgSQL's `COMMIT`/`ROLLBACK`
    /// (as a transaction statement), or SQL an `EXECUTE` builds from
    /// constants.
    Statement(Box<Embedded>),
    /// SQL built at run time, or code in a language miglint does not read:
    /// what it runs is not known.
    Unchecked(String),
}

/// A statement inside a body.
#[derive(Debug, Clone)]
pub(crate) struct Embedded {
    /// The SQL PostgreSQL runs.
    pub text: String,
    /// From `text` to the file.
    pub map: SpanMap,
    /// The statement, its span and parse-tree locations counting from the
    /// start of `text`.
    pub statement: Statement,
    /// Built by `EXECUTE` from constants.
    pub dynamic: bool,
    /// The body it holds itself: a `DO` block run by `EXECUTE`, a function
    /// created inside a `DO` block.
    pub body: Option<Arc<Body>>,
}

/// The bodies of a file's statements (by statement index) and the problems
/// found reading them.
pub(crate) fn file_bodies(
    statements: &[Statement],
    source: &SourceFile,
    problems: &mut Vec<ParseProblem>,
) -> Vec<(usize, Arc<Body>)> {
    let whole_file = SpanMap::verbatim(Span::new(0, source.text.len()));
    let mut reader = Reader {
        source,
        path: Arc::from(source.path.as_str()),
        problems,
    };
    statements
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.node, NodeEnum::DoStmt(_) | NodeEnum::CreateFunctionStmt(_)))
        .filter_map(|(i, s)| {
            let body = reader.body(s, &source.text, &whole_file, 0)?;
            Some((i, Arc::new(body)))
        })
        .collect()
}

/// Reads bodies, collecting the problems of the file.
struct Reader<'a> {
    source: &'a SourceFile,
    path: Arc<str>,
    problems: &'a mut Vec<ParseProblem>,
}

impl Reader<'_> {
    fn line(&self, offset: usize) -> usize {
        self.source.position(offset).line
    }

    /// The body of `statement` (written in `text`, which `map` maps to the
    /// file), if it is a `DO` block or a function with one.
    fn body(&mut self, statement: &Statement, text: &str, map: &SpanMap, depth: usize) -> Option<Body> {
        if depth > MAX_NESTING {
            return None;
        }
        let (kind, language, value) = match &statement.node {
            NodeEnum::DoStmt(stmt) => {
                let mut language = "plpgsql".to_string();
                let mut value = None;
                for option in stmt.args.iter().filter_map(|a| match a.node.as_ref() {
                    Some(NodeEnum::DefElem(d)) => Some(d),
                    _ => None,
                }) {
                    let arg = option.arg.as_deref().and_then(string_value);
                    match option.defname.as_str() {
                        "as" => value = arg,
                        "language" => language = arg.unwrap_or(language),
                        _ => {}
                    }
                }
                (BodyKind::DoBlock, language, value)
            }
            NodeEnum::CreateFunctionStmt(stmt) => {
                let (language, value) = routine::language_and_source(stmt);
                (BodyKind::Routine(routine::signature(stmt)), language, value)
            }
            _ => return None,
        };
        let mut body = Body {
            kind,
            language: language.to_ascii_lowercase(),
            path: self.path.clone(),
            span: map.file_span(statement.span).unwrap_or_default(),
            steps: Vec::new(),
            loops: Vec::new(),
        };
        let atomic = matches!(&statement.node, NodeEnum::CreateFunctionStmt(f) if f.sql_body.is_some());
        if atomic {
            if let Some((inner, inner_map)) = routine::atomic_body(statement, text, map) {
                body.span = inner_map.whole().unwrap_or(body.span);
                self.sql_steps(&mut body, &inner, &inner_map, depth);
            }
            return Some(body);
        }
        let literal = value.and_then(|v| body_literal(statement, text, &v))?;
        let literal_map = literal.map.through(map);
        body.span = literal.span_in(map).unwrap_or(body.span);
        match body.language.as_str() {
            "plpgsql" => {
                let written = &text[statement.span.start..statement.span.end];
                let compiled = match (plpgsql::compile(written), &statement.node) {
                    // PostgreSQL's compiler, outside a database, knows only
                    // built-in types: a signature it cannot read is given
                    // to it with built-in types of the same shape.
                    (Err(error), NodeEnum::CreateFunctionStmt(stmt)) if !locate::names_a_line(&error) => {
                        plpgsql::compile(&routine::plpgsql_wrapper(stmt, &literal.value))
                    }
                    (compiled, _) => compiled,
                };
                self.plpgsql_steps(&mut body, compiled, &literal.value, &literal_map, depth);
            }
            "sql" => self.sql_steps(&mut body, &literal.value, &literal_map, depth),
            other => {
                let of = match &body.kind {
                    BodyKind::DoBlock => "the DO block".to_string(),
                    BodyKind::Routine(sig) => sig.display(),
                };
                let why = format!("body of {of} is in {other}: miglint reads only PL/pgSQL and SQL");
                body.steps
                    .push(self.step(StepKind::Unchecked(why), body.span, &Default::default()));
            }
        }
        Some(body)
    }

    /// The statements of a `LANGUAGE sql` body (or the inside of `BEGIN
    /// ATOMIC`).
    fn sql_steps(&mut self, body: &mut Body, text: &str, map: &SpanMap, depth: usize) {
        for embedded in self.statements(text, map, false, depth) {
            body.steps.push(self.step(
                StepKind::Statement(Box::new(embedded.0)),
                embedded.1,
                &Default::default(),
            ));
        }
    }

    fn step(&self, kind: StepKind, span: Span, around: &plpgsql::Around) -> Step {
        Step {
            kind,
            span,
            line: self.line(span.start),
            loops: around.loops.clone(),
            in_handler: around.in_handler,
            in_protected_block: around.in_protected_block,
        }
    }

    /// The statements of a PL/pgSQL body, from what PostgreSQL's compiler
    /// made of it: `text` is the body, which `map` maps to the file.
    fn plpgsql_steps(
        &mut self,
        body: &mut Body,
        compiled: Result<plpgsql::Tree, PlpgsqlError>,
        text: &str,
        map: &SpanMap,
        depth: usize,
    ) {
        let tree = match compiled {
            Ok(tree) => tree,
            Err(error) if !locate::names_a_line(&error) || locate::needs_a_database(&error) => {
                // Not the body's fault: what the compiler could not read is
                // the signature, which miglint gave it as well as it could,
                // or a type only a database knows.
                let why = format!("body not read ({})", shorten(&error.message));
                body.steps
                    .push(self.step(StepKind::Unchecked(why), body.span, &Default::default()));
                return;
            }
            Err(error) => {
                let span = locate::error_in_body(text, &error.message, &error.context)
                    .and_then(|s| map.file_span(s))
                    .unwrap_or(Span::new(body.span.start, body.span.start));
                let span = self.word_at(span);
                let of = match &body.kind {
                    BodyKind::DoBlock => "the DO block".to_string(),
                    BodyKind::Routine(signature) => signature.display(),
                };
                self.problems.push(ParseProblem {
                    kind: ProblemKind::Syntax,
                    span,
                    message: format!("{} (in the body of {of})", shorten(&error.message)),
                });
                return;
            }
        };
        let lines = locate::Lines::new(text);
        body.loops = tree
            .loops
            .iter()
            .map(|l| {
                let span = map.file_span(lines.line_span(text, l.line)).unwrap_or(body.span);
                LoopAt {
                    span,
                    line: self.line(span.start),
                }
            })
            .collect();
        let mut cursor = 0;
        for at in &tree.steps {
            let from = cursor.max(lines.start(at.line));
            match &at.action {
                plpgsql::Action::Sql(query) => {
                    let in_body = locate::statement(text, from, query);
                    cursor = in_body.whole().map_or(from, |w| w.end);
                    let query_map = pad(in_body.through(map), query.len());
                    for (embedded, span) in self.statements(query, &query_map, false, depth) {
                        body.steps
                            .push(self.step(StepKind::Statement(Box::new(embedded)), span, &at.around));
                    }
                }
                plpgsql::Action::Execute(expr) => {
                    let start = text[from..].find(expr.as_str()).map_or(from, |p| from + p);
                    cursor = start + expr.len();
                    let expr_span = Span::new(start, (start + expr.len()).min(text.len()));
                    let expr_map = pad(map.slice(expr_span), expr.len());
                    let file_span = expr_map.whole().unwrap_or(body.span);
                    match dynamic::resolve(expr) {
                        Some(built) => {
                            let built_map = built.map.through(&expr_map);
                            for (embedded, span) in self.statements(&built.text, &built_map, true, depth) {
                                body.steps
                                    .push(self.step(StepKind::Statement(Box::new(embedded)), span, &at.around));
                            }
                        }
                        None => {
                            let why = format!(
                                "statement built at run time and run by EXECUTE (`{}`): miglint cannot tell what it runs",
                                excerpt(expr, 60)
                            );
                            body.steps
                                .push(self.step(StepKind::Unchecked(why), file_span, &at.around));
                        }
                    }
                }
                plpgsql::Action::Commit { chain } | plpgsql::Action::Rollback { chain } => {
                    let word = if matches!(at.action, plpgsql::Action::Commit { .. }) {
                        "commit"
                    } else {
                        "rollback"
                    };
                    let span = locate::word(text, from, word).unwrap_or(Span::new(from, from));
                    cursor = span.end;
                    let sql = format!("{}{}", word.to_uppercase(), if *chain { " AND CHAIN" } else { "" });
                    let mut sql_map = SpanMap::default();
                    sql_map.push_whole(sql.len(), map.file_span(span).unwrap_or(body.span));
                    for (embedded, span) in self.statements(&sql, &sql_map, false, depth) {
                        body.steps
                            .push(self.step(StepKind::Statement(Box::new(embedded)), span, &at.around));
                    }
                }
            }
        }
    }

    /// The statements of `text` (which `map` maps to the file), each with
    /// its span in the file; a syntax error becomes a located problem.
    fn statements(&mut self, text: &str, map: &SpanMap, dynamic: bool, depth: usize) -> Vec<(Embedded, Span)> {
        let parsed = match pg_query::parse(text, 0) {
            Ok(parsed) => parsed,
            Err(_) => {
                let at = super::ffi::parse_error(text)
                    .map(|e| (e.message, e.cursor))
                    .unwrap_or_else(|| ("statement nests too deeply for miglint to read".into(), None));
                let offset = at.1.map_or(0, |c| char_offset(text, c));
                let span = map
                    .file_span(Span::new(offset, offset))
                    .map_or(Span::default(), |s| self.word_at(s));
                self.problems.push(ParseProblem {
                    kind: ProblemKind::Syntax,
                    span,
                    message: shorten(&at.0),
                });
                return Vec::new();
            }
        };
        let mut found = Vec::new();
        for raw in parsed.protobuf.stmts {
            let Some(node) = raw.stmt.and_then(|s| s.node) else {
                continue;
            };
            let start = usize::try_from(raw.stmt_location).unwrap_or(0).min(text.len());
            let end = match usize::try_from(raw.stmt_len).unwrap_or(0) {
                0 => text.len(),
                n => (start + n).min(text.len()),
            };
            let Some(span) = trim(text, Span::new(start, end)) else {
                continue;
            };
            let statement = Statement { span, node, base: 0 };
            let file_span = map.file_span(span).unwrap_or_default();
            let body = matches!(statement.node, NodeEnum::DoStmt(_) | NodeEnum::CreateFunctionStmt(_))
                .then(|| self.body(&statement, text, map, depth + 1))
                .flatten()
                .map(Arc::new);
            found.push((
                Embedded {
                    text: text.to_string(),
                    map: map.clone(),
                    statement,
                    dynamic,
                    body,
                },
                file_span,
            ));
        }
        found
    }

    /// The word of the file at the start of `span`, for a problem's span.
    fn word_at(&self, span: Span) -> Span {
        super::word_at(
            &self.source.text,
            span.start.min(self.source.text.len()),
            self.source.text.len(),
        )
    }
}

/// A map made exactly `len` bytes long: the text PostgreSQL keeps can run
/// past the body it was read from only by what `locate` could not match.
fn pad(mut map: SpanMap, len: usize) -> SpanMap {
    if map.len() < len {
        let last = map.whole().map_or(Span::default(), |w| Span::new(w.end, w.end));
        map.push_whole(len - map.len(), last);
    }
    map
}

/// The span without surrounding whitespace; None when nothing is left.
fn trim(text: &str, span: Span) -> Option<Span> {
    let slice = &text[span.start..span.end];
    let start = span.start + (slice.len() - slice.trim_start().len());
    let end = span.start + slice.trim_end().len();
    (end > start).then(|| Span::new(start, end))
}

/// The byte offset of PostgreSQL's 1-based character position in `text`.
fn char_offset(text: &str, position: usize) -> usize {
    text.char_indices()
        .nth(position.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i)
}

/// PostgreSQL's message on one line, shortened as the file's own syntax
/// errors are.
fn shorten(message: &str) -> String {
    super::shorten_near(message.lines().next().unwrap_or(message))
}

/// The string constant of `statement` whose value is `value`: where the
/// body is written.
fn body_literal(statement: &Statement, text: &str, value: &str) -> Option<Literal> {
    let tokens = tokens::tokenize(text, statement.span);
    let strings: Vec<Span> = tokens.iter().filter(|t| t.is_string()).map(|t| t.span).collect();
    strings
        .iter()
        .filter_map(|s| literal::literal_at(text, s.start))
        .find(|l| l.value == value)
        .or_else(|| {
            // Written in a way not decoded here (`U&'...'`): the whole
            // constant stands for every byte of the body.
            let span = *strings.iter().max_by_key(|s| s.len())?;
            let mut map = SpanMap::default();
            map.push_whole(value.len(), span);
            Some(Literal {
                value: value.to_string(),
                map,
                span,
            })
        })
}

/// A dollar-quote tag that does not occur in `body`.
pub(super) fn dollar_tag(body: &str) -> String {
    (0..)
        .map(|n| {
            if n == 0 {
                "$miglint$".to_string()
            } else {
                format!("$miglint{n}$")
            }
        })
        .find(|tag| !body.contains(tag.as_str()))
        .unwrap_or_default()
}

impl Literal {
    /// The constant's span in the file, for a constant found in a text that
    /// `map` maps to the file.
    fn span_in(&self, map: &SpanMap) -> Option<Span> {
        map.file_span(self.span)
    }
}

#[cfg(test)]
mod tests;
