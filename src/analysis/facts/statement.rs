//! Which facts each kind of statement yields: the dispatch from a parse tree
//! to its statement family, and the facts of the families that have no
//! module of their own (`alter_table.rs`, `maintenance.rs`): creating,
//! dropping and renaming, DML, locks, comments.

use pg_query::protobuf::{
    AlterDomainStmt, AlterObjectSchemaStmt, CommentStmt, CopyStmt, CreateStmt, CreateTrigStmt, DeleteStmt,
    DropBehavior, DropStmt, IndexStmt, LockStmt, ObjectType, RenameStmt, TruncateStmt, UpdateStmt,
};
use pg_query::NodeEnum;

use super::alter_table::{alter_table_facts, alter_table_minimum_version};
use super::maintenance::{cluster_facts, known_partitioned, refresh_facts, reindex_facts, vacuum_facts};
use super::model::{Facts, PartitionIndexes, PartitionedIndex};
use super::query::{query_locks, Query};
use crate::analysis::catalog::{Catalog, RelationKind};
use crate::analysis::locks::LockMode::{self, *};
use crate::analysis::locks::LockScope;
use crate::analysis::names::{dropped_names, qualified_object_tables, RelationName};
use crate::parse::ast::{column_constraints, has_option, is_foreign_key, range_var, selects_every_row};
use crate::settings::SessionTimeZone;

/// The strongest lock `statement_facts` states for the first statement of
/// `sql`, on any relation: what a message says about a statement it only
/// shows, such as a recipe's `ALTER TABLE t VALIDATE CONSTRAINT c;`. None
/// when the text does not parse or the statement takes no lock.
pub(crate) fn lock_of_sql(sql: &str, pg_version: u32) -> Option<LockMode> {
    let node = crate::parse::parse_statement(sql)?;
    let facts = statement_facts(&node, pg_version);
    let named = facts.locks.iter().map(|l| l.mode);
    named.chain(facts.scoped_locks.iter().map(|l| l.mode)).max()
}

/// The facts of one statement as a run states them: judged against the
/// catalog, without the scoped locks, rewrites and scans it rules out (the
/// children of a table it knows to have none, ...).
pub(crate) fn statement_facts_judged(
    node: &NodeEnum,
    pg_version: u32,
    time_zone: SessionTimeZone,
    catalog: &Catalog,
) -> Facts {
    let mut facts = statement_facts_in(node, pg_version, time_zone, Some(catalog));
    let name_table = |scope: &mut LockScope| {
        if let LockScope::TableOf { index, table } = scope {
            // An index lives in its table's schema: written as the index is.
            *table = catalog.index(index).map(|i| RelationName {
                schema: index.schema.clone(),
                ..i.table.clone()
            });
        }
    };
    facts.scoped_locks.iter_mut().for_each(|l| name_table(&mut l.scope));
    facts.scoped_scans.iter_mut().for_each(name_table);
    facts.scoped_locks.retain(|l| catalog.scope_may_reach(&l.scope));
    facts.scoped_rewrites.retain(|scope| catalog.scope_may_reach(scope));
    facts.scoped_scans.retain(|scope| catalog.scope_may_reach(scope));
    facts
        .scoped_new_empty_files
        .retain(|scope| catalog.scope_may_reach(scope));
    facts
}

/// The facts of one statement, for a PostgreSQL major version, judged
/// without a catalog.
pub(crate) fn statement_facts(node: &NodeEnum, pg_version: u32) -> Facts {
    statement_facts_in(node, pg_version, SessionTimeZone::Unknown, None)
}

