//! `foreign-key-without-index`: a foreign key created by the change whose
//! columns no index leads with, by the end of the run. Every delete or key
//! update on the referenced table then scans the referencing table.

use std::collections::HashMap;

use pg_query::protobuf::ConstrType;
use pg_query::NodeEnum;

use crate::analysis::catalog::{
    column_foreign_key_name, table_constraint_name, Catalog, ConstraintKind, Index, Origin, Relation, RelationKind,
};
use crate::analysis::names::quote_ident;
use crate::analysis::{AnalyzedFile, RelationName, RunContext, StatementContext};
use crate::diagnostic::Finding;
use crate::input::source::Span;
use crate::parse::ast::{column_constraints, constraint};
use crate::rule::{Rule, RunCheck};
use crate::rules::alter_table;
use crate::rules::recipe::{numbered_steps, partition_names, per_partition};

crate::rule::declare_rule!(ForeignKeyWithoutIndex, id: "foreign-key-without-index", category: Locking, severity: Warning, since: "0.1.0");

impl Rule for ForeignKeyWithoutIndex {
    fn run_check(&self) -> Option<Box<dyn RunCheck>> {
        Some(Box::<ForeignKeyClauses>::default())
    }
}

/// The foreign key clauses of the run's `CREATE TABLE` and `ALTER TABLE`
/// statements, by (file index, statement start): the name each constraint
/// gets and where it is written. Whether one lacks an index is known only
/// at the end of the run, once the trees of its file are gone.
#[derive(Default)]
struct ForeignKeyClauses {
    by_statement: HashMap<(usize, usize), Vec<(String, Span)>>,
}

impl RunCheck for ForeignKeyClauses {
    fn file(&mut self, index: usize, file: &AnalyzedFile<'_>, _out: &mut Vec<Finding>) {
        for ctx in file.contexts() {
            if let Some(clauses) = foreign_key_clauses(ctx) {
                self.by_statement.insert((index, ctx.span().start), clauses);
            }
        }
    }

    fn finish(self: Box<Self>, run: &RunContext<'_>, out: &mut Vec<(usize, Finding)>) {
        // Each root is a database of its own, judged at the end of its run.
        for catalog in run.catalogs {
            self.check_catalog(catalog, out);
        }
    }
}

impl ForeignKeyClauses {
    fn check_catalog(&self, catalog: &Catalog, out: &mut Vec<(usize, Finding)>) {
        let mut indexes: HashMap<&RelationName, Vec<&Index>> = HashMap::new();
        for index in catalog.indexes().filter(|i| !i.partial) {
            indexes.entry(&index.table).or_default().push(index);
        }
        // A table the catalog only inferred from an ALTER has unknown indexes.
        for relation in catalog.relations().filter(|r| !r.inferred) {
            for con in &relation.constraints {
                let ConstraintKind::ForeignKey { columns, references } = &con.kind else {
                    continue;
                };
                // Created by a statement of this run (each file is a change of its own in an audit).
                let Some(at) = con.defined_at else { continue };
                let Some(clauses) = self.by_statement.get(&(at.file, at.span.start)) else {
                    continue;
                };
                if columns.is_empty() || columns.iter().any(String::is_empty) {
                    continue;
                }
                let on_table = indexes.get(&relation.name).map_or(&[][..], Vec::as_slice);
                if on_table.iter().any(|index| leads_with(index, columns)) {
                    continue;
                }
                let span = clauses
                    .iter()
                    .find(|(name, _)| *name == con.name)
                    .map_or(at.span, |(_, span)| *span);
                let partitions = partitions_of(catalog, relation);
                out.push((
                    at.file,
                    finding(span, relation, &con.name, columns, references, partitions.as_deref()),
                ));
            }
        }
    }
}

/// The index's first columns are the foreign key's columns, in any order.
fn leads_with(index: &Index, columns: &[String]) -> bool {
    index.columns.len() >= columns.len() && columns.iter().all(|c| index.columns[..columns.len()].contains(c))
}

