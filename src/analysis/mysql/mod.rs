//! What each statement of a MySQL or MariaDB migration does to a live
//! server: the schema the migrations before it left (`MysqlCatalog`), the
//! algorithm and concurrency of each ALTER (`online`), the ALGORITHM= and
//! LOCK= clauses it asks for and whether the server refuses them, the
//! session's `lock_wait_timeout` and `foreign_key_checks`, and DDL's
//! implicit commit.

pub(crate) mod actions;
pub(crate) mod catalog;
pub(crate) mod metadata;
pub(crate) mod model;
pub(crate) mod online;

use sqlparser::ast::{AlterTableAlgorithm, AlterTableLock, AlterTableOperation, ObjectType, Statement as Ast};

use crate::input::source::{SourceFile, Span};
use crate::parse::mysql::{AlterClause, MysqlFile, MysqlKind};
pub(crate) use crate::settings::MysqlServer;
use crate::settings::Settings;
pub(crate) use actions::Action;
pub(crate) use catalog::{MysqlCatalog, MysqlTable};
pub use metadata::MetadataLock;
pub(crate) use online::{Algorithm, Concurrency, DdlOp, TableClause, Verdict};

/// One statement as the MySQL rules see it.
#[derive(Debug, Clone)]
pub(crate) struct MysqlStatementState<'a> {
    pub span: Span,
    pub ast: Option<&'a Ast>,
    pub action: Action,
    /// The table the statement changes, as the schema held it before the
    /// statement (None for statements on no single table, or a table
    /// created by this statement).
    pub table: Option<TableState>,
    /// The tables a DROP TABLE, TRUNCATE or RENAME TABLE names that existed
    /// before the change (or that no migration created): they hold
    /// production's rows.
    pub existing_tables: Vec<String>,
    /// The statement as the server runs it: the worst algorithm and the
    /// least concurrency of its changes, or what its ALGORITHM= and LOCK=
    /// clauses ask for when that is worse. None for statements that are
    /// not online DDL.
    pub online: Option<Verdict>,
    /// The ALGORITHM= and LOCK= clauses, when written and not DEFAULT.
    pub requested: Requested,
    /// Why the server refuses the statement's ALGORITHM= or LOCK=: the
    /// change needs more than the clause permits.
    pub refused: Option<String>,
    /// An explicit transaction (`START TRANSACTION`/`BEGIN`) is open when
    /// the statement runs: where it started.
    pub open_transaction: Option<Span>,
    /// `lock_wait_timeout` as the file set it before this statement, or as
    /// the statement sets it for itself (MariaDB's `WAIT n`, `NOWAIT` as 0,
    /// `SET STATEMENT ... FOR`), in seconds (None: the server's, a year
    /// unless the database is set up otherwise).
    pub lock_wait_timeout: Option<f64>,
}

/// What the rules need of a statement's table, as it was before the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableState {
    /// As written in its CREATE TABLE (lowercased when no migration created it).
    pub name: String,
    /// It holds rows in production: it existed before the change (or is
    /// unknown to miglint), or the change filled it.
    pub has_rows: bool,
    /// It existed before the change: its data and its users are production's.
    pub existed: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Requested {
    pub algorithm: Option<Algorithm>,
    pub lock: Option<Concurrency>,
}

impl MysqlStatementState<'_> {
    /// The table holds rows in production: it existed before the change
    /// (or is unknown to miglint), or the change filled it.
    pub(crate) fn on_table_with_rows(&self) -> bool {
        self.table.as_ref().is_some_and(|t| t.has_rows)
    }

    /// The table's name as the statement's message shows it.
    pub(crate) fn table_name(&self) -> &str {
        self.table.as_ref().map_or("", |t| t.name.as_str())
    }

    /// An `ALTER TABLE` of a table that existed before the change: its
    /// operations and the table.
    pub(crate) fn altered_existing_table(&self) -> Option<(&'_ [AlterTableOperation], &TableState)> {
        match (self.ast, &self.table) {
            (Some(Ast::AlterTable(alter)), Some(table)) if table.existed => Some((&alter.operations, table)),
            _ => None,
        }
    }

    /// How the server runs an online DDL statement that will run (its
    /// ALGORITHM= and LOCK= are not refused) on a table with rows; None for
    /// any other statement.
    pub(crate) fn online_on_rows(&self) -> Option<&Verdict> {
        self.online
            .as_ref()
            .filter(|_| self.refused.is_none() && self.on_table_with_rows())
    }

    /// DDL that takes the exclusive metadata lock of a table with rows: it
    /// waits behind every open transaction that touched the table, and
    /// every later query on the table waits behind it.
    pub(crate) fn locks_table_metadata(&self) -> bool {
        matches!(
            self.action,
            Action::AlterTable { .. }
                | Action::CreateIndex { .. }
                | Action::DropIndex { .. }
                | Action::DropTables { temporary: false, .. }
                | Action::Truncate { .. }
                | Action::Routine { table: Some(_), .. }
        ) && self.on_table_with_rows()
    }
}

