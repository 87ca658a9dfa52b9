//! The names a statement gives: the objects it creates (a table, its
//! columns and constraints, an index, a view, a type, a function, ...) and
//! the new name of a rename. Names as PostgreSQL keeps them in the parse
//! tree; references to existing objects are not names it gives.

use pg_query::protobuf::{ColumnDef, ConstrType, Constraint};
use pg_query::NodeEnum;

use crate::parse::ast::{alter_table_cmds, column_constraints, constraint, strings};

/// What a given name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamedKind {
    Relation,
    Column,
    Constraint(ConstraintKind),
    Index { unique: bool },
    Schema,
    Type,
    Function,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Other,
}

/// A name the statement gives, with the table it belongs to and the columns
/// it covers (for constraints and indexes), as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GivenName {
    pub name: String,
    pub kind: NamedKind,
    pub table: String,
    pub columns: Vec<String>,
}

/// The names `node` gives, in the order of the statement.
pub(crate) fn given_names(node: &NodeEnum) -> Vec<GivenName> {
    let mut out = Vec::new();
    let mut push = |name: &str, kind: NamedKind, table: &str, columns: Vec<String>| {
        if !name.is_empty() {
            out.push(GivenName {
                name: name.to_string(),
                kind,
                table: table.to_string(),
                columns,
            });
        }
    };
    match node {
        NodeEnum::CreateStmt(s) => {
            let table = s.relation.as_ref().map(|r| r.relname.as_str()).unwrap_or("");
            push(table, NamedKind::Relation, "", Vec::new());
            for elt in &s.table_elts {
                match elt.node.as_ref() {
                    Some(NodeEnum::ColumnDef(col)) => column(col, table, &mut push),
                    Some(NodeEnum::Constraint(c)) => table_constraint(c, table, &mut push),
                    _ => {}
                }
            }
        }
        NodeEnum::AlterTableStmt(s) => {
            let table = s.relation.as_ref().map(|r| r.relname.as_str()).unwrap_or("");
            for cmd in alter_table_cmds(&s.cmds) {
                match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::ColumnDef(col))
                        if cmd.subtype == pg_query::protobuf::AlterTableType::AtAddColumn as i32 =>
                    {
                        column(col, table, &mut push)
                    }
                    _ => {
                        if let Some(c) = constraint(cmd) {
                            table_constraint(c, table, &mut push);
                        }
                    }
                }
            }
        }
        NodeEnum::IndexStmt(s) => {
            let table = s.relation.as_ref().map(|r| r.relname.as_str()).unwrap_or("");
            let columns = crate::analysis::catalog::naming::index_name_parts(&s.index_params);
            push(&s.idxname, NamedKind::Index { unique: s.unique }, table, columns);
        }
        NodeEnum::RenameStmt(s) => push(&s.newname, NamedKind::Other, "", Vec::new()),
        NodeEnum::ViewStmt(s) => push(
            s.view.as_ref().map(|r| r.relname.as_str()).unwrap_or(""),
            NamedKind::Relation,
            "",
            Vec::new(),
        ),
        NodeEnum::CreateTableAsStmt(s) => push(
            s.into
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .map(|r| r.relname.as_str())
                .unwrap_or(""),
            NamedKind::Relation,
            "",
            Vec::new(),
        ),
        NodeEnum::CreateSeqStmt(s) => push(
            s.sequence.as_ref().map(|r| r.relname.as_str()).unwrap_or(""),
            NamedKind::Relation,
            "",
            Vec::new(),
        ),
        NodeEnum::CreateSchemaStmt(s) => push(&s.schemaname, NamedKind::Schema, "", Vec::new()),
        NodeEnum::CreateEnumStmt(s) => push(last(&s.type_name), NamedKind::Type, "", Vec::new()),
        NodeEnum::CreateRangeStmt(s) => push(last(&s.type_name), NamedKind::Type, "", Vec::new()),
        NodeEnum::CreateDomainStmt(s) => push(last(&s.domainname), NamedKind::Type, "", Vec::new()),
        NodeEnum::CompositeTypeStmt(s) => {
            let name = s.typevar.as_ref().map(|r| r.relname.as_str()).unwrap_or("");
            push(name, NamedKind::Type, "", Vec::new());
            for elt in &s.coldeflist {
                if let Some(NodeEnum::ColumnDef(col)) = elt.node.as_ref() {
                    push(&col.colname, NamedKind::Column, name, Vec::new());
                }
            }
        }
        NodeEnum::CreateFunctionStmt(s) => push(last(&s.funcname), NamedKind::Function, "", Vec::new()),
        NodeEnum::CreateTrigStmt(s) => push(&s.trigname, NamedKind::Other, "", Vec::new()),
        NodeEnum::CreatePolicyStmt(s) => push(&s.policy_name, NamedKind::Other, "", Vec::new()),
        _ => {}
    }
    out
}

