//! Accessors over pg_query's AST: what a statement names, read off the parse
//! tree without judging it (the actions of an `ALTER TABLE`, the constraints
//! written on a column, the options of `VACUUM (...)`). Analysis and rules
//! share them, so each is written once, below both.

use pg_query::protobuf::{
    a_const, AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, IndexStmt, RangeVar,
};
use pg_query::NodeEnum;

/// The text of each `String` node of a list, other nodes skipped: the parts
/// of a qualified name, the columns of `UNIQUE (a, b)`.
pub(crate) fn strings(nodes: &[pg_query::Node]) -> impl Iterator<Item = &str> {
    nodes.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::String(s) => Some(s.sval.as_str()),
        _ => None,
    })
}

/// The text of a `String` node or of a string constant (`'a, b'`).
pub(crate) fn string_value(node: &pg_query::Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::String(s) => Some(s.sval.clone()),
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            a_const::Val::Sval(s) => Some(s.sval.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The actions of an `ALTER TABLE`, in order.
pub(crate) fn alter_table_cmds(cmds: &[pg_query::Node]) -> impl Iterator<Item = &AlterTableCmd> {
    alter_table_actions(cmds).map(|(_, cmd)| cmd)
}

/// Each action of an `ALTER TABLE` with its position among the statement's
/// actions: the `n` of `StatementContext::alter_action_span`.
pub(crate) fn alter_table_actions(cmds: &[pg_query::Node]) -> impl Iterator<Item = (usize, &AlterTableCmd)> {
    cmds.iter()
        .enumerate()
        .filter_map(|(n, node)| match node.node.as_ref()? {
            NodeEnum::AlterTableCmd(cmd) => Some((n, cmd.as_ref())),
            _ => None,
        })
}

/// The column an action defines: the new column of `ADD COLUMN`, the new
/// type (and `USING`) of `ALTER COLUMN ... TYPE`.
pub(crate) fn column_def(cmd: &AlterTableCmd) -> Option<&ColumnDef> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::ColumnDef(col) => Some(col),
        _ => None,
    }
}

/// The column an `ADD COLUMN` action adds.
pub(crate) fn added_column(cmd: &AlterTableCmd) -> Option<&ColumnDef> {
    column_def(cmd).filter(|_| cmd.subtype == AlterTableType::AtAddColumn as i32)
}

/// The constraint an `ADD CONSTRAINT` action adds.
pub(crate) fn constraint(cmd: &AlterTableCmd) -> Option<&Constraint> {
    constraint_node(cmd.def.as_ref()?)
}

/// The constraint a node holds.
pub(crate) fn constraint_node(node: &pg_query::Node) -> Option<&Constraint> {
    match node.node.as_ref()? {
        NodeEnum::Constraint(con) => Some(con),
        _ => None,
    }
}

/// The constraints written on a column (`NOT NULL`, `DEFAULT`,
/// `REFERENCES`, ...), in order, attributes such as `DEFERRABLE` included.
pub(crate) fn column_constraints(col: &ColumnDef) -> impl Iterator<Item = &Constraint> {
    col.constraints.iter().filter_map(constraint_node)
}

/// A `FOREIGN KEY` or `REFERENCES` constraint.
pub(crate) fn is_foreign_key(con: &Constraint) -> bool {
    con.contype == ConstrType::ConstrForeign as i32
}

/// For each of a column's constraints (as `column_constraints` lists them),
/// whether it is enforced: a `NOT ENFORCED` written after a `CHECK` or
/// `REFERENCES` (PostgreSQL 18) is a separate node that switches it off, and
/// PostgreSQL then skips validating it.
pub(crate) fn column_constraints_enforced(col: &ColumnDef) -> Vec<bool> {
    let list: Vec<&Constraint> = column_constraints(col).collect();
    (0..list.len())
        .map(|i| {
            !list[i + 1..]
                .iter()
                .take_while(|c| is_constraint_attribute(c))
                .any(|c| c.contype == ConstrType::ConstrAttrNotEnforced as i32)
        })
        .collect()
}

