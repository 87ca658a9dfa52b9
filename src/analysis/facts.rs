//! What a statement does to the database: which lock on which relation,
//! whether it rewrites or scans a table, whether data is lost, and whether
//! it may run inside a transaction block.
//!
//! Lock modes follow PostgreSQL's `AlterTableGetLockLevel` and the
//! documentation of each command; they are checked against a real server in
//! the test suite.

use pg_query::protobuf::{AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, ObjectType};
use pg_query::NodeEnum;

use super::locks::LockMode::{self, *};
use super::names::RelationName;
use super::types;
use super::volatility::first_volatile_call;

/// A lock a statement takes on one relation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationLock {
    pub relation: RelationName,
    pub mode: LockMode,
}

/// Relations a statement locks without naming them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockScope {
    /// The table of a named index (`DROP INDEX i`, `REINDEX INDEX i`).
    TableOf(RelationName),
    /// Every index of a named table (`REINDEX TABLE t`).
    IndexesOf(RelationName),
    /// Every table of a schema, or of the database when `None`.
    TablesIn(Option<String>),
    /// Every index of a schema, or of the database when `None`.
    IndexesIn(Option<String>),
    /// Every table clustered before (`CLUSTER` without a table).
    ClusteredTables,
    /// Every table with a column of the domain (`ALTER DOMAIN`).
    TablesUsingDomain(RelationName),
}

impl std::fmt::Display for LockScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockScope::TableOf(index) => write!(f, "the table of {index}"),
            LockScope::IndexesOf(table) => write!(f, "every index of {table}"),
            LockScope::TablesIn(Some(schema)) => write!(f, "every table in schema \"{schema}\""),
            LockScope::TablesIn(None) => f.write_str("every table in the database"),
            LockScope::IndexesIn(Some(schema)) => write!(f, "every index in schema \"{schema}\""),
            LockScope::IndexesIn(None) => f.write_str("every index in the database"),
            LockScope::ClusteredTables => f.write_str("every table clustered before"),
            LockScope::TablesUsingDomain(domain) => write!(f, "every table with a column of domain {domain}"),
        }
    }
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
    pub scans: Vec<RelationName>,
    pub data_loss: bool,
    /// False for statements PostgreSQL refuses inside a transaction block.
    pub transactional: bool,
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
        self.scoped_locks.push(ScopedLock { scope, mode });
    }

    pub fn lock_on(&self, relation: &RelationName) -> Option<LockMode> {
        self.locks.iter().find(|l| l.relation.same_as(relation)).map(|l| l.mode)
    }
}

