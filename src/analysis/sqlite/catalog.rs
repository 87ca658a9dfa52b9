//! The SQLite schema as the migrations before a statement left it: tables
//! and their columns and constraints, indexes, views and triggers. SQLite
//! drops a table's indexes and triggers with it, and renaming a table moves
//! them; views stay, by name.

use std::collections::BTreeMap;

use super::actions::{Action, ColumnInfo, TableRule, TableRuleKind};

#[derive(Debug, Clone, Default)]
pub(crate) struct SqliteCatalog {
    pub tables: BTreeMap<String, Table>,
    pub indexes: BTreeMap<String, Index>,
    /// View name -> the words of its query.
    pub views: BTreeMap<String, Vec<String>>,
    pub triggers: BTreeMap<String, Trigger>,
    /// The statement that created each index and trigger, as written.
    pub definitions: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub columns: Vec<ColumnInfo>,
    pub rules: Vec<TableRule>,
    /// Created by a migration of the change being judged: empty in production.
    pub new_in_change: bool,
    /// Holds rows: it existed before the change, or the change inserted some.
    pub has_rows: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Index {
    pub table: String,
    pub columns: Vec<String>,
    pub where_words: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Trigger {
    pub table: String,
    pub words: Vec<String>,
}

impl Table {
    pub(crate) fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl SqliteCatalog {
    /// What the change built is now production's: its tables existing, with rows.
    pub(crate) fn settle(&mut self) {
        for table in self.tables.values_mut() {
            table.new_in_change = false;
            table.has_rows = true;
        }
    }

    /// Applies what a statement does; `in_change` marks what it creates as
    /// new in the change being judged.
    pub(crate) fn apply(&mut self, action: &Action, in_change: bool) {
        match action {
            Action::CreateTable {
                table,
                columns,
                constraints,
                if_not_exists,
            } => {
                if *if_not_exists && self.tables.contains_key(table) {
                    return;
                }
                self.tables.insert(
                    table.clone(),
                    Table {
                        columns: columns.clone(),
                        rules: constraints.clone(),
                        new_in_change: in_change,
                        // History's tables are production's: assume rows.
                        has_rows: !in_change,
                    },
                );
            }
            Action::Insert { table } | Action::InsertSelect { table, .. } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.has_rows = true;
                }
            }
            Action::AddColumn { table, column } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.columns.push(column.clone());
                }
            }
            Action::DropColumn { table, column } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.columns.retain(|c| &c.name != column);
                }
            }
            Action::RenameColumn { table, old, new } => {
                if let Some(t) = self.tables.get_mut(table) {
                    for c in t.columns.iter_mut().filter(|c| &c.name == old) {
                        c.name = new.clone();
                    }
                    for rule in &mut t.rules {
                        rule.columns
                            .iter_mut()
                            .filter(|c| *c == old)
                            .for_each(|c| *c = new.clone());
                    }
                }
                for index in self.indexes.values_mut().filter(|i| &i.table == table) {
                    index
                        .columns
                        .iter_mut()
                        .filter(|c| *c == old)
                        .for_each(|c| *c = new.clone());
                }
            }
            Action::RenameTable { table, new } => {
                if let Some(t) = self.tables.remove(table) {
                    self.tables.insert(new.clone(), t);
                }
                for index in self.indexes.values_mut().filter(|i| &i.table == table) {
                    index.table = new.clone();
                }
                for trigger in self.triggers.values_mut().filter(|t| &t.table == table) {
                    trigger.table = new.clone();
                }
            }
            Action::DropTable { table } => {
                self.tables.remove(table);
                self.indexes.retain(|_, i| &i.table != table);
                self.triggers.retain(|_, t| &t.table != table);
            }
            Action::DropIndex { index } => {
                self.indexes.remove(index);
            }
            Action::DropView { view } => {
                self.views.remove(view);
            }
            Action::DropTrigger { trigger } => {
                self.triggers.remove(trigger);
            }
            Action::CreateIndex {
                index,
                table,
                columns,
                where_words,
            } => {
                self.indexes.insert(
                    index.clone(),
                    Index {
                        table: table.clone(),
                        columns: columns.clone(),
                        where_words: where_words.clone(),
                    },
                );
            }
            Action::CreateView { view, words } => {
                self.views.insert(view.clone(), words.clone());
            }
            Action::CreateTrigger { trigger, table, words } => {
                self.triggers.insert(
                    trigger.clone(),
                    Trigger {
                        table: table.clone(),
                        words: words.clone(),
                    },
                );
            }
            _ => {}
        }
    }

    /// The indexes on `table`, by name.
    pub(crate) fn indexes_of<'c>(&'c self, table: &'c str) -> impl Iterator<Item = &'c str> + 'c {
        self.indexes
            .iter()
            .filter(move |(_, index)| index.table == table)
            .map(|(name, _)| name.as_str())
    }

    /// The triggers on `table`, by name.
    pub(crate) fn triggers_of<'c>(&'c self, table: &'c str) -> impl Iterator<Item = &'c str> + 'c {
        self.triggers
            .iter()
            .filter(move |(_, trigger)| trigger.table == table)
            .map(|(name, _)| name.as_str())
    }

    /// What in the schema keeps SQLite from dropping `column` of `table`,
    /// as SQLite's documentation lists it; None when nothing does (or the
    /// table is unknown).
    pub(crate) fn drop_column_blocker(&self, table: &str, column: &str) -> Option<String> {
        let t = self.tables.get(table)?;
        // A column no migration here created may come from elsewhere (a
        // migration in code, the application): nothing to say of it.
        let c = t.column(column)?;
        let in_rule = |kind: TableRuleKind| {
            t.rules
                .iter()
                .any(|r| r.kind == kind && r.columns.iter().any(|n| n == column))
        };
        if c.primary_key || in_rule(TableRuleKind::PrimaryKey) {
            return Some("it is the PRIMARY KEY or part of it".to_string());
        }
        if c.unique || in_rule(TableRuleKind::Unique) {
            return Some("it has a UNIQUE constraint".to_string());
        }
        if let Some((name, _)) = self
            .indexes
            .iter()
            .find(|(_, i)| i.table == table && i.columns.iter().any(|n| n == column))
        {
            return Some(format!("index \"{name}\" covers it"));
        }
        if let Some((name, _)) = self
            .indexes
            .iter()
            .find(|(_, i)| i.table == table && i.where_words.iter().any(|n| n == column))
        {
            return Some(format!("the WHERE of partial index \"{name}\" names it"));
        }
        // A column's own REFERENCES goes with it; a table's FOREIGN KEY
        // naming it would be left pointing at nothing.
        if in_rule(TableRuleKind::ForeignKey) {
            return Some("a FOREIGN KEY constraint of the table uses it".to_string());
        }
        let other_columns_use = t
            .columns
            .iter()
            .filter(|other| other.name != column)
            .find(|other| other.expression_words.iter().any(|w| w == column));
        if let Some(other) = other_columns_use {
            let what = match other.generated {
                Some(_) => "the generated column",
                None => "a CHECK constraint of column",
            };
            return Some(format!("{what} \"{}\" uses it", other.name));
        }
        if t.rules
            .iter()
            .any(|r| r.kind == TableRuleKind::Check && r.words.iter().any(|w| w == column))
        {
            return Some("a CHECK constraint of the table uses it".to_string());
        }
        // Views and triggers are checked by SQLite re-reading the schema: one
        // that names both the table and the column stops the drop.
        let names_both = |words: &[String]| words.iter().any(|w| w == table) && words.iter().any(|w| w == column);
        if let Some((name, _)) = self.views.iter().find(|(_, words)| names_both(words)) {
            return Some(format!("view \"{name}\" uses it"));
        }
        if let Some((name, _)) = self
            .triggers
            .iter()
            .find(|(_, t)| t.table == table && t.words.iter().any(|w| w == column))
        {
            return Some(format!("trigger \"{name}\" uses it"));
        }
        None
    }
}
