//! Replays of small histories, checked object by object.

use super::*;
use crate::analysis::names::RelationName;
use crate::parse::ast::{alter_table_cmds, constraint};
use pg_query::NodeEnum;

fn replay(sql: &str) -> Catalog {
    let mut catalog = Catalog::default();
    let parsed = pg_query::parse(sql, 0).unwrap();
    for raw in parsed.protobuf.stmts {
        catalog.apply(&raw.stmt.unwrap().node.unwrap(), Origin::Change, None);
    }
    catalog
}

#[test]
fn names_unnamed_constraints_as_postgresql_does() {
    let name = |sql: &str| {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let NodeEnum::AlterTableStmt(stmt) = parsed.protobuf.stmts[0].stmt.clone().unwrap().node.unwrap() else {
            panic!()
        };
        let cmd = alter_table_cmds(&stmt.cmds).next().unwrap().clone();
        table_constraint_name("orders", constraint(&cmd).unwrap())
    };
    assert_eq!(
        name("ALTER TABLE orders ADD FOREIGN KEY (user_id, org_id) REFERENCES u"),
        Some("orders_user_id_org_id_fkey".into())
    );
    assert_eq!(
        name("ALTER TABLE orders ADD CHECK (total > 0 AND total < 10)"),
        Some("orders_total_check".into())
    );
    assert_eq!(
        name("ALTER TABLE orders ADD CHECK (a > b)"),
        Some("orders_check".into())
    );
    assert_eq!(name("ALTER TABLE orders ADD CONSTRAINT c UNIQUE (a)"), Some("c".into()));
    assert_eq!(name("ALTER TABLE orders ADD UNIQUE (a)"), None);
}

fn table<'a>(catalog: &'a Catalog, name: &str) -> &'a Relation {
    catalog.relation(&RelationName::new(None, name)).expect(name)
}

#[test]
fn columns_constraints_and_indexes() {
    let c = replay(
        "CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(20) NOT NULL UNIQUE, org_id int REFERENCES orgs);
         ALTER TABLE users ADD COLUMN age int, ALTER COLUMN email TYPE text;
         ALTER TABLE users ADD CONSTRAINT age_nn CHECK (age IS NOT NULL) NOT VALID;
         CREATE INDEX ON users (org_id);",
    );
    let users = table(&c, "users");
    assert_eq!(users.column("email").unwrap().ty.to_string(), "text");
    assert!(users.column("id").unwrap().not_null);
    assert!(!users.has_validated_not_null_check("age"));
    assert!(users.constraint("users_org_id_fkey").is_some());
    let names: Vec<String> = c.indexes().map(|i| i.name.name.clone()).collect();
    assert_eq!(names, ["users_email_key", "users_org_id_idx", "users_pkey"]);
    let c2 = {
        let mut c = c.clone();
        let parsed = pg_query::parse("ALTER TABLE users VALIDATE CONSTRAINT age_nn", 0).unwrap();
        c.apply(
            &parsed.protobuf.stmts[0].stmt.clone().unwrap().node.unwrap(),
            Origin::Change,
            None,
        );
        c
    };
    assert!(table(&c2, "users").has_validated_not_null_check("age"));
    assert_eq!(
        table(&c2, "users")
            .validated_not_null_check("age")
            .map(|c| c.name.as_str()),
        Some("age_nn")
    );
}

