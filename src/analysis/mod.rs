//! What each statement of a file does and the state it runs in: its facts
//! (locks, rewrites, scans, data loss), the explicit transaction around it,
//! whether a lock timeout is in force, and which tables the file created
//! before it. Rules ask these facts; they never work them out themselves.

pub mod catalog;
pub mod facts;
pub mod guc;
pub mod locks;
pub mod names;
pub mod transaction;
pub mod types;
pub mod volatility;

use pg_query::protobuf::{AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, ObjectType, RangeVar};
use pg_query::NodeEnum;
use std::sync::{Arc, OnceLock};

use crate::layout::ScriptInfo;
use crate::parse::ast;
use crate::parse::tokens::{self, Token};
use crate::parse::{ParsedFile, Statement};
use crate::source::{SourceFile, Span};
pub use catalog::{Catalog, Location, Origin, Relation};
pub use facts::{Facts, RelationLock, ScopedLock};
pub use locks::{LockMode, LockScope};
pub use names::RelationName;
use transaction::TransactionTracker;
pub use transaction::{TransactionControl, TransactionMode};

/// What analysis needs to know about the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub pg_version: u32,
    pub transaction: TransactionMode,
    /// A lock timeout is set outside the migrations (on the role, the
    /// database, or by the runner).
    pub assume_lock_timeout: bool,
    /// The longest acceptable `lock_timeout`, in milliseconds.
    pub max_lock_timeout_ms: u64,
}

/// A parsed file with the facts of every statement.
pub struct AnalyzedFile<'a> {
    pub source: &'a SourceFile,
    pub parsed: &'a ParsedFile,
    /// The file's place in the run.
    pub index: usize,
    pub options: Options,
    pub pg_version: u32,
    pub statements: Vec<StatementState>,
    /// The `BEGIN` of a transaction still open at the end of the file.
    pub unclosed_transaction: Option<Span>,
    /// How the file is run: tool, direction, runner transaction.
    pub script: &'a ScriptInfo,
    /// The runner's transaction is still open at the end of the file.
    pub runner_open_at_end: bool,
}

/// The facts of one statement and the state it runs in.
#[derive(Debug)]
pub struct StatementState {
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
    /// Relations the statement names that the change being judged created
    /// (as the statement writes them).
    pub new_relations: Vec<RelationName>,
    /// The catalog entries of the relations the statement names, as they
    /// were before it ran, with the name as written.
    pub relations_before: Vec<(RelationName, Arc<Relation>)>,
    /// The statement's tokens, scanned once on first use: rules locate
    /// clauses many times per statement, and rescanning each time cost more
    /// than the rest of linting.
    tokens: OnceLock<Vec<Token>>,
}

/// A file run by no known tool.
pub static PLAIN_SCRIPT: ScriptInfo = ScriptInfo::plain();

/// Analyses one plain file, replaying it into `catalog` statement by
/// statement.
pub fn analyze<'a>(
    source: &'a SourceFile,
    parsed: &'a ParsedFile,
    options: Options,
    catalog: &mut Catalog,
    index: usize,
) -> AnalyzedFile<'a> {
    analyze_script(source, parsed, options, catalog, index, &PLAIN_SCRIPT)
}