/// The partitions of a partitioned table, as the catalog knows them, with
/// whether each is partitioned in turn; None for any other table.
fn partitions_of(catalog: &Catalog, relation: &Relation) -> Option<Vec<(RelationName, bool)>> {
    (relation.kind == RelationKind::PartitionedTable).then(|| {
        catalog
            .relations()
            .filter(|r| r.partition_of.as_ref() == Some(&relation.name))
            .map(|r| (r.name.clone(), r.kind == RelationKind::PartitionedTable))
            .collect()
    })
}

/// PostgreSQL refuses `CREATE INDEX CONCURRENTLY` on a partitioned table:
/// the parent's index `ON ONLY`, each partition's `CONCURRENTLY`, then
/// attached.
fn partitioned_index_help(
    table: &RelationName,
    index: &str,
    list: &str,
    partitions: &[(RelationName, bool)],
) -> String {
    let leaves: Vec<RelationName> = partitions.iter().map(|(p, _)| p.clone()).collect();
    let names = partition_names(table, index, &leaves);
    let nested = partitions.iter().any(|(_, partitioned)| *partitioned);
    let mut text = numbered_steps(
        "index the referencing columns partition by partition (PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table):",
        &[
            format!("CREATE INDEX {} ON ONLY {} ({list});", quote_ident(index), table.to_sql()),
            per_partition("outside a transaction block, one statement at a time:", &names, |p, n| {
                format!("CREATE INDEX CONCURRENTLY {n} ON {p} ({list});")
            }),
            per_partition("then:", &names, |_, n| {
                format!("ALTER INDEX {} ATTACH PARTITION {n};", quote_ident(index))
            }),
        ],
    );
    if nested {
        text.push_str(
            "\na partition that is partitioned in turn takes the same steps: an index ON ONLY it, one CONCURRENTLY on each of its partitions, attached",
        );
    }
    text
}

fn finding(
    span: Span,
    relation: &Relation,
    name: &str,
    columns: &[String],
    references: &RelationName,
    partitions: Option<&[(RelationName, bool)]>,
) -> Finding {
    let table = written(&relation.name);
    let referenced = written(references);
    let list = columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ");
    let mut index_name = format!("{}_{}_idx", relation.name.name, columns.join("_"));
    if index_name.len() > 63 {
        index_name.truncate(crate::input::source::floor_char_boundary(&index_name, 63));
    }
    let help = if let Some(partitions) = partitions.filter(|_| relation.origin != Origin::Change) {
        partitioned_index_help(&table, &index_name, &list, partitions)
    } else if relation.origin == Origin::Change {
        format!(
            "index the referencing columns in the same change, while {table} is new and empty:\n  CREATE INDEX {} ON {} ({list});",
            quote_ident(&index_name),
            table.to_sql()
        )
    } else {
        format!(
            "index the referencing columns without blocking writes, outside a transaction block:\n  CREATE INDEX CONCURRENTLY {} ON {} ({list});",
            quote_ident(&index_name),
            table.to_sql()
        )
    };
    Finding::new(
        span,
        format!(
            "foreign key \"{name}\" on {table} ({}) has no index on its columns: every delete or key update in {referenced} scans {table} for matching rows",
            columns.join(", ")
        ),
    )
    .help(help)
}

/// The name as a migration would write it: without `public.`.
fn written(name: &RelationName) -> RelationName {
    match name.schema.as_deref() {
        Some("public") => RelationName::new(None, &name.name),
        _ => name.clone(),
    }
}

