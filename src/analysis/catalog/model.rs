//! The catalog's model: relations (tables, views, materialized views,
//! sequences) with their columns and constraints, indexes, enum types,
//! domains and schemas, each with its origin; and the lookups that resolve a
//! name through the search path.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::check_bound::CheckBound;
use crate::analysis::locks::LockScope;
use crate::analysis::names::RelationName;
use crate::analysis::types::ColumnType;
use crate::input::source::Span;
use crate::parse::embedded::{Body, Signature};

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
    /// History, or added by the change being judged (with its table or by
    /// `ADD COLUMN`): code already running does not know it.
    pub origin: Origin,
    /// Which creation it comes from (`Relation::incarnation`'s numbering):
    /// a renamed column is the same one, a column added under a name
    /// another had is another.
    pub incarnation: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConstraintKind {
    /// `CHECK (...)`; `not_null_column` when the check is `col IS NOT NULL`.
    Check {
        not_null_column: Option<String>,
        /// What it says of one column in a partition bound's terms.
        bound: Option<CheckBound>,
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
    /// The one column a partitioned table is partitioned by (None for an
    /// expression, several columns, or a table that is not partitioned).
    pub partition_key: Option<String>,
    /// The table access method written at creation (`USING`) or set since
    /// (`SET ACCESS METHOD`); None for the server's default.
    pub access_method: Option<String>,
    pub origin: Origin,
    /// The catalog never saw it created: an `ALTER TABLE` named a table the
    /// history does not hold (history is incomplete). It counts as an
    /// existing, populated table whose columns, constraints and indexes are
    /// only those the migrations went on to add.
    pub inferred: bool,
    /// Which creation it comes from, numbered in its catalog: a table
    /// dropped and created again under the same name is another one; a
    /// renamed one is the same.
    pub incarnation: u64,
}

impl Relation {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Its constraints prove every row fits the partition bound it is
    /// attached with to `parent` (PostgreSQL then skips the scan): a CHECK
    /// on the parent's key column, declared NOT NULL here.
    pub fn proves_bound(&self, parent: &Relation, bound: &pg_query::protobuf::PartitionBoundSpec) -> bool {
        let Some(key) = &parent.partition_key else {
            return false;
        };
        let not_null = self.column(key).is_some_and(|c| c.not_null);
        self.constraints.iter().any(|c| match &c.kind {
            ConstraintKind::Check { bound: Some(check), .. } => c.validated && check.proves(bound, key, not_null),
            _ => false,
        })
    }

    pub(super) fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
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
            c.validated && matches!(&c.kind, ConstraintKind::Check { not_null_column: Some(col), .. } if col == column)
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
    /// What PostgreSQL compares when a partitioned table's index adopts a
    /// partition's (`parse::ast::index_signature`); None when unknown.
    pub signature: Option<String>,
    /// Attached to a partitioned table's index (`ALTER INDEX ... ATTACH
    /// PARTITION`): no other index of the parent can adopt it.
    pub attached: bool,
    /// The columns its expressions and `WHERE` predicate read: dropping
    /// one drops the index, as dropping a key column does.
    pub reads: Vec<String>,
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
    /// The names of its CHECK constraints (an unnamed one named as
    /// PostgreSQL does, `<domain>_check`, then `<domain>_check1`, ...).
    pub(crate) checks: BTreeSet<String>,
    /// `NOT NULL` (until `DROP NOT NULL`).
    pub(crate) not_null: bool,
    pub origin: Origin,
}

impl Domain {
    /// A CHECK or NOT NULL constraint holds on it (a constraint dropped by a
    /// name the catalog does not know is taken to stay): a column of the
    /// domain added to a table with rows checks each row, which rewrites
    /// the table.
    pub fn constrained(&self) -> bool {
        self.not_null || !self.checks.is_empty()
    }

    /// Records a CHECK constraint, named or not.
    pub(super) fn add_check(&mut self, name: &str) {
        let name = if name.is_empty() {
            let base = format!("{}_check", self.name.name);
            (0..)
                .map(|n| if n == 0 { base.clone() } else { format!("{base}{n}") })
                .find(|candidate| !self.checks.contains(candidate))
                .unwrap_or(base)
        } else {
            name.to_string()
        };
        self.checks.insert(name);
    }
}

/// The key of the catalog's maps: schema (empty when unqualified) and name.
pub(super) type Key = (String, String);

pub(super) fn key(name: &RelationName) -> Key {
    (name.schema.clone().unwrap_or_default(), name.name.clone())
}

/// The schema as the migrations replayed so far leave it, and the search
/// path they set.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// Shared with the statements that saw them (`relations_before`): a
    /// statement keeps the relation as it was before it ran without a deep
    /// copy, and a later change copies it on write (`Arc::make_mut`).
    pub(super) relations: BTreeMap<Key, Arc<Relation>>,
    pub(super) indexes: BTreeMap<Key, Index>,
    pub(super) enums: BTreeMap<Key, EnumType>,
    pub(super) domains: BTreeMap<Key, Domain>,
    pub(super) schemas: BTreeMap<String, Origin>,
    pub(super) search_path: Vec<String>,
    /// Sequences owned by a column (serial, identity, `OWNED BY`): they go
    /// with the column.
    pub(super) sequence_owners: BTreeMap<Key, (RelationName, String)>,
    /// Functions and procedures with a body, each name's overloads in the
    /// order they were created.
    pub(super) routines: BTreeMap<Key, Vec<(Signature, Arc<Body>)>>,
    /// Something the change created may not count as history yet: `settle`
    /// has work to do. (Replaying a long history settles after every file;
    /// walking every object each time made that quadratic.)
    pub(super) unsettled: bool,
    /// The number the next relation created gets (`Relation::incarnation`).
    pub(super) next_incarnation: u64,
    /// Some relation was made a partition or an inheritance child at some
    /// point: only then can a table have children (`has_children` would
    /// otherwise scan every relation for each statement judged, which grew
    /// with the history).
    pub(super) children_possible: bool,
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
            routines: BTreeMap::new(),
            unsettled: false,
            next_incarnation: 0,
            children_possible: false,
        }
    }
}

