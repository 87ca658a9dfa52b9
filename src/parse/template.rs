//! Template placeholders put back into SQL before parsing.
//!
//! Flyway and Liquibase (`${name}`), Go's text/template (`{{ .Name }}`),
//! psql (`:name`, `:'name'`, `:"name"`) and a project's own macros replace
//! text before PostgreSQL sees a migration. miglint does the same: each
//! placeholder becomes its value from `[placeholders]`, or a stand-in that
//! keeps the statement parseable (an identifier derived from its name, else
//! a string literal, else a number), so the statement is checked and feeds
//! the catalog. A statement that parses with no stand-in keeps its
//! placeholders as written, and is reported as before.
//!
//! The substituted text is what the rest of miglint reads; `OffsetMap`
//! takes its spans back to the file as written.

use crate::input::source::Span;
use crate::settings::Placeholders;

use super::lexer::{Lexed, Placeholder, Syntax};

/// Where the substituted text's pieces came from: every stretch between
/// two substitutions is the file's own text, shifted.
#[derive(Debug, Clone, Default)]
pub(crate) struct OffsetMap {
    /// (in the substituted text, in the file), by position.
    segments: Vec<(Span, Span)>,
}

impl OffsetMap {
    /// The span of the file a span of the substituted text is, when it
    /// holds no piece of a substitution (an edit there edits the file's own
    /// text); None when it does.
    pub(crate) fn exact(&self, span: Span) -> Option<Span> {
        let touches = |to: &Span| {
            if span.start == span.end {
                to.start < span.start && span.start < to.end
            } else {
                span.start < to.end && to.start < span.end
            }
        };
        if self.segments.iter().any(|(to, _)| touches(to)) {
            return None;
        }
        Some(self.original(span))
    }

    /// The span of the file that a span of the substituted text stands for:
    /// text outside substitutions maps byte for byte, a piece of a
    /// substitution to the whole placeholder.
    pub(crate) fn original(&self, span: Span) -> Span {
        if self.segments.is_empty() {
            return span;
        }
        let start = self.original_start(span.start);
        let end = if span.end > span.start {
            self.original_end(span.end)
        } else {
            start
        };
        Span::new(start, end.max(start))
    }

    /// The offset of the substituted text where an offset of the file is.
    pub(crate) fn substituted(&self, offset: usize) -> usize {
        let index = self.segments.partition_point(|(_, from)| from.end <= offset);
        if let Some((to, from)) = self.segments.get(index) {
            if from.start <= offset {
                return to.start;
            }
        }
        match index.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some((to, from)) => offset - from.end + to.end,
            None => offset,
        }
    }

    fn original_start(&self, offset: usize) -> usize {
        let index = self.segments.partition_point(|(to, _)| to.end <= offset);
        if let Some((to, from)) = self.segments.get(index) {
            if to.start <= offset {
                return from.start;
            }
        }
        self.linear(index, offset)
    }

    fn original_end(&self, offset: usize) -> usize {
        let index = self.segments.partition_point(|(to, _)| to.end < offset);
        if let Some((to, from)) = self.segments.get(index) {
            if to.start < offset {
                return from.end;
            }
        }
        self.linear(index, offset)
    }

    /// `offset`, past the segments before `index`.
    fn linear(&self, index: usize, offset: usize) -> usize {
        match index.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some((to, from)) => (offset - to.end) + from.end,
            None => offset,
        }
    }
}

/// A placeholder of the file and what miglint did with it.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// Where it is in the substituted text: its value or stand-in, or the
    /// placeholder itself when its statement did not parse.
    pub span: Span,
    /// As written in the file.
    pub text: String,
    /// The name looked up in `[placeholders]`.
    pub name: String,
    /// `[placeholders]` gives its value.
    pub resolved: bool,
    /// Its statement parsed with the value or stand-in.
    pub checked: bool,
    /// It stands for a value: not a Go template action such as
    /// `{{ if .X }}`, `{{ end }}` or a `{{/* comment */}}`, which miglint
    /// reads as nothing.
    pub needs_value: bool,
    /// The key `[placeholders]` would give its value under.
    pub key: String,
}

/// The file's text with its placeholders replaced.
#[derive(Debug, Default)]
pub(crate) struct Substituted {
    pub text: String,
    pub map: OffsetMap,
    pub found: Vec<Found>,
}

/// How an unknown placeholder is stood in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Identifier,
    QuotedIdentifier,
    Literal,
    Number,
}

/// Above this many placeholders in one statement, only uniform stand-ins
/// are tried (each statement is parsed at most a few dozen times).
const MAX_MIXED: usize = 8;

