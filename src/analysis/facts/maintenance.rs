//! The facts of the statements that rebuild or clean relations: `VACUUM`,
//! `CLUSTER`, `REINDEX` and `REFRESH MATERIALIZED VIEW`.

use pg_query::protobuf::{ClusterStmt, RefreshMatViewStmt, ReindexStmt, VacuumStmt};
use pg_query::NodeEnum;

use super::model::Facts;
use crate::analysis::catalog::{Catalog, RelationKind};
use crate::analysis::locks::LockMode::*;
use crate::analysis::locks::LockScope;
use crate::analysis::names::RelationName;
use crate::parse::ast::has_option;

/// `VACUUM` and `ANALYZE` (the same statement); `FULL` rewrites.
///
/// Observed (`pg_statio_user_tables`, which counts their reads where
/// `seq_scan` does not): a plain `VACUUM` reads its table (pages the
/// visibility map marks all-visible may be skipped), `FULL` copies it;
/// `ANALYZE` reads a sample.
pub(super) fn vacuum_facts(stmt: &VacuumStmt, catalog: Option<&Catalog>, facts: &mut Facts) {
    let full = has_option(&stmt.options, "full");
    let vacuum = stmt.is_vacuumcmd;
    let analyze = !vacuum || has_option(&stmt.options, "analyze");
    let mode = if full { AccessExclusive } else { ShareUpdateExclusive };
    let read = |facts: &mut Facts, table: &RelationName| {
        facts.lock(table.clone(), mode);
        if full {
            facts.rewrite(table);
        } else if vacuum {
            facts.scan(table);
        }
        if analyze {
            facts.sample(table);
        }
    };
    for rv in stmt.rels.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::VacuumRelation(r) => r.relation.as_ref(),
        _ => None,
    }) {
        let table = RelationName::from_range_var(rv);
        read(facts, &table);
        // Observed: a partitioned table's partitions are processed each
        // in turn, under the same lock (stated for a table the catalog
        // knows to be partitioned).
        let partitioned = catalog
            .and_then(|c| c.relation(&table))
            .is_some_and(|r| r.kind == RelationKind::PartitionedTable);
        if rv.inh && partitioned {
            facts.extend_to(&table, LockScope::Partitions(table.clone()), mode);
        } else if rv.inh && analyze {
            // Observed: ANALYZE of an inheritance parent also samples its
            // children, under ACCESS SHARE, for the statistics of the tree.
            let children = LockScope::Inheritors(table.clone());
            facts.lock_scoped(children.clone(), AccessShare);
            facts.sample_scoped(children);
        }
    }
    if stmt.rels.is_empty() {
        // Without a table list it works through every table, one at a time.
        let every = LockScope::TablesIn(None);
        facts.lock_scoped(every.clone(), mode);
        if full {
            facts.rewrite_scoped(every.clone());
        } else if vacuum {
            facts.scan_scoped(every.clone());
        }
        if analyze {
            facts.sample_scoped(every);
        }
    }
    facts.transactional = !vacuum;
}

/// `CLUSTER`: rewrites the table in index order.
pub(super) fn cluster_facts(stmt: &ClusterStmt, pg_version: u32, catalog: Option<&Catalog>, facts: &mut Facts) {
    if let Some(rv) = &stmt.relation {
        let table = RelationName::from_range_var(rv);
        facts.lock(table.clone(), AccessExclusive);
        if pg_version >= PARTITIONED_CLUSTER_SINCE && known_partitioned(catalog, &table) {
            // Observed: each partition is rewritten in its own transaction,
            // so the statement refuses a transaction block.
            let partitions = LockScope::Partitions(table);
            facts.lock_scoped(partitions.clone(), AccessExclusive);
            facts.rewrite_scoped(partitions);
            facts.transactional = false;
            return;
        }
        facts.rewrite(&table);
    } else {
        facts.lock_scoped(LockScope::ClusteredTables, AccessExclusive);
        // Observed: each of them is rewritten.
        facts.rewrite_scoped(LockScope::ClusteredTables);
    }
    // CLUSTER of one table may run in a transaction; of all tables not.
    facts.transactional = stmt.relation.is_some();
}

