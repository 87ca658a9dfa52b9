//! What the MySQL rules say alike: how a statement is named in a message,
//! and the ways to change a large table without blocking it.

use crate::analysis::mysql::{algorithm_name, lock_name, Action, Algorithm, MysqlStatementState, Verdict};

/// `ALTER TABLE \`users\``: the statement's verb and table, as a message
/// starts.
pub(crate) fn subject(statement: &MysqlStatementState<'_>) -> String {
    match &statement.action {
        Action::CreateIndex { index, .. } | Action::DropIndex { index, .. } if !index.is_empty() => {
            format!("{} `{index}` on `{}`", statement.action.verb(), statement.table_name())
        }
        action => format!("{} `{}`", action.verb(), statement.table_name()),
    }
}

/// How the server runs the statement: "ALGORITHM=COPY, LOCK=SHARED at best".
pub(crate) fn how_it_runs(verdict: &Verdict) -> String {
    format!(
        "the server runs this with ALGORITHM={}, LOCK={} at best",
        algorithm_name(verdict.algorithm),
        lock_name(verdict.concurrency)
    )
}

/// The clauses that keep a statement as online as it can be: the server
/// refuses it rather than take a slower way.
pub(crate) fn online_clauses(verdict: &Verdict) -> &'static str {
    // MySQL takes only LOCK=DEFAULT beside ALGORITHM=INSTANT.
    if verdict.algorithm == Algorithm::Instant {
        "ALGORITHM=INSTANT"
    } else {
        "ALGORITHM=INPLACE, LOCK=NONE"
    }
}

/// The online schema change tools, for a change the server cannot make
/// without blocking writes on a large table.
pub(crate) const ONLINE_SCHEMA_CHANGE: &str = "on a large or busy table, make the change with gh-ost or pt-online-schema-change: they copy the rows in small chunks in the background, keep the copy current, and swap the tables in a moment";

/// Where a migration sets its metadata-lock wait.
pub(crate) const SET_LOCK_WAIT_TIMEOUT: &str = "SET SESSION lock_wait_timeout = 5;";