/// Replaces every placeholder `lexed` found in `sql` (the file's text, with
/// what is not SQL blanked), statement by statement.
pub(crate) fn substitute(sql: &str, lexed: &Lexed, settings: &Placeholders) -> Substituted {
    let mut out = Substituted {
        text: String::with_capacity(sql.len() + 64),
        ..Substituted::default()
    };
    let mut copied = 0;
    let mut chunk_start = 0;
    let mut remaining = lexed.placeholders.as_slice();
    for end in lexed.semicolons.iter().copied().chain([sql.len()]) {
        let count = remaining.partition_point(|p| p.span.start < end);
        let (here, rest) = remaining.split_at(count);
        remaining = rest;
        let chunk = Span::new(chunk_start, end);
        chunk_start = end;
        if here.is_empty() {
            continue;
        }
        let pieces: Vec<Piece> = here.iter().map(|p| Piece::of(sql, p, settings)).collect();
        let choice = choose_forms(sql, chunk, here, &pieces);
        out.text.push_str(&sql[copied..chunk.start]);
        copied = chunk.start;
        for (i, (placeholder, piece)) in here.iter().zip(&pieces).enumerate() {
            out.text.push_str(&sql[copied..placeholder.span.start]);
            copied = placeholder.span.end;
            let at = out.text.len();
            let original = &sql[placeholder.span.start..placeholder.span.end];
            match &choice {
                Some(forms) => {
                    out.text.push_str(&piece.text(forms[i]));
                    let to = Span::new(at, out.text.len());
                    // Line breaks inside the placeholder are kept, so lines
                    // of the substituted text are the file's.
                    if !placeholder.quoted {
                        out.text.extend(original.chars().filter(|c| *c == '\n'));
                    }
                    out.map.segments.push((Span::new(at, out.text.len()), placeholder.span));
                    out.found.push(piece.found(original, to, true));
                }
                None => {
                    out.text.push_str(original);
                    let to = Span::new(at, out.text.len());
                    out.map.segments.push((to, placeholder.span));
                    out.found.push(piece.found(original, to, false));
                }
            }
        }
    }
    out.text.push_str(&sql[copied..]);
    out
}

/// The forms that make the statement in `chunk` parse, one per placeholder;
/// None when none do.
fn choose_forms(sql: &str, chunk: Span, placeholders: &[Placeholder], pieces: &[Piece]) -> Option<Vec<Form>> {
    let flexible: Vec<usize> = (0..pieces.len()).filter(|&i| pieces[i].flexible()).collect();
    let uniform = |form: Form| vec![form; pieces.len()];
    let mut tries = vec![
        uniform(Form::Identifier),
        uniform(Form::QuotedIdentifier),
        uniform(Form::Literal),
        uniform(Form::Number),
    ];
    if flexible.len() > 1 && flexible.len() <= MAX_MIXED {
        for &i in &flexible {
            for form in [Form::Literal, Form::Number] {
                let mut forms = uniform(Form::Identifier);
                forms[i] = form;
                tries.push(forms);
            }
        }
    }
    if flexible.is_empty() {
        tries.truncate(1);
    }
    tries.into_iter().find(|forms| {
        let mut text = String::with_capacity(chunk.len() + 32);
        let mut copied = chunk.start;
        for ((placeholder, piece), form) in placeholders.iter().zip(pieces).zip(forms) {
            text.push_str(&sql[copied..placeholder.span.start]);
            text.push_str(&piece.text(*form));
            copied = placeholder.span.end;
        }
        text.push_str(&sql[copied..chunk.end]);
        parses(&text)
    })
}

/// PostgreSQL accepts the text (a tree too deep to decode was accepted).
fn parses(text: &str) -> bool {
    matches!(pg_query::parse(text, 0), Ok(_) | Err(pg_query::Error::Decode(_)))
}

/// A placeholder and what may stand in its place.
struct Piece {
    name: String,
    value: Option<String>,
    syntax: Syntax,
    quoted: bool,
    /// The identifier derived from the name.
    word: String,
    /// A Go template action or comment: it stands for no text.
    control: bool,
}

/// The words that start a Go template action, not a value.
const ACTIONS: [&str; 10] = [
    "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue",
];

fn is_action(syntax: Syntax, name: &str) -> bool {
    syntax == Syntax::GoTemplate
        && (name.starts_with("/*")
            || name.is_empty()
            || ACTIONS.contains(&name.split_whitespace().next().unwrap_or("")))
}

impl Piece {
    fn of(sql: &str, placeholder: &Placeholder, settings: &Placeholders) -> Piece {
        let name = sql
            .get(placeholder.name.start..placeholder.name.end)
            .unwrap_or("")
            .to_string();
        let word = stand_in_word(placeholder.syntax, &name);
        let control = is_action(placeholder.syntax, &name);
        let value = if control {
            None
        } else {
            lookup(settings, &name, key_of(placeholder.syntax, &name))
        };
        Piece {
            name,
            value,
            syntax: placeholder.syntax,
            quoted: placeholder.quoted,
            word,
            control,
        }
    }

