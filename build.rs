//! Records the commit the binary is built from, for `miglint --version`:
//! `MIGLINT_COMMIT` from the environment (the release workflow sets it), else
//! the commit `cargo package` recorded (a build from crates.io), else
//! `git rev-parse` when this package is a checkout's top folder, else `unknown`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_string())
}

/// The commit in `.cargo_vcs_info.json`, which `cargo package` writes into a
/// published crate (`"sha1": "<40 hex>"`).
fn packaged_commit(manifest_dir: &Path) -> Option<String> {
    let info = std::fs::read_to_string(manifest_dir.join(".cargo_vcs_info.json")).ok()?;
    let after = info.split("\"sha1\"").nth(1)?;
    let hex: String = after
        .chars()
        .skip_while(|c| !c.is_ascii_hexdigit())
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (hex.len() >= 12).then(|| hex[..12].to_string())
}

/// git's HEAD, only when the checkout is this package's own: a crate unpacked
/// inside some other repository (vendored, a pip build folder) must not
/// report that repository's commit.
fn checkout_commit(manifest_dir: &Path) -> Option<String> {
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    let same = top.canonicalize().ok()? == manifest_dir.canonicalize().ok()?;
    same.then(|| git(&["rev-parse", "--short=12", "HEAD"]))?
}

fn main() {
    println!("cargo:rerun-if-env-changed=MIGLINT_COMMIT");
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    // A full 40-hex commit (CI's GITHUB_SHA) is shown as git's short form.
    let commit = std::env::var("MIGLINT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .map(|c| match c.len() > 12 && c.chars().all(|h| h.is_ascii_hexdigit()) {
            true => c[..12].to_string(),
            false => c,
        })
        .or_else(|| packaged_commit(&manifest_dir))
        .or_else(|| checkout_commit(&manifest_dir))
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
