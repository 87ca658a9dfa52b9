//! What each statement of a file does and the state it runs in: its facts
//! (locks, rewrites, scans, data loss), the explicit transaction around it,
//! whether a lock timeout is in force, and which tables the file created
//! before it. Rules ask these facts; they never work them out themselves.
//!
//! `analyze` walks a file statement by statement; `StatementContext` is one
//! statement as a rule sees it, and `locate` finds where its clauses are.

pub(crate) mod catalog;
pub(crate) mod created_names;
pub(crate) mod embedded;
mod emptied;
pub(crate) mod facts;
pub(crate) mod guc;
pub(crate) mod locate;
pub(crate) mod locks;
pub(crate) mod mysql;
pub(crate) mod names;
pub(crate) mod rerun;
pub(crate) mod reversal;
pub(crate) mod sqlite;
pub(crate) mod sqlparser_tree;
pub(crate) mod transaction;
pub(crate) mod types;
pub(crate) mod volatility;
mod walk;

use pg_query::protobuf::{AlterTableStmt, ColumnDef, Constraint, ObjectType, RangeVar, TypeName};
use pg_query::NodeEnum;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use crate::input::layout::ScriptInfo;
use crate::input::source::{SourceFile, Span};
use crate::parse::embedded::Step;
use crate::parse::tokens::{self, Token};
use crate::parse::{ParsedFile, Statement};
pub(crate) use crate::settings::SessionTimeZone;
pub use catalog::Catalog;
pub(crate) use catalog::{Origin, Relation};
use embedded::{Embedding, Run, Tail, Unchecked};
pub(crate) use facts::{Facts, RelationLock, ScopedLock};
use locate::Locator;
pub use locks::LockMode;
pub(crate) use locks::LockScope;
pub use names::RelationName;
pub(crate) use transaction::{TransactionControl, TransactionMode};
pub(crate) use walk::{analyze_down_script, analyze_script, replay};

/// What analysis needs to know about the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Options {
    pub pg_version: u32,
    pub transaction: TransactionMode,
    /// A lock timeout is set outside the migrations (on the role, the
    /// database, or by the runner).
    pub assume_lock_timeout: bool,
    /// The longest acceptable `lock_timeout`, in milliseconds.
    pub max_lock_timeout_ms: u64,
    /// The sessions' `TimeZone` (`timezone` in `miglint.toml`).
    pub time_zone: SessionTimeZone,
    /// The configuration says the runner wraps no file in a transaction
    /// (`transaction = "none"`): every file runs in autocommit.
    pub autocommit_declared: bool,
    /// `[naming]`: the naming conventions of `naming-convention`.
    pub naming: Arc<crate::settings::Naming>,
}

/// A parsed file with the facts of every statement, in the order they run:
/// the file's statements, each followed by the statements of the body it
/// runs (a `DO` block's, a called routine's).
pub(crate) struct AnalyzedFile<'a> {
    /// The analysis text: the file's text (with its template placeholders
    /// replaced), followed by the text of the statements found inside it
    /// (`tail`), so that every statement's span is a span of it.
    pub source: Cow<'a, SourceFile>,
    /// The file as written: spans past its end are the tail's.
    pub original: &'a SourceFile,
    pub parsed: &'a ParsedFile,
    pub options: Options,
    pub pg_version: u32,
    pub statements: Vec<StatementState>,
    /// The `BEGIN` of a transaction still open at the end of the file.
    pub unclosed_transaction: Option<Span>,
    /// How the file is run: tool, direction, runner transaction.
    pub script: &'a ScriptInfo,
    /// The runner's transaction is still open at the end of the file.
    pub runner_open_at_end: bool,
    /// The statements found inside others, in analysis-text coordinates
    /// (`Place::Embedded` indexes them).
    pub embedded: Vec<Statement>,
    /// The bodies that run in the file, in the order they start.
    pub runs: Vec<Run>,
    /// SQL that bodies run and miglint could not read.
    pub unchecked: Vec<Unchecked>,
    /// Where the statements found inside others are in the analysis text,
    /// and in the file.
    pub tail: Tail,
    /// For a down script judged with its up script: how the schema it
    /// leaves differs from the schema before the up script.
    pub reversal: Option<reversal::Reversal>,
}