impl Catalog {
    /// Ends a change: what it created now counts as existing history.
    pub fn settle(&mut self) {
        if !std::mem::take(&mut self.unsettled) {
            return;
        }
        for r in self.relations.values_mut() {
            // Only copy a shared relation when something changes.
            if r.origin == Origin::History
                && r.constraints.iter().all(|c| c.origin == Origin::History)
                && r.columns.iter().all(|c| c.origin == Origin::History)
            {
                continue;
            }
            let r = Arc::make_mut(r);
            r.origin = Origin::History;
            for c in &mut r.columns {
                c.origin = Origin::History;
            }
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

    /// The relations as the catalog shares them: a relation no statement
    /// changed since a copy of the catalog was taken is the same `Arc`.
    pub(crate) fn shared_relations(&self) -> impl Iterator<Item = &Arc<Relation>> {
        self.relations.values()
    }

    pub(crate) fn enums(&self) -> impl Iterator<Item = &EnumType> {
        self.enums.values()
    }

    pub(crate) fn domains(&self) -> impl Iterator<Item = &Domain> {
        self.domains.values()
    }

    pub(crate) fn schema_names(&self) -> impl Iterator<Item = &str> {
        self.schemas.keys().map(String::as_str)
    }

    /// Each routine the catalog holds a body of: its schema-qualified name
    /// and signature.
    pub(crate) fn routine_signatures(&self) -> impl Iterator<Item = (RelationName, &Signature)> {
        self.routines.iter().flat_map(|((schema, name), overloads)| {
            overloads
                .iter()
                .map(move |(signature, _)| (RelationName::new(Some(schema), name), signature))
        })
    }

    /// The sequence is owned by a column (serial, identity, `OWNED BY`).
    pub(crate) fn sequence_owned(&self, name: &RelationName) -> bool {
        self.sequence_owners.contains_key(&key(name))
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
        if !self.children_possible {
            return false;
        }
        let table = self.qualify(table);
        self.relations
            .values()
            .any(|r| r.partition_of.as_ref() == Some(&table) || r.inherits.contains(&table))
    }

    /// The partitions holding the rows of `table` when it is a partitioned
    /// table: its partitions, and theirs for a partitioned partition, by
    /// name. None for any other table.
    pub fn leaf_partitions(&self, table: &RelationName) -> Option<Vec<Arc<Relation>>> {
        let relation = self.relation(table)?;
        if relation.kind != RelationKind::PartitionedTable {
            return None;
        }
        let mut leaves: Vec<Arc<Relation>> = Vec::new();
        let mut parents = vec![relation.name.clone()];
        while let Some(parent) = parents.pop() {
            for r in self
                .relations
                .values()
                .filter(|r| r.partition_of.as_ref() == Some(&parent))
            {
                if r.kind != RelationKind::PartitionedTable {
                    leaves.push(Arc::clone(r));
                } else if parents.len() + leaves.len() < 10_000 {
                    parents.push(r.name.clone());
                }
            }
        }
        leaves.sort_by(|a, b| a.name.name.cmp(&b.name.name));
        Some(leaves)
    }

    /// Whether a lock scope can reach any relation. Only what the catalog can
    /// rule out is ruled out, for relations it saw created (an inferred one
    /// is known only in part): the children of a table it knows to have
    /// none, the parent of a table that is no partition, the foreign-key
    /// partners of a table or column no foreign key involves, the tables of
    /// a "view" that is a table.
    pub fn scope_may_reach(&self, scope: &LockScope) -> bool {
        use LockScope::*;
        let known = |name: &RelationName| self.relation(name).filter(|r| !r.inferred);
        let has_foreign_key = |r: &Relation, column: Option<&str>| {
            r.constraints.iter().any(|c| match &c.kind {
                ConstraintKind::ForeignKey { columns, .. } => column.is_none_or(|col| columns.iter().any(|c| c == col)),
                _ => false,
            })
        };
        match scope {
            Inheritors(t) | Partitions(t) | RowPartitions(t) | DefaultPartition(t) => {
                self.relation(t).is_none() || self.has_children(t)
            }
            PartitionParent(t) => known(t).is_none_or(|r| r.partition_of.is_some()),
            ReferencedTables(t) => known(t).is_none_or(|r| has_foreign_key(r, None)),
            ReferencingTables(t) | ReferencingTablesCascade(t) | ReferencingTablesWrittenOnDelete(t) => {
                known(t).is_none() || self.is_referenced(t)
            }
            ColumnForeignKeyTables { table, column } => {
                known(table).is_none_or(|r| has_foreign_key(r, Some(column)) || self.is_referenced(table))
            }
            ConstraintForeignKeyTables { table, constraint } => {
                known(table).is_none_or(|r| match r.constraint(constraint).map(|c| &c.kind) {
                    None | Some(ConstraintKind::ForeignKey { .. }) => true,
                    Some(ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. }) => {
                        self.is_referenced(table)
                    }
                    Some(_) => false,
                })
            }
            ViewTables(view) => {
                known(view).is_none_or(|r| matches!(r.kind, RelationKind::View | RelationKind::MaterializedView))
            }
            _ => true,
        }
    }

    /// Does a foreign key of any relation the catalog knows reference the
    /// table?
    fn is_referenced(&self, table: &RelationName) -> bool {
        let table = self.qualify(table);
        self.relations.values().any(|r| {
            r.constraints
                .iter()
                .any(|c| matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if *references == table))
        })
    }

