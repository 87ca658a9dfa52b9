//! Online DDL: for each change an `ALTER TABLE` (or `CREATE INDEX`, `DROP
//! INDEX`) makes, the algorithm the server picks when the statement names
//! none (INSTANT, INPLACE or COPY), the concurrent DML it permits, and
//! whether it rebuilds the table, per server flavor and version, as the
//! online DDL tables of the MySQL 5.7/8.0/8.4 and MariaDB manuals give
//! them.
//!
//! Sources, cited at each rule:
//! - MySQL 5.7 §14.13.1, MySQL 8.0 §17.12.1 and MySQL 8.4 §17.12.1 "Online
//!   DDL Operations" (the tables of column, index, foreign key, generated
//!   column and table operations), cited as "MySQL §…".
//! - MariaDB "InnoDB Online DDL Operations with the INSTANT / NOCOPY /
//!   INPLACE Alter Algorithm" and "InnoDB Online DDL Overview", cited as
//!   "MariaDB INSTANT / NOCOPY / INPLACE".
//! - Where the manuals are silent, what a MariaDB 10.11 server does
//!   (`src/tests/mysql_truth.rs` checks every MariaDB claim it can run).
//!
//! MariaDB's `ALGORITHM=NOCOPY` (between INSTANT and INPLACE: in place and
//! never rebuilding the clustered index) is `Inplace` with `rebuilds:
//! false` here; MySQL's in-place changes that rebuild nothing are the same
//! thing under another name, so one verdict serves both.
//!
//! The catalog may not know a table (`unknown`) or a column: then the
//! verdict is the worst the change can be, and its reason says why.
//! Engines other than InnoDB have no online DDL: they copy.

use sqlparser::ast::{
    AlterTableOperation, CharacterLength, ColumnOption, CreateIndex, DataType, EnumMember, GeneratedAs,
    GeneratedExpressionMode, MySQLColumnPosition, TableConstraint,
};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

use super::model::{Generated, IndexKind, MysqlColumn, MysqlTable};
use crate::settings::{MysqlFlavor, MysqlServer};

/// The algorithms, best first: a server uses the best one a change allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Algorithm {
    /// Only the data dictionary changes.
    Instant,
    /// The storage engine changes the table in place (it may still rebuild it).
    Inplace,
    /// A new table is built and the rows copied into it.
    Copy,
}

/// What other sessions may do to the table while the change runs (the
/// `LOCK=` clause's levels), most permissive first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Concurrency {
    /// `LOCK=NONE`: reads and writes.
    ReadsAndWrites,
    /// `LOCK=SHARED`: reads only.
    Reads,
    /// `LOCK=EXCLUSIVE`: nothing.
    Nothing,
}

/// What one change does on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// The best algorithm the server can use for it.
    pub algorithm: Algorithm,
    /// The most concurrency that algorithm permits.
    pub concurrency: Concurrency,
    /// The table is rebuilt (every row rewritten), in place or by copy.
    pub rebuilds: bool,
    /// Why, in a phrase a finding can carry: "changing a column's type
    /// copies the table".
    pub reason: String,
    /// The verdict assumes the worst of a table or column miglint does not
    /// know: the server may do better, so a refusal cannot be claimed.
    pub assumed: bool,
}

/// What every reason says when the verdict assumes the worst of what
/// miglint does not know.
pub(crate) const NOT_KNOWN: &str = "miglint does not know";

