//! Walks a file statement by statement, in the order they run: each
//! statement of the file, and after a `DO` block or a call of a routine the
//! catalog knows, the statements of its body. Each gets its facts, the
//! catalog as it was before it, and the transaction and lock timeout it runs
//! under; then it is applied to the catalog.
//!
//! A `DO` block or a call runs as one statement: its body's statements run
//! in the transaction open around it, or, in autocommit, in one of its own
//! that ends with it (unless its `COMMIT`s end it earlier, where PostgreSQL
//! allows them).

use std::borrow::Cow;
use std::sync::Arc;

use pg_query::protobuf::TransactionStmtKind;
use pg_query::{NodeEnum, NodeRef};

use super::catalog::{called_name, Catalog, Location, Origin};
use super::embedded::{Embedding, Run, RunKind, Tail, Unchecked};
use super::emptied::Emptied;
use super::facts;
use super::locate::Locator;
use super::reversal::Tracer;
use super::transaction::{TransactionControl, TransactionTracker};
use super::{catalog_view, mark_undone, AnalyzedFile, Options, Place, StatementState};
use crate::input::layout::ScriptInfo;
use crate::input::source::{SourceFile, Span};
use crate::parse::embedded::{Body, BodyKind, Embedded, SpanMap, StepKind};
use crate::parse::{tokens, ParsedFile, Statement};

/// Runs inside runs (a routine calling a routine) are followed this deep.
const MAX_RUN_DEPTH: usize = 8;
/// At most this many statements of bodies are analysed per file: a routine
/// called many times is analysed at each call.
const MAX_EMBEDDED: usize = 20_000;

/// Analyses one file as `script` says the runner runs it, replaying it into
/// `catalog` statement by statement; what it creates is new in the change.
pub(crate) fn analyze_script<'a>(
    source: &'a SourceFile,
    parsed: &'a ParsedFile,
    options: Options,
    catalog: &mut Catalog,
    index: usize,
    script: &'a ScriptInfo,
) -> AnalyzedFile<'a> {
    analyze_traced(source, parsed, options, catalog, index, script, None).0
}

/// Analyses a down script as `analyze_script` does, starting from the
/// catalog its up script left, and compares the schema it leaves with
/// `before_up`, the schema before its up script (`AnalyzedFile::reversal`).
/// `complete` when the history before the up script was replayed whole.
#[allow(clippy::too_many_arguments)]
pub(crate) fn analyze_down_script<'a>(
    source: &'a SourceFile,
    parsed: &'a ParsedFile,
    options: Options,
    catalog: &mut Catalog,
    index: usize,
    script: &'a ScriptInfo,
    before_up: &Catalog,
    complete: bool,
) -> AnalyzedFile<'a> {
    // Liquibase rolls a file's changesets back in reverse, its rollback
    // lines are taken in the order written: which statement meets what is
    // not known.
    let in_order = script.segments.len() <= 1;
    let tracer = Tracer::new(before_up, catalog.clone(), complete, in_order);
    let (mut file, tracer) = analyze_traced(source, parsed, options, catalog, index, script, Some(tracer));
    // An empty down script says the migration is not rolled back: nothing
    // to compare (`missing-down-migration` is about those).
    if let Some(tracer) = tracer.filter(|_| parsed.has_code) {
        let unreadable = !parsed.problems.is_empty() || !file.unchecked.is_empty();
        file.reversal = Some(tracer.finish(catalog, unreadable));
    }
    file
}

