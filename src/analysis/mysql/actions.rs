//! What a MySQL statement does, read off sqlparser's tree into the shapes
//! the MySQL facts and rules need: table names lowercased and unquoted,
//! columns with what online DDL depends on, and the session settings a
//! migration changes (`lock_wait_timeout`, `foreign_key_checks`).

use sqlparser::ast::{
    ColumnDef, ColumnOption, CreateTableOptions, Expr, FromTable, GeneratedExpressionMode, ObjectType, Set, SqlOption,
    Statement, TableConstraint, TableFactor, TableObject, Value,
};

use super::model::{Generated, IndexKind, MysqlColumn, MysqlIndex};
pub(crate) use crate::analysis::sqlparser_tree::name_of;
use crate::parse::mysql::MysqlKind;

/// What one statement does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    CreateTable {
        table: String,
        temporary: bool,
        if_not_exists: bool,
        /// `CREATE TABLE t LIKE s`: s's definition.
        like: Option<String>,
    },
    /// `ALTER TABLE`: its operations are judged one by one.
    AlterTable {
        table: String,
    },
    CreateIndex {
        table: String,
        index: String,
    },
    DropIndex {
        table: String,
        index: String,
    },
    /// `RENAME TABLE a TO b, c TO d`.
    RenameTables {
        pairs: Vec<(String, String)>,
    },
    DropTables {
        tables: Vec<String>,
        temporary: bool,
    },
    Truncate {
        tables: Vec<String>,
    },
    Delete {
        table: String,
        has_where: bool,
    },
    Update {
        table: String,
        has_where: bool,
    },
    Insert {
        table: String,
    },
    /// `SET [SESSION|GLOBAL] name = value, ...`: names lowercased without
    /// `@@session.`, values as written, unquoted.
    Set {
        assignments: Vec<Assignment>,
    },
    Begin,
    Commit,
    Rollback,
    /// `LOCK TABLES`: commits an open transaction, like DDL.
    LockTables,
    /// A stored program sqlparser cannot read (`CREATE PROCEDURE`,
    /// `FUNCTION`, `TRIGGER`, `EVENT`), and a trigger's table, whose
    /// metadata lock it takes.
    Routine {
        object: &'static str,
        name: String,
        table: Option<String>,
    },
    /// Another statement that commits implicitly: CREATE/DROP VIEW,
    /// DATABASE, PROCEDURE, FUNCTION, TRIGGER, EVENT, USER...
    OtherDdl,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    pub name: String,
    pub value: String,
    /// `SET GLOBAL`: other sessions' setting, not this migration's.
    pub global: bool,
}

impl Action {
    /// The statement commits an open transaction before it runs and is not
    /// undone by a later ROLLBACK (MySQL's implicit commit).
    pub(crate) fn commits(&self) -> bool {
        match self {
            Action::CreateTable { temporary, .. } | Action::DropTables { temporary, .. } => !temporary,
            Action::AlterTable { .. }
            | Action::CreateIndex { .. }
            | Action::DropIndex { .. }
            | Action::RenameTables { .. }
            | Action::Truncate { .. }
            | Action::LockTables
            | Action::Routine { .. }
            | Action::OtherDdl => true,
            _ => false,
        }
    }

    /// The statement changes the schema or the data (not a SET, not a
    /// transaction's start or end).
    pub(crate) fn changes_something(&self) -> bool {
        !matches!(
            self,
            Action::Set { .. } | Action::Begin | Action::Commit | Action::Rollback | Action::Other
        )
    }

    /// The statement as a message names it: its verb, and a stored
    /// program's name.
    pub(crate) fn named(&self) -> String {
        match self {
            Action::Routine { name, .. } => format!("{} `{name}`", self.verb()),
            _ => self.verb().to_string(),
        }
    }