/// The facts of one statement, for a PostgreSQL major version.
pub fn statement_facts(node: &NodeEnum, pg_version: u32) -> Facts {
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
            let is_index = stmt.objtype == ObjectType::ObjectIndex as i32;
            let inline_fks_validated = inline_foreign_keys_validated(&stmt.cmds);
            for cmd in alter_table_cmds(&stmt.cmds) {
                let mode = if is_index {
                    alter_index_lock(cmd)
                } else {
                    alter_table_action_lock(cmd)
                };
                facts.lock(table.clone(), mode);
                alter_table_action_effects(cmd, &table, pg_version, &mut facts);
                if let Some(col) = added_column(cmd).filter(|_| !is_index) {
                    added_column_constraint_effects(col, &table, inline_fks_validated, &mut facts);
                }
            }
        }
        NodeEnum::CreateStmt(stmt) => {
            if let Some(parent) = stmt.inh_relations.first().and_then(range_var) {
                // CREATE TABLE ... PARTITION OF takes the parent exclusively;
                // plain INHERITS blocks concurrent schema changes only.
                let mode = if stmt.partbound.is_some() {
                    AccessExclusive
                } else {
                    ShareUpdateExclusive
                };
                facts.lock(RelationName::from_range_var(parent), mode);
            }
            for referenced in create_table_references(stmt) {
                facts.lock(referenced, ShareRowExclusive);
            }
        }
        NodeEnum::IndexStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let table = RelationName::from_range_var(rv);
                facts.lock(
                    table.clone(),
                    if stmt.concurrent { ShareUpdateExclusive } else { Share },
                );
                facts.scan(&table);
            }
            facts.transactional = !stmt.concurrent;
        }
        NodeEnum::DropStmt(stmt) => {
            let kind = ObjectType::try_from(stmt.remove_type).unwrap_or(ObjectType::Undefined);
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
                    facts.lock(name, mode);
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
                let mode = if stmt.rename_type == ObjectType::ObjectIndex as i32 {
                    ShareUpdateExclusive
                } else {
                    AccessExclusive
                };
                facts.lock(RelationName::from_range_var(rv), mode);
            }
        }
        NodeEnum::TruncateStmt(stmt) => {
            for rv in stmt.relations.iter().filter_map(range_var) {
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), AccessExclusive);
                facts.rewrite(&table);
            }
            facts.data_loss = true;
        }
        NodeEnum::DeleteStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), RowExclusive);
                facts.scan(&table);
            }
            facts.data_loss = true;
        }
        NodeEnum::UpdateStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), RowExclusive);
                facts.scan(&table);
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
            match (kind, named) {
                (ReindexObjectIndex, Some(index)) => {
                    facts.lock_scoped(LockScope::TableOf(index.clone()), table_mode);
                    facts.lock(index, index_mode);
                }
                (ReindexObjectTable, Some(table)) => {
                    facts.lock_scoped(LockScope::IndexesOf(table.clone()), index_mode);
                    facts.lock(table, table_mode);
                }
                (ReindexObjectSchema | ReindexObjectSystem | ReindexObjectDatabase, _) => {
                    let within = match kind {
                        ReindexObjectSchema => schema,
                        ReindexObjectSystem => Some("pg_catalog".to_string()),
                        _ => None,
                    };
                    facts.lock_scoped(LockScope::TablesIn(within.clone()), table_mode);
                    facts.lock_scoped(LockScope::IndexesIn(within), index_mode);
                }
                _ => {}
            }
            facts.transactional = !concurrent && stmt.relation.is_some();
        }
        NodeEnum::AlterDomainStmt(stmt) => {
            // ADD CONSTRAINT (unless NOT VALID), VALIDATE CONSTRAINT and SET
            // NOT NULL check every column of the domain under SHARE locks
            // (VALIDATE still takes SHARE up to PostgreSQL 18).
            let validates = match stmt.subtype.as_str() {
                "C" => !matches!(
                    stmt.def.as_ref().and_then(|d| d.node.as_ref()),
                    Some(NodeEnum::Constraint(con)) if con.skip_validation
                ),
                "V" | "O" => true,
                _ => false,
            };
            if let Some(domain) = RelationName::from_name_list(&stmt.type_name).filter(|_| validates) {
                facts.lock_scoped(LockScope::TablesUsingDomain(domain), Share);
            }
        }
        NodeEnum::LockStmt(stmt) => {
            let mode = LockMode::from_lock_statement(stmt.mode).unwrap_or(AccessExclusive);
            for rv in stmt.relations.iter().filter_map(range_var) {
                facts.lock(RelationName::from_range_var(rv), mode);
            }
        }
        NodeEnum::RefreshMatViewStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let view = RelationName::from_range_var(rv);
                facts.lock(view.clone(), if stmt.concurrent { Exclusive } else { AccessExclusive });
                facts.rewrite(&view);
            }
        }
        NodeEnum::CreateTrigStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                facts.lock(RelationName::from_range_var(rv), ShareRowExclusive);
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
        AtSetStatistics
        | AtSetOptions
        | AtResetOptions
        | AtClusterOn
        | AtDropCluster
        | AtValidateConstraint
        | AtAttachPartition
        | AtGenericOptions
        | AtAlterColumnGenericOptions => ShareUpdateExclusive,
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
        AtAlterColumnType if !alter_type_is_metadata_only(cmd) => facts.rewrite(table),
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
                        facts.lock(RelationName::from_range_var(pk), ShareRowExclusive);
                    }
                }
            }
        }
        AtDropColumn => facts.data_loss = true,
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
                    facts.lock(RelationName::from_range_var(pk), ShareRowExclusive);
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

