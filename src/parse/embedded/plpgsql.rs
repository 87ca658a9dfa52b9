//! The statements of a PL/pgSQL body, from the tree PostgreSQL's own
//! PL/pgSQL compiler builds (`pg_query_parse_plpgsql`, as JSON): each SQL
//! statement, `EXECUTE`, `COMMIT` and `ROLLBACK` with its line in the body,
//! the loops around it, and whether an exception handler is around it.
//!
//! The compiler keeps each statement's text as written (`PERFORM` reads as
//! `SELECT` and an `INTO` clause as spaces, both the same length), so
//! `locate` finds it in the body from its line.

use serde_json::Value;

use crate::parse::ffi::{self, PlpgsqlError};

/// What one PL/pgSQL statement does that miglint looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// A SQL statement (or `PERFORM`, `CALL`, the query of a `FOR` loop or
    /// of `RETURN QUERY`): the text PostgreSQL runs.
    Sql(String),
    /// `EXECUTE expr` (or `FOR ... IN EXECUTE`, `RETURN QUERY EXECUTE`,
    /// `OPEN ... FOR EXECUTE`): the expression that yields the SQL.
    Execute(String),
    Commit {
        chain: bool,
    },
    Rollback {
        chain: bool,
    },
}

/// A statement of the body, in the order of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub action: Action,
    /// 1-based line in the body.
    pub line: usize,
    pub around: Around,
}

/// What is around a statement of the body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Around {
    /// The loops around it, outermost first, as indexes in `Tree::loops`.
    pub loops: Vec<usize>,
    /// It runs in an exception handler (only when an error was caught).
    pub in_handler: bool,
    /// A block with an exception handler is around it: it runs in a
    /// subtransaction, where COMMIT and ROLLBACK are refused.
    pub in_protected_block: bool,
}

/// A loop of the body: its 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loop {
    pub line: usize,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Tree {
    pub steps: Vec<Step>,
    pub loops: Vec<Loop>,
}

/// The deepest nesting followed; deeper statements are not seen (PostgreSQL
/// itself limits nesting far below what would exhaust the stack here).
const MAX_DEPTH: usize = 200;

/// Compiles `wrapper` (a `DO` or `CREATE FUNCTION` statement) and returns the
/// statements of its first function.
pub(crate) fn compile(wrapper: &str) -> Result<Tree, PlpgsqlError> {
    let json = ffi::parse_plpgsql(wrapper)?;
    let value: Value = serde_json::from_str(&without_datums(&json)).map_err(|e| PlpgsqlError {
        message: format!("PL/pgSQL tree not read: {e}"),
        context: String::new(),
    })?;
    let mut walker = Walker::default();
    if let Some(action) = value
        .get(0)
        .and_then(|f| f.get("PLpgSQL_function"))
        .and_then(|f| f.get("action"))
    {
        walker.statement(action, &Around::default(), 0);
    }
    Ok(walker.tree)
}

/// The JSON without the function's variables (`"datums"`), which miglint
/// does not read and libpg_query writes as invalid JSON for a trigger
/// function (`{}}` for each of its `TG_` variables).
fn without_datums(json: &str) -> std::borrow::Cow<'_, str> {
    const DATUMS: &str = "\"datums\":[";
    // A string inside the datums escapes its quotes, so the first `],"action":`
    // after them ends them.
    const END: &str = "],\"action\":";
    let Some(start) = json.find(DATUMS) else {
        return json.into();
    };
    match json[start..].find(END) {
        Some(end) => format!("{}{}", &json[..start], &json[start + end + 2..]).into(),
        None => json.into(),
    }
}

#[derive(Default)]
struct Walker {
    tree: Tree,
}

impl Walker {
    fn push(&mut self, action: Action, line: usize, around: &Around) {
        self.tree.steps.push(Step {
            action,
            line,
            around: around.clone(),
        });
    }

    fn statements(&mut self, list: Option<&Value>, context: &Around, depth: usize) {
        for statement in list.and_then(Value::as_array).into_iter().flatten() {
            self.statement(statement, context, depth + 1);
        }
    }

    /// Opens a loop at `line`: the context of its body.
    fn in_loop(&mut self, line: usize, context: &Around) -> Around {
        self.tree.loops.push(Loop { line });
        let mut inner = context.clone();
        inner.loops.push(self.tree.loops.len() - 1);
        inner
    }

