//! `table-rewrite-statement`: `ALTER TABLE ... SET TABLESPACE`, `SET LOGGED`,
//! `SET UNLOGGED` and `SET ACCESS METHOD` rewrite the table under ACCESS
//! EXCLUSIVE.

use pg_query::protobuf::{AlterTableType, ObjectType};

use crate::analysis::names::quote_ident;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(TableRewriteStatement, id: "table-rewrite-statement", category: Rewrite, severity: Error, since: "0.1.0");

impl Rule for TableRewriteStatement {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_relation(ctx) else {
            return;
        };
        let (relation, lock) = (&alter.relation, alter.lock);
        let facts = ctx.facts();
        if !facts
            .rewrites
            .iter()
            .chain(&facts.file_copies)
            .any(|r| r.same_as(relation))
        {
            return;
        }
        let kind = match ObjectType::try_from(alter.stmt.objtype) {
            Ok(ObjectType::ObjectIndex) => Kind::Index,
            Ok(ObjectType::ObjectMatview) => Kind::MaterializedView,
            _ => Kind::Table,
        };
        for action in alter.actions() {
            let cmd = action.cmd;
            let form = match AlterTableType::try_from(cmd.subtype) {
                Ok(AlterTableType::AtSetTableSpace) => Form::Tablespace(&cmd.name),
                Ok(AlterTableType::AtSetLogged) => Form::Logged,
                Ok(AlterTableType::AtSetUnLogged) => Form::Unlogged,
                Ok(AlterTableType::AtSetAccessMethod) => Form::AccessMethod(&cmd.name),
                _ => continue,
            };
            let what = match form {
                Form::Tablespace("") => "copied in full to the default tablespace".to_string(),
                Form::Tablespace(ts) => format!("copied in full to tablespace \"{ts}\""),
                Form::Logged => "rewritten in full by SET LOGGED".to_string(),
                Form::Unlogged => "rewritten in full by SET UNLOGGED".to_string(),
                Form::AccessMethod("") => "rewritten in full by SET ACCESS METHOD DEFAULT".to_string(),
                Form::AccessMethod(am) => format!("rewritten in full by SET ACCESS METHOD \"{am}\""),
            };
            out.push(
                Finding::new(action.span(), format!("{} {relation} {what}", kind.noun()))
                    .label(alter.name_span(), format!("{} until the rewrite ends", lock.describe()))
                    .help(help(kind, form, relation))
                    .lock(&lock.relation, lock.mode),
            );
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Table,
    Index,
    MaterializedView,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::Index => "index",
            Kind::MaterializedView => "materialized view",
        }
    }
}

#[derive(Clone, Copy)]
enum Form<'a> {
    Tablespace(&'a str),
    Logged,
    Unlogged,
    AccessMethod(&'a str),
}

fn help(kind: Kind, form: Form<'_>, relation: &RelationName) -> String {
    let name = relation.to_sql();
    let new = RelationName::new(relation.schema.as_deref(), &format!("{}_new", relation.name)).to_sql();
    let bare = quote_ident(&relation.name);
    let bare_new = quote_ident(&format!("{}_new", relation.name));
    let old = quote_ident(&format!("{}_old", relation.name));
    let tablespace = |ts: &str| {
        if ts.is_empty() {
            "pg_default".to_string()
        } else {
            quote_ident(ts)
        }
    };
    match (kind, form) {
        (Kind::Index, Form::Tablespace(ts)) => numbered_steps(
            "build a copy in the new tablespace and swap it in, outside a transaction block:",
            &[
                format!(
                    "CREATE INDEX CONCURRENTLY {bare_new} ON <table> (<the definition of {name}>) TABLESPACE {};",
                    tablespace(ts)
                ),
                format!("DROP INDEX CONCURRENTLY {name};"),
                format!("ALTER INDEX {new} RENAME TO {bare};"),
            ],
        ),
        (Kind::MaterializedView, Form::Tablespace(ts)) => numbered_steps(
            "build a copy in the new tablespace and swap it in:",
            &[
                format!("CREATE MATERIALIZED VIEW {new} TABLESPACE {} AS <the query of {name}>;", tablespace(ts)),
                format!(
                    "in one short transaction with a lock_timeout: rename {name} to {old} and {new} to {bare}, then drop {old}"
                ),
            ],
        ),
        (_, Form::Tablespace(ts)) => format!(
            "move it online outside the migration, locking it only briefly:\n  pg_repack --table={name} --tablespace={} --moveidx\nor by hand: create {new} (LIKE {name} INCLUDING ALL) TABLESPACE {0}, copy the rows in batches while a trigger carries new writes across, then rename the two tables in one short transaction with a lock_timeout",
            tablespace(ts)
        ),
        (_, form) => {
            let (create, note) = match form {
                Form::Unlogged => (
                    format!("CREATE UNLOGGED TABLE {new} (LIKE {name} INCLUDING ALL);"),
                    "\nan unlogged table is emptied after a crash and is not sent to replicas: make sure that is what you want",
                ),
                Form::AccessMethod(am) => (
                    format!(
                        "CREATE TABLE {new} (LIKE {name} INCLUDING ALL){};",
                        if am.is_empty() { String::new() } else { format!(" USING {}", quote_ident(am)) }
                    ),
                    "",
                ),
                _ => (format!("CREATE TABLE {new} (LIKE {name} INCLUDING ALL);"), "\nthe copy is written to the WAL either way: expect replica lag"),
            };
            let steps = numbered_steps(
                "fill a new table instead of rewriting this one under the lock:",
                &[
                    create,
                    format!("copy the rows in batches, with a trigger on {name} carrying new writes across"),
                    format!(
                        "in one short transaction with a lock_timeout: ALTER TABLE {name} RENAME TO {old}; ALTER TABLE {new} RENAME TO {bare};"
                    ),
                ],
            );
            format!("{steps}{note}")
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_each_rewriting_form() {
        for sql in [
            "ALTER TABLE t SET TABLESPACE fast;",
            "ALTER TABLE t SET LOGGED;",
            "ALTER TABLE t SET UNLOGGED;",
            "ALTER TABLE t SET ACCESS METHOD heap2;",
            "ALTER INDEX i SET TABLESPACE fast;",
        ] {
            assert_eq!(findings("table-rewrite-statement", sql).len(), 1, "{sql}");
        }
    }

    #[test]
    fn new_tables_and_other_actions_are_fine() {
        assert!(findings(
            "table-rewrite-statement",
            "CREATE TABLE t (id bigint);\nALTER TABLE t SET UNLOGGED;"
        )
        .is_empty());
        assert!(findings("table-rewrite-statement", "ALTER TABLE t SET (fillfactor = 70);").is_empty());
    }
}
