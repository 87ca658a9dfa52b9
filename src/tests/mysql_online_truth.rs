//! Truth tests of the online DDL verdicts (`analysis::mysql::online`)
//! against a real MariaDB: for each case, a table with rows and one
//! change, the verdict miglint gives for the server's own version must
//! match what the server does.
//!
//! - `ALGORITHM=INSTANT` succeeds iff the verdict is Instant;
//! - `ALGORITHM=NOCOPY` iff Instant, or in place without a rebuild;
//! - `ALGORITHM=INPLACE` iff Instant or Inplace;
//! - `LOCK=NONE` iff the verdict permits reads and writes, `LOCK=SHARED`
//!   iff it permits at least reads;
//! - the change as written rebuilds the table iff the verdict says so: the
//!   table's InnoDB `TABLE_ID` (`information_schema.INNODB_SYS_TABLES`) is
//!   gone afterwards, as a rebuild (in place or by copy) makes a new one,
//!   while instant and no-copy changes (and renames) keep it.
//!
//! Each probe runs on a fresh database. The MySQL-only claims cannot run
//! here: `online.rs`'s unit tests check them against the manuals' tables.

use sqlparser::ast::{ObjectType, Statement};

use crate::analysis::mysql::online::testing::{parse, table_from_create};
use crate::analysis::mysql::online::{judge, judge_alter, Algorithm, Concurrency, DdlOp, TableClause, Verdict};
use crate::settings::MysqlServer;
use crate::tests::common::mariadb;

/// One change on a table `t` the setup makes (with rows).
struct Case {
    setup: &'static str,
    statement: &'static str,
    /// For the clauses sqlparser cannot parse: what the parse layer would pass.
    clause: Option<TableClause<'static>>,
    foreign_key_checks: bool,
}

/// Most cases' table: an AUTO_INCREMENT primary key, an indexed column.
const BASE: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, a varchar(10), b int, c int NOT NULL DEFAULT 0, \
                    e enum('x','y'), s set('p','q'), KEY ib (b)) DEFAULT CHARSET latin1; INSERT INTO t (a, b, c, e, s) VALUES ('one', 1, 1, 'x', 'p'), ('two', 2, 2, 'y', 'q'), ('three', 3, 3, 'x', 'p,q');";
/// A plain primary key.
const PK: &str = "CREATE TABLE t (id int PRIMARY KEY, a varchar(10), b int, c int NOT NULL DEFAULT 0, \
                  e enum('x','y'), s set('p','q')) DEFAULT CHARSET latin1; INSERT INTO t (id, a, b, c, e, s) VALUES (1, 'one', 1, 1, 'x', 'p'), (2, 'two', 2, 2, 'y', 'q'), (3, 'three', 3, 3, 'x', 'p,q');";
/// No primary key.
const NO_PK: &str = "CREATE TABLE t (id int NOT NULL, a varchar(10), b int, c int NOT NULL DEFAULT 0, \
                     e enum('x','y'), s set('p','q')) DEFAULT CHARSET latin1; INSERT INTO t (id, a, b, c, e, s) VALUES (1, 'one', 1, 1, 'x', 'p'), (2, 'two', 2, 2, 'y', 'q'), (3, 'three', 3, 3, 'x', 'p,q');";
const FULLTEXT: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, a varchar(10), b int, c int, e int, s int, \
                        a2 varchar(10), FULLTEXT fa (a)) DEFAULT CHARSET latin1; INSERT INTO t (a, b, c, e, s) VALUES ('one', 1, 1, 1, 1), ('two', 2, 2, 2, 2), ('three', 3, 3, 3, 3);";
const GEO: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, g geometry NOT NULL) DEFAULT CHARSET latin1; \
                   INSERT INTO t (g) VALUES (POINT(1, 1)), (POINT(2, 2));";
