//! The facts of `ALTER TABLE`, action by action: the lock each subcommand
//! takes (PostgreSQL's `AlterTableGetLockLevel`), what it rewrites, reads or
//! drops, which actions reach partitions and child tables, and what a column
//! type change costs against the catalog.

use pg_query::protobuf::{AlterTableCmd, AlterTableStmt, AlterTableType, ColumnDef, ConstrType, ObjectType};
use pg_query::NodeEnum;

use super::model::{ColumnTypeChange, Facts};
use super::query::{query_locks, Query};
use crate::analysis::catalog::{Catalog, ConstraintKind, RelationKind};
use crate::analysis::locks::LockMode::{self, *};
use crate::analysis::locks::LockScope;
use crate::analysis::names::RelationName;
use crate::analysis::types::{self, ColumnType, TypeChangeCost};
use crate::analysis::volatility::first_volatile_call;
use crate::parse::ast::{
    added_column, alter_table_actions, alter_table_cmds, column_constraints, column_constraints_enforced, column_def,
    constraint, is_foreign_key, partition_cmd_concurrent,
};
use crate::settings::SessionTimeZone;

/// Validating a foreign key reads the referenced table under ROW SHARE
/// (observed on PostgreSQL 15: `VALIDATE CONSTRAINT` of a foreign key holds
/// RowShareLock on the referenced table until the transaction ends).
pub(crate) const VALIDATE_FOREIGN_KEY_REFERENCED_LOCK: LockMode = RowShare;

/// The facts of an `ALTER TABLE` (and of `ALTER INDEX`, `ALTER TYPE`, ...,
/// the same statement with another `objtype`): each action's lock, effects
/// and reach to child tables, merged into `facts`.
pub(super) fn alter_table_facts(
    stmt: &AlterTableStmt,
    pg_version: u32,
    time_zone: SessionTimeZone,
    catalog: Option<&Catalog>,
    facts: &mut Facts,
) {
    let Some(rv) = &stmt.relation else {
        return;
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
            if let Some(change) = column_type_change(n, cmd, &table, pg_version, time_zone, catalog) {
                if change.cost != TypeChangeCost::InPlace {
                    action.rewrite(&table);
                } else if rebuilds_index(&change, &table, catalog) {
                    action.scan(&table);
                }
                facts.type_changes.push(change);
            }
        }
        if is_index {
            alter_index_effects(cmd, &table, &mut action);
        } else {
            alter_table_action_effects(cmd, &table, pg_version, catalog, &mut action);
        }
        if let Some(col) = added_column(cmd).filter(|_| !is_index) {
            added_column_constraint_effects(col, &table, inline_fks_validated, &mut action);
        }
        if cmd.subtype == AlterTableType::AtValidateConstraint as i32 {
            if let Some(referenced) = validated_foreign_key_target(catalog, &table, &cmd.name) {
                action.lock(referenced, VALIDATE_FOREIGN_KEY_REFERENCED_LOCK);
            }
        }
        if !is_index && !is_type && partitions_adopt(catalog, &table, cmd) {
            // Observed: the parent's constraint attaches each partition's
            // and reads nothing.
            action.scans.clear();
            action.scoped_scans.clear();
            // Observed: attaching the partitions' foreign keys replaces
            // their triggers on the referenced table, under ACCESS
            // EXCLUSIVE there.
            if let Some(pk) = constraint(cmd)
                .filter(|c| is_foreign_key(c))
                .and_then(|c| c.pktable.as_ref())
            {
                action.lock(RelationName::from_range_var(pk), AccessExclusive);
            }
            facts.adopted_constraints.push(n);
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
                Recursion::Partitions(mode) => action.extend_to(&table, LockScope::Partitions(table.clone()), mode),
                Recursion::None => {}
            }
        }
        facts.merge(action);
    }
}

/// `ADD CONSTRAINT` of a foreign key or a unique constraint on a table the
/// catalog knows to be partitioned, whose every partition (one or more)
/// already holds the same constraint, validated.
fn partitions_adopt(catalog: Option<&Catalog>, table: &RelationName, cmd: &AlterTableCmd) -> bool {
    if cmd.subtype != AlterTableType::AtAddConstraint as i32 {
        return false;
    }
    let (Some(catalog), Some(con)) = (catalog, constraint(cmd)) else {
        return false;
    };
    let Some(leaves) = catalog.leaf_partitions(table).filter(|l| !l.is_empty()) else {
        return false;
    };
    let names =
        |nodes: &[pg_query::Node]| -> Vec<String> { crate::parse::ast::strings(nodes).map(str::to_string).collect() };
    let held = |leaf: &crate::analysis::catalog::Relation, kind: &dyn Fn(&ConstraintKind) -> bool| {
        leaf.constraints.iter().any(|c| c.validated && kind(&c.kind))
    };
    if is_foreign_key(con) && !con.skip_validation {
        let columns = names(&con.fk_attrs);
        let Some(references) = con.pktable.as_ref().map(RelationName::from_range_var) else {
            return false;
        };
        let same = |kind: &ConstraintKind| matches!(kind, ConstraintKind::ForeignKey { columns: c, references: r } if *c == columns && r.same_as(&references));
        return !columns.is_empty() && leaves.iter().all(|leaf| held(leaf, &same));
    }
    if con.contype == ConstrType::ConstrUnique as i32 && con.indexname.is_empty() {
        let columns = names(&con.keys);
        let same = |kind: &ConstraintKind| matches!(kind, ConstraintKind::Unique { columns: c } | ConstraintKind::PrimaryKey { columns: c } if *c == columns);
        return !columns.is_empty() && leaves.iter().all(|leaf| held(leaf, &same));
    }
    false
}

