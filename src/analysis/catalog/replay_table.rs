//! What a table's definition becomes as statements replay: `CREATE TABLE`
//! with its columns and constraints, `CREATE INDEX`, each `ALTER TABLE`
//! action, and the sequences its columns own.

use std::sync::Arc;

use pg_query::protobuf::{
    AlterTableCmd, AlterTableStmt, AlterTableType, ColumnDef, ConstrType, Constraint, CreateStmt, IndexStmt, ObjectType,
};
use pg_query::NodeEnum;

use super::check_bound::CheckBound;
use super::model::{key, Catalog, Column, ConstraintKind, Index, Location, Origin, RelationKind, TableConstraint};
use super::naming::{index_name_parts, only_column};
use super::sequences::identity_sequence_name;
use crate::analysis::names::RelationName;
use crate::analysis::types::{self, ColumnType};
use crate::parse::ast::{
    alter_table_cmds, column_constraints, constraint, constraint_index_signature, index_signature, string_value,
};

impl Catalog {
    pub(super) fn create_table(&mut self, stmt: &CreateStmt, origin: Origin, at: Option<Location>) {
        let Some(rv) = &stmt.relation else { return };
        let name = self.qualify(&RelationName::from_range_var(rv));
        if self.relations.contains_key(&key(&name)) && stmt.if_not_exists {
            return;
        }
        let kind = if stmt.partspec.is_some() {
            RelationKind::PartitionedTable
        } else {
            RelationKind::Table
        };
        self.insert_relation(name.clone(), kind, origin, true);
        if let Some(relation) = self.relation_mut(&name).filter(|_| !stmt.access_method.is_empty()) {
            relation.access_method = Some(stmt.access_method.clone());
        }
        // Columns inherited from a parent (PARTITION OF, INHERITS) come first.
        let parents: Vec<RelationName> = stmt
            .inh_relations
            .iter()
            .filter_map(|n| match n.node.as_ref()? {
                NodeEnum::RangeVar(rv) => Some(RelationName::from_range_var(rv)),
                _ => None,
            })
            .collect();
        let mut inherited = Vec::new();
        for parent in &parents {
            if let Some(p) = self.relation(parent) {
                inherited.extend(p.columns.clone());
            }
        }
        let partition_of = if stmt.partbound.is_some() {
            parents.first().map(|p| self.qualify(p))
        } else {
            None
        };
        let inherits = if stmt.partbound.is_none() {
            parents.iter().map(|p| self.qualify(p)).collect()
        } else {
            Vec::new()
        };
        self.children_possible |= partition_of.is_some() || !inherits.is_empty();
        let partition_key = stmt
            .partspec
            .as_ref()
            .and_then(|spec| match spec.part_params.as_slice() {
                [param] => match param.node.as_ref()? {
                    NodeEnum::PartitionElem(elem) if !elem.name.is_empty() => Some(elem.name.clone()),
                    _ => None,
                },
                _ => None,
            });
        if let Some(rel) = self.relations.get_mut(&key(&name)).map(Arc::make_mut) {
            rel.partition_key = partition_key;
            rel.columns = inherited
                .into_iter()
                .map(|column| Column { origin, ..column })
                .collect();
            rel.partition_of = partition_of;
            rel.inherits = inherits;
        }
        for elt in stmt.table_elts.iter().filter_map(|n| n.node.as_ref()) {
            match elt {
                NodeEnum::ColumnDef(col) => self.add_column(&name, col, origin, at),
                NodeEnum::Constraint(con) => self.add_constraint(&name, con, None, origin, at),
                NodeEnum::TableLikeClause(like) => {
                    if let Some(source) = like.relation.as_ref().map(RelationName::from_range_var) {
                        let columns = self.relation(&source).map(|r| r.columns.clone()).unwrap_or_default();
                        if let Some(rel) = self.relations.get_mut(&key(&name)).map(Arc::make_mut) {
                            rel.columns
                                .extend(columns.into_iter().map(|column| Column { origin, ..column }));
                        }
                    }
                }
                _ => {}
            }
        }
        for con in stmt.constraints.iter().filter_map(|n| match n.node.as_ref()? {
            NodeEnum::Constraint(c) => Some(c.as_ref()),
            _ => None,
        }) {
            self.add_constraint(&name, con, None, origin, at);
        }
    }

