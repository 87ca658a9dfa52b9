//! A run analysed a chunk of inputs at a time: each chunk parsed in
//! parallel (the next one while the current one is replayed), replayed or
//! analysed in order against its root's catalog, seen by the run checks,
//! judged in parallel, and its parse trees dropped.

use std::sync::Arc;

use rayon::prelude::*;

use super::{decode, severity, ChangeScope, Decoded, RunInput};
use crate::analysis::{self, AnalyzedFile, Catalog, Origin, RunContext, TransactionMode};
use crate::diagnostic::Finding;
use crate::input::layout::{Role, RunnerTransaction, ScriptInfo, Tool};
use crate::input::source::SourceFile;
use crate::parse;
use crate::rule::{Category, RuleMeta, RunCheck};
use crate::rules;
use crate::settings::Settings;

/// The analysis options for a file the runner wraps as `transaction` says.
fn analysis_options(settings: &Settings, transaction: TransactionMode) -> analysis::Options {
    analysis::Options {
        pg_version: settings.pg_version,
        transaction,
        assume_lock_timeout: settings.assume_lock_timeout,
        max_lock_timeout_ms: settings.max_lock_timeout_ms,
        time_zone: settings.time_zone,
        autocommit_declared: settings.transaction == Some(TransactionMode::None),
        naming: settings.naming.clone(),
    }
}

/// Inputs parsed together at most: enough to keep every core busy, few
/// enough that their parse trees (about a hundred times their text) stay
/// small. A run is analysed a chunk at a time and each chunk's trees are
/// dropped before the next is parsed, so memory follows the chunk and the
/// catalog, not the run.
const CHUNK_FILES: usize = 48;
/// Text parsed together at most (one larger file is a chunk of its own).
const CHUNK_BYTES: usize = 12 * 1024;

