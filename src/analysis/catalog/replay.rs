//! Replaying statements into the catalog: `Catalog::apply` dispatches each
//! statement; schemas, the search path, enum types and domains, and
//! relations created, renamed, moved to another schema or dropped are
//! handled here, tables' own definitions in `replay_table`.

use std::collections::BTreeSet;
use std::sync::Arc;

use pg_query::protobuf::{AlterObjectSchemaStmt, ConstrType, DropBehavior, DropStmt, ObjectType, RenameStmt};
use pg_query::NodeEnum;

use super::model::{
    key, Catalog, ConstraintKind, Domain, EnumType, Key, Location, Origin, RelationKind, TableConstraint,
};
use super::replay_table::rename_in_constraint;
use crate::analysis::names::{dropped_names, dropped_type_names, RelationName};
use crate::analysis::types::ColumnType;
use crate::parse::ast::{constraint_node, string_value};

impl Catalog {
    /// Applies one statement. Statements the catalog does not model, and
    /// references to objects it has never seen, change nothing.
    pub fn apply(&mut self, node: &NodeEnum, origin: Origin, at: Option<Location>) {
        self.unsettled |= origin == Origin::Change;
        match node {
            NodeEnum::CreateSchemaStmt(stmt) => {
                if !stmt.schemaname.is_empty() {
                    self.schemas.entry(stmt.schemaname.clone()).or_insert(origin);
                }
                let saved = std::mem::replace(&mut self.search_path, vec![stmt.schemaname.clone()]);
                for elt in stmt.schema_elts.iter().filter_map(|n| n.node.as_ref()) {
                    self.apply(elt, origin, at);
                }
                self.search_path = saved;
            }
            NodeEnum::CreateStmt(stmt) => self.create_table(stmt, origin, at),
            NodeEnum::CreateTableAsStmt(stmt) => {
                if let Some(rv) = stmt.into.as_ref().and_then(|i| i.rel.as_ref()) {
                    let kind = if stmt.objtype == ObjectType::ObjectMatview as i32 {
                        RelationKind::MaterializedView
                    } else {
                        RelationKind::Table
                    };
                    let name = self.qualify(&RelationName::from_range_var(rv));
                    self.insert_relation(name, kind, origin, false);
                }
            }
            NodeEnum::ViewStmt(stmt) => {
                if let Some(rv) = &stmt.view {
                    let name = self.qualify(&RelationName::from_range_var(rv));
                    if !self.relations.contains_key(&key(&name)) {
                        self.insert_relation(name, RelationKind::View, origin, false);
                    }
                }
            }
            NodeEnum::CreateSeqStmt(stmt) => {
                if let Some(rv) = &stmt.sequence {
                    let name = self.qualify(&RelationName::from_range_var(rv));
                    if !self.relations.contains_key(&key(&name)) {
                        self.insert_relation(name.clone(), RelationKind::Sequence, origin, true);
                    }
                    self.set_sequence_owner(&name, &stmt.options);
                }
            }
            NodeEnum::AlterSeqStmt(stmt) => {
                if let Some(rv) = &stmt.sequence {
                    self.set_sequence_owner(&RelationName::from_range_var(rv), &stmt.options);
                }
            }
            NodeEnum::AlterTableStmt(stmt) => self.alter_table_stmt(stmt, origin, at),
            NodeEnum::IndexStmt(stmt) => self.create_index(stmt, origin),
            NodeEnum::RenameStmt(stmt) => {
                self.rename(stmt);
                self.move_routine(node);
            }
            NodeEnum::AlterObjectSchemaStmt(stmt) => {
                self.set_schema(stmt);
                self.move_routine(node);
            }
            NodeEnum::DropStmt(stmt) => {
                self.drop(stmt);
                self.drop_routines(stmt);
            }
            NodeEnum::CreateEnumStmt(stmt) => {
                if let Some(name) = RelationName::from_name_list(&stmt.type_name) {
                    let name = self.qualify_type(&name);
                    let values = stmt.vals.iter().filter_map(string_value).collect();
                    self.enums.insert(key(&name), EnumType { name, values, origin });
                }
            }
            NodeEnum::AlterEnumStmt(stmt) => {
                let Some(name) = RelationName::from_name_list(&stmt.type_name) else {
                    return;
                };
                let k = key(&self.qualify_type(&name));
                if let Some(e) = self.enums.get_mut(&k) {
                    if !stmt.old_val.is_empty() {
                        if let Some(v) = e.values.iter_mut().find(|v| **v == stmt.old_val) {
                            *v = stmt.new_val.clone();
                        }
                    } else if !e.values.contains(&stmt.new_val) {
                        e.values.push(stmt.new_val.clone());
                    }
                }
            }
            NodeEnum::CreateDomainStmt(stmt) => {
                let (Some(name), Some(base)) = (RelationName::from_name_list(&stmt.domainname), &stmt.type_name) else {
                    return;
                };
                let name = self.qualify_type(&name);
                let base = ColumnType::from_type_name(base);
                let mut domain = Domain {
                    name: name.clone(),
                    base,
                    checks: BTreeSet::new(),
                    not_null: false,
                    origin,
                };
                for con in stmt.constraints.iter().filter_map(constraint_node) {
                    constrain_domain(&mut domain, con);
                }
                self.domains.insert(key(&name), domain);
            }
            NodeEnum::AlterDomainStmt(stmt) => {
                let Some(name) = RelationName::from_name_list(&stmt.type_name) else {
                    return;
                };
                let name = self.qualify_type(&name);
                let Some(domain) = self.domains.get_mut(&key(&name)) else {
                    return;
                };
                match stmt.subtype.as_str() {
                    "C" => {
                        if let Some(con) = stmt.def.as_deref().and_then(constraint_node) {
                            constrain_domain(domain, con);
                        }
                    }
                    "O" => domain.not_null = true,
                    "N" => domain.not_null = false,
                    "X" => {
                        domain.checks.remove(&stmt.name);
                    }
                    _ => {}
                }
            }
            NodeEnum::VariableSetStmt(stmt) if stmt.name == "search_path" => {
                let path: Vec<String> = stmt.args.iter().filter_map(string_value).collect();
                self.set_search_path(path);
            }
            NodeEnum::VariableSetStmt(stmt) if stmt.name.is_empty() => {
                // RESET ALL
                self.reset_session();
            }
            NodeEnum::SelectStmt(stmt) => {
                // pg_dump: SELECT pg_catalog.set_config('search_path', '', false);
                for target in &stmt.target_list {
                    if let Some(path) = set_config_search_path(target) {
                        self.set_search_path(path);
                    }
                }
            }
            _ => {}
        }
    }

