//! Whether a down script undoes its up script. Three states of the schema
//! are compared object by object: before the up script, after it, and after
//! the down script. Only what the catalog models is compared (schemas,
//! tables, views, sequences that no column owns, columns with their type,
//! nullability and default, constraints, indexes, enum types, domains,
//! routines with a body); each statement of the down script is watched for
//! what it drops and for names it acts on that are not there.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use pg_query::protobuf::{AlterTableType, DropBehavior, ObjectType};
use pg_query::NodeEnum;

use super::catalog::{Catalog, Column, ConstraintKind, Relation, RelationKind};
use super::names::{dropped_type_names, quote_ident, RelationName};
use super::types::ColumnType;
use super::volatility::builtin_volatility;
use crate::parse::ast::{alter_table_actions, string_value};

/// What kind of object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ObjectKind {
    Schema,
    Table,
    View,
    MaterializedView,
    Sequence,
    Column,
    Constraint,
    Index,
    Enum,
    Domain,
    Routine,
}

impl ObjectKind {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Column => "column",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Index => "index",
            ObjectKind::Enum => "type",
            ObjectKind::Domain => "domain",
            ObjectKind::Routine => "function",
        }
    }

    fn of_relation(kind: RelationKind) -> ObjectKind {
        match kind {
            RelationKind::Table | RelationKind::PartitionedTable => ObjectKind::Table,
            RelationKind::View => ObjectKind::View,
            RelationKind::MaterializedView => ObjectKind::MaterializedView,
            RelationKind::Sequence => ObjectKind::Sequence,
        }
    }

    fn is_relation(self) -> bool {
        matches!(
            self,
            ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Sequence
        )
    }
}

/// One object of the schema: its kind, the table it belongs to (columns
/// and constraints), and its name (schema-qualified for everything else).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Object {
    pub kind: ObjectKind,
    pub table: Option<RelationName>,
    pub name: RelationName,
}

impl Object {
    fn top(kind: ObjectKind, name: &RelationName) -> Object {
        Object {
            kind,
            table: None,
            name: name.clone(),
        }
    }

    fn of_table(kind: ObjectKind, table: &RelationName, name: &str) -> Object {
        Object {
            kind,
            table: Some(table.clone()),
            name: RelationName::new(None, name),
        }
    }

    /// The name as SQL writes it in a recipe.
    pub(crate) fn sql_name(&self) -> String {
        match &self.table {
            Some(_) => quote_ident(&self.name.name),
            None => shown(&self.name).to_sql(),
        }
    }

    /// The table it belongs to, as SQL writes it.
    pub(crate) fn sql_table(&self) -> Option<String> {
        self.table.as_ref().map(|t| shown(t).to_sql())
    }
}

impl fmt::Display for Object {
    /// `column "users"."email"`, `constraint "users_email_key" of "users"`,
    /// `table "users"` (the `public` schema left out).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = self.kind.noun();
        match (&self.table, self.kind) {
            (Some(table), ObjectKind::Column) => {
                write!(f, "{noun} {}.\"{}\"", shown(table), self.name.name)
            }
            (Some(table), _) => write!(f, "{noun} \"{}\" of {}", self.name.name, shown(table)),
            (None, ObjectKind::Schema) => write!(f, "{noun} \"{}\"", self.name.name),
            (None, ObjectKind::Routine) => write!(f, "{noun} {}()", shown(&self.name).plain()),
            (None, _) => write!(f, "{noun} {}", shown(&self.name)),
        }
    }
}

/// A name with the `public` schema left out, as users write it.
fn shown(name: &RelationName) -> RelationName {
    match name.schema.as_deref() {
        Some("public") | None => RelationName::new(None, &name.name),
        Some(schema) => RelationName::new(Some(schema), &name.name),
    }
}

/// How a down script fails to bring the schema back to where its up
/// script found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Incomplete {
    /// The up script created it and the down script leaves it.
    Left(Object),
    /// It existed before the up script and is gone after the down script:
    /// the up script removed it (`by` None) or statement `by` of the down
    /// script did.
    NotRestored { object: Object, by: Option<usize> },
    /// It existed before the up script and after it, and the down script
    /// removed it, at a statement it could not tell (inside a body).
    DroppedByDown(Object),
    /// The up script renamed it and the down script does not rename it back.
    NotRenamedBack { old: Object, new: Object },
    /// It is there before and after, defined otherwise; `by` is the down
    /// script's statement that changed it last, if it did.
    Changed {
        object: Object,
        before: String,
        after: String,
        by: Option<usize>,
    },
}

/// A statement of the down script drops a table or column that existed
/// before the up script: the rows production had are deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lost {
    pub statement: usize,
    /// The `ALTER TABLE` action that drops it (`alter_action_span`).
    pub action: Option<usize>,
    pub object: Object,
}

/// Why an object a statement acts on is not there when the down script runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Gone {
    /// An earlier statement of the down script dropped or renamed it.
    EarlierInDown,
    /// The up script dropped or renamed it.
    ByUp,
    /// No migration before it, nor its up script, created it.
    Never,
}

