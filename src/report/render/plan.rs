//! Output of `miglint plan`: a compact table for reviewers, or versioned JSON
//! described by `schema/miglint-plan.schema.json`.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::json::position_value;
use super::size_words::{duration_words, table_words};
use crate::report::plan::{HeldUntil, Inside, PlannedFile, StatementPlan};

pub(crate) const PLAN_VERSION: u32 = 1;

pub(crate) fn render_human(files: &[PlannedFile], out: &mut dyn Write) -> io::Result<()> {
    for (i, file) in files.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", file.plan.path)?;
        for problem in &file.problems {
            writeln!(
                out,
                "  {}:{}  not planned: {} [{}]",
                problem.start.line, problem.start.column, problem.message, problem.rule
            )?;
        }
        if file.plan.statements.is_empty() {
            writeln!(out, "  (no statements)")?;
            continue;
        }
        let rows: Vec<[String; 5]> = file.plan.statements.iter().map(statement_cells).collect();
        let header = ["line", "statement", "locks", "effects", "held until"];
        let widths: Vec<usize> = (0..5)
            .map(|c| {
                rows.iter()
                    .map(|r| r[c].chars().count())
                    .chain([header[c].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: [&str; 5]| {
            let mut text = String::from(" ");
            for (c, cell) in cells.iter().enumerate() {
                let pad = widths[c].saturating_sub(cell.chars().count());
                text.push(' ');
                text.push_str(cell);
                if c < 4 {
                    text.push_str(&" ".repeat(pad + 1));
                }
            }
            text.trim_end().to_string()
        };
        writeln!(out, "{}", line(header))?;
        for row in &rows {
            writeln!(out, "{}", line([&row[0], &row[1], &row[2], &row[3], &row[4]]))?;
        }
    }
    Ok(())
}

/// The cells of a statement's row: position, statement, locks and what waits,
/// effects (rewrite, scan, data loss), and how long the locks are held.
pub(super) fn statement_cells(s: &StatementPlan) -> [String; 5] {
    let or_dash = |items: Vec<String>, separator: &str| {
        if items.is_empty() {
            "-".to_string()
        } else {
            items.join(separator)
        }
    };
    [
        format!("{}:{}", s.start.line, s.start.column),
        statement_cell(s),
        or_dash(lock_phrases(s), "; "),
        or_dash(effect_phrases(s), ", "),
        held_phrase(s).unwrap_or_else(|| "-".to_string()),
    ]
}

/// The statement on one line; one found inside another is marked as a step
/// of it: `↳ ALTER TABLE ...` under its `DO`, `↳ f() at 001_f.sql:4: ALTER
/// TABLE ...` under a call of `f()`.
fn statement_cell(s: &StatementPlan) -> String {
    match &s.inside {
        None => s.summary.clone(),
        Some(Inside::DoBlock { .. }) => format!("↳ {}", s.summary),
        Some(Inside::Routine {
            name,
            path,
            written_line,
            ..
        }) => {
            let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
            format!("↳ {name} at {file}:{written_line}: {}", s.summary)
        }
    }
}

/// Where a statement found inside another runs, in words.
fn inside_phrase(inside: &Inside) -> String {
    match inside {
        Inside::DoBlock { line } => format!("inside the DO block at line {line}"),
        Inside::Routine {
            name,
            procedure,
            line,
            path,
            written_line,
        } => {
            let kind = if *procedure { "procedure" } else { "function" };
            format!("in {kind} {name} (line {written_line} of {path}), called at line {line}")
        }
    }
}

/// One statement's plan as Markdown (an editor's hover): the same phrases
/// as a row of the table.
pub(crate) fn statement_markdown(s: &StatementPlan) -> String {
    let mut text = format!("**miglint plan** · line {}\n\n", s.start.line);
    if let Some(inside) = &s.inside {
        text.push_str(&format!(
            "- runs {}: `{}`\n",
            escape_markdown(&inside_phrase(inside)),
            s.summary.replace('`', "'")
        ));
    }
    let locks = lock_phrases(s);
    if locks.is_empty() {
        text.push_str("- locks: none\n");
    }
    for lock in locks {
        text.push_str(&format!("- lock: {}\n", escape_markdown(&lock)));
    }
    for effect in effect_phrases(s) {
        text.push_str(&format!("- {}\n", escape_markdown(&effect)));
    }
    if let Some(held) = held_phrase(s) {
        text.push_str(&format!("- held until: {}\n", escape_markdown(&held)));
    }
    text.push_str(&format!("- transaction: {}\n", s.transaction.as_str()));
    text
}

/// Relation names are identifiers, and quoted ones may hold any character.
fn escape_markdown(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `ACCESS EXCLUSIVE on users (blocks reads+writes)`, one per lock.
fn lock_phrases(s: &StatementPlan) -> Vec<String> {
    s.locks
        .iter()
        .map(|l| {
            let waits = if l.new_relation {
                "new table, nobody waits".to_string()
            } else {
                match l.blocks().as_slice() {
                    ["ddl"] => "blocks DDL only".to_string(),
                    blocks => format!("blocks {}", blocks.join("+")),
                }
            };
            format!("{} on {} ({waits})", l.mode, l.relation.plain())
        })
        .chain(
            s.database_lock
                .map(|mode| format!("{mode} on the database (blocks {})", mode.blocks().join("+"))),
        )
        .chain(s.scoped_locks.iter().map(|l| {
            let blocks = crate::report::plan::blocks_of(l.mode).join("+");
            format!("{} on {} (blocks {blocks})", l.mode, l.scope)
        }))
        .collect()
}

/// Rewrites, scans, data loss, and a statement that refuses a transaction block.
fn effect_phrases(s: &StatementPlan) -> Vec<String> {
    let mut effects = Vec::new();
    if s.implicit_commit {
        effects.push("commits implicitly".to_string());
    }
    let assumed = if s.assumed { ", assumed: table unknown" } else { "" };
    match s.algorithm {
        // The lock above is held while the work runs; the server takes the
        // exclusive one only to start and to finish.
        Some(algorithm @ ("INPLACE" | "COPY")) => {
            effects.push(format!("{algorithm} (MDL_EXCLUSIVE briefly at start and end{assumed})"))
        }
        Some(algorithm) if s.assumed => effects.push(format!("{algorithm} (assumed: table unknown)")),
        Some(algorithm) => effects.push(algorithm.to_string()),
        None => {}
    }
    for r in &s.rewrites {
        effects.push(format!("rewrites {}", r.plain()));
    }
    for r in &s.file_copies {
        effects.push(format!(
            "copies the files of {} (block by block: no row read)",
            r.plain()
        ));
    }
    for r in &s.new_empty_files {
        effects.push(format!(
            "empties {} (a new empty file: no row copied or read)",
            r.plain()
        ));
    }
    for r in &s.scans {
        effects.push(format!("scans {}", r.plain()));
    }
    if let Some(why) = s.builds_no_index {
        effects.push(why.to_string());
    }
    if let Some(workload) = &s.workload {
        effects.extend(workload.tables.iter().map(|t| table_words(&t.relation.plain(), t)));
        if let Some(seconds) = workload.seconds {
            effects.push(format!("takes {}", duration_words(seconds)));
        }
    }
    if s.data_loss {
        effects.push("DATA LOSS".to_string());
    }
    if !s.transactional {
        effects.push("no transaction block".to_string());
    }
    if !s.owners.is_empty() {
        effects.push(format!("owners: {}", s.owners.join(" ")));
    }
    effects
}

/// How long the locks are held, and which later lines run under them; None
/// without locks.
fn held_phrase(s: &StatementPlan) -> Option<String> {
    if s.locks.is_empty() && s.scoped_locks.is_empty() && s.database_lock.is_none() {
        return None;
    }
    let held = match s.held_until {
        HeldUntil::StatementEnd => "statement end".to_string(),
        HeldUntil::TransactionEnd(Some(line)) => match &s.inside {
            // The COMMIT is in the routine's body, which runs at the call.
            Some(Inside::Routine { name, line: call, .. }) if *call == line => {
                format!("COMMIT in {name}, called at line {line}")
            }
            _ => format!("COMMIT at line {line}"),
        },
        HeldUntil::TransactionEnd(None) => format!("end of file ({} transaction)", s.transaction.as_str()),
        HeldUntil::ImplicitCommit(line) => format!("implicit commit at line {line}"),
        HeldUntil::BlockEnd(line) => match s.inside {
            Some(Inside::DoBlock { line: block }) if block == line => format!("end of the DO block at line {line}"),
            _ => format!("end of the statement at line {line}, which runs in one transaction"),
        },
    };
    if s.held_through.is_empty() {
        Some(held)
    } else {
        let lines: Vec<String> = s.held_through.iter().map(usize::to_string).collect();
        Some(format!("{held}, through lines {}", lines.join(", ")))
    }
}

pub(crate) fn render_json(files: &[PlannedFile], pg_version: u32, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &plan_value(files, pg_version))?;
    writeln!(out)
}

pub(crate) fn plan_value(files: &[PlannedFile], pg_version: u32) -> Value {
    json!({
        "version": PLAN_VERSION,
        "tool": { "name": "miglint", "version": env!("CARGO_PKG_VERSION") },
        "settings": { "pg_version": pg_version },
        "files": files.iter().map(|f| json!({
            "path": f.plan.path,
            "dialect": f.plan.dialect.id(),
            "problems": f.problems.iter().map(|d| json!({
                "rule": d.rule,
                "message": d.message,
                "start": position_value(d.start),
            })).collect::<Vec<_>>(),
            "statements": f.plan.statements.iter().map(statement_value).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn statement_value(s: &StatementPlan) -> Value {
    let names = |list: &[crate::analysis::RelationName]| {
        list.iter()
            .map(crate::analysis::RelationName::plain)
            .collect::<Vec<_>>()
    };
    let (held_until, end_line, block_line) = match s.held_until {
        HeldUntil::StatementEnd => ("statement", None, None),
        HeldUntil::TransactionEnd(line) => ("transaction", line, None),
        HeldUntil::ImplicitCommit(line) => ("transaction", Some(line), None),
        HeldUntil::BlockEnd(line) => ("block", None, Some(line)),
    };
    let inside = s.inside.as_ref().map(|inside| match inside {
        Inside::DoBlock { line } => json!({ "kind": "do", "line": line }),
        Inside::Routine {
            name,
            procedure,
            line,
            path,
            written_line,
        } => json!({
            "kind": if *procedure { "procedure" } else { "function" },
            "line": line,
            "name": name,
            "path": path,
            "written_line": written_line,
        }),
    });
    json!({
        "span": { "start": position_value(s.start), "end": position_value(s.end) },
        "summary": s.summary,
        "locks": s.locks.iter().map(|l| json!({
            "relation": l.relation.plain(),
            "mode": l.mode.name(),
            "blocks": l.blocks(),
            "new_relation": l.new_relation,
        })).collect::<Vec<_>>(),
        "database_lock": s.database_lock.map(|mode| json!({ "mode": mode.name(), "blocks": mode.blocks() })),
        "scoped_locks": s.scoped_locks.iter().map(|l| json!({
            "scope": l.scope.to_string(),
            "mode": l.mode.name(),
            "blocks": crate::report::plan::blocks_of(l.mode),
        })).collect::<Vec<_>>(),
        "blocks": s.blocks(),
        "rewrites": names(&s.rewrites),
        "new_empty_files": names(&s.new_empty_files),
        "file_copies": names(&s.file_copies),
        "scans": names(&s.scans),
        "algorithm": s.algorithm,
        "assumed": s.assumed,
        "implicit_commit": s.implicit_commit,
        "data_loss": s.data_loss,
        "transactional": s.transactional,
        "transaction": s.transaction.as_str(),
        "held_until": held_until,
        "transaction_end_line": end_line,
        "block_line": block_line,
        "held_through": s.held_through,
        "inside": inside,
        "owners": s.owners,
        "workload": s.workload.as_ref().map(|w| {
            let mut value = json!({ "tables": super::json::tables_json(&w.tables) });
            if let Some(seconds) = w.seconds {
                value["estimated_seconds"] = json!(seconds);
            }
            value
        }),
    })
}
