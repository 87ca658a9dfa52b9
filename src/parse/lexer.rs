//! A small lexical pass over the whole file that never fails.
//!
//! psql meta-commands (`\set`, `\i`) and templating placeholders (`${x}`,
//! `{{ x }}`, `:'x'`) live above SQL, so the PostgreSQL scanner cannot see
//! them: this pass finds them first, outside string literals, quoted
//! identifiers, dollar-quoted bodies and comments. The same pass yields the
//! comments (for suppressions) and the top-level semicolons, so a file the
//! PostgreSQL scanner rejects (an unterminated quote, say) can still be split.

use crate::input::source::Span;

#[derive(Debug, Default)]
pub(crate) struct Lexed {
    /// `--` and `/* */` comments, in order.
    pub comments: Vec<Comment>,
    /// Whole psql meta-command lines, from the backslash to the line end.
    pub meta_commands: Vec<Span>,
    /// Template placeholders found in SQL code (and in quoted identifiers),
    /// in order.
    pub placeholders: Vec<Placeholder>,
    /// Byte offsets of `;` in SQL code (statement terminators).
    pub semicolons: Vec<usize>,
    /// Byte ranges that are neither whitespace nor comments nor meta-commands.
    pub code: Vec<Span>,
    /// The data lines psql sends after `COPY ... FROM stdin;`, up to and
    /// including the `\.` line that ends them (pg_dump writes table data
    /// this way). They are input to the COPY, not SQL.
    pub copy_data: Vec<Span>,
    /// The `/*` of a block comment the file never closes (nested comments
    /// count: `/* /* */` is still open). PostgreSQL rejects the text.
    pub unterminated_comment: Option<usize>,
}

/// A template placeholder: text a tool replaces before PostgreSQL sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placeholder {
    pub span: Span,
    pub syntax: Syntax,
    /// The name inside it: `schema` of `${schema}`, `.Schema` of
    /// `{{ .Schema }}`, the first capture group of a custom pattern.
    pub name: Span,
    /// Written inside a double-quoted identifier (`"{{ .Schema }}_users"`).
    pub quoted: bool,
}

/// Which tool's syntax a placeholder is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// `${name}`: Flyway, Liquibase, shell templates.
    DollarBrace,
    /// `{{ ... }}`: Go's text/template (golang-migrate, goose), Jinja.
    GoTemplate,
    /// psql `:name`: the value as is.
    PsqlVariable,
    /// psql `:'name'`: the value as a string literal.
    PsqlLiteral,
    /// psql `:"name"`: the value as a quoted identifier.
    PsqlIdentifier,
    /// A match of a `placeholder_patterns` expression.
    Custom,
}

#[derive(Debug, Clone)]
pub(crate) struct Comment {
    pub span: Span,
    /// The text inside the comment markers.
    pub body: Span,
}

impl Lexed {
    /// True when the file holds anything but whitespace, comments and
    /// meta-commands.
    pub(crate) fn has_code(&self) -> bool {
        !self.code.is_empty()
    }
}

/// The byte order mark some editors write at the start of UTF-8 files.
pub(crate) const BOM: char = '\u{feff}';

#[cfg(test)]
pub(crate) fn lex(text: &str) -> Lexed {
    lex_with(text, &[])
}

/// Lexes `text`, also taking the matches of `patterns` in SQL code as
/// placeholders (their first capture group, if any, is the name).
pub(crate) fn lex_with(text: &str, patterns: &[regex::Regex]) -> Lexed {
    Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        out: Lexed::default(),
        code_start: None,
        statement_code: 0,
        copy_pending: false,
        brackets: 0,
        custom: custom_matches(text, patterns),
        next_custom: 0,
    }
    .run()
}

