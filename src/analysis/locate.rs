//! Where a clause of a statement is in the file: spans found from the
//! statement's tokens and its parse tree's locations, so that a finding
//! points at the words it is about (`SET NOT NULL`, one `ALTER TABLE`
//! action, a column's type as written) rather than the whole statement.

use pg_query::protobuf::{ColumnDef, Constraint, TypeName};
use pg_query::NodeEnum;

use super::types::base_name;
use crate::input::source::Span;
use crate::parse::ast::is_constraint_attribute;
use crate::parse::tokens::{self, Token};
use crate::parse::Statement;

/// One statement with its tokens, to find the spans of its parts. Every
/// search falls back to the whole statement when what it looks for is not
/// there.
#[derive(Clone, Copy)]
pub(crate) struct Locator<'a> {
    pub statement: &'a Statement,
    /// The file's text: spans are offsets in it.
    pub text: &'a str,
    /// The statement's tokens, comments dropped.
    pub tokens: &'a [Token],
}

impl<'a> Locator<'a> {
    fn span(&self) -> Span {
        self.statement.span
    }

    /// The tokens of this statement inside `span`. Tokens are in order and
    /// do not overlap, so those inside `span` are one contiguous run.
    pub(crate) fn tokens_in(&self, span: Span) -> &'a [Token] {
        let tokens = self.tokens;
        let from = tokens.partition_point(|t| t.span.start < span.start);
        let to = tokens.partition_point(|t| t.span.end <= span.end).max(from);
        &tokens[from..to]
    }

    /// From the first `word` token (lowercase) to the end of the statement,
    /// or the whole statement when it is not found.
    pub(crate) fn clause_from(&self, word: &str) -> Span {
        let span = self.span();
        self.tokens
            .iter()
            .find(|t| t.is(word))
            .map_or(span, |t| Span::new(t.span.start, span.end))
    }

    /// The span of the words (lowercase) in this statement, or the whole
    /// statement when they are not found.
    pub(crate) fn clause(&self, words: &[&str]) -> Span {
        tokens::find_words(self.tokens, words).unwrap_or(self.span())
    }

    /// The span of the `n`th action of an `ALTER TABLE name action, ...`.
    pub(crate) fn alter_action_span(&self, n: usize) -> Span {
        let tokens = self.tokens;
        let NodeEnum::AlterTableStmt(stmt) = &self.statement.node else {
            return self.span();
        };
        let name_end = stmt
            .relation
            .as_ref()
            .and_then(|rv| self.statement.offset_of(rv.location))
            .and_then(|at| tokens.iter().position(|t| t.span.start >= at))
            .map(|first| skip_qualified_name(tokens, first));
        let Some(actions_start) = name_end else {
            return self.span();
        };
        let parts = tokens::split_top_level_commas(&tokens[actions_start..]);
        if parts.len() != stmt.cmds.len() {
            return self.span();
        }
        parts
            .get(n)
            .and_then(|part| tokens::span_of(part))
            .unwrap_or(self.span())
    }

    /// The constraints of the column that the `n`th action (`ADD COLUMN`)
    /// defines, in the order of `col.constraints`, each with its span: from
    /// its first word (`CONSTRAINT`, `DEFAULT`, `REFERENCES`, ...) to the end
    /// of its last token before the next constraint, taking along the
    /// attributes that belong to it (`DEFERRABLE`, `INITIALLY ...`). A
    /// constraint that cannot be located gets the action's span.
    pub(crate) fn column_constraints_with_spans<'c>(
        &self,
        n: usize,
        col: &'c ColumnDef,
    ) -> Vec<(&'c Constraint, Span)> {
        let spans = self.column_constraint_spans(n, col);
        col.constraints
            .iter()
            .zip(spans)
            .filter_map(|(node, span)| match node.node.as_ref() {
                Some(NodeEnum::Constraint(con)) => Some((con.as_ref(), span)),
                _ => None,
            })
            .collect()
    }

    /// The span of each node of `col.constraints`, as
    /// `column_constraints_with_spans` finds them.
    fn column_constraint_spans(&self, n: usize, col: &ColumnDef) -> Vec<Span> {
        let action = self.alter_action_span(n);
        let tokens = self.tokens_in(action);
        let constraints: Vec<Option<&Constraint>> = col
            .constraints
            .iter()
            .map(|c| match c.node.as_ref() {
                Some(NodeEnum::Constraint(con)) => Some(con.as_ref()),
                _ => None,
            })
            .collect();
        let start_of = |con: &Constraint| self.statement.offset_of(con.location);
        constraints
            .iter()
            .enumerate()
            .map(|(i, con)| {
                let Some(start) = con.and_then(start_of) else {
                    return action;
                };
                let end = constraints[i + 1..]
                    .iter()
                    .flatten()
                    .filter(|next| !is_constraint_attribute(next))
                    .find_map(|next| start_of(next))
                    .filter(|&end| end > start)
                    .unwrap_or(action.end);
                let inside: Vec<&Token> = tokens
                    .iter()
                    .filter(|t| t.span.start >= start && t.span.start < end)
                    .collect();
                match (inside.first(), inside.last()) {
                    (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
                    _ => action,
                }
            })
            .collect()
    }

    /// The text of `span` on one line, without comments, with the `removed`
    /// spans cut out: `ADD COLUMN c uuid DEFAULT f() NOT NULL` without the
    /// default is `ADD COLUMN c uuid NOT NULL`. Spacing between tokens is
    /// kept unless it holds a line break, a comment or a cut.
    pub(crate) fn text_without(&self, span: Span, removed: &[Span]) -> String {
        let text = self.text;
        let mut out = String::new();
        let mut previous: Option<Span> = None;
        for token in self.tokens {
            let t = token.span;
            if !span.contains(t) || removed.iter().any(|r| r.contains(t)) {
                if previous.is_some() && span.contains(t) {
                    previous = Some(Span::new(t.end, t.end)); // a cut: one space
                }
                continue;
            }
            if let Some(p) = previous {
                let gap = text.get(p.end..t.start).unwrap_or(" ");
                let keep = p.start < p.end && gap.chars().all(|c| c == ' ' || c == '\t');
                out.push_str(if keep { gap } else { " " });
            }
            out.push_str(&text[t.start..t.end]);
            previous = Some(t);
        }
        out
    }

    /// The span of the word at a parse-tree location (an identifier, a
    /// keyword), falling back to the statement.
    pub(crate) fn word_at(&self, location: i32) -> Span {
        let Some(at) = self.statement.offset_of(location) else {
            return self.span();
        };
        self.tokens
            .iter()
            .find(|t| t.span.start == at)
            .map_or(self.span(), |t| t.span)
    }

    /// The span of a call at a parse-tree location: its word and, when a
    /// `(` follows, the arguments through the matching `)` (`now()`,
    /// `CURRENT_TIMESTAMP(3)`); the statement when it cannot be found.
    pub(crate) fn call_at(&self, location: i32) -> Span {
        let Some(at) = self.statement.offset_of(location) else {
            return self.span();
        };
        let Some(first) = self.tokens.iter().position(|t| t.span.start == at) else {
            return self.span();
        };
        let mut end = self.tokens[first].span.end;
        if self.tokens.get(first + 1).is_some_and(|t| t.word == "(") {
            let mut depth = 0i32;
            for t in &self.tokens[first + 1..] {
                match t.word.as_str() {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = t.span.end;
                    break;
                }
            }
        }
        Span::new(self.tokens[first].span.start, end)
    }

    /// The span of a column type as written, from its location to its last
    /// word: `character varying(20)`, `timestamp(3) without time zone`,
    /// `int[]`, `public.citext`, `interval day to second`.
    pub(crate) fn type_span(&self, type_name: &TypeName) -> Span {
        let Some(at) = self.statement.offset_of(type_name.location) else {
            return self.span();
        };
        let tokens = self.tokens;
        let Some(first) = tokens.iter().position(|t| t.span.start >= at) else {
            return self.span();
        };
        let is_interval = base_name(type_name) == "interval";
        let word = |i: usize| tokens.get(i).map_or("", |t| t.word.as_str());
        let mut next = first + 1;
        loop {
            next = match word(next) {
                "." => next + 2,
                "(" | "[" => match matching_close(tokens, next) {
                    Some(close) => close + 1,
                    None => break,
                },
                "varying" | "precision" | "array" => next + 1,
                "with" | "without" if word(next + 1) == "time" && word(next + 2) == "zone" => next + 3,
                "year" | "month" | "day" | "hour" | "minute" | "second" | "to" if is_interval => next + 1,
                _ => break,
            };
        }
        let last = next.min(tokens.len()) - 1;
        Span::new(tokens[first].span.start, tokens[last].span.end)
    }

    /// The span of the possibly qualified name (`app.users`) at a
    /// parse-tree location, falling back to the statement.
    pub(crate) fn name_at(&self, location: i32) -> Span {
        let Some(at) = self.statement.offset_of(location) else {
            return self.span();
        };
        let tokens = self.tokens;
        let Some(first) = tokens.iter().position(|t| t.span.start == at) else {
            return self.span();
        };
        let end = skip_qualified_name(tokens, first).min(tokens.len());
        match tokens[first..end].iter().rposition(|t| !t.is("*")) {
            Some(last) => Span::new(tokens[first].span.start, tokens[first + last].span.end),
            None => self.span(),
        }
    }

    /// The span of a node from its location to the end of its last token
    /// before a top-level comma or closing parenthesis.
    pub(crate) fn clause_at(&self, location: i32) -> Span {
        let Some(at) = self.statement.offset_of(location) else {
            return self.span();
        };
        let tokens = self.tokens;
        let Some(first) = tokens.iter().position(|t| t.span.start >= at) else {
            return self.span();
        };
        let mut depth = 0i32;
        let mut last = first;
        for (i, t) in tokens.iter().enumerate().skip(first) {
            match t.word.as_str() {
                "(" => depth += 1,
                ")" if depth == 0 => break,
                ")" => depth -= 1,
                "," if depth == 0 => break,
                _ => {}
            }
            last = i;
        }
        Span::new(tokens[first].span.start, tokens[last].span.end)
    }
}