/// A run after every input was decoded and every file judged.
pub(super) struct JudgedRun<T> {
    pub(super) decoded: Vec<Decoded>,
    /// What was made of each file analysed, by input index; None for
    /// history and content that is not SQL text.
    pub(super) judged: Vec<Option<T>>,
    /// Findings of the run checks at the run's end: (input index, rule,
    /// finding in the file's analysis text).
    pub(super) run_findings: Vec<(usize, &'static RuleMeta, Finding)>,
}

/// The rules' checks of a run as a whole, for the rules that any input's
/// config turns on.
fn run_checks(decoded: &[Decoded]) -> Vec<(&'static RuleMeta, Box<dyn RunCheck>)> {
    rules::all()
        .iter()
        .filter(|rule| decoded.iter().any(|d| severity(d.settings(), rule.meta()).is_some()))
        .filter_map(|rule| Some((rule.meta(), rule.run_check()?)))
        .collect()
}

/// The run checks of the History rules, which need only how each input
/// runs and the text of each file judged: those the dialects miglint does
/// not analyse as PostgreSQL (SQLite, MySQL) run too.
pub(super) fn history_checks(decoded: &[Decoded]) -> Vec<(&'static RuleMeta, Box<dyn RunCheck>)> {
    let mut checks = run_checks(decoded);
    checks.retain(|(meta, _)| meta.category == Category::History);
    checks
}

/// What `checks` find at the run's end, from how every input runs, the
/// text of each file judged (`judged[i]` is Some) and each root's catalog
/// at the end of the run (none for the replayed dialects): (input index,
/// rule, finding in the file's analysis text).
pub(super) fn finish_checks<T>(
    checks: Vec<(&'static RuleMeta, Box<dyn RunCheck>)>,
    decoded: &[Decoded],
    judged: &[Option<T>],
    catalogs: &[Catalog],
) -> Vec<(usize, &'static RuleMeta, Finding)> {
    let scripts: Vec<&ScriptInfo> = decoded
        .iter()
        .map(|d| match d {
            Decoded::Text(_, script, _) => script,
            Decoded::Unreadable(report, _) => &report.script,
        })
        .collect();
    let sources: Vec<Option<&SourceFile>> = decoded
        .iter()
        .zip(judged)
        .map(|(d, judged)| match d {
            Decoded::Text(source, ..) if judged.is_some() => Some(source),
            _ => None,
        })
        .collect();
    let context = RunContext {
        scripts: &scripts,
        sources: &sources,
        catalogs,
    };
    let mut run_findings = Vec::new();
    for (meta, check) in checks {
        let mut out = Vec::new();
        check.finish(&context, &mut out);
        run_findings.extend(out.into_iter().map(|(index, finding)| (index, meta, finding)));
    }
    run_findings
}

/// Decodes the inputs, then parses and analyses them in run order a chunk
/// at a time: each chunk's text inputs are parsed in parallel, replayed
/// (history) or analysed (files judged) in order against their root's
/// catalog, so each statement meets the schema it will meet, seen by the
/// run checks in order, and handed to `judge` in parallel. Each migration
/// root (a change of `ScriptInfo::root`) is its own database with its own
/// catalog; a down or verify script is judged against the schema before it
/// and leaves it as it was. `judge` gets a file's findings of the run
/// checks; with `checked` false there are no run checks.
pub(super) fn judge_run<T: Send>(
    inputs: Vec<RunInput>,
    scope: ChangeScope,
    checked: bool,
    judge: impl Fn(&AnalyzedFile<'_>, &Settings, Vec<(&'static RuleMeta, Finding)>) -> T + Sync,
) -> JudgedRun<T> {
    let (mut decoded, schemas): (Vec<Decoded>, Vec<Option<Arc<Catalog>>>) = inputs
        .into_par_iter()
        .map(|input| {
            let schema = input.schema.clone();
            (decode(input), schema)
        })
        .unzip();
    let mut checks = if checked { run_checks(&decoded) } else { Vec::new() };
    let mut judged: Vec<Option<T>> = Vec::with_capacity(decoded.len());
    let mut replay = Replay::new(&schemas, scope, &decoded, checked);
    // The chunk after the one analysed is parsed meanwhile: the replay runs
    // on one core, the parse on the others.
    let mut chunk = 0..chunk_end(&decoded, 0);
    let mut trees = parse_chunk(&decoded, chunk.clone());
    while !chunk.is_empty() {
        let next = chunk.end..chunk_end(&decoded, chunk.end);
        let (next_trees, slots) = rayon::join(
            || parse_chunk(&decoded, next.clone()),
            || {
                let files = replay.chunk(&decoded, chunk.clone(), &trees);
                // The run checks see the files in order, while their trees exist.
                let mut found: Vec<Vec<(&'static RuleMeta, Finding)>> = vec![Vec::new(); files.len()];
                for ((index, file), found) in files.iter().zip(&mut found) {
                    for (meta, check) in &mut checks {
                        let mut out = Vec::new();
                        check.file(*index, file, &mut out);
                        found.extend(out.into_iter().map(|finding| (*meta, finding)));
                    }
                }
                let made: Vec<(usize, T)> = files
                    .par_iter()
                    .zip(found.into_par_iter())
                    .map(|((index, file), found)| (*index, judge(file, decoded[*index].settings(), found)))
                    .collect();
                let mut slots: Vec<Option<T>> = chunk.clone().map(|_| None).collect();
                for (index, made) in made {
                    slots[index - chunk.start] = Some(made);
                }
                slots
            },
        );
        judged.extend(slots);
        // History is replayed, never reported: its text is not needed again.
        decoded[chunk.clone()]
            .iter_mut()
            .for_each(Decoded::release_history_text);
        (chunk, trees) = (next, next_trees);
    }
    let catalogs = replay.finish();
    let run_findings = finish_checks(checks, &decoded, &judged, &catalogs);
    JudgedRun {
        decoded,
        judged,
        run_findings,
    }
}

/// The parse tree of every text input of `chunk` that is replayed or
/// judged (history undone by a down script is neither), parsed in parallel.
fn parse_chunk(decoded: &[Decoded], chunk: std::ops::Range<usize>) -> Vec<Option<parse::ParsedFile>> {
    decoded[chunk]
        .par_iter()
        .map(|d| match d {
            Decoded::Text(source, script, settings) if script.role != Role::History || script.keeps_effects() => {
                Some(parse_decoded(source, settings))
            }
            _ => None,
        })
        .collect()
}

/// Where the chunk that starts at input `start` ends.
fn chunk_end(decoded: &[Decoded], start: usize) -> usize {
    let mut bytes = 0;
    let mut end = start;
    while end < decoded.len() && end - start < CHUNK_FILES && (end == start || bytes < CHUNK_BYTES) {
        if let Decoded::Text(source, ..) = &decoded[end] {
            bytes += source.text.len();
        }
        end += 1;
    }
    end
}

/// The catalog replay through a run's inputs, in order.
struct Replay<'s> {
    schemas: &'s [Option<Arc<Catalog>>],
    scope: ChangeScope,
    /// Each finished root's catalog, in the order the roots ran.
    catalogs: Vec<Catalog>,
    /// The catalog of the root being replayed.
    catalog: Option<Catalog>,
    root: Option<String>,
    /// The migration of the last judged script: (root, place in its order).
    last_migration: Option<(String, usize)>,
    /// The migrations whose down script is judged: (root, place in its order).
    judged_downs: std::collections::BTreeSet<(String, usize)>,
    /// The catalog before the up script of a migration whose down script
    /// is judged, and whether the history before it was replayed whole.
    before_up: Option<((String, usize), Catalog, bool)>,
    /// The migrations of the current root replayed or analysed so far.
    migrations_seen: std::collections::BTreeSet<usize>,
}

impl<'s> Replay<'s> {
    /// `checked` when rules run (not for a plan): only then are down
    /// scripts compared with the schema before their up script, and only
    /// where a rule that reads the comparison is on.
    fn new(schemas: &'s [Option<Arc<Catalog>>], scope: ChangeScope, decoded: &[Decoded], checked: bool) -> Replay<'s> {
        let compares = |settings: &Settings| {
            rules::all()
                .iter()
                .map(|rule| rule.meta())
                .filter(|meta| rules::down::RULES.contains(&meta.id))
                .any(|meta| severity(settings, meta).is_some())
        };
        let judged_downs = decoded
            .iter()
            .filter_map(|d| match d {
                Decoded::Text(_, script, settings)
                    if checked
                        && script.is_down()
                        && script.role == Role::Change
                        && !script.is_deleted()
                        && compares(settings) =>
                {
                    Some((script.root.clone(), script.order?))
                }
                _ => None,
            })
            .collect();
        Replay {
            schemas,
            scope,
            catalogs: Vec::new(),
            catalog: None,
            root: None,
            last_migration: None,
            judged_downs,
            before_up: None,
            migrations_seen: std::collections::BTreeSet::new(),
        }
    }

    /// Before an up script whose down script is judged: keeps the catalog
    /// as it is, to compare with what the down script leaves. The history
    /// is whole when every migration before it was replayed, or a schema
    /// dump stands for it.
    fn keep_before_up(&mut self, index: usize, script: &ScriptInfo) {
        let Some(order) = script
            .order
            .filter(|_| script.direction == Some(crate::input::layout::Direction::Up))
        else {
            return;
        };
        let migration = (script.root.clone(), order);
        if !self.judged_downs.contains(&migration)
            || self.before_up.as_ref().is_some_and(|(kept, ..)| *kept == migration)
        {
            return;
        }
        let complete = self.schemas[index].is_some() || (0..order).all(|o| self.migrations_seen.contains(&o));
        if let Some(catalog) = &self.catalog {
            self.before_up = Some((migration, catalog.clone(), complete));
        }
    }

    /// The catalog of input `index`'s root, a new one when the root
    /// changes; each file starts a new session as far as search_path goes.
    fn enter(&mut self, index: usize, script: &ScriptInfo) -> &mut Catalog {
        if self.root.as_deref() != Some(script.root.as_str()) {
            self.catalogs.extend(self.catalog.take());
            self.root = Some(script.root.clone());
            self.migrations_seen.clear();
            self.before_up = None;
        }
        let schemas = self.schemas;
        let catalog = self
            .catalog
            .get_or_insert_with(|| schemas[index].as_deref().cloned().unwrap_or_default());
        catalog.reset_session();
        catalog
    }

    /// Replays or analyses the inputs of `chunk` in order, with their trees:
    /// the files judged, analysed.
    fn chunk<'a>(
        &mut self,
        decoded: &'a [Decoded],
        chunk: std::ops::Range<usize>,
        trees: &'a [Option<parse::ParsedFile>],
    ) -> Vec<(usize, AnalyzedFile<'a>)> {
        let mut files = Vec::new();
        for (index, tree) in chunk.zip(trees) {
            match (&decoded[index], tree) {
                (Decoded::Text(source, script, settings), Some(tree)) => {
                    files.extend(
                        self.input(index, source, script, settings, tree)
                            .map(|file| (index, file)),
                    );
                }
                // History whose effects are undone (a down script).
                (Decoded::Text(_, script, _), None) => {
                    self.enter(index, script);
                }
                (Decoded::Unreadable(..), _) => {}
            }
        }
        files
    }

