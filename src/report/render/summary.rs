//! A Markdown job summary for CI (`$GITHUB_STEP_SUMMARY`): a verdict, the
//! findings by file, and what each checked migration will lock, so a reviewer
//! sees the cost of a migration without reading its SQL.

use std::io::{self, Write};

use super::plan::statement_cells;
use super::size_words::note_words;
use super::{plural, rule_doc_url};
use crate::diagnostic::Diagnostic;
use crate::input::layout::Role;
use crate::report::plan::{blocks_of, FilePlan};
use crate::report::FileReport;
use crate::report::Report;

/// GitHub shows at most 1 MiB of summary per step: past these counts the
/// summary says what it left out instead of being cut off mid-table.
const MAX_FINDING_ROWS: usize = 200;
const MAX_PLANNED_FILES: usize = 50;

/// `plans` holds the plan of each file of `report.files`, in the same order
/// (None for content that is not SQL text). `incomplete` says some input
/// could not be read, so the verdict covers only part of the change.
pub(crate) fn render(
    report: &Report,
    plans: &[Option<FilePlan>],
    incomplete: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let summary = report.summary();
    let verdict = if incomplete {
        "⚠️ incomplete: some inputs could not be read (see the job log)"
    } else if summary.blocking > 0 {
        "❌ blocked"
    } else if summary.errors + summary.warnings + summary.infos > 0 {
        "✅ passed, with findings below the threshold"
    } else {
        "✅ passed"
    };
    writeln!(out, "## miglint: {verdict}")?;
    writeln!(out)?;
    let mut counts = format!(
        "{} and {}",
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning")
    );
    if summary.infos > 0 {
        counts.push_str(&format!(", {} to review", plural(summary.infos, "info")));
    }
    if summary.suppressed > 0 {
        counts.push_str(&format!(" ({} suppressed)", summary.suppressed));
    }
    if summary.baselined > 0 {
        counts.push_str(&format!(" ({} in the baseline)", summary.baselined));
    }
    writeln!(
        out,
        "{counts} in {} checked ({}), for PostgreSQL {}; `--fail-on {}`.",
        plural(summary.files, "file"),
        plural(summary.statements, "statement"),
        report.pg_version,
        report.fail_on.as_str()
    )?;
    write_owners(report, out)?;
    write_findings(report, out)?;
    write_lock_tables(report, plans, out)
}

