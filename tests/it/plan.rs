//! `miglint plan`: the human table and the versioned JSON (checked against
//! `schema/miglint-plan.schema.json`), and a plan of every corpus project.

use serde_json::Value;

use crate::cli::{assert_valid, json, miglint, project, stdout_of, validator};
use crate::common::{in_ci, repo_root};

const MIGRATION: &str = "\
BEGIN;
ALTER TABLE orders ADD COLUMN note text;
UPDATE orders SET note = '';
COMMIT;
CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);
ALTER TABLE orders DROP COLUMN legacy;
";

fn plan_json(args: &[&str]) -> Value {
    let dir = project(&[("db/001_orders.sql", MIGRATION.as_bytes())]);
    let mut all = vec!["plan", "--format", "json"];
    all.extend_from_slice(args);
    all.push("db/001_orders.sql");
    json(&stdout_of(&mut miglint(dir.path(), &all), 0))
}

#[test]
fn json_plan_matches_its_schema_and_the_facts() {
    let plan = plan_json(&[]);
    assert_valid(
        &validator(&repo_root().join("schema/miglint-plan.schema.json")),
        &plan,
        "plan",
    );
    let statements = plan["files"][0]["statements"].as_array().unwrap();
    assert_eq!(statements.len(), 6);

    let alter = &statements[1];
    assert_eq!(alter["span"]["start"]["line"], 2);
    assert_eq!(alter["locks"][0]["relation"], "orders");
    assert_eq!(alter["locks"][0]["mode"], "ACCESS EXCLUSIVE");
    assert_eq!(alter["blocks"], serde_json::json!(["reads", "writes"]));
    assert_eq!(alter["transaction"], "explicit");
    assert_eq!(alter["held_until"], "transaction");
    assert_eq!(alter["transaction_end_line"], 4);
    assert_eq!(alter["held_through"], serde_json::json!([3]));

    let index = &statements[4];
    assert_eq!(index["locks"][0]["mode"], "SHARE UPDATE EXCLUSIVE");
    assert_eq!(index["transactional"], false);
    assert_eq!(index["held_until"], "statement");
    assert_eq!(index["scans"], serde_json::json!(["orders"]));

    let drop = &statements[5];
    assert_eq!(drop["data_loss"], true);
    assert_eq!(drop["transaction"], "none");
}

#[test]
fn per_file_transactions_hold_every_lock_to_the_end() {
    let dir = project(&[(
        "db/002.sql",
        b"ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders DROP COLUMN legacy;\n",
    )]);
    let plan = json(&stdout_of(
        &mut miglint(
            dir.path(),
            &["plan", "--format", "json", "--assume-in-transaction", "db/002.sql"],
        ),
        0,
    ));
    let first = &plan["files"][0]["statements"][0];
    assert_eq!(first["transaction"], "per-file");
    assert_eq!(first["held_until"], "transaction");
    assert_eq!(first["transaction_end_line"], Value::Null);
    assert_eq!(first["held_through"], serde_json::json!([2]));
    // A COMMIT in the file ends the runner's transaction early.
    let plan = plan_json(&["--assume-in-transaction"]);
    assert_eq!(plan["files"][0]["statements"][5]["transaction"], "none");
}

#[test]
fn human_plan_is_a_table_a_reviewer_can_read() {
    let dir = project(&[("db/001_orders.sql", MIGRATION.as_bytes())]);
    let out = stdout_of(&mut miglint(dir.path(), &["plan", "db/001_orders.sql"]), 0);
    assert!(out.starts_with("db/001_orders.sql\n"), "{out}");
    assert!(out.contains("line  statement"), "{out}");
    let alter = out.lines().find(|l| l.trim_start().starts_with("2:1")).unwrap();
    assert!(
        alter.contains("ACCESS EXCLUSIVE on orders (blocks reads+writes)"),
        "{alter}"
    );
    assert!(alter.contains("COMMIT at line 4, through lines 3"), "{alter}");
    let drop = out.lines().find(|l| l.trim_start().starts_with("6:1")).unwrap();
    assert!(drop.contains("DATA LOSS"), "{drop}");
}

