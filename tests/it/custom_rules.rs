//! `[[custom_rules]]` and `require_reason` through the binary: the examples
//! of docs/custom-rules.md run as tests, and a custom rule is in every
//! output, suppressible by its id, listed and explained; a bad one is a
//! located config error.

use crate::cli::{active_findings, assert_valid, check_json, json, miglint, project, sarif_schema, stdout_of};
use crate::common::repo_root;

/// The examples of docs/custom-rules.md: (config, flagged SQL, passing SQL).
fn doc_examples() -> Vec<(String, String, String)> {
    let doc = std::fs::read_to_string(repo_root().join("docs/custom-rules.md")).unwrap();
    let examples = doc.split("\n## Examples\n").nth(1).expect("an Examples section");
    let examples = examples.split("\n## ").next().unwrap();
    examples
        .split("\n### ")
        .skip(1)
        .map(|example| {
            let block = |info: &str| {
                let start = example
                    .find(&format!("```{info}\n"))
                    .unwrap_or_else(|| panic!("example without a `{info}` block:\n{example}"));
                let body = &example[start + info.len() + 4..];
                body[..body.find("```").unwrap()].to_string()
            };
            (block("toml"), block("sql flagged"), block("sql passes"))
        })
        .collect()
}

fn custom_id(config: &str) -> String {
    let line = config.lines().find(|l| l.starts_with("id = ")).unwrap();
    line.trim_start_matches("id = ").trim_matches('"').to_string()
}

#[test]
fn the_documented_examples_flag_what_they_say_and_pass_the_rest() {
    let examples = doc_examples();
    assert!(examples.len() >= 3, "docs/custom-rules.md lost its examples");
    for (config, flagged, passes) in examples {
        let id = custom_id(&config);
        for (sql, expected) in [(&flagged, true), (&passes, false)] {
            let dir = project(&[
                ("miglint.toml", config.as_bytes()),
                ("migrations/1_change.sql", sql.as_bytes()),
            ]);
            let (code, report, stderr) = check_json(dir.path(), &["migrations"]);
            assert_ne!(code, 2, "{id}: miglint could not run: {stderr}");
            let fired = active_findings(&report).iter().any(|(_, _, rule)| *rule == id);
            assert_eq!(fired, expected, "{id} on:\n{sql}");
        }
    }
}

const CONFIG: &str = r#"
require_reason = true

[[custom_rules]]
id = "acme-payments-readable"
lock = "ACCESS EXCLUSIVE"
tables = ["payments.*"]
message = "payments tables must stay readable: no ACCESS EXCLUSIVE lock on them"
help = "book a window with #payments-oncall"
"#;

const MIGRATION: &str = "SET lock_timeout = '2s';
ALTER TABLE payments.charges ADD COLUMN note text;
-- miglint: ignore acme-payments-readable
ALTER TABLE payments.refunds ADD COLUMN note text;
";

#[test]
fn a_custom_rule_is_located_suppressible_and_in_sarif() {
    let dir = project(&[
        ("miglint.toml", CONFIG.as_bytes()),
        ("migrations/1_x.sql", MIGRATION.as_bytes()),
    ]);
    let (code, report, _) = check_json(dir.path(), &["migrations"]);
    assert_eq!(code, 1);
    let found = active_findings(&report);
    let custom: Vec<_> = found
        .iter()
        .filter(|(_, _, rule)| rule == "acme-payments-readable")
        .collect();
    assert_eq!(custom.len(), 1, "{found:?}");
    assert_eq!(custom[0].1, 2);
    // The suppression without a reason is suppressed, and reported for its missing reason.
    assert!(found
        .iter()
        .any(|(_, line, rule)| rule == "suppression-without-reason" && *line == 3));

    let human = stdout_of(&mut miglint(dir.path(), &["check", "migrations"]), 1);
    assert!(human.contains("× payments tables must stay readable"), "{human}");
    assert!(
        human.contains("ACCESS EXCLUSIVE lock on \"payments\".\"charges\": reads and writes wait"),
        "{human}"
    );
    assert!(human.contains("help: book a window with #payments-oncall"), "{human}");

    let sarif = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "migrations", "--format", "sarif"]),
        1,
    ));
    if let Some(schema) = sarif_schema() {
        assert_valid(&schema, &sarif, "the SARIF log");
    }
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let index = rules
        .iter()
        .position(|r| r["id"] == "acme-payments-readable")
        .expect("listed among the rules");
    assert_eq!(rules[index]["properties"]["category"], "custom");
    assert!(rules[index].get("helpUri").is_none());
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "acme-payments-readable" && r.get("suppressions").is_none())
        .unwrap();
    assert_eq!(result["ruleIndex"], index);
}