/// Analyses one file as `script` says the runner runs it, replaying it into
/// `catalog` statement by statement; what it creates is new in the change.
pub fn analyze_script<'a>(
    source: &'a SourceFile,
    parsed: &'a ParsedFile,
    options: Options,
    catalog: &mut Catalog,
    index: usize,
    script: &'a ScriptInfo,
) -> AnalyzedFile<'a> {
    let pg_version = options.pg_version;
    let mut statements: Vec<StatementState> = Vec::with_capacity(parsed.statements.len());
    let mut tracker = TransactionTracker::new(options.transaction, options.assume_lock_timeout);

    // Ranges of statements a ROLLBACK TO SAVEPOINT undid, nested or disjoint.
    let mut undone: Vec<std::ops::Range<usize>> = Vec::new();
    // Where the runner restarts its transaction (Liquibase changesets).
    let mut segments = script.segments.iter().peekable();
    for (i, stmt) in parsed.statements.iter().enumerate() {
        while let Some(segment) = segments.next_if(|s| s.start <= stmt.span.start) {
            tracker.restart_runner(segment.transaction, Span::new(segment.start, segment.start));
        }
        let mut facts = facts::statement_facts_in(&stmt.node, pg_version, Some(catalog));
        // Children of a table the catalog knows to have none take no lock.
        facts.scoped_locks.retain(|l| catalog.scope_may_reach(&l.scope));
        facts.scoped_rewrites.retain(|scope| catalog.scope_may_reach(scope));
        facts.scoped_scans.retain(|scope| catalog.scope_may_reach(scope));
        let (new_relations, relations_before) = catalog_view(catalog, &stmt.node, &facts);
        statements.push(StatementState {
            facts,
            transaction: tracker.explicit_block(),
            implicit_transaction: tracker.in_runner_transaction(),
            transaction_id: tracker.transaction_id(),
            control: None,
            undone_by: None,
            lock_timeout_set: tracker.lock_timeout_set(),
            new_relations,
            relations_before,
            tokens: OnceLock::new(),
        });
        catalog.apply(
            &stmt.node,
            Origin::Change,
            Some(Location {
                file: index,
                span: stmt.span,
            }),
        );
        let step = tracker.step(i, stmt.span, &stmt.node);
        statements[i].control = step.control;
        if let Some(range) = step.undone {
            mark_undone(&mut statements, &mut undone, range, i);
        }
    }

    AnalyzedFile {
        source,
        parsed,
        index,
        options,
        pg_version,
        statements,
        unclosed_transaction: tracker.explicit_block(),
        script,
        runner_open_at_end: tracker.in_runner_transaction(),
    }
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

/// What run-level rules see: every file of the run (None for files that are
/// not SQL text and for history, which is replayed, not analysed), how each
/// input runs, and the catalog at the end of the run. Findings on a history
/// input are dropped: history is never reported.
pub struct RunContext<'r, 'a> {
    pub files: &'r [Option<AnalyzedFile<'a>>],
    /// How every input of the run runs, history included, by input index.
    pub scripts: &'r [&'a ScriptInfo],
    /// Each root's catalog at the end of the run, in the order the roots ran.
    pub catalogs: &'r [Catalog],
}

impl<'a> AnalyzedFile<'a> {
    pub fn statement(&self, index: usize) -> StatementContext<'_> {
        StatementContext { file: self, index }
    }

    pub fn contexts(&self) -> impl Iterator<Item = StatementContext<'_>> {
        (0..self.statements.len()).map(|index| self.statement(index))
    }
}

/// An `ALTER TABLE` on a relation that existed before the file, and the
/// lock it takes on it. (`ALTER INDEX`, `ALTER MATERIALIZED VIEW` and the
/// like are the same statement with another `objtype`.)
pub struct ExistingRelationAlter<'a> {
    pub stmt: &'a AlterTableStmt,
    /// The relation as written: `name_at(range_var.location)` spans it.
    pub range_var: &'a RangeVar,
    pub relation: RelationName,
    /// The lock the statement takes on the relation: the strongest of its
    /// actions' locks.
    pub lock: &'a RelationLock,
}