fn analyze_traced<'a, 't>(
    source: &'a SourceFile,
    parsed: &'a ParsedFile,
    options: Options,
    catalog: &mut Catalog,
    index: usize,
    script: &'a ScriptInfo,
    trace: Option<Tracer<'t>>,
) -> (AnalyzedFile<'a>, Option<Tracer<'t>>) {
    let original = source;
    // With template placeholders, statements are spans of the substituted text.
    let source = parsed.text(original);
    let tracker = TransactionTracker::new(options.transaction, options.assume_lock_timeout);
    let mut walker = Walker {
        source,
        options,
        catalog,
        index,
        statements: Vec::with_capacity(parsed.statements.len()),
        tracker,
        undone: Vec::new(),
        embedded: Vec::new(),
        runs: Vec::new(),
        unchecked: Vec::new(),
        tail: Tail::new(source.text.len()),
        emptied: Emptied::default(),
        stack: Vec::new(),
        trace,
    };
    // Where the runner restarts its transaction (Liquibase changesets).
    let mut segments = script.segments.iter().peekable();
    for (i, stmt) in parsed.statements.iter().enumerate() {
        while let Some(segment) = segments.next_if(|s| s.start <= parsed.file_span(stmt.span).start) {
            let at = parsed.text_offset(segment.start);
            walker.tracker.restart_runner(segment.transaction, Span::new(at, at));
        }
        let written = Written {
            text: &source.text,
            statement: stmt,
            map: None,
        };
        walker.statement(Place::File(i), stmt.span, written, None, parsed.body(i).cloned());
    }
    let Walker {
        statements,
        tracker,
        embedded,
        runs,
        unchecked,
        tail,
        options,
        trace,
        ..
    } = walker;
    let analysis_source = if tail.text.is_empty() {
        Cow::Borrowed(source)
    } else {
        Cow::Owned(SourceFile::new(
            source.path.clone(),
            format!("{}\n{}", source.text, tail.text),
        ))
    };
    let file = AnalyzedFile {
        source: analysis_source,
        original,
        parsed,
        pg_version: options.pg_version,
        options,
        statements,
        unclosed_transaction: tracker.explicit_block(),
        script,
        runner_open_at_end: tracker.in_runner_transaction(),
        embedded,
        runs,
        unchecked,
        tail,
        reversal: None,
    };
    (file, trace)
}

/// A statement as it is written: the text it is in, its span and parse tree
/// in that text, and the map from that text to the file (None for the file
/// itself).
struct Written<'t> {
    text: &'t str,
    statement: &'t Statement,
    map: Option<&'t SpanMap>,
}

struct Walker<'a, 'c, 't> {
    source: &'a SourceFile,
    options: Options,
    catalog: &'c mut Catalog,
    index: usize,
    statements: Vec<StatementState>,
    tracker: TransactionTracker,
    /// Ranges of statements a ROLLBACK TO SAVEPOINT undid, nested or disjoint.
    undone: Vec<std::ops::Range<usize>>,
    embedded: Vec<Statement>,
    runs: Vec<Run>,
    unchecked: Vec<Unchecked>,
    tail: Tail,
    /// Tables a transaction emptied, which count as new until it ends.
    emptied: Emptied,
    /// The bodies running now, outermost first: a routine that calls itself
    /// is not followed into again.
    stack: Vec<Arc<Body>>,
    /// Watches a down script's statements (`analyze_down_script`).
    trace: Option<Tracer<'t>>,
}