/// The matches of every pattern, by start, overlaps dropped (the earlier,
/// then the longer, wins).
fn custom_matches(text: &str, patterns: &[regex::Regex]) -> Vec<(Span, Span)> {
    let mut found: Vec<(Span, Span)> = Vec::new();
    for pattern in patterns {
        for caps in pattern.captures_iter(text) {
            let Some(whole) = caps.get(0).filter(|m| !m.is_empty()) else {
                continue;
            };
            let name = caps.get(1).unwrap_or(whole);
            found.push((
                Span::new(whole.start(), whole.end()),
                Span::new(name.start(), name.end()),
            ));
        }
    }
    found.sort_by_key(|(span, _)| (span.start, std::cmp::Reverse(span.end)));
    let mut kept: Vec<(Span, Span)> = Vec::new();
    for m in found {
        if kept.last().is_none_or(|last| last.0.end <= m.0.start) {
            kept.push(m);
        }
    }
    kept
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Lexed,
    /// Start of the code run being accumulated, if any.
    code_start: Option<usize>,
    /// How many code runs came before the statement being read.
    statement_code: usize,
    /// A `COPY ... FROM stdin` just ended: its data starts on the next line.
    copy_pending: bool,
    /// Depth of `[` brackets in the statement: `a[1:n]` is a slice, not a
    /// psql variable.
    brackets: usize,
    /// Matches of the project's own placeholder patterns: (whole, name).
    custom: Vec<(Span, Span)>,
    next_custom: usize,
}

impl<'a> Lexer<'a> {
    fn run(mut self) -> Lexed {
        // A UTF-8 byte order mark is no part of the SQL: psql (since 9.0) and
        // Flyway skip it. Tools that send the file as is would fail on it.
        if self.text.starts_with(BOM) {
            self.pos = BOM.len_utf8();
        }
        while self.pos < self.bytes.len() {
            if let Some((span, name)) = self.custom_at() {
                self.placeholder(span.end, Syntax::Custom, name);
                continue;
            }
            let b = self.bytes[self.pos];
            match b {
                b'-' if self.peek(1) == Some(b'-') => self.line_comment(),
                b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
                b'\\' => self.meta_command(),
                b'\'' => {
                    let escapes = self.is_escape_string_prefix();
                    self.code_run(|l| l.quoted(b'\'', escapes));
                }
                b'"' => {
                    let start = self.pos;
                    self.code_run(|l| l.quoted(b'"', false));
                    self.placeholders_in_quotes(start, self.pos);
                }
                b'$' => {
                    if let Some(end) = self.placeholder_dollar_brace() {
                        let name = trimmed(self.text, self.pos + 2, end - 1);
                        self.placeholder(end, Syntax::DollarBrace, name);
                    } else if let Some(tag_len) = self.dollar_tag() {
                        self.code_run(|l| l.dollar_quoted(tag_len));
                    } else {
                        self.code_run(|l| l.pos += 1);
                    }
                }
                b'{' if self.peek(1) == Some(b'{') => {
                    let (end, name) = go_template(self.text, self.pos).unwrap_or_else(|| {
                        let end = self.line_end();
                        (end, Span::new(end, end))
                    });
                    self.placeholder(end, Syntax::GoTemplate, name);
                }
                b'[' => {
                    self.brackets += 1;
                    self.code_run(|l| l.pos += 1);
                }
                b']' => {
                    self.brackets = self.brackets.saturating_sub(1);
                    self.code_run(|l| l.pos += 1);
                }
                b':' => {
                    if let Some((end, syntax, name)) = self.psql_variable() {
                        self.placeholder(end, syntax, name);
                    } else {
                        self.code_run(|l| l.pos += if l.peek(1) == Some(b':') { 2 } else { 1 });
                    }
                }
                b';' => {
                    self.brackets = 0;
                    self.out.semicolons.push(self.pos);
                    self.code_run(|l| l.pos += 1);
                    self.copy_pending = self.statement_is_copy_from_stdin();
                    self.end_code();
                    self.statement_code = self.out.code.len();
                }
                b'\n' | b'\r' if self.copy_pending && !(b == b'\r' && self.peek(1) == Some(b'\n')) => {
                    self.end_code();
                    self.pos += 1;
                    self.copy_pending = false;
                    self.copy_data();
                }
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                    self.end_code();
                    self.pos += 1;
                }
                _ => {
                    let len = self.char_len();
                    self.code_run(|l| l.pos += len);
                }
            }
        }
        self.end_code();
        self.out
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn char_len(&self) -> usize {
        self.text[self.pos..].chars().next().map_or(1, char::len_utf8)
    }

