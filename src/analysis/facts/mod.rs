//! What a statement does to the database: which lock on which relation,
//! whether it rewrites or scans a table, whether data is lost, and whether
//! it may run inside a transaction block.
//!
//! Lock modes follow PostgreSQL's `AlterTableGetLockLevel` and the
//! documentation of each command; they are checked against a real server in
//! the test suite.

use pg_query::protobuf::{AlterTableCmd, AlterTableType, ColumnDef, ConstrType, DropBehavior, ObjectType};
use pg_query::NodeEnum;

use super::catalog::{Catalog, ConstraintKind};
use super::locks::LockMode::{self, *};
use super::names::{qualified_object_tables, RelationName};
use super::types::{self, ColumnType, TypeChangeCost};
use super::volatility::first_volatile_call;
use crate::parse::ast::{partition_cmd_concurrent, range_var};

// Kept at this path for the rules and tests that import them from here.
pub use super::locks::LockScope;
pub use super::names::dropped_names;
pub use crate::parse::ast::{
    added_column, alter_table_actions, alter_table_cmds, column_constraints, column_constraints_enforced, column_def,
    constraint, has_option, is_foreign_key, string_constants,
};

/// A lock a statement takes on one relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationLock {
    pub relation: RelationName,
    pub mode: LockMode,
}

/// A lock on relations the statement does not name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedLock {
    pub scope: LockScope,
    pub mode: LockMode,
}

impl ScopedLock {
    /// `SHARE lock on the table of "users_email_idx": writes wait (reads continue)`
    pub fn describe(&self) -> String {
        format!("{} lock on {}: {}", self.mode, self.scope, self.mode.what_waits())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// One entry per relation, with the strongest mode taken on it.
    pub locks: Vec<RelationLock>,
    /// Locks on relations reached without being named (the table of an
    /// index, every table of a schema).
    pub scoped_locks: Vec<ScopedLock>,
    pub rewrites: Vec<RelationName>,
    /// Relations rewritten without being named: the partitions of a
    /// partitioned table, every index of a table `REINDEX` rebuilds.
    pub scoped_rewrites: Vec<LockScope>,
    /// Relations read in full (validation, an index build). A rewritten
    /// relation is read in full too; that read is part of the rewrite.
    pub scans: Vec<RelationName>,
    /// Relations read in full without being named: the table of a
    /// reindexed index, the tables of a domain being validated.
    pub scoped_scans: Vec<LockScope>,
    pub data_loss: bool,
    /// False for statements PostgreSQL refuses inside a transaction block.
    pub transactional: bool,
    /// Each `ALTER COLUMN ... TYPE` of an `ALTER TABLE`, and what it costs.
    pub type_changes: Vec<ColumnTypeChange>,
}

/// One `ALTER COLUMN ... TYPE` action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnTypeChange {
    /// The action's position in the statement (the `n` of
    /// `StatementContext::alter_action_span`).
    pub action: usize,
    pub column: String,
    /// The column's type before the statement, when the catalog knows it.
    pub old: Option<ColumnType>,
    pub new: ColumnType,
    pub has_using: bool,
    pub cost: TypeChangeCost,
}

impl RelationLock {
    /// `ACCESS EXCLUSIVE lock on "users": reads and writes wait`
    pub fn describe(&self) -> String {
        format!("{} lock on {}: {}", self.mode, self.relation, self.mode.what_waits())
    }
}

impl Facts {
    fn lock(&mut self, relation: RelationName, mode: LockMode) {
        match self.locks.iter_mut().find(|l| l.relation == relation) {
            Some(existing) => existing.mode = existing.mode.max(mode),
            None => self.locks.push(RelationLock { relation, mode }),
        }
    }

    fn rewrite(&mut self, relation: &RelationName) {
        if !self.rewrites.contains(relation) {
            self.rewrites.push(relation.clone());
        }
    }

    fn scan(&mut self, relation: &RelationName) {
        if !self.scans.contains(relation) {
            self.scans.push(relation.clone());
        }
    }

    fn lock_scoped(&mut self, scope: LockScope, mode: LockMode) {
        match self.scoped_locks.iter_mut().find(|l| l.scope == scope) {
            Some(existing) => existing.mode = existing.mode.max(mode),
            None => self.scoped_locks.push(ScopedLock { scope, mode }),
        }
    }

    fn rewrite_scoped(&mut self, scope: LockScope) {
        if !self.scoped_rewrites.contains(&scope) {
            self.scoped_rewrites.push(scope);
        }
    }

    fn scan_scoped(&mut self, scope: LockScope) {
        if !self.scoped_scans.contains(&scope) {
            self.scoped_scans.push(scope);
        }
    }

    /// The lock, rewrite and scan of a table, extended to a scope (its
    /// partitions, the tables of a type) that gets the same treatment.
    fn extend_to(&mut self, table: &RelationName, scope: LockScope, mode: LockMode) {
        if self.rewrites.contains(table) {
            self.rewrite_scoped(scope.clone());
        }
        if self.scans.contains(table) {
            self.scan_scoped(scope.clone());
        }
        self.lock_scoped(scope, mode);
    }

    /// Adds another part's facts (one action of an `ALTER TABLE`).
    fn merge(&mut self, other: Facts) {
        for lock in other.locks {
            self.lock(lock.relation, lock.mode);
        }
        for lock in other.scoped_locks {
            self.lock_scoped(lock.scope, lock.mode);
        }
        for relation in &other.rewrites {
            self.rewrite(relation);
        }
        for relation in &other.scans {
            self.scan(relation);
        }
        for scope in other.scoped_rewrites {
            self.rewrite_scoped(scope);
        }
        for scope in other.scoped_scans {
            self.scan_scoped(scope);
        }
        self.data_loss |= other.data_loss;
        self.transactional &= other.transactional;
    }

    pub fn lock_on(&self, relation: &RelationName) -> Option<LockMode> {
        self.locks.iter().find(|l| l.relation.same_as(relation)).map(|l| l.mode)
    }
}

/// Validating a foreign key reads the referenced table under ROW SHARE
/// (observed on PostgreSQL 15: `VALIDATE CONSTRAINT` of a foreign key holds
/// RowShareLock on the referenced table until the transaction ends).
pub const VALIDATE_FOREIGN_KEY_REFERENCED_LOCK: LockMode = RowShare;

/// The table a foreign key being validated references, when the catalog
/// knows the constraint.
fn validated_foreign_key_target(catalog: Option<&Catalog>, table: &RelationName, name: &str) -> Option<RelationName> {
    let relation = catalog?.relation(table)?;
    match &relation.constraint(name)?.kind {
        ConstraintKind::ForeignKey { references, .. } => Some(references.clone()),
        _ => None,
    }
}

/// The strongest lock `statement_facts` states for the first statement of
/// `sql`, on any relation: what a message says about a statement it only
/// shows, such as a recipe's `ALTER TABLE t VALIDATE CONSTRAINT c;`. None
/// when the text does not parse or the statement takes no lock.
pub fn lock_of_sql(sql: &str, pg_version: u32) -> Option<LockMode> {
    let node = crate::parse::parse_statement(sql)?;
    let facts = statement_facts(&node, pg_version);
    let named = facts.locks.iter().map(|l| l.mode);
    named.chain(facts.scoped_locks.iter().map(|l| l.mode)).max()
}

/// The facts of one statement, for a PostgreSQL major version, judged
/// without a catalog.
pub fn statement_facts(node: &NodeEnum, pg_version: u32) -> Facts {
    statement_facts_in(node, pg_version, None)
}

