//! What runs again after a failure, on a real PostgreSQL: a failed
//! `CREATE UNIQUE INDEX CONCURRENTLY` leaves an INVALID index, which `IF NOT
//! EXISTS` keeps on a re-run, and the recipe `concurrent-index-if-not-exists`
//! and `statement-not-rerunnable` give (drop if exists, then build) ends
//! with a valid index; and PostgreSQL cuts a long identifier to what
//! `identifier-too-long` says it keeps; the keyword categories the naming
//! rules take from pg_query are the server's.

use super::super::support::cluster::{cluster, Cluster};
use crate::settings::Settings;
use crate::tests::rules::{findings, findings_with};

const DB: &str = "rerun";

fn valid(cluster: &Cluster, index: &str) -> String {
    cluster
        .psql_in(
            DB,
            &format!("SELECT indisvalid FROM pg_index WHERE indexrelid = '{index}'::regclass"),
        )
        .unwrap()
        .trim()
        .to_string()
}

/// The numbered steps of a finding's help (`  1. DROP ...;`).
fn steps(help: &str) -> Vec<String> {
    help.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let (n, rest) = l.split_once(". ")?;
            n.parse::<u32>().ok().map(|_| rest.to_string())
        })
        .collect()
}

/// `transaction = "none"`: the runner runs files in autocommit.
fn autocommit() -> Settings {
    let mut settings = Settings::default();
    settings.transaction = Some(crate::analysis::TransactionMode::None);
    settings
}

fn help_of(rule: &str, sql: &str) -> String {
    let report = crate::report::engine::lint_source(crate::input::source::SourceFile::new("t.sql", sql), &autocommit());
    report
        .diagnostics
        .iter()
        .find(|d| d.rule == rule)
        .and_then(|d| d.help.clone())
        .unwrap_or_else(|| panic!("{rule} does not flag {sql}"))
}

#[test]
fn a_failed_concurrent_build_stays_invalid_under_if_not_exists_and_the_recipe_rebuilds_it() {
    let Some(cluster) = cluster() else { return };
    cluster.psql(&format!("CREATE DATABASE {DB}")).unwrap();
    cluster
        .script(DB, "CREATE TABLE d (a int);\nINSERT INTO d VALUES (1), (1), (2);")
        .unwrap();

    // The first run fails on the duplicate and leaves the index INVALID.
    let build = "CREATE UNIQUE INDEX CONCURRENTLY d_a ON d (a);";
    let failed = cluster.script(DB, build);
    assert!(
        failed
            .as_ref()
            .is_err_and(|e| e.contains("could not create unique index")),
        "{failed:?}"
    );
    assert_eq!(
        valid(&cluster, "d_a"),
        "f",
        "a failed concurrent build leaves its index"
    );

    // Run again with IF NOT EXISTS: a NOTICE, success, and still INVALID.
    let guarded = "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS d_a ON d (a);";
    assert!(cluster.script(DB, guarded).is_ok());
    assert_eq!(valid(&cluster, "d_a"), "f", "IF NOT EXISTS keeps the INVALID index");
    assert_eq!(
        findings("concurrent-index-if-not-exists", guarded).len(),
        1,
        "miglint flags the form that hid it"
    );
    // Without IF NOT EXISTS the re-run fails, as statement-not-rerunnable says.
    let again = cluster.script(DB, build);
    assert!(again.as_ref().is_err_and(|e| e.contains("already exists")), "{again:?}");
    assert!(findings_with("statement-not-rerunnable", build, &autocommit())[0].contains("already exists"));

    // The recipes, as the rules write them, once the duplicate is gone.
    cluster
        .script(DB, "DELETE FROM d WHERE ctid = (SELECT max(ctid) FROM d WHERE a = 1);")
        .unwrap();
    for (rule, sql) in [
        ("concurrent-index-if-not-exists", guarded),
        ("statement-not-rerunnable", build),
    ] {
        let recipe = steps(&help_of(rule, sql));
        assert_eq!(recipe.len(), 2, "{rule}: {recipe:?}");
        assert!(
            recipe[0].starts_with("DROP INDEX CONCURRENTLY IF EXISTS d_a"),
            "{recipe:?}"
        );
        assert!(!recipe[1].contains("IF NOT EXISTS"), "{recipe:?}");
        for step in &recipe {
            cluster
                .script(DB, step)
                .unwrap_or_else(|e| panic!("{rule}: {step}: {e}"));
        }
        assert_eq!(valid(&cluster, "d_a"), "t", "{rule}: the recipe builds a valid index");
        // Running the recipe again (the migration re-run) succeeds too.
        for step in &recipe {
            cluster
                .script(DB, step)
                .unwrap_or_else(|e| panic!("{rule}, again: {step}: {e}"));
        }
        assert_eq!(valid(&cluster, "d_a"), "t");
    }
}

