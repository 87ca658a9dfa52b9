//! Migration tool layouts: the sample tree of every preset under
//! `fixtures/layouts/<tool>/`, dialects and config overrides, and every
//! project of the corpus (`../shared/corpus`) detected as its MANIFEST says.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::input::config::Config;
use crate::input::discover::layout::{detect, dialect_from_syntax, root_of, version_of, MigrationRoot};
use crate::input::layout::{compare_versions, Dialect, Direction, RunnerTransaction, Tool};

use crate::tests::common::{self, corpus_repositories, repo_root};

/// A manifest row with its tool and dialect read.
struct ManifestRow {
    dir: String,
    layout: Tool,
    dialect: Dialect,
    paths: Vec<String>,
}

fn manifest(corpus: &Path) -> Vec<ManifestRow> {
    common::manifest(corpus)
        .into_iter()
        .map(|row| ManifestRow {
            layout: match row.layout.as_str() {
                "other" => Tool::Plain,
                id => Tool::parse(id).unwrap_or_else(|| panic!("unknown layout {id}")),
            },
            dialect: Dialect::parse(&row.dialect).expect("dialect"),
            dir: row.dir,
            paths: row.paths,
        })
        .collect()
}

fn sql_files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sql_files_under(&path, found);
        } else if path.extension().is_some_and(|e| e == "sql") {
            found.push(path);
        }
    }
}

/// Versions never go down, and in each migration the up comes before the down.
fn assert_tool_order(root: &MigrationRoot) {
    let versions: Vec<&str> = root.migrations.iter().filter_map(|m| m.version.as_deref()).collect();
    for pair in versions.windows(2) {
        assert_ne!(
            compare_versions(root.tool, pair[0], pair[1]),
            Ordering::Greater,
            "{}: {} runs before {}",
            root.dir.display(),
            pair[0],
            pair[1]
        );
    }
    // The versioned migrations come first.
    let first_unversioned = root.migrations.iter().position(|m| m.version.is_none());
    if let Some(first) = first_unversioned {
        assert!(
            root.migrations[first..].iter().all(|m| m.version.is_none()),
            "{}: a versioned migration after an unversioned one",
            root.dir.display()
        );
    }
    for migration in &root.migrations {
        let directions: Vec<Option<Direction>> = migration.scripts.iter().map(|s| s.direction).collect();
        let mut sorted = directions.clone();
        sorted.sort_by_key(|d| match d {
            Some(Direction::Up) => 0,
            Some(Direction::Down) => 1,
            None => 2,
        });
        assert_eq!(directions, sorted, "{}: {}", root.dir.display(), migration.name);
        for script in &migration.scripts {
            let file = std::fs::read(&script.path).expect("script");
            assert_eq!(script.bytes.len(), file.len(), "{}", script.path.display());
        }
    }
}

#[test]
fn corpus_projects_are_detected_as_their_manifest_says() {
    let Some(corpus) = corpus_repositories("the layout corpus tests") else {
        return;
    };
    let rows = manifest(&corpus);
    assert!(rows.len() >= 14, "MANIFEST.tsv has {} rows", rows.len());
    let mut detected: BTreeMap<String, Vec<MigrationRoot>> = BTreeMap::new();
    for row in &rows {
        let roots = detected.entry(row.dir.clone()).or_insert_with(|| {
            let (roots, errors) = detect(&corpus.join(&row.dir), &Config::default());
            assert!(errors.is_empty(), "{}: {errors:?}", row.dir);
            roots
        });
        let mut files = Vec::new();
        for path in &row.paths {
            sql_files_under(&corpus.join(&row.dir).join(path), &mut files);
        }
        assert!(!files.is_empty(), "{}: no files under {:?}", row.dir, row.paths);
        for file in files {
            let root = roots
                .iter()
                .find(|r| r.scripts().any(|s| s.path == file))
                .unwrap_or_else(|| panic!("{}: in no root", file.display()));
            assert_eq!(
                (root.tool, root.dialect),
                (row.layout, row.dialect),
                "{} (root {}, dialect from {})",
                file.display(),
                root.dir.display(),
                root.dialect_reason
            );
        }
    }
    // The syntax sniffer alone never takes a PostgreSQL root for another dialect.
    for row in rows.iter().filter(|r| r.dialect == Dialect::Postgres) {
        for root in &detected[&row.dir] {
            let in_row = row.paths.iter().any(|p| {
                let listed = corpus.join(&row.dir).join(p);
                root.scripts().any(|s| s.path.starts_with(&listed))
            });
            if in_row {
                let syntax = dialect_from_syntax(root.scripts().map(|s| s.bytes.as_slice()));
                assert!(
                    syntax.as_ref().is_none_or(|(d, _)| *d == Dialect::Postgres),
                    "{}: {syntax:?}",
                    root.dir.display()
                );
            }
        }
    }
    for (project, roots) in &detected {
        for root in roots {
            assert_tool_order(root);
        }
        let scripts: usize = roots.iter().map(|r| r.scripts().count()).sum();
        assert!(scripts > 0, "{project}: no scripts");
    }
    // crates.io: exactly the migrations with a metadata.toml run outside Diesel's transaction.
    let crates_io = &detected["rust-lang__crates.io"];
    for script in crates_io.iter().flat_map(|r| r.scripts()) {
        let has_metadata = script.path.with_file_name("metadata.toml").is_file();
        assert_eq!(
            script.transaction == RunnerTransaction::None,
            has_metadata,
            "{}",
            script.path.display()
        );
        assert_eq!(script.opted_out, has_metadata);
    }
    // The other roots of atuin say SQLite; atuin-ai says nothing itself
    // (the corpus leaves out its Cargo.toml).
    let atuin_ai = detected["atuinsh__atuin"]
        .iter()
        .find(|r| r.dir.ends_with("atuin-ai/migrations"))
        .expect("atuin-ai root");
    assert_eq!(atuin_ai.dialect, Dialect::Sqlite);
    assert_eq!(
        atuin_ai.dialect_reason,
        "the other roots under `crates` (2 sqlite, 1 postgres)"
    );
    // DSpace's four Flyway locations run as one sequence.
    let dspace = &detected["DSpace__DSpace"];
    assert_eq!(
        dspace.len(),
        1,
        "{:?}",
        dspace.iter().map(|r| &r.dir).collect::<Vec<_>>()
    );
    assert!(dspace[0].dir.ends_with("sqlmigration"));
}

