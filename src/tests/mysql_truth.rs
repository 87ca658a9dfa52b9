//! MariaDB's own parser as the truth for `parse_mysql`, beyond the corpus:
//! statements typical of MySQL migrations must get the same verdict from
//! both (a syntax problem exactly when MariaDB rejects the statement), and a
//! list of known gaps (sqlparser's MySQL grammar) must still differ, so a
//! fix shows up here.

use crate::input::source::SourceFile;
use crate::parse::mysql::parse_mysql;
use crate::parse::ProblemKind;
use crate::tests::common::{mariadb, Mariadb};
use crate::tests::mysql_corpus::{verdict, Verdict};

#[test]
fn the_throwaway_server_runs_sql_and_reports_errors_with_their_code() {
    let Some(server) = mariadb() else { return };
    assert!(server.version().contains("MariaDB"), "{}", server.version());
    let db = server.database();
    assert_ne!(db, server.database());
    let rows = server
        .run(
            &db,
            "CREATE TABLE t (a int, b text);\nINSERT INTO t VALUES (1, 'x'), (2, 'é');\nSELECT a, b FROM t ORDER BY a;",
        )
        .unwrap();
    assert_eq!(rows, "1\tx\n2\té\n");
    let error = server.run(&db, "SELECT 1;\nSELEC 2;\nSELECT 3;").unwrap_err();
    assert_eq!(error.code, 1064, "{error:?}");
    assert!(error.message.contains("near 'SELEC 2'"), "{error:?}");
    let error = server.run(&db, "SELECT * FROM nosuch").unwrap_err();
    assert_eq!(error.code, 1146, "{error:?}");
    // The client reads DELIMITER.
    let rows = server
        .run(
            &db,
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END$$\nDELIMITER ;\nCALL p();",
        )
        .unwrap();
    assert_eq!(rows, "1\n2\n");
}

/// The tables the statements use.
const SCHEMA: &str = "CREATE TABLE t (a int PRIMARY KEY, b int, c varchar(100), d timestamp NULL, j json);\n\
                      CREATE TABLE u (a int, b int, c varchar(100));\n\
                      CREATE TABLE o (id int PRIMARY KEY);";