#[test]
fn postgres_keeps_the_name_identifier_too_long_says() {
    let Some(cluster) = cluster() else { return };
    let ascii = format!("t_{}", "x".repeat(70));
    // 62 ASCII bytes then 2-byte letters: byte 63 falls inside one.
    let multibyte = format!("{}ééé", "m".repeat(62));
    for name in [ascii, multibyte] {
        let sql = format!("CREATE TABLE \"{name}\" (id int);");
        let found = findings("identifier-too-long", &sql);
        let kept = found
            .first()
            .and_then(|m| m.split("PostgreSQL keeps \"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("not flagged: {found:?}"))
            .to_string();
        cluster.script("postgres", &sql).unwrap();
        let relname = cluster
            .psql(&format!(
                "SELECT relname FROM pg_class WHERE relname LIKE '{}%' AND relkind = 'r'",
                &name[..8]
            ))
            .unwrap();
        assert_eq!(relname.trim(), kept, "{name}");
        assert!(kept.len() <= 63 && name.starts_with(&kept));
        // A later statement spelling the full name reaches the same table.
        assert!(cluster.script("postgres", &format!("SELECT FROM \"{name}\";")).is_ok());
    }
    // Two long names that begin alike are one: the second CREATE fails.
    let (one, two) = (format!("{}_one", "c".repeat(63)), format!("{}_two", "c".repeat(63)));
    cluster
        .script("postgres", &format!("CREATE TABLE {one} (id int);"))
        .unwrap();
    let second = cluster.script("postgres", &format!("CREATE TABLE {two} (id int);"));
    assert!(
        second.as_ref().is_err_and(|e| e.contains("already exists")),
        "{second:?}"
    );
    let found = findings(
        "identifier-too-long",
        &format!("CREATE TABLE {one} (id int);\nCREATE TABLE {two} (id int);"),
    );
    assert!(found[1].contains(&format!("the same name as \"{one}\"")), "{found:?}");
}

/// `keyword-identifier` and `quoted-identifier` take keyword categories from
/// pg_query's scanner (PostgreSQL 18's grammar): every keyword the server
/// knows has the category `pg_get_keywords()` gives it (a keyword the newer
/// grammar dropped counts as unreserved).
#[test]
fn keyword_categories_match_pg_get_keywords() {
    use pg_query::protobuf::KeywordKind;
    let Some(cluster) = cluster() else { return };
    let rows = cluster.psql("SELECT word, catcode FROM pg_get_keywords()").unwrap();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for line in rows.lines() {
        let Some((word, code)) = line.split_once('\t') else {
            continue;
        };
        let expected = match code {
            "R" => KeywordKind::ReservedKeyword,
            "T" => KeywordKind::TypeFuncNameKeyword,
            "C" => KeywordKind::ColNameKeyword,
            _ => KeywordKind::UnreservedKeyword,
        };
        checked += 1;
        // A word PostgreSQL 18 dropped from the grammar (`recheck`) is as
        // free a name as an unreserved one.
        let found = crate::parse::tokens::keyword_kind(word).unwrap_or(KeywordKind::UnreservedKeyword);
        if found != expected {
            mismatches.push(format!("{word}: server {expected:?}, pg_query {found:?}"));
        }
    }
    assert!(checked > 400, "only {checked} keywords read");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
