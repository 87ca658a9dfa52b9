//! Function volatility, from PostgreSQL's own catalog (`pg_functions.tsv`,
//! generated from `pg_proc`), never guessed from a function's name.

use std::collections::HashMap;
use std::sync::OnceLock;

use pg_query::{NodeEnum, NodeRef};

use crate::parse::ast::strings;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

const CATALOG: &str = include_str!("pg_functions.tsv");

fn builtin_functions() -> &'static HashMap<&'static str, Volatility> {
    static TABLE: OnceLock<HashMap<&'static str, Volatility>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CATALOG
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let (name, class) = line.split_once('\t')?;
                let volatility = match class.trim() {
                    "i" => Volatility::Immutable,
                    "s" => Volatility::Stable,
                    _ => Volatility::Volatile,
                };
                Some((name, volatility))
            })
            .collect()
    })
}

/// Volatility of a built-in function by name, None when it is not built in.
pub(crate) fn builtin_volatility(name: &str) -> Option<Volatility> {
    builtin_functions().get(name).copied()
}

/// A function call that makes an expression volatile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VolatileCall {
    pub function: String,
    /// False for functions PostgreSQL does not ship: they are VOLATILE unless
    /// declared otherwise, and miglint cannot see their declaration.
    pub builtin: bool,
    pub location: i32,
}

/// The first call in `expr` that makes it volatile, if any. Functions
/// qualified with a schema other than `pg_catalog` are user-defined.
pub(crate) fn first_volatile_call(expr: &NodeEnum) -> Option<VolatileCall> {
    let calls = std::iter::once(expr.to_ref())
        .chain(expr.nodes().into_iter().map(|(node, ..)| node))
        .filter_map(|node| match node {
            NodeRef::FuncCall(call) => Some(call),
            _ => None,
        });
    for call in calls {
        let names: Vec<&str> = strings(&call.funcname).collect();
        let Some((name, qualifiers)) = names.split_last() else {
            continue;
        };
        let in_catalog = qualifiers.is_empty() || qualifiers == ["pg_catalog"];
        let known = in_catalog.then(|| builtin_volatility(name)).flatten();
        if known.is_none_or(|v| v == Volatility::Volatile) {
            return Some(VolatileCall {
                function: names.join("."),
                builtin: known.is_some(),
                location: call.location,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_expr(sql: &str) -> NodeEnum {
        let parsed = pg_query::parse(&format!("SELECT {sql}"), 0).unwrap();
        let NodeEnum::SelectStmt(select) = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.as_ref().unwrap()
        else {
            panic!()
        };
        let NodeEnum::ResTarget(target) = select.target_list[0].node.as_ref().unwrap() else {
            panic!()
        };
        target.val.as_ref().unwrap().node.clone().unwrap()
    }

    fn volatile(sql: &str) -> Option<String> {
        first_volatile_call(&default_expr(sql)).map(|c| c.function)
    }

    #[test]
    fn volatility_follows_pg_proc() {
        assert_eq!(volatile("now()"), None);
        assert_eq!(volatile("lower('A')"), None);
        assert_eq!(volatile("CURRENT_TIMESTAMP"), None);
        assert_eq!(volatile("clock_timestamp()").as_deref(), Some("clock_timestamp"));
        assert_eq!(volatile("gen_random_uuid()").as_deref(), Some("gen_random_uuid"));
        assert_eq!(volatile("(random() * 10)::int").as_deref(), Some("random"));
        assert_eq!(volatile("pg_catalog.now()"), None);
    }

    #[test]
    fn unknown_functions_are_volatile_like_postgres_default() {
        let call = first_volatile_call(&default_expr("uuid_generate_v4()")).unwrap();
        assert!(!call.builtin);
        assert_eq!(volatile("app.now()").as_deref(), Some("app.now"));
    }
}