    fn add_column(&mut self, table: &RelationName, col: &ColumnDef, origin: Origin, at: Option<Location>) {
        let Some(type_name) = &col.type_name else { return };
        let mut column = Column {
            name: col.colname.clone(),
            ty: ColumnType::from_type_name(type_name),
            not_null: col.is_not_null,
            has_default: col.raw_default.is_some() || types::is_serial(type_name),
            identity: !col.identity.is_empty(),
            generated: !col.generated.is_empty(),
            origin,
            incarnation: self.next_incarnation,
        };
        self.next_incarnation += 1;
        if types::is_serial(type_name) {
            column.not_null = true;
        }
        let constraints: Vec<&Constraint> = column_constraints(col).collect();
        for con in &constraints {
            match ConstrType::try_from(con.contype) {
                Ok(ConstrType::ConstrNotnull | ConstrType::ConstrPrimary) => column.not_null = true,
                Ok(ConstrType::ConstrDefault) => column.has_default = true,
                Ok(ConstrType::ConstrIdentity) => {
                    column.identity = true;
                    column.not_null = true;
                }
                Ok(ConstrType::ConstrGenerated) => column.generated = true,
                _ => {}
            }
        }
        let Some(rel) = self.relations.get_mut(&key(table)).map(Arc::make_mut) else {
            return;
        };
        if rel.column(&column.name).is_some() {
            return; // ADD COLUMN IF NOT EXISTS, or a duplicate
        }
        rel.columns.push(column);
        if types::is_serial(type_name) {
            self.add_owned_sequence(table, &col.colname, None, origin);
        }
        if let Some(identity) = constraints
            .iter()
            .find(|c| c.contype == ConstrType::ConstrIdentity as i32)
        {
            self.add_owned_sequence(table, &col.colname, identity_sequence_name(identity), origin);
        }
        for con in constraints {
            if !matches!(
                ConstrType::try_from(con.contype),
                Ok(ConstrType::ConstrNotnull
                    | ConstrType::ConstrDefault
                    | ConstrType::ConstrIdentity
                    | ConstrType::ConstrGenerated
                    | ConstrType::ConstrNull)
            ) {
                self.add_constraint(table, con, Some(&col.colname), origin, at);
            }
        }
    }

