//! The MySQL schema as the migrations before a statement left it: each
//! table's columns (type, nullability, character set, generated, auto
//! increment), indexes and foreign keys, its engine and default character
//! set, and whether it holds rows in production. Names are matched as
//! MySQL does on Linux for columns and indexes (case-insensitively) and
//! kept lowercased here; table names too (lower_case_table_names=1 is the
//! common setting, and a migration spelling a table two ways is rare).

use std::collections::BTreeMap;

use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, ObjectName, RenameTableNameKind, Statement as Ast,
    TableConstraint,
};

use super::actions::{column_of, column_of_def, foreign_key_of, index_of, name_of, table_options, Action};
pub(crate) use super::model::{IndexKind, MysqlColumn, MysqlIndex, MysqlTable};

#[derive(Debug, Clone, Default)]
pub(crate) struct MysqlCatalog {
    pub tables: BTreeMap<String, MysqlTable>,
}

impl MysqlCatalog {
    /// What the change built is now production's: its tables existing, with rows.
    pub(crate) fn settle(&mut self) {
        for table in self.tables.values_mut() {
            table.new_in_change = false;
            table.has_rows = true;
        }
    }

    pub(crate) fn table(&self, name: &str) -> Option<&MysqlTable> {
        self.tables.get(&name.to_ascii_lowercase())
    }
}

impl MysqlCatalog {
    /// Applies what a statement does; `in_change` marks what it creates as
    /// new in the change being judged (empty in production).
    pub(crate) fn apply(&mut self, statement: Option<&Ast>, action: &Action, in_change: bool) {
        match (action, statement) {
            (
                Action::CreateTable {
                    table,
                    temporary: false,
                    if_not_exists,
                    like,
                },
                Some(Ast::CreateTable(create)),
            ) => {
                if *if_not_exists && self.tables.contains_key(table) {
                    return;
                }
                let mut created = match like.as_ref().and_then(|like| self.tables.get(like)) {
                    Some(source) => source.clone(),
                    None => MysqlTable::default(),
                };
                created.name = name_written(&create.name);
                created.unknown = like.is_some() && created.columns.is_empty() || create.query.is_some();
                for def in &create.columns {
                    let column = column_of_def(def);
                    for option in &def.options {
                        let kind = match option.option {
                            ColumnOption::PrimaryKey(_) => IndexKind::Primary,
                            ColumnOption::Unique(_) => IndexKind::Unique,
                            _ => continue,
                        };
                        created.indexes.push(MysqlIndex {
                            name: if kind == IndexKind::Primary {
                                "primary".to_string()
                            } else {
                                column.name.clone()
                            },
                            columns: vec![column.name.clone()],
                            kind,
                        });
                    }
                    created.columns.push(column);
                }
                for constraint in &create.constraints {
                    created.add_constraint(constraint);
                }
                let (engine, charset) = table_options(&create.table_options);
                created.engine = engine.or(created.engine);
                created.charset = charset.or(created.charset);
                created.new_in_change = in_change;
                created.has_rows = !in_change || create.query.is_some();
                self.tables.insert(table.clone(), created);
            }
            (Action::AlterTable { table }, Some(Ast::AlterTable(alter))) => {
                let mut renamed = None;
                let entry = self.entry(table);
                for operation in &alter.operations {
                    if let Some(new_name) = entry.alter(operation) {
                        renamed = Some(new_name);
                    }
                }
                if let Some(new_name) = renamed {
                    self.rename(table, &new_name);
                }
            }
            (Action::CreateIndex { table, index }, Some(Ast::CreateIndex(create))) => {
                let columns = create
                    .columns
                    .iter()
                    .map(|c| c.column.expr.to_string().trim_matches('`').to_lowercase())
                    .collect();
                let kind = if create.unique {
                    IndexKind::Unique
                } else {
                    IndexKind::Plain
                };
                self.entry(table).indexes.push(MysqlIndex {
                    name: index.clone(),
                    columns,
                    kind,
                });
            }
            (Action::DropIndex { table, index }, _) => self.entry(table).drop_index(index),
            (Action::RenameTables { pairs }, _) => {
                for (old, new) in pairs {
                    self.rename(old, new);
                }
            }
            (
                Action::DropTables {
                    tables,
                    temporary: false,
                },
                _,
            ) => {
                for table in tables {
                    self.tables.remove(table);
                }
            }
            (Action::Insert { table }, _) => {
                if let Some(table) = self.tables.get_mut(table) {
                    table.has_rows = true;
                }
            }
            _ => {}
        }
    }