    /// Replays a history input, or analyses a file judged against the
    /// schema before it.
    fn input<'a>(
        &mut self,
        index: usize,
        source: &'a SourceFile,
        script: &'a ScriptInfo,
        settings: &Settings,
        parsed: &'a parse::ParsedFile,
    ) -> Option<AnalyzedFile<'a>> {
        let scope = self.scope;
        let migration = script.order.map(|order| (script.root.clone(), order));
        let new_change = migration.is_none() || migration != self.last_migration;
        self.enter(index, script);
        if script.role == Role::History {
            self.keep_before_up(index, script);
            let catalog = self.catalog.as_mut()?;
            analysis::replay(catalog, parsed, Origin::History);
            catalog.settle();
            self.migrations_seen.extend(script.order);
            return None;
        }
        if scope == ChangeScope::EachMigration && new_change {
            if let Some(catalog) = &mut self.catalog {
                catalog.settle();
            }
        }
        self.keep_before_up(index, script);
        self.migrations_seen.extend(script.order);
        // The catalog kept before the up script serves its down script once.
        let this_migration = script.order.map(|o| (script.root.clone(), o));
        let before_up = match self.before_up.take() {
            Some((migration, catalog, complete)) if script.is_down() && Some(&migration) == this_migration.as_ref() => {
                Some((catalog, complete))
            }
            other => {
                self.before_up = other;
                None
            }
        };
        let catalog = self.catalog.as_mut()?;
        let options = analysis_options(settings, runner_mode(script, parsed, settings));
        // A down or verify script runs long after its up script, against
        // everything it built, and leaves the schema as it found it.
        let mut before;
        let replayed = if script.keeps_effects() {
            catalog
        } else {
            before = catalog.clone();
            before.settle();
            &mut before
        };
        let file = match &before_up {
            Some((before_up, complete)) => {
                analysis::analyze_down_script(source, parsed, options, replayed, index, script, before_up, *complete)
            }
            None => analysis::analyze_script(source, parsed, options, replayed, index, script),
        };
        self.last_migration = migration;
        Some(file)
    }

    /// Each root's catalog at the end of the run, in the order they ran.
    fn finish(mut self) -> Vec<Catalog> {
        self.catalogs.extend(self.catalog.take());
        self.catalogs
    }
}

