//! What a SQLite statement does, read off sqlparser's tree into the few
//! shapes the SQLite facts and rules need: names lowercased and unquoted
//! (SQLite's names are case-insensitive), columns with what SQLite checks
//! of them, and the words of expressions that name columns.

use sqlparser::ast::{
    AlterTableOperation, ColumnDef, ColumnOption, Expr, GeneratedExpressionMode, ObjectType, RenameTableNameKind,
    Statement, TableConstraint, TableObject, Value,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

pub(crate) use crate::analysis::sqlparser_tree::name_of;
use crate::parse::sqlite::SqliteKind;

/// A column as SQLite sees it when it is added or dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ColumnInfo {
    pub name: String,
    pub primary_key: bool,
    pub unique: bool,
    pub not_null: bool,
    pub default: Default,
    /// `REFERENCES` another table.
    pub references: Option<String>,
    /// `GENERATED ALWAYS AS (...)` / `AS (...)`, and whether `STORED`.
    pub generated: Option<bool>,
    /// Names the column's CHECK and generation expressions use.
    pub expression_words: Vec<String>,
}

/// A column's `DEFAULT`, as SQLite's ADD COLUMN judges it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Default {
    #[default]
    None,
    /// `DEFAULT NULL`.
    Null,
    /// A literal (number, string, blob, TRUE/FALSE): constant.
    Constant,
    /// `CURRENT_TIME`, `CURRENT_DATE`, `CURRENT_TIMESTAMP`, or an
    /// expression in parentheses: not constant for ADD COLUMN.
    Expression(String),
}

/// What one statement does.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    CreateTable {
        table: String,
        columns: Vec<ColumnInfo>,
        /// Table constraints: (kind, columns, expression words).
        constraints: Vec<TableRule>,
        if_not_exists: bool,
    },
    AddColumn {
        table: String,
        column: ColumnInfo,
    },
    DropColumn {
        table: String,
        column: String,
    },
    RenameColumn {
        table: String,
        old: String,
        new: String,
    },
    RenameTable {
        table: String,
        new: String,
    },
    DropTable {
        table: String,
    },
    DropIndex {
        index: String,
    },
    DropView {
        view: String,
    },
    DropTrigger {
        trigger: String,
    },
    CreateIndex {
        index: String,
        table: String,
        columns: Vec<String>,
        /// Words of the partial index's WHERE.
        where_words: Vec<String>,
    },
    CreateView {
        view: String,
        words: Vec<String>,
    },
    CreateTrigger {
        trigger: String,
        table: String,
        words: Vec<String>,
    },
    /// `INSERT INTO table ... SELECT ...` and the words of its source.
    InsertSelect {
        table: String,
        source_words: Vec<String>,
    },
    /// Any other `INSERT INTO table` (`VALUES`, `DEFAULT VALUES`).
    Insert {
        table: String,
    },
    Begin,
    Commit,
    Rollback,
    Pragma {
        name: String,
        value: Option<String>,
    },
    Other,
}

impl Action {
    /// The one table the statement acts on.
    pub(crate) fn table(&self) -> Option<&str> {
        match self {
            Action::CreateTable { table, .. }
            | Action::AddColumn { table, .. }
            | Action::DropColumn { table, .. }
            | Action::RenameColumn { table, .. }
            | Action::RenameTable { table, .. }
            | Action::DropTable { table }
            | Action::CreateIndex { table, .. }
            | Action::CreateTrigger { table, .. }
            | Action::InsertSelect { table, .. }
            | Action::Insert { table } => Some(table),
            _ => None,
        }
    }
}

/// The statement takes the database's write lock (SQLite's RESERVED lock,
/// held to the end of its transaction): everything but reads, transaction
/// control and the pragmas that only set the connection.
pub(crate) fn writes(kind: &SqliteKind, action: &Action) -> bool {
    match (kind, action) {
        (SqliteKind::Pragma { name, value }, _) => {
            value.is_some() && matches!(name.as_str(), "user_version" | "application_id")
        }
        (_, Action::Begin | Action::Commit | Action::Rollback) => false,
        (SqliteKind::Ast(statement), Action::Other) => !matches!(
            **statement,
            Statement::Query(_)
                | Statement::Explain { .. }
                | Statement::ExplainTable { .. }
                | Statement::Savepoint { .. }
                | Statement::ReleaseSavepoint { .. }
                | Statement::Rollback { .. }
                | Statement::AttachDatabase { .. }
                | Statement::Set(_)
        ),
        _ => true,
    }
}

