//! `unique-without-index`: `ADD CONSTRAINT ... UNIQUE` or `PRIMARY KEY` on an
//! existing table builds its index while reads and writes wait.

use pg_query::protobuf::{AlterTableType, ConstrType, Constraint};

use crate::analysis::facts::lock_of_sql;
use crate::analysis::names::{quote_ident, strings};
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;
use crate::rules::recipe::{constraint_name_in_message, numbered_steps, partition_names, per_partition};

crate::rule::declare_rule!(UniqueWithoutIndex, id: "unique-without-index", category: Locking, severity: Error, since: "0.1.0");

impl Rule for UniqueWithoutIndex {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_table(ctx) else {
            return;
        };
        let (table, lock) = (&alter.relation, alter.lock);
        for action in alter.actions() {
            let (con, span, column, plain_column) = if action.is(AlterTableType::AtAddConstraint) {
                let Some(con) = action.added_constraint().filter(|c| builds_index(c)) else {
                    continue;
                };
                (con, action.span(), None, None)
            } else if let Some(col) = action.added_column() {
                // `ADD COLUMN c ... UNIQUE` or `PRIMARY KEY`.
                let constraints = ctx.column_constraints_with_spans(action.n, col);
                let Some((con, span)) = constraints.iter().find(|(c, _)| builds_index(c)) else {
                    continue;
                };
                let cut: Vec<_> = constraints
                    .iter()
                    .filter(|(c, _)| builds_index(c))
                    .map(|(_, s)| *s)
                    .collect();
                let plain = ctx.text_without(action.span(), &cut);
                (*con, *span, Some(col.colname.clone()), Some(plain))
            } else {
                continue;
            };
            let primary = con.contype == ConstrType::ConstrPrimary as i32;
            let kind = if primary { "primary key" } else { "unique constraint" };
            let columns: Vec<String> = match &column {
                Some(c) => vec![c.clone()],
                None => names(&con.keys),
            };
            let partitions = ctx.facts().partition_leaves.as_deref();
            // Every partition holds this unique constraint: the parent's
            // adopts them and builds nothing.
            if column.is_none() && ctx.facts().adopted_constraints.contains(&action.n) {
                continue;
            }
            let leaves: Option<Vec<RelationName>> =
                partitions.map(|leaves| leaves.iter().map(|r| r.name.clone()).collect());
            let message = match &column {
                Some(c) => {
                    format!("{kind} on new column \"{c}\" of {table} built with a new index while the table is locked")
                }
                None => {
                    let named = constraint_name_in_message(&con.conname);
                    let list: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
                    format!(
                        "{kind}{named} on {table} ({}) built with a new index while the table is locked",
                        list.join(", ")
                    )
                }
            };
            out.push(
                Finding::new(span, message)
                    .label(
                        alter.name_span(),
                        format!("{} until the index is built", lock.describe()),
                    )
                    .help(help(
                        table,
                        con,
                        &columns,
                        plain_column.as_deref(),
                        ctx.pg_version(),
                        leaves.as_deref(),
                    ))
                    .lock(&lock.relation, lock.mode),
            );
        }
    }
}

/// UNIQUE or PRIMARY KEY that builds a new index (no `USING INDEX`).
fn builds_index(con: &Constraint) -> bool {
    matches!(
        ConstrType::try_from(con.contype),
        Ok(ConstrType::ConstrUnique | ConstrType::ConstrPrimary)
    ) && con.indexname.is_empty()
}

fn names(nodes: &[pg_query::Node]) -> Vec<String> {
    strings(nodes).map(str::to_string).collect()
}

