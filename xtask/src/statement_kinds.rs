//! The statements a new rule can start from (`--node`): for each, the
//! pg_query node its check matches and SQL that no existing rule flags, so
//! the scaffold's example, fixtures and smoke tests pass before the author
//! writes the real check. `{name}` in the SQL stands for the placeholder
//! name the new rule flags until then (`<id_snake>_example`): a check that
//! flagged every statement of its kind would fail the fixtures of other
//! rules.

/// One kind of statement, as pg_query parses it.
pub struct StatementKind {
    /// The `pg_query::NodeEnum` variant the check matches.
    pub node: &'static str,
    /// The statement as messages and docs name it.
    pub statement: &'static str,
    /// One statement of this kind, naming `{name}`: the new rule flags it.
    example: &'static str,
    /// What the fixtures run first (a lock_timeout, so that
    /// `require-lock-timeout` stays silent).
    pub setup: &'static str,
    /// Statements the new rule leaves alone, though they name `{name}`.
    fine: &'static str,
    /// PostgreSQL's page for the statement.
    pub reference: &'static str,
}

const LOCK_TIMEOUT: &str = "SET lock_timeout = '5s';\n";
/// A statement of none of the kinds below.
const OTHER_STATEMENT: &str = "COMMENT ON TABLE {name} IS 'todo: the safe way';\n";
const DOCS: &str = "https://www.postgresql.org/docs/current/";

/// The kind the scaffold starts from without `--node`: most rules judge an
/// `ALTER TABLE` of an existing table.
pub const DEFAULT: &str = "AlterTableStmt";

/// The node `ALTER TABLE` rules match; its check starts from
/// `rules::alter_table::AlterTable` instead of the node.
pub const ALTER_TABLE: &str = "AlterTableStmt";

pub const KINDS: &[StatementKind] = &[
    StatementKind {
        node: ALTER_TABLE,
        statement: "ALTER TABLE",
        example: "ALTER TABLE {name} ADD COLUMN note text;\n",
        setup: LOCK_TIMEOUT,
        // A table the same file created is empty: the check skips it.
        fine: "CREATE TABLE {name} (id bigint PRIMARY KEY);\nALTER TABLE {name} ADD COLUMN note text;\n",
        reference: "sql-altertable.html",
    },
    StatementKind {
        node: "IndexStmt",
        statement: "CREATE INDEX",
        example: "CREATE INDEX CONCURRENTLY {name} ON orders (note);\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-createindex.html",
    },
    StatementKind {
        node: "CreateStmt",
        statement: "CREATE TABLE",
        example: "CREATE TABLE {name} (id bigint PRIMARY KEY, body text);\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-createtable.html",
    },
    StatementKind {
        node: "DropStmt",
        statement: "DROP",
        example: "DROP VIEW {name};\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-dropview.html",
    },
    StatementKind {
        node: "RenameStmt",
        statement: "RENAME",
        example: "ALTER INDEX orders_note_idx RENAME TO {name};\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-alterindex.html",
    },
    StatementKind {
        node: "UpdateStmt",
        statement: "UPDATE",
        example: "UPDATE {name} SET note = '' WHERE id = 1;\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-update.html",
    },
    StatementKind {
        node: "DeleteStmt",
        statement: "DELETE",
        example: "DELETE FROM {name} WHERE id = 1;\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-delete.html",
    },
    StatementKind {
        node: "InsertStmt",
        statement: "INSERT",
        example: "INSERT INTO {name} (id) VALUES (1);\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-insert.html",
    },
    StatementKind {
        node: "ViewStmt",
        statement: "CREATE VIEW",
        example: "CREATE VIEW {name} AS SELECT id, note FROM orders;\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-createview.html",
    },
    StatementKind {
        node: "VariableSetStmt",
        statement: "SET",
        example: "SET {name}.enabled = 'on';\n",
        // A SET of its own would be flagged too.
        setup: "",
        fine: OTHER_STATEMENT,
        reference: "sql-set.html",
    },
    StatementKind {
        node: "CreateSeqStmt",
        statement: "CREATE SEQUENCE",
        example: "CREATE SEQUENCE {name};\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-createsequence.html",
    },
    StatementKind {
        node: "CreateEnumStmt",
        statement: "CREATE TYPE ... AS ENUM",
        example: "CREATE TYPE {name} AS ENUM ('happy', 'sad');\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-createtype.html",
    },
    StatementKind {
        node: "AlterEnumStmt",
        statement: "ALTER TYPE ... ADD VALUE",
        example: "ALTER TYPE {name} ADD VALUE 'calm';\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-altertype.html",
    },
    StatementKind {
        node: "CreateExtensionStmt",
        statement: "CREATE EXTENSION",
        example: "CREATE EXTENSION IF NOT EXISTS {name};\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-createextension.html",
    },
    StatementKind {
        node: "GrantStmt",
        statement: "GRANT",
        example: "GRANT SELECT ON orders TO {name};\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-grant.html",
    },
    StatementKind {
        node: "CreateFunctionStmt",
        statement: "CREATE FUNCTION",
        example: "CREATE FUNCTION {name}() RETURNS bigint LANGUAGE sql AS 'SELECT 1';\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-createfunction.html",
    },
    StatementKind {
        node: "CreateTrigStmt",
        statement: "CREATE TRIGGER",
        example: "CREATE TRIGGER {name} AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION audit();\n",
        setup: LOCK_TIMEOUT,
        fine: OTHER_STATEMENT,
        reference: "sql-createtrigger.html",
    },
];

