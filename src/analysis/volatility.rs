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

/// The expression reads the clock as an instant (`now()`,
/// `CURRENT_TIMESTAMP`, `transaction_timestamp()`, `statement_timestamp()`,
/// `clock_timestamp()`, each perhaps cast) or as the session's wall clock
/// (`LOCALTIMESTAMP`), with no `AT TIME ZONE` around it: stored in a
/// `timestamp without time zone` column, the instant becomes the wall-clock
/// reading of the writing session's `TimeZone`. Returns the call's name for
/// messages (`now()`, `CURRENT_TIMESTAMP`) and its parse-tree location.
pub(crate) fn session_clock_reading(expr: &NodeEnum) -> Option<(&'static str, i32)> {
    use pg_query::protobuf::SqlValueFunctionOp as Op;
    match expr {
        NodeEnum::TypeCast(cast) => session_clock_reading(cast.arg.as_deref()?.node.as_ref()?),
        NodeEnum::FuncCall(call) if call.args.is_empty() => {
            let names: Vec<&str> = strings(&call.funcname).collect();
            let (name, qualifiers) = names.split_last()?;
            if !(qualifiers.is_empty() || qualifiers == ["pg_catalog"]) {
                return None;
            }
            let name = match *name {
                "now" => "now()",
                "transaction_timestamp" => "transaction_timestamp()",
                "statement_timestamp" => "statement_timestamp()",
                "clock_timestamp" => "clock_timestamp()",
                _ => return None,
            };
            Some((name, call.location))
        }
        NodeEnum::SqlvalueFunction(f) => match Op::try_from(f.op).ok()? {
            Op::SvfopCurrentTimestamp | Op::SvfopCurrentTimestampN => Some(("CURRENT_TIMESTAMP", f.location)),
            Op::SvfopLocaltimestamp | Op::SvfopLocaltimestampN => Some(("LOCALTIMESTAMP", f.location)),
            _ => None,
        },
        _ => None,
    }
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
mod clock_tests {
    use super::session_clock_reading;

    fn reading(default: &str) -> Option<&'static str> {
        let sql = format!("SELECT {default}");
        let parsed = pg_query::parse(&sql, 0).unwrap();
        let pg_query::NodeEnum::SelectStmt(select) = parsed.protobuf.stmts[0].stmt.as_ref()?.node.as_ref()? else {
            return None;
        };
        let pg_query::NodeEnum::ResTarget(target) = select.target_list[0].node.as_ref()? else {
            return None;
        };
        session_clock_reading(target.val.as_ref()?.node.as_ref()?).map(|(name, _)| name)
    }

    #[test]
    fn clock_readings_without_a_zone_are_found() {
        assert_eq!(reading("now()"), Some("now()"));
        assert_eq!(reading("pg_catalog.now()::timestamp"), Some("now()"));
        assert_eq!(reading("CURRENT_TIMESTAMP(3)"), Some("CURRENT_TIMESTAMP"));
        assert_eq!(reading("LOCALTIMESTAMP"), Some("LOCALTIMESTAMP"));
        assert_eq!(reading("clock_timestamp()"), Some("clock_timestamp()"));
        assert_eq!(reading("now() AT TIME ZONE 'utc'"), None);
        assert_eq!(reading("timezone('utc', now())"), None);
        assert_eq!(reading("CURRENT_DATE"), None);
        assert_eq!(reading("app.now()"), None);
    }
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