/// A MySQL file with the facts of every statement.
pub(crate) struct MysqlAnalyzed<'a> {
    pub source: &'a SourceFile,
    pub server: MysqlServer,
    /// The runner wraps the file in a transaction (which MySQL's DDL commits).
    pub runner_transaction: bool,
    /// A lock wait timeout is set outside the migrations (`assume_lock_timeout`).
    pub lock_wait_timeout_assumed: bool,
    /// The longest acceptable `lock_wait_timeout`, in seconds (`max_lock_timeout`).
    pub max_lock_wait_timeout: f64,
    pub statements: Vec<MysqlStatementState<'a>>,
}

/// Walks a file's statements in order against `catalog`, which it leaves
/// as the file leaves the schema. `in_change`: the file is part of the
/// change being judged (what it creates is new, empty in production).
pub(crate) fn analyze_mysql<'a>(
    source: &'a SourceFile,
    parsed: &'a MysqlFile,
    catalog: &mut MysqlCatalog,
    settings: &Settings,
    runner_transaction: bool,
    in_change: bool,
) -> MysqlAnalyzed<'a> {
    let server = settings.mysql_server;
    let mut statements = Vec::with_capacity(parsed.statements.len());
    let mut open_transaction = None;
    let mut lock_wait_timeout = None;
    let mut foreign_key_checks = true;
    for statement in &parsed.statements {
        let action = actions::action_of(&statement.kind);
        let (ast, clauses) = match &statement.kind {
            MysqlKind::Ast(ast) => (Some(&**ast), &[][..]),
            MysqlKind::Alter { ast, clauses } => (Some(&**ast), clauses.as_slice()),
            MysqlKind::Routine { .. } => (None, &[][..]),
        };
        // The table as the catalog holds it, borrowed: most statements are
        // data changes, which need only its name and rows.
        let unknown_table;
        let known: Option<&MysqlTable> = match target_table(&action) {
            Some(name) => match catalog.table(name) {
                Some(table) => Some(table),
                None => {
                    unknown_table = unknown(name);
                    Some(&unknown_table)
                }
            },
            None => None,
        };
        let changes = match (known, ast) {
            (Some(table), Some(ast)) => {
                let mut changes = changes_of(ast, table, server, foreign_key_checks);
                changes.extend(clauses.iter().filter_map(|clause| {
                    online::judge(DdlOp::Clause(table_clause(clause)?), table, server, foreign_key_checks)
                }));
                changes
            }
            _ => Vec::new(),
        };
        let existing_tables = named_tables(&action)
            .into_iter()
            .filter_map(|name| match catalog.table(name) {
                Some(table) if table.new_in_change => None,
                Some(table) => Some(table.name.clone()),
                None => Some(name.to_string()),
            })
            .collect();
        let requested = requested_by_clauses(ast.map(requested_of).unwrap_or_default(), clauses);
        let judged = combine(&changes);
        let refused = judged.as_ref().and_then(|verdict| refusal(verdict, requested));
        let online = judged.map(|verdict| as_run(verdict, requested));
        let table = known.map(|t| TableState {
            name: t.name.clone(),
            has_rows: t.has_rows,
            existed: !t.new_in_change,
        });
        statements.push(MysqlStatementState {
            span: statement.span,
            ast,
            action: action.clone(),
            table,
            existing_tables,
            online,
            requested,
            refused,
            open_transaction,
            // MariaDB's WAIT n / NOWAIT, or SET STATEMENT ... FOR, for this statement alone.
            lock_wait_timeout: statement.lock_wait.or(lock_wait_timeout),
        });
        match &action {
            Action::Begin => open_transaction = Some(statement.span),
            Action::Commit | Action::Rollback => open_transaction = None,
            Action::Set { assignments } => {
                for assignment in assignments.iter().filter(|a| !a.global) {
                    match assignment.name.as_str() {
                        "lock_wait_timeout" => lock_wait_timeout = assignment.value.parse().ok(),
                        "foreign_key_checks" => {
                            foreign_key_checks = !matches!(assignment.value.as_str(), "0" | "off" | "false")
                        }
                        _ => {}
                    }
                }
            }
            action if action.commits() => open_transaction = None,
            _ => {}
        }
        catalog.apply(ast, &action, in_change);
    }
    MysqlAnalyzed {
        source,
        server,
        runner_transaction,
        lock_wait_timeout_assumed: settings.assume_lock_timeout,
        max_lock_wait_timeout: settings.max_lock_timeout_ms as f64 / 1000.0,
        statements,
    }
}