    /// `ALTER ... SET SCHEMA` of a relation.
    fn set_schema(&mut self, stmt: &AlterObjectSchemaStmt) {
        let Some(rv) = &stmt.relation else { return };
        let old = self.qualify(&RelationName::from_range_var(rv));
        let new = RelationName::new(Some(&stmt.newschema), &old.name);
        if self.move_relation(&old, &new) {
            // Its indexes and owned sequences move to the new schema with it.
            let indexes: Vec<Key> = self
                .indexes
                .iter()
                .filter(|(_, i)| i.table == new)
                .map(|(k, _)| k.clone())
                .collect();
            for k in indexes {
                if let Some(mut index) = self.indexes.remove(&k) {
                    index.name = RelationName::new(Some(&stmt.newschema), &index.name.name);
                    self.indexes.insert(key(&index.name), index);
                }
            }
            let owned: Vec<Key> = self
                .sequence_owners
                .iter()
                .filter(|(_, (t, _))| *t == new)
                .map(|(k, _)| k.clone())
                .collect();
            for k in owned {
                let seq = RelationName::new(Some(&k.0), &k.1);
                self.move_relation(&seq, &RelationName::new(Some(&stmt.newschema), &k.1));
            }
        }
    }

    fn set_search_path(&mut self, path: Vec<String>) {
        let path: Vec<String> = path
            .iter()
            .flat_map(|p| p.split(','))
            .map(|p| p.trim().trim_matches('"').to_string())
            .filter(|p| !p.is_empty() && p != "$user" && p != "pg_catalog")
            .collect();
        self.search_path = path;
    }