    /// The verb a message names the statement by.
    pub(crate) fn verb(&self) -> &'static str {
        match self {
            Action::CreateTable { .. } => "CREATE TABLE",
            Action::AlterTable { .. } => "ALTER TABLE",
            Action::CreateIndex { .. } => "CREATE INDEX",
            Action::DropIndex { .. } => "DROP INDEX",
            Action::RenameTables { .. } => "RENAME TABLE",
            Action::DropTables { .. } => "DROP TABLE",
            Action::Truncate { .. } => "TRUNCATE",
            Action::Delete { .. } => "DELETE",
            Action::Update { .. } => "UPDATE",
            Action::Insert { .. } => "INSERT",
            Action::Set { .. } => "SET",
            Action::Begin => "START TRANSACTION",
            Action::Commit => "COMMIT",
            Action::Rollback => "ROLLBACK",
            Action::LockTables => "LOCK TABLES",
            Action::Routine { object, .. } => match *object {
                "procedure" => "CREATE PROCEDURE",
                "function" => "CREATE FUNCTION",
                "trigger" => "CREATE TRIGGER",
                "event" => "CREATE EVENT",
                _ => "this statement",
            },
            Action::OtherDdl => "this statement",
            Action::Other => "this statement",
        }
    }
}

pub(crate) fn action_of(kind: &MysqlKind) -> Action {
    match kind {
        MysqlKind::Routine { object, name, table } => Action::Routine {
            object,
            name: name.clone(),
            table: table.as_ref().map(|t| t.to_lowercase()),
        },
        MysqlKind::Ast(statement) | MysqlKind::Alter { ast: statement, .. } => statement_action(statement),
    }
}

fn statement_action(statement: &Statement) -> Action {
    match statement {
        Statement::CreateTable(create) => Action::CreateTable {
            table: name_of(&create.name),
            temporary: create.temporary,
            if_not_exists: create.if_not_exists,
            like: create.like.as_ref().map(|like| match like {
                sqlparser::ast::CreateTableLikeKind::Parenthesized(like)
                | sqlparser::ast::CreateTableLikeKind::Plain(like) => name_of(&like.name),
            }),
        },
        Statement::AlterTable(alter) => Action::AlterTable {
            table: name_of(&alter.name),
        },
        Statement::CreateIndex(create) => Action::CreateIndex {
            table: name_of(&create.table_name),
            index: create.name.as_ref().map(name_of).unwrap_or_default(),
        },
        Statement::Drop {
            object_type,
            names,
            temporary,
            table,
            ..
        } => match object_type {
            ObjectType::Table => Action::DropTables {
                tables: names.iter().map(name_of).collect(),
                temporary: *temporary,
            },
            ObjectType::Index => Action::DropIndex {
                table: table.as_ref().map(name_of).unwrap_or_default(),
                index: names.first().map(name_of).unwrap_or_default(),
            },
            _ => Action::OtherDdl,
        },
        Statement::RenameTable(renames) => Action::RenameTables {
            pairs: renames
                .iter()
                .map(|r| (name_of(&r.old_name), name_of(&r.new_name)))
                .collect(),
        },
        Statement::Truncate(truncate) => Action::Truncate {
            tables: truncate.table_names.iter().map(|t| name_of(&t.name)).collect(),
        },
        Statement::Delete(delete) => {
            let tables = match &delete.from {
                FromTable::WithFromKeyword(tables) | FromTable::WithoutKeyword(tables) => tables,
            };
            Action::Delete {
                table: delete
                    .tables
                    .first()
                    .map(name_of)
                    .or_else(|| tables.first().and_then(|t| table_name(&t.relation)))
                    .unwrap_or_default(),
                has_where: delete.selection.is_some() || delete.using.is_some() || tables.len() > 1,
            }
        }
        Statement::Update(update) => Action::Update {
            table: table_name(&update.table.relation).unwrap_or_default(),
            // A join limits the rows like a WHERE does.
            has_where: update.selection.is_some() || !update.table.joins.is_empty() || update.from.is_some(),
        },
        Statement::Insert(insert) => match &insert.table {
            TableObject::TableName(name) => Action::Insert { table: name_of(name) },
            _ => Action::Other,
        },
        Statement::Set(set) => Action::Set {
            assignments: assignments(set),
        },
        Statement::StartTransaction { .. } => Action::Begin,
        Statement::Commit { .. } => Action::Commit,
        Statement::Rollback { savepoint: None, .. } => Action::Rollback,
        Statement::LockTables { .. } => Action::LockTables,
        Statement::CreateView(_)
        | Statement::CreateDatabase { .. }
        | Statement::CreateSchema { .. }
        | Statement::CreateFunction(_)
        | Statement::CreateProcedure { .. }
        | Statement::CreateTrigger(_)
        | Statement::DropTrigger(_)
        | Statement::DropFunction(_)
        | Statement::DropProcedure { .. }
        | Statement::CreateUser(_)
        | Statement::Grant(_)
        | Statement::Revoke(_) => Action::OtherDdl,
        _ => Action::Other,
    }
}

