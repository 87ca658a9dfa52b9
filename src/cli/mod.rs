//! Command line: arguments, commands and exit codes.
//!
//! Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it;
//! 2 miglint could not do its job (bad arguments, bad config, unreadable
//! path, no input).

mod args;
pub(crate) mod fix;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::diagnostic::FailOn;
use crate::input::layout::Role;
use crate::prepare::{self, Message, PreparedRun, RunRequest};
use crate::report::engine::{lint_and_plan_run, lint_run, plan_run, RunInput};
use crate::report::plan::FilePlan;
use crate::report::render::{self, Format, RenderOptions};
use crate::report::FileReport;
use crate::report::Report;
use crate::rules;
use crate::trace::{RunMode, Tracer};
use args::{BaselineArgs, CheckArgs, Cli, Command, PlanArgs, PlanFormat, RulesFormat, RunArgs, StatsArgs, TraceArgs};

pub(crate) const EXIT_OK: u8 = 0;
pub(crate) const EXIT_BLOCKED: u8 = 1;
pub(crate) const EXIT_FAILURE: u8 = 2;

/// Runs miglint with `argv` (program name first) and returns the exit code.
pub fn run(argv: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_FAILURE } else { EXIT_OK });
        }
    };
    let code = match cli.command {
        Command::Check(args) => check(args),
        Command::Plan(args) => plan(args),
        Command::Trace(args) => trace(args),
        Command::Stats(args) => stats(args),
        Command::Rules { format } => list_rules(format),
        Command::Explain { rule } => explain(&rule),
        Command::Lsp => crate::lsp::run(),
        Command::Baseline(args) => baseline(args),
    };
    ExitCode::from(code)
}

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("miglint: error: {message}");
    EXIT_FAILURE
}

/// `miglint stats`: the snapshot read and written where asked.
fn stats(args: StatsArgs) -> u8 {
    use crate::stats::{summary, take_snapshot, StatsRequest, WriteWindow};
    let request = StatsRequest {
        url: args.database_url,
        writes: if args.since_stats_reset {
            WriteWindow::SinceStatsReset
        } else {
            WriteWindow::Window(args.window)
        },
        statement_timeout: args.statement_timeout,
        long_transaction: args.long_transaction,
    };
    let snapshot = match take_snapshot(&request) {
        Ok(snapshot) => snapshot,
        Err(message) => return fail(message),
    };
    let mut text = match serde_json::to_string_pretty(&snapshot) {
        Ok(text) => text,
        Err(e) => return fail(format!("cannot write the snapshot: {e}")),
    };
    text.push('\n');
    if args.output.as_os_str() == "-" {
        print!("{text}");
    } else if let Err(e) = std::fs::write(&args.output, text) {
        return fail(format!("{}: cannot write the snapshot: {e}", args.output.display()));
    } else {
        eprintln!("miglint: wrote {}: {}", args.output.display(), summary(&snapshot));
    }
    EXIT_OK
}

/// Prepares the run the arguments ask for and prints what there is to tell
/// of it; Err when it cannot start or has no input left.
fn prepare(
    run: &RunArgs,
    rule_flags: &[String],
    fail_on: Option<FailOn>,
    baseline: Option<&Path>,
) -> Result<PreparedRun, String> {
    prepare_request(&request_of(run, rule_flags, fail_on, baseline))
}

fn prepare_request(request: &RunRequest) -> Result<PreparedRun, String> {
    let prepared = prepare::prepare(request)?;
    prepared.messages.iter().for_each(print_message);
    if prepared.inputs.is_empty() && prepared.failed() {
        return Err("no input was read".into());
    }
    Ok(prepared)
}

/// The run the arguments ask for.
fn request_of(run: &RunArgs, rule_flags: &[String], fail_on: Option<FailOn>, baseline: Option<&Path>) -> RunRequest {
    RunRequest {
        paths: run.paths.clone(),
        config: run.config.clone(),
        pg_version: run.pg_version,
        fail_on,
        schema: run.schema.clone(),
        assume_in_transaction: run.assume_in_transaction,
        tool: run.tool,
        since: run.since.clone(),
        no_history: run.no_history,
        assume_lock_timeout: run.assume_lock_timeout,
        stdin_filename: run.stdin_filename.clone(),
        rules: rule_flags.to_vec(),
        stdin: None,
        baseline: baseline.map(Path::to_path_buf),
        stats: run.stats.clone(),
        overlays: Vec::new(),
    }
}