/// The facts of one statement, for a PostgreSQL major version, judged
/// against the catalog as it stands before the statement runs (the old type
/// of a column whose type changes).
pub fn statement_facts_in(node: &NodeEnum, pg_version: u32, catalog: Option<&Catalog>) -> Facts {
    let mut facts = Facts {
        transactional: true,
        ..Facts::default()
    };
    match node {
        NodeEnum::AlterTableStmt(stmt) => {
            let Some(rv) = &stmt.relation else {
                return facts;
            };
            let table = RelationName::from_range_var(rv);
            let kind = ObjectType::try_from(stmt.objtype).unwrap_or(ObjectType::Undefined);
            let is_index = kind == ObjectType::ObjectIndex;
            let is_type = kind == ObjectType::ObjectType;
            // Only tables have partitions and inheritance children.
            let recurses = rv.inh && matches!(kind, ObjectType::ObjectTable | ObjectType::ObjectForeignTable);
            let inline_fks_validated = inline_foreign_keys_validated(&stmt.cmds);
            for (n, cmd) in alter_table_actions(&stmt.cmds) {
                let mode = if is_index {
                    alter_index_lock(cmd)
                } else {
                    alter_table_action_lock(cmd)
                };
                let mut action = Facts {
                    transactional: true,
                    ..Facts::default()
                };
                action.lock(table.clone(), mode);
                if !is_index && cmd.subtype == AlterTableType::AtAlterColumnType as i32 {
                    if let Some(change) = column_type_change(n, cmd, &table, pg_version, catalog) {
                        if change.cost != TypeChangeCost::InPlace {
                            action.rewrite(&table);
                        }
                        facts.type_changes.push(change);
                    }
                }
                if is_index {
                    alter_index_effects(cmd, &table, &mut action);
                } else {
                    alter_table_action_effects(cmd, &table, pg_version, &mut action);
                }
                if let Some(col) = added_column(cmd).filter(|_| !is_index) {
                    added_column_constraint_effects(col, &table, inline_fks_validated, &mut action);
                }
                if cmd.subtype == AlterTableType::AtValidateConstraint as i32 {
                    if let Some(referenced) = validated_foreign_key_target(catalog, &table, &cmd.name) {
                        action.lock(referenced, VALIDATE_FOREIGN_KEY_REFERENCED_LOCK);
                    }
                }
                if is_type {
                    // ALTER TYPE ... ATTRIBUTE: the type has no rows; with
                    // CASCADE its typed tables change (observed: ACCESS
                    // EXCLUSIVE on them, rewritten by ALTER ATTRIBUTE TYPE).
                    let rewrites = action.rewrites.contains(&table);
                    action.rewrites.retain(|r| *r != table);
                    action.scoped_locks.clear();
                    action.scoped_scans.clear();
                    action.lock_scoped(LockScope::TablesOfType(table.clone()), mode);
                    if rewrites {
                        action.rewrite_scoped(LockScope::TablesOfType(table.clone()));
                    }
                } else if recurses {
                    match action_recursion(cmd) {
                        Recursion::Inheritors => action.extend_to(&table, LockScope::Inheritors(table.clone()), mode),
                        Recursion::Partitions(mode) => {
                            action.extend_to(&table, LockScope::Partitions(table.clone()), mode)
                        }
                        Recursion::None => {}
                    }
                }
                facts.merge(action);
            }
        }
        NodeEnum::CreateStmt(stmt) => {
            if let Some(parent) = stmt.inh_relations.first().and_then(range_var) {
                let parent = RelationName::from_range_var(parent);
                // CREATE TABLE ... PARTITION OF takes the parent exclusively;
                // plain INHERITS blocks concurrent schema changes only.
                if let Some(bound) = &stmt.partbound {
                    facts.lock(parent.clone(), AccessExclusive);
                    if !bound.is_default {
                        // Observed: the default partition is locked and read
                        // in full for rows that belong to the new partition.
                        let default = LockScope::DefaultPartition(parent);
                        facts.lock_scoped(default.clone(), AccessExclusive);
                        facts.scan_scoped(default);
                    }
                } else {
                    facts.lock(parent, ShareUpdateExclusive);
                }
            }
            for referenced in create_table_references(stmt) {
                facts.lock(referenced, ShareRowExclusive);
            }
        }
        NodeEnum::IndexStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let table = RelationName::from_range_var(rv);
                let mode = if stmt.concurrent { ShareUpdateExclusive } else { Share };
                facts.lock(table.clone(), mode);
                facts.scan(&table);
                if rv.inh {
                    // Observed: an index on a partitioned table is built on
                    // every partition, each under the same lock.
                    facts.extend_to(&table, LockScope::Partitions(table.clone()), mode);
                }
            }
            facts.transactional = !stmt.concurrent;
        }
        NodeEnum::DropStmt(stmt) => {
            let kind = ObjectType::try_from(stmt.remove_type).unwrap_or(ObjectType::Undefined);
            let cascade = stmt.behavior == DropBehavior::DropCascade as i32;
            let mode = if stmt.concurrent {
                ShareUpdateExclusive
            } else {
                AccessExclusive
            };
            if matches!(
                kind,
                ObjectType::ObjectTable
                    | ObjectType::ObjectIndex
                    | ObjectType::ObjectMatview
                    | ObjectType::ObjectView
                    | ObjectType::ObjectSequence
                    | ObjectType::ObjectForeignTable
            ) {
                for name in dropped_names(&stmt.objects) {
                    // Dropping an index locks its table in the same mode.
                    if kind == ObjectType::ObjectIndex {
                        facts.lock_scoped(LockScope::TableOf(name.clone()), mode);
                    }
                    if kind == ObjectType::ObjectTable {
                        // Observed on PostgreSQL 15: dropping a table drops its
                        // foreign keys, which takes ACCESS EXCLUSIVE on the
                        // tables they reference; a partition's parent and
                        // default partition, and a partitioned table's
                        // partitions, are locked the same way.
                        facts.lock_scoped(LockScope::ReferencedTables(name.clone()), mode);
                        facts.lock_scoped(LockScope::PartitionParent(name.clone()), mode);
                        facts.lock_scoped(LockScope::Partitions(name.clone()), mode);
                        if cascade {
                            facts.lock_scoped(LockScope::ReferencingTables(name.clone()), mode);
                            facts.lock_scoped(LockScope::Inheritors(name.clone()), mode);
                        }
                    }
                    if cascade && kind != ObjectType::ObjectIndex {
                        facts.lock_scoped(LockScope::DependentViews(name.clone()), mode);
                    }
                    facts.lock(name, mode);
                }
            }
            if matches!(
                kind,
                ObjectType::ObjectTrigger | ObjectType::ObjectPolicy | ObjectType::ObjectRule
            ) {
                // Observed: DROP TRIGGER, DROP POLICY and DROP RULE take ACCESS
                // EXCLUSIVE on the table; a row trigger of a partitioned table
                // is dropped from every partition as well.
                for table in qualified_object_tables(&stmt.objects) {
                    if kind == ObjectType::ObjectTrigger {
                        facts.lock_scoped(LockScope::Partitions(table.clone()), AccessExclusive);
                    }
                    facts.lock(table, AccessExclusive);
                }
            }
            if kind == ObjectType::ObjectSchema && cascade {
                // Observed: DROP SCHEMA ... CASCADE takes ACCESS EXCLUSIVE on
                // every relation it drops.
                for schema in stmt.objects.iter().filter_map(|o| match o.node.as_ref()? {
                    NodeEnum::String(s) => Some(s.sval.clone()),
                    _ => None,
                }) {
                    facts.lock_scoped(LockScope::RelationsIn(schema), AccessExclusive);
                }
            }
            facts.data_loss = matches!(
                kind,
                ObjectType::ObjectTable
                    | ObjectType::ObjectSchema
                    | ObjectType::ObjectDatabase
                    | ObjectType::ObjectMatview
                    | ObjectType::ObjectSequence
            );
            facts.transactional = !stmt.concurrent && kind != ObjectType::ObjectDatabase;
        }
        NodeEnum::RenameStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let rename = ObjectType::try_from(stmt.rename_type).unwrap_or(ObjectType::Undefined);
                let mode = if rename == ObjectType::ObjectIndex {
                    ShareUpdateExclusive
                } else {
                    AccessExclusive
                };
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), mode);
                // Observed: renaming a column or a constraint renames it in
                // every child too; renaming a trigger of a partitioned table
                // renames it on every partition.
                match rename {
                    ObjectType::ObjectColumn | ObjectType::ObjectTabconstraint if rv.inh => {
                        facts.lock_scoped(LockScope::Inheritors(table), mode);
                    }
                    ObjectType::ObjectTrigger => facts.lock_scoped(LockScope::Partitions(table), mode),
                    _ => {}
                }
            }
        }
        NodeEnum::TruncateStmt(stmt) => {
            let cascade = stmt.behavior == DropBehavior::DropCascade as i32;
            for rv in stmt.relations.iter().filter_map(range_var) {
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), AccessExclusive);
                facts.rewrite(&table);
                // Observed: without ONLY, TRUNCATE empties every partition and
                // child table; with CASCADE, every table referencing it.
                if rv.inh {
                    facts.extend_to(&table, LockScope::Inheritors(table.clone()), AccessExclusive);
                }
                if cascade {
                    facts.extend_to(
                        &table,
                        LockScope::ReferencingTablesCascade(table.clone()),
                        AccessExclusive,
                    );
                }
            }
            facts.data_loss = true;
        }
        NodeEnum::DeleteStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), RowExclusive);
                // With a WHERE clause the plan decides (observed: an index
                // serves `WHERE id = ...`, no sequential scan).
                if stmt.where_clause.is_none() {
                    facts.scan(&table);
                }
            }
            facts.data_loss = true;
        }
        NodeEnum::UpdateStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), RowExclusive);
                if stmt.where_clause.is_none() {
                    facts.scan(&table);
                }
            }
        }
        NodeEnum::InsertStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                facts.lock(RelationName::from_range_var(rv), RowExclusive);
            }
        }
        NodeEnum::VacuumStmt(stmt) => {
            let full = has_option(&stmt.options, "full");
            for rv in stmt.rels.iter().filter_map(|n| match n.node.as_ref()? {
                NodeEnum::VacuumRelation(r) => r.relation.as_ref(),
                _ => None,
            }) {
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), if full { AccessExclusive } else { ShareUpdateExclusive });
                if full {
                    facts.rewrite(&table);
                }
            }
            if stmt.rels.is_empty() {
                // Without a table list it works through every table, one at a time.
                let mode = if full { AccessExclusive } else { ShareUpdateExclusive };
                facts.lock_scoped(LockScope::TablesIn(None), mode);
                if full {
                    facts.rewrite_scoped(LockScope::TablesIn(None));
                }
            }
            facts.transactional = !stmt.is_vacuumcmd;
        }
        NodeEnum::ClusterStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), AccessExclusive);
                facts.rewrite(&table);
            } else {
                facts.lock_scoped(LockScope::ClusteredTables, AccessExclusive);
                // Observed: each of them is rewritten.
                facts.rewrite_scoped(LockScope::ClusteredTables);
            }
            // CLUSTER of one table may run in a transaction; of all tables not.
            facts.transactional = stmt.relation.is_some();
        }
        NodeEnum::ReindexStmt(stmt) => {
            use pg_query::protobuf::ReindexObjectType::*;
            let concurrent = has_option(&stmt.params, "concurrently");
            // REINDEX takes SHARE on each table and ACCESS EXCLUSIVE on each
            // index it rebuilds; CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on both.
            let (table_mode, index_mode) = if concurrent {
                (ShareUpdateExclusive, ShareUpdateExclusive)
            } else {
                (Share, AccessExclusive)
            };
            let kind = pg_query::protobuf::ReindexObjectType::try_from(stmt.kind).unwrap_or(Undefined);
            let named = stmt.relation.as_ref().map(RelationName::from_range_var);
            let schema = Some(stmt.name.clone()).filter(|n| !n.is_empty());
            // Observed: every rebuilt index gets a new relfilenode, and each
            // build reads its table in full.
            match (kind, named) {
                (ReindexObjectIndex, Some(index)) => {
                    facts.lock_scoped(LockScope::TableOf(index.clone()), table_mode);
                    facts.scan_scoped(LockScope::TableOf(index.clone()));
                    facts.rewrite(&index);
                    facts.lock(index, index_mode);
                }
                (ReindexObjectTable, Some(table)) => {
                    facts.lock_scoped(LockScope::IndexesOf(table.clone()), index_mode);
                    facts.rewrite_scoped(LockScope::IndexesOf(table.clone()));
                    // Observed: a table without an index is not read.
                    facts.scan_scoped(LockScope::TablesOf(Box::new(LockScope::IndexesOf(table.clone()))));
                    facts.lock(table, table_mode);
                }
                (ReindexObjectSchema | ReindexObjectSystem | ReindexObjectDatabase, _) => {
                    let within = match kind {
                        ReindexObjectSchema => schema,
                        ReindexObjectSystem => Some("pg_catalog".to_string()),
                        _ => None,
                    };
                    facts.lock_scoped(LockScope::TablesIn(within.clone()), table_mode);
                    facts.scan_scoped(LockScope::TablesOf(Box::new(LockScope::IndexesIn(within.clone()))));
                    facts.lock_scoped(LockScope::IndexesIn(within.clone()), index_mode);
                    facts.rewrite_scoped(LockScope::IndexesIn(within));
                }
                _ => {}
            }
            facts.transactional = !concurrent && stmt.relation.is_some();
        }
        NodeEnum::AlterDomainStmt(stmt) => {
            // ADD CONSTRAINT (unless NOT VALID), VALIDATE CONSTRAINT and SET
            // NOT NULL check every column of the domain under SHARE locks
            // (VALIDATE still takes SHARE up to PostgreSQL 18), reading each
            // of those tables in full (observed).
            let validates = match stmt.subtype.as_str() {
                "C" => !matches!(
                    stmt.def.as_ref().and_then(|d| d.node.as_ref()),
                    Some(NodeEnum::Constraint(con)) if con.skip_validation
                ),
                "V" | "O" => true,
                _ => false,
            };
            if let Some(domain) = RelationName::from_name_list(&stmt.type_name).filter(|_| validates) {
                facts.lock_scoped(LockScope::TablesUsingDomain(domain.clone()), Share);
                facts.scan_scoped(LockScope::TablesUsingDomain(domain));
            }
        }
        NodeEnum::LockStmt(stmt) => {
            let mode = LockMode::from_lock_statement(stmt.mode).unwrap_or(AccessExclusive);
            for rv in stmt.relations.iter().filter_map(range_var) {
                let relation = RelationName::from_range_var(rv);
                // Observed: without ONLY the lock extends to every partition
                // and child table; locking a view locks the tables it reads.
                if rv.inh {
                    facts.lock_scoped(LockScope::Inheritors(relation.clone()), mode);
                }
                facts.lock_scoped(LockScope::ViewTables(relation.clone()), mode);
                facts.lock(relation, mode);
            }
        }
        NodeEnum::RefreshMatViewStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let view = RelationName::from_range_var(rv);
                facts.lock(view.clone(), if stmt.concurrent { Exclusive } else { AccessExclusive });
                if stmt.concurrent {
                    // Observed: CONCURRENTLY keeps the relfilenode and reads
                    // the view in full to compute the difference.
                    facts.scan(&view);
                } else {
                    facts.rewrite(&view);
                }
            }
        }
        NodeEnum::CreateTrigStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let table = RelationName::from_range_var(rv);
                // Observed: a row trigger on a partitioned table is created
                // on every partition too.
                if stmt.row && rv.inh {
                    facts.lock_scoped(LockScope::Partitions(table.clone()), ShareRowExclusive);
                }
                facts.lock(table, ShareRowExclusive);
            }
        }
        NodeEnum::CreatePolicyStmt(stmt) => {
            // Observed: ACCESS EXCLUSIVE on the table.
            if let Some(rv) = &stmt.table {
                facts.lock(RelationName::from_range_var(rv), AccessExclusive);
            }
        }
        NodeEnum::AlterPolicyStmt(stmt) => {
            // Observed: ACCESS EXCLUSIVE on the table.
            if let Some(rv) = &stmt.table {
                facts.lock(RelationName::from_range_var(rv), AccessExclusive);
            }
        }
        NodeEnum::RuleStmt(stmt) => {
            // Observed: CREATE RULE takes ACCESS EXCLUSIVE on the table.
            if let Some(rv) = &stmt.relation {
                facts.lock(RelationName::from_range_var(rv), AccessExclusive);
            }
        }
        NodeEnum::ViewStmt(stmt) => {
            // Observed: CREATE OR REPLACE VIEW takes ACCESS EXCLUSIVE on the
            // view it replaces.
            if let Some(rv) = stmt.view.as_ref().filter(|_| stmt.replace) {
                facts.lock(RelationName::from_range_var(rv), AccessExclusive);
            }
        }
        NodeEnum::AlterSeqStmt(stmt) => {
            // Observed: every ALTER SEQUENCE takes SHARE ROW EXCLUSIVE, which
            // makes nextval() wait.
            if let Some(rv) = &stmt.sequence {
                facts.lock(RelationName::from_range_var(rv), ShareRowExclusive);
            }
        }
        NodeEnum::AlterObjectSchemaStmt(stmt) => {
            // Observed: SET SCHEMA of a table, view, materialized view or
            // sequence takes ACCESS EXCLUSIVE on it.
            let kind = ObjectType::try_from(stmt.object_type).unwrap_or(ObjectType::Undefined);
            if let Some(rv) = stmt.relation.as_ref().filter(|_| {
                matches!(
                    kind,
                    ObjectType::ObjectTable
                        | ObjectType::ObjectView
                        | ObjectType::ObjectMatview
                        | ObjectType::ObjectSequence
                        | ObjectType::ObjectForeignTable
                )
            }) {
                facts.lock(RelationName::from_range_var(rv), AccessExclusive);
            }
        }
        NodeEnum::CommentStmt(stmt) => {
            let kind = ObjectType::try_from(stmt.objtype).unwrap_or(ObjectType::Undefined);
            if matches!(kind, ObjectType::ObjectTable | ObjectType::ObjectColumn) {
                if let Some(NodeEnum::List(list)) = stmt.object.as_ref().and_then(|o| o.node.as_ref()) {
                    let items = if kind == ObjectType::ObjectColumn {
                        &list.items[..list.items.len().saturating_sub(1)]
                    } else {
                        &list.items[..]
                    };
                    if let Some(table) = RelationName::from_name_list(items) {
                        facts.lock(table, ShareUpdateExclusive);
                    }
                }
            }
        }
        NodeEnum::AlterEnumStmt(stmt) => {
            // ADD VALUE could not run in a transaction block before 12
            // (RENAME VALUE always could).
            facts.transactional = pg_version >= 12 || !stmt.old_val.is_empty();
        }
        NodeEnum::TransactionStmt(stmt)
            if matches!(
                pg_query::protobuf::TransactionStmtKind::try_from(stmt.kind),
                Ok(pg_query::protobuf::TransactionStmtKind::TransStmtCommitPrepared
                    | pg_query::protobuf::TransactionStmtKind::TransStmtRollbackPrepared)
            ) =>
        {
            facts.transactional = false;
        }
        NodeEnum::CreatedbStmt(_)
        | NodeEnum::DropdbStmt(_)
        | NodeEnum::AlterSystemStmt(_)
        | NodeEnum::CreateTableSpaceStmt(_)
        | NodeEnum::DropTableSpaceStmt(_) => {
            facts.transactional = false;
        }
        _ => {}
    }
    facts
}

