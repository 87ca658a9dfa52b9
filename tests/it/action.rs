//! The GitHub Action without GitHub: the step of `action.yml` that runs
//! miglint, run as the runner runs it (its `run` line under bash, its `env`
//! with `${{ inputs.* }}` filled in from the inputs and their defaults) in a
//! temporary git repository whose head commit adds migrations to a base one.
//! Unix only: the runner's shell is bash.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

use crate::common::{git, repo_root, tools_available};

/// The base commit: a golang-migrate history, all of it safe.
const BASE: &[(&str, &str)] = &[
    (
        "db/migrations/000001_create_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    ),
    ("db/migrations/000001_create_users.down.sql", "DROP TABLE users;\n"),
    (
        "db/migrations/000002_create_orders.up.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);\n",
    ),
    ("db/migrations/000002_create_orders.down.sql", "DROP TABLE orders;\n"),
];

pub(crate) const DANGEROUS_PATH: &str = "db/migrations/000003_index_users.up.sql";
/// The pull request: one dangerous migration (an index build that blocks
/// writes to an existing table, a required column without a default), and
/// one safe one.
const HEAD: &[(&str, &str)] = &[
    (
        DANGEROUS_PATH,
        "SET lock_timeout = '5s';\nCREATE INDEX users_email_idx ON users (email);\nALTER TABLE orders ADD COLUMN status text NOT NULL;\n",
    ),
    (
        "db/migrations/000004_create_audit.up.sql",
        "CREATE TABLE audit (id bigint PRIMARY KEY, note text);\n",
    ),
];

fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The pull request's repository, and its base commit.
pub(crate) fn pull_request() -> (TempDir, String) {
    let repo = tempfile::tempdir().expect("temporary folder");
    git(repo.path(), &["-c", "init.defaultBranch=main", "init", "-q"]);
    git(repo.path(), &["config", "user.name", "miglint tests"]);
    git(repo.path(), &["config", "user.email", "tests@miglint.invalid"]);
    write_files(repo.path(), BASE);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    let base = git(repo.path(), &["rev-parse", "HEAD"]);
    write_files(repo.path(), HEAD);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "pull request"]);
    (repo, base)
}

fn action() -> Value {
    let path = repo_root().join("action.yml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("action.yml: {e}"))
}

/// The composite step with this id.
fn step<'a>(action: &'a Value, id: &str) -> &'a Value {
    action["runs"]["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["id"] == id))
        .unwrap_or_else(|| panic!("action.yml has no step `{id}`"))
}

/// What the runner would put in the step's environment: `${{ inputs.NAME }}`
/// becomes the input's value (given, else its default); the rest is left to
/// `others`, keyed by the whole expression.
fn step_env(
    action: &Value,
    step: &Value,
    inputs: &BTreeMap<&str, String>,
    others: &BTreeMap<&str, String>,
) -> BTreeMap<String, String> {
    let env = step["env"].as_object().expect("the step has an env");
    env.iter()
        .map(|(name, value)| {
            let value = value.as_str().unwrap_or_default();
            let resolved = match value.strip_prefix("${{ inputs.").and_then(|v| v.strip_suffix(" }}")) {
                Some(input) => inputs.get(input).cloned().unwrap_or_else(|| {
                    let default = &action["inputs"][input]["default"];
                    assert!(!default.is_null(), "{name}: action.yml has no input `{input}`");
                    default.as_str().unwrap_or_default().to_string()
                }),
                None => others
                    .iter()
                    .find_map(|(expression, v)| value.contains(expression).then(|| value.replace(expression, v)))
                    .unwrap_or_else(|| panic!("{name}: the test cannot resolve `{value}`")),
            };
            (name.clone(), resolved)
        })
        .collect()
}

struct Run {
    output: Output,
    summary: String,
    github_output: String,
}

