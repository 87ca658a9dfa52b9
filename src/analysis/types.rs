//! Column types as the parser spells them (`integer` is `pg_catalog.int4`),
//! and which type changes PostgreSQL performs without rewriting the table.

use pg_query::protobuf::TypeName;
use pg_query::NodeEnum;

/// The type's own name, without schema: `int4`, `varchar`, `serial`, `citext`.
pub fn base_name(type_name: &TypeName) -> &str {
    type_name
        .names
        .iter()
        .rev()
        .find_map(|n| match n.node.as_ref()? {
            NodeEnum::String(s) => Some(s.sval.as_str()),
            _ => None,
        })
        .unwrap_or("")
}

/// Integer type modifiers, e.g. `[20]` for `varchar(20)`, `[10, 2]` for `numeric(10,2)`.
pub fn modifiers(type_name: &TypeName) -> Vec<i64> {
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

pub fn is_array(type_name: &TypeName) -> bool {
    !type_name.array_bounds.is_empty()
}

/// The name users write for a catalog type, for messages.
pub fn display_name(type_name: &TypeName) -> String {
    let base = match base_name(type_name) {
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "bpchar" => "char",
        "varchar" => "varchar",
        "timestamptz" => "timestamptz",
        "bool" => "boolean",
        "float8" => "double precision",
        "float4" => "real",
        other => other,
    };
    let mods = modifiers(type_name);
    let mods = if mods.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = mods.iter().map(i64::to_string).collect();
        format!("({})", list.join(", "))
    };
    let array = if is_array(type_name) { "[]" } else { "" };
    format!("{base}{mods}{array}")
}

/// Serial pseudo-types: a sequence and a volatile `nextval()` default.
pub fn is_serial(type_name: &TypeName) -> bool {
    matches!(
        base_name(type_name),
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
    )
}

/// A target type that never needs a rewrite when the old column is text-like
/// (`varchar`, `text`): `text` or `varchar` with no length limit. Without
/// knowing the old type this is the one change provable from the statement.
pub fn is_unbounded_text(type_name: &TypeName) -> bool {
    !is_array(type_name) && matches!(base_name(type_name), "text" | "varchar") && modifiers(type_name).is_empty()
}

#[cfg(test)]
mod tests {
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
        assert!(is_unbounded_text(&column_type("text")));
        assert!(!is_unbounded_text(&column_type("varchar(10)")));
        assert!(!is_unbounded_text(&column_type("text[]")));
    }
}