/// MySQL statements beyond the corpus on which miglint and MariaDB agree
/// (each a file: DELIMITER lines are the client's).
const AGREE: &[&str] = &[
    // CREATE TABLE
    "CREATE TABLE x (id int NOT NULL AUTO_INCREMENT, name varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, o_id int, PRIMARY KEY (id), UNIQUE KEY u_name (name), KEY k_name (name(10)), FULLTEXT KEY f_name (name), CONSTRAINT fk_o FOREIGN KEY (o_id) REFERENCES o (id) ON DELETE CASCADE, CONSTRAINT ck CHECK (id > 0)) ENGINE=InnoDB AUTO_INCREMENT=10 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC COMMENT='x'",
    "CREATE TABLE `x` (`a` int(11) unsigned zerofill NOT NULL COMMENT 'c', `b` tinyint(1) DEFAULT '0', `c` longtext, `d` json, `e` decimal(10,2) unsigned, `f` double(8,2), `g` bit(1), `h` set('a','b'), `i` mediumblob, `j` year)",
    "CREATE TABLE x (a ENUM('a','b') NOT NULL DEFAULT 'a')",
    "CREATE TABLE x (a timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)",
    "CREATE TABLE x (a datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))",
    "CREATE TABLE x (a int, b int AS (a*2) STORED, c int GENERATED ALWAYS AS (a+1) VIRTUAL)",
    "CREATE TABLE x (a int) ENGINE=InnoDB DEFAULT CHARACTER SET=utf8mb4",
    "CREATE TABLE x (a int) CHARSET utf8mb4",
    "CREATE TABLE IF NOT EXISTS x LIKE t",
    "CREATE TABLE x (a int, INDEX (a), UNIQUE INDEX ui (a) USING BTREE, KEY k (a) COMMENT 'x')",
    "CREATE TABLE x (a int UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, b BOOL, c BOOLEAN, e TINYTEXT, f MEDIUMINT, g FLOAT(7,4), i NCHAR(5), j VARBINARY(10))",
    "CREATE TABLE x (created_at timestamp NULL DEFAULT NULL, updated_at timestamp NULL ON UPDATE CURRENT_TIMESTAMP)",
    "CREATE TABLE x (a int DEFAULT (uuid_short()))",
    "CREATE TEMPORARY TABLE x (a int)",
    "CREATE TABLE x AS SELECT * FROM t",
    "CREATE TABLE x (j json CHECK (JSON_VALID(j)))",
    "CREATE TABLE x (a int, INDEX idx_a USING BTREE (a))",
    "CREATE TABLE x (a int) ENGINE=InnoDB, DEFAULT CHARSET=utf8mb4",
    // ALTER TABLE
    "ALTER TABLE t ADD COLUMN e int, ALGORITHM=INPLACE, LOCK=NONE",
    "ALTER TABLE t ALGORITHM=INSTANT, ADD COLUMN e int",
    "ALTER TABLE t ADD COLUMN e int NOT NULL DEFAULT 0 COMMENT 'x' AFTER b, ADD INDEX (e)",
    "ALTER TABLE t ADD COLUMN e int FIRST",
    "ALTER TABLE t MODIFY COLUMN b bigint NOT NULL",
    "ALTER TABLE t CHANGE COLUMN b e int NULL",
    "ALTER TABLE t CHANGE b e int AFTER c",
    "ALTER TABLE t DROP FOREIGN KEY fk",
    "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (a, b)",
    "ALTER TABLE t ADD UNIQUE KEY uk (b)",
    "ALTER TABLE t ADD INDEX i (b), ADD FULLTEXT INDEX f (c)",
    "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES o (id) ON DELETE SET NULL",
    "ALTER TABLE t DROP INDEX i",
    "ALTER TABLE t DROP COLUMN b, DROP COLUMN c",
    "ALTER TABLE t RENAME COLUMN b TO e",
    "ALTER TABLE t RENAME TO x",
    "ALTER TABLE t RENAME x",
    "ALTER TABLE t ALTER COLUMN b SET DEFAULT 1",
    "ALTER TABLE t ALTER COLUMN b DROP DEFAULT",
    "ALTER TABLE t AUTO_INCREMENT = 100",
    "ALTER TABLE t DROP COLUMN IF EXISTS b",
    "ALTER TABLE t ADD COLUMN e varchar(255) AS (JSON_UNQUOTE(JSON_EXTRACT(j, '$.x'))) VIRTUAL",
    // Forms sqlparser cannot read that miglint recognises (valid, unread).
    "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    "ALTER TABLE t ENGINE=InnoDB",
    "ALTER TABLE t DEFAULT CHARSET=utf8mb4, ROW_FORMAT=DYNAMIC",
    "ALTER TABLE t COMMENT 'x'",
    "ALTER TABLE t FORCE",
    "ALTER TABLE t ADD INDEX i (b), RENAME INDEX i TO j",
    "ALTER TABLE t DROP KEY i",
    "ALTER TABLE t ADD COLUMN IF NOT EXISTS e int",
    "ALTER TABLE t DROP INDEX IF EXISTS i",
    "ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    "CREATE FULLTEXT INDEX f ON t (c)",
    "PREPARE stmt FROM 'SELECT 1'",
    "DROP EVENT IF EXISTS e",
    // Indexes, renames, session
    "CREATE INDEX i ON t (b) USING BTREE",
    "CREATE UNIQUE INDEX ui ON t (b, c(20))",
    "CREATE INDEX i ON t (b) ALGORITHM=INPLACE LOCK=NONE",
    "CREATE INDEX i ON t (b) LOCK = NONE",
    "DROP INDEX i ON t",
    "DROP INDEX `PRIMARY` ON t",
    "RENAME TABLE t TO x, u TO y",
    "SET FOREIGN_KEY_CHECKS=0",
    "SET @x = (SELECT 1)",
    "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
    "SET SESSION sql_mode = 'ANSI'",
    "SET @@session.time_zone = '+00:00'",
    "SET sql_mode = (SELECT REPLACE(@@sql_mode, 'ONLY_FULL_GROUP_BY', ''))",
    "SET @sql = CONCAT('ALTER TABLE ', 't', ' ADD x int')",
    "EXECUTE stmt",
    "DEALLOCATE PREPARE stmt",
    "LOCK TABLES t WRITE, u READ",
    "UNLOCK TABLES",
    "START TRANSACTION",
    "COMMIT",
    // Data
    "INSERT IGNORE INTO t (a) VALUES (1)",
    "INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE b = VALUES(b)",
    "INSERT INTO t SET a = 1, b = 2",
    "INSERT INTO t (a) SELECT a FROM u ON DUPLICATE KEY UPDATE b = u.b",
    "REPLACE INTO t (a) VALUES (1)",
    "UPDATE t JOIN u ON t.a = u.a SET t.b = u.b WHERE u.c = 'x'",
    "UPDATE t SET b = 1 ORDER BY a LIMIT 10",
    "DELETE t FROM t JOIN u ON t.a = u.a WHERE u.b IS NULL",
    "DELETE FROM t WHERE a = 1 LIMIT 100",
    "SELECT a FROM t WHERE c REGEXP '^x' LIMIT 1, 2",
    "SELECT JSON_EXTRACT(j, '$.x'), GROUP_CONCAT(c ORDER BY c SEPARATOR ',') FROM t GROUP BY j",
    "SELECT IF(a, 1, 2), IFNULL(b, 0), DATE_ADD(NOW(), INTERVAL 1 DAY), UNIX_TIMESTAMP() FROM t",
    "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()",
    // Stored programs, under ; and under DELIMITER
    "DROP PROCEDURE IF EXISTS p",
    "DROP TRIGGER IF EXISTS tr",
    "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.b = 1",
    "DELIMITER $$\nCREATE DEFINER=`root`@`localhost` TRIGGER tr AFTER UPDATE ON t FOR EACH ROW\nBEGIN\n  IF NEW.b <> OLD.b THEN\n    INSERT INTO u (a) VALUES (NEW.a);\n  END IF;\nEND$$\nDELIMITER ;",
    "DELIMITER //\nCREATE PROCEDURE p(IN x int, OUT y int)\nBEGIN\n  DECLARE z int DEFAULT 0;\n  SELECT x INTO y;\nEND //\nDELIMITER ;",
    "CREATE PROCEDURE p() BEGIN IF EXISTS (SELECT 1) THEN SELECT 1; ELSE SELECT 2; END IF; END",
    "CREATE FUNCTION f(x int) RETURNS int DETERMINISTIC RETURN x + 1",
    "/*!40101 SET NAMES utf8mb4 */",
    "CREATE TABLE x (a int) /*!50100 ENGINE=InnoDB */",
    // MariaDB's lock wait for one statement
    "ALTER TABLE t WAIT 5 ADD COLUMN e int",
    "ALTER TABLE t NOWAIT ADD COLUMN e int, ALGORITHM=INSTANT",
    "ALTER ONLINE TABLE t WAIT 10 ADD INDEX i (b)",
    "ALTER ONLINE TABLE t ADD INDEX i (c)",
    "CREATE INDEX i ON t (b) WAIT 5",
    "CREATE UNIQUE INDEX i ON t (c) NOWAIT",
    "DROP INDEX c ON t NOWAIT",
    "DROP TABLE IF EXISTS u WAIT 5",
    "TRUNCATE TABLE u NOWAIT",
    "RENAME TABLE u WAIT 3 TO u2",
    "SET STATEMENT lock_wait_timeout = 5 FOR ALTER TABLE t ADD COLUMN e int",
    "SET STATEMENT lock_wait_timeout=5, max_statement_time=60 FOR CREATE INDEX i ON t (b)",
    "SET STATEMENT lock_wait_timeout = 5 FOR ALTER TABLE t WAIT 2 DROP COLUMN d",
    // Older and shorter MySQL spellings, read as the forms sqlparser knows
    "SET @x := 1",
    "SET @x := 1, @y = 2",
    "SELECT a FROM t LOCK IN SHARE MODE",
    "UPDATE t, u SET t.b = u.b WHERE t.a = u.a",
    "DELETE LOW_PRIORITY QUICK FROM t",
    "DELETE QUICK IGNORE FROM t WHERE a = 1",
    "LOCK TABLE t WRITE",
    "OPTIMIZE TABLE t",
    "OPTIMIZE NO_WRITE_TO_BINLOG TABLE t",
    "CREATE USER 'u'@'%' IDENTIFIED BY 'p'",
    "CREATE USER IF NOT EXISTS 'app'@'localhost'",
    "CREATE TABLE x (a int) PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE)",
    "CREATE TABLE x (a int, b int) PARTITION BY HASH (a) PARTITIONS 4",
    "CREATE TABLE x (a char(36) BINARY)",
    "CREATE TABLE x (a varchar(20) BINARY NOT NULL, b int)",
    "SELECT a MOD 2 FROM t",
    "SELECT MOD(a, 2) FROM t",
    "ALTER TABLE t ADD COLUMN (e int, f int)",
    "ALTER TABLE t ADD (e int NOT NULL DEFAULT 0, f varchar(10))",
    "ALTER TABLE t ORDER BY a",
    "ALTER TABLE t ADD COLUMN e int, ORDER BY b, a",
    "ALTER TABLE t DISABLE KEYS",
    "ALTER TABLE t ENABLE KEYS",
    // Rejected by both
    "OPTIMIZE TABLE",
    "ALTER TABLE t ORDER a",
    "ALTER TABLE t ADD COLUMN (e int,)",
    "ALTER TABLE t WAIT ADD COLUMN e int",
    "SET STATEMENT lock_wait_timeout = 5 ALTER TABLE t ADD COLUMN e int",
    "ALTER TABLE t ADD COLUMN",
    "CREATE TABLE x (a int,",
    "SELEC 1",
    "ALTER TABLE t ENGINE",
    "CREATE PROCEDURE p() BEGIN SELECT 1",
    "ALTER TABLE t ALTER INDEX i INVISIBLE",
];

