//! miglint's facts about each statement of `cases::CASES` (the lock mode on
//! each relation, rewrite, scan, transaction block) against what PostgreSQL
//! does when it runs the statement. The facts are judged as a migration's
//! are, against the catalog miglint replays from the seed (`seed_catalog`),
//! for the server's major version; the cases are written for PostgreSQL 15.
//!
//! How the server is observed:
//! - A statement that may run in a transaction block runs in one (`BEGIN`,
//!   the statement, `ROLLBACK`) on a database seeded with `cases::SEED`.
//!   Before and after it, in the same transaction, the test reads
//!   `relfilenode` and the `pg_stat_xact_user_tables` scan counters of every
//!   user relation; after it, the relation locks its own backend holds in
//!   `pg_locks` (held until the transaction ends, so the strongest is seen).
//! - A statement PostgreSQL refuses in a transaction block (the refusal is
//!   the observation of `transactional = false`) runs on a fresh copy of
//!   the seeded database, once per relation miglint says it locks: a second
//!   session holds a conflicting lock on that relation in an open
//!   transaction, the statement runs in a third session, and the test polls
//!   `pg_locks` until the statement's lock request waits, records its mode,
//!   and ends the blocker (`pg_terminate_backend`). The blocker takes
//!   `LOCK TABLE ONLY ... IN EXCLUSIVE MODE`, which conflicts with every
//!   mode but ACCESS SHARE: `VACUUM` first looks its table up under ACCESS
//!   SHARE, and an ACCESS EXCLUSIVE blocker would only show that. For an
//!   index (or a materialized view) it is `ALTER INDEX ... SET (fillfactor)`,
//!   which takes SHARE UPDATE EXCLUSIVE on the index alone; for an index
//!   miglint says is locked ACCESS EXCLUSIVE, a query's ACCESS SHARE on it
//!   (which only ACCESS EXCLUSIVE waits for, so weaker requests that come
//!   first do not hide it). Rewrites and
//!   scans come from `relfilenode`, `pg_stat_user_tables` and
//!   `pg_statio_user_tables` before the statement and after its session has
//!   ended (and reported its counts). At most `SCOPE_PROBES` relations of
//!   each scoped lock are probed, an ACCESS SHARE lock is not probed (the
//!   blocker does not conflict with it), and locks the statement takes
//!   after the watched wait are not seen.
//!
//! What is compared, per statement (every mismatch of every statement is
//! reported at once, with both sides):
//! - `transactional` against the server's refusal inside a transaction block;
//! - locks: each relation miglint names, and each relation its scoped locks
//!   reach in the seeded schema (resolved from the server's catalog:
//!   `pg_inherits`, `pg_constraint`, `pg_depend`, ...), holds exactly the
//!   stated mode (the strongest the backend holds on it); and no relation
//!   that existed before the statement is locked in any mode (ACCESS SHARE
//!   and ROW EXCLUSIVE included) without miglint stating that mode; of the
//!   partitions rows go to (`INSERT` into a partitioned table), those the
//!   server locks must hold the stated mode, the others none. The one
//!   rule that covers a relation miglint does not name: an index or an
//!   owned sequence is covered by a lock at least as strong on its table
//!   (a query opens the indexes of the tables it reads, a write takes its
//!   table's sequences); a composite type's row type is read and written by
//!   nobody. Relations the statement creates are invisible to other
//!   sessions and not compared.
//! - rewrites: a table, materialized view or index gets a new `relfilenode`
//!   exactly when miglint says it is rewritten (row by row), its files copied
//!   (`SET TABLESPACE`, which reads no row) or given a new empty file
//!   (`TRUNCATE`, which reads no row either), by name or by scope (an index
//!   rebuilt with its rewritten table needs no word of its own; sequences,
//!   whose `RESTART` also swaps the file, are not compared).
//! - scans: miglint's scans are whole-table reads, which PostgreSQL counts as
//!   `seq_scan` (validation, index builds, DML without a WHERE clause).
//!   Index lookups (`idx_scan`) are not scans. A table that is rewritten is
//!   read in full as well: its scan is part of the rewrite either way. Every
//!   scan miglint states must happen, and every sequential scan must be
//!   stated, except a read under the lock of a query or of DML (ACCESS
//!   SHARE, ROW SHARE, ROW EXCLUSIVE: the query of `CREATE TABLE AS`,
//!   `UPDATE ... WHERE`, a foreign key check), whose plan is the planner's
//!   choice. A relation given a new empty file (`TRUNCATE`) is scanned only
//!   to rebuild its indexes on that file: such a scan must read no row
//!   (`seq_tup_read`).
//! - reads `seq_scan` does not count: `VACUUM` and `ANALYZE` read through
//!   the buffer manager without a sequential scan, but
//!   `pg_statio_user_tables` counts their heap blocks (`heap_blks_read +
//!   heap_blks_hit`; checked on PostgreSQL 15 for plain `VACUUM`, `FULL`,
//!   `FREEZE`, the `ANALYZE` variants and `REINDEX`, whose index builds
//!   count `seq_scan` as well). For a non-transactional statement, heap
//!   blocks read with no sequential or index scan counted are a read: a
//!   stated scan is confirmed by one (or by an empty relation, which has
//!   no block to read), and such a read under a lock stronger than DML's
//!   must be stated as a scan, a rewrite, or a sample (`ANALYZE` reads at
//!   most 300 × the statistics target rows, not the table). The view has
//!   no per-transaction form, and a transaction's reads are counted only
//!   when its backend reports them: an `ANALYZE` run in a transaction
//!   block (as the cases' plain `ANALYZE` are) is compared on its locks and
//!   rewrites only, its sample is checked by the `VACUUM (ANALYZE)` cases,
//!   which run outside one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::analysis::catalog::{Catalog, Origin};
use crate::analysis::facts::{statement_facts_judged, Facts};
use crate::analysis::LockScope;
use crate::analysis::{LockMode, RelationName, SessionTimeZone};
use pg_query::NodeEnum;

use super::cases::{CASES, EXTENSIONS, PENDING_DETACH, PENDING_DETACH_START, SEED, SEED_SETUP, ZONED_CASES};
use crate::tests::support::cluster::{cluster, path_str, Cluster};

pub(super) const SEED_DB: &str = "seed";
pub(super) const TX_DB: &str = "truth";
/// Non-transactional statements run on a fresh copy of the seed under this
/// name (`REINDEX SYSTEM scratch` names it).
const SCRATCH_DB: &str = "scratch";
const STATEMENT_APP: &str = "miglint-statement";
const BLOCKER_APP: &str = "miglint-blocker";
/// The longest any wait of the test may last.
const WAIT: Duration = Duration::from_secs(20);
/// At most this many relations of one scoped lock are probed.
const SCOPE_PROBES: usize = 3;