fn table_name(factor: &TableFactor) -> Option<String> {
    match factor {
        TableFactor::Table { name, .. } => Some(name_of(name)),
        _ => None,
    }
}

fn assignments(set: &Set) -> Vec<Assignment> {
    let one = |scope: Option<&sqlparser::ast::ContextModifier>, name: &sqlparser::ast::ObjectName, value: &Expr| {
        let written = name.to_string().to_lowercase();
        let global = matches!(scope, Some(sqlparser::ast::ContextModifier::Global))
            || written.starts_with("@@global.")
            || written.starts_with("global.");
        let bare = [
            "@@session.",
            "@@local.",
            "@@global.",
            "@@",
            "session.",
            "local.",
            "global.",
        ]
        .iter()
        .find_map(|prefix| written.strip_prefix(prefix))
        .unwrap_or(&written);
        Assignment {
            name: bare.trim_matches('`').to_string(),
            value: value_text(value),
            global,
        }
    };
    match set {
        Set::SingleAssignment {
            scope,
            variable,
            values,
            ..
        } => values
            .first()
            .map(|value| vec![one(scope.as_ref(), variable, value)])
            .unwrap_or_default(),
        Set::MultipleAssignments { assignments } => assignments
            .iter()
            .map(|a| one(a.scope.as_ref(), &a.name, &a.value))
            .collect(),
        Set::ParenthesizedAssignments { variables, values } => variables
            .iter()
            .zip(values)
            .map(|(name, value)| one(None, name, value))
            .collect(),
        _ => Vec::new(),
    }
}

/// A SET value as written, unquoted and lowercased (`'OFF'` is `off`).
fn value_text(value: &Expr) -> String {
    match value {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.to_lowercase(),
            other => other.to_string().to_lowercase(),
        },
        other => other.to_string().to_lowercase(),
    }
}

/// A column as the catalog keeps it, from its definition in a CREATE
/// TABLE or an ALTER TABLE ADD/MODIFY/CHANGE.
pub(crate) fn column_of(name: &str, data_type: &sqlparser::ast::DataType, options: &[ColumnOption]) -> MysqlColumn {
    let mut column = MysqlColumn {
        name: name.to_lowercase(),
        data_type: data_type.clone(),
        nullable: true,
        charset: None,
        generated: None,
        auto_increment: false,
        has_default: false,
    };
    for option in options {
        match option {
            ColumnOption::NotNull | ColumnOption::PrimaryKey(_) => column.nullable = false,
            ColumnOption::Null => column.nullable = true,
            ColumnOption::Default(_) => column.has_default = true,
            ColumnOption::CharacterSet(charset) => column.charset = Some(charset.to_string().to_lowercase()),
            ColumnOption::Generated {
                generation_expr_mode, ..
            } => {
                column.generated = Some(match generation_expr_mode {
                    Some(GeneratedExpressionMode::Stored) => Generated::Stored,
                    _ => Generated::Virtual,
                })
            }
            ColumnOption::DialectSpecific(tokens)
                if tokens
                    .iter()
                    .any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT")) =>
            {
                column.auto_increment = true;
            }
            _ => {}
        }
    }
    // A column type's own `CHARACTER SET` (`varchar(10) CHARACTER SET latin1`).
    if column.charset.is_none() {
        column.charset = charset_in_type(data_type);
    }
    column
}