    /// Gives a relation a new name (another table name, another schema):
    /// its indexes, the foreign keys and partitions that point at it, and
    /// the sequences its columns own follow. False when it is unknown.
    fn move_relation(&mut self, old: &RelationName, new: &RelationName) -> bool {
        let Some(mut rel) = self.relations.remove(&key(old)) else {
            return false;
        };
        Arc::make_mut(&mut rel).name = new.clone();
        self.relations.insert(key(new), rel);
        for index in self.indexes.values_mut().filter(|i| i.table == *old) {
            index.table = new.clone();
        }
        for rel in self.relations.values_mut() {
            let references = |c: &TableConstraint| matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if references == old);
            if !rel.constraints.iter().any(references) && rel.partition_of.as_ref() != Some(old) {
                continue; // nothing to change: keep sharing it
            }
            let rel = Arc::make_mut(rel);
            for c in &mut rel.constraints {
                if let ConstraintKind::ForeignKey { references, .. } = &mut c.kind {
                    if references == old {
                        *references = new.clone();
                    }
                }
            }
            if rel.partition_of.as_ref() == Some(old) {
                rel.partition_of = Some(new.clone());
            }
        }
        for (table, _) in self.sequence_owners.values_mut().filter(|(t, _)| t == old) {
            *table = new.clone();
        }
        if let Some(owner) = self.sequence_owners.remove(&key(old)) {
            self.sequence_owners.insert(key(new), owner);
        }
        true
    }

    fn rename(&mut self, stmt: &RenameStmt) {
        let kind = ObjectType::try_from(stmt.rename_type).unwrap_or(ObjectType::Undefined);
        let Some(rv) = &stmt.relation else {
            if matches!(kind, ObjectType::ObjectType | ObjectType::ObjectDomain) {
                if let Some(NodeEnum::List(list)) = stmt.object.as_ref().and_then(|o| o.node.as_ref()) {
                    if let Some(old) = RelationName::from_name_list(&list.items) {
                        self.rename_type(&old, &stmt.newname);
                    }
                }
            }
            if kind == ObjectType::ObjectSchema {
                if let Some(origin) = self.schemas.remove(&stmt.subname) {
                    self.schemas.insert(stmt.newname.clone(), origin);
                }
            }
            return;
        };
        let old = self.qualify(&RelationName::from_range_var(rv));
        let new = RelationName::new(old.schema.as_deref(), &stmt.newname);
        match kind {
            ObjectType::ObjectIndex => {
                if let Some(mut index) = self.indexes.remove(&key(&old)) {
                    index.name = new.clone();
                    self.indexes.insert(key(&new), index);
                }
                // Renaming a constraint's index renames the constraint.
                if let Some(rel) = self
                    .relations
                    .values_mut()
                    .find(|r| r.constraint(&old.name).is_some())
                    .map(Arc::make_mut)
                {
                    if let Some(c) = rel.constraints.iter_mut().find(|c| c.name == old.name) {
                        c.name = stmt.newname.clone();
                    }
                }
            }
            ObjectType::ObjectColumn => {
                let (from, to) = (stmt.subname.clone(), stmt.newname.clone());
                if let Some(rel) = self.relations.get_mut(&key(&old)).map(Arc::make_mut) {
                    if let Some(col) = rel.column_mut(&from) {
                        col.name = to.clone();
                    }
                    for c in &mut rel.constraints {
                        rename_in_constraint(&mut c.kind, &from, &to);
                    }
                }
                for index in self.indexes.values_mut().filter(|i| i.table == old) {
                    for c in index
                        .columns
                        .iter_mut()
                        .chain(index.reads.iter_mut())
                        .filter(|c| **c == from)
                    {
                        *c = to.clone();
                    }
                }
            }
            ObjectType::ObjectTabconstraint => {
                if let Some(rel) = self.relations.get_mut(&key(&old)).map(Arc::make_mut) {
                    if let Some(c) = rel.constraints.iter_mut().find(|c| c.name == stmt.subname) {
                        c.name = stmt.newname.clone();
                    }
                }
                // A primary key's or unique constraint's index is renamed with it.
                let index = RelationName::new(old.schema.as_deref(), &stmt.subname);
                if let Some(mut i) = self.indexes.remove(&key(&index)).filter(|i| i.table == old) {
                    i.name = RelationName::new(old.schema.as_deref(), &stmt.newname);
                    self.indexes.insert(key(&i.name), i);
                }
            }
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable => {
                self.move_relation(&old, &new);
            }
            // Triggers, policies and rules renamed ON a table leave it as it is.
            _ => {}
        }
    }

    /// `ALTER TYPE ... RENAME TO` of an enum or domain: the columns of the
    /// type follow it.
    fn rename_type(&mut self, old: &RelationName, new: &str) {
        let old = self.qualify_type(old);
        let renamed = RelationName::new(old.schema.as_deref(), new);
        if let Some(mut e) = self.enums.remove(&key(&old)) {
            e.name = renamed.clone();
            self.enums.insert(key(&renamed), e);
        } else if let Some(mut d) = self.domains.remove(&key(&old)) {
            d.name = renamed.clone();
            self.domains.insert(key(&renamed), d);
        } else {
            return;
        }
        let of_type =
            |ty: &ColumnType| ty.name == old.name && ty.schema.as_ref().is_none_or(|s| Some(s) == old.schema.as_ref());
        for rel in self.relations.values_mut() {
            if !rel.columns.iter().any(|c| of_type(&c.ty)) {
                continue; // keep sharing it
            }
            for col in Arc::make_mut(rel).columns.iter_mut().filter(|c| of_type(&c.ty)) {
                col.ty.name = new.to_string();
            }
        }
    }

    fn drop(&mut self, stmt: &DropStmt) {
        let kind = ObjectType::try_from(stmt.remove_type).unwrap_or(ObjectType::Undefined);
        let names = dropped_names(&stmt.objects);
        match kind {
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable => {
                for name in names {
                    let name = self.qualify(&name);
                    if self.relations.remove(&key(&name)).is_some() {
                        self.drop_dependents(&name);
                    }
                }
            }
            ObjectType::ObjectIndex => {
                for name in names {
                    let name = self.qualify(&name);
                    self.indexes.remove(&key(&name));
                }
            }
            ObjectType::ObjectType | ObjectType::ObjectDomain => {
                for name in dropped_type_names(&stmt.objects) {
                    let name = self.qualify_type(&name);
                    self.enums.remove(&key(&name));
                    self.domains.remove(&key(&name));
                }
            }
            ObjectType::ObjectSchema => {
                let cascade = stmt.behavior == DropBehavior::DropCascade as i32;
                for schema in stmt.objects.iter().filter_map(string_value) {
                    self.schemas.remove(&schema);
                    if cascade {
                        let gone: Vec<RelationName> = self
                            .relations
                            .values()
                            .filter(|r| r.name.schema.as_deref() == Some(schema.as_str()))
                            .map(|r| r.name.clone())
                            .collect();
                        for name in gone {
                            self.relations.remove(&key(&name));
                            self.drop_dependents(&name);
                        }
                        self.enums.retain(|(s, _), _| *s != schema);
                        self.domains.retain(|(s, _), _| *s != schema);
                        self.routines.retain(|(s, _), _| *s != schema);
                    }
                }
            }
            _ => {}
        }
    }

    /// A dropped table takes its indexes, partitions' link, and the foreign
    /// keys that reference it (CASCADE; without it PostgreSQL refuses).
    fn drop_dependents(&mut self, table: &RelationName) {
        self.indexes.retain(|_, i| i.table != *table);
        self.drop_owned_sequences(table, None);
        self.sequence_owners.remove(&key(table));
        for rel in self.relations.values_mut() {
            let references = |c: &TableConstraint| matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if references == table);
            if !rel.constraints.iter().any(references) && rel.partition_of.as_ref() != Some(table) {
                continue; // nothing to change: keep sharing it
            }
            let rel = Arc::make_mut(rel);
            rel.constraints.retain(|c| !references(c));
            if rel.partition_of.as_ref() == Some(table) {
                rel.partition_of = None;
            }
        }
    }
}

/// `set_config('search_path', 'a, b', false)` in a SELECT target.
fn set_config_search_path(target: &pg_query::Node) -> Option<Vec<String>> {
    let NodeEnum::ResTarget(res) = target.node.as_ref()? else {
        return None;
    };
    let NodeEnum::FuncCall(call) = res.val.as_ref()?.node.as_ref()? else {
        return None;
    };
    let name = call.funcname.last().and_then(string_value)?;
    if name != "set_config" || call.args.len() < 2 {
        return None;
    }
    if string_value(&call.args[0])? != "search_path" {
        return None;
    }
    Some(vec![string_value(&call.args[1])?])
}

/// A CHECK or NOT NULL constraint of `CREATE DOMAIN` or `ALTER DOMAIN ...
/// ADD`.
fn constrain_domain(domain: &mut Domain, con: &pg_query::protobuf::Constraint) {
    match ConstrType::try_from(con.contype) {
        Ok(ConstrType::ConstrCheck) => domain.add_check(&con.conname),
        Ok(ConstrType::ConstrNotnull) => domain.not_null = true,
        _ => {}
    }
}