fn print_message(message: &Message) {
    match message {
        Message::Error(text) => eprintln!("miglint: error: {text}"),
        Message::Note(text) => eprintln!("miglint: note: {text}"),
    }
}

/// `miglint baseline`: today's findings (those no ignore comment silences,
/// whatever a baseline already says) written to the baseline file.
fn baseline(args: BaselineArgs) -> u8 {
    let prepared = match prepare(&args.run, &args.rules, None, None) {
        Ok(prepared) => prepared,
        Err(message) => return fail(message),
    };
    let failed = prepared.failed();
    let output = args
        .output
        .clone()
        .or_else(|| prepared.settings.baseline.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_BASELINE));
    let files = lint_run(prepared.inputs, prepared.scope);
    let dir = prepare::folder_of(&output);
    let (text, count) = crate::report::baseline::write(&files, |file| prepare::path_from(dir, file.path()));
    if let Err(e) = std::fs::write(&output, text) {
        return fail(format!("{}: cannot write the baseline: {e}", output.display()));
    }
    let with_findings = files.iter().filter(|f| f.active().next().is_some()).count();
    println!(
        "miglint: wrote {} of {} to {}; `miglint check --baseline {}` (or `baseline = \"...\"` in miglint.toml) reports only new ones",
        plural(count, "finding"),
        plural(with_findings, "file"),
        output.display(),
        output.display()
    );
    if failed {
        EXIT_FAILURE
    } else {
        EXIT_OK
    }
}

/// Where `miglint baseline` writes when neither `--output` nor config says.
const DEFAULT_BASELINE: &str = "miglint-baseline.json";

fn plural(n: usize, word: &str) -> String {
    match n {
        1 => format!("1 {word}"),
        _ if word.ends_with('x') => format!("{n} {word}es"),
        _ => format!("{n} {word}s"),
    }
}

fn check(args: CheckArgs) -> u8 {
    let mut request = request_of(&args.run, &args.rules, args.fail_on, args.baseline.as_deref());
    if args.fix || args.diff {
        match fix_files(&args, &request) {
            // `--diff` judges the fixed text it does not write.
            Ok(overlays) if args.diff => request.overlays = overlays,
            Ok(_) => {}
            Err(message) => return fail(message),
        }
    }
    let prepared = match prepare_request(&request) {
        Ok(prepared) => prepared,
        Err(message) => return fail(message),
    };
    let mut failed = prepared.failed();
    // The summary shows plans beside the findings: both from one analysis.
    let (mut files, plans): (Vec<FileReport>, Vec<Option<FilePlan>>) = if args.summary_file.is_some() {
        lint_and_plan_run(prepared.inputs, prepared.scope)
            .into_iter()
            .map(|checked| (checked.report, checked.plan))
            .unzip()
    } else {
        let files = lint_run(prepared.inputs, prepared.scope);
        (files, Vec::new())
    };
    for message in prepare::apply_baselines(&mut files) {
        failed |= matches!(message, Message::Error(_));
        print_message(&message);
    }
    let report = Report {
        files,
        fail_on: prepared.settings.fail_on,
        pg_version: prepared.settings.pg_version,
        roots: prepared.roots,
    };
    let color = use_color(
        args.run.no_color,
        |name| std::env::var_os(name),
        std::io::stdout().is_terminal(),
    );
    // Buffered: a large report is many small writes.
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    // `--diff` prints the patch instead of the report.
    let written = if args.diff {
        Ok(())
    } else {
        render::render(args.format, &report, &RenderOptions { color }, &mut stdout)
    }
    .and_then(|()| stdout.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return fail(format!("cannot write output: {e}"));
        }
    }
    if let Err(message) = write_ci_files(&args, &report, &plans, failed) {
        return fail(message);
    }

    if failed {
        EXIT_FAILURE
    } else if report.summary().blocking > 0 {
        EXIT_BLOCKED
    } else {
        EXIT_OK
    }
}