const PARENT: &str = "CREATE TABLE parent (id int PRIMARY KEY) DEFAULT CHARSET latin1; \
                      INSERT INTO parent VALUES (1), (2), (3); \
                      CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, a varchar(10), b int, c int, e int, s int, \
                      KEY ib (b)) DEFAULT CHARSET latin1; INSERT INTO t (a, b, c, e, s) VALUES ('one', 1, 1, 1, 1), ('two', 2, 2, 2, 2), ('three', 3, 3, 3, 3);";
const CHILD: &str = "CREATE TABLE parent (id int PRIMARY KEY) DEFAULT CHARSET latin1; \
                     INSERT INTO parent VALUES (1), (2), (3); \
                     CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, a varchar(10), b int, c int, e int, s int, \
                     CONSTRAINT fk FOREIGN KEY (b) REFERENCES parent (id)) DEFAULT CHARSET latin1; INSERT INTO t (a, b, c, e, s) VALUES ('one', 1, 1, 1, 1), ('two', 2, 2, 2, 2), ('three', 3, 3, 3, 3);";
const CHECKED: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, a varchar(10), b int, c int, e int, s int, \
                       CONSTRAINT ck CHECK (b > 0)) DEFAULT CHARSET latin1; INSERT INTO t (a, b, c, e, s) VALUES ('one', 1, 1, 1, 1), ('two', 2, 2, 2, 2), ('three', 3, 3, 3, 3);";
const VIRTUAL: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, b int, v int AS (b + 1) VIRTUAL, \
                       w int AS (b + 2) STORED) DEFAULT CHARSET latin1; INSERT INTO t (b) VALUES (1), (2), (3);";
const VIRTUAL_INDEXED: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, b int, v int AS (b + 1) VIRTUAL, \
                               KEY iv (v)) DEFAULT CHARSET latin1; INSERT INTO t (b) VALUES (1), (2), (3);";
const LEN127: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, a varchar(127), b int, c int, e int, s int) \
                      DEFAULT CHARSET latin1; INSERT INTO t (a, b, c, e, s) VALUES ('one', 1, 1, 1, 1), ('two', 2, 2, 2, 2), ('three', 3, 3, 3, 3);";
const LEN128: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, a varchar(128), b int, c int, e int, s int) \
                      DEFAULT CHARSET latin1; INSERT INTO t (a, b, c, e, s) VALUES ('one', 1, 1, 1, 1), ('two', 2, 2, 2, 2), ('three', 3, 3, 3, 3);";
const UTF8MB4: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, a varchar(10), b int, c int, e int, s int, \
                       d varchar(50)) DEFAULT CHARSET utf8mb4; INSERT INTO t (a, b, c, e, s) VALUES ('one', 1, 1, 1, 1), ('two', 2, 2, 2, 2), ('three', 3, 3, 3, 3);";
const UTF8MB3: &str = "CREATE TABLE t (id int PRIMARY KEY AUTO_INCREMENT, a varchar(10) CHARACTER SET utf8mb3, b int, c int, \
                       e int, s int, d varchar(10) CHARACTER SET utf8mb3, KEY id_ (d)) DEFAULT CHARSET latin1; INSERT INTO t (a, b, c, e, s) VALUES ('one', 1, 1, 1, 1), ('two', 2, 2, 2, 2), ('three', 3, 3, 3, 3);";

fn case(setup: &'static str, statement: &'static str) -> Case {
    Case {
        setup,
        statement,
        clause: None,
        foreign_key_checks: true,
    }
}

fn clause(setup: &'static str, statement: &'static str, clause: TableClause<'static>) -> Case {
    Case {
        clause: Some(clause),
        ..case(setup, statement)
    }
}

