//! The first stage: what a run reads. Source text and its positions
//! (`source`), files read safely (`read`), the configuration that applies
//! (`config`), and which files to lint and how their migration tools run them
//! (`discover`, with the facts it works out in `layout`).

pub(crate) mod config;
pub(crate) mod discover;
pub(crate) mod layout;
pub(crate) mod read;
pub(crate) mod source;
