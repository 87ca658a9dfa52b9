//! Column types as the parser spells them (`integer` is `pg_catalog.int4`),
//! and which type changes PostgreSQL performs without rewriting the table.

use pg_query::protobuf::{AlterTableType, ColumnDef, ObjectType, TypeName};
use pg_query::NodeEnum;

use super::names::RelationName;
use crate::parse::ast::{alter_table_cmds, strings};
use crate::settings::SessionTimeZone;

/// A column type as declared: `varchar(20)`, `numeric(10, 2)`, `int4[]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnType {
    /// The parser's name without schema: `int4`, `varchar`, `timestamptz`.
    pub name: String,
    pub schema: Option<String>,
    pub modifiers: Vec<i64>,
    pub array: bool,
}

impl ColumnType {
    pub fn from_type_name(type_name: &TypeName) -> Self {
        let schema = (type_name.names.len() > 1)
            .then(|| match type_name.names.first()?.node.as_ref()? {
                NodeEnum::String(s) => Some(s.sval.clone()),
                _ => None,
            })
            .flatten();
        ColumnType {
            name: base_name(type_name).to_string(),
            schema,
            modifiers: modifiers(type_name),
            array: is_array(type_name),
        }
    }
}

impl std::fmt::Display for ColumnType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.name.as_str() {
            "int2" => "smallint",
            "int4" => "integer",
            "int8" => "bigint",
            "bpchar" => "char",
            "bool" => "boolean",
            "float4" => "real",
            "float8" => "double precision",
            other => other,
        };
        write!(f, "{name}")?;
        if name == "interval" && !self.modifiers.is_empty() {
            // The parser's typmods: the fields as a bit mask, then the precision.
            if let Some(fields) = self.modifiers.first().and_then(|&mask| interval_fields(mask)) {
                write!(f, " {fields}")?;
            }
            if let Some(precision) = self.modifiers.get(1) {
                write!(f, "({precision})")?;
            }
        } else if !self.modifiers.is_empty() {
            let mods: Vec<String> = self.modifiers.iter().map(i64::to_string).collect();
            write!(f, "({})", mods.join(", "))?;
        }
        if self.array {
            write!(f, "[]")?;
        }
        Ok(())
    }
}

/// How a statement gives a column its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Declaration {
    /// A column of `CREATE TABLE`.
    CreateTable,
    /// `ALTER TABLE ... ADD COLUMN`.
    AddColumn,
    /// `ALTER TABLE ... ALTER COLUMN ... TYPE`.
    AlterType,
}

/// A column type a statement declares.
#[derive(Clone, Debug)]
pub(crate) struct DeclaredColumn<'a> {
    pub table: RelationName,
    pub column: &'a str,
    /// Parse-tree location of the column's name.
    pub location: i32,
    pub type_name: &'a TypeName,
    pub declaration: Declaration,
}

/// The column types a `CREATE TABLE` or `ALTER TABLE` statement declares,
/// in order. Columns without a type (`PARTITION OF`, `OF type`) are left out.
pub(crate) fn declared_columns(node: &NodeEnum) -> Vec<DeclaredColumn<'_>> {
    let mut found = Vec::new();
    match node {
        NodeEnum::CreateStmt(stmt) => {
            let Some(rv) = &stmt.relation else {
                return found;
            };
            let table = RelationName::from_range_var(rv);
            for col in stmt.table_elts.iter().filter_map(column_def) {
                if let Some(type_name) = &col.type_name {
                    found.push(DeclaredColumn {
                        table: table.clone(),
                        column: &col.colname,
                        location: col.location,
                        type_name,
                        declaration: Declaration::CreateTable,
                    });
                }
            }
        }
        NodeEnum::AlterTableStmt(stmt) if stmt.objtype == ObjectType::ObjectTable as i32 => {
            let Some(rv) = &stmt.relation else {
                return found;
            };
            let table = RelationName::from_range_var(rv);
            for cmd in alter_table_cmds(&stmt.cmds) {
                let declaration = match AlterTableType::try_from(cmd.subtype) {
                    Ok(AlterTableType::AtAddColumn) => Declaration::AddColumn,
                    Ok(AlterTableType::AtAlterColumnType) => Declaration::AlterType,
                    _ => continue,
                };
                let Some(col) = cmd.def.as_deref().and_then(column_def) else {
                    continue;
                };
                let Some(type_name) = &col.type_name else {
                    continue;
                };
                let column = if declaration == Declaration::AlterType {
                    cmd.name.as_str()
                } else {
                    col.colname.as_str()
                };
                found.push(DeclaredColumn {
                    table: table.clone(),
                    column,
                    location: col.location,
                    type_name,
                    declaration,
                });
            }
        }
        _ => {}
    }
    found
}