/// Runs the action's `check` step in `repo` with `inputs`.
fn run_action(repo: &Path, inputs: &[(&str, &str)]) -> Run {
    let action = action();
    let check = step(&action, "check");
    let inputs: BTreeMap<&str, String> = inputs.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_miglint"));
    // `cargo install --root R` puts the binary in R/bin: a link stands in for it.
    let root = repo.join(".runner/miglint-root");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    let linked = root.join("bin/miglint");
    if !linked.exists() {
        std::os::unix::fs::symlink(&binary, &linked).expect("a link to the miglint binary");
    }
    let others = BTreeMap::from([("${{ steps.source.outputs.root }}", root.to_string_lossy().to_string())]);
    let env = step_env(&action, check, &inputs, &others);

    let runner = repo.join(".runner");
    let summary_path = runner.join("step_summary.md");
    let output_path = runner.join("github_output");
    let run = check["run"].as_str().expect("the step has a run line");
    let mut command = Command::new("bash");
    command
        .arg("-e")
        .arg("-c")
        .arg(run)
        .current_dir(repo)
        .env("GITHUB_ACTION_PATH", repo_root())
        .env("GITHUB_STEP_SUMMARY", &summary_path)
        .env("GITHUB_OUTPUT", &output_path)
        .env("GITHUB_ACTIONS", "true")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("NO_COLOR");
    for (name, _) in std::env::vars() {
        if name.starts_with("INPUT_") {
            command.env_remove(name);
        }
    }
    command.envs(&env);
    let output = command.output().expect("bash runs");
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    Run {
        output,
        summary: read(&summary_path),
        github_output: read(&output_path),
    }
}

/// (command, file, line) of each workflow command miglint printed.
fn annotations(stdout: &str) -> Vec<(String, String, usize)> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("::")?;
            let (command, rest) = rest.split_once(' ')?;
            let (properties, _) = rest.split_once("::")?;
            let property = |key: &str| {
                properties
                    .split(',')
                    .find_map(|p| p.strip_prefix(key)?.strip_prefix('='))
                    .unwrap_or_default()
                    .to_string()
            };
            Some((command.to_string(), property("file"), property("line").parse().ok()?))
        })
        .collect()
}

