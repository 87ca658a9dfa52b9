//! `check --fix` and `check --diff`: the safe fixes of a run's findings,
//! applied in memory pass after pass (each pass re-discovers and re-lints
//! the fixed text, so a tool's transaction marker counts at once) until no
//! safe fix is left or changes anything, then written (`--fix`) or shown
//! as a unified diff (`--diff`).
//!
//! Only regular files the run linted are written, never through a symbolic
//! link, in their own line endings; a fix's new file only beside the file
//! it fixes, and never over an existing file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Fix;
use crate::input::layout::Role;
use crate::prepare::{self, RunRequest};
use crate::report::engine::lint_run;
use crate::report::fix;

/// Passes at most: each applies every safe fix that does not meet another;
/// the ones skipped for meeting one get the next pass.
const MAX_PASSES: usize = 4;

/// A file the fixes change or add.
pub(crate) struct Changed {
    pub path: PathBuf,
    /// As read; None for a new file.
    pub before: Option<String>,
    pub after: String,
}

/// What the passes did.
pub(crate) struct Fixed {
    /// In path order.
    pub files: Vec<Changed>,
    /// Fixes applied, over all passes.
    pub applied: usize,
    /// Files that could not be fixed (not a regular file, unreadable, a new
    /// file that exists), with why.
    pub refused: Vec<String>,
    /// Unsafe fixes left on the last pass: offered in the editor, not applied.
    pub unsafe_left: usize,
}

impl Fixed {
    /// The fixed content of every changed file, for a run that re-lints it.
    pub(crate) fn overlays(&self) -> Vec<(PathBuf, Vec<u8>)> {
        self.files
            .iter()
            .map(|f| (f.path.clone(), f.after.clone().into_bytes()))
            .collect()
    }
}

/// Runs the passes; Err when the run cannot start.
pub(crate) fn fix_run(request: &RunRequest) -> Result<Fixed, String> {
    let mut request = request.clone();
    let mut files: BTreeMap<PathBuf, Changed> = BTreeMap::new();
    let mut refused: Vec<String> = Vec::new();
    let mut applied_total = 0;
    let mut unsafe_left = 0;
    for _ in 0..MAX_PASSES {
        let prepared = prepare::prepare(&request)?;
        let mut reports = lint_run(prepared.inputs, prepared.scope);
        prepare::apply_baselines(&mut reports);
        // Safe fixes by file, in the order of their findings; the same fix
        // drawn by two findings once.
        let mut by_path: BTreeMap<PathBuf, Vec<Fix>> = BTreeMap::new();
        unsafe_left = 0;
        for report in reports.iter().filter(|r| r.script.role == Role::Change) {
            for fix in report.active().filter_map(|d| d.fix.as_ref()) {
                if !fix.is_safe() {
                    unsafe_left += 1;
                    continue;
                }
                let fixes = by_path.entry(PathBuf::from(report.path())).or_default();
                if !fixes.contains(fix) {
                    fixes.push(fix.clone());
                }
            }
        }
        let mut changed = false;
        for (path, fixes) in by_path {
            let current = match files.get(&path) {
                Some(file) => file.after.clone(),
                None => match read_linted(&path) {
                    Ok(text) => text,
                    Err(why) => {
                        let why = format!("{}: not fixed: {why}", path.display());
                        if !refused.contains(&why) {
                            refused.push(why);
                        }
                        continue;
                    }
                },
            };
            // Fixes that yield wait for a pass where nothing else changes
            // the file (no `SET LOCAL lock_timeout` above a statement that
            // CONCURRENTLY is about to take out of its transaction).
            let others = fixes.iter().any(|fix| !fix.yields);
            // A fix whose new file cannot be made is not applied at all.
            let mut refs: Vec<(&Fix, Option<PathBuf>)> = Vec::new();
            for fix in fixes.iter().filter(|fix| !(others && fix.yields)) {
                let Some(new_file) = &fix.new_file else {
                    refs.push((fix, None));
                    continue;
                };
                match new_file_path(&path, &new_file.name) {
                    Ok(new_path) if !files.contains_key(&new_path) => refs.push((fix, Some(new_path))),
                    Ok(new_path) => refused.push(format!(
                        "{}: not fixed: {} is made by another fix",
                        path.display(),
                        new_path.display()
                    )),
                    Err(why) => {
                        let why = format!("{}: not fixed: {why}", path.display());
                        if !refused.contains(&why) {
                            refused.push(why);
                        }
                    }
                }
            }
            let fix_refs: Vec<&Fix> = refs.iter().map(|(fix, _)| *fix).collect();
            let result = fix::apply(&current, &fix_refs);
            if result.text == current {
                continue;
            }
            for &n in &result.applied {
                if let (Some(new_file), Some(new_path)) = (&fix_refs[n].new_file, &refs[n].1) {
                    let ending = fix::line_ending(&current);
                    files.insert(
                        new_path.clone(),
                        Changed {
                            path: new_path.clone(),
                            before: None,
                            after: fix::with_line_ending(&new_file.content, ending),
                        },
                    );
                }
            }
            changed = true;
            applied_total += result.applied.len();
            files
                .entry(path.clone())
                .or_insert_with(|| Changed {
                    path,
                    before: Some(current.clone()),
                    after: String::new(),
                })
                .after = result.text;
        }
        if !changed {
            break;
        }
        request.overlays = files
            .values()
            .map(|f| (f.path.clone(), f.after.clone().into_bytes()))
            .collect();
    }
    // A file the passes changed back to what it was is not changed.
    let files = files
        .into_values()
        .filter(|f| f.before.as_deref() != Some(f.after.as_str()))
        .collect();
    Ok(Fixed {
        files,
        applied: applied_total,
        refused,
        unsafe_left,
    })
}