/// Where miglint and MariaDB still disagree (sqlparser's MySQL grammar, or
/// MySQL and MariaDB differing), and which way.
const GAPS: &[(&str, &str)] = &[
    (
        "ALTER TABLE t ALTER COLUMN b SET NOT NULL",
        "missed: PostgreSQL's SET NOT NULL, which MySQL has not",
    ),
    (
        "ALTER TABLE t ALTER COLUMN b TYPE bigint",
        "missed: PostgreSQL's ALTER COLUMN ... TYPE",
    ),
    ("SELECT a FROM t WHERE a = ?", "missed: a ? placeholder outside PREPARE"),
    (
        "LOCK TABLE t",
        "missed: LOCK TABLE without READ or WRITE (read as PostgreSQL's LOCK)",
    ),
    ("SELECT j->'$.x' FROM t", "MySQL only: MariaDB has no -> operator"),
    (
        "DROP INDEX i ON t LOCK = NONE",
        "MySQL only: MariaDB's DROP INDEX takes no ALGORITHM or LOCK",
    ),
];

/// MariaDB's syntax verdict on `sql` (one piece of a file, `DELIMITER`
/// lines left out) on a database holding `SCHEMA`.
fn mariadb_ok(server: &Mariadb, sql: &str) -> bool {
    let db = server.database();
    server.run(&db, SCHEMA).unwrap();
    match verdict(server, &db, &[], sql) {
        Verdict::Accepted | Verdict::AcceptedThenFailed(_) => true,
        Verdict::Rejected(_) => false,
        Verdict::Statements(n) => panic!("{sql}: MariaDB runs {n} statements"),
    }
}

