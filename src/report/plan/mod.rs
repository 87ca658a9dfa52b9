//! `miglint plan`: what each statement will do to a live database — the
//! locks it takes and what they block, rewrites, scans, data loss, the
//! transaction it runs in, and how long its locks are held — read straight
//! from the analysis facts, with no rule involved. The statements of a `DO`
//! block, and of a routine a statement calls, follow it, each marked with
//! where it runs. MySQL's and SQLite's statements are planned from their
//! own analyses (`mysql`, `sqlite`), in the same shape.

mod mysql;
mod sqlite;

pub(crate) use mysql::plan_mysql;
pub(crate) use sqlite::plan_sqlite;

use pg_query::protobuf::TransactionStmtKind;
use pg_query::NodeEnum;

use crate::analysis::embedded::RunKind;
use crate::analysis::mysql::MetadataLock;
use crate::analysis::{AnalyzedFile, LockMode, RelationName, ScopedLock, StatementContext};
use crate::diagnostic::{Diagnostic, Workload};
use crate::input::layout::Dialect;
use crate::input::source::Position;

/// A planned file and the diagnostics that kept parts of it out of the plan
/// (syntax errors, unsupported syntax, unreadable content).
#[derive(Debug, Clone)]
pub struct PlannedFile {
    pub plan: FilePlan,
    pub problems: Vec<Diagnostic>,
}

/// The plan of one file.
#[derive(Debug, Clone)]
pub struct FilePlan {
    pub path: String,
    pub dialect: Dialect,
    pub statements: Vec<StatementPlan>,
}

/// The transaction a statement runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionKind {
    /// Autocommit: the statement is its own transaction.
    None,
    /// Inside an explicit `BEGIN ... COMMIT` of the file.
    Explicit,
    /// Inside the transaction the runner opens around the file.
    PerFile,
    /// Inside the transaction a `DO` block or a call runs in when nothing
    /// else is open: it ends with the block, or at a `COMMIT` in it.
    Block,
}

impl TransactionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransactionKind::None => "none",
            TransactionKind::Explicit => "explicit",
            TransactionKind::PerFile => "per-file",
            TransactionKind::Block => "block",
        }
    }
}

/// How long the statement's locks are held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldUntil {
    StatementEnd,
    /// Until the transaction ends: at the 1-based line of its COMMIT or
    /// ROLLBACK, or at the end of the file (None).
    TransactionEnd(Option<usize>),
    /// Until the `DO` block or the statement calling a routine, at this
    /// 1-based line, ends: it runs in a transaction of its own.
    BlockEnd(usize),
    /// Until the statement at this 1-based line commits the transaction
    /// implicitly before it runs (MySQL's DDL).
    ImplicitCommit(usize),
}

/// How a statement ends the transaction open before it, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ends {
    No,
    /// COMMIT or ROLLBACK.
    Explicitly,
    /// MySQL's DDL (and START TRANSACTION) commit the open one first.
    Implicitly,
}

/// Where a statement found inside another runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inside {
    /// A statement of the `DO` block that starts at this 1-based line.
    DoBlock { line: usize },
    /// A statement of a function's or procedure's body (`name` is `f()`),
    /// run by the call at `line`; it is written at `written_line` of `path`.
    Routine {
        name: String,
        procedure: bool,
        line: usize,
        path: String,
        written_line: usize,
    },
}

/// A lock's mode in its engine's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanMode {
    /// A PostgreSQL table-level lock.
    Postgres(LockMode),
    /// A MySQL or MariaDB metadata lock on a table.
    Metadata(MetadataLock),
    /// SQLite's write lock on the whole database (RESERVED): other writers
    /// wait, readers go on (until the commit, in rollback-journal mode).
    SqliteWrite,
}

impl PlanMode {
    /// `ACCESS EXCLUSIVE`, `MDL_SHARED_UPGRADABLE`, `RESERVED`.
    pub fn name(self) -> &'static str {
        match self {
            PlanMode::Postgres(mode) => mode.name(),
            PlanMode::Metadata(mode) => mode.name(),
            PlanMode::SqliteWrite => "RESERVED",
        }
    }

    fn blocks_reads(self) -> bool {
        match self {
            PlanMode::Postgres(mode) => mode.blocks_reads(),
            PlanMode::Metadata(mode) => mode.blocks_reads(),
            PlanMode::SqliteWrite => false,
        }
    }

    fn blocks_writes(self) -> bool {
        match self {
            PlanMode::Postgres(mode) => mode.blocks_writes(),
            PlanMode::Metadata(mode) => mode.blocks_writes(),
            PlanMode::SqliteWrite => true,
        }
    }

    /// `["reads", "writes"]`, `["writes"]` or `["ddl"]` (every lock blocks
    /// some schema change).
    pub fn blocks(self) -> Vec<&'static str> {
        match (self.blocks_reads(), self.blocks_writes()) {
            (true, _) => vec!["reads", "writes"],
            (false, true) => vec!["writes"],
            (false, false) => vec!["ddl"],
        }
    }
}