    /// Indexes on a table.
    pub fn indexes_on<'a>(&'a self, table: &'a RelationName) -> impl Iterator<Item = &'a Index> + 'a {
        self.indexes.values().filter(move |i| i.table == *table)
    }

    pub(super) fn resolve_in<'a, T>(&self, map: &'a BTreeMap<Key, T>, name: &RelationName) -> Option<&'a T> {
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

    pub(super) fn qualify_type(&self, name: &RelationName) -> RelationName {
        self.qualify_by(name, |k| self.enums.contains_key(k) || self.domains.contains_key(k))
    }

    /// The first search-path schema where `exists` finds the name, else the
    /// schema new objects are created in.
    pub(super) fn qualify_by(&self, name: &RelationName, exists: impl Fn(&Key) -> bool) -> RelationName {
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

    /// Adds a relation with no columns or constraints yet.
    pub(super) fn insert_relation(
        &mut self,
        name: RelationName,
        kind: RelationKind,
        origin: Origin,
        columns_known: bool,
    ) {
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
                access_method: None,
                partition_key: None,
                origin,
                inferred: false,
                incarnation: self.next_incarnation,
            }),
        );
        self.next_incarnation += 1;
    }

    /// The relation a name refers to, to change it (copied first if a
    /// statement still shares it).
    pub(super) fn relation_mut(&mut self, name: &RelationName) -> Option<&mut Relation> {
        let k = key(&self.qualify(name));
        self.relations.get_mut(&k).map(Arc::make_mut)
    }
}
