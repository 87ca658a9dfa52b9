//! PostgreSQL's default names for what a migration leaves unnamed:
//! `users_pkey`, `users_email_key`, `orders_user_id_fkey`, `users_email_idx`,
//! `users_id_seq`, with a number when the name is taken (`ChooseRelationName`,
//! `ChooseConstraintName`, `ChooseIndexName`).

use pg_query::protobuf::{ConstrType, Constraint, IndexStmt};
use pg_query::NodeEnum;

use super::model::{key, Catalog, ConstraintKind};
use crate::analysis::names::RelationName;
use crate::analysis::types;
use crate::parse::ast::string_value;

impl Catalog {
    /// The name of the index `CREATE INDEX` makes on `table` (qualified): the
    /// one written, or PostgreSQL's ChooseIndexName: `CREATE UNIQUE INDEX`
    /// too ends in `_idx`; expressions are named after their function, or
    /// `expr`; a taken name gets a number.
    pub(super) fn index_name(&self, stmt: &IndexStmt, table: &RelationName) -> String {
        if !stmt.idxname.is_empty() {
            return stmt.idxname.clone();
        }
        let base = if stmt.primary {
            default_name(&table.name, &[], "pkey")
        } else {
            let suffix = if stmt.isconstraint { "key" } else { "idx" };
            default_name(&table.name, &index_name_parts(&stmt.index_params), suffix)
        };
        self.free_relation_name(table.schema.as_deref(), &base)
    }

    /// The name PostgreSQL gives an unnamed constraint of `kind` on `table`
    /// (`table_columns_suffix`). A name already taken gets a number, as in
    /// PostgreSQL: among tables and indexes for a constraint with an index,
    /// among the schema's constraints otherwise.
    pub(super) fn constraint_name(
        &self,
        table: &RelationName,
        kind: &ConstraintKind,
        columns: &[String],
        suffix: &str,
    ) -> String {
        let base = default_name(&table.name, columns, suffix);
        let schema = table.schema.as_deref();
        match kind {
            ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } | ConstraintKind::Exclusion => {
                self.free_relation_name(schema, &base)
            }
            _ => self.free_constraint_name(schema, &base),
        }
    }

    /// The sequence a serial or identity column creates when `SEQUENCE NAME`
    /// does not name it: `table_column_seq`, numbered when taken.
    pub(super) fn owned_sequence_name(&self, table: &RelationName, column: &str) -> RelationName {
        let base = default_name(&table.name, &[column.to_string()], "seq");
        RelationName::new(
            table.schema.as_deref(),
            &self.free_relation_name(table.schema.as_deref(), &base),
        )
    }

    /// `name`, or `name1`, `name2`, ... when a table or index of the schema
    /// already has it (PostgreSQL's ChooseRelationName).
    fn free_relation_name(&self, schema: Option<&str>, name: &str) -> String {
        let taken = |n: &str| {
            let k = key(&RelationName::new(schema, n));
            self.relations.contains_key(&k) || self.indexes.contains_key(&k)
        };
        first_free(name, taken)
    }

    /// A constraint name free in the schema (PostgreSQL's
    /// ChooseConstraintName for checks, foreign keys and NOT NULL).
    fn free_constraint_name(&self, schema: Option<&str>, name: &str) -> String {
        let taken = |n: &str| {
            self.relations
                .values()
                .filter(|r| r.name.schema.as_deref() == schema)
                .any(|r| r.constraint(n).is_some())
        };
        first_free(name, taken)
    }
}