/// `DEFERRABLE`, `INITIALLY DEFERRED`, `NOT ENFORCED`: they follow the
/// constraint they qualify as separate parse nodes.
pub(crate) fn is_constraint_attribute(con: &Constraint) -> bool {
    matches!(
        ConstrType::try_from(con.contype),
        Ok(ConstrType::ConstrAttrDeferrable
            | ConstrType::ConstrAttrNotDeferrable
            | ConstrType::ConstrAttrDeferred
            | ConstrType::ConstrAttrImmediate
            | ConstrType::ConstrAttrEnforced
            | ConstrType::ConstrAttrNotEnforced)
    )
}

/// `DETACH PARTITION ... CONCURRENTLY`.
pub(crate) fn partition_cmd_concurrent(cmd: &AlterTableCmd) -> bool {
    matches!(cmd.def.as_ref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent)
}

/// The relation of a `RangeVar` node, skipping other nodes.
pub(crate) fn range_var(node: &pg_query::Node) -> Option<&RangeVar> {
    match node.node.as_ref()? {
        NodeEnum::RangeVar(rv) => Some(rv),
        _ => None,
    }
}

/// A boolean `DefElem` option such as `VACUUM (FULL)` or `REINDEX (CONCURRENTLY)`.
pub(crate) fn has_option(options: &[pg_query::Node], name: &str) -> bool {
    options.iter().any(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(def)) => {
            def.defname == name
                && !matches!(
                    def.arg.as_ref().and_then(|a| a.node.as_ref()),
                    Some(NodeEnum::Boolean(b)) if !b.boolval
                )
        }
        _ => false,
    })
}