fn cases() -> Vec<Case> {
    vec![
        // Columns added.
        case(BASE, "ALTER TABLE t ADD COLUMN d int"),
        case(BASE, "ALTER TABLE t ADD COLUMN d int FIRST"),
        case(BASE, "ALTER TABLE t ADD COLUMN d int AFTER a"),
        case(BASE, "ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 7"),
        case(BASE, "ALTER TABLE t ADD COLUMN d varchar(20) DEFAULT 'x'"),
        case(BASE, "ALTER TABLE t ADD COLUMN d int AS (b + 1) STORED"),
        case(BASE, "ALTER TABLE t ADD COLUMN d int AS (b + 1) VIRTUAL"),
        case(BASE, "ALTER TABLE t ADD COLUMN d int UNIQUE"),
        case(
            NO_PK,
            "ALTER TABLE t ADD COLUMN pk int AUTO_INCREMENT PRIMARY KEY FIRST",
        ),
        case(FULLTEXT, "ALTER TABLE t ADD COLUMN d int"),
        // Columns dropped and renamed.
        case(BASE, "ALTER TABLE t DROP COLUMN a"),
        case(BASE, "ALTER TABLE t DROP COLUMN b"),
        case(BASE, "ALTER TABLE t DROP COLUMN a, DROP COLUMN c"),
        case(VIRTUAL, "ALTER TABLE t DROP COLUMN v"),
        case(VIRTUAL, "ALTER TABLE t DROP COLUMN w"),
        case(BASE, "ALTER TABLE t RENAME COLUMN a TO a2"),
        case(VIRTUAL, "ALTER TABLE t RENAME COLUMN v TO v2"),
        case(BASE, "ALTER TABLE t CHANGE a a2 varchar(10)"),
        case(BASE, "ALTER TABLE t CHANGE b b2 bigint"),
        // Columns redefined.
        case(BASE, "ALTER TABLE t MODIFY b int FIRST"),
        // A COLLATE on an indexed column rebuilds its index in place; on another, metadata.
        case(
            "CREATE TABLE t (id int PRIMARY KEY, a varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, \
             a2 varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, KEY ia (a)); \
             INSERT INTO t (id, a, a2) VALUES (1, 'one', 'x'), (2, 'two', 'y');",
            "ALTER TABLE t MODIFY a varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        ),
        case(
            "CREATE TABLE t (id int PRIMARY KEY, a varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, \
             a2 varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, KEY ia (a)); \
             INSERT INTO t (id, a, a2) VALUES (1, 'one', 'x'), (2, 'two', 'y');",
            "ALTER TABLE t MODIFY a2 varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        ),
        case(BASE, "ALTER TABLE t MODIFY a varchar(10) AFTER c"),
        case(BASE, "ALTER TABLE t ALTER COLUMN b SET DEFAULT 3"),
        case(BASE, "ALTER TABLE t ALTER COLUMN c DROP DEFAULT"),
        case(BASE, "ALTER TABLE t MODIFY b int DEFAULT 5"),
        case(BASE, "ALTER TABLE t MODIFY b int COMMENT 'hi'"),
        case(BASE, "ALTER TABLE t MODIFY b int NOT NULL"),
        case(BASE, "ALTER TABLE t MODIFY c int NULL DEFAULT 0"),
        case(BASE, "ALTER TABLE t MODIFY b bigint"),
        case(BASE, "ALTER TABLE t MODIFY b varchar(10)"),
        case(BASE, "ALTER TABLE t MODIFY a varchar(10) CHARACTER SET utf8mb4"),
        case(PK, "ALTER TABLE t MODIFY id int AUTO_INCREMENT"),
        case(BASE, "ALTER TABLE t MODIFY id int"),
        case(VIRTUAL, "ALTER TABLE t MODIFY v int AS (b + 3) VIRTUAL"),
        case(VIRTUAL, "ALTER TABLE t MODIFY w int AS (b + 3) STORED"),
        case(VIRTUAL_INDEXED, "ALTER TABLE t MODIFY v int AS (b + 3) VIRTUAL"),
        case(VIRTUAL_INDEXED, "ALTER TABLE t DROP COLUMN v"),
        // ENUM and SET.
        case(BASE, "ALTER TABLE t MODIFY e enum('x','y','z')"),
        case(BASE, "ALTER TABLE t MODIFY e enum('y','x')"),
        case(BASE, "ALTER TABLE t MODIFY s set('p','q','r')"),
        // VARCHAR lengths and character sets.
        case(BASE, "ALTER TABLE t MODIFY a varchar(20)"),
        case(BASE, "ALTER TABLE t MODIFY a varchar(255)"),
        case(BASE, "ALTER TABLE t MODIFY a varchar(300)"),
        case(BASE, "ALTER TABLE t MODIFY a varchar(5)"),
        case(LEN127, "ALTER TABLE t MODIFY a varchar(300)"),
        case(LEN128, "ALTER TABLE t MODIFY a varchar(300)"),
        case(LEN128, "ALTER TABLE t MODIFY a varchar(255)"),
        case(UTF8MB4, "ALTER TABLE t MODIFY a varchar(100)"),
        case(UTF8MB4, "ALTER TABLE t MODIFY d varchar(100)"),
        case(UTF8MB4, "ALTER TABLE t MODIFY d varchar(60)"),
        case(UTF8MB3, "ALTER TABLE t MODIFY a varchar(10) CHARACTER SET utf8mb4"),
        case(UTF8MB3, "ALTER TABLE t MODIFY d varchar(10) CHARACTER SET utf8mb4"),
        case(UTF8MB3, "ALTER TABLE t MODIFY a varchar(80) CHARACTER SET utf8mb3"),
        // Indexes.
        case(BASE, "ALTER TABLE t ADD INDEX ia (a)"),
        case(BASE, "ALTER TABLE t ADD UNIQUE KEY ua (a)"),
        case(BASE, "ALTER TABLE t ADD INDEX iab (a, b)"),
        case(BASE, "ALTER TABLE t ADD FULLTEXT INDEX fa (a)"),
        case(FULLTEXT, "ALTER TABLE t ADD FULLTEXT INDEX fb (a2)"),
        case(GEO, "ALTER TABLE t ADD SPATIAL INDEX sg (g)"),
        case(VIRTUAL, "ALTER TABLE t ADD INDEX iv (v)"),
        case(BASE, "ALTER TABLE t DROP INDEX ib"),
        case(BASE, "CREATE INDEX ia ON t (a)"),
        case(BASE, "CREATE UNIQUE INDEX ua ON t (a)"),
        case(BASE, "DROP INDEX ib ON t"),
        case(NO_PK, "ALTER TABLE t ADD PRIMARY KEY (id)"),
        case(PK, "ALTER TABLE t DROP PRIMARY KEY"),
        case(PK, "DROP INDEX `PRIMARY` ON t"),
        case(PK, "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, c)"),
        // Constraints.
        case(
            PARENT,
            "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES parent (id)",
        ),
        Case {
            foreign_key_checks: false,
            ..case(
                PARENT,
                "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES parent (id)",
            )
        },
        case(CHILD, "ALTER TABLE t DROP FOREIGN KEY fk"),
        case(CHILD, "ALTER TABLE t DROP CONSTRAINT fk"),
        case(BASE, "ALTER TABLE t ADD CONSTRAINT ck CHECK (b > 0)"),
        case(CHECKED, "ALTER TABLE t DROP CONSTRAINT ck"),
        // Several changes in one statement: instant only as a whole.
        case(BASE, "ALTER TABLE t ADD COLUMN d int, ADD INDEX id_ (d)"),
        case(BASE, "ALTER TABLE t ADD COLUMN d int, ADD COLUMN f int FIRST"),
        case(BASE, "ALTER TABLE t DROP COLUMN a, MODIFY b bigint"),
        case(BASE, "ALTER TABLE t RENAME COLUMN a TO a2, ADD INDEX ic (c)"),
        case(BASE, "ALTER TABLE t CHANGE a a2 varchar(10) AFTER c"),
        case(BASE, "ALTER TABLE t ADD COLUMN d int NOT NULL"),
        case(FULLTEXT, "ALTER TABLE t DROP COLUMN b"),
        case(NO_PK, "ALTER TABLE t ADD UNIQUE KEY uid (id)"),
        case(NO_PK, "ALTER TABLE t ADD UNIQUE KEY ub (b)"),
        // Table options.
        case(BASE, "ALTER TABLE t AUTO_INCREMENT = 1000"),
        case(BASE, "ALTER TABLE t RENAME TO u"),
        clause(BASE, "ALTER TABLE t ENGINE=InnoDB", TableClause::Engine("InnoDB")),
        clause(BASE, "ALTER TABLE t FORCE", TableClause::Force),
        clause(BASE, "ALTER TABLE t ROW_FORMAT=COMPACT", TableClause::RowFormat),
        clause(BASE, "ALTER TABLE t KEY_BLOCK_SIZE=8", TableClause::RowFormat),
        clause(
            BASE,
            "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
            TableClause::ConvertCharset("utf8mb4"),
        ),
        clause(
            BASE,
            "ALTER TABLE t DEFAULT CHARSET utf8mb4",
            TableClause::DefaultCharset("utf8mb4"),
        ),
        clause(BASE, "ALTER TABLE t RENAME INDEX ib TO ib2", TableClause::RenameIndex),
        clause(BASE, "ALTER TABLE t COMMENT 'rows'", TableClause::Comment),
        clause(BASE, "ALTER TABLE t ORDER BY b", TableClause::OrderBy),
        clause(BASE, "ALTER TABLE t DISABLE KEYS", TableClause::Keys),
        clause(BASE, "ALTER TABLE t ENABLE KEYS", TableClause::Keys),
    ]
}

/// The verdict for the whole statement (the worst of its changes).
fn verdict(case: &Case, server: MysqlServer) -> Option<Verdict> {
    let table = table_from_create(case.setup);
    let fk = case.foreign_key_checks;
    if let Some(clause) = case.clause {
        return judge(DdlOp::Clause(clause), &table, server, fk);
    }
    match parse(case.statement).into_iter().next()? {
        Statement::AlterTable(alter) => judge_alter(&alter.operations, &table, server, fk)
            .into_iter()
            .flatten()
            .reduce(Verdict::worst),
        Statement::CreateIndex(index) => judge(DdlOp::CreateIndex(&index), &table, server, fk),
        Statement::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        } => {
            let name = names.first()?.to_string();
            judge(DdlOp::DropIndex(name.trim_matches('`')), &table, server, fk)
        }
        _ => None,
    }
}

/// The statement with `ALGORITHM=`/`LOCK=` clauses added.
/// MariaDB 10.11's grammar takes no `ALGORITHM=`/`LOCK=` after `DROP INDEX
/// ... ON t` (a syntax error, though its manual shows them): the probes use
/// the `ALTER TABLE` the server maps it to.
fn with(statement: &str, clauses: &str) -> String {
    if let Some(rest) = statement.strip_prefix("DROP INDEX ") {
        if let Some((index, table)) = rest.split_once(" ON ") {
            return format!("ALTER TABLE {table} DROP INDEX {index}, {clauses}");
        }
    }
    if statement.starts_with("ALTER") {
        format!("{statement}, {clauses}")
    } else {
        format!("{statement} {}", clauses.replace(',', ""))
    }
}

/// What the server does, as the verdict would put it.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    instant: bool,
    nocopy: bool,
    inplace: bool,
    lock_none: bool,
    lock_shared: bool,
    rebuilds: bool,
}