#[test]
fn the_action_annotates_only_the_new_dangerous_migration_and_summarises_the_change() {
    if !tools_available(&["bash", "git"]) {
        return;
    }
    let (repo, base) = pull_request();
    let run = run_action(repo.path(), &[("since", &base), ("sarif-file", "miglint.sarif")]);
    let stdout = String::from_utf8_lossy(&run.output.stdout);
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert_eq!(
        run.output.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );

    let found = annotations(&stdout);
    assert_eq!(
        found,
        [
            ("error".to_string(), DANGEROUS_PATH.to_string(), 2),
            ("error".to_string(), DANGEROUS_PATH.to_string(), 3),
        ],
        "annotations only on the dangerous lines of the new migration:\n{stdout}"
    );
    assert!(stdout.contains("title=miglint require-concurrent-index::"), "{stdout}");
    assert!(stdout.contains("title=miglint adding-required-column::"), "{stdout}");

    let summary = &run.summary;
    assert!(summary.starts_with("## miglint: ❌ blocked\n"), "{summary}");
    assert!(summary.contains("### Findings"), "{summary}");
    for line in [2, 3] {
        assert!(
            summary.contains(&format!("| `{DANGEROUS_PATH}:{line}` |")),
            "no finding row for line {line}:\n{summary}"
        );
    }
    assert!(summary.contains("### What the migrations lock"), "{summary}");
    assert!(summary.contains(&format!("#### `{DANGEROUS_PATH}`")), "{summary}");
    assert!(
        summary.contains("| `CREATE INDEX users_email_idx ON users (email)` | SHARE on users (blocks writes) |"),
        "{summary}"
    );
    assert!(
        summary.contains("#### `db/migrations/000004_create_audit.up.sql`"),
        "{summary}"
    );
    assert!(
        !summary.contains("000001_") && !summary.contains("000002_"),
        "history is not summarised:\n{summary}"
    );

    assert_eq!(run.github_output, "errors=2\nwarnings=0\nsarif-file=miglint.sarif\n");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("miglint.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().map(Vec::len), Some(2));
}

#[test]
fn the_action_checks_everything_outside_a_pull_request() {
    if !tools_available(&["bash", "git"]) {
        return;
    }
    let (repo, _) = pull_request();
    // `since` defaults to the pull request's base commit: empty on a push.
    let run = run_action(repo.path(), &[("since", "")]);
    let stdout = String::from_utf8_lossy(&run.output.stdout);
    assert_eq!(run.output.status.code(), Some(1), "{stdout}");
    assert!(
        run.summary.contains("#### `db/migrations/000001_create_users.up.sql`"),
        "every migration is checked:\n{}",
        run.summary
    );
    assert!(run.github_output.starts_with("errors="), "{}", run.github_output);
}

#[test]
fn the_action_explains_a_base_commit_missing_from_a_shallow_checkout() {
    if !tools_available(&["bash", "git"]) {
        return;
    }
    let (repo, _) = pull_request();
    let run = run_action(repo.path(), &[("since", "0123456789abcdef0123456789abcdef01234567")]);
    let stdout = String::from_utf8_lossy(&run.output.stdout);
    assert_eq!(run.output.status.code(), Some(2), "{stdout}");
    assert!(stdout.starts_with("::error title=miglint::"), "{stdout}");
    assert!(stdout.contains("fetch-depth: 0"), "{stdout}");
}

#[test]
fn the_action_declares_the_inputs_and_outputs_it_passes_on() {
    let action = action();
    let inputs = action["inputs"].as_object().expect("inputs");
    let names: Vec<&str> = inputs.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "paths",
            "config",
            "fail-on",
            "since",
            "pg-version",
            "sarif-file",
            "version",
            "comment",
            "github-token"
        ]
    );
    assert_eq!(inputs["paths"]["default"], ".");
    assert_eq!(inputs["fail-on"]["default"], "error");
    assert_eq!(inputs["since"]["default"], "${{ github.event.pull_request.base.sha }}");
    // The comment needs `pull-requests: write`: off unless asked for.
    assert_eq!(inputs["comment"]["default"], "false");
    assert_eq!(inputs["github-token"]["default"], "${{ github.token }}");
    let outputs: Vec<&str> = action["outputs"]
        .as_object()
        .expect("outputs")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(outputs, ["errors", "warnings", "sarif-file"]);
    for output in outputs {
        assert_eq!(
            action["outputs"][output]["value"],
            format!("${{{{ steps.check.outputs.{output} }}}}")
        );
    }

    // Every INPUT_ variable run.sh reads is set by the step, and the other way round.
    let script = std::fs::read_to_string(repo_root().join("action/run.sh")).unwrap();
    let read_by_script: std::collections::BTreeSet<String> = regex::Regex::new(r"INPUT_[A-Z_]+")
        .unwrap()
        .find_iter(&script)
        .map(|m| m.as_str().to_string())
        .collect();
    let set_by_step: std::collections::BTreeSet<String> = step(&action, "check")["env"]
        .as_object()
        .expect("env")
        .keys()
        .filter(|k| k.starts_with("INPUT_"))
        .cloned()
        .collect();
    assert_eq!(read_by_script, set_by_step);

    // The binary is cached by OS, architecture and the version downloaded or the source built
    // (action/locate.sh writes the key), and saved before the lint: a failing lint keeps it.
    let cache = step(&action, "cache");
    assert!(cache["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with("actions/cache/restore@")));
    let locate = std::fs::read_to_string(repo_root().join("action/locate.sh")).unwrap();
    for part in ["ACTION_REF", "Cargo.lock", "RUNNER_OS", "RUNNER_ARCH"] {
        assert!(locate.contains(part), "the cache key leaves out {part}");
    }
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let save = steps
        .iter()
        .position(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("actions/cache/save@")))
        .expect("a step saving the cache");
    let check = steps.iter().position(|s| s["id"] == "check").expect("the check step");
    let comment = steps
        .iter()
        .position(|s| s["id"] == "comment")
        .expect("the comment step");
    assert!(save < check && check < comment, "save, then lint, then comment");
    // The comment runs whatever the lint's verdict, and only when asked for.
    let condition = steps[comment]["if"].as_str().unwrap_or_default();
    assert!(
        condition.contains("!cancelled()") && condition.contains("inputs.comment == 'true'"),
        "{condition}"
    );
}
