//! Findings and plans that know the production tables: each statement's
//! tables weighed (`stats` snapshot, `[tables]`), its rewrites and
//! whole-table reads turned into an estimated duration, and the severity of
//! locking and rewrite findings scaled with it. A rewrite of a table of a
//! few thousand rows is over before anyone waits: a note. The same rewrite
//! of a 200 GB table holds its lock for an hour: an error. A finding whose
//! tables are not known keeps its rule's severity.

use crate::diagnostic::{Diagnostic, SizeNote, SizedTable, Workload};
use crate::input::source::Span;
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
        let statement = super::innermost(plan.statements.iter(), d.span.start, |s| {
            Span::new(s.start.offset, s.end.offset)
        });
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
        let blocking = d
            .lock
            .as_ref()
            .is_some_and(|lock| lock.mode.blocks_reads() || lock.mode.blocks_writes());
        d.size = Some(SizeNote {
            tables,
            seconds: workload.seconds,
            scaled_from,
            waits_behind: long_transactions(sizes).filter(|_| blocking),
        });
    }
}

/// How many transactions the snapshot saw open long, and the longest.
fn long_transactions(sizes: &TableSizes) -> Option<(usize, f64)> {
    let open = &sizes.snapshot.as_ref()?.long_transactions;
    let longest = open.iter().map(|t| t.seconds).fold(0.0, f64::max);
    (!open.is_empty()).then_some((open.len(), longest))
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

#[cfg(test)]
mod tests {
    use crate::report::engine::lint_bytes;
    use crate::settings::{Estimates, Settings, Severity, TablePattern, TableSize, TableSizes};

    /// `[tables]` with one entry per `(pattern, bytes, rows)`.
    fn sized(tables: &[(&str, u64, u64)]) -> Settings {
        let mut settings = Settings::default();
        settings.sizes = TableSizes {
            declared: tables
                .iter()
                .map(|(pattern, bytes, rows)| {
                    let size = TableSize {
                        table_bytes: Some(*bytes),
                        total_bytes: Some(*bytes),
                        rows: Some(*rows),
                        writes_per_second: None,
                    };
                    (TablePattern::new(pattern).unwrap(), size)
                })
                .collect(),
            ..TableSizes::default()
        };
        settings
    }

    /// Each finding's rule, severity, the severity its rule gave when the
    /// size changed it, and its estimated seconds.
    fn findings(settings: &Settings, sql: &str) -> Vec<(&'static str, Severity, Option<Severity>, Option<f64>)> {
        lint_bytes("m.sql", sql.as_bytes(), settings)
            .diagnostics
            .iter()
            .map(|d| {
                let note = d.size.as_ref();
                (
                    d.rule,
                    d.severity,
                    note.and_then(|n| n.scaled_from),
                    note.and_then(|n| n.seconds),
                )
            })
            .collect()
    }

    const TIMED: &str = "SET lock_timeout = '2s';\n";

    #[test]
    fn a_rewrite_of_a_small_table_is_a_note_and_of_a_huge_one_an_error() {
        let sql = format!("{TIMED}ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();\n");
        let small = findings(&sized(&[("t", 2_000_000, 2_000)]), &sql);
        assert_eq!(
            small,
            [(
                "adding-volatile-default",
                Severity::Info,
                Some(Severity::Error),
                Some(0.04)
            )]
        );
        let huge = findings(&sized(&[("t", 200_000_000_000, 3_000_000_000)]), &sql);
        assert_eq!(huge, [("adding-volatile-default", Severity::Error, None, Some(4000.0))]);
    }

    #[test]
    fn a_warning_between_the_thresholds_stays_and_outside_them_moves() {
        // prefer-text is style: never scaled. foreign-key-without-index is
        // about no work; require-concurrent-index scans.
        let sql = format!("{TIMED}CREATE INDEX i ON t (a);\n");
        let middle = findings(&sized(&[("t", 2_000_000_000, 1)]), &sql);
        assert_eq!(
            middle,
            [("require-concurrent-index", Severity::Error, None, Some(10.0))]
        );
        let mut lowered = sized(&[("t", 2_000_000_000, 1)]);
        lowered.sizes.estimates = Estimates {
            note_under_ms: 20_000,
            ..Estimates::default()
        };
        assert_eq!(
            findings(&lowered, &sql),
            [(
                "require-concurrent-index",
                Severity::Info,
                Some(Severity::Error),
                Some(10.0)
            )]
        );
    }

    #[test]
    fn data_loss_and_unknown_tables_keep_their_severity() {
        let settings = sized(&[("t", 1_000, 1)]);
        let sql = format!("{TIMED}ALTER TABLE t DROP COLUMN a;\nCREATE INDEX i ON other (a);\n");
        let found = findings(&settings, &sql);
        assert_eq!(
            found,
            [
                ("ban-drop-column", Severity::Error, None, None),
                ("require-concurrent-index", Severity::Error, None, None),
            ]
        );
        let report = lint_bytes("m.sql", sql.as_bytes(), &settings);
        assert!(report.diagnostics[0].size.is_some(), "its table is known, and named");
        assert!(report.diagnostics[1].size.is_none(), "`other` is not known");
    }

    #[test]
    fn a_statement_reading_an_unknown_table_has_no_estimate() {
        // The rewrite of `t` is known, the scan of the referenced table is
        // not (the foreign key is checked against it).
        let settings = sized(&[("t", 1_000, 1)]);
        let sql = format!(
            "{TIMED}ALTER TABLE t ALTER COLUMN a TYPE bigint, ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id);\n"
        );
        let report = lint_bytes("m.sql", sql.as_bytes(), &settings);
        let notes: Vec<_> = report.diagnostics.iter().filter_map(|d| d.size.as_ref()).collect();
        assert_eq!(notes.len(), 2, "{:?}", report.diagnostics);
        assert!(notes.iter().all(|n| n.seconds.is_none() && n.scaled_from.is_none()));
        assert!(report.diagnostics.iter().all(|d| d.severity == Severity::Error));
    }
}
