//! `CREATE FUNCTION` and `CREATE PROCEDURE`: the routine's signature (what
//! a call must look like to reach it), its language and body, and the
//! statement PostgreSQL's PL/pgSQL compiler is given to read the body.

use pg_query::protobuf::{CreateFunctionStmt, FunctionParameterMode};
use pg_query::NodeEnum;

use super::span_map::SpanMap;
use super::Statement;
use crate::input::source::Span;
use crate::parse::ast::string_value;
use crate::parse::tokens;

/// What a call must look like to reach a routine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signature {
    /// The schema as written, if any.
    pub schema: Option<String>,
    pub name: String,
    /// Arguments every call passes (those without a default).
    pub required: usize,
    /// Arguments a call may pass; None with `VARIADIC`.
    pub max: Option<usize>,
    pub procedure: bool,
}

impl Signature {
    /// `function f()` or `procedure p()`.
    pub(crate) fn display(&self) -> String {
        let kind = if self.procedure { "procedure" } else { "function" };
        format!("{kind} {}()", self.name)
    }

    /// A call with `args` arguments reaches it.
    pub(crate) fn accepts(&self, args: usize) -> bool {
        args >= self.required && self.max.is_none_or(|max| args <= max)
    }
}

pub(super) fn signature(stmt: &CreateFunctionStmt) -> Signature {
    let names: Vec<String> = stmt.funcname.iter().filter_map(string_value).collect();
    let (schema, name) = match names.as_slice() {
        [.., schema, name] => (Some(schema.clone()), name.clone()),
        [name] => (None, name.clone()),
        [] => (None, String::new()),
    };
    let mut required = 0;
    let mut max = Some(0usize);
    for parameter in &stmt.parameters {
        let Some(NodeEnum::FunctionParameter(p)) = parameter.node.as_ref() else {
            continue;
        };
        let mode = FunctionParameterMode::try_from(p.mode).unwrap_or(FunctionParameterMode::FuncParamDefault);
        let passed = match mode {
            FunctionParameterMode::FuncParamOut => stmt.is_procedure,
            FunctionParameterMode::FuncParamTable => false,
            FunctionParameterMode::FuncParamVariadic => {
                max = None;
                false
            }
            _ => true,
        };
        if passed {
            max = max.map(|m| m + 1);
            if p.defexpr.is_none() && mode != FunctionParameterMode::FuncParamOut {
                required += 1;
            }
        }
    }
    Signature {
        schema,
        name,
        required,
        max,
        procedure: stmt.is_procedure,
    }
}

/// The routine's language (lowercase as PostgreSQL folds it, `sql` when
/// not written, as for `BEGIN ATOMIC`) and its body's text, if it has one.
pub(super) fn language_and_source(stmt: &CreateFunctionStmt) -> (String, Option<String>) {
    let mut language = "sql".to_string();
    let mut source = None;
    for option in &stmt.options {
        let Some(NodeEnum::DefElem(option)) = option.node.as_ref() else {
            continue;
        };
        let arg = option.arg.as_deref();
        match option.defname.as_str() {
            "language" => language = arg.and_then(string_value).unwrap_or(language),
            // `AS 'obj_file', 'link_symbol'` is C code: no body to read.
            "as" => match arg.and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::List(list)) if list.items.len() == 1 => source = string_value(&list.items[0]),
                _ => {}
            },
            _ => {}
        }
    }
    (language, source)
}

/// The statement PostgreSQL's compiler is given for a PL/pgSQL routine whose
/// signature it cannot read (it knows only built-in types, and no `%TYPE`):
/// the same parameter names and modes and a result of the same shape, with
/// `text` for every type. A body compiles the same whatever its variables'
/// types: only whether the routine returns nothing, a set, a trigger or
/// output parameters changes what its `RETURN`s may say.
pub(super) fn plpgsql_wrapper(stmt: &CreateFunctionStmt, body: &str) -> String {
    let mut parameters = Vec::new();
    let mut outputs = false;
    let mut table = false;
    for parameter in &stmt.parameters {
        let Some(NodeEnum::FunctionParameter(p)) = parameter.node.as_ref() else {
            continue;
        };
        let mode = FunctionParameterMode::try_from(p.mode).unwrap_or(FunctionParameterMode::FuncParamDefault);
        let written = match mode {
            FunctionParameterMode::FuncParamOut => "OUT ",
            FunctionParameterMode::FuncParamInout => "INOUT ",
            FunctionParameterMode::FuncParamTable => "OUT ",
            _ => "",
        };
        outputs |= !written.is_empty();
        table |= mode == FunctionParameterMode::FuncParamTable;
        let array = mode == FunctionParameterMode::FuncParamVariadic
            || p.arg_type.as_ref().is_some_and(|t| !t.array_bounds.is_empty());
        let name = if p.name.is_empty() {
            String::new()
        } else {
            format!("{} ", tokens::quote_ident(&p.name))
        };
        let default = if p.defexpr.is_some() { " DEFAULT NULL" } else { "" };
        let ty = if array { "text[]" } else { "text" };
        parameters.push(format!("{written}{name}{ty}{default}"));
    }
    let setof = stmt.return_type.as_ref().is_some_and(|t| t.setof);
    let returns = match stmt.return_type.as_ref() {
        _ if stmt.is_procedure => String::new(),
        _ if table || (outputs && setof) => " RETURNS SETOF record".to_string(),
        _ if outputs => String::new(),
        None => " RETURNS void".to_string(),
        Some(ty) => {
            let names: Vec<String> = ty.names.iter().filter_map(string_value).collect();
            let shape = match names.last().map(String::as_str) {
                Some("void") => "void",
                Some("trigger") => "trigger",
                Some("event_trigger") => "event_trigger",
                _ => "text",
            };
            format!(" RETURNS {}{shape}", if setof { "SETOF " } else { "" })
        }
    };
    let kind = if stmt.is_procedure { "PROCEDURE" } else { "FUNCTION" };
    let tag = super::dollar_tag(body);
    format!(
        "CREATE {kind} pg_temp.miglint_body({}){returns} LANGUAGE plpgsql AS {tag}{body}{tag}",
        parameters.join(", ")
    )
}

/// The statements of a `BEGIN ATOMIC ... END` body, as one text of
/// statements, with its map; or the expression of `RETURN expr`, as a
/// `SELECT`.
pub(super) fn atomic_body(statement: &Statement, text: &str, map: &SpanMap) -> Option<(String, SpanMap)> {
    let tokens = tokens::tokenize(text, statement.span);
    if let Some(begin) = tokens.windows(2).position(|w| w[0].is("begin") && w[1].is("atomic")) {
        let start = tokens[begin + 1].span.end;
        let end = tokens.iter().rev().find(|t| t.is("end"))?.span.start;
        let inner = Span::new(start, end.max(start));
        return Some((text[inner.start..inner.end].to_string(), map.slice(inner)));
    }
    let ret = tokens.iter().rposition(|t| t.is("return"))?;
    let expr = Span::new(tokens[ret].span.end, statement.span.end);
    let mut expr_map = SpanMap::default();
    expr_map.push_whole("SELECT".len(), map.file_span(tokens[ret].span)?);
    expr_map.extend(&map.slice(expr));
    Some((format!("SELECT{}", &text[expr.start..expr.end]), expr_map))
}
