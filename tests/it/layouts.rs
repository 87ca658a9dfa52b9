//! Migration tool layouts: the sample tree of every preset under
//! `fixtures/layouts/<tool>/`, dialects and config overrides, and every
//! project of the corpus (`../shared/corpus`) detected as its MANIFEST says.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miglint::config::Config;
use miglint::discover::layout::{compare_versions, detect, dialect_from_syntax, root_of, version_of, MigrationRoot};
use miglint::engine::{lint_run, ChangeScope, RunInput, Settings};
use miglint::layout::{Dialect, Direction, RunnerTransaction, Tool};

use crate::common::{in_ci, repo_root};

/// The corpus, or None (with the reason printed) when it is absent; absent
/// under CI fails.
fn corpus() -> Option<PathBuf> {
    let corpus = repo_root().join("../shared/corpus");
    if !corpus.join("MANIFEST.tsv").is_file() {
        let reason = format!("no corpus at {}", corpus.display());
        assert!(!in_ci(), "{reason}: the layout corpus test may not be skipped under CI");
        eprintln!("skipping: {reason}");
        return None;
    }
    Some(corpus.canonicalize().expect("corpus path"))
}

struct ManifestRow {
    dir: String,
    layout: Tool,
    dialect: Dialect,
    paths: Vec<String>,
}

fn manifest(corpus: &Path) -> Vec<ManifestRow> {
    let text = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (dir, layout, dialect, paths) = (column("dir"), column("layout"), column("dialect"), column("paths"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let layout = match cells[layout] {
                "other" => Tool::Plain,
                id => Tool::parse(id).unwrap_or_else(|| panic!("unknown layout {id}")),
            };
            ManifestRow {
                dir: cells[dir].to_string(),
                layout,
                dialect: Dialect::parse(cells[dialect]).expect("dialect"),
                paths: cells[paths].split(',').map(str::to_string).collect(),
            }
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
    let Some(corpus) = corpus() else { return };
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
    // The other roots of atuin say SQLite; atuin-ai says nothing itself.
    let atuin_ai = detected["atuinsh__atuin"]
        .iter()
        .find(|r| r.dir.ends_with("atuin-ai/migrations"))
        .expect("atuin-ai root");
    assert_eq!(atuin_ai.dialect, Dialect::Sqlite);
    assert_eq!(atuin_ai.dialect_reason, "the repository's other roots");
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
fn corpus_projects_lint_without_panic() {
    let Some(corpus) = corpus() else { return };
    let (roots, errors) = detect(&corpus, &Config::default());
    assert!(errors.is_empty(), "{errors:?}");
    let settings = Settings::default();
    let mut linted = 0;
    for root in &roots {
        let inputs: Vec<RunInput> = root
            .scripts()
            .map(|s| RunInput {
                path: s.path.display().to_string(),
                bytes: s.bytes.clone(),
            })
            .collect();
        linted += lint_run(inputs, None, &settings, ChangeScope::EachFile).len();
    }
    assert!(linted > 2_600, "linted {linted} scripts");
}

#[test]
fn root_of_a_corpus_file_finds_its_siblings() {
    let Some(corpus) = corpus() else { return };
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

/// Prints what was found in the corpus: `cargo test --test it layouts::summary -- --ignored --nocapture`.
#[test]
#[ignore]
fn summary() {
    let Some(corpus) = corpus() else { return };
    let mut roots = Vec::new();
    for entry in std::fs::read_dir(&corpus).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            roots.extend(detect(&path, &Config::default()).0);
        }
    }
    roots.sort_by(|a, b| a.dir.cmp(&b.dir));
    for root in roots {
        let dir = root.dir.strip_prefix(&corpus).unwrap_or(&root.dir);
        let scripts = root.scripts().count();
        let syntax = dialect_from_syntax(root.scripts().map(|s| s.bytes.as_slice()));
        println!(
            "{} {} {} ({}) [syntax: {syntax:?}] {} migrations {} scripts {:?}",
            dir.display(),
            root.tool,
            root.dialect,
            root.dialect_reason,
            root.migrations.len(),
            scripts,
            root.notices
        );
    }
}
