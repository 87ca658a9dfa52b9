//! The SQL an `EXECUTE` runs, when its expression is built from constants
//! only: a string constant, `format()` with a constant format string and
//! constant arguments (`%I`, `%L`, `%s`, `%%`, positions `%2$I`),
//! `quote_ident`, `quote_literal`, `concat` and `||` of those. Anything that
//! depends on a variable or a query is left to run time (None).

use pg_query::protobuf::{a_const, AConst, AExprKind, FuncCall};
use pg_query::NodeEnum;

use super::literal::literal_at;
use super::span_map::SpanMap;
use crate::input::source::Span;
use crate::parse::ast::string_value;
use crate::parse::tokens::quote_ident;

/// A text built from the expression, with the map from its bytes to the
/// expression's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Built {
    pub text: String,
    pub map: SpanMap,
}

/// The text the expression `expr` (as written after `EXECUTE`) evaluates
/// to, when only constants go into it.
pub(crate) fn resolve(expr: &str) -> Option<Built> {
    const SELECT: &str = "SELECT ";
    let parsed = pg_query::parse(&format!("{SELECT}{expr}"), 0).ok()?;
    let statement = parsed.protobuf.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let NodeEnum::SelectStmt(select) = statement else {
        return None;
    };
    let [target] = select.target_list.as_slice() else {
        return None;
    };
    let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else {
        return None;
    };
    let evaluator = Evaluator {
        expr,
        shift: SELECT.len(),
    };
    evaluator.eval(target.val.as_ref()?.node.as_ref()?, 0)
}

/// Nesting of calls and `||` followed before giving up.
const MAX_DEPTH: usize = 64;
/// The widest `%10s` filled in.
const MAX_WIDTH: usize = 1024;

struct Evaluator<'a> {
    expr: &'a str,
    /// Parse-tree locations count from the `SELECT ` put before `expr`.
    shift: usize,
}

impl Evaluator<'_> {
    fn offset(&self, location: i32) -> Option<usize> {
        usize::try_from(location).ok()?.checked_sub(self.shift)
    }

    fn eval(&self, node: &NodeEnum, depth: usize) -> Option<Built> {
        if depth > MAX_DEPTH {
            return None;
        }
        match node {
            NodeEnum::AConst(constant) => self.constant(constant),
            NodeEnum::TypeCast(cast) => self.eval(cast.arg.as_ref()?.node.as_ref()?, depth + 1),
            NodeEnum::AExpr(op)
                if op.kind == AExprKind::AexprOp as i32
                    && op.name.len() == 1
                    && string_value(&op.name[0]).as_deref() == Some("||") =>
            {
                let mut left = self.eval(op.lexpr.as_ref()?.node.as_ref()?, depth + 1)?;
                let right = self.eval(op.rexpr.as_ref()?.node.as_ref()?, depth + 1)?;
                left.text.push_str(&right.text);
                left.map.extend(&right.map);
                Some(left)
            }
            NodeEnum::FuncCall(call) => self.call(call, depth),
            _ => None,
        }
    }

    /// A string constant, mapped character by character to where it is
    /// written (or as a whole when it is written in a way not decoded here).
    fn constant(&self, constant: &AConst) -> Option<Built> {
        let Some(a_const::Val::Sval(value)) = &constant.val else {
            return None;
        };
        let at = self.offset(constant.location)?;
        match literal_at(self.expr, at) {
            Some(literal) if literal.value == value.sval => Some(Built {
                text: literal.value,
                map: literal.map,
            }),
            _ => {
                let end = self.expr[at..]
                    .find(char::is_whitespace)
                    .map_or(self.expr.len(), |e| at + e);
                let mut map = SpanMap::default();
                map.push_whole(value.sval.len(), Span::new(at, end));
                Some(Built {
                    text: value.sval.clone(),
                    map,
                })
            }
        }
    }

    fn call(&self, call: &FuncCall, depth: usize) -> Option<Built> {
        let name: Vec<String> = call.funcname.iter().filter_map(string_value).collect();
        let name = match name.as_slice() {
            [name] => name.as_str(),
            [schema, name] if schema == "pg_catalog" => name.as_str(),
            _ => return None,
        };
        if call.agg_star || call.func_variadic || !call.agg_order.is_empty() {
            return None;
        }
        let args = || {
            call.args
                .iter()
                .map(|a| self.eval(a.node.as_ref()?, depth + 1))
                .collect::<Option<Vec<Built>>>()
        };
        match name {
            "format" => {
                let (format, rest) = call.args.split_first()?;
                let format = self.eval(format.node.as_ref()?, depth + 1)?;
                let rest: Vec<Option<Built>> = rest.iter().map(|a| self.eval(a.node.as_ref()?, depth + 1)).collect();
                apply_format(&format, &rest)
            }
            "concat" => {
                let mut joined = Built {
                    text: String::new(),
                    map: SpanMap::default(),
                };
                for part in args()? {
                    joined.text.push_str(&part.text);
                    joined.map.extend(&part.map);
                }
                Some(joined)
            }
            "quote_ident" | "quote_literal" | "quote_nullable" => {
                let [arg] = args()?.try_into().ok()?;
                let text = if name == "quote_ident" {
                    quote_ident(&arg.text)
                } else {
                    quote_literal(&arg.text)
                };
                Some(whole(text, &arg.map))
            }
            _ => None,
        }
    }
}

