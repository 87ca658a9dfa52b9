//! Which files to lint: paths, directories (recursed for `*.sql`), quoted
//! globs and stdin, in a deterministic order (path order for now).

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::Config;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    File(PathBuf),
    /// Standard input, shown under the given name.
    Stdin(String),
}

impl Input {
    pub fn display(&self) -> String {
        match self {
            Input::File(path) => display_path(path),
            Input::Stdin(name) => name.clone(),
        }
    }
}

/// A path argument miglint could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverError(pub String);

impl fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Folders never searched when walking a directory.
const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".hg", ".svn"];

/// Expands the arguments into inputs. Problems with single arguments are
/// returned beside the inputs that were found, so the rest still get linted.
pub fn expand(args: &[String], stdin_name: &str, config: &Config) -> (Vec<Input>, Vec<DiscoverError>) {
    let mut files = BTreeSet::new();
    let mut errors = Vec::new();
    let mut stdin = None;
    for arg in args {
        if arg == "-" {
            stdin = Some(Input::Stdin(stdin_name.to_string()));
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let mut found = BTreeSet::new();
            walk(path, config, &mut found, &mut errors);
            if found.is_empty() {
                errors.push(DiscoverError(format!("{arg}: no .sql files in this directory")));
            }
            files.extend(found);
        } else if path.exists() {
            // A file named explicitly is linted whatever its extension, unless
            // the config excludes it (pre-commit passes every staged file).
            if !config.excludes(path) {
                files.insert(path.to_path_buf());
            }
        } else if is_glob(arg) {
            match glob::glob(arg) {
                Ok(paths) => {
                    let mut matched = 0;
                    for entry in paths {
                        match entry {
                            Ok(p) if p.is_file() && !config.excludes(&p) => {
                                matched += 1;
                                files.insert(p);
                            }
                            Ok(_) => {}
                            Err(e) => errors.push(DiscoverError(format!("{}: {}", e.path().display(), e.error()))),
                        }
                    }
                    if matched == 0 {
                        errors.push(DiscoverError(format!("{arg}: no files match this pattern")));
                    }
                }
                Err(e) => errors.push(DiscoverError(format!("{arg}: invalid glob pattern: {e}"))),
            }
        } else {
            errors.push(DiscoverError(format!("{arg}: no such file or directory")));
        }
    }
    let mut inputs: Vec<Input> = files.into_iter().map(Input::File).collect();
    inputs.extend(stdin);
    (inputs, errors)
}

fn walk(dir: &Path, config: &Config, files: &mut BTreeSet<PathBuf>, errors: &mut Vec<DiscoverError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(DiscoverError(format!(
                "{}: cannot read directory: {e}",
                display_path(dir)
            )));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if config.excludes(&path) {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name) {
                walk(&path, config, files, errors);
            }
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql")) {
            files.insert(path);
        }
    }
}

fn is_glob(arg: &str) -> bool {
    arg.contains(['*', '?', '['])
}

/// Paths as users typed them, with `/` separators and no leading `./`.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_directories_globs_and_reports_missing_paths() {
        let dir = std::env::temp_dir().join(format!("miglint-discover-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub/.git")).unwrap();
        std::fs::write(dir.join("b.sql"), "").unwrap();
        std::fs::write(dir.join("sub/a.SQL"), "").unwrap();
        std::fs::write(dir.join("sub/.git/x.sql"), "").unwrap();
        std::fs::write(dir.join("notes.txt"), "").unwrap();
        let root = dir.display().to_string();
        let glob = format!("{root}/*.sql");
        let missing = format!("{root}/missing.sql");
        let (inputs, errors) = expand(
            &[root.clone(), glob, missing, "-".into()],
            "stdin.sql",
            &Config::default(),
        );
        let names: Vec<String> = inputs.iter().map(Input::display).collect();
        assert_eq!(
            names,
            [format!("{root}/b.sql"), format!("{root}/sub/a.SQL"), "stdin.sql".into()]
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].0.ends_with("missing.sql: no such file or directory"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
