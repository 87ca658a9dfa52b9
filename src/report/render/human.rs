//! Human output: what was detected of each root, a miette code frame per
//! finding, totals per rule and per file for a long run, a summary line.

use std::collections::BTreeMap;
use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

use super::size_words::finding_context;
use super::{plural, RenderOptions};
use crate::diagnostic::{Diagnostic, Severity};
use crate::input::source::{visible_control, Span};
use crate::report::FileReport;
use crate::report::Report;

pub(super) fn render(report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100)
        // Help holds SQL recipes and ignore comments to copy: never wrapped.
        .with_wrap_lines(false)
        .with_context_lines(1);
    // What was detected, so a wrong guess is seen before its findings.
    for root in &report.roots {
        writeln!(out, "{}", root.describe())?;
    }
    if !report.roots.is_empty() {
        writeln!(out)?;
    }
    for file in &report.files {
        for diagnostic in file.active() {
            let mut text = String::new();
            let frame = frame(file, diagnostic);
            if handler.render_report(&mut text, &frame).is_err() {
                text = format!("{}:{}: {}\n", file.path(), diagnostic.start.line, diagnostic.message);
            }
            // Who reviews it and how big its tables are, under the frame.
            let context = finding_context(diagnostic);
            if !context.is_empty() {
                text.truncate(text.trim_end_matches('\n').len());
                text.push('\n');
                for line in context {
                    text.push_str(&format!("  {line}\n"));
                }
            }
            writeln!(out, "{text}")?;
        }
    }
    write_totals(report, out)?;
    writeln!(out, "{}", summary_line(report))
}

/// From this many findings on (several screens of frames), the output ends
/// with totals per rule and per file: a reader of a long run, an audit of an
/// old history, sees where the findings are without scrolling through them.
const TOTALS_FROM: usize = 50;

/// The files named in the totals, the most findings first.
const FILES_SHOWN: usize = 10;

fn write_totals(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_file: Vec<(&str, usize)> = Vec::new();
    for file in &report.files {
        let count = file.active().count();
        for d in file.active() {
            *by_rule.entry(d.rule).or_insert(0) += 1;
        }
        if count > 0 {
            by_file.push((file.path(), count));
        }
    }
    let total: usize = by_rule.values().sum();
    if total < TOTALS_FROM {
        return Ok(());
    }
    let mut rules: Vec<(&str, usize)> = by_rule.into_iter().collect();
    rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    writeln!(out, "findings by rule:")?;
    for (rule, count) in &rules {
        writeln!(out, "  {count:>5}  {rule}")?;
    }
    by_file.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown = by_file.len().min(FILES_SHOWN);
    if by_file.len() > shown {
        writeln!(out, "files with the most findings ({shown} of {}):", by_file.len())?;
    } else {
        writeln!(out, "findings by file:")?;
    }
    for (path, count) in &by_file[..shown] {
        writeln!(out, "  {count:>5}  {path}")?;
    }
    writeln!(out)
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
        Severity::Info => miette::Severity::Advice,
    };
    let shown = ShownSource::new(&file.source.text);
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, shown.span(d.span))];
    labels.extend(
        d.labels
            .iter()
            .map(|l| LabeledSpan::new_with_span(Some(printable(&l.message)), shown.span(l.span))),
    );
    let mut inner = MietteDiagnostic::new(printable(&d.message))
        .with_code(d.rule)
        .with_severity(severity)
        .with_labels(labels);
    if let Some(help) = &d.help {
        inner = inner.with_help(printable(help));
    }
    Frame {
        inner,
        source: NamedSource::new(file.path(), shown.text),
    }
}

/// The source text as shown in a code frame: a lone CR becomes a line break
/// (miette breaks lines only at LF), and control characters become visible
/// symbols so a file can neither garble nor drive the terminal.
struct ShownSource {
    text: String,
    /// (offset in the original text just past a replaced character, total
    /// growth in bytes up to and including it), in order.
    shifts: Vec<(usize, usize)>,
}

impl ShownSource {
    fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut shifts = Vec::new();
        let mut growth = 0;
        let mut chars = original.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '\r' if chars.peek().is_some_and(|&(_, next)| next == '\n') => text.push(c),
                '\r' => text.push('\n'),
                '\n' | '\t' => text.push(c),
                _ => match visible_control(c) {
                    Some(symbol) => {
                        text.push(symbol);
                        growth += symbol.len_utf8() - c.len_utf8();
                        shifts.push((at + c.len_utf8(), growth));
                    }
                    None => text.push(c),
                },
            }
        }
        ShownSource { text, shifts }
    }

    /// Moves an offset of the original text to the shown text.
    fn offset(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|&(end, _)| end <= offset);
        offset + before.checked_sub(1).map_or(0, |i| self.shifts[i].1)
    }

    fn span(&self, span: Span) -> (usize, usize) {
        let start = self.offset(span.start);
        (start, self.offset(span.end) - start)
    }
}

/// Message text with control characters made visible; CRLF and a lone CR
/// (in a recipe quoting a CR-only file) become line breaks.
fn printable(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            '\r' => '\n',
            _ => visible_control(c).unwrap_or(c),
        })
        .collect()
}

fn summary_line(report: &Report) -> String {
    let s = report.summary();
    let checked = format!(
        "{} checked, {}",
        plural(s.files, "file"),
        plural(s.statements, "statement")
    );
    let mut suppressed = String::new();
    if s.suppressed > 0 {
        suppressed.push_str(&format!(", {} suppressed", s.suppressed));
    }
    if s.baselined > 0 {
        suppressed.push_str(&format!(", {} in the baseline", s.baselined));
    }
    let infos = if s.infos > 0 {
        format!(", {}", plural(s.infos, "info"))
    } else {
        String::new()
    };
    if s.errors + s.warnings == 0 {
        let notes = if s.infos > 0 {
            format!(" ({} to review)", plural(s.infos, "info"))
        } else {
            String::new()
        };
        return format!("miglint: no problems found{notes} ({checked}{suppressed})");
    }
    let verdict = if s.blocking > 0 {
        format!("; this change is blocked (--fail-on {})", report.fail_on.as_str())
    } else {
        String::new()
    };
    format!(
        "miglint: {}, {}{infos} ({checked}{suppressed}){verdict}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_cr_breaks_lines_and_keeps_offsets() {
        let shown = ShownSource::new("a\rb\r\nc");
        assert_eq!(shown.text, "a\nb\r\nc");
        assert_eq!(shown.span(Span::new(2, 3)), (2, 1));
    }

    #[test]
    fn control_characters_are_shown_as_symbols_and_spans_follow() {
        let shown = ShownSource::new("a\0b\x1b[2Jc");
        assert_eq!(shown.text, "a\u{2400}b\u{241b}[2Jc");
        // `b` moves by 2 bytes, `c` by 4
        assert_eq!(shown.span(Span::new(2, 3)), (4, 1));
        assert_eq!(shown.span(Span::new(1, 2)), (1, 3));
        assert_eq!(shown.span(Span::new(7, 8)), (11, 1));
        assert_eq!(printable("x\x1by\r\nz\rw"), "x\u{241b}y\nz\nw");
    }
}