#[test]
fn root_of_a_corpus_file_finds_its_siblings() {
    let Some(corpus) = corpus_repositories("the layout corpus tests") else {
        return;
    };
    let file = corpus.join("atuinsh__atuin/crates/atuin-ai/migrations/20260413000000_create_ai_sessions.sql");
    let root = root_of(&file, &Config::default()).expect("a root");
    assert_eq!(root.tool, Tool::Sqlx);
    assert_eq!(root.dialect, Dialect::Sqlite);
    assert_eq!(root.migrations.len(), 3);
    let flyway = corpus.join(
        "DSpace__DSpace/dspace-api/src/main/resources/org/dspace/storage/rdbms/sqlmigration/metadata/postgres/V7.0_2020.10.31__CollectionCommunity_Metadata_Handle.sql",
    );
    let root = root_of(&flyway, &Config::default()).expect("a root");
    assert_eq!(root.tool, Tool::Flyway);
    assert_eq!(root.migrations.len(), 72);
    assert_eq!(version_of(Tool::Flyway, &flyway).as_deref(), Some("7.0.2020.10.31"));
}

/// One row per script: (path relative to the fixture, direction, transaction, opted out).
type Row = (String, Option<Direction>, RunnerTransaction, bool);

fn fixture(tool: &str) -> PathBuf {
    repo_root().join("fixtures/layouts").join(tool)
}

/// The one root of `fixtures/layouts/<name>`, with its tool and dialect checked.
fn one_root(name: &str, tool: Tool, dialect: Dialect) -> MigrationRoot {
    let (mut roots, errors) = detect(&fixture(name), &Config::default());
    assert!(errors.is_empty(), "{name}: {errors:?}");
    assert_eq!(
        roots.len(),
        1,
        "{name}: {:?}",
        roots.iter().map(|r| &r.dir).collect::<Vec<_>>()
    );
    let root = roots.remove(0);
    assert_eq!(
        (root.tool, root.dialect),
        (tool, dialect),
        "{name}: {}",
        root.dialect_reason
    );
    root
}

fn rows(name: &str, root: &MigrationRoot) -> Vec<Row> {
    let base = fixture(name);
    root.scripts()
        .map(|s| {
            let path = s.path.strip_prefix(&base).unwrap_or(&s.path);
            let path = path.to_string_lossy().replace('\\', "/");
            (path, s.direction, s.transaction, s.opted_out)
        })
        .collect()
}

fn row(path: &str, direction: Option<Direction>, transaction: RunnerTransaction, opted_out: bool) -> Row {
    (path.to_string(), direction, transaction, opted_out)
}

const UP: Option<Direction> = Some(Direction::Up);
const DOWN: Option<Direction> = Some(Direction::Down);
use RunnerTransaction::{AllPending, Batch, Detected, PerFile};
const NONE: RunnerTransaction = RunnerTransaction::None;