impl std::fmt::Display for PlanMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockPlan {
    pub relation: RelationName,
    pub mode: PlanMode,
    /// Created earlier in the change: new and empty, nobody waits on it.
    pub new_relation: bool,
}

impl LockPlan {
    /// What waits while the lock is held: `reads`, `writes`, or only `ddl`.
    pub fn blocks(&self) -> Vec<&'static str> {
        self.mode.blocks()
    }
}

/// What a PostgreSQL lock mode blocks (`PlanMode::blocks`).
pub(crate) fn blocks_of(mode: LockMode) -> Vec<&'static str> {
    PlanMode::Postgres(mode).blocks()
}

#[derive(Debug, Clone)]
pub struct StatementPlan {
    pub start: Position,
    pub end: Position,
    /// The statement on one line, shortened.
    pub summary: String,
    /// The statement's SQL as written (without its `;`).
    pub text: String,
    pub locks: Vec<LockPlan>,
    /// Locks on relations the statement does not name (the table of a
    /// dropped index, every index of a reindexed table).
    pub scoped_locks: Vec<ScopedLock>,
    /// A lock on the whole database (SQLite's write lock).
    pub database_lock: Option<PlanMode>,
    pub rewrites: Vec<RelationName>,
    /// Tables given a new, empty file (`TRUNCATE`): nothing copied or read.
    pub new_empty_files: Vec<RelationName>,
    /// Relations whose files are copied to another tablespace, no row read.
    pub file_copies: Vec<RelationName>,
    pub scans: Vec<RelationName>,
    /// The algorithm MySQL runs an online DDL statement with: `INSTANT`,
    /// `INPLACE` or `COPY`.
    pub algorithm: Option<&'static str>,
    /// The algorithm, lock and rebuild assume the worst of a table or
    /// column miglint does not know (no migration it read created it).
    pub assumed: bool,
    /// The statement commits the open transaction before it runs and runs
    /// in one of its own (MySQL's DDL).
    pub implicit_commit: bool,
    /// A `CREATE INDEX` on a partitioned table that builds nothing, and
    /// why: its locks are brief.
    pub builds_no_index: Option<&'static str>,
    pub data_loss: bool,
    /// False for statements PostgreSQL refuses inside a transaction block.
    pub transactional: bool,
    pub transaction: TransactionKind,
    pub held_until: HeldUntil,
    /// 1-based lines of the later statements that run while the locks are held.
    pub held_through: Vec<usize>,
    /// For a statement inside a `DO` block or a called routine: where.
    pub inside: Option<Inside>,
    /// It holds a template placeholder that `[placeholders]` gives no
    /// value: `text` has miglint's stand-in, not what the tool runs.
    pub stand_in: bool,
    /// How big its tables are and how long its rewrites and reads take,
    /// when a snapshot or `[tables]` knows one of them (`sizes::weigh`).
    pub workload: Option<Workload>,
    /// The owners of the tables it locks (`[owners]`), sorted, each once;
    /// empty when none has one or no owners are configured.
    pub owners: Vec<String>,
}

impl StatementPlan {
    /// What waits on the existing relations the statement names (scoped
    /// locks are listed apart: whom they reach depends on the schema).
    pub fn blocks(&self) -> Vec<&'static str> {
        let modes = self
            .locks
            .iter()
            .filter(|l| !l.new_relation)
            .map(|l| l.mode)
            .chain(self.database_lock);
        modes
            .map(|mode| (mode.blocks_reads(), mode.blocks_writes()))
            .max()
            .map(|(reads, writes)| match (reads, writes) {
                (true, _) => vec!["reads", "writes"],
                (false, true) => vec!["writes"],
                (false, false) => vec!["ddl"],
            })
            .unwrap_or_default()
    }
}

const SUMMARY_CHARS: usize = 72;