/// `--fix` and `--diff`: applies the safe fixes of the run and writes the
/// files, or prints their diff; the fixed content of every changed file.
/// Standard input is refused: there is no file to write back to.
fn fix_files(args: &CheckArgs, request: &RunRequest) -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    let flag = if args.fix { "--fix" } else { "--diff" };
    if args.run.paths.iter().any(|p| p == "-") {
        return Err(format!(
            "{flag} works on files, not standard input (`-`): name the migration files instead"
        ));
    }
    let fixed = fix::fix_run(request)?;
    for why in &fixed.refused {
        eprintln!("miglint: note: {why}");
    }
    if args.diff {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(fix::diff(&fixed).as_bytes())
            .and_then(|()| stdout.flush());
    } else {
        fix::write(&fixed)?;
        if !fixed.files.is_empty() {
            eprintln!(
                "miglint: applied {} to {}",
                plural(fixed.applied, "fix"),
                plural(fixed.files.len(), "file")
            );
        }
    }
    if fixed.unsafe_left > 0 {
        eprintln!(
            "miglint: note: {} not applied: {} more than the lock (the editor's quick fixes offer {})",
            plural(fixed.unsafe_left, "unsafe fix"),
            if fixed.unsafe_left == 1 {
                "it changes"
            } else {
                "they change"
            },
            if fixed.unsafe_left == 1 { "it" } else { "them" }
        );
    }
    Ok(fixed.overlays())
}

/// Whether to colour the output, by the common conventions (no-color.org,
/// bixense.com/clicolors, FORCE_COLOR): `--no-color` wins; then a non-empty
/// `NO_COLOR` turns colour off; then `FORCE_COLOR` (but `0` or `false`) or
/// `CLICOLOR_FORCE` (but `0`) turn it on, piped output too, as CI logs show
/// colours; then `CLICOLOR=0` turns it off; else colour on a terminal only.
fn use_color(no_color_flag: bool, env: impl Fn(&str) -> Option<OsString>, stdout_is_terminal: bool) -> bool {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if no_color_flag || set("NO_COLOR").is_some() {
        return false;
    }
    let force_color = set("FORCE_COLOR").is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"));
    let clicolor_force = set("CLICOLOR_FORCE").is_some_and(|v| v != "0");
    if force_color || clicolor_force {
        return true;
    }
    stdout_is_terminal && set("CLICOLOR").is_none_or(|v| v != "0")
}

/// The files a CI job reads besides the output: SARIF for code scanning, a
/// Markdown job summary, and step outputs (`$GITHUB_OUTPUT`). The summary and
/// the step outputs are appended to, as several steps share those files.
fn write_ci_files(
    args: &CheckArgs,
    report: &Report,
    plans: &[Option<FilePlan>],
    incomplete: bool,
) -> Result<(), String> {
    if let Some(path) = &args.sarif_file {
        let mut sarif = Vec::new();
        render::render(Format::Sarif, report, &RenderOptions { color: false }, &mut sarif)
            .and_then(|()| std::fs::write(path, sarif))
            .map_err(|e| format!("{}: cannot write SARIF: {e}", path.display()))?;
    }
    if let Some(path) = &args.summary_file {
        let mut summary = Vec::new();
        render::summary::render(report, plans, incomplete, &mut summary)
            .and_then(|()| append(path, &summary))
            .map_err(|e| format!("{}: cannot write the summary: {e}", path.display()))?;
    }
    if let Some(path) = &args.github_output {
        let counts = report.summary();
        let sarif = args
            .sarif_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let lines = [
            step_output("errors", &counts.errors.to_string()),
            step_output("warnings", &counts.warnings.to_string()),
            step_output("sarif-file", &sarif),
        ]
        .concat();
        append(path, lines.as_bytes()).map_err(|e| format!("{}: cannot write step outputs: {e}", path.display()))?;
    }
    Ok(())
}

fn append(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(bytes)
}

/// One `$GITHUB_OUTPUT` entry: `name=value`, or GitHub's heredoc form for a
/// value that spans lines.
fn step_output(name: &str, value: &str) -> String {
    if !value.contains(['\n', '\r']) {
        return format!("{name}={value}\n");
    }
    let mut delimiter = "MIGLINT_EOF".to_string();
    while value.contains(&delimiter) {
        delimiter.push('_');
    }
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// `miglint plan`: exit 0 when every input was planned, 2 otherwise; a plan
/// never blocks.
fn plan(args: PlanArgs) -> u8 {
    let prepared = match prepare(&args.run, &[], None, None) {
        Ok(prepared) => prepared,
        Err(message) => return fail(message),
    };
    let failed = prepared.failed();
    let files = plan_run(prepared.inputs, prepared.scope);
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = match args.format {
        PlanFormat::Human => render::plan::render_human(&files, &mut stdout),
        PlanFormat::Json => render::plan::render_json(&files, prepared.settings.pg_version, &mut stdout),
    }
    .and_then(|()| stdout.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return fail(format!("cannot write output: {e}"));
        }
    }
    if failed {
        EXIT_FAILURE
    } else {
        EXIT_OK
    }
}

