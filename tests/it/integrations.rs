//! The integration examples: the README shows the example files as they are,
//! the GitLab job's command writes the report its artifact names, and the
//! pre-commit hook is declared as pre-commit needs it. (`.ci/integrations`
//! runs actionlint on the workflow and the real pre-commit on the hook.)

use std::path::Path;

use serde_json::Value;

use crate::common::repo_root;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(path: &str) -> Value {
    serde_yaml_ng::from_str(&read(&repo_root().join(path))).unwrap_or_else(|e| panic!("{path}: not valid YAML: {e}"))
}

/// Each `<!-- example: PATH -->` of the README with the fenced block after it.
fn readme_examples() -> Vec<(String, String)> {
    let readme = read(&repo_root().join("README.md"));
    let mut examples = Vec::new();
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- example: ") {
        rest = &rest[at + "<!-- example: ".len()..];
        let (path, after) = rest.split_once(" -->").expect("a closed example marker");
        let block = after
            .trim_start_matches('\n')
            .strip_prefix("```")
            .and_then(|b| b.split_once('\n'))
            .map(|(_, body)| body)
            .unwrap_or_else(|| panic!("README: no fenced block right after the marker of {path}"));
        let (body, _) = block
            .split_once("\n```\n")
            .unwrap_or_else(|| panic!("README: the block of {path} is not closed"));
        examples.push((path.to_string(), format!("{body}\n")));
        rest = after;
    }
    examples
}

#[test]
fn the_readme_shows_each_integration_example_as_it_is() {
    let examples = readme_examples();
    let paths: Vec<&str> = examples.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "examples/install-release.sh",
            "examples/github-workflow.yml",
            "examples/pre-commit-config.yaml",
            "examples/gitlab-ci.yml"
        ]
    );
    for (path, shown) in &examples {
        assert_eq!(
            shown,
            &read(&repo_root().join(path)),
            "README's copy of {path} differs from the file"
        );
    }
}

#[test]
fn the_example_workflow_runs_the_action_after_a_full_checkout_and_uploads_sarif() {
    let workflow = yaml("examples/github-workflow.yml");
    let steps = workflow["jobs"]["miglint"]["steps"].as_array().expect("steps");
    let uses = |prefix: &str| {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no step uses {prefix}"))
    };
    assert_eq!(uses("actions/checkout@")["with"]["fetch-depth"], 0);
    let miglint = uses("miglint/miglint@");
    let upload = uses("github/codeql-action/upload-sarif@");
    assert_eq!(
        upload["with"]["sarif_file"],
        format!(
            "${{{{ steps.{}.outputs.sarif-file }}}}",
            miglint["id"].as_str().unwrap_or_default()
        )
    );
    assert!(
        upload["if"].as_str().is_some_and(|c| c.contains("!cancelled()")),
        "the upload must run when miglint fails the job"
    );
    assert_eq!(workflow["permissions"]["security-events"], "write");
    // A push to the default branch saves the action's cache, which pull requests restore.
    assert_eq!(workflow["on"]["push"]["branches"], serde_json::json!(["main"]));
}

#[test]
fn the_pre_commit_hooks_judge_what_differs_from_head_whatever_files_they_are_given() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let mirror = yaml("packaging/pre-commit-mirror/.pre-commit-hooks.yaml");
    let (source, system, wheel) = (&hooks[0], &hooks[1], &mirror[0]);
    assert_eq!(source["id"], "miglint");
    // pre-commit's `language: rust` cannot pass --locked: a script builds with it.
    assert_eq!(source["language"], "script");
    assert_eq!(source["entry"], "scripts/pre-commit-from-source check --since HEAD");
    let script = std::fs::read_to_string("scripts/pre-commit-from-source").expect("the script");
    assert!(script.contains("cargo install --locked"));
    assert_eq!(system["id"], "miglint-system");
    assert_eq!(system["language"], "system");
    assert_eq!(
        wheel["id"], "miglint",
        "the mirror's hook keeps the id: switching is a URL"
    );
    assert_eq!(wheel["language"], "python");
    for hook in [system, wheel] {
        assert_eq!(hook["entry"], "miglint check --since HEAD");
    }
    for hook in [source, system, wheel] {
        assert_eq!(hook["args"], serde_json::json!(["."]));
        // The change is what git says, not the files pre-commit passes: a
        // commit and `--all-files` must agree.
        assert_eq!(hook["pass_filenames"], false);
        assert_eq!(hook["require_serial"], true);
        assert_eq!(hook["files"], source["files"]);
    }
    let files = regex::Regex::new(source["files"].as_str().expect("files")).expect("a valid pattern");
    assert!(files.is_match("db/migrations/0001_x.sql"));
    assert!(!files.is_match("db/migrations/0001_x.sql.conf"));

    let config = yaml("examples/pre-commit-config.yaml");
    assert_eq!(
        config["repos"][0]["repo"],
        "https://github.com/miglint/miglint-pre-commit"
    );
    assert_eq!(config["repos"][0]["hooks"][0]["id"], "miglint");
}

#[test]
fn the_pre_commit_mirror_pins_the_wheel_of_this_version() {
    let version = env!("CARGO_PKG_VERSION");
    let text =
        std::fs::read_to_string("packaging/pre-commit-mirror/pyproject.toml").expect("the mirror's pyproject.toml");
    let mirror: toml::Table = toml::from_str(&text).expect("TOML");
    assert_eq!(mirror["project"]["version"].as_str(), Some(version));
    let pin = format!("miglint=={version}");
    assert_eq!(mirror["project"]["dependencies"].as_array().map(|d| d.len()), Some(1));
    assert_eq!(mirror["project"]["dependencies"][0].as_str(), Some(pin.as_str()));
    let config = yaml("examples/pre-commit-config.yaml");
    assert_eq!(config["repos"][0]["rev"], format!("v{version}"));
}