/// The facts of one statement, for a PostgreSQL major version and session
/// time zone, judged against the catalog as it stands before the statement
/// runs (the old type of a column whose type changes).
pub(crate) fn statement_facts_in(
    node: &NodeEnum,
    pg_version: u32,
    time_zone: SessionTimeZone,
    catalog: Option<&Catalog>,
) -> Facts {
    let mut facts = Facts {
        transactional: true,
        ..Facts::default()
    };
    match node {
        NodeEnum::AlterTableStmt(stmt) => {
            alter_table_facts(stmt, pg_version, time_zone, catalog, &mut facts);
            let table = stmt.relation.as_ref().map(RelationName::from_range_var);
            facts.partition_leaves = catalog
                .zip(table)
                .and_then(|(catalog, table)| catalog.leaf_partitions(&table));
        }
        NodeEnum::CreateStmt(stmt) => create_table_facts(stmt, &mut facts),
        NodeEnum::CreateTableAsStmt(stmt) => {
            // `WITH NO DATA` only analyses the query.
            let skip_data = stmt.into.as_ref().is_some_and(|i| i.skip_data);
            let query = if skip_data { Query::Stored } else { Query::Executed };
            if let Some(node) = stmt.query.as_ref().and_then(|q| q.node.as_ref()) {
                query_locks(node, query, None, catalog, &mut facts);
            }
        }
        NodeEnum::SelectStmt(stmt) => {
            let into = stmt
                .into_clause
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .map(RelationName::from_range_var);
            query_locks(node, Query::Executed, into.as_ref(), catalog, &mut facts);
        }
        NodeEnum::MergeStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let target = RelationName::from_range_var(rv);
                facts.lock(target.clone(), RowExclusive);
                query_locks(node, Query::Executed, Some(&target), catalog, &mut facts);
            }
        }
        NodeEnum::CopyStmt(stmt) => copy_facts(node, stmt, catalog, &mut facts),
        NodeEnum::CreateStatsStmt(stmt) => {
            // Observed: SHARE UPDATE EXCLUSIVE on the table.
            for rv in stmt.relations.iter().filter_map(range_var) {
                facts.lock(RelationName::from_range_var(rv), ShareUpdateExclusive);
            }
        }
        NodeEnum::CreateSeqStmt(stmt) => owned_by_facts(&stmt.options, &mut facts),
        NodeEnum::IndexStmt(stmt) => create_index_facts(stmt, catalog, &mut facts),
        NodeEnum::DropStmt(stmt) => {
            drop_facts(stmt, &mut facts);
            if let Some(catalog) = catalog.filter(|_| stmt.remove_type == ObjectType::ObjectIndex as i32) {
                for name in dropped_names(&stmt.objects) {
                    let table = catalog
                        .index(&name)
                        .and_then(|i| catalog.relation(&i.table))
                        .filter(|t| t.kind == RelationKind::PartitionedTable);
                    if let Some(table) = table {
                        // Observed: the partitions' indexes go too, each
                        // partition locked like the parent.
                        let mode = if stmt.concurrent {
                            ShareUpdateExclusive
                        } else {
                            AccessExclusive
                        };
                        facts.lock_scoped(LockScope::Partitions(table.name.clone()), mode);
                        facts.partitioned_indexes.push(name);
                    }
                }
            }
        }
        NodeEnum::RenameStmt(stmt) => rename_facts(stmt, &mut facts),
        NodeEnum::TruncateStmt(stmt) => truncate_facts(stmt, &mut facts),
        NodeEnum::DeleteStmt(stmt) => {
            delete_facts(stmt, &mut facts);
            let target = stmt.relation.as_ref().map(RelationName::from_range_var);
            query_locks(node, Query::Executed, target.as_ref(), catalog, &mut facts);
        }
        NodeEnum::UpdateStmt(stmt) => {
            update_facts(stmt, &mut facts);
            let target = stmt.relation.as_ref().map(RelationName::from_range_var);
            query_locks(node, Query::Executed, target.as_ref(), catalog, &mut facts);
        }
        NodeEnum::InsertStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let target = RelationName::from_range_var(rv);
                writes_rows(&target, catalog, &mut facts);
                query_locks(node, Query::Executed, Some(&target), catalog, &mut facts);
            }
        }
        NodeEnum::VacuumStmt(stmt) => vacuum_facts(stmt, catalog, &mut facts),
        NodeEnum::ClusterStmt(stmt) => cluster_facts(stmt, pg_version, catalog, &mut facts),
        NodeEnum::ReindexStmt(stmt) => reindex_facts(stmt, pg_version, catalog, &mut facts),
        NodeEnum::AlterDomainStmt(stmt) => alter_domain_facts(stmt, &mut facts),
        NodeEnum::LockStmt(stmt) => lock_table_facts(stmt, &mut facts),
        NodeEnum::RefreshMatViewStmt(stmt) => refresh_facts(stmt, &mut facts),
        NodeEnum::CreateTrigStmt(stmt) => create_trigger_facts(stmt, &mut facts),
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
            let view = stmt.view.as_ref().map(RelationName::from_range_var);
            if let Some(view) = view.clone().filter(|_| stmt.replace) {
                facts.lock(view, AccessExclusive);
            }
            if let Some(query) = stmt.query.as_ref().and_then(|q| q.node.as_ref()) {
                query_locks(query, Query::Stored, view.as_ref(), catalog, &mut facts);
            }
        }
        NodeEnum::AlterSeqStmt(stmt) => {
            // Observed: every ALTER SEQUENCE takes SHARE ROW EXCLUSIVE, which
            // makes nextval() wait.
            if let Some(rv) = &stmt.sequence {
                facts.lock(RelationName::from_range_var(rv), ShareRowExclusive);
            }
            owned_by_facts(&stmt.options, &mut facts);
        }
        NodeEnum::AlterObjectSchemaStmt(stmt) => set_schema_facts(stmt, &mut facts),
        NodeEnum::CommentStmt(stmt) => comment_facts(stmt, &mut facts),
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

