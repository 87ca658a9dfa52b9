//! `[owners]`: each migration and each finding names the owners of the
//! tables it touches, in every output a reviewer reads (JSON, human, SARIF,
//! the CI job summary), and a bad entry is a located config error.

use crate::cli::{assert_valid, json, miglint, project, stdout_of, validator};
use crate::common::repo_root;

const CONFIG: &str = r#"
[owners]
"*" = "@acme/dba"
"billing.*" = "@acme/billing"
"users" = ["@acme/identity", "@alice"]
"events" = []
"#;

/// Touches two owned tables (billing.invoices, users) and one nobody owns
/// (events: its entry, the last to match, lists no owners).
const MIGRATION: &str = "SET lock_timeout = '5s';
CREATE INDEX users_email_idx ON users (email);
ALTER TABLE billing.invoices ALTER COLUMN total TYPE bigint;
CREATE INDEX events_at_idx ON events (at);
";
const PATH: &str = "migrations/0001_owned.sql";

fn owners_project() -> tempfile::TempDir {
    project(&[("miglint.toml", CONFIG.as_bytes()), (PATH, MIGRATION.as_bytes())])
}

#[test]
fn json_names_the_owners_of_each_file_and_finding() {
    let dir = owners_project();
    let report = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "json", "migrations"]),
        1,
    ));
    assert_valid(
        &validator(&repo_root().join("schema/miglint-report.schema.json")),
        &report,
        "the report",
    );
    assert_eq!(
        report["files"][0]["owners"],
        json(r#"["@acme/billing", "@acme/identity", "@alice"]"#)
    );
    let by_line: Vec<(u64, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["span"]["start"]["line"].as_u64().unwrap(), d["owners"].to_string()))
        .collect();
    assert_eq!(
        by_line,
        [
            (2, r#"["@acme/identity","@alice"]"#.to_string()),
            (3, r#"["@acme/billing"]"#.to_string()),
            (4, "[]".to_string()),
        ]
    );
}

#[test]
fn human_output_puts_the_owners_under_each_finding() {
    let dir = owners_project();
    let out = stdout_of(&mut miglint(dir.path(), &["check", "migrations"]), 1);
    assert!(out.contains("\n  owners: @acme/identity, @alice\n"), "{out}");
    assert!(out.contains("\n  owners: @acme/billing\n"), "{out}");
    assert_eq!(
        out.matches("owners:").count(),
        2,
        "the unowned table names nobody:\n{out}"
    );
}

#[test]
fn sarif_carries_the_owners_in_each_results_property_bag() {
    let dir = owners_project();
    let sarif = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "sarif", "migrations"]),
        1,
    ));
    let owners: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["owners"].to_string())
        .collect();
    assert_eq!(
        owners,
        [r#"["@acme/identity","@alice"]"#, r#"["@acme/billing"]"#, "null"]
    );
}

#[test]
fn the_job_summary_names_the_owners_of_each_migration_and_finding() {
    let dir = owners_project();
    let summary_path = dir.path().join("summary.md");
    let summary_arg = summary_path.to_string_lossy().to_string();
    stdout_of(
        &mut miglint(dir.path(), &["check", "--summary-file", &summary_arg, "migrations"]),
        1,
    );
    let summary = std::fs::read_to_string(&summary_path).unwrap();
    assert!(
        summary.contains("### Owners\n\n| Migration | Owners |\n| --- | --- |\n| `migrations/0001_owned.sql` | @acme/billing, @acme/identity, @alice |\n"),
        "{summary}"
    );
    assert!(
        summary.contains("| Location | Rule | Severity | Finding | Lock | Owners | Help |"),
        "{summary}"
    );
    assert!(summary.contains("| @acme/billing |"), "{summary}");
}

#[test]
fn an_owners_file_reads_like_codeowners_and_config_entries_come_after_it() {
    let dir = project(&[
        (
            "miglint.toml",
            b"owners_file = \"OWNERS.tables\"\n[owners]\n\"billing.*\" = \"@acme/finance\"\n",
        ),
        (
            "OWNERS.tables",
            b"# tables\nusers @acme/identity\nbilling.* @acme/billing\n",
        ),
        (PATH, MIGRATION.as_bytes()),
    ]);
    let report = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "json", "migrations"]),
        1,
    ));
    assert_eq!(
        report["files"][0]["owners"],
        json(r#"["@acme/finance", "@acme/identity"]"#)
    );
}