/// The job that uploads a Code Quality report, and the file it names.
fn gitlab_job() -> (Value, String) {
    let config = yaml("examples/gitlab-ci.yml");
    let jobs = config.as_object().expect("a mapping of jobs");
    let (_, job) = jobs
        .iter()
        .find(|(_, job)| !job["artifacts"]["reports"]["codequality"].is_null())
        .expect("a job with a codequality report");
    let report = job["artifacts"]["reports"]["codequality"]
        .as_str()
        .expect("a report path")
        .to_string();
    assert_eq!(
        job["artifacts"]["when"], "always",
        "the report of a failing job must be kept"
    );
    (job.clone(), report)
}

#[test]
fn the_gitlab_job_writes_the_report_its_artifact_names() {
    let (job, report) = gitlab_job();
    let script: Vec<&str> = job["script"]
        .as_array()
        .expect("script")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let command = script
        .iter()
        .find(|line| line.contains("miglint check"))
        .expect("a miglint check line");
    assert!(command.contains("--format gitlab"), "{command}");
    let (_, target) = command
        .rsplit_once('>')
        .expect("the report is written by a redirection");
    assert_eq!(target.trim(), report);
}

/// The job's script, run by bash with the test binary as `miglint`, in a
/// merge request pipeline over the action tests' repository.
#[cfg(unix)]
#[test]
fn the_gitlab_job_script_reports_the_merge_requests_findings() {
    use std::process::Command;

    use crate::action::{pull_request, DANGEROUS_PATH};
    use crate::common::tools_available;

    if !tools_available(&["bash", "git"]) {
        return;
    }
    let (job, report) = gitlab_job();
    let (repo, base) = pull_request();
    let binary = Path::new(env!("CARGO_BIN_EXE_miglint"));
    let path = std::env::join_paths(
        std::iter::once(binary.parent().expect("the binary's folder").to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("a PATH");
    for line in job["script"]
        .as_array()
        .expect("script")
        .iter()
        .filter_map(Value::as_str)
    {
        let status = Command::new("bash")
            .arg("-c")
            .arg(line)
            .current_dir(repo.path())
            .env("PATH", &path)
            .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .expect("bash runs");
        assert_eq!(status.code(), Some(1), "`{line}`: the merge request is blocked");
    }
    let issues: Value = serde_json::from_str(&read(&repo.path().join(&report))).expect("a JSON report");
    let issues = issues.as_array().expect("a list of issues");
    assert_eq!(issues.len(), 2, "{issues:?}");
    for issue in issues {
        assert_eq!(
            issue["location"]["path"], DANGEROUS_PATH,
            "only the new migration: {issue}"
        );
        assert!(issue["fingerprint"].as_str().is_some_and(|f| !f.is_empty()));
    }
}

/// The release targets, as docs/distribution.md lists them and the release workflow builds them.
const RELEASE_TARGETS: [&str; 5] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

#[test]
fn the_release_workflow_builds_every_target_the_docs_promise() {
    let workflow = yaml(".github/workflows/release.yml");
    let built: Vec<&str> = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a build matrix")
        .iter()
        .map(|entry| entry["target"].as_str().expect("a target"))
        .collect();
    assert_eq!(built, RELEASE_TARGETS);
    let docs = read(&repo_root().join("docs/distribution.md"));
    for target in RELEASE_TARGETS {
        assert!(
            docs.contains(&format!("| `{target}` |")),
            "docs/distribution.md does not list {target}"
        );
    }
}

/// `cargo binstall` must find the archive the release publishes for each
/// target, and the binary inside it (scripts/package-release's layout).
#[test]
fn binstall_metadata_names_the_release_archives() {
    let text = read(&repo_root().join("Cargo.toml"));
    let manifest: toml::Table = toml::from_str(&text).expect("Cargo.toml");
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let field = |target: &str, key: &str| -> String {
        binstall
            .get("overrides")
            .and_then(|o| o.get(target))
            .and_then(|o| o.get(key))
            .or_else(|| binstall.get(key))
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("no binstall {key} for {target}"))
            .to_string()
    };
    let version = env!("CARGO_PKG_VERSION");
    let fill = |template: String, target: &str| {
        let exe = if target.contains("windows") { ".exe" } else { "" };
        template
            .replace("{ repo }", "https://github.com/miglint/miglint")
            .replace("{ version }", version)
            .replace("{ name }", "miglint")
            .replace("{ target }", target)
            .replace("{ bin }", "miglint")
            .replace("{ binary-ext }", exe)
    };
    let base = format!("https://github.com/miglint/miglint/releases/download/v{version}");
    for target in RELEASE_TARGETS {
        let (archive, exe, format) = match target.contains("windows") {
            true => ("zip", ".exe", "zip"),
            false => ("tar.gz", "", "tgz"),
        };
        assert_eq!(
            fill(field(target, "pkg-url"), target),
            format!("{base}/miglint-{target}.{archive}")
        );
        assert_eq!(
            fill(field(target, "bin-dir"), target),
            format!("miglint-{target}/miglint{exe}")
        );
        assert_eq!(field(target, "pkg-fmt"), format);
    }
    // Linux with glibc takes the static musl archive of its architecture.
    for (gnu, musl) in [
        ("x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"),
        ("aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl"),
    ] {
        assert_eq!(
            fill(field(gnu, "pkg-url"), gnu),
            format!("{base}/miglint-{musl}.tar.gz")
        );
        assert_eq!(fill(field(gnu, "bin-dir"), gnu), format!("miglint-{musl}/miglint"));
    }
}
