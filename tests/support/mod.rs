//! Helpers shared by the integration tests (`tests/it`) and the crate's own
//! test suites (`src/tests`): plain Rust with no path into miglint, included
//! by both with `#[path]`.

pub(crate) mod cluster;
pub(crate) mod corpus;
pub(crate) mod env;
pub(crate) mod mariadb;
pub(crate) mod repositories;
