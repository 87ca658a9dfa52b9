//! Rule docs run as tests: every SQL block under `## Example` must trigger
//! the rule, every block under `## Use instead` must not. History rules
//! judge a git history, not one SQL file: their docs show `console`
//! sessions instead, whose output must name the rule under `## Example` and
//! not under `## Use instead`, and their cases run in `history.rs`.

use miglint::{
    lint_bytes, lint_run, Category, ChangeScope, Dialect, MysqlServer, RuleMeta, RunInput, ScriptInfo, Settings,
    SqliteVersion,
};

const HEADINGS: [&str; 7] = [
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Options",
    "Known limitations",
    "References",
];

/// SQL code blocks of a section: (info string, body).
fn sql_blocks(section: &str) -> Vec<(String, String)> {
    code_blocks(section, "sql")
}

/// Code blocks of a section whose info string starts with `language`.
fn code_blocks(section: &str, language: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.trim().strip_prefix("```") else {
            continue;
        };
        let info = info.trim().to_string();
        let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        if info.starts_with(language) {
            blocks.push((info, body.join("\n") + "\n"));
        }
    }
    blocks
}

/// `sql-bytes` blocks write raw bytes as `\xHH`.
fn block_bytes(info: &str, body: &str) -> Vec<u8> {
    if !info.starts_with("sql-bytes") {
        return body.as_bytes().to_vec();
    }
    let mut out = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') && i + 4 <= bytes.len() {
            if let Ok(b) = u8::from_str_radix(&body[i + 2..i + 4], 16) {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// A block's info string may set options for it after the language:
/// ```` ```sql max_file_size=64 ```` (bytes).
/// ```` ```sql transaction=none ```` (the runner wraps no file in a transaction).
/// ```` ```sql naming.index=^idx_ ```` (a line of `[naming]`).
/// A rule that is off by default is turned on for its own blocks.
/// ```` ```sql placeholder.schema=public ```` (a value of `[placeholders]`).
/// ```` ```sql dialect=sqlite sqlite_version=3.30 ```` (a SQLite migration).
/// ```` ```sql dialect=mysql mysql_version=mariadb-10.11 ```` (a MySQL migration).
/// ```` ```sql layout=dbmate ```` (a dbmate migration: its `-- migrate:up` and
/// `-- migrate:down` sections, after the text before them as an earlier
/// migration; the rule must fire on the down section).
fn block_settings(info: &str) -> Settings {
    let mut settings = Settings::default();
    for pair in info.split_whitespace().skip(1) {
        match pair.split_once('=') {
            Some(("dialect", "sqlite" | "mysql") | ("layout", "dbmate")) => {}
            Some(("mysql_version", value)) => {
                settings.mysql_server = MysqlServer::parse(value).unwrap_or_else(|| panic!("bad version in `{info}`"))
            }
            Some(("sqlite_version", value)) => {
                settings.sqlite_version =
                    SqliteVersion::parse(value).unwrap_or_else(|| panic!("bad version in `{info}`"))
            }
            // `naming.index=^idx_`: a line of `[naming]`.
            Some((key, value)) if key.starts_with("naming.") => {
                let kind = miglint::NameKind::ALL
                    .into_iter()
                    .find(|k| k.key() == &key["naming.".len()..])
                    .unwrap_or_else(|| panic!("unknown `{key}` in `{info}`"));
                let pattern = miglint::NamePattern::new(value).unwrap_or_else(|e| panic!("bad `{key}`: {e}"));
                std::sync::Arc::make_mut(&mut settings.naming)
                    .patterns
                    .push((kind, pattern));
            }
            // `transaction = "none"` or `"per-file"` in `miglint.toml`.
            Some(("transaction", value)) => {
                settings.transaction = Some(match value {
                    "none" => miglint::TransactionMode::None,
                    "per-file" => miglint::TransactionMode::PerFile,
                    _ => panic!("bad transaction in `{info}`"),
                })
            }
            Some(("max_file_size", value)) => {
                settings.max_file_size = value.parse().unwrap_or_else(|_| panic!("bad size in `{info}`"))
            }
            // `placeholder.NAME=VALUE`: a line of `[placeholders]`.
            Some((key, value)) if key.starts_with("placeholder.") => {
                settings
                    .placeholders
                    .values
                    .insert(key["placeholder.".len()..].to_string(), value.to_string());
            }
            _ => panic!("unknown block setting `{pair}` in `{info}`"),
        }
    }
    settings
}

fn rule_fires(id: &str, info: &str, body: &str) -> bool {
    let path = format!("rules/{id}.md");
    let bytes = block_bytes(info, body);
    let mut settings = block_settings(info);
    // A rule off by default is shown as it works once turned on.
    if let Some(meta) = miglint::rules().find(|meta| meta.id == id && !meta.enabled_by_default) {
        settings.set_rule(id, Some(meta.default_severity));
    }
    let dialect = info.split_whitespace().find_map(|pair| match pair {
        "dialect=sqlite" => Some(Dialect::Sqlite),
        "dialect=mysql" => Some(Dialect::Mysql),
        _ => None,
    });
    if info.split_whitespace().any(|pair| pair == "layout=dbmate") {
        return down_section_fires(id, &path, body, settings);
    }
    if let Some(dialect) = dialect {
        let script = ScriptInfo {
            dialect,
            ..ScriptInfo::plain()
        };
        let input = RunInput::new(path, bytes)
            .with_settings(std::sync::Arc::new(settings))
            .with_script(script);
        return lint_run(vec![input], ChangeScope::AllFiles)
            .iter()
            .any(|report| report.active().any(|d| d.rule == id));
    }
    let report = lint_bytes(&path, &bytes, &settings);
    let fired = report.active().any(|d| d.rule == id);
    fired
}

/// A dbmate migration's down section, after its up section and the
/// migration before it (the text before `-- migrate:up`), reports the rule.
fn down_section_fires(id: &str, path: &str, body: &str, settings: Settings) -> bool {
    use miglint::{Direction, Role, Tool};
    let up_at = body
        .find("-- migrate:up")
        .expect("a layout=dbmate block has `-- migrate:up`");
    let down_at = body
        .find("-- migrate:down")
        .expect("a layout=dbmate block has `-- migrate:down`");
    let blank = |range: std::ops::Range<usize>| -> Vec<u8> {
        body.bytes()
            .enumerate()
            .map(|(i, b)| if range.contains(&i) || b == b'\n' { b } else { b' ' })
            .collect()
    };
    let settings = std::sync::Arc::new(settings);
    let script = |order: usize, direction: Direction, role: Role| ScriptInfo {
        tool: Tool::Dbmate,
        root: "db".to_string(),
        direction: Some(direction),
        order: Some(order),
        migration: Some(format!("{order}_migration")),
        role,
        ..ScriptInfo::plain()
    };
    let inputs = vec![
        RunInput::new("db/1_before.sql", blank(0..up_at)).with_script(script(0, Direction::Up, Role::History)),
        RunInput::new(path, blank(up_at..down_at)).with_script(script(1, Direction::Up, Role::Change)),
        RunInput::new(path, blank(down_at..body.len())).with_script(script(1, Direction::Down, Role::Change)),
    ];
    let inputs = inputs.into_iter().map(|i| i.with_settings(settings.clone())).collect();
    let reports = lint_run(inputs, ChangeScope::EachMigration);
    reports.last().is_some_and(|down| down.active().any(|d| d.rule == id))
}

#[test]
fn docs_have_the_headings_in_order() {
    for meta in miglint::rules() {
        assert!(
            meta.doc.starts_with(&format!("# {}\n", meta.id)),
            "{}: doc must start with `# {}`",
            meta.id,
            meta.id
        );
        let found: Vec<&str> = meta.doc.lines().filter_map(|l| l.strip_prefix("## ")).collect();
        assert_eq!(found, HEADINGS, "{}: headings", meta.id);
        assert!(!meta.summary().is_empty(), "{}: empty summary", meta.id);
    }
}

#[test]
fn examples_trigger_and_recipes_do_not() {
    let mut failures = Vec::new();
    let mut blocks = 0;
    for meta in miglint::rules().filter(|m| m.category != Category::History) {
        for (heading, must_fire) in [("Example", true), ("Use instead", false)] {
            let section = meta.section(heading).unwrap_or("");
            let found = sql_blocks(section);
            if found.is_empty() {
                failures.push(format!("{}: no sql block under `## {heading}`", meta.id));
            }
            for (info, body) in found {
                blocks += 1;
                if rule_fires(meta.id, &info, &body) != must_fire {
                    let verb = if must_fire { "does not trigger" } else { "triggers" };
                    failures.push(format!("{}: `## {heading}` block {verb} the rule:\n{body}", meta.id));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(blocks >= 2 * miglint::rules().len() - 2 * history_rules().count());
}

fn history_rules() -> impl Iterator<Item = &'static RuleMeta> {
    miglint::rules().filter(|m| m.category == Category::History)
}

/// A console session reports the rule when a line of its output reads
/// `error[<id>]` or `warning[<id>]`.
fn session_reports(body: &str, id: &str) -> bool {
    body.lines()
        .filter(|l| !l.starts_with('$'))
        .any(|l| l.starts_with(&format!("error[{id}]:")) || l.starts_with(&format!("warning[{id}]:")))
}

#[test]
fn history_examples_report_the_rule_and_recipes_do_not() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for meta in history_rules() {
        for (heading, must_report) in [("Example", true), ("Use instead", false)] {
            let section = meta.section(heading).unwrap_or("");
            if !sql_blocks(section).is_empty() {
                failures.push(format!(
                    "{}: `## {heading}` of a history rule holds sql blocks no test runs",
                    meta.id
                ));
            }
            let sessions = code_blocks(section, "console");
            if sessions.is_empty() {
                failures.push(format!("{}: no console block under `## {heading}`", meta.id));
            }
            for (_, body) in sessions {
                checked += 1;
                let runs_miglint = body.lines().any(|l| l.starts_with("$ miglint check"));
                if !runs_miglint || session_reports(&body, meta.id) != must_report {
                    failures.push(format!(
                        "{}: `## {heading}` session does not show what it must:\n{body}",
                        meta.id
                    ));
                }
            }
        }
        // What the sessions show is run for real by history.rs.
        let fixtures = crate::common::repo_root().join("fixtures").join(meta.id);
        for prefix in ["bad_", "ok_"] {
            let has_case = crate::common::sorted_files(&fixtures).iter().any(|case| {
                case.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
                    && case.join("expect").is_file()
            });
            if !has_case {
                failures.push(format!(
                    "{}: no fixtures/{}/{prefix}*/expect history case",
                    meta.id, meta.id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 2 * history_rules().count());
}