pub(super) type Oid = u32;

/// A relation of the seeded schema (user schemas only: catalogs and TOAST
/// tables follow the relation they belong to).
#[derive(Clone, Debug)]
struct Rel {
    schema: String,
    name: String,
    kind: char,
    /// An index's table, a sequence's owning table, else 0.
    owner: Oid,
    /// The parents of a partition or inheritance child.
    parents: Vec<Oid>,
    partition: bool,
    /// A partitioned table's default partition, else 0.
    default_partition: Oid,
    clustered_index: bool,
    /// A typed table's composite type (schema, name).
    of_type: Option<(String, String)>,
}

/// A foreign key: `table (columns) REFERENCES referenced (ref_columns)`,
/// through the referenced table's unique index `index`.
#[derive(Clone, Debug)]
struct ForeignKey {
    table: Oid,
    referenced: Oid,
    name: String,
    columns: Vec<String>,
    ref_columns: Vec<String>,
    index: Oid,
    /// `ON DELETE CASCADE`, `SET NULL` or `SET DEFAULT`.
    writes_on_delete: bool,
}

impl Rel {
    fn label(&self) -> String {
        if self.schema == "public" {
            format!("\"{}\"", self.name)
        } else {
            format!("\"{}\".\"{}\"", self.schema, self.name)
        }
    }

    fn is_table(&self) -> bool {
        matches!(self.kind, 'r' | 'p' | 'm')
    }

    fn has_storage(&self) -> bool {
        matches!(self.kind, 'r' | 'm' | 'i' | 't')
    }
}

/// The seeded schema as the server knows it: relation oids are the same in
/// every copy of the seed database.
pub(super) struct World {
    rels: BTreeMap<Oid, Rel>,
    /// (table, domain schema, domain name) for each column of a domain type.
    domain_columns: Vec<(Oid, String, String)>,
    foreign_keys: Vec<ForeignKey>,
    /// (table, name, index) of each primary key and unique constraint.
    keys: Vec<(Oid, String, Oid)>,
    /// (view, relation it reads directly).
    view_reads: Vec<(Oid, Oid)>,
}

impl World {
    /// The oid of a relation of the `public` schema.
    pub(super) fn oid_of(&self, name: &str) -> Option<Oid> {
        self.rels
            .iter()
            .find(|(_, rel)| rel.schema == "public" && rel.name == name)
            .map(|(oid, _)| *oid)
    }

    fn load(cluster: &Cluster, db: &str) -> Result<World, String> {
        let out = cluster.script(
            db,
            &format!(
                "SELECT 'R', c.oid, n.nspname, c.relname, c.relkind, coalesce(i.indrelid, d.refobjid, 0), \
                   c.relispartition, coalesce(pt.partdefid, 0), coalesce(i.indisclustered, false), \
                   coalesce(tn.nspname, ''), coalesce(ty.typname, '') \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_index i ON i.indexrelid = c.oid \
                 LEFT JOIN pg_depend d ON c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid \
                   AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') \
                 LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid \
                 LEFT JOIN pg_type ty ON ty.oid = c.reloftype LEFT JOIN pg_namespace tn ON tn.oid = ty.typnamespace \
                 WHERE {USER_SCHEMAS};\n\
                 SELECT 'H', inhrelid, inhparent FROM pg_inherits;\n\
                 SELECT DISTINCT 'D', a.attrelid, tn.nspname, ty.typname FROM pg_attribute a \
                 JOIN pg_type ty ON ty.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = ty.typnamespace \
                 WHERE ty.typtype = 'd' AND a.attnum > 0 AND NOT a.attisdropped;\n\
                 SELECT 'F', c.conrelid, c.confrelid, c.conname, \
                   (SELECT string_agg(attname, ',') FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = ANY (c.conkey)), \
                   (SELECT string_agg(attname, ',') FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = ANY (c.confkey)), \
                   c.conindid, c.confdeltype IN ('c', 'n', 'd') FROM pg_constraint c WHERE c.contype = 'f';\n\
                 SELECT 'K', conrelid, conname, conindid FROM pg_constraint WHERE contype IN ('p', 'u');\n\
                 SELECT DISTINCT 'V', r.ev_class, d.refobjid FROM pg_rewrite r JOIN pg_depend d \
                   ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass \
                   WHERE d.refobjid <> r.ev_class;\n"
            ),
        )?;
        let mut world = World {
            rels: BTreeMap::new(),
            domain_columns: Vec::new(),
            foreign_keys: Vec::new(),
            keys: Vec::new(),
            view_reads: Vec::new(),
        };
        let list = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        for row in rows(&out) {
            match row.as_slice() {
                ["R", oid, schema, name, kind, owner, partition, default_partition, clustered, type_schema, type_name] =>
                {
                    world.rels.insert(
                        num(oid),
                        Rel {
                            schema: schema.to_string(),
                            name: name.to_string(),
                            kind: kind.chars().next().unwrap_or('?'),
                            owner: num(owner),
                            parents: Vec::new(),
                            partition: *partition == "t",
                            default_partition: num(default_partition),
                            clustered_index: *clustered == "t",
                            of_type: (!type_name.is_empty()).then(|| (type_schema.to_string(), type_name.to_string())),
                        },
                    );
                }
                ["H", child, parent] => {
                    if let Some(rel) = world.rels.get_mut(&num(child)) {
                        rel.parents.push(num(parent));
                    }
                }
                ["D", rel, schema, name] => world
                    .domain_columns
                    .push((num(rel), schema.to_string(), name.to_string())),
                ["F", table, referenced, name, columns, ref_columns, index, writes_on_delete] => {
                    world.foreign_keys.push(ForeignKey {
                        table: num(table),
                        referenced: num(referenced),
                        name: name.to_string(),
                        columns: list(columns),
                        ref_columns: list(ref_columns),
                        index: num(index),
                        writes_on_delete: *writes_on_delete == "t",
                    })
                }
                ["K", table, name, index] => world.keys.push((num(table), name.to_string(), num(index))),
                ["V", view, read] => world.view_reads.push((num(view), num(read))),
                _ => {}
            }
        }
        Ok(world)
    }

    fn find(&self, name: &RelationName) -> Option<Oid> {
        let schema = name.schema.as_deref().unwrap_or("public");
        self.rels
            .iter()
            .find(|(_, r)| r.schema == schema && r.name == name.name)
            .map(|(oid, _)| *oid)
    }

    fn label(&self, oid: Oid) -> String {
        self.rels.get(&oid).map_or_else(|| format!("oid {oid}"), Rel::label)
    }