/// The bytes of `path`'s script in `direction`, as text.
fn view(root: &MigrationRoot, path: &str, direction: Option<Direction>) -> String {
    let script = root
        .scripts()
        .find(|s| s.path.ends_with(path) && s.direction == direction)
        .unwrap_or_else(|| panic!("no {direction:?} script for {path}"));
    String::from_utf8(script.bytes.clone()).expect("utf-8")
}

#[test]
fn flyway_fixture() {
    let root = one_root("flyway", Tool::Flyway, Dialect::Postgres);
    let m = "db/migration/";
    assert_eq!(
        rows("flyway", &root),
        [
            row(&format!("{m}V1__create_accounts.sql"), UP, Detected, false),
            row(&format!("{m}V1.9__add_email.sql"), UP, Detected, false),
            row(&format!("{m}U1.9__add_email.sql"), DOWN, Detected, false),
            row(&format!("{m}V1.10__index_accounts.sql"), UP, NONE, true),
            row(&format!("{m}R__account_emails.sql"), UP, Detected, false),
        ]
    );
    let versions: Vec<Option<&str>> = root.migrations.iter().map(|m| m.version.as_deref()).collect();
    assert_eq!(versions, [Some("1"), Some("1.9"), Some("1.10"), None]);
}

#[test]
fn liquibase_fixture() {
    let root = one_root("liquibase", Tool::Liquibase, Dialect::Postgres);
    // The master changelog includes 002 before 001.
    assert_eq!(
        rows("liquibase", &root),
        [
            row("changelog/002_email.sql", UP, PerFile, false),
            row("changelog/001_accounts.sql", UP, PerFile, false),
            row("changelog/001_accounts.sql", DOWN, PerFile, false),
        ]
    );
    let accounts = &root.migrations[1].scripts[0];
    let transactions: Vec<bool> = accounts.segments.iter().map(|s| s.transaction).collect();
    assert_eq!(transactions, [true, false]);
    let file = std::fs::read_to_string(&accounts.path).unwrap();
    assert!(file[accounts.segments[1].start..].starts_with("--changeset ann:2 runInTransaction:false"));
    let down = view(&root, "001_accounts.sql", DOWN);
    assert_eq!(down.len(), file.len());
    let down_lines: Vec<&str> = down.lines().map(str::trim_end).collect();
    assert_eq!(
        down_lines,
        [
            "",
            "",
            "",
            "",
            "           DROP TABLE accounts;",
            "",
            "",
            "",
            "           DROP INDEX accounts_id_idx;"
        ]
    );
}

#[test]
fn golang_migrate_fixture() {
    let root = one_root("golang-migrate", Tool::GolangMigrate, Dialect::Postgres);
    let m = "migrations/";
    assert_eq!(
        rows("golang-migrate", &root),
        [
            row(&format!("{m}1_create_accounts.up.sql"), UP, Batch, false),
            row(&format!("{m}1_create_accounts.down.sql"), DOWN, Batch, false),
            row(&format!("{m}9_add_name.up.sql"), UP, Batch, false),
            row(&format!("{m}10_add_email.up.sql"), UP, Batch, false),
            row(&format!("{m}10_add_email.down.sql"), DOWN, Batch, false),
        ]
    );
}

#[test]
fn sqlx_fixture() {
    let root = one_root("sqlx", Tool::Sqlx, Dialect::Postgres);
    let m = "migrations/";
    assert_eq!(
        rows("sqlx", &root),
        [
            row(&format!("{m}20240101000000_create_accounts.sql"), UP, PerFile, false),
            row(&format!("{m}20240102000000_index_accounts.sql"), UP, NONE, true),
            row(&format!("{m}20240103000000_add_email.up.sql"), UP, PerFile, false),
            row(&format!("{m}20240103000000_add_email.down.sql"), DOWN, PerFile, false),
        ]
    );
}

#[test]
fn diesel_fixture() {
    let root = one_root("diesel", Tool::Diesel, Dialect::Postgres);
    let (a, b) = (
        "migrations/2024-01-01-000000_create_accounts/",
        "migrations/2024-01-02-000000_index_accounts/",
    );
    assert_eq!(
        rows("diesel", &root),
        [
            row(&format!("{a}up.sql"), UP, PerFile, false),
            row(&format!("{a}down.sql"), DOWN, PerFile, false),
            row(&format!("{b}up.sql"), UP, NONE, true),
            row(&format!("{b}down.sql"), DOWN, NONE, true),
        ]
    );
    assert_eq!(root.migrations[0].version.as_deref(), Some("20240101000000"));
    assert_eq!(root.migrations[0].name, "2024-01-01-000000_create_accounts");
}