/// Builds the plan of an analysed file.
pub(crate) fn plan_file(file: &AnalyzedFile<'_>) -> FilePlan {
    let line = |ctx: StatementContext<'_>| file.original.position(ctx.file_span().start).line;
    let statements = file
        .contexts()
        .map(|ctx| {
            let state = ctx.state();
            let facts = &state.facts;
            let transaction = if state.transaction.is_some() {
                TransactionKind::Explicit
            } else if state.implicit_transaction {
                TransactionKind::PerFile
            } else if state.transaction_id.is_some() {
                TransactionKind::Block
            } else {
                TransactionKind::None
            };
            let (held_until, held_through) = if transaction != TransactionKind::None {
                let later: Vec<StatementContext<'_>> = ctx.later_in_transaction().collect();
                let end = later.last().copied().filter(|c| ends_transaction(c.node()));
                let mut through: Vec<usize> = later
                    .iter()
                    .filter(|c| Some(c.index) != end.map(|e| e.index))
                    .map(|&c| line(c))
                    .collect();
                through.dedup();
                let held = match end {
                    Some(end) => HeldUntil::TransactionEnd(Some(line(end))),
                    None if transaction == TransactionKind::Block => HeldUntil::BlockEnd(line(outermost(ctx))),
                    None => HeldUntil::TransactionEnd(None),
                };
                (held, through)
            } else {
                (HeldUntil::StatementEnd, Vec::new())
            };
            let span = ctx.file_span();
            StatementPlan {
                start: file.original.position(span.start),
                end: file.original.position(span.end),
                summary: summarize(ctx.text()),
                text: ctx.text().to_string(),
                locks: facts
                    .locks
                    .iter()
                    .map(|l| LockPlan {
                        relation: l.relation.clone(),
                        mode: PlanMode::Postgres(l.mode),
                        new_relation: ctx.is_new(&l.relation),
                    })
                    .collect(),
                scoped_locks: facts.scoped_locks.clone(),
                database_lock: None,
                rewrites: facts.rewrites.clone(),
                new_empty_files: facts.new_empty_files.clone(),
                file_copies: facts.file_copies.clone(),
                scans: facts.scans.clone(),
                algorithm: None,
                assumed: false,
                implicit_commit: false,
                builds_no_index: facts.partitioned_index.as_ref().and_then(|p| {
                    if p.only {
                        Some("no build: ON ONLY, the parent's index alone (brief lock)")
                    } else if p.builds_nothing() {
                        Some("no build: each partition's matching index is attached (brief locks)")
                    } else {
                        None
                    }
                }),
                data_loss: facts.data_loss,
                transactional: facts.transactional,
                transaction,
                held_until,
                held_through,
                inside: inside(ctx),
                stand_in: file
                    .parsed
                    .placeholders
                    .iter()
                    .filter(|p| !p.resolved && p.needs_value)
                    .any(|p| span.contains(file.parsed.file_span(p.span))),
                workload: None,
                owners: Vec::new(),
            }
        })
        .collect();
    FilePlan {
        path: file.original.path.clone(),
        dialect: Dialect::Postgres,
        statements,
    }
}

