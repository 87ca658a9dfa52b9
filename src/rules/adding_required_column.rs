//! `adding-required-column`: `ADD COLUMN ... NOT NULL` without a `DEFAULT`
//! fails on a table with rows, and breaks inserts of running code that does
//! not know the column.

use pg_query::protobuf::{ColumnDef, ConstrType};
use pg_query::NodeEnum;

use crate::analysis::facts::lock_of_sql;
use crate::analysis::names::quote_ident;
use crate::analysis::{types, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::parse::ast::column_constraints;
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;
use crate::rules::recipe::{add_not_null_check, not_null_check_name, numbered_steps, validate_constraint};

crate::rule::declare_rule!(AddingRequiredColumn, id: "adding-required-column", category: Compatibility, severity: Error, since: "0.1.0");

impl Rule for AddingRequiredColumn {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_table(ctx) else {
            return;
        };
        let table = &alter.relation;
        for (action, col) in alter.added_columns() {
            let Some(required) = required_without_default(col) else {
                continue;
            };
            let message = match required {
                Required::NotNull => format!(
                    "column \"{}\" added to {table} as NOT NULL without a DEFAULT",
                    col.colname
                ),
                Required::PrimaryKey => {
                    format!(
                        "column \"{}\" added to {table} as PRIMARY KEY with no value for existing rows",
                        col.colname
                    )
                }
            };
            out.push(
                Finding::new(action.span(), message)
                    .about_column(&col.colname)
                    .label(
                        alter.name_span(),
                        format!(
                            "fails if {table} has any row (the new column would be NULL), and inserts by running code that does not set \"{}\" fail",
                            col.colname
                        ),
                    )
                    .help(help(ctx, table, col, required)),
            );
        }
    }
}

#[derive(Clone, Copy)]
enum Required {
    NotNull,
    PrimaryKey,
}

/// `NOT NULL` (or `PRIMARY KEY`, which implies it) with nothing that fills
/// existing rows: no default, not identity, not generated, not serial.
fn required_without_default(col: &ColumnDef) -> Option<Required> {
    if col.type_name.as_ref().is_some_and(types::is_serial) || !col.identity.is_empty() || !col.generated.is_empty() {
        return None;
    }
    let mut required = col.is_not_null.then_some(Required::NotNull);
    for con in column_constraints(col) {
        match ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined) {
            ConstrType::ConstrNotnull => required = required.or(Some(Required::NotNull)),
            ConstrType::ConstrPrimary => required = Some(Required::PrimaryKey),
            ConstrType::ConstrDefault if !is_null_literal(con.raw_expr.as_deref()) => return None,
            ConstrType::ConstrIdentity | ConstrType::ConstrGenerated => return None,
            _ => {}
        }
    }
    if col.raw_default.as_deref().is_some_and(|d| !is_null_literal(Some(d))) {
        return None;
    }
    required
}

/// `DEFAULT NULL` fills nothing.
fn is_null_literal(expr: Option<&pg_query::Node>) -> bool {
    match expr.and_then(|e| e.node.as_ref()) {
        Some(NodeEnum::AConst(c)) => c.isnull,
        Some(NodeEnum::TypeCast(cast)) => is_null_literal(cast.arg.as_deref()),
        _ => false,
    }
}

fn help(ctx: StatementContext<'_>, table: &RelationName, col: &ColumnDef, required: Required) -> String {
    let sql = table.to_sql();
    let column = quote_ident(&col.colname);
    let ty = col
        .type_name
        .as_ref()
        .map_or_else(|| "<type>".to_string(), types::display_name);
    let check = not_null_check_name(table, &col.colname);
    let (add_check, validate) = (
        add_not_null_check(&sql, &column, &check),
        validate_constraint(&sql, &check),
    );
    let add_column = format!("ALTER TABLE {sql} ADD COLUMN {column} {ty};");
    let backfill =
        "set it from the application for new rows, and backfill old rows in batches outside the schema migration";
    if let Required::PrimaryKey = required {
        let index = quote_ident(&format!("{}_{}_key", table.name, col.colname));
        let pkey = quote_ident(&format!("{}_pkey", table.name));
        if ctx.facts().partition_leaves.is_some() {
            // A partitioned table refuses USING INDEX, and its primary key
            // must hold the partition key, which a new column cannot be.
            return format!(
                "{table} is partitioned: PostgreSQL refuses a primary key on it that leaves out the partition key's columns, \
                 and ADD CONSTRAINT ... USING INDEX on it; add the column first ({add_column}), backfill it, then give \
                 the key the partition key's columns too and build it partition by partition (see unique-without-index)"
            );
        }
        return numbered_steps(
            "a primary key needs a distinct value in every row: add the column first, then the key",
            &[
                add_column,
                backfill.to_string(),
                format!("CREATE UNIQUE INDEX CONCURRENTLY {index} ON {sql} ({column});"),
                format!("{add_check}\n     {validate}"),
                format!("ALTER TABLE {sql} ADD CONSTRAINT {pkey} PRIMARY KEY USING INDEX {index};"),
            ],
        );
    }
    let set = format!("ALTER TABLE {sql} ALTER COLUMN {column} SET NOT NULL;");
    let mut steps = vec![add_column, backfill.to_string(), add_check, validate];
    if ctx.pg_version() >= 12 {
        steps.push(format!("{set}  (skips the scan: the valid check proves it)"));
        steps.push(format!("ALTER TABLE {sql} DROP CONSTRAINT {check};"));
    } else {
        let under = lock_of_sql(&set, ctx.pg_version()).map_or_else(String::new, |m| format!(" under {m}"));
        steps.push(format!(
            "{set}  (scans the table{under} before PostgreSQL 12: keep the CHECK constraint instead if that is too long)"
        ));
    }
    numbered_steps(
        &format!(
            "give existing rows and old inserts a value:\n  \
             ALTER TABLE {sql} ADD COLUMN {column} {ty} NOT NULL DEFAULT <value>;\n  \
             (from PostgreSQL 11 a constant default is only recorded in the catalog, without rewriting the table)\n\
             or, when no default fits:"
        ),
        &steps,
    )
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_not_null_without_default() {
        assert_eq!(
            findings(
                "adding-required-column",
                "ALTER TABLE orders ADD COLUMN status text NOT NULL;"
            ),
            ["column \"status\" added to \"orders\" as NOT NULL without a DEFAULT"]
        );
        assert_eq!(
            findings(
                "adding-required-column",
                "ALTER TABLE orders ADD COLUMN a text NOT NULL DEFAULT NULL, ADD b bigint PRIMARY KEY;"
            )
            .len(),
            2
        );
    }

    #[test]
    fn defaults_identity_generated_and_new_tables_are_fine() {
        let ok =
            "ALTER TABLE o ADD COLUMN a text NOT NULL DEFAULT 'x', ADD COLUMN b bigint GENERATED ALWAYS AS IDENTITY, \
                  ADD COLUMN c bigint NOT NULL GENERATED ALWAYS AS (a_id * 2) STORED, ADD COLUMN d text;\n\
                  CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN e text NOT NULL;";
        assert!(findings("adding-required-column", ok).is_empty());
    }
}
