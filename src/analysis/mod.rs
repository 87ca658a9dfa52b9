//! What each statement of a file does and the state it runs in: its facts
//! (locks, rewrites, scans, data loss), the explicit transaction around it,
//! whether a lock timeout is in force, and which tables the file created
//! before it. Rules ask these facts; they never work them out themselves.

pub mod facts;
pub mod locks;
pub mod names;
pub mod types;
pub mod volatility;

use pg_query::protobuf::{TransactionStmtKind, VariableSetKind};
use pg_query::NodeEnum;

use crate::parse::tokens::{self, Token};
use crate::parse::{ParsedFile, Statement};
use crate::source::{SourceFile, Span};
pub use facts::{Facts, RelationLock};
pub use locks::LockMode;
pub use names::RelationName;

/// A parsed file with the facts of every statement.
pub struct AnalyzedFile<'a> {
    pub source: &'a SourceFile,
    pub parsed: &'a ParsedFile,
    pub pg_version: u32,
    pub statements: Vec<StatementState>,
    /// Relations created by the file, with the index of the creating statement.
    created: Vec<(RelationName, usize)>,
    /// The `BEGIN` of a transaction still open at the end of the file.
    pub unclosed_transaction: Option<Span>,
}

/// The facts of one statement and the state it runs in.
#[derive(Debug)]
pub struct StatementState {
    pub facts: Facts,
    /// Span of the `BEGIN` of the explicit transaction block it runs in.
    pub transaction: Option<Span>,
    /// A `lock_timeout` other than 0 is in force when it runs.
    pub lock_timeout_set: bool,
}

pub fn analyze<'a>(source: &'a SourceFile, parsed: &'a ParsedFile, pg_version: u32) -> AnalyzedFile<'a> {
    let mut statements = Vec::with_capacity(parsed.statements.len());
    let mut created = Vec::new();
    let mut transaction: Option<Span> = None;
    let mut session_timeout = false;
    // `SET LOCAL` overrides the session value until the transaction ends.
    let mut local_timeout: Option<bool> = None;

    for (index, stmt) in parsed.statements.iter().enumerate() {
        statements.push(StatementState {
            facts: facts::statement_facts(&stmt.node, pg_version),
            transaction,
            lock_timeout_set: local_timeout.unwrap_or(session_timeout),
        });
        match &stmt.node {
            NodeEnum::TransactionStmt(tx) => match TransactionStmtKind::try_from(tx.kind) {
                Ok(TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart) => {
                    transaction.get_or_insert(stmt.span);
                }
                Ok(
                    TransactionStmtKind::TransStmtCommit
                    | TransactionStmtKind::TransStmtRollback
                    | TransactionStmtKind::TransStmtPrepare,
                ) => {
                    transaction = None;
                    local_timeout = None;
                }
                _ => {}
            },
            NodeEnum::VariableSetStmt(set) if set.name == "lock_timeout" => {
                let enabled = set.kind == VariableSetKind::VarSetValue as i32 && !setting_is_zero(&set.args);
                if set.is_local {
                    // SET LOCAL outside a transaction block has no effect.
                    if transaction.is_some() {
                        local_timeout = Some(enabled);
                    }
                } else {
                    session_timeout = enabled;
                    local_timeout = None;
                }
            }
            node => {
                for name in created_relations(node) {
                    created.push((name, index));
                }
            }
        }
    }

    AnalyzedFile {
        source,
        parsed,
        pg_version,
        statements,
        created,
        unclosed_transaction: transaction,
    }
}

/// `SET lock_timeout = 0` (or '0', '0s') disables the timeout.
fn setting_is_zero(args: &[pg_query::Node]) -> bool {
    args.iter().any(|arg| match arg.node.as_ref() {
        Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
            Some(pg_query::protobuf::a_const::Val::Ival(i)) => i.ival == 0,
            Some(pg_query::protobuf::a_const::Val::Sval(s)) => {
                s.sval.trim().trim_end_matches(|c: char| c.is_alphabetic()).trim() == "0"
            }
            _ => false,
        },
        _ => false,
    })
}