/// PostgreSQL 14 reindexes partitioned tables and indexes ("REINDEX can now
/// process all child tables or indexes of a partitioned relation", release
/// notes of 14); 11 to 13 refuse them.
const PARTITIONED_REINDEX_SINCE: u32 = 14;

/// PostgreSQL 15 clusters partitioned tables ("Allow CLUSTER on partitioned
/// tables", release notes of 15); 11 to 14 refuse them.
const PARTITIONED_CLUSTER_SINCE: u32 = 15;

/// The catalog knows the table to be partitioned.
pub(super) fn known_partitioned(catalog: Option<&Catalog>, table: &RelationName) -> bool {
    catalog
        .and_then(|c| c.relation(table))
        .is_some_and(|r| r.kind == RelationKind::PartitionedTable)
}

/// `REINDEX` of an index, a table, a schema, the system or the database.
pub(super) fn reindex_facts(stmt: &ReindexStmt, pg_version: u32, catalog: Option<&Catalog>, facts: &mut Facts) {
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
    let partitioned =
        |table: &RelationName| pg_version >= PARTITIONED_REINDEX_SINCE && known_partitioned(catalog, table);
    let index_of_partitioned = |index: &RelationName| {
        catalog
            .and_then(|c| c.index(index))
            .is_some_and(|i| partitioned(&i.table))
    };
    match (kind, named) {
        // Observed: a partitioned relation is reindexed one partition at a
        // time, each in its own transaction, which refuses a transaction
        // block; the partitions' indexes are rebuilt, their tables read.
        (ReindexObjectIndex, Some(index)) if index_of_partitioned(&index) => {
            let partitions = LockScope::Partitions(index.clone());
            facts.lock_scoped(LockScope::table_of(index.clone()), table_mode);
            facts.lock_scoped(LockScope::TablesOf(Box::new(partitions.clone())), table_mode);
            facts.scan_scoped(LockScope::TablesOf(Box::new(partitions.clone())));
            facts.lock_scoped(partitions.clone(), index_mode);
            facts.rewrite_scoped(partitions);
            facts.lock(index, index_mode);
            facts.transactional = false;
            return;
        }
        (ReindexObjectTable, Some(table)) if partitioned(&table) => {
            let partitions = LockScope::Partitions(table.clone());
            let indexes = LockScope::IndexesOfEach(Box::new(partitions.clone()));
            facts.lock_scoped(partitions, table_mode);
            facts.lock_scoped(indexes.clone(), index_mode);
            facts.rewrite_scoped(indexes.clone());
            facts.scan_scoped(LockScope::TablesOf(Box::new(indexes)));
            facts.lock(table, table_mode);
            facts.transactional = false;
            return;
        }
        (ReindexObjectIndex, Some(index)) => {
            facts.lock_scoped(LockScope::table_of(index.clone()), table_mode);
            facts.scan_scoped(LockScope::table_of(index.clone()));
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

/// `REFRESH MATERIALIZED VIEW`, plain or `CONCURRENTLY`.
pub(super) fn refresh_facts(stmt: &RefreshMatViewStmt, facts: &mut Facts) {
    if let Some(rv) = &stmt.relation {
        let view = RelationName::from_range_var(rv);
        facts.lock(view.clone(), if stmt.concurrent { Exclusive } else { AccessExclusive });
        // Observed: the view's query runs, reading its relations under
        // ACCESS SHARE (`WITH NO DATA` leaves it empty without running it).
        if !stmt.skip_data {
            facts.lock_scoped(LockScope::ViewTables(view.clone()), AccessShare);
        }
        if stmt.concurrent {
            // Observed: CONCURRENTLY keeps the relfilenode and reads
            // the view in full to compute the difference.
            facts.scan(&view);
        } else {
            facts.rewrite(&view);
        }
    }
}