impl Walker<'_, '_, '_> {
    /// Analyses one statement (at `span` in the analysis text) and what it
    /// runs: the body of a `DO` block, the routines it calls.
    fn statement(
        &mut self,
        place: Place,
        span: Span,
        written: Written<'_>,
        embedding: Option<Embedding>,
        body: Option<Arc<Body>>,
    ) {
        let index = self.statements.len();
        let node = &written.statement.node;
        let do_body = body.as_ref().filter(|b| b.kind == BodyKind::DoBlock).cloned();
        let calls = self.calls(&written);
        let opens_block = do_body.is_some() || !calls.is_empty();
        let owned = opens_block && self.tracker.enter_block();

        let facts = facts::statement_facts_judged(node, self.options.pg_version, self.options.time_zone, self.catalog);
        let (mut new_relations, relations_before) = catalog_view(self.catalog, node, &facts);
        let transaction_id = self.tracker.transaction_id();
        for lock in &facts.locks {
            let emptied = self.emptied.is_empty(&lock.relation, transaction_id, |by| {
                self.statements[by].undone_by.is_some()
            });
            if emptied && !new_relations.iter().any(|n| n.same_as(&lock.relation)) {
                new_relations.push(lock.relation.clone());
            }
        }
        self.emptied.step(node, index, transaction_id);
        self.statements.push(StatementState {
            facts,
            transaction: self.tracker.explicit_block(),
            implicit_transaction: self.tracker.in_runner_transaction(),
            transaction_id,
            control: None,
            undone_by: None,
            lock_timeout_set: self.tracker.lock_timeout_set(),
            new_relations,
            relations_before,
            place,
            embedding,
            tokens: Default::default(),
        });
        // A down script's statement is watched with the catalog before it
        // (copied only when the statement may change it).
        let snapshot = self
            .trace
            .as_ref()
            .filter(|_| !Tracer::keeps_catalog(node))
            .map(|_| self.catalog.clone());
        self.catalog
            .apply(node, Origin::Change, Some(Location { file: self.index, span }));
        if let Some(routine) = body.as_ref().filter(|b| matches!(b.kind, BodyKind::Routine(_))) {
            self.catalog.define_routine(routine);
        }
        if let Some(trace) = &mut self.trace {
            let data_loss = self.statements[index].facts.data_loss;
            let before = snapshot.as_ref().unwrap_or(self.catalog);
            trace.step(index, node, embedding.is_some(), data_loss, before, self.catalog);
        }
        match self.block_transaction_control(node, span, embedding) {
            Some(control) => self.statements[index].control = Some(control),
            None => {
                let step = self.tracker.step(index, span, node);
                self.statements[index].control = step.control;
                if let Some(range) = step.undone {
                    mark_undone(&mut self.statements, &mut self.undone, range, index);
                }
            }
        }

        let parent = embedding.map(|e| e.run);
        if let Some(body) = do_body {
            let site = self.file_span(&written, written.statement.span);
            self.run(RunKind::DoBlock, body, index, parent, site, owned);
        }
        for (body, site) in calls {
            let BodyKind::Routine(signature) = &body.kind else {
                continue;
            };
            let kind = RunKind::Call {
                name: format!("{}()", signature.name),
                procedure: signature.procedure,
                same_file: *body.path == *self.source.path,
            };
            self.run(kind, body, index, parent, site, owned);
        }
        if opens_block {
            self.tracker.leave_block(span);
        }
    }

    /// Runs a body: its statements in order, each placed in the analysis
    /// text where the file can find it.
    fn run(&mut self, kind: RunKind, body: Arc<Body>, by: usize, parent: Option<usize>, site: Span, owned: bool) {
        if self.stack.len() >= MAX_RUN_DEPTH || self.stack.iter().any(|b| Arc::ptr_eq(b, &body)) {
            return;
        }
        let non_atomic = matches!(kind, RunKind::DoBlock | RunKind::Call { procedure: true, .. });
        let step_allows = |walker: &Self| {
            walker.statements[by]
                .embedding
                .and_then(|e| walker.runs[e.run].step(e.step))
                .is_none_or(|s| !s.in_protected_block)
        };
        let may_end_transactions = non_atomic
            && step_allows(self)
            && match parent {
                None => owned,
                Some(p) => self.runs[p].may_end_transactions && !self.embedded_is_dynamic(by),
            };
        // Inside a call, every statement stands where the call is.
        let in_call = matches!(kind, RunKind::Call { .. }) || parent.is_some_and(|p| self.in_call(p));
        let run = self.runs.len();
        self.runs.push(Run {
            kind,
            body: Arc::clone(&body),
            by,
            parent,
            line: self.source.position(site.start).line,
            may_end_transactions,
        });
        self.stack.push(Arc::clone(&body));
        for (step_index, step) in body.steps.iter().enumerate() {
            let embedding = Embedding { run, step: step_index };
            match &step.kind {
                StepKind::Unchecked(why) => self.unchecked.push(Unchecked {
                    run,
                    span: if in_call { site } else { step.span },
                    why: why.clone(),
                    written: (Arc::clone(&body.path), step.line),
                }),
                StepKind::Statement(embedded) if self.embedded.len() < MAX_EMBEDDED => {
                    self.embedded_statement(embedded, embedding, in_call.then_some(site));
                }
                StepKind::Statement(_) => {
                    // Said once, where the bound is reached.
                    if self.embedded.len() == MAX_EMBEDDED
                        && !self.unchecked.iter().any(|u| u.why.starts_with("more than"))
                    {
                        self.unchecked.push(Unchecked {
                            run,
                            span: if in_call { site } else { step.span },
                            why: format!("more than {MAX_EMBEDDED} statements run inside DO blocks and calls in this file: the rest is not checked"),
                            written: (Arc::clone(&body.path), step.line),
                        });
                    }
                }
            }
        }
        self.stack.pop();
    }

    /// Places a body's statement in the analysis text and analyses it.
    fn embedded_statement(&mut self, embedded: &Embedded, embedding: Embedding, call_site: Option<Span>) {
        let map = match call_site {
            Some(site) => {
                let mut whole = SpanMap::default();
                whole.push_whole(embedded.text.len(), site);
                whole
            }
            None => embedded.map.clone(),
        };
        let at = self.tail.push(&embedded.text, map.clone(), embedding);
        let shifted = embedded.statement.shifted(at);
        let span = shifted.span;
        let place = Place::Embedded(self.embedded.len());
        self.embedded.push(shifted);
        let written = Written {
            text: &embedded.text,
            statement: &embedded.statement,
            map: Some(&map),
        };
        self.statement(place, span, written, Some(embedding), embedded.body.clone());
    }

    /// A PL/pgSQL `COMMIT` or `ROLLBACK` of a body: it ends the transaction
    /// and starts the next where PostgreSQL allows it, and is refused
    /// elsewhere. None for any other statement.
    fn block_transaction_control(
        &mut self,
        node: &NodeEnum,
        span: Span,
        embedding: Option<Embedding>,
    ) -> Option<TransactionControl> {
        let embedding = embedding?;
        let NodeEnum::TransactionStmt(tx) = node else {
            return None;
        };
        let kind = TransactionStmtKind::try_from(tx.kind).unwrap_or(TransactionStmtKind::Undefined);
        let rollback = kind == TransactionStmtKind::TransStmtRollback;
        let run = &self.runs[embedding.run];
        let step = run.step(embedding.step)?;
        let StepKind::Statement(embedded) = &step.kind else {
            return None;
        };
        let plpgsql = run.body.language == "plpgsql" && !embedded.dynamic;
        let ends = matches!(
            kind,
            TransactionStmtKind::TransStmtCommit | TransactionStmtKind::TransStmtRollback
        );
        if plpgsql && ends && run.may_end_transactions && !step.in_protected_block {
            self.tracker.end_in_block(rollback, span);
            return Some(TransactionControl::EndInBlock);
        }
        let why = if !plpgsql || !ends {
            "only PL/pgSQL's own COMMIT and ROLLBACK may end a transaction inside a function or DO block"
        } else if step.in_protected_block {
            "a block with an EXCEPTION clause runs in a subtransaction, which cannot be committed"
        } else if matches!(run.kind, RunKind::Call { procedure: false, .. }) || !run.may_end_transactions {
            "only a DO block or a procedure called with CALL, outside any transaction block, may end its transaction"
        } else {
            "PostgreSQL refuses it here"
        };
        Some(TransactionControl::RefusedInBlock { why })
    }

    fn in_call(&self, run: usize) -> bool {
        let run = &self.runs[run];
        matches!(run.kind, RunKind::Call { .. }) || run.parent.is_some_and(|p| self.in_call(p))
    }

    /// The statement at `index` is SQL an `EXECUTE` built.
    fn embedded_is_dynamic(&self, index: usize) -> bool {
        let Some(e) = self.statements[index].embedding else {
            return false;
        };
        matches!(self.runs[e.run].step(e.step).map(|s| &s.kind), Some(StepKind::Statement(x)) if x.dynamic)
    }

    /// Where a span of a statement's own text is in the file.
    fn file_span(&self, written: &Written<'_>, span: Span) -> Span {
        match written.map {
            None => span,
            Some(map) => map.file_span(span).unwrap_or(span),
        }
    }

    /// The routines the statement calls that the catalog knows a body of,
    /// each with where the call is in the file. Only statements that run
    /// their expressions count: a view or a function that names a routine
    /// does not run it.
    fn calls(&self, written: &Written<'_>) -> Vec<(Arc<Body>, Span)> {
        let node = &written.statement.node;
        let runs_expressions = matches!(
            node,
            NodeEnum::SelectStmt(_)
                | NodeEnum::InsertStmt(_)
                | NodeEnum::UpdateStmt(_)
                | NodeEnum::DeleteStmt(_)
                | NodeEnum::MergeStmt(_)
                | NodeEnum::CallStmt(_)
                | NodeEnum::CreateTableAsStmt(_)
        );
        if !runs_expressions {
            return Vec::new();
        }
        let mut found: Vec<(Arc<Body>, Span)> = Vec::new();
        let tokens = tokens::tokenize(written.text, written.statement.span);
        let locator = Locator {
            statement: written.statement,
            text: written.text,
            tokens: &tokens,
        };
        for (node, ..) in node.nodes() {
            let NodeRef::FuncCall(call) = node else { continue };
            let Some(name) = called_name(&call.funcname) else {
                continue;
            };
            let Some(body) = self.catalog.routine(&name, call.args.len()) else {
                continue;
            };
            if found.iter().any(|(b, _)| Arc::ptr_eq(b, body)) {
                continue;
            }
            let site = self.file_span(written, locator.clause_at(call.location));
            found.push((Arc::clone(body), site));
        }
        found
    }
}