fn column_def(node: &pg_query::Node) -> Option<&ColumnDef> {
    match node.node.as_ref()? {
        NodeEnum::ColumnDef(col) => Some(col),
        _ => None,
    }
}

/// The type's own name, without schema: `int4`, `varchar`, `serial`, `citext`.
pub(crate) fn base_name(type_name: &TypeName) -> &str {
    strings(&type_name.names).last().unwrap_or("")
}

/// Integer type modifiers, e.g. `[20]` for `varchar(20)`, `[10, 2]` for `numeric(10,2)`.
pub(crate) fn modifiers(type_name: &TypeName) -> Vec<i64> {
    type_name
        .typmods
        .iter()
        .filter_map(|m| match m.node.as_ref()? {
            NodeEnum::AConst(c) => match c.val.as_ref()? {
                pg_query::protobuf::a_const::Val::Ival(i) => Some(i64::from(i.ival)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

pub(crate) fn is_array(type_name: &TypeName) -> bool {
    !type_name.array_bounds.is_empty()
}

/// The name users write for a catalog type, for messages: `integer`,
/// `varchar(20)`, `text[]` (one spelling, `ColumnType`'s).
pub(crate) fn display_name(type_name: &TypeName) -> String {
    ColumnType::from_type_name(type_name).to_string()
}

/// Serial pseudo-types: a sequence and a volatile `nextval()` default.
pub(crate) fn is_serial(type_name: &TypeName) -> bool {
    matches!(
        base_name(type_name),
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
    )
}

/// A domain as a type change sees it: the type it stores, and whether it
/// checks values (a CHECK or NOT NULL constraint).
pub(crate) struct DomainType {
    pub base: ColumnType,
    pub constrained: bool,
}

/// What `ALTER COLUMN ... TYPE` costs the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypeChangeCost {
    /// PostgreSQL only updates the catalog: no rewrite, the indexes are kept.
    InPlace,
    /// Between `timestamp` and `timestamptz` (PostgreSQL 12 and later): in
    /// place when the session's TimeZone is UTC, a rewrite otherwise.
    InPlaceIfUtc,
    /// Every row is written again and every index rebuilt.
    Rewrite,
}

impl TypeChangeCost {
    /// The cost once the server's session time zone is known: a conversion
    /// between `timestamp` and `timestamptz` is in place under UTC and a
    /// rewrite under any other zone.
    pub(crate) fn in_zone(self, zone: SessionTimeZone) -> TypeChangeCost {
        match (self, zone) {
            (TypeChangeCost::InPlaceIfUtc, SessionTimeZone::Utc) => TypeChangeCost::InPlace,
            (TypeChangeCost::InPlaceIfUtc, SessionTimeZone::Other) => TypeChangeCost::Rewrite,
            (cost, _) => cost,
        }
    }
}

/// Whether changing a column from `old` to `new` rewrites the table.
///
/// `old` is the column's type before the statement when the catalog knows
/// it; without it, only a change to `text` or unbounded `varchar` counts as
/// in place (the one change provable from the statement alone, which holds
/// for the text-like columns such changes are made on). `domain_base` gives
/// the domains the catalog knows. A `USING` clause always rewrites.
///
/// In place, as PostgreSQL decides it (`ATColumnChangeRequiresRewrite` and
/// the types' length-coercion support functions): the same type;
/// `varchar(n)` to `varchar(m)` with m >= n, to unbounded `varchar` or to
/// `text`; `text` to unbounded `varchar`; `numeric(p, s)` to `numeric(q, s)`
/// with q >= p or to unconstrained `numeric`; `varbit(n)` to a longer or
/// unbounded `varbit`; `cidr` to `inet`; a domain to its base type (or to a
/// type its base converts to in place). `timestamp` and `timestamptz` convert
/// in place only under a UTC session time zone, from PostgreSQL 12 on.
pub(crate) fn type_change_cost(
    old: Option<&ColumnType>,
    new: &ColumnType,
    has_using: bool,
    pg_version: u32,
    domain: &dyn Fn(&ColumnType) -> Option<DomainType>,
) -> TypeChangeCost {
    use TypeChangeCost::*;
    if has_using {
        return Rewrite;
    }
    let Some(old) = old else {
        let unbounded_text = is_builtin(new) && !new.array && new.modifiers.is_empty();
        return if unbounded_text && matches!(new.name.as_str(), "text" | "varchar") {
            InPlace
        } else {
            Rewrite
        };
    };
    if same_type(old, new) {
        return InPlace;
    }
    // A domain is its base type on disk: dropping to the base relabels it,
    // and so does changing to a domain that checks nothing (observed);
    // changing to a domain with constraints checks them on every row.
    let mut new = new.clone();
    for _ in 0..8 {
        match domain(&new).filter(|_| !new.array) {
            Some(d) if d.constrained => return Rewrite,
            Some(d) => new = d.base,
            None => break,
        }
    }
    let new = &new;
    let mut old = old.clone();
    for _ in 0..8 {
        match domain(&old).filter(|_| !old.array) {
            Some(d) => old = d.base,
            None => break,
        }
    }
    if same_type(&old, new) {
        return InPlace;
    }
    if old.array || new.array || !is_builtin(&old) || !is_builtin(new) {
        return Rewrite;
    }
    // A length limit that does not shrink: the support function of the
    // length coercion drops it (`varchar_support`, `numeric_support`,
    // `varbit_support`).
    let widens = |old: &[i64], new: &[i64]| match (old.first(), new.first()) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(o), Some(n)) => n >= o,
    };
    match (old.name.as_str(), new.name.as_str()) {
        ("varchar", "varchar") | ("varbit", "varbit") => {
            if widens(&old.modifiers, &new.modifiers) {
                InPlace
            } else {
                Rewrite
            }
        }
        ("varchar", "text") | ("cidr", "inet") => InPlace,
        ("text", "varchar") if new.modifiers.is_empty() => InPlace,
        ("numeric", "numeric") => {
            let scale = |m: &[i64]| m.get(1).copied().unwrap_or(0);
            let same_scale = new.modifiers.is_empty() || scale(&old.modifiers) == scale(&new.modifiers);
            if same_scale && widens(&old.modifiers, &new.modifiers) {
                InPlace
            } else {
                Rewrite
            }
        }
        // Fractional-second precision that is removed or does not shrink:
        // the values already fit (`timestamp_support`, `time_support`,
        // `interval_support`); 6 is the most any of them stores.
        ("timestamp", "timestamp") | ("timestamptz", "timestamptz") | ("time", "time") | ("timetz", "timetz") => {
            precision_kept(old.modifiers.first(), new.modifiers.first())
        }
        // An interval's typmod is its fields, then its precision; a change
        // of fields is judged a rewrite.
        ("interval", "interval") if new.modifiers.is_empty() => InPlace,
        ("interval", "interval") if all_fields(&old.modifiers) && all_fields(&new.modifiers) => {
            precision_kept(old.modifiers.get(1), new.modifiers.get(1))
        }
        // The conversion's result has no precision of its own, so only a
        // precision of 6 or none is known to keep it (observed:
        // timestamptz(0) to timestamp(6) in place under UTC, timestamp(3)
        // to timestamptz(3) rewritten).
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp")
            if precision_kept(None, new.modifiers.first()) == InPlace && pg_version >= 12 =>
        {
            InPlaceIfUtc
        }
        _ => Rewrite,
    }
}

/// The fields an interval typmod keeps (PostgreSQL's `INTERVAL_MASK` bits:
/// month 1, year 2, day 3, hour 10, minute 11, second 12); None for all.
fn interval_fields(mask: i64) -> Option<&'static str> {
    Some(match mask {
        4 => "year",
        2 => "month",
        8 => "day",
        1024 => "hour",
        2048 => "minute",
        4096 => "second",
        6 => "year to month",
        1032 => "day to hour",
        3080 => "day to minute",
        7176 => "day to second",
        3072 => "hour to minute",
        7168 => "hour to second",
        6144 => "minute to second",
        _ => return None,
    })
}

/// Whether a fractional-second precision change keeps every value: the
/// precision is removed, reaches the most stored (6), or does not shrink.
fn precision_kept(old: Option<&i64>, new: Option<&i64>) -> TypeChangeCost {
    let limited = |p: Option<&i64>| p.copied().filter(|&p| p < 6);
    match (limited(old), limited(new)) {
        (_, None) => TypeChangeCost::InPlace,
        (Some(o), Some(n)) if n >= o => TypeChangeCost::InPlace,
        _ => TypeChangeCost::Rewrite,
    }
}

/// An interval typmod without a field restriction (`INTERVAL_FULL_RANGE`).
fn all_fields(modifiers: &[i64]) -> bool {
    modifiers.first().is_none_or(|&range| range == 0x7FFF)
}

/// A type of `pg_catalog`, as the parser writes it (`text` has no schema,
/// `varchar` is `pg_catalog.varchar`).
fn is_builtin(ty: &ColumnType) -> bool {
    ty.schema.as_deref().is_none_or(|s| s == "pg_catalog")
}

/// The same type, reading a missing schema as whatever the other says.
pub(crate) fn same_type(a: &ColumnType, b: &ColumnType) -> bool {
    let schemas_agree = match (&a.schema, &b.schema) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    a.name == b.name && a.modifiers == b.modifiers && a.array == b.array && schemas_agree
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_and_its_aliases_are_the_zones_that_convert_timestamps_in_place() {
        use crate::settings::SessionTimeZone::{self, *};
        for name in ["UTC", "utc", "Etc/UTC", "GMT", "Etc/GMT+0", "Zulu", "Universal"] {
            assert_eq!(SessionTimeZone::from_name(name), Utc, "{name}");
        }
        for name in ["Europe/London", "Etc/GMT+1", "America/New_York", "CET"] {
            assert_eq!(SessionTimeZone::from_name(name), Other, "{name}");
        }
        let cost = TypeChangeCost::InPlaceIfUtc;
        assert_eq!(cost.in_zone(Utc), TypeChangeCost::InPlace);
        assert_eq!(cost.in_zone(Other), TypeChangeCost::Rewrite);
        assert_eq!(cost.in_zone(Unknown), cost);
    }

    use super::*;

    fn column_type(sql_type: &str) -> TypeName {
        let parsed = pg_query::parse(&format!("CREATE TABLE t (c {sql_type})"), 0).unwrap();
        let NodeEnum::CreateStmt(create) = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.as_ref().unwrap()
        else {
            panic!()
        };
        let NodeEnum::ColumnDef(col) = create.table_elts[0].node.as_ref().unwrap() else {
            panic!()
        };
        col.type_name.clone().unwrap()
    }

    #[test]
    fn parser_spellings() {
        assert_eq!(base_name(&column_type("integer")), "int4");
        assert_eq!(base_name(&column_type("timestamp without time zone")), "timestamp");
        assert_eq!(modifiers(&column_type("numeric(10, 2)")), [10, 2]);
        assert_eq!(display_name(&column_type("character varying(20)")), "varchar(20)");
        assert!(is_serial(&column_type("bigserial")));
    }

    #[test]
    fn columns_a_statement_declares() {
        let sql = "ALTER TABLE app.t ADD COLUMN a int, ALTER COLUMN b TYPE text, DROP COLUMN c, ALTER d SET NOT NULL";
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        let found: Vec<_> = declared_columns(&node)
            .into_iter()
            .map(|c| {
                (
                    c.table.to_string(),
                    c.column.to_string(),
                    base_name(c.type_name).to_string(),
                    c.declaration,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "\"app\".\"t\"".into(),
                    "a".into(),
                    "int4".into(),
                    Declaration::AddColumn
                ),
                (
                    "\"app\".\"t\"".into(),
                    "b".into(),
                    "text".into(),
                    Declaration::AlterType
                )
            ]
        );
        let parsed = pg_query::parse("CREATE TABLE p1 PARTITION OF p (a NOT NULL) FOR VALUES IN (1)", 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
        assert!(declared_columns(&node).is_empty());
    }

    #[test]
    fn intervals_are_shown_as_written() {
        let shown = |sql: &str| ColumnType::from_type_name(&column_type(sql)).to_string();
        assert_eq!(shown("interval(2)"), "interval(2)");
        assert_eq!(shown("interval day to second(3)"), "interval day to second(3)");
        assert_eq!(shown("interval year to month"), "interval year to month");
        assert_eq!(shown("interval"), "interval");
    }

    #[test]
    fn which_type_changes_rewrite() {
        use TypeChangeCost::*;
        let ty = |sql: &str| ColumnType::from_type_name(&column_type(sql));
        // `email` is a domain over varchar(100) with a CHECK, `short` over
        // `email`, `label` over varchar(100) without constraints.
        let domains = |t: &ColumnType| {
            let (base, constrained) = match t.name.as_str() {
                "email" => ("varchar(100)", true),
                "short" => ("email", false),
                "label" => ("varchar(100)", false),
                _ => return None,
            };
            Some(DomainType {
                base: ty(base),
                constrained,
            })
        };
        // (old type or None when unknown, new type, USING, PostgreSQL version, cost)
        let cases: &[(Option<&str>, &str, bool, u32, TypeChangeCost)] = &[
            (Some("varchar(20)"), "varchar(50)", false, 16, InPlace),
            (Some("character varying(20)"), "varchar(20)", false, 16, InPlace),
            (Some("varchar(50)"), "varchar(20)", false, 16, Rewrite),
            (Some("varchar(20)"), "text", false, 16, InPlace),
            (Some("varchar(20)"), "varchar", false, 16, InPlace),
            (Some("varchar"), "text", false, 16, InPlace),
            (Some("varchar"), "varchar(20)", false, 16, Rewrite),
            (Some("text"), "varchar", false, 16, InPlace),
            (Some("text"), "character varying", false, 16, InPlace),
            (Some("text"), "varchar(20)", false, 16, Rewrite),
            (Some("text"), "text", false, 16, InPlace),
            (Some("numeric(10, 2)"), "numeric(12, 2)", false, 16, InPlace),
            (Some("numeric(10, 2)"), "numeric", false, 16, InPlace),
            (Some("numeric(10)"), "numeric(12, 0)", false, 16, InPlace),
            (Some("numeric(10, 2)"), "numeric(12, 3)", false, 16, Rewrite),
            (Some("numeric(12, 2)"), "numeric(10, 2)", false, 16, Rewrite),
            (Some("numeric"), "numeric(12, 2)", false, 16, Rewrite),
            (Some("decimal(10, 2)"), "numeric(14, 2)", false, 16, InPlace),
            (Some("bit varying(8)"), "varbit(16)", false, 16, InPlace),
            (Some("varbit(8)"), "bit varying", false, 16, InPlace),
            (Some("varbit(16)"), "varbit(8)", false, 16, Rewrite),
            (Some("bit(8)"), "bit(16)", false, 16, Rewrite),
            (Some("cidr"), "inet", false, 16, InPlace),
            (Some("inet"), "cidr", false, 16, Rewrite),
            (Some("timestamp"), "timestamptz", false, 16, InPlaceIfUtc),
            (
                Some("timestamp(3) without time zone"),
                "timestamp with time zone",
                false,
                16,
                InPlaceIfUtc,
            ),
            (Some("timestamptz"), "timestamp", false, 12, InPlaceIfUtc),
            (Some("timestamp"), "timestamptz(3)", false, 16, Rewrite),
            (Some("timestamptz(0)"), "timestamp(6)", false, 16, InPlaceIfUtc),
            (Some("timestamp(3)"), "timestamptz(3)", false, 16, Rewrite),
            (Some("timestamp"), "timestamptz", false, 11, Rewrite),
            (Some("timestamp(3)"), "timestamp", false, 16, InPlace),
            (Some("timestamp(3)"), "timestamp(6)", false, 16, InPlace),
            (Some("timestamp(3)"), "timestamp(4)", false, 16, InPlace),
            (Some("timestamp(3)"), "timestamp(1)", false, 16, Rewrite),
            (Some("timestamp"), "timestamp(3)", false, 16, Rewrite),
            (Some("timestamp"), "timestamp(6)", false, 16, InPlace),
            (Some("timestamptz(0)"), "timestamptz", false, 16, InPlace),
            (Some("time(2)"), "time", false, 16, InPlace),
            (Some("time(2)"), "time(1)", false, 16, Rewrite),
            (Some("timetz(2)"), "timetz(5)", false, 16, InPlace),
            (Some("interval(2)"), "interval", false, 16, InPlace),
            (Some("interval(2)"), "interval(4)", false, 16, InPlace),
            (Some("interval(4)"), "interval(2)", false, 16, Rewrite),
            (
                Some("interval day to second(3)"),
                "interval day to second(4)",
                false,
                16,
                Rewrite,
            ),
            (Some("interval"), "interval(2)", false, 16, Rewrite),
            (Some("interval day"), "interval", false, 16, InPlace),
            (Some("interval"), "interval day", false, 16, Rewrite),
            (Some("email"), "varchar(100)", false, 16, InPlace),
            (Some("email"), "text", false, 16, InPlace),
            (Some("short"), "varchar(200)", false, 16, InPlace),
            (Some("email"), "varchar(10)", false, 16, Rewrite),
            (Some("varchar(100)"), "email", false, 16, Rewrite),
            (Some("varchar(100)"), "label", false, 16, InPlace),
            (Some("varchar(50)"), "label", false, 16, InPlace),
            (Some("varchar(200)"), "label", false, 16, Rewrite),
            (Some("varchar(100)"), "short", false, 16, Rewrite),
            (Some("label"), "email", false, 16, Rewrite),
            (Some("integer"), "bigint", false, 16, Rewrite),
            (Some("int"), "integer", false, 16, InPlace),
            (Some("integer"), "text", false, 16, Rewrite),
            (Some("char(10)"), "char(20)", false, 16, Rewrite),
            (Some("varchar(10)[]"), "varchar(20)[]", false, 16, Rewrite),
            (Some("text[]"), "text[]", false, 16, InPlace),
            (Some("public.citext"), "text", false, 16, Rewrite),
            (Some("varchar(20)"), "varchar(50)", true, 16, Rewrite),
            (Some("text"), "text", true, 16, Rewrite),
            (None, "text", false, 16, InPlace),
            (None, "varchar", false, 16, InPlace),
            (None, "varchar(50)", false, 16, Rewrite),
            (None, "text[]", false, 16, Rewrite),
            (None, "bigint", false, 16, Rewrite),
            (None, "text", true, 16, Rewrite),
        ];
        for (old, new, using, version, cost) in cases {
            let old_ty = old.map(ty);
            assert_eq!(
                type_change_cost(old_ty.as_ref(), &ty(new), *using, *version, &domains),
                *cost,
                "{old:?} -> {new} (USING: {using}, PostgreSQL {version})"
            );
        }
    }
}
