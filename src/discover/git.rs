//! Placeholder for git changes (replaced by the `history` branch).
use std::path::{Path, PathBuf};

use crate::layout::GitState;

pub struct GitChanges {
    pub repo_root: PathBuf,
    pub base: String,
}
pub fn changes_since(_dir: &Path, _git_ref: &str) -> Result<GitChanges, String> {
    Err("not yet".into())
}
impl GitChanges {
    pub fn state(&self, _path: &Path) -> GitState {
        GitState::Unchanged
    }
    pub fn deleted_under(&self, _dir: &Path) -> Vec<PathBuf> {
        Vec::new()
    }
}
