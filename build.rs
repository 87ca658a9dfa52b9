//! Records the commit the binary is built from, for `miglint --version`:
//! `MIGLINT_COMMIT` from the environment (a release build from a source
//! archive sets it), else `git rev-parse` of the checkout, else `unknown`.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=MIGLINT_COMMIT");
    let commit = std::env::var("MIGLINT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=MIGLINT_COMMIT={commit}");
    // Built again when HEAD moves: the file HEAD, the branch it names, and
    // the packed refs (where a branch lives after `git gc`).
    let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git(&["rev-parse", "--git-path", &branch]));
    }
    watched.push(git(&["rev-parse", "--git-path", "packed-refs"]));
    for path in watched.into_iter().flatten() {
        println!("cargo:rerun-if-changed={path}");
    }
}