    fn find_from(&self, from: usize, needle: &str) -> Option<usize> {
        self.text[from..].find(needle).map(|i| from + i)
    }

    fn line_end(&self) -> usize {
        self.text[self.pos..]
            .find(['\n', '\r'])
            .map_or(self.text.len(), |i| self.pos + i)
    }

    fn code_run(&mut self, advance: impl FnOnce(&mut Self)) {
        if self.code_start.is_none() {
            self.code_start = Some(self.pos);
        }
        advance(self);
    }

    fn end_code(&mut self) {
        if let Some(start) = self.code_start.take() {
            self.out.code.push(Span::new(start, self.pos));
        }
    }

    fn line_comment(&mut self) {
        self.end_code();
        let start = self.pos;
        let end = self.line_end();
        self.out.comments.push(Comment {
            span: Span::new(start, end),
            body: Span::new(start + 2, end),
        });
        self.pos = end;
    }

    fn block_comment(&mut self) {
        self.end_code();
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1;
        let mut body_end = self.bytes.len();
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos] == b'/' && self.peek(1) == Some(b'*') {
                depth += 1;
                self.pos += 2;
            } else if self.bytes[self.pos] == b'*' && self.peek(1) == Some(b'/') {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    body_end = self.pos - 2;
                    break;
                }
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.pos.min(self.bytes.len());
        if depth > 0 {
            self.out.unterminated_comment.get_or_insert(start);
        }
        self.out.comments.push(Comment {
            span: Span::new(start, self.pos),
            body: Span::new(start + 2, body_end.max(start + 2)),
        });
    }

    /// psql reads a backslash outside quotes as a meta-command that runs to
    /// the end of the line; SQL itself has no backslash outside strings.
    fn meta_command(&mut self) {
        self.end_code();
        let end = self.line_end();
        self.out.meta_commands.push(Span::new(self.pos, end));
        self.pos = end;
    }

    /// The code of the statement that just ended is `COPY ... FROM stdin`.
    fn statement_is_copy_from_stdin(&self) -> bool {
        let current = self.code_start.map(|start| Span::new(start, self.pos));
        let mut runs = self.out.code[self.statement_code.min(self.out.code.len())..]
            .iter()
            .copied()
            .chain(current);
        let starts_with_copy = runs.clone().next().is_some_and(|first| {
            self.text[first.start..first.end]
                .get(..4)
                .is_some_and(|w| w.eq_ignore_ascii_case("copy"))
        });
        if !starts_with_copy {
            return false;
        }
        let mut words: Vec<String> = Vec::new();
        for run in runs.by_ref() {
            let text = &self.text[run.start..run.end];
            words.extend(
                text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_ascii_lowercase),
            );
        }
        words.first().is_some_and(|w| w == "copy") && words.windows(2).any(|w| w[0] == "from" && w[1] == "stdin")
    }

    /// Data lines from the cursor (the start of a line) to the `\.` line
    /// that ends them, or to the end of the file.
    fn copy_data(&mut self) {
        let start = self.pos;
        let mut line_start = start;
        let end = loop {
            if line_start >= self.bytes.len() {
                break self.bytes.len();
            }
            let line_end = self.text[line_start..]
                .find(['\n', '\r'])
                .map_or(self.bytes.len(), |i| line_start + i);
            if &self.text[line_start..line_end] == "\\." {
                break line_end;
            }
            line_start = line_end + 1;
            if self.bytes.get(line_end) == Some(&b'\r') && self.bytes.get(line_end + 1) == Some(&b'\n') {
                line_start += 1;
            }
        };
        if end > start {
            self.out.copy_data.push(Span::new(start, end));
        }
        self.pos = end;
        self.statement_code = self.out.code.len();
    }

    fn placeholder(&mut self, end: usize, syntax: Syntax, name: Span) {
        let end = end.min(self.bytes.len()).max(self.pos + 1);
        self.out.placeholders.push(Placeholder {
            span: Span::new(self.pos, end),
            syntax,
            name,
            quoted: false,
        });
        self.code_run(|l| l.pos = end);
    }

    /// The custom pattern match starting at the cursor, if any; matches the
    /// cursor jumped over (in strings, comments) are dropped.
    fn custom_at(&mut self) -> Option<(Span, Span)> {
        while self
            .custom
            .get(self.next_custom)
            .is_some_and(|(s, _)| s.start < self.pos)
        {
            self.next_custom += 1;
        }
        let found = *self.custom.get(self.next_custom).filter(|(s, _)| s.start == self.pos)?;
        self.next_custom += 1;
        Some(found)
    }

    /// `${name}` and `{{ ... }}` inside a double-quoted identifier from
    /// `start` to `end` (Flyway and Go templates replace them there too).
    fn placeholders_in_quotes(&mut self, start: usize, end: usize) {
        let mut at = start + 1;
        // An unterminated identifier runs to the end of the file.
        let closed = end > at && self.bytes.get(end - 1) == Some(&b'"');
        let inner_end = if closed { end - 1 } else { end }.max(at);
        while at < inner_end {
            let rest = &self.text[at..inner_end];
            let next = rest.find("${").into_iter().chain(rest.find("{{")).min();
            let Some(offset) = next else {
                break;
            };
            let from = at + offset;
            let found = if self.text[from..].starts_with("${") {
                self.text[from + 2..inner_end].find('}').map(|close| {
                    let close = from + 2 + close;
                    (close + 1, Syntax::DollarBrace, trimmed(self.text, from + 2, close))
                })
            } else {
                go_template(&self.text[..inner_end], from).map(|(end, name)| (end, Syntax::GoTemplate, name))
            };
            let Some((end, syntax, name)) = found else {
                break;
            };
            self.out.placeholders.push(Placeholder {
                span: Span::new(from, end),
                syntax,
                name,
                quoted: true,
            });
            at = end;
        }
    }

    /// `E'...'` strings treat backslash as an escape.
    fn is_escape_string_prefix(&self) -> bool {
        self.pos > 0
            && matches!(self.bytes[self.pos - 1], b'e' | b'E')
            && (self.pos < 2 || !is_ident_byte(self.bytes[self.pos - 2]))
    }

    fn quoted(&mut self, quote: u8, backslash_escapes: bool) {
        self.pos += 1;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if backslash_escapes && b == b'\\' {
                self.pos += 2;
            } else if b == quote {
                if self.peek(1) == Some(quote) {
                    self.pos += 2;
                } else {
                    self.pos += 1;
                    return;
                }
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.bytes.len();
    }

    /// Length of a `$tag$` opener at the cursor, if there is one.
    fn dollar_tag(&self) -> Option<usize> {
        if self.pos > 0 && is_ident_byte(self.bytes[self.pos - 1]) {
            return None; // part of an identifier such as `a$b`
        }
        let rest = &self.bytes[self.pos + 1..];
        let tag_len = rest.iter().take_while(|b| is_ident_byte(**b)).count();
        if tag_len > 0 && rest[0].is_ascii_digit() {
            return None; // `$1` is a parameter
        }
        (rest.get(tag_len) == Some(&b'$')).then_some(tag_len + 2)
    }

    fn dollar_quoted(&mut self, tag_len: usize) {
        let tag = &self.text[self.pos..self.pos + tag_len];
        let body = self.pos + tag_len;
        self.pos = match self.text[body..].find(tag) {
            Some(i) => body + i + tag_len,
            None => self.bytes.len(),
        };
    }

    /// `${name}` (Flyway, Liquibase, shell templates).
    fn placeholder_dollar_brace(&self) -> Option<usize> {
        if self.peek(1) != Some(b'{') {
            return None;
        }
        let end = self.find_from(self.pos + 2, "}").filter(|&e| e <= self.line_end())?;
        Some(end + 1)
    }

    /// psql variables: `:name`, `:'name'`, `:"name"` (but not `::` casts,
    /// `:=` nor array slices such as `a[1:n]`): where it ends, its syntax,
    /// its name.
    fn psql_variable(&self) -> Option<(usize, Syntax, Span)> {
        if self.peek(1) == Some(b':') || (self.pos > 0 && self.bytes[self.pos - 1] == b':') || self.brackets > 0 {
            return None;
        }
        let before_ok = self.pos == 0
            || matches!(
                self.bytes[self.pos - 1],
                b' ' | b'\t' | b'\n' | b'\r' | b'(' | b',' | b'='
            );
        if !before_ok {
            return None;
        }
        let start = self.pos + 1;
        match self.peek(1)? {
            q @ (b'\'' | b'"') => {
                let len = self.bytes[start + 1..]
                    .iter()
                    .take_while(|b| is_ident_byte(**b))
                    .count();
                let syntax = if q == b'\'' {
                    Syntax::PsqlLiteral
                } else {
                    Syntax::PsqlIdentifier
                };
                (len > 0 && self.bytes.get(start + 1 + len) == Some(&q)).then_some((
                    start + len + 2,
                    syntax,
                    Span::new(start + 1, start + 1 + len),
                ))
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let len = self.bytes[start..].iter().take_while(|b| is_ident_byte(**b)).count();
                Some((start + len, Syntax::PsqlVariable, Span::new(start, start + len)))
            }
            _ => None,
        }
    }
}

