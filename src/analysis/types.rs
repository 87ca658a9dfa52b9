//! Column types as the parser spells them (`integer` is `pg_catalog.int4`),
//! and which type changes PostgreSQL performs without rewriting the table.

use pg_query::protobuf::{AlterTableType, ColumnDef, ObjectType, TypeName};
use pg_query::NodeEnum;

use super::facts::alter_table_cmds;
use super::names::{strings, RelationName};

/// How a statement gives a column its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Declaration {
    /// A column of `CREATE TABLE`.
    CreateTable,
    /// `ALTER TABLE ... ADD COLUMN`.
    AddColumn,
    /// `ALTER TABLE ... ALTER COLUMN ... TYPE`.
    AlterType,
}

/// A column type a statement declares.
#[derive(Clone, Debug)]
pub struct DeclaredColumn<'a> {
    pub table: RelationName,
    pub column: &'a str,
    /// Parse-tree location of the column's name.
    pub location: i32,
    pub type_name: &'a TypeName,
    pub declaration: Declaration,
}

/// The column types a `CREATE TABLE` or `ALTER TABLE` statement declares,
/// in order. Columns without a type (`PARTITION OF`, `OF type`) are left out.
pub fn declared_columns(node: &NodeEnum) -> Vec<DeclaredColumn<'_>> {
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
pub fn base_name(type_name: &TypeName) -> &str {
    strings(&type_name.names).last().unwrap_or("")
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
}
