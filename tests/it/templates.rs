//! Templated SQL end to end: placeholders of Flyway, Go templates, psql and
//! a project's own macros are replaced before parsing, statements around
//! them are judged, and every finding points at the file as written.

use serde_json::Value;

use crate::cli::{active_findings, check_json, project};

/// The active finding of `rule` in a JSON report.
fn finding<'r>(report: &'r Value, rule: &str) -> &'r Value {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == rule && d["suppressed"] == false)
        .unwrap_or_else(|| panic!("no {rule} in {report:#}"))
}

fn at(span: &Value) -> (u64, u64, u64) {
    (
        span["line"].as_u64().unwrap(),
        span["column"].as_u64().unwrap(),
        span["offset"].as_u64().unwrap(),
    )
}

fn rules_of(report: &Value) -> Vec<String> {
    active_findings(report).into_iter().map(|(_, _, rule)| rule).collect()
}

const FLYWAY_V2: &str = "SET lock_timeout = '5s';
-- miglint: ignore ban-drop-column -- the column was never read
ALTER TABLE ${schema}.users DROP COLUMN legacy;
ALTER TABLE ${schema}.users ADD COLUMN age bigint NOT NULL;
";

#[test]
fn a_dangerous_flyway_statement_around_a_placeholder_blocks_at_its_place() {
    let dir = project(&[
        (
            "db/migration/V1__init.sql",
            b"CREATE TABLE ${schema}.users (id bigint PRIMARY KEY, legacy text);\n",
        ),
        ("db/migration/V2__age.sql", FLYWAY_V2.as_bytes()),
    ]);
    let (code, report, stderr) = check_json(dir.path(), &["db/migration/V2__age.sql"]);
    assert_eq!(code, 1, "{stderr}\n{report:#}");
    assert_eq!(
        rules_of(&report),
        ["unresolved-placeholder", "adding-required-column"],
        "{report:#}"
    );
    // Line 4, `ADD COLUMN ...` after `ALTER TABLE ${schema}.users `: column 29.
    let required = finding(&report, "adding-required-column");
    let line4 = FLYWAY_V2.find("ALTER TABLE ${schema}.users ADD").unwrap() as u64;
    assert_eq!(at(&required["span"]["start"]), (4, 29, line4 + 28));
    assert!(
        required["message"].as_str().unwrap().contains("\"schema\".\"users\""),
        "{required:#}"
    );
    // The relation label covers the placeholder and the table as written.
    let labels = required["labels"].as_array().unwrap();
    assert!(
        labels.iter().any(|l| at(&l["span"]["start"]) == (4, 13, line4 + 12)),
        "{labels:?}"
    );
    // The info is on the placeholder's first use, in the file's own bytes.
    let info = finding(&report, "unresolved-placeholder");
    assert_eq!(info["severity"], "info");
    let first = FLYWAY_V2.find("${schema}").unwrap() as u64;
    assert_eq!(at(&info["span"]["start"]), (3, 13, first));
    assert_eq!(at(&info["span"]["end"]), (3, 22, first + 9));
    assert!(info["message"].as_str().unwrap().starts_with(
        "placeholder `${schema}` has no value in [placeholders]; miglint checked the statement with the stand-in `schema`"
    ));
    // The ignore comment above the placeholder's statement is applied, and used.
    let dropped: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "ban-drop-column")
        .collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0]["suppressed"], true);
    assert_eq!(at(&dropped[0]["span"]["start"]).0, 3);
}