/// Who reviews each migration: the owners of the tables it touches
/// (`[owners]`), when any migration has some.
fn write_owners(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.files.iter().all(|f| f.owners.is_empty()) {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### Owners")?;
    writeln!(out)?;
    writeln!(out, "| Migration | Owners |")?;
    writeln!(out, "| --- | --- |")?;
    for file in report.files.iter().take(MAX_FINDING_ROWS) {
        let owners = if file.owners.is_empty() {
            "no owner".to_string()
        } else {
            file.owners.join(", ")
        };
        writeln!(out, "| {} | {} |", code_cell(file.path()), text_cell(&owners))?;
    }
    if report.files.len() > MAX_FINDING_ROWS {
        writeln!(out)?;
        writeln!(
            out,
            "{} more not shown here: see `miglint check --format json`.",
            plural(report.files.len() - MAX_FINDING_ROWS, "migration")
        )?;
    }
    Ok(())
}

fn write_findings(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<(&FileReport, &Diagnostic)> = report.diagnostics().filter(|(_, d)| d.is_active()).collect();
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### Findings")?;
    writeln!(out)?;
    // An Owners column when some finding's tables have owners, a Size
    // column when some finding's tables have a known size.
    let owned = findings
        .iter()
        .any(|(_, d)| d.owners.as_ref().is_some_and(|o| !o.is_empty()));
    let sized = findings.iter().any(|(_, d)| d.size.is_some());
    let mut header = vec!["Location", "Rule", "Severity", "Finding", "Lock"];
    header.extend(owned.then_some("Owners"));
    header.extend(sized.then_some("Size"));
    header.push("Help");
    writeln!(out, "| {} |", header.join(" | "))?;
    writeln!(out, "|{}", " --- |".repeat(header.len()))?;
    for (file, d) in findings.iter().take(MAX_FINDING_ROWS) {
        let lock = d.lock.as_ref().map_or_else(String::new, |lock| {
            let waits = match blocks_of(lock.mode).as_slice() {
                ["ddl"] => "blocks DDL only".to_string(),
                blocks => format!("blocks {}", blocks.join("+")),
            };
            format!("{} on {} ({waits})", lock.mode.name(), lock.relation.plain())
        });
        let mut cells = vec![
            code_cell(&format!("{}:{}", file.path(), d.start.line)),
            format!("[{}]({})", text_cell(d.rule), rule_doc_url(d.rule)),
            d.severity.as_str().to_string(),
            text_cell(&d.message),
            text_cell(&lock),
        ];
        if owned {
            cells.push(text_cell(&d.owners.as_deref().unwrap_or_default().join(", ")));
        }
        if sized {
            let size = d.size.as_ref().map(|n| note_words(n, d.severity)).unwrap_or_default();
            cells.push(text_cell(&size));
        }
        cells.push(text_cell(d.help.as_deref().unwrap_or("")));
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    if findings.len() > MAX_FINDING_ROWS {
        writeln!(out)?;
        writeln!(
            out,
            "{} more not shown here: see the annotations or run `miglint check` locally.",
            plural(findings.len() - MAX_FINDING_ROWS, "finding")
        )?;
    }
    Ok(())
}

/// A lock table per migration the change applies: down and verify scripts
/// are left out (they never run on deploy), and so are deleted files.
fn write_lock_tables(report: &Report, plans: &[Option<FilePlan>], out: &mut dyn Write) -> io::Result<()> {
    let planned: Vec<&FilePlan> = report
        .files
        .iter()
        .zip(plans)
        .filter(|(file, _)| {
            let script = &file.script;
            script.role == Role::Change && script.keeps_effects() && !script.is_deleted()
        })
        .filter_map(|(_, plan)| plan.as_ref())
        .filter(|plan| !plan.statements.is_empty())
        .collect();
    if planned.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### What the migrations lock")?;
    for plan in planned.iter().take(MAX_PLANNED_FILES) {
        writeln!(out)?;
        writeln!(out, "#### {}", code_span(&plan.path))?;
        writeln!(out)?;
        writeln!(
            out,
            "| Line | Statement | Locks (what waits) | Rewrite, scan | Held until |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for statement in &plan.statements {
            let [position, sql, locks, effects, held] = statement_cells(statement);
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                text_cell(&position),
                code_cell(&sql),
                text_cell(&locks),
                text_cell(&effects),
                text_cell(&held)
            )?;
        }
    }
    if planned.len() > MAX_PLANNED_FILES {
        writeln!(out)?;
        writeln!(
            out,
            "{} more not shown here: run `miglint plan` on them.",
            plural(planned.len() - MAX_PLANNED_FILES, "migration")
        )?;
    }
    Ok(())
}

/// Text for a Markdown table cell: shown as written, on one row. Markdown
/// and HTML syntax is escaped, a `|` would end the cell, and a line break
/// would end the row; indentation is kept, so a recipe's steps stay aligned.
fn text_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut line_start = true;
    while let Some(c) = chars.next() {
        let was_line_start = std::mem::replace(&mut line_start, false);
        match c {
            ' ' if was_line_start => {
                out.push_str("&nbsp;");
                line_start = true;
            }
            '\r' | '\n' => {
                if c == '\r' {
                    chars.next_if_eq(&'\n');
                }
                out.push_str("<br>");
                line_start = true;
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A code span for a table cell: a `|` is escaped even there, as GitHub's
/// table syntax requires.
fn code_cell(text: &str) -> String {
    code_span(text).replace('|', "\\|")
}

/// A code span on one line, fenced by more backticks than any run inside.
fn code_span(text: &str) -> String {
    let one_line = text.replace("\r\n", " ").replace(['\r', '\n'], " ");
    let longest_run = one_line.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    // A space keeps a backtick at either end from joining the fence.
    let pad = if one_line.starts_with('`') || one_line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{one_line}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_keep_text_on_one_row_and_escape_markdown() {
        assert_eq!(text_cell("a | b\nc\r\nd\re"), "a \\| b<br>c<br>d<br>e");
        assert_eq!(text_cell("do:\n  1. x y"), "do:<br>&nbsp;&nbsp;1. x y");
        assert_eq!(
            text_cell("<b>x</b> & *y* `z` [l](u)"),
            "&lt;b&gt;x&lt;/b&gt; &amp; \\*y\\* \\`z\\` \\[l\\](u)"
        );
        assert_eq!(code_cell("SELECT a || b"), "`SELECT a \\|\\| b`");
        assert_eq!(code_span("x `y` ``z``\nw"), "```x `y` ``z`` w```");
        assert_eq!(code_span("`q`"), "`` `q` ``");
    }
}