/// A table constraint: PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableRule {
    pub kind: TableRuleKind,
    pub columns: Vec<String>,
    pub words: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableRuleKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
}

pub(crate) fn action_of(kind: &SqliteKind) -> Action {
    match kind {
        SqliteKind::Pragma { name, value } => Action::Pragma {
            name: name.clone(),
            value: value.clone(),
        },
        SqliteKind::Ast(statement) => statement_action(statement),
    }
}

fn statement_action(statement: &Statement) -> Action {
    match statement {
        Statement::CreateTable(create) => Action::CreateTable {
            table: name_of(&create.name),
            columns: create.columns.iter().map(column_info).collect(),
            constraints: create.constraints.iter().filter_map(table_rule).collect(),
            if_not_exists: create.if_not_exists,
        },
        Statement::AlterTable(alter) => {
            let table = name_of(&alter.name);
            // SQLite takes exactly one operation per ALTER TABLE.
            match alter.operations.as_slice() {
                [AlterTableOperation::AddColumn { column_def, .. }] => Action::AddColumn {
                    table,
                    column: column_info(column_def),
                },
                [AlterTableOperation::DropColumn { column_names, .. }] if column_names.len() == 1 => {
                    Action::DropColumn {
                        table,
                        column: column_names[0].value.to_lowercase(),
                    }
                }
                [AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                }] => Action::RenameColumn {
                    table,
                    old: old_column_name.value.to_lowercase(),
                    new: new_column_name.value.to_lowercase(),
                },
                [AlterTableOperation::RenameTable { table_name }] => Action::RenameTable {
                    table,
                    new: match table_name {
                        RenameTableNameKind::To(name) | RenameTableNameKind::As(name) => name_of(name),
                    },
                },
                // The parser lets only SQLite's four forms through.
                _ => Action::Other,
            }
        }
        Statement::Drop { object_type, names, .. } => {
            let Some(name) = names.first().map(name_of) else {
                return Action::Other;
            };
            match object_type {
                ObjectType::Table => Action::DropTable { table: name },
                ObjectType::Index => Action::DropIndex { index: name },
                ObjectType::View => Action::DropView { view: name },
                _ => Action::Other,
            }
        }
        Statement::DropTrigger(drop) => Action::DropTrigger {
            trigger: name_of(&drop.trigger_name),
        },
        Statement::CreateIndex(create) => Action::CreateIndex {
            index: create.name.as_ref().map(name_of).unwrap_or_default(),
            table: name_of(&create.table_name),
            columns: create
                .columns
                .iter()
                .flat_map(|c| words(&c.column.expr.to_string()))
                .collect(),
            where_words: create
                .predicate
                .as_ref()
                .map(|p| words(&p.to_string()))
                .unwrap_or_default(),
        },
        Statement::CreateView(create) => Action::CreateView {
            view: name_of(&create.name),
            words: words(&create.query.to_string()),
        },
        Statement::CreateTrigger(create) => Action::CreateTrigger {
            trigger: name_of(&create.name),
            table: name_of(&create.table_name),
            words: words(&statement.to_string()),
        },
        Statement::Insert(insert) => match (&insert.table, &insert.source) {
            (TableObject::TableName(name), Some(source))
                if !matches!(*source.body, sqlparser::ast::SetExpr::Values(_)) =>
            {
                Action::InsertSelect {
                    table: name_of(name),
                    source_words: words(&source.to_string()),
                }
            }
            (TableObject::TableName(name), _) => Action::Insert { table: name_of(name) },
            _ => Action::Other,
        },
        Statement::StartTransaction { .. } => Action::Begin,
        Statement::Commit { .. } => Action::Commit,
        Statement::Rollback { savepoint: None, .. } => Action::Rollback,
        _ => Action::Other,
    }
}

fn column_info(column: &ColumnDef) -> ColumnInfo {
    let mut info = ColumnInfo {
        name: column.name.value.to_lowercase(),
        ..ColumnInfo::default()
    };
    for option in &column.options {
        match &option.option {
            ColumnOption::PrimaryKey(_) => info.primary_key = true,
            ColumnOption::Unique(_) => info.unique = true,
            ColumnOption::NotNull => info.not_null = true,
            ColumnOption::Default(expr) => info.default = default_of(expr),
            ColumnOption::ForeignKey(key) => info.references = Some(name_of(&key.foreign_table)),
            ColumnOption::Check(check) => info.expression_words.extend(words(&check.expr.to_string())),
            ColumnOption::Generated {
                generation_expr,
                generation_expr_mode,
                ..
            } => {
                info.generated = Some(matches!(generation_expr_mode, Some(GeneratedExpressionMode::Stored)));
                if let Some(expr) = generation_expr {
                    info.expression_words.extend(words(&expr.to_string()));
                }
            }
            _ => {}
        }
    }
    info
}