/// The PostgreSQL version a statement's form needs, with the form's name:
/// `REINDEX CONCURRENTLY` came in 12, `DETACH PARTITION ... CONCURRENTLY`
/// and `DETACH PARTITION ... FINALIZE` in 14. Older servers reject the
/// statement as a syntax error.
pub(crate) fn minimum_version(node: &NodeEnum) -> Option<(&'static str, u32)> {
    match node {
        NodeEnum::ReindexStmt(stmt) if has_option(&stmt.params, "concurrently") => Some(("REINDEX CONCURRENTLY", 12)),
        NodeEnum::AlterTableStmt(stmt) => alter_table_minimum_version(stmt),
        _ => None,
    }
}

/// The lock a foreign key check takes on the referenced table (observed: the
/// check is a `SELECT ... FOR KEY SHARE`).
const FOREIGN_KEY_CHECK_LOCK: LockMode = RowShare;

/// `COPY`: `FROM` writes the table (its foreign keys are checked like an
/// `INSERT`'s), `TO` reads it or runs a query.
fn copy_facts(node: &NodeEnum, stmt: &CopyStmt, catalog: Option<&Catalog>, facts: &mut Facts) {
    if let Some(rv) = &stmt.relation {
        let table = RelationName::from_range_var(rv);
        if stmt.is_from {
            writes_rows(&table, catalog, facts);
        } else {
            facts.lock(table, AccessShare);
        }
    } else {
        query_locks(node, Query::Executed, None, catalog, facts);
    }
}

/// `INSERT` and `COPY FROM`: new rows are written, their foreign keys
/// checked. Observed: a partitioned table's rows are written to (and lock)
/// only the partitions they go to.
fn writes_rows(table: &RelationName, catalog: Option<&Catalog>, facts: &mut Facts) {
    facts.lock(table.clone(), RowExclusive);
    facts.lock_scoped(LockScope::ReferencedTables(table.clone()), FOREIGN_KEY_CHECK_LOCK);
    if known_partitioned(catalog, table) {
        facts.lock_scoped(LockScope::RowPartitions(table.clone()), RowExclusive);
    }
}

/// `OWNED BY table.column` of `CREATE SEQUENCE` and `ALTER SEQUENCE`:
/// observed, ACCESS SHARE on the table.
fn owned_by_facts(options: &[pg_query::Node], facts: &mut Facts) {
    let owned_by = options.iter().find_map(|o| match o.node.as_ref()? {
        NodeEnum::DefElem(def) if def.defname == "owned_by" => match def.arg.as_ref()?.node.as_ref()? {
            NodeEnum::List(list) => Some(list.items.clone()),
            _ => None,
        },
        _ => None,
    });
    // `OWNED BY NONE` is one name; a column is `table.column` or longer.
    if let Some(items) = owned_by.filter(|items| items.len() >= 2) {
        if let Some(table) = RelationName::from_name_list(&items[..items.len() - 1]) {
            facts.lock(table, AccessShare);
        }
    }
}

/// `CREATE TABLE`: the parent of a partition or child table, the tables its
/// foreign keys reference, and the tables it copies with `LIKE`.
fn create_table_facts(stmt: &CreateStmt, facts: &mut Facts) {
    // Observed: `LIKE` reads the source's definition under ACCESS SHARE.
    for like in stmt.table_elts.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::TableLikeClause(like) => like.relation.as_ref(),
        _ => None,
    }) {
        facts.lock(RelationName::from_range_var(like), AccessShare);
    }
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

