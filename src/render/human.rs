//! Human output: a miette code frame per finding, then a summary line.

use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

use super::{plural, RenderOptions, Report};
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileReport;

pub fn render(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        .with_context_lines(1);
    for file in &report.files {
        for diagnostic in file.active() {
            let mut text = String::new();
            let frame = frame(file, diagnostic);
            if handler.render_report(&mut text, &frame).is_err() {
                text = format!("{}:{}: {}\n", file.path(), diagnostic.start.line, diagnostic.message);
            }
            writeln!(out, "{text}")?;
        }
    }
    writeln!(out, "{}", summary_line(report))
}

struct Frame {
    inner: MietteDiagnostic,
    source: NamedSource<String>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl std::fmt::Display for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.inner, f)
    }
}

impl std::error::Error for Frame {}

impl miette::Diagnostic for Frame {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.inner.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner.labels()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
}

fn frame(file: &FileReport, d: &Diagnostic) -> Frame {
    let severity = match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    };
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, (d.span.start, d.span.len()))];
    labels.extend(
        d.labels
            .iter()
            .map(|l| LabeledSpan::new_with_span(Some(l.message.clone()), (l.span.start, l.span.len()))),
    );
    let mut inner = MietteDiagnostic::new(d.message.clone())
        .with_code(d.rule)
        .with_severity(severity)
        .with_labels(labels);
    if let Some(help) = &d.help {
        inner = inner.with_help(help.clone());
    }
    Frame {
        inner,
        source: NamedSource::new(file.path(), file.source.text.to_string()),
    }
}

fn summary_line(report: &Report) -> String {
    let s = report.summary();
    let checked = format!(
        "{} checked, {}",
        plural(s.files, "file"),
        plural(s.statements, "statement")
    );
    let suppressed = if s.suppressed > 0 {
        format!(", {} suppressed", s.suppressed)
    } else {
        String::new()
    };
    if s.errors + s.warnings == 0 {
        return format!("miglint: no problems found ({checked}{suppressed})");
    }
    let verdict = if s.blocking > 0 {
        format!("; this change is blocked (--fail-on {})", report.fail_on.as_str())
    } else {
        String::new()
    };
    format!(
        "miglint: {}, {} ({checked}{suppressed}){verdict}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning")
    )
}
