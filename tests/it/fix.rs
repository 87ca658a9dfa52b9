//! `check --fix` and `check --diff` on the real binary: files rewritten in
//! their own line endings, a patch printed and nothing written, a file that
//! needs no fix left untouched, standard input refused, and a symbolic
//! link never written through.

use predicates::prelude::*;

use tempfile::TempDir;

use crate::cli::miglint;

/// `cli::project` with a `miglint.toml` of its own, so that no config
/// above the temporary folder applies.
fn project(files: &[(&str, &[u8])]) -> TempDir {
    let mut files = files.to_vec();
    files.push(("miglint.toml", b""));
    crate::cli::project(&files)
}

const SQLX_TOML: &[u8] = b"[dependencies]\nsqlx = \"0.8\"\n";
const INDEX: &str = "migrations/20240101000000_index.sql";

#[test]
fn fix_rewrites_the_file_and_a_second_fix_changes_nothing() {
    let dir = project(&[
        ("Cargo.toml", SQLX_TOML),
        (INDEX, b"CREATE INDEX users_email ON users (email);\n"),
    ]);
    miglint(dir.path(), &["check", "--fix", INDEX])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("miglint: applied 1 fix to 1 file"));
    let fixed = std::fs::read_to_string(dir.path().join(INDEX)).unwrap();
    assert_eq!(
        fixed,
        "-- no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n"
    );
    let modified = std::fs::metadata(dir.path().join(INDEX)).unwrap().modified().unwrap();
    miglint(dir.path(), &["check", "--fix", INDEX])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("applied").not());
    assert_eq!(std::fs::read_to_string(dir.path().join(INDEX)).unwrap(), fixed);
    assert_eq!(
        std::fs::metadata(dir.path().join(INDEX)).unwrap().modified().unwrap(),
        modified,
        "a file with nothing to fix is not written"
    );
}

#[test]
fn fix_keeps_crlf_line_endings_and_reports_what_is_left() {
    let dir = project(&[(
        "db/001.sql",
        b"ALTER TABLE users ALTER COLUMN a TYPE bigint;\r\nCREATE INDEX i ON users (a);\r\n",
    )]);
    // The type change still blocks: exit 1, the report printed as `check` prints it.
    miglint(dir.path(), &["check", "--fix", "db/001.sql"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("changing-column-type"))
        .stdout(predicate::str::contains("require-concurrent-index").not());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("db/001.sql")).unwrap(),
        "SET lock_timeout = '5s';\r\nALTER TABLE users ALTER COLUMN a TYPE bigint;\r\nCREATE INDEX CONCURRENTLY i ON users (a);\r\n"
    );
}

#[test]
fn diff_prints_the_patch_and_writes_nothing() {
    let original = b"DROP INDEX users_email;\n";
    let dir = project(&[("db/001.sql", original)]);
    miglint(dir.path(), &["check", "--diff", "db/001.sql"])
        .assert()
        .code(0)
        .stdout(predicate::eq(
            "--- a/db/001.sql\n+++ b/db/001.sql\n@@ -1 +1 @@\n-DROP INDEX users_email;\n+DROP INDEX CONCURRENTLY users_email;\n",
        ));
    assert_eq!(std::fs::read(dir.path().join("db/001.sql")).unwrap(), original);
    // The exit code is the fixed text's: what cannot be fixed still blocks.
    let dir = project(&[("db/001.sql", b"DROP TABLE users;\nDROP INDEX i;\n")]);
    miglint(dir.path(), &["check", "--diff", "db/001.sql"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("+DROP INDEX CONCURRENTLY i;"));
}

#[test]
fn a_file_with_nothing_to_fix_is_left_untouched() {
    let dir = project(&[("db/001.sql", b"CREATE INDEX CONCURRENTLY i ON users (a);\n")]);
    let path = dir.path().join("db/001.sql");
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    miglint(dir.path(), &["check", "--fix", "db/001.sql"])
        .assert()
        .code(0)
        .stderr(predicate::str::is_empty());
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), before);
    miglint(dir.path(), &["check", "--diff", "db/001.sql"])
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());
}

#[test]
fn standard_input_is_refused() {
    let dir = project(&[]);
    for flag in ["--fix", "--diff"] {
        miglint(dir.path(), &["check", flag, "-"])
            .write_stdin("CREATE INDEX i ON users (a);\n")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("works on files, not standard input"));
    }
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_not_written_through() {
    let dir = project(&[("outside/real.sql", b"CREATE INDEX i ON users (a);\n")]);
    std::fs::create_dir_all(dir.path().join("db")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside/real.sql"), dir.path().join("db/001.sql")).unwrap();
    miglint(dir.path(), &["check", "--fix", "db/001.sql"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a regular file"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("outside/real.sql")).unwrap(),
        "CREATE INDEX i ON users (a);\n"
    );
}

#[test]
fn fix_adds_the_next_migration_for_a_runner_that_wraps_each_file() {
    let check = "migrations/20240101000000_check.sql";
    let dir = project(&[
        ("Cargo.toml", SQLX_TOML),
        (
            check,
            b"SET LOCAL lock_timeout = '5s';\r\nALTER TABLE users ADD CONSTRAINT users_age CHECK (age >= 0);\r\n",
        ),
    ]);
    miglint(dir.path(), &["check", "--diff", check])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "--- /dev/null\n+++ b/migrations/20240101000001_validate_users_age.sql\n",
        ));
    assert!(!dir
        .path()
        .join("migrations/20240101000001_validate_users_age.sql")
        .exists());
    miglint(dir.path(), &["check", "--fix", check])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("applied 1 fix to 2 files"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(check)).unwrap(),
        "SET LOCAL lock_timeout = '5s';\r\nALTER TABLE users ADD CONSTRAINT users_age CHECK (age >= 0) NOT VALID;\r\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("migrations/20240101000001_validate_users_age.sql")).unwrap(),
        "ALTER TABLE users VALIDATE CONSTRAINT users_age;\r\n"
    );
    // Both migrations together are clean for the rule, and fixing again changes nothing.
    miglint(dir.path(), &["check", "--fix", "migrations"])
        .assert()
        .stdout(predicate::str::contains("constraint-missing-not-valid").not())
        .stderr(predicate::str::contains("applied").not());
}