/// `{{ ... }}` starting at `from`: where it ends and the expression inside,
/// without the trim markers (`{{- x -}}`). None when it is not closed.
fn go_template(text: &str, from: usize) -> Option<(usize, Span)> {
    let close = text.get(from + 2..)?.find("}}")? + from + 2;
    let mut name = trimmed(text, from + 2, close);
    let inner = &text[name.start..name.end];
    if let Some(rest) = inner.strip_prefix('-') {
        name = trimmed(text, name.end - rest.len(), name.end);
    }
    let inner = &text[name.start..name.end];
    if let Some(rest) = inner.strip_suffix('-') {
        name = trimmed(text, name.start, name.start + rest.len());
    }
    Some((close + 2, name))
}

/// `start..end` without the whitespace at either end.
fn trimmed(text: &str, start: usize, end: usize) -> Span {
    let inner = &text[start..end.max(start)];
    let lead = inner.len() - inner.trim_start().len();
    let trail = inner.len() - inner.trim_end().len();
    Span::new(start + lead, (end - trail).max(start + lead))
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(text: &'a str, spans: &[Span]) -> Vec<&'a str> {
        spans.iter().map(|s| &text[s.start..s.end]).collect()
    }

    #[test]
    fn meta_commands_outside_quotes_only() {
        let sql = "\\set ON_ERROR_STOP on\nSELECT 'a\\b';\n  \\i other.sql\n";
        let lexed = lex(sql);
        assert_eq!(
            texts(sql, &lexed.meta_commands),
            ["\\set ON_ERROR_STOP on", "\\i other.sql"]
        );
        assert_eq!(lexed.semicolons.len(), 1);
    }

    #[test]
    fn placeholders_in_code_but_not_in_strings() {
        let sql = "CREATE TABLE ${schema}.t (a int default '{{x}}');\nGRANT ALL ON t TO {{ .Role }};\nSELECT :'v', a::int, b[1:2];";
        let lexed = lex(sql);
        let spans: Vec<Span> = lexed.placeholders.iter().map(|p| p.span).collect();
        assert_eq!(texts(sql, &spans), ["${schema}", "{{ .Role }}", ":'v'"]);
    }

    #[test]
    fn placeholders_in_quoted_identifiers_and_their_names() {
        let sql = "CREATE TABLE \"{{- .Schema -}}_x\".\"${p}\" (a int);\nSELECT \"{{ open\u{feff}";
        let lexed = lex(sql);
        let found: Vec<_> = lexed
            .placeholders
            .iter()
            .map(|p| (&sql[p.span.start..p.span.end], &sql[p.name.start..p.name.end], p.quoted))
            .collect();
        assert_eq!(found, [("{{- .Schema -}}", ".Schema", true), ("${p}", "p", true)]);
    }

    #[test]
    fn psql_variables_but_not_casts_assignments_or_slices() {
        let sql = "SELECT a::int, f(x := 1), b[1:n], c[1 : n], d[:n] FROM t WHERE e = :v AND f IN (:'w', :\"x\");";
        let lexed = lex(sql);
        let found: Vec<_> = lexed
            .placeholders
            .iter()
            .map(|p| (&sql[p.span.start..p.span.end], p.syntax))
            .collect();
        assert_eq!(
            found,
            [
                (":v", Syntax::PsqlVariable),
                (":'w'", Syntax::PsqlLiteral),
                (":\"x\"", Syntax::PsqlIdentifier)
            ]
        );
    }

    #[test]
    fn custom_patterns_only_in_code() {
        let patterns = [regex::Regex::new(r"\$%(\w+)%\$").unwrap()];
        let sql = "CREATE INDEX i ON $%S%$.t (a); -- $%C%$\nSELECT '$%L%$';";
        let lexed = lex_with(sql, &patterns);
        let found: Vec<_> = lexed
            .placeholders
            .iter()
            .map(|p| (&sql[p.span.start..p.span.end], &sql[p.name.start..p.name.end]))
            .collect();
        assert_eq!(found, [("$%S%$", "S")]);
    }

    #[test]
    fn dollar_quotes_hide_semicolons_and_backslashes() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; \\x $body$ LANGUAGE sql;\nSELECT $1;";
        let lexed = lex(sql);
        assert_eq!(lexed.semicolons.len(), 2);
        assert!(lexed.meta_commands.is_empty());
    }

    #[test]
    fn comments_nested_and_unterminated() {
        let sql = "/* a /* b */ c */ SELECT 1; -- tail\n/* open";
        let lexed = lex(sql);
        let bodies: Vec<_> = lexed.comments.iter().map(|c| &sql[c.body.start..c.body.end]).collect();
        assert_eq!(bodies, [" a /* b */ c ", " tail", " open"]);
        assert_eq!(lex(sql).unterminated_comment, Some(36));
        assert_eq!(lex("/* a */ /* b /* c */").unterminated_comment, Some(8));
        assert_eq!(lex("/* a /* b */ */").unterminated_comment, None);
        assert!(lexed.has_code());
        assert!(!lex("-- only\n/* comments */").has_code());
    }

    #[test]
    fn a_leading_byte_order_mark_is_not_code() {
        assert!(!lex("\u{feff}-- only a comment\n").has_code());
        let lexed = lex("\u{feff}SELECT 1;");
        assert_eq!(lexed.code[0].start, 3);
    }

    #[test]
    fn unterminated_string_runs_to_end() {
        let lexed = lex("SELECT 'oops; SELECT 2;");
        assert!(lexed.semicolons.is_empty());
    }

    #[test]
    fn copy_data_after_copy_from_stdin_is_not_sql() {
        let sql = "COPY public.users (id, name) FROM stdin;\n1\tO'Brien; \\N\n2\t-- x\n\\.\nSELECT 1;\r\ncopy t from STDIN with (format csv); -- data follows\r\na,b\r\n\\.\r\nCOPY t TO stdout;\nSELECT 2;";
        let lexed = lex(sql);
        assert_eq!(
            texts(sql, &lexed.copy_data),
            ["1\tO'Brien; \\N\n2\t-- x\n\\.", "a,b\r\n\\."]
        );
        assert!(lexed.meta_commands.is_empty());
        assert_eq!(lexed.semicolons.len(), 5, "no semicolon inside the data");
        let bodies: Vec<_> = lexed.comments.iter().map(|c| &sql[c.body.start..c.body.end]).collect();
        assert_eq!(bodies, [" data follows"]);
        // Without its `\.` line the data runs to the end of the file.
        let lexed = lex("COPY t FROM stdin;\n1\n2\n");
        assert_eq!(texts("COPY t FROM stdin;\n1\n2\n", &lexed.copy_data), ["1\n2\n"]);
    }
}