/// `name`, else `name1`, `name2`, ... the first that is not `taken`, as
/// PostgreSQL numbers a generated name that collides.
pub(crate) fn first_free(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_string();
    }
    (1..1000)
        .map(|i| format!("{name}{i}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| name.to_string())
}

/// PostgreSQL's generated names: `users_pkey`, `users_email_key`,
/// `orders_user_id_fkey`, `users_email_idx`. Over 63 bytes, the table and
/// column parts are shortened in turn, the longer first, and the suffix is
/// kept (`makeObjectName`).
pub(super) fn default_name(table: &str, columns: &[String], suffix: &str) -> String {
    let columns = columns
        .iter()
        .filter(|c| !c.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("_");
    let separators = if columns.is_empty() { 1 } else { 2 };
    let available = 63usize.saturating_sub(suffix.len() + separators);
    let (mut table_len, mut columns_len) = (table.len(), columns.len());
    while table_len + columns_len > available {
        if table_len > columns_len {
            table_len -= 1;
        } else {
            columns_len -= 1;
        }
    }
    let floor = crate::input::source::floor_char_boundary;
    let table = &table[..floor(table, table_len)];
    let columns = &columns[..floor(&columns, columns_len)];
    if columns.is_empty() {
        format!("{table}_{suffix}")
    } else {
        format!("{table}_{columns}_{suffix}")
    }
}

/// The name PostgreSQL gives each key of an index in a generated index name:
/// the column, or for an expression its function's name, a cast's column or
/// type, or `expr` (FigureColname).
pub(crate) fn index_name_parts(params: &[pg_query::Node]) -> Vec<String> {
    fn expression_name(node: &pg_query::Node) -> Option<String> {
        match node.node.as_ref()? {
            NodeEnum::ColumnRef(col) => col.fields.last().and_then(string_value),
            NodeEnum::FuncCall(call) => call.funcname.last().and_then(string_value),
            NodeEnum::TypeCast(cast) => cast
                .arg
                .as_deref()
                .and_then(expression_name)
                .or_else(|| cast.type_name.as_ref().map(|t| types::base_name(t).to_string())),
            NodeEnum::CoalesceExpr(_) => Some("coalesce".to_string()),
            _ => None,
        }
    }
    params
        .iter()
        .filter_map(|p| match p.node.as_ref()? {
            NodeEnum::IndexElem(elem) if !elem.name.is_empty() => Some(elem.name.clone()),
            NodeEnum::IndexElem(elem) => Some(
                elem.expr
                    .as_deref()
                    .and_then(expression_name)
                    .unwrap_or_else(|| "expr".to_string()),
            ),
            _ => None,
        })
        .collect()
}

/// The name of a column's `REFERENCES` constraint as written, or the one
/// PostgreSQL gives it unnamed: `orders_user_id_fkey`.
pub(crate) fn column_foreign_key_name(table: &str, column: &str, con: &Constraint) -> String {
    if con.conname.is_empty() {
        default_name(table, &[column.to_string()], "fkey")
    } else {
        con.conname.clone()
    }
}

/// The name of a column's `CHECK` constraint as written, or the one
/// PostgreSQL gives it unnamed: `orders_total_check`, after the column
/// whatever the expression reads.
pub(crate) fn column_check_name(table: &str, column: &str, con: &Constraint) -> String {
    if con.conname.is_empty() {
        default_name(table, &[column.to_string()], "check")
    } else {
        con.conname.clone()
    }
}

/// The name of a table constraint as written, or the one PostgreSQL gives
/// an unnamed `FOREIGN KEY` (`orders_user_id_fkey`) or `CHECK`
/// (`orders_total_check` when the check reads one column, else
/// `orders_check`). None for other unnamed constraints.
pub(crate) fn table_constraint_name(table: &str, con: &Constraint) -> Option<String> {
    if !con.conname.is_empty() {
        return Some(con.conname.clone());
    }
    match ConstrType::try_from(con.contype) {
        Ok(ConstrType::ConstrForeign) => {
            let columns: Vec<String> = con.fk_attrs.iter().filter_map(string_value).collect();
            Some(default_name(table, &columns, "fkey"))
        }
        Ok(ConstrType::ConstrCheck) => {
            let mut columns: Vec<String> = Vec::new();
            if let Some(expr) = con.raw_expr.as_ref().and_then(|e| e.node.as_ref()) {
                // The expression itself may be the column (`CHECK (flag)`).
                let nodes = std::iter::once(expr.to_ref()).chain(expr.nodes().into_iter().map(|(n, ..)| n));
                for node in nodes {
                    if let pg_query::NodeRef::ColumnRef(col) = node {
                        if let Some(name) = col.fields.last().and_then(string_value) {
                            if !columns.contains(&name) {
                                columns.push(name);
                            }
                        }
                    }
                }
            }
            if columns.len() != 1 {
                columns.clear();
            }
            Some(default_name(table, &columns, "check"))
        }
        _ => None,
    }
}

/// The one column an expression uses, if it uses exactly one.
pub(super) fn only_column(expr: &pg_query::Node) -> Option<String> {
    let mut columns: Vec<String> = expr
        .node
        .as_ref()?
        .nodes()
        .into_iter()
        .filter_map(|(n, ..)| match n {
            pg_query::NodeRef::ColumnRef(col) => col.fields.last().and_then(string_value),
            _ => None,
        })
        .collect();
    columns.sort();
    columns.dedup();
    match columns.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}
