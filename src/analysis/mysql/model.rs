//! A MySQL table as the catalog keeps it: columns with what online DDL
//! depends on, indexes, foreign keys, engine and character set, and
//! whether it holds rows in production.

use sqlparser::ast::DataType;

#[derive(Debug, Clone, Default)]
pub(crate) struct MysqlTable {
    /// As written in the CREATE TABLE, without quotes.
    pub name: String,
    pub columns: Vec<MysqlColumn>,
    pub indexes: Vec<MysqlIndex>,
    /// Foreign key constraint names, lowercased.
    pub foreign_keys: Vec<String>,
    /// `DEFAULT CHARSET=` of the table, lowercased; None: the server's.
    pub charset: Option<String>,
    /// `ENGINE=`, lowercased; None: the server's (InnoDB).
    pub engine: Option<String>,
    /// Created by a migration of the change being judged: empty in production.
    pub new_in_change: bool,
    /// Holds rows: it existed before the change, or the change inserted some.
    pub has_rows: bool,
    /// The table was never created by a migration miglint read (a table of
    /// the database's own, or one a tool created): its columns are unknown.
    pub unknown: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct MysqlColumn {
    /// Lowercased.
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    /// The column's own `CHARACTER SET`, lowercased.
    pub charset: Option<String>,
    pub generated: Option<Generated>,
    pub auto_increment: bool,
    pub has_default: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generated {
    Virtual,
    Stored,
}

#[derive(Debug, Clone)]
pub(crate) struct MysqlIndex {
    /// Lowercased; `primary` for the primary key.
    pub name: String,
    /// Lowercased column names.
    pub columns: Vec<String>,
    pub kind: IndexKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IndexKind {
    Primary,
    Unique,
    Plain,
    Fulltext,
    Spatial,
}

impl MysqlTable {
    pub(crate) fn column(&self, name: &str) -> Option<&MysqlColumn> {
        let name = name.to_ascii_lowercase();
        self.columns.iter().find(|c| c.name == name)
    }

    pub(crate) fn has_fulltext(&self) -> bool {
        self.indexes.iter().any(|i| i.kind == IndexKind::Fulltext)
    }

    pub(crate) fn primary_key(&self) -> Option<&MysqlIndex> {
        self.indexes.iter().find(|i| i.kind == IndexKind::Primary)
    }
}
