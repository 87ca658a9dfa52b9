//! Truth tests against a real PostgreSQL: a throwaway cluster (initdb into a
//! temp dir, unix socket only, run as the `postgres` OS user when the tests
//! run as root) checks the facts miglint states without a database.
//!
//! The server binaries come from `MIGLINT_PG_BIN`, else the newest
//! `/usr/lib/postgresql/<version>/bin`. Without them the tests print why and
//! skip, except under `CI=true`, where they fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use miglint::analysis::facts::statement_facts;
use miglint::analysis::volatility::{builtin_volatility, Volatility};

use crate::common::in_ci;

/// A running throwaway cluster, stopped and removed on drop.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    run_as: Option<String>,
}

fn find_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MIGLINT_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Cluster {
    /// Starts a cluster, or returns why it cannot.
    pub fn start() -> Result<Cluster, String> {
        let bin = find_bin().ok_or("no PostgreSQL server binaries (set MIGLINT_PG_BIN or install postgresql)")?;
        let run_as = is_root().then(|| "postgres".to_string());
        let dir = std::env::temp_dir().join(format!("miglint-pg-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let cluster = Cluster { bin, dir, run_as };
        if let Some(user) = &cluster.run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&cluster.dir)
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("cannot chown the cluster folder to {user}"));
            }
        }
        let data = cluster.dir.join("data");
        cluster.run_checked(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        )?;
        let options = format!(
            "-k {} -c listen_addresses= -c fsync=off -c full_page_writes=off",
            path_str(&cluster.dir)
        );
        cluster.run_checked(
            "pg_ctl",
            &[
                "-D",
                path_str(&data),
                "-o",
                &options,
                "-l",
                path_str(&cluster.dir.join("log")),
                "-w",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let exe = self.bin.join(program);
        match &self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.arg("-u").arg(user).arg("--").arg(exe).args(args);
                cmd
            }
            None => {
                let mut cmd = Command::new(exe);
                cmd.args(args);
                cmd
            }
        }
    }

    fn run_checked(&self, program: &str, args: &[&str]) -> Result<Output, String> {
        let output = self
            .command(program, args)
            .current_dir(&self.dir)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(format!("{program} failed: {}", String::from_utf8_lossy(&output.stderr)))
        }
    }

    /// Runs SQL through psql and returns its unaligned, tuples-only output.
    pub fn psql(&self, sql: &str) -> Result<String, String> {
        let output = self.run_checked(
            "psql",
            &[
                "-h",
                path_str(&self.dir),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-X",
                "-q",
                "-A",
                "-t",
                "-F",
                "\t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
        )?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .command("pg_ctl", &["-D", path_str(&data), "-m", "immediate", "stop"])
            .current_dir(&self.dir)
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A cluster of the test's own, stopped and removed when the test ends; None
/// (after printing why) when there is no server and this is not CI.
fn cluster() -> Option<Cluster> {
    match Cluster::start() {
        Ok(cluster) => Some(cluster),
        Err(why) if in_ci() => panic!("CI=true: the PostgreSQL truth tests cannot be skipped: {why}"),
        Err(why) => {
            eprintln!("skipping PostgreSQL truth tests: {why}");
            None
        }
    }
}

#[test]
fn function_volatility_matches_pg_proc() {
    let Some(cluster) = cluster() else { return };
    let cluster = &cluster;
    let rows = cluster
        .psql(
            "SELECT proname, CASE WHEN bool_or(provolatile = 'v') THEN 'v' WHEN bool_or(provolatile = 's') THEN 's' ELSE 'i' END \
             FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace GROUP BY proname",
        )
        .unwrap();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for line in rows.lines() {
        let Some((name, class)) = line.split_once('\t') else {
            continue;
        };
        let expected = match class {
            "i" => Volatility::Immutable,
            "s" => Volatility::Stable,
            _ => Volatility::Volatile,
        };
        checked += 1;
        if builtin_volatility(name) != Some(expected) {
            mismatches.push(format!(
                "{name}: server {expected:?}, miglint {:?}",
                builtin_volatility(name)
            ));
        }
    }
    assert!(checked > 2000, "only {checked} functions read");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

const SEED: &str = "
CREATE TABLE p (id int PRIMARY KEY, v text);
CREATE TABLE t (id int PRIMARY KEY, a int, b varchar(20), c text, pid int, n numeric(10, 2));
INSERT INTO p SELECT g, 'x' FROM generate_series(1, 100) g;
INSERT INTO t SELECT g, g, 'b', 'c', g, 1 FROM generate_series(1, 100) g;
ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (pid) REFERENCES p (id);
ALTER TABLE t ADD CONSTRAINT t_chk CHECK (a > 0);
CREATE INDEX t_a ON t (a);
CREATE TABLE loose (id int, k int);
";

/// Statements whose table locks miglint states, checked in a transaction
/// that is rolled back: the strongest mode on each named table must match.
const LOCK_CASES: &[&str] = &[
    "ALTER TABLE t ADD COLUMN z int",
    "ALTER TABLE t ADD COLUMN z int DEFAULT 0",
    "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1",
    "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    "ALTER TABLE t ALTER COLUMN a DROP NOT NULL",
    "ALTER TABLE t ALTER COLUMN a SET STATISTICS 100",
    "ALTER TABLE t ALTER COLUMN a SET (n_distinct = 1)",
    "ALTER TABLE t ALTER COLUMN c SET STORAGE EXTERNAL",
    "ALTER TABLE t DROP COLUMN c",
    "ALTER TABLE t ADD CONSTRAINT f2 FOREIGN KEY (pid) REFERENCES p (id) NOT VALID",
    "ALTER TABLE t ADD CONSTRAINT c2 CHECK (a > 0) NOT VALID",
    "ALTER TABLE t VALIDATE CONSTRAINT t_fk",
    "ALTER TABLE t VALIDATE CONSTRAINT t_chk",
    "ALTER TABLE t DROP CONSTRAINT t_chk",
    "ALTER TABLE t ALTER COLUMN b TYPE text",
    "ALTER TABLE t CLUSTER ON t_a",
    "ALTER TABLE t SET WITHOUT CLUSTER",
    "ALTER TABLE t SET (fillfactor = 70)",
    "ALTER TABLE t SET (parallel_workers = 2)",
    "ALTER TABLE t DISABLE TRIGGER ALL",
    "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE t REPLICA IDENTITY FULL",
    "ALTER TABLE t ADD UNIQUE (a)",
    "ALTER TABLE t RENAME COLUMN a TO aa",
    "ALTER TABLE t SET UNLOGGED",
    "CREATE INDEX ON t (b)",
    "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
    "COMMENT ON TABLE t IS 'x'",
    "LOCK TABLE t",
    "LOCK TABLE t IN SHARE MODE",
    "TRUNCATE t CASCADE",
    "UPDATE t SET a = 1",
    "DELETE FROM t",
    "INSERT INTO loose VALUES (1, 1)",
    "CREATE TABLE q (id int REFERENCES t (id))",
    "CLUSTER t USING t_a",
];

#[test]
fn table_lock_modes_match_pg_locks() {
    let Some(cluster) = cluster() else { return };
    let cluster = &cluster;
    cluster
        .psql(&format!("DROP SCHEMA public CASCADE; CREATE SCHEMA public; {SEED}"))
        .unwrap();
    let mut mismatches = Vec::new();
    for sql in LOCK_CASES {
        let observed = observed_locks(cluster, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let node = pg_query::parse(sql, 0).unwrap().protobuf.stmts[0]
            .stmt
            .clone()
            .unwrap()
            .node
            .unwrap();
        assert!(!observed.is_empty(), "{sql}: the server reported no table lock");
        let facts = statement_facts(&node, 15);
        assert!(!facts.locks.is_empty(), "{sql}: miglint states no lock");
        for lock in &facts.locks {
            let server = observed.get(&lock.relation.name).map(String::as_str);
            if server != Some(lock.mode.pg_locks_name()) {
                mismatches.push(format!(
                    "{sql}\n    {}: miglint {}, server {}",
                    lock.relation.name,
                    lock.mode.pg_locks_name(),
                    server.unwrap_or("no lock")
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The strongest lock mode the statement's own backend holds on each table.
fn observed_locks(cluster: &Cluster, sql: &str) -> Result<BTreeMap<String, String>, String> {
    let query = format!(
        "BEGIN; {sql}; \
         SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
         WHERE l.pid = pg_backend_pid() AND c.relkind IN ('r', 'p', 'm') AND c.relnamespace = 'public'::regnamespace; \
         ROLLBACK;"
    );
    let out = cluster.psql(&query)?;
    let mut strongest: BTreeMap<String, String> = BTreeMap::new();
    for line in out.lines() {
        let Some((rel, mode)) = line.split_once('\t') else {
            continue;
        };
        let rank = |m: &str| {
            miglint::analysis::LockMode::ALL
                .iter()
                .position(|x| x.pg_locks_name() == m)
                .unwrap_or(0)
        };
        let entry = strongest.entry(rel.to_string()).or_insert_with(|| mode.to_string());
        if rank(mode) > rank(entry) {
            *entry = mode.to_string();
        }
    }
    Ok(strongest)
}