/// Tables, views and indexes a statement creates.
fn created_relations(node: &NodeEnum) -> Vec<RelationName> {
    match node {
        NodeEnum::CreateStmt(stmt) => stmt.relation.iter().map(RelationName::from_range_var).collect(),
        NodeEnum::CreateTableAsStmt(stmt) => stmt
            .into
            .as_ref()
            .and_then(|into| into.rel.as_ref())
            .map(RelationName::from_range_var)
            .into_iter()
            .collect(),
        NodeEnum::IndexStmt(stmt) if !stmt.idxname.is_empty() => {
            let schema = stmt.relation.as_ref().map(|rv| rv.schemaname.as_str());
            vec![RelationName::new(schema, &stmt.idxname)]
        }
        NodeEnum::ViewStmt(stmt) => stmt.view.iter().map(RelationName::from_range_var).collect(),
        NodeEnum::CreateSeqStmt(stmt) => stmt.sequence.iter().map(RelationName::from_range_var).collect(),
        _ => Vec::new(),
    }
}

impl<'a> AnalyzedFile<'a> {
    pub fn statement(&self, index: usize) -> StatementContext<'_> {
        StatementContext { file: self, index }
    }

    pub fn contexts(&self) -> impl Iterator<Item = StatementContext<'_>> {
        (0..self.statements.len()).map(|index| self.statement(index))
    }

    /// True when an earlier statement of the file created `relation`: it is
    /// new and empty, so locking it blocks nobody.
    pub fn created_before(&self, relation: &RelationName, index: usize) -> bool {
        self.created
            .iter()
            .any(|(name, at)| *at < index && name.same_as(relation))
    }
}

/// One statement as a rule sees it.
#[derive(Clone, Copy)]
pub struct StatementContext<'a> {
    pub file: &'a AnalyzedFile<'a>,
    pub index: usize,
}

impl<'a> StatementContext<'a> {
    pub fn statement(&self) -> &'a Statement {
        &self.file.parsed.statements[self.index]
    }

    pub fn node(&self) -> &'a NodeEnum {
        &self.statement().node
    }

    pub fn span(&self) -> Span {
        self.statement().span
    }

    pub fn text(&self) -> &'a str {
        self.file.source.slice(self.span())
    }

    pub fn state(&self) -> &'a StatementState {
        &self.file.statements[self.index]
    }

    pub fn facts(&self) -> &'a Facts {
        &self.state().facts
    }

    pub fn pg_version(&self) -> u32 {
        self.file.pg_version
    }

    /// The `BEGIN` span when the statement runs in an explicit transaction.
    pub fn transaction(&self) -> Option<Span> {
        self.state().transaction
    }

    /// The relation was created earlier in this file.
    pub fn is_new(&self, relation: &RelationName) -> bool {
        self.file.created_before(relation, self.index)
    }

    /// Locks this statement takes on relations that existed before the file.
    pub fn locks_on_existing(&self) -> impl Iterator<Item = &'a RelationLock> + 'a {
        let file = self.file;
        let index = self.index;
        self.facts()
            .locks
            .iter()
            .filter(move |l| !file.created_before(&l.relation, index))
    }

    pub fn tokens(&self) -> Vec<Token> {
        tokens::tokenize(&self.file.source.text, self.span())
    }

    /// The span of the words (lowercase) in this statement, or the whole
    /// statement when they are not found.
    pub fn clause(&self, words: &[&str]) -> Span {
        tokens::find_words(&self.tokens(), words).unwrap_or(self.span())
    }

    /// The span of the `n`th action of an `ALTER TABLE name action, ...`.
    pub fn alter_action_span(&self, n: usize) -> Span {
        let tokens = self.tokens();
        let NodeEnum::AlterTableStmt(stmt) = self.node() else {
            return self.span();
        };
        let name_end = stmt
            .relation
            .as_ref()
            .and_then(|rv| self.statement().offset_of(rv.location))
            .and_then(|at| tokens.iter().position(|t| t.span.start >= at))
            .map(|first| skip_qualified_name(&tokens, first));
        let Some(actions_start) = name_end else {
            return self.span();
        };
        let parts = tokens::split_top_level_commas(&tokens[actions_start..]);
        if parts.len() != stmt.cmds.len() {
            return self.span();
        }
        parts
            .get(n)
            .and_then(|part| tokens::span_of(part))
            .unwrap_or(self.span())
    }

    /// The span of the word at a parse-tree location (an identifier, a
    /// keyword), falling back to the statement.
    pub fn word_at(&self, location: i32) -> Span {
        let Some(at) = self.statement().offset_of(location) else {
            return self.span();
        };
        self.tokens()
            .into_iter()
            .find(|t| t.span.start == at)
            .map_or(self.span(), |t| t.span)
    }

    /// The span of a node from its location to the end of its last token
    /// before a top-level comma or closing parenthesis.
    pub fn clause_at(&self, location: i32) -> Span {
        let Some(at) = self.statement().offset_of(location) else {
            return self.span();
        };
        let tokens = self.tokens();
        let Some(first) = tokens.iter().position(|t| t.span.start >= at) else {
            return self.span();
        };
        let mut depth = 0i32;
        let mut last = first;
        for (i, t) in tokens.iter().enumerate().skip(first) {
            match t.word.as_str() {
                "(" => depth += 1,
                ")" if depth == 0 => break,
                ")" => depth -= 1,
                "," if depth == 0 => break,
                _ => {}
            }
            last = i;
        }
        Span::new(tokens[first].span.start, tokens[last].span.end)
    }
}