#[test]
fn dbmate_fixture() {
    let root = one_root("dbmate", Tool::Dbmate, Dialect::Postgres);
    let (a, b) = (
        "db/migrations/20240101000000_create_accounts.sql",
        "db/migrations/20240102000000_index_accounts.sql",
    );
    assert_eq!(
        rows("dbmate", &root),
        [
            row(a, UP, PerFile, false),
            row(a, DOWN, PerFile, false),
            row(b, UP, NONE, true),
            row(b, DOWN, PerFile, false),
        ]
    );
    assert_eq!(
        view(&root, a, DOWN),
        "             \n                                              \n\n-- migrate:down\nDROP TABLE accounts;\n"
    );
    assert_eq!(
        view(&root, a, UP),
        "-- migrate:up\nCREATE TABLE accounts (id bigint PRIMARY KEY);\n\n               \n                    \n"
    );
}

#[test]
fn goose_fixture() {
    let root = one_root("goose", Tool::Goose, Dialect::Postgres);
    let (a, b) = ("migrations/00001_touch.sql", "migrations/00002_index_accounts.sql");
    assert_eq!(
        rows("goose", &root),
        [
            row(a, UP, PerFile, false),
            row(a, DOWN, PerFile, false),
            row(b, UP, NONE, true),
            row(b, DOWN, NONE, true),
        ]
    );
    let down = view(&root, a, DOWN);
    let file = std::fs::read_to_string(fixture("goose").join(a)).unwrap();
    assert_eq!(down.len(), file.len());
    assert_eq!(down.lines().count(), file.lines().count());
    assert_eq!(down.trim_start(), "-- +goose Down\nDROP FUNCTION touch();\n");
    assert!(view(&root, a, UP).contains("$$ LANGUAGE plpgsql;"));
    assert!(!view(&root, a, UP).contains("DROP FUNCTION"));
}

#[test]
fn prisma_fixture() {
    let root = one_root("prisma", Tool::Prisma, Dialect::Postgres);
    assert_eq!(
        rows("prisma", &root),
        [
            row("prisma/migrations/20240101000000_init/migration.sql", UP, Batch, false),
            row(
                "prisma/migrations/20240102000000_add_email/migration.sql",
                UP,
                Batch,
                false
            ),
        ]
    );
}

#[test]
fn drizzle_fixture() {
    let root = one_root("drizzle", Tool::Drizzle, Dialect::Postgres);
    // The journal, not the names, gives the order.
    assert_eq!(
        rows("drizzle", &root),
        [
            row("drizzle/0000_fluffy_start.sql", UP, AllPending, false),
            row("drizzle/0002_zany_name.sql", UP, AllPending, false),
            row("drizzle/0001_quiet_email.sql", UP, AllPending, false),
        ]
    );
    assert_eq!(
        view(&root, "0000_fluffy_start.sql", UP),
        "CREATE TABLE \"accounts\" (\"id\" serial PRIMARY KEY);\n;-- statement-breakpoint\nCREATE INDEX \"accounts_id_idx\" ON \"accounts\" (\"id\");\n"
    );
}

#[test]
fn sqitch_fixture() {
    let root = one_root("sqitch", Tool::Sqitch, Dialect::Postgres);
    // The plan, not the names, gives the order.
    assert_eq!(
        rows("sqitch", &root),
        [
            row("deploy/appschema.sql", UP, NONE, false),
            row("revert/appschema.sql", DOWN, NONE, false),
            row("deploy/accounts.sql", UP, NONE, false),
            row("revert/accounts.sql", DOWN, NONE, false),
            row("verify/accounts.sql", None, NONE, false),
        ]
    );
    assert!(root.notices.is_empty(), "{:?}", root.notices);
    assert!(root.migrations.iter().all(|m| m.version.is_none()));
}

#[test]
fn supabase_fixture() {
    let root = one_root("supabase", Tool::Supabase, Dialect::Postgres);
    let m = "supabase/migrations/";
    assert_eq!(
        rows("supabase", &root),
        [
            row(&format!("{m}20240101000000_create_accounts.sql"), UP, Batch, false),
            row(&format!("{m}20240102000000_add_email.sql"), UP, Batch, false),
        ]
    );
}

#[test]
fn atlas_fixture() {
    let root = one_root("atlas", Tool::Atlas, Dialect::Postgres);
    let m = "migrations/";
    assert_eq!(
        rows("atlas", &root),
        [
            row(&format!("{m}20240101000000_create_accounts.sql"), UP, PerFile, false),
            row(&format!("{m}20240102000000_index_accounts.sql"), UP, NONE, true),
        ]
    );
}