    /// Everything reachable from `start` by `step`, `start` excluded.
    fn closure(&self, start: Oid, step: impl Fn(Oid) -> Vec<Oid>) -> Vec<Oid> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(at) = todo.pop() {
            for next in step(at) {
                if next != start && seen.insert(next) {
                    todo.push(next);
                }
            }
        }
        seen.into_iter().collect()
    }

    fn children(&self, parent: Oid, partitions_only: bool) -> Vec<Oid> {
        self.rels
            .iter()
            .filter(|(_, r)| r.parents.contains(&parent) && (r.partition || !partitions_only))
            .map(|(oid, _)| *oid)
            .collect()
    }

    /// The relations of the seeded schema a scoped lock reaches.
    fn resolve(&self, scope: &LockScope) -> Vec<Oid> {
        let select = |keep: &dyn Fn(&Rel) -> bool| -> Vec<Oid> {
            self.rels.iter().filter(|(_, r)| keep(r)).map(|(oid, _)| *oid).collect()
        };
        let is_index = |r: &Rel| matches!(r.kind, 'i' | 'I');
        match scope {
            LockScope::TableOf { index, .. } => self
                .find(index)
                .and_then(|i| self.rels.get(&i))
                .map(|r| r.owner)
                .into_iter()
                .collect(),
            LockScope::IndexesOf(table) => match self.find(table) {
                Some(table) => select(&|r| is_index(r) && r.owner == table),
                None => Vec::new(),
            },
            LockScope::IndexesOfEach(scope) => {
                let tables = self.resolve(scope);
                select(&|r| is_index(r) && tables.contains(&r.owner))
            }
            LockScope::TablesIn(schema) => select(&|r| r.is_table() && schema.as_ref().is_none_or(|s| *s == r.schema)),
            LockScope::IndexesIn(schema) => select(&|r| is_index(r) && schema.as_ref().is_none_or(|s| *s == r.schema)),
            LockScope::ClusteredTables => {
                let tables: BTreeSet<Oid> = self
                    .rels
                    .values()
                    .filter(|r| r.clustered_index)
                    .map(|r| r.owner)
                    .collect();
                tables.into_iter().collect()
            }
            LockScope::TablesUsingDomain(domain) => {
                let schema = domain.schema.as_deref().unwrap_or("public");
                let tables: BTreeSet<Oid> = self
                    .domain_columns
                    .iter()
                    .filter(|(_, s, n)| s == schema && *n == domain.name)
                    .map(|(rel, ..)| *rel)
                    .filter(|rel| self.rels.get(rel).is_some_and(Rel::is_table))
                    .collect();
                tables.into_iter().collect()
            }
            LockScope::Inheritors(table) => self
                .find(table)
                .map(|t| self.closure(t, |at| self.children(at, false)))
                .unwrap_or_default(),
            LockScope::Partitions(table) | LockScope::RowPartitions(table) => self
                .find(table)
                .map(|t| self.closure(t, |at| self.children(at, true)))
                .unwrap_or_default(),
            LockScope::DefaultPartition(table) => self
                .find(table)
                .map(|t| self.rels[&t].default_partition)
                .filter(|d| *d != 0)
                .into_iter()
                .collect(),
            LockScope::PartitionParent(partition) => {
                let Some(oid) = self.find(partition).filter(|p| self.rels[p].partition) else {
                    return Vec::new();
                };
                let mut out = self.rels[&oid].parents.clone();
                out.extend(
                    out.clone()
                        .iter()
                        .map(|p| self.rels[p].default_partition)
                        .filter(|d| *d != 0 && *d != oid),
                );
                out
            }
            LockScope::ReferencedTables(table) => self.fk_ends(table, |fk, t| (fk.table == t).then_some(fk.referenced)),
            LockScope::ReferencingTables(table) => {
                self.fk_ends(table, |fk, t| (fk.referenced == t).then_some(fk.table))
            }
            LockScope::ReferencingTablesCascade(table) => self
                .find(table)
                .map(|t| {
                    self.closure(t, |at| {
                        self.foreign_keys
                            .iter()
                            .filter(|fk| fk.referenced == at)
                            .map(|fk| fk.table)
                            .collect()
                    })
                })
                .unwrap_or_default(),
            LockScope::ReferencingTablesWrittenOnDelete(table) => self
                .find(table)
                .map(|t| {
                    self.closure(t, |at| {
                        self.foreign_keys
                            .iter()
                            .filter(|fk| fk.referenced == at && fk.writes_on_delete)
                            .map(|fk| fk.table)
                            .collect()
                    })
                })
                .unwrap_or_default(),
            LockScope::ColumnForeignKeyTables { table, column } => self.fk_ends(table, |fk, t| {
                if fk.table == t && fk.columns.contains(column) {
                    Some(fk.referenced)
                } else if fk.referenced == t && fk.ref_columns.contains(column) {
                    Some(fk.table)
                } else {
                    None
                }
            }),
            LockScope::ConstraintForeignKeyTables { table, constraint } => {
                let key_index = self.find(table).and_then(|t| {
                    self.keys
                        .iter()
                        .find(|(kt, name, _)| *kt == t && name == constraint)
                        .map(|(.., index)| *index)
                });
                self.fk_ends(table, |fk, t| {
                    if fk.table == t && fk.name == *constraint {
                        Some(fk.referenced)
                    } else if fk.referenced == t && Some(fk.index) == key_index {
                        Some(fk.table)
                    } else {
                        None
                    }
                })
            }
            LockScope::DependentViews(relation) => self
                .find(relation)
                .map(|r| {
                    self.closure(r, |at| {
                        self.view_reads
                            .iter()
                            .filter(|(_, read)| *read == at)
                            .map(|(view, _)| *view)
                            .collect()
                    })
                })
                .unwrap_or_default(),
            // What a view's (or a materialized view's) query reads, and
            // through each view it reads, what that view reads.
            LockScope::ViewTables(view) => self
                .find(view)
                .map(|v| {
                    self.closure(v, |at| {
                        if at != v && self.rels.get(&at).is_none_or(|r| r.kind != 'v') {
                            return Vec::new();
                        }
                        self.view_reads
                            .iter()
                            .filter(|(viewing, _)| *viewing == at)
                            .map(|(_, read)| *read)
                            .collect()
                    })
                })
                .unwrap_or_default()
                .into_iter()
                .filter(|oid| {
                    self.rels
                        .get(oid)
                        .is_some_and(|r| matches!(r.kind, 'r' | 'p' | 'm' | 'v'))
                })
                .collect(),
            LockScope::TablesOfType(type_name) => {
                let schema = type_name.schema.as_deref().unwrap_or("public");
                select(&|r| {
                    r.of_type
                        .as_ref()
                        .is_some_and(|(s, n)| s == schema && *n == type_name.name)
                })
            }
            LockScope::RelationsIn(schema) => select(&|r| r.schema == *schema && !is_index(r)),
            LockScope::TablesOf(indexes) => {
                let tables: BTreeSet<Oid> = self
                    .resolve(indexes)
                    .into_iter()
                    .filter_map(|i| self.rels.get(&i).map(|r| r.owner))
                    .filter(|t| *t != 0)
                    .collect();
                tables.into_iter().collect()
            }
        }
    }

    /// The other end of each foreign key `end` picks for the table.
    fn fk_ends(&self, table: &RelationName, end: impl Fn(&ForeignKey, Oid) -> Option<Oid>) -> Vec<Oid> {
        let Some(t) = self.find(table) else {
            return Vec::new();
        };
        let ends: BTreeSet<Oid> = self
            .foreign_keys
            .iter()
            .filter_map(|fk| end(fk, t))
            .filter(|o| *o != t)
            .collect();
        ends.into_iter().collect()
    }
}

