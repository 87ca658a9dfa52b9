//! The locks of the queries inside statements: the relations a `SELECT`
//! reads (in a view's definition, `CREATE TABLE AS`, `INSERT ... SELECT`,
//! `MERGE`, the `FROM` of `UPDATE` and `DELETE`), and the sequences
//! `nextval()`, `setval()` and `currval()` touch.
//!
//! Observed on PostgreSQL 15: parse analysis takes ACCESS SHARE on every
//! relation a query names (ROW SHARE under `FOR UPDATE`/`FOR SHARE`); a
//! query that is executed (not a view's stored definition) is rewritten and
//! planned too, which locks the tables behind its views and the partitions
//! and child tables of its tables in the same mode (stated where the catalog
//! knows a relation to be a view, or to have children). A sequence function
//! takes ROW EXCLUSIVE on its sequence. None of these locks blocks reads or
//! writes; the rows the query reads are the planner's choice, so no scan is
//! stated for them.

use pg_query::{NodeEnum, NodeRef};

use super::model::Facts;
use crate::analysis::catalog::{Catalog, RelationKind};
use crate::analysis::locks::LockMode::{self, *};
use crate::analysis::locks::LockScope;
use crate::analysis::names::RelationName;

/// Whether the query runs now (`CREATE TABLE AS`, `INSERT ... SELECT`) or is
/// only stored (`CREATE VIEW`, `... WITH NO DATA`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Query {
    Executed,
    Stored,
}

/// The locks of the relations `node` reads, except `target` (the relation
/// the statement writes or creates, locked by the caller).
pub(super) fn query_locks(
    node: &NodeEnum,
    query: Query,
    target: Option<&RelationName>,
    catalog: Option<&Catalog>,
    facts: &mut Facts,
) {
    let nodes = node.nodes();
    let ctes: Vec<&str> = nodes
        .iter()
        .filter_map(|(n, ..)| match n {
            NodeRef::CommonTableExpr(cte) => Some(cte.ctename.as_str()),
            _ => None,
        })
        .collect();
    let locking = nodes
        .iter()
        .any(|(n, ..)| matches!(n, NodeRef::SelectStmt(s) if !s.locking_clause.is_empty()));
    let mode = if locking { RowShare } else { AccessShare };
    for (n, ..) in &nodes {
        match n {
            NodeRef::RangeVar(rv) => {
                let relation = RelationName::from_range_var(rv);
                let is_cte = rv.schemaname.is_empty() && ctes.contains(&rv.relname.as_str());
                if is_cte || target.is_some_and(|t| t.same_as(&relation)) {
                    continue;
                }
                if let Some(catalog) = catalog.filter(|_| query == Query::Executed) {
                    if catalog
                        .relation(&relation)
                        .is_some_and(|r| r.kind == RelationKind::View)
                    {
                        facts.lock_scoped(LockScope::ViewTables(relation.clone()), mode);
                    }
                    if rv.inh && catalog.has_children(&relation) {
                        facts.lock_scoped(LockScope::Inheritors(relation.clone()), mode);
                    }
                }
                facts.lock(relation, mode);
            }
            NodeRef::FuncCall(call) if query == Query::Executed => {
                if let Some(sequence) = sequence_of_call(call) {
                    facts.lock(sequence, SEQUENCE_FUNCTION_LOCK);
                }
            }
            _ => {}
        }
    }
}

/// The lock `nextval()`, `setval()` and `currval()` take on their sequence.
const SEQUENCE_FUNCTION_LOCK: LockMode = RowExclusive;

/// The sequence of `nextval('name')` (also `setval`, `currval`), when it is
/// written as a literal.
fn sequence_of_call(call: &pg_query::protobuf::FuncCall) -> Option<RelationName> {
    let names: Vec<&str> = crate::parse::ast::strings(&call.funcname).collect();
    let (name, schema) = names.split_last()?;
    if !matches!(*name, "nextval" | "setval" | "currval") || schema.iter().any(|s| *s != "pg_catalog") {
        return None;
    }
    let text = literal_text(call.args.first()?)?;
    let mut parts = text.split('.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, None) => Some(RelationName::new(None, name)),
        (Some(schema), Some(name), None) => Some(RelationName::new(Some(schema), name)),
        _ => None,
    }
}

/// `'text'` or `'text'::regclass`.
fn literal_text(node: &pg_query::Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::TypeCast(cast) => literal_text(cast.arg.as_deref()?),
        NodeEnum::AConst(_) => crate::parse::ast::string_value(node),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts_of(sql: &str, query: Query) -> Facts {
        let node = crate::parse::parse_statement(sql).expect("parses");
        let mut facts = Facts::default();
        query_locks(&node, query, None, None, &mut facts);
        facts
    }

    #[test]
    fn reads_take_access_share_and_ctes_are_not_relations() {
        let facts = facts_of(
            "WITH w AS (SELECT * FROM a) SELECT * FROM w JOIN other.b ON true",
            Query::Executed,
        );
        let mut locked: Vec<String> = facts
            .locks
            .iter()
            .map(|l| format!("{} {}", l.relation, l.mode))
            .collect();
        locked.sort();
        assert_eq!(locked, ["\"a\" ACCESS SHARE", "\"other\".\"b\" ACCESS SHARE"]);
    }

    #[test]
    fn locking_clauses_take_row_share_and_stored_queries_expand_nothing() {
        let facts = facts_of("SELECT * FROM a FOR UPDATE", Query::Stored);
        assert_eq!(facts.locks[0].mode, RowShare);
        assert!(facts.scoped_locks.is_empty());
    }

    #[test]
    fn sequence_functions_lock_their_sequence() {
        let facts = facts_of(
            "SELECT nextval('s'), setval('x.s'::regclass, 1), lower('a')",
            Query::Executed,
        );
        let locked: Vec<String> = facts
            .locks
            .iter()
            .map(|l| format!("{} {}", l.relation, l.mode))
            .collect();
        assert_eq!(locked, ["\"s\" ROW EXCLUSIVE", "\"x\".\"s\" ROW EXCLUSIVE"]);
    }
}
