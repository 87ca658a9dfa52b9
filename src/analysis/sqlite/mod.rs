//! What each statement of a SQLite migration does and the state it runs in:
//! the transaction around it (an explicit `BEGIN`, or the runner's),
//! `PRAGMA foreign_keys` as the file set it, the schema the migrations
//! before it left (`SqliteCatalog`), whether SQLite will refuse it, and the
//! table rebuilds (SQLite's twelve-step ALTER) the file performs.

pub(crate) mod actions;
pub(crate) mod catalog;

use crate::input::layout::ScriptInfo;
use crate::input::source::{SourceFile, Span};
use crate::parse::sqlite::SqliteFile;
pub(crate) use crate::settings::SqliteVersion;
pub(crate) use actions::{Action, ColumnInfo, Default};
pub(crate) use catalog::SqliteCatalog;

/// One statement as the SQLite rules see it.
#[derive(Debug, Clone)]
pub(crate) struct SqliteStatementState {
    pub span: Span,
    pub action: Action,
    /// Inside a transaction: the file's own `BEGIN`, or the runner's.
    pub in_transaction: bool,
    /// Why SQLite refuses this ALTER TABLE, as its documentation says.
    pub refused: Option<String>,
    /// A table the statement drops or a column it drops that holds data: it
    /// existed before the change and the file did not copy it elsewhere.
    pub loses_data: bool,
    /// The statement takes the database's write lock: it changes the
    /// schema or the data.
    pub writes: bool,
    /// The table the statement acts on existed before the change (or no
    /// migration created it): production's, with rows.
    pub on_existing_table: bool,
}

/// A table rebuilt the way SQLite's documentation gives for changes ALTER
/// TABLE cannot make: a new table, the rows copied into it, the old one
/// dropped and the new one renamed in its place.
#[derive(Debug, Clone)]
pub(crate) struct Rebuild {
    pub table: String,
    /// The table existed before the change: it holds rows in production.
    pub existing: bool,
    /// The `INSERT ... SELECT` that copies the rows.
    pub copy: Span,
    pub drop: Span,
    /// The `ALTER TABLE ... RENAME TO` that puts the new table in place.
    pub rename: Span,
    /// Indexes and triggers of the old table, dropped with it and not
    /// created again on the new one by the end of the file.
    pub lost: Vec<String>,
    /// The file turned foreign keys off and checks them before it ends.
    pub foreign_key_check: bool,
    pub foreign_keys_off: bool,
}

/// A SQLite file with the facts of every statement.
pub(crate) struct SqliteAnalyzed<'a> {
    pub script: &'a ScriptInfo,
    pub statements: Vec<SqliteStatementState>,
    pub rebuilds: Vec<Rebuild>,
    /// The statements that created the indexes and triggers known at the
    /// file's end, and those the file dropped, by name, as written.
    pub definitions: std::collections::BTreeMap<String, String>,
}

