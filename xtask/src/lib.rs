//! miglint's repository tasks, as functions of the repository's root folder
//! so that tests can run them on a copy: `new_rule` writes a new rule's
//! files, `readme` regenerates the README's rules table.

pub mod new_rule;
pub mod readme;
pub mod statement_kinds;

use std::path::Path;

/// Reads `root/relative`, naming the file when it cannot.
pub(crate) fn read(root: &Path, relative: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(relative)).map_err(|e| format!("cannot read {relative}: {e}"))
}

/// Writes `root/relative`, creating its folder.
pub(crate) fn write(root: &Path, relative: &str, text: &str) -> Result<(), String> {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, text).map_err(|e| format!("cannot write {relative}: {e}"))
}