/// Where an `ALTER TABLE` action without `ONLY` reaches besides the table.
enum Recursion {
    None,
    /// Every partition and inheritance child, in the table's mode.
    Inheritors,
    /// Every partition (not inheritance children), in this mode.
    Partitions(LockMode),
}

/// Observed on PostgreSQL 15: which actions recurse to child tables.
/// Storage parameters, owner, replica identity, row level security,
/// tablespace, persistence, clustering, compression, identity and
/// partition attachment stay on the table.
fn action_recursion(cmd: &AlterTableCmd) -> Recursion {
    use AlterTableType::*;
    match AlterTableType::try_from(cmd.subtype).unwrap_or(Undefined) {
        AtAddColumn | AtColumnDefault | AtDropNotNull | AtSetNotNull | AtSetStatistics | AtSetStorage
        | AtDropColumn | AtAlterColumnType | AtDropConstraint | AtValidateConstraint | AtDropExpression => {
            Recursion::Inheritors
        }
        AtAddConstraint => match constraint(cmd).map(|c| ConstrType::try_from(c.contype)) {
            Some(Ok(ConstrType::ConstrCheck)) if !constraint(cmd).is_some_and(|c| c.is_no_inherit) => {
                Recursion::Inheritors
            }
            // The primary key's NOT NULL reaches every child.
            Some(Ok(ConstrType::ConstrPrimary)) => Recursion::Inheritors,
            // An index or a foreign key is cloned onto each partition.
            Some(Ok(ConstrType::ConstrUnique | ConstrType::ConstrExclusion)) => Recursion::Partitions(Share),
            Some(Ok(ConstrType::ConstrForeign)) => Recursion::Partitions(ShareRowExclusive),
            _ => Recursion::None,
        },
        AtEnableTrig | AtEnableAlwaysTrig | AtEnableReplicaTrig | AtDisableTrig | AtEnableTrigAll
        | AtDisableTrigAll | AtEnableTrigUser | AtDisableTrigUser => Recursion::Partitions(ShareRowExclusive),
        _ => Recursion::None,
    }
}