/// A statement of the down script acts on an object that does not exist
/// at that point, without `IF EXISTS`: PostgreSQL stops the script there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Missing {
    pub statement: usize,
    pub action: Option<usize>,
    pub object: Object,
    pub gone: Gone,
    /// What the up script created of the same kind (on the same table):
    /// the names a typo likely meant.
    pub created_by_up: Vec<String>,
}

/// What the comparison found for one down script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Reversal {
    pub incomplete: Vec<Incomplete>,
    pub lost: Vec<Lost>,
    pub missing: Vec<Missing>,
}

/// The definition of each object the catalog holds, as a comparable and
/// readable text (`integer NOT NULL, with a default`).
type Inventory = BTreeMap<Object, String>;

/// Watches a down script's statements as they are applied to the catalog
/// (the state its up script left) and compares the end with the state
/// before the up script.
pub(crate) struct Tracer<'b> {
    before_up: &'b Catalog,
    after_up: Catalog,
    /// The history before the up script was replayed whole (or a schema
    /// dump stands for it), so a relation the catalog lacks does not exist.
    complete: bool,
    in_order: bool,
    /// Tables a statement of the down script copied rows from, and the
    /// tables an `UPDATE` wrote with the columns it read.
    copied: BTreeSet<RelationName>,
    read_columns: BTreeSet<(RelationName, String)>,
    /// Types dropped with CASCADE (their columns go too) and whether any
    /// drop cascades (views and routines may go with it).
    cascaded_types: BTreeSet<String>,
    cascades: bool,
    /// A statement whose effect the catalog cannot follow (a call of a
    /// routine whose body is unknown).
    opaque: bool,
    /// The statement that last removed or changed each object.
    touched: BTreeMap<Object, usize>,
    lost: Vec<Lost>,
    missing: Vec<(usize, Option<usize>, Object)>,
}

