//! What a run says once about files it leaves out or cannot read: sqlc's
//! queries, other databases' dialect files, a base schema named on its own,
//! and migrations written in code that run before the ones judged.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::layout::CodeMigration;
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

/// Said once per root: migrations written in code run before the last
/// migration judged (`last_judged`, its place in the root), so the schema
/// it is judged against lacks what they did.
pub(crate) fn code_before(root: &str, code: &[CodeMigration], last_judged: usize) -> Option<String> {
    let before: Vec<&CodeMigration> = code.iter().filter(|c| c.before <= last_judged).collect();
    let first = before.first()?;
    let mut names: Vec<String> = before
        .iter()
        .take(3)
        .map(|c| format!("`{}`", c.path.file_name().unwrap_or_default().to_string_lossy()))
        .collect();
    if before.len() > 3 {
        names.push(format!("and {} more", before.len() - 3));
    }
    let (count, verb, pronoun) = match before.len() {
        1 => (format!("1 migration in {}", first.language.name()), "runs", "it"),
        n => {
            let languages: BTreeSet<&str> = before.iter().map(|c| c.language.name()).collect();
            let languages: Vec<&str> = languages.into_iter().collect();
            (format!("{n} migrations in {}", languages.join(" and ")), "run", "they")
        }
    };
    Some(format!(
        "{root}: {count} ({}) {verb} before migrations checked here and cannot be read: what {pronoun} changed is missing from the schema they are judged against",
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::discover::layout::Language;

    fn code(name: &str, language: Language, before: usize) -> CodeMigration {
        CodeMigration {
            path: PathBuf::from("db").join(name),
            language,
            version: None,
            before,
        }
    }

    #[test]
    fn code_migrations_before_the_last_judged_are_named() {
        let code = [
            code("2_a.go", Language::Go, 1),
            code("3_b.py", Language::Python, 2),
            code("4_c.go", Language::Go, 3),
            code("5_d.go", Language::Go, 3),
            code("9_e.go", Language::Go, 9),
        ];
        assert_eq!(code_before("db", &code, 0), None);
        assert_eq!(
            code_before("db", &code, 1).unwrap(),
            "db: 1 migration in Go (`2_a.go`) runs before migrations checked here and cannot be read: what it changed is missing from the schema they are judged against"
        );
        assert!(code_before("db", &code, 3)
            .unwrap()
            .starts_with("db: 4 migrations in Go and Python (`2_a.go`, `3_b.py`, `4_c.go`, and 1 more) run before"));
    }

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