/// The PostgreSQL version a statement's form needs, with the form's name:
/// `REINDEX CONCURRENTLY` came in 12, `DETACH PARTITION ... CONCURRENTLY`
/// and `DETACH PARTITION ... FINALIZE` in 14. Older servers reject the
/// statement as a syntax error.
pub fn minimum_version(node: &NodeEnum) -> Option<(&'static str, u32)> {
    match node {
        NodeEnum::ReindexStmt(stmt) if has_option(&stmt.params, "concurrently") => Some(("REINDEX CONCURRENTLY", 12)),
        NodeEnum::AlterTableStmt(stmt) => alter_table_cmds(&stmt.cmds).find_map(|cmd| {
            if cmd.subtype == AlterTableType::AtDetachPartitionFinalize as i32 {
                Some(("DETACH PARTITION ... FINALIZE", 14))
            } else if cmd.subtype == AlterTableType::AtDetachPartition as i32 && partition_cmd_concurrent(cmd) {
                Some(("DETACH PARTITION CONCURRENTLY", 14))
            } else {
                None
            }
        }),
        _ => None,
    }
}

/// The lock one `ALTER TABLE` action takes on its table.
pub fn alter_table_action_lock(cmd: &AlterTableCmd) -> LockMode {
    use AlterTableType::*;
    match AlterTableType::try_from(cmd.subtype).unwrap_or(Undefined) {
        AtSetStatistics | AtSetOptions | AtResetOptions | AtClusterOn | AtDropCluster | AtValidateConstraint
        | AtAttachPartition => ShareUpdateExclusive,
        // Observed: ALTER FOREIGN TABLE ... OPTIONS, of the table or of a
        // column, takes ACCESS EXCLUSIVE (the default below).
        AtSetRelOptions | AtResetRelOptions if only_fast_reloptions(cmd) => ShareUpdateExclusive,
        AtDetachPartition if partition_cmd_concurrent(cmd) => ShareUpdateExclusive,
        AtDetachPartitionFinalize => ShareUpdateExclusive,
        AtEnableTrig | AtEnableAlwaysTrig | AtEnableReplicaTrig | AtDisableTrig | AtEnableTrigAll
        | AtDisableTrigAll | AtEnableTrigUser | AtDisableTrigUser => ShareRowExclusive,
        AtAddConstraint if constraint(cmd).is_some_and(is_foreign_key) => ShareRowExclusive,
        _ => AccessExclusive,
    }
}

/// `ALTER INDEX`: renames, SET STATISTICS and storage options are light.
fn alter_index_lock(cmd: &AlterTableCmd) -> LockMode {
    use AlterTableType::*;
    match AlterTableType::try_from(cmd.subtype).unwrap_or(Undefined) {
        AtSetStatistics | AtSetRelOptions | AtResetRelOptions => ShareUpdateExclusive,
        AtAttachPartition => ShareUpdateExclusive,
        _ => AccessExclusive,
    }
}

/// Storage parameters PostgreSQL changes under SHARE UPDATE EXCLUSIVE:
/// fillfactor, toast and autovacuum settings, and `parallel_workers`.
fn only_fast_reloptions(cmd: &AlterTableCmd) -> bool {
    let Some(NodeEnum::List(list)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
        return false;
    };
    list.items.iter().all(|item| match item.node.as_ref() {
        Some(NodeEnum::DefElem(def)) => {
            let name = def.defname.as_str();
            name == "fillfactor"
                || name == "parallel_workers"
                || name.starts_with("autovacuum_")
                || name.starts_with("toast_tuple_target")
                || def.defnamespace == "toast"
                || name.starts_with("vacuum_")
                || name == "log_autovacuum_min_duration"
        }
        _ => false,
    })
}

fn alter_table_action_effects(cmd: &AlterTableCmd, table: &RelationName, pg_version: u32, facts: &mut Facts) {
    use AlterTableType::*;
    match AlterTableType::try_from(cmd.subtype).unwrap_or(Undefined) {
        AtAddColumn => {
            if let Some(col) = column_def(cmd) {
                if add_column_rewrites(col, pg_version) {
                    facts.rewrite(table);
                }
            }
        }
        AtAlterColumnType => {
            // The rewrite itself is judged from the column's old type
            // (`column_type_change`).
            // Observed: the foreign keys on the column are dropped and added
            // again, which locks the table at their other end exclusively
            // and validates them, reading it in full.
            let partners = LockScope::ColumnForeignKeyTables {
                table: table.clone(),
                column: cmd.name.clone(),
            };
            facts.lock_scoped(partners.clone(), AccessExclusive);
            facts.scan_scoped(partners);
        }
        AtSetNotNull | AtValidateConstraint => facts.scan(table),
        AtAddConstraint => {
            if let Some(con) = constraint(cmd) {
                let ctype = ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined);
                let builds_index = matches!(
                    ctype,
                    ConstrType::ConstrPrimary | ConstrType::ConstrUnique | ConstrType::ConstrExclusion
                ) && con.indexname.is_empty();
                let validates =
                    matches!(ctype, ConstrType::ConstrCheck | ConstrType::ConstrForeign) && !con.skip_validation;
                let sets_not_null = ctype == ConstrType::ConstrNotnull && !con.skip_validation;
                if builds_index || validates || sets_not_null {
                    facts.scan(table);
                }
                if is_foreign_key(con) {
                    if let Some(pk) = &con.pktable {
                        let pk = RelationName::from_range_var(pk);
                        // Observed: validation reads the referenced table in
                        // full too (an outer join of both tables).
                        if validates {
                            facts.scan(&pk);
                        }
                        facts.lock(pk, ShareRowExclusive);
                    }
                }
            }
        }
        AtDropConstraint => {
            // Observed: dropping a foreign key (or, with CASCADE, the key it
            // references) takes ACCESS EXCLUSIVE on the table at its other end.
            facts.lock_scoped(
                LockScope::ConstraintForeignKeyTables {
                    table: table.clone(),
                    constraint: cmd.name.clone(),
                },
                AccessExclusive,
            );
        }
        AtDropColumn => {
            facts.data_loss = true;
            // Observed: dropping a column drops its foreign keys, locking the
            // table at their other end exclusively.
            facts.lock_scoped(
                LockScope::ColumnForeignKeyTables {
                    table: table.clone(),
                    column: cmd.name.clone(),
                },
                AccessExclusive,
            );
        }
        AtSetTableSpace | AtSetLogged | AtSetUnLogged | AtSetAccessMethod => facts.rewrite(table),
        AtAttachPartition | AtDetachPartition => {
            if let Some(NodeEnum::PartitionCmd(part)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                if let Some(rv) = &part.name {
                    let partition = RelationName::from_range_var(rv);
                    let attaching = cmd.subtype == AtAttachPartition as i32;
                    let mode = if part.concurrent {
                        ShareUpdateExclusive
                    } else {
                        AccessExclusive
                    };
                    facts.lock(partition.clone(), mode);
                    if attaching {
                        facts.scan(&partition);
                    }
                }
                // Observed: the default partition is locked exclusively, and
                // read in full on ATTACH for rows of the new partition's range.
                if !part.concurrent {
                    let default = LockScope::DefaultPartition(table.clone());
                    facts.lock_scoped(default.clone(), AccessExclusive);
                    if cmd.subtype == AtAttachPartition as i32 {
                        facts.scan_scoped(default);
                    }
                }
                if part.concurrent {
                    facts.transactional = false;
                }
            }
        }
        AtDetachPartitionFinalize => {
            // Finishing an interrupted concurrent detach takes the partition exclusively.
            if let Some(NodeEnum::PartitionCmd(part)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                if let Some(rv) = &part.name {
                    facts.lock(RelationName::from_range_var(rv), AccessExclusive);
                }
            }
        }
        _ => {}
    }
}