/// For each of a column's constraints (as `column_constraints` lists them),
/// whether it is enforced: a `NOT ENFORCED` written after a `CHECK` or
/// `REFERENCES` (PostgreSQL 18) is a separate node that switches it off, and
/// PostgreSQL then skips validating it.
pub fn column_constraints_enforced(col: &ColumnDef) -> Vec<bool> {
    let list: Vec<&Constraint> = column_constraints(col).collect();
    (0..list.len())
        .map(|i| {
            !list[i + 1..]
                .iter()
                .take_while(|c| is_constraint_attribute(c))
                .any(|c| c.contype == ConstrType::ConstrAttrNotEnforced as i32)
        })
        .collect()
}

/// `DEFERRABLE`, `INITIALLY DEFERRED`, `NOT ENFORCED`: they follow the
/// constraint they qualify as separate parse nodes.
pub fn is_constraint_attribute(con: &Constraint) -> bool {
    matches!(
        ConstrType::try_from(con.contype),
        Ok(ConstrType::ConstrAttrDeferrable
            | ConstrType::ConstrAttrNotDeferrable
            | ConstrType::ConstrAttrDeferred
            | ConstrType::ConstrAttrImmediate
            | ConstrType::ConstrAttrEnforced
            | ConstrType::ConstrAttrNotEnforced)
    )
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

/// `ALTER COLUMN ... TYPE text` (or unbounded varchar) without `USING`: the
/// one change provably free of a rewrite without knowing the old type.
pub fn alter_type_is_metadata_only(cmd: &AlterTableCmd) -> bool {
    let Some(col) = column_def(cmd) else {
        return false;
    };
    col.raw_default.is_none() && col.type_name.as_ref().is_some_and(types::is_unbounded_text)
}

pub fn alter_table_cmds(cmds: &[pg_query::Node]) -> impl Iterator<Item = &AlterTableCmd> {
    alter_table_actions(cmds).map(|(_, cmd)| cmd)
}

/// Each action of an `ALTER TABLE` with its position among the statement's
/// actions: the `n` of `StatementContext::alter_action_span`.
pub fn alter_table_actions(cmds: &[pg_query::Node]) -> impl Iterator<Item = (usize, &AlterTableCmd)> {
    cmds.iter()
        .enumerate()
        .filter_map(|(n, node)| match node.node.as_ref()? {
            NodeEnum::AlterTableCmd(cmd) => Some((n, cmd.as_ref())),
            _ => None,
        })
}

/// The column an action defines: the new column of `ADD COLUMN`, the new
/// type (and `USING`) of `ALTER COLUMN ... TYPE`.
pub fn column_def(cmd: &AlterTableCmd) -> Option<&ColumnDef> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::ColumnDef(col) => Some(col),
        _ => None,
    }
}

/// The column an `ADD COLUMN` action adds.
pub fn added_column(cmd: &AlterTableCmd) -> Option<&ColumnDef> {
    column_def(cmd).filter(|_| cmd.subtype == AlterTableType::AtAddColumn as i32)
}

/// The constraint an `ADD CONSTRAINT` action adds.
pub fn constraint(cmd: &AlterTableCmd) -> Option<&Constraint> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::Constraint(con) => Some(con),
        _ => None,
    }
}

pub fn column_constraints(col: &ColumnDef) -> impl Iterator<Item = &Constraint> {
    col.constraints.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::Constraint(con) => Some(con.as_ref()),
        _ => None,
    })
}

pub fn is_foreign_key(con: &Constraint) -> bool {
    con.contype == ConstrType::ConstrForeign as i32
}