    /// The table, or an unknown one of production's (with rows) when no
    /// migration miglint read created it.
    fn entry(&mut self, table: &str) -> &mut MysqlTable {
        self.tables.entry(table.to_string()).or_insert_with(|| MysqlTable {
            name: table.to_string(),
            unknown: true,
            has_rows: true,
            ..MysqlTable::default()
        })
    }

    fn rename(&mut self, old: &str, new: &str) {
        if let Some(mut table) = self.tables.remove(old) {
            table.name = new.to_string();
            self.tables.insert(new.to_string(), table);
        }
    }
}

impl MysqlTable {
    /// Applies one ALTER TABLE operation; the table's new name when it
    /// renames the table.
    fn alter(&mut self, operation: &AlterTableOperation) -> Option<String> {
        match operation {
            AlterTableOperation::AddColumn { column_def, .. } => {
                let column = column_of_def(column_def);
                self.columns.retain(|c| c.name != column.name);
                self.columns.push(column);
            }
            AlterTableOperation::DropColumn { column_names, .. } => {
                for name in column_names {
                    let name = name.value.to_lowercase();
                    self.columns.retain(|c| c.name != name);
                    for index in &mut self.indexes {
                        index.columns.retain(|c| *c != name);
                    }
                    self.indexes.retain(|i| !i.columns.is_empty());
                }
            }
            AlterTableOperation::ModifyColumn {
                col_name,
                data_type,
                options,
                ..
            } => self.replace_column(&col_name.value, column_of(&col_name.value, data_type, options)),
            AlterTableOperation::ChangeColumn {
                old_name,
                new_name,
                data_type,
                options,
                ..
            } => {
                self.rename_column(&old_name.value, &new_name.value);
                self.replace_column(&new_name.value, column_of(&new_name.value, data_type, options));
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => self.rename_column(&old_column_name.value, &new_column_name.value),
            AlterTableOperation::AlterColumn { column_name, op } => {
                let name = column_name.value.to_lowercase();
                if let Some(column) = self.columns.iter_mut().find(|c| c.name == name) {
                    match op {
                        AlterColumnOperation::SetDefault { .. } => column.has_default = true,
                        AlterColumnOperation::DropDefault => column.has_default = false,
                        AlterColumnOperation::SetNotNull => column.nullable = false,
                        AlterColumnOperation::DropNotNull => column.nullable = true,
                        AlterColumnOperation::SetDataType { data_type, .. } => column.data_type = data_type.clone(),
                        _ => {}
                    }
                }
            }
            AlterTableOperation::AddConstraint { constraint, .. } => self.add_constraint(constraint),
            AlterTableOperation::DropIndex { name } => self.drop_index(&name.value.to_lowercase()),
            AlterTableOperation::DropPrimaryKey { .. } => self.drop_index("primary"),
            AlterTableOperation::DropForeignKey { name, .. } => {
                let name = name.value.to_lowercase();
                self.foreign_keys.retain(|k| *k != name);
            }
            AlterTableOperation::DropConstraint { name, .. } => {
                let name = name.value.to_lowercase();
                self.foreign_keys.retain(|k| *k != name);
                self.drop_index(&name);
            }
            AlterTableOperation::RenameTable { table_name } => {
                let (RenameTableNameKind::To(name) | RenameTableNameKind::As(name)) = table_name;
                return Some(name_of(name));
            }
            _ => {}
        }
        None
    }

    fn add_constraint(&mut self, constraint: &TableConstraint) {
        if let Some(index) = index_of(constraint) {
            self.indexes.retain(|i| i.name != index.name);
            self.indexes.push(index);
        }
        if let Some(key) = foreign_key_of(constraint) {
            self.foreign_keys.push(key);
        }
    }

    fn drop_index(&mut self, name: &str) {
        self.indexes.retain(|i| i.name != name);
    }

    fn replace_column(&mut self, name: &str, column: MysqlColumn) {
        let name = name.to_lowercase();
        match self.columns.iter_mut().find(|c| c.name == name) {
            Some(slot) => *slot = column,
            None => self.columns.push(column),
        }
    }

    fn rename_column(&mut self, old: &str, new: &str) {
        let (old, new) = (old.to_lowercase(), new.to_lowercase());
        if let Some(column) = self.columns.iter_mut().find(|c| c.name == old) {
            column.name = new.clone();
        }
        for index in &mut self.indexes {
            for column in &mut index.columns {
                if *column == old {
                    *column = new.clone();
                }
            }
        }
    }
}

/// A table's name as written, without quotes.
fn name_written(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.clone())
        .unwrap_or_default()
}
