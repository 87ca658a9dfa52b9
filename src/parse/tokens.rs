//! Tokens of one statement, from the PostgreSQL scanner, for locating the
//! exact clause a finding is about (`SET NOT NULL`, one `ALTER TABLE` action),
//! and whether a word needs quotes to stay an identifier.

use pg_query::protobuf::{KeywordKind, Token as PgToken};

use crate::input::source::Span;

#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Absolute span in the file.
    pub span: Span,
    /// The token text, lowercased when it is a keyword or bare identifier.
    pub word: String,
    kind: PgToken,
    /// A keyword of PostgreSQL's grammar, reserved or not.
    keyword: bool,
}

impl Token {
    pub(crate) fn is(&self, word: &str) -> bool {
        self.word == word
    }

    /// A string constant: quoted, dollar-quoted, `E'...'` or `U&'...'`.
    pub(crate) fn is_string(&self) -> bool {
        matches!(self.kind, PgToken::Sconst | PgToken::Usconst)
    }

    /// The identifier the token spells, as PostgreSQL reads it before it
    /// truncates it to 63 bytes: a bare one lowercased, a quoted one without
    /// its quotes; None for keywords, strings, numbers and punctuation.
    pub(crate) fn identifier(&self) -> Option<String> {
        if self.kind != PgToken::Ident {
            return None;
        }
        match self.word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
            Some(inner) => Some(inner.replace("\"\"", "\"")),
            // `U&"..."` escapes are rare in migrations: read as written.
            None if self.word.starts_with("u&") => None,
            None => Some(self.word.clone()),
        }
    }

    /// The token is a double-quoted identifier.
    pub(crate) fn is_quoted_identifier(&self) -> bool {
        self.kind == PgToken::Ident && self.word.starts_with('"')
    }

    /// A keyword of PostgreSQL's grammar (`drop`, `table`, `concurrently`),
    /// not a name or a literal.
    pub(crate) fn is_keyword(&self) -> bool {
        self.keyword
    }

    fn is_comment(&self) -> bool {
        matches!(self.kind, PgToken::SqlComment | PgToken::CComment)
    }
}

/// Scans `text[span]` into tokens with absolute spans. Comments are dropped.
pub(crate) fn tokenize(text: &str, span: Span) -> Vec<Token> {
    let slice = &text[span.start..span.end];
    let Ok(tokens) = pg_query::scan_tokens(slice) else {
        return Vec::new();
    };
    tokens
        .into_iter()
        .filter_map(|t| {
            let (start, end) = (usize::try_from(t.start).ok()?, usize::try_from(t.end).ok()?);
            let raw = slice.get(start..end)?;
            let kind = PgToken::try_from(t.token).unwrap_or(PgToken::Nul);
            let word = if raw.starts_with('"') || raw.starts_with('\'') {
                raw.to_string()
            } else {
                raw.to_ascii_lowercase()
            };
            Some(Token {
                span: Span::new(start, end).offset_by(span.start),
                word,
                kind,
                keyword: t.keyword_kind != KeywordKind::NoKeyword as i32,
            })
        })
        .filter(|t| !t.is_comment())
        .collect()
}

/// `text` scans as one word that is no keyword, or an unreserved one: what
/// PostgreSQL reads back as an identifier without quotes.
pub(crate) fn is_unreserved_word(text: &str) -> bool {
    one_word_keyword_kind(text).is_some_and(|kind| kind <= KeywordKind::UnreservedKeyword)
}

/// The keyword category of `word` as PostgreSQL's scanner reads it bare:
/// None for a word that is no keyword.
pub(crate) fn keyword_kind(word: &str) -> Option<KeywordKind> {
    one_word_keyword_kind(word).filter(|kind| *kind != KeywordKind::NoKeyword)
}

/// The keyword category of `text` when the scanner reads it as one token
/// (`NoKeyword` for a name); None for text of several tokens or none.
fn one_word_keyword_kind(text: &str) -> Option<KeywordKind> {
    match pg_query::scan_tokens(text).as_deref() {
        Ok([token]) => KeywordKind::try_from(token.keyword_kind).ok(),
        _ => None,
    }
}

/// An identifier as SQL: bare when PostgreSQL reads it back unchanged
/// (lowercase, not a reserved word), otherwise double-quoted.
pub(crate) fn quote_ident(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    let bare = plain && is_unreserved_word(name);
    if bare {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The span of the first run of consecutive tokens spelling `words`
/// (lowercase), searching within `tokens`.
pub(crate) fn find_words(tokens: &[Token], words: &[&str]) -> Option<Span> {
    if words.is_empty() || tokens.len() < words.len() {
        return None;
    }
    tokens.windows(words.len()).find_map(|w| {
        w.iter()
            .zip(words)
            .all(|(t, word)| t.is(word))
            .then(|| Span::new(w[0].span.start, w[w.len() - 1].span.end))
    })
}

/// Splits tokens at commas outside parentheses. Used to find the span of
/// each action of `ALTER TABLE t action, action, ...`.
pub(crate) fn split_top_level_commas(tokens: &[Token]) -> Vec<&[Token]> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t.word.as_str() {
            "(" | "[" => depth += 1,
            ")" | "]" => depth -= 1,
            "," if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts
}

/// The span covered by a run of tokens.
pub(crate) fn span_of(tokens: &[Token]) -> Option<Span> {
    Some(Span::new(tokens.first()?.span.start, tokens.last()?.span.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_case_insensitively_with_absolute_spans() {
        let text = "-- x\nALTER TABLE t ALTER COLUMN a SET  NOT NULL";
        let span = Span::new(5, text.len());
        let tokens = tokenize(text, span);
        let found = find_words(&tokens, &["set", "not", "null"]).unwrap();
        assert_eq!(&text[found.start..found.end], "SET  NOT NULL");
    }

    #[test]
    fn splits_actions_at_top_level_commas() {
        let text = "ADD COLUMN a numeric(10, 2), DROP COLUMN b";
        let tokens = tokenize(text, Span::new(0, text.len()));
        let parts = split_top_level_commas(&tokens);
        let spans: Vec<_> = parts.iter().map(|p| span_of(p).unwrap()).collect();
        assert_eq!(&text[spans[0].start..spans[0].end], "ADD COLUMN a numeric(10, 2)");
        assert_eq!(&text[spans[1].start..spans[1].end], "DROP COLUMN b");
    }
}