impl<'a> ExistingRelationAlter<'a> {
    /// Each action with its position in the statement, the `n` of
    /// `StatementContext::alter_action_span`.
    pub fn actions(&self) -> impl Iterator<Item = (usize, &'a AlterTableCmd)> + 'a {
        let stmt: &'a AlterTableStmt = self.stmt;
        ast::alter_table_actions(&stmt.cmds)
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

    /// It runs inside the transaction the runner opens around the file.
    pub fn in_implicit_transaction(&self) -> bool {
        self.state().implicit_transaction
    }

    /// It runs inside a transaction, explicit or the runner's (not in
    /// autocommit).
    pub fn in_transaction(&self) -> bool {
        self.state().transaction_id.is_some()
    }

    /// What the statement does to the transaction (`BEGIN`, `COMMIT`, ...).
    pub fn control(&self) -> Option<&'a TransactionControl> {
        self.state().control.as_ref()
    }

    /// The statements that ran before this one in the same transaction, in
    /// order, without those a `ROLLBACK TO SAVEPOINT` undid before it.
    pub fn earlier_in_transaction(&self) -> impl Iterator<Item = StatementContext<'a>> + 'a {
        let (file, index) = (self.file, self.index);
        let id = self.state().transaction_id;
        (0..index)
            .filter(move |&i| id.is_some() && file.statements[i].transaction_id == id)
            .filter(move |&i| file.statements[i].undone_by.is_none_or(|by| by > index))
            .map(move |i| file.statement(i))
    }

    /// The statements that run after this one in the same transaction, in
    /// order, up to the `ROLLBACK TO SAVEPOINT` that undoes this one (which
    /// releases its locks), if any.
    pub fn later_in_transaction(&self) -> impl Iterator<Item = StatementContext<'a>> + 'a {
        let (file, index) = (self.file, self.index);
        let id = self.state().transaction_id;
        let until = self.state().undone_by.unwrap_or(usize::MAX);
        (index + 1..file.statements.len().min(until))
            .take_while(move |&i| id.is_some() && file.statements[i].transaction_id == id)
            .map(move |i| file.statement(i))
    }

    /// The relation was created by the change being judged (earlier in this
    /// file, or in an earlier file of the same change): it is new and empty,
    /// so locking it blocks nobody. Relations the catalog has never seen
    /// count as existing and large.
    pub fn is_new(&self, relation: &RelationName) -> bool {
        self.state().new_relations.iter().any(|n| n.same_as(relation))
    }

    /// The catalog's definition of a relation the statement names, as it was
    /// before the statement ran; None when the history never created it.
    pub fn relation_before(&self, relation: &RelationName) -> Option<&'a Relation> {
        self.state()
            .relations_before
            .iter()
            .find(|(written, rel)| written.same_as(relation) || rel.name == *relation)
            .map(|(_, rel)| &**rel)
    }

    /// Locks this statement takes on relations that existed before the change.
    pub fn locks_on_existing(&self) -> impl Iterator<Item = &'a RelationLock> + 'a {
        let state = self.state();
        self.facts()
            .locks
            .iter()
            .filter(move |l| !state.new_relations.iter().any(|n| n.same_as(&l.relation)))
    }