fn default_of(expr: &Expr) -> Default {
    match expr {
        Expr::Nested(inner) if matches!(**inner, Expr::Value(_)) => default_of(inner),
        Expr::Value(value) => match &value.value {
            Value::Null => Default::Null,
            _ => Default::Constant,
        },
        // `-1`, `+1`: SQLite's signed-number.
        Expr::UnaryOp { expr, .. } if matches!(**expr, Expr::Value(_)) => Default::Constant,
        // TRUE and FALSE are SQLite keywords for 1 and 0 since 3.23.
        Expr::Identifier(ident) if ["true", "false"].contains(&ident.value.to_lowercase().as_str()) => {
            Default::Constant
        }
        other => Default::Expression(other.to_string()),
    }
}

fn table_rule(constraint: &TableConstraint) -> Option<TableRule> {
    let columns_of = |columns: &[sqlparser::ast::IndexColumn]| -> Vec<String> {
        columns.iter().flat_map(|c| words(&c.column.expr.to_string())).collect()
    };
    Some(match constraint {
        TableConstraint::PrimaryKey(key) => TableRule {
            kind: TableRuleKind::PrimaryKey,
            columns: columns_of(&key.columns),
            words: Vec::new(),
        },
        TableConstraint::Unique(unique) => TableRule {
            kind: TableRuleKind::Unique,
            columns: columns_of(&unique.columns),
            words: Vec::new(),
        },
        TableConstraint::ForeignKey(key) => TableRule {
            kind: TableRuleKind::ForeignKey,
            columns: key.columns.iter().map(|c| c.value.to_lowercase()).collect(),
            words: vec![name_of(&key.foreign_table)],
        },
        TableConstraint::Check(check) => TableRule {
            kind: TableRuleKind::Check,
            columns: Vec::new(),
            words: words(&check.expr.to_string()),
        },
        _ => return None,
    })
}

/// The names an expression's text uses: its words, unquoted and lowercased
/// (keywords included: they only ever match a column of that name).
pub(crate) fn words(sql: &str) -> Vec<String> {
    let Ok(tokens) = Tokenizer::new(&SQLiteDialect {}, sql).tokenize() else {
        return Vec::new();
    };
    tokens
        .into_iter()
        .filter_map(|token| match token {
            Token::Word(word) => Some(word.value.to_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::source::SourceFile;
    use crate::parse::sqlite::parse_sqlite;

    fn action(sql: &str) -> Action {
        let parsed = parse_sqlite(&SourceFile::new("m.sql", sql));
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        action_of(&parsed.statements[0].kind)
    }

    #[test]
    fn add_column_reads_what_sqlite_checks() {
        let Action::AddColumn { table, column } =
            action("ALTER TABLE \"Users\" ADD COLUMN c text NOT NULL DEFAULT (lower('x')) REFERENCES t")
        else {
            panic!()
        };
        assert_eq!(table, "users");
        assert!(column.not_null);
        assert!(matches!(column.default, Default::Expression(_)));
        assert_eq!(column.references.as_deref(), Some("t"));
        let Action::AddColumn { column, .. } = action("ALTER TABLE t ADD c int DEFAULT -1") else {
            panic!()
        };
        assert_eq!(column.default, Default::Constant);
        let Action::AddColumn { column, .. } = action("ALTER TABLE t ADD c int DEFAULT CURRENT_TIMESTAMP") else {
            panic!()
        };
        assert!(matches!(column.default, Default::Expression(_)));
    }

    #[test]
    fn drop_rename_and_insert_select() {
        assert!(matches!(action("DROP TABLE IF EXISTS main.t"), Action::DropTable { table } if table == "t"));
        assert!(matches!(action("ALTER TABLE t RENAME TO u"), Action::RenameTable { new, .. } if new == "u"));
        assert!(matches!(action("ALTER TABLE t DROP COLUMN c"), Action::DropColumn { column, .. } if column == "c"));
        assert!(
            matches!(action("INSERT INTO n (a) SELECT a FROM t"), Action::InsertSelect { table, source_words } if table == "n" && source_words.contains(&"t".to_string()))
        );
        assert!(matches!(action("INSERT INTO n VALUES (1)"), Action::Insert { table } if table == "n"));
    }
}