#[test]
fn rules_config_sets_a_custom_rule_and_rules_and_explain_show_it() {
    let config =
        format!("{CONFIG}\n[rules]\nacme-payments-readable = \"warning\"\nsuppression-without-reason = \"off\"\n");
    let dir = project(&[
        ("miglint.toml", config.as_bytes()),
        ("migrations/1_x.sql", MIGRATION.as_bytes()),
    ]);
    let (code, report, _) = check_json(dir.path(), &["migrations"]);
    assert_eq!(code, 0, "warnings do not block by default");
    let found = active_findings(&report);
    assert!(found.iter().any(|(_, _, rule)| rule == "acme-payments-readable"));
    assert!(found.iter().all(|(_, _, rule)| rule != "suppression-without-reason"));

    let listed = stdout_of(&mut miglint(dir.path(), &["rules"]), 0);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("acme-payments-readable") && l.contains("custom")),
        "{listed}"
    );
    let explained = stdout_of(&mut miglint(dir.path(), &["explain", "acme-payments-readable"]), 0);
    assert!(explained.starts_with("# acme-payments-readable\n"), "{explained}");
    assert!(explained.contains("`ACCESS EXCLUSIVE` lock"), "{explained}");
}

#[test]
fn a_bad_custom_rule_stops_the_run_with_its_location() {
    let cases = [
        (
            "[[custom_rules]]\nid = \"x\"\nmessage = \"m\"\nlock = \"EXCLUSIVE-ish\"\n",
            "miglint.toml:2:6: custom rule `x`: unknown lock mode \"EXCLUSIVE-ish\"",
        ),
        (
            "[[custom_rules]]\nid = \"ban-drop-table\"\nmessage = \"m\"\nstatement = \"DROP\"\n",
            "miglint.toml:2:6: custom rule `ban-drop-table` has a built-in rule's id",
        ),
        (
            "[[custom_rules]]\nid = \"x\"\nmessage = \"m\"\n",
            "custom rule `x` matches every statement",
        ),
    ];
    for (config, expected) in cases {
        let dir = project(&[
            ("miglint.toml", config.as_bytes()),
            ("migrations/1_x.sql", b"SELECT 1;\n"),
        ]);
        let output = miglint(dir.path(), &["check", "migrations"]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{config}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{config}: {stderr}");
    }
}

/// The text of docs/coming-from-other-linters.md.
fn peers_doc() -> String {
    std::fs::read_to_string(repo_root().join("docs/coming-from-other-linters.md")).unwrap()
}

/// The first fenced block of `info` after `heading`.
fn block_after(doc: &str, heading: &str, info: &str) -> String {
    let section = &doc[doc.find(heading).unwrap_or_else(|| panic!("no `{heading}`"))..];
    let start = section.find(&format!("```{info}\n")).unwrap() + info.len() + 4;
    let body = &section[start..];
    body[..body.find("```").unwrap()].to_string()
}

#[test]
fn the_peer_mapping_names_only_rules_that_exist() {
    let doc = peers_doc();
    let preset = block_after(&doc, "## squawk's policy rules as custom rules", "toml");
    let custom: Vec<String> = preset
        .lines()
        .filter(|l| l.starts_with("id = "))
        .map(custom_id)
        .collect();
    let built_in: Vec<&str> = miglint::rules().map(|m| m.id).collect();
    let mut rows = 0;
    for line in doc.lines().filter(|l| l.starts_with("| `") || l.starts_with("| ")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let Some(miglint_cell) = cells.get(1) else { continue };
        if line.starts_with("| ---") || line.starts_with("| squawk |") || line.starts_with("| strong_migrations") {
            continue;
        }
        rows += 1;
        for id in miglint_cell.split('`').skip(1).step_by(2) {
            let known = match id.strip_suffix('*') {
                Some(prefix) => custom.iter().any(|c| c.starts_with(prefix)),
                None => built_in.contains(&id) || custom.iter().any(|c| c == id),
            };
            assert!(
                known,
                "docs/coming-from-other-linters.md names `{id}`, which is no rule:\n{line}"
            );
        }
    }
    assert!(rows >= 60, "the mapping tables lost rows ({rows})");
}

#[test]
fn the_squawk_policy_preset_flags_each_example_with_its_rule() {
    let doc = peers_doc();
    let heading = "## squawk's policy rules as custom rules";
    let config = block_after(&doc, heading, "toml");
    let sql = block_after(&doc, heading, "sql");
    let mut expected = std::collections::BTreeSet::new();
    let lines: Vec<&str> = sql.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(id) = line.strip_prefix("-- expect: ") {
            expected.insert((i as u64 + 2, id.to_string()));
        }
    }
    let dir = project(&[
        ("miglint.toml", config.as_bytes()),
        ("migrations/1_x.sql", sql.as_bytes()),
    ]);
    let (code, report, stderr) = check_json(dir.path(), &["migrations"]);
    assert_ne!(code, 2, "{stderr}");
    let found: std::collections::BTreeSet<(u64, String)> = active_findings(&report)
        .into_iter()
        .filter(|(_, _, rule)| rule.starts_with("squawk-"))
        .map(|(_, line, rule)| (line, rule))
        .collect();
    assert_eq!(found, expected);
}