/// Where an analysed statement is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// The file's statement at this index.
    File(usize),
    /// `AnalyzedFile::embedded[index]`: inside a body.
    Embedded(usize),
}

/// The facts of one statement and the state it runs in.
#[derive(Debug)]
pub(crate) struct StatementState {
    pub facts: Facts,
    /// Span of the `BEGIN` of the explicit transaction block it runs in.
    pub transaction: Option<Span>,
    /// It runs inside the transaction the runner opens around the file
    /// (which an explicit `COMMIT` in the file ends early).
    pub implicit_transaction: bool,
    /// The transaction it runs in, explicit or the runner's, numbered in
    /// the file; None when it runs in autocommit (its own transaction).
    pub transaction_id: Option<usize>,
    /// What it does to the transaction, for `BEGIN`, `COMMIT`, savepoints...
    pub control: Option<TransactionControl>,
    /// The `ROLLBACK TO SAVEPOINT` (statement index) that undid it, and
    /// released the locks it took.
    pub undone_by: Option<usize>,
    /// A `lock_timeout` other than 0 is in force when it runs.
    pub lock_timeout_set: bool,
    /// Relations the statement names that the change being judged created,
    /// or that a TRUNCATE of its transaction emptied (as the statement
    /// writes them).
    pub new_relations: Vec<RelationName>,
    /// The catalog entries of the relations the statement names, as they
    /// were before it ran, with the name as written.
    pub relations_before: Vec<(RelationName, Arc<Relation>)>,
    /// Where it is written.
    pub place: Place,
    /// The body step it is, for a statement found inside another.
    pub embedding: Option<Embedding>,
    /// The statement's tokens, scanned once on first use: rules locate
    /// clauses many times per statement, and rescanning each time cost more
    /// than the rest of linting.
    tokens: OnceLock<Vec<Token>>,
}

/// A file run by no known tool (tests analyse plain files).
#[cfg(test)]
pub(crate) static PLAIN_SCRIPT: ScriptInfo = ScriptInfo::plain();

/// Analyses one plain file, replaying it into `catalog` statement by
/// statement (for tests; runs use `analyze_script`).
#[cfg(test)]
pub(crate) fn analyze<'a>(
    source: &'a SourceFile,
    parsed: &'a ParsedFile,
    options: Options,
    catalog: &mut Catalog,
    index: usize,
) -> AnalyzedFile<'a> {
    analyze_script(source, parsed, options, catalog, index, &PLAIN_SCRIPT)
}

/// Marks the statements in `range` as undone by statement `by`, keeping an
/// earlier mark. Ranges come from savepoints, so each is nested in or
/// disjoint from the earlier ones: only the gaps between the ranges it
/// swallows are walked, so marking stays linear however the rollbacks nest.
fn mark_undone(
    statements: &mut [StatementState],
    undone: &mut Vec<std::ops::Range<usize>>,
    range: std::ops::Range<usize>,
    by: usize,
) {
    let mut cursor = range.end;
    while let Some(inner) = undone.last().filter(|r| r.start >= range.start).cloned() {
        for state in &mut statements[inner.end.min(cursor)..cursor] {
            state.undone_by.get_or_insert(by);
        }
        cursor = cursor.min(inner.start);
        undone.pop();
    }
    for state in &mut statements[range.start.min(cursor)..cursor] {
        state.undone_by.get_or_insert(by);
    }
    undone.push(range);
}