fn parse_decoded(source: &SourceFile, settings: &Settings) -> parse::ParsedFile {
    parse::parse_file_with(source, &settings.placeholders)
}

/// How the runner wraps a file, once its statements are known: a batch of
/// one statement runs outside any transaction, and Flyway runs a script made
/// only of statements that refuse a transaction without one.
fn runner_mode(script: &ScriptInfo, parsed: &parse::ParsedFile, settings: &Settings) -> TransactionMode {
    // After a COMMIT in the file, JDBC runners (autocommit off) and runners
    // that send the file as one query still run the rest in a transaction;
    // runners that send statements one by one (goose, Atlas, Drizzle) do not.
    let per_file = match script.tool {
        Tool::Flyway | Tool::Liquibase | Tool::Diesel | Tool::Sqlx | Tool::Dbmate => TransactionMode::Reopening,
        _ => TransactionMode::PerFile,
    };
    match script.transaction {
        RunnerTransaction::None => TransactionMode::None,
        RunnerTransaction::PerFile | RunnerTransaction::AllPending => per_file,
        RunnerTransaction::Batch if parsed.statements.len() > 1 => TransactionMode::Batch,
        RunnerTransaction::Batch => TransactionMode::None,
        RunnerTransaction::Detected => {
            let all_refuse = !parsed.statements.is_empty()
                && parsed
                    .statements
                    .iter()
                    .all(|s| !analysis::facts::statement_facts(&s.node, settings.pg_version).transactional);
            if all_refuse {
                TransactionMode::None
            } else {
                per_file
            }
        }
    }
}