impl StatementKind {
    pub fn find(node: &str) -> Option<&'static StatementKind> {
        KINDS.iter().find(|kind| kind.node == node)
    }

    pub fn names() -> Vec<&'static str> {
        KINDS.iter().map(|kind| kind.node).collect()
    }

    pub fn reference_url(&self) -> String {
        format!("{DOCS}{}", self.reference)
    }

    /// The example, naming `name`.
    pub fn example(&self, name: &str) -> String {
        self.example.replace("{name}", name)
    }

    /// The statements the rule leaves alone, naming `name`.
    pub fn fine(&self, name: &str) -> String {
        self.fine.replace("{name}", name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pg_query variant name of each statement of `sql`.
    fn nodes(sql: &str) -> Vec<String> {
        pg_query::parse(sql, 0)
            .unwrap()
            .protobuf
            .stmts
            .iter()
            .map(|raw| {
                let node = raw.stmt.as_ref().and_then(|s| s.node.as_ref()).unwrap();
                let debug = format!("{node:?}");
                debug[..debug.find('(').unwrap()].to_string()
            })
            .collect()
    }

    /// What makes a scaffolded rule green out of the box: its example is
    /// one statement of its kind, its other statements are not (but for
    /// `ALTER TABLE`, whose fine table is new), all name the placeholder,
    /// and no existing rule flags any of them.
    #[test]
    fn examples_are_of_their_kind_and_no_existing_rule_flags_them() {
        let name = "some_rule_example";
        for kind in KINDS {
            let (example, fine) = (kind.example(name), kind.fine(name));
            assert_eq!(nodes(&example), [kind.node], "{}: the example", kind.node);
            assert!(
                example.contains(name) && fine.contains(name),
                "{}: name the placeholder",
                kind.node
            );
            if kind.node != ALTER_TABLE {
                assert!(
                    !nodes(&fine).iter().any(|n| n == kind.node),
                    "{}: the fine statements must be of other kinds",
                    kind.node
                );
            }
            for sql in [format!("{}{example}", kind.setup), format!("{}{fine}", kind.setup)] {
                let report = miglint::lint_bytes("t.sql", sql.as_bytes(), &miglint::Settings::default());
                let flagged: Vec<String> = report.diagnostics.iter().map(|d| d.rule.to_string()).collect();
                assert!(flagged.is_empty(), "{}: {flagged:?} flag\n{sql}", kind.node);
            }
        }
        assert!(StatementKind::find(DEFAULT).is_some());
    }
}