/// What the catalog knows, before the statement runs, of the relations it
/// names: which are new in the change, and their definitions.
fn catalog_view(
    catalog: &Catalog,
    node: &NodeEnum,
    facts: &Facts,
) -> (Vec<RelationName>, Vec<(RelationName, Arc<Relation>)>) {
    let mut named: Vec<RelationName> = facts.locks.iter().map(|l| l.relation.clone()).collect();
    named.extend(node.nodes().into_iter().filter_map(|(n, ..)| match n {
        pg_query::NodeRef::RangeVar(rv) => Some(RelationName::from_range_var(rv)),
        _ => None,
    }));
    let mut new_relations = Vec::new();
    // Types are not relations, but a domain or enum the change created is new too.
    let type_name = match node {
        NodeEnum::AlterDomainStmt(stmt) => RelationName::from_name_list(&stmt.type_name),
        NodeEnum::AlterEnumStmt(stmt) => RelationName::from_name_list(&stmt.type_name),
        _ => None,
    };
    if let Some(name) = type_name {
        let origin = catalog
            .domain(&name)
            .map(|d| d.origin)
            .or_else(|| catalog.enum_type(&name).map(|e| e.origin));
        if origin == Some(Origin::Change) {
            new_relations.push(name);
        }
    }
    let mut relations_before: Vec<(RelationName, Arc<Relation>)> = Vec::new();
    for name in named {
        if new_relations.contains(&name) || relations_before.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let relation = catalog.shared_relation(&name);
        let origin = relation
            .map(|r| r.origin)
            .or_else(|| catalog.index(&name).map(|i| i.origin));
        if origin == Some(Origin::Change) {
            new_relations.push(name.clone());
        }
        if let Some(relation) = relation {
            // Shared, not copied: the catalog copies it if it changes later.
            relations_before.push((name, Arc::clone(relation)));
        }
    }
    (new_relations, relations_before)
}

/// What run-level rules see at the run's end: how each input runs, the
/// text of each file judged (None for history, which is replayed, not
/// analysed, and for content that is not SQL text), and the catalog at the
/// end of the run. Findings on a history input are dropped: history is
/// never reported.
pub(crate) struct RunContext<'r> {
    /// How every input of the run runs, history included, by input index.
    pub scripts: &'r [&'r ScriptInfo],
    /// The text of every input judged, by input index.
    pub sources: &'r [Option<&'r SourceFile>],
    /// Each root's catalog at the end of the run, in the order the roots ran;
    /// none in the runs of the replayed dialects (SQLite, MySQL), whose run
    /// checks are the History rules' only.
    pub catalogs: &'r [Catalog],
}

impl<'a> AnalyzedFile<'a> {
    pub(crate) fn statement(&self, index: usize) -> StatementContext<'_> {
        StatementContext { file: self, index }
    }

    pub(crate) fn contexts(&self) -> impl Iterator<Item = StatementContext<'_>> {
        (0..self.statements.len()).map(|index| self.statement(index))
    }

    /// The statements written in the file itself, not inside a body.
    pub(crate) fn top_level(&self) -> impl Iterator<Item = StatementContext<'_>> {
        self.contexts().filter(|c| c.embedding().is_none())
    }

    /// The span of the file a span of the analysis text stands for.
    pub(crate) fn file_span(&self, span: Span) -> Span {
        let text_len = self.parsed.text(self.original).text.len();
        self.parsed.file_span(self.tail.file_span(span, text_len))
    }
}

/// An `ALTER TABLE` on a relation that existed before the file, and the
/// lock it takes on it. (`ALTER INDEX`, `ALTER MATERIALIZED VIEW` and the
/// like are the same statement with another `objtype`.)
pub(crate) struct ExistingRelationAlter<'a> {
    pub stmt: &'a AlterTableStmt,
    /// The relation as written: `name_at(range_var.location)` spans it.
    pub range_var: &'a RangeVar,
    pub relation: RelationName,
    /// The lock the statement takes on the relation: the strongest of its
    /// actions' locks.
    pub lock: &'a RelationLock,
}