fn partition_cmd_concurrent(cmd: &AlterTableCmd) -> bool {
    matches!(cmd.def.as_ref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent)
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

fn range_var(node: &pg_query::Node) -> Option<&pg_query::protobuf::RangeVar> {
    match node.node.as_ref()? {
        NodeEnum::RangeVar(rv) => Some(rv),
        _ => None,
    }
}

/// Every string constant (`'calm'`) anywhere in a statement, with its
/// parse-tree location, in no particular order. Strings that are not
/// constants (identifiers, the text of `COMMENT ON ... IS`, the value named
/// by `ALTER TYPE ... ADD VALUE`) are not included.
pub fn string_constants(node: &NodeEnum) -> Vec<(String, i32)> {
    fn walk(value: &serde_json::Value, out: &mut Vec<(String, i32)>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(constant) = map.get("AConst") {
                    let text = constant.pointer("/val/Sval/sval").and_then(|v| v.as_str());
                    let location = constant.get("location").and_then(|l| l.as_i64()).unwrap_or(-1);
                    if let Some(text) = text {
                        out.push((text.to_string(), i32::try_from(location).unwrap_or(-1)));
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(node) {
        walk(&value, &mut out);
    }
    out
}

/// Names in `DROP TABLE a, s.b`: each object is a list of name parts.
pub fn dropped_names(objects: &[pg_query::Node]) -> Vec<RelationName> {
    objects
        .iter()
        .filter_map(|o| match o.node.as_ref()? {
            NodeEnum::List(list) => RelationName::from_name_list(&list.items),
            NodeEnum::String(s) => Some(RelationName::new(None, &s.sval)),
            _ => None,
        })
        .collect()
}

/// A boolean `DefElem` option such as `VACUUM (FULL)` or `REINDEX (CONCURRENTLY)`.
pub fn has_option(options: &[pg_query::Node], name: &str) -> bool {
    options.iter().any(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(def)) => {
            def.defname == name
                && !matches!(
                    def.arg.as_ref().and_then(|a| a.node.as_ref()),
                    Some(NodeEnum::Boolean(b)) if !b.boolval
                )
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(sql: &str) -> Facts {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        statement_facts(&node, 16)
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
        assert_eq!(
            facts("ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES p (id)")
                .scans
                .len(),
            1
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
    fn constraints_written_on_an_added_column() {
        // No default: every existing row holds NULL, PostgreSQL skips the check.
        let plain = facts("ALTER TABLE t ADD COLUMN pid bigint REFERENCES p (id)");
        assert_eq!(plain.lock_on(&RelationName::new(None, "p")), Some(ShareRowExclusive));
        assert_eq!(plain.lock_on(&RelationName::new(None, "t")), Some(AccessExclusive));
        assert!(plain.scans.is_empty());
        assert_eq!(
            facts("ALTER TABLE t ADD COLUMN pid bigint DEFAULT 1 REFERENCES p (id)")
                .scans
                .len(),
            1
        );
        assert_eq!(
            facts("ALTER TABLE t ADD COLUMN pid bigint REFERENCES p (id), ADD COLUMN n int DEFAULT 0")
                .scans
                .len(),
            1,
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
        assert!(scoped("DROP TABLE t").is_empty());
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

    #[test]
    fn finds_string_constants_anywhere() {
        let constants = |sql: &str| -> Vec<String> {
            let parsed = pg_query::parse(sql, 0).unwrap();
            let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
            let mut found: Vec<String> = string_constants(&node).into_iter().map(|(s, _)| s).collect();
            found.sort();
            found
        };
        assert_eq!(constants("INSERT INTO t (m) VALUES ('calm'::mood, 'x')"), ["calm", "x"]);
        assert_eq!(
            constants("ALTER TABLE t ALTER COLUMN m SET DEFAULT 'calm', ADD CHECK (m <> 'sad')"),
            ["calm", "sad"]
        );
        assert_eq!(
            constants("UPDATE t SET m = 'calm' WHERE id IN (SELECT 1 WHERE 'a' = 'b')"),
            ["a", "b", "calm"]
        );
        assert!(constants("COMMENT ON TYPE mood IS 'calm'").is_empty());
        assert!(constants("ALTER TYPE mood ADD VALUE 'calm'").is_empty());
    }

    #[test]
    fn data_loss() {
        assert!(facts("DROP TABLE t").data_loss);
        assert!(facts("ALTER TABLE t DROP COLUMN c").data_loss);
        assert!(facts("TRUNCATE t").data_loss);
        assert!(!facts("DROP INDEX i").data_loss);
    }
}
