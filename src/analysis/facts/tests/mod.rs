//! Tests of the facts miglint states per statement; `src/tests/truth`
//! checks the same facts on a real server.

mod alter_table;
mod statements;

use super::{statement_facts, Facts};
use crate::analysis::names::RelationName;

fn facts(sql: &str) -> Facts {
    let parsed = pg_query::parse(sql, 0).unwrap();
    let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
    statement_facts(&node, 16)
}

fn facts_at(sql: &str, pg_version: u32) -> Facts {
    let parsed = pg_query::parse(sql, 0).unwrap();
    let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone().unwrap();
    statement_facts(&node, pg_version)
}

fn names(relations: &[RelationName]) -> Vec<String> {
    relations.iter().map(|r| r.name.clone()).collect()
}

fn modes(sql: &str) -> Vec<(String, &'static str)> {
    facts(sql)
        .locks
        .into_iter()
        .map(|l| (l.relation.name, l.mode.name()))
        .collect()
}

fn scoped(sql: &str) -> Vec<(String, &'static str)> {
    facts(sql)
        .scoped_locks
        .into_iter()
        .map(|l| (l.scope.to_string(), l.mode.name()))
        .collect()
}

fn scoped_scans(sql: &str) -> Vec<String> {
    facts(sql).scoped_scans.iter().map(ToString::to_string).collect()
}

fn scoped_rewrites(sql: &str) -> Vec<String> {
    facts(sql).scoped_rewrites.iter().map(ToString::to_string).collect()
}

fn scoped_new_empty_files(sql: &str) -> Vec<String> {
    facts(sql)
        .scoped_new_empty_files
        .iter()
        .map(ToString::to_string)
        .collect()
}
