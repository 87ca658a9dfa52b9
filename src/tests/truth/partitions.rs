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
/// (history) and judged for PostgreSQL 15, the server's version: each
/// finding's help.
fn helps_after_seed(rule: &str, sql: &str) -> Vec<String> {
    let mut seed = migration("1", "seed", 0, GitState::Unchanged);
    seed.content = Content::Bytes(SEED.as_bytes().to_vec());
    let mut change = migration("2", "change", 1, GitState::Added);
    change.content = Content::Bytes(sql.as_bytes().to_vec());
    let settings = std::sync::Arc::new(Settings::new(15));
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
    let is_sql = |s: &str| (s.starts_with("CREATE ") || s.starts_with("ALTER ")) && s.ends_with(';');
    help.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = match line.split_once(". ") {
                Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => rest,
                _ => line,
            };
            // `in a separate transaction: ALTER TABLE ...;`
            let line = match line.split_once(": ") {
                Some((_, rest)) if !is_sql(line) && is_sql(rest) => rest,
                _ => line,
            };
            is_sql(line).then(|| line.to_string())
        })
        .collect()
}

/// Runs the recipe of the one finding of `rule` on `sql` on `db`, each
/// statement on its own in order, and returns it with how many whole-table
/// reads of the partitions of `parted` its last statement made.
fn run_recipe(cluster: &Cluster, db: &str, rule: &str, sql: &str) -> (String, u64) {
    let helps = helps_after_seed(rule, sql);
    assert_eq!(helps.len(), 1, "{sql}: {helps:?}");
    let mut steps = recipe_statements(&helps[0]);
    let last = steps.pop().expect("a recipe");
    let fail = |e: String| panic!("{sql}: the recipe fails on the server: {e}\n{}", helps[0]);
    cluster.script(db, &(steps.join("\n") + "\n")).unwrap_or_else(fail);
    let scans = "SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables WHERE relname LIKE 'parted\\_%'";
    let out = cluster
        .script(
            db,
            &format!("BEGIN;\nCREATE TEMP TABLE before AS {scans};\n{last}\nSELECT ({scans}) - (SELECT * FROM before);\nCOMMIT;\n"),
        )
        .unwrap_or_else(fail);
    let read = out
        .lines()
        .rev()
        .find_map(|l| l.trim().parse::<u64>().ok())
        .unwrap_or(u64::MAX);
    steps.push(last);
    (steps.join("\n") + "\n", read)
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
fn the_foreign_key_index_recipe_on_a_partitioned_table_runs() {
    let Some(seeded) = seeded() else { return };
    let cluster = &seeded.cluster;
    copy_of_seed(cluster, "fk_index");
    let helps = helps_after_seed(
        "foreign-key-without-index",
        "ALTER TABLE parted ADD CONSTRAINT parted_fk FOREIGN KEY (id) REFERENCES p (id);\n",
    );
    assert_eq!(helps.len(), 1, "{helps:?}");
    let steps = recipe_statements(&helps[0]);
    assert!(
        !steps
            .iter()
            .any(|s| s.contains("CONCURRENTLY") && s.contains(" ON parted ")),
        "{}",
        helps[0]
    );
    let script = steps.join("\n") + "\n";
    cluster
        .script("fk_index", &script)
        .unwrap_or_else(|e| panic!("the recipe fails on the server: {e}\n{script}"));
    let valid = cluster
        .psql_in(
            "fk_index",
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'parted_id_idx'::regclass",
        )
        .unwrap();
    assert_eq!(valid.trim(), "t", "{script}");
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

#[test]
fn constraints_on_a_partitioned_table_the_server_refuses_are_never_advised() {
    let Some(seeded) = seeded() else { return };
    let cluster = &seeded.cluster;
    copy_of_seed(cluster, "refused_constraints");
    let not_valid = cluster
        .psql_in(
            "refused_constraints",
            "ALTER TABLE parted ADD CONSTRAINT parted_fk FOREIGN KEY (id) REFERENCES p (id) NOT VALID",
        )
        .expect_err("PostgreSQL 15 refuses NOT VALID foreign keys on a partitioned table");
    assert!(
        not_valid.contains("cannot add NOT VALID foreign key on partitioned table"),
        "{not_valid}"
    );
    cluster
        .psql_in(
            "refused_constraints",
            "CREATE UNIQUE INDEX parted_id_k ON parted (id, k)",
        )
        .unwrap();
    let using_index = cluster
        .psql_in(
            "refused_constraints",
            "ALTER TABLE parted ADD CONSTRAINT parted_id_k UNIQUE USING INDEX parted_id_k",
        )
        .expect_err("USING INDEX is refused on a partitioned table");
    assert!(
        using_index.contains("not supported on partitioned tables"),
        "{using_index}"
    );
    let new_key = cluster
        .psql_in(
            "refused_constraints",
            "ALTER TABLE parted ADD COLUMN nid bigint PRIMARY KEY",
        )
        .expect_err("a partitioned table's primary key must hold the partition key");
    assert!(new_key.contains("must include all partitioning columns"), "{new_key}");
    let helps = helps_after_seed(
        "adding-required-column",
        "ALTER TABLE parted ADD COLUMN nid bigint PRIMARY KEY;\n",
    );
    assert_eq!(helps.len(), 1, "{helps:?}");
    assert!(
        !recipe_statements(&helps[0]).iter().any(|s| s.contains("USING INDEX")),
        "{}",
        helps[0]
    );
    for (rule, sql, refused) in [
        (
            "constraint-missing-not-valid",
            "ALTER TABLE parted ADD CONSTRAINT parted_fk FOREIGN KEY (id) REFERENCES p (id);\n",
            "ALTER TABLE parted ADD CONSTRAINT parted_fk FOREIGN KEY (id) REFERENCES p (id) NOT VALID;",
        ),
        (
            "unique-without-index",
            "ALTER TABLE parted ADD CONSTRAINT parted_id_k_key UNIQUE (id, k);\n",
            "USING INDEX parted_id_k_key",
        ),
    ] {
        let helps = helps_after_seed(rule, sql);
        assert_eq!(helps.len(), 1, "{sql}: {helps:?}");
        assert!(!helps[0].contains(refused), "{sql}: {}", helps[0]);
    }
}

#[test]
fn the_partitioned_constraint_recipes_run_and_the_parent_adopts_the_partitions() {
    let Some(seeded) = seeded() else { return };
    let cluster = &seeded.cluster;
    copy_of_seed(cluster, "constraints");
    let children = |constraint: &str| {
        cluster
            .psql_in(
                "constraints",
                &format!(
                    "SELECT count(*) FILTER (WHERE c.convalidated) || '/' || count(*) FROM pg_constraint c \
                     JOIN pg_constraint parent ON parent.oid = c.conparentid \
                     WHERE parent.conname = '{constraint}' AND parent.conrelid = 'parted'::regclass \
                     AND parent.convalidated"
                ),
            )
            .unwrap()
            .trim()
            .to_string()
    };
    // A foreign key: each partition's NOT VALID key validated, then the
    // parent's, which adopts them.
    let (script, read) = run_recipe(
        cluster,
        "constraints",
        "constraint-missing-not-valid",
        "ALTER TABLE parted ADD CONSTRAINT parted_fk FOREIGN KEY (id) REFERENCES p (id);\n",
    );
    assert_eq!(children("parted_fk"), "3/3");
    assert_eq!(read, 0, "the parent's key checks rows again:\n{script}");
    let again = helps_after_seed("constraint-missing-not-valid", &script);
    assert!(again.is_empty(), "the recipe is flagged itself: {again:?}");
    // A unique constraint: each partition's index built CONCURRENTLY and
    // made its constraint, then the parent's, which adopts them.
    let (script, read) = run_recipe(
        cluster,
        "constraints",
        "unique-without-index",
        "ALTER TABLE parted ADD CONSTRAINT parted_id_k_key UNIQUE (id, k);\n",
    );
    assert!(script.contains("CREATE UNIQUE INDEX CONCURRENTLY"), "{script}");
    assert_eq!(read, 0, "the parent's constraint builds an index:\n{script}");
    let again = helps_after_seed("unique-without-index", &script);
    assert!(again.is_empty(), "the recipe is flagged itself: {again:?}");
    assert_eq!(children("parted_id_k_key"), "3/3");
    let adopted = cluster
        .psql_in(
            "constraints",
            "SELECT string_agg(inhrelid::regclass::text, ',' ORDER BY 1) FROM pg_inherits \
             WHERE inhparent = 'parted_id_k_key'::regclass",
        )
        .unwrap();
    assert_eq!(
        adopted.trim(),
        "parted_1_id_k_key,parted_2_id_k_key,parted_def_id_k_key"
    );
    // SET NOT NULL through a validated CHECK works on a partitioned table.
    let (script, _) = run_recipe(
        cluster,
        "constraints",
        "setting-not-null",
        "ALTER TABLE parted ALTER COLUMN v SET NOT NULL;\n",
    );
    let not_null = cluster
        .psql_in(
            "constraints",
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'parted'::regclass AND attname = 'v'",
        )
        .unwrap();
    assert_eq!(not_null.trim(), "t", "{script}");
}

#[test]
fn a_partitioned_tables_index_cannot_be_dropped_concurrently_nor_piecemeal() {
    let Some(seeded) = seeded() else { return };
    let cluster = &seeded.cluster;
    copy_of_seed(cluster, "drops");
    let refused = cluster
        .psql_in("drops", "DROP INDEX CONCURRENTLY parted_k")
        .expect_err("PostgreSQL 15 refuses to drop a partitioned index concurrently");
    assert!(refused.contains("cannot drop partitioned index"), "{refused}");
    let child = cluster
        .psql_in(
            "drops",
            "SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'parted_k'::regclass ORDER BY 1 LIMIT 1",
        )
        .unwrap();
    let piecemeal = cluster
        .psql_in("drops", &format!("DROP INDEX CONCURRENTLY {}", child.trim()))
        .expect_err("a partition's attached index cannot be dropped alone");
    assert!(piecemeal.contains("requires it"), "{piecemeal}");
    let helps = helps_after_seed("require-concurrent-index-drop", "DROP INDEX parted_k;\n");
    assert_eq!(helps.len(), 1, "{helps:?}");
    assert!(recipe_statements(&helps[0]).is_empty(), "{}", helps[0]);
    assert!(helps[0].contains("refuses DROP INDEX CONCURRENTLY"), "{}", helps[0]);
}
