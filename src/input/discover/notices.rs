//! What a run says once about files it leaves out: sqlc's queries, other
//! databases' dialect files, a base schema named on its own.

use std::path::{Path, PathBuf};

use super::shown_path;

/// The sqlc query folders and files the run's files fell in, each with the
/// config that names it: queries, not migrations.
pub(crate) fn sqlc_queries(queries: &[(PathBuf, PathBuf)]) -> Option<String> {
    if queries.is_empty() {
        return None;
    }
    let mut configs: Vec<String> = Vec::new();
    for (_, config) in queries {
        let config = shown_path(config);
        if !configs.contains(&config) {
            configs.push(config);
        }
    }
    let paths: Vec<String> = queries.iter().map(|(path, _)| shown_path(path)).collect();
    Some(format!(
        "skipped sqlc queries, not migrations (named by `queries:` in {}): {}",
        configs.join(", "),
        paths.join(", ")
    ))
}

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
    fn one_notice_names_every_query_path_and_config_once() {
        let queries = [
            (PathBuf::from("a/queries"), PathBuf::from("sqlc.yaml")),
            (PathBuf::from("b/queries"), PathBuf::from("sqlc.yaml")),
        ];
        assert_eq!(
            sqlc_queries(&queries).unwrap(),
            "skipped sqlc queries, not migrations (named by `queries:` in sqlc.yaml): a/queries, b/queries"
        );
        assert_eq!(sqlc_queries(&[]), None);
    }

    #[test]
    fn other_databases_files_in_one_notice() {
        assert_eq!(
            other_databases(&["a.sql.sqlite".to_string()]).unwrap(),
            "skipped 1 file for another database (`.sql.<database>`; PostgreSQL runs `.sql` and `.sql.postgres`): a.sql.sqlite"
        );
        assert_eq!(other_databases(&[]), None);
    }
}
