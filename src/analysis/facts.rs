//! What a statement does to the database: which lock on which relation,
//! whether it rewrites or scans a table, whether data is lost, and whether
//! it may run inside a transaction block.
//!
//! Lock modes follow PostgreSQL's `AlterTableGetLockLevel` and the
//! documentation of each command; they are checked against a real server in
//! the test suite.

use pg_query::protobuf::{AlterTableCmd, AlterTableType, ConstrType, Constraint, ObjectType};
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

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// One entry per relation, with the strongest mode taken on it.
    pub locks: Vec<RelationLock>,
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
            let Some(rv) = &stmt.relation else { return facts };
            let table = RelationName::from_range_var(rv);
            let is_index = stmt.objtype == ObjectType::ObjectIndex as i32;
            for cmd in alter_table_cmds(&stmt.cmds) {
                let mode = if is_index {
                    alter_index_lock(cmd)
                } else {
                    alter_table_action_lock(cmd)
                };
                facts.lock(table.clone(), mode);
                alter_table_action_effects(cmd, &table, pg_version, &mut facts);
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
            facts.transactional = !stmt.is_vacuumcmd;
        }
        NodeEnum::ClusterStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let table = RelationName::from_range_var(rv);
                facts.lock(table.clone(), AccessExclusive);
                facts.rewrite(&table);
            }
            // CLUSTER of one table may run in a transaction; of all tables not.
            facts.transactional = stmt.relation.is_some();
        }
        NodeEnum::ReindexStmt(stmt) => {
            let concurrent = has_option(&stmt.params, "concurrently");
            if let Some(rv) = &stmt.relation {
                // REINDEX takes SHARE on the table and ACCESS EXCLUSIVE on each
                // index it rebuilds; the index name stands for both here.
                let relation = RelationName::from_range_var(rv);
                let mode = match (concurrent, stmt.kind == index_reindex_kind()) {
                    (true, _) => ShareUpdateExclusive,
                    (false, true) => AccessExclusive,
                    (false, false) => Share,
                };
                facts.lock(relation, mode);
            }
            facts.transactional = !concurrent && stmt.relation.is_some();
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
        NodeEnum::AlterEnumStmt(_) => {
            // ADD VALUE could not run in a transaction block before 12.
            facts.transactional = pg_version >= 12;
        }
        NodeEnum::CreatedbStmt(_) | NodeEnum::DropdbStmt(_) | NodeEnum::AlterSystemStmt(_) => {
            facts.transactional = false;
        }
        _ => {}
    }
    facts
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
            if let Some(NodeEnum::ColumnDef(col)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
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
                if builds_index || validates || ctype == ConstrType::ConstrNotnull {
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
        _ => {}
    }
}

/// Whether `ADD COLUMN` rewrites the table: any default before 11; from 11
/// on only a volatile default, a serial, an identity or a stored generated
/// column does.
pub fn add_column_rewrites(col: &pg_query::protobuf::ColumnDef, pg_version: u32) -> bool {
    let is_serial = col.type_name.as_ref().is_some_and(types::is_serial);
    if is_serial {
        return true;
    }
    column_constraints(col).any(|con| {
        let ctype = ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined);
        match ctype {
            ConstrType::ConstrIdentity | ConstrType::ConstrGenerated => true,
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

/// `ALTER COLUMN ... TYPE text` (or unbounded varchar) without `USING`: the
/// one change provably free of a rewrite without knowing the old type.
pub fn alter_type_is_metadata_only(cmd: &AlterTableCmd) -> bool {
    let Some(NodeEnum::ColumnDef(col)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
        return false;
    };
    col.raw_default.is_none() && col.type_name.as_ref().is_some_and(types::is_unbounded_text)
}

pub fn alter_table_cmds(cmds: &[pg_query::Node]) -> impl Iterator<Item = &AlterTableCmd> {
    cmds.iter().filter_map(|n| match n.node.as_ref()? {
        NodeEnum::AlterTableCmd(cmd) => Some(cmd.as_ref()),
        _ => None,
    })
}

/// The constraint an `ADD CONSTRAINT` action adds.
pub fn constraint(cmd: &AlterTableCmd) -> Option<&Constraint> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::Constraint(con) => Some(con),
        _ => None,
    }
}

pub fn column_constraints(col: &pg_query::protobuf::ColumnDef) -> impl Iterator<Item = &Constraint> {
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

fn index_reindex_kind() -> i32 {
    pg_query::protobuf::ReindexObjectType::ReindexObjectIndex as i32
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
    fn concurrently_cannot_run_in_a_transaction() {
        assert!(!facts("CREATE INDEX CONCURRENTLY i ON t (a)").transactional);
        assert!(facts("CREATE INDEX i ON t (a)").transactional);
        assert_eq!(modes("CREATE INDEX i ON t (a)"), [("t".to_string(), "SHARE")]);
        assert!(!facts("REINDEX (CONCURRENTLY) INDEX i").transactional);
        assert!(!facts("REINDEX INDEX CONCURRENTLY i").transactional);
        assert!(!facts("VACUUM t").transactional);
    }

    #[test]
    fn data_loss() {
        assert!(facts("DROP TABLE t").data_loss);
        assert!(facts("ALTER TABLE t DROP COLUMN c").data_loss);
        assert!(facts("TRUNCATE t").data_loss);
        assert!(!facts("DROP INDEX i").data_loss);
    }
}