/// Replays a file into the catalog without analysing it (history, a schema
/// dump): its statements, the statements of its `DO` blocks and of the
/// routines it calls, and the routines it creates.
pub(crate) fn replay(catalog: &mut Catalog, parsed: &ParsedFile, origin: Origin) {
    let mut stack = Vec::new();
    for (i, stmt) in parsed.statements.iter().enumerate() {
        replay_statement(catalog, &stmt.node, parsed.body(i), origin, &mut stack);
    }
}

fn replay_statement(
    catalog: &mut Catalog,
    node: &NodeEnum,
    body: Option<&Arc<Body>>,
    origin: Origin,
    stack: &mut Vec<Arc<Body>>,
) {
    let called: Vec<Arc<Body>> = match node {
        NodeEnum::SelectStmt(_) | NodeEnum::CallStmt(_) => node
            .nodes()
            .into_iter()
            .filter_map(|(n, ..)| match n {
                NodeRef::FuncCall(call) => catalog.routine(&called_name(&call.funcname)?, call.args.len()).cloned(),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    catalog.apply(node, origin, None);
    match body {
        Some(routine) if matches!(routine.kind, BodyKind::Routine(_)) => catalog.define_routine(routine),
        Some(block) => replay_body(catalog, block, origin, stack),
        None => {}
    }
    for routine in called {
        replay_body(catalog, &routine, origin, stack);
    }
}

fn replay_body(catalog: &mut Catalog, body: &Arc<Body>, origin: Origin, stack: &mut Vec<Arc<Body>>) {
    if stack.len() >= MAX_RUN_DEPTH || stack.iter().any(|b| Arc::ptr_eq(b, body)) {
        return;
    }
    stack.push(Arc::clone(body));
    for step in &body.steps {
        if let StepKind::Statement(embedded) = &step.kind {
            replay_statement(catalog, &embedded.statement.node, embedded.body.as_ref(), origin, stack);
        }
    }
    stack.pop();
}
