//! `now-default-without-time-zone`: a `timestamp without time zone` column
//! whose default reads the clock (`now()`, `CURRENT_TIMESTAMP`,
//! `LOCALTIMESTAMP`) stores the wall-clock time of each writer's `TimeZone`
//! setting, so writers in different zones store different values for the
//! same instant.

use pg_query::protobuf::{AlterTableType, ColumnDef, ConstrType, ObjectType};
use pg_query::NodeEnum;

use crate::analysis::names::quote_ident;
use crate::analysis::volatility::session_clock_reading;
use crate::analysis::{types, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::parse::ast::{alter_table_cmds, column_constraints};
use crate::rule::Rule;
use crate::rules::column_types::sql_name;

crate::rule::declare_rule!(NowDefaultWithoutTimeZone, id: "now-default-without-time-zone", category: Compatibility, severity: Warning, since: "0.2.0");

impl Rule for NowDefaultWithoutTimeZone {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        match ctx.node() {
            NodeEnum::CreateStmt(stmt) => {
                let Some(table) = stmt.relation.as_ref().map(RelationName::from_range_var) else {
                    return;
                };
                for col in stmt.table_elts.iter().filter_map(|n| match n.node.as_ref()? {
                    NodeEnum::ColumnDef(col) => Some(col.as_ref()),
                    _ => None,
                }) {
                    declared(ctx, &table, col, Written::CreateTable, out);
                }
            }
            NodeEnum::AlterTableStmt(stmt) if stmt.objtype == ObjectType::ObjectTable as i32 => {
                let Some(table) = stmt.relation.as_ref().map(RelationName::from_range_var) else {
                    return;
                };
                for cmd in alter_table_cmds(&stmt.cmds) {
                    match AlterTableType::try_from(cmd.subtype) {
                        Ok(AlterTableType::AtAddColumn) => {
                            if let Some(NodeEnum::ColumnDef(col)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                                declared(ctx, &table, col, Written::AddColumn, out);
                            }
                        }
                        Ok(AlterTableType::AtColumnDefault) => {
                            let Some(expr) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
                                continue;
                            };
                            let timestamp = ctx
                                .relation_before(&table)
                                .and_then(|rel| rel.column(&cmd.name))
                                .filter(|col| col.ty.name == "timestamp" && !col.ty.array);
                            if let Some(col) = timestamp {
                                let precision = col.ty.modifiers.first().copied();
                                report(ctx, &table, &cmd.name, expr, (Written::SetDefault, precision), out);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

#[derive(Clone, Copy)]
enum Written {
    CreateTable,
    AddColumn,
    SetDefault,
}

/// A column declared `timestamp` (not an array) with a default.
fn declared(
    ctx: StatementContext<'_>,
    table: &RelationName,
    col: &ColumnDef,
    written: Written,
    out: &mut Vec<Finding>,
) {
    let Some(type_name) = &col.type_name else { return };
    if types::base_name(type_name) != "timestamp" || types::is_array(type_name) {
        return;
    }
    let default = column_constraints(col)
        .find(|c| c.contype == ConstrType::ConstrDefault as i32)
        .and_then(|c| c.raw_expr.as_deref())
        .or(col.raw_default.as_deref())
        .and_then(|e| e.node.as_ref());
    if let Some(expr) = default {
        let precision = types::modifiers(type_name).first().copied();
        report(ctx, table, &col.colname, expr, (written, precision), out);
    }
}

fn report(
    ctx: StatementContext<'_>,
    table: &RelationName,
    column: &str,
    expr: &NodeEnum,
    (written, precision): (Written, Option<i64>),
    out: &mut Vec<Finding>,
) {
    let Some((reading, location)) = session_clock_reading(expr) else {
        return;
    };
    let span = ctx.call_at(location);
    // The instant the default reads, as written (`LOCALTIMESTAMP` is
    // already a wall-clock reading: `now()` is its instant).
    let instant = match reading {
        "LOCALTIMESTAMP" => "now()",
        _ => ctx.file.source.slice(span),
    };
    let col = quote_ident(column);
    let precision = precision.map_or_else(String::new, |p| format!("({p})"));
    let utc = format!("({instant} AT TIME ZONE 'utc')");
    let (as_timestamptz, as_utc) = match written {
        Written::CreateTable => (
            format!("{col} timestamptz{precision} DEFAULT {instant}"),
            format!("{col} timestamp{precision} DEFAULT {utc}"),
        ),
        Written::AddColumn => (
            format!("ADD COLUMN {col} timestamptz{precision} DEFAULT {instant}"),
            format!("ADD COLUMN {col} timestamp{precision} DEFAULT {utc}"),
        ),
        Written::SetDefault => {
            let sql = sql_name(table);
            (
                format!(
                    "ALTER TABLE {sql} ALTER COLUMN {col} TYPE timestamptz{precision};  (a type change: changing-column-type says what it costs)"
                ),
                format!("ALTER TABLE {sql} ALTER COLUMN {col} SET DEFAULT {utc};"),
            )
        }
    };
    out.push(
        Finding::new(
            span,
            format!(
                "column \"{column}\" of {table} is timestamp without time zone with default {reading}: it stores the wall-clock time of the writing session's TimeZone"
            ),
        )
        .about_column(column)
        .help(format!(
            "two sessions with different TimeZone settings (a server, a client, a job in another zone) store different values for the same moment, and nothing records which zone a value was in; store an instant instead:\n  {as_timestamptz}\nor keep timestamp and always store UTC:\n  {as_utc}"
        )),
    );
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "now-default-without-time-zone";

    #[test]
    fn flags_clock_defaults_on_timestamp_columns() {
        assert_eq!(
            findings(ID, "CREATE TABLE t (id bigint, created_at timestamp NOT NULL DEFAULT now());"),
            ["column \"created_at\" of \"t\" is timestamp without time zone with default now(): it stores the wall-clock time of the writing session's TimeZone"]
        );
        let sql = "ALTER TABLE t ADD COLUMN a timestamp(3) DEFAULT CURRENT_TIMESTAMP, ADD COLUMN b timestamp DEFAULT LOCALTIMESTAMP;\n\
                   CREATE TABLE u (c timestamp);\nALTER TABLE u ALTER COLUMN c SET DEFAULT now();";
        assert_eq!(findings(ID, sql).len(), 3);
    }

    #[test]
    fn timestamptz_utc_defaults_and_other_defaults_are_fine() {
        let sql = "CREATE TABLE t (a timestamptz DEFAULT now(), b timestamp DEFAULT (now() AT TIME ZONE 'utc'), \
                   c timestamp DEFAULT '2000-01-01', d date DEFAULT CURRENT_DATE, e timestamp);\n\
                   ALTER TABLE t ALTER COLUMN a SET DEFAULT CURRENT_TIMESTAMP;";
        assert!(findings(ID, sql).is_empty());
    }
}