/// `ALTER INDEX`: SET TABLESPACE copies the index; ATTACH PARTITION takes
/// the attached index exclusively (observed: without reading anything).
fn alter_index_effects(cmd: &AlterTableCmd, index: &RelationName, facts: &mut Facts) {
    use AlterTableType::*;
    match AlterTableType::try_from(cmd.subtype).unwrap_or(Undefined) {
        AtSetTableSpace => facts.rewrite(index),
        AtAttachPartition => {
            if let Some(NodeEnum::PartitionCmd(part)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                if let Some(rv) = &part.name {
                    facts.lock(RelationName::from_range_var(rv), AccessExclusive);
                }
            }
        }
        _ => {}
    }
}

/// Whether `ADD COLUMN` rewrites the table: any default before 11; from 11
/// on only a volatile default, a serial, an identity or a stored generated
/// column does.
pub fn add_column_rewrites(col: &ColumnDef, pg_version: u32) -> bool {
    let is_serial = col.type_name.as_ref().is_some_and(types::is_serial);
    if is_serial {
        return true;
    }
    column_constraints(col).any(|con| {
        let ctype = ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined);
        match ctype {
            ConstrType::ConstrIdentity => true,
            // PostgreSQL 18's VIRTUAL generated columns are computed on read.
            ConstrType::ConstrGenerated => con.generated_kind != "v",
            ConstrType::ConstrDefault => {
                pg_version < 11
                    || con
                        .raw_expr
                        .as_ref()
                        .and_then(|e| e.node.as_ref())
                        .is_some_and(|e| first_volatile_call(e).is_some())
            }
            _ => false,
        }
    })
}

/// Constraints written on a column added to an existing table: an inline
/// `REFERENCES` locks the referenced table and, when validated, scans the
/// table; an inline `CHECK` is checked against every row; an inline
/// `UNIQUE` or `PRIMARY KEY` builds its index over the whole table.
fn added_column_constraint_effects(
    col: &ColumnDef,
    table: &RelationName,
    foreign_keys_validated: bool,
    facts: &mut Facts,
) {
    let enforced = column_constraints_enforced(col);
    for (con, enforced) in column_constraints(col).zip(enforced) {
        match ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined) {
            ConstrType::ConstrForeign | ConstrType::ConstrCheck if !enforced => {
                if let Some(pk) = &con.pktable {
                    facts.lock(RelationName::from_range_var(pk), ShareRowExclusive);
                }
            }
            ConstrType::ConstrForeign => {
                if let Some(pk) = &con.pktable {
                    let pk = RelationName::from_range_var(pk);
                    if foreign_keys_validated {
                        // Observed: validation reads the referenced table too.
                        facts.scan(&pk);
                    }
                    facts.lock(pk, ShareRowExclusive);
                }
                if foreign_keys_validated {
                    facts.scan(table);
                }
            }
            ConstrType::ConstrCheck if !con.skip_validation => facts.scan(table),
            ConstrType::ConstrPrimary | ConstrType::ConstrUnique => facts.scan(table),
            _ => {}
        }
    }
}

/// The column gets an expression PostgreSQL stores as its default when it
/// is added (`raw_default`): a `DEFAULT`, a generated column's expression, or
/// the `nextval()` of a serial. Identity columns have none.
pub fn column_has_raw_default(col: &ColumnDef) -> bool {
    col.type_name.as_ref().is_some_and(types::is_serial)
        || column_constraints(col).any(|con| {
            matches!(
                ConstrType::try_from(con.contype),
                Ok(ConstrType::ConstrDefault | ConstrType::ConstrGenerated)
            )
        })
}

/// Whether the `REFERENCES` constraints written on columns added by this
/// `ALTER TABLE` are checked against the existing rows. PostgreSQL skips the
/// check, and marks them valid, when no added column has a default: every
/// existing row then holds NULL (`transformAlterTableStmt`).
pub fn inline_foreign_keys_validated(cmds: &[pg_query::Node]) -> bool {
    alter_table_cmds(cmds).any(|cmd| added_column(cmd).is_some_and(column_has_raw_default))
}

/// An `ALTER COLUMN ... TYPE` action and its cost, from the column's old
/// type when the catalog knows the table and the column.
/// `col` or `col::type` where the cast is to the column's new type.
fn is_plain_conversion(expr: &pg_query::Node, column: &str, new: &ColumnType) -> bool {
    let is_column = |node: &pg_query::Node| match node.node.as_ref() {
        Some(NodeEnum::ColumnRef(col)) => {
            col.fields.len() == 1
                && matches!(col.fields[0].node.as_ref(), Some(NodeEnum::String(s)) if s.sval == column)
        }
        _ => false,
    };
    match expr.node.as_ref() {
        Some(NodeEnum::TypeCast(cast)) => {
            cast.arg.as_deref().is_some_and(is_column)
                && cast
                    .type_name
                    .as_ref()
                    .is_some_and(|t| types::same_type(&ColumnType::from_type_name(t), new))
        }
        _ => is_column(expr),
    }
}

fn column_type_change(
    action: usize,
    cmd: &AlterTableCmd,
    table: &RelationName,
    pg_version: u32,
    catalog: Option<&Catalog>,
) -> Option<ColumnTypeChange> {
    let col = column_def(cmd)?;
    let new = ColumnType::from_type_name(col.type_name.as_ref()?);
    // ALTER TYPE keeps its USING expression where a column keeps its default.
    // `USING col` and `USING col::new_type` are the plain conversion:
    // PostgreSQL judges them as if there were no USING (seen on a server:
    // numeric(10, 2) to numeric(12, 2) USING total::numeric(12, 2) keeps the
    // relfilenode).
    let has_using = col
        .raw_default
        .as_ref()
        .is_some_and(|expr| !is_plain_conversion(expr, &cmd.name, &new));
    let old = catalog
        .and_then(|c| c.relation(table))
        .and_then(|r| r.column(&cmd.name))
        .map(|c| c.ty.clone());
    let domain_base = |ty: &ColumnType| {
        let catalog = catalog?;
        if ty.schema.as_deref() == Some("pg_catalog") {
            return None;
        }
        let name = RelationName::new(ty.schema.as_deref(), &ty.name);
        catalog.domain(&name).map(|d| d.base.clone())
    };
    let cost = types::type_change_cost(old.as_ref(), &new, has_using, pg_version, &domain_base);
    Some(ColumnTypeChange {
        action,
        column: cmd.name.clone(),
        old,
        new,
        has_using,
        cost,
    })
}

