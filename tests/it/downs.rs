//! Down scripts replayed after their up scripts, through the binary, for
//! each tool with down migrations: `down-migration-incomplete`,
//! `down-migration-fails` and `down-migration-loses-data` at the down file,
//! whether the folder, the down file or a glob is named.

use assert_cmd::Command;
use serde_json::Value;

use crate::common::Tree;

/// The findings of the down rules of `miglint check ARGS` in `tree`, as
/// `rule path:line:column`, sorted.
fn downs(tree: &Tree, args: &[&str]) -> Vec<String> {
    let (_, report, _) = tree.check(args, None);
    let mut found: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"].as_str().unwrap().starts_with("down-migration"))
        .map(|d| {
            let start = &d["span"]["start"];
            format!(
                "{} {}:{}:{}",
                d["rule"].as_str().unwrap(),
                d["path"].as_str().unwrap(),
                start["line"],
                start["column"]
            )
        })
        .collect();
    found.sort();
    found
}

const USERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n";
const EMAIL_UP: &str = "ALTER TABLE users ADD COLUMN email text;\nCREATE INDEX users_email_idx ON users (email);\n";
/// Drops an index by a name no migration gave (fails), drops the column
/// that was there before (loses data), and leaves `email` (its index is
/// implied, and not reported apart).
const EMAIL_DOWN: &str = "DROP INDEX users_mail_idx;\nALTER TABLE users DROP COLUMN name;\n";
const GOOD_DOWN: &str = "DROP INDEX users_email_idx;\nALTER TABLE users DROP COLUMN email;\n";

/// The three findings of `EMAIL_DOWN` written from line `line` of `path`
/// (the script's start at `start`).
fn expected(path: &str, start: &str, line: usize) -> Vec<String> {
    let mut expected = vec![
        format!("down-migration-fails {path}:{line}:1"),
        format!("down-migration-incomplete {path}:{start}"),
        format!("down-migration-loses-data {path}:{}:19", line + 1),
    ];
    expected.sort();
    expected
}

#[test]
fn golang_migrate() {
    let p = Tree::new(
        "downs-golang-migrate",
        &[
            ("db/1_users.up.sql", USERS),
            ("db/1_users.down.sql", "DROP TABLE users;\n"),
            ("db/2_email.up.sql", EMAIL_UP),
            ("db/2_email.down.sql", EMAIL_DOWN),
            ("db/3_note.up.sql", "ALTER TABLE users ADD COLUMN note text;\n"),
            ("db/3_note.down.sql", "ALTER TABLE users DROP COLUMN note;\n"),
        ],
    );
    let down = "db/2_email.down.sql";
    assert_eq!(downs(&p, &["db"]), expected(down, "1:1", 1));
    // The down file named alone: its up file is found and run before it.
    assert_eq!(downs(&p, &[down]), expected(down, "1:1", 1));
    assert_eq!(downs(&p, &["db/*.down.sql"]), expected(down, "1:1", 1));
    // The up file named alone does not judge the down file.
    assert!(downs(&p, &["db/2_email.up.sql"]).is_empty());
    // Later migrations are compared with their own up script.
    assert!(downs(&p, &["db/3_note.down.sql"]).is_empty());
}

#[test]
fn sqlx() {
    let p = Tree::new(
        "downs-sqlx",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"app\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
            ),
            ("migrations/1_users.up.sql", USERS),
            ("migrations/1_users.down.sql", "DROP TABLE users;\n"),
            ("migrations/2_email.up.sql", EMAIL_UP),
            ("migrations/2_email.down.sql", EMAIL_DOWN),
        ],
    );
    let down = "migrations/2_email.down.sql";
    assert_eq!(downs(&p, &["migrations"]), expected(down, "1:1", 1));
    assert_eq!(downs(&p, &[down]), expected(down, "1:1", 1));
}

#[test]
fn diesel() {
    let p = Tree::new(
        "downs-diesel",
        &[
            ("migrations/2024-01-01-000000_users/up.sql", USERS),
            ("migrations/2024-01-01-000000_users/down.sql", "DROP TABLE users;\n"),
            ("migrations/2024-01-02-000000_email/up.sql", EMAIL_UP),
            (
                "migrations/2024-01-02-000000_email/down.sql",
                &format!("-- Undo the email.\n{EMAIL_DOWN}"),
            ),
        ],
    );
    let down = "migrations/2024-01-02-000000_email/down.sql";
    assert_eq!(downs(&p, &["migrations"]), expected(down, "1:1", 2));
    assert_eq!(downs(&p, &[down]), expected(down, "1:1", 2));
}

