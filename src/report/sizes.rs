//! Findings and plans that know the production tables: each statement's
//! tables weighed (`stats` snapshot, `[tables]`), its rewrites and
//! whole-table reads turned into an estimated duration, and the severity of
//! locking and rewrite findings scaled with it. A rewrite of a table of a
//! few thousand rows is over before anyone waits: a note. The same rewrite
//! of a 200 GB table holds its lock for an hour: an error. A finding whose
//! tables are not known keeps its rule's severity.

use crate::diagnostic::{Diagnostic, SizeNote, SizedTable, Workload};
use crate::rule::Category;
use crate::rules;
use crate::settings::{NameRules, Severity, TableSizes};

use super::plan::{FilePlan, StatementPlan};

/// Weighs each statement of `plan` whose tables are known.
pub(crate) fn weigh(plan: &mut FilePlan, sizes: &TableSizes, rules: NameRules) {
    if sizes.is_empty() {
        return;
    }
    for statement in &mut plan.statements {
        statement.workload = workload(statement, sizes, rules);
    }
}

/// The known tables of a statement (those it locks, rewrites or reads, not
/// those it creates) and the estimated seconds of its rewrites and reads.
fn workload(statement: &StatementPlan, sizes: &TableSizes, rules: NameRules) -> Option<Workload> {
    let size_of =
        |relation: &crate::analysis::RelationName| sizes.size_of(relation.schema.as_deref(), &relation.name, rules);
    let mut tables: Vec<SizedTable> = Vec::new();
    let named = statement
        .locks
        .iter()
        .filter(|lock| !lock.new_relation)
        .map(|lock| &lock.relation)
        .chain(&statement.rewrites)
        .chain(&statement.scans);
    for relation in named {
        if tables.iter().any(|t| &t.relation == relation) {
            continue;
        }
        if let Some(size) = size_of(relation) {
            tables.push(SizedTable {
                relation: relation.clone(),
                size,
            });
        }
    }
    if tables.is_empty() {
        return None;
    }
    // A rewritten table's read is part of its rewrite.
    let rewrites = statement.rewrites.iter().map(|r| {
        size_of(r)
            .and_then(|s| s.rewrite_bytes())
            .map(|b| sizes.estimates.rewrite_seconds(b))
    });
    let scans = statement
        .scans
        .iter()
        .filter(|s| !statement.rewrites.contains(s))
        .map(|r| {
            size_of(r)
                .and_then(|s| s.scan_bytes())
                .map(|b| sizes.estimates.scan_seconds(b))
        });
    let work: Option<Vec<f64>> = rewrites.chain(scans).collect();
    let seconds = work.filter(|w| !w.is_empty()).map(|w| w.iter().sum());
    Some(Workload { tables, seconds })
}

/// Notes the size of each finding's tables, and scales the severity of
/// locking and rewrite findings whose statement's work is estimated:
/// under `note_under` a note, over `error_over` an error. A finding takes
/// the innermost statement it lies in; its tables are the relation of the
/// lock it names, else its statement's.
pub(crate) fn scale(plan: &FilePlan, sizes: &TableSizes, diagnostics: &mut [Diagnostic]) {
    for d in diagnostics.iter_mut() {
        let at = d.span.start;
        let statement = plan
            .statements
            .iter()
            .filter(|s| s.start.offset <= at && at < s.end.offset.max(s.start.offset + 1))
            .min_by_key(|s| s.end.offset - s.start.offset);
        let Some(workload) = statement.and_then(|s| s.workload.as_ref()) else {
            continue;
        };
        let tables: Vec<SizedTable> = match &d.lock {
            Some(lock) => workload
                .tables
                .iter()
                .filter(|t| t.relation == lock.relation)
                .cloned()
                .collect(),
            None => workload.tables.clone(),
        };
        if tables.is_empty() {
            continue;
        }
        let scaled = workload
            .seconds
            .filter(|_| scales_with_size(d.rule))
            .and_then(|seconds| scaled_severity(d.severity, seconds, sizes));
        let scaled_from = scaled.map(|severity| std::mem::replace(&mut d.severity, severity));
        d.size = Some(SizeNote {
            tables,
            seconds: workload.seconds,
            scaled_from,
        });
    }
}

/// Locking and rewrite findings are about a lock held while the work
/// runs: how long it runs is the danger. Data loss, compatibility,
/// transaction and timeout findings are as bad on a small table.
fn scales_with_size(rule: &str) -> bool {
    rules::find(rule).is_some_and(|r| matches!(r.meta().category, Category::Locking | Category::Rewrite))
}

/// The severity the estimate gives, when it differs from the rule's.
fn scaled_severity(severity: Severity, seconds: f64, sizes: &TableSizes) -> Option<Severity> {
    let ms = seconds * 1000.0;
    let scaled = if ms < sizes.estimates.note_under_ms as f64 {
        Severity::Info
    } else if ms > sizes.estimates.error_over_ms as f64 {
        Severity::Error
    } else {
        severity
    };
    (scaled != severity).then_some(scaled)
}