#[test]
fn a_bad_owners_entry_is_a_located_config_error() {
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "miglint.toml",
            b"[owners]\nusers = \"@a\"\n\"a.b.c\" = \"@acme/x\"\n",
            "miglint.toml:3:1: bad [owners] entry: pattern \"a.b.c\" has more than one `.`",
        ),
        (
            "miglint.toml",
            b"[owners]\nusers = 7\n",
            "miglint.toml:2:9: `users` in [owners] must be an owner such as \"@org/team\" or a list of them",
        ),
        (
            "miglint.toml",
            b"[owners]\nusers = \"identity team\"\n",
            "miglint.toml:2:9: bad [owners] entry: owner \"identity team\" holds a space",
        ),
        (
            "miglint.toml",
            b"owners_file = \"OWNERS\"\n",
            "miglint.toml:1:15: cannot read `owners_file`",
        ),
    ];
    for (name, config, expected) in cases {
        let dir = project(&[(name, config), (PATH, MIGRATION.as_bytes())]);
        let output = miglint(dir.path(), &["check", "migrations"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "expected {expected:?} in:\n{stderr}");
    }
    let dir = project(&[
        ("miglint.toml", b"owners_file = \"OWNERS\"\n"),
        ("OWNERS", b"users @a\nbilling.* billing-team\n"),
        (PATH, MIGRATION.as_bytes()),
    ]);
    let output = miglint(dir.path(), &["check", "migrations"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("OWNERS:2:11: bad owners line: owner \"billing-team\" is not `@org/team`"),
        "{stderr}"
    );
}

#[test]
fn the_plan_names_the_owners_of_each_statements_tables() {
    let dir = owners_project();
    let plan = json(&stdout_of(
        &mut miglint(dir.path(), &["plan", "--format", "json", "migrations"]),
        0,
    ));
    assert_valid(
        &validator(&repo_root().join("schema/miglint-plan.schema.json")),
        &plan,
        "the plan",
    );
    let owners: Vec<String> = plan["files"][0]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["owners"].to_string())
        .collect();
    assert_eq!(
        owners,
        ["[]", r#"["@acme/identity","@alice"]"#, r#"["@acme/billing"]"#, "[]"]
    );
    let human = stdout_of(&mut miglint(dir.path(), &["plan", "--no-color", "migrations"]), 0);
    assert!(human.contains("owners: @acme/billing"), "{human}");
}

#[test]
fn github_annotations_and_gitlab_issues_name_the_owners() {
    let dir = owners_project();
    let github = stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "github", "migrations"]),
        1,
    );
    assert!(
        github
            .lines()
            .next()
            .unwrap()
            .ends_with("%0Aowners: @acme/identity, @alice"),
        "{github}"
    );
    let gitlab = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "gitlab", "migrations"]),
        1,
    ));
    assert!(
        gitlab[1]["content"]["body"]
            .as_str()
            .unwrap()
            .ends_with("\n\nowners: @acme/billing"),
        "{gitlab}"
    );
}

#[test]
fn a_sqlite_plan_names_the_owners_its_findings_name() {
    // SQLite locks the database, not a table: the plan's owners come from
    // the tables each statement acts on, as the findings' do.
    let dir = project(&[
        (
            "miglint.toml",
            b"[owners]\nusers = \"@acme/identity\"\n[[roots]]\npath = \"db\"\ndialect = \"sqlite\"\n",
        ),
        (
            "db/001_users.sql",
            b"CREATE TABLE users (id integer PRIMARY KEY, email text);\n",
        ),
        (
            "db/002_drop.sql",
            b"ALTER TABLE users ADD COLUMN note text;\nDROP TABLE users;\n",
        ),
    ]);
    let plan = json(&stdout_of(
        &mut miglint(dir.path(), &["plan", "--format", "json", "db/002_drop.sql"]),
        0,
    ));
    let owners: Vec<String> = plan["files"][0]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["owners"].to_string())
        .collect();
    assert_eq!(owners, [r#"["@acme/identity"]"#, r#"["@acme/identity"]"#]);
    let report = json(&stdout_of(
        &mut miglint(dir.path(), &["check", "--format", "json", "db/002_drop.sql"]),
        1,
    ));
    assert_eq!(report["files"][0]["owners"], json(r#"["@acme/identity"]"#));
}