#[test]
fn dbmate_sections() {
    let p = Tree::new(
        "downs-dbmate",
        &[
            (
                "db/migrations/20240101000000_users.sql",
                &format!("-- migrate:up\n{USERS}\n-- migrate:down\nDROP TABLE users;\n"),
            ),
            (
                "db/migrations/20240102000000_email.sql",
                &format!("-- migrate:up\n{EMAIL_UP}\n-- migrate:down\n{EMAIL_DOWN}"),
            ),
        ],
    );
    let file = "db/migrations/20240102000000_email.sql";
    // The down section's marker is line 5; its statements follow.
    assert_eq!(downs(&p, &["db/migrations"]), expected(file, "5:1", 6));
    assert_eq!(downs(&p, &[file]), expected(file, "5:1", 6));
}

#[test]
fn goose_sections() {
    let p = Tree::new(
        "downs-goose",
        &[
            (
                "migrations/00001_users.sql",
                &format!("-- +goose Up\n{USERS}-- +goose Down\nDROP TABLE users;\n"),
            ),
            (
                "migrations/00002_email.sql",
                &format!("-- +goose Up\n{EMAIL_UP}-- +goose Down\n{EMAIL_DOWN}"),
            ),
            (
                "migrations/00003_note.sql",
                "-- +goose Up\nALTER TABLE users ADD COLUMN note text;\n-- +goose Down\nALTER TABLE users DROP COLUMN note;\n",
            ),
        ],
    );
    let file = "migrations/00002_email.sql";
    assert_eq!(downs(&p, &["migrations"]), expected(file, "4:1", 5));
}

#[test]
fn flyway_undo() {
    let p = Tree::new(
        "downs-flyway",
        &[
            ("sql/V1__users.sql", USERS),
            ("sql/V2__email.sql", EMAIL_UP),
            ("sql/U2__email.sql", EMAIL_DOWN),
        ],
    );
    let undo = "sql/U2__email.sql";
    assert_eq!(downs(&p, &["sql"]), expected(undo, "1:1", 1));
    assert_eq!(downs(&p, &[undo]), expected(undo, "1:1", 1));
}

#[test]
fn sqitch_revert() {
    let plan = "%syntax-version=1.0.0\n%project=app\n\nusers 2024-01-01T00:00:00Z Ann <ann@example.com> # users\nemail 2024-01-02T00:00:00Z Ann <ann@example.com> # email\n";
    let p = Tree::new(
        "downs-sqitch",
        &[
            ("sqitch.plan", plan),
            ("deploy/users.sql", USERS),
            ("revert/users.sql", "DROP TABLE users;\n"),
            ("deploy/email.sql", EMAIL_UP),
            ("revert/email.sql", EMAIL_DOWN),
        ],
    );
    assert_eq!(downs(&p, &["."]), expected("revert/email.sql", "1:1", 1));
    assert_eq!(downs(&p, &["revert/email.sql"]), expected("revert/email.sql", "1:1", 1));
}

#[test]
fn a_down_that_undoes_its_up_is_clean_in_every_layout() {
    let p = Tree::new(
        "downs-clean",
        &[
            ("db/1_users.up.sql", USERS),
            ("db/1_users.down.sql", "DROP TABLE users;\n"),
            ("db/2_email.up.sql", EMAIL_UP),
            ("db/2_email.down.sql", GOOD_DOWN),
            (
                "goose/00001_users.sql",
                &format!("-- +goose Up\n{USERS}-- +goose Down\nDROP TABLE users;\n"),
            ),
            (
                "goose/00002_email.sql",
                &format!("-- +goose Up\n{EMAIL_UP}-- +goose Down\n{GOOD_DOWN}"),
            ),
        ],
    );
    assert!(downs(&p, &["db", "goose"]).is_empty());
}

/// openfga's PostgreSQL migrations (goose sections): every down section
/// undoes its up section exactly (read one by one), so the down rules report
/// nothing there, while each down section is judged after its up section.
#[test]
fn a_corpus_project_whose_downs_reverse_their_ups() {
    let Some(corpus) = crate::common::corpus_repositories("the down rules on a corpus project") else {
        return;
    };
    let project = corpus.join("openfga__openfga");
    let output = Command::cargo_bin("miglint")
        .unwrap()
        .current_dir(&project)
        .args(["check", "--format", "json", "assets/migrations/postgres"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let downs = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["direction"] == "down")
        .count();
    assert_eq!(downs, 6, "each migration's down section is judged");
    let found: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"].as_str().unwrap().starts_with("down-migration"))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}
