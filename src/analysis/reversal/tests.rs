//! The comparison on small histories: up and down scripts replayed on a
//! catalog, as the engine does.

use super::*;
use crate::analysis::catalog::Origin;
use crate::analysis::{analyze_down_script, replay, Options, TransactionMode};
use crate::input::source::SourceFile;
use crate::parse::parse_file;

fn options() -> Options {
    Options {
        pg_version: 17,
        transaction: TransactionMode::PerFile,
        assume_lock_timeout: false,
        max_lock_timeout_ms: 10_000,
        time_zone: Default::default(),
        autocommit_declared: false,
        naming: Default::default(),
    }
}

/// The reversal of `down` after `up`, both after `history`.
fn reversal(history: &str, up: &str, down: &str) -> Reversal {
    let mut catalog = Catalog::default();
    let history = SourceFile::new("h.sql", history);
    replay(&mut catalog, &parse_file(&history), Origin::History);
    catalog.settle();
    let before_up = catalog.clone();
    let up = SourceFile::new("up.sql", up);
    replay(&mut catalog, &parse_file(&up), Origin::Change);
    catalog.settle();
    let down = SourceFile::new("down.sql", down);
    let parsed = parse_file(&down);
    let script = crate::input::layout::ScriptInfo::plain();
    let file = analyze_down_script(&down, &parsed, options(), &mut catalog, 0, &script, &before_up, true);
    file.reversal.unwrap()
}

fn incomplete(history: &str, up: &str, down: &str) -> Vec<String> {
    reversal(history, up, down)
        .incomplete
        .iter()
        .map(|p| match p {
            Incomplete::Left(o) => format!("left {o}"),
            Incomplete::NotRestored { object, by } => format!("not restored {object} {by:?}"),
            Incomplete::NotRenamedBack { old, new } => format!("renamed {old} -> {new}"),
            Incomplete::DroppedByDown(o) => format!("dropped by down {o}"),
            Incomplete::Changed {
                object,
                before,
                after,
                by,
            } => format!("changed {object}: {before} -> {after} {by:?}"),
        })
        .collect()
}

const USERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);";

#[test]
fn a_down_that_reverses_its_up_leaves_nothing() {
    assert!(incomplete(USERS, "CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint REFERENCES users);\nCREATE INDEX orders_user ON orders (user_id);", "DROP TABLE orders;").is_empty());
    assert!(incomplete(
        USERS,
        "ALTER TABLE users ADD COLUMN email text UNIQUE;",
        "ALTER TABLE users DROP COLUMN email;"
    )
    .is_empty());
    assert!(incomplete(
        USERS,
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(100);",
        "ALTER TABLE users ALTER COLUMN name TYPE text;"
    )
    .is_empty());
    assert!(incomplete(
        USERS,
        "ALTER TABLE users RENAME COLUMN name TO full_name;",
        "ALTER TABLE users RENAME COLUMN full_name TO name;"
    )
    .is_empty());
    assert!(incomplete(
        USERS,
        "CREATE TYPE mood AS ENUM ('a');\nALTER TABLE users ADD COLUMN m mood;",
        "ALTER TABLE users DROP COLUMN m;\nDROP TYPE mood;"
    )
    .is_empty());
}

#[test]
fn a_table_dropped_and_created_again_alike_is_restored() {
    assert!(incomplete(
        USERS,
        "DROP TABLE users;",
        "CREATE TABLE users (name text NOT NULL, id bigint PRIMARY KEY);"
    )
    .is_empty());
    assert_eq!(
        incomplete(
            USERS,
            "DROP TABLE users;",
            "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(10));"
        ),
        ["changed column \"users\".\"name\": text NOT NULL -> varchar(10) None"]
    );
}

#[test]
fn what_up_created_and_down_leaves() {
    assert_eq!(
        incomplete(
            USERS,
            "ALTER TABLE users ADD COLUMN email text;\nCREATE INDEX users_name ON users (name);",
            "SELECT 1;"
        ),
        ["left column \"users\".\"email\"", "left index \"users_name\""]
    );
    // A table left whole is one finding, not one per column and index.
    assert_eq!(
        incomplete(
            USERS,
            "CREATE TABLE orders (id serial PRIMARY KEY, n int UNIQUE);\nCREATE INDEX o_n ON orders (n);",
            "SELECT 1;"
        ),
        ["left table \"orders\""]
    );
}

#[test]
fn what_up_dropped_or_changed_and_down_does_not_restore() {
    assert_eq!(
        incomplete(USERS, "ALTER TABLE users DROP COLUMN name;", "SELECT 1;"),
        ["not restored column \"users\".\"name\" None"]
    );
    assert_eq!(
        incomplete(USERS, "ALTER TABLE users ALTER COLUMN name DROP NOT NULL;", "SELECT 1;"),
        ["changed column \"users\".\"name\": text NOT NULL -> text None"]
    );
    assert_eq!(
        incomplete(USERS, "ALTER TABLE users RENAME TO accounts;", "SELECT 1;"),
        ["renamed table \"users\" -> table \"accounts\""]
    );
}

#[test]
fn a_down_that_drops_what_existed_before() {
    let r = reversal(
        USERS,
        "CREATE INDEX users_name ON users (name);",
        "DROP INDEX users_name;\nALTER TABLE users DROP COLUMN name;",
    );
    assert_eq!(r.lost.len(), 1);
    assert_eq!(r.lost[0].object.to_string(), "column \"users\".\"name\"");
    assert_eq!((r.lost[0].statement, r.lost[0].action), (1, Some(0)));
    // Reported as lost data, not also as not restored.
    assert!(r.incomplete.is_empty(), "{:?}", r.incomplete);
    // Copied away first: not lost.
    let r = reversal(USERS, "SELECT 1;", "CREATE TABLE users_new (id bigint PRIMARY KEY, name text NOT NULL);\nINSERT INTO users_new SELECT * FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;");
    assert!(r.lost.is_empty(), "{:?}", r.lost);
}