#[test]
fn renames_drops_and_search_path() {
    let c = replay(
        "CREATE SCHEMA app; SET search_path TO app, public;
         CREATE TABLE t (a int); CREATE TABLE public.u (b int REFERENCES app.t);
         ALTER TABLE t RENAME COLUMN a TO aa; ALTER TABLE t RENAME TO tt;
         CREATE TYPE mood AS ENUM ('a'); ALTER TYPE mood ADD VALUE 'b';",
    );
    let tt = c.relation(&RelationName::new(Some("app"), "tt")).unwrap();
    assert!(tt.column("aa").is_some());
    assert!(matches!(
        &table(&c, "u").constraints[0].kind,
        ConstraintKind::ForeignKey { references, .. } if references.name == "tt"
    ));
    assert_eq!(
        c.enum_type(&RelationName::new(None, "mood")).unwrap().values,
        ["a", "b"]
    );
    let c = {
        let mut c = c;
        let parsed = pg_query::parse("DROP TABLE app.tt CASCADE", 0).unwrap();
        c.apply(
            &parsed.protobuf.stmts[0].stmt.clone().unwrap().node.unwrap(),
            Origin::Change,
            None,
        );
        c
    };
    assert!(c.relation(&RelationName::new(Some("app"), "tt")).is_none());
    assert!(table(&c, "u").constraints.is_empty());
}

#[test]
fn generated_index_names_follow_postgres() {
    let c = replay(
        "CREATE TABLE t (a int, b text);
         CREATE UNIQUE INDEX ON t (lower(b));
         CREATE INDEX ON t (a, (b::int));
         CREATE INDEX ON t (a);
         CREATE INDEX ON t (a);
         CREATE INDEX ON t ((a + 1));",
    );
    let mut names: Vec<String> = c.indexes().map(|i| i.name.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["t_a_b_idx", "t_a_idx", "t_a_idx1", "t_expr_idx", "t_lower_idx"]);
}

#[test]
fn generated_constraint_names_follow_postgres() {
    let c = replay(
        "CREATE TABLE t (a int, b int, r tstzrange);
         ALTER TABLE t ADD CHECK (a > 0), ADD CHECK (a < b), ADD CHECK (b IS NOT NULL);
         ALTER TABLE t ADD EXCLUDE USING gist (r WITH &&, (a + 1) WITH =);",
    );
    let names: Vec<&str> = table(&c, "t").constraints.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["t_a_check", "t_check", "t_b_check", "t_r_expr_excl"]);
}

#[test]
fn sequences_go_with_the_columns_that_own_them() {
    let kinds =
        |c: &Catalog| -> Vec<String> { c.relations().map(|r| format!("{} {:?}", r.name.name, r.kind)).collect() };
    let c = replay(
        "CREATE TABLE t (id serial PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY);
         ALTER TABLE t ADD COLUMN m int, ALTER COLUMN m ADD GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME t_m_custom);
         CREATE SEQUENCE s; ALTER SEQUENCE s OWNED BY t.m;
         ALTER SEQUENCE t_id_seq RENAME TO t_id_seq2;",
    );
    assert_eq!(
        kinds(&c),
        [
            "s Sequence",
            "t Table",
            "t_id_seq2 Sequence",
            "t_m_custom Sequence",
            "t_n_seq Sequence"
        ]
    );
    let mut dropped = c.clone();
    for raw in pg_query::parse("ALTER TABLE t DROP COLUMN m, ALTER n DROP IDENTITY", 0)
        .unwrap()
        .protobuf
        .stmts
    {
        dropped.apply(&raw.stmt.unwrap().node.unwrap(), Origin::Change, None);
    }
    assert_eq!(kinds(&dropped), ["t Table", "t_id_seq2 Sequence"]);
    let c = {
        let mut c = c;
        for raw in pg_query::parse("CREATE SCHEMA app; ALTER TABLE t SET SCHEMA app; DROP TABLE app.t;", 0)
            .unwrap()
            .protobuf
            .stmts
        {
            c.apply(&raw.stmt.unwrap().node.unwrap(), Origin::Change, None);
        }
        c
    };
    assert!(kinds(&c).is_empty(), "{:?}", kinds(&c));
}

