//! `miglint trace`: runs migrations against a database the user names and
//! puts what PostgreSQL really did (locks from `pg_locks`, rewrites from
//! `relfilenode`, scans from `pg_stat_xact_user_tables`) next to miglint's
//! prediction, flagging every difference.
//!
//! By default the files run in order in one transaction, each file behind a
//! savepoint and each statement behind one of its own, and the transaction
//! is rolled back at the end: a later file sees what an earlier one created,
//! a failing statement is rolled back to its savepoint without ending the
//! run, and nothing is kept. `--each-file` runs each file alone in a
//! transaction of its own that is rolled back; `--commit` commits each file.
//! Statements PostgreSQL refuses in a transaction block (CONCURRENTLY,
//! VACUUM) run only with `--commit`, on their own, and their locks are not
//! observed. The file's own BEGIN/COMMIT statements are left to miglint.

pub(crate) mod render;

use std::collections::{BTreeMap, BTreeSet};

use postgres::Client;

use crate::database::error_text;

use crate::analysis::{LockMode, LockScope};
use crate::report::plan::{FilePlan, PlanMode, StatementPlan};

/// What the server showed for one statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    /// Strongest new lock mode per relation (`schema.name`), tables,
    /// partitioned tables and materialized views only.
    pub locks: BTreeMap<String, LockMode>,
    pub rewrites: BTreeSet<String>,
    pub scans: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Ran and was observed; the differences from the prediction, if any.
    Compared {
        observed: Observed,
        differences: Vec<String>,
        /// Predicted locks (`schema.name`, mode) the transaction already
        /// held in that mode: the statement's own cannot be told apart.
        already_held: Vec<(String, LockMode)>,
    },
    /// Not run, and why.
    Skipped(String),
    /// PostgreSQL refused it.
    Failed(String),
    /// Ran with `--commit` outside a transaction block; not observable.
    RanUnobserved,
}

#[derive(Debug, Clone)]
pub(crate) struct TracedStatement {
    pub line: usize,
    pub summary: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub(crate) struct TracedFile {
    pub path: String,
    pub statements: Vec<TracedStatement>,
}

impl TracedFile {
    pub(crate) fn differences(&self) -> usize {
        self.statements
            .iter()
            .filter(|s| matches!(&s.outcome, Outcome::Compared { differences, .. } if !differences.is_empty()))
            .count()
    }

    /// Statements PostgreSQL refused: run, but not compared.
    pub(crate) fn failed(&self) -> usize {
        self.statements
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Failed(_)))
            .count()
    }

    /// Statements trace did not run.
    pub(crate) fn skipped(&self) -> usize {
        self.statements
            .iter()
            .filter(|s| matches!(s.outcome, Outcome::Skipped(_)))
            .count()
    }
}

/// How the files of a trace meet the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunMode {
    /// The files in order in one transaction, rolled back at the end: each
    /// file sees what the earlier ones did.
    History,
    /// Each file alone, in a transaction of its own that is rolled back:
    /// each file meets the database as it is.
    EachFile,
    /// Each file committed; statements that cannot run in a transaction
    /// block run on their own.
    Commit,
}

pub(crate) struct Tracer {
    client: Client,
    mode: RunMode,
    /// The run's transaction is open (`RunMode::History`).
    run_open: bool,
}

const STAND_IN: &str =
    "it holds a template placeholder with no value in [placeholders]: miglint will not run its stand-in";

/// A relation's oid, storage and scan counters, by `schema.name`.
type Snapshot = BTreeMap<String, (u32, u32, i64)>;

impl Tracer {
    pub(crate) fn connect(url: &str, mode: RunMode) -> Result<Tracer, String> {
        let client = crate::database::connect(url)?;
        Ok(Tracer {
            client,
            mode,
            run_open: false,
        })
    }

    /// Traces one planned file; `texts` are the statements' SQL, in order.
    /// In a history run, the file runs behind a savepoint in the run's
    /// transaction: an error of trace's own while tracing it rolls the file
    /// back to that savepoint, so that the run can go on with the next file.
    pub(crate) fn trace_file(&mut self, plan: &FilePlan, texts: &[String]) -> Result<TracedFile, String> {
        if self.mode != RunMode::History {
            return self.trace_file_alone(plan, texts);
        }
        if !self.run_open {
            self.sql("BEGIN")?;
            self.run_open = true;
        }
        self.sql("SAVEPOINT miglint_trace_file")?;
        let mut statements = Vec::new();
        for (stmt, text) in with_bodies(&plan.statements, texts) {
            let outcome = match self.run_in_history(&stmt, &text) {
                Ok(outcome) => outcome,
                Err(message) => {
                    self.sql("ROLLBACK TO SAVEPOINT miglint_trace_file")?;
                    self.sql("RELEASE SAVEPOINT miglint_trace_file")?;
                    return Err(message);
                }
            };
            statements.push(TracedStatement {
                line: stmt.start.line,
                summary: stmt.summary.clone(),
                outcome,
            });
        }
        self.sql("RELEASE SAVEPOINT miglint_trace_file")?;
        Ok(TracedFile {
            path: plan.path.clone(),
            statements,
        })
    }