/// The one table an online DDL statement or a data change acts on.
fn target_table(action: &Action) -> Option<&str> {
    match action {
        Action::AlterTable { table }
        | Action::CreateIndex { table, .. }
        | Action::DropIndex { table, .. }
        | Action::Delete { table, .. }
        | Action::Update { table, .. }
        | Action::Insert { table } => Some(table.as_str()),
        Action::DropTables { tables, .. } | Action::Truncate { tables } => tables.first().map(String::as_str),
        Action::Routine { table, .. } => table.as_deref(),
        _ => None,
    }
    .filter(|name| !name.is_empty())
}

/// The tables a DROP TABLE, TRUNCATE or RENAME TABLE names.
fn named_tables(action: &Action) -> Vec<&str> {
    match action {
        Action::DropTables {
            tables,
            temporary: false,
        }
        | Action::Truncate { tables } => tables.iter().map(String::as_str).collect(),
        Action::RenameTables { pairs } => pairs.iter().map(|(old, _)| old.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// A table no migration miglint read created: production's, with rows.
fn unknown(name: &str) -> MysqlTable {
    MysqlTable {
        name: name.to_string(),
        unknown: true,
        has_rows: true,
        ..MysqlTable::default()
    }
}

/// What the server does for each change of an online DDL statement (an
/// ALTER TABLE's changes judged together: some are instant only as a whole).
fn changes_of(ast: &Ast, table: &MysqlTable, server: MysqlServer, foreign_key_checks: bool) -> Vec<Verdict> {
    let single = |op| {
        online::judge(op, table, server, foreign_key_checks)
            .into_iter()
            .collect()
    };
    match ast {
        Ast::AlterTable(alter) => online::judge_alter(&alter.operations, table, server, foreign_key_checks)
            .into_iter()
            .flatten()
            .collect(),
        Ast::CreateIndex(create) => single(DdlOp::CreateIndex(create)),
        Ast::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        } => match names.first().and_then(|name| name.0.last()?.as_ident()) {
            Some(ident) => single(DdlOp::DropIndex(ident.value.as_str())),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A clause the parser read by hand, as the online DDL verdicts take it
/// (None for an ALGORITHM= or LOCK=, which asks, not changes).
fn table_clause(clause: &AlterClause) -> Option<TableClause<'_>> {
    Some(match clause {
        AlterClause::Force => TableClause::Force,
        AlterClause::Engine(engine) => TableClause::Engine(engine),
        AlterClause::RowFormat => TableClause::RowFormat,
        AlterClause::ConvertCharset(charset) => TableClause::ConvertCharset(charset),
        AlterClause::DefaultCharset(charset) => TableClause::DefaultCharset(charset),
        AlterClause::RenameIndex => TableClause::RenameIndex,
        // COMMENT= and the other options that only change metadata.
        AlterClause::Metadata => TableClause::Comment,
        AlterClause::OrderBy => TableClause::OrderBy,
        AlterClause::Keys => TableClause::Keys,
        AlterClause::Algorithm(_) | AlterClause::Lock(_) => return None,
    })
}

/// `requested` with the ALGORITHM= and LOCK= the parser read by hand.
fn requested_by_clauses(mut requested: Requested, clauses: &[AlterClause]) -> Requested {
    for clause in clauses {
        match clause {
            AlterClause::Algorithm(name) => {
                requested.algorithm = match name.as_str() {
                    "INSTANT" => Some(Algorithm::Instant),
                    "INPLACE" | "NOCOPY" => Some(Algorithm::Inplace),
                    "COPY" => Some(Algorithm::Copy),
                    _ => None,
                }
            }
            AlterClause::Lock(name) => {
                requested.lock = match name.as_str() {
                    "NONE" => Some(Concurrency::ReadsAndWrites),
                    "SHARED" => Some(Concurrency::Reads),
                    "EXCLUSIVE" => Some(Concurrency::Nothing),
                    _ => None,
                }
            }
            _ => {}
        }
    }
    requested
}

/// The statement's ALGORITHM= and LOCK= clauses.
fn requested_of(ast: &Ast) -> Requested {
    let operations: &[AlterTableOperation] = match ast {
        Ast::AlterTable(alter) => &alter.operations,
        Ast::CreateIndex(create) => &create.alter_options,
        _ => &[],
    };
    let mut requested = Requested::default();
    for operation in operations {
        match operation {
            AlterTableOperation::Algorithm { algorithm, .. } => {
                requested.algorithm = match algorithm {
                    AlterTableAlgorithm::Instant => Some(Algorithm::Instant),
                    AlterTableAlgorithm::Inplace => Some(Algorithm::Inplace),
                    AlterTableAlgorithm::Copy => Some(Algorithm::Copy),
                    AlterTableAlgorithm::Default => None,
                }
            }
            AlterTableOperation::Lock { lock, .. } => {
                requested.lock = match lock {
                    AlterTableLock::None => Some(Concurrency::ReadsAndWrites),
                    AlterTableLock::Shared => Some(Concurrency::Reads),
                    AlterTableLock::Exclusive => Some(Concurrency::Nothing),
                    AlterTableLock::Default => None,
                }
            }
            _ => {}
        }
    }
    requested
}

/// The statement's changes together: a statement runs with the worst
/// algorithm any of its changes needs, and permits the least concurrency.
fn combine(changes: &[Verdict]) -> Option<Verdict> {
    let worst = changes
        .iter()
        .max_by_key(|c| (c.algorithm, c.concurrency, c.rebuilds))?;
    Some(Verdict {
        algorithm: worst.algorithm,
        concurrency: changes.iter().map(|c| c.concurrency).max().unwrap_or(worst.concurrency),
        rebuilds: changes.iter().any(|c| c.rebuilds),
        reason: worst.reason.clone(),
        assumed: changes.iter().any(|c| c.assumed),
    })
}

/// Why the server refuses the statement as written: it asks for a better
/// algorithm or more concurrency than its changes allow (ER_ALTER_OPERATION_NOT_SUPPORTED).
fn refusal(verdict: &Verdict, requested: Requested) -> Option<String> {
    // The server may do better than the worst miglint assumes.
    if verdict.assumed {
        return None;
    }
    if let Some(algorithm) = requested.algorithm {
        if algorithm < verdict.algorithm {
            return Some(format!(
                "ALGORITHM={} is refused, this needs ALGORITHM={} ({})",
                algorithm_name(algorithm),
                algorithm_name(verdict.algorithm),
                verdict.reason
            ));
        }
    }
    let algorithm = requested.algorithm.unwrap_or(verdict.algorithm).max(verdict.algorithm);
    let most = if algorithm == Algorithm::Copy {
        verdict.concurrency.max(Concurrency::Reads)
    } else {
        verdict.concurrency
    };
    match requested.lock {
        Some(lock) if lock < most => Some(format!(
            "LOCK={} is refused, this permits at most LOCK={} ({})",
            lock_name(lock),
            lock_name(most),
            verdict.reason
        )),
        _ => None,
    }
}

/// The statement as the server runs it, when its clauses ask for a worse
/// algorithm or less concurrency than it needs.
fn as_run(verdict: Verdict, requested: Requested) -> Verdict {
    let algorithm = requested
        .algorithm
        .map_or(verdict.algorithm, |a| a.max(verdict.algorithm));
    let mut concurrency = verdict.concurrency;
    if algorithm == Algorithm::Copy {
        concurrency = concurrency.max(Concurrency::Reads);
    }
    let mut reason = verdict.reason;
    if let Some(lock) = requested.lock.filter(|lock| *lock > concurrency) {
        reason = format!("its LOCK={} asks for that, though {reason}", lock_name(lock));
        concurrency = lock;
    }
    Verdict {
        rebuilds: verdict.rebuilds || algorithm == Algorithm::Copy,
        algorithm,
        concurrency,
        reason,
        assumed: verdict.assumed,
    }
}

pub(crate) fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Instant => "INSTANT",
        Algorithm::Inplace => "INPLACE",
        Algorithm::Copy => "COPY",
    }
}

pub(crate) fn lock_name(concurrency: Concurrency) -> &'static str {
    match concurrency {
        Concurrency::ReadsAndWrites => "NONE",
        Concurrency::Reads => "SHARED",
        Concurrency::Nothing => "EXCLUSIVE",
    }
}

#[cfg(test)]
mod tests;