    /// Whether its stand-in may be an identifier or a value.
    fn flexible(&self) -> bool {
        !self.quoted
            && !self.control
            && self.value.is_none()
            && !matches!(self.syntax, Syntax::PsqlLiteral | Syntax::PsqlIdentifier)
    }

    fn text(&self, form: Form) -> String {
        if self.control {
            return String::new();
        }
        let bare = self.value.clone().unwrap_or_else(|| self.word.clone());
        if self.quoted {
            return bare.replace('"', "\"\"");
        }
        match self.syntax {
            Syntax::PsqlLiteral => return format!("'{}'", bare.replace('\'', "''")),
            Syntax::PsqlIdentifier => return format!("\"{}\"", bare.replace('"', "\"\"")),
            _ => {}
        }
        if let Some(value) = &self.value {
            return value.clone();
        }
        match form {
            Form::Identifier => self.word.clone(),
            Form::QuotedIdentifier => format!("\"{}\"", self.word),
            Form::Literal => format!("'{}'", self.word),
            Form::Number => "0".to_string(),
        }
    }

    fn found(&self, original: &str, span: Span, checked: bool) -> Found {
        Found {
            span,
            text: original.to_string(),
            name: self.name.clone(),
            resolved: self.value.is_some(),
            checked,
            needs_value: !self.control,
            key: key_of(self.syntax, &self.name).to_string(),
        }
    }
}

/// The key `[placeholders]` gives a placeholder's value under, in help: the
/// name, or the word a Go template expression names.
fn key_of(syntax: Syntax, name: &str) -> &str {
    match syntax {
        Syntax::GoTemplate => Some(go_word(name)).filter(|w| !w.is_empty()).unwrap_or(name),
        _ => name,
    }
}

/// The value `[placeholders]` gives: by the name as written, by the word it
/// names (`Schema` for `.Schema`), then either ignoring case.
fn lookup(settings: &Placeholders, name: &str, word: &str) -> Option<String> {
    if settings.values.is_empty() {
        return None;
    }
    let trimmed = name.trim_start_matches('.');
    let keys = [name, trimmed, word];
    keys.iter()
        .find_map(|key| settings.values.get(*key))
        .or_else(|| {
            settings
                .values
                .iter()
                .find(|(k, _)| keys.iter().any(|key| k.eq_ignore_ascii_case(key)))
                .map(|(_, v)| v)
        })
        .cloned()
}

/// The last word of letters, digits and `_` in a name.
fn last_word(name: &str) -> Option<&str> {
    name.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .rfind(|w| !w.is_empty())
}

/// The word a Go template expression names, before any pipe: the last
/// quoted argument (`Namespace` of `index .Options "Namespace"`), else the
/// last word (`Schema` of `.Schema`, `schema` of `.Values.schema`, `Role`
/// of `.Role | printf "%s"`).
fn go_word(name: &str) -> &str {
    let head = name.split('|').next().unwrap_or(name);
    let quoted = head.split('"').skip(1).step_by(2).filter_map(last_word).last();
    quoted.or_else(|| last_word(head)).unwrap_or("")
}

/// An identifier for a placeholder: its name's last word, folded to lower
/// case as PostgreSQL folds an unquoted identifier (`${flyway:user}` is
/// `flyway_user`, `{{ .Schema }}` is `schema`), so its quoted and unquoted
/// uses name the same object.
fn stand_in_word(syntax: Syntax, name: &str) -> String {
    let base = match syntax {
        Syntax::GoTemplate => go_word(name),
        _ => name,
    };
    let mut word: String = snake_word(base).take(60).collect();
    if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
        word.insert_str(0, "placeholder_");
    }
    word
}