    /// One statement of a history run, in the run's open transaction.
    fn run_in_history(&mut self, stmt: &StatementPlan, text: &str) -> Result<Outcome, String> {
        Ok(if is_transaction_control(text) {
            Outcome::Skipped("transaction control is left to miglint trace".into())
        } else if stmt.stand_in {
            Outcome::Skipped(STAND_IN.into())
        } else if !stmt.transactional {
            Outcome::Skipped("cannot run in a transaction block: run with --commit".into())
        } else {
            self.observe(stmt, text)?
        })
    }

    /// Ends the run: rolls back a history run's transaction.
    pub(crate) fn finish_run(&mut self) -> Result<(), String> {
        if self.run_open {
            self.run_open = false;
            self.sql("ROLLBACK")?;
        }
        Ok(())
    }

    /// A file in a transaction of its own (`--each-file`, `--commit`).
    fn trace_file_alone(&mut self, plan: &FilePlan, texts: &[String]) -> Result<TracedFile, String> {
        let mut statements = Vec::new();
        let mut in_transaction = false;
        for (stmt, text) in with_bodies(&plan.statements, texts) {
            let (stmt, text) = (&stmt, text.as_str());
            let outcome = if is_transaction_control(text) {
                Outcome::Skipped("transaction control is left to miglint trace".into())
            } else if stmt.stand_in {
                Outcome::Skipped(STAND_IN.into())
            } else if !stmt.transactional {
                if in_transaction {
                    self.finish(&mut in_transaction)?;
                }
                if self.mode == RunMode::Commit {
                    match self.client.batch_execute(text) {
                        Ok(()) => Outcome::RanUnobserved,
                        Err(e) => Outcome::Failed(error_text(&e)),
                    }
                } else {
                    Outcome::Skipped("cannot run in a transaction block: run with --commit".into())
                }
            } else {
                if !in_transaction {
                    self.sql("BEGIN")?;
                    in_transaction = true;
                }
                self.observe(stmt, text)?
            };
            statements.push(TracedStatement {
                line: stmt.start.line,
                summary: stmt.summary.clone(),
                outcome,
            });
        }
        if in_transaction {
            self.finish(&mut in_transaction)?;
        }
        Ok(TracedFile {
            path: plan.path.clone(),
            statements,
        })
    }

    fn finish(&mut self, in_transaction: &mut bool) -> Result<(), String> {
        *in_transaction = false;
        self.sql(if self.mode == RunMode::Commit {
            "COMMIT"
        } else {
            "ROLLBACK"
        })
    }

    fn sql(&mut self, sql: &str) -> Result<(), String> {
        self.client.batch_execute(sql).map_err(|e| error_text(&e))
    }

    /// Runs one statement inside the open transaction, behind a savepoint so
    /// that a failure does not end the transaction.
    fn observe(&mut self, stmt: &StatementPlan, text: &str) -> Result<Outcome, String> {
        let locks_before = self.locks()?;
        let before = self.snapshot()?;
        // Names resolve before the statement runs (it may drop or rename
        // them), and again after for relations it creates.
        let mut predicted = self.predicted_locks(stmt)?;
        self.sql("SAVEPOINT miglint_trace")?;
        if let Err(e) = self.client.batch_execute(text) {
            self.sql("ROLLBACK TO SAVEPOINT miglint_trace")?;
            return Ok(Outcome::Failed(error_text(&e)));
        }
        self.sql("RELEASE SAVEPOINT miglint_trace")?;
        let after = self.snapshot()?;
        let mut observed = Observed::default();
        for (relation, mode) in self.locks()?.difference(&locks_before) {
            let entry = observed.locks.entry(relation.clone()).or_insert(*mode);
            *entry = (*entry).max(*mode);
        }
        for (relation, (oid, node, scans)) in &after {
            // A name that now belongs to another relation (a table dropped
            // and another renamed into its place) was not rewritten.
            if let Some((_, old_node, old_scans)) = before.get(relation).filter(|(old, ..)| old == oid) {
                if old_node != node {
                    observed.rewrites.insert(relation.clone());
                }
                if scans > old_scans {
                    observed.scans.insert(relation.clone());
                }
            }
        }
        let mut held_before: BTreeMap<String, LockMode> = BTreeMap::new();
        for (relation, mode) in &locks_before {
            let entry = held_before.entry(relation.clone()).or_insert(*mode);
            *entry = (*entry).max(*mode);
        }
        for (name, mode) in self.predicted_locks(stmt)? {
            predicted.entry(name).or_insert(mode);
        }
        let existed: BTreeSet<String> = before.keys().cloned().collect();
        // A new relfilenode: a rewrite's copy, TRUNCATE's empty file, or a
        // file copied to another tablespace.
        let new_files: Vec<_> = stmt
            .rewrites
            .iter()
            .chain(&stmt.new_empty_files)
            .chain(&stmt.file_copies)
            .cloned()
            .collect();
        let predicted_rewrites = self.resolve_all(&new_files)?;
        let differences = compare(
            &predicted,
            &predicted_rewrites,
            &observed,
            (&locks_before, &held_before),
            &existed,
        );
        let already_held = predicted
            .into_iter()
            .filter(|(name, mode)| locks_before.contains(&(name.clone(), *mode)))
            .collect();
        Ok(Outcome::Compared {
            observed,
            differences,
            already_held,
        })
    }

