//! A throwaway PostgreSQL cluster for tests: initdb into a temp dir, unix
//! socket only, the server run as the `postgres` OS user when the tests run
//! as root. The server binaries come from `MIGLINT_PG_BIN`, else the newest
//! `/usr/lib/postgresql/<version>/bin`. Without them `cluster()` prints why
//! and returns None, except under `CI=true`, where it fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::env::in_ci;

/// A running throwaway cluster, stopped and removed on drop.
pub(crate) struct Cluster {
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
    pub(crate) fn start() -> Result<Cluster, String> {
        let bin = find_bin().ok_or("no PostgreSQL server binaries (set MIGLINT_PG_BIN or install postgresql)")?;
        let run_as = is_root().then(|| "postgres".to_string());
        let dir = std::env::temp_dir().join(format!("miglint-pg-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(dir.join("tablespace")).map_err(|e| e.to_string())?;
        let cluster = Cluster { bin, dir, run_as };
        if let Some(user) = &cluster.run_as {
            let status = Command::new("chown")
                .arg("-R")
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
        // No autovacuum: its locks and scans would mix with the statement's.
        // Not UTC: timestamp to timestamptz then rewrites, as miglint assumes
        // without knowing the session's TimeZone.
        let options = format!(
            "-k {} -c listen_addresses= -c fsync=off -c full_page_writes=off -c synchronous_commit=off \
             -c autovacuum=off -c max_connections=30 -c timezone=America/New_York",
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

    /// A server program (initdb, pg_ctl), run as the `postgres` OS user when
    /// the tests run as root.
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

    /// A libpq connection string for the cluster's unix socket.
    pub(crate) fn url(&self) -> String {
        format!("host={} user=postgres dbname=postgres", path_str(&self.dir))
    }

    /// A folder the server may use as a tablespace.
    pub(crate) fn tablespace_dir(&self) -> PathBuf {
        self.dir.join("tablespace")
    }

    /// psql on database `db` as the `postgres` role, over the socket (the
    /// client needs no OS user switch: the cluster trusts local connections),
    /// unaligned, tab-separated, tuples only, stopping at the first error.
    /// The session is named `app` in `pg_stat_activity`.
    fn psql_command(&self, db: &str, app: &str) -> Command {
        let mut cmd = Command::new(self.bin.join("psql"));
        cmd.args(["-h", path_str(&self.dir), "-U", "postgres", "-d", db])
            .args(["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"])
            .env("PGAPPNAME", app)
            .env_remove("PGOPTIONS")
            .current_dir(&self.dir);
        cmd
    }

    /// Runs SQL through psql on the `postgres` database and returns its
    /// unaligned, tuples-only output.
    pub(crate) fn psql(&self, sql: &str) -> Result<String, String> {
        self.psql_in("postgres", sql)
    }

    /// Runs one SQL string (`-c`: one implicit transaction) on `db`.
    pub(crate) fn psql_in(&self, db: &str, sql: &str) -> Result<String, String> {
        let output = self
            .psql_command(db, "miglint-test")
            .args(["-c", sql])
            .output()
            .map_err(|e| format!("psql: {e}"))?;
        psql_result(output)
    }

    /// Runs a script on `db`, statement by statement as psql reads it.
    pub(crate) fn script(&self, db: &str, script: &str) -> Result<String, String> {
        let mut child = self.spawn(db, "miglint-test", script)?;
        let output = child.wait_output(Duration::from_secs(60))?;
        psql_result(output)
    }

    /// Starts a psql session running `script`; the session is stopped (and
    /// waited for) when the returned handle is dropped.
    pub(crate) fn spawn(&self, db: &str, app: &str, script: &str) -> Result<Session, String> {
        let mut child = self
            .psql_command(db, app)
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("psql: {e}"))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        // A thread feeds the script so that a long script cannot block us.
        let script = script.to_string();
        std::thread::spawn(move || {
            let _ = stdin.write_all(script.as_bytes());
        });
        Ok(Session { child: Some(child) })
    }
}

fn psql_result(output: Output) -> Result<String, String> {
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// A psql process of ours: killed and reaped on drop.
pub(crate) struct Session {
    child: Option<Child>,
}

impl Session {
    /// Whether the process has ended.
    pub(crate) fn finished(&mut self) -> bool {
        self.child
            .as_mut()
            .is_none_or(|c| c.try_wait().map(|s| s.is_some()).unwrap_or(true))
    }

    /// Waits for the process to end, at most `limit`, and returns its output.
    pub(crate) fn wait_output(&mut self, limit: Duration) -> Result<Output, String> {
        let deadline = Instant::now() + limit;
        while !self.finished() {
            if Instant::now() > deadline {
                return Err(format!("psql still running after {limit:?}"));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let child = self.child.take().expect("a process");
        child.wait_with_output().map_err(|e| format!("psql: {e}"))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
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

pub(crate) fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A cluster of the test's own, stopped and removed when the test ends; None
/// (after printing why) when there is no server and this is not CI.
pub(crate) fn cluster() -> Option<Cluster> {
    match Cluster::start() {
        Ok(cluster) => Some(cluster),
        Err(why) if in_ci() => panic!("CI=true: the PostgreSQL truth tests cannot be skipped: {why}"),
        Err(why) => {
            eprintln!("skipping PostgreSQL truth tests: {why}");
            None
        }
    }
}