/// User relations: not the catalogs, TOAST or temporary schemas.
const USER_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

fn rows(out: &str) -> Vec<Vec<&str>> {
    out.lines().map(|l| l.split('\t').collect()).collect()
}

fn num(s: &str) -> u32 {
    s.parse().unwrap_or(0)
}

fn mode_of(pg_name: &str) -> Option<LockMode> {
    LockMode::ALL.into_iter().find(|m| m.pg_locks_name() == pg_name)
}

/// What the server did.
#[derive(Default, Debug)]
pub(super) struct Observed {
    transactional: bool,
    /// The strongest mode seen on each relation of the seeded schema.
    locks: BTreeMap<Oid, LockMode>,
    /// Non-transactional statements: the relations whose lock request was
    /// watched (others may be seen, but not necessarily at their strongest).
    probed: Option<BTreeSet<Oid>>,
    /// Probes that saw the statement wait elsewhere, or not at all.
    notes: Vec<String>,
    rewritten: BTreeSet<Oid>,
    seq_scanned: BTreeSet<Oid>,
    /// Sequential scans that returned rows (`seq_tup_read`).
    rows_read: BTreeSet<Oid>,
    idx_scanned: BTreeSet<Oid>,
    /// Non-transactional statements: heap blocks were read
    /// (`pg_statio_user_tables`) with no index scan counted, the reads of
    /// `VACUUM` and `ANALYZE`, which count no `seq_scan`.
    blocks_read: Option<BTreeSet<Oid>>,
    /// Relations without a heap block before the statement: nothing to read.
    empty: BTreeSet<Oid>,
}

impl Observed {
    /// The strongest mode seen on the relation.
    pub(super) fn lock_on(&self, oid: Oid) -> Option<LockMode> {
        self.locks.get(&oid).copied()
    }

    /// The relation was read in full (`seq_scan`).
    pub(super) fn seq_scanned(&self, oid: Oid) -> bool {
        self.seq_scanned.contains(&oid)
    }

    /// Probes that saw the statement wait elsewhere, or not at all.
    pub(super) fn notes(&self) -> &[String] {
        &self.notes
    }

    fn lock(&mut self, oid: Oid, mode: LockMode) {
        let entry = self.locks.entry(oid).or_insert(mode);
        *entry = (*entry).max(mode);
    }
}

/// The counters of one user relation.
#[derive(Clone, Copy, Default)]
struct Counters {
    relfilenode: u64,
    seq_scan: u64,
    idx_scan: u64,
    seq_tup_read: u64,
    /// `heap_blks_read + heap_blks_hit` of `pg_statio_user_tables`, which
    /// has no per-transaction view (0 in a transaction).
    heap_blocks: u64,
    /// `pg_relation_size`, in bytes.
    size: u64,
}

type Snapshot = BTreeMap<Oid, Counters>;

/// The counters of every user relation; `pg_statio_user_tables` is read
/// only outside a transaction (`with_blocks`).
fn snapshot_query(tag: &str, stats_view: &str, with_blocks: bool) -> String {
    let (blocks, statio) = if with_blocks {
        (
            "coalesce(io.heap_blks_read + io.heap_blks_hit, 0)",
            "LEFT JOIN pg_statio_user_tables io ON io.relid = c.oid",
        )
    } else {
        ("0", "")
    };
    format!(
        "SELECT '{tag}', c.oid, c.relfilenode, coalesce(s.seq_scan, 0), coalesce(s.idx_scan, 0), \
           coalesce(s.seq_tup_read, 0), {blocks}, pg_relation_size(c.oid) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN {stats_view} s ON s.relid = c.oid {statio} WHERE {USER_SCHEMAS};\n"
    )
}

fn parse_snapshot(out: &str, tag: &str) -> Snapshot {
    rows(out)
        .into_iter()
        .filter(|r| r.len() == 8 && r[0] == tag)
        .map(|r| {
            let counters = Counters {
                relfilenode: num64(r[2]),
                seq_scan: num64(r[3]),
                idx_scan: num64(r[4]),
                seq_tup_read: num64(r[5]),
                heap_blocks: num64(r[6]),
                size: num64(r[7]),
            };
            (num(r[1]), counters)
        })
        .collect()
}

fn num64(s: &str) -> u64 {
    s.parse().unwrap_or(0)
}

fn compare_snapshots(world: &World, before: &Snapshot, after: &Snapshot, observed: &mut Observed) {
    for (oid, was) in before {
        let Some(now) = after.get(oid) else {
            continue;
        };
        let storage = world.rels.get(oid).is_some_and(Rel::has_storage);
        if storage && was.relfilenode != 0 && was.relfilenode != now.relfilenode {
            observed.rewritten.insert(*oid);
        }
        if now.seq_scan > was.seq_scan {
            observed.seq_scanned.insert(*oid);
        }
        if now.seq_tup_read > was.seq_tup_read {
            observed.rows_read.insert(*oid);
        }
        let index_scanned = now.idx_scan > was.idx_scan;
        if index_scanned {
            observed.idx_scanned.insert(*oid);
        }
        if let Some(blocks_read) = &mut observed.blocks_read {
            if now.heap_blocks > was.heap_blocks && now.seq_scan == was.seq_scan && !index_scanned {
                blocks_read.insert(*oid);
            }
        }
        if was.size == 0 {
            observed.empty.insert(*oid);
        }
    }
}