fn help(
    table: &RelationName,
    con: &Constraint,
    columns: &[String],
    plain_column: Option<&str>,
    pg_version: u32,
    partitions: Option<&[RelationName]>,
) -> String {
    // The lock of each recipe step, as the facts state it.
    let lock = |sql: &str| lock_of_sql(sql, pg_version).map_or_else(|| "its lock".to_string(), |m| m.to_string());
    let t = table.to_sql();
    let primary = con.contype == ConstrType::ConstrPrimary as i32;
    let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
    let name = if !con.conname.is_empty() {
        con.conname.clone()
    } else if primary {
        format!("{}_pkey", table.name)
    } else {
        format!("{}_{}_key", table.name, columns.join("_"))
    };
    let index = quote_ident(&name);
    let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    if con.without_overlaps {
        return format!(
            "a WITHOUT OVERLAPS {kind} needs a GiST index, which ADD CONSTRAINT ... USING INDEX cannot take: \
             declare it when the table is created, or build a new table with it and move the rows over in batches; \
             if it must run here, SET lock_timeout first so waiting queries are not stuck behind it"
        );
    }
    let mut steps = Vec::new();
    if let Some(plain) = plain_column {
        steps.push(format!("ALTER TABLE {t} {plain};"));
        if primary {
            steps.push(format!(
                "give {} a distinct value in every existing row, in batches",
                cols.join(", ")
            ));
        }
    }
    let include = names(&con.including);
    let include = if include.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = include.iter().map(|c| quote_ident(c)).collect();
        format!(" INCLUDE ({})", list.join(", "))
    };
    let nulls = if con.nulls_not_distinct {
        " NULLS NOT DISTINCT"
    } else {
        ""
    };
    let mut attributes = String::new();
    if con.deferrable {
        attributes.push_str(" DEFERRABLE");
    }
    if con.initdeferred {
        attributes.push_str(" INITIALLY DEFERRED");
    }
    if let Some(leaves) = partitions {
        return partitioned_help(table, &name, kind, &cols, &include, nulls, &attributes, steps, leaves);
    }
    let create = format!(
        "CREATE UNIQUE INDEX CONCURRENTLY {index} ON {t} ({}){include}{nulls};",
        cols.join(", ")
    );
    steps.push(format!(
        "{create}\n     \
         ({}: reads and writes continue; run it outside a transaction block, and if it fails drop the INVALID index it leaves and retry)",
        lock(&create)
    ));
    let attach = format!("ALTER TABLE {t} ADD CONSTRAINT {index} {kind} USING INDEX {index}{attributes};");
    let attach_lock = lock(&attach);
    steps.push(format!(
        "{attach}\n     ({attach_lock} only briefly: the index is already built)"
    ));
    let mut text = numbered_steps(
        "build the unique index without blocking, then attach it to the constraint:",
        &steps,
    );
    if primary {
        text.push_str(&format!(
            "\nPRIMARY KEY needs {} NOT NULL: where a column is still nullable, USING INDEX sets NOT NULL with a full scan \
             under {attach_lock}, so make it NOT NULL first without one (see setting-not-null)",
            cols.join(", "),
        ));
    }
    text
}

/// PostgreSQL refuses `ADD CONSTRAINT ... USING INDEX` on a partitioned
/// table. Each partition gets its index built `CONCURRENTLY` and its own
/// constraint on it; the parent's constraint then adopts them, building
/// nothing (observed on PostgreSQL 15).
#[allow(clippy::too_many_arguments)]
fn partitioned_help(
    table: &RelationName,
    name: &str,
    kind: &str,
    cols: &[String],
    include: &str,
    nulls: &str,
    attributes: &str,
    mut steps: Vec<String>,
    leaves: &[RelationName],
) -> String {
    let t = table.to_sql();
    let partitions = partition_names(table, name, leaves);
    let cols = cols.join(", ");
    steps.push(per_partition(
        "on each partition, outside a transaction block (reads and writes continue):",
        &partitions,
        |p, n| format!("CREATE UNIQUE INDEX CONCURRENTLY {n} ON {p} ({cols}){include}{nulls};"),
    ));
    steps.push(per_partition(
        "on each partition (briefly locked):",
        &partitions,
        |p, n| format!("ALTER TABLE {p} ADD CONSTRAINT {n} {kind} USING INDEX {n}{attributes};"),
    ));
    steps.push(format!(
        "ALTER TABLE {t} ADD CONSTRAINT {} {kind} ({cols}){include}{nulls}{attributes};\n     \
         (locks {table} and its partitions only briefly: each partition's constraint and index are adopted, nothing is built)",
        quote_ident(name)
    ));
    let shown = match leaves.len() {
        0 => "the migrations show none of its partitions".to_string(),
        1 => "the migrations show 1 partition".to_string(),
        n => format!("the migrations show {n} partitions"),
    };
    let mut text = numbered_steps(
        &format!(
            "PostgreSQL refuses ADD CONSTRAINT ... USING INDEX on a partitioned table; build the constraint on each partition \
             ({shown}), then add it to {table}, which adopts them:"
        ),
        &steps,
    );
    if kind == "PRIMARY KEY" {
        text.push_str(&format!(
            "\nPRIMARY KEY needs {cols} NOT NULL: where a column is still nullable, USING INDEX sets NOT NULL with a full scan \
             of the partition while it is locked, so make it NOT NULL first without one (see setting-not-null)"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_unique_and_primary_key_building_their_index() {
        assert_eq!(
            findings("unique-without-index", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"),
            ["unique constraint \"users_email_key\" on \"users\" (email) built with a new index while the table is locked"]
        );
        assert_eq!(
            findings(
                "unique-without-index",
                "ALTER TABLE users ADD PRIMARY KEY (id), ADD COLUMN code text UNIQUE;"
            )
            .len(),
            2
        );
    }

    #[test]
    fn using_index_and_new_tables_are_fine() {
        let sql = "ALTER TABLE users ADD CONSTRAINT k UNIQUE USING INDEX k;\nCREATE TABLE n (a int);\nALTER TABLE n ADD PRIMARY KEY (a);";
        assert!(findings("unique-without-index", sql).is_empty());
    }
}