    fn statement(&mut self, statement: &Value, context: &Around, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some((kind, node)) = statement.as_object().and_then(|o| o.iter().next()) else {
            return;
        };
        let line = node.get("lineno").and_then(Value::as_u64).unwrap_or(1) as usize;
        let query = |field: &str| {
            node.get(field)
                .and_then(|e| e.get("PLpgSQL_expr"))
                .and_then(|e| e.get("query"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let chain = node.get("chain").and_then(Value::as_bool).unwrap_or(false);
        match kind.as_str() {
            "PLpgSQL_stmt_block" => {
                let exceptions = node
                    .get("exceptions")
                    .and_then(|e| e.get("PLpgSQL_exception_block"))
                    .and_then(|e| e.get("exc_list"))
                    .and_then(Value::as_array);
                let mut body = context.clone();
                body.in_protected_block |= exceptions.is_some();
                self.statements(node.get("body"), &body, depth);
                let mut handler = context.clone();
                handler.in_handler = true;
                for exception in exceptions.into_iter().flatten() {
                    let action = exception.get("PLpgSQL_exception").and_then(|e| e.get("action"));
                    self.statements(action, &handler, depth);
                }
            }
            "PLpgSQL_stmt_execsql" | "PLpgSQL_stmt_perform" | "PLpgSQL_stmt_call" => {
                let field = if kind == "PLpgSQL_stmt_execsql" {
                    "sqlstmt"
                } else {
                    "expr"
                };
                if let Some(sql) = query(field) {
                    self.push(Action::Sql(sql), line, context);
                }
            }
            "PLpgSQL_stmt_dynexecute" => {
                if let Some(expr) = query("query") {
                    self.push(Action::Execute(expr), line, context);
                }
            }
            "PLpgSQL_stmt_return_query" | "PLpgSQL_stmt_open" => {
                if let Some(sql) = query("query") {
                    self.push(Action::Sql(sql), line, context);
                } else if let Some(expr) = query("dynquery") {
                    self.push(Action::Execute(expr), line, context);
                }
            }
            "PLpgSQL_stmt_commit" => self.push(Action::Commit { chain }, line, context),
            "PLpgSQL_stmt_rollback" => self.push(Action::Rollback { chain }, line, context),
            "PLpgSQL_stmt_fors" => {
                // The query runs once; the body, for each of its rows.
                if let Some(sql) = query("query") {
                    self.push(Action::Sql(sql), line, context);
                }
                let inner = self.in_loop(line, context);
                self.statements(node.get("body"), &inner, depth);
            }
            "PLpgSQL_stmt_dynfors" => {
                if let Some(expr) = query("query") {
                    self.push(Action::Execute(expr), line, context);
                }
                let inner = self.in_loop(line, context);
                self.statements(node.get("body"), &inner, depth);
            }
            "PLpgSQL_stmt_loop"
            | "PLpgSQL_stmt_while"
            | "PLpgSQL_stmt_fori"
            | "PLpgSQL_stmt_forc"
            | "PLpgSQL_stmt_foreach_a" => {
                let inner = self.in_loop(line, context);
                self.statements(node.get("body"), &inner, depth);
            }
            "PLpgSQL_stmt_if" => {
                self.statements(node.get("then_body"), context, depth);
                for elsif in node.get("elsif_list").and_then(Value::as_array).into_iter().flatten() {
                    let stmts = elsif.get("PLpgSQL_if_elsif").and_then(|e| e.get("stmts"));
                    self.statements(stmts, context, depth);
                }
                self.statements(node.get("else_body"), context, depth);
            }
            "PLpgSQL_stmt_case" => {
                for when in node
                    .get("case_when_list")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let stmts = when.get("PLpgSQL_case_when").and_then(|e| e.get("stmts"));
                    self.statements(stmts, context, depth);
                }
                self.statements(node.get("else_stmts"), context, depth);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variables_of_a_trigger_function_are_left_out() {
        let json = r#"[{"PLpgSQL_function":{"datums":[{"PLpgSQL_rec":{"refname":"new"}},{}},{}}],"action":{"PLpgSQL_stmt_block":{}}}}]"#;
        let value: Value = serde_json::from_str(&without_datums(json)).unwrap();
        assert!(value[0]["PLpgSQL_function"]["action"].is_object());
        let tree = compile(
            "CREATE FUNCTION t() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE x SET a = 1; RETURN NEW; END $$",
        )
        .unwrap();
        assert_eq!(tree.steps.len(), 1);
    }
}