#[test]
fn json_carries_each_fix_as_the_schema_describes_it() {
    let check = "migrations/20240101000000_check.sql";
    let dir = project(&[
        ("Cargo.toml", SQLX_TOML),
        ("db/001.sql", b"CREATE INDEX i ON users (a);\n"),
        (
            check,
            b"SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD CONSTRAINT users_age CHECK (age >= 0);\n",
        ),
    ]);
    let output = miglint(dir.path(), &["check", "--format", "json", "db/001.sql", check])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let validator = crate::cli::validator(&crate::common::repo_root().join("schema/miglint-report.schema.json"));
    crate::cli::assert_valid(&validator, &report, "the JSON report");
    let fixes: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.get("fix"))
        .collect();
    let index = fixes
        .iter()
        .find(|f| f["title"] == "build the index with CONCURRENTLY")
        .expect("the index build's fix");
    assert_eq!(index["applicability"], "safe");
    // The sqlx runner's marker at the top, then the keyword after INDEX.
    assert_eq!(index["edits"][0]["text"], "-- no-transaction\n");
    assert_eq!(index["edits"][1]["text"], " CONCURRENTLY");
    assert_eq!(index["edits"][1]["span"]["start"]["offset"], 12);
    let split = fixes
        .iter()
        .find(|f| !f["new_file"].is_null())
        .expect("the NOT VALID split's new file");
    assert_eq!(split["new_file"]["name"], "20240101000001_validate_users_age.sql");
}

#[test]
fn fix_adds_diesel_metadata_beside_up_sql_and_touches_nothing_else() {
    let folder = "migrations/2024-01-01-000000_index";
    let up = "migrations/2024-01-01-000000_index/up.sql";
    let cargo: &[u8] = b"[dependencies]\ndiesel = \"2\"\n";
    let down: &[u8] = b"DROP INDEX users_email;\n";
    let dir = project(&[
        ("Cargo.toml", cargo),
        (up, b"CREATE INDEX users_email ON users (email);\n"),
        ("migrations/2024-01-01-000000_index/down.sql", down),
    ]);
    // --diff shows the new file and writes nothing; it exits 0, as the fixed
    // files (the metadata.toml read before it is written) lint clean.
    miglint(dir.path(), &["check", "--diff", up])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "--- /dev/null\n+++ b/migrations/2024-01-01-000000_index/metadata.toml\n@@ -0,0 +1 @@\n+run_in_transaction = false\n",
        ));
    assert!(!dir.path().join(folder).join("metadata.toml").exists());
    miglint(dir.path(), &["check", "--fix", up])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("applied 1 fix to 2 files"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(up)).unwrap(),
        "CREATE INDEX CONCURRENTLY users_email ON users (email);\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(folder).join("metadata.toml")).unwrap(),
        "run_in_transaction = false\n"
    );
    // Nothing else is touched or added.
    assert_eq!(
        std::fs::read(dir.path().join("migrations/2024-01-01-000000_index/down.sql")).unwrap(),
        down
    );
    assert_eq!(std::fs::read(dir.path().join("Cargo.toml")).unwrap(), cargo);
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join(folder))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["down.sql", "metadata.toml", "up.sql"]);
    // Discovery now runs the migration outside a transaction: clean, and
    // fixing again changes nothing.
    miglint(dir.path(), &["check", "--fix", up])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("concurrently-in-transaction").not())
        .stdout(predicate::str::contains("require-concurrent-index").not())
        .stderr(predicate::str::contains("applied").not());
    // A metadata.toml that exists is not edited: no fix, and the help says where to opt out.
    std::fs::write(dir.path().join(up), "CREATE INDEX users_name ON users (name);\n").unwrap();
    std::fs::write(
        dir.path().join(folder).join("metadata.toml"),
        "run_in_transaction = true\n",
    )
    .unwrap();
    miglint(dir.path(), &["check", "--fix", up])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("set `run_in_transaction = false` in"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(folder).join("metadata.toml")).unwrap(),
        "run_in_transaction = true\n"
    );
    assert!(std::fs::read_to_string(dir.path().join(up))
        .unwrap()
        .contains("CREATE INDEX users_name"));
}