/// One statement as a rule sees it.
#[derive(Clone, Copy)]
pub(crate) struct StatementContext<'a> {
    pub file: &'a AnalyzedFile<'a>,
    pub index: usize,
}

impl<'a> StatementContext<'a> {
    pub(crate) fn statement(&self) -> &'a Statement {
        match self.state().place {
            Place::File(i) => &self.file.parsed.statements[i],
            Place::Embedded(i) => &self.file.embedded[i],
        }
    }

    /// The run and body step, for a statement found inside another.
    pub(crate) fn embedding(&self) -> Option<(&'a Run, &'a Step)> {
        let embedding = self.state().embedding?;
        let run = self.file.runs.get(embedding.run)?;
        Some((run, run.step(embedding.step)?))
    }

    /// Where the statement is in the file: its own span, or for a statement
    /// of a routine's body, the call.
    pub(crate) fn file_span(&self) -> Span {
        self.file.file_span(self.span())
    }

    pub(crate) fn node(&self) -> &'a NodeEnum {
        &self.statement().node
    }

    pub(crate) fn span(&self) -> Span {
        self.statement().span
    }

    pub(crate) fn text(&self) -> &'a str {
        self.file.source.slice(self.span())
    }

    pub(crate) fn state(&self) -> &'a StatementState {
        &self.file.statements[self.index]
    }

    pub(crate) fn facts(&self) -> &'a Facts {
        &self.state().facts
    }

    pub(crate) fn pg_version(&self) -> u32 {
        self.file.pg_version
    }

    /// The `BEGIN` span when the statement runs in an explicit transaction.
    pub(crate) fn transaction(&self) -> Option<Span> {
        self.state().transaction
    }

    /// It runs inside the transaction the runner opens around the file.
    pub(crate) fn in_implicit_transaction(&self) -> bool {
        self.state().implicit_transaction
    }

    /// It runs inside a transaction, explicit or the runner's (not in
    /// autocommit).
    pub(crate) fn in_transaction(&self) -> bool {
        self.state().transaction_id.is_some()
    }

    /// What the statement does to the transaction (`BEGIN`, `COMMIT`, ...).
    pub(crate) fn control(&self) -> Option<&'a TransactionControl> {
        self.state().control.as_ref()
    }

    /// The statements that run after this one in the same transaction, in
    /// order, up to the `ROLLBACK TO SAVEPOINT` that undoes this one (which
    /// releases its locks), if any.
    pub(crate) fn later_in_transaction(&self) -> impl Iterator<Item = StatementContext<'a>> + 'a {
        let (file, index) = (self.file, self.index);
        let id = self.state().transaction_id;
        let until = self.state().undone_by.unwrap_or(usize::MAX);
        (index + 1..file.statements.len().min(until))
            .take_while(move |&i| id.is_some() && file.statements[i].transaction_id == id)
            .map(move |i| file.statement(i))
    }

    /// The relation was created by the change being judged (earlier in this
    /// file, or in an earlier file of the same change), or emptied by a
    /// `TRUNCATE` earlier in the transaction: it is new or empty, and
    /// locking it blocks nobody new. Relations the catalog has never seen
    /// count as existing and large.
    pub(crate) fn is_new(&self, relation: &RelationName) -> bool {
        self.state().new_relations.iter().any(|n| n.same_as(relation))
    }

    /// The catalog's definition of a relation the statement names, as it was
    /// before the statement ran; None when the history never created it.
    pub(crate) fn relation_before(&self, relation: &RelationName) -> Option<&'a Relation> {
        self.state()
            .relations_before
            .iter()
            .find(|(written, rel)| written.same_as(relation) || rel.name == *relation)
            .map(|(_, rel)| &**rel)
    }

    /// Locks this statement takes on relations that existed before the change.
    pub(crate) fn locks_on_existing(&self) -> impl Iterator<Item = &'a RelationLock> + 'a {
        let state = self.state();
        self.facts()
            .locks
            .iter()
            .filter(move |l| !state.new_relations.iter().any(|n| n.same_as(&l.relation)))
    }

    /// The lock this statement takes on `relation` when the relation existed
    /// before the file.
    pub(crate) fn lock_on_existing(&self, relation: &RelationName) -> Option<&'a RelationLock> {
        self.locks_on_existing().find(|l| l.relation.same_as(relation))
    }

    /// The statement when it is an `ALTER TABLE`, `ALTER INDEX`, ... on a
    /// relation that existed before the file.
    pub(crate) fn alter_existing_relation(&self) -> Option<ExistingRelationAlter<'a>> {
        let NodeEnum::AlterTableStmt(stmt) = self.node() else {
            return None;
        };
        let range_var = stmt.relation.as_ref()?;
        let relation = RelationName::from_range_var(range_var);
        let lock = self.lock_on_existing(&relation)?;
        Some(ExistingRelationAlter {
            stmt,
            range_var,
            relation,
            lock,
        })
    }

    /// The statement when it is an `ALTER TABLE` on a table that existed
    /// before the file (not on a view, an index, a foreign table, ...).
    pub(crate) fn alter_existing_table(&self) -> Option<ExistingRelationAlter<'a>> {
        self.alter_existing_relation()
            .filter(|alter| alter.stmt.objtype == ObjectType::ObjectTable as i32)
    }

    /// The statement's tokens (comments dropped), scanned on first use.
    pub(crate) fn tokens(&self) -> &'a [Token] {
        self.state()
            .tokens
            .get_or_init(|| tokens::tokenize(&self.file.source.text, self.span()))
    }

    /// Where the statement's clauses are, found from its tokens.
    pub(crate) fn locate(&self) -> Locator<'a> {
        Locator {
            statement: self.statement(),
            text: &self.file.source.text,
            tokens: self.tokens(),
        }
    }

    /// See [`Locator::tokens_in`].
    pub(crate) fn tokens_in(&self, span: Span) -> &'a [Token] {
        self.locate().tokens_in(span)
    }

    /// See [`Locator::clause_from`].
    pub(crate) fn clause_from(&self, word: &str) -> Span {
        self.locate().clause_from(word)
    }

    /// See [`Locator::clause`].
    pub(crate) fn clause(&self, words: &[&str]) -> Span {
        self.locate().clause(words)
    }

    /// See [`Locator::alter_action_span`].
    pub(crate) fn alter_action_span(&self, n: usize) -> Span {
        self.locate().alter_action_span(n)
    }

    /// See [`Locator::column_constraints_with_spans`].
    pub(crate) fn column_constraints_with_spans<'c>(
        &self,
        n: usize,
        col: &'c ColumnDef,
    ) -> Vec<(&'c Constraint, Span)> {
        self.locate().column_constraints_with_spans(n, col)
    }

    /// See [`Locator::text_without`].
    pub(crate) fn text_without(&self, span: Span, removed: &[Span]) -> String {
        self.locate().text_without(span, removed)
    }

    /// See [`Locator::word_at`].
    pub(crate) fn word_at(&self, location: i32) -> Span {
        self.locate().word_at(location)
    }

    /// See [`Locator::call_at`].
    pub(crate) fn call_at(&self, location: i32) -> Span {
        self.locate().call_at(location)
    }

    /// See [`Locator::type_span`].
    pub(crate) fn type_span(&self, type_name: &TypeName) -> Span {
        self.locate().type_span(type_name)
    }

    /// See [`Locator::name_at`].
    pub(crate) fn name_at(&self, location: i32) -> Span {
        self.locate().name_at(location)
    }

    /// See [`Locator::clause_at`].
    pub(crate) fn clause_at(&self, location: i32) -> Span {
        self.locate().clause_at(location)
    }
}

#[cfg(test)]
pub(crate) mod tests;