/// One change of a DDL statement.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DdlOp<'a> {
    Alter(&'a AlterTableOperation),
    CreateIndex(&'a CreateIndex),
    /// `DROP INDEX name ON table`.
    DropIndex(&'a str),
    /// An `ALTER TABLE` clause sqlparser 0.64 cannot carry for MySQL (the
    /// parse layer may recognise it by its words).
    Clause(TableClause<'a>),
}

/// `ALTER TABLE` clauses of MySQL and MariaDB that sqlparser 0.64's
/// `AlterTableOperation` has no form for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableClause<'a> {
    /// `FORCE`, or `ENGINE=` naming the engine the table already has.
    Force,
    /// `ENGINE=name`.
    Engine(&'a str),
    /// `ROW_FORMAT=`, `KEY_BLOCK_SIZE=`.
    RowFormat,
    /// `CONVERT TO CHARACTER SET name`.
    ConvertCharset(&'a str),
    /// `[DEFAULT] CHARACTER SET [=] name` of the table.
    DefaultCharset(&'a str),
    /// `RENAME {INDEX | KEY} a TO b`.
    RenameIndex,
    /// `COMMENT [=] '...'` of the table.
    Comment,
    /// `ORDER BY columns`: the rows rewritten in that order.
    OrderBy,
    /// `DISABLE KEYS`/`ENABLE KEYS`, which InnoDB ignores.
    Keys,
}

/// A release of each flavor: the first with a behaviour (None: none has it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Since {
    pub mysql: Option<(u32, u32, u32)>,
    pub mariadb: Option<(u32, u32, u32)>,
}

impl Since {
    pub(crate) fn on(self, server: MysqlServer) -> bool {
        let first = match server.flavor {
            MysqlFlavor::Mysql => self.mysql,
            MysqlFlavor::Mariadb => self.mariadb,
        };
        first.is_some_and(|first| server.version >= first)
    }
}

const fn since(mysql: Option<(u32, u32, u32)>, mariadb: Option<(u32, u32, u32)>) -> Since {
    Since { mysql, mariadb }
}

/// The version switches.
pub(crate) mod switch {
    use super::{since, Since};

    /// `ALGORITHM=INSTANT` exists: changes that only touch metadata are
    /// instant; before it they are in place without a rebuild. MySQL 8.0
    /// §17.12.1 ("INSTANT ... as of MySQL 8.0.12"); MariaDB Overview
    /// ("INSTANT - added in MariaDB 10.3.7").
    pub(crate) const INSTANT: Since = since(Some((8, 0, 12)), Some((10, 3, 7)));
    /// A column added as the last one is instant. MySQL 8.0 §17.12.1 Column
    /// Operations; MariaDB INSTANT "ADD COLUMN" (10.3.2, MDEV-11369).
    pub(crate) const INSTANT_ADD_COLUMN: Since = since(Some((8, 0, 12)), Some((10, 3, 2)));
    /// ... at any position. MySQL 8.0 §17.12.1 ("From MySQL 8.0.29, an
    /// instantly added column can be added to any position"); MariaDB
    /// INSTANT "ADD COLUMN" (10.4).
    pub(crate) const INSTANT_ADD_COLUMN_ANYWHERE: Since = since(Some((8, 0, 29)), Some((10, 4, 0)));
    /// Dropping a column is instant. MySQL 8.0 §17.12.1 (8.0.29); MariaDB
    /// INSTANT "DROP COLUMN" (10.4, MDEV-15562).
    pub(crate) const INSTANT_DROP_COLUMN: Since = since(Some((8, 0, 29)), Some((10, 4, 0)));
    /// Reordering columns (`FIRST`/`AFTER`) is instant. MySQL: never
    /// (§17.12.1: "Reordering columns": in place, rebuilds); MariaDB
    /// INSTANT "MODIFY COLUMN ... FIRST/AFTER" (10.4, MDEV-15562).
    pub(crate) const INSTANT_REORDER_COLUMN: Since = since(None, Some((10, 4, 0)));
    /// Renaming a column is instant. MySQL 8.0 §17.12.1 (8.0.28); MariaDB
    /// INSTANT "CHANGE COLUMN" renaming (with the INSTANT algorithm).
    pub(crate) const INSTANT_RENAME_COLUMN: Since = since(Some((8, 0, 28)), Some((10, 3, 7)));
    /// A VARCHAR of at most 127 bytes grows instantly past 255 bytes (its
    /// rows' length bytes stay valid). MySQL: never (§17.12.1 "Extending
    /// VARCHAR column size": copy across 255 bytes); MariaDB INSTANT
    /// "MODIFY COLUMN ... VARCHAR" (10.4.3, MDEV-15563).
    pub(crate) const INSTANT_VARCHAR_PAST_255: Since = since(None, Some((10, 4, 3)));
    /// A column's character set goes from utf8mb3 to utf8mb4 instantly.
    /// MySQL: never (a type change); MariaDB 10.4 ("ALTER TABLE
    /// Improvements in MariaDB Server 10.4": instant utf8mb3 to utf8mb4).
    pub(crate) const INSTANT_UTF8MB3_TO_UTF8MB4: Since = since(None, Some((10, 4, 3)));
    /// A virtual column's expression or definition changes instantly.
    /// MySQL: never (§17.12.1 Generated Column Operations, a copy);
    /// MariaDB 10.11 does it instantly (checked by the truth suite).
    pub(crate) const INSTANT_MODIFY_VIRTUAL: Since = since(None, Some((10, 3, 7)));
    /// Dropping a foreign key, a CHECK constraint, or setting the
    /// AUTO_INCREMENT counter is instant. MySQL: in place, metadata only
    /// (§17.12.1 Foreign Key / Table Operations); MariaDB INSTANT
    /// "DROP CONSTRAINT", "AUTO_INCREMENT=".
    pub(crate) const INSTANT_CONSTRAINT_DROP: Since = since(None, Some((10, 3, 7)));
    /// CHECK constraints are enforced (before, MySQL parses and ignores
    /// them). MySQL 8.0 §15.1.20.6 (8.0.16); MariaDB 10.2.1.
    pub(crate) const CHECK_CONSTRAINTS: Since = since(Some((8, 0, 16)), Some((10, 2, 1)));
    /// A SPATIAL index is built in place. MySQL 5.7 §14.13.1 (5.7.5);
    /// MariaDB 10.2.2 (InnoDB spatial indexes).
    pub(crate) const INPLACE_SPATIAL_INDEX: Since = since(Some((5, 7, 5)), Some((10, 2, 2)));
    /// `ALGORITHM=COPY` permits `LOCK=NONE` (an online change buffer).
    /// MySQL: never; MariaDB "Online Schema Change" (available from 11.4).
    pub(crate) const ONLINE_COPY: Since = since(None, Some((11, 4, 0)));
    /// The server's default character set is utf8mb4 (latin1 before).
    /// MySQL 8.0.0 (character_set_server's default); MariaDB 11.6.
    pub(crate) const UTF8MB4_DEFAULT: Since = since(Some((8, 0, 0)), Some((11, 6, 0)));
}

// ---------------------------------------------------------------------------
// The verdict builder

impl Verdict {
    fn new(algorithm: Algorithm, concurrency: Concurrency, rebuilds: bool, reason: impl Into<String>) -> Verdict {
        let reason = reason.into();
        Verdict {
            algorithm,
            concurrency,
            rebuilds,
            assumed: reason.contains(NOT_KNOWN),
            reason,
        }
    }

    /// Only metadata changes: instant where the server has INSTANT, else in
    /// place without a rebuild (MariaDB's NOCOPY).
    fn metadata(server: MysqlServer, reason: impl Into<String>) -> Verdict {
        if switch::INSTANT.on(server) {
            Verdict::new(Algorithm::Instant, Concurrency::ReadsAndWrites, false, reason)
        } else {
            Verdict::nocopy(reason)
        }
    }

    fn instant(reason: impl Into<String>) -> Verdict {
        Verdict::new(Algorithm::Instant, Concurrency::ReadsAndWrites, false, reason)
    }

    /// In place, no rebuild, reads and writes go on (MariaDB's NOCOPY).
    fn nocopy(reason: impl Into<String>) -> Verdict {
        Verdict::new(Algorithm::Inplace, Concurrency::ReadsAndWrites, false, reason)
    }

    /// In place, rebuilding the table, reads and writes go on.
    fn rebuild(reason: impl Into<String>) -> Verdict {
        Verdict::new(Algorithm::Inplace, Concurrency::ReadsAndWrites, true, reason)
    }

    /// A copy: reads only, or reads and writes where COPY is online.
    fn copy(server: MysqlServer, reason: impl Into<String>) -> Verdict {
        let concurrency = if switch::ONLINE_COPY.on(server) {
            Concurrency::ReadsAndWrites
        } else {
            Concurrency::Reads
        };
        Verdict::new(Algorithm::Copy, concurrency, true, reason)
    }

    fn blocking(mut self, concurrency: Concurrency) -> Verdict {
        self.concurrency = self.concurrency.max(concurrency);
        self
    }

    fn severity(&self) -> (Algorithm, bool, Concurrency) {
        (self.algorithm, self.rebuilds, self.concurrency)
    }

    /// The worse of two changes made together (its reason is the worse one's).
    pub(crate) fn worst(self, other: Verdict) -> Verdict {
        let (algorithm, rebuilds, concurrency) = (
            self.algorithm.max(other.algorithm),
            self.rebuilds || other.rebuilds,
            self.concurrency.max(other.concurrency),
        );
        let reason = if other.severity() > self.severity() {
            other.reason
        } else {
            self.reason
        };
        Verdict {
            algorithm,
            concurrency,
            rebuilds,
            reason,
            assumed: self.assumed || other.assumed,
        }
    }
}

fn worst_of(verdicts: impl IntoIterator<Item = Verdict>) -> Option<Verdict> {
    verdicts.into_iter().reduce(Verdict::worst)
}

// ---------------------------------------------------------------------------
// Entry points

/// What `op` does to `table` (as the catalog knows it; `table.unknown`
/// when no migration created it) on `server`. `foreign_key_checks`: the
/// session's setting when the statement runs (adding a foreign key is
/// in place only with it off).
pub(crate) fn judge(
    op: DdlOp<'_>,
    table: &MysqlTable,
    server: MysqlServer,
    foreign_key_checks: bool,
) -> Option<Verdict> {
    let verdict = match op {
        DdlOp::Alter(op) => alter(op, table, server, foreign_key_checks)?,
        DdlOp::CreateIndex(index) => create_index(index, table, server),
        DdlOp::DropIndex(name) => drop_index(name, table, server),
        DdlOp::Clause(clause) => table_clause(clause, table, server),
    };
    Some(finish(verdict, op, table))
}

/// What the table adds to any change's verdict: its engine, its FULLTEXT index.
fn finish(verdict: Verdict, op: DdlOp<'_>, table: &MysqlTable) -> Verdict {
    fulltext_rebuild(other_engine(verdict, op, table), table)
}

/// Rebuilding a table with a FULLTEXT index rebuilds that index, which
/// needs a lock: writes wait (MySQL refuses LOCK=NONE with "Fulltext index
/// creation requires a lock"; MariaDB 10.11 likewise).
fn fulltext_rebuild(verdict: Verdict, table: &MysqlTable) -> Verdict {
    if verdict.algorithm == Algorithm::Inplace && verdict.rebuilds && table.has_fulltext() {
        let reason = format!("{}; with a FULLTEXT index, writes wait", verdict.reason);
        Verdict { reason, ..verdict }.blocking(Concurrency::Reads)
    } else {
        verdict
    }
}

/// The changes of one `ALTER TABLE`, judged together: `DROP PRIMARY KEY`
/// with `ADD PRIMARY KEY` in the same statement is one in-place rebuild
/// (MySQL §17.12.1 Index Operations, "Dropping a primary key and adding
/// another"), where either alone is worse or different.
pub(crate) fn judge_alter(
    ops: &[AlterTableOperation],
    table: &MysqlTable,
    server: MysqlServer,
    foreign_key_checks: bool,
) -> Vec<Option<Verdict>> {
    let adds_primary = ops.iter().any(|op| {
        matches!(
            op,
            AlterTableOperation::AddConstraint {
                constraint: TableConstraint::PrimaryKey(_),
                ..
            }
        )
    });
    let mut verdicts: Vec<Option<Verdict>> = ops
        .iter()
        .map(|op| {
            if adds_primary && matches!(op, AlterTableOperation::DropPrimaryKey { .. }) {
                let verdict = Verdict::rebuild("replacing the primary key rebuilds the table in place");
                return Some(finish(verdict, DdlOp::Alter(op), table));
            }
            judge(DdlOp::Alter(op), table, server, foreign_key_checks)
        })
        .collect();
    // A statement is instant only as a whole: "a statement cannot combine
    // the addition of a column with other ALTER TABLE actions that do not
    // support the INSTANT algorithm" (MySQL §17.12.1; MariaDB alike). Then
    // the column changes that are cheap only when instant rebuild in place.
    let all_instant = verdicts.iter().flatten().all(|v| v.algorithm == Algorithm::Instant);
    if !all_instant {
        for (op, verdict) in ops.iter().zip(verdicts.iter_mut()) {
            let Some(current) = verdict else { continue };
            if current.algorithm == Algorithm::Instant && instant_or_rebuild(op, table) {
                let fallback = Verdict::rebuild(format!(
                    "{}, but only on its own: with a change that is not instant, the table is rebuilt in place",
                    current.reason
                ));
                *verdict = Some(finish(fallback, DdlOp::Alter(op), table));
            }
        }
    }
    verdicts
}

/// The column changes whose only way without a rebuild is instant: adding,
/// dropping (but a VIRTUAL column) and reordering columns.
fn instant_or_rebuild(op: &AlterTableOperation, table: &MysqlTable) -> bool {
    match op {
        AlterTableOperation::AddColumn { column_def, .. } => {
            let options: Vec<&ColumnOption> = column_def.options.iter().map(|o| &o.option).collect();
            NewColumn::new(&column_def.data_type, &options, None).generated != Some(Generated::Virtual)
        }
        AlterTableOperation::DropColumn { column_names, .. } => column_names.iter().any(|name| {
            table
                .column(&name.value)
                .is_none_or(|c| c.generated != Some(Generated::Virtual))
        }),
        AlterTableOperation::ModifyColumn { column_position, .. }
        | AlterTableOperation::ChangeColumn { column_position, .. } => column_position.is_some(),
        _ => false,
    }
}

/// Engines other than InnoDB have no online DDL: anything beyond renames
/// and defaults copies the table, reads only (MySQL §17.12: online DDL is
/// InnoDB's; MariaDB's online COPY is not assumed for other engines).
fn other_engine(verdict: Verdict, op: DdlOp<'_>, table: &MysqlTable) -> Verdict {
    let Some(engine) = table
        .engine
        .as_deref()
        .filter(|engine| !engine.eq_ignore_ascii_case("innodb"))
    else {
        return verdict;
    };
    let metadata_only = matches!(
        op,
        DdlOp::Alter(AlterTableOperation::RenameTable { .. } | AlterTableOperation::AlterColumn { .. })
    );
    if metadata_only {
        return verdict;
    }
    let reason = if verdict.algorithm == Algorithm::Copy {
        verdict.reason
    } else {
        format!("{engine} tables have no online DDL: the table is copied")
    };
    Verdict::new(Algorithm::Copy, Concurrency::Reads, true, reason)
}

fn alter(op: &AlterTableOperation, table: &MysqlTable, server: MysqlServer, fk_checks: bool) -> Option<Verdict> {
    use AlterTableOperation as Op;
    Some(match op {
        Op::AddColumn {
            column_def,
            column_position,
            ..
        } => {
            let options: Vec<&ColumnOption> = column_def.options.iter().map(|o| &o.option).collect();
            let new = NewColumn::new(&column_def.data_type, &options, column_position.as_ref());
            add_column(&new, table, server)
        }
        Op::DropColumn { column_names, .. } => {
            worst_of(column_names.iter().map(|name| drop_column(&name.value, table, server)))?
        }
        Op::RenameColumn {
            old_column_name,
            new_column_name: _,
        } => rename_column(&old_column_name.value, table, server),
        Op::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            column_position,
        } => {
            let options: Vec<&ColumnOption> = options.iter().collect();
            let new = NewColumn::new(data_type, &options, column_position.as_ref());
            let renamed = !old_name.value.eq_ignore_ascii_case(&new_name.value);
            redefine_column(&old_name.value, renamed, &new, table, server)
        }
        Op::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position,
        } => {
            let options: Vec<&ColumnOption> = options.iter().collect();
            let new = NewColumn::new(data_type, &options, column_position.as_ref());
            redefine_column(&col_name.value, false, &new, table, server)
        }
        Op::AlterColumn { op, .. } => {
            use sqlparser::ast::AlterColumnOperation as Col;
            match op {
                // MySQL §17.12.1 "Setting/Dropping a column default value": metadata only.
                Col::SetDefault { .. } | Col::DropDefault => {
                    Verdict::metadata(server, "changing a column's default only changes metadata")
                }
                // Not MySQL syntax (SET NOT NULL, TYPE ...): the server refuses it.
                _ => return None,
            }
        }
        Op::AddConstraint { constraint, .. } => add_constraint(constraint, table, server, fk_checks),
        Op::DropConstraint { name, .. } => drop_constraint(&name.value, table, server),
        Op::DropPrimaryKey { .. } => drop_primary_key(server),
        Op::DropForeignKey { .. } => drop_foreign_key(server),
        Op::DropIndex { name } => drop_index(&name.value, table, server),
        Op::RenameTable { .. } => rename_table(server),
        Op::AutoIncrement { .. } => {
            // MySQL §17.12.1 Column Operations "Changing the auto-increment
            // value": in place, no rebuild; MariaDB INSTANT "AUTO_INCREMENT=".
            if switch::INSTANT_CONSTRAINT_DROP.on(server) {
                Verdict::instant("setting the AUTO_INCREMENT counter only changes metadata")
            } else {
                Verdict::nocopy("setting the AUTO_INCREMENT counter changes a value in memory, in place")
            }
        }
        // The clauses that pick an algorithm or lock change nothing themselves.
        Op::Algorithm { .. } | Op::Lock { .. } => return None,
        // sqlparser's other forms are other databases' syntax: MySQL refuses them.
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Columns

/// A column definition as an ALTER writes it.
struct NewColumn<'a> {
    data_type: &'a DataType,
    not_null: bool,
    primary_key: bool,
    unique: bool,
    auto_increment: bool,
    generated: Option<Generated>,
    charset: Option<String>,
    /// A `COLLATE` is written (the catalog does not keep collations, so
    /// whether it changes is unknown).
    collation: bool,
    position: Option<&'a MySQLColumnPosition>,
}

impl<'a> NewColumn<'a> {
    fn new(data_type: &'a DataType, options: &[&ColumnOption], position: Option<&'a MySQLColumnPosition>) -> Self {
        let mut column = NewColumn {
            data_type,
            not_null: false,
            primary_key: false,
            unique: false,
            auto_increment: false,
            generated: None,
            charset: None,
            collation: false,
            position,
        };
        for option in options {
            match option {
                ColumnOption::NotNull => column.not_null = true,
                ColumnOption::PrimaryKey(_) => {
                    column.primary_key = true;
                    column.not_null = true;
                }
                ColumnOption::Unique(_) => column.unique = true,
                ColumnOption::CharacterSet(name) => column.charset = Some(name.to_string().to_ascii_lowercase()),
                ColumnOption::Collation(_) => column.collation = true,
                ColumnOption::DialectSpecific(tokens)
                    if tokens
                        .iter()
                        .any(|t| matches!(t, Token::Word(w) if w.keyword == Keyword::AUTO_INCREMENT)) =>
                {
                    column.auto_increment = true;
                }
                ColumnOption::Generated {
                    generated_as,
                    generation_expr: Some(_),
                    generation_expr_mode,
                    ..
                } => {
                    let stored = *generated_as == GeneratedAs::ExpStored
                        || *generation_expr_mode == Some(GeneratedExpressionMode::Stored);
                    column.generated = Some(if stored { Generated::Stored } else { Generated::Virtual });
                }
                _ => {}
            }
        }
        column
    }
}

fn add_column(new: &NewColumn<'_>, table: &MysqlTable, server: MysqlServer) -> Verdict {
    let column = if new.auto_increment {
        // MySQL §17.12.1 "Adding a column": concurrent DML is not permitted
        // when adding an auto-increment column; it rebuilds.
        Verdict::rebuild("adding an AUTO_INCREMENT column rebuilds the table and blocks writes")
            .blocking(Concurrency::Reads)
    } else {
        match new.generated {
            // MySQL §17.12.1 Generated Column Operations "Adding a STORED
            // column": not in place; MariaDB copies too.
            Some(Generated::Stored) => Verdict::copy(server, "adding a STORED generated column copies the table"),
            // "Adding a VIRTUAL column": instant (8.0), in place without rebuild (5.7).
            Some(Generated::Virtual) => {
                Verdict::metadata(server, "adding a VIRTUAL generated column only changes metadata")
            }
            None => add_plain_column(new, table, server),
        }
    };
    // An inline PRIMARY KEY or UNIQUE builds an index as well.
    let index = if new.primary_key {
        Some(add_index_kind(IndexKind::Primary, table, server))
    } else if new.unique {
        Some(add_index_kind(IndexKind::Unique, table, server))
    } else {
        None
    };
    match index {
        // Instant only alone (see `judge_alter`): with its index, in place.
        Some(index) if column.algorithm == Algorithm::Instant => Verdict::rebuild(
            "adding a column with an index rebuilds the table in place (instant ADD COLUMN builds no index)",
        )
        .worst(index),
        Some(index) => column.worst(index),
        None => column,
    }
}

fn add_plain_column(new: &NewColumn<'_>, table: &MysqlTable, server: MysqlServer) -> Verdict {
    const REBUILD: &str = "adding a column rebuilds the table in place";
    if !switch::INSTANT_ADD_COLUMN.on(server) {
        // MySQL 5.7 §14.13.1 "Adding a column": in place, rebuilds.
        return Verdict::rebuild(REBUILD);
    }
    if table.unknown {
        // Instant ADD COLUMN is refused on a table with a FULLTEXT index
        // (MySQL §17.12.1 limitations; MariaDB INSTANT: hidden FTS_DOC_ID).
        return Verdict::rebuild(format!(
            "{REBUILD} unless it can be instant: miglint does not know table \"{}\" (a FULLTEXT index prevents instant ADD COLUMN)",
            table.name
        ));
    }
    if table.has_fulltext() {
        return Verdict::rebuild(format!(
            "{REBUILD}: a table with a FULLTEXT index cannot add a column instantly"
        ));
    }
    if new.position.is_some() && !switch::INSTANT_ADD_COLUMN_ANYWHERE.on(server) {
        return Verdict::rebuild(format!(
            "{REBUILD}: before {}, only a column added last is instant",
            first_release(switch::INSTANT_ADD_COLUMN_ANYWHERE, server)
        ));
    }
    Verdict::instant("adding a column is instant")
}

fn drop_column(name: &str, table: &MysqlTable, server: MysqlServer) -> Verdict {
    const REBUILD: &str = "dropping a column rebuilds the table in place";
    let Some(column) = table.column(name) else {
        // The worst a drop does: an in-place rebuild (MySQL §17.12.1 "Dropping a column").
        return Verdict::rebuild(format!("{REBUILD} ({})", unknown_column(name, table)));
    };
    // Generated Column Operations "Dropping a VIRTUAL column": instant (8.0) / no rebuild (5.7).
    let indexed = table.indexes.iter().any(|i| i.columns.contains(&column.name));
    if column.generated == Some(Generated::Virtual) {
        if indexed {
            // Its index is dropped in place (MariaDB 10.11: NOCOPY, not INSTANT).
            return Verdict::nocopy("dropping an indexed VIRTUAL generated column drops its index in place");
        }
        return Verdict::metadata(server, "dropping a VIRTUAL generated column only changes metadata");
    }
    if !switch::INSTANT_DROP_COLUMN.on(server) {
        return Verdict::rebuild(REBUILD);
    }
    let in_primary = table.primary_key().is_some_and(|pk| pk.columns.contains(&column.name));
    if in_primary {
        return Verdict::rebuild(format!("{REBUILD}: the column is part of the primary key"));
    }
    if table.has_fulltext() {
        return Verdict::rebuild(format!(
            "{REBUILD}: a table with a FULLTEXT index cannot drop a column instantly"
        ));
    }
    if indexed {
        return match server.flavor {
            // MariaDB drops the column instantly and its indexes without copying (NOCOPY).
            MysqlFlavor::Mariadb => Verdict::nocopy("dropping an indexed column rebuilds its indexes in place"),
            // MySQL's instant DROP COLUMN does not cover indexed columns in
            // the manual's terms: conservatively the classic rebuild.
            MysqlFlavor::Mysql => Verdict::rebuild(format!("{REBUILD}: the column is part of an index")),
        };
    }
    Verdict::instant("dropping a column is instant")
}

fn rename_column(name: &str, table: &MysqlTable, server: MysqlServer) -> Verdict {
    let Some(column) = table.column(name) else {
        return Verdict::nocopy(format!(
            "renaming a column is done in place, and maybe instantly ({})",
            unknown_column(name, table)
        ));
    };
    rename_known_column(column, server)
}

/// MySQL §17.12.1 "Renaming a column": instant from 8.0.28, in place
/// without rebuild before; not in place for a generated column (5.7/8.0
/// Generated Column Operations). MariaDB: instant.
fn rename_known_column(column: &MysqlColumn, server: MysqlServer) -> Verdict {
    if column.generated.is_some() && server.flavor == MysqlFlavor::Mysql {
        return Verdict::copy(server, "renaming a generated column copies the table");
    }
    if switch::INSTANT_RENAME_COLUMN.on(server) {
        Verdict::instant("renaming a column is instant")
    } else {
        Verdict::nocopy("renaming a column only changes metadata, in place")
    }
}

/// `CHANGE` / `MODIFY`: the worst of what changes between the column the
/// catalog knows and the new definition.
fn redefine_column(name: &str, renamed: bool, new: &NewColumn<'_>, table: &MysqlTable, server: MysqlServer) -> Verdict {
    let Some(old) = table.column(name) else {
        return Verdict::copy(
            server,
            format!(
                "redefining a column copies the table if its type changes ({})",
                unknown_column(name, table)
            ),
        );
    };
    let mut changes = vec![Verdict::metadata(
        server,
        "redefining a column with the same type only changes metadata",
    )];
    if renamed {
        changes.push(rename_known_column(old, server));
    }
    changes.push(type_change(old, new, table, server));
    if let Some(charset) = charset_change(old, new, table, server) {
        changes.push(charset);
    }
    let indexed = table.indexes.iter().any(|i| i.columns.contains(&old.name));
    if new.collation && indexed {
        changes.push(collation_change(old, server));
    }
    let in_primary = table.primary_key().is_some_and(|pk| pk.columns.contains(&old.name));
    let nullable = !(new.not_null || in_primary);
    if nullable != old.nullable {
        // MySQL §17.12.1 "Making a column NULL / NOT NULL": in place, rebuilds.
        let what = if nullable { "NULL" } else { "NOT NULL" };
        changes.push(Verdict::rebuild(format!(
            "making a column {what} rebuilds the table in place"
        )));
    }
    if new.auto_increment && !old.auto_increment {
        // Not in the manuals' tables: a change of the column's definition the
        // server copies for (MariaDB 10.11: "Cannot change column type").
        changes.push(Verdict::copy(server, "making a column AUTO_INCREMENT copies the table"));
    } else if old.auto_increment && !new.auto_increment && server.flavor == MysqlFlavor::Mysql {
        // MariaDB does it instantly; MySQL's manual is silent: conservatively a copy.
        changes.push(Verdict::copy(
            server,
            "removing AUTO_INCREMENT from a column may copy the table",
        ));
    }
    if new.generated.is_some() || old.generated.is_some() {
        changes.push(generated_change(old, new, table, server));
    }
    if new.position.is_some() {
        changes.push(if switch::INSTANT_REORDER_COLUMN.on(server) {
            Verdict::instant("reordering columns is instant")
        } else {
            // MySQL §17.12.1 "Reordering columns": in place, rebuilds.
            Verdict::rebuild("reordering columns rebuilds the table in place")
        });
    }
    worst_of(changes).unwrap_or_else(|| Verdict::metadata(server, "redefining a column only changes metadata"))
}

/// A `COLLATE` on an indexed column: its indexes are sorted by the
/// collation. MariaDB 10.11 rebuilds them in place (NOCOPY, not INSTANT;
/// checked by the truth suite); MySQL's tables do not list the change:
/// conservatively a copy. An unindexed column's collation only changes
/// metadata (MariaDB: INSTANT).
fn collation_change(old: &MysqlColumn, server: MysqlServer) -> Verdict {
    let why = format!("{NOT_KNOWN} whether the collation of \"{}\" changes", old.name);
    match server.flavor {
        MysqlFlavor::Mariadb => Verdict::nocopy(format!(
            "changing the collation of an indexed column rebuilds its indexes in place ({why})"
        )),
        MysqlFlavor::Mysql => Verdict::copy(
            server,
            format!("changing the collation of an indexed column may copy the table ({why})"),
        ),
    }
}

fn generated_change(old: &MysqlColumn, new: &NewColumn<'_>, table: &MysqlTable, server: MysqlServer) -> Verdict {
    let indexed = table.indexes.iter().any(|i| i.columns.contains(&old.name));
    if old.generated == Some(Generated::Virtual)
        && new.generated == Some(Generated::Virtual)
        && !indexed
        && switch::INSTANT_MODIFY_VIRTUAL.on(server)
    {
        return Verdict::instant("redefining a VIRTUAL generated column only changes metadata");
    }
    // MySQL §17.12.1 Generated Column Operations: changing a generated
    // column's expression, order or kind copies the table.
    Verdict::copy(server, "redefining a generated column copies the table")
}

/// A change of the column's data type.
fn type_change(old: &MysqlColumn, new: &NewColumn<'_>, table: &MysqlTable, server: MysqlServer) -> Verdict {
    let same = || Verdict::metadata(server, "redefining a column with the same type only changes metadata");
    if old.data_type == DataType::Unspecified {
        // The catalog knows the column but not its type: it may change.
        return Verdict::copy(
            server,
            format!(
                "redefining a column copies the table if its type changes (miglint does not know the type of \"{}\")",
                old.name
            ),
        );
    }
    if canonical_type(&old.data_type) == canonical_type(new.data_type) {
        return same();
    }
    if let (Some(old_len), Some(new_len)) = (varying_length(&old.data_type), varying_length(new.data_type)) {
        return varchar_change(old, old_len, new_len, new, table, server);
    }
    if let (Some(old_members), Some(new_members)) = (members(&old.data_type), members(new.data_type)) {
        return members_change(
            &old_members,
            &new_members,
            matches!(old.data_type, DataType::Set(_)),
            server,
        );
    }
    // MySQL §17.12.1 "Changing the column data type": only COPY.
    Verdict::copy(server, "changing a column's type copies the table")
}

/// MySQL §17.12.1 "Extending VARCHAR column size": in place without
/// rebuild while the length bytes stay the same (0-255 bytes: one byte;
/// 256 bytes or more: two), else a copy; shrinking copies. MariaDB
/// INSTANT "VARCHAR": the same, instantly, and past 255 bytes from a
/// column of at most 127 bytes.
fn varchar_change(
    old: &MysqlColumn,
    old_len: VaryingLength,
    new_len: VaryingLength,
    new: &NewColumn<'_>,
    table: &MysqlTable,
    server: MysqlServer,
) -> Verdict {
    if old_len.binary != new_len.binary {
        return Verdict::copy(server, "changing a column's type copies the table");
    }
    if new_len.chars < old_len.chars {
        return Verdict::copy(server, "shortening a VARCHAR column copies the table");
    }
    let (old_cs, new_cs) = (
        effective_charset(old.charset.as_deref(), &old.data_type, table, server),
        effective_charset(new.charset.as_deref(), new.data_type, table, server),
    );
    let old_bytes = old_len.chars.saturating_mul(max_bytes_per_char(&old_cs));
    let new_bytes = new_len.chars.saturating_mul(max_bytes_per_char(&new_cs));
    let extend = "extending a VARCHAR column only changes metadata";
    if (old_bytes <= 255) == (new_bytes <= 255) {
        return match server.flavor {
            MysqlFlavor::Mariadb => Verdict::metadata(server, extend),
            MysqlFlavor::Mysql => Verdict::nocopy(format!("{extend}, in place")),
        };
    }
    if old_bytes <= 127 && switch::INSTANT_VARCHAR_PAST_255.on(server) {
        return Verdict::instant(extend);
    }
    Verdict::copy(
        server,
        format!(
            "extending a VARCHAR column from {old_bytes} to {new_bytes} bytes ({new_cs}) copies the table: its length takes two bytes past 255"
        ),
    )
}

/// MySQL §17.12.1 "Modifying the definition of an ENUM or SET column":
/// members appended at the end are instant (in place, metadata only, on
/// 5.7) while the storage size stays the same; anything else copies.
fn members_change(old: &[String], new: &[String], set: bool, server: MysqlServer) -> Verdict {
    let appended = new.len() >= old.len() && new.iter().zip(old).all(|(a, b)| a == b);
    let storage = |count: usize| -> usize {
        if set {
            count.div_ceil(8).max(1).next_power_of_two().min(8)
        } else if count <= 255 {
            1
        } else {
            2
        }
    };
    let what = if set { "SET" } else { "ENUM" };
    if !appended {
        return Verdict::copy(
            server,
            format!("changing an {what} column's members other than by appending copies the table"),
        );
    }
    if storage(old.len()) != storage(new.len()) {
        return Verdict::copy(
            server,
            format!("appending {what} members that change its storage size copies the table"),
        );
    }
    Verdict::metadata(server, format!("appending {what} members only changes metadata"))
}

fn charset_change(old: &MysqlColumn, new: &NewColumn<'_>, table: &MysqlTable, server: MysqlServer) -> Option<Verdict> {
    if !is_textual(&old.data_type) || !is_textual(new.data_type) {
        return None;
    }
    let old_cs = effective_charset(old.charset.as_deref(), &old.data_type, table, server);
    let new_cs = effective_charset(new.charset.as_deref(), new.data_type, table, server);
    if old_cs == new_cs {
        return None;
    }
    if matches!(old_cs.as_str(), "utf8mb3" | "utf8")
        && new_cs == "utf8mb4"
        && switch::INSTANT_UTF8MB3_TO_UTF8MB4.on(server)
    {
        return Some(Verdict::instant(
            "changing a column from utf8mb3 to utf8mb4 only changes metadata",
        ));
    }
    Some(Verdict::copy(
        server,
        format!("changing a column's character set from {old_cs} to {new_cs} copies the table"),
    ))
}

fn unknown_column(name: &str, table: &MysqlTable) -> String {
    if table.unknown {
        format!("miglint does not know table \"{}\"", table.name)
    } else {
        format!("miglint does not know column \"{name}\" of \"{}\"", table.name)
    }
}

// ---------------------------------------------------------------------------
// Indexes

fn add_constraint(constraint: &TableConstraint, table: &MysqlTable, server: MysqlServer, fk_checks: bool) -> Verdict {
    match constraint {
        TableConstraint::PrimaryKey(_) => add_index_kind(IndexKind::Primary, table, server),
        TableConstraint::Unique(unique) => add_unique(&index_columns(&unique.columns), table, server),
        TableConstraint::Index(_) => add_index_kind(IndexKind::Plain, table, server),
        TableConstraint::FulltextOrSpatial(index) => {
            let kind = if index.fulltext {
                IndexKind::Fulltext
            } else {
                IndexKind::Spatial
            };
            add_index_kind(kind, table, server)
        }
        TableConstraint::ForeignKey(fk) => {
            let columns: Vec<String> = fk.columns.iter().map(|c| c.value.to_ascii_lowercase()).collect();
            add_foreign_key(&columns, table, server, fk_checks)
        }
        TableConstraint::Check(_) => add_check(server),
        // Other databases' constraints: the server refuses them; judge the worst.
        _ => Verdict::copy(server, "this constraint is not MySQL's"),
    }
}

fn create_index(index: &CreateIndex, table: &MysqlTable, server: MysqlServer) -> Verdict {
    // sqlparser 0.64 parses no CREATE FULLTEXT/SPATIAL INDEX for MySQL: only
    // plain and UNIQUE indexes reach here.
    let kind = if index.unique {
        IndexKind::Unique
    } else {
        IndexKind::Plain
    };
    match kind {
        IndexKind::Unique => add_unique(&index_columns(&index.columns), table, server),
        _ => add_index_kind(kind, table, server),
    }
}

fn index_columns(columns: &[sqlparser::ast::IndexColumn]) -> Vec<String> {
    columns
        .iter()
        .map(|c| c.column.expr.to_string().trim_matches('`').to_ascii_lowercase())
        .collect()
}

/// A UNIQUE index on NOT NULL columns of a table without a primary key
/// becomes its clustered index (MySQL §17.6.2.1 "Clustered and Secondary
/// Indexes"): adding it rebuilds the table, like adding a primary key.
fn add_unique(columns: &[String], table: &MysqlTable, server: MysqlServer) -> Verdict {
    let clustered = "adding a UNIQUE index on NOT NULL columns to a table without a primary key makes it the \
                     clustered index: the table is rebuilt in place";
    if table.unknown {
        return Verdict::rebuild(format!("{clustered} (miglint does not know table \"{}\")", table.name));
    }
    let not_null = |column: &String| table.column(column).is_some_and(|c| !c.nullable);
    let has_clustered = table.indexes.iter().any(|index| {
        matches!(index.kind, IndexKind::Primary | IndexKind::Unique) && index.columns.iter().all(not_null)
    });
    if !has_clustered && !columns.is_empty() && columns.iter().all(not_null) {
        return Verdict::rebuild(clustered);
    }
    add_index_kind(IndexKind::Unique, table, server)
}

/// MySQL §17.12.1 Index Operations / Primary Key Operations.
fn add_index_kind(kind: IndexKind, table: &MysqlTable, server: MysqlServer) -> Verdict {
    match kind {
        // "Creating or adding a secondary index": in place, no rebuild, DML permitted.
        IndexKind::Plain | IndexKind::Unique => Verdict::nocopy("adding a secondary index builds it in place"),
        // "Adding a primary key": in place, rebuilds, DML permitted.
        IndexKind::Primary => Verdict::rebuild("adding a primary key rebuilds the table in place"),
        // "Adding a FULLTEXT index": no concurrent DML; the first one
        // rebuilds the table (no user FTS_DOC_ID column).
        IndexKind::Fulltext => {
            if table.unknown {
                Verdict::rebuild(format!(
                    "adding the first FULLTEXT index rebuilds the table and blocks writes (miglint does not know table \"{}\")",
                    table.name
                ))
            } else if table.has_fulltext() {
                Verdict::nocopy("adding a FULLTEXT index blocks writes")
            } else {
                Verdict::rebuild("adding the first FULLTEXT index rebuilds the table and blocks writes")
            }
            .blocking(Concurrency::Reads)
        }
        // "Adding a SPATIAL index": in place (5.7.5), no rebuild, no concurrent DML.
        IndexKind::Spatial => {
            if switch::INPLACE_SPATIAL_INDEX.on(server) {
                Verdict::nocopy("adding a SPATIAL index blocks writes").blocking(Concurrency::Reads)
            } else {
                Verdict::copy(server, "adding a SPATIAL index copies the table")
            }
        }
    }
}

/// "Dropping an index": in place, metadata only. `PRIMARY` is the primary key.
fn drop_index(name: &str, _table: &MysqlTable, server: MysqlServer) -> Verdict {
    if name.eq_ignore_ascii_case("primary") {
        return drop_primary_key(server);
    }
    Verdict::nocopy("dropping an index only changes metadata, in place")
}

/// "Dropping a primary key": only COPY, unless another is added in the
/// same statement (see `judge_alter`).
fn drop_primary_key(server: MysqlServer) -> Verdict {
    Verdict::copy(
        server,
        "dropping the primary key without adding another copies the table",
    )
}

// ---------------------------------------------------------------------------
// Constraints

/// MySQL §17.12.1 Foreign Key Operations "Adding a foreign key
/// constraint": in place (metadata only) with foreign_key_checks disabled,
/// else COPY. MariaDB 10.11 adds it instantly when an index already leads
/// with its columns (else it builds one, in place).
fn add_foreign_key(columns: &[String], table: &MysqlTable, server: MysqlServer, fk_checks: bool) -> Verdict {
    if fk_checks {
        return Verdict::copy(
            server,
            "adding a foreign key with foreign_key_checks on copies the table",
        );
    }
    let indexed = table.indexes.iter().any(|index| index.columns.starts_with(columns));
    if indexed && server.flavor == MysqlFlavor::Mariadb && switch::INSTANT.on(server) {
        Verdict::instant("adding a foreign key with foreign_key_checks off only changes metadata")
    } else {
        Verdict::nocopy("adding a foreign key with foreign_key_checks off only changes metadata, in place")
    }
}

/// "Dropping a foreign key constraint": in place, metadata only (MariaDB: instant).
fn drop_foreign_key(server: MysqlServer) -> Verdict {
    if switch::INSTANT_CONSTRAINT_DROP.on(server) {
        Verdict::instant("dropping a foreign key only changes metadata")
    } else {
        Verdict::nocopy("dropping a foreign key only changes metadata, in place")
    }
}

/// Adding a CHECK constraint checks every row: a copy (MySQL ALTER TABLE
/// §15.1.9 "Check constraints"; MariaDB copies it too). MySQL before
/// 8.0.16 ignores it.
fn add_check(server: MysqlServer) -> Verdict {
    if switch::CHECK_CONSTRAINTS.on(server) {
        Verdict::copy(server, "adding a CHECK constraint copies the table to check every row")
    } else {
        Verdict::nocopy("this server parses CHECK constraints and ignores them")
    }
}

/// `DROP CONSTRAINT name`: a foreign key, an index (UNIQUE), or a CHECK.
fn drop_constraint(name: &str, table: &MysqlTable, server: MysqlServer) -> Verdict {
    let lower = name.to_ascii_lowercase();
    if table.foreign_keys.contains(&lower) {
        return drop_foreign_key(server);
    }
    if table.indexes.iter().any(|index| index.name == lower) {
        return drop_index(name, table, server);
    }
    if table.unknown {
        // The worst of the three: in place without rebuild.
        return Verdict::nocopy(format!(
            "dropping a constraint only changes metadata, in place (miglint does not know table \"{}\")",
            table.name
        ));
    }
    // A CHECK constraint: metadata only. MariaDB INSTANT "DROP CONSTRAINT";
    // MySQL's tables do not list it: in place, conservatively.
    if switch::INSTANT_CONSTRAINT_DROP.on(server) {
        Verdict::instant("dropping a CHECK constraint only changes metadata")
    } else {
        Verdict::nocopy("dropping a CHECK constraint only changes metadata, in place")
    }
}

// ---------------------------------------------------------------------------
// Table options

/// MySQL §17.12.1 Table Operations "Renaming a table": instant (8.0), in
/// place metadata (5.7). MariaDB renames instantly but refuses LOCK=NONE
/// and LOCK=SHARED for it (10.11: "Try LOCK=EXCLUSIVE").
fn rename_table(server: MysqlServer) -> Verdict {
    let verdict = Verdict::metadata(server, "renaming a table only changes metadata");
    match server.flavor {
        MysqlFlavor::Mariadb => verdict.blocking(Concurrency::Nothing),
        MysqlFlavor::Mysql => verdict,
    }
}

fn table_clause(clause: TableClause<'_>, table: &MysqlTable, server: MysqlServer) -> Verdict {
    match clause {
        // Table Operations "Rebuilding a table with the FORCE option" / a
        // null rebuild (`ENGINE=` the same engine): in place, rebuilds.
        TableClause::Force => Verdict::rebuild("FORCE rebuilds the table in place"),
        TableClause::Engine(engine) => {
            let current = table.engine.as_deref().unwrap_or("innodb");
            if engine.eq_ignore_ascii_case(current) {
                Verdict::rebuild("ENGINE= the same engine rebuilds the table in place")
            } else {
                Verdict::copy(server, format!("changing the engine to {engine} copies the table"))
            }
        }
        // "Changing the ROW_FORMAT" / "KEY_BLOCK_SIZE": in place, rebuilds.
        TableClause::RowFormat => Verdict::rebuild("changing the row format rebuilds the table in place"),
        // "Converting a character set": not in place.
        TableClause::ConvertCharset(charset) => {
            Verdict::copy(server, format!("converting the table to {charset} copies the table"))
        }
        // "Specifying a character set": in place, rebuilds if the encoding
        // differs (MySQL); MariaDB changes only metadata (10.11).
        TableClause::DefaultCharset(charset) => {
            let current = table
                .charset
                .clone()
                .unwrap_or_else(|| default_charset(server).to_string());
            if server.flavor == MysqlFlavor::Mariadb || charset.eq_ignore_ascii_case(&current) {
                Verdict::metadata(
                    server,
                    "changing the table's default character set only changes metadata",
                )
            } else {
                Verdict::rebuild("changing the table's default character set rebuilds the table in place")
            }
        }
        // Index Operations "Renaming an index": in place, metadata only.
        TableClause::RenameIndex => Verdict::metadata(server, "renaming an index only changes metadata"),
        TableClause::Comment => Verdict::metadata(server, "changing the table's comment only changes metadata"),
        // Not an online operation in any table of the manuals: the server
        // copies the rows in the order asked for.
        // MariaDB 10.11 refuses it even LOCK=SHARED.
        TableClause::OrderBy => {
            Verdict::copy(server, "ORDER BY copies the table in that order").blocking(Concurrency::Nothing)
        }
        // Nothing changes, yet MariaDB 10.11 refuses LOCK=NONE and
        // LOCK=SHARED for it: the table is locked for the moment it takes.
        TableClause::Keys => Verdict::metadata(server, "DISABLE KEYS and ENABLE KEYS change nothing in InnoDB")
            .blocking(Concurrency::Nothing),
    }
}

// ---------------------------------------------------------------------------
// Types and character sets

/// A type's spelling with what does not change storage left out (integer
/// display widths) and synonyms folded.
fn canonical_type(data_type: &DataType) -> String {
    let text = data_type.to_string().to_ascii_lowercase();
    let text = text
        .replace("character varying", "varchar")
        .replace("char varying", "varchar")
        .replace("integer", "int")
        .replace("character", "char");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    // Drop "(n)" after an integer type name.
    while let Some(open) = rest.find('(') {
        let (head, tail) = rest.split_at(open);
        out.push_str(head);
        let close = tail.find(')').map_or(tail.len(), |i| i + 1);
        let integer = ["tinyint", "smallint", "mediumint", "int", "bigint"]
            .iter()
            .any(|name| head.ends_with(name));
        if !integer {
            out.push_str(&tail[..close]);
        }
        rest = &tail[close..];
    }
    out.push_str(rest);
    match out.trim() {
        "bool" | "boolean" => "tinyint".to_string(),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone, Copy)]
struct VaryingLength {
    chars: u64,
    binary: bool,
}

fn varying_length(data_type: &DataType) -> Option<VaryingLength> {
    match data_type {
        DataType::Varchar(Some(CharacterLength::IntegerLength { length, .. }))
        | DataType::CharacterVarying(Some(CharacterLength::IntegerLength { length, .. }))
        | DataType::CharVarying(Some(CharacterLength::IntegerLength { length, .. }))
        | DataType::Nvarchar(Some(CharacterLength::IntegerLength { length, .. })) => Some(VaryingLength {
            chars: *length,
            binary: false,
        }),
        DataType::Varbinary(Some(sqlparser::ast::BinaryLength::IntegerLength { length })) => Some(VaryingLength {
            chars: *length,
            binary: true,
        }),
        _ => None,
    }
}

fn members(data_type: &DataType) -> Option<Vec<String>> {
    match data_type {
        DataType::Enum(members, _) => Some(
            members
                .iter()
                .map(|member| match member {
                    EnumMember::Name(name) | EnumMember::NamedValue(name, _) => name.clone(),
                })
                .collect(),
        ),
        DataType::Set(members) => Some(members.clone()),
        _ => None,
    }
}

fn is_textual(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Char(_)
            | DataType::Character(_)
            | DataType::Varchar(_)
            | DataType::CharacterVarying(_)
            | DataType::CharVarying(_)
            | DataType::Nvarchar(_)
            | DataType::Text
            | DataType::TinyText
            | DataType::MediumText
            | DataType::LongText
            | DataType::Enum(..)
            | DataType::Set(_)
    )
}

/// The server's default character set when neither column nor table names one.
pub(crate) fn default_charset(server: MysqlServer) -> &'static str {
    if switch::UTF8MB4_DEFAULT.on(server) {
        "utf8mb4"
    } else {
        "latin1"
    }
}

/// A column's character set: its own, else its table's, else the server's.
fn effective_charset(own: Option<&str>, data_type: &DataType, table: &MysqlTable, server: MysqlServer) -> String {
    if matches!(data_type, DataType::Varbinary(_)) {
        return "binary".to_string();
    }
    let name = own
        .or(table.charset.as_deref())
        .unwrap_or(default_charset(server))
        .to_ascii_lowercase();
    if name == "utf8" {
        "utf8mb3".to_string()
    } else {
        name
    }
}

/// The most bytes one character takes (an unknown set: 4, the worst).
pub(crate) fn max_bytes_per_char(charset: &str) -> u64 {
    match charset.to_ascii_lowercase().as_str() {
        "latin1" | "latin2" | "latin5" | "latin7" | "ascii" | "binary" | "cp1250" | "cp1251" | "cp1256" | "cp1257"
        | "cp850" | "cp852" | "cp866" | "dec8" | "greek" | "hebrew" | "hp8" | "keybcs2" | "koi8r" | "koi8u"
        | "macce" | "macroman" | "swe7" | "tis620" | "armscii8" | "geostd8" => 1,
        "ucs2" | "big5" | "gbk" | "gb2312" | "sjis" | "cp932" | "euckr" => 2,
        "utf8" | "utf8mb3" | "ujis" | "eucjpms" => 3,
        _ => 4,
    }
}

fn first_release(switch: Since, server: MysqlServer) -> String {
    let first = match server.flavor {
        MysqlFlavor::Mysql => switch.mysql,
        MysqlFlavor::Mariadb => switch.mariadb,
    };
    match first {
        Some(version) => MysqlServer {
            flavor: server.flavor,
            version,
        }
        .to_string(),
        None => "any release".to_string(),
    }
}

/// Test helpers shared with the truth suite: the table a `CREATE TABLE`
/// describes (a small stand-in for the catalog's replay), and the changes
/// of an `ALTER TABLE` as sqlparser's MySQL dialect parses them.
#[cfg(test)]
pub(crate) mod testing {
    use sqlparser::ast::{ColumnOption, Statement, TableConstraint};
    use sqlparser::dialect::MySqlDialect;
    use sqlparser::parser::Parser;

    use super::super::model::{IndexKind, MysqlColumn, MysqlIndex, MysqlTable};
    use super::{index_columns, NewColumn};

    pub(crate) fn parse(sql: &str) -> Vec<Statement> {
        Parser::parse_sql(&MySqlDialect {}, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The word after `key` (`ENGINE=InnoDB`, `DEFAULT CHARSET latin1`) in
    /// the table options after the column list.
    fn option(sql: &str, keys: &[&str]) -> Option<String> {
        let tail = &sql[sql.rfind(')')? + 1..].to_ascii_lowercase();
        let words: Vec<&str> = tail
            .split(|c: char| c.is_whitespace() || c == '=')
            .filter(|w| !w.is_empty())
            .collect();
        for key in keys {
            let key_words: Vec<&str> = key.split(' ').collect();
            if let Some(at) = words.windows(key_words.len()).position(|w| w == key_words.as_slice()) {
                return words
                    .get(at + key_words.len())
                    .map(|w| w.trim_end_matches(';').to_string());
            }
        }
        None
    }

    /// The table the last `CREATE TABLE` of `sql` makes.
    pub(crate) fn table_from_create(sql: &str) -> MysqlTable {
        let create = parse(sql)
            .into_iter()
            .rev()
            .find_map(|statement| match statement {
                Statement::CreateTable(create) => Some(create),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no CREATE TABLE in {sql}"));
        let create_sql = sql
            .rsplit(';')
            .find(|s| s.trim_start().to_ascii_lowercase().starts_with("create table"))
            .unwrap_or(sql);
        let mut table = MysqlTable {
            name: create.name.to_string(),
            charset: option(create_sql, &["character set", "charset"]),
            engine: option(create_sql, &["engine"]),
            has_rows: true,
            ..MysqlTable::default()
        };
        for def in &create.columns {
            let options: Vec<&ColumnOption> = def.options.iter().map(|o| &o.option).collect();
            let new = NewColumn::new(&def.data_type, &options, None);
            let name = def.name.value.to_ascii_lowercase();
            if new.primary_key {
                table.indexes.push(MysqlIndex {
                    name: "primary".into(),
                    columns: vec![name.clone()],
                    kind: IndexKind::Primary,
                });
            }
            if new.unique {
                table.indexes.push(MysqlIndex {
                    name: name.clone(),
                    columns: vec![name.clone()],
                    kind: IndexKind::Unique,
                });
            }
            table.columns.push(MysqlColumn {
                name,
                data_type: def.data_type.clone(),
                nullable: !new.not_null,
                charset: new.charset.clone(),
                generated: new.generated,
                auto_increment: new.auto_increment,
                has_default: options.iter().any(|o| matches!(o, ColumnOption::Default(_))),
            });
        }
        for constraint in &create.constraints {
            let (name, columns, kind) = match constraint {
                TableConstraint::PrimaryKey(pk) => (
                    Some("primary".to_string()),
                    index_columns(&pk.columns),
                    IndexKind::Primary,
                ),
                TableConstraint::Unique(u) => (
                    u.index_name.as_ref().or(u.name.as_ref()).map(|n| n.value.clone()),
                    index_columns(&u.columns),
                    IndexKind::Unique,
                ),
                TableConstraint::Index(i) => (
                    i.name.as_ref().map(|n| n.value.clone()),
                    index_columns(&i.columns),
                    IndexKind::Plain,
                ),
                TableConstraint::FulltextOrSpatial(f) => (
                    f.opt_index_name.as_ref().map(|n| n.value.clone()),
                    index_columns(&f.columns),
                    if f.fulltext {
                        IndexKind::Fulltext
                    } else {
                        IndexKind::Spatial
                    },
                ),
                TableConstraint::ForeignKey(fk) => {
                    if let Some(name) = &fk.name {
                        table.foreign_keys.push(name.value.to_ascii_lowercase());
                    }
                    let columns: Vec<String> = fk.columns.iter().map(|c| c.value.to_ascii_lowercase()).collect();
                    (
                        fk.index_name.as_ref().or(fk.name.as_ref()).map(|n| n.value.clone()),
                        columns,
                        IndexKind::Plain,
                    )
                }
                _ => continue,
            };
            let name = name
                .unwrap_or_else(|| columns.first().cloned().unwrap_or_default())
                .to_ascii_lowercase();
            table.indexes.push(MysqlIndex { name, columns, kind });
        }
        for column in &mut table.columns {
            if table
                .indexes
                .iter()
                .any(|i| i.kind == IndexKind::Primary && i.columns.contains(&column.name))
            {
                column.nullable = false;
            }
        }
        table
    }

    /// The changes of the first `ALTER TABLE` of `sql`.
    pub(crate) fn alter_ops(sql: &str) -> Vec<sqlparser::ast::AlterTableOperation> {
        parse(sql)
            .into_iter()
            .find_map(|statement| match statement {
                Statement::AlterTable(alter) => Some(alter.operations),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no ALTER TABLE in {sql}"))
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{alter_ops, parse, table_from_create};
    use super::*;
    use sqlparser::ast::Statement;

    fn mysql(major: u32, minor: u32, patch: u32) -> MysqlServer {
        MysqlServer {
            flavor: MysqlFlavor::Mysql,
            version: (major, minor, patch),
        }
    }

    fn mariadb(major: u32, minor: u32, patch: u32) -> MysqlServer {
        MysqlServer {
            flavor: MysqlFlavor::Mariadb,
            version: (major, minor, patch),
        }
    }

    const T: &str = "CREATE TABLE t (id int primary key auto_increment, a varchar(10), b int, \
                     e enum('x','y'), s set('p','q'), key ib (b)) DEFAULT CHARSET latin1";

    /// The verdict of the only change of `alter` on the table `create` makes.
    fn on(create: &str, alter: &str, server: MysqlServer) -> Verdict {
        let table = table_from_create(create);
        let ops = alter_ops(alter);
        judge_alter(&ops, &table, server, true)
            .into_iter()
            .flatten()
            .reduce(Verdict::worst)
            .unwrap_or_else(|| panic!("no verdict for {alter}"))
    }

    fn v(alter: &str, server: MysqlServer) -> Verdict {
        on(T, alter, server)
    }

    /// (algorithm, rebuilds, concurrency) in one comparable value.
    fn short(verdict: &Verdict) -> (Algorithm, bool, Concurrency) {
        (verdict.algorithm, verdict.rebuilds, verdict.concurrency)
    }

    use Algorithm::{Copy, Inplace, Instant};
    use Concurrency::{Nothing, Reads, ReadsAndWrites as RW};

    const INSTANT: (Algorithm, bool, Concurrency) = (Instant, false, RW);
    const NOCOPY: (Algorithm, bool, Concurrency) = (Inplace, false, RW);
    const REBUILD: (Algorithm, bool, Concurrency) = (Inplace, true, RW);
    const COPY: (Algorithm, bool, Concurrency) = (Copy, true, Reads);

    #[test]
    fn switches_answer_by_flavor_and_version() {
        assert!(switch::INSTANT.on(mysql(8, 0, 12)));
        assert!(!switch::INSTANT.on(mysql(8, 0, 11)));
        assert!(!switch::INSTANT.on(mysql(5, 7, 44)));
        assert!(switch::INSTANT.on(mariadb(10, 3, 7)));
        assert!(!switch::INSTANT.on(mariadb(10, 2, 44)));
        assert!(!switch::INSTANT_REORDER_COLUMN.on(mysql(9, 9, 9)));
        assert_eq!(default_charset(mysql(5, 7, 0)), "latin1");
        assert_eq!(default_charset(mysql(8, 0, 0)), "utf8mb4");
        assert_eq!(default_charset(mariadb(11, 4, 0)), "latin1");
        assert_eq!(default_charset(mariadb(11, 6, 0)), "utf8mb4");
    }

    #[test]
    fn instant_add_column_last_from_8_0_12_anywhere_from_8_0_29() {
        let last = "ALTER TABLE t ADD COLUMN c int";
        let after = "ALTER TABLE t ADD COLUMN c int AFTER a";
        let first = "ALTER TABLE t ADD COLUMN c int FIRST";
        assert_eq!(short(&v(last, mysql(5, 7, 40))), REBUILD);
        assert_eq!(short(&v(last, mysql(8, 0, 11))), REBUILD);
        assert_eq!(short(&v(last, mysql(8, 0, 12))), INSTANT);
        assert_eq!(short(&v(after, mysql(8, 0, 28))), REBUILD);
        assert!(
            v(after, mysql(8, 0, 28)).reason.contains("MySQL 8.0.29"),
            "{:?}",
            v(after, mysql(8, 0, 28))
        );
        assert_eq!(short(&v(after, mysql(8, 0, 29))), INSTANT);
        assert_eq!(short(&v(first, mysql(8, 4, 0))), INSTANT);
    }

    #[test]
    fn mariadb_instant_add_column_last_from_10_3_anywhere_from_10_4() {
        let last = "ALTER TABLE t ADD COLUMN c int";
        let first = "ALTER TABLE t ADD COLUMN c int FIRST";
        assert_eq!(short(&v(last, mariadb(10, 2, 40))), REBUILD);
        assert_eq!(short(&v(last, mariadb(10, 3, 2))), INSTANT);
        assert_eq!(short(&v(first, mariadb(10, 3, 39))), REBUILD);
        assert_eq!(short(&v(first, mariadb(10, 4, 0))), INSTANT);
    }

    #[test]
    fn added_columns_of_other_kinds() {
        let s = mysql(8, 4, 0);
        assert_eq!(
            short(&v("ALTER TABLE t ADD COLUMN c int AS (b + 1) STORED", s)),
            COPY,
            "stored generated"
        );
        assert_eq!(
            short(&v("ALTER TABLE t ADD COLUMN c int AS (b + 1)", s)),
            INSTANT,
            "virtual"
        );
        assert_eq!(
            short(&v("ALTER TABLE t ADD COLUMN c int AS (b + 1) VIRTUAL", mysql(5, 7, 9))),
            NOCOPY
        );
        let no_pk = "CREATE TABLE t (a int) DEFAULT CHARSET latin1";
        assert_eq!(
            short(&on(
                no_pk,
                "ALTER TABLE t ADD COLUMN id int AUTO_INCREMENT PRIMARY KEY",
                s
            )),
            (Inplace, true, Reads)
        );
        assert_eq!(
            short(&v("ALTER TABLE t ADD COLUMN c int UNIQUE", s)),
            REBUILD,
            "no instant column with an index"
        );
        let fulltext = "CREATE TABLE t (id int primary key, a text, FULLTEXT f (a))";
        // Rebuilding a table with a FULLTEXT index blocks writes.
        assert_eq!(
            short(&on(fulltext, "ALTER TABLE t ADD COLUMN c int", s)),
            (Inplace, true, Reads)
        );
        assert_eq!(
            short(&on(
                "CREATE TABLE t (a int) ENGINE=MyISAM",
                "ALTER TABLE t ADD COLUMN c int",
                s
            )),
            COPY
        );
        let myisam = "CREATE TABLE t (a int) ENGINE=MyISAM";
        assert_eq!(
            short(&on(myisam, "ALTER TABLE t MODIFY a bigint", mariadb(11, 4, 0))),
            COPY,
            "no online copy"
        );
        assert_eq!(short(&on(myisam, "ALTER TABLE t ALTER a SET DEFAULT 1", s)), INSTANT);
    }

    #[test]
    fn a_statement_is_instant_only_as_a_whole() {
        let s = mysql(8, 4, 0);
        let table = table_from_create(T);
        let verdicts = |sql: &str| -> Vec<(Algorithm, bool, Concurrency)> {
            judge_alter(&alter_ops(sql), &table, s, true)
                .iter()
                .flatten()
                .map(short)
                .collect()
        };
        assert_eq!(
            verdicts("ALTER TABLE t ADD COLUMN c int, ADD COLUMN d int"),
            [INSTANT, INSTANT]
        );
        assert_eq!(
            verdicts("ALTER TABLE t ADD COLUMN c int, ADD INDEX ia (a)"),
            [REBUILD, NOCOPY]
        );
        assert_eq!(
            verdicts("ALTER TABLE t DROP COLUMN a, MODIFY b bigint"),
            [REBUILD, COPY]
        );
        // Renames and defaults fall back to metadata changes in place, not rebuilds.
        assert_eq!(
            verdicts("ALTER TABLE t RENAME COLUMN a TO a2, ADD INDEX ib2 (b)"),
            [INSTANT, NOCOPY]
        );
        let virt = table_from_create("CREATE TABLE t (id int primary key, b int, v int AS (b + 1) VIRTUAL)");
        let ops = alter_ops("ALTER TABLE t DROP COLUMN v, ADD INDEX ib (b)");
        let both: Vec<_> = judge_alter(&ops, &virt, s, true).iter().flatten().map(short).collect();
        assert_eq!(both, [INSTANT, NOCOPY]);
    }

    #[test]
    fn dropped_columns() {
        let drop = "ALTER TABLE t DROP COLUMN a";
        assert_eq!(short(&v(drop, mysql(8, 0, 28))), REBUILD);
        assert_eq!(short(&v(drop, mysql(8, 0, 29))), INSTANT);
        assert_eq!(short(&v(drop, mariadb(10, 3, 30))), REBUILD);
        assert_eq!(short(&v(drop, mariadb(10, 4, 0))), INSTANT);
        // Indexed: MariaDB drops the index without copying; MySQL, conservatively, rebuilds.
        assert_eq!(short(&v("ALTER TABLE t DROP COLUMN b", mariadb(10, 11, 0))), NOCOPY);
        assert_eq!(short(&v("ALTER TABLE t DROP COLUMN b", mysql(8, 4, 0))), REBUILD);
        assert_eq!(short(&v("ALTER TABLE t DROP COLUMN id", mariadb(10, 11, 0))), REBUILD);
        let virt = "CREATE TABLE t (id int primary key, b int, v int AS (b + 1) VIRTUAL)";
        assert_eq!(short(&on(virt, "ALTER TABLE t DROP COLUMN v", mysql(5, 7, 44))), NOCOPY);
        assert_eq!(
            short(&on(virt, "ALTER TABLE t DROP COLUMN v", mysql(8, 0, 12))),
            INSTANT
        );
        let indexed = "CREATE TABLE t (id int primary key, b int, v int AS (b + 1) VIRTUAL, KEY iv (v))";
        assert_eq!(
            short(&on(indexed, "ALTER TABLE t DROP COLUMN v", mariadb(10, 11, 0))),
            NOCOPY
        );
    }

    #[test]
    fn renamed_columns_instant_from_8_0_28() {
        let rename = "ALTER TABLE t RENAME COLUMN a TO a2";
        let change = "ALTER TABLE t CHANGE a a2 varchar(10)";
        assert_eq!(short(&v(rename, mysql(5, 7, 44))), NOCOPY);
        assert_eq!(short(&v(rename, mysql(8, 0, 27))), NOCOPY);
        assert_eq!(short(&v(rename, mysql(8, 0, 28))), INSTANT);
        assert_eq!(short(&v(change, mysql(8, 0, 28))), INSTANT);
        assert_eq!(short(&v(change, mariadb(10, 11, 0))), INSTANT);
        let virt = "CREATE TABLE t (id int primary key, b int, v int AS (b + 1) VIRTUAL)";
        assert_eq!(
            short(&on(virt, "ALTER TABLE t RENAME COLUMN v TO w", mysql(8, 4, 0))),
            COPY
        );
        assert_eq!(
            short(&on(virt, "ALTER TABLE t RENAME COLUMN v TO w", mariadb(10, 11, 0))),
            INSTANT
        );
    }

    #[test]
    fn defaults_are_instant_from_8_0_12() {
        for alter in [
            "ALTER TABLE t ALTER COLUMN b SET DEFAULT 3",
            "ALTER TABLE t ALTER b DROP DEFAULT",
        ] {
            assert_eq!(short(&v(alter, mysql(5, 7, 44))), NOCOPY);
            assert_eq!(short(&v(alter, mysql(8, 0, 12))), INSTANT);
            assert_eq!(short(&v(alter, mariadb(10, 3, 7))), INSTANT);
        }
        assert_eq!(
            short(&v("ALTER TABLE t MODIFY b int DEFAULT 5", mysql(8, 4, 0))),
            INSTANT
        );
        assert_eq!(
            short(&v("ALTER TABLE t MODIFY b int(11) COMMENT 'x'", mysql(8, 4, 0))),
            INSTANT
        );
    }

    #[test]
    fn enum_and_set_members_appended_keep_their_storage() {
        let s = mysql(8, 0, 12);
        assert_eq!(short(&v("ALTER TABLE t MODIFY e enum('x','y','z')", s)), INSTANT);
        assert_eq!(
            short(&v("ALTER TABLE t MODIFY e enum('x','y','z')", mysql(5, 7, 44))),
            NOCOPY
        );
        assert_eq!(short(&v("ALTER TABLE t MODIFY e enum('y','x','z')", s)), COPY);
        assert_eq!(short(&v("ALTER TABLE t MODIFY e enum('x')", s)), COPY);
        assert_eq!(short(&v("ALTER TABLE t MODIFY s set('p','q','r')", s)), INSTANT);
        let eight = "CREATE TABLE t (s set('a','b','c','d','e','f','g','h'))";
        assert_eq!(
            short(&on(
                eight,
                "ALTER TABLE t MODIFY s set('a','b','c','d','e','f','g','h','i')",
                s
            )),
            COPY
        );
        let members: Vec<String> = (0..255).map(|i| format!("'m{i}'")).collect();
        let create = format!("CREATE TABLE t (e enum({}))", members.join(","));
        let alter = format!("ALTER TABLE t MODIFY e enum({},'m255')", members.join(","));
        assert_eq!(short(&on(&create, &alter, s)), COPY, "256 members take two bytes");
    }

    #[test]
    fn varchar_extension_keeps_its_length_bytes() {
        let s = mysql(8, 4, 0);
        // latin1: one byte a character.
        assert_eq!(short(&v("ALTER TABLE t MODIFY a varchar(255)", s)), NOCOPY);
        assert_eq!(short(&v("ALTER TABLE t MODIFY a varchar(256)", s)), COPY);
        assert_eq!(short(&v("ALTER TABLE t MODIFY a varchar(5)", s)), COPY, "shortening");
        // utf8mb4: four; 63 * 4 = 252, 64 * 4 = 256.
        let utf8mb4 = "CREATE TABLE t (a varchar(10)) DEFAULT CHARSET=utf8mb4";
        assert_eq!(short(&on(utf8mb4, "ALTER TABLE t MODIFY a varchar(63)", s)), NOCOPY);
        assert_eq!(short(&on(utf8mb4, "ALTER TABLE t MODIFY a varchar(64)", s)), COPY);
        // utf8mb3: three; 85 * 3 = 255.
        let utf8 = "CREATE TABLE t (a varchar(10)) DEFAULT CHARSET=utf8";
        assert_eq!(short(&on(utf8, "ALTER TABLE t MODIFY a varchar(85)", s)), NOCOPY);
        assert_eq!(short(&on(utf8, "ALTER TABLE t MODIFY a varchar(86)", s)), COPY);
        // The column's own character set beats the table's.
        let own = "CREATE TABLE t (a varchar(10) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4";
        assert_eq!(
            short(&on(own, "ALTER TABLE t MODIFY a varchar(200) CHARACTER SET latin1", s)),
            NOCOPY
        );
        // Past 255 already: any extension keeps two length bytes.
        assert_eq!(short(&on(utf8mb4, "ALTER TABLE t MODIFY a varchar(100)", s)), COPY);
        let wide = "CREATE TABLE t (a varchar(100)) DEFAULT CHARSET=utf8mb4";
        assert_eq!(short(&on(wide, "ALTER TABLE t MODIFY a varchar(200)", s)), NOCOPY);
        // The server's default: latin1 on 5.7, utf8mb4 on 8.0.
        let plain = "CREATE TABLE t (a varchar(50))";
        assert_eq!(
            short(&on(plain, "ALTER TABLE t MODIFY a varchar(100)", mysql(5, 7, 44))),
            NOCOPY
        );
        assert_eq!(
            short(&on(plain, "ALTER TABLE t MODIFY a varchar(100)", mysql(8, 0, 40))),
            COPY
        );
    }

    #[test]
    fn mariadb_varchar_extension_past_255_bytes_from_at_most_127() {
        let short127 = "CREATE TABLE t (a varchar(127)) DEFAULT CHARSET latin1";
        let long128 = "CREATE TABLE t (a varchar(128)) DEFAULT CHARSET latin1";
        let extend = "ALTER TABLE t MODIFY a varchar(300)";
        assert_eq!(short(&on(short127, extend, mariadb(10, 4, 3))), INSTANT);
        assert_eq!(short(&on(short127, extend, mariadb(10, 4, 2))), COPY);
        assert_eq!(short(&on(long128, extend, mariadb(10, 11, 0))), COPY);
        assert_eq!(
            short(&on(long128, "ALTER TABLE t MODIFY a varchar(255)", mariadb(10, 11, 0))),
            INSTANT
        );
        assert_eq!(
            short(&on(long128, "ALTER TABLE t MODIFY a varchar(255)", mariadb(10, 2, 0))),
            NOCOPY
        );
        // 11.6 defaults to utf8mb4: 40 characters are 160 bytes.
        let plain = "CREATE TABLE t (a varchar(40))";
        assert_eq!(
            short(&on(plain, "ALTER TABLE t MODIFY a varchar(100)", mariadb(11, 4, 0))),
            INSTANT
        );
        assert_eq!(
            short(&on(plain, "ALTER TABLE t MODIFY a varchar(100)", mariadb(11, 6, 0))).0,
            Copy
        );
    }

    #[test]
    fn type_nullability_and_charset_changes() {
        let s = mysql(8, 4, 0);
        assert_eq!(short(&v("ALTER TABLE t MODIFY b bigint", s)), COPY);
        assert!(v("ALTER TABLE t MODIFY b bigint", s).reason.contains("type"));
        assert_eq!(short(&v("ALTER TABLE t MODIFY b int NOT NULL", s)), REBUILD);
        let not_null = "CREATE TABLE t (id int primary key, b int NOT NULL)";
        assert_eq!(
            short(&on(not_null, "ALTER TABLE t MODIFY b int", s)),
            REBUILD,
            "MODIFY without NOT NULL allows NULL"
        );
        assert_eq!(
            short(&on(not_null, "ALTER TABLE t MODIFY id int", s)),
            INSTANT,
            "a primary key column stays NOT NULL"
        );
        assert_eq!(
            short(&v("ALTER TABLE t MODIFY a varchar(10) CHARACTER SET utf8mb4", s)),
            COPY
        );
        let utf8 = "CREATE TABLE t (a varchar(10) CHARACTER SET utf8mb3)";
        let to_mb4 = "ALTER TABLE t MODIFY a varchar(10) CHARACTER SET utf8mb4";
        assert_eq!(short(&on(utf8, to_mb4, s)), COPY);
        assert_eq!(short(&on(utf8, to_mb4, mariadb(10, 4, 3))), INSTANT);
        assert_eq!(short(&on(utf8, to_mb4, mariadb(10, 3, 39))), COPY);
        assert_eq!(short(&v("ALTER TABLE t MODIFY b int FIRST", s)), REBUILD, "reorder");
        assert_eq!(
            short(&v("ALTER TABLE t MODIFY b int AFTER id", mariadb(10, 4, 0))),
            INSTANT
        );
        assert_eq!(short(&v("ALTER TABLE t MODIFY b int AUTO_INCREMENT", s)), COPY);
        assert_eq!(short(&v("ALTER TABLE t MODIFY id int", mariadb(10, 11, 0))), INSTANT);
        assert_eq!(short(&v("ALTER TABLE t MODIFY id int", s)), COPY);
    }

    #[test]
    fn generated_columns_redefined() {
        let virt = "CREATE TABLE t (id int primary key, b int, v int AS (b + 1) VIRTUAL, w int AS (b + 2) STORED)";
        let expression = "ALTER TABLE t MODIFY v int AS (b + 3) VIRTUAL";
        assert_eq!(short(&on(virt, expression, mysql(8, 4, 0))), COPY);
        assert_eq!(short(&on(virt, expression, mariadb(10, 11, 0))), INSTANT);
        assert_eq!(
            short(&on(
                virt,
                "ALTER TABLE t MODIFY w int AS (b + 3) STORED",
                mariadb(10, 11, 0)
            )),
            COPY
        );
        assert_eq!(
            short(&on(
                virt,
                "ALTER TABLE t MODIFY v int AS (b + 3) STORED",
                mariadb(10, 11, 0)
            )),
            COPY
        );
    }

    #[test]
    fn mariadb_online_copy_permits_writes_from_11_4() {
        assert_eq!(short(&v("ALTER TABLE t MODIFY b bigint", mariadb(11, 3, 2))), COPY);
        assert_eq!(
            short(&v("ALTER TABLE t MODIFY b bigint", mariadb(11, 4, 0))),
            (Copy, true, RW)
        );
        assert_eq!(short(&v("ALTER TABLE t MODIFY b bigint", mysql(9, 1, 0))), COPY);
    }

    #[test]
    fn unknown_tables_and_columns_get_the_worst_with_the_reason() {
        let table = MysqlTable {
            name: "legacy".into(),
            unknown: true,
            ..MysqlTable::default()
        };
        let judge_one = |sql: &str| {
            let ops = alter_ops(sql);
            judge(DdlOp::Alter(&ops[0]), &table, mysql(8, 4, 0), true).unwrap()
        };
        let add = judge_one("ALTER TABLE legacy ADD COLUMN c int");
        assert_eq!(short(&add), REBUILD);
        assert!(add.reason.contains("does not know table \"legacy\""), "{add:?}");
        let modify = judge_one("ALTER TABLE legacy MODIFY c varchar(20)");
        assert_eq!(short(&modify), COPY);
        assert!(modify.reason.contains("does not know"), "{modify:?}");
        assert_eq!(short(&judge_one("ALTER TABLE legacy DROP COLUMN c")), REBUILD);
        assert_eq!(short(&judge_one("ALTER TABLE legacy RENAME COLUMN c TO d")), NOCOPY);
        let fulltext = judge_one("ALTER TABLE legacy ADD FULLTEXT INDEX f (c)");
        assert_eq!(short(&fulltext), (Inplace, true, Reads));
        let mut untyped = table_from_create(T);
        if let Some(column) = untyped.columns.iter_mut().find(|c| c.name == "b") {
            column.data_type = DataType::Unspecified;
        }
        let ops = alter_ops("ALTER TABLE t MODIFY b int");
        let modify = judge(DdlOp::Alter(&ops[0]), &untyped, mysql(8, 4, 0), true).unwrap();
        assert_eq!(short(&modify), COPY);
        assert!(modify.reason.contains("does not know the type of \"b\""), "{modify:?}");
        let known = table_from_create(T);
        let ops = alter_ops("ALTER TABLE t MODIFY nosuch int");
        let missing = judge(DdlOp::Alter(&ops[0]), &known, mysql(8, 4, 0), true).unwrap();
        assert!(
            missing.reason.contains("does not know column \"nosuch\""),
            "{missing:?}"
        );
    }

    #[test]
    fn indexes() {
        let s = mysql(8, 4, 0);
        assert_eq!(short(&v("ALTER TABLE t ADD INDEX ia (a)", s)), NOCOPY);
        assert_eq!(short(&v("ALTER TABLE t ADD UNIQUE KEY ua (a)", s)), NOCOPY);
        assert_eq!(
            short(&v("ALTER TABLE t ADD FULLTEXT INDEX fa (a)", s)),
            (Inplace, true, Reads)
        );
        let fulltext = "CREATE TABLE t (id int primary key, a text, b text, FULLTEXT f (a))";
        assert_eq!(
            short(&on(fulltext, "ALTER TABLE t ADD FULLTEXT INDEX fb (b)", s)),
            (Inplace, false, Reads)
        );
        let geo = "CREATE TABLE t (id int primary key, g geometry NOT NULL)";
        assert_eq!(
            short(&on(geo, "ALTER TABLE t ADD SPATIAL INDEX sg (g)", mysql(5, 7, 4))),
            COPY
        );
        assert_eq!(
            short(&on(geo, "ALTER TABLE t ADD SPATIAL INDEX sg (g)", mysql(5, 7, 5))),
            (Inplace, false, Reads)
        );
        let no_pk = "CREATE TABLE t (id int NOT NULL, b int)";
        assert_eq!(short(&on(no_pk, "ALTER TABLE t ADD PRIMARY KEY (id)", s)), REBUILD);
        // A UNIQUE index on NOT NULL columns of a table without a primary key is its clustered index.
        assert_eq!(short(&on(no_pk, "ALTER TABLE t ADD UNIQUE KEY u (id)", s)), REBUILD);
        assert_eq!(short(&on(no_pk, "ALTER TABLE t ADD UNIQUE KEY u (b)", s)), NOCOPY);
        assert_eq!(short(&on(no_pk, "ALTER TABLE t ADD UNIQUE KEY u (id, b)", s)), NOCOPY);
        assert_eq!(short(&on(no_pk, "ALTER TABLE t ADD INDEX i (id)", s)), NOCOPY);
        let unique_not_null = "CREATE TABLE t (id int NOT NULL, b int NOT NULL, UNIQUE KEY u (id))";
        assert_eq!(
            short(&on(unique_not_null, "ALTER TABLE t ADD UNIQUE KEY ub (b)", s)),
            NOCOPY
        );
        let legacy = MysqlTable {
            name: "legacy".into(),
            unknown: true,
            ..MysqlTable::default()
        };
        let ops = alter_ops("ALTER TABLE legacy ADD UNIQUE KEY u (x)");
        let unique = judge(DdlOp::Alter(&ops[0]), &legacy, s, true).unwrap();
        assert_eq!(short(&unique), REBUILD);
        assert!(unique.reason.contains("does not know table"), "{unique:?}");
        assert_eq!(short(&v("ALTER TABLE t DROP PRIMARY KEY", s)), COPY);
        assert_eq!(
            short(&v("ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, b)", s)),
            REBUILD
        );
        assert_eq!(short(&v("ALTER TABLE t DROP INDEX ib", s)), NOCOPY);
        let table = table_from_create(T);
        assert_eq!(short(&judge(DdlOp::DropIndex("ib"), &table, s, true).unwrap()), NOCOPY);
        assert_eq!(
            short(&judge(DdlOp::DropIndex("PRIMARY"), &table, s, true).unwrap()),
            COPY
        );
        let Some(Statement::CreateIndex(index)) = parse("CREATE UNIQUE INDEX ua ON t (a)").into_iter().next() else {
            panic!("CREATE INDEX")
        };
        assert_eq!(
            short(&judge(DdlOp::CreateIndex(&index), &table, s, true).unwrap()),
            NOCOPY
        );
    }

    #[test]
    fn constraints() {
        let s = mysql(8, 4, 0);
        let table = table_from_create(T);
        let fk = alter_ops("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES p (id)");
        assert_eq!(short(&judge(DdlOp::Alter(&fk[0]), &table, s, true).unwrap()), COPY);
        assert_eq!(short(&judge(DdlOp::Alter(&fk[0]), &table, s, false).unwrap()), NOCOPY);
        // MariaDB: instant when an index already leads with the columns.
        let m = mariadb(10, 11, 0);
        assert_eq!(short(&judge(DdlOp::Alter(&fk[0]), &table, m, false).unwrap()), INSTANT);
        let unindexed = alter_ops("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)");
        assert_eq!(
            short(&judge(DdlOp::Alter(&unindexed[0]), &table, m, false).unwrap()),
            NOCOPY
        );
        assert_eq!(short(&v("ALTER TABLE t DROP FOREIGN KEY fk", s)), NOCOPY);
        assert_eq!(
            short(&v("ALTER TABLE t DROP FOREIGN KEY fk", mariadb(10, 11, 0))),
            INSTANT
        );
        assert_eq!(
            short(&v("ALTER TABLE t ADD CONSTRAINT ck CHECK (b > 0)", mysql(8, 0, 15))),
            NOCOPY
        );
        assert_eq!(
            short(&v("ALTER TABLE t ADD CONSTRAINT ck CHECK (b > 0)", mysql(8, 0, 16))),
            COPY
        );
        assert_eq!(short(&v("ALTER TABLE t DROP CONSTRAINT ck", s)), NOCOPY);
        assert_eq!(
            short(&v("ALTER TABLE t DROP CONSTRAINT ck", mariadb(10, 11, 0))),
            INSTANT
        );
        let with_fk = "CREATE TABLE t (id int primary key, b int, CONSTRAINT fk FOREIGN KEY (b) REFERENCES p (id))";
        assert_eq!(short(&on(with_fk, "ALTER TABLE t DROP CONSTRAINT fk", s)), NOCOPY);
        assert_eq!(
            short(&v("ALTER TABLE t DROP CONSTRAINT ib", s)),
            NOCOPY,
            "a UNIQUE's or index's name"
        );
    }

    #[test]
    fn table_operations() {
        let table = table_from_create(T);
        assert_eq!(short(&v("ALTER TABLE t RENAME TO u", mysql(8, 0, 12))), INSTANT);
        assert_eq!(short(&v("ALTER TABLE t RENAME TO u", mysql(5, 7, 44))), NOCOPY);
        assert_eq!(
            short(&v("ALTER TABLE t RENAME TO u", mariadb(10, 11, 0))),
            (Instant, false, Nothing)
        );
        assert_eq!(short(&v("ALTER TABLE t AUTO_INCREMENT = 100", mysql(8, 4, 0))), NOCOPY);
        assert_eq!(
            short(&v("ALTER TABLE t AUTO_INCREMENT = 100", mariadb(10, 11, 0))),
            INSTANT
        );
        for clause in ["ALTER TABLE t ALGORITHM=INPLACE", "ALTER TABLE t LOCK=NONE"] {
            let ops = alter_ops(clause);
            assert_eq!(
                judge(DdlOp::Alter(&ops[0]), &table, mysql(8, 4, 0), true),
                None,
                "{clause}"
            );
        }
        let clause = |c: TableClause<'_>, s: MysqlServer| short(&judge(DdlOp::Clause(c), &table, s, true).unwrap());
        let s = mysql(8, 4, 0);
        assert_eq!(clause(TableClause::Force, s), REBUILD);
        assert_eq!(clause(TableClause::Engine("InnoDB"), s), REBUILD);
        assert_eq!(clause(TableClause::Engine("MyISAM"), s), COPY);
        assert_eq!(clause(TableClause::RowFormat, s), REBUILD);
        assert_eq!(clause(TableClause::ConvertCharset("utf8mb4"), s), COPY);
        assert_eq!(clause(TableClause::DefaultCharset("utf8mb4"), s), REBUILD);
        assert_eq!(clause(TableClause::DefaultCharset("latin1"), s), INSTANT);
        assert_eq!(
            clause(TableClause::DefaultCharset("utf8mb4"), mariadb(10, 11, 0)),
            INSTANT
        );
        assert_eq!(clause(TableClause::RenameIndex, mysql(5, 7, 44)), NOCOPY);
        assert_eq!(clause(TableClause::RenameIndex, s), INSTANT);
        assert_eq!(clause(TableClause::Comment, s), INSTANT);
    }

    #[test]
    fn other_databases_syntax_is_not_judged() {
        let table = table_from_create(T);
        let ops = alter_ops("ALTER TABLE t ALTER COLUMN b SET NOT NULL");
        assert_eq!(judge(DdlOp::Alter(&ops[0]), &table, mysql(8, 4, 0), true), None);
    }

    #[test]
    fn worst_keeps_the_worse_reason() {
        let a = Verdict::instant("a");
        let b = Verdict::rebuild("b");
        assert_eq!(a.clone().worst(b.clone()).reason, "b");
        assert_eq!(b.worst(a).reason, "b");
        let c = Verdict::nocopy("c").blocking(Reads);
        let d = Verdict::rebuild("d");
        let both = c.worst(d);
        assert_eq!(short(&both), (Inplace, true, Reads));
    }

    #[test]
    fn canonical_types_fold_display_widths_and_synonyms() {
        let ty = |sql: &str| {
            let table = table_from_create(&format!("CREATE TABLE t (c {sql})"));
            canonical_type(&table.columns[0].data_type)
        };
        assert_eq!(ty("int(11)"), ty("INT"));
        assert_eq!(ty("integer"), ty("int"));
        assert_eq!(ty("int(10) unsigned"), ty("int unsigned"));
        assert_ne!(ty("int"), ty("bigint"));
        assert_eq!(ty("decimal(10,2)"), "decimal(10,2)");
        assert_ne!(ty("varchar(10)"), ty("varchar(20)"));
    }
}