#[test]
fn a_down_that_acts_on_what_is_not_there() {
    let r = reversal(USERS, "CREATE INDEX users_name_idx ON users (name);\nALTER TABLE users ADD COLUMN nick text;", "DROP INDEX users_name_index;\nALTER TABLE users DROP COLUMN nickname;\nDROP TABLE IF EXISTS nothing;\nALTER TABLE users DROP COLUMN IF EXISTS nothing;");
    let missing: Vec<String> = r
        .missing
        .iter()
        .map(|m| format!("{} {:?} {:?} {:?}", m.object, m.gone, m.action, m.created_by_up))
        .collect();
    assert_eq!(
        missing,
        [
            "index \"users_name_index\" Never None [\"users_name_idx\"]",
            "column \"users\".\"nickname\" Never Some(0) [\"nick\"]"
        ]
    );
    let r = reversal(
        USERS,
        "ALTER TABLE users DROP COLUMN name;",
        "ALTER TABLE users DROP COLUMN name;",
    );
    assert_eq!(r.missing[0].gone, Gone::ByUp);
}

#[test]
fn a_table_the_history_never_showed_is_not_missing() {
    // `legacy` comes from outside the migrations (an ALTER names it).
    let r = reversal(
        "ALTER TABLE legacy ADD COLUMN a int;",
        "ALTER TABLE legacy ADD COLUMN b int;",
        "DROP TABLE other;\nALTER TABLE legacy DROP COLUMN b;",
    );
    assert!(r.missing.is_empty(), "{:?}", r.missing);
    assert!(r.incomplete.is_empty(), "{:?}", r.incomplete);
    // Nor are relations of a schema the catalog does not know.
    let r = reversal(USERS, "SELECT 1;", "DROP TABLE auth.users;");
    assert!(r.missing.is_empty());
}

#[test]
fn what_the_catalog_cannot_follow_is_not_compared() {
    assert!(incomplete(
        USERS,
        "ALTER TABLE users ADD COLUMN email text;",
        "SELECT drop_email_column();"
    )
    .is_empty());
    assert!(
        incomplete(
            USERS,
            "ALTER TABLE users ADD COLUMN email text;",
            "DO $$ BEGIN EXECUTE 'ALTER TABLE users DROP COLUMN ' || 'email'; END $$;"
        )
        .len()
            <= 1
    );
}

#[test]
fn a_table_its_up_dropped_and_created_again_is_not_the_old_one() {
    let r = reversal(
        USERS,
        "DROP TABLE users;\nCREATE TABLE users (id bigint PRIMARY KEY, login text);",
        "DROP TABLE users;\nCREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);",
    );
    assert!(r.lost.is_empty(), "{:?}", r.lost);
    assert!(r.incomplete.is_empty(), "{:?}", r.incomplete);
    // Renamed by its up script, it is still the table production had.
    let r = reversal(USERS, "ALTER TABLE users RENAME TO accounts;", "DROP TABLE accounts;");
    assert_eq!(r.lost.len(), 1);
}

#[test]
fn a_column_its_up_added_under_an_old_name_is_not_the_old_one() {
    let r = reversal(
        USERS,
        "ALTER TABLE users RENAME COLUMN name TO full_name;\nALTER TABLE users ADD COLUMN name varchar(20);",
        "ALTER TABLE users DROP COLUMN name;\nALTER TABLE users RENAME COLUMN full_name TO name;",
    );
    assert!(r.lost.is_empty(), "{:?}", r.lost);
    assert!(r.incomplete.is_empty(), "{:?}", r.incomplete);
}

#[test]
fn columns_copied_by_an_update_before_their_drop_are_not_lost() {
    let r = reversal(
        USERS,
        "SELECT 1;",
        "ALTER TABLE users ADD COLUMN name_new text;\nUPDATE users SET (name_new) = (name);\nALTER TABLE users DROP COLUMN name;\nALTER TABLE users RENAME COLUMN name_new TO name;",
    );
    assert!(r.lost.is_empty(), "{:?}", r.lost);
    let r = reversal(
        USERS,
        "SELECT 1;",
        "ALTER TABLE users ADD COLUMN a text, ADD COLUMN b text;\nUPDATE users SET (a, b) = (name, id::text);\nALTER TABLE users DROP COLUMN name;",
    );
    assert!(r.lost.is_empty(), "{:?}", r.lost);
}

#[test]
fn a_function_that_existed_before_dropped_by_the_down() {
    // Located at the statement that drops it.
    let history = "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;";
    assert_eq!(
        incomplete(
            history,
            "CREATE TABLE t (id int);",
            "DROP TABLE t;\nDROP FUNCTION IF EXISTS touch;"
        ),
        ["not restored function touch() Some(1)"]
    );
}

#[test]
fn an_empty_down_script_is_not_compared() {
    let mut catalog = Catalog::default();
    let before_up = catalog.clone();
    let down = SourceFile::new("down.sql", "-- nothing to undo\n");
    let parsed = parse_file(&down);
    let script = crate::input::layout::ScriptInfo::plain();
    let file = analyze_down_script(&down, &parsed, options(), &mut catalog, 0, &script, &before_up, true);
    assert!(file.reversal.is_none());
}
