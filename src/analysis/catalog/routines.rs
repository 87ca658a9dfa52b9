//! Functions and procedures the migrations (or the schema dump) created,
//! with their bodies: a call runs the body, so the statements in it are
//! judged where the call is.

use std::sync::Arc;

use pg_query::protobuf::{DropStmt, ObjectType};
use pg_query::NodeEnum;

use super::model::{key, Catalog, Key};
use crate::analysis::names::RelationName;
use crate::parse::ast::string_value;
use crate::parse::embedded::{Body, BodyKind, Signature};

impl Catalog {
    /// Remembers a routine's body (`CREATE [OR REPLACE] FUNCTION` or
    /// `PROCEDURE`): one with the same name that takes as many arguments is
    /// replaced.
    pub(crate) fn define_routine(&mut self, body: &Arc<Body>) {
        let BodyKind::Routine(signature) = &body.kind else {
            return;
        };
        let name = self.qualify_routine(signature);
        let overloads = self.routines.entry(key(&name)).or_default();
        overloads.retain(|(other, _)| !same_arguments(other, signature));
        overloads.push((signature.clone(), Arc::clone(body)));
    }

    /// The body of the routine a call of `name` with `args` arguments
    /// reaches, following the search path; the latest defined when several
    /// could.
    pub(crate) fn routine(&self, name: &RelationName, args: usize) -> Option<&Arc<Body>> {
        fn fits(overloads: &[(Signature, Arc<Body>)], args: usize) -> Option<&Arc<Body>> {
            overloads
                .iter()
                .rev()
                .find(|(signature, _)| signature.accepts(args))
                .map(|(_, body)| body)
        }
        match &name.schema {
            Some(_) => self.routines.get(&key(name)).and_then(|o| fits(o, args)),
            None => self
                .search_path
                .iter()
                .chain(std::iter::once(&"pg_temp".to_string()))
                .find_map(|schema| {
                    let overloads = self.routines.get(&(schema.clone(), name.name.clone()))?;
                    fits(overloads, args)
                }),
        }
    }

    /// `DROP FUNCTION`, `DROP PROCEDURE`, `DROP ROUTINE`: with argument types
    /// written, the overload taking that many; otherwise every one.
    pub(super) fn drop_routines(&mut self, stmt: &DropStmt) {
        if !is_routine(stmt.remove_type) {
            return;
        }
        for object in &stmt.objects {
            let Some(NodeEnum::ObjectWithArgs(with_args)) = object.node.as_ref() else {
                continue;
            };
            let Some(name) = RelationName::from_name_list(&with_args.objname) else {
                continue;
            };
            let k = key(&self.qualify_by(&name, |k| self.routines.contains_key(k)));
            let Some(overloads) = self.routines.get_mut(&k) else {
                continue;
            };
            if with_args.args_unspecified {
                overloads.clear();
            } else {
                let args = with_args.objargs.len();
                overloads.retain(|(signature, _)| signature.max != Some(args));
            }
            if overloads.is_empty() {
                self.routines.remove(&k);
            }
        }
    }

    /// `ALTER FUNCTION ... RENAME TO` and `... SET SCHEMA` (and the same for
    /// procedures and routines): every overload moves.
    pub(super) fn move_routine(&mut self, node: &NodeEnum) {
        let (object, schema, name) = match node {
            NodeEnum::RenameStmt(stmt) if is_routine(stmt.rename_type) => {
                (stmt.object.as_deref(), None, Some(&stmt.newname))
            }
            NodeEnum::AlterObjectSchemaStmt(stmt) if is_routine(stmt.object_type) => {
                (stmt.object.as_deref(), Some(&stmt.newschema), None)
            }
            _ => return,
        };
        let Some(NodeEnum::ObjectWithArgs(with_args)) = object.and_then(|o| o.node.as_ref()) else {
            return;
        };
        let Some(old) = RelationName::from_name_list(&with_args.objname) else {
            return;
        };
        let old = self.qualify_by(&old, |k| self.routines.contains_key(k));
        let new = RelationName::new(
            schema.map(String::as_str).or(old.schema.as_deref()),
            name.map_or(old.name.as_str(), String::as_str),
        );
        let from: Key = key(&old);
        if let Some(overloads) = self.routines.remove(&from) {
            self.routines.entry(key(&new)).or_default().extend(overloads);
        }
    }

    /// The schema-qualified name of a routine being created.
    fn qualify_routine(&self, signature: &Signature) -> RelationName {
        let name = RelationName::new(signature.schema.as_deref(), &signature.name);
        self.qualify_by(&name, |_| false)
    }
}

fn is_routine(object_type: i32) -> bool {
    matches!(
        ObjectType::try_from(object_type),
        Ok(ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine)
    )
}

/// Two signatures a call cannot tell apart by the number of arguments.
fn same_arguments(a: &Signature, b: &Signature) -> bool {
    a.required == b.required && a.max == b.max && a.procedure == b.procedure
}

/// The name a routine is called by: `f` or `app.f`, from a call's name list.
pub(crate) fn called_name(names: &[pg_query::Node]) -> Option<RelationName> {
    let parts: Vec<String> = names.iter().filter_map(string_value).collect();
    match parts.as_slice() {
        [name] => Some(RelationName::new(None, name)),
        [.., schema, name] => Some(RelationName::new(Some(schema), name)),
        [] => None,
    }
}
