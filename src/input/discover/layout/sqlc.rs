//! sqlc's config (`sqlc.yaml`, `sqlc.yml`, `sqlc.json`): the paths its
//! `queries:` name hold queries for code generation, not migrations, so they
//! are never a migration root; its `schema:` paths may be roots as any
//! folder. Both config shapes are read: version 1 (`packages:`) and version
//! 2 (`sql:`), each entry's paths a string or a list, relative to the
//! config's folder. The configs looked at are those in a root's folder and
//! the folders above it up to the project's top (only the root's folder
//! outside a project).

use std::path::{Path, PathBuf};

use crate::input::discover::top::real_path;

const CONFIG_NAMES: [&str; 3] = ["sqlc.yaml", "sqlc.yml", "sqlc.json"];

/// The paths one sqlc config names, as written.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct SqlcPaths {
    pub queries: Vec<String>,
    pub schema: Vec<String>,
}

/// Reads a config's paths; JSON for `.json`, else the YAML sqlc's configs use.
pub(super) fn parse(file_name: &str, text: &str) -> Result<SqlcPaths, String> {
    if file_name.ends_with(".json") {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(from_value(&value))
    } else {
        Ok(SqlcPaths {
            queries: yaml_paths(text, "queries"),
            schema: yaml_paths(text, "schema"),
        })
    }
}

/// The paths of a config already parsed: `sql[]` (version 2) and
/// `packages[]` (version 1) entries' `queries` and `schema`.
fn from_value(value: &serde_json::Value) -> SqlcPaths {
    let mut paths = SqlcPaths::default();
    let entries = ["sql", "packages"]
        .iter()
        .filter_map(|key| value.get(*key)?.as_array())
        .flatten();
    for entry in entries {
        for (key, out) in [("queries", &mut paths.queries), ("schema", &mut paths.schema)] {
            match entry.get(key) {
                Some(serde_json::Value::String(path)) => out.push(path.clone()),
                Some(serde_json::Value::Array(list)) => {
                    out.extend(list.iter().filter_map(|p| p.as_str()).map(str::to_string));
                }
                _ => {}
            }
        }
    }
    paths
}

/// The values of `key` anywhere in a YAML text as sqlc's configs write
/// it: `key: path`, `key: [a, b]`, or `key:` over a block list of paths,
/// the key alone or opening a list item (`- key: path`). Anchors and
/// multi-line flow lists are not followed.
fn yaml_paths(text: &str, key: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(without_comment).collect();
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let (indent, rest) = past_item_marks(line);
        let Some((name, value)) = rest.split_once(':') else {
            continue;
        };
        if unquote(name.trim()) != key {
            continue;
        }
        let value = value.trim();
        if let Some(flow) = value.strip_prefix('[') {
            let inner = flow.rsplit_once(']').map_or(flow, |(inner, _)| inner);
            found.extend(inner.split(',').map(|p| unquote(p.trim())).filter(|p| !p.is_empty()));
        } else if !value.is_empty() {
            found.push(unquote(value));
        } else {
            // A block list: `- path` lines, deeper than the key or level with it.
            for next in lines[at + 1..].iter().filter(|l| !l.trim().is_empty()) {
                let next_indent = next.len() - next.trim_start().len();
                let Some(item) = next.trim_start().strip_prefix('-') else {
                    break;
                };
                if next_indent < indent || item.contains(": ") || item.trim_end().ends_with(':') {
                    break;
                }
                found.push(unquote(item.trim()));
            }
        }
    }
    found
}

/// The line without a `#` comment (one that starts the line or follows a
/// space, outside quotes).
fn without_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), c) if c == open => quote = None,
            (None, '#') if previous.is_whitespace() => return &line[..at],
            _ => {}
        }
        previous = c;
    }
    line
}

/// The column where a line's content starts after any `- ` list marks,
/// and that content.
fn past_item_marks(line: &str) -> (usize, &str) {
    let mut rest = line.trim_start();
    while let Some(after) = rest.strip_prefix("- ") {
        rest = after.trim_start();
    }
    (line.len() - rest.len(), rest)
}

fn unquote(text: &str) -> String {
    let quoted = text.len() >= 2
        && ((text.starts_with('"') && text.ends_with('"')) || (text.starts_with('\'') && text.ends_with('\'')));
    if quoted {
        text[1..text.len() - 1].to_string()
    } else {
        text.to_string()
    }
}

/// One config found, its paths resolved to real paths.
#[derive(Debug)]
struct Config {
    path: PathBuf,
    queries: Vec<PathBuf>,
    schema: Vec<PathBuf>,
}

/// The sqlc configs that may speak of a root.
#[derive(Debug, Default)]
pub(super) struct Sqlc {
    configs: Vec<Config>,
}

/// `path` is `target` or a folder above it.
fn covers(path: &Path, target: &Path) -> bool {
    target.starts_with(path)
}

impl Sqlc {
    /// The configs in `real_dir` and the folders above it up to `top`
    /// (only `real_dir` without a top).
    pub(super) fn around(real_dir: &Path, top: Option<&Path>) -> Sqlc {
        let folders: Vec<&Path> = match top {
            Some(top) if real_dir.starts_with(top) => real_dir.ancestors().take_while(|a| a.starts_with(top)).collect(),
            _ => vec![real_dir],
        };
        let mut configs = Vec::new();
        for folder in folders {
            for name in CONFIG_NAMES {
                let path = folder.join(name);
                let Some(text) = crate::input::read::marker_file(&path) else {
                    continue;
                };
                // A config sqlc itself would refuse names nothing here.
                let Ok(paths) = parse(name, &text) else {
                    continue;
                };
                let resolve = |paths: Vec<String>| paths.iter().map(|p| real_path(&folder.join(p))).collect();
                configs.push(Config {
                    path,
                    queries: resolve(paths.queries),
                    schema: resolve(paths.schema),
                });
            }
        }
        Sqlc { configs }
    }