/// Every string constant (`'calm'`) anywhere in a statement, with its
/// parse-tree location, in no particular order. Strings that are not
/// constants (identifiers, the text of `COMMENT ON ... IS`, the value named
/// by `ALTER TYPE ... ADD VALUE`) are not included.
pub(crate) fn string_constants(node: &NodeEnum) -> Vec<(String, i32)> {
    fn walk(value: &serde_json::Value, out: &mut Vec<(String, i32)>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(constant) = map.get("AConst") {
                    let text = constant.pointer("/val/Sval/sval").and_then(|v| v.as_str());
                    let location = constant.get("location").and_then(|l| l.as_i64()).unwrap_or(-1);
                    if let Some(text) = text {
                        out.push((text.to_string(), i32::try_from(location).unwrap_or(-1)));
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(node) {
        walk(&value, &mut out);
    }
    out
}

/// The table a statement adds rows to: `INSERT INTO`, `COPY ... FROM`,
/// `MERGE INTO`.
pub(crate) fn rows_added_to(node: &NodeEnum) -> Option<&RangeVar> {
    match node {
        NodeEnum::InsertStmt(s) => s.relation.as_ref(),
        NodeEnum::CopyStmt(s) if s.is_from => s.relation.as_ref(),
        NodeEnum::MergeStmt(s) => s.relation.as_ref(),
        _ => None,
    }
}

/// Does a `WHERE` clause let every row through? None (no clause), or a
/// condition true whatever the row: `true`, `1 = 1`, `'a' = 'a'`, `NOT
/// false`, an `AND` of such, an `OR` with one. Conditions on columns, and
/// constants that need casting to compare, are not judged.
pub(crate) fn selects_every_row(where_clause: Option<&pg_query::Node>) -> bool {
    where_clause
        .and_then(|n| n.node.as_ref())
        .is_none_or(|n| constant_truth(n, 0) == Some(true))
}

/// The value of a condition made only of constants, when it has one;
/// `depth` bounds the walk of machine-written nesting.
fn constant_truth(node: &NodeEnum, depth: usize) -> Option<bool> {
    use pg_query::protobuf::{AExprKind, BoolExprType};
    if depth > 32 {
        return None;
    }
    let inner = |n: &pg_query::Node| n.node.as_ref().and_then(|n| constant_truth(n, depth + 1));
    match node {
        NodeEnum::AConst(c) => match &c.val {
            Some(a_const::Val::Boolval(b)) => Some(b.boolval),
            _ => None,
        },
        NodeEnum::BoolExpr(e) => {
            let values: Vec<Option<bool>> = e.args.iter().map(inner).collect();
            match e.boolop() {
                BoolExprType::AndExpr if values.contains(&Some(false)) => Some(false),
                BoolExprType::AndExpr => values.iter().all(|v| *v == Some(true)).then_some(true),
                BoolExprType::OrExpr if values.contains(&Some(true)) => Some(true),
                BoolExprType::OrExpr => values.iter().all(|v| *v == Some(false)).then_some(false),
                BoolExprType::NotExpr => values.first().copied().flatten().map(|v| !v),
                BoolExprType::Undefined => None,
            }
        }
        NodeEnum::AExpr(e) if e.kind() == AExprKind::AexprOp => {
            let constant = |n: Option<&Box<pg_query::Node>>| match n?.node.as_ref()? {
                NodeEnum::AConst(c) if !c.isnull => c.val.clone(),
                _ => None,
            };
            let (left, right) = (constant(e.lexpr.as_ref())?, constant(e.rexpr.as_ref())?);
            // Only same-kind constants: `1 = '1'` needs the server's casts.
            if std::mem::discriminant(&left) != std::mem::discriminant(&right) {
                return None;
            }
            let same = left == right;
            match strings(&e.name).last()? {
                "=" | "<=" | ">=" => Some(same),
                "<>" | "!=" => Some(!same),
                _ => None,
            }
        }
        _ => None,
    }
}

/// What makes two indexes the same for PostgreSQL when a partitioned
/// table's index adopts a partition's: access method, keys (columns or
/// expressions, with collations and operator classes), included columns,
/// predicate, uniqueness and `NULLS NOT DISTINCT`, as one normalized text
/// (`CREATE UNIQUE INDEX ON t USING btree (lower(a))`). Names, table,
/// `CONCURRENTLY`, storage parameters and tablespace are left out. None when
/// the text cannot be rebuilt.
pub(crate) fn index_signature(stmt: &IndexStmt) -> Option<String> {
    let mut normal = stmt.clone();
    normal.idxname = String::new();
    normal.relation = Some(RangeVar {
        relname: "t".to_string(),
        inh: true,
        relpersistence: "p".to_string(),
        ..RangeVar::default()
    });
    normal.concurrent = false;
    normal.if_not_exists = false;
    normal.primary = false;
    normal.isconstraint = false;
    normal.deferrable = false;
    normal.initdeferred = false;
    normal.options = Vec::new();
    normal.table_space = String::new();
    normal.idxcomment = String::new();
    if normal.access_method.is_empty() {
        normal.access_method = "btree".to_string();
    }
    let result = pg_query::protobuf::ParseResult {
        version: 0,
        stmts: vec![pg_query::protobuf::RawStmt {
            stmt: Some(Box::new(pg_query::Node {
                node: Some(NodeEnum::IndexStmt(Box::new(normal))),
            })),
            stmt_location: 0,
            stmt_len: 0,
        }],
    };
    pg_query::deparse(&result, Default::default()).ok()
}

/// The signature (`index_signature`) of the btree index a `UNIQUE` or
/// `PRIMARY KEY` constraint on `columns` builds.
pub(crate) fn constraint_index_signature(columns: &[String]) -> Option<String> {
    let params = columns
        .iter()
        .map(|c| pg_query::Node {
            node: Some(NodeEnum::IndexElem(Box::new(pg_query::protobuf::IndexElem {
                name: c.clone(),
                ordering: pg_query::protobuf::SortByDir::SortbyDefault as i32,
                nulls_ordering: pg_query::protobuf::SortByNulls::SortbyNullsDefault as i32,
                ..Default::default()
            }))),
        })
        .collect();
    index_signature(&IndexStmt {
        unique: true,
        access_method: "btree".to_string(),
        index_params: params,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_clauses_that_select_every_row() {
        let every_row = |sql: &str| {
            let parsed = pg_query::parse(sql, 0).unwrap();
            let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
            match node {
                NodeEnum::DeleteStmt(d) => selects_every_row(d.where_clause.as_deref()),
                NodeEnum::UpdateStmt(u) => selects_every_row(u.where_clause.as_deref()),
                _ => unreachable!(),
            }
        };
        for sql in [
            "DELETE FROM t",
            "DELETE FROM t WHERE true",
            "DELETE FROM t WHERE 1 = 1",
            "DELETE FROM t WHERE 'a' = 'a'",
            "UPDATE t SET a = 1 WHERE 1=1 AND true",
            "UPDATE t SET a = 1 WHERE id = 3 OR 1 = 1",
            "UPDATE t SET a = 1 WHERE NOT false",
            "UPDATE t SET a = 1 WHERE 1 <> 2",
            "UPDATE t SET a = 1 WHERE (true)",
        ] {
            assert!(every_row(sql), "{sql}");
        }
        for sql in [
            "DELETE FROM t WHERE id = 1",
            "DELETE FROM t WHERE 1 = 2",
            "DELETE FROM t WHERE true AND id = 1",
            "DELETE FROM t WHERE 1 = '1'",
            "DELETE FROM t WHERE false OR id > 5",
            "DELETE FROM t WHERE 1 < 2",
            "UPDATE t SET a = 1 WHERE NULL = NULL",
        ] {
            assert!(!every_row(sql), "{sql}");
        }
    }

    #[test]
    fn finds_string_constants_anywhere() {
        let constants = |sql: &str| -> Vec<String> {
            let parsed = pg_query::parse(sql, 0).unwrap();
            let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
            let mut found: Vec<String> = string_constants(&node).into_iter().map(|(s, _)| s).collect();
            found.sort();
            found
        };
        assert_eq!(constants("INSERT INTO t (m) VALUES ('calm'::mood, 'x')"), ["calm", "x"]);
        assert_eq!(
            constants("ALTER TABLE t ALTER COLUMN m SET DEFAULT 'calm', ADD CHECK (m <> 'sad')"),
            ["calm", "sad"]
        );
        assert_eq!(
            constants("UPDATE t SET m = 'calm' WHERE id IN (SELECT 1 WHERE 'a' = 'b')"),
            ["a", "b", "calm"]
        );
        assert!(constants("COMMENT ON TYPE mood IS 'calm'").is_empty());
        assert!(constants("ALTER TYPE mood ADD VALUE 'calm'").is_empty());
    }

    #[test]
    fn index_signatures_ignore_names_and_match_constraint_indexes() {
        let sig = |sql: &str| match pg_query::parse(sql, 0).unwrap().protobuf.stmts[0]
            .stmt
            .as_ref()
            .unwrap()
            .node
            .clone()
        {
            Some(NodeEnum::IndexStmt(stmt)) => super::index_signature(&stmt),
            _ => None,
        };
        assert_eq!(
            sig("CREATE INDEX a ON t (x)"),
            sig("CREATE INDEX CONCURRENTLY b ON ONLY app.u USING btree (x)")
        );
        assert_ne!(
            sig("CREATE INDEX a ON t (x)"),
            sig("CREATE INDEX a ON t (x) WHERE x > 0")
        );
        assert_ne!(
            sig("CREATE INDEX a ON t (x)"),
            sig("CREATE INDEX a ON t USING hash (x)")
        );
        assert_ne!(sig("CREATE INDEX a ON t (x)"), sig("CREATE INDEX a ON t (lower(x))"));
        assert_eq!(
            sig("CREATE UNIQUE INDEX k ON t (a, b)"),
            super::constraint_index_signature(&["a".to_string(), "b".to_string()])
        );
    }
}
