//! `cargo xtask <task>` (an alias in `.cargo/config.toml`): miglint's
//! repository tasks. `cargo xtask help` lists them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage:
  cargo xtask readme
      regenerates the README's rules table from the rule list (as `miglint rules --format markdown`)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("readme") => readme(),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown task `{other}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository: the folder above this package.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn readme() -> Result<(), String> {
    if xtask::readme::regenerate(&root())? {
        println!("README.md: rules table regenerated");
    } else {
        println!("README.md: rules table already up to date");
    }
    Ok(())
}