    fn schema_covers(&self, target: &Path) -> bool {
        self.configs.iter().flat_map(|c| &c.schema).any(|s| covers(s, target))
    }

    /// The config whose `queries:` name the whole folder `real_dir` (a
    /// folder of queries, or one below it, with no schema path in it).
    pub(super) fn queries_folder(&self, real_dir: &Path) -> Option<&Path> {
        let schema_inside = self
            .configs
            .iter()
            .flat_map(|c| &c.schema)
            .any(|s| covers(s, real_dir) || s.starts_with(real_dir));
        if schema_inside {
            return None;
        }
        self.configs
            .iter()
            .find(|c| c.queries.iter().any(|q| covers(q, real_dir)))
            .map(|c| c.path.as_path())
    }

    /// The config whose `queries:` name the file (real path), unless a
    /// `schema:` path names it too.
    pub(super) fn query_file(&self, real_file: &Path) -> Option<&Path> {
        if self.schema_covers(real_file) {
            return None;
        }
        self.configs
            .iter()
            .find(|c| c.queries.iter().any(|q| covers(q, real_file)))
            .map(|c| c.path.as_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same paths through the reader above and a full YAML parser.
    fn both_ways(yaml: &str) -> SqlcPaths {
        let ours = parse("sqlc.yaml", yaml).unwrap();
        let value: serde_json::Value = serde_yaml_ng::from_str(yaml).unwrap();
        assert_eq!(ours, from_value(&value), "{yaml}");
        ours
    }

    #[test]
    fn version_2_yaml() {
        let paths = both_ways(
            "version: \"2\"\nsql:\n  - engine: \"postgresql\"\n    queries: \"db/query/\"  # the queries\n    schema: \"db/migrations\"\n    gen:\n      go:\n        package: \"db\"\n        out: \"internal/db\"\n  - engine: postgresql\n    schema:\n      - 'a.sql'\n      - b.sql\n    queries: [q1.sql, \"q2.sql\"]\n",
        );
        assert_eq!(paths.queries, ["db/query/", "q1.sql", "q2.sql"]);
        assert_eq!(paths.schema, ["db/migrations", "a.sql", "b.sql"]);
    }

    #[test]
    fn version_1_yaml_with_lists_level_with_their_keys() {
        let paths = both_ways(
            "version: 1\npackages:\n- name: db\n  path: internal/db\n  queries:\n  - ./sql/queries/\n  schema:\n  - ./sql/schema/\n  engine: postgresql\n- name: other\n  queries: other/#not-a-comment\n  schema: other/schema.sql\n",
        );
        assert_eq!(paths.queries, ["./sql/queries/", "other/#not-a-comment"]);
        assert_eq!(paths.schema, ["./sql/schema/", "other/schema.sql"]);
    }

    #[test]
    fn json_in_both_versions() {
        let v2 = r#"{"version": "2", "sql": [{"schema": ["m1", "m2"], "queries": "q", "engine": "postgresql"}]}"#;
        let v1 =
            r#"{"version": "1", "packages": [{"name": "db", "path": "db", "schema": "s.sql", "queries": ["q/"]}]}"#;
        assert_eq!(
            parse("sqlc.json", v2).unwrap(),
            SqlcPaths {
                queries: vec!["q".into()],
                schema: vec!["m1".into(), "m2".into()]
            }
        );
        assert_eq!(
            parse("sqlc.json", v1).unwrap(),
            SqlcPaths {
                queries: vec!["q/".into()],
                schema: vec!["s.sql".into()]
            }
        );
        assert!(parse("sqlc.json", "{").is_err());
    }

    #[test]
    fn queries_are_looked_for_up_to_the_top_only() {
        let dir = std::env::temp_dir().join(format!("miglint-sqlc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("app/db/query/users")).unwrap();
        std::fs::create_dir_all(dir.join("app/db/migrations")).unwrap();
        std::fs::write(
            dir.join("app/sqlc.yaml"),
            "version: \"2\"\nsql:\n  - schema: db/migrations\n    queries: db/query\n    engine: postgresql\n",
        )
        .unwrap();
        let real = dir.canonicalize().unwrap();
        let app = real.join("app");
        let sqlc = Sqlc::around(&app.join("db/query/users"), Some(&app));
        assert_eq!(
            sqlc.queries_folder(&app.join("db/query/users")),
            Some(app.join("sqlc.yaml").as_path())
        );
        assert_eq!(sqlc.queries_folder(&app.join("db/migrations")), None);
        assert_eq!(
            sqlc.query_file(&app.join("db/query/users/get.sql")),
            Some(app.join("sqlc.yaml").as_path())
        );
        assert_eq!(sqlc.query_file(&app.join("db/migrations/1_x.sql")), None);
        // The config is above the top, or there is no top: not read.
        let below = Sqlc::around(&app.join("db/query"), Some(&app.join("db")));
        assert_eq!(below.queries_folder(&app.join("db/query")), None);
        let alone = Sqlc::around(&app.join("db/query"), None);
        assert_eq!(alone.queries_folder(&app.join("db/query")), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
