//! The schema the truth tests run against, and the statements they run.
//!
//! Every case starts from the seeded schema: transactional statements run in
//! a transaction that is rolled back, the others on a fresh copy of the
//! seeded database. A case must succeed on PostgreSQL 15 as written.

/// Run before `SEED`, outside a transaction block: `{tablespace}` is a folder
/// the server may write.
pub(super) const SEED_SETUP: &str = "CREATE TABLESPACE ts LOCATION '{tablespace}'";

/// Small tables with rows (enough for a plan to read them), foreign keys,
/// a partitioned table with a default partition, inheritance, a materialized
/// view with a unique index, an enum, a composite type with a typed table,
/// domains used by columns, sequences, plain, unique, partial and expression
/// indexes, a view, a trigger, a rule, a policy and a clustered index.
pub(super) const SEED: &str = r#"
CREATE SCHEMA other;
CREATE ROLE reader;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE unused_enum AS ENUM ('x');
CREATE TYPE pair AS (x int, y int);
CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
ALTER DOMAIN email ADD CONSTRAINT email_nv CHECK (VALUE <> '') NOT VALID;
CREATE DOMAIN posint AS int;
CREATE DOMAIN unused_domain AS int;
CREATE SEQUENCE counter;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE FUNCTION unused_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';

CREATE TABLE p (id int PRIMARY KEY, v text);
INSERT INTO p SELECT g, 'v' || g FROM generate_series(1, 500) g;

CREATE TABLE t (
    id int PRIMARY KEY, a int, b varchar(20), c text, pid int, d int,
    n numeric(10, 2), m mood, e email, r int4range, q posint
);
INSERT INTO t SELECT g, g, 'b' || g, repeat('c', 10), g, g, g, 'ok', 'u' || g || '@x', int4range(g, g + 1), g
FROM generate_series(1, 300) g;
ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (pid) REFERENCES p (id);
ALTER TABLE t ADD CONSTRAINT t_chk CHECK (a > 0);
ALTER TABLE t ADD CONSTRAINT t_d_nv CHECK (d >= 0) NOT VALID;
ALTER TABLE t ADD CONSTRAINT t_fk_nv FOREIGN KEY (d) REFERENCES p (id) NOT VALID;
CREATE INDEX t_a ON t (a);
CREATE UNIQUE INDEX t_b_key ON t (b);
CREATE INDEX t_partial ON t (n) WHERE a > 100;
CREATE INDEX t_lower ON t (lower(c));
CLUSTER t USING t_pkey;
CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY t_pol ON t USING (a > 0);

CREATE TABLE child (id int PRIMARY KEY, t_id int REFERENCES t (id) ON DELETE CASCADE, note text);
INSERT INTO child SELECT g, g, 'n' FROM generate_series(1, 100) g;

CREATE TABLE loose (id int, k int, s text);
INSERT INTO loose SELECT g, g, 's' FROM generate_series(1, 300) g;
CREATE RULE loose_rule AS ON INSERT TO loose WHERE NEW.k < 0 DO ALSO NOTHING;
CREATE TABLE loose2 (id int, x int);
CREATE TABLE orphan (id int, x int, CONSTRAINT ip_nv CHECK (x >= 0));

CREATE TABLE inh_parent (id int, x int);
CREATE TABLE inh_child (extra int) INHERITS (inh_parent);
INSERT INTO inh_parent SELECT g, g FROM generate_series(1, 100) g;
INSERT INTO inh_child SELECT g, g, g FROM generate_series(1, 100) g;
ALTER TABLE inh_parent ADD CONSTRAINT ip_nv CHECK (x >= 0) NOT VALID;