impl<'b> Tracer<'b> {
    /// `after_up` is the catalog the down script starts from.
    /// `in_order` when the statements run in the order written (Liquibase
    /// rollbacks of several changesets do not): only then is a statement
    /// checked for what it acts on.
    pub(crate) fn new(before_up: &'b Catalog, after_up: Catalog, complete: bool, in_order: bool) -> Tracer<'b> {
        let complete = complete && !before_up.relations().any(|r| r.inferred);
        Tracer {
            before_up,
            after_up,
            complete,
            in_order,
            copied: BTreeSet::new(),
            read_columns: BTreeSet::new(),
            cascaded_types: BTreeSet::new(),
            cascades: false,
            opaque: false,
            touched: BTreeMap::new(),
            lost: Vec::new(),
            missing: Vec::new(),
        }
    }

    /// Statements that change nothing the catalog holds (rows, comments,
    /// grants, triggers, settings other than the search path's schemas):
    /// no copy of the catalog is needed to watch them.
    pub(crate) fn keeps_catalog(node: &NodeEnum) -> bool {
        match node {
            NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::TransactionStmt(_)
            | NodeEnum::CommentStmt(_)
            | NodeEnum::GrantStmt(_)
            | NodeEnum::CreateTrigStmt(_)
            | NodeEnum::VariableSetStmt(_) => true,
            NodeEnum::SelectStmt(stmt) => stmt.into_clause.is_none(),
            _ => false,
        }
    }

    /// One statement, `before` and `after` it ran; `embedded` for a
    /// statement inside a body (which may run conditionally).
    pub(crate) fn step(
        &mut self,
        statement: usize,
        node: &NodeEnum,
        embedded: bool,
        data_loss: bool,
        before: &Catalog,
        after: &Catalog,
    ) {
        if !embedded && self.in_order {
            self.check_exists(statement, node, before);
        }
        self.note_opaque(node, before);
        let (removed, changed) = differences(before, after);
        for object in removed.iter().chain(&changed) {
            self.touched.insert(object.clone(), statement);
        }
        if data_loss {
            for object in removed {
                self.note_loss(statement, node, object, before);
            }
        }
        self.note_reads(node, before);
    }

    /// The comparison, once the down script ran: `end` is the catalog it
    /// left; `unreadable` when part of it could not be followed (a parse
    /// problem, SQL built at run time), which leaves only the statements'
    /// own findings.
    pub(crate) fn finish(self, end: &Catalog, unreadable: bool) -> Reversal {
        let focus = Focus::between(&[self.before_up, &self.after_up, end]);
        let b = inventory(self.before_up, &focus);
        let u = inventory(&self.after_up, &focus);
        let d = inventory(end, &focus);
        let missing = self
            .missing
            .iter()
            .map(|(statement, action, object)| {
                let gone = if u.contains_key(object) {
                    Gone::EarlierInDown
                } else if b.contains_key(object) {
                    Gone::ByUp
                } else {
                    Gone::Never
                };
                let created_by_up = u
                    .keys()
                    .filter(|o| o.kind == object.kind && o.table == object.table && !b.contains_key(o))
                    .map(|o| o.name.name.clone())
                    .collect();
                Missing {
                    statement: *statement,
                    action: *action,
                    object: object.clone(),
                    gone,
                    created_by_up,
                }
            })
            .collect();
        let incomplete = if unreadable || self.opaque {
            Vec::new()
        } else {
            self.compare(&b, &u, &d, end)
        };
        Reversal {
            incomplete,
            lost: self.lost,
            missing,
        }
    }

    /// What differs between the state before the up script (`b`) and after
    /// the down script (`d`), `u` the state between.
    fn compare(&self, b: &Inventory, u: &Inventory, d: &Inventory, end: &Catalog) -> Vec<Incomplete> {
        let mut found = Vec::new();
        let keys: BTreeSet<&Object> = b.keys().chain(u.keys()).chain(d.keys()).collect();
        for object in keys {
            let (before, between, after) = (b.get(object), u.get(object), d.get(object));
            let problem = match (before, between, after) {
                (None, Some(_), Some(_)) => Incomplete::Left(object.clone()),
                (Some(_), None, None) => Incomplete::NotRestored {
                    object: object.clone(),
                    by: None,
                },
                (Some(_), Some(_), None) => {
                    // Dropped with its data: down-migration-loses-data says so.
                    if self.lost.iter().any(|l| l.object == *object) {
                        continue;
                    }
                    match self.touched.get(object) {
                        Some(by) => Incomplete::NotRestored {
                            object: object.clone(),
                            by: Some(*by),
                        },
                        None => Incomplete::DroppedByDown(object.clone()),
                    }
                }
                (Some(before), _, Some(after)) if before != after => Incomplete::Changed {
                    object: object.clone(),
                    before: before.clone(),
                    after: after.clone(),
                    by: (between == Some(before))
                        .then(|| self.touched.get(object).copied())
                        .flatten(),
                },
                _ => continue,
            };
            found.push(problem);
        }
        let found = self.drop_implied(found, end);
        pair_renames(found, b, u)
    }

    /// Leaves out what another finding implies: the columns, constraints
    /// and indexes of a table reported whole, the constraints and indexes
    /// on a column reported, what a CASCADE drop may have taken along.
    fn drop_implied(&self, found: Vec<Incomplete>, end: &Catalog) -> Vec<Incomplete> {
        let whole: BTreeSet<RelationName> = found
            .iter()
            .filter_map(|p| match p {
                Incomplete::Left(o) | Incomplete::NotRestored { object: o, .. } | Incomplete::DroppedByDown(o)
                    if o.kind.is_relation() =>
                {
                    Some(o.name.clone())
                }
                _ => None,
            })
            .collect();
        let columns: BTreeSet<(RelationName, String)> = found
            .iter()
            .filter_map(|p| match p {
                Incomplete::Left(o) | Incomplete::NotRestored { object: o, .. } | Incomplete::DroppedByDown(o)
                    if o.kind == ObjectKind::Column =>
                {
                    Some((o.table.clone()?, o.name.name.clone()))
                }
                _ => None,
            })
            .chain(
                self.lost
                    .iter()
                    .filter(|l| l.object.kind == ObjectKind::Column)
                    .filter_map(|l| Some((l.object.table.clone()?, l.object.name.name.clone()))),
            )
            .collect();
        let lost_tables: BTreeSet<&RelationName> = self
            .lost
            .iter()
            .filter(|l| l.object.kind.is_relation())
            .map(|l| &l.object.name)
            .collect();
        let catalogs = [self.before_up, &self.after_up, end];
        found
            .into_iter()
            .filter(|p| {
                let object = match p {
                    Incomplete::Left(o)
                    | Incomplete::NotRestored { object: o, .. }
                    | Incomplete::DroppedByDown(o)
                    | Incomplete::Changed { object: o, .. } => o,
                    Incomplete::NotRenamedBack { .. } => return true,
                };
                if let Some(table) = &object.table {
                    if whole.contains(table) || lost_tables.contains(table) {
                        return false;
                    }
                    // Columns of a `CREATE TABLE AS` in any of the states are
                    // not known: they are not compared.
                    let unknown_columns = catalogs
                        .iter()
                        .any(|c| c.relation(table).is_some_and(|r| !r.columns_known && !r.inferred));
                    if unknown_columns {
                        return false;
                    }
                    if object.kind == ObjectKind::Constraint {
                        let uses = constraint_columns(&catalogs, table, &object.name.name);
                        if uses.iter().any(|c| columns.contains(&(table.clone(), c.clone()))) {
                            return false;
                        }
                    }
                }
                if object.kind == ObjectKind::Index {
                    let Some(index) = catalogs.iter().find_map(|c| c.index(&object.name)) else {
                        return true;
                    };
                    if whole.contains(&index.table) || lost_tables.contains(&index.table) {
                        return false;
                    }
                    if index
                        .columns
                        .iter()
                        .chain(&index.reads)
                        .any(|c| columns.contains(&(index.table.clone(), c.clone())))
                    {
                        return false;
                    }
                }
                if self.cascades && matches!(p, Incomplete::Left(_)) {
                    if matches!(
                        object.kind,
                        ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Routine
                    ) {
                        return false;
                    }
                    if object.kind == ObjectKind::Column {
                        let ty = object
                            .table
                            .as_ref()
                            .and_then(|t| end.relation(t))
                            .and_then(|r| r.column(&object.name.name))
                            .map(|c| c.ty.name.clone());
                        if ty.is_some_and(|t| self.cascaded_types.contains(&t)) {
                            return false;
                        }
                    }
                }
                true
            })
            .collect()
    }

    /// A statement that acts on a relation, column, index or constraint
    /// the catalog lacks at that point, without `IF EXISTS`.
    fn check_exists(&mut self, statement: usize, node: &NodeEnum, catalog: &Catalog) {
        let mut missing = Vec::new();
        match node {
            NodeEnum::DropStmt(stmt) if !stmt.missing_ok => {
                let kind = ObjectType::try_from(stmt.remove_type).unwrap_or(ObjectType::Undefined);
                for name in dropped_type_names(&stmt.objects) {
                    let object = match kind {
                        ObjectType::ObjectTable => ObjectKind::Table,
                        ObjectType::ObjectView => ObjectKind::View,
                        ObjectType::ObjectMatview => ObjectKind::MaterializedView,
                        ObjectType::ObjectSequence => ObjectKind::Sequence,
                        ObjectType::ObjectIndex => ObjectKind::Index,
                        // Composite and range types are not modeled: only
                        // domains are known whole.
                        ObjectType::ObjectDomain => ObjectKind::Domain,
                        _ => continue,
                    };
                    let exists = match object {
                        ObjectKind::Index => catalog.index(&name).is_some(),
                        ObjectKind::Domain => catalog.domain(&name).is_some(),
                        _ => catalog.relation(&name).is_some(),
                    };
                    let qualified = qualify(catalog, &name);
                    if !exists && self.knows_schema(catalog, &qualified) {
                        missing.push((None, Object::top(object, &qualified)));
                    }
                }
            }
            NodeEnum::AlterTableStmt(stmt) if stmt.objtype == ObjectType::ObjectTable as i32 => {
                let Some(rv) = &stmt.relation else { return };
                let name = RelationName::from_range_var(rv);
                let qualified = qualify(catalog, &name);
                match catalog.relation(&name) {
                    None if !stmt.missing_ok
                        && catalog.index(&name).is_none()
                        && self.knows_schema(catalog, &qualified) =>
                    {
                        missing.push((None, Object::top(ObjectKind::Table, &qualified)));
                    }
                    Some(relation) if fully_known(relation) => {
                        for (n, cmd) in alter_table_actions(&stmt.cmds) {
                            if let Some(object) = missing_in_table(relation, cmd) {
                                missing.push((Some(n), object));
                            }
                        }
                    }
                    _ => {}
                }
            }
            NodeEnum::RenameStmt(stmt) if !stmt.missing_ok => {
                let Some(rv) = &stmt.relation else { return };
                let name = RelationName::from_range_var(rv);
                let qualified = qualify(catalog, &name);
                let kind = ObjectType::try_from(stmt.rename_type).unwrap_or(ObjectType::Undefined);
                match kind {
                    ObjectType::ObjectTable
                    | ObjectType::ObjectView
                    | ObjectType::ObjectMatview
                    | ObjectType::ObjectSequence
                        if catalog.relation(&name).is_none() && self.knows_schema(catalog, &qualified) =>
                    {
                        missing.push((None, Object::top(ObjectKind::Table, &qualified)));
                    }
                    ObjectType::ObjectIndex
                        if catalog.index(&name).is_none()
                            && catalog.relation(&name).is_none()
                            && self.knows_schema(catalog, &qualified) =>
                    {
                        missing.push((None, Object::top(ObjectKind::Index, &qualified)));
                    }
                    ObjectType::ObjectColumn | ObjectType::ObjectTabconstraint => {
                        let Some(relation) = catalog.relation(&name).filter(|r| fully_known(r)) else {
                            return;
                        };
                        if kind == ObjectType::ObjectColumn && relation.column(&stmt.subname).is_none() {
                            missing.push((
                                None,
                                Object::of_table(ObjectKind::Column, &relation.name, &stmt.subname),
                            ));
                        }
                        if kind == ObjectType::ObjectTabconstraint && constraint_unknown(relation, &stmt.subname) {
                            missing.push((
                                None,
                                Object::of_table(ObjectKind::Constraint, &relation.name, &stmt.subname),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        for (action, object) in missing {
            self.missing.push((statement, action, object));
        }
    }

    /// A missing relation is known not to exist: the history is whole and
    /// its schema is one the catalog knows.
    fn knows_schema(&self, catalog: &Catalog, name: &RelationName) -> bool {
        self.complete
            && name
                .schema
                .as_deref()
                .is_some_and(|s| catalog.schema_origin(s).is_some())
    }

    fn note_opaque(&mut self, node: &NodeEnum, catalog: &Catalog) {
        match node {
            NodeEnum::CallStmt(_) => self.opaque = true,
            NodeEnum::SelectStmt(stmt) if stmt.from_clause.is_empty() => {
                let unknown = node.nodes().into_iter().any(|(n, ..)| match n {
                    pg_query::NodeRef::FuncCall(call) => {
                        let parts: Vec<String> = call.funcname.iter().filter_map(string_value).collect();
                        let Some(name) = parts.last() else { return false };
                        let builtin = builtin_volatility(name).is_some() && parts.len() == 1
                            || parts.first().is_some_and(|s| s == "pg_catalog");
                        let known = super::catalog::called_name(&call.funcname)
                            .is_some_and(|n| catalog.routine(&n, call.args.len()).is_some());
                        !builtin && !known
                    }
                    _ => false,
                });
                self.opaque |= unknown;
            }
            NodeEnum::DropStmt(stmt) if stmt.behavior == DropBehavior::DropCascade as i32 => {
                self.cascades = true;
                if matches!(
                    ObjectType::try_from(stmt.remove_type),
                    Ok(ObjectType::ObjectType | ObjectType::ObjectDomain)
                ) {
                    self.cascaded_types
                        .extend(dropped_type_names(&stmt.objects).into_iter().map(|n| n.name));
                }
            }
            NodeEnum::DropOwnedStmt(_) => self.opaque = true,
            _ => {}
        }
    }

    /// The tables an `INSERT ... SELECT` or `CREATE TABLE AS` reads (their
    /// rows are copied), and the columns an `UPDATE` reads.
    fn note_reads(&mut self, node: &NodeEnum, catalog: &Catalog) {
        let target = match node {
            NodeEnum::InsertStmt(stmt) => stmt.relation.as_ref().map(RelationName::from_range_var),
            NodeEnum::CreateTableAsStmt(stmt) => stmt
                .into
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .map(RelationName::from_range_var),
            NodeEnum::SelectStmt(stmt) if stmt.into_clause.is_some() => None,
            NodeEnum::UpdateStmt(stmt) => {
                let Some(rv) = &stmt.relation else { return };
                let table = qualify(catalog, &RelationName::from_range_var(rv));
                // `SET (a, b) = (c, d)`: the walk does not enter a
                // MultiAssignRef's source, so it is walked on its own.
                let mut sources = vec![node.clone()];
                for (n, ..) in node.nodes() {
                    if let pg_query::NodeRef::MultiAssignRef(multi) = n {
                        sources.extend(multi.source.as_ref().and_then(|s| s.node.clone()));
                    }
                }
                for source in &sources {
                    for (n, ..) in source.nodes() {
                        if let pg_query::NodeRef::ColumnRef(col) = n {
                            if let Some(column) = col.fields.last().and_then(string_value) {
                                self.read_columns.insert((table.clone(), column));
                            }
                        }
                    }
                }
                return;
            }
            _ => return,
        };
        for (n, ..) in node.nodes() {
            if let pg_query::NodeRef::RangeVar(rv) = n {
                let name = RelationName::from_range_var(rv);
                if target.as_ref() != Some(&name) {
                    self.copied.insert(qualify(catalog, &name));
                }
            }
        }
    }

    /// A table or column the statement dropped that held production's rows
    /// before the up script, unless the down script copied them first.
    fn note_loss(&mut self, statement: usize, node: &NodeEnum, object: Object, before: &Catalog) {
        // The same table as before the up script (by incarnation: the up
        // script may have renamed it, or dropped it and created another).
        let same_before_up = |table: &RelationName| -> Option<&Relation> {
            let now = before.relation(table)?;
            self.before_up.relations().find(|r| r.incarnation == now.incarnation)
        };
        let existed = match (object.kind, &object.table) {
            (ObjectKind::Table, None) => {
                same_before_up(&object.name)
                    .is_some_and(|r| matches!(r.kind, RelationKind::Table | RelationKind::PartitionedTable))
                    && !self.copied.contains(&object.name)
            }
            (ObjectKind::Column, Some(table)) => {
                let column = before.relation(table).and_then(|r| r.column(&object.name.name));
                same_before_up(table)
                    .is_some_and(|r| column.is_some_and(|c| r.columns.iter().any(|b| b.incarnation == c.incarnation)))
                    && !self.copied.contains(table)
                    && !self.read_columns.contains(&(table.clone(), object.name.name.clone()))
            }
            _ => false,
        };
        if !existed {
            return;
        }
        // The column of a table dropped whole is the table's loss.
        if let Some(table) = &object.table {
            if self
                .lost
                .iter()
                .any(|l| l.statement == statement && l.object.name == *table)
            {
                return;
            }
        }
        let action = match (node, object.kind) {
            (NodeEnum::AlterTableStmt(stmt), ObjectKind::Column) => alter_table_actions(&stmt.cmds)
                .find(|(_, cmd)| cmd.subtype == AlterTableType::AtDropColumn as i32 && cmd.name == object.name.name)
                .map(|(n, _)| n),
            _ => None,
        };
        self.lost.push(Lost {
            statement,
            action,
            object,
        });
    }
}

/// The qualified name a reference resolves to, or would be created under.
fn qualify(catalog: &Catalog, name: &RelationName) -> RelationName {
    if let Some(index) = catalog.index(name) {
        return index.name.clone();
    }
    if let Some(e) = catalog.enum_type(name) {
        return e.name.clone();
    }
    if let Some(d) = catalog.domain(name) {
        return d.name.clone();
    }
    catalog.qualify(name)
}

/// Every column and constraint of the table is known: it was created by a
/// statement the catalog read, and is no partition or child whose parent
/// may lend it more.
fn fully_known(relation: &Relation) -> bool {
    !relation.inferred
        && relation.columns_known
        && matches!(relation.kind, RelationKind::Table | RelationKind::PartitionedTable)
        && relation.partition_of.is_none()
        && relation.inherits.is_empty()
}

/// A constraint name the table does not have, as far as the catalog can
/// tell (PostgreSQL 18 names the NOT NULL of each column
/// `<table>_<column>_not_null`, then `..._not_null1`, which the catalog does
/// not record).
fn constraint_unknown(relation: &Relation, name: &str) -> bool {
    let not_null_name = name
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .ends_with("_not_null");
    relation.constraint(name).is_none() && !not_null_name
}

/// The column or constraint an `ALTER TABLE` action needs that the table
/// lacks, without `IF EXISTS`.
fn missing_in_table(relation: &Relation, cmd: &pg_query::protobuf::AlterTableCmd) -> Option<Object> {
    use AlterTableType::*;
    let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(Undefined);
    let table = &relation.name;
    match subtype {
        AtDropColumn if !cmd.missing_ok => relation
            .column(&cmd.name)
            .is_none()
            .then(|| Object::of_table(ObjectKind::Column, table, &cmd.name)),
        AtAlterColumnType | AtSetNotNull | AtDropNotNull | AtColumnDefault | AtDropIdentity | AtDropExpression => {
            (!cmd.name.is_empty() && relation.column(&cmd.name).is_none())
                .then(|| Object::of_table(ObjectKind::Column, table, &cmd.name))
        }
        AtDropConstraint if !cmd.missing_ok => {
            constraint_unknown(relation, &cmd.name).then(|| Object::of_table(ObjectKind::Constraint, table, &cmd.name))
        }
        _ => None,
    }
}

/// The columns a constraint of the table uses, in whichever state holds it.
fn constraint_columns(catalogs: &[&Catalog], table: &RelationName, name: &str) -> Vec<String> {
    catalogs
        .iter()
        .find_map(|c| c.relation(table)?.constraint(name).map(|c| c.kind.clone()))
        .map_or_else(Vec::new, |kind| match kind {
            ConstraintKind::ForeignKey { columns, .. }
            | ConstraintKind::PrimaryKey { columns }
            | ConstraintKind::Unique { columns } => columns,
            ConstraintKind::Check { not_null_column, .. } => not_null_column.into_iter().collect(),
            ConstraintKind::NotNull { column } => vec![column],
            ConstraintKind::Exclusion => Vec::new(),
        })
}

/// A column's definition as messages show it: its type and nullability
/// (a default is not compared: the values already stored are what count).
fn column_definition(column: &Column) -> String {
    let mut text = type_text(&column.ty);
    if column.not_null {
        text.push_str(" NOT NULL");
    }
    text
}

/// A type as users read it, serial types as the integers they are.
fn type_text(ty: &ColumnType) -> String {
    let mut ty = ty.clone();
    ty.name = match ty.name.as_str() {
        "serial" | "serial4" => "int4".to_string(),
        "bigserial" | "serial8" => "int8".to_string(),
        "smallserial" | "serial2" => "int2".to_string(),
        "int" | "integer" => "int4".to_string(),
        "bigint" => "int8".to_string(),
        "smallint" => "int2".to_string(),
        "boolean" => "bool".to_string(),
        other => other.to_string(),
    };
    let mut text = ty.to_string();
    if let Some(schema) = ty.schema.as_deref().filter(|s| *s != "pg_catalog" && *s != "public") {
        text = format!("{schema}.{text}");
    }
    if ty.array {
        text.push_str("[]");
    }
    text
}

fn constraint_definition(kind: &ConstraintKind) -> Option<String> {
    Some(match kind {
        ConstraintKind::Check { .. } => "CHECK".to_string(),
        ConstraintKind::ForeignKey { columns, references } => {
            format!(
                "FOREIGN KEY ({}) REFERENCES {}",
                columns.join(", "),
                shown(references).to_sql()
            )
        }
        ConstraintKind::PrimaryKey { columns } => format!("PRIMARY KEY ({})", columns.join(", ")),
        ConstraintKind::Unique { columns } => format!("UNIQUE ({})", columns.join(", ")),
        ConstraintKind::Exclusion => "EXCLUDE".to_string(),
        // The column's nullability says it.
        ConstraintKind::NotNull { .. } => return None,
    })
}

/// The objects of one relation, with their definitions.
fn relation_inventory(catalog: &Catalog, relation: &Relation, out: &mut Inventory) {
    let name = &relation.name;
    if relation.kind == RelationKind::Sequence && catalog.sequence_owned(name) {
        return;
    }
    // A table the catalog never saw created existed before: only what the
    // migrations added to it is known.
    if !relation.inferred {
        out.insert(
            Object::top(ObjectKind::of_relation(relation.kind), name),
            ObjectKind::of_relation(relation.kind).noun().to_string(),
        );
    }
    if !relation.columns_known && !relation.inferred {
        return;
    }
    for column in &relation.columns {
        out.insert(
            Object::of_table(ObjectKind::Column, name, &column.name),
            column_definition(column),
        );
    }
    for constraint in &relation.constraints {
        if let Some(definition) = constraint_definition(&constraint.kind) {
            out.insert(
                Object::of_table(ObjectKind::Constraint, name, &constraint.name),
                definition,
            );
        }
    }
}

/// What a comparison looks at: the relations that differ between the
/// states compared (with their columns, constraints and indexes), the
/// indexes that differ, and whether the rest (types, domains, schemas,
/// routines) may differ. None looks at everything.
struct Focus {
    relations: BTreeSet<RelationName>,
    indexes: BTreeSet<RelationName>,
    rest: bool,
}

impl Focus {
    /// What differs between any two of `catalogs`: relations no statement
    /// changed are the same shared `Arc` in each, so most are skipped
    /// without being read.
    fn between(catalogs: &[&Catalog]) -> Focus {
        let mut relations = BTreeSet::new();
        for (i, a) in catalogs.iter().enumerate() {
            for b in &catalogs[i + 1..] {
                relations.extend(differing_relations(a, b));
            }
        }
        let mut indexes = BTreeSet::new();
        let first = catalogs[0];
        for other in &catalogs[1..] {
            differing(
                first.indexes(),
                other.indexes(),
                |i: &super::catalog::Index| &i.name,
                same_index,
                &mut indexes,
            );
        }
        let rest = catalogs.iter().any(|c| {
            !c.enums().eq(first.enums())
                || !c.domains().eq(first.domains())
                || !c.schema_names().eq(first.schema_names())
                || !c
                    .routine_signatures()
                    .map(|(n, sig)| (n, sig.required, sig.max, sig.procedure))
                    .eq(first
                        .routine_signatures()
                        .map(|(n, sig)| (n, sig.required, sig.max, sig.procedure)))
        });
        Focus {
            relations,
            indexes,
            rest,
        }
    }
}

/// Two indexes alike but for where they come from.
fn same_index(a: &super::catalog::Index, b: &super::catalog::Index) -> bool {
    a.name == b.name
        && a.table == b.table
        && a.columns == b.columns
        && a.unique == b.unique
        && a.partial == b.partial
        && a.signature == b.signature
        && a.reads == b.reads
}

/// The objects of the catalog `focus` looks at, with their definitions.
fn inventory(catalog: &Catalog, focus: &Focus) -> Inventory {
    let mut out = Inventory::new();
    for name in &focus.relations {
        if let Some(relation) = catalog.relation(name) {
            relation_inventory(catalog, relation, &mut out);
        }
    }
    let indexes = catalog
        .indexes()
        .filter(|i| focus.relations.contains(&i.table) || focus.indexes.contains(&i.name));
    for index in indexes {
        // The index of a primary key or unique constraint is the constraint's.
        let of_constraint = catalog
            .relation(&index.table)
            .is_some_and(|r| r.constraint(&index.name.name).is_some());
        if of_constraint {
            continue;
        }
        let columns: Vec<&str> = index
            .columns
            .iter()
            .map(|c| if c.is_empty() { "(expression)" } else { c.as_str() })
            .collect();
        let definition = format!(
            "{}ON {} ({}){}",
            if index.unique { "UNIQUE " } else { "" },
            shown(&index.table).to_sql(),
            columns.join(", "),
            if index.partial { " WHERE ..." } else { "" }
        );
        out.insert(Object::top(ObjectKind::Index, &index.name), definition);
    }
    if !focus.rest {
        return out;
    }
    for e in catalog.enums() {
        let values: Vec<String> = e.values.iter().map(|v| format!("'{v}'")).collect();
        out.insert(
            Object::top(ObjectKind::Enum, &e.name),
            format!("ENUM ({})", values.join(", ")),
        );
    }
    for d in catalog.domains() {
        let mut text = type_text(&d.base);
        if d.not_null {
            text.push_str(" NOT NULL");
        }
        for check in &d.checks {
            text.push_str(&format!(" CONSTRAINT {check} CHECK"));
        }
        out.insert(Object::top(ObjectKind::Domain, &d.name), text);
    }
    for schema in catalog.schema_names().filter(|s| *s != "public") {
        out.insert(
            Object::top(ObjectKind::Schema, &RelationName::new(None, schema)),
            "schema".to_string(),
        );
    }
    let mut routines: BTreeMap<RelationName, Vec<String>> = BTreeMap::new();
    for (name, signature) in catalog.routine_signatures() {
        let arguments = match signature.max {
            Some(max) if max == signature.required => format!("{max}"),
            Some(max) => format!("{}..{max}", signature.required),
            None => format!("{}..", signature.required),
        };
        let kind = if signature.procedure { "procedure" } else { "function" };
        routines
            .entry(name)
            .or_default()
            .push(format!("{kind} of {arguments} arguments"));
    }
    for (name, mut overloads) in routines {
        overloads.sort();
        out.insert(Object::top(ObjectKind::Routine, &name), overloads.join(", "));
    }
    out
}

/// The names whose entries differ between two sorted walks (one missing,
/// or `same` false), both in the catalog's key order.
fn differing<'c, T: 'c>(
    a: impl Iterator<Item = &'c T>,
    b: impl Iterator<Item = &'c T>,
    name: impl Fn(&T) -> &RelationName,
    same: impl Fn(&T, &T) -> bool,
    out: &mut BTreeSet<RelationName>,
) {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    loop {
        let step = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(x), None) => (Some(name(x).clone()), true, false),
            (None, Some(y)) => (Some(name(y).clone()), false, true),
            (Some(x), Some(y)) => match name(x).cmp(name(y)) {
                std::cmp::Ordering::Less => (Some(name(x).clone()), true, false),
                std::cmp::Ordering::Greater => (Some(name(y).clone()), false, true),
                std::cmp::Ordering::Equal => ((!same(x, y)).then(|| name(x).clone()), true, true),
            },
        };
        out.extend(step.0);
        if step.1 {
            a.next();
        }
        if step.2 {
            b.next();
        }
    }
}

/// The relations that differ between two states of the catalog (an
/// unchanged relation is the same shared `Arc` in both; names are
/// schema-qualified, so the walks are in the maps' order).
fn differing_relations(a: &Catalog, b: &Catalog) -> BTreeSet<RelationName> {
    let mut out = BTreeSet::new();
    differing(
        a.shared_relations(),
        b.shared_relations(),
        |r: &Arc<Relation>| &r.name,
        Arc::ptr_eq,
        &mut out,
    );
    out
}

/// The objects worth comparing between two states, with their definitions.
fn narrow_inventories(before: &Catalog, after: &Catalog) -> (Inventory, Inventory) {
    let focus = Focus::between(&[before, after]);
    (inventory(before, &focus), inventory(after, &focus))
}

/// What one statement removed (in `before`, not in `after`) and what it
/// changed (in both, defined otherwise).
fn differences(before: &Catalog, after: &Catalog) -> (Vec<Object>, Vec<Object>) {
    let (a, b) = narrow_inventories(before, after);
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    for (object, definition) in a {
        match b.get(&object) {
            None => removed.push(object),
            Some(other) if *other != definition => changed.push(object),
            Some(_) => {}
        }
    }
    (removed, changed)
}

/// A table, column or index the up script renamed and the down script
/// left renamed shows as one not restored and one left: the pair is one
/// finding when they match one to one (same kind and table, same
/// definition; a relation's columns alike).
fn pair_renames(found: Vec<Incomplete>, b: &Inventory, u: &Inventory) -> Vec<Incomplete> {
    let columns_of = |inv: &Inventory, table: &RelationName| -> Vec<(String, String)> {
        inv.iter()
            .filter(|(o, _)| o.kind == ObjectKind::Column && o.table.as_ref() == Some(table))
            .map(|(o, d)| (o.name.name.clone(), d.clone()))
            .collect()
    };
    let same = |old: &Object, new: &Object| -> bool {
        old.kind == new.kind
            && old.table == new.table
            && old.name.schema == new.name.schema
            && b.get(old) == u.get(new)
            && (!old.kind.is_relation() || columns_of(b, &old.name) == columns_of(u, &new.name))
    };
    let olds: Vec<&Object> = found
        .iter()
        .filter_map(|p| match p {
            Incomplete::NotRestored { object, by: None } => Some(object),
            _ => None,
        })
        .collect();
    let news: Vec<&Object> = found
        .iter()
        .filter_map(|p| match p {
            Incomplete::Left(object) => Some(object),
            _ => None,
        })
        .collect();
    let mut pairs: Vec<(Object, Object)> = Vec::new();
    for old in &olds {
        let matches: Vec<&&Object> = news.iter().filter(|new| same(old, new)).collect();
        if let [new] = matches.as_slice() {
            if olds.iter().filter(|o| same(o, new)).count() == 1 {
                pairs.push(((*old).clone(), (**new).clone()));
            }
        }
    }
    let paired = |o: &Object| pairs.iter().any(|(old, new)| old == o || new == o);
    let mut out: Vec<Incomplete> = found
        .into_iter()
        .filter(|p| match p {
            Incomplete::NotRestored { object, by: None } | Incomplete::Left(object) => !paired(object),
            _ => true,
        })
        .collect();
    // A renamed table's columns stay as they were: only the table is news.
    out.extend(
        pairs
            .into_iter()
            .map(|(old, new)| Incomplete::NotRenamedBack { old, new }),
    );
    out
}

#[cfg(test)]
mod tests;