/// The tables the foreign keys of a `CREATE TABLE` reference, written on
/// the table or on a column.
fn create_table_references(stmt: &CreateStmt) -> Vec<RelationName> {
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
/// `CREATE INDEX`: the table is read in full under SHARE (SHARE UPDATE
/// EXCLUSIVE with `CONCURRENTLY`, which refuses a transaction block). On a
/// table the catalog knows to be partitioned, `ON ONLY` builds nothing, nor
/// does a build whose every partition already holds a matching index.
fn create_index_facts(stmt: &IndexStmt, catalog: Option<&Catalog>, facts: &mut Facts) {
    facts.transactional = !stmt.concurrent;
    let Some(rv) = &stmt.relation else { return };
    let table = RelationName::from_range_var(rv);
    let mode = if stmt.concurrent { ShareUpdateExclusive } else { Share };
    facts.lock(table.clone(), mode);
    let partitioned = catalog.and_then(|catalog| {
        let tree = match partition_indexes(catalog, &table, stmt, 0) {
            Some(tree) => tree,
            // `ON ONLY` is written for partitioned tables (pg_dump writes
            // it for them alone): a table the catalog does not know is
            // taken to be one.
            None if !rv.inh && catalog.relation(&table).is_none() => PartitionIndexes {
                table: catalog.qualify(&table),
                adopts: None,
                partitioned: true,
                partitions: Vec::new(),
            },
            None => return None,
        };
        Some(PartitionedIndex { only: !rv.inh, tree })
    });
    match &partitioned {
        // Observed: ON ONLY locks the parent alone and reads nothing.
        Some(p) if p.only => {}
        // Observed: matching indexes are attached under SHARE on every
        // partition, and no partition is read.
        Some(p) if p.builds_nothing() => facts.lock_scoped(LockScope::Partitions(table.clone()), mode),
        // Observed: only the partitions without a matching index are read.
        Some(p) if !p.tree.partitions.is_empty() => {
            facts.lock_scoped(LockScope::Partitions(table.clone()), mode);
            for leaf in p.tree.built_leaves() {
                facts.scan(&leaf.table);
            }
        }
        _ => {
            facts.scan(&table);
            if rv.inh {
                // Observed: an index on a partitioned table is built on
                // every partition, each under the same lock.
                facts.extend_to(&table, LockScope::Partitions(table.clone()), mode);
            }
        }
    }
    facts.partitioned_index = partitioned;
}

/// The partition tree under `table` when the catalog knows it to be
/// partitioned, with the index each table holds that matches the one
/// `stmt` creates.
fn partition_indexes(
    catalog: &Catalog,
    table: &RelationName,
    stmt: &IndexStmt,
    depth: usize,
) -> Option<PartitionIndexes> {
    let relation = catalog.relation(table)?;
    let partitioned = relation.kind == RelationKind::PartitionedTable;
    if depth == 0 && !partitioned {
        return None;
    }
    let name = relation.name.clone();
    let signature = crate::parse::ast::index_signature(stmt);
    let adopts = if depth == 0 {
        None
    } else {
        catalog
            .indexes_on(&name)
            .find(|i| !i.attached && i.signature.is_some() && i.signature == signature)
            .map(|i| i.name.clone())
    };
    let partitions = if partitioned && depth < 8 {
        catalog
            .relations()
            .filter(|r| r.partition_of.as_ref() == Some(&name))
            .filter_map(|r| partition_indexes(catalog, &r.name, stmt, depth + 1))
            .collect()
    } else {
        Vec::new()
    };
    Some(PartitionIndexes {
        table: name,
        adopts,
        partitioned,
        partitions,
    })
}

/// `DROP` of relations, of what lives on a table (triggers, policies,
/// rules), of schemas and databases.
fn drop_facts(stmt: &DropStmt, facts: &mut Facts) {
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
                facts.lock_scoped(LockScope::table_of(name.clone()), mode);
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

/// `ALTER ... RENAME` of a relation, or of a column, constraint or trigger
/// on one.
fn rename_facts(stmt: &RenameStmt, facts: &mut Facts) {
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

/// `TRUNCATE`: every row goes. Observed: each table (and its indexes) gets
/// a new, empty file; no row is copied or read.
fn truncate_facts(stmt: &TruncateStmt, facts: &mut Facts) {
    let cascade = stmt.behavior == DropBehavior::DropCascade as i32;
    for rv in stmt.relations.iter().filter_map(range_var) {
        let table = RelationName::from_range_var(rv);
        facts.lock(table.clone(), AccessExclusive);
        facts.empty(&table);
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

/// `DELETE`: rows go; without `WHERE`, every row is read.
fn delete_facts(stmt: &DeleteStmt, facts: &mut Facts) {
    if let Some(rv) = &stmt.relation {
        let table = RelationName::from_range_var(rv);
        facts.lock(table.clone(), RowExclusive);
        // With a WHERE clause the plan decides (observed: an index
        // serves `WHERE id = ...`, no sequential scan); `WHERE true` reads
        // every row like none.
        if selects_every_row(stmt.where_clause.as_deref()) {
            facts.scan(&table);
        }
        writes_children(rv, &table, facts);
        // Observed: the rows that reference deleted keys are looked up
        // (`SELECT ... FOR KEY SHARE` for NO ACTION and RESTRICT), and
        // deleted or updated under ROW EXCLUSIVE for CASCADE, SET NULL and
        // SET DEFAULT.
        facts.lock_scoped(LockScope::ReferencingTables(table.clone()), FOREIGN_KEY_CHECK_LOCK);
        facts.lock_scoped(LockScope::ReferencingTablesWrittenOnDelete(table), RowExclusive);
    }
    facts.data_loss = true;
}

/// `UPDATE`: without `WHERE` (or with one that is always true), every row
/// is read.
fn update_facts(stmt: &UpdateStmt, facts: &mut Facts) {
    if let Some(rv) = &stmt.relation {
        let table = RelationName::from_range_var(rv);
        facts.lock(table.clone(), RowExclusive);
        if selects_every_row(stmt.where_clause.as_deref()) {
            facts.scan(&table);
        }
        writes_children(rv, &table, facts);
        // Observed: a changed foreign key value is checked against the
        // referenced table, a changed referenced key against the
        // referencing tables (`SELECT ... FOR KEY SHARE`).
        for column in set_columns(&stmt.target_list) {
            let scope = LockScope::ColumnForeignKeyTables {
                table: table.clone(),
                column,
            };
            facts.lock_scoped(scope, FOREIGN_KEY_CHECK_LOCK);
        }
    }
}

/// The columns an `UPDATE ... SET` assigns.
fn set_columns(targets: &[pg_query::Node]) -> Vec<String> {
    targets
        .iter()
        .filter_map(|t| match t.node.as_ref()? {
            NodeEnum::ResTarget(target) if !target.name.is_empty() => Some(target.name.clone()),
            _ => None,
        })
        .collect()
}

/// Observed: `UPDATE` and `DELETE` without `ONLY` write the partitions and
/// child tables too, under the same ROW EXCLUSIVE, and read them as they
/// read the table.
fn writes_children(rv: &pg_query::protobuf::RangeVar, table: &RelationName, facts: &mut Facts) {
    if rv.inh {
        facts.extend_to(table, LockScope::Inheritors(table.clone()), RowExclusive);
    }
}

/// `ALTER DOMAIN`: what validates reads every table using the domain.
fn alter_domain_facts(stmt: &AlterDomainStmt, facts: &mut Facts) {
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

/// `LOCK TABLE`: the mode it names, on what it names and reaches.
fn lock_table_facts(stmt: &LockStmt, facts: &mut Facts) {
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

/// `CREATE TRIGGER`: SHARE ROW EXCLUSIVE on its table.
fn create_trigger_facts(stmt: &CreateTrigStmt, facts: &mut Facts) {
    if let Some(rv) = &stmt.relation {
        let table = RelationName::from_range_var(rv);
        // Observed: a constraint trigger's `FROM` table is looked up under
        // ACCESS SHARE.
        if let Some(from) = &stmt.constrrel {
            facts.lock(RelationName::from_range_var(from), AccessShare);
        }
        // Observed: a row trigger on a partitioned table is created
        // on every partition too.
        if stmt.row && rv.inh {
            facts.lock_scoped(LockScope::Partitions(table.clone()), ShareRowExclusive);
        }
        facts.lock(table, ShareRowExclusive);
    }
}

/// `ALTER ... SET SCHEMA` of a relation.
fn set_schema_facts(stmt: &AlterObjectSchemaStmt, facts: &mut Facts) {
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

/// `COMMENT ON`: observed, SHARE UPDATE EXCLUSIVE on the relation a
/// comment is on (table, column, index, view, sequence, ...), ACCESS SHARE
/// on the table of a constraint, trigger, policy or rule.
fn comment_facts(stmt: &CommentStmt, facts: &mut Facts) {
    use pg_query::protobuf::ObjectType as Object;
    let kind = Object::try_from(stmt.objtype).unwrap_or(Object::Undefined);
    let Some(NodeEnum::List(list)) = stmt.object.as_ref().and_then(|o| o.node.as_ref()) else {
        return;
    };
    // The relation is the list's names; a column's or a constraint's own
    // name comes last.
    let (items, mode) = match kind {
        Object::ObjectTable
        | Object::ObjectIndex
        | Object::ObjectView
        | Object::ObjectMatview
        | Object::ObjectSequence
        | Object::ObjectForeignTable => (&list.items[..], ShareUpdateExclusive),
        Object::ObjectColumn => (&list.items[..list.items.len().saturating_sub(1)], ShareUpdateExclusive),
        Object::ObjectTabconstraint | Object::ObjectTrigger | Object::ObjectPolicy | Object::ObjectRule => {
            (&list.items[..list.items.len().saturating_sub(1)], AccessShare)
        }
        _ => return,
    };
    if let Some(relation) = RelationName::from_name_list(items) {
        facts.lock(relation, mode);
    }
}