/// A MySQL root (golang-migrate, declared in miglint.toml) whose change
/// alters a table an earlier migration made, and a SQLite one (sqlx, in a
/// transaction per file) that rebuilds one.
const DIALECTS: &[(&str, &str)] = &[
    (
        "miglint.toml",
        "[[roots]]\npath = \"mysql\"\ndialect = \"mysql\"\n\n[[roots]]\npath = \"sqlite\"\ndialect = \"sqlite\"\n",
    ),
    (
        "mysql/000001_users.up.sql",
        "CREATE TABLE users (id int PRIMARY KEY, email varchar(100), flag int) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n",
    ),
    (
        "mysql/000002_email.up.sql",
        "CREATE INDEX users_email ON users (email);\nALTER TABLE users MODIFY flag bigint;\nSTART TRANSACTION;\nUPDATE users SET flag = 0;\nALTER TABLE users ADD COLUMN note text;\n",
    ),
    (
        "sqlite/20240101000000_users.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, email text, note text);\n",
    ),
    (
        "sqlite/20240102000000_note.sql",
        "CREATE INDEX users_email ON users (email);\nALTER TABLE users DROP COLUMN note;\n",
    ),
];

#[test]
fn mysql_and_sqlite_statements_are_planned_in_their_engines_terms() {
    let files: Vec<(&str, &[u8])> = DIALECTS.iter().map(|(path, text)| (*path, text.as_bytes())).collect();
    let dir = project(&files);
    let args = [
        "plan",
        "--format",
        "json",
        "mysql/000002_email.up.sql",
        "sqlite/20240102000000_note.sql",
    ];
    let plan = json(&stdout_of(&mut miglint(dir.path(), &args), 0));
    assert_valid(
        &validator(&repo_root().join("schema/miglint-plan.schema.json")),
        &plan,
        "plan",
    );
    let mysql = &plan["files"][0];
    assert_eq!(mysql["dialect"], "mysql");
    let [index, modify, _, update, add] = &mysql["statements"].as_array().unwrap()[..] else {
        panic!("{mysql}")
    };
    assert_eq!(index["locks"][0]["mode"], "MDL_SHARED_UPGRADABLE");
    assert_eq!(index["algorithm"], "INPLACE");
    assert_eq!(index["blocks"], serde_json::json!(["ddl"]));
    assert_eq!(index["scans"], serde_json::json!(["users"]));
    assert_eq!(modify["algorithm"], "COPY");
    assert_eq!(modify["locks"][0]["mode"], "MDL_SHARED_NO_WRITE");
    assert_eq!(modify["rewrites"], serde_json::json!(["users"]));
    assert_eq!(update["locks"][0]["mode"], "MDL_SHARED_WRITE");
    assert_eq!(update["transaction"], "explicit");
    // The ALTER's implicit commit ends the transaction the UPDATE ran in.
    assert_eq!(update["transaction_end_line"], 5);
    assert_eq!(add["implicit_commit"], true);
    assert_eq!(add["algorithm"], "INSTANT");
    assert_eq!(add["locks"][0]["mode"], "MDL_EXCLUSIVE");

    let sqlite = &plan["files"][1];
    assert_eq!(sqlite["dialect"], "sqlite");
    let [index, drop] = &sqlite["statements"].as_array().unwrap()[..] else {
        panic!("{sqlite}")
    };
    assert_eq!(index["locks"], serde_json::json!([]));
    assert_eq!(index["database_lock"]["mode"], "RESERVED");
    assert_eq!(index["blocks"], serde_json::json!(["writes"]));
    assert_eq!(index["transaction"], "per-file");
    assert_eq!(index["held_through"], serde_json::json!([2]));
    assert_eq!(drop["rewrites"], serde_json::json!(["users"]));
    assert_eq!(drop["data_loss"], true);

    let out = stdout_of(
        &mut miglint(
            dir.path(),
            &args[..1].iter().chain(&args[3..]).copied().collect::<Vec<_>>(),
        ),
        0,
    );
    assert!(
        out.contains("MDL_SHARED_UPGRADABLE on users (blocks DDL only)"),
        "{out}"
    );
    assert!(
        out.contains("commits implicitly, INPLACE (MDL_EXCLUSIVE briefly at start and end)"),
        "{out}"
    );
    assert!(out.contains("RESERVED on the database (blocks writes)"), "{out}");
}