/// `miglint trace`: exit 0 when every statement that ran did what miglint
/// predicted and none failed, 1 on any difference, 2 when trace could not
/// compare everything (a statement failed, a file could not be planned) or
/// could not run (connection, unreadable input).
fn trace(args: TraceArgs) -> u8 {
    let prepared = match prepare(&args.run, &[], None, None) {
        Ok(prepared) => prepared,
        Err(message) => return fail(message),
    };
    let failed = prepared.failed();
    let mode = if args.commit {
        RunMode::Commit
    } else if args.each_file {
        RunMode::EachFile
    } else {
        RunMode::History
    };
    // Alone, each file meets the database as it was: plan each file after
    // the history alone (the schema dump, and the migrations of its root
    // that ran before it). Otherwise each file builds on the last.
    let files = if mode == RunMode::EachFile {
        let (history, changes): (Vec<RunInput>, Vec<RunInput>) = prepared
            .inputs
            .into_iter()
            .partition(|input| input.script.role != Role::Change);
        changes
            .into_iter()
            .flat_map(|input| {
                let mut run: Vec<RunInput> = history
                    .iter()
                    .filter(|h| h.script.root == input.script.root && h.script.order < input.script.order)
                    .cloned()
                    .collect();
                run.push(input);
                plan_run(run, prepared.scope)
            })
            .collect()
    } else {
        plan_run(prepared.inputs, prepared.scope)
    };
    let mut tracer = match Tracer::connect(&args.database_url, mode) {
        Ok(tracer) => tracer,
        Err(message) => return fail(message),
    };
    let (mut differences, mut statements_failed, mut skipped) = (0, 0, 0);
    let mut failed = failed;
    let mut out = std::io::stdout().lock();
    for file in &files {
        if !file.problems.is_empty() {
            eprintln!(
                "miglint: error: {}: not traced: it holds text miglint cannot plan",
                file.plan.path
            );
            failed = true;
            continue;
        }
        let texts: Vec<String> = file.plan.statements.iter().map(|s| s.text.clone()).collect();
        match tracer.trace_file(&file.plan, &texts) {
            Ok(traced) => {
                differences += traced.differences();
                statements_failed += traced.failed();
                skipped += traced.skipped();
                if crate::trace::render::render_human(&traced, &mut out).is_err() {
                    return EXIT_FAILURE;
                }
            }
            Err(message) => {
                eprintln!("miglint: error: {}: {message}", file.plan.path);
                failed = true;
            }
        }
    }
    if let Err(message) = tracer.finish_run() {
        eprintln!("miglint: error: cannot roll the trace back: {message}");
        failed = true;
    }
    let _ = writeln!(
        out,
        "{}",
        crate::trace::render::summary(differences, statements_failed, skipped, mode)
    );
    if failed || statements_failed > 0 {
        EXIT_FAILURE
    } else if differences > 0 {
        EXIT_BLOCKED
    } else {
        EXIT_OK
    }
}

/// The custom rules of the `miglint.toml` nearest the current folder, for
/// `rules` and `explain`; none when there is none or it does not load
/// (`check` reports that).
fn project_custom_rules() -> Vec<&'static crate::rule::RuleMeta> {
    let config = std::env::current_dir()
        .ok()
        .and_then(|dir| crate::input::config::find(&dir))
        .and_then(|path| crate::input::config::load(&path).ok());
    config
        .map(|config| config.custom_rules.iter().map(crate::report::custom::meta).collect())
        .unwrap_or_default()
}

/// Every rule: the built-in ones, then the project's custom rules.
fn listed_rules() -> Vec<&'static crate::rule::RuleMeta> {
    let mut metas: Vec<_> = rules::all().iter().map(|r| r.meta()).collect();
    metas.extend(project_custom_rules());
    metas
}