#[test]
fn a_table_moved_to_another_schema_takes_its_indexes() {
    let c = replay(
        "CREATE TABLE p (id int PRIMARY KEY) PARTITION BY RANGE (id);
         CREATE TABLE c PARTITION OF p FOR VALUES FROM (1) TO (10);
         CREATE TABLE r (pid int REFERENCES p);
         CREATE INDEX p_idx ON p (id);
         CREATE SCHEMA app; ALTER TABLE p SET SCHEMA app;",
    );
    let moved = RelationName::new(Some("app"), "p");
    assert!(c.relation(&moved).is_some());
    assert!(c.index(&RelationName::new(Some("app"), "p_idx")).is_some());
    assert!(c.index(&RelationName::new(Some("public"), "p_idx")).is_none());
    assert_eq!(table(&c, "c").partition_of, Some(moved.clone()));
    assert!(matches!(
        &table(&c, "r").constraints[0].kind,
        ConstraintKind::ForeignKey { references, .. } if *references == moved
    ));
}

#[test]
fn taken_generated_names_get_a_number() {
    let c = replay(
        "CREATE TABLE t (id int PRIMARY KEY, a int UNIQUE, CHECK (a > 0));
         ALTER TABLE t RENAME TO t_old;
         CREATE TABLE t (id int PRIMARY KEY, a int UNIQUE, CHECK (a > 0));",
    );
    let names: Vec<&str> = table(&c, "t").constraints.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["t_pkey1", "t_a_key1", "t_a_check1"]);
}

#[test]
fn renaming_a_trigger_or_policy_on_a_table_keeps_the_table() {
    let c = replay(
        "CREATE TABLE person (id int);
         ALTER TRIGGER person_delete ON person RENAME TO person_gone;
         ALTER POLICY p ON person RENAME TO q;
         ALTER RULE r ON person RENAME TO s;
         ALTER TABLE person RENAME TO people;
         ALTER SEQUENCE people_id_seq RENAME TO people_seq;",
    );
    let names: Vec<&str> = c.relations().map(|r| r.name.name.as_str()).collect();
    assert_eq!(names, ["people"]);
}

#[test]
fn settle_turns_the_change_into_history() {
    let mut c = replay("CREATE TABLE t (a int)");
    assert_eq!(table(&c, "t").origin, Origin::Change);
    c.settle();
    assert_eq!(table(&c, "t").origin, Origin::History);
}

#[test]
fn pg_dump_search_path_is_read() {
    let c = replay("SELECT pg_catalog.set_config('search_path', '', false); CREATE TABLE public.t (a int);");
    assert!(c.relation(&RelationName::new(Some("public"), "t")).is_some());
    assert!(c.relation(&RelationName::new(None, "t")).is_none(), "empty search path");
}

#[test]
fn an_alter_on_an_unseen_table_infers_an_existing_table() {
    let c = replay(
        "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
         ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
         ALTER TABLE users ADD COLUMN age int;
         ALTER TABLE IF EXISTS ghosts ADD COLUMN a int;
         CREATE INDEX users_age_idx ON users (age);
         ALTER TABLE users_age_idx SET (fillfactor = 70);
         ALTER INDEX other_idx SET (fillfactor = 70);",
    );
    let users = table(&c, "users");
    assert!(users.inferred);
    assert!(!users.columns_known);
    assert_eq!(users.origin, Origin::History, "it existed before the change");
    assert!(users.has_validated_not_null_check("email"));
    assert_eq!(users.column("age").unwrap().ty.to_string(), "integer");
    let names: Vec<&str> = c.relations().map(|r| r.name.name.as_str()).collect();
    assert_eq!(names, ["users"], "no table for IF EXISTS, an index or ALTER INDEX");
    let created = replay("CREATE TABLE t (a int); ALTER TABLE t ADD b int;");
    assert!(!table(&created, "t").inferred);
}