CREATE TABLE parted (id int, k int, v text) PARTITION BY RANGE (k);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (100) TO (200);
CREATE TABLE parted_def PARTITION OF parted DEFAULT;
CREATE INDEX parted_k ON parted (k);
CREATE TRIGGER parted_touch BEFORE UPDATE ON parted FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO parted SELECT g, g % 250, 'v' FROM generate_series(1, 500) g;
CREATE INDEX parted_v ON ONLY parted (v);
CREATE INDEX parted_1_v ON parted_1 (v);
CREATE TABLE spare (id int, k int, v text);
INSERT INTO spare SELECT g, 300 + g % 100, 'v' FROM generate_series(1, 200) g;
CREATE TABLE spare_l (id int, k int);
INSERT INTO spare_l SELECT g, 3 FROM generate_series(1, 100) g;
CREATE TABLE spare_c (id int, k int NOT NULL CHECK (k >= 400 AND k < 500), v text);
INSERT INTO spare_c SELECT g, 400 + g % 100, 'v' FROM generate_series(1, 100) g;
CREATE TABLE ranged (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE ranged_1 PARTITION OF ranged FOR VALUES FROM (0) TO (100);
CREATE TABLE spare_rc (id int, k int NOT NULL CHECK (k >= 100 AND k < 200));
INSERT INTO spare_rc SELECT g, 100 + g % 100 FROM generate_series(1, 100) g;
CREATE TABLE spare_lc (id int, k int NOT NULL CHECK (k IN (5, 6)));
INSERT INTO spare_lc SELECT g, 5 + g % 2 FROM generate_series(1, 100) g;

CREATE TABLE listed (id int, k int) PARTITION BY LIST (k);
CREATE TABLE listed_1 PARTITION OF listed FOR VALUES IN (1);
CREATE TABLE listed_2 PARTITION OF listed FOR VALUES IN (2);
INSERT INTO listed SELECT g, 1 + g % 2 FROM generate_series(1, 200) g;
CREATE INDEX listed_1_id ON listed_1 (id);
CREATE INDEX listed_2_id ON listed_2 (id);
CREATE TABLE checked (id int, k int) PARTITION BY LIST (k);
CREATE TABLE checked_1 PARTITION OF checked FOR VALUES IN (1);
CREATE TABLE checked_2 PARTITION OF checked FOR VALUES IN (2);
INSERT INTO checked SELECT g, 1 + g % 2 FROM generate_series(1, 200) g;
ALTER TABLE checked ADD CONSTRAINT checked_nv CHECK (id > 0) NOT VALID;
ALTER TABLE checked_1 ADD CONSTRAINT checked_1_fk FOREIGN KEY (id) REFERENCES p (id);
ALTER TABLE checked_2 ADD CONSTRAINT checked_2_fk FOREIGN KEY (id) REFERENCES p (id);
ALTER TABLE checked_1 ADD CONSTRAINT checked_1_key UNIQUE (id, k);
ALTER TABLE checked_2 ADD CONSTRAINT checked_2_key UNIQUE (id, k);

CREATE VIEW tv AS SELECT id, a FROM t;
CREATE VIEW tv2 AS SELECT id FROM tv;
CREATE MATERIALIZED VIEW mv AS SELECT id, a FROM t;
CREATE UNIQUE INDEX mv_id ON mv (id);

CREATE TABLE ident (id int GENERATED BY DEFAULT AS IDENTITY, v int, w int NOT NULL);
INSERT INTO ident (v, w) SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE gen (a int, g int GENERATED ALWAYS AS (a * 2) STORED);
INSERT INTO gen SELECT g FROM generate_series(1, 100) g;
CREATE TABLE gen_child () INHERITS (gen);
INSERT INTO gen_child SELECT g FROM generate_series(1, 100) g;
CREATE TABLE ser (id serial PRIMARY KEY, v int);
INSERT INTO ser (v) SELECT g FROM generate_series(1, 100) g;
CREATE UNLOGGED TABLE ul (id int);
INSERT INTO ul SELECT g FROM generate_series(1, 100) g;
CREATE TABLE pairs (x int, y int);
CREATE TABLE typed OF pair;
INSERT INTO typed SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE times (ts timestamp(3), tz timestamptz(0), tm time(2), iv interval(2));
INSERT INTO times SELECT now(), now(), now(), interval '1 s' FROM generate_series(1, 100) g;
CREATE INDEX times_ts ON times (ts);
CREATE TABLE keyed (id int, v int NOT NULL);
INSERT INTO keyed SELECT g, g FROM generate_series(1, 100) g;
CREATE UNIQUE INDEX keyed_id ON keyed (id);
CREATE UNIQUE INDEX keyed_v ON keyed (v);
CREATE DOMAIN plain_int AS int;
CREATE DOMAIN checked_int AS int CHECK (VALUE > 0);
CREATE DOMAIN unchecked_int AS int NOT NULL CHECK (VALUE > 0);
ALTER DOMAIN unchecked_int DROP CONSTRAINT unchecked_int_check;
ALTER DOMAIN unchecked_int DROP NOT NULL;
CREATE DOMAIN defaulted_int AS int DEFAULT 1;
CREATE TABLE conv (v varchar(20), t text, n numeric(10, 2), c cidr, vb varbit(8), arr int[],
    d plain_int, m mood, i int, s smallint, ts timestamp);
INSERT INTO conv SELECT 'v' || g, 't' || g, g, '10.0.0.0/8', B'101', ARRAY[g], g, 'ok', g, g, now()
FROM generate_series(1, 100) g;
CREATE INDEX conv_v ON conv (v);
CREATE TABLE other.o (id int);
INSERT INTO other.o SELECT g FROM generate_series(1, 100) g;
ANALYZE;
"#;

/// A partitioned table whose partition `pending_2` is left "detach pending"
/// by an interrupted `DETACH PARTITION ... CONCURRENTLY` (the test sets that
/// up), for `DETACH PARTITION ... FINALIZE`.
pub(super) const PENDING_DETACH: &str = "
CREATE TABLE pending (id int, k int) PARTITION BY LIST (k);
CREATE TABLE pending_1 PARTITION OF pending FOR VALUES IN (1);
CREATE TABLE pending_2 PARTITION OF pending FOR VALUES IN (2);
INSERT INTO pending SELECT g, 1 + g % 2 FROM generate_series(1, 100) g;
";
pub(super) const PENDING_DETACH_START: &str = "ALTER TABLE pending DETACH PARTITION pending_2 CONCURRENTLY";

/// Statements that need a contrib extension: seeded after `SEED` when the
/// server has it, skipped (with a note) when it has not.
pub(super) struct Extension {
    pub name: &'static str,
    pub seed: &'static str,
    pub cases: &'static [&'static str],
}

pub(super) const EXTENSIONS: &[Extension] = &[
    Extension {
        name: "citext",
        seed: "CREATE EXTENSION citext",
        cases: &[
            "ALTER EXTENSION citext SET SCHEMA other",
            "DROP EXTENSION citext",
            "CREATE TABLE q (id int, name citext)",
        ],
    },
    Extension {
        name: "file_fdw",
        seed: "CREATE EXTENSION file_fdw;
            CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
            CREATE FOREIGN TABLE ft (a int, b text) SERVER files OPTIONS (filename '/dev/null');",
        cases: &[
            "ALTER FOREIGN TABLE ft OPTIONS (SET filename '/dev/zero')",
            "ALTER FOREIGN TABLE ft ALTER COLUMN a OPTIONS (ADD force_not_null 'true')",
            "ALTER FOREIGN TABLE ft ADD COLUMN c int",
            "ALTER FOREIGN TABLE ft RENAME TO ft2",
            "DROP FOREIGN TABLE ft",
            "CREATE FOREIGN TABLE ft2 (a int) SERVER files OPTIONS (filename '/dev/null')",
        ],
    },
];

