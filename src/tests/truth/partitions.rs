//! Partitioned tables against a real PostgreSQL: what miglint advises for a
//! partitioned table runs there as written, in order, and does what it
//! says; what it must never advise is refused by the server.

use crate::input::layout::GitState;
use crate::input::read::Content;
use crate::report::engine::{lint_run, ChangeScope};
use crate::settings::Settings;
use crate::tests::rules::migration;

use super::cases::SEED;
use super::facts::{seeded, SEED_DB};
use crate::tests::support::cluster::Cluster;

/// The active findings of `rule` on `sql`, run as a migration after `SEED`
/// (history): each finding's help.
fn helps_after_seed(rule: &str, sql: &str) -> Vec<String> {
    let mut seed = migration("1", "seed", 0, GitState::Unchanged);
    seed.content = Content::Bytes(SEED.as_bytes().to_vec());
    let mut change = migration("2", "change", 1, GitState::Added);
    change.content = Content::Bytes(sql.as_bytes().to_vec());
    let settings = std::sync::Arc::new(Settings::default());
    let inputs = vec![seed.with_settings(settings.clone()), change.with_settings(settings)];
    lint_run(inputs, ChangeScope::AllFiles)
        .into_iter()
        .flat_map(|report| report.diagnostics)
        .filter(|d| d.rule == rule && d.is_active())
        .map(|d| d.help.unwrap_or_default())
        .collect()
}

/// The SQL statements of a recipe, one per line of its help (a numbered
/// step, or a statement under a step), in order.
fn recipe_statements(help: &str) -> Vec<String> {
    help.lines()
        .map(|line| {
            let line = line.trim();
            match line.split_once(". ") {
                Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => rest,
                _ => line,
            }
        })
        .filter(|line| line.starts_with("CREATE ") || line.starts_with("ALTER "))
        .map(str::to_string)
        .collect()
}

/// A fresh copy of the seeded database named `db`.
fn copy_of_seed(cluster: &Cluster, db: &str) {
    cluster
        .psql(&format!("CREATE DATABASE {db} TEMPLATE {SEED_DB}"))
        .unwrap_or_else(|e| panic!("copying the seed: {e}"));
}

#[test]
fn create_index_concurrently_is_refused_on_a_partitioned_table() {
    let Some(seeded) = seeded() else { return };
    let cluster = &seeded.cluster;
    copy_of_seed(cluster, "refused");
    let refused = cluster.psql_in("refused", "CREATE INDEX CONCURRENTLY parted_id ON parted (id)");
    let error = refused.expect_err("PostgreSQL 15 refuses CONCURRENTLY on a partitioned table");
    assert!(
        error.contains("cannot create index on partitioned table \"parted\" concurrently"),
        "{error}"
    );
    // So the rule never suggests it there.
    let helps = helps_after_seed("require-concurrent-index", "CREATE INDEX parted_id ON parted (id);\n");
    assert_eq!(helps.len(), 1, "{helps:?}");
    assert!(
        !recipe_statements(&helps[0])
            .iter()
            .any(|s| s.contains("CONCURRENTLY") && s.contains(" ON parted ")),
        "{}",
        helps[0]
    );
}

#[test]
fn the_partitioned_index_recipe_runs_and_leaves_a_valid_index() {
    let Some(seeded) = seeded() else { return };
    let cluster = &seeded.cluster;
    copy_of_seed(cluster, "recipe");
    for (sql, index) in [
        ("CREATE INDEX parted_id ON parted (id);\n", "parted_id"),
        // parted_1 already holds an index on v: it is attached, not built.
        ("CREATE INDEX parted_v2 ON parted (v);\n", "parted_v2"),
        ("CREATE UNIQUE INDEX parted_id_k ON parted (id, k);\n", "parted_id_k"),
    ] {
        let helps = helps_after_seed("require-concurrent-index", sql);
        assert_eq!(helps.len(), 1, "{sql}: {helps:?}");
        let steps = recipe_statements(&helps[0]);
        assert!(steps[0].contains("ON ONLY parted"), "{}", helps[0]);
        assert!(steps.iter().any(|s| s.starts_with("ALTER INDEX")), "{}", helps[0]);
        // Each statement on its own, outside a transaction block, in order.
        let script = steps.join("\n") + "\n";
        cluster
            .script("recipe", &script)
            .unwrap_or_else(|e| panic!("{sql}: the recipe fails on the server: {e}\n{script}"));
        let valid = cluster
            .psql_in(
                "recipe",
                &format!("SELECT indisvalid FROM pg_index WHERE indexrelid = '{index}'::regclass"),
            )
            .unwrap();
        assert_eq!(valid.trim(), "t", "{sql}: the parent's index is left invalid\n{script}");
        // Miglint finds nothing blocking in its own recipe.
        let again = helps_after_seed("require-concurrent-index", &script);
        assert!(again.is_empty(), "{sql}: the recipe is flagged itself: {again:?}");
    }
}

#[test]
fn on_only_and_attaching_indexes_build_nothing() {
    let Some(seeded) = seeded() else { return };
    let cluster = &seeded.cluster;
    copy_of_seed(cluster, "attach");
    // The parent's index ON ONLY is invalid: nothing was built.
    cluster
        .psql_in("attach", "CREATE INDEX parted_id ON ONLY parted (id)")
        .unwrap();
    let valid = cluster
        .psql_in(
            "attach",
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'parted_id'::regclass",
        )
        .unwrap();
    assert_eq!(valid.trim(), "f");
    // A build over partitions that all hold a matching index adopts them.
    cluster
        .psql_in("attach", "CREATE INDEX listed_id ON listed (id)")
        .unwrap();
    let adopted = cluster
        .psql_in(
            "attach",
            "SELECT string_agg(inhrelid::regclass::text, ',' ORDER BY 1) FROM pg_inherits \
             WHERE inhparent = 'listed_id'::regclass",
        )
        .unwrap();
    assert_eq!(adopted.trim(), "listed_1_id,listed_2_id");
    for sql in [
        "CREATE INDEX parted_id ON ONLY parted (id);\n",
        "CREATE INDEX listed_id ON listed (id);\n",
    ] {
        assert!(helps_after_seed("require-concurrent-index", sql).is_empty(), "{sql}");
    }
}
