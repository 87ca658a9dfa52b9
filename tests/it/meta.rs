//! Meta tests: the rule list, docs and fixtures match one to one.

use std::collections::BTreeSet;

use miglint::rules_table as markdown;

use crate::common::{lint, repo_root, sorted_files};

/// Fixture folders that test cross-cutting behaviour, not one rule.
const CROSS_CUTTING: &[&str] = &[
    "bodies",
    "catalog",
    "layouts",
    "line-endings",
    "samples",
    "suppressions",
];

fn rule_ids() -> BTreeSet<&'static str> {
    miglint::rules().map(|m| m.id).collect()
}

#[test]
fn ids_are_unique_and_kebab_case() {
    assert_eq!(rule_ids().len(), miglint::rules().len(), "duplicate rule ids");
    for id in rule_ids() {
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !id.starts_with('-') && !id.ends_with('-'),
            "{id} is not kebab-case"
        );
        assert!(miglint::rule(id).is_some());
    }
}

#[test]
fn docs_and_rules_match_one_to_one() {
    let docs: BTreeSet<String> = sorted_files(&repo_root().join("rules"))
        .iter()
        .filter_map(|p| p.file_name()?.to_str()?.strip_suffix(".md").map(str::to_string))
        .collect();
    let ids: BTreeSet<String> = rule_ids().into_iter().map(str::to_string).collect();
    assert_eq!(docs, ids, "rules/*.md and the rule list differ");
}

#[test]
fn every_rule_has_bad_and_ok_fixtures_and_no_folder_is_orphaned() {
    let ids = rule_ids();
    for dir in sorted_files(&repo_root().join("fixtures")) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            ids.contains(name.as_str()) || CROSS_CUTTING.contains(&name.as_str()),
            "fixtures/{name} matches no rule and is not a cross-cutting folder"
        );
    }
    for id in ids {
        let dir = repo_root().join("fixtures").join(id);
        assert!(dir.is_dir(), "fixtures/{id}/ is missing");
        let names: Vec<String> = sorted_files(&dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("bad_")),
            "fixtures/{id} has no bad_*.sql"
        );
        assert!(
            names.iter().any(|n| n.starts_with("ok_")),
            "fixtures/{id} has no ok_*.sql"
        );
    }
}

#[test]
fn messages_are_lowercase_without_trailing_period() {
    for dir in sorted_files(&repo_root().join("fixtures")) {
        for file in sorted_files(&dir)
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "sql"))
        {
            let report = lint(&file.display().to_string(), &std::fs::read(&file).unwrap());
            for d in &report.diagnostics {
                let first = d.message.chars().next().unwrap();
                assert!(
                    !first.is_uppercase() || d.rule == "syntax-error",
                    "{}: message starts uppercase: {}",
                    file.display(),
                    d.message
                );
                assert!(
                    !d.message.ends_with('.'),
                    "{}: message ends with a period: {}",
                    file.display(),
                    d.message
                );
                assert!(
                    d.help.as_deref().is_some_and(|h| !h.is_empty()),
                    "{}: {} has no help",
                    file.display(),
                    d.rule
                );
            }
        }
    }
}

#[test]
fn summaries_are_whole_first_sentences() {
    for meta in miglint::rules() {
        let summary = meta.summary();
        let paragraph = meta.description().split("\n\n").next().unwrap_or("");
        assert!(!summary.is_empty(), "{}: empty summary", meta.id);
        assert_eq!(
            summary.matches('`').count() % 2,
            0,
            "{}: summary cut inside a code span: {summary}",
            meta.id
        );
        assert!(
            summary.ends_with('.') && !summary.ends_with(".."),
            "{}: summary does not end a sentence: {summary}",
            meta.id
        );
        let rest = paragraph
            .strip_prefix(summary)
            .unwrap_or_else(|| panic!("{}: summary is not the start of the first paragraph", meta.id));
        assert!(
            rest.is_empty() || rest.starts_with(char::is_whitespace),
            "{}: summary ends inside a word: {summary}",
            meta.id
        );
    }
}

/// The README's rules table is the one `miglint rules --format markdown`
/// prints: every rule, in the order of the rule list, with its category,
/// default and summary.
#[test]
fn readme_rules_table_matches_the_rules() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let found = markdown::table_in_readme(&readme).unwrap_or_else(|| {
        panic!(
            "README.md has no rules table between `{}` and `{}`",
            markdown::README_START,
            markdown::README_END
        )
    });
    let expected = markdown::rules_table(miglint::rules());
    if found != expected {
        let first_difference = found
            .lines()
            .zip(expected.lines())
            .find(|(found, expected)| found != expected)
            .map_or_else(
                || {
                    format!(
                        "{} rows for {} rules",
                        found.lines().count() - 2,
                        miglint::rules().len()
                    )
                },
                |(found, expected)| {
                    format!(
                        "README.md: {found}
expected:  {expected}"
                    )
                },
            );
        panic!(
            "README.md's rules table differs from the rules; run `cargo xtask readme` to regenerate it
{first_difference}"
        );
    }
}

#[test]
fn rules_format_markdown_prints_the_readme_table() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_miglint"))
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        markdown::rules_table(miglint::rules())
    );
}