pub(crate) fn column_of_def(def: &ColumnDef) -> MysqlColumn {
    let options: Vec<ColumnOption> = def.options.iter().map(|o| o.option.clone()).collect();
    column_of(&def.name.value, &def.data_type, &options)
}

fn charset_in_type(data_type: &sqlparser::ast::DataType) -> Option<String> {
    let written = data_type.to_string().to_lowercase();
    let at = written.find("character set ").map(|i| i + "character set ".len())?;
    written[at..].split_whitespace().next().map(str::to_string)
}

/// The index a table constraint creates, if any (`KEY`, `UNIQUE`,
/// `PRIMARY KEY`, `FULLTEXT`, `SPATIAL`, and the index InnoDB creates for a
/// foreign key is not counted: it exists only when no other index fits).
pub(crate) fn index_of(constraint: &TableConstraint) -> Option<MysqlIndex> {
    let columns = |columns: &[sqlparser::ast::IndexColumn]| -> Vec<String> {
        columns
            .iter()
            .map(|c| c.column.expr.to_string().trim_matches('`').to_lowercase())
            .collect()
    };
    let named = |name: Option<&sqlparser::ast::Ident>, columns: &[String]| {
        name.map(|n| n.value.to_lowercase())
            .or_else(|| columns.first().cloned())
            .unwrap_or_default()
    };
    match constraint {
        TableConstraint::PrimaryKey(key) => Some(MysqlIndex {
            name: "primary".to_string(),
            columns: columns(&key.columns),
            kind: IndexKind::Primary,
        }),
        TableConstraint::Unique(unique) => {
            let cols = columns(&unique.columns);
            Some(MysqlIndex {
                name: named(unique.index_name.as_ref().or(unique.name.as_ref()), &cols),
                columns: cols,
                kind: IndexKind::Unique,
            })
        }
        TableConstraint::Index(index) => {
            let cols = columns(&index.columns);
            Some(MysqlIndex {
                name: named(index.name.as_ref(), &cols),
                columns: cols,
                kind: IndexKind::Plain,
            })
        }
        TableConstraint::FulltextOrSpatial(index) => {
            let cols = columns(&index.columns);
            Some(MysqlIndex {
                name: named(index.opt_index_name.as_ref(), &cols),
                columns: cols,
                kind: if index.fulltext {
                    IndexKind::Fulltext
                } else {
                    IndexKind::Spatial
                },
            })
        }
        _ => None,
    }
}

/// The foreign key a table constraint declares: its name (or the name
/// InnoDB gives an unnamed one is unknown: the empty string).
pub(crate) fn foreign_key_of(constraint: &TableConstraint) -> Option<String> {
    match constraint {
        TableConstraint::ForeignKey(key) => Some(key.name.as_ref().map(|n| n.value.to_lowercase()).unwrap_or_default()),
        _ => None,
    }
}

/// `ENGINE=` and `DEFAULT CHARSET=` of a CREATE TABLE, lowercased.
pub(crate) fn table_options(options: &CreateTableOptions) -> (Option<String>, Option<String>) {
    let list: &[SqlOption] = match options {
        CreateTableOptions::None => &[],
        CreateTableOptions::With(list)
        | CreateTableOptions::Options(list)
        | CreateTableOptions::Plain(list)
        | CreateTableOptions::TableProperties(list) => list,
    };
    let mut engine = None;
    let mut charset = None;
    for option in list {
        let written = option.to_string().to_lowercase();
        let (key, value) = match written.split_once('=') {
            Some((key, value)) => (key.trim().to_string(), value.trim().to_string()),
            None => match written.rsplit_once(' ') {
                Some((key, value)) => (key.trim().to_string(), value.trim().to_string()),
                None => continue,
            },
        };
        let value = value.trim_matches(['\'', '"', '`']).to_string();
        let key = key.trim_start_matches("default ").trim();
        match key {
            "engine" => engine = Some(value),
            "charset" | "character set" => charset = Some(value),
            _ => {}
        }
    }
    (engine, charset)
}