/// Walks a file's statements in order against `catalog`, which it leaves
/// as the file leaves the schema. `in_change`: the file is part of the
/// change being judged (what it creates is new, empty in production).
pub(crate) fn analyze_sqlite<'a>(
    source: &'a SourceFile,
    parsed: &'a SqliteFile,
    script: &'a ScriptInfo,
    catalog: &mut SqliteCatalog,
    version: SqliteVersion,
    runner_transaction: bool,
    in_change: bool,
) -> SqliteAnalyzed<'a> {
    let mut statements = Vec::with_capacity(parsed.statements.len());
    let mut explicit = false;
    let mut foreign_keys = None;
    // The file's INSERT ... SELECT statements: (span, target, words of the source).
    let mut copies: Vec<(Span, String, Vec<String>)> = Vec::new();
    let copy_of = |copies: &[(Span, String, Vec<String>)], table: &str| -> Option<(Span, String)> {
        copies
            .iter()
            .find(|(_, into, words)| into != table && words.iter().any(|w| w == table))
            .map(|(span, into, _)| (*span, into.clone()))
    };
    // Rebuilt tables waiting for their rename: (old, new, copy, drop, lost, existing).
    let mut pending: Vec<(String, String, Span, Span, Vec<String>, bool)> = Vec::new();
    let mut rebuilds = Vec::new();
    let mut foreign_key_check_at = Vec::new();
    for statement in &parsed.statements {
        let action = actions::action_of(&statement.kind);
        let refused = refusal(&action, catalog, version, foreign_keys);
        // A table no migration created is production's, as PostgreSQL's rules assume.
        let existing = |table: &str| !catalog.tables.get(table).is_some_and(|t| t.new_in_change);
        let loses_data = match &action {
            Action::DropTable { table, .. } => existing(table) && copy_of(&copies, table).is_none(),
            Action::DropColumn { table, .. } => existing(table) && refused.is_none(),
            _ => false,
        };
        match &action {
            Action::Begin => explicit = true,
            Action::Commit | Action::Rollback => explicit = false,
            // Inside a transaction SQLite ignores it: the state does not change.
            Action::Pragma { name, value: Some(v) } if name == "foreign_keys" && !(explicit || runner_transaction) => {
                foreign_keys = Some(matches!(v.as_str(), "on" | "1" | "true" | "yes"));
            }
            Action::Pragma { name, .. } if name == "foreign_key_check" => foreign_key_check_at.push(statement.span),
            Action::InsertSelect { table, source_words } => {
                copies.push((statement.span, table.clone(), source_words.clone()));
            }
            Action::DropTable { table, .. } => {
                if let Some((copy, into)) = copy_of(&copies, table) {
                    let lost: Vec<String> = catalog
                        .indexes_of(table)
                        .chain(catalog.triggers_of(table))
                        .map(str::to_string)
                        .collect();
                    pending.push((table.clone(), into, copy, statement.span, lost, existing(table)));
                }
            }
            Action::RenameTable { table, new } => {
                if let Some(at) = pending.iter().position(|(old, into, ..)| old == new && into == table) {
                    let (old, _, copy, drop, lost, was_existing) = pending.remove(at);
                    rebuilds.push((old, copy, drop, statement.span, lost, was_existing));
                }
            }
            _ => {}
        }
        statements.push(SqliteStatementState {
            span: statement.span,
            action: action.clone(),
            in_transaction: explicit || runner_transaction,
            refused,
            loses_data,
            writes: actions::writes(&statement.kind, &action),
            on_existing_table: action.table().is_some_and(existing),
        });
        if let Action::CreateIndex { index: name, .. } | Action::CreateTrigger { trigger: name, .. } = &action {
            catalog
                .definitions
                .insert(name.clone(), source.slice(statement.span).to_string());
        }
        catalog.apply(&action, in_change);
    }
    let foreign_keys_off = statements
        .iter()
        .any(|s| matches!(&s.action, Action::Pragma { name, value: Some(v) } if name == "foreign_keys" && matches!(v.as_str(), "off" | "0" | "false" | "no")));
    let rebuilds = rebuilds
        .into_iter()
        .map(|(table, copy, drop, rename, lost, existing)| {
            // Created again by the file's end, on the rebuilt table, under the same name.
            let lost = lost
                .into_iter()
                .filter(|name| {
                    let index_back = catalog.indexes.get(name).is_some_and(|i| i.table == table);
                    let trigger_back = catalog.triggers.get(name).is_some_and(|t| t.table == table);
                    !(index_back || trigger_back)
                })
                .collect();
            Rebuild {
                table,
                existing,
                copy,
                drop,
                rename,
                lost,
                foreign_key_check: foreign_key_check_at.iter().any(|at| at.start > rename.start),
                foreign_keys_off,
            }
        })
        .collect();
    SqliteAnalyzed {
        script,
        statements,
        rebuilds,
        definitions: catalog.definitions.clone(),
    }
}

/// Why SQLite refuses an ALTER TABLE, or None when it takes it (or the
/// table is unknown).
fn refusal(
    action: &Action,
    catalog: &SqliteCatalog,
    version: SqliteVersion,
    foreign_keys: Option<bool>,
) -> Option<String> {
    match action {
        Action::RenameColumn { .. } if version < SqliteVersion::RENAME_COLUMN => Some(format!(
            "RENAME COLUMN needs SQLite {} (sqlite_version is {version})",
            SqliteVersion::RENAME_COLUMN
        )),
        Action::DropColumn { .. } if version < SqliteVersion::DROP_COLUMN => Some(format!(
            "DROP COLUMN needs SQLite {} (sqlite_version is {version})",
            SqliteVersion::DROP_COLUMN
        )),
        Action::DropColumn { table, column } => catalog
            .drop_column_blocker(table, column)
            .map(|why| format!("\"{column}\" cannot be dropped: {why}")),
        Action::AddColumn { table, column } => {
            // An unknown table is production's: it has rows.
            let has_rows = catalog.tables.get(table).is_none_or(|t| t.has_rows);
            add_column_refusal(column, has_rows, foreign_keys == Some(true))
        }
        _ => None,
    }
}

/// Why SQLite refuses to add `column`, from the list in its ALTER TABLE
/// documentation. Three of the checks SQLite makes only when the table has
/// rows (`sqlite3ErrorIfNotEmpty`): a non-constant default, a STORED
/// generated column, NOT NULL without a non-NULL default.
fn add_column_refusal(column: &ColumnInfo, has_rows: bool, foreign_keys_on: bool) -> Option<String> {
    let name = &column.name;
    if column.primary_key {
        return Some(format!("an added column cannot be a PRIMARY KEY (\"{name}\")"));
    }
    if column.unique {
        return Some(format!("an added column cannot be UNIQUE (\"{name}\")"));
    }
    if foreign_keys_on && column.references.is_some() && !matches!(column.default, Default::None | Default::Null) {
        return Some(format!(
            "with foreign keys on, an added REFERENCES column must default to NULL (\"{name}\")"
        ));
    }
    if !has_rows {
        return None;
    }
    if column.generated == Some(true) {
        return Some(format!(
            "an added column cannot be a STORED generated column (\"{name}\"); VIRTUAL can"
        ));
    }
    if let Default::Expression(expr) = &column.default {
        return Some(format!(
            "an added column cannot have a non-constant default (\"{name}\" DEFAULT {expr})"
        ));
    }
    if column.not_null && column.generated.is_none() && matches!(column.default, Default::None | Default::Null) {
        return Some(format!(
            "an added NOT NULL column needs a non-NULL default (\"{name}\")"
        ));
    }
    None
}
