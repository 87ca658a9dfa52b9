//! What a `CHECK` constraint says of one column in the terms of a partition
//! bound: PostgreSQL skips the scan of `ATTACH PARTITION` when the table's
//! constraints prove the new partition's bound. Only the simple forms are
//! read (`col >= a AND col < b`, `col IN (...)`, `col = v`, constants
//! compared as written); anything else proves nothing.

use pg_query::protobuf::{a_const, AExprKind, BoolExprType, PartitionBoundSpec};
use pg_query::NodeEnum;

use crate::parse::ast::string_value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckBound {
    /// `col >= from AND col < to`.
    Range { column: String, from: String, to: String },
    /// `col IN (values)` or `col = value`.
    List { column: String, values: Vec<String> },
}

impl CheckBound {
    /// The bound a CHECK expression states, if it is one of the simple forms.
    pub(crate) fn of_check(expr: &pg_query::Node) -> Option<CheckBound> {
        match expr.node.as_ref()? {
            NodeEnum::BoolExpr(b) if b.boolop == BoolExprType::AndExpr as i32 && b.args.len() == 2 => {
                let (col_from, op_from, from) = comparison(&b.args[0])?;
                let (col_to, op_to, to) = comparison(&b.args[1])?;
                (op_from == ">=" && op_to == "<" && col_from == col_to).then_some(CheckBound::Range {
                    column: col_from,
                    from,
                    to,
                })
            }
            NodeEnum::AExpr(e) if e.kind == AExprKind::AexprIn as i32 && operator(&e.name) == "=" => {
                let column = column_name(e.lexpr.as_deref()?)?;
                let NodeEnum::List(list) = e.rexpr.as_deref()?.node.as_ref()? else {
                    return None;
                };
                let values = list.items.iter().map(constant_text).collect::<Option<Vec<_>>>()?;
                Some(CheckBound::List { column, values })
            }
            _ => {
                let (column, op, value) = comparison(expr)?;
                (op == "=").then(|| CheckBound::List {
                    column,
                    values: vec![value],
                })
            }
        }
    }

    /// The constraint proves that every row of a table whose `column` is
    /// NOT NULL (`not_null`) fits the partition bound on `key`.
    pub(crate) fn proves(&self, bound: &PartitionBoundSpec, key: &str, not_null: bool) -> bool {
        let constants = |nodes: &[pg_query::Node]| nodes.iter().map(constant_text).collect::<Option<Vec<_>>>();
        match self {
            CheckBound::Range { column, from, to } if column == key && not_null && bound.strategy == "r" => {
                constants(&bound.lowerdatums) == Some(vec![from.clone()])
                    && constants(&bound.upperdatums) == Some(vec![to.clone()])
            }
            CheckBound::List { column, values } if column == key && not_null && bound.strategy == "l" => {
                constants(&bound.listdatums).is_some_and(|listed| values.iter().all(|v| listed.contains(v)))
            }
            _ => false,
        }
    }

    /// The column it constrains.
    pub(crate) fn column_mut(&mut self) -> &mut String {
        match self {
            CheckBound::Range { column, .. } | CheckBound::List { column, .. } => column,
        }
    }
}

/// `column op constant`.
fn comparison(node: &pg_query::Node) -> Option<(String, String, String)> {
    let NodeEnum::AExpr(e) = node.node.as_ref()? else {
        return None;
    };
    if e.kind != AExprKind::AexprOp as i32 {
        return None;
    }
    Some((
        column_name(e.lexpr.as_deref()?)?,
        operator(&e.name),
        constant_text(e.rexpr.as_deref()?)?,
    ))
}

fn operator(name: &[pg_query::Node]) -> String {
    name.last().and_then(string_value).unwrap_or_default()
}

fn column_name(node: &pg_query::Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::ColumnRef(col) if col.fields.len() == 1 => string_value(&col.fields[0]),
        _ => None,
    }
}

/// A number or string constant, as written.
fn constant_text(node: &pg_query::Node) -> Option<String> {
    let NodeEnum::AConst(c) = node.node.as_ref()? else {
        return None;
    };
    match c.val.as_ref()? {
        a_const::Val::Ival(i) => Some(i.ival.to_string()),
        a_const::Val::Fval(f) => Some(f.fval.clone()),
        a_const::Val::Sval(s) => Some(format!("'{}'", s.sval)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sql: &str) -> Option<CheckBound> {
        let parsed = pg_query::parse(&format!("SELECT {sql}"), 0).unwrap();
        let NodeEnum::SelectStmt(select) = parsed.protobuf.stmts[0].stmt.clone().unwrap().node.unwrap() else {
            panic!()
        };
        let NodeEnum::ResTarget(target) = select.target_list[0].node.clone().unwrap() else {
            panic!()
        };
        CheckBound::of_check(target.val.as_deref().unwrap())
    }

    #[test]
    fn reads_the_simple_forms_only() {
        let range = |f: &str, t: &str| CheckBound::Range {
            column: "k".into(),
            from: f.into(),
            to: t.into(),
        };
        assert_eq!(check("k >= 1 AND k < 10"), Some(range("1", "10")));
        assert_eq!(check("k >= 'a' AND k < 'b'"), Some(range("'a'", "'b'")));
        let list = |v: &[&str]| CheckBound::List {
            column: "k".into(),
            values: v.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(check("k IN (1, 2)"), Some(list(&["1", "2"])));
        assert_eq!(check("k = 3"), Some(list(&["3"])));
        for other in [
            "k > 1 AND k < 10",
            "k >= 1 AND j < 10",
            "k NOT IN (1)",
            "k < 3",
            "k >= 1 OR k < 10",
        ] {
            assert_eq!(check(other), None, "{other}");
        }
    }
}
