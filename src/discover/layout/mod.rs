//! Placeholder for the layout detection (replaced by the `layout` branch).
use std::path::{Path, PathBuf};

use super::DiscoverError;
use crate::config::Config;
use crate::layout::{Dialect, Direction, RunnerSegment, RunnerTransaction, Tool};

pub struct MigrationRoot {
    pub dir: PathBuf,
    pub tool: Tool,
    pub dialect: Dialect,
    pub dialect_reason: String,
    pub migrations: Vec<Migration>,
    pub notices: Vec<String>,
}
pub struct Migration {
    pub name: String,
    pub version: Option<String>,
    pub scripts: Vec<Script>,
}
pub struct Script {
    pub path: PathBuf,
    pub direction: Option<Direction>,
    pub transaction: RunnerTransaction,
    pub opted_out: bool,
    pub segments: Vec<RunnerSegment>,
    pub bytes: Vec<u8>,
}
pub fn detect(_dir: &Path, _config: &Config) -> (Vec<MigrationRoot>, Vec<DiscoverError>) {
    (Vec::new(), Vec::new())
}
pub fn root_of(_file: &Path, _config: &Config) -> Option<MigrationRoot> {
    None
}
pub fn version_of(_tool: Tool, _path: &Path) -> Option<String> {
    None
}