/// The statement of the file itself that runs `ctx` (itself, for one).
fn outermost(ctx: StatementContext<'_>) -> StatementContext<'_> {
    let mut at = ctx;
    while let Some((run, _)) = at.embedding() {
        at = at.file.statement(run.by);
    }
    at
}

fn inside(ctx: StatementContext<'_>) -> Option<Inside> {
    let (run, step) = ctx.embedding()?;
    Some(match &run.kind {
        RunKind::DoBlock => Inside::DoBlock { line: run.line },
        RunKind::Call { name, procedure, .. } => Inside::Routine {
            name: name.clone(),
            procedure: *procedure,
            line: run.line,
            path: run.body.path.to_string(),
            written_line: step.line,
        },
    })
}

/// COMMIT, ROLLBACK or PREPARE TRANSACTION (not AND CHAIN).
fn ends_transaction(node: &NodeEnum) -> bool {
    matches!(
        node,
        NodeEnum::TransactionStmt(tx) if matches!(
            TransactionStmtKind::try_from(tx.kind),
            Ok(TransactionStmtKind::TransStmtCommit
                | TransactionStmtKind::TransStmtRollback
                | TransactionStmtKind::TransStmtPrepare)
        ) && !tx.chain
    )
}

/// How long the locks of each statement are held and which later
/// statements run under them, for the dialects planned statement by
/// statement (MySQL, SQLite): `steps[i]` is the transaction statement i
/// runs in and whether it ends the one open before it (a COMMIT, a
/// ROLLBACK, or MySQL's DDL, which commits implicitly); each statement's
/// transaction comes back with what it holds.
pub(crate) fn holds(steps: &[(usize, TransactionKind, Ends)]) -> Vec<(TransactionKind, (HeldUntil, Vec<usize>))> {
    steps
        .iter()
        .enumerate()
        .map(|(i, &(_, transaction, _))| {
            if matches!(transaction, TransactionKind::None) {
                return (transaction, (HeldUntil::StatementEnd, Vec::new()));
            }
            let mut through = Vec::new();
            for &(line, _, ends) in &steps[i + 1..] {
                match ends {
                    Ends::Explicitly => return (transaction, (HeldUntil::TransactionEnd(Some(line)), through)),
                    Ends::Implicitly => return (transaction, (HeldUntil::ImplicitCommit(line), through)),
                    Ends::No => {}
                }
                if through.last() != Some(&line) {
                    through.push(line);
                }
            }
            (transaction, (HeldUntil::TransactionEnd(None), through))
        })
        .collect()
}

/// A statement of a dialect planned statement by statement (MySQL,
/// SQLite), with nothing planned yet but where it is, its transaction and
/// how long what it takes is held: the dialect fills in the rest.
pub(crate) fn replayed_statement(
    source: &crate::input::source::SourceFile,
    span: crate::input::source::Span,
    transaction: TransactionKind,
    (held_until, held_through): (HeldUntil, Vec<usize>),
) -> StatementPlan {
    let text = source.slice(span);
    StatementPlan {
        start: source.position(span.start),
        end: source.position(span.end),
        summary: summarize(text),
        text: text.to_string(),
        locks: Vec::new(),
        scoped_locks: Vec::new(),
        database_lock: None,
        rewrites: Vec::new(),
        new_empty_files: Vec::new(),
        file_copies: Vec::new(),
        scans: Vec::new(),
        algorithm: None,
        assumed: false,
        implicit_commit: false,
        builds_no_index: None,
        data_loss: false,
        transactional: true,
        transaction,
        held_until,
        held_through,
        inside: None,
        stand_in: false,
        workload: None,
        owners: Vec::new(),
    }
}

pub(crate) fn summarize(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= SUMMARY_CHARS {
        one_line
    } else {
        let cut: String = one_line.chars().take(SUMMARY_CHARS - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, Catalog, Options, TransactionMode};
    use crate::input::source::SourceFile;
    use crate::parse::parse_file;

    fn plan(sql: &str, transaction: TransactionMode) -> FilePlan {
        let source = SourceFile::new("m.sql", sql);
        let parsed = parse_file(&source);
        let options = Options {
            pg_version: 16,
            transaction,
            assume_lock_timeout: false,
            max_lock_timeout_ms: 10_000,
            time_zone: crate::analysis::SessionTimeZone::Unknown,
            autocommit_declared: false,
            naming: Default::default(),
        };
        plan_file(&analyze(&source, &parsed, options, &mut Catalog::default(), 0))
    }

    #[test]
    fn statements_with_stand_ins_are_marked_and_placed_in_the_file() {
        let p = plan(
            "CREATE TABLE ${schema}.t (id int);\n  CREATE INDEX i ON ${schema}.t (id);\nSELECT 1;",
            TransactionMode::None,
        );
        let marked: Vec<bool> = p.statements.iter().map(|s| s.stand_in).collect();
        assert_eq!(marked, [true, true, false]);
        let index = &p.statements[1];
        assert_eq!((index.start.line, index.start.column), (2, 3));
        assert_eq!((index.end.line, index.end.column), (2, 37));
        assert_eq!(index.text, "CREATE INDEX i ON schema.t (id)");
    }

    #[test]
    fn locks_are_held_to_the_commit_and_name_what_runs_under_them() {
        let p = plan(
            "BEGIN;\nALTER TABLE users ADD COLUMN a int;\nUPDATE users SET a = 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON users (a);",
            TransactionMode::None,
        );
        let alter = &p.statements[1];
        assert_eq!(alter.transaction, TransactionKind::Explicit);
        assert_eq!(alter.held_until, HeldUntil::TransactionEnd(Some(4)));
        assert_eq!(alter.held_through, [3]);
        assert_eq!(alter.locks[0].mode, PlanMode::Postgres(LockMode::AccessExclusive));
        assert_eq!(alter.blocks(), ["reads", "writes"]);
        let index = &p.statements[4];
        assert_eq!(index.held_until, HeldUntil::StatementEnd);
        assert!(!index.transactional);
        assert_eq!(index.blocks(), ["ddl"]);
    }

    #[test]
    fn per_file_transactions_hold_locks_to_the_end_of_the_file() {
        let p = plan(
            "CREATE TABLE t (id bigint);\nCREATE INDEX i ON t (id);\nCREATE INDEX j ON users (id);",
            TransactionMode::PerFile,
        );
        assert_eq!(p.statements[1].transaction, TransactionKind::PerFile);
        assert!(p.statements[1].locks[0].new_relation);
        assert!(p.statements[1].blocks().is_empty());
        assert_eq!(p.statements[2].held_until, HeldUntil::TransactionEnd(None));
        assert_eq!(p.statements[0].held_through, [2, 3]);
    }
}