#[test]
fn scopes_the_catalog_rules_out() {
    use crate::analysis::locks::LockScope::*;
    let c = replay(
        "CREATE TABLE plain (id int PRIMARY KEY, note text, CONSTRAINT plain_note CHECK (note <> ''));
         CREATE TABLE parent (id int PRIMARY KEY);
         CREATE TABLE child (id int, parent_id int REFERENCES parent (id));
         CREATE TABLE parted (id int) PARTITION BY LIST (id);
         CREATE TABLE parted_1 PARTITION OF parted FOR VALUES IN (1);
         CREATE VIEW v AS SELECT id FROM plain;
         ALTER TABLE unseen ADD COLUMN x int;",
    );
    let name = |n: &str| RelationName::new(None, n);
    let column = |t: &str, c: &str| ColumnForeignKeyTables {
        table: name(t),
        column: c.to_string(),
    };
    let constraint = |t: &str, c: &str| ConstraintForeignKeyTables {
        table: name(t),
        constraint: c.to_string(),
    };
    for ruled_out in [
        ReferencedTables(name("plain")),
        ReferencingTables(name("plain")),
        PartitionParent(name("plain")),
        Partitions(name("plain")),
        column("plain", "note"),
        column("child", "id"),
        constraint("plain", "plain_note"),
        constraint("plain", "plain_pkey"),
        ViewTables(name("plain")),
    ] {
        assert!(!c.scope_may_reach(&ruled_out), "{ruled_out}");
    }
    for reached in [
        ReferencedTables(name("child")),
        ReferencingTables(name("parent")),
        PartitionParent(name("parted_1")),
        Partitions(name("parted")),
        column("child", "parent_id"),
        column("parent", "id"),
        constraint("parent", "parent_pkey"),
        constraint("plain", "not_known"),
        ViewTables(name("v")),
        // Known only from an ALTER: its constraints may be anything.
        ReferencedTables(name("unseen")),
        PartitionParent(name("unseen")),
        ReferencedTables(name("never_named")),
    ] {
        assert!(c.scope_may_reach(&reached), "{reached}");
    }
}

#[test]
fn a_domain_whose_constraints_are_all_dropped_is_unconstrained() {
    let constrained = |sql: &str| {
        let catalog = replay(sql);
        catalog.domain(&RelationName::new(None, "d")).unwrap().constrained()
    };
    let create = "CREATE DOMAIN d AS int NOT NULL CHECK (VALUE > 0) CHECK (VALUE < 9);";
    assert!(constrained(create));
    assert!(constrained(&format!(
        "{create} ALTER DOMAIN d DROP NOT NULL; ALTER DOMAIN d DROP CONSTRAINT d_check;"
    )));
    assert!(!constrained(&format!(
        "{create} ALTER DOMAIN d DROP NOT NULL; ALTER DOMAIN d DROP CONSTRAINT d_check; ALTER DOMAIN d DROP CONSTRAINT d_check1;"
    )));
    // A name the catalog does not know: the constraint is taken to stay.
    assert!(constrained(
        "CREATE DOMAIN d AS int CHECK (VALUE > 0); ALTER DOMAIN d DROP CONSTRAINT other;"
    ));
    assert!(!constrained(
        "CREATE DOMAIN d AS int; ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0); ALTER DOMAIN d DROP CONSTRAINT c;"
    ));
    assert!(constrained("CREATE DOMAIN d AS int; ALTER DOMAIN d SET NOT NULL;"));
}

#[test]
fn a_renamed_enum_type_takes_its_columns_along() {
    let mut catalog = Catalog::default();
    for sql in [
        "CREATE TYPE mood_tmp AS ENUM ('a');",
        "CREATE TABLE t (m mood_tmp);",
        "ALTER TYPE mood_tmp RENAME TO mood;",
    ] {
        let source = crate::input::source::SourceFile::new("t.sql", sql);
        crate::analysis::replay(&mut catalog, &crate::parse::parse_file(&source), Origin::History);
    }
    let name = crate::analysis::RelationName::new(None, "mood");
    assert!(catalog.enum_type(&name).is_some());
    let t = catalog
        .relation(&crate::analysis::RelationName::new(None, "t"))
        .unwrap();
    assert_eq!(t.column("m").unwrap().ty.name, "mood");
}