/// Runs the statement in a transaction that is rolled back. `Ok(None)` when
/// the server refuses to run it in a transaction block.
pub(super) fn observe_in_transaction(cluster: &Cluster, world: &World, sql: &str) -> Result<Option<Observed>, String> {
    let script = format!(
        "BEGIN;\n{before}{sql};\n{after}\
         SELECT 'L', l.relation, l.mode FROM pg_locks l WHERE l.pid = pg_backend_pid() AND l.granted \
           AND l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());\n\
         ROLLBACK;\n",
        before = snapshot_query("B", "pg_stat_xact_user_tables", false),
        after = snapshot_query("A", "pg_stat_xact_user_tables", false),
    );
    let out = match cluster.script(TX_DB, &script) {
        Ok(out) => out,
        Err(e) if e.contains("cannot run inside a transaction block") => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut observed = Observed {
        transactional: true,
        ..Observed::default()
    };
    for row in rows(&out) {
        if let ["L", oid, mode] = row.as_slice() {
            let oid = num(oid);
            // Relations the statement creates are invisible to other
            // sessions; catalogs and TOAST tables are not in the world.
            if world.rels.contains_key(&oid) {
                observed.lock(oid, mode_of(mode).ok_or_else(|| format!("unknown lock mode {mode}"))?);
            }
        }
    }
    compare_snapshots(
        world,
        &parse_snapshot(&out, "B"),
        &parse_snapshot(&out, "A"),
        &mut observed,
    );
    Ok(Some(observed))
}

/// A copy of the seeded database, under `SCRATCH_DB`.
fn fresh_scratch(cluster: &Cluster) -> Result<(), String> {
    cluster.psql(&format!("DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))?;
    cluster.psql(&format!("CREATE DATABASE {SCRATCH_DB} TEMPLATE {SEED_DB}"))?;
    Ok(())
}

/// Polls `query` on the `postgres` database until `done` accepts its output.
fn poll<T>(cluster: &Cluster, query: &str, what: &str, done: impl Fn(&str) -> Option<T>) -> Result<T, String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let out = cluster.psql(query)?;
        if let Some(value) = done(&out) {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The session that makes a statement wait on a relation: a lock on that
/// relation alone, held in an open transaction. For an index the statement
/// is said to lock in ACCESS EXCLUSIVE (`exclusive_only`), a query's ACCESS
/// SHARE (planning a read of its table opens every index of the table), which
/// only ACCESS EXCLUSIVE waits for: the wait shows that mode even when the
/// statement asks weaker locks on the index first (`REINDEX` of a
/// partitioned index takes SHARE on the whole index tree before it rebuilds
/// each index).
fn blocker_sql(world: &World, oid: Oid, exclusive_only: bool) -> Option<String> {
    let rel = world.rels.get(&oid)?;
    let quoted = |rel: &Rel| format!("\"{}\".\"{}\"", rel.schema, rel.name);
    let name = quoted(rel);
    let lock = match rel.kind {
        'r' | 'p' | 'v' => format!("LOCK TABLE ONLY {name} IN EXCLUSIVE MODE"),
        'i' if exclusive_only => format!("SELECT FROM ONLY {} LIMIT 0", quoted(world.rels.get(&rel.owner)?)),
        'i' => format!("ALTER INDEX {name} SET (fillfactor = 90)"),
        'm' => format!("ALTER MATERIALIZED VIEW {name} SET (fillfactor = 90)"),
        _ => return None,
    };
    Some(format!("BEGIN;\n{lock};\nSELECT pg_sleep(600);\n"))
}

/// Runs a statement PostgreSQL refuses in a transaction block: once for each
/// probed relation, on a fresh copy of the seed, behind a blocker.
pub(super) fn observe_outside_transaction(
    cluster: &Cluster,
    world: &World,
    sql: &str,
    probes: &[Oid],
    exclusive_only: &BTreeSet<Oid>,
) -> Result<Observed, String> {
    let mut observed = Observed {
        transactional: false,
        probed: Some(BTreeSet::new()),
        blocks_read: Some(BTreeSet::new()),
        ..Observed::default()
    };
    let runs: Vec<Option<Oid>> = if probes.is_empty() {
        vec![None]
    } else {
        probes.iter().copied().map(Some).collect()
    };
    for (n, probe) in runs.into_iter().enumerate() {
        fresh_scratch(cluster)?;
        let before = (n == 0)
            .then(|| cluster.script(SCRATCH_DB, &snapshot_query("S", "pg_stat_user_tables", true)))
            .transpose()?;
        let blocker = match probe.and_then(|oid| Some((oid, blocker_sql(world, oid, exclusive_only.contains(&oid))?))) {
            Some((oid, blocker_script)) => {
                let session = cluster.spawn(SCRATCH_DB, BLOCKER_APP, &blocker_script)?;
                poll(
                    cluster,
                    &format!(
                        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                         WHERE a.application_name = '{BLOCKER_APP}' AND l.relation = {oid} AND l.granted"
                    ),
                    "the blocking session's lock",
                    |out| (out.trim() != "0").then_some(()),
                )?;
                Some((oid, session))
            }
            None => {
                if let Some(oid) = probe {
                    observed
                        .notes
                        .push(format!("no blocker for {} (not watched)", world.label(oid)));
                }
                None
            }
        };
        let mut statement = cluster.spawn(SCRATCH_DB, STATEMENT_APP, &format!("{sql};\n"))?;
        if let Some((oid, mut blocker)) = blocker {
            observed.probed.get_or_insert_with(BTreeSet::new).insert(oid);
            let query = format!(
                "SELECT l.locktype, coalesce(l.relation, 0), l.mode, l.granted FROM pg_locks l \
                 JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = '{STATEMENT_APP}' \
                 AND (l.locktype <> 'relation' OR l.database = (SELECT oid FROM pg_database WHERE datname = '{SCRATCH_DB}'))"
            );
            let deadline = Instant::now() + WAIT;
            let seen = loop {
                let out = cluster.psql(&query)?;
                if out.lines().any(|l| l.ends_with("\tf")) {
                    break Some(out);
                }
                if statement.finished() {
                    break None;
                }
                if Instant::now() > deadline {
                    return Err(format!(
                        "{sql}: timed out waiting for it to wait on {}",
                        world.label(oid)
                    ));
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            match seen {
                None => observed
                    .notes
                    .push(format!("did not wait behind a lock on {}", world.label(oid))),
                Some(out) => {
                    let mut waited_on_probe = false;
                    for row in rows(&out) {
                        let [locktype, rel, mode, granted] = row.as_slice() else {
                            continue;
                        };
                        let rel = num(rel);
                        if *locktype != "relation" || !world.rels.contains_key(&rel) {
                            if *granted == "f" {
                                observed.notes.push(format!(
                                    "probing {}: waited on a {locktype} lock ({mode})",
                                    world.label(oid)
                                ));
                            }
                            continue;
                        }
                        let mode = mode_of(mode).ok_or_else(|| format!("unknown lock mode {mode}"))?;
                        if *granted == "f" && rel != oid {
                            observed.notes.push(format!(
                                "probing {}: waited on {} ({mode}) first",
                                world.label(oid),
                                world.label(rel)
                            ));
                        }
                        waited_on_probe |= *granted == "f" && rel == oid;
                        observed.lock(rel, mode);
                    }
                    if !waited_on_probe {
                        observed
                            .notes
                            .push(format!("did not wait behind the lock on {}", world.label(oid)));
                    }
                }
            }
            cluster.psql(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{BLOCKER_APP}'"
            ))?;
            let _ = blocker.wait_output(WAIT);
        }
        let output = statement.wait_output(WAIT)?;
        if !output.status.success() {
            return Err(format!("failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
        }
        if let Some(before) = before {
            // The statement's backend reports its scan counts when it exits.
            poll(
                cluster,
                &format!("SELECT count(*) FROM pg_stat_activity WHERE application_name = '{STATEMENT_APP}'"),
                "the statement's session to end",
                |out| (out.trim() == "0").then_some(()),
            )?;
            let after = cluster.script(SCRATCH_DB, &snapshot_query("S", "pg_stat_user_tables", true))?;
            // By name: REINDEX CONCURRENTLY swaps in an index of a new oid.
            let by_name = after_by_seed_oid(cluster, world)?;
            let after: Snapshot = parse_snapshot(&after, "S")
                .into_iter()
                .filter_map(|(oid, v)| Some((*by_name.get(&oid)?, v)))
                .collect();
            compare_snapshots(world, &parse_snapshot(&before, "S"), &after, &mut observed);
        }
    }
    Ok(observed)
}

/// Maps each relation of the scratch database to the seed relation of the
/// same schema and name.
fn after_by_seed_oid(cluster: &Cluster, world: &World) -> Result<BTreeMap<Oid, Oid>, String> {
    let out = cluster.psql_in(
        SCRATCH_DB,
        &format!(
            "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE {USER_SCHEMAS}"
        ),
    )?;
    let mut map = BTreeMap::new();
    for row in rows(&out) {
        if let [oid, schema, name] = row.as_slice() {
            if let Some((seed, _)) = world.rels.iter().find(|(_, r)| r.schema == *schema && r.name == *name) {
                map.insert(num(oid), *seed);
            }
        }
    }
    Ok(map)
}

/// The relations whose lock a non-transactional statement is watched on:
/// those miglint names, then a few its scoped locks reach. An ACCESS SHARE
/// lock is not watched: the blocker's EXCLUSIVE lock does not conflict
/// with it (the transactional cases see those).
fn probes(facts: &Facts, world: &World) -> Vec<Oid> {
    let watchable = |mode: LockMode| mode > LockMode::AccessShare;
    let mut out: Vec<Oid> = facts
        .locks
        .iter()
        .filter(|l| watchable(l.mode))
        .filter_map(|l| world.find(&l.relation))
        .collect();
    for scoped in facts.scoped_locks.iter().filter(|l| watchable(l.mode)) {
        out.extend(world.resolve(&scoped.scope).into_iter().take(SCOPE_PROBES));
    }
    let mut seen = BTreeSet::new();
    out.retain(|oid| seen.insert(*oid));
    out
}

/// The indexes miglint says the statement locks in ACCESS EXCLUSIVE.
fn exclusive_indexes(facts: &Facts, world: &World) -> BTreeSet<Oid> {
    let named = facts
        .locks
        .iter()
        .filter(|l| l.mode == LockMode::AccessExclusive)
        .filter_map(|l| world.find(&l.relation));
    let scoped = facts
        .scoped_locks
        .iter()
        .filter(|l| l.mode == LockMode::AccessExclusive)
        .flat_map(|l| world.resolve(&l.scope));
    named
        .chain(scoped)
        .filter(|oid| world.rels.get(oid).is_some_and(|r| r.kind == 'i'))
        .collect()
}

/// Every difference between miglint's facts and the observation.
pub(super) fn compare(facts: &Facts, world: &World, observed: &Observed) -> Vec<String> {
    let mut out = Vec::new();
    if facts.transactional != observed.transactional {
        out.push(format!(
            "transactional: miglint {}, server {}",
            facts.transactional, observed.transactional
        ));
    }
    // What miglint claims, per relation of the seeded schema.
    let mut claimed: BTreeMap<Oid, LockMode> = BTreeMap::new();
    let mut claim = |oid: Oid, mode: LockMode| {
        let entry = claimed.entry(oid).or_insert(mode);
        *entry = (*entry).max(mode);
    };
    for lock in &facts.locks {
        match world.find(&lock.relation) {
            Some(oid) => claim(oid, lock.mode),
            None => out.push(format!(
                "lock on {}: no such relation in the seeded schema",
                lock.relation
            )),
        }
    }
    // The partitions rows go to: the mode stated, on those the server
    // locks (which ones depends on the rows).
    let mut row_partitions = BTreeSet::new();
    for scoped in &facts.scoped_locks {
        let resolved = world.resolve(&scoped.scope);
        if matches!(scoped.scope, LockScope::RowPartitions(_)) {
            row_partitions.extend(resolved.iter().copied());
        }
        for oid in resolved {
            claim(oid, scoped.mode);
        }
    }
    for (oid, mode) in &claimed {
        if observed.probed.as_ref().is_some_and(|p| !p.contains(oid)) {
            continue;
        }
        let server = observed.locks.get(oid);
        if server.is_none() && row_partitions.contains(oid) {
            continue;
        }
        if server != Some(mode) {
            out.push(format!(
                "lock on {}: miglint {mode}, server {}",
                world.label(*oid),
                server.map_or("no lock".to_string(), |m| m.to_string())
            ));
        }
    }
    for (oid, mode) in &observed.locks {
        if claimed.contains_key(oid) {
            continue;
        }
        let rel = &world.rels[oid];
        if rel.kind == 'c' {
            // A composite type's row: no statement reads or writes it.
            continue;
        }
        let covered_by_owner =
            matches!(rel.kind, 'i' | 'I' | 'S') && claimed.get(&rel.owner).is_some_and(|m| m >= mode);
        if !covered_by_owner {
            out.push(format!(
                "lock on {}: server {mode} ({}), miglint states none",
                world.label(*oid),
                mode.what_waits()
            ));
        }
    }

    let claimed_set = |names: &[RelationName], scopes: &[LockScope], out: &mut Vec<String>, what: &str| {
        let mut set = BTreeSet::new();
        for name in names {
            match world.find(name) {
                Some(oid) => {
                    set.insert(oid);
                }
                None => out.push(format!("{what} {name}: no such relation in the seeded schema")),
            }
        }
        for scope in scopes {
            set.extend(world.resolve(scope));
        }
        set
    };
    let rewrites = claimed_set(&facts.rewrites, &facts.scoped_rewrites, &mut out, "rewrite of");
    let emptied = claimed_set(
        &facts.new_empty_files,
        &facts.scoped_new_empty_files,
        &mut out,
        "new empty file of",
    );
    let copied = claimed_set(&facts.file_copies, &[], &mut out, "file copy of");
    for (oid, what) in rewrites
        .iter()
        .map(|o| (o, "rewrite"))
        .chain(emptied.iter().map(|o| (o, "new empty file")))
        .chain(copied.iter().map(|o| (o, "file copy")))
    {
        if world.rels[oid].has_storage() && !observed.rewritten.contains(oid) {
            out.push(format!(
                "{what} of {}: miglint yes, server no (same relfilenode)",
                world.label(*oid)
            ));
        }
    }
    for oid in &observed.rewritten {
        let rel = &world.rels[oid];
        let covered = rewrites.contains(oid)
            || emptied.contains(oid)
            || copied.contains(oid)
            || (matches!(rel.kind, 'i' | 'I') && observed.rewritten.contains(&rel.owner))
            || rel.kind == 'S';
        if !covered {
            out.push(format!(
                "rewrite of {}: server yes (new relfilenode), miglint no",
                rel.label()
            ));
        }
    }

    let scans = claimed_set(&facts.scans, &facts.scoped_scans, &mut out, "scan of");
    let sampled = claimed_set(&facts.samples, &facts.scoped_samples, &mut out, "sample of");
    for oid in &scans {
        let rel = &world.rels[oid];
        let read_in_blocks = observed
            .blocks_read
            .as_ref()
            .is_some_and(|read| read.contains(oid) || observed.empty.contains(oid));
        if rel.has_storage()
            && !observed.seq_scanned.contains(oid)
            && !observed.rewritten.contains(oid)
            && !read_in_blocks
        {
            let index = if observed.idx_scanned.contains(oid) {
                " (an index scan only)"
            } else {
                ""
            };
            out.push(format!(
                "scan of {}: miglint yes, server no sequential scan{index}",
                rel.label()
            ));
        }
    }
    let unlisted_reads = observed
        .blocks_read
        .iter()
        .flatten()
        .filter(|oid| !scans.contains(oid) && !observed.rewritten.contains(oid) && !sampled.contains(oid));
    for oid in unlisted_reads {
        let lock = observed.locks.get(oid);
        if lock.is_none_or(|m| !planner_reads(*m)) {
            out.push(format!(
                "scan of {}: server yes (heap blocks read, under {}), miglint no",
                world.label(*oid),
                lock.map_or("no lock seen".to_string(), |m| m.to_string())
            ));
        }
    }
    for oid in &observed.seq_scanned {
        // A rewrite reads what it copies. A new empty file is read only
        // to rebuild the table's indexes on it (no row).
        let empty_read = emptied.contains(oid) && !observed.rows_read.contains(oid);
        let read_by_rewrite = observed.rewritten.contains(oid) && !emptied.contains(oid) && !copied.contains(oid);
        if scans.contains(oid) || empty_read || read_by_rewrite {
            continue;
        }
        let lock = observed.locks.get(oid);
        if lock.is_none_or(|m| !planner_reads(*m)) {
            out.push(format!(
                "scan of {}: server yes (seq_scan, under {}), miglint no",
                world.label(*oid),
                lock.map_or("no lock seen".to_string(), |m| m.to_string())
            ));
        }
    }
    out
}

/// The modes of queries and DML (`SELECT`, `FOR UPDATE`, foreign key
/// checks, `INSERT`, `UPDATE`, `DELETE`, `MERGE`): which rows they read, and
/// how, is the planner's choice, so their reads need not be stated. Every
/// other sequential scan must be.
fn planner_reads(mode: LockMode) -> bool {
    matches!(
        mode,
        LockMode::AccessShare | LockMode::RowShare | LockMode::RowExclusive
    )
}

pub(super) fn describe_facts(facts: &Facts) -> String {
    let mut s = String::new();
    let locks: Vec<String> = facts
        .locks
        .iter()
        .map(|l| format!("{} {}", l.relation, l.mode))
        .chain(facts.scoped_locks.iter().map(|l| format!("[{}] {}", l.scope, l.mode)))
        .collect();
    let names = |v: &[RelationName], scopes: &[LockScope]| {
        v.iter()
            .map(ToString::to_string)
            .chain(scopes.iter().map(|s| format!("[{s}]")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = write!(
        s,
        "locks: {}; rewrites: {}; file copies: {}; new empty files: {}; scans: {}; samples: {}; transactional: {}",
        locks.join(", "),
        names(&facts.rewrites, &facts.scoped_rewrites),
        names(&facts.file_copies, &[]),
        names(&facts.new_empty_files, &facts.scoped_new_empty_files),
        names(&facts.scans, &facts.scoped_scans),
        names(&facts.samples, &facts.scoped_samples),
        facts.transactional
    );
    s
}

pub(super) fn describe_observed(observed: &Observed, world: &World) -> String {
    let set = |v: &BTreeSet<Oid>| v.iter().map(|o| world.label(*o)).collect::<Vec<_>>().join(", ");
    let locks: Vec<String> = observed
        .locks
        .iter()
        .map(|(oid, m)| format!("{} {m}", world.label(*oid)))
        .collect();
    let mut s = format!(
        "locks: {}; rewritten: {}; seq scans: {}; index scans: {}; heap blocks read: {}; transactional: {}",
        locks.join(", "),
        set(&observed.rewritten),
        set(&observed.seq_scanned),
        set(&observed.idx_scanned),
        observed.blocks_read.as_ref().map_or("not observed".to_string(), set),
        observed.transactional
    );
    if let Some(probed) = &observed.probed {
        let _ = write!(s, "; watched: {}", set(probed));
    }
    for note in &observed.notes {
        let _ = write!(s, "; {note}");
    }
    s
}

fn parse_one(sql: &str) -> NodeEnum {
    let parsed = pg_query::parse(sql, 0).unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(parsed.protobuf.stmts.len(), 1, "{sql}: one statement per case");
    parsed.protobuf.stmts[0]
        .stmt
        .as_ref()
        .and_then(|s| s.node.clone())
        .expect("a statement")
}

/// The kind of statement, for the coverage summary: the parse node, and the
/// subcommand of an ALTER TABLE.
fn kind(node: &NodeEnum) -> String {
    let debug = format!("{node:?}");
    let name = debug.split('(').next().unwrap_or("?").to_string();
    match node {
        NodeEnum::AlterTableStmt(stmt) => {
            let cmds: Vec<String> = crate::parse::ast::alter_table_cmds(&stmt.cmds)
                .map(|c| {
                    pg_query::protobuf::AlterTableType::try_from(c.subtype)
                        .map(|t| format!("{t:?}"))
                        .unwrap_or_default()
                })
                .collect();
            format!("{name} {}", cmds.join("+"))
        }
        _ => name,
    }
}

/// A seeded cluster, with the cases of the extensions the server has.
pub(super) struct Seeded {
    pub(super) cluster: Cluster,
    pub(super) world: World,
    extension_cases: Vec<&'static str>,
    /// The server's major version.
    pub(super) pg_version: u32,
}

/// Starts a cluster and seeds it; None when the tests are skipped.
pub(super) fn seeded() -> Option<Seeded> {
    let cluster = cluster()?;
    let setup = || -> Result<(World, Vec<&'static str>), String> {
        cluster.psql(&format!("CREATE DATABASE {SEED_DB}"))?;
        cluster.psql(&SEED_SETUP.replace("{tablespace}", path_str(&cluster.tablespace_dir())))?;
        cluster.script(SEED_DB, SEED)?;
        let mut cases = Vec::new();
        for extension in EXTENSIONS {
            let available = cluster.psql(&format!(
                "SELECT count(*) FROM pg_available_extensions WHERE name = '{}'",
                extension.name
            ))?;
            if available.trim() == "1" {
                cluster.script(SEED_DB, extension.seed)?;
                cases.extend(extension.cases);
            } else {
                eprintln!(
                    "the server lacks the {} extension: {} cases skipped",
                    extension.name,
                    extension.cases.len()
                );
            }
        }
        leave_detach_pending(&cluster)?;
        cluster.psql(&format!("CREATE DATABASE {TX_DB} TEMPLATE {SEED_DB}"))?;
        Ok((World::load(&cluster, SEED_DB)?, cases))
    };
    let (world, extension_cases) = setup().unwrap_or_else(|e| panic!("seeding the cluster: {e}"));
    let version = cluster
        .psql("SHOW server_version_num")
        .unwrap_or_else(|e| panic!("reading the server version: {e}"));
    let pg_version = version.trim().parse::<u32>().map_or(0, |n| n / 10000);
    Some(Seeded {
        cluster,
        world,
        extension_cases,
        pg_version,
    })
}

/// Interrupts a `DETACH PARTITION ... CONCURRENTLY` after its first
/// transaction: a reader keeps it waiting, then it is cancelled.
fn leave_detach_pending(cluster: &Cluster) -> Result<(), String> {
    cluster.script(SEED_DB, PENDING_DETACH)?;
    let mut reader = cluster.spawn(
        SEED_DB,
        BLOCKER_APP,
        "BEGIN;\nSELECT count(*) FROM pending;\nSELECT pg_sleep(600);\n",
    )?;
    poll_in(
        cluster,
        SEED_DB,
        &format!(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE a.application_name = '{BLOCKER_APP}' AND l.granted AND l.relation = 'pending'::regclass"
        ),
    )?;
    let mut detach = cluster.spawn(SEED_DB, STATEMENT_APP, &format!("{PENDING_DETACH_START};\n"))?;
    poll_in(
        cluster,
        SEED_DB,
        "SELECT count(*) FROM pg_inherits WHERE inhdetachpending",
    )?;
    cluster.psql(&format!(
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '{STATEMENT_APP}'"
    ))?;
    let _ = detach.wait_output(WAIT);
    cluster.psql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{BLOCKER_APP}'"
    ))?;
    let _ = reader.wait_output(WAIT);
    poll(
        cluster,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{SEED_DB}'"),
        "the seed database's sessions to end",
        |out| (out.trim() == "0").then_some(()),
    )?;
    Ok(())
}

/// Polls `query` on `db` until it returns a count other than 0.
fn poll_in(cluster: &Cluster, db: &str, query: &str) -> Result<(), String> {
    let deadline = Instant::now() + WAIT;
    while cluster.psql_in(db, query)?.trim() == "0" {
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for: {query}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// The catalog miglint replays from `SEED` (and the partitioned table left
/// detach pending): the cases are judged against it, as a migration is
/// against its history.
pub(super) fn seed_catalog() -> Catalog {
    let mut catalog = Catalog::default();
    for script in [SEED, PENDING_DETACH] {
        for raw in pg_query::parse(script, 0).expect("the seed parses").protobuf.stmts {
            if let Some(node) = raw.stmt.and_then(|s| s.node) {
                catalog.apply(&node, Origin::History, None);
            }
        }
    }
    catalog
}

/// Checks every case whose facts say `transactional == which`.
fn check_cases(which: bool) {
    let Some(Seeded {
        cluster,
        world,
        extension_cases,
        pg_version,
    }) = seeded()
    else {
        return;
    };
    let started = Instant::now();
    // Each case with the session TimeZone it runs under, if it sets one.
    let cases: Vec<(Option<&str>, &str)> = CASES
        .iter()
        .copied()
        .chain(extension_cases)
        .map(|sql| (None, sql))
        .chain(ZONED_CASES.iter().map(|(zone, sql)| (Some(*zone), *sql)))
        .collect();
    let mut failures = Vec::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut checked = 0;
    let catalog = seed_catalog();
    for (zone, sql) in cases {
        let node = parse_one(sql);
        let time_zone = zone.map_or(SessionTimeZone::Unknown, SessionTimeZone::from_name);
        let facts = statement_facts_judged(&node, pg_version, time_zone, &catalog);
        let (sql, label) = match zone {
            Some(zone) => (
                format!("SET LOCAL TimeZone = '{zone}';\n{sql}"),
                format!("{sql} (timezone = \"{zone}\")"),
            ),
            None => (sql.to_string(), sql.to_string()),
        };
        let (sql, label) = (sql.as_str(), label.as_str());
        if facts.transactional != which {
            continue;
        }
        checked += 1;
        *kinds.entry(kind(&node)).or_default() += 1;
        let observed = observe_in_transaction(&cluster, &world, sql).and_then(|o| match o {
            Some(o) => Ok(o),
            None => observe_outside_transaction(
                &cluster,
                &world,
                sql,
                &probes(&facts, &world),
                &exclusive_indexes(&facts, &world),
            ),
        });
        match observed {
            Err(e) => failures.push(format!("{label}\n    error: {e}")),
            Ok(observed) => {
                let mismatches = compare(&facts, &world, &observed);
                if !mismatches.is_empty() {
                    failures.push(format!(
                        "{label}\n    {}\n    miglint: {}\n    server:  {}",
                        mismatches.join("\n    "),
                        describe_facts(&facts),
                        describe_observed(&observed, &world)
                    ));
                }
            }
        }
    }
    eprintln!(
        "{checked} {} statements checked against PostgreSQL {pg_version} in {:.1?}",
        if which { "transactional" } else { "non-transactional" },
        started.elapsed()
    );
    for (kind, n) in &kinds {
        eprintln!("  {n:3}  {kind}");
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} statements differ from the server:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn at_least_150_statements_are_checked() {
    assert!(CASES.len() >= 150, "{} cases", CASES.len());
}

#[test]
fn transactional_statements_match_the_server() {
    check_cases(true);
}

#[test]
fn non_transactional_statements_match_the_server() {
    check_cases(false);
}