    /// Relation-level locks this backend holds: (`schema.name`, mode).
    fn locks(&mut self) -> Result<BTreeSet<(String, LockMode)>, String> {
        let rows = self
            .client
            .query(
                "SELECT n.nspname || '.' || c.relname, l.mode FROM pg_locks l \
                 JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE l.pid = pg_backend_pid() AND c.relkind IN ('r', 'p', 'm') \
                 AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
                &[],
            )
            .map_err(|e| error_text(&e))?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let mode: String = row.get(1);
                let mode = LockMode::ALL.into_iter().find(|m| m.pg_locks_name() == mode)?;
                Some((row.get::<_, String>(0), mode))
            })
            .collect())
    }

    /// `relfilenode` and sequential-plus-index scan count of every user table.
    fn snapshot(&mut self) -> Result<Snapshot, String> {
        let rows = self
            .client
            .query(
                "SELECT s.schemaname || '.' || s.relname, c.relfilenode::oid::int8, \
                 (coalesce(s.seq_scan, 0) + coalesce(s.idx_scan, 0))::int8, c.oid::int8 \
                 FROM pg_stat_xact_user_tables s JOIN pg_class c ON c.oid = s.relid",
                &[],
            )
            .map_err(|e| error_text(&e))?;
        Ok(rows
            .iter()
            .map(|row| {
                let node: i64 = row.get(1);
                let oid: i64 = row.get(3);
                let oid = u32::try_from(oid).unwrap_or(0);
                (row.get(0), (oid, u32::try_from(node).unwrap_or(0), row.get(2)))
            })
            .collect())
    }

    /// The differences between the prediction and what was observed.
    /// The strongest predicted mode per table the server resolves, from the
    /// relations the statement names and the tables of the indexes it names.
    fn predicted_locks(&mut self, stmt: &StatementPlan) -> Result<BTreeMap<String, LockMode>, String> {
        let mut predicted: BTreeMap<String, LockMode> = BTreeMap::new();
        let mut add = |name: String, mode: LockMode| {
            let entry = predicted.entry(name).or_insert(mode);
            *entry = (*entry).max(mode);
        };
        // A trace runs PostgreSQL's plans, whose locks are PostgreSQL's.
        for lock in &stmt.locks {
            let PlanMode::Postgres(mode) = lock.mode else { continue };
            if let Some(name) = self.resolve(&lock.relation.to_sql())? {
                add(name, mode);
            }
        }
        for scoped in &stmt.scoped_locks {
            if let LockScope::TableOf { index, .. } = &scoped.scope {
                if let Some(name) = self.table_of_index(&index.to_sql())? {
                    add(name, scoped.mode);
                }
            }
        }
        Ok(predicted)
    }

    /// `schema.name` of the table an index belongs to, if the index exists.
    fn table_of_index(&mut self, index: &str) -> Result<Option<String>, String> {
        let row = self
            .client
            .query_opt(
                "SELECT n.nspname || '.' || c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE i.indexrelid = to_regclass($1)",
                &[&index],
            )
            .map_err(|e| error_text(&e))?;
        Ok(row.map(|r| r.get(0)))
    }

    fn resolve_all(&mut self, names: &[crate::analysis::RelationName]) -> Result<BTreeSet<String>, String> {
        let mut out = BTreeSet::new();
        for name in names {
            if let Some(resolved) = self.resolve(&name.to_sql())? {
                out.insert(resolved);
            }
        }
        Ok(out)
    }

    /// `schema.name` of a table the server resolves `name` to, if any.
    fn resolve(&mut self, name: &str) -> Result<Option<String>, String> {
        let row = self
            .client
            .query_one(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p', 'm')",
                &[&name],
            )
            .ok();
        Ok(row.map(|r| r.get(0)))
    }
}

