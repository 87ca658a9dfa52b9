//! What a statement does when it runs a second time, after it succeeded
//! once: a migration run outside a transaction can fail half-way, and its
//! runner runs the whole file again. `CREATE TABLE t` then fails with
//! "relation already exists", `DROP TABLE t` with "does not exist",
//! `ALTER TABLE ... ADD CONSTRAINT c` with "already exists"; an unnamed
//! index or constraint is added a second time under another name.

use pg_query::protobuf::{AlterTableType, ObjectType};
use pg_query::NodeEnum;

use crate::parse::ast::alter_table_cmds;

/// How a statement that already ran behaves when it runs again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rerun {
    /// What PostgreSQL does the second time (`fails with "relation ... already exists"`).
    pub outcome: String,
    /// The words of the clause to point at, most specific first.
    pub clause: &'static [&'static [&'static str]],
    /// The guard that makes it safe to run again, when PostgreSQL has one
    /// (`IF NOT EXISTS`, `OR REPLACE`, `IF EXISTS`), and where it goes.
    pub guard: Guard,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Guard {
    /// Insert these words after the clause's last word.
    Words { after: &'static str, words: &'static str },
    /// No such clause exists: drop the object if it exists first, with this
    /// statement (without the trailing semicolon).
    DropFirst(String),
    /// No such clause exists and dropping loses data or dependants: check
    /// the catalog in a `DO` block (the `pg_*` table to ask).
    CheckCatalog(&'static str),
    /// `CREATE INDEX CONCURRENTLY`: a failed build leaves an INVALID index
    /// behind, which `IF NOT EXISTS` would keep: drop it first.
    DropIndexFirst(String),
}

/// How `node` behaves when run again after it succeeded; None when it does
/// the same thing again without failing (`CREATE ... IF NOT EXISTS`, `SET
/// NOT NULL`, `GRANT`, `COMMENT`), or when miglint does not judge it (data
/// changes: an `INSERT` run twice inserts twice).
pub(crate) fn rerun(node: &NodeEnum, pg_version: u32) -> Option<Rerun> {
    let exists = |what: &str| format!("fails with \"{what} already exists\"");
    match node {
        NodeEnum::CreateStmt(s) if !s.if_not_exists => Some(Rerun {
            outcome: exists("relation"),
            clause: &[&["create", "table"], &["table"]],
            guard: Guard::Words {
                after: "table",
                words: "IF NOT EXISTS",
            },
        }),
        NodeEnum::IndexStmt(s) if !s.if_not_exists || s.concurrent => {
            let name = s.idxname.as_str();
            if s.concurrent {
                if name.is_empty() {
                    return Some(Rerun {
                        outcome: "builds a second index under another name (and a failed build leaves an INVALID one)"
                            .into(),
                        clause: &[&["index", "concurrently"]],
                        guard: Guard::CheckCatalog("pg_index"),
                    });
                }
                // With IF NOT EXISTS a re-run keeps what is there, valid or
                // not: `concurrent-index-if-not-exists` says so.
                if s.if_not_exists {
                    return None;
                }
                let schema = s.relation.as_ref().map(|r| r.schemaname.as_str()).unwrap_or("");
                let qualified =
                    crate::analysis::names::RelationName::new(Some(schema).filter(|s| !s.is_empty()), name).to_sql();
                return Some(Rerun {
                    outcome: exists("relation") + " when a failed build left its INVALID index behind",
                    clause: &[&["index", "concurrently"]],
                    guard: Guard::DropIndexFirst(format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}")),
                });
            }
            if name.is_empty() {
                return Some(Rerun {
                    outcome: "builds a second index under another name".into(),
                    clause: &[&["create", "unique", "index"], &["create", "index"], &["index"]],
                    guard: Guard::CheckCatalog("pg_index"),
                });
            }
            Some(Rerun {
                outcome: exists("relation"),
                clause: &[&["create", "unique", "index"], &["create", "index"], &["index"]],
                guard: Guard::Words {
                    after: "index",
                    words: "IF NOT EXISTS",
                },
            })
        }
        NodeEnum::CreateSeqStmt(s) if !s.if_not_exists => Some(Rerun {
            outcome: exists("relation"),
            clause: &[&["create", "sequence"], &["sequence"]],
            guard: Guard::Words {
                after: "sequence",
                words: "IF NOT EXISTS",
            },
        }),
        NodeEnum::CreateSchemaStmt(s) if !s.if_not_exists && s.schema_elts.is_empty() => Some(Rerun {
            outcome: exists("schema"),
            clause: &[&["create", "schema"]],
            guard: Guard::Words {
                after: "schema",
                words: "IF NOT EXISTS",
            },
        }),
        NodeEnum::CreateExtensionStmt(s) if !s.if_not_exists => Some(Rerun {
            outcome: exists("extension"),
            clause: &[&["create", "extension"]],
            guard: Guard::Words {
                after: "extension",
                words: "IF NOT EXISTS",
            },
        }),
        NodeEnum::CreateTableAsStmt(s) if !s.if_not_exists => {
            let matview = s.objtype == ObjectType::ObjectMatview as i32;
            Some(Rerun {
                outcome: exists("relation"),
                clause: if matview {
                    &[&["create", "materialized", "view"]]
                } else {
                    &[&["create", "table"], &["create"]]
                },
                guard: Guard::Words {
                    after: if matview { "view" } else { "table" },
                    words: "IF NOT EXISTS",
                },
            })
        }
        NodeEnum::ViewStmt(s) if !s.replace => Some(Rerun {
            outcome: exists("relation"),
            clause: &[&["create", "view"], &["view"]],
            guard: Guard::Words {
                after: "create",
                words: "OR REPLACE",
            },
        }),
        NodeEnum::CreateFunctionStmt(s) if !s.replace => Some(Rerun {
            outcome: exists(if s.is_procedure { "procedure" } else { "function" }),
            clause: &[&["create", "function"], &["create", "procedure"]],
            guard: Guard::Words {
                after: "create",
                words: "OR REPLACE",
            },
        }),
        NodeEnum::CreateTrigStmt(s) if !s.replace => {
            let table = s
                .relation
                .as_ref()
                .map(crate::analysis::names::RelationName::from_range_var)
                .map(|r| r.to_sql())
                .unwrap_or_default();
            Some(Rerun {
                outcome: exists("trigger"),
                clause: &[&["create", "trigger"], &["create", "constraint", "trigger"]],
                guard: if pg_version >= 14 && !s.isconstraint {
                    Guard::Words {
                        after: "create",
                        words: "OR REPLACE",
                    }
                } else {
                    Guard::DropFirst(format!(
                        "DROP TRIGGER IF EXISTS {} ON {table}",
                        crate::analysis::names::quote_ident(&s.trigname)
                    ))
                },
            })
        }
        NodeEnum::CreatePolicyStmt(s) => {
            let table = s
                .table
                .as_ref()
                .map(crate::analysis::names::RelationName::from_range_var)
                .map(|r| r.to_sql())
                .unwrap_or_default();
            Some(Rerun {
                outcome: exists("policy"),
                clause: &[&["create", "policy"]],
                guard: Guard::DropFirst(format!(
                    "DROP POLICY IF EXISTS {} ON {table}",
                    crate::analysis::names::quote_ident(&s.policy_name)
                )),
            })
        }
        NodeEnum::CreateEnumStmt(_) | NodeEnum::CompositeTypeStmt(_) | NodeEnum::CreateRangeStmt(_) => Some(Rerun {
            outcome: exists("type"),
            clause: &[&["create", "type"]],
            guard: Guard::CheckCatalog("pg_type"),
        }),
        NodeEnum::CreateDomainStmt(_) => Some(Rerun {
            outcome: exists("type"),
            clause: &[&["create", "domain"]],
            guard: Guard::CheckCatalog("pg_type"),
        }),
        NodeEnum::AlterEnumStmt(s) if !s.new_val.is_empty() && s.old_val.is_empty() && !s.skip_if_new_val_exists => {
            Some(Rerun {
                outcome: "fails with \"enum label already exists\"".into(),
                clause: &[&["add", "value"]],
                guard: Guard::Words {
                    after: "value",
                    words: "IF NOT EXISTS",
                },
            })
        }
        NodeEnum::DropStmt(s) if !s.missing_ok => Some(Rerun {
            outcome: "fails with \"does not exist\"".into(),
            clause: &[&["drop"]],
            guard: Guard::Words {
                after: drop_keyword(s),
                words: "IF EXISTS",
            },
        }),
        NodeEnum::RenameStmt(s) => {
            let relation_level = matches!(
                ObjectType::try_from(s.rename_type),
                Ok(ObjectType::ObjectTable
                    | ObjectType::ObjectIndex
                    | ObjectType::ObjectSequence
                    | ObjectType::ObjectView
                    | ObjectType::ObjectMatview)
            );
            if relation_level && s.missing_ok {
                return None;
            }
            Some(Rerun {
                outcome: "fails, the old name being gone (\"... does not exist\")".into(),
                clause: &[&["rename"]],
                guard: if relation_level {
                    Guard::Words {
                        after: match ObjectType::try_from(s.rename_type) {
                            Ok(ObjectType::ObjectIndex) => "index",
                            Ok(ObjectType::ObjectSequence) => "sequence",
                            Ok(ObjectType::ObjectView | ObjectType::ObjectMatview) => "view",
                            _ => "table",
                        },
                        words: "IF EXISTS",
                    }
                } else {
                    Guard::CheckCatalog(match ObjectType::try_from(s.rename_type) {
                        Ok(ObjectType::ObjectColumn) => "information_schema.columns",
                        Ok(ObjectType::ObjectTabconstraint) => "pg_constraint",
                        _ => "the catalog",
                    })
                },
            })
        }
        _ => None,
    }
}

/// The word after which `IF EXISTS` goes in a `DROP`.
fn drop_keyword(s: &pg_query::protobuf::DropStmt) -> &'static str {
    if s.concurrent {
        return "concurrently";
    }
    match ObjectType::try_from(s.remove_type) {
        Ok(ObjectType::ObjectTable) => "table",
        Ok(ObjectType::ObjectIndex) => "index",
        Ok(ObjectType::ObjectSequence) => "sequence",
        Ok(ObjectType::ObjectView | ObjectType::ObjectMatview) => "view",
        Ok(ObjectType::ObjectSchema) => "schema",
        Ok(ObjectType::ObjectType) => "type",
        Ok(ObjectType::ObjectDomain) => "domain",
        Ok(ObjectType::ObjectFunction) => "function",
        Ok(ObjectType::ObjectProcedure) => "procedure",
        Ok(ObjectType::ObjectTrigger) => "trigger",
        Ok(ObjectType::ObjectPolicy) => "policy",
        Ok(ObjectType::ObjectExtension) => "extension",
        _ => "",
    }
}

/// An action of an `ALTER TABLE` that fails or repeats itself when run
/// again: its index among the actions, and how.
pub(crate) fn rerun_actions(stmt: &pg_query::protobuf::AlterTableStmt) -> Vec<(usize, Rerun)> {
    let mut found = Vec::new();
    for (i, cmd) in alter_table_cmds(&stmt.cmds).enumerate() {
        let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
        let rerun = match subtype {
            AlterTableType::AtAddColumn if !cmd.missing_ok => Rerun {
                outcome: exists_text("column"),
                clause: &[&["add", "column"], &["add"]],
                guard: Guard::Words {
                    after: "column",
                    words: "IF NOT EXISTS",
                },
            },
            AlterTableType::AtDropColumn if !cmd.missing_ok => Rerun {
                outcome: "fails with \"column ... does not exist\"".into(),
                clause: &[&["drop", "column"], &["drop"]],
                guard: Guard::Words {
                    after: "column",
                    words: "IF EXISTS",
                },
            },
            AlterTableType::AtDropConstraint if !cmd.missing_ok => Rerun {
                outcome: "fails with \"constraint ... does not exist\"".into(),
                clause: &[&["drop", "constraint"]],
                guard: Guard::Words {
                    after: "constraint",
                    words: "IF EXISTS",
                },
            },
            AlterTableType::AtAddConstraint => {
                let Some(NodeEnum::Constraint(c)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
                    continue;
                };
                if c.conname.is_empty() {
                    Rerun {
                        outcome: "adds the constraint a second time under another name, or fails for a primary key"
                            .into(),
                        clause: &[&["add"]],
                        guard: Guard::CheckCatalog("pg_constraint"),
                    }
                } else if dropped_before(&stmt.cmds, i, &c.conname) {
                    continue;
                } else {
                    Rerun {
                        outcome: exists_text("constraint"),
                        clause: &[&["add", "constraint"], &["add"]],
                        guard: Guard::DropFirst(format!(
                            "DROP CONSTRAINT IF EXISTS {}",
                            crate::analysis::names::quote_ident(&c.conname)
                        )),
                    }
                }
            }
            _ => continue,
        };
        found.push((i, rerun));
    }
    found
}

/// An action before the `n`th of the same `ALTER TABLE` drops constraint
/// `name` if it exists: the pair runs again as it ran the first time.
fn dropped_before(cmds: &[pg_query::Node], n: usize, name: &str) -> bool {
    alter_table_cmds(cmds)
        .take(n)
        .any(|c| c.subtype == AlterTableType::AtDropConstraint as i32 && c.missing_ok && c.name == name)
}

fn exists_text(what: &str) -> String {
    format!("fails with \"{what} ... already exists\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(sql: &str) -> Option<Rerun> {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        rerun(&node, 16)
    }

    #[test]
    fn guarded_statements_run_again() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS t (a int)",
            "CREATE INDEX IF NOT EXISTS i ON t (a)",
            "CREATE OR REPLACE VIEW v AS SELECT 1",
            "DROP TABLE IF EXISTS t",
            "ALTER TABLE IF EXISTS t RENAME TO u",
            "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'calm'",
            "GRANT SELECT ON t TO r",
            "INSERT INTO t VALUES (1)",
        ] {
            assert_eq!(first(sql), None, "{sql}");
        }
    }

    #[test]
    fn unguarded_statements_fail_or_repeat() {
        assert!(first("CREATE TABLE t (a int)")
            .unwrap()
            .outcome
            .contains("already exists"));
        assert!(first("CREATE INDEX ON t (a)").unwrap().outcome.contains("second index"));
        assert_eq!(
            first("CREATE INDEX CONCURRENTLY i ON app.t (a)").unwrap().guard,
            Guard::DropIndexFirst("DROP INDEX CONCURRENTLY IF EXISTS app.i".into())
        );
        assert!(first("DROP TYPE mood").unwrap().outcome.contains("does not exist"));
        assert!(matches!(
            first("ALTER TABLE t RENAME COLUMN a TO b").unwrap().guard,
            Guard::CheckCatalog("information_schema.columns")
        ));
    }
}
