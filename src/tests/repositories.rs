//! The roots of `tests/repositories/<layout>/` as discovery builds them:
//! version folders, delta folders and dialect files, sqlc query folders
//! and migrations written in code; and the layouts' edges those samples do
//! not show (Flyway scripts in version folders, a lone numbered folder).

use std::path::Path;

use crate::input::config::Config;
use crate::input::discover::layout::{detect, root_of, Language, MigrationRoot};
use crate::input::layout::{Dialect, Tool};

use super::support::repositories::repository;

/// Every root under the repository, by folder relative to it.
fn roots(repo: &Path) -> Vec<(String, MigrationRoot)> {
    let (roots, errors) = detect(repo, &Config::default());
    assert!(errors.is_empty(), "{errors:?}");
    roots
        .into_iter()
        .map(|root| (relative(repo, &root.dir), root))
        .collect()
}

fn relative(repo: &Path, path: &Path) -> String {
    path.strip_prefix(repo)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Each migration's name and its scripts' paths relative to the repository.
fn migrations(repo: &Path, root: &MigrationRoot) -> Vec<(String, Vec<String>)> {
    root.migrations
        .iter()
        .map(|m| {
            (
                m.name.clone(),
                m.scripts.iter().map(|s| relative(repo, &s.path)).collect(),
            )
        })
        .collect()
}

fn owned(rows: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    rows.iter()
        .map(|(name, paths)| (name.to_string(), paths.iter().map(|p| p.to_string()).collect()))
        .collect()
}

#[test]
fn version_folders() {
    let repo = repository("versioned");
    let found = roots(repo.path());
    assert_eq!(found.len(), 1);
    let (dir, root) = &found[0];
    assert_eq!(dir, "db/versioned");
    assert_eq!((root.tool, root.dialect), (Tool::Plain, Dialect::Postgres));
    assert_eq!(root.base_schema, Some(repo.path().join("db/versioned/schema.sql")));
    let v = "db/versioned";
    assert_eq!(
        migrations(repo.path(), root),
        owned(&[
            ("schema.sql", &[&format!("{v}/schema.sql")]),
            (
                "v1.0",
                &[
                    &format!("{v}/v1.0/accounts.sql"),
                    &format!("{v}/v1.0/accounts_index.sql")
                ]
            ),
            (
                "v1.1",
                &[&format!("{v}/v1.1/widen_email.sql"), &format!("{v}/v1.1/add_note.sql")]
            ),
            ("v1.2", &[&format!("{v}/v1.2/narrow_email.sql")]),
            ("v1.10", &[&format!("{v}/v1.10/users_name_index.sql")]),
        ])
    );
    let versions: Vec<Option<&str>> = root.migrations.iter().map(|m| m.version.as_deref()).collect();
    assert_eq!(versions, [None, Some("1.0"), Some("1.1"), Some("1.2"), Some("1.10")]);
    assert_eq!(
        root.notices,
        ["v1.10/manifest.json lists `missing.sql`, not in the folder"]
    );
    // One file finds the same root.
    let one = root_of(
        &repo.path().join("db/versioned/v1.2/narrow_email.sql"),
        &Config::default(),
    )
    .unwrap();
    assert_eq!(one.migrations, root.migrations);
}

#[test]
fn delta_folders_and_dialect_files() {
    let repo = repository("delta");
    let found = roots(repo.path());
    let dirs: Vec<&str> = found.iter().map(|(dir, _)| dir.as_str()).collect();
    assert_eq!(dirs, ["schema/audit/delta", "schema/main/delta"]);
    let main = &found[1].1;
    let d = "schema/main/delta";
    assert_eq!(
        migrations(repo.path(), main),
        owned(&[
            (
                "1",
                &[
                    &format!("{d}/1/001_accounts.sql.postgres"),
                    &format!("{d}/1/002_sessions.sql")
                ]
            ),
            ("2", &[&format!("{d}/2/001_widen_email.sql")]),
            ("10", &[&format!("{d}/10/001_sessions_index.sql.postgres")]),
        ])
    );
    let replaced: Vec<(String, String)> = main
        .replaced
        .iter()
        .map(|(file, variant)| (relative(repo.path(), file), relative(repo.path(), variant)))
        .collect();
    assert_eq!(
        replaced,
        [
            (
                format!("{d}/1/001_accounts.sql"),
                format!("{d}/1/001_accounts.sql.postgres")
            ),
            (
                format!("{d}/10/001_sessions_index.sql"),
                format!("{d}/10/001_sessions_index.sql.postgres")
            ),
        ]
    );
    assert!(
        main.dialect_reason.starts_with("dialect files"),
        "{}",
        main.dialect_reason
    );
}

#[test]
fn sqlc_query_folders_are_no_roots() {
    let repo = repository("sqlc");
    let dirs: Vec<String> = roots(repo.path()).into_iter().map(|(dir, _)| dir).collect();
    assert_eq!(dirs, ["db/migrations", "services/billing/migrations"]);
    assert!(root_of(&repo.path().join("db/queries/users.sql"), &Config::default()).is_none());
}

#[test]
fn code_migrations_take_their_place_in_goose_order() {
    let repo = repository("code-go");
    let found = roots(repo.path());
    let root = &found[0].1;
    assert_eq!(root.tool, Tool::Goose);
    let code: Vec<(String, Language, usize)> = root
        .code
        .iter()
        .map(|c| (relative(repo.path(), &c.path), c.language, c.before))
        .collect();
    // 00002 before 00003_orders (migration 1), 00004 before 00005 (migration 2).
    assert_eq!(
        code,
        [
            ("db/migrations/00002_backfill_emails.go".to_string(), Language::Go, 1),
            ("db/migrations/00004_split_names.go".to_string(), Language::Go, 2),
        ]
    );
    let python = repository("code-python");
    let found = roots(python.path());
    assert_eq!(found[0].1.code.len(), 1);
    assert_eq!(found[0].1.code[0].language, Language::Python);
}

/// A throwaway project holding `files` (path, text).
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn flyway_scripts_in_version_folders_stay_flyway_and_a_lone_numbered_folder_its_own_root() {
    let dir = project(&[
        (
            "db/migration/1.0/V1__accounts.sql",
            "CREATE TABLE accounts (id bigint);\n",
        ),
        (
            "db/migration/1.1/V2__email.sql",
            "ALTER TABLE accounts ADD COLUMN email text;\n",
        ),
        ("other/2/001_x.sql", "SELECT 1;\n"),
    ]);
    let found = roots(dir.path());
    let tools: Vec<(&str, Tool, &str)> = found
        .iter()
        .map(|(dir, root)| (dir.as_str(), root.tool, root.tool_reason.as_str()))
        .collect();
    assert_eq!(
        tools,
        [
            (
                "db/migration",
                Tool::Flyway,
                "files named `V<version>__<name>.sql` in version folders"
            ),
            ("other/2", Tool::Plain, "versions, but no tool's marks"),
        ]
    );
    let names: Vec<&str> = found[0].1.migrations.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["V1__accounts", "V2__email"]);
}
