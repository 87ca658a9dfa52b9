//! The crate's own test suites that need its insides (black-box tests of the
//! binary are in `tests/it`): every fixture against its markers and
//! snapshot, the catalog over real histories, migration layouts over the
//! corpus and the sample repositories of `tests/repositories/`, and the
//! lock facts against a real PostgreSQL.

mod catalog;
pub(crate) mod fixes;
mod fixtures;
mod layouts;
mod mysql_corpus;
mod mysql_online_truth;
mod mysql_truth;
mod repositories;
pub(crate) mod rules;
mod sqlite_corpus;
mod sqlite_truth;
mod truth;

// Shared with tests/it, which uses other parts of it.
#[allow(dead_code)]
#[path = "../../tests/support/mod.rs"]
mod support;

/// What the suites share: the machine, the corpus, and how a finding is
/// placed on its statement.
mod common {
    pub(super) use super::support::corpus::{corpus, corpus_repositories, manifest};
    pub(super) use super::support::env::{repo_root, sorted_files};
    pub(super) use super::support::mariadb::{mariadb, Mariadb, MariadbError};

    use crate::input::discover::layout::Script;
    use crate::input::layout::Direction;
    use crate::input::source::{SourceFile, Span};
    use crate::parse::embedded::{Body, StepKind};
    use crate::parse::parse_file;
    use crate::report::FileReport;

    /// A corpus script as the corpus truth suites read it: its text, named
    /// by its path from the corpus, and its direction (`up` or `down`).
    pub(super) fn corpus_script(corpus: &std::path::Path, script: &Script) -> (SourceFile, &'static str) {
        let shown = script
            .path
            .strip_prefix(corpus)
            .unwrap_or(&script.path)
            .display()
            .to_string();
        let direction = match script.direction {
            Some(Direction::Down) => "down",
            _ => "up",
        };
        assert!(script.too_large.is_none(), "{shown}: too large to read");
        let text = String::from_utf8(script.bytes.clone()).unwrap_or_else(|e| panic!("{shown}: {e}"));
        (SourceFile::new(shown, text), direction)
    }

    /// Each active finding as (line of the statement holding it, rule id):
    /// a finding anywhere inside a statement counts at the statement's first
    /// line, the innermost one for a statement inside a `DO` block or a body.
    pub(super) fn findings_by_statement_line(report: &FileReport) -> Vec<(usize, String)> {
        let parsed = parse_file(&report.source);
        let mut spans: Vec<Span> = parsed.statements.iter().map(|s| s.span).collect();
        for (_, body) in &parsed.bodies {
            body_statement_spans(body, &report.source.path, &mut spans);
        }
        // Spans of the text with template placeholders replaced, in the file.
        for span in &mut spans {
            *span = parsed.file_span(*span);
        }
        let mut found: Vec<(usize, String)> = report
            .active()
            .map(|d| {
                let start = spans
                    .iter()
                    .filter(|s| s.start <= d.span.start && d.span.start < s.end.max(s.start + 1))
                    .min_by_key(|s| s.len())
                    .map_or(d.span.start, |s| s.start);
                (report.source.position(start).line, d.rule.to_string())
            })
            .collect();
        found.sort();
        found.dedup();
        found
    }

    /// The file spans of the steps of a body written in `path` (its
    /// statements, and SQL it builds at run time), and of the bodies inside it.
    fn body_statement_spans(body: &Body, path: &str, spans: &mut Vec<Span>) {
        if &*body.path != path {
            return;
        }
        for step in &body.steps {
            spans.push(step.span);
            if let StepKind::Statement(embedded) = &step.kind {
                if let Some(inner) = &embedded.body {
                    body_statement_spans(inner, path, spans);
                }
            }
        }
    }
}