/// Statements run under a session `TimeZone` (`SET LOCAL TimeZone`), judged
/// with that zone as `timezone` in `miglint.toml`: PostgreSQL converts
/// between `timestamp` and `timestamptz` in place only under UTC.
pub(super) const ZONED_CASES: &[(&str, &str)] = &[
    ("UTC", "ALTER TABLE times ALTER COLUMN ts TYPE timestamptz"),
    ("Etc/UTC", "ALTER TABLE times ALTER COLUMN tz TYPE timestamp"),
    ("GMT", "ALTER TABLE times ALTER COLUMN ts TYPE timestamptz"),
    ("Europe/Berlin", "ALTER TABLE times ALTER COLUMN ts TYPE timestamptz"),
    ("America/New_York", "ALTER TABLE times ALTER COLUMN tz TYPE timestamp"),
    ("Europe/London", "ALTER TABLE times ALTER COLUMN tz TYPE timestamp"),
    ("UTC", "ALTER TABLE times ALTER COLUMN ts TYPE timestamptz(3)"),
    ("UTC", "ALTER TABLE times ALTER COLUMN tz TYPE timestamp(6)"),
];

/// The statements, each checked on its own against the seeded schema.
pub(super) const CASES: &[&str] = &[
    // ALTER TABLE: columns
    "ALTER TABLE t ADD COLUMN z int",
    "ALTER TABLE t ADD COLUMN z int DEFAULT 0",
    "ALTER TABLE t ADD COLUMN z timestamptz DEFAULT now()",
    "ALTER TABLE t ADD COLUMN z float8 DEFAULT random()",
    "ALTER TABLE t ADD COLUMN z serial",
    "ALTER TABLE t ADD COLUMN z bigint GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE t ADD COLUMN z int GENERATED ALWAYS AS (a * 2) STORED",
    "ALTER TABLE t ADD COLUMN z int NOT NULL DEFAULT 0",
    "ALTER TABLE t ADD COLUMN z int REFERENCES p (id)",
    "ALTER TABLE t ADD COLUMN z int DEFAULT 1 REFERENCES p (id)",
    "ALTER TABLE t ADD COLUMN z int CHECK (z > 0)",
    "ALTER TABLE t ADD COLUMN z text UNIQUE",
    "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int",
    // ADD COLUMN: every type form
    "ALTER TABLE t ADD COLUMN z int[]",
    "ALTER TABLE t ADD COLUMN z int[] DEFAULT '{1}'",
    "ALTER TABLE t ADD COLUMN z text[] DEFAULT ARRAY['a']",
    "ALTER TABLE t ADD COLUMN z mood",
    "ALTER TABLE t ADD COLUMN z mood DEFAULT 'ok'",
    "ALTER TABLE t ADD COLUMN z mood[]",
    "ALTER TABLE t ADD COLUMN z plain_int",
    "ALTER TABLE t ADD COLUMN z plain_int DEFAULT 3",
    "ALTER TABLE t ADD COLUMN z checked_int",
    "ALTER TABLE t ADD COLUMN z checked_int DEFAULT 3",
    // Every constraint of the domain dropped: no row is checked.
    "ALTER TABLE t ADD COLUMN z unchecked_int",
    "ALTER TABLE t ADD COLUMN z defaulted_int",
    "ALTER TABLE t ADD COLUMN z pair",
    "ALTER TABLE t ADD COLUMN z int4range DEFAULT '[1,2)'",
    "ALTER TABLE t ADD COLUMN z jsonb DEFAULT '{}'",
    "ALTER TABLE t ADD COLUMN z uuid DEFAULT gen_random_uuid()",
    "ALTER TABLE t ADD COLUMN z bigserial",
    "ALTER TABLE t ADD COLUMN z smallserial",
    "ALTER TABLE t ADD COLUMN z int GENERATED BY DEFAULT AS IDENTITY",
    "ALTER TABLE t ADD COLUMN z text GENERATED ALWAYS AS (lower(c)) STORED",
    "ALTER TABLE t ADD COLUMN z timestamptz DEFAULT clock_timestamp()",
    "ALTER TABLE t ADD COLUMN z varchar(10) DEFAULT 'x' NOT NULL",
    "ALTER TABLE t ADD COLUMN z numeric(5, 1) DEFAULT 1.5",
    "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1",
    "ALTER TABLE t ALTER COLUMN a DROP DEFAULT",
    "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    "ALTER TABLE loose2 ALTER COLUMN x SET NOT NULL",
    "ALTER TABLE keyed ADD PRIMARY KEY USING INDEX keyed_id",
    "ALTER TABLE keyed ADD PRIMARY KEY USING INDEX keyed_v",
    "ALTER TABLE keyed ADD CONSTRAINT keyed_u UNIQUE USING INDEX keyed_id",
    "ALTER TABLE ident ALTER COLUMN w DROP NOT NULL",
    "ALTER TABLE t ALTER COLUMN a SET STATISTICS 100",
    "ALTER TABLE t ALTER COLUMN a SET (n_distinct = 1)",
    "ALTER TABLE t ALTER COLUMN a RESET (n_distinct)",
    "ALTER TABLE t ALTER COLUMN c SET STORAGE EXTERNAL",
    "ALTER TABLE t ALTER COLUMN c SET COMPRESSION pglz",
    "ALTER TABLE t DROP COLUMN c",
    "ALTER TABLE t DROP COLUMN IF EXISTS zz",
    "ALTER TABLE t ALTER COLUMN b TYPE text",
    "ALTER TABLE t ALTER COLUMN b SET DATA TYPE varchar",
    "ALTER TABLE loose ALTER COLUMN id TYPE bigint",
    "ALTER TABLE t ALTER COLUMN n TYPE float8 USING n::float8",
    "ALTER TABLE t ALTER COLUMN c TYPE text USING lower(c)",
    "ALTER TABLE ser ALTER COLUMN v TYPE bigint",
    "ALTER TABLE child ALTER COLUMN t_id TYPE bigint",
    "ALTER TABLE p ALTER COLUMN id TYPE bigint",
    "ALTER TABLE times ALTER COLUMN ts TYPE timestamp",
    "ALTER TABLE times ALTER COLUMN ts TYPE timestamp(5)",
    "ALTER TABLE times ALTER COLUMN ts TYPE timestamp(1)",
    "ALTER TABLE times ALTER COLUMN tz TYPE timestamptz(6)",
    "ALTER TABLE times ALTER COLUMN tm TYPE time",
    "ALTER TABLE times ALTER COLUMN tm TYPE time(1)",
    "ALTER TABLE times ALTER COLUMN iv TYPE interval(4)",
    "ALTER TABLE times ALTER COLUMN iv TYPE interval",
    "ALTER TABLE times ALTER COLUMN iv TYPE interval(1)",
    // ALTER COLUMN TYPE: the pairs the catalog can judge
    "ALTER TABLE conv ALTER COLUMN v TYPE varchar(30)",
    "ALTER TABLE conv ALTER COLUMN v TYPE varchar(10)",
    "ALTER TABLE conv ALTER COLUMN v TYPE varchar",
    "ALTER TABLE conv ALTER COLUMN v TYPE text",
    "ALTER TABLE conv ALTER COLUMN t TYPE varchar",
    "ALTER TABLE conv ALTER COLUMN t TYPE varchar(50)",
    "ALTER TABLE conv ALTER COLUMN n TYPE numeric(12, 2)",
    "ALTER TABLE conv ALTER COLUMN n TYPE numeric",
    "ALTER TABLE conv ALTER COLUMN n TYPE numeric(12, 3)",
    "ALTER TABLE conv ALTER COLUMN n TYPE numeric(8, 2)",
    "ALTER TABLE conv ALTER COLUMN c TYPE inet",
    "ALTER TABLE conv ALTER COLUMN vb TYPE varbit(16)",
    "ALTER TABLE conv ALTER COLUMN vb TYPE varbit",
    "ALTER TABLE conv ALTER COLUMN vb TYPE varbit(4)",
    "ALTER TABLE conv ALTER COLUMN arr TYPE bigint[]",
    "ALTER TABLE conv ALTER COLUMN d TYPE int",
    "ALTER TABLE conv ALTER COLUMN i TYPE plain_int",
    "ALTER TABLE conv ALTER COLUMN i TYPE checked_int",
    "ALTER TABLE conv ALTER COLUMN m TYPE text",
    "ALTER TABLE conv ALTER COLUMN s TYPE int",
    "ALTER TABLE conv ALTER COLUMN i TYPE int4",
    "ALTER TABLE conv ALTER COLUMN ts TYPE timestamp(6)",
    "ALTER TABLE t ALTER COLUMN e TYPE text",
    "ALTER TABLE t ALTER COLUMN q TYPE int",
    "ALTER TABLE child DROP COLUMN t_id",
    "ALTER TABLE p DROP COLUMN v",
    "ALTER TABLE t RENAME COLUMN a TO aa",
    "ALTER TABLE t ADD COLUMN z int, ALTER COLUMN a SET STATISTICS 10",
    "ALTER TABLE t VALIDATE CONSTRAINT t_d_nv, SET (fillfactor = 70)",
    // ALTER TABLE: constraints
    "ALTER TABLE t ADD CONSTRAINT x CHECK (a > 0)",
    "ALTER TABLE t ADD CONSTRAINT x CHECK (a > 0) NOT VALID",
    "ALTER TABLE t ADD CONSTRAINT x FOREIGN KEY (pid) REFERENCES p (id)",
    "ALTER TABLE t ADD CONSTRAINT x FOREIGN KEY (pid) REFERENCES p (id) NOT VALID",
    "ALTER TABLE t ADD CONSTRAINT x UNIQUE (b)",
    "ALTER TABLE loose ADD PRIMARY KEY (id)",
    "ALTER TABLE t ADD CONSTRAINT x UNIQUE USING INDEX t_b_key",
    "ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&)",
    "ALTER TABLE t VALIDATE CONSTRAINT t_d_nv",
    "ALTER TABLE t VALIDATE CONSTRAINT t_fk_nv",
    "ALTER TABLE t DROP CONSTRAINT t_chk",
    "ALTER TABLE t DROP CONSTRAINT t_fk",
    "ALTER TABLE p DROP CONSTRAINT p_pkey CASCADE",
    "ALTER TABLE t ALTER CONSTRAINT t_fk DEFERRABLE",
    "ALTER TABLE t RENAME CONSTRAINT t_chk TO t_chk2",
    // ALTER TABLE: storage, clustering, options
    "ALTER TABLE t CLUSTER ON t_a",
    "ALTER TABLE t SET WITHOUT CLUSTER",
    "ALTER TABLE ul SET LOGGED",
    "ALTER TABLE loose SET UNLOGGED",
    "ALTER TABLE loose SET TABLESPACE ts",
    "ALTER TABLE parted SET TABLESPACE ts",
    "ALTER TABLE loose SET ACCESS METHOD heap",
    "REINDEX TABLE parted",
    // A partitioned index: each partition's index is rebuilt in its own
    // transaction. The watched waits see the SHARE on "parted" and on the
    // partitions' tables, and the ACCESS EXCLUSIVE on the partitions'
    // indexes behind a query's ACCESS SHARE (the SHARE the statement first
    // takes on the whole index tree does not wait for it); "parted_k"
    // itself, a partitioned index, has no blocker, so its lock is seen only
    // if it is held when another wait is watched, and partitions past
    // `SCOPE_PROBES` are not watched.
    "REINDEX INDEX parted_k",
    "CLUSTER parted USING parted_k",
    "VACUUM FULL parted_1",
    "CLUSTER parted_1 USING parted_1_k_idx",
    "ALTER TABLE ONLY parted SET TABLESPACE ts",
    "ALTER TABLE t SET (fillfactor = 70)",
    "ALTER TABLE t SET (autovacuum_enabled = false)",
    "ALTER TABLE t SET (parallel_workers = 2)",
    "ALTER TABLE t RESET (fillfactor)",
    "ALTER TABLE t SET (toast.autovacuum_enabled = false)",
    "ALTER TABLE t SET (fillfactor = 70, user_catalog_table = false)",
    // ALTER TABLE: triggers and rules
    "ALTER TABLE t ENABLE TRIGGER t_touch",
    "ALTER TABLE t DISABLE TRIGGER t_touch",
    "ALTER TABLE t ENABLE ALWAYS TRIGGER t_touch",
    "ALTER TABLE t ENABLE REPLICA TRIGGER t_touch",
    "ALTER TABLE t DISABLE TRIGGER ALL",
    "ALTER TABLE t ENABLE TRIGGER ALL",
    "ALTER TABLE t DISABLE TRIGGER USER",
    "ALTER TABLE t ENABLE TRIGGER USER",
    "ALTER TABLE loose DISABLE RULE loose_rule",
    "ALTER TABLE loose ENABLE RULE loose_rule",
    "ALTER TABLE loose ENABLE ALWAYS RULE loose_rule",
    "ALTER TABLE loose ENABLE REPLICA RULE loose_rule",
    // ALTER TABLE: inheritance, typed tables, identity, generated columns
    "ALTER TABLE orphan INHERIT inh_parent",
    "ALTER TABLE inh_child NO INHERIT inh_parent",
    "ALTER TABLE pairs OF pair",
    "ALTER TABLE typed NOT OF",
    "ALTER TABLE inh_parent ADD COLUMN z int",
    "ALTER TABLE ONLY inh_parent ALTER COLUMN x SET DEFAULT 0",
    "ALTER TABLE ident ALTER COLUMN id SET GENERATED ALWAYS",
    "ALTER TABLE ident ALTER COLUMN id RESTART WITH 1000",
    "ALTER TABLE ident ALTER COLUMN id DROP IDENTITY",
    "ALTER TABLE ident ALTER COLUMN w ADD GENERATED BY DEFAULT AS IDENTITY",
    "ALTER TABLE gen ALTER COLUMN g DROP EXPRESSION",
    // ALTER TABLE: replica identity, row level security, owner, schema, name
    "ALTER TABLE t REPLICA IDENTITY FULL",
    "ALTER TABLE t REPLICA IDENTITY USING INDEX t_pkey",
    "ALTER TABLE t REPLICA IDENTITY NOTHING",
    "ALTER TABLE t REPLICA IDENTITY DEFAULT",
    "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE t DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE t FORCE ROW LEVEL SECURITY",
    "ALTER TABLE t NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE t OWNER TO reader",
    "ALTER TABLE loose SET SCHEMA other",
    "ALTER TABLE t RENAME TO t_renamed",
    // Partitions
    "ALTER TABLE parted ATTACH PARTITION spare FOR VALUES FROM (300) TO (400)",
    "ALTER TABLE parted DETACH PARTITION parted_2",
    "ALTER TABLE listed DETACH PARTITION listed_2",
    "ALTER TABLE listed ATTACH PARTITION spare_l FOR VALUES IN (3)",
    // A CHECK that proves the bound on a NOT NULL key: no scan of the
    // partition, unless an index of the parent is built on it ("parted",
    // whose default partition is read as well).
    "ALTER TABLE ranged ATTACH PARTITION spare_rc FOR VALUES FROM (100) TO (200)",
    "ALTER TABLE parted ATTACH PARTITION spare_c FOR VALUES FROM (400) TO (500)",
    "ALTER TABLE listed ATTACH PARTITION spare_lc FOR VALUES IN (5, 6, 7)",
    "ALTER TABLE listed DETACH PARTITION listed_2 CONCURRENTLY",
    "ALTER TABLE pending DETACH PARTITION pending_2 FINALIZE",
    "ALTER TABLE parted ADD COLUMN z int",
    "ALTER TABLE parted ALTER COLUMN v SET NOT NULL",
    "ALTER TABLE parted ADD CONSTRAINT parted_chk CHECK (k >= 0)",
    "ALTER TABLE parted ADD CONSTRAINT parted_chk CHECK (k >= 0) NOT VALID",
    "ALTER TABLE checked VALIDATE CONSTRAINT checked_nv",
    "ALTER TABLE checked ADD CONSTRAINT checked_fk FOREIGN KEY (id) REFERENCES p (id)",
    "ALTER TABLE checked ADD CONSTRAINT checked_key UNIQUE (id, k)",
    "ALTER TABLE parted ALTER COLUMN id TYPE bigint",
    "ALTER TABLE ONLY parted ALTER COLUMN v SET DEFAULT 'x'",
    "CREATE TABLE parted_3 PARTITION OF parted FOR VALUES FROM (300) TO (400)",
    "CREATE TABLE listed_3 PARTITION OF listed FOR VALUES IN (3)",
    "CREATE INDEX parted_id ON parted (id)",
    "CREATE INDEX parted_id ON ONLY parted (id)",
    "CREATE INDEX listed_id ON listed (id)",
    "CREATE INDEX parted_v2 ON parted (v)",
    "ALTER INDEX parted_v ATTACH PARTITION parted_1_v",
    "DROP INDEX parted_k",
    "DROP TABLE parted_2",
    "DROP TABLE parted_def",
    "ALTER TABLE parted DETACH PARTITION parted_def",
    "TRUNCATE parted",
    "UPDATE parted SET v = 'w'",
    "ALTER TABLE parted ALTER COLUMN v SET DEFAULT 'x'",
    "ALTER TABLE parted ALTER COLUMN v SET STATISTICS 100",
    "ALTER TABLE parted ALTER COLUMN v SET STORAGE EXTERNAL",
    "ALTER TABLE parted DROP COLUMN v",
    "ALTER TABLE parted ADD UNIQUE (id, k)",
    "ALTER TABLE parted ADD FOREIGN KEY (id) REFERENCES p (id)",
    "ALTER TABLE parted DISABLE TRIGGER parted_touch",
    "ALTER TABLE parted ENABLE TRIGGER ALL",
    "ALTER TABLE parted OWNER TO reader",
    "ALTER TABLE parted REPLICA IDENTITY FULL",
    "ALTER TABLE parted ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE parted RENAME COLUMN v TO w",
    "ALTER TRIGGER parted_touch ON parted RENAME TO parted_touch2",
    "DROP TRIGGER parted_touch ON parted",
    "LOCK TABLE parted IN ACCESS EXCLUSIVE MODE",
    // Inheritance
    "ALTER TABLE inh_parent ALTER COLUMN x SET DEFAULT 0",
    "ALTER TABLE inh_parent ALTER COLUMN x SET NOT NULL",
    "ALTER TABLE inh_parent ALTER COLUMN x DROP NOT NULL",
    "ALTER TABLE inh_parent ADD PRIMARY KEY (id)",
    "ALTER TABLE inh_parent ADD UNIQUE (id)",
    "ALTER TABLE inh_parent ALTER COLUMN x SET STATISTICS 100",
    "ALTER TABLE inh_parent ALTER COLUMN x SET STORAGE PLAIN",
    "ALTER TABLE inh_parent ALTER COLUMN x SET (n_distinct = 1)",
    "ALTER TABLE inh_parent ALTER COLUMN x TYPE bigint",
    "ALTER TABLE inh_parent ADD COLUMN z float8 DEFAULT random()",
    "ALTER TABLE inh_parent DROP COLUMN x",
    "ALTER TABLE inh_parent ADD CONSTRAINT ip_chk CHECK (x > 0)",
    "ALTER TABLE inh_parent VALIDATE CONSTRAINT ip_nv",
    "ALTER TABLE inh_parent DROP CONSTRAINT ip_nv",
    "ALTER TABLE inh_parent RENAME CONSTRAINT ip_nv TO ip_nv2",
    "ALTER TABLE inh_parent RENAME COLUMN x TO y",
    "ALTER TABLE inh_parent SET (fillfactor = 70)",
    "ALTER TABLE inh_parent SET UNLOGGED",
    "ALTER TABLE inh_parent OWNER TO reader",
    "ALTER TABLE inh_parent REPLICA IDENTITY FULL",
    "ALTER TABLE inh_parent ENABLE ROW LEVEL SECURITY",
    "CREATE INDEX ip_x ON inh_parent (x)",
    "UPDATE inh_parent SET x = 1",
    "TRUNCATE inh_parent",
    "LOCK TABLE inh_parent IN SHARE MODE",
    // ALTER INDEX
    "ALTER INDEX t_a RENAME TO t_a2",
    "ALTER INDEX t_a SET (fillfactor = 50)",
    "ALTER INDEX t_a RESET (fillfactor)",
    "ALTER INDEX t_a SET TABLESPACE ts",
    "ALTER INDEX t_lower ALTER COLUMN 1 SET STATISTICS 100",
    // Views, materialized views
    "ALTER VIEW tv RENAME TO tv_renamed",
    "ALTER VIEW tv RENAME COLUMN a TO aa",
    "ALTER VIEW tv OWNER TO reader",
    "ALTER VIEW tv SET SCHEMA other",
    "ALTER VIEW tv SET (security_barrier = true)",
    "ALTER VIEW tv RESET (security_barrier)",
    "ALTER VIEW tv ALTER COLUMN a SET DEFAULT 0",
    "CREATE VIEW v2 AS SELECT * FROM t",
    "CREATE VIEW v2 AS SELECT * FROM tv JOIN p USING (id)",
    "CREATE VIEW v2 AS SELECT * FROM parted",
    "CREATE OR REPLACE VIEW tv AS SELECT id, a, b FROM t",
    "DROP VIEW tv2",
    "ALTER MATERIALIZED VIEW mv RENAME TO mv2",
    "ALTER MATERIALIZED VIEW mv OWNER TO reader",
    "ALTER MATERIALIZED VIEW mv SET (fillfactor = 70)",
    "ALTER MATERIALIZED VIEW mv ALTER COLUMN a SET STATISTICS 100",
    "ALTER MATERIALIZED VIEW mv CLUSTER ON mv_id",
    "ALTER MATERIALIZED VIEW mv SET TABLESPACE ts",
    "ALTER MATERIALIZED VIEW mv SET SCHEMA other",
    "CREATE MATERIALIZED VIEW mv2 AS SELECT * FROM t",
    "CREATE MATERIALIZED VIEW mv2 AS SELECT * FROM t WITH NO DATA",
    "CREATE MATERIALIZED VIEW mv2 AS SELECT * FROM tv2",
    "CREATE MATERIALIZED VIEW mv2 AS SELECT * FROM parted",
    "CREATE INDEX mv_a ON mv (a)",
    "REFRESH MATERIALIZED VIEW mv",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
    "REFRESH MATERIALIZED VIEW mv WITH NO DATA",
    "DROP MATERIALIZED VIEW mv",
    // Sequences
    "CREATE SEQUENCE s2",
    "CREATE SEQUENCE s2 OWNED BY t.id",
    "ALTER SEQUENCE counter INCREMENT BY 2",
    "ALTER SEQUENCE counter RESTART WITH 10",
    "ALTER SEQUENCE counter OWNED BY t.id",
    "ALTER SEQUENCE counter OWNED BY NONE",
    "ALTER SEQUENCE ser_id_seq OWNED BY NONE",
    "ALTER SEQUENCE counter RENAME TO counter2",
    "ALTER SEQUENCE counter OWNER TO reader",
    "ALTER SEQUENCE counter SET SCHEMA other",
    "DROP SEQUENCE counter",
    "SELECT nextval('counter')",
    "SELECT setval('counter', 5)",
    "INSERT INTO ser (v) VALUES (1)",
    "ALTER TABLE t ADD COLUMN z bigint DEFAULT nextval('counter')",
    // Types and domains
    "CREATE TYPE feeling AS ENUM ('a', 'b')",
    "CREATE TYPE point3 AS (x int, y int, z int)",
    "ALTER TYPE mood ADD VALUE 'angry'",
    "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'",
    "ALTER TYPE mood RENAME TO feeling",
    "ALTER TYPE pair ADD ATTRIBUTE z int CASCADE",
    "ALTER TYPE pair OWNER TO reader",
    "ALTER TYPE pair ALTER ATTRIBUTE y TYPE bigint CASCADE",
    "ALTER TYPE pair DROP ATTRIBUTE y CASCADE",
    "DROP TYPE unused_enum",
    "CREATE DOMAIN d2 AS int CHECK (VALUE > 0)",
    "ALTER DOMAIN email ADD CONSTRAINT email_len CHECK (length(VALUE) > 3)",
    "ALTER DOMAIN email ADD CONSTRAINT email_len CHECK (length(VALUE) > 3) NOT VALID",
    "ALTER DOMAIN email DROP CONSTRAINT email_check",
    "ALTER DOMAIN email SET DEFAULT 'a@b'",
    "ALTER DOMAIN email DROP DEFAULT",
    "ALTER DOMAIN posint SET NOT NULL",
    "ALTER DOMAIN posint DROP NOT NULL",
    "ALTER DOMAIN email VALIDATE CONSTRAINT email_nv",
    "ALTER DOMAIN email RENAME CONSTRAINT email_check TO email_ok",
    "ALTER DOMAIN email RENAME TO mail",
    "ALTER DOMAIN email OWNER TO reader",
    "DROP DOMAIN unused_domain",
    // Tables
    "CREATE TABLE q (id int PRIMARY KEY, v text)",
    "CREATE TABLE q (id int REFERENCES t (id))",
    "CREATE TABLE q (id int, FOREIGN KEY (id) REFERENCES p (id))",
    "CREATE TABLE q () INHERITS (inh_parent)",
    "CREATE TABLE q (LIKE t INCLUDING ALL)",
    "CREATE TABLE q AS SELECT * FROM t",
    "CREATE TABLE q AS SELECT * FROM inh_parent WITH NO DATA",
    "CREATE TABLE q AS WITH w AS (SELECT id FROM p) SELECT * FROM w",
    "CREATE TABLE q (LIKE parted)",
    "SELECT * INTO q FROM loose",
    "CREATE UNLOGGED TABLE q (id int)",
    "CREATE TEMP TABLE q (id int)",
    "CREATE TABLE q OF pair",
    "DROP TABLE loose",
    "DROP TABLE child",
    "DROP TABLE inh_child",
    "DROP TABLE t CASCADE",
    "DROP TABLE loose, loose2",
    "DROP TABLE parted",
    "DROP TABLE inh_parent CASCADE",
    "DROP VIEW tv CASCADE",
    "DROP MATERIALIZED VIEW mv CASCADE",
    // Indexes
    "CREATE INDEX t_b_idx ON t (b)",
    "CREATE UNIQUE INDEX t_id2 ON t (id)",
    "CREATE INDEX t_part2 ON t (a) WHERE a > 10",
    "CREATE INDEX t_expr ON t (lower(b))",
    "CREATE INDEX t_gist ON t USING gist (r)",
    "CREATE INDEX t_incl ON t (a) INCLUDE (b)",
    "CREATE INDEX ON loose (k)",
    "CREATE INDEX CONCURRENTLY t_b_idx ON t (b)",
    "CREATE UNIQUE INDEX CONCURRENTLY t_id2 ON t (id)",
    "CREATE INDEX CONCURRENTLY parted_1_id ON parted_1 (id)",
    "DROP INDEX t_a",
    "DROP INDEX t_partial, t_lower",
    "DROP INDEX IF EXISTS t_a",
    "DROP INDEX CONCURRENTLY t_a",
    "DROP INDEX CONCURRENTLY IF EXISTS t_partial",
    "REINDEX INDEX t_a",
    "REINDEX TABLE t",
    "REINDEX (VERBOSE) TABLE loose",
    "REINDEX INDEX mv_id",
    "REINDEX INDEX CONCURRENTLY t_a",
    "REINDEX (CONCURRENTLY) INDEX t_b_key",
    "REINDEX TABLE CONCURRENTLY t",
    "REINDEX SCHEMA other",
    "REINDEX SYSTEM scratch",
    // Triggers, policies, rules
    "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch()",
    "CREATE OR REPLACE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
    "CREATE TRIGGER tr AFTER INSERT ON parted FOR EACH ROW EXECUTE FUNCTION touch()",
    "CREATE CONSTRAINT TRIGGER ctr AFTER INSERT ON t FROM p FOR EACH ROW EXECUTE FUNCTION touch()",
    "ALTER TRIGGER t_touch ON t RENAME TO t_touch2",
    "DROP TRIGGER t_touch ON t",
    "CREATE POLICY p2 ON t USING (true)",
    "ALTER POLICY t_pol ON t USING (a > 1)",
    "ALTER POLICY t_pol ON t RENAME TO t_pol2",
    "DROP POLICY t_pol ON t",
    "CREATE RULE r2 AS ON UPDATE TO loose DO ALSO NOTHING",
    "ALTER RULE loose_rule ON loose RENAME TO loose_rule2",
    "DROP RULE loose_rule ON loose",
    // Statistics, functions, schemas, extensions
    "CREATE STATISTICS st ON a, b FROM t",
    "CREATE STATISTICS st (dependencies) ON k, v FROM parted",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "DROP FUNCTION unused_fn()",
    "CREATE SCHEMA s2",
    "DROP SCHEMA other CASCADE",
    "ALTER SCHEMA other RENAME TO other2",
    "CREATE EXTENSION IF NOT EXISTS plpgsql",
    // TRUNCATE, DML
    "TRUNCATE loose",
    "TRUNCATE t CASCADE",
    "TRUNCATE ONLY inh_parent",
    "TRUNCATE p CASCADE",
    "TRUNCATE loose, ser RESTART IDENTITY",
    "INSERT INTO loose VALUES (1, 1, 's')",
    // The row goes to "parted_1" alone, which it locks.
    "INSERT INTO parted VALUES (1000, 5, 'x')",
    "COPY parted FROM PROGRAM 'echo 1001,150,x' WITH (FORMAT csv)",
    "INSERT INTO t (id, a, b, pid) VALUES (1000, 1, 'new', 1)",
    "INSERT INTO loose SELECT * FROM loose",
    "UPDATE loose SET k = k + 1",
    "UPDATE loose SET k = 0 WHERE s = 'x'",
    "UPDATE t SET a = a + 1 WHERE id = 5",
    // Foreign keys: a deleted key cascades into "child" (ROW EXCLUSIVE);
    // a changed foreign key value is checked against "p" (ROW SHARE).
    "DELETE FROM t WHERE id = 7",
    "UPDATE t SET pid = 2 WHERE id = 5",
    "DELETE FROM loose",
    "DELETE FROM loose WHERE 1 = 1",
    "UPDATE loose SET k = 0 WHERE true AND 'a' = 'a'",
    "UPDATE t SET a = a + 1 WHERE id = 5 OR NOT false",
    "DELETE FROM child WHERE note = 'x'",
    "DELETE FROM p WHERE id = 450",
    "MERGE INTO loose2 l USING loose s ON l.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.k)",
    "SELECT count(*) FROM t",
    "SELECT count(*) FROM tv2",
    "SELECT count(*) FROM inh_parent",
    "COPY t TO STDOUT",
    "COPY (SELECT * FROM loose) TO STDOUT",
    "DELETE FROM inh_parent WHERE x = 1",
    "UPDATE loose SET k = p.id FROM p WHERE p.id = loose.id",
    "INSERT INTO child (id, t_id) VALUES (1000, 1)",
    "SELECT * FROM t FOR UPDATE",
    "COPY loose (id) FROM PROGRAM 'echo 1'",
    // VACUUM, ANALYZE, CLUSTER
    "ANALYZE t",
    "ANALYZE t (a)",
    "ANALYZE",
    "ANALYZE parted",
    "ANALYZE inh_parent",
    "VACUUM parted",
    "VACUUM (ANALYZE) inh_parent",
    "VACUUM t",
    "VACUUM (ANALYZE) t",
    "VACUUM FULL loose",
    "VACUUM (FREEZE) p",
    "VACUUM (FULL, ANALYZE) t",
    "VACUUM t, p",
    "VACUUM",
    "VACUUM FULL",
    "CLUSTER t USING t_a",
    "CLUSTER t",
    "CLUSTER mv USING mv_id",
    "CLUSTER",
    // LOCK
    "LOCK TABLE t",
    "LOCK TABLE t IN ACCESS SHARE MODE",
    "LOCK TABLE t IN ROW SHARE MODE",
    "LOCK TABLE t IN ROW EXCLUSIVE MODE",
    "LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE",
    "LOCK TABLE t IN SHARE MODE",
    "LOCK TABLE t IN SHARE ROW EXCLUSIVE MODE",
    "LOCK TABLE t IN EXCLUSIVE MODE",
    "LOCK TABLE t, p IN SHARE MODE",
    "LOCK TABLE parted IN SHARE MODE",
    "LOCK TABLE ONLY parted IN SHARE MODE",
    "LOCK TABLE tv IN EXCLUSIVE MODE",
    // COMMENT, GRANT, REVOKE, ownership
    "COMMENT ON TABLE t IS 'x'",
    "COMMENT ON COLUMN t.a IS 'x'",
    "COMMENT ON INDEX t_a IS 'x'",
    "COMMENT ON CONSTRAINT t_chk ON t IS 'x'",
    "COMMENT ON VIEW tv IS 'x'",
    "COMMENT ON MATERIALIZED VIEW mv IS 'x'",
    "COMMENT ON SEQUENCE counter IS 'x'",
    "COMMENT ON TRIGGER t_touch ON t IS 'x'",
    "COMMENT ON TYPE mood IS 'x'",
    "COMMENT ON POLICY t_pol ON t IS 'x'",
    "COMMENT ON RULE loose_rule ON loose IS 'x'",
    "COMMENT ON COLUMN tv.a IS 'x'",
    "GRANT SELECT ON t TO reader",
    "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO reader",
    "REVOKE ALL ON t FROM reader",
    "GRANT USAGE ON SEQUENCE counter TO reader",
    "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO reader",
    "REASSIGN OWNED BY reader TO postgres",
    // Outside any table
    "SET lock_timeout = '1s'",
    "CREATE DATABASE made_by_test",
    "DROP DATABASE IF EXISTS not_there",
    "ALTER SYSTEM SET work_mem = '8MB'",
];