/// The statements of the file itself, each with what the statements of the
/// bodies it runs (a `DO` block, a called routine) predict merged in: the
/// server runs those as part of it.
fn with_bodies(statements: &[StatementPlan], texts: &[String]) -> Vec<(StatementPlan, String)> {
    let mut merged: Vec<(StatementPlan, String)> = Vec::new();
    for (stmt, text) in statements.iter().zip(texts) {
        match merged.last_mut().filter(|_| stmt.inside.is_some()) {
            Some((outer, _)) => {
                outer.locks.extend(stmt.locks.iter().cloned());
                outer.scoped_locks.extend(stmt.scoped_locks.iter().cloned());
                outer.rewrites.extend(stmt.rewrites.iter().cloned());
                outer.new_empty_files.extend(stmt.new_empty_files.iter().cloned());
                outer.file_copies.extend(stmt.file_copies.iter().cloned());
                outer.scans.extend(stmt.scans.iter().cloned());
            }
            None => merged.push((stmt.clone(), text.clone())),
        }
    }
    merged
}

/// The differences between the prediction and what was observed, given the
/// locks held before the statement: each mode held (`pg_locks` has a row per
/// mode a backend holds, so a mode new to the relation shows even under a
/// stronger one) and the strongest per relation. A predicted mode the
/// transaction already held cannot be told apart, a lock the server took that
/// miglint did not predict counts only when nothing as strong was held, and
/// locks on relations the statement itself created block nobody.
fn compare(
    predicted: &BTreeMap<String, LockMode>,
    predicted_rewrites: &BTreeSet<String>,
    observed: &Observed,
    (held_modes, held_before): (&BTreeSet<(String, LockMode)>, &BTreeMap<String, LockMode>),
    existed: &BTreeSet<String>,
) -> Vec<String> {
    let mut differences = Vec::new();
    for (name, mode) in predicted {
        if held_modes.contains(&(name.clone(), *mode)) {
            continue;
        }
        match observed.locks.get(name) {
            Some(seen) if seen == mode => {}
            Some(seen) => differences.push(format!("{name}: predicted {mode}, observed {seen}")),
            None => differences.push(format!("{name}: predicted {mode}, observed no lock")),
        }
    }
    for (name, seen) in &observed.locks {
        let already = held_before.get(name).is_some_and(|held| held >= seen);
        let blocking = seen.blocks_reads() || seen.blocks_writes();
        if !already && blocking && existed.contains(name) && !predicted.contains_key(name) {
            differences.push(format!("{name}: observed {seen}, which miglint did not predict"));
        }
    }
    for name in observed.rewrites.symmetric_difference(predicted_rewrites) {
        let (was, is) = if observed.rewrites.contains(name) {
            ("not predicted", "observed")
        } else {
            ("predicted", "not observed")
        };
        differences.push(format!("{name}: rewrite {was}, {is}"));
    }
    differences
}

fn is_transaction_control(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    matches!(
        first.as_str(),
        "begin" | "start" | "commit" | "end" | "rollback" | "savepoint" | "release" | "abort"
    )
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use std::collections::{BTreeMap, BTreeSet};

    use super::{compare, Observed};
    use crate::analysis::LockMode;
    use crate::database::with_causes;

    #[test]
    fn a_mode_new_to_a_relation_is_compared_under_a_stronger_one_already_held() {
        let table = "public.projects".to_string();
        let held_modes = BTreeSet::from([(table.clone(), LockMode::AccessExclusive)]);
        let held_before = BTreeMap::from([(table.clone(), LockMode::AccessExclusive)]);
        let existed = BTreeSet::from([table.clone()]);
        let predicted = BTreeMap::from([(table.clone(), LockMode::Share)]);
        let took = |mode: Option<LockMode>| Observed {
            locks: mode.into_iter().map(|m| (table.clone(), m)).collect(),
            ..Observed::default()
        };
        let held = (&held_modes, &held_before);
        let none = BTreeSet::new();
        assert!(compare(&predicted, &none, &took(Some(LockMode::Share)), held, &existed).is_empty());
        assert_eq!(
            compare(&predicted, &none, &took(None), held, &existed),
            vec![format!("{table}: predicted SHARE, observed no lock")]
        );
        // The very mode already held cannot be told apart.
        let predicted = BTreeMap::from([(table.clone(), LockMode::AccessExclusive)]);
        assert!(compare(&predicted, &none, &took(None), held, &existed).is_empty());
    }

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|inner| inner as _)
        }
    }

    #[test]
    fn an_error_is_told_with_its_causes_once_each() {
        let io = Layer("No such file or directory (os error 2)", None);
        let connect = Layer("error connecting to server", Some(Box::new(io)));
        assert_eq!(
            with_causes(&connect),
            "error connecting to server: No such file or directory (os error 2)"
        );
        let repeated = Layer("db error: refused", Some(Box::new(Layer("refused", None))));
        assert_eq!(with_causes(&repeated), "db error: refused");
    }
}
