//! Relation names as PostgreSQL resolves them (the parser has already folded
//! unquoted identifiers to lower case), the relations a statement names by
//! lists of name parts, and identifiers written back as SQL.

use std::fmt;

use pg_query::protobuf::RangeVar;
use pg_query::NodeEnum;

// Kept at this path for the rules that import them from here.
pub(crate) use crate::parse::ast::strings;
pub(crate) use crate::parse::tokens::quote_ident;

/// A possibly schema-qualified relation name. No schema means the first
/// schema of the search path, `public` unless the file says otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationName {
    pub schema: Option<String>,
    pub name: String,
}

const DEFAULT_SCHEMA: &str = "public";

impl RelationName {
    pub fn new(schema: Option<&str>, name: &str) -> Self {
        RelationName {
            schema: schema.filter(|s| !s.is_empty()).map(str::to_string),
            name: name.to_string(),
        }
    }

    pub fn from_range_var(rv: &RangeVar) -> Self {
        Self::new(Some(&rv.schemaname), &rv.relname)
    }

    /// From a qualified name list such as `DROP TABLE a.b` keeps it:
    /// a list of `String` nodes.
    pub fn from_name_list(names: &[pg_query::Node]) -> Option<Self> {
        let parts: Vec<&str> = strings(names).collect();
        match parts.as_slice() {
            [name] => Some(Self::new(None, name)),
            [.., schema, name] => Some(Self::new(Some(schema), name)),
            [] => None,
        }
    }

    /// `users` or `app.users`, unquoted, as machine-readable output writes it.
    pub fn plain(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// Same relation, reading no schema as `public`.
    pub fn same_as(&self, other: &RelationName) -> bool {
        self.name == other.name && self.schema_or_default() == other.schema_or_default()
    }

    fn schema_or_default(&self) -> &str {
        self.schema.as_deref().unwrap_or(DEFAULT_SCHEMA)
    }

    /// The name as it is written in SQL for a recipe: `users`, `app.users`,
    /// `"Users"`; quoted only where PostgreSQL needs it.
    pub fn to_sql(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&self.name)),
            None => quote_ident(&self.name),
        }
    }
}

/// Names in `DROP TABLE a, s.b`: each object is a list of name parts.
pub(crate) fn dropped_names(objects: &[pg_query::Node]) -> Vec<RelationName> {
    objects
        .iter()
        .filter_map(|o| match o.node.as_ref()? {
            NodeEnum::List(list) => RelationName::from_name_list(&list.items),
            NodeEnum::String(s) => Some(RelationName::new(None, &s.sval)),
            _ => None,
        })
        .collect()
}

/// Names in `DROP TYPE a, s.b` and `DROP DOMAIN`: each object is a type name.
pub(crate) fn dropped_type_names(objects: &[pg_query::Node]) -> Vec<RelationName> {
    objects
        .iter()
        .filter_map(|o| match o.node.as_ref()? {
            NodeEnum::TypeName(t) => RelationName::from_name_list(&t.names),
            _ => None,
        })
        .chain(dropped_names(objects))
        .collect()
}

/// The tables of `DROP TRIGGER t ON s.tbl`, `DROP POLICY`, `DROP RULE`:
/// each object is the table's qualified name followed by the object's name.
pub(crate) fn qualified_object_tables(objects: &[pg_query::Node]) -> Vec<RelationName> {
    objects
        .iter()
        .filter_map(|o| match o.node.as_ref()? {
            NodeEnum::List(list) => RelationName::from_name_list(&list.items[..list.items.len().saturating_sub(1)]),
            _ => None,
        })
        .collect()
}

impl fmt::Display for RelationName {
    /// `"users"` or `"app"."users"`, quoted as in messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "\"{schema}\".\"{}\"", self.name),
            None => write!(f, "\"{}\"", self.name),
        }
    }
}

/// The longest identifier PostgreSQL keeps, in bytes (NAMEDATALEN - 1).
pub(crate) const MAX_IDENTIFIER_BYTES: usize = 63;

/// What PostgreSQL keeps of an identifier longer than 63 bytes: its first 63
/// bytes, cut back to a character boundary (the scanner's
/// `truncate_identifier`, with `pg_mbcliplen`); None when it keeps it whole.
pub(crate) fn truncated_identifier(name: &str) -> Option<&str> {
    (name.len() > MAX_IDENTIFIER_BYTES)
        .then(|| &name[..crate::input::source::floor_char_boundary(name, MAX_IDENTIFIER_BYTES)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unqualified_names_mean_public() {
        let a = RelationName::new(None, "users");
        let b = RelationName::new(Some("public"), "users");
        let c = RelationName::new(Some("app"), "users");
        assert!(a.same_as(&b));
        assert!(!a.same_as(&c));
        assert_eq!(c.to_string(), "\"app\".\"users\"");
        assert_eq!(c.to_sql(), "app.users");
        assert_eq!(RelationName::new(None, "Users").to_sql(), "\"Users\"");
        assert_eq!(
            RelationName::new(Some("select"), "user").to_sql(),
            "\"select\".\"user\""
        );
        assert_eq!(RelationName::new(None, "events_2024").to_sql(), "events_2024");
    }

    #[test]
    fn sql_names_are_quoted_only_when_needed() {
        assert_eq!(RelationName::new(Some("app"), "users").to_sql(), "app.users");
        assert_eq!(quote_ident("Users"), "\"Users\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("status"), "status");
        assert_eq!(quote_ident("name"), "name");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("1st"), "\"1st\"");
    }
}