/// The PostgreSQL version an `ALTER TABLE` form needs: `DETACH PARTITION
/// ... CONCURRENTLY` and `... FINALIZE` came in 14.
pub(super) fn alter_table_minimum_version(stmt: &AlterTableStmt) -> Option<(&'static str, u32)> {
    alter_table_cmds(&stmt.cmds).find_map(|cmd| {
        if cmd.subtype == AlterTableType::AtDetachPartitionFinalize as i32 {
            Some(("DETACH PARTITION ... FINALIZE", 14))
        } else if cmd.subtype == AlterTableType::AtDetachPartition as i32 && partition_cmd_concurrent(cmd) {
            Some(("DETACH PARTITION CONCURRENTLY", 14))
        } else {
            None
        }
    })
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

/// The lock one `ALTER TABLE` action takes on its table.
pub(crate) fn alter_table_action_lock(cmd: &AlterTableCmd) -> LockMode {
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

/// What one `ALTER TABLE` action does besides locking its table: the
/// rewrites, full reads, data loss and locks on other relations it causes.
fn alter_table_action_effects(
    cmd: &AlterTableCmd,
    table: &RelationName,
    pg_version: u32,
    catalog: Option<&Catalog>,
    facts: &mut Facts,
) {
    use AlterTableType::*;
    match AlterTableType::try_from(cmd.subtype).unwrap_or(Undefined) {
        AtAddColumn => {
            if let Some(col) = column_def(cmd) {
                if add_column_rewrites(col, pg_version) || adds_constrained_domain(col, catalog) {
                    facts.rewrite(table);
                }
                // Observed: a default is evaluated for the rows there are,
                // its `nextval()` under ROW EXCLUSIVE on the sequence.
                for default in column_constraints(col).filter_map(|c| c.raw_expr.as_ref()?.node.as_ref()) {
                    query_locks(default, Query::Executed, None, None, facts);
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
                // Observed: `PRIMARY KEY USING INDEX` sets its columns NOT
                // NULL, reading every row, unless they already are.
                let key_sets_not_null = ctype == ConstrType::ConstrPrimary
                    && !con.indexname.is_empty()
                    && !index_columns_not_null(catalog, table, &con.indexname);
                if builds_index || validates || sets_not_null || key_sets_not_null {
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
        AtSetLogged | AtSetUnLogged => facts.rewrite(table),
        // Observed: a partitioned table has no file to move; SET TABLESPACE
        // only changes where its future partitions go.
        // Observed: the files are copied block by block, no row is read.
        AtSetTableSpace if !known_partitioned(catalog, table) => facts.copy_file(table),
        // Observed: the method the table already has changes nothing.
        AtSetAccessMethod if !keeps_access_method(catalog, table, &cmd.name) => facts.rewrite(table),
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
                    // Observed: a validated CHECK that proves the bound
                    // (and the key column NOT NULL) spares the scan, unless
                    // an index of the parent is built on the partition.
                    let proven = || {
                        let catalog = catalog?;
                        let bound = part.bound.as_ref()?;
                        let parent = catalog.relation(table)?;
                        let unindexed = catalog.indexes_on(&parent.name).next().is_none();
                        Some(unindexed && catalog.relation(&partition)?.proves_bound(parent, bound))
                    };
                    if attaching && proven() != Some(true) {
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
        AtAddInherit | AtDropInherit => {
            // Observed: INHERIT takes SHARE UPDATE EXCLUSIVE on the new
            // parent, NO INHERIT reads the old one under ACCESS SHARE.
            if let Some(NodeEnum::RangeVar(parent)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                let mode = if cmd.subtype == AtAddInherit as i32 {
                    ShareUpdateExclusive
                } else {
                    AccessShare
                };
                facts.lock(RelationName::from_range_var(parent), mode);
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

/// `ALTER INDEX`: SET TABLESPACE copies the index's file; ATTACH PARTITION takes
/// the attached index exclusively and reads the tables of both indexes
/// under ACCESS SHARE (observed: without reading any row).
fn alter_index_effects(cmd: &AlterTableCmd, index: &RelationName, facts: &mut Facts) {
    use AlterTableType::*;
    match AlterTableType::try_from(cmd.subtype).unwrap_or(Undefined) {
        AtSetTableSpace => facts.copy_file(index),
        AtAttachPartition => {
            if let Some(NodeEnum::PartitionCmd(part)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                if let Some(rv) = &part.name {
                    let attached = RelationName::from_range_var(rv);
                    facts.lock_scoped(LockScope::table_of(index.clone()), AccessShare);
                    facts.lock_scoped(LockScope::table_of(attached.clone()), AccessShare);
                    facts.lock(attached, AccessExclusive);
                }
            }
        }
        _ => {}
    }
}

/// Whether `ADD COLUMN` rewrites the table: any default before 11; from 11
/// on only a volatile default, a serial, an identity or a stored generated
/// column does.
pub(crate) fn add_column_rewrites(col: &ColumnDef, pg_version: u32) -> bool {
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

/// The catalog knows the table to be partitioned.
fn known_partitioned(catalog: Option<&Catalog>, table: &RelationName) -> bool {
    catalog
        .and_then(|c| c.relation(table))
        .is_some_and(|r| r.kind == RelationKind::PartitionedTable)
}

/// `SET ACCESS METHOD` names the method the catalog knows the table to have
/// (a table created without `USING` is taken to have the default, `heap`;
/// `DEFAULT`, written as no name, is taken to be `heap` too).
fn keeps_access_method(catalog: Option<&Catalog>, table: &RelationName, method: &str) -> bool {
    let Some(relation) = catalog.and_then(|c| c.relation(table)).filter(|r| !r.inferred) else {
        return false;
    };
    let named = if method.is_empty() { "heap" } else { method };
    relation.access_method.as_deref().unwrap_or("heap") == named
}

/// Observed: a column of a domain with a CHECK or NOT NULL constraint is
/// checked on every row as it is added (NULL too, without a default), which
/// rewrites the table. An array of such a domain is not checked.
fn adds_constrained_domain(col: &ColumnDef, catalog: Option<&Catalog>) -> bool {
    let (Some(catalog), Some(type_name)) = (catalog, col.type_name.as_ref()) else {
        return false;
    };
    let ty = ColumnType::from_type_name(type_name);
    !ty.array
        && ty.schema.as_deref() != Some("pg_catalog")
        && catalog
            .domain(&RelationName::new(ty.schema.as_deref(), &ty.name))
            .is_some_and(|d| d.constrained())
}

/// The catalog knows every key column of the table's index `index` to be
/// NOT NULL already.
fn index_columns_not_null(catalog: Option<&Catalog>, table: &RelationName, index: &str) -> bool {
    let Some(catalog) = catalog else { return false };
    let index = RelationName::new(table.schema.as_deref(), index);
    let (Some(index), Some(relation)) = (catalog.index(&index), catalog.relation(table)) else {
        return false;
    };
    !index.columns.is_empty()
        && index
            .columns
            .iter()
            .all(|c| relation.column(c).is_some_and(|col| col.not_null))
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
fn column_has_raw_default(col: &ColumnDef) -> bool {
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
pub(crate) fn inline_foreign_keys_validated(cmds: &[pg_query::Node]) -> bool {
    alter_table_cmds(cmds).any(|cmd| added_column(cmd).is_some_and(column_has_raw_default))
}

/// The table a foreign key being validated references, when the catalog
/// knows the constraint.
fn validated_foreign_key_target(catalog: Option<&Catalog>, table: &RelationName, name: &str) -> Option<RelationName> {
    let relation = catalog?.relation(table)?;
    match &relation.constraint(name)?.kind {
        ConstraintKind::ForeignKey { references, .. } => Some(references.clone()),
        _ => None,
    }
}

/// An `ALTER COLUMN ... TYPE` action and its cost, from the column's old
/// type when the catalog knows the table and the column.
fn column_type_change(
    action: usize,
    cmd: &AlterTableCmd,
    table: &RelationName,
    pg_version: u32,
    time_zone: SessionTimeZone,
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
    let domain = |ty: &ColumnType| {
        let catalog = catalog?;
        if ty.schema.as_deref() == Some("pg_catalog") {
            return None;
        }
        let name = RelationName::new(ty.schema.as_deref(), &ty.name);
        catalog.domain(&name).map(|d| types::DomainType {
            base: d.base.clone(),
            constrained: d.constrained(),
        })
    };
    let cost = types::type_change_cost(old.as_ref(), &new, has_using, pg_version, &domain).in_zone(time_zone);
    Some(ColumnTypeChange {
        action,
        column: cmd.name.clone(),
        old,
        new,
        has_using,
        cost,
    })
}

/// An in-place change between `timestamp` and `timestamptz` of a column an
/// index the catalog knows covers: the index's operator class changes, so
/// it is built again, reading the table (observed on PostgreSQL 15). Other
/// in-place changes keep their indexes.
fn rebuilds_index(change: &ColumnTypeChange, table: &RelationName, catalog: Option<&Catalog>) -> bool {
    let Some((catalog, old)) = catalog.zip(change.old.as_ref()) else {
        return false;
    };
    let converts = matches!(
        (old.name.as_str(), change.new.name.as_str()),
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp")
    );
    let table = catalog.relation(table).map(|r| r.name.clone());
    converts && table.is_some_and(|table| catalog.indexes_on(&table).any(|i| i.columns.contains(&change.column)))
}

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
