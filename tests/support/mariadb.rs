//! A throwaway MariaDB server for tests: `mariadb-install-db` into a temp
//! dir, unix socket only, the server run as the `mysql` OS user when the
//! tests run as root. The binaries come from `MIGLINT_MARIADB_BIN` (one
//! folder holding the server, `mariadb-install-db` and the client), else
//! `/usr/sbin` and `/usr/bin`. Without them `mariadb()` prints why and
//! returns None, except under `CI=true`, where it fails.
//!
//! Each call starts a server of its own (measured: about 0.5 s to install
//! the system tables and 0.15 s to start), stopped and removed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::env::in_ci;

/// A running throwaway server, stopped and removed on drop.
pub(crate) struct Mariadb {
    server: PathBuf,
    client: PathBuf,
    dir: PathBuf,
    run_as: Option<String>,
    child: Option<Child>,
}

/// An error the client reported: the server's error code (0 when the
/// client failed before the server answered) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MariadbError {
    pub code: u32,
    pub message: String,
}

impl std::fmt::Display for MariadbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ERROR {}: {}", self.code, self.message)
    }
}

/// The server, `mariadb-install-db` and the client, or why not.
struct Binaries {
    server: PathBuf,
    install_db: PathBuf,
    client: PathBuf,
}

fn find_binaries() -> Result<Binaries, String> {
    let folders: Vec<PathBuf> = match std::env::var_os("MIGLINT_MARIADB_BIN") {
        Some(dir) => vec![PathBuf::from(dir)],
        None => vec![PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")],
    };
    let find = |name: &str| {
        folders
            .iter()
            .map(|f| f.join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "no `{name}` in {} (set MIGLINT_MARIADB_BIN or install mariadb-server and mariadb-client: \
                     scripts/bootstrap --with-mariadb)",
                    folders
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" or ")
                )
            })
    };
    Ok(Binaries {
        server: find("mariadbd")?,
        install_db: find("mariadb-install-db")?,
        client: find("mariadb")?,
    })
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() == 0 }
}