    /// The lock this statement takes on `relation` when the relation existed
    /// before the file.
    pub fn lock_on_existing(&self, relation: &RelationName) -> Option<&'a RelationLock> {
        self.locks_on_existing().find(|l| l.relation.same_as(relation))
    }

    /// The statement when it is an `ALTER TABLE`, `ALTER INDEX`, ... on a
    /// relation that existed before the file.
    pub fn alter_existing_relation(&self) -> Option<ExistingRelationAlter<'a>> {
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
    pub fn alter_existing_table(&self) -> Option<ExistingRelationAlter<'a>> {
        self.alter_existing_relation()
            .filter(|alter| alter.stmt.objtype == ObjectType::ObjectTable as i32)
    }

    /// The statement's tokens (comments dropped), scanned on first use.
    pub fn tokens(&self) -> &'a [Token] {
        self.state()
            .tokens
            .get_or_init(|| tokens::tokenize(&self.file.source.text, self.span()))
    }

    /// The tokens of this statement inside `span`. Tokens are in order and
    /// do not overlap, so those inside `span` are one contiguous run.
    pub fn tokens_in(&self, span: Span) -> &'a [Token] {
        let tokens = self.tokens();
        let from = tokens.partition_point(|t| t.span.start < span.start);
        let to = tokens.partition_point(|t| t.span.end <= span.end).max(from);
        &tokens[from..to]
    }

    /// From the first `word` token (lowercase) to the end of the statement,
    /// or the whole statement when it is not found.
    pub fn clause_from(&self, word: &str) -> Span {
        let span = self.span();
        self.tokens()
            .iter()
            .find(|t| t.is(word))
            .map_or(span, |t| Span::new(t.span.start, span.end))
    }

    /// The span of the words (lowercase) in this statement, or the whole
    /// statement when they are not found.
    pub fn clause(&self, words: &[&str]) -> Span {
        tokens::find_words(self.tokens(), words).unwrap_or(self.span())
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
            .map(|first| skip_qualified_name(tokens, first));
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

    /// The constraints of the column that the `n`th action (`ADD COLUMN`)
    /// defines, in the order of `col.constraints`, each with its span: from
    /// its first word (`CONSTRAINT`, `DEFAULT`, `REFERENCES`, ...) to the end
    /// of its last token before the next constraint, taking along the
    /// attributes that belong to it (`DEFERRABLE`, `INITIALLY ...`). A
    /// constraint that cannot be located gets the action's span.
    pub fn column_constraints_with_spans<'c>(&self, n: usize, col: &'c ColumnDef) -> Vec<(&'c Constraint, Span)> {
        let spans = self.column_constraint_spans(n, col);
        col.constraints
            .iter()
            .zip(spans)
            .filter_map(|(node, span)| match node.node.as_ref() {
                Some(NodeEnum::Constraint(con)) => Some((con.as_ref(), span)),
                _ => None,
            })
            .collect()
    }

    /// The span of each node of `col.constraints`, as
    /// `column_constraints_with_spans` finds them.
    fn column_constraint_spans(&self, n: usize, col: &ColumnDef) -> Vec<Span> {
        let action = self.alter_action_span(n);
        let tokens = self.tokens_in(action);
        let constraints: Vec<Option<&Constraint>> = col
            .constraints
            .iter()
            .map(|c| match c.node.as_ref() {
                Some(NodeEnum::Constraint(con)) => Some(con.as_ref()),
                _ => None,
            })
            .collect();
        let start_of = |con: &Constraint| self.statement().offset_of(con.location);
        constraints
            .iter()
            .enumerate()
            .map(|(i, con)| {
                let Some(start) = con.and_then(start_of) else {
                    return action;
                };
                let end = constraints[i + 1..]
                    .iter()
                    .flatten()
                    .filter(|next| !ast::is_constraint_attribute(next))
                    .find_map(|next| start_of(next))
                    .filter(|&end| end > start)
                    .unwrap_or(action.end);
                let inside: Vec<&Token> = tokens
                    .iter()
                    .filter(|t| t.span.start >= start && t.span.start < end)
                    .collect();
                match (inside.first(), inside.last()) {
                    (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
                    _ => action,
                }
            })
            .collect()
    }

    /// The text of `span` on one line, without comments, with the `removed`
    /// spans cut out: `ADD COLUMN c uuid DEFAULT f() NOT NULL` without the
    /// default is `ADD COLUMN c uuid NOT NULL`. Spacing between tokens is
    /// kept unless it holds a line break, a comment or a cut.
    pub fn text_without(&self, span: Span, removed: &[Span]) -> String {
        let text = &self.file.source.text;
        let mut out = String::new();
        let mut previous: Option<Span> = None;
        for token in self.tokens() {
            let t = token.span;
            if !span.contains(t) || removed.iter().any(|r| r.contains(t)) {
                if previous.is_some() && span.contains(t) {
                    previous = Some(Span::new(t.end, t.end)); // a cut: one space
                }
                continue;
            }
            if let Some(p) = previous {
                let gap = text.get(p.end..t.start).unwrap_or(" ");
                let keep = p.start < p.end && gap.chars().all(|c| c == ' ' || c == '\t');
                out.push_str(if keep { gap } else { " " });
            }
            out.push_str(&text[t.start..t.end]);
            previous = Some(t);
        }
        out
    }

    /// The span of the word at a parse-tree location (an identifier, a
    /// keyword), falling back to the statement.
    pub fn word_at(&self, location: i32) -> Span {
        let Some(at) = self.statement().offset_of(location) else {
            return self.span();
        };
        self.tokens()
            .iter()
            .find(|t| t.span.start == at)
            .map_or(self.span(), |t| t.span)
    }

    /// The span of a column type as written, from its location to its last
    /// word: `character varying(20)`, `timestamp(3) without time zone`,
    /// `int[]`, `public.citext`, `interval day to second`.
    pub fn type_span(&self, type_name: &pg_query::protobuf::TypeName) -> Span {
        let Some(at) = self.statement().offset_of(type_name.location) else {
            return self.span();
        };
        let tokens = self.tokens();
        let Some(first) = tokens.iter().position(|t| t.span.start >= at) else {
            return self.span();
        };
        let is_interval = types::base_name(type_name) == "interval";
        let word = |i: usize| tokens.get(i).map_or("", |t| t.word.as_str());
        let mut next = first + 1;
        loop {
            next = match word(next) {
                "." => next + 2,
                "(" | "[" => match matching_close(tokens, next) {
                    Some(close) => close + 1,
                    None => break,
                },
                "varying" | "precision" | "array" => next + 1,
                "with" | "without" if word(next + 1) == "time" && word(next + 2) == "zone" => next + 3,
                "year" | "month" | "day" | "hour" | "minute" | "second" | "to" if is_interval => next + 1,
                _ => break,
            };
        }
        let last = next.min(tokens.len()) - 1;
        Span::new(tokens[first].span.start, tokens[last].span.end)
    }

    /// The span of the possibly qualified name (`app.users`) at a
    /// parse-tree location, falling back to the statement.
    pub fn name_at(&self, location: i32) -> Span {
        let Some(at) = self.statement().offset_of(location) else {
            return self.span();
        };
        let tokens = self.tokens();
        let Some(first) = tokens.iter().position(|t| t.span.start == at) else {
            return self.span();
        };
        let end = skip_qualified_name(tokens, first).min(tokens.len());
        match tokens[first..end].iter().rposition(|t| !t.is("*")) {
            Some(last) => Span::new(tokens[first].span.start, tokens[first + last].span.end),
            None => self.span(),
        }
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

/// Index of the bracket closing the one at `open`.
fn matching_close(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.word.as_str() {
            "(" | "[" => depth += 1,
            ")" | "]" => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
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
        let options = Options {
            pg_version: 16,
            transaction: TransactionMode::None,
            assume_lock_timeout: false,
            max_lock_timeout_ms: 10_000,
        };
        let file = analyze(&source, &parsed, options, &mut Catalog::default(), 0);
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
    fn reset_all_rollback_and_chain() {
        let sql = "SET lock_timeout = '2s';\nRESET ALL;\nALTER TABLE t ADD c int;";
        with_file(sql, |file| assert!(!file.statements[2].lock_timeout_set));
        let sql = "BEGIN;\nSET lock_timeout = '2s';\nROLLBACK;\nALTER TABLE t ADD c int;";
        with_file(sql, |file| {
            assert!(file.statements[2].lock_timeout_set);
            assert!(!file.statements[3].lock_timeout_set, "ROLLBACK undoes a session SET");
        });
        let sql = "BEGIN;\nSET LOCAL lock_timeout = '2s';\nCOMMIT AND CHAIN;\nALTER TABLE t ADD c int;";
        with_file(sql, |file| {
            assert!(
                file.statements[3].transaction.is_some(),
                "AND CHAIN opens the next transaction"
            );
            assert!(
                !file.statements[3].lock_timeout_set,
                "SET LOCAL ends with its transaction"
            );
            assert!(file.unclosed_transaction.is_some());
        });
    }

    #[test]
    fn statements_of_the_same_transaction() {
        let sql = "SELECT 0;\nBEGIN;\nSAVEPOINT s;\nALTER TABLE t ADD a int;\nROLLBACK TO SAVEPOINT s;\nALTER TABLE t ADD b int;\nCOMMIT;\nSELECT 1;";
        with_file(sql, |file| {
            let indexes = |it: &mut dyn Iterator<Item = StatementContext>| it.map(|c| c.index).collect::<Vec<_>>();
            assert!(!file.statement(0).in_transaction());
            assert_eq!(
                indexes(&mut file.statement(0).later_in_transaction()),
                Vec::<usize>::new()
            );
            assert_eq!(file.statements[3].undone_by, Some(4));
            assert_eq!(
                indexes(&mut file.statement(5).earlier_in_transaction()),
                [2, 4],
                "the undone ALTER is left out"
            );
            assert_eq!(
                indexes(&mut file.statement(3).later_in_transaction()),
                Vec::<usize>::new(),
                "its lock ends at the ROLLBACK TO"
            );
            assert_eq!(indexes(&mut file.statement(5).later_in_transaction()), [6]);
            assert_eq!(file.statement(1).control(), Some(&TransactionControl::Begin));
            assert!(file.statement(7).control().is_none() && !file.statement(7).in_transaction());
        });
    }

    #[test]
    fn nested_rollbacks_to_savepoints() {
        let sql = "BEGIN; SAVEPOINT a; SELECT 1; SAVEPOINT b; SELECT 2; ROLLBACK TO b; SELECT 3; ROLLBACK TO a; SELECT 4; COMMIT;";
        with_file(sql, |file| {
            let undone: Vec<Option<usize>> = file.statements.iter().map(|s| s.undone_by).collect();
            assert_eq!(
                undone,
                [
                    None,
                    None,
                    Some(7),
                    Some(7),
                    Some(5),
                    Some(7),
                    Some(7),
                    None,
                    None,
                    None
                ]
            );
        });
    }

    #[test]
    fn spans_column_types_as_written() {
        let sql = "CREATE TABLE t (a character varying(20) NOT NULL, b timestamp(3) without time zone, c int[], d public.citext DEFAULT 'x', e interval day to second, f double precision)";
        with_file(sql, |file| {
            let ctx = file.statement(0);
            let NodeEnum::CreateStmt(create) = ctx.node() else {
                panic!()
            };
            let spans: Vec<&str> = create
                .table_elts
                .iter()
                .filter_map(|e| match e.node.as_ref() {
                    Some(NodeEnum::ColumnDef(col)) => col.type_name.as_ref(),
                    _ => None,
                })
                .map(|t| file.source.slice(ctx.type_span(t)))
                .collect();
            assert_eq!(
                spans,
                [
                    "character varying(20)",
                    "timestamp(3) without time zone",
                    "int[]",
                    "public.citext",
                    "interval day to second",
                    "double precision"
                ]
            );
        });
        with_file(
            "ALTER TABLE t ALTER COLUMN c TYPE varchar(3) USING c::varchar",
            |file| {
                let ctx = file.statement(0);
                let NodeEnum::AlterTableStmt(alter) = ctx.node() else {
                    panic!()
                };
                let cmd = ast::alter_table_cmds(&alter.cmds).next().unwrap();
                let Some(NodeEnum::ColumnDef(col)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
                    panic!()
                };
                assert_eq!(
                    file.source.slice(ctx.type_span(col.type_name.as_ref().unwrap())),
                    "varchar(3)"
                );
            },
        );
    }

    #[test]
    fn children_the_catalog_rules_out_take_no_lock() {
        let sql = "CREATE TABLE plain (id bigint);\nALTER TABLE plain ADD COLUMN a int;\n\
                   CREATE TABLE parted (id bigint) PARTITION BY RANGE (id);\n\
                   CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);\n\
                   ALTER TABLE parted ADD COLUMN a int;\nALTER TABLE unknown ADD COLUMN a int;";
        with_file(sql, |file| {
            let scoped = |i: usize| file.statements[i].facts.scoped_locks.len();
            assert_eq!(scoped(1), 0, "a table without children");
            assert_eq!(scoped(4), 1, "a partitioned table with a partition");
            assert_eq!(scoped(5), 1, "a table miglint has never seen may have children");
        });
    }

    #[test]
    fn knows_what_the_file_created() {
        with_file("CREATE TABLE public.t (id int);\nCREATE INDEX i ON t (id);", |file| {
            let ctx = file.statement(1);
            assert!(ctx.locks_on_existing().next().is_none());
            assert!(!file.statement(0).is_new(&RelationName::new(None, "t")));
            assert!(file.statement(1).is_new(&RelationName::new(None, "t")));
        });
    }

    #[test]
    fn spans_qualified_names() {
        with_file("REINDEX (VERBOSE) INDEX app.\"Users_idx\";", |file| {
            let ctx = file.statement(0);
            let NodeEnum::ReindexStmt(stmt) = ctx.node() else {
                panic!()
            };
            let location = stmt.relation.as_ref().map_or(-1, |rv| rv.location);
            assert_eq!(file.source.slice(ctx.name_at(location)), "app.\"Users_idx\"");
        });
    }

    #[test]
    fn names_span_their_schema() {
        with_file("DELETE FROM app . \"Orders\" o", |file| {
            let ctx = file.statement(0);
            let NodeEnum::DeleteStmt(delete) = ctx.node() else {
                panic!("not a delete")
            };
            let location = delete.relation.as_ref().map_or(-1, |rv| rv.location);
            assert_eq!(file.source.slice(ctx.name_at(location)), "app . \"Orders\"");
            assert_eq!(file.source.slice(ctx.name_at(-1)), "DELETE FROM app . \"Orders\" o");
        });
    }

    #[test]
    fn alters_of_existing_tables() {
        let sql = "CREATE TABLE app.n (a int);\n\
                   ALTER TABLE n ADD b int;\n\
                   ALTER TABLE app.n ADD b int;\n\
                   ALTER TABLE ONLY public.t SET (fillfactor = 70), ALTER COLUMN a SET NOT NULL;\n\
                   ALTER INDEX i SET TABLESPACE fast;\n\
                   ALTER TABLE t RENAME TO u;";
        with_file(sql, |file| {
            let alter = file.statement(1).alter_existing_table().expect("public.n is not app.n");
            assert_eq!(alter.relation, RelationName::new(None, "n"));
            assert!(file.statement(2).alter_existing_table().is_none(), "app.n is new");

            let ctx = file.statement(3);
            let alter = ctx.alter_existing_table().unwrap();
            assert_eq!(alter.relation, RelationName::new(Some("public"), "t"));
            assert_eq!(file.source.slice(ctx.name_at(alter.range_var.location)), "public.t");
            assert_eq!(
                alter.lock.mode,
                LockMode::AccessExclusive,
                "the strongest of its actions"
            );
            assert_eq!(Some(alter.lock), ctx.lock_on_existing(&RelationName::new(None, "t")));
            let actions: Vec<(&str, &str)> = alter
                .actions()
                .map(|(n, cmd)| (file.source.slice(ctx.alter_action_span(n)), cmd.name.as_str()))
                .collect();
            assert_eq!(
                actions,
                [("SET (fillfactor = 70)", ""), ("ALTER COLUMN a SET NOT NULL", "a")]
            );

            let index = file.statement(4);
            assert!(index.alter_existing_table().is_none(), "an index is not a table");
            assert_eq!(index.alter_existing_relation().unwrap().relation.name, "i");
            assert!(
                file.statement(5).alter_existing_relation().is_none(),
                "RENAME is another statement"
            );
            assert_eq!(
                file.source.slice(file.statement(5).clause_from("rename")),
                "RENAME TO u"
            );
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

    #[test]
    fn writes_an_action_on_one_line_without_some_clauses() {
        let sql = "ALTER TABLE t ADD COLUMN c numeric(10, 2) -- money\n  DEFAULT random()  NOT NULL";
        with_file(sql, |file| {
            let ctx = file.statement(0);
            let action = ctx.alter_action_span(0);
            assert_eq!(
                ctx.text_without(action, &[]),
                "ADD COLUMN c numeric(10, 2) DEFAULT random()  NOT NULL"
            );
            let default = ctx.clause(&["default", "random", "(", ")"]);
            assert_eq!(
                ctx.text_without(action, &[default]),
                "ADD COLUMN c numeric(10, 2) NOT NULL"
            );
        });
    }

    #[test]
    fn finds_each_constraint_of_an_added_column() {
        let sql = "ALTER TABLE t ADD COLUMN c bigint DEFAULT (1 + 2) CONSTRAINT fk REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED CHECK (c > 0) NOT NULL, ADD d int";
        with_file(sql, |file| {
            let ctx = file.statement(0);
            let NodeEnum::AlterTableStmt(stmt) = ctx.node() else {
                panic!()
            };
            let NodeEnum::AlterTableCmd(cmd) = stmt.cmds[0].node.as_ref().unwrap() else {
                panic!()
            };
            let NodeEnum::ColumnDef(col) = cmd.def.as_ref().unwrap().node.as_ref().unwrap() else {
                panic!()
            };
            let spans: Vec<&str> = ctx
                .column_constraints_with_spans(0, col)
                .into_iter()
                .map(|(_, s)| file.source.slice(s))
                .collect();
            assert_eq!(
                spans,
                [
                    "DEFAULT (1 + 2)",
                    "CONSTRAINT fk REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED",
                    "DEFERRABLE INITIALLY DEFERRED",
                    "INITIALLY DEFERRED",
                    "CHECK (c > 0)",
                    "NOT NULL"
                ]
            );
        });
    }
}