/// miglint's verdict on a file of one statement, and the statement's text.
fn miglint_ok(sql: &str) -> (bool, String) {
    let source = SourceFile::new("m.sql", sql);
    let parsed = parse_mysql(&source);
    let mut spans: Vec<_> = parsed.statements.iter().map(|s| s.span).collect();
    spans.extend(parsed.problems.iter().map(|p| p.span));
    assert_eq!(spans.len(), 1, "{sql}: {:?}", parsed.problems);
    let ok = !parsed.problems.iter().any(|p| p.kind == ProblemKind::Syntax);
    (ok, source.slice(spans[0]).to_string())
}

#[test]
fn parse_mysql_agrees_with_mariadb_beyond_the_corpus_but_for_known_gaps() {
    let Some(server) = mariadb() else { return };
    let mut disagree = Vec::new();
    for sql in AGREE {
        let (miglint, piece) = miglint_ok(sql);
        let mariadb = mariadb_ok(&server, &piece);
        if miglint != mariadb {
            disagree.push(format!(
                "{sql}: MariaDB {}",
                if mariadb { "accepts" } else { "rejects" }
            ));
        }
    }
    assert!(
        disagree.is_empty(),
        "miglint disagrees with MariaDB:\n{}",
        disagree.join("\n")
    );
    for (sql, gap) in GAPS {
        let (miglint, piece) = miglint_ok(sql);
        assert_ne!(
            miglint,
            mariadb_ok(&server, &piece),
            "{sql}: agrees now ({gap}): move it to AGREE"
        );
    }
    eprintln!(
        "MySQL truth on {}: {} statements agree, {} known gaps",
        server.version(),
        AGREE.len(),
        GAPS.len()
    );
}
