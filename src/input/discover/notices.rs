//! What a run says once about files it leaves out: other databases'
//! dialect files, a base schema named on its own.

use std::path::Path;

use super::shown_path;

/// Other databases' dialect files (`x.sql.sqlite`), named or on stdin.
pub(crate) fn other_databases(files: &[String]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    Some(format!(
        "skipped {} file{} for another database (`.sql.<database>`; PostgreSQL runs `.sql` and `.sql.postgres`): {}",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        files.join(", ")
    ))
}

/// A base schema named with nothing else of its root: it is history.
pub(crate) fn base_schema(root: &str, base: &Path) -> String {
    format!(
        "{root}: `{}` is the base schema its versions build on: replayed as history, not checked",
        shown_path(base)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_databases_files_in_one_notice() {
        assert_eq!(
            other_databases(&["a.sql.sqlite".to_string()]).unwrap(),
            "skipped 1 file for another database (`.sql.<database>`; PostgreSQL runs `.sql` and `.sql.postgres`): a.sql.sqlite"
        );
        assert_eq!(other_databases(&[]), None);
    }
}