/// The foreign key clauses of a `CREATE TABLE` or `ALTER TABLE`, with the
/// name each constraint gets and its span: a table constraint, a column's
/// `REFERENCES`, or an `ADD CONSTRAINT` action. None for other statements.
fn foreign_key_clauses(ctx: StatementContext<'_>) -> Option<Vec<(String, Span)>> {
    let is_fk = |con: &pg_query::protobuf::Constraint| con.contype == ConstrType::ConstrForeign as i32;
    let mut clauses = Vec::new();
    match ctx.node() {
        NodeEnum::CreateStmt(stmt) => {
            let table = stmt.relation.as_ref().map_or("", |r| r.relname.as_str());
            for elt in &stmt.table_elts {
                match elt.node.as_ref() {
                    Some(NodeEnum::Constraint(con)) if is_fk(con) => {
                        if let Some(name) = table_constraint_name(table, con) {
                            clauses.push((name, ctx.clause_at(con.location)));
                        }
                    }
                    Some(NodeEnum::ColumnDef(col)) => {
                        clauses.extend(column_constraints(col).filter(|con| is_fk(con)).map(|con| {
                            (
                                column_foreign_key_name(table, &col.colname, con),
                                ctx.clause_at(con.location),
                            )
                        }))
                    }
                    _ => {}
                }
            }
        }
        NodeEnum::AlterTableStmt(stmt) => {
            let table = stmt.relation.as_ref().map_or("", |r| r.relname.as_str());
            for action in alter_table::actions(ctx) {
                if let Some(con) = constraint(action.cmd) {
                    if let Some(name) = table_constraint_name(table, con).filter(|_| is_fk(con)) {
                        clauses.push((name, action.span()));
                    }
                    continue;
                }
                let Some(col) = action.added_column() else { continue };
                clauses.extend(
                    ctx.column_constraints_with_spans(action.n, col)
                        .into_iter()
                        .filter(|(con, _)| is_fk(con))
                        .map(|(con, span)| (column_foreign_key_name(table, &col.colname, con), span)),
                );
            }
        }
        _ => return None,
    }
    Some(clauses)
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "foreign-key-without-index";

    #[test]
    fn flags_a_foreign_key_without_an_index() {
        let sql = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));";
        assert_eq!(
            findings(ID, sql),
            ["foreign key \"orders_user_id_fkey\" on \"orders\" (user_id) has no index on its columns: every delete or key update in \"users\" scans \"orders\" for matching rows"]
        );
        let alter =
            "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;";
        assert!(findings(ID, alter).is_empty(), "the catalog has never seen orders");
        let partial = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\nCREATE INDEX orders_user_id_idx ON orders (user_id) WHERE user_id IS NOT NULL;";
        assert_eq!(findings(ID, partial).len(), 1, "a partial index does not count");
    }

    #[test]
    fn a_long_generated_name_is_found_at_its_clause() {
        // PostgreSQL shortens the generated name to 63 bytes, table and
        // column parts in turn, keeping `_fkey` (the name a PostgreSQL 15
        // server gave); the finding is still on the REFERENCES clause (line
        // 3), not the statement.
        let sql = "CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE a_very_long_table_name_for_orders_here_x (id bigint PRIMARY KEY,\n  a_long_column_name_for_the_user_ref_x bigint REFERENCES users (id));\n";
        let input = crate::report::engine::RunInput::new("m.sql", sql.as_bytes().to_vec());
        let found = crate::tests::rules::run_findings(ID, vec![input], &crate::settings::Settings::default());
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .starts_with("m.sql:3 foreign key \"a_very_long_table_name_for_or_a_long_column_name_for_the_u_fkey\""),
            "{found:?}"
        );
    }

    #[test]
    fn an_index_leading_with_the_columns_is_enough() {
        let later = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\nCREATE INDEX orders_user_id_idx ON orders (user_id, id);";
        assert!(findings(ID, later).is_empty());
        let pk = "CREATE TABLE memberships (user_id bigint REFERENCES users, org_id bigint REFERENCES orgs, PRIMARY KEY (org_id, user_id));\nCREATE INDEX ON memberships (user_id);";
        assert!(findings(ID, pk).is_empty());
        let reordered =
            "CREATE TABLE t (a bigint, b bigint, FOREIGN KEY (a, b) REFERENCES p (x, y));\nCREATE INDEX ON t (b, a);";
        assert!(findings(ID, reordered).is_empty());
    }
}