/// Index just past a (possibly qualified, possibly `*`-suffixed) name.
fn skip_qualified_name(tokens: &[Token], mut i: usize) -> usize {
    i += 1;
    while i + 1 < tokens.len() && tokens[i].is(".") {
        i += 2;
    }
    if i < tokens.len() && tokens[i].is("*") {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_file;

    fn with_file<R>(text: &str, f: impl FnOnce(&AnalyzedFile) -> R) -> R {
        let source = SourceFile::new("t.sql", text);
        let parsed = parse_file(&source);
        let file = analyze(&source, &parsed, 16);
        f(&file)
    }

    #[test]
    fn tracks_transactions_and_lock_timeouts() {
        let sql = "SET lock_timeout = '2s';\nBEGIN;\nSET LOCAL lock_timeout = 0;\nALTER TABLE t ADD c int;\nCOMMIT;\nSET lock_timeout = 0;\nALTER TABLE t ADD d int;";
        with_file(sql, |file| {
            let states = &file.statements;
            assert!(states[1].lock_timeout_set);
            assert!(states[3].transaction.is_some());
            assert!(
                !states[3].lock_timeout_set,
                "SET LOCAL 0 disables it for the transaction"
            );
            assert!(states[5].lock_timeout_set, "the session value is back after COMMIT");
            assert!(states[6].transaction.is_none());
            assert!(!states[6].lock_timeout_set);
        });
    }

    #[test]
    fn knows_what_the_file_created() {
        with_file("CREATE TABLE public.t (id int);\nCREATE INDEX i ON t (id);", |file| {
            let ctx = file.statement(1);
            assert!(ctx.locks_on_existing().next().is_none());
            assert!(!file.created_before(&RelationName::new(None, "t"), 0));
        });
    }

    #[test]
    fn finds_each_alter_table_action() {
        with_file(
            "ALTER TABLE ONLY app.t ADD COLUMN a numeric(1, 2), ALTER COLUMN b SET NOT NULL",
            |file| {
                let ctx = file.statement(0);
                assert_eq!(
                    file.source.slice(ctx.alter_action_span(1)),
                    "ALTER COLUMN b SET NOT NULL"
                );
                assert_eq!(
                    file.source.slice(ctx.alter_action_span(0)),
                    "ADD COLUMN a numeric(1, 2)"
                );
            },
        );
    }
}