    /// Adds a table or column constraint (and the index behind a primary
    /// key or unique constraint). `column` is set for column constraints.
    fn add_constraint(
        &mut self,
        table: &RelationName,
        con: &Constraint,
        column: Option<&str>,
        origin: Origin,
        at: Option<Location>,
    ) {
        let keys: Vec<String> = match column {
            Some(c) => vec![c.to_string()],
            // `UNIQUE USING INDEX i`: the index's columns.
            None if con.keys.is_empty() && !con.indexname.is_empty() => self
                .indexes
                .get(&key(&RelationName::new(table.schema.as_deref(), &con.indexname)))
                .map(|i| i.columns.clone())
                .unwrap_or_default(),
            None => con.keys.iter().filter_map(string_value).collect(),
        };
        let fk_columns: Vec<String> = match column {
            Some(c) => vec![c.to_string()],
            None => con.fk_attrs.iter().filter_map(string_value).collect(),
        };
        let (kind, suffix, name_columns) = match ConstrType::try_from(con.contype) {
            Ok(ConstrType::ConstrCheck) => {
                let not_null_column = con.raw_expr.as_ref().and_then(|e| not_null_test_column(e));
                // PostgreSQL names a check after its column when the
                // expression uses exactly one.
                let first = column
                    .map(str::to_string)
                    .or_else(|| con.raw_expr.as_ref().and_then(|e| only_column(e)))
                    .into_iter()
                    .collect();
                let bound = con.raw_expr.as_deref().and_then(CheckBound::of_check);
                (ConstraintKind::Check { not_null_column, bound }, "check", first)
            }
            Ok(ConstrType::ConstrForeign) => {
                let Some(pk) = &con.pktable else { return };
                let references = self.qualify(&RelationName::from_range_var(pk));
                (
                    ConstraintKind::ForeignKey {
                        columns: fk_columns.clone(),
                        references,
                    },
                    "fkey",
                    fk_columns,
                )
            }
            Ok(ConstrType::ConstrPrimary) => (ConstraintKind::PrimaryKey { columns: keys.clone() }, "pkey", Vec::new()),
            Ok(ConstrType::ConstrUnique) => (ConstraintKind::Unique { columns: keys.clone() }, "key", keys.clone()),
            Ok(ConstrType::ConstrExclusion) => {
                let elements: Vec<pg_query::Node> = con
                    .exclusions
                    .iter()
                    .filter_map(|pair| match pair.node.as_ref()? {
                        NodeEnum::List(list) => list.items.first().cloned(),
                        _ => None,
                    })
                    .collect();
                (ConstraintKind::Exclusion, "excl", index_name_parts(&elements))
            }
            Ok(ConstrType::ConstrNotnull) => {
                let Some(column) = keys.first().cloned() else { return };
                if let Some(rel) = self.relations.get_mut(&key(table)).map(Arc::make_mut) {
                    if let Some(col) = rel.column_mut(&column) {
                        col.not_null = col.not_null || !con.skip_validation;
                    }
                }
                (
                    ConstraintKind::NotNull { column: column.clone() },
                    "not_null",
                    vec![column],
                )
            }
            _ => return,
        };
        let name = if con.conname.is_empty() {
            self.constraint_name(table, &kind, &name_columns, suffix)
        } else {
            con.conname.clone()
        };
        let index_columns = match &kind {
            ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns } => Some(columns.clone()),
            _ => None,
        };
        let is_primary = matches!(kind, ConstraintKind::PrimaryKey { .. });
        let Some(rel) = self.relations.get_mut(&key(table)).map(Arc::make_mut) else {
            return;
        };
        if is_primary {
            for col in rel.columns.iter_mut().filter(|c| keys.contains(&c.name)) {
                col.not_null = true;
            }
        }
        rel.constraints.push(TableConstraint {
            name: name.clone(),
            kind,
            validated: !con.skip_validation,
            origin,
            defined_at: at,
        });
        if let Some(columns) = index_columns {
            // `USING INDEX i` renames the existing index to the constraint.
            let index_name = RelationName::new(table.schema.as_deref(), &name);
            let adopted = (!con.indexname.is_empty())
                .then(|| {
                    self.indexes
                        .remove(&key(&RelationName::new(table.schema.as_deref(), &con.indexname)))
                })
                .flatten();
            let signature = match &adopted {
                Some(index) => index.signature.clone(),
                None => constraint_index_signature(&columns),
            };
            let columns = adopted.as_ref().map_or(columns, |i| i.columns.clone());
            let index_origin = adopted.as_ref().map_or(origin, |i| i.origin);
            self.indexes.insert(
                key(&index_name),
                Index {
                    name: index_name,
                    table: table.clone(),
                    columns,
                    unique: true,
                    partial: false,
                    signature,
                    attached: false,
                    reads: Vec::new(),
                    origin: index_origin,
                },
            );
        }
    }

    /// `ALTER TABLE` (or `ALTER INDEX`, `ALTER VIEW`, ...): each action in
    /// turn. A table the catalog never saw is taken to exist already.
    pub(super) fn alter_table_stmt(&mut self, stmt: &AlterTableStmt, origin: Origin, at: Option<Location>) {
        let Some(rv) = &stmt.relation else { return };
        let name = RelationName::from_range_var(rv);
        let is_table = stmt.objtype == ObjectType::ObjectTable as i32;
        let qualified = self.qualify(&name);
        let k = key(&qualified);
        if is_table && !stmt.missing_ok && !self.relations.contains_key(&k) && !self.indexes.contains_key(&k) {
            // An ALTER on a table the history never created: it exists
            // in production, with columns the catalog does not know.
            self.insert_relation(qualified.clone(), RelationKind::Table, Origin::History, false);
            if let Some(rel) = self.relations.get_mut(&key(&qualified)).map(Arc::make_mut) {
                rel.inferred = true;
            }
        }
        for cmd in alter_table_cmds(&stmt.cmds) {
            self.alter_table(&name, cmd, origin, at);
        }
    }

    fn alter_table(&mut self, name: &RelationName, cmd: &AlterTableCmd, origin: Origin, at: Option<Location>) {
        use AlterTableType::*;
        let table = self.qualify(name);
        let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(Undefined);
        match subtype {
            AtAddColumn => {
                if let Some(NodeEnum::ColumnDef(col)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                    self.add_column(&table, col, origin, at);
                }
            }
            AtAddConstraint => {
                if let Some(con) = constraint(cmd) {
                    self.add_constraint(&table, con, None, origin, at);
                }
            }
            AtDropColumn => {
                let column = cmd.name.clone();
                if let Some(rel) = self.relations.get_mut(&key(&table)).map(Arc::make_mut) {
                    rel.columns.retain(|c| c.name != column);
                    rel.constraints.retain(|c| !constraint_uses(&c.kind, &column));
                }
                self.drop_owned_sequences(&table, Some(&column));
                self.indexes
                    .retain(|_, i| !(i.table == table && (i.columns.contains(&column) || i.reads.contains(&column))));
            }
            AtDropConstraint => {
                if let Some(rel) = self.relations.get_mut(&key(&table)).map(Arc::make_mut) {
                    rel.constraints.retain(|c| c.name != cmd.name);
                }
                self.indexes
                    .remove(&key(&RelationName::new(table.schema.as_deref(), &cmd.name)));
            }
            AtValidateConstraint => {
                if let Some(rel) = self.relations.get_mut(&key(&table)).map(Arc::make_mut) {
                    if let Some(c) = rel.constraints.iter_mut().find(|c| c.name == cmd.name) {
                        c.validated = true;
                        if let ConstraintKind::NotNull { column } = &c.kind {
                            let column = column.clone();
                            if let Some(col) = rel.column_mut(&column) {
                                col.not_null = true;
                            }
                        }
                    }
                }
            }
            AtAlterColumnType => {
                let ty = match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::ColumnDef(col)) => col.type_name.as_ref().map(ColumnType::from_type_name),
                    _ => None,
                };
                if let (Some(ty), Some(col)) = (ty, self.relation_mut(&table).and_then(|r| r.column_mut(&cmd.name))) {
                    col.ty = ty;
                }
            }
            AtSetNotNull | AtDropNotNull | AtColumnDefault | AtAddIdentity | AtDropIdentity | AtDropExpression => {
                if let Some(col) = self.relation_mut(&table).and_then(|r| r.column_mut(&cmd.name)) {
                    match subtype {
                        AtSetNotNull => col.not_null = true,
                        AtDropNotNull => col.not_null = false,
                        AtColumnDefault => col.has_default = cmd.def.is_some(),
                        AtAddIdentity => col.identity = true,
                        AtDropIdentity => col.identity = false,
                        _ => col.generated = false,
                    }
                }
                match subtype {
                    AtAddIdentity => {
                        let explicit = constraint(cmd).and_then(identity_sequence_name);
                        self.add_owned_sequence(&table, &cmd.name, explicit, origin);
                    }
                    AtDropIdentity => self.drop_owned_sequences(&table, Some(&cmd.name)),
                    _ => {}
                }
            }
            AtSetAccessMethod => {
                if let Some(relation) = self.relation_mut(&table) {
                    // `SET ACCESS METHOD DEFAULT` (PostgreSQL 17) has no name.
                    relation.access_method = Some(cmd.name.clone()).filter(|am| !am.is_empty());
                }
            }
            AtAddInherit | AtDropInherit => {
                if let Some(NodeEnum::RangeVar(rv)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                    let parent = self.qualify(&RelationName::from_range_var(rv));
                    self.children_possible |= subtype == AtAddInherit;
                    if let Some(rel) = self.relations.get_mut(&key(&table)).map(Arc::make_mut) {
                        rel.inherits.retain(|p| *p != parent);
                        if subtype == AtAddInherit {
                            rel.inherits.push(parent);
                        }
                    }
                }
            }
            AtAttachPartition | AtDetachPartition => {
                if let Some(NodeEnum::PartitionCmd(part)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                    if let Some(rv) = &part.name {
                        let partition = RelationName::from_range_var(rv);
                        let parent = (subtype == AtAttachPartition).then(|| table.clone());
                        self.children_possible |= parent.is_some();
                        if let Some(rel) = self.relation_mut(&partition) {
                            rel.partition_of = parent;
                        } else if let Some(index) = self.indexes.get_mut(&key(&self.qualify(&partition))) {
                            // `ALTER INDEX parent ATTACH PARTITION index`.
                            index.attached = parent.is_some();
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// `CREATE INDEX`, named as PostgreSQL names it when no name is given.
    pub(super) fn create_index(&mut self, stmt: &IndexStmt, origin: Origin) {
        let Some(rv) = &stmt.relation else { return };
        let table = self.qualify(&RelationName::from_range_var(rv));
        let columns = index_columns(&stmt.index_params);
        let index_name = RelationName::new(table.schema.as_deref(), &self.index_name(stmt, &table));
        if stmt.if_not_exists && self.indexes.contains_key(&key(&index_name)) {
            return;
        }
        self.indexes.insert(
            key(&index_name),
            Index {
                name: index_name,
                table,
                columns,
                unique: stmt.unique || stmt.primary,
                partial: stmt.where_clause.is_some(),
                signature: index_signature(stmt),
                attached: false,
                reads: index_reads(stmt),
                origin,
            },
        );
    }
}

fn constraint_uses(kind: &ConstraintKind, column: &str) -> bool {
    match kind {
        ConstraintKind::Check { not_null_column, .. } => not_null_column.as_deref() == Some(column),
        ConstraintKind::ForeignKey { columns, .. }
        | ConstraintKind::PrimaryKey { columns }
        | ConstraintKind::Unique { columns } => columns.iter().any(|c| c == column),
        ConstraintKind::NotNull { column: c } => c == column,
        ConstraintKind::Exclusion => false,
    }
}

pub(super) fn rename_in_constraint(kind: &mut ConstraintKind, from: &str, to: &str) {
    let rename = |c: &mut String| {
        if c == from {
            *c = to.to_string();
        }
    };
    match kind {
        ConstraintKind::Check { not_null_column, bound } => {
            not_null_column.iter_mut().for_each(rename);
            bound.iter_mut().for_each(|b| rename(b.column_mut()));
        }
        ConstraintKind::NotNull { column: c } => rename(c),
        ConstraintKind::ForeignKey { columns, .. }
        | ConstraintKind::PrimaryKey { columns }
        | ConstraintKind::Unique { columns } => columns.iter_mut().for_each(rename),
        _ => {}
    }
}

/// The columns an index's expressions and `WHERE` predicate name.
fn index_reads(stmt: &IndexStmt) -> Vec<String> {
    let mut reads = Vec::new();
    let expressions = stmt.index_params.iter().filter_map(|p| match p.node.as_ref()? {
        NodeEnum::IndexElem(elem) => elem.expr.as_deref(),
        _ => None,
    });
    for expr in expressions.chain(stmt.where_clause.as_deref()) {
        let Some(node) = expr.node.as_ref() else { continue };
        for (n, ..) in node.nodes() {
            if let pg_query::NodeRef::ColumnRef(col) = n {
                if let Some(name) = col.fields.last().and_then(string_value) {
                    if !reads.contains(&name) {
                        reads.push(name);
                    }
                }
            }
        }
    }
    reads
}

fn index_columns(params: &[pg_query::Node]) -> Vec<String> {
    params
        .iter()
        .filter_map(|p| match p.node.as_ref()? {
            NodeEnum::IndexElem(elem) => Some(elem.name.clone()),
            _ => None,
        })
        .collect()
}

/// `col IS NOT NULL` (the only check PostgreSQL uses to skip the NOT NULL scan).
fn not_null_test_column(expr: &pg_query::Node) -> Option<String> {
    let NodeEnum::NullTest(test) = expr.node.as_ref()? else {
        return None;
    };
    if test.nulltesttype != pg_query::protobuf::NullTestType::IsNotNull as i32 {
        return None;
    }
    match test.arg.as_ref()?.node.as_ref()? {
        NodeEnum::ColumnRef(col) => col.fields.last().and_then(string_value),
        _ => None,
    }
}