/// The text of a file the run linted, when miglint may write it back: a
/// regular file (not a symbolic link), UTF-8.
fn read_linted(path: &Path) -> Result<String, String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !meta.file_type().is_file() {
        return Err("not a regular file (miglint does not write through symbolic links)".into());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// Where a fix's new file goes: beside `beside`, under a plain file name
/// that no file has yet.
fn new_file_path(beside: &Path, name: &str) -> Result<PathBuf, String> {
    let plain = !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != "..";
    if !plain {
        return Err(format!("the new file's name `{name}` is not a plain file name"));
    }
    let folder = beside.parent().unwrap_or(Path::new(""));
    let path = folder.join(name);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(format!("{} already exists", path.display()));
    }
    // A versioned name (`<digits>_...`): no other migration may hold the version.
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && name[digits..].starts_with('_') {
        let prefix = &name[..=digits];
        let folder_or_here = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        let entries = std::fs::read_dir(folder_or_here).map_err(|e| format!("{}: {e}", folder.display()))?;
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(prefix) {
                return Err(format!(
                    "version {} is taken by {}: the new migration would not run right after this one",
                    &name[..digits],
                    entry.path().display()
                ));
            }
        }
    }
    Ok(path)
}

/// Writes the changed files: an existing one only if it is still a
/// regular file, a new one only if nothing has its name (`create_new`).
pub(crate) fn write(fixed: &Fixed) -> Result<(), String> {
    use std::io::Write as _;
    for file in &fixed.files {
        let cannot = |e: std::io::Error| format!("{}: cannot write the fix: {e}", file.path.display());
        match &file.before {
            Some(_) => {
                let meta = std::fs::symlink_metadata(&file.path).map_err(cannot)?;
                if !meta.file_type().is_file() {
                    return Err(format!("{}: not a regular file, not written", file.path.display()));
                }
                std::fs::write(&file.path, &file.after).map_err(cannot)?;
            }
            None => {
                let mut out = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&file.path)
                    .map_err(cannot)?;
                out.write_all(file.after.as_bytes()).map_err(cannot)?;
            }
        }
    }
    Ok(())
}

/// The unified diff of every changed file, in path order.
pub(crate) fn diff(fixed: &Fixed) -> String {
    fixed
        .files
        .iter()
        .map(|f| fix::unified_diff(&f.path.display().to_string(), f.before.as_deref(), &f.after))
        .collect()
}