#[test]
fn plain_fixture() {
    let root = one_root("plain", Tool::Plain, Dialect::Postgres);
    assert_eq!(
        rows("plain", &root),
        [
            row("sql/001_accounts.sql", UP, NONE, false),
            row("sql/002_email.sql", UP, NONE, false),
            row("sql/010_index.sql", UP, NONE, false),
        ]
    );
    assert!(root.migrations.iter().all(|m| m.version.is_none()));
}

#[test]
fn examples_are_plain_sql_in_path_order() {
    let dir = repo_root().join("examples/migrations");
    let (roots, errors) = detect(&dir, &Config::default());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].tool, Tool::Plain);
    let names: Vec<String> = roots[0]
        .scripts()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 4);
}

#[test]
fn a_mysql_folder_names_the_dialect() {
    let (roots, errors) = detect(&fixture("dialect"), &Config::default());
    assert!(errors.is_empty(), "{errors:?}");
    let found: Vec<(String, Tool, Dialect, &str)> = roots
        .iter()
        .map(|r| {
            let name = r.dir.file_name().unwrap().to_string_lossy().into_owned();
            (name, r.tool, r.dialect, r.dialect_reason.as_str())
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "mysql".into(),
                Tool::GolangMigrate,
                Dialect::Mysql,
                "folder name `mysql`"
            ),
            (
                "postgres".into(),
                Tool::GolangMigrate,
                Dialect::Postgres,
                "folder name `postgres`"
            ),
        ]
    );
    // Scanning the mysql folder itself: its own name counts.
    let (roots, _) = detect(&fixture("dialect/db/mysql"), &Config::default());
    assert_eq!(roots[0].dialect, Dialect::Mysql);
}

#[test]
fn config_overrides_tool_and_dialect() {
    let base = fixture("dialect");
    let text = "[[roots]]\npath = \"db/postgres\"\ndialect = \"sqlite\"\ntool = \"sqlx\"\n";
    let config = crate::input::config::parse(text, &base.join("miglint.toml")).expect("config");
    let (roots, _) = detect(&base, &config);
    let postgres = roots.iter().find(|r| r.dir.ends_with("db/postgres")).expect("root");
    assert_eq!((postgres.tool, postgres.dialect), (Tool::Sqlx, Dialect::Sqlite));
    assert_eq!(postgres.dialect_reason, "config");
    let mysql = roots.iter().find(|r| r.dir.ends_with("db/mysql")).expect("root");
    assert_eq!(mysql.tool, Tool::GolangMigrate);
    // `tool` for every root.
    let config = crate::input::config::parse("tool = \"plain\"\n", &base.join("miglint.toml")).expect("config");
    let (roots, _) = detect(&base, &config);
    assert!(roots.iter().all(|r| r.tool == Tool::Plain));
    // A file's root, found from the file.
    let file = base.join("db/postgres/1_create_accounts.down.sql");
    let root = root_of(&file, &Config::default()).expect("root");
    assert!(root.dir.ends_with("db/postgres"));
    assert_eq!(root.migrations[0].scripts.len(), 2);
}

#[test]
fn binary_and_odd_files_do_not_panic() {
    let dir = std::env::temp_dir().join(format!("miglint-layouts-odd-{}", std::process::id()));
    let write = |path: &str, bytes: &[u8]| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write("goose/1_x.sql", b"-- +goose Up\n\xff\xfe\x00$$\n-- +goose Down\r\n\xc3");
    write("flyway/V1__x.sql", b"");
    write("flyway/V2__y.sql.conf", b"\xff=\xff");
    write("flyway/V2__y.sql", b"`\x80");
    write(
        "liquibase/a.sql",
        b"--liquibase formatted sql\n--changeset\n--rollback\n--rollback \xff",
    );
    write("diesel/1_x/up.sql", b"$a");
    write("diesel/1_x/metadata.toml", b"run_in_transaction = [");
    let (roots, errors) = detect(&dir, &Config::default());
    assert!(errors.is_empty(), "{errors:?}");
    let tools: Vec<Tool> = roots.iter().map(|r| r.tool).collect();
    assert_eq!(tools, [Tool::Diesel, Tool::Flyway, Tool::Goose, Tool::Liquibase]);
    for script in roots.iter().flat_map(|r| r.scripts()) {
        assert_eq!(script.bytes.len(), std::fs::read(&script.path).unwrap().len());
    }
    let diesel = &roots[0];
    assert!(diesel.notices[0].contains("not valid TOML"), "{:?}", diesel.notices);
    std::fs::remove_dir_all(&dir).unwrap();
}
