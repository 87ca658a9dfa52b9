//! String constants as written in SQL (`'it''s'`, `E'a\nb'`, `$tag$...$tag$`)
//! turned back into their value, with where each byte of the value was
//! written: a body or an `EXECUTE`d string is checked as the SQL it holds,
//! and its findings point at the characters in the file.

use super::span_map::SpanMap;
use crate::input::source::Span;

/// A decoded string constant: its value, and the map from the value's bytes
/// to the text the constant was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Literal {
    pub value: String,
    pub map: SpanMap,
    /// The constant as written, quotes included.
    pub span: Span,
}

/// The string constant starting at `at` in `text`, or None when no constant
/// starts there (or one miglint does not decode, such as `U&'...'`).
pub(crate) fn literal_at(text: &str, at: usize) -> Option<Literal> {
    let rest = text.get(at..)?;
    let (value, map, len) = if rest.starts_with('$') {
        dollar_quoted(rest)?
    } else if rest.starts_with('\'') {
        quoted(rest, 1, false)?
    } else if rest.starts_with(['E', 'e']) && rest[1..].starts_with('\'') {
        quoted(rest, 2, true)?
    } else if rest.starts_with(['N', 'n']) && rest[1..].starts_with('\'') {
        quoted(rest, 2, false)?
    } else {
        return None;
    };
    Some(Literal {
        value,
        map: map.shifted(at),
        span: Span::new(at, at + len),
    })
}

/// `$tag$...$tag$`: the value is the text between the tags, as is.
fn dollar_quoted(rest: &str) -> Option<(String, SpanMap, usize)> {
    let close = rest[1..].find('$')? + 1;
    let tag = &rest[..=close];
    let tag_ok = tag[1..tag.len() - 1]
        .chars()
        .enumerate()
        .all(|(i, c)| c == '_' || c.is_alphabetic() || (i > 0 && c.is_ascii_digit()));
    if !tag_ok {
        return None;
    }
    let body_start = tag.len();
    let body_len = rest[body_start..].find(tag)?;
    let value = rest[body_start..body_start + body_len].to_string();
    let map = SpanMap::verbatim(Span::new(body_start, body_start + body_len));
    Some((value, map, body_start + body_len + tag.len()))
}

/// `'...'` (with `''` for a quote), from the quote at `open - 1`; with
/// `escapes`, the backslash escapes of `E'...'` too.
fn quoted(rest: &str, open: usize, escapes: bool) -> Option<(String, SpanMap, usize)> {
    let bytes = rest.as_bytes();
    let mut value = String::new();
    let mut map = SpanMap::default();
    let mut i = open;
    let mut run = i;
    let flush = |map: &mut SpanMap, value: &mut String, from: usize, to: usize| {
        value.push_str(&rest[from..to]);
        map.push_verbatim(Span::new(from, to));
    };
    while i < bytes.len() {
        match bytes[i] {
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => {
                flush(&mut map, &mut value, run, i);
                value.push('\'');
                map.push_whole(1, Span::new(i, i + 2));
                i += 2;
                run = i;
            }
            b'\'' => {
                flush(&mut map, &mut value, run, i);
                return Some((value, map, i + 1));
            }
            b'\\' if escapes => {
                flush(&mut map, &mut value, run, i);
                let (decoded, len) = backslash_escape(&rest[i..])?;
                let before = value.len();
                value.push_str(&decoded);
                map.push_whole(value.len() - before, Span::new(i, i + len));
                i += len;
                run = i;
            }
            _ => i += 1,
        }
    }
    None
}

/// The character a backslash escape of an `E'...'` string stands for, and
/// how many bytes the escape takes.
fn backslash_escape(escape: &str) -> Option<(String, usize)> {
    let mut chars = escape.chars().skip(1);
    let c = chars.next()?;
    let simple = |s: &str| Some((s.to_string(), 1 + c.len_utf8()));
    match c {
        'b' => simple("\u{8}"),
        'f' => simple("\u{c}"),
        'n' => simple("\n"),
        'r' => simple("\r"),
        't' => simple("\t"),
        '0'..='7' => number(escape, 1, 3, 8),
        'x' => number(escape, 2, 2, 16),
        'u' => number(escape, 2, 4, 16).filter(|(_, len)| *len == 6),
        'U' => number(escape, 2, 8, 16).filter(|(_, len)| *len == 10),
        other => Some((other.to_string(), 1 + other.len_utf8())),
    }
}

/// A numeric escape: up to `max` digits in `radix` from byte `from`.
fn number(escape: &str, from: usize, max: usize, radix: u32) -> Option<(String, usize)> {
    let digits: String = escape[from..]
        .chars()
        .take(max)
        .take_while(|c| c.is_digit(radix))
        .collect();
    let code = u32::from_str_radix(&digits, radix).ok()?;
    Some((char::from_u32(code)?.to_string(), from + digits.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> (String, Vec<Span>) {
        let literal = literal_at(text, 0).expect("a literal");
        let spans = (0..literal.value.len())
            .filter(|&i| literal.value.is_char_boundary(i))
            .map(|i| {
                let end = (i + 1..=literal.value.len())
                    .find(|&e| literal.value.is_char_boundary(e))
                    .unwrap();
                literal.map.file_span(Span::new(i, end)).unwrap()
            })
            .collect();
        (literal.value, spans)
    }

    #[test]
    fn dollar_quoted_text_is_as_written() {
        let (value, spans) = decode("$body$ALTER TABLE t$body$ rest");
        assert_eq!(value, "ALTER TABLE t");
        assert_eq!(spans[0], Span::new(6, 7));
        assert_eq!(literal_at("$$x$$", 0).unwrap().span, Span::new(0, 5));
        assert_eq!(literal_at("$1$x$1$", 0), None, "a tag cannot start with a digit");
    }

    #[test]
    fn doubled_quotes_stand_for_one() {
        let (value, spans) = decode("'it''s'");
        assert_eq!(value, "it's");
        assert_eq!(
            spans,
            [Span::new(1, 2), Span::new(2, 3), Span::new(3, 5), Span::new(5, 6)]
        );
    }

    #[test]
    fn backslash_escapes_of_e_strings() {
        let (value, spans) = decode(r"E'a\nb\x41\\'");
        assert_eq!(value, "a\nbA\\");
        assert_eq!(spans[1], Span::new(3, 5));
        assert_eq!(spans[3], Span::new(6, 10));
        assert_eq!(decode(r"'a\n'").0, r"a\n", "plain strings keep backslashes");
    }

    #[test]
    fn a_literal_found_further_in_maps_to_its_place() {
        let literal = literal_at("EXECUTE 'DROP TABLE t'", 8).unwrap();
        assert_eq!(literal.value, "DROP TABLE t");
        assert_eq!(literal.map.file_span(Span::new(5, 10)), Some(Span::new(14, 19)));
        assert_eq!(literal.span, Span::new(8, 22));
    }

    #[test]
    fn unterminated_or_other_text_is_no_literal() {
        assert_eq!(literal_at("'abc", 0), None);
        assert_eq!(literal_at("abc", 0), None);
        assert_eq!(literal_at("U&'x'", 0), None);
    }
}