fn list_rules(format: RulesFormat) -> u8 {
    let mut out = std::io::stdout().lock();
    let result = match format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = listed_rules()
                .into_iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id,
                        "category": m.category.as_str(),
                        "default_severity": m.default_severity.as_str(),
                        "enabled_by_default": m.enabled_by_default,
                        "since": m.since,
                        "summary": m.summary(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        }
        RulesFormat::Markdown => write!(
            out,
            "{}",
            rules::markdown::rules_table(rules::all().iter().map(|r| r.meta()))
        ),
        RulesFormat::Human => listed_rules().into_iter().try_for_each(|m| {
            writeln!(
                out,
                "{:<36} {:<14} {:<8} {}",
                m.id,
                m.category.as_str(),
                if m.enabled_by_default {
                    m.default_severity.as_str()
                } else {
                    "off"
                },
                m.summary()
            )
        }),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => fail(format!("cannot write output: {e}")),
    }
}

fn explain(id: &str) -> u8 {
    let found = rules::find(id)
        .map(|rule| rule.meta())
        .or_else(|| project_custom_rules().into_iter().find(|meta| meta.id == id));
    match found {
        Some(meta) => {
            print!("{}", meta.doc);
            EXIT_OK
        }
        None => {
            let mut hint = rules::did_you_mean(id);
            if hint.is_empty() {
                // Not a typo: maybe a part of ids, such as `drop`.
                let holding: Vec<String> = rules::all()
                    .iter()
                    .map(|r| r.meta().id)
                    .filter(|other| other.contains(id) || id.contains(other))
                    .map(|other| format!("`{other}`"))
                    .collect();
                if !holding.is_empty() {
                    hint = format!("; did you mean one of {}?", holding.join(", "));
                }
            }
            fail(format!("unknown rule `{id}`{hint} (see `miglint rules`)"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_flag_then_the_environment_then_the_terminal() {
        // The variables set in a case; the others are unset.
        type Environment = &'static [(&'static str, &'static str)];
        // (--no-color, environment, stdout is a terminal, colour)
        let cases: &[(bool, Environment, bool, bool)] = &[
            (false, &[], true, true),
            (false, &[], false, false),
            (true, &[], true, false),
            (true, &[("FORCE_COLOR", "1")], false, false),
            (false, &[("NO_COLOR", "1")], true, false),
            (false, &[("NO_COLOR", "")], true, true),
            (false, &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")], false, false),
            (false, &[("NO_COLOR", ""), ("FORCE_COLOR", "1")], false, true),
            (false, &[("FORCE_COLOR", "1")], false, true),
            (false, &[("FORCE_COLOR", "3")], false, true),
            (false, &[("FORCE_COLOR", "0")], false, false),
            (false, &[("FORCE_COLOR", "false")], false, false),
            (false, &[("FORCE_COLOR", "")], false, false),
            (false, &[("FORCE_COLOR", "0")], true, true),
            (false, &[("CLICOLOR_FORCE", "1")], false, true),
            (false, &[("CLICOLOR_FORCE", "0")], false, false),
            (false, &[("CLICOLOR_FORCE", "")], false, false),
            (false, &[("CLICOLOR", "0")], true, false),
            (false, &[("CLICOLOR", "1")], true, true),
            (false, &[("CLICOLOR", "1")], false, false),
            (false, &[("CLICOLOR", "0"), ("CLICOLOR_FORCE", "1")], true, true),
        ];
        for &(flag, env, terminal, expected) in cases {
            let lookup = |name: &str| env.iter().find(|(n, _)| *n == name).map(|(_, v)| OsString::from(v));
            assert_eq!(
                use_color(flag, lookup, terminal),
                expected,
                "--no-color {flag}, {env:?}, terminal {terminal}"
            );
        }
    }

    #[test]
    fn step_outputs_use_the_heredoc_form_only_for_values_on_several_lines() {
        assert_eq!(step_output("errors", "2"), "errors=2\n");
        assert_eq!(step_output("sarif-file", ""), "sarif-file=\n");
        assert_eq!(
            step_output("sarif-file", "a\nMIGLINT_EOF"),
            "sarif-file<<MIGLINT_EOF_\na\nMIGLINT_EOF\nMIGLINT_EOF_\n"
        );
    }
}