/// Index of the bracket closing the one at `open`.
fn matching_close(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.word.as_str() {
            "(" | "[" => depth += 1,
            ")" | "]" => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Index just past a (possibly qualified, possibly `*`-suffixed) name.
fn skip_qualified_name(tokens: &[Token], mut i: usize) -> usize {
    i += 1;
    while i + 1 < tokens.len() && tokens[i].is(".") {
        i += 2;
    }
    if i < tokens.len() && tokens[i].is("*") {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::source::SourceFile;
    use crate::parse::ast::alter_table_cmds;
    use crate::parse::parse_file;

    /// Runs `f` on the first statement of `text`, with the file to slice spans.
    fn with_statement<R>(text: &str, f: impl FnOnce(&SourceFile, Locator) -> R) -> R {
        let source = SourceFile::new("t.sql", text);
        let parsed = parse_file(&source);
        let statement = &parsed.statements[0];
        let tokens = tokens::tokenize(&source.text, statement.span);
        f(
            &source,
            Locator {
                statement,
                text: &source.text,
                tokens: &tokens,
            },
        )
    }

    #[test]
    fn spans_column_types_as_written() {
        let sql = "CREATE TABLE t (a character varying(20) NOT NULL, b timestamp(3) without time zone, c int[], d public.citext DEFAULT 'x', e interval day to second, f double precision)";
        with_statement(sql, |source, locate| {
            let NodeEnum::CreateStmt(create) = &locate.statement.node else {
                panic!()
            };
            let spans: Vec<&str> = create
                .table_elts
                .iter()
                .filter_map(|e| match e.node.as_ref() {
                    Some(NodeEnum::ColumnDef(col)) => col.type_name.as_ref(),
                    _ => None,
                })
                .map(|t| source.slice(locate.type_span(t)))
                .collect();
            assert_eq!(
                spans,
                [
                    "character varying(20)",
                    "timestamp(3) without time zone",
                    "int[]",
                    "public.citext",
                    "interval day to second",
                    "double precision"
                ]
            );
        });
        with_statement(
            "ALTER TABLE t ALTER COLUMN c TYPE varchar(3) USING c::varchar",
            |source, locate| {
                let NodeEnum::AlterTableStmt(alter) = &locate.statement.node else {
                    panic!()
                };
                let cmd = alter_table_cmds(&alter.cmds).next().unwrap();
                let Some(NodeEnum::ColumnDef(col)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
                    panic!()
                };
                assert_eq!(
                    source.slice(locate.type_span(col.type_name.as_ref().unwrap())),
                    "varchar(3)"
                );
            },
        );
    }

    #[test]
    fn spans_qualified_names() {
        with_statement("REINDEX (VERBOSE) INDEX app.\"Users_idx\";", |source, locate| {
            let NodeEnum::ReindexStmt(stmt) = &locate.statement.node else {
                panic!()
            };
            let location = stmt.relation.as_ref().map_or(-1, |rv| rv.location);
            assert_eq!(source.slice(locate.name_at(location)), "app.\"Users_idx\"");
        });
    }

    #[test]
    fn names_span_their_schema() {
        with_statement("DELETE FROM app . \"Orders\" o", |source, locate| {
            let NodeEnum::DeleteStmt(delete) = &locate.statement.node else {
                panic!("not a delete")
            };
            let location = delete.relation.as_ref().map_or(-1, |rv| rv.location);
            assert_eq!(source.slice(locate.name_at(location)), "app . \"Orders\"");
            assert_eq!(source.slice(locate.name_at(-1)), "DELETE FROM app . \"Orders\" o");
        });
    }

    #[test]
    fn finds_each_alter_table_action() {
        with_statement(
            "ALTER TABLE ONLY app.t ADD COLUMN a numeric(1, 2), ALTER COLUMN b SET NOT NULL",
            |source, locate| {
                assert_eq!(source.slice(locate.alter_action_span(1)), "ALTER COLUMN b SET NOT NULL");
                assert_eq!(source.slice(locate.alter_action_span(0)), "ADD COLUMN a numeric(1, 2)");
            },
        );
    }

    #[test]
    fn writes_an_action_on_one_line_without_some_clauses() {
        let sql = "ALTER TABLE t ADD COLUMN c numeric(10, 2) -- money\n  DEFAULT random()  NOT NULL";
        with_statement(sql, |_, locate| {
            let action = locate.alter_action_span(0);
            assert_eq!(
                locate.text_without(action, &[]),
                "ADD COLUMN c numeric(10, 2) DEFAULT random()  NOT NULL"
            );
            let default = locate.clause(&["default", "random", "(", ")"]);
            assert_eq!(
                locate.text_without(action, &[default]),
                "ADD COLUMN c numeric(10, 2) NOT NULL"
            );
        });
    }

    #[test]
    fn finds_each_constraint_of_an_added_column() {
        let sql = "ALTER TABLE t ADD COLUMN c bigint DEFAULT (1 + 2) CONSTRAINT fk REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED CHECK (c > 0) NOT NULL, ADD d int";
        with_statement(sql, |source, locate| {
            let NodeEnum::AlterTableStmt(stmt) = &locate.statement.node else {
                panic!()
            };
            let NodeEnum::AlterTableCmd(cmd) = stmt.cmds[0].node.as_ref().unwrap() else {
                panic!()
            };
            let NodeEnum::ColumnDef(col) = cmd.def.as_ref().unwrap().node.as_ref().unwrap() else {
                panic!()
            };
            let spans: Vec<&str> = locate
                .column_constraints_with_spans(0, col)
                .into_iter()
                .map(|(_, s)| source.slice(s))
                .collect();
            assert_eq!(
                spans,
                [
                    "DEFAULT (1 + 2)",
                    "CONSTRAINT fk REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED",
                    "DEFERRABLE INITIALLY DEFERRED",
                    "INITIALLY DEFERRED",
                    "CHECK (c > 0)",
                    "NOT NULL"
                ]
            );
        });
    }
}