fn last(names: &[pg_query::Node]) -> &str {
    strings(names).last().unwrap_or("")
}

fn column(col: &ColumnDef, table: &str, push: &mut impl FnMut(&str, NamedKind, &str, Vec<String>)) {
    push(&col.colname, NamedKind::Column, table, Vec::new());
    for c in column_constraints(col) {
        let kind = constraint_kind(c);
        push(
            &c.conname,
            NamedKind::Constraint(kind),
            table,
            vec![col.colname.clone()],
        );
    }
}

fn table_constraint(c: &Constraint, table: &str, push: &mut impl FnMut(&str, NamedKind, &str, Vec<String>)) {
    let kind = constraint_kind(c);
    let keys = match kind {
        ConstraintKind::ForeignKey => &c.fk_attrs,
        _ => &c.keys,
    };
    let mut columns: Vec<String> = strings(keys).map(str::to_string).collect();
    if kind == ConstraintKind::Check {
        if let Some(expr) = c.raw_expr.as_ref().and_then(|e| e.node.as_ref()) {
            let nodes = std::iter::once(expr.to_ref()).chain(expr.nodes().into_iter().map(|(n, ..)| n));
            for n in nodes {
                if let pg_query::NodeRef::ColumnRef(r) = n {
                    if let Some(name) = strings(&r.fields).last() {
                        if !columns.iter().any(|c| c == name) {
                            columns.push(name.to_string());
                        }
                    }
                }
            }
        }
    }
    push(&c.conname, NamedKind::Constraint(kind), table, columns);
}

fn constraint_kind(c: &Constraint) -> ConstraintKind {
    match ConstrType::try_from(c.contype) {
        Ok(ConstrType::ConstrPrimary) => ConstraintKind::PrimaryKey,
        Ok(ConstrType::ConstrUnique) => ConstraintKind::Unique,
        Ok(ConstrType::ConstrForeign) => ConstraintKind::ForeignKey,
        Ok(ConstrType::ConstrCheck) => ConstraintKind::Check,
        _ => ConstraintKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<(String, NamedKind, Vec<String>)> {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        given_names(&node)
            .into_iter()
            .map(|g| (g.name, g.kind, g.columns))
            .collect()
    }

    #[test]
    fn a_table_gives_its_columns_and_named_constraints() {
        let found = names(
            "CREATE TABLE \"Orders\" (id bigint CONSTRAINT orders_pk PRIMARY KEY, user_id bigint, CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id), CHECK (id > 0))",
        );
        assert_eq!(found[0].0, "Orders");
        assert_eq!(
            found[2],
            (
                "orders_pk".into(),
                NamedKind::Constraint(ConstraintKind::PrimaryKey),
                vec!["id".into()]
            )
        );
        assert_eq!(
            found[4],
            (
                "fk_user".into(),
                NamedKind::Constraint(ConstraintKind::ForeignKey),
                vec!["user_id".into()]
            )
        );
        assert_eq!(found.len(), 5, "the unnamed check gives no name: {found:?}");
    }

    #[test]
    fn references_give_no_names() {
        assert!(names("ALTER TABLE \"Users\" ALTER COLUMN \"Email\" SET NOT NULL").is_empty());
        assert_eq!(
            names("CREATE INDEX orders_user_idx ON \"Orders\" (user_id)")[0].2,
            vec!["user_id".to_string()]
        );
    }
}