#[test]
fn a_table_a_go_template_creates_is_known_to_later_statements() {
    let create = "CREATE TABLE \"{{ .Schema }}\".events (id bigint PRIMARY KEY, kind text);\n";
    let index = "CREATE INDEX events_kind ON {{ .Schema }}.events (kind);\n";
    let dir = project(&[("migrations/000002_events.up.sql", format!("{create}{index}").as_bytes())]);
    let (code, report, stderr) = check_json(dir.path(), &["migrations"]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert_eq!(
        active_findings(&report),
        [(
            "migrations/000002_events.up.sql".to_string(),
            1,
            "unresolved-placeholder".to_string()
        )]
    );
    // Without the table created first, the same index blocks writes to a table in use.
    let alone = project(&[("migrations/000002_events.up.sql", index.as_bytes())]);
    let (code, report, _) = check_json(alone.path(), &["migrations"]);
    assert_eq!(code, 1, "{report:#}");
    assert!(rules_of(&report).contains(&"require-concurrent-index".to_string()));
    let at_index = finding(&report, "require-concurrent-index");
    assert_eq!(at(&at_index["span"]["start"]), (1, 8, 7));
}

#[test]
fn values_from_placeholders_are_used_and_silence_the_info() {
    let config = "[placeholders]\nschema = \"public\"\nReadOnlyRole = \"readers\"\n";
    let dir = project(&[
        ("miglint.toml", config.as_bytes()),
        (
            "db/migration/V1__init.sql",
            b"CREATE TABLE public.users (id bigint PRIMARY KEY, email text);\n",
        ),
        (
            "db/migration/V2__index.sql",
            b"SET lock_timeout = '5s';\nGRANT SELECT ON ${schema}.users TO {{ .ReadOnlyRole }};\nCREATE INDEX users_email ON ${schema}.users (email);\n",
        ),
    ]);
    let (code, report, stderr) = check_json(dir.path(), &["db/migration/V2__index.sql"]);
    assert_eq!(code, 1, "{stderr}\n{report:#}");
    assert_eq!(rules_of(&report), ["require-concurrent-index"], "{report:#}");
    let index = finding(&report, "require-concurrent-index");
    // The table of V1 is the one `${schema}` names: it holds rows.
    assert!(
        index["message"].as_str().unwrap().contains("\"public\".\"users\""),
        "{index:#}"
    );
    assert_eq!(at(&index["span"]["start"]).0, 3);
}

#[test]
fn a_macro_of_the_projects_own_is_a_placeholder_by_its_pattern() {
    let migration: &[u8] = b"SET lock_timeout = '5s';\nCREATE INDEX users_email ON $%SCHEMA%$.users (email);\n";
    // Without the pattern, PostgreSQL rejects the text.
    let plain = project(&[("a.sql", migration)]);
    let (_, report, _) = check_json(plain.path(), &["a.sql"]);
    assert_eq!(rules_of(&report), ["syntax-error"], "{report:#}");

    let config = "placeholder_patterns = ['\\$%(\\w+)%\\$']\n";
    let dir = project(&[("miglint.toml", config.as_bytes()), ("a.sql", migration)]);
    let (code, report, stderr) = check_json(dir.path(), &["a.sql"]);
    assert_eq!(code, 1, "{stderr}\n{report:#}");
    assert_eq!(
        rules_of(&report),
        ["require-concurrent-index", "unresolved-placeholder"],
        "{report:#}"
    );
    let info = finding(&report, "unresolved-placeholder");
    assert_eq!(at(&info["span"]["start"]), (2, 29, 25 + 28));
    assert!(info["help"].as_str().unwrap().contains("SCHEMA = \"...\""), "{info:#}");

    let valued = project(&[
        (
            "miglint.toml",
            format!("{config}[placeholders]\nSCHEMA = \"app\"\n").as_bytes(),
        ),
        ("a.sql", migration),
    ]);
    let (_, report, _) = check_json(valued.path(), &["a.sql"]);
    assert_eq!(rules_of(&report), ["require-concurrent-index"], "{report:#}");
    assert!(finding(&report, "require-concurrent-index")["message"]
        .as_str()
        .unwrap()
        .contains("\"app\".\"users\""));
}

#[test]
fn a_bad_pattern_or_value_is_a_located_configuration_error() {
    for (config, says) in [
        ("placeholder_patterns = ['(']\n", "miglint.toml:1:"),
        ("placeholder_patterns = ['x*']\n", "matches some text"),
        ("[placeholders]\nschema = [1]\n", "miglint.toml:2:10"),
    ] {
        let dir = project(&[("miglint.toml", config.as_bytes()), ("a.sql", b"SELECT 1;\n")]);
        let output = crate::cli::miglint(dir.path(), &["check", "a.sql"])
            .timeout(crate::cli::TIMEOUT)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{config}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{config}: {stderr}");
    }
}