fn expected(verdict: &Verdict) -> Observed {
    Observed {
        instant: verdict.algorithm == Algorithm::Instant,
        nocopy: verdict.algorithm == Algorithm::Instant
            || (verdict.algorithm == Algorithm::Inplace && !verdict.rebuilds),
        inplace: verdict.algorithm <= Algorithm::Inplace,
        lock_none: verdict.concurrency == Concurrency::ReadsAndWrites,
        lock_shared: verdict.concurrency <= Concurrency::Reads,
        rebuilds: verdict.rebuilds,
    }
}

fn observe(server: &super::support::mariadb::Mariadb, case: &Case) -> Result<Observed, String> {
    let session = if case.foreign_key_checks {
        ""
    } else {
        "SET SESSION foreign_key_checks = 0;\n"
    };
    let fresh = || -> Result<String, String> {
        let db = server.database();
        server
            .run(&db, case.setup)
            .map_err(|e| format!("setup: {} {}", e.code, e.message))?;
        Ok(db)
    };
    let tries = |clauses: &str| -> Result<bool, String> {
        let db = fresh()?;
        Ok(server
            .run(&db, &format!("{session}{};", with(case.statement, clauses)))
            .is_ok())
    };
    let instant = tries("ALGORITHM=INSTANT")?;
    let nocopy = tries("ALGORITHM=NOCOPY")?;
    let inplace = tries("ALGORITHM=INPLACE")?;
    let lock_none = tries("LOCK=NONE")?;
    let lock_shared = tries("LOCK=SHARED")?;
    let db = fresh()?;
    let id_of = "SELECT table_id FROM information_schema.INNODB_SYS_TABLES WHERE name = CONCAT(DATABASE(), '/t')";
    let id = server.run(&db, id_of).map_err(|e| e.message)?.trim().to_string();
    if id.is_empty() {
        return Err("no InnoDB table id for t".into());
    }
    server
        .run(&db, &format!("{session}{};", case.statement))
        .map_err(|e| format!("the statement itself fails: {} {}", e.code, e.message))?;
    let still = format!("SELECT COUNT(*) FROM information_schema.INNODB_SYS_TABLES WHERE table_id = {id}");
    let rebuilds = server.run(&db, &still).map_err(|e| e.message)?.trim() == "0";
    Ok(Observed {
        instant,
        nocopy,
        inplace,
        lock_none,
        lock_shared,
        rebuilds,
    })
}