/// A DO block copying a table, dropping it and renaming the copy into its
/// place, in autocommit; and a function from an earlier migration, called.
const BODIES: &[(&str, &str)] = &[
    (
        "db/001_functions.sql",
        "CREATE FUNCTION archive_old() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  DELETE FROM orders WHERE created_at < now() - interval '1 year';\nEND $$;\n",
    ),
    (
        "db/002_rebuild.sql",
        "DO $$\nBEGIN\n  CREATE TABLE orders_new (LIKE orders INCLUDING ALL);\n  INSERT INTO orders_new SELECT * FROM orders;\n  DROP TABLE orders;\n  ALTER TABLE orders_new RENAME TO orders;\nEND $$;\nSELECT archive_old();\n",
    ),
];

#[test]
fn the_statements_of_a_do_block_and_of_a_called_function_are_planned_under_it() {
    let files: Vec<(&str, &[u8])> = BODIES.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    let dir = project(&files);
    let out = stdout_of(&mut miglint(dir.path(), &["plan", "db/002_rebuild.sql"]), 0);
    let row = |at: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(at))
            .unwrap_or_else(|| panic!("no row at {at}:\n{out}"))
    };
    assert!(row("1:1 ").contains("DO $$"), "{out}");
    let drop = row("5:3 ");
    assert!(drop.contains("↳ DROP TABLE orders"), "{drop}");
    assert!(
        drop.contains("ACCESS EXCLUSIVE on orders (blocks reads+writes)"),
        "{drop}"
    );
    assert!(drop.contains("DATA LOSS"), "{drop}");
    assert!(
        drop.contains("end of the DO block at line 1, through lines 6"),
        "{drop}"
    );
    let call = row("8:8 ");
    assert!(
        call.contains("↳ archive_old() at 001_functions.sql:3: DELETE FROM orders"),
        "{call}"
    );
    assert!(call.contains("ROW EXCLUSIVE on orders"), "{call}");

    let plan = json(&stdout_of(
        &mut miglint(dir.path(), &["plan", "--format", "json", "db/002_rebuild.sql"]),
        0,
    ));
    assert_valid(
        &validator(&repo_root().join("schema/miglint-plan.schema.json")),
        &plan,
        "plan",
    );
    let statements = plan["files"][0]["statements"].as_array().unwrap();
    let drop = &statements[3];
    assert_eq!(drop["span"]["start"]["line"], 5);
    assert_eq!(drop["span"]["start"]["column"], 3);
    assert_eq!(drop["inside"], serde_json::json!({"kind": "do", "line": 1}));
    assert_eq!(drop["transaction"], "block");
    assert_eq!(drop["held_until"], "block");
    assert_eq!(drop["block_line"], 1);
    assert_eq!(drop["held_through"], serde_json::json!([6]));
    let delete = statements.last().unwrap();
    assert_eq!(delete["inside"]["kind"], "function");
    assert_eq!(delete["inside"]["name"], "archive_old()");
    assert_eq!(delete["inside"]["line"], 8);
    assert_eq!(delete["inside"]["written_line"], 3);
    assert_eq!(statements[0]["inside"], Value::Null);
}

#[test]
fn unparsable_text_is_named_and_exit_codes_hold() {
    let dir = project(&[("m.sql", b"ALTER TABEL t ADD c int;\nCREATE INDEX i ON t (c);\n")]);
    let out = stdout_of(&mut miglint(dir.path(), &["plan", "m.sql"]), 0);
    assert!(
        out.contains("1:7  not planned: syntax error at or near \"TABEL\" [syntax-error]"),
        "{out}"
    );
    assert!(out.contains("SHARE on t"), "{out}");
    miglint(dir.path(), &["plan", "missing.sql"]).assert().code(2);
    miglint(dir.path(), &["plan"]).assert().code(2);
}

#[test]
fn every_corpus_project_is_planned_without_a_database() {
    let corpus = repo_root().join("../shared/corpus");
    if !corpus.is_dir() {
        assert!(!in_ci(), "CI=true: ../shared/corpus is missing");
        eprintln!("skipping the corpus plan: ../shared/corpus is absent");
        return;
    }
    let plan_schema = validator(&repo_root().join("schema/miglint-plan.schema.json"));
    let mut statements = 0;
    for project in std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()) {
        if !project.is_dir() {
            continue;
        }
        let output = miglint(&project, &["plan", "--format", "json", "."]).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            project.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let plan = json(&String::from_utf8(output.stdout).unwrap());
        assert_valid(&plan_schema, &plan, &project.display().to_string());
        statements += plan["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["statements"].as_array().unwrap().len())
            .sum::<usize>();
    }
    eprintln!("planned {statements} corpus statements");
    assert!(statements > 10_000, "only {statements} statements planned");
}