impl Mariadb {
    /// Starts a server, or returns why it cannot.
    pub(crate) fn start() -> Result<Mariadb, String> {
        let binaries = find_binaries()?;
        let run_as = is_root().then(|| "mysql".to_string());
        // Short: a unix socket's path has a limit of about 100 bytes.
        let dir = std::env::temp_dir().join(format!("miglint-mdb-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut server = Mariadb {
            server: binaries.server,
            client: binaries.client,
            dir,
            run_as,
            child: None,
        };
        if let Some(user) = &server.run_as {
            let status = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(&server.dir)
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !status.success() {
                return Err(format!("cannot chown {} to {user}", server.dir.display()));
            }
        }
        let data = server.dir.join("data");
        let mut install = server.as_user(&binaries.install_db);
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", path_str(&data)))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .args(server_options());
        // The script finds the server beside itself, or in its --basedir.
        if let Some(basedir) = server.server.parent().and_then(Path::parent) {
            install.arg(format!("--basedir={}", path_str(basedir)));
        }
        let output = install
            .current_dir(&server.dir)
            .output()
            .map_err(|e| format!("mariadb-install-db: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "mariadb-install-db failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let log = server.dir.join("error.log");
        let child = server
            .as_user(&server.server)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", path_str(&data)))
            .arg(format!("--socket={}", path_str(&server.socket())))
            .arg(format!("--pid-file={}", path_str(&server.dir.join("mariadbd.pid"))))
            .arg(format!("--log-error={}", path_str(&log)))
            .arg(format!("--tmpdir={}", path_str(&server.dir)))
            .arg("--skip-networking")
            .args(server_options())
            .current_dir(&server.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("mariadbd: {e}"))?;
        server.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if server.socket().exists() && server.query("SELECT 1").is_ok() {
                return Ok(server);
            }
            let exited = server
                .child
                .as_mut()
                .is_none_or(|c| c.try_wait().map(|s| s.is_some()).unwrap_or(true));
            if exited || Instant::now() > deadline {
                let why = if exited { "exited" } else { "did not answer within 60 s" };
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!("mariadbd {why}; its error log:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A server program, run as the `mysql` OS user when the tests run as root.
    fn as_user(&self, program: &Path) -> Command {
        match &self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.arg("-u").arg(user).arg("--").arg(program);
                cmd
            }
            None => Command::new(program),
        }
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("sock")
    }

    /// The server's version, such as `10.11.19-MariaDB-0+deb12u1`.
    pub(crate) fn version(&self) -> String {
        self.query("SELECT VERSION()")
            .unwrap_or_else(|e| panic!("SELECT VERSION(): {e}"))
            .trim()
            .to_string()
    }

    /// A new database of a name no other call returned.
    pub(crate) fn database(&self) -> String {
        let name = format!("miglint_{}", unique());
        self.query(&format!("CREATE DATABASE `{name}`"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        name
    }

    /// Runs `sql` on database `db` through the `mariadb` client (which
    /// splits it at `;` and understands `DELIMITER`), as root over the
    /// socket, stopping at the first error: the rows of its results, tab
    /// separated, without column names.
    pub(crate) fn run(&self, db: &str, sql: &str) -> Result<String, MariadbError> {
        self.client(Some(db), sql, &[])
    }

    /// A query on no database.
    fn query(&self, sql: &str) -> Result<String, MariadbError> {
        self.client(None, sql, &[])
    }

    /// The client on `db` with `sql` on its standard input, more options
    /// in `extra`.
    fn client(&self, db: Option<&str>, sql: &str, extra: &[&str]) -> Result<String, MariadbError> {
        let mut cmd = Command::new(&self.client);
        cmd.arg("--no-defaults")
            .arg(format!("--socket={}", path_str(&self.socket())))
            .args([
                "--user=root",
                "--batch",
                "--skip-column-names",
                "--default-character-set=utf8mb4",
            ])
            .args(extra);
        if let Some(db) = db {
            cmd.arg(format!("--database={db}"));
        }
        let output = feed(cmd, sql).map_err(|e| MariadbError { code: 0, message: e })?;
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
        }
        Err(client_error(&String::from_utf8_lossy(&output.stderr)))
    }
}

/// Options for both the bootstrap and the server: small, fast, not durable.
fn server_options() -> [&'static str; 9] {
    [
        "--innodb-buffer-pool-size=32M",
        "--innodb-log-file-size=8M",
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0",
        "--skip-log-bin",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_general_ci",
        "--max-connections=40",
        "--skip-name-resolve",
    ]
}

/// Runs a command with `input` on its standard input (fed by a thread, so
/// a large script cannot block on a full pipe), with a deadline.
fn feed(mut cmd: Command, input: &str) -> Result<Output, String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("mariadb: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("mariadb: no stdin")?;
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().map_err(|e| format!("mariadb: {e}"))?;
    let _ = writer.join();
    Ok(output)
}

/// `ERROR 1064 (42000) at line 1: You have an error ...` (or without the
/// SQLSTATE, or without `at line`), as the client prints it.
fn client_error(stderr: &str) -> MariadbError {
    let Some(line) = stderr.lines().find(|l| l.starts_with("ERROR ")) else {
        return MariadbError {
            code: 0,
            message: stderr.trim().to_string(),
        };
    };
    let rest = &line["ERROR ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let code = digits.parse().unwrap_or(0);
    let message = match rest.split_once(": ") {
        Some((_, message)) => message,
        None => rest,
    };
    // The message goes on over the lines after the first.
    let at = stderr.find(line).unwrap_or(0) + line.len();
    let more = stderr[at..].trim_end();
    MariadbError {
        code,
        message: format!("{message}{more}"),
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        // runuser waits for the server as its child: kill the server itself
        // (its pid file), then runuser, and reap it.
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("mariadbd.pid")) {
            if let Ok(pid) = pid.trim().parse::<libc::pid_t>() {
                // SAFETY: sends a signal; the pid is the server's own (its pid
                // file, in a folder of ours).
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
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

/// A server of the test's own, stopped and removed when the test ends; None
/// (after printing why) when there is no server and this is not CI.
pub(crate) fn mariadb() -> Option<Mariadb> {
    match Mariadb::start() {
        Ok(server) => Some(server),
        Err(why) if in_ci() => panic!("CI=true: the MariaDB tests cannot be skipped: {why}"),
        Err(why) => {
            eprintln!("skipping MariaDB tests: {why}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_read_with_their_code() {
        let error = client_error(
            "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax; check the manual near 'x' at line 1\n",
        );
        assert_eq!(error.code, 1064);
        assert!(error.message.starts_with("You have an error"), "{}", error.message);
        let error = client_error("ERROR 2002 (HY000): Can't connect\n");
        assert_eq!((error.code, error.message.as_str()), (2002, "Can't connect"));
        assert_eq!(client_error("oops").code, 0);
    }
}