/// `text` standing, as a whole, for everything `map` maps.
fn whole(text: String, map: &SpanMap) -> Built {
    let mut whole = SpanMap::default();
    if let Some(span) = map.whole() {
        whole.push_whole(text.len(), span);
    }
    Built { text, map: whole }
}

/// A string as a SQL literal, as `quote_literal` writes it.
fn quote_literal(value: &str) -> String {
    let quoted = value.replace('\'', "''");
    if value.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

/// `format(format, args...)` as PostgreSQL computes it, for the
/// specifiers it documents: `%[position$][-][width]{s|I|L}` and `%%`. A
/// filled-in piece maps to its specifier. None when an argument it uses is
/// not a constant, or for a specifier written another way (`%*s`).
fn apply_format(format: &Built, args: &[Option<Built>]) -> Option<Built> {
    let spec = &format.text;
    let bytes = spec.as_bytes();
    let mut out = Built {
        text: String::new(),
        map: SpanMap::default(),
    };
    let mut next_arg = 0;
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        out.text.push_str(&spec[run..i]);
        out.map.extend(&format.map.slice(Span::new(run, i)));
        let start = i;
        i += 1;
        if bytes.get(i) == Some(&b'%') {
            out.text.push('%');
            out.map.extend(&format.map.slice(Span::new(i, i + 1)));
            i += 1;
            run = i;
            continue;
        }
        let digits = |i: &mut usize| {
            let from = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            spec[from..*i].parse::<usize>().ok()
        };
        let mut position = None;
        let mark = i;
        if let Some(n) = digits(&mut i) {
            if bytes.get(i) == Some(&b'$') {
                position = Some(n);
                i += 1;
            } else {
                i = mark;
            }
        }
        let left = bytes.get(i) == Some(&b'-');
        if left {
            i += 1;
        }
        // A width past any identifier or literal a migration writes is not
        // filled in: the text would only be padding.
        let width = digits(&mut i).unwrap_or(0);
        if width > MAX_WIDTH {
            return None;
        }
        let kind = *bytes.get(i)?;
        i += 1;
        let index = match position {
            Some(n) => n.checked_sub(1)?,
            None => next_arg,
        };
        next_arg = index + 1;
        let arg = args.get(index)?.as_ref()?;
        let value = match kind {
            b's' => arg.text.clone(),
            b'I' => quote_ident(&arg.text),
            b'L' => quote_literal(&arg.text),
            _ => return None,
        };
        let pad = " ".repeat(width.saturating_sub(value.chars().count()));
        let filled = if left { value + &pad } else { pad + &value };
        let specifier = format.map.file_span(Span::new(start, i))?;
        out.map.push_whole(filled.len(), specifier);
        out.text.push_str(&filled);
        run = i;
    }
    out.text.push_str(&spec[run..]);
    out.map.extend(&format.map.slice(Span::new(run, spec.len())));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(expr: &str, built: &Built, piece: &str) -> String {
        let start = built.text.find(piece).expect("piece in text");
        let span = built.map.file_span(Span::new(start, start + piece.len())).unwrap();
        expr[span.start..span.end].to_string()
    }

    #[test]
    fn a_string_constant_is_its_value() {
        let expr = "'ALTER TABLE t RENAME COLUMN a TO b'";
        let built = resolve(expr).unwrap();
        assert_eq!(built.text, "ALTER TABLE t RENAME COLUMN a TO b");
        assert_eq!(at(expr, &built, "RENAME COLUMN"), "RENAME COLUMN");
        let quoted = resolve("'ALTER TABLE t ALTER c SET DEFAULT ''x'''").unwrap();
        assert_eq!(quoted.text, "ALTER TABLE t ALTER c SET DEFAULT 'x'");
    }

    #[test]
    fn format_fills_constant_arguments() {
        let expr = "format('ALTER TABLE %I ADD COLUMN %I %s DEFAULT %L', 'Users', 'note', 'text', 'it''s')";
        let built = resolve(expr).unwrap();
        assert_eq!(built.text, "ALTER TABLE \"Users\" ADD COLUMN note text DEFAULT 'it''s'");
        assert_eq!(at(expr, &built, "\"Users\""), "%I");
        assert_eq!(at(expr, &built, "ADD COLUMN"), "ADD COLUMN");
        let positional = resolve("format('%2$s %1$s %%', 'a', 'b')").unwrap();
        assert_eq!(positional.text, "b a %");
        assert_eq!(resolve("format('|%-3s|%3s|', 'a', 'b')").unwrap().text, "|a  |  b|");
    }

    #[test]
    fn concatenation_and_quoting_functions() {
        let built = resolve("'DROP TABLE ' || quote_ident('Old') || ';'").unwrap();
        assert_eq!(built.text, "DROP TABLE \"Old\";");
        assert_eq!(resolve("concat('a', 'b')::text").unwrap().text, "ab");
    }

    #[test]
    fn variables_and_queries_are_left_to_run_time() {
        assert_eq!(resolve("'DROP TABLE ' || tbl"), None);
        assert_eq!(resolve("format('DROP TABLE %I', tbl)"), None);
        assert_eq!(resolve("format('%*s', 3, 'x')"), None);
        assert_eq!(resolve("(SELECT sql FROM todo LIMIT 1)"), None);
        assert_eq!(resolve("format('%s')"), None, "a missing argument");
        assert_eq!(
            resolve("format('%999999999s', 'x')"),
            None,
            "a width that is only padding"
        );
    }
}
