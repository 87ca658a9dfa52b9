//! Sequences owned by a column (serial, identity, `OWNED BY`): created with
//! the column, dropped with it.

use pg_query::protobuf::Constraint;
use pg_query::NodeEnum;

use super::model::{key, Catalog, Key, Origin, RelationKind};
use crate::analysis::names::RelationName;
use crate::parse::ast::string_value;

impl Catalog {
    /// The sequence a serial or identity column creates and owns:
    /// `table_column_seq` unless `SEQUENCE NAME` says otherwise.
    pub(super) fn add_owned_sequence(
        &mut self,
        table: &RelationName,
        column: &str,
        explicit: Option<RelationName>,
        origin: Origin,
    ) {
        let name = match explicit {
            Some(name) => self.qualify(&name),
            None => self.owned_sequence_name(table, column),
        };
        if !self.relations.contains_key(&key(&name)) {
            self.insert_relation(name.clone(), RelationKind::Sequence, origin, true);
        }
        self.sequence_owners
            .insert(key(&name), (table.clone(), column.to_string()));
    }

    /// Drops the sequences owned by a table's column, or by any of its
    /// columns when `column` is None.
    pub(super) fn drop_owned_sequences(&mut self, table: &RelationName, column: Option<&str>) {
        let owned: Vec<Key> = self
            .sequence_owners
            .iter()
            .filter(|(_, (t, c))| t == table && column.is_none_or(|col| col == c))
            .map(|(k, _)| k.clone())
            .collect();
        for k in owned {
            self.sequence_owners.remove(&k);
            self.relations.remove(&k);
        }
    }

    /// `OWNED BY table.column` (or `OWNED BY NONE`) in sequence options.
    pub(super) fn set_sequence_owner(&mut self, sequence: &RelationName, options: &[pg_query::Node]) {
        for option in options {
            let Some(NodeEnum::DefElem(def)) = option.node.as_ref() else {
                continue;
            };
            if def.defname != "owned_by" {
                continue;
            }
            let Some(NodeEnum::List(list)) = def.arg.as_ref().and_then(|a| a.node.as_ref()) else {
                continue;
            };
            let parts: Vec<String> = list.items.iter().filter_map(string_value).collect();
            let sequence = self.qualify(sequence);
            match parts.as_slice() {
                [.., table_part, column] => {
                    let table_parts = &parts[..parts.len() - 1];
                    let table = match table_parts {
                        [schema, name] => RelationName::new(Some(schema), name),
                        _ => RelationName::new(None, table_part),
                    };
                    let table = self.qualify(&table);
                    self.sequence_owners.insert(key(&sequence), (table, column.clone()));
                }
                _ => {
                    self.sequence_owners.remove(&key(&sequence));
                }
            }
        }
    }
}

/// `SEQUENCE NAME s` in the options of an identity column.
pub(super) fn identity_sequence_name(con: &Constraint) -> Option<RelationName> {
    con.options.iter().find_map(|o| match o.node.as_ref()? {
        NodeEnum::DefElem(def) if def.defname == "sequence_name" => match def.arg.as_ref()?.node.as_ref()? {
            NodeEnum::List(list) => RelationName::from_name_list(&list.items),
            _ => None,
        },
        _ => None,
    })
}