#[test]
fn online_ddl_verdicts_match_mariadb() {
    let Some(db) = mariadb() else { return };
    let version = db.version();
    let number = version.split('-').next().unwrap_or_default();
    let server = MysqlServer::parse(&format!("mariadb-{number}")).unwrap_or_else(|| panic!("version {version}"));
    let cases = cases();
    let mut mismatches = Vec::new();
    let mut counts = [0usize; 4];
    for case in &cases {
        let Some(verdict) = verdict(case, server) else {
            mismatches.push(format!("{}: no verdict", case.statement));
            continue;
        };
        counts[match (verdict.algorithm, verdict.rebuilds) {
            (Algorithm::Instant, _) => 0,
            (Algorithm::Inplace, false) => 1,
            (Algorithm::Inplace, true) => 2,
            (Algorithm::Copy, _) => 3,
        }] += 1;
        match observe(&db, case) {
            Ok(observed) if observed == expected(&verdict) => {}
            Ok(observed) => mismatches.push(format!(
                "{}{}\n    miglint: {:?} ({})\n    server:  {observed:?}",
                if case.foreign_key_checks {
                    ""
                } else {
                    "[foreign_key_checks=0] "
                },
                case.statement,
                expected(&verdict),
                verdict.reason
            )),
            Err(why) => mismatches.push(format!("{}: {why}", case.statement)),
        }
    }
    println!(
        "online DDL truth on MariaDB {number}: {} cases, {} agree ({} instant, {} in place without rebuild, {} in place with rebuild, {} copy)",
        cases.len(),
        cases.len() - mismatches.len(),
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