/// `text` as an unquoted lowercase identifier's characters: ASCII letters
/// and digits lowercased, anything else `_` (`Orders-2024` is `orders_2024`).
pub(crate) fn snake_word(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::lexer::lex_with;
    use std::collections::BTreeMap;

    fn run(sql: &str, values: &[(&str, &str)], patterns: &[&str]) -> Substituted {
        let settings = Placeholders {
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            patterns: patterns.iter().map(|p| regex::Regex::new(p).unwrap()).collect(),
        };
        let lexed = lex_with(sql, &settings.patterns);
        substitute(sql, &lexed, &settings)
    }

    #[test]
    fn unknown_placeholders_become_identifiers_named_after_them() {
        let s = run(
            "ALTER TABLE ${schema}.users ADD COLUMN age int;\nCREATE TABLE \"{{ .Schema }}_x\".t (id int);",
            &[],
            &[],
        );
        assert_eq!(
            s.text,
            "ALTER TABLE schema.users ADD COLUMN age int;\nCREATE TABLE \"schema_x\".t (id int);"
        );
        let names: Vec<_> = s
            .found
            .iter()
            .map(|f| (f.name.as_str(), f.resolved, f.checked))
            .collect();
        assert_eq!(names, [("schema", false, true), (".Schema", false, true)]);
    }

    #[test]
    fn values_and_value_positions() {
        let s = run(
            "SET search_path = ${schema};\nINSERT INTO t VALUES ({{ index .Options \"Limit\" }}, :'who', :\"tbl\");\nSELECT * FROM t LIMIT ${n};",
            &[("schema", "app")],
            &[],
        );
        assert_eq!(
            s.text,
            "SET search_path = app;\nINSERT INTO t VALUES (limit, 'who', \"tbl\");\nSELECT * FROM t LIMIT n;"
                .replace("(limit,", "(\"limit\",")
        );
        assert!(s.found[0].resolved);
        assert!(s.found.iter().all(|f| f.checked));
    }

    #[test]
    fn a_literal_when_no_identifier_fits() {
        let s = run("COMMENT ON TABLE t IS ${note};", &[], &[]);
        assert_eq!(s.text, "COMMENT ON TABLE t IS 'note';");
    }

    #[test]
    fn a_statement_that_never_parses_keeps_its_placeholder() {
        let s = run("CREATE TABLE ${x} (;\nSELECT 1;", &[], &[]);
        assert_eq!(s.text, "CREATE TABLE ${x} (;\nSELECT 1;");
        assert!(!s.found[0].checked);
    }

    #[test]
    fn custom_patterns_and_psql_casts_and_slices() {
        let s = run(
            "CREATE INDEX i ON $%SCHEMA%$.t (a);\nSELECT a::int, b[1:n], c[1 :n] FROM t WHERE x = :limit;",
            &[("SCHEMA", "public")],
            &[r"\$%(\w+)%\$"],
        );
        assert_eq!(
            s.text,
            "CREATE INDEX i ON public.t (a);\nSELECT a::int, b[1:n], c[1 :n] FROM t WHERE x = limit;"
                .replace("= limit", "= \"limit\"")
        );
    }

    #[test]
    fn spans_map_back_to_the_file() {
        let sql = "ALTER TABLE ${schema}.users ADD COLUMN age int NOT NULL;";
        let s = run(sql, &[("schema", "p")], &[]);
        assert_eq!(s.text, "ALTER TABLE p.users ADD COLUMN age int NOT NULL;");
        let column = s.text.find("age").unwrap();
        let back = s.map.original(Span::new(column, column + 3));
        assert_eq!(&sql[back.start..back.end], "age");
        let p = s.text.find("p.users").unwrap();
        let back = s.map.original(Span::new(p, p + 7));
        assert_eq!(&sql[back.start..back.end], "${schema}.users");
        let back = s.map.original(Span::new(p, p + 1));
        assert_eq!(&sql[back.start..back.end], "${schema}");
        assert_eq!(s.map.original(Span::new(0, 11)), Span::new(0, 11));
        assert_eq!(s.map.substituted(sql.find("age").unwrap()), column);
        assert_eq!(s.map.original(Span::new(p, p)), Span::new(12, 12));
    }

    #[test]
    fn go_template_words() {
        assert_eq!(go_word(".Schema"), "Schema");
        assert_eq!(go_word("index .Options \"Namespace\""), "Namespace");
        assert_eq!(go_word(".Role | printf \"%s\""), "Role");
        assert_eq!(go_word(".Values.db.schema"), "schema");
        assert_eq!(stand_in_word(Syntax::DollarBrace, "flyway:user"), "flyway_user");
        assert_eq!(stand_in_word(Syntax::PsqlVariable, "1x"), "placeholder_1x");
    }

    #[test]
    fn go_template_actions_stand_for_nothing() {
        let s = run(
            "{{ if .Audit }}CREATE TABLE audit (id int);{{ end }}\n{{/* note */}}SELECT 1;",
            &[],
            &[],
        );
        assert_eq!(s.text, "CREATE TABLE audit (id int);\nSELECT 1;");
        assert!(s.found.iter().all(|f| !f.needs_value && f.checked));
    }

    #[test]
    fn multi_line_placeholders_keep_lines() {
        let s = run("CREATE TABLE {{\n .Name\n}} (id int);\nSELECT 1;", &[], &[]);
        assert_eq!(s.text, "CREATE TABLE name\n\n (id int);\nSELECT 1;");
    }
}