fn create_table_references(stmt: &pg_query::protobuf::CreateStmt) -> Vec<RelationName> {
    let table_constraints = stmt.table_elts.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::Constraint(con) => Some(con.as_ref()),
        _ => None,
    });
    let column_level = stmt
        .table_elts
        .iter()
        .filter_map(|n| match n.node.as_ref()? {
            NodeEnum::ColumnDef(col) => Some(col.as_ref()),
            _ => None,
        })
        .flat_map(column_constraints);
    table_constraints
        .chain(column_level)
        .filter(|con| is_foreign_key(con))
        .filter_map(|con| con.pktable.as_ref().map(RelationName::from_range_var))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(sql: &str) -> Facts {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        statement_facts(&node, 16)
    }

    #[test]
    fn lock_of_sql_is_the_strongest_stated_lock() {
        let lock = |sql| lock_of_sql(sql, 16);
        assert_eq!(lock("ALTER TABLE t VALIDATE CONSTRAINT c;"), Some(ShareUpdateExclusive));
        assert_eq!(
            lock("ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES p NOT VALID;"),
            Some(ShareRowExclusive)
        );
        assert_eq!(
            lock("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;"),
            Some(AccessExclusive)
        );
        assert_eq!(lock("ALTER TABLE t ALTER COLUMN a TYPE bigint;"), Some(AccessExclusive));
        assert_eq!(lock("SELECT 1;"), None);
        assert_eq!(lock("not sql"), None);
    }

    fn names(relations: &[RelationName]) -> Vec<String> {
        relations.iter().map(|r| r.name.clone()).collect()
    }

    fn modes(sql: &str) -> Vec<(String, &'static str)> {
        facts(sql)
            .locks
            .into_iter()
            .map(|l| (l.relation.name, l.mode.name()))
            .collect()
    }

    #[test]
    fn alter_table_takes_the_strongest_mode_of_its_actions() {
        assert_eq!(
            modes("ALTER TABLE t SET (fillfactor = 70), ADD COLUMN x int"),
            [("t".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert_eq!(
            modes("ALTER TABLE t SET (fillfactor = 70)"),
            [("t".to_string(), "SHARE UPDATE EXCLUSIVE")]
        );
    }

    #[test]
    fn foreign_keys_lock_both_tables() {
        assert_eq!(
            modes("ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES p (id) NOT VALID"),
            [
                ("t".to_string(), "SHARE ROW EXCLUSIVE"),
                ("p".to_string(), "SHARE ROW EXCLUSIVE")
            ]
        );
        assert!(facts("ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES p (id) NOT VALID")
            .scans
            .is_empty());
        // Observed on PostgreSQL 15: validation reads both tables in full.
        assert_eq!(
            names(&facts("ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES p (id)").scans),
            ["t", "p"]
        );
    }

    #[test]
    fn add_column_rewrites_only_for_volatile_defaults_from_11() {
        assert!(facts("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()")
            .rewrites
            .is_empty());
        assert_eq!(
            facts("ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid()")
                .rewrites
                .len(),
            1
        );
        assert_eq!(facts("ALTER TABLE t ADD COLUMN c bigserial").rewrites.len(), 1);
        let parsed = pg_query::parse("ALTER TABLE t ADD COLUMN c int DEFAULT 0", 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        assert_eq!(statement_facts(&node, 10).rewrites.len(), 1);
    }

    #[test]
    fn generated_and_identity_columns() {
        assert_eq!(
            facts("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED")
                .rewrites
                .len(),
            1
        );
        assert_eq!(
            facts("ALTER TABLE t ADD COLUMN g bigint GENERATED ALWAYS AS IDENTITY")
                .rewrites
                .len(),
            1
        );
        assert_eq!(facts("ALTER TABLE t ADD COLUMN s serial").rewrites.len(), 1);
        assert!(
            facts("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) VIRTUAL")
                .rewrites
                .is_empty()
        );
        assert!(facts("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2)")
            .rewrites
            .is_empty());
    }

    #[test]
    fn set_not_null_and_constraint_validation() {
        let set_not_null = facts("ALTER TABLE t ALTER COLUMN a SET NOT NULL");
        assert_eq!(set_not_null.locks[0].mode, AccessExclusive);
        assert_eq!(set_not_null.scans.len(), 1);
        assert_eq!(facts("ALTER TABLE t ADD CONSTRAINT nn NOT NULL a").scans.len(), 1);
        assert!(facts("ALTER TABLE t ADD CONSTRAINT nn NOT NULL a NOT VALID")
            .scans
            .is_empty());
        assert_eq!(
            modes("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID"),
            [("t".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert!(facts("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID")
            .scans
            .is_empty());
        assert!(facts("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED")
            .scans
            .is_empty());
        assert_eq!(facts("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)").scans.len(), 1);
        assert_eq!(
            modes("ALTER TABLE t VALIDATE CONSTRAINT c"),
            [("t".to_string(), "SHARE UPDATE EXCLUSIVE")]
        );
        assert_eq!(
            modes("ALTER TABLE t ADD UNIQUE (a)"),
            [("t".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert_eq!(facts("ALTER TABLE t ADD UNIQUE (a)").scans.len(), 1);
        assert!(facts("ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX k")
            .scans
            .is_empty());
        assert_eq!(
            facts("ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&)")
                .scans
                .len(),
            1
        );
    }

    #[test]
    fn type_changes_provably_free_of_a_rewrite() {
        assert!(facts("ALTER TABLE t ALTER COLUMN c TYPE text").rewrites.is_empty());
        assert!(facts("ALTER TABLE t ALTER COLUMN c SET DATA TYPE character varying")
            .rewrites
            .is_empty());
        assert_eq!(facts("ALTER TABLE t ALTER COLUMN c TYPE varchar(50)").rewrites.len(), 1);
        assert_eq!(
            facts("ALTER TABLE t ALTER COLUMN c TYPE text USING lower(c)")
                .rewrites
                .len(),
            1
        );
        assert_eq!(facts("ALTER TABLE t ALTER COLUMN c TYPE bigint").rewrites.len(), 1);
        assert_eq!(
            modes("ALTER TABLE t ALTER COLUMN c TYPE bigint"),
            [("t".to_string(), "ACCESS EXCLUSIVE")]
        );
    }

    #[test]
    fn validating_a_known_foreign_key_locks_the_referenced_table() {
        let mut catalog = Catalog::default();
        let history = "CREATE TABLE p (id int PRIMARY KEY);
                       CREATE TABLE t (id int, pid int);
                       ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (pid) REFERENCES p (id) NOT VALID;";
        for raw in pg_query::parse(history, 0).unwrap().protobuf.stmts {
            catalog.apply(&raw.stmt.unwrap().node.unwrap(), crate::analysis::catalog::Origin::History, None);
        }
        let parsed = pg_query::parse("ALTER TABLE t VALIDATE CONSTRAINT t_fk", 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        let f = statement_facts_in(&node, 16, Some(&catalog));
        let modes: Vec<(String, &str)> = f
            .locks
            .iter()
            .map(|l| (l.relation.name.clone(), l.mode.name()))
            .collect();
        assert_eq!(
            modes,
            [
                ("t".to_string(), "SHARE UPDATE EXCLUSIVE"),
                ("p".to_string(), "ROW SHARE")
            ]
        );
    }

    #[test]
    fn type_changes_judged_against_the_catalog() {
        let mut catalog = Catalog::default();
        let history = "CREATE DOMAIN email AS varchar(254);
                       CREATE TABLE app.t (v varchar(20), n numeric(10, 2), e email, ts timestamp, i int);";
        for raw in pg_query::parse(history, 0).unwrap().protobuf.stmts {
            catalog.apply(&raw.stmt.unwrap().node.unwrap(), crate::analysis::catalog::Origin::History, None);
        }
        let judged = |sql: &str, pg_version: u32| {
            let parsed = pg_query::parse(sql, 0).unwrap();
            let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
            statement_facts_in(&node, pg_version, Some(&catalog))
        };
        let f = judged(
            "ALTER TABLE app.t ALTER v TYPE varchar(40), ALTER n TYPE numeric(12, 2), ALTER e TYPE varchar(254)",
            16,
        );
        assert!(f.rewrites.is_empty());
        let costs: Vec<(usize, &str, TypeChangeCost)> = f
            .type_changes
            .iter()
            .map(|c| (c.action, c.column.as_str(), c.cost))
            .collect();
        assert_eq!(
            costs,
            [
                (0, "v", TypeChangeCost::InPlace),
                (1, "n", TypeChangeCost::InPlace),
                (2, "e", TypeChangeCost::InPlace)
            ]
        );
        assert_eq!(f.type_changes[0].old.as_ref().unwrap().to_string(), "varchar(20)");
        assert_eq!(
            judged("ALTER TABLE app.t ALTER v TYPE varchar(10)", 16).rewrites.len(),
            1
        );
        assert_eq!(judged("ALTER TABLE app.t ALTER i TYPE bigint", 16).rewrites.len(), 1);
        // USING the column itself, cast or not, is the plain conversion.
        assert!(judged(
            "ALTER TABLE app.t ALTER n TYPE numeric(12, 2) USING n::numeric(12, 2)",
            16
        )
        .rewrites
        .is_empty());
        assert!(judged("ALTER TABLE app.t ALTER v TYPE text USING v", 16)
            .rewrites
            .is_empty());
        assert_eq!(
            judged("ALTER TABLE app.t ALTER n TYPE numeric(12, 2) USING round(n, 1)", 16)
                .rewrites
                .len(),
            1
        );
        let ts = judged("ALTER TABLE app.t ALTER ts TYPE timestamptz", 16);
        assert_eq!(ts.type_changes[0].cost, TypeChangeCost::InPlaceIfUtc);
        assert_eq!(ts.rewrites.len(), 1, "a rewrite unless the session is in UTC");
        assert_eq!(
            judged("ALTER TABLE app.t ALTER ts TYPE timestamptz", 11).type_changes[0].cost,
            TypeChangeCost::Rewrite
        );
        let unknown = judged("ALTER TABLE t ALTER v TYPE varchar(40)", 16);
        assert!(unknown.type_changes[0].old.is_none(), "public.t is not app.t");
        assert_eq!(unknown.rewrites.len(), 1);
    }

    #[test]
    fn constraints_written_on_an_added_column() {
        // No default: every existing row holds NULL, PostgreSQL skips the check.
        let plain = facts("ALTER TABLE t ADD COLUMN pid bigint REFERENCES p (id)");
        assert_eq!(plain.lock_on(&RelationName::new(None, "p")), Some(ShareRowExclusive));
        assert_eq!(plain.lock_on(&RelationName::new(None, "t")), Some(AccessExclusive));
        assert!(plain.scans.is_empty());
        assert_eq!(
            names(&facts("ALTER TABLE t ADD COLUMN pid bigint DEFAULT 1 REFERENCES p (id)").scans),
            ["p", "t"]
        );
        assert_eq!(
            facts("ALTER TABLE t ADD COLUMN pid bigint REFERENCES p (id), ADD COLUMN n int DEFAULT 0")
                .scans
                .len(),
            2,
            "any added column with a default turns the check on for the statement"
        );
        assert_eq!(facts("ALTER TABLE t ADD COLUMN n int CHECK (n > 0)").scans.len(), 1);
        assert_eq!(facts("ALTER TABLE t ADD COLUMN code text UNIQUE").scans.len(), 1);
        assert!(facts("ALTER TABLE t ADD COLUMN n int").scans.is_empty());
        assert!(facts("ALTER TABLE t ADD COLUMN n int CHECK (n > 0) NOT ENFORCED")
            .scans
            .is_empty());
        assert!(
            facts("ALTER TABLE t ADD COLUMN n int DEFAULT 1 REFERENCES p NOT ENFORCED")
                .scans
                .is_empty()
        );
    }

    #[test]
    fn concurrently_cannot_run_in_a_transaction() {
        assert!(!facts("CREATE INDEX CONCURRENTLY i ON t (a)").transactional);
        assert!(facts("CREATE INDEX i ON t (a)").transactional);
        assert_eq!(modes("CREATE INDEX i ON t (a)"), [("t".to_string(), "SHARE")]);
        assert!(!facts("REINDEX (CONCURRENTLY) INDEX i").transactional);
        assert!(!facts("REINDEX INDEX CONCURRENTLY i").transactional);
        assert!(!facts("VACUUM t").transactional);
        assert!(facts("ANALYZE t").transactional);
        assert!(!facts("CREATE TABLESPACE fast LOCATION '/ssd'").transactional);
        assert!(!facts("DROP TABLESPACE fast").transactional);
        assert!(!facts("COMMIT PREPARED 'x'").transactional);
        assert!(facts("COMMIT").transactional);
    }

    fn facts_at(sql: &str, pg_version: u32) -> Facts {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        statement_facts(&node, pg_version)
    }

    #[test]
    fn versions_decide_what_may_run_in_a_transaction() {
        assert!(!facts_at("ALTER TYPE mood ADD VALUE 'calm'", 11).transactional);
        assert!(facts_at("ALTER TYPE mood ADD VALUE 'calm'", 12).transactional);
        assert!(facts_at("ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'", 11).transactional);
        let need = |sql: &str| {
            let parsed = pg_query::parse(sql, 0).unwrap();
            minimum_version(parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.as_ref().unwrap())
        };
        assert_eq!(need("REINDEX INDEX CONCURRENTLY i"), Some(("REINDEX CONCURRENTLY", 12)));
        assert_eq!(
            need("REINDEX (CONCURRENTLY) TABLE t"),
            Some(("REINDEX CONCURRENTLY", 12))
        );
        assert_eq!(need("REINDEX TABLE t"), None);
        assert_eq!(
            need("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY"),
            Some(("DETACH PARTITION CONCURRENTLY", 14))
        );
        assert_eq!(
            need("ALTER TABLE p DETACH PARTITION p1 FINALIZE"),
            Some(("DETACH PARTITION ... FINALIZE", 14))
        );
        assert_eq!(need("ALTER TABLE p DETACH PARTITION p1"), None);
        assert_eq!(need("ALTER TABLE p ADD c int"), None);
    }

    fn scoped(sql: &str) -> Vec<(String, &'static str)> {
        facts(sql)
            .scoped_locks
            .into_iter()
            .map(|l| (l.scope.to_string(), l.mode.name()))
            .collect()
    }

    #[test]
    fn drop_index_locks_its_table() {
        assert_eq!(modes("DROP INDEX t_a"), [("t_a".to_string(), "ACCESS EXCLUSIVE")]);
        assert_eq!(
            scoped("DROP INDEX t_a"),
            [("the table of \"t_a\"".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert_eq!(
            scoped("DROP INDEX CONCURRENTLY t_a"),
            [("the table of \"t_a\"".to_string(), "SHARE UPDATE EXCLUSIVE")]
        );
        // Observed: dropping a table locks the tables its foreign keys
        // reference, a partition's parent and default partition, and a
        // partitioned table's partitions.
        assert_eq!(
            scoped("DROP TABLE t"),
            [
                (
                    "every table \"t\" references by foreign key".to_string(),
                    "ACCESS EXCLUSIVE"
                ),
                (
                    "the partitioned table of \"t\" and its default partition".to_string(),
                    "ACCESS EXCLUSIVE"
                ),
                ("every partition of \"t\"".to_string(), "ACCESS EXCLUSIVE")
            ]
        );
    }

    #[test]
    fn reindex_locks_tables_share_and_indexes_access_exclusive() {
        assert_eq!(modes("REINDEX INDEX t_a"), [("t_a".to_string(), "ACCESS EXCLUSIVE")]);
        assert_eq!(
            scoped("REINDEX INDEX t_a"),
            [("the table of \"t_a\"".to_string(), "SHARE")]
        );
        assert_eq!(modes("REINDEX TABLE t"), [("t".to_string(), "SHARE")]);
        assert_eq!(
            scoped("REINDEX TABLE t"),
            [("every index of \"t\"".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert_eq!(
            scoped("REINDEX SCHEMA app"),
            [
                ("every table in schema \"app\"".to_string(), "SHARE"),
                ("every index in schema \"app\"".to_string(), "ACCESS EXCLUSIVE")
            ]
        );
        assert_eq!(
            scoped("REINDEX DATABASE app")[1],
            ("every index in the database".to_string(), "ACCESS EXCLUSIVE")
        );
        assert_eq!(
            modes("REINDEX (CONCURRENTLY) TABLE t"),
            [("t".to_string(), "SHARE UPDATE EXCLUSIVE")]
        );
        assert_eq!(scoped("REINDEX INDEX CONCURRENTLY t_a")[0].1, "SHARE UPDATE EXCLUSIVE");
    }

    #[test]
    fn whole_database_maintenance_and_domains() {
        assert_eq!(
            scoped("VACUUM FULL"),
            [("every table in the database".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert!(scoped("VACUUM FULL t").is_empty());
        assert_eq!(
            scoped("CLUSTER"),
            [("every table clustered before".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert_eq!(modes("CLUSTER t USING t_a"), [("t".to_string(), "ACCESS EXCLUSIVE")]);
        let domain = [("every table with a column of domain \"email\"".to_string(), "SHARE")];
        assert_eq!(
            scoped("ALTER DOMAIN email ADD CONSTRAINT c CHECK (VALUE LIKE '%@%')"),
            domain
        );
        assert_eq!(scoped("ALTER DOMAIN email VALIDATE CONSTRAINT c"), domain);
        assert_eq!(scoped("ALTER DOMAIN email SET NOT NULL"), domain);
        assert!(scoped("ALTER DOMAIN email DROP NOT NULL").is_empty());
        assert!(scoped("ALTER DOMAIN email ADD CONSTRAINT c CHECK (VALUE LIKE '%@%') NOT VALID").is_empty());
        assert!(scoped("ALTER DOMAIN email DROP CONSTRAINT c").is_empty());
    }

    #[test]
    fn detach_partition_locks_parent_and_partition() {
        assert_eq!(
            modes("ALTER TABLE parted DETACH PARTITION parted_1"),
            [
                ("parted".to_string(), "ACCESS EXCLUSIVE"),
                ("parted_1".to_string(), "ACCESS EXCLUSIVE")
            ]
        );
        assert_eq!(
            modes("ALTER TABLE parted DETACH PARTITION parted_1 FINALIZE"),
            [
                ("parted".to_string(), "SHARE UPDATE EXCLUSIVE"),
                ("parted_1".to_string(), "ACCESS EXCLUSIVE")
            ]
        );
        assert_eq!(modes("LOCK TABLE t"), [("t".to_string(), "ACCESS EXCLUSIVE")]);
        assert_eq!(
            modes("REFRESH MATERIALIZED VIEW mv"),
            [("mv".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert_eq!(facts("ALTER TABLE t SET UNLOGGED").rewrites.len(), 1);
    }

    fn scoped_scans(sql: &str) -> Vec<String> {
        facts(sql).scoped_scans.iter().map(ToString::to_string).collect()
    }

    fn scoped_rewrites(sql: &str) -> Vec<String> {
        facts(sql).scoped_rewrites.iter().map(ToString::to_string).collect()
    }

    // The tests below state facts observed on a PostgreSQL 15 server by the
    // truth suite (tests/it/postgres); each corrected an earlier claim.

    #[test]
    fn recursing_alter_table_actions_reach_partitions_and_children() {
        // Observed: ADD COLUMN, SET NOT NULL, ALTER TYPE, CHECK, ... lock every
        // child exclusively; a type change rewrites them, SET NOT NULL reads them.
        assert_eq!(
            scoped("ALTER TABLE parted ADD COLUMN z int"),
            [(
                "every partition and child table of \"parted\"".to_string(),
                "ACCESS EXCLUSIVE"
            )]
        );
        assert_eq!(
            scoped_rewrites("ALTER TABLE parted ALTER COLUMN id TYPE bigint"),
            ["every partition and child table of \"parted\""]
        );
        assert_eq!(
            scoped_scans("ALTER TABLE parted ALTER COLUMN v SET NOT NULL"),
            ["every partition and child table of \"parted\""]
        );
        assert_eq!(
            scoped("ALTER TABLE p ALTER COLUMN a SET STATISTICS 100"),
            [(
                "every partition and child table of \"p\"".to_string(),
                "SHARE UPDATE EXCLUSIVE"
            )]
        );
        // ONLY, and actions that never recurse, stay on the table.
        assert!(scoped("ALTER TABLE ONLY p ALTER COLUMN a SET DEFAULT 0").is_empty());
        assert!(scoped("ALTER TABLE p OWNER TO someone").is_empty());
        assert!(scoped("ALTER TABLE p SET (fillfactor = 70)").is_empty());
        // Indexes, foreign keys and row triggers reach partitions only.
        assert_eq!(
            scoped("ALTER TABLE p ADD UNIQUE (id)"),
            [("every partition of \"p\"".to_string(), "SHARE")]
        );
        assert_eq!(
            scoped("ALTER TABLE p DISABLE TRIGGER ALL"),
            [("every partition of \"p\"".to_string(), "SHARE ROW EXCLUSIVE")]
        );
        assert_eq!(
            scoped("CREATE INDEX i ON p (a)"),
            [("every partition of \"p\"".to_string(), "SHARE")]
        );
        assert_eq!(
            scoped("CREATE TRIGGER tr AFTER INSERT ON p FOR EACH ROW EXECUTE FUNCTION f()"),
            [("every partition of \"p\"".to_string(), "SHARE ROW EXCLUSIVE")]
        );
        assert_eq!(
            scoped("ALTER TABLE p RENAME COLUMN a TO b"),
            [(
                "every partition and child table of \"p\"".to_string(),
                "ACCESS EXCLUSIVE"
            )]
        );
        assert_eq!(
            scoped("LOCK TABLE p IN SHARE MODE")[0],
            ("every partition and child table of \"p\"".to_string(), "SHARE")
        );
        assert_eq!(
            scoped_rewrites("TRUNCATE p"),
            ["every partition and child table of \"p\""]
        );
        assert!(scoped_rewrites("TRUNCATE ONLY p").is_empty());
    }

    #[test]
    fn default_partitions_and_partition_parents() {
        let default = || ("the default partition of \"parted\"".to_string(), "ACCESS EXCLUSIVE");
        assert_eq!(
            scoped("ALTER TABLE parted ATTACH PARTITION spare FOR VALUES FROM (1) TO (2)"),
            [default()]
        );
        assert_eq!(
            scoped_scans("ALTER TABLE parted ATTACH PARTITION spare FOR VALUES FROM (1) TO (2)"),
            ["the default partition of \"parted\""]
        );
        assert_eq!(scoped("ALTER TABLE parted DETACH PARTITION p2"), [default()]);
        assert!(scoped("ALTER TABLE parted DETACH PARTITION p2 CONCURRENTLY").is_empty());
        assert_eq!(
            scoped("CREATE TABLE p3 PARTITION OF parted FOR VALUES FROM (1) TO (2)"),
            [default()]
        );
        assert!(scoped("CREATE TABLE pd PARTITION OF parted DEFAULT").is_empty());
        // An index attached to a partitioned index is not read.
        assert!(facts("ALTER INDEX parted_v ATTACH PARTITION parted_1_v")
            .scans
            .is_empty());
    }

    #[test]
    fn foreign_keys_lock_the_table_at_their_other_end() {
        let at_other_end = |sql| scoped(sql).into_iter().map(|(scope, _)| scope).collect::<Vec<_>>();
        assert_eq!(
            at_other_end("ALTER TABLE ONLY t DROP CONSTRAINT t_fk"),
            ["every table a foreign key links to \"t\" through constraint \"t_fk\""]
        );
        assert_eq!(
            scoped("ALTER TABLE ONLY t DROP COLUMN pid"),
            [(
                "every table a foreign key links to column \"pid\" of \"t\"".to_string(),
                "ACCESS EXCLUSIVE"
            )]
        );
        assert_eq!(
            scoped_scans("ALTER TABLE t ALTER COLUMN pid TYPE bigint"),
            ["every table a foreign key links to column \"pid\" of \"t\""]
        );
        assert_eq!(
            at_other_end("DROP TABLE child CASCADE"),
            [
                "every table \"child\" references by foreign key",
                "the partitioned table of \"child\" and its default partition",
                "every partition of \"child\"",
                "every table with a foreign key to \"child\"",
                "every partition and child table of \"child\"",
                "every view built on \"child\""
            ]
        );
        assert_eq!(
            scoped("TRUNCATE ONLY t CASCADE"),
            [(
                "every table with a foreign key to \"t\", or to one of those".to_string(),
                "ACCESS EXCLUSIVE"
            )]
        );
    }

    #[test]
    fn statements_that_lock_tables_they_name() {
        let exclusive = |name: &str| vec![(name.to_string(), "ACCESS EXCLUSIVE")];
        assert_eq!(modes("DROP TRIGGER tr ON app.t"), exclusive("t"));
        assert_eq!(modes("DROP POLICY pol ON t"), exclusive("t"));
        assert_eq!(modes("DROP RULE r ON t"), exclusive("t"));
        assert_eq!(modes("CREATE POLICY pol ON t USING (true)"), exclusive("t"));
        assert_eq!(modes("ALTER POLICY pol ON t USING (true)"), exclusive("t"));
        assert_eq!(modes("CREATE RULE r AS ON INSERT TO t DO ALSO NOTHING"), exclusive("t"));
        assert_eq!(modes("CREATE OR REPLACE VIEW v AS SELECT 1"), exclusive("v"));
        assert!(modes("CREATE VIEW v AS SELECT 1").is_empty());
        assert_eq!(modes("ALTER TABLE t SET SCHEMA other"), exclusive("t"));
        assert_eq!(modes("ALTER MATERIALIZED VIEW mv SET SCHEMA other"), exclusive("mv"));
        assert_eq!(
            modes("ALTER SEQUENCE s RESTART"),
            [("s".to_string(), "SHARE ROW EXCLUSIVE")]
        );
        assert_eq!(
            scoped("DROP SCHEMA app CASCADE"),
            [("every relation in schema \"app\"".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert_eq!(
            scoped("LOCK TABLE ONLY v IN EXCLUSIVE MODE"),
            [("every table read by \"v\" if it is a view".to_string(), "EXCLUSIVE")]
        );
        assert_eq!(
            scoped_rewrites("ALTER TYPE pair ALTER ATTRIBUTE y TYPE bigint CASCADE"),
            ["every table of type \"pair\""]
        );
        assert!(facts("ALTER TYPE pair ALTER ATTRIBUTE y TYPE bigint CASCADE")
            .rewrites
            .is_empty());
    }

    #[test]
    fn rebuilt_indexes_are_rewritten_and_their_tables_read() {
        assert_eq!(names(&facts("REINDEX INDEX t_a").rewrites), ["t_a"]);
        assert_eq!(scoped_scans("REINDEX INDEX t_a"), ["the table of \"t_a\""]);
        assert_eq!(scoped_rewrites("REINDEX TABLE t"), ["every index of \"t\""]);
        assert_eq!(scoped_scans("REINDEX TABLE t"), ["the tables of every index of \"t\""]);
        assert_eq!(
            scoped_scans("REINDEX SCHEMA app"),
            ["the tables of every index in schema \"app\""]
        );
        assert_eq!(scoped_rewrites("CLUSTER"), ["every table clustered before"]);
        assert_eq!(
            scoped_scans("ALTER DOMAIN email VALIDATE CONSTRAINT c"),
            ["every table with a column of domain \"email\""]
        );
        // CONCURRENTLY keeps the relfilenode and reads the view in full.
        let concurrent = facts("REFRESH MATERIALIZED VIEW CONCURRENTLY mv");
        assert!(concurrent.rewrites.is_empty());
        assert_eq!(names(&concurrent.scans), ["mv"]);
    }

    #[test]
    fn dml_scans_in_full_only_without_a_where_clause() {
        assert_eq!(names(&facts("UPDATE t SET a = 1").scans), ["t"]);
        assert_eq!(names(&facts("DELETE FROM t").scans), ["t"]);
        assert!(facts("DELETE FROM t WHERE id = 1").scans.is_empty());
        assert!(facts("UPDATE t SET a = 1 WHERE id = 1").scans.is_empty());
    }

    #[test]
    fn foreign_table_options_take_access_exclusive() {
        // Observed on PostgreSQL 15 (it was stated as SHARE UPDATE EXCLUSIVE).
        assert_eq!(
            modes("ALTER FOREIGN TABLE ft OPTIONS (SET filename '/dev/zero')"),
            [("ft".to_string(), "ACCESS EXCLUSIVE")]
        );
        assert_eq!(
            modes("ALTER FOREIGN TABLE ft ALTER COLUMN a OPTIONS (ADD force_not_null 'true')"),
            [("ft".to_string(), "ACCESS EXCLUSIVE")]
        );
    }

    #[test]
    fn data_loss() {
        assert!(facts("DROP TABLE t").data_loss);
        assert!(facts("ALTER TABLE t DROP COLUMN c").data_loss);
        assert!(facts("TRUNCATE t").data_loss);
        assert!(!facts("DROP INDEX i").data_loss);
    }
}
