//! A static catalog replayed from the migrations themselves: schemas,
//! tables (and views, materialized views, sequences), columns, constraints,
//! indexes, enum types and domains. No database is involved.
//!
//! Every object remembers whether it comes from the history (what production
//! already has: existing, populated) or from the change being judged (new and
//! empty for the rest of the change).

use std::collections::BTreeMap;
use std::sync::Arc;

use pg_query::protobuf::{
    AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, CreateStmt, DropBehavior, ObjectType,
};
use pg_query::NodeEnum;

use super::locks::LockScope;
use super::names::{dropped_names, RelationName};
use super::types;
use crate::parse::ast::{alter_table_cmds, column_constraints, constraint, string_value};
use crate::source::Span;

// Kept at this path for the rules that import it from here.
pub use super::types::ColumnType;

/// Where an object comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Production already has it: an existing, populated object.
    History,
    /// Created by the change being judged: new and empty.
    Change,
}

/// Where a statement of the run stands: the file's index in the run and the
/// statement's span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: usize,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub not_null: bool,
    pub has_default: bool,
    pub identity: bool,
    pub generated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConstraintKind {
    /// `CHECK (...)`; `not_null_column` when the check is `col IS NOT NULL`.
    Check {
        not_null_column: Option<String>,
    },
    ForeignKey {
        columns: Vec<String>,
        references: RelationName,
    },
    PrimaryKey {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    Exclusion,
    /// A named NOT NULL constraint (PostgreSQL 18).
    NotNull {
        column: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableConstraint {
    pub name: String,
    pub kind: ConstraintKind,
    /// False while the constraint is `NOT VALID`.
    pub validated: bool,
    pub origin: Origin,
    pub defined_at: Option<Location>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
    Sequence,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relation {
    /// Always schema-qualified.
    pub name: RelationName,
    pub kind: RelationKind,
    pub columns: Vec<Column>,
    /// False when the columns could not be read (`CREATE TABLE AS`).
    pub columns_known: bool,
    pub constraints: Vec<TableConstraint>,
    /// The partitioned table this is a partition of.
    pub partition_of: Option<RelationName>,
    /// Tables it inherits from (`INHERITS`, `ALTER TABLE ... INHERIT`).
    pub inherits: Vec<RelationName>,
    pub origin: Origin,
    /// The catalog never saw it created: an `ALTER TABLE` named a table the
    /// history does not hold (history is incomplete). It counts as an
    /// existing, populated table whose columns, constraints and indexes are
    /// only those the migrations went on to add.
    pub inferred: bool,
}

impl Relation {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    pub fn constraint(&self, name: &str) -> Option<&TableConstraint> {
        self.constraints.iter().find(|c| c.name == name)
    }

    /// A validated `CHECK (column IS NOT NULL)` proves the column has no NULLs.
    pub fn has_validated_not_null_check(&self, column: &str) -> bool {
        self.validated_not_null_check(column).is_some()
    }

    /// The validated `CHECK (column IS NOT NULL)` on the column, if any.
    pub fn validated_not_null_check(&self, column: &str) -> Option<&TableConstraint> {
        self.constraints.iter().find(|c| {
            c.validated && matches!(&c.kind, ConstraintKind::Check { not_null_column: Some(col) } if col == column)
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Index {
    /// Schema-qualified (an index lives in its table's schema).
    pub name: RelationName,
    pub table: RelationName,
    /// Key columns in order; an expression is an empty string.
    pub columns: Vec<String>,
    pub unique: bool,
    pub partial: bool,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumType {
    pub name: RelationName,
    pub values: Vec<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    pub name: RelationName,
    pub base: ColumnType,
    pub origin: Origin,
}

type Key = (String, String);

fn key(name: &RelationName) -> Key {
    (name.schema.clone().unwrap_or_default(), name.name.clone())
}

#[derive(Clone, Debug)]
pub struct Catalog {
    /// Shared with the statements that saw them (`relations_before`): a
    /// statement keeps the relation as it was before it ran without a deep
    /// copy, and a later change copies it on write (`Arc::make_mut`).
    relations: BTreeMap<Key, Arc<Relation>>,
    indexes: BTreeMap<Key, Index>,
    enums: BTreeMap<Key, EnumType>,
    domains: BTreeMap<Key, Domain>,
    schemas: BTreeMap<String, Origin>,
    search_path: Vec<String>,
    /// Sequences owned by a column (serial, identity, `OWNED BY`): they go
    /// with the column.
    sequence_owners: BTreeMap<Key, (RelationName, String)>,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog {
            relations: BTreeMap::new(),
            indexes: BTreeMap::new(),
            enums: BTreeMap::new(),
            domains: BTreeMap::new(),
            schemas: BTreeMap::from([("public".to_string(), Origin::History)]),
            search_path: vec!["public".to_string()],
            sequence_owners: BTreeMap::new(),
        }
    }
}

impl Catalog {
    /// Ends a change: what it created now counts as existing history.
    pub fn settle(&mut self) {
        for r in self.relations.values_mut() {
            // Only copy a shared relation when something changes.
            if r.origin == Origin::History && r.constraints.iter().all(|c| c.origin == Origin::History) {
                continue;
            }
            let r = Arc::make_mut(r);
            r.origin = Origin::History;
            for c in &mut r.constraints {
                c.origin = Origin::History;
            }
        }
        for i in self.indexes.values_mut() {
            i.origin = Origin::History;
        }
        for e in self.enums.values_mut() {
            e.origin = Origin::History;
        }
        for d in self.domains.values_mut() {
            d.origin = Origin::History;
        }
        for o in self.schemas.values_mut() {
            *o = Origin::History;
        }
    }

    /// The search path back to its default, as at the start of a session.
    pub fn reset_session(&mut self) {
        self.search_path = vec!["public".to_string()];
    }

    pub fn relations(&self) -> impl Iterator<Item = &Relation> {
        self.relations.values().map(|r| &**r)
    }

    pub fn indexes(&self) -> impl Iterator<Item = &Index> {
        self.indexes.values()
    }

    pub fn enum_type(&self, name: &RelationName) -> Option<&EnumType> {
        self.resolve_in(&self.enums, name)
    }

    pub fn domain(&self, name: &RelationName) -> Option<&Domain> {
        self.resolve_in(&self.domains, name)
    }

    pub fn schema_origin(&self, name: &str) -> Option<Origin> {
        self.schemas.get(name).copied()
    }

    /// The relation a name refers to, following the search path.
    pub fn relation(&self, name: &RelationName) -> Option<&Relation> {
        self.shared_relation(name).map(|r| &**r)
    }

    /// The relation a name refers to, as the catalog shares it.
    pub fn shared_relation(&self, name: &RelationName) -> Option<&Arc<Relation>> {
        self.resolve_in(&self.relations, name)
    }

    pub fn index(&self, name: &RelationName) -> Option<&Index> {
        self.resolve_in(&self.indexes, name)
    }

    /// Does the table have partitions or inheritance children?
    pub fn has_children(&self, table: &RelationName) -> bool {
        let table = self.qualify(table);
        self.relations
            .values()
            .any(|r| r.partition_of.as_ref() == Some(&table) || r.inherits.contains(&table))
    }

    /// Whether a lock scope can reach any relation. Only what the catalog can
    /// rule out is ruled out: the children of a table it knows to have none.
    pub fn scope_may_reach(&self, scope: &LockScope) -> bool {
        use LockScope::*;
        match scope {
            Inheritors(t) | Partitions(t) | DefaultPartition(t) => self.relation(t).is_none() || self.has_children(t),
            _ => true,
        }
    }

    /// Indexes on a table.
    pub fn indexes_on<'a>(&'a self, table: &'a RelationName) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes.values().filter(move |i| i.table == *table)
    }

    fn resolve_in<'a, T>(&self, map: &'a BTreeMap<Key, T>, name: &RelationName) -> Option<&'a T> {
        match &name.schema {
            Some(_) => map.get(&key(name)),
            None => self
                .search_path
                .iter()
                .find_map(|schema| map.get(&(schema.clone(), name.name.clone()))),
        }
    }

    /// The schema-qualified name a reference resolves to, or would be
    /// created under.
    pub fn qualify(&self, name: &RelationName) -> RelationName {
        self.qualify_by(name, |k| self.relations.contains_key(k) || self.indexes.contains_key(k))
    }

    fn qualify_type(&self, name: &RelationName) -> RelationName {
        self.qualify_by(name, |k| self.enums.contains_key(k) || self.domains.contains_key(k))
    }

    /// The first search-path schema where `exists` finds the name, else the
    /// schema new objects are created in.
    fn qualify_by(&self, name: &RelationName, exists: impl Fn(&Key) -> bool) -> RelationName {
        if name.schema.is_some() {
            return name.clone();
        }
        let existing = self
            .search_path
            .iter()
            .find(|schema| exists(&((*schema).clone(), name.name.clone())));
        let schema = existing
            .or_else(|| self.search_path.first())
            .map_or("public", String::as_str);
        RelationName::new(Some(schema), &name.name)
    }

    /// `name`, or `name1`, `name2`, ... when a table or index of the schema
    /// already has it (PostgreSQL's ChooseRelationName).
    fn free_relation_name(&self, schema: Option<&str>, name: &str) -> String {
        let taken = |n: &str| {
            let k = key(&RelationName::new(schema, n));
            self.relations.contains_key(&k) || self.indexes.contains_key(&k)
        };
        if !taken(name) {
            return name.to_string();
        }
        (1..1000)
            .map(|i| format!("{name}{i}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| name.to_string())
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
        if !taken(name) {
            return name.to_string();
        }
        (1..1000)
            .map(|i| format!("{name}{i}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| name.to_string())
    }

    /// Gives a relation a new name (another table name, another schema):
    /// its indexes, the foreign keys and partitions that point at it, and
    /// the sequences its columns own follow. False when it is unknown.
    fn move_relation(&mut self, old: &RelationName, new: &RelationName) -> bool {
        let Some(mut rel) = self.relations.remove(&key(old)) else {
            return false;
        };
        Arc::make_mut(&mut rel).name = new.clone();
        self.relations.insert(key(new), rel);
        for index in self.indexes.values_mut().filter(|i| i.table == *old) {
            index.table = new.clone();
        }
        for rel in self.relations.values_mut() {
            let references = |c: &TableConstraint| matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if references == old);
            if !rel.constraints.iter().any(references) && rel.partition_of.as_ref() != Some(old) {
                continue; // nothing to change: keep sharing it
            }
            let rel = Arc::make_mut(rel);
            for c in &mut rel.constraints {
                if let ConstraintKind::ForeignKey { references, .. } = &mut c.kind {
                    if references == old {
                        *references = new.clone();
                    }
                }
            }
            if rel.partition_of.as_ref() == Some(old) {
                rel.partition_of = Some(new.clone());
            }
        }
        for (table, _) in self.sequence_owners.values_mut().filter(|(t, _)| t == old) {
            *table = new.clone();
        }
        if let Some(owner) = self.sequence_owners.remove(&key(old)) {
            self.sequence_owners.insert(key(new), owner);
        }
        true
    }

    /// The sequence a serial or identity column creates and owns:
    /// `table_column_seq` unless `SEQUENCE NAME` says otherwise.
    fn add_owned_sequence(
        &mut self,
        table: &RelationName,
        column: &str,
        explicit: Option<RelationName>,
        origin: Origin,
    ) {
        let name = match explicit {
            Some(name) => self.qualify(&name),
            None => {
                let base = default_name(&table.name, &[column.to_string()], "seq");
                RelationName::new(
                    table.schema.as_deref(),
                    &self.free_relation_name(table.schema.as_deref(), &base),
                )
            }
        };
        if !self.relations.contains_key(&key(&name)) {
            self.insert_relation(name.clone(), RelationKind::Sequence, origin, true);
        }
        self.sequence_owners
            .insert(key(&name), (table.clone(), column.to_string()));
    }

    /// Drops the sequences owned by a table's column, or by any of its
    /// columns when `column` is None.
    fn drop_owned_sequences(&mut self, table: &RelationName, column: Option<&str>) {
        let owned: Vec<Key> = self
            .sequence_owners
            .iter()
            .filter(|(_, (t, c))| t == table && column.is_none_or(|col| col == c))
            .map(|(k, _)| k.clone())
            .collect();
        for k in owned {
            self.sequence_owners.remove(&k);
            self.relations.remove(&k);
        }
    }

    /// `OWNED BY table.column` (or `OWNED BY NONE`) in sequence options.
    fn set_sequence_owner(&mut self, sequence: &RelationName, options: &[pg_query::Node]) {
        for option in options {
            let Some(NodeEnum::DefElem(def)) = option.node.as_ref() else {
                continue;
            };
            if def.defname != "owned_by" {
                continue;
            }
            let Some(NodeEnum::List(list)) = def.arg.as_ref().and_then(|a| a.node.as_ref()) else {
                continue;
            };
            let parts: Vec<String> = list.items.iter().filter_map(string_value).collect();
            let sequence = self.qualify(sequence);
            match parts.as_slice() {
                [.., table_part, column] => {
                    let table_parts = &parts[..parts.len() - 1];
                    let table = match table_parts {
                        [schema, name] => RelationName::new(Some(schema), name),
                        _ => RelationName::new(None, table_part),
                    };
                    let table = self.qualify(&table);
                    self.sequence_owners.insert(key(&sequence), (table, column.clone()));
                }
                _ => {
                    self.sequence_owners.remove(&key(&sequence));
                }
            }
        }
    }

    fn relation_mut(&mut self, name: &RelationName) -> Option<&mut Relation> {
        let k = key(&self.qualify(name));
        self.relations.get_mut(&k).map(Arc::make_mut)
    }

    /// Applies one statement. Statements the catalog does not model, and
    /// references to objects it has never seen, change nothing.
    pub fn apply(&mut self, node: &NodeEnum, origin: Origin, at: Option<Location>) {
        match node {
            NodeEnum::CreateSchemaStmt(stmt) => {
                if !stmt.schemaname.is_empty() {
                    self.schemas.entry(stmt.schemaname.clone()).or_insert(origin);
                }
                let saved = std::mem::replace(&mut self.search_path, vec![stmt.schemaname.clone()]);
                for elt in stmt.schema_elts.iter().filter_map(|n| n.node.as_ref()) {
                    self.apply(elt, origin, at);
                }
                self.search_path = saved;
            }
            NodeEnum::CreateStmt(stmt) => self.create_table(stmt, origin, at),
            NodeEnum::CreateTableAsStmt(stmt) => {
                if let Some(rv) = stmt.into.as_ref().and_then(|i| i.rel.as_ref()) {
                    let kind = if stmt.objtype == ObjectType::ObjectMatview as i32 {
                        RelationKind::MaterializedView
                    } else {
                        RelationKind::Table
                    };
                    let name = self.qualify(&RelationName::from_range_var(rv));
                    self.insert_relation(name, kind, origin, false);
                }
            }
            NodeEnum::ViewStmt(stmt) => {
                if let Some(rv) = &stmt.view {
                    let name = self.qualify(&RelationName::from_range_var(rv));
                    if !self.relations.contains_key(&key(&name)) {
                        self.insert_relation(name, RelationKind::View, origin, false);
                    }
                }
            }
            NodeEnum::CreateSeqStmt(stmt) => {
                if let Some(rv) = &stmt.sequence {
                    let name = self.qualify(&RelationName::from_range_var(rv));
                    if !self.relations.contains_key(&key(&name)) {
                        self.insert_relation(name.clone(), RelationKind::Sequence, origin, true);
                    }
                    self.set_sequence_owner(&name, &stmt.options);
                }
            }
            NodeEnum::AlterSeqStmt(stmt) => {
                if let Some(rv) = &stmt.sequence {
                    self.set_sequence_owner(&RelationName::from_range_var(rv), &stmt.options);
                }
            }
            NodeEnum::AlterTableStmt(stmt) => {
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
            NodeEnum::IndexStmt(stmt) => {
                let Some(rv) = &stmt.relation else { return };
                let table = self.qualify(&RelationName::from_range_var(rv));
                let columns = index_columns(&stmt.index_params);
                let name = if stmt.idxname.is_empty() {
                    // PostgreSQL's ChooseIndexName: `CREATE UNIQUE INDEX` too
                    // ends in `_idx`; expressions are named after their
                    // function, or `expr`; a taken name gets a number.
                    let base = if stmt.primary {
                        default_name(&table.name, &[], "pkey")
                    } else {
                        let suffix = if stmt.isconstraint { "key" } else { "idx" };
                        default_name(&table.name, &index_name_parts(&stmt.index_params), suffix)
                    };
                    self.free_relation_name(table.schema.as_deref(), &base)
                } else {
                    stmt.idxname.clone()
                };
                let index_name = RelationName::new(table.schema.as_deref(), &name);
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
                        origin,
                    },
                );
            }
            NodeEnum::RenameStmt(stmt) => self.rename(stmt),
            NodeEnum::AlterObjectSchemaStmt(stmt) => {
                let Some(rv) = &stmt.relation else { return };
                let old = self.qualify(&RelationName::from_range_var(rv));
                let new = RelationName::new(Some(&stmt.newschema), &old.name);
                if self.move_relation(&old, &new) {
                    // Its indexes and owned sequences move to the new schema with it.
                    let indexes: Vec<Key> = self
                        .indexes
                        .iter()
                        .filter(|(_, i)| i.table == new)
                        .map(|(k, _)| k.clone())
                        .collect();
                    for k in indexes {
                        if let Some(mut index) = self.indexes.remove(&k) {
                            index.name = RelationName::new(Some(&stmt.newschema), &index.name.name);
                            self.indexes.insert(key(&index.name), index);
                        }
                    }
                    let owned: Vec<Key> = self
                        .sequence_owners
                        .iter()
                        .filter(|(_, (t, _))| *t == new)
                        .map(|(k, _)| k.clone())
                        .collect();
                    for k in owned {
                        let seq = RelationName::new(Some(&k.0), &k.1);
                        self.move_relation(&seq, &RelationName::new(Some(&stmt.newschema), &k.1));
                    }
                }
            }
            NodeEnum::DropStmt(stmt) => self.drop(stmt),
            NodeEnum::CreateEnumStmt(stmt) => {
                if let Some(name) = RelationName::from_name_list(&stmt.type_name) {
                    let name = self.qualify_type(&name);
                    let values = stmt.vals.iter().filter_map(string_value).collect();
                    self.enums.insert(key(&name), EnumType { name, values, origin });
                }
            }
            NodeEnum::AlterEnumStmt(stmt) => {
                let Some(name) = RelationName::from_name_list(&stmt.type_name) else {
                    return;
                };
                let k = key(&self.qualify_type(&name));
                if let Some(e) = self.enums.get_mut(&k) {
                    if !stmt.old_val.is_empty() {
                        if let Some(v) = e.values.iter_mut().find(|v| **v == stmt.old_val) {
                            *v = stmt.new_val.clone();
                        }
                    } else if !e.values.contains(&stmt.new_val) {
                        e.values.push(stmt.new_val.clone());
                    }
                }
            }
            NodeEnum::CreateDomainStmt(stmt) => {
                let (Some(name), Some(base)) = (RelationName::from_name_list(&stmt.domainname), &stmt.type_name) else {
                    return;
                };
                let name = self.qualify_type(&name);
                let base = ColumnType::from_type_name(base);
                self.domains.insert(key(&name), Domain { name, base, origin });
            }
            NodeEnum::VariableSetStmt(stmt) if stmt.name == "search_path" => {
                let path: Vec<String> = stmt.args.iter().filter_map(string_value).collect();
                self.set_search_path(path);
            }
            NodeEnum::VariableSetStmt(stmt) if stmt.name.is_empty() => {
                // RESET ALL
                self.reset_session();
            }
            NodeEnum::SelectStmt(stmt) => {
                // pg_dump: SELECT pg_catalog.set_config('search_path', '', false);
                for target in &stmt.target_list {
                    if let Some(path) = set_config_search_path(target) {
                        self.set_search_path(path);
                    }
                }
            }
            _ => {}
        }
    }

    fn set_search_path(&mut self, path: Vec<String>) {
        let path: Vec<String> = path
            .iter()
            .flat_map(|p| p.split(','))
            .map(|p| p.trim().trim_matches('"').to_string())
            .filter(|p| !p.is_empty() && p != "$user" && p != "pg_catalog")
            .collect();
        self.search_path = path;
    }

    fn insert_relation(&mut self, name: RelationName, kind: RelationKind, origin: Origin, columns_known: bool) {
        self.relations.insert(
            key(&name),
            Arc::new(Relation {
                name,
                kind,
                columns: Vec::new(),
                columns_known,
                constraints: Vec::new(),
                partition_of: None,
                inherits: Vec::new(),
                origin,
                inferred: false,
            }),
        );
    }

    fn create_table(&mut self, stmt: &CreateStmt, origin: Origin, at: Option<Location>) {
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
        if let Some(rel) = self.relations.get_mut(&key(&name)).map(Arc::make_mut) {
            rel.columns = inherited;
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
                            rel.columns.extend(columns);
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
        };
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
                (ConstraintKind::Check { not_null_column }, "check", first)
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
            // A name already taken gets a number, as in PostgreSQL: among
            // tables and indexes for a constraint with an index, among the
            // schema's constraints otherwise.
            let base = default_name(&table.name, &name_columns, suffix);
            let schema = table.schema.as_deref();
            match kind {
                ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } | ConstraintKind::Exclusion => {
                    self.free_relation_name(schema, &base)
                }
                _ => self.free_constraint_name(schema, &base),
            }
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
                    origin: index_origin,
                },
            );
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
                    .retain(|_, i| !(i.table == table && i.columns.contains(&column)));
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
            AtAddInherit | AtDropInherit => {
                if let Some(NodeEnum::RangeVar(rv)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                    let parent = self.qualify(&RelationName::from_range_var(rv));
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
                        if let Some(rel) = self.relation_mut(&partition) {
                            rel.partition_of = parent;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn rename(&mut self, stmt: &pg_query::protobuf::RenameStmt) {
        let kind = ObjectType::try_from(stmt.rename_type).unwrap_or(ObjectType::Undefined);
        let Some(rv) = &stmt.relation else {
            if kind == ObjectType::ObjectSchema {
                if let Some(origin) = self.schemas.remove(&stmt.subname) {
                    self.schemas.insert(stmt.newname.clone(), origin);
                }
            }
            return;
        };
        let old = self.qualify(&RelationName::from_range_var(rv));
        let new = RelationName::new(old.schema.as_deref(), &stmt.newname);
        match kind {
            ObjectType::ObjectIndex => {
                if let Some(mut index) = self.indexes.remove(&key(&old)) {
                    index.name = new.clone();
                    self.indexes.insert(key(&new), index);
                }
                // Renaming a constraint's index renames the constraint.
                if let Some(rel) = self
                    .relations
                    .values_mut()
                    .find(|r| r.constraint(&old.name).is_some())
                    .map(Arc::make_mut)
                {
                    if let Some(c) = rel.constraints.iter_mut().find(|c| c.name == old.name) {
                        c.name = stmt.newname.clone();
                    }
                }
            }
            ObjectType::ObjectColumn => {
                let (from, to) = (stmt.subname.clone(), stmt.newname.clone());
                if let Some(rel) = self.relations.get_mut(&key(&old)).map(Arc::make_mut) {
                    if let Some(col) = rel.column_mut(&from) {
                        col.name = to.clone();
                    }
                    for c in &mut rel.constraints {
                        rename_in_constraint(&mut c.kind, &from, &to);
                    }
                }
                for index in self.indexes.values_mut().filter(|i| i.table == old) {
                    for c in index.columns.iter_mut().filter(|c| **c == from) {
                        *c = to.clone();
                    }
                }
            }
            ObjectType::ObjectTabconstraint => {
                if let Some(rel) = self.relations.get_mut(&key(&old)).map(Arc::make_mut) {
                    if let Some(c) = rel.constraints.iter_mut().find(|c| c.name == stmt.subname) {
                        c.name = stmt.newname.clone();
                    }
                }
            }
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable => {
                self.move_relation(&old, &new);
            }
            // Triggers, policies and rules renamed ON a table leave it as it is.
            _ => {}
        }
    }

    fn drop(&mut self, stmt: &pg_query::protobuf::DropStmt) {
        let kind = ObjectType::try_from(stmt.remove_type).unwrap_or(ObjectType::Undefined);
        let names = dropped_names(&stmt.objects);
        match kind {
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable => {
                for name in names {
                    let name = self.qualify(&name);
                    if self.relations.remove(&key(&name)).is_some() {
                        self.drop_dependents(&name);
                    }
                }
            }
            ObjectType::ObjectIndex => {
                for name in names {
                    let name = self.qualify(&name);
                    self.indexes.remove(&key(&name));
                }
            }
            ObjectType::ObjectType | ObjectType::ObjectDomain => {
                for name in names {
                    let name = self.qualify_type(&name);
                    self.enums.remove(&key(&name));
                    self.domains.remove(&key(&name));
                }
            }
            ObjectType::ObjectSchema => {
                let cascade = stmt.behavior == DropBehavior::DropCascade as i32;
                for schema in stmt.objects.iter().filter_map(string_value) {
                    self.schemas.remove(&schema);
                    if cascade {
                        let gone: Vec<RelationName> = self
                            .relations
                            .values()
                            .filter(|r| r.name.schema.as_deref() == Some(schema.as_str()))
                            .map(|r| r.name.clone())
                            .collect();
                        for name in gone {
                            self.relations.remove(&key(&name));
                            self.drop_dependents(&name);
                        }
                        self.enums.retain(|(s, _), _| *s != schema);
                        self.domains.retain(|(s, _), _| *s != schema);
                    }
                }
            }
            _ => {}
        }
    }

    /// A dropped table takes its indexes, partitions' link, and the foreign
    /// keys that reference it (CASCADE; without it PostgreSQL refuses).
    fn drop_dependents(&mut self, table: &RelationName) {
        self.indexes.retain(|_, i| i.table != *table);
        self.drop_owned_sequences(table, None);
        self.sequence_owners.remove(&key(table));
        for rel in self.relations.values_mut() {
            let references = |c: &TableConstraint| matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if references == table);
            if !rel.constraints.iter().any(references) && rel.partition_of.as_ref() != Some(table) {
                continue; // nothing to change: keep sharing it
            }
            let rel = Arc::make_mut(rel);
            rel.constraints.retain(|c| !references(c));
            if rel.partition_of.as_ref() == Some(table) {
                rel.partition_of = None;
            }
        }
    }
}

fn constraint_uses(kind: &ConstraintKind, column: &str) -> bool {
    match kind {
        ConstraintKind::Check { not_null_column } => not_null_column.as_deref() == Some(column),
        ConstraintKind::ForeignKey { columns, .. }
        | ConstraintKind::PrimaryKey { columns }
        | ConstraintKind::Unique { columns } => columns.iter().any(|c| c == column),
        ConstraintKind::NotNull { column: c } => c == column,
        ConstraintKind::Exclusion => false,
    }
}

fn rename_in_constraint(kind: &mut ConstraintKind, from: &str, to: &str) {
    let rename = |c: &mut String| {
        if c == from {
            *c = to.to_string();
        }
    };
    match kind {
        ConstraintKind::Check {
            not_null_column: Some(c),
        }
        | ConstraintKind::NotNull { column: c } => rename(c),
        ConstraintKind::ForeignKey { columns, .. }
        | ConstraintKind::PrimaryKey { columns }
        | ConstraintKind::Unique { columns } => columns.iter_mut().for_each(rename),
        _ => {}
    }
}

/// PostgreSQL's generated names: `users_pkey`, `users_email_key`,
/// `orders_user_id_fkey`, `users_email_idx` (truncated to 63 bytes).
fn default_name(table: &str, columns: &[String], suffix: &str) -> String {
    let mut parts = vec![table.to_string()];
    parts.extend(columns.iter().filter(|c| !c.is_empty()).cloned());
    let mut name = format!("{}_{suffix}", parts.join("_"));
    if name.len() > 63 {
        name.truncate(crate::source::floor_char_boundary(&name, 63));
    }
    name
}

/// The name PostgreSQL gives each key of an index in a generated index name:
/// the column, or for an expression its function's name, a cast's column or
/// type, or `expr` (FigureColname).
fn index_name_parts(params: &[pg_query::Node]) -> Vec<String> {
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

/// The name of a table constraint as written, or the one PostgreSQL gives
/// an unnamed `FOREIGN KEY` (`orders_user_id_fkey`) or `CHECK`
/// (`orders_total_check` when the check reads one column, else
/// `orders_check`). None for other unnamed constraints.
pub fn table_constraint_name(table: &str, con: &Constraint) -> Option<String> {
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
                for (node, ..) in expr.nodes() {
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

fn index_columns(params: &[pg_query::Node]) -> Vec<String> {
    params
        .iter()
        .filter_map(|p| match p.node.as_ref()? {
            NodeEnum::IndexElem(elem) => Some(elem.name.clone()),
            _ => None,
        })
        .collect()
}

/// `SEQUENCE NAME s` in the options of an identity column.
fn identity_sequence_name(con: &Constraint) -> Option<RelationName> {
    con.options.iter().find_map(|o| match o.node.as_ref()? {
        NodeEnum::DefElem(def) if def.defname == "sequence_name" => match def.arg.as_ref()?.node.as_ref()? {
            NodeEnum::List(list) => RelationName::from_name_list(&list.items),
            _ => None,
        },
        _ => None,
    })
}

/// The one column an expression uses, if it uses exactly one.
fn only_column(expr: &pg_query::Node) -> Option<String> {
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

/// `set_config('search_path', 'a, b', false)` in a SELECT target.
fn set_config_search_path(target: &pg_query::Node) -> Option<Vec<String>> {
    let NodeEnum::ResTarget(res) = target.node.as_ref()? else {
        return None;
    };
    let NodeEnum::FuncCall(call) = res.val.as_ref()?.node.as_ref()? else {
        return None;
    };
    let name = call.funcname.last().and_then(string_value)?;
    if name != "set_config" || call.args.len() < 2 {
        return None;
    }
    if string_value(&call.args[0])? != "search_path" {
        return None;
    }
    Some(vec![string_value(&call.args[1])?])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(sql: &str) -> Catalog {
        let mut catalog = Catalog::default();
        let parsed = pg_query::parse(sql, 0).unwrap();
        for raw in parsed.protobuf.stmts {
            catalog.apply(&raw.stmt.unwrap().node.unwrap(), Origin::Change, None);
        }
        catalog
    }

    #[test]
    fn names_unnamed_constraints_as_postgresql_does() {
        let name = |sql: &str| {
            let parsed = pg_query::parse(sql, 0).unwrap();
            let NodeEnum::AlterTableStmt(stmt) = parsed.protobuf.stmts[0].stmt.clone().unwrap().node.unwrap() else {
                panic!()
            };
            let cmd = super::alter_table_cmds(&stmt.cmds).next().unwrap().clone();
            table_constraint_name("orders", super::constraint(&cmd).unwrap())
        };
        assert_eq!(
            name("ALTER TABLE orders ADD FOREIGN KEY (user_id, org_id) REFERENCES u"),
            Some("orders_user_id_org_id_fkey".into())
        );
        assert_eq!(
            name("ALTER TABLE orders ADD CHECK (total > 0 AND total < 10)"),
            Some("orders_total_check".into())
        );
        assert_eq!(
            name("ALTER TABLE orders ADD CHECK (a > b)"),
            Some("orders_check".into())
        );
        assert_eq!(name("ALTER TABLE orders ADD CONSTRAINT c UNIQUE (a)"), Some("c".into()));
        assert_eq!(name("ALTER TABLE orders ADD UNIQUE (a)"), None);
    }

    fn table<'a>(catalog: &'a Catalog, name: &str) -> &'a Relation {
        catalog.relation(&RelationName::new(None, name)).expect(name)
    }

    #[test]
    fn columns_constraints_and_indexes() {
        let c = replay(
            "CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(20) NOT NULL UNIQUE, org_id int REFERENCES orgs);
             ALTER TABLE users ADD COLUMN age int, ALTER COLUMN email TYPE text;
             ALTER TABLE users ADD CONSTRAINT age_nn CHECK (age IS NOT NULL) NOT VALID;
             CREATE INDEX ON users (org_id);",
        );
        let users = table(&c, "users");
        assert_eq!(users.column("email").unwrap().ty.to_string(), "text");
        assert!(users.column("id").unwrap().not_null);
        assert!(!users.has_validated_not_null_check("age"));
        assert!(users.constraint("users_org_id_fkey").is_some());
        let names: Vec<String> = c.indexes().map(|i| i.name.name.clone()).collect();
        assert_eq!(names, ["users_email_key", "users_org_id_idx", "users_pkey"]);
        let c2 = {
            let mut c = c.clone();
            let parsed = pg_query::parse("ALTER TABLE users VALIDATE CONSTRAINT age_nn", 0).unwrap();
            c.apply(
                &parsed.protobuf.stmts[0].stmt.clone().unwrap().node.unwrap(),
                Origin::Change,
                None,
            );
            c
        };
        assert!(table(&c2, "users").has_validated_not_null_check("age"));
        assert_eq!(
            table(&c2, "users")
                .validated_not_null_check("age")
                .map(|c| c.name.as_str()),
            Some("age_nn")
        );
    }

    #[test]
    fn renames_drops_and_search_path() {
        let c = replay(
            "CREATE SCHEMA app; SET search_path TO app, public;
             CREATE TABLE t (a int); CREATE TABLE public.u (b int REFERENCES app.t);
             ALTER TABLE t RENAME COLUMN a TO aa; ALTER TABLE t RENAME TO tt;
             CREATE TYPE mood AS ENUM ('a'); ALTER TYPE mood ADD VALUE 'b';",
        );
        let tt = c.relation(&RelationName::new(Some("app"), "tt")).unwrap();
        assert!(tt.column("aa").is_some());
        assert!(matches!(
            &table(&c, "u").constraints[0].kind,
            ConstraintKind::ForeignKey { references, .. } if references.name == "tt"
        ));
        assert_eq!(
            c.enum_type(&RelationName::new(None, "mood")).unwrap().values,
            ["a", "b"]
        );
        let c = {
            let mut c = c;
            let parsed = pg_query::parse("DROP TABLE app.tt CASCADE", 0).unwrap();
            c.apply(
                &parsed.protobuf.stmts[0].stmt.clone().unwrap().node.unwrap(),
                Origin::Change,
                None,
            );
            c
        };
        assert!(c.relation(&RelationName::new(Some("app"), "tt")).is_none());
        assert!(table(&c, "u").constraints.is_empty());
    }

    #[test]
    fn generated_index_names_follow_postgres() {
        let c = replay(
            "CREATE TABLE t (a int, b text);
             CREATE UNIQUE INDEX ON t (lower(b));
             CREATE INDEX ON t (a, (b::int));
             CREATE INDEX ON t (a);
             CREATE INDEX ON t (a);
             CREATE INDEX ON t ((a + 1));",
        );
        let mut names: Vec<String> = c.indexes().map(|i| i.name.name.clone()).collect();
        names.sort();
        assert_eq!(names, ["t_a_b_idx", "t_a_idx", "t_a_idx1", "t_expr_idx", "t_lower_idx"]);
    }

    #[test]
    fn generated_constraint_names_follow_postgres() {
        let c = replay(
            "CREATE TABLE t (a int, b int, r tstzrange);
             ALTER TABLE t ADD CHECK (a > 0), ADD CHECK (a < b), ADD CHECK (b IS NOT NULL);
             ALTER TABLE t ADD EXCLUDE USING gist (r WITH &&, (a + 1) WITH =);",
        );
        let names: Vec<&str> = table(&c, "t").constraints.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["t_a_check", "t_check", "t_b_check", "t_r_expr_excl"]);
    }

    #[test]
    fn sequences_go_with_the_columns_that_own_them() {
        let kinds =
            |c: &Catalog| -> Vec<String> { c.relations().map(|r| format!("{} {:?}", r.name.name, r.kind)).collect() };
        let c = replay(
            "CREATE TABLE t (id serial PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY);
             ALTER TABLE t ADD COLUMN m int, ALTER COLUMN m ADD GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME t_m_custom);
             CREATE SEQUENCE s; ALTER SEQUENCE s OWNED BY t.m;
             ALTER SEQUENCE t_id_seq RENAME TO t_id_seq2;",
        );
        assert_eq!(
            kinds(&c),
            [
                "s Sequence",
                "t Table",
                "t_id_seq2 Sequence",
                "t_m_custom Sequence",
                "t_n_seq Sequence"
            ]
        );
        let mut dropped = c.clone();
        for raw in pg_query::parse("ALTER TABLE t DROP COLUMN m, ALTER n DROP IDENTITY", 0)
            .unwrap()
            .protobuf
            .stmts
        {
            dropped.apply(&raw.stmt.unwrap().node.unwrap(), Origin::Change, None);
        }
        assert_eq!(kinds(&dropped), ["t Table", "t_id_seq2 Sequence"]);
        let c = {
            let mut c = c;
            for raw in pg_query::parse("CREATE SCHEMA app; ALTER TABLE t SET SCHEMA app; DROP TABLE app.t;", 0)
                .unwrap()
                .protobuf
                .stmts
            {
                c.apply(&raw.stmt.unwrap().node.unwrap(), Origin::Change, None);
            }
            c
        };
        assert!(kinds(&c).is_empty(), "{:?}", kinds(&c));
    }

    #[test]
    fn a_table_moved_to_another_schema_takes_its_indexes() {
        let c = replay(
            "CREATE TABLE p (id int PRIMARY KEY) PARTITION BY RANGE (id);
             CREATE TABLE c PARTITION OF p FOR VALUES FROM (1) TO (10);
             CREATE TABLE r (pid int REFERENCES p);
             CREATE INDEX p_idx ON p (id);
             CREATE SCHEMA app; ALTER TABLE p SET SCHEMA app;",
        );
        let moved = RelationName::new(Some("app"), "p");
        assert!(c.relation(&moved).is_some());
        assert!(c.index(&RelationName::new(Some("app"), "p_idx")).is_some());
        assert!(c.index(&RelationName::new(Some("public"), "p_idx")).is_none());
        assert_eq!(table(&c, "c").partition_of, Some(moved.clone()));
        assert!(matches!(
            &table(&c, "r").constraints[0].kind,
            ConstraintKind::ForeignKey { references, .. } if *references == moved
        ));
    }

    #[test]
    fn taken_generated_names_get_a_number() {
        let c = replay(
            "CREATE TABLE t (id int PRIMARY KEY, a int UNIQUE, CHECK (a > 0));
             ALTER TABLE t RENAME TO t_old;
             CREATE TABLE t (id int PRIMARY KEY, a int UNIQUE, CHECK (a > 0));",
        );
        let names: Vec<&str> = table(&c, "t").constraints.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["t_pkey1", "t_a_key1", "t_a_check1"]);
    }

    #[test]
    fn renaming_a_trigger_or_policy_on_a_table_keeps_the_table() {
        let c = replay(
            "CREATE TABLE person (id int);
             ALTER TRIGGER person_delete ON person RENAME TO person_gone;
             ALTER POLICY p ON person RENAME TO q;
             ALTER RULE r ON person RENAME TO s;
             ALTER TABLE person RENAME TO people;
             ALTER SEQUENCE people_id_seq RENAME TO people_seq;",
        );
        let names: Vec<&str> = c.relations().map(|r| r.name.name.as_str()).collect();
        assert_eq!(names, ["people"]);
    }

    #[test]
    fn settle_turns_the_change_into_history() {
        let mut c = replay("CREATE TABLE t (a int)");
        assert_eq!(table(&c, "t").origin, Origin::Change);
        c.settle();
        assert_eq!(table(&c, "t").origin, Origin::History);
    }

    #[test]
    fn pg_dump_search_path_is_read() {
        let c = replay("SELECT pg_catalog.set_config('search_path', '', false); CREATE TABLE public.t (a int);");
        assert!(c.relation(&RelationName::new(Some("public"), "t")).is_some());
        assert!(c.relation(&RelationName::new(None, "t")).is_none(), "empty search path");
    }

    #[test]
    fn an_alter_on_an_unseen_table_infers_an_existing_table() {
        let c = replay(
            "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
             ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
             ALTER TABLE users ADD COLUMN age int;
             ALTER TABLE IF EXISTS ghosts ADD COLUMN a int;
             CREATE INDEX users_age_idx ON users (age);
             ALTER TABLE users_age_idx SET (fillfactor = 70);
             ALTER INDEX other_idx SET (fillfactor = 70);",
        );
        let users = table(&c, "users");
        assert!(users.inferred);
        assert!(!users.columns_known);
        assert_eq!(users.origin, Origin::History, "it existed before the change");
        assert!(users.has_validated_not_null_check("email"));
        assert_eq!(users.column("age").unwrap().ty.to_string(), "integer");
        let names: Vec<&str> = c.relations().map(|r| r.name.name.as_str()).collect();
        assert_eq!(names, ["users"], "no table for IF EXISTS, an index or ALTER INDEX");
        let created = replay("CREATE TABLE t (a int); ALTER TABLE t ADD b int;");
        assert!(!table(&created, "t").inferred);
    }
}
