//! A migration folder's `manifest.json`: the files it lists, in the order
//! they run. Files it does not list run after those it does, by name; a
//! name it lists that is not there is a notice.

use std::path::Path;

use super::variants::plain_name;
use super::SqlFile;
use crate::input::discover::display_path;

pub(super) const MANIFEST: &str = "manifest.json";

/// Keys under which a manifest object keeps its list, most likely first.
const LIST_KEYS: [&str; 5] = ["files", "migrations", "scripts", "order", "sql"];

/// Keys under which a list entry that is an object names its file.
const NAME_KEYS: [&str; 5] = ["file", "path", "name", "filename", "script"];

/// The names a manifest lists, in its order: a JSON array, or an object
/// holding one (under `files`, `migrations`, ... or as its only list);
/// each entry a name, or an object naming one (`file`, `path`, `name`).
pub(super) fn manifest_entries(text: &str) -> Result<Vec<String>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
    let list = match &value {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Object(object) => {
            let keyed = LIST_KEYS.iter().find_map(|key| object.get(*key)?.as_array());
            let mut lists = object.values().filter_map(serde_json::Value::as_array);
            let only = match (lists.next(), lists.next()) {
                (Some(list), None) => Some(list),
                _ => None,
            };
            keyed.or(only).ok_or("no list of files in it")?
        }
        _ => return Err("no list of files in it".to_string()),
    };
    Ok(list
        .iter()
        .filter_map(|entry| match entry {
            serde_json::Value::String(name) => Some(name.clone()),
            serde_json::Value::Object(object) => NAME_KEYS
                .iter()
                .find_map(|key| object.get(*key)?.as_str())
                .map(str::to_string),
            _ => None,
        })
        .map(|name| name.trim_start_matches("./").to_string())
        .collect())
}

/// The files of one folder (below the root `dir`) in the order they run:
/// those its manifest lists in its order (a `.sql.postgres` variant stands
/// for the name it replaces), then the rest by name. Returns whether a
/// manifest gave the order.
pub(super) fn in_run_order(
    dir: &Path,
    folder: &Path,
    mut files: Vec<SqlFile>,
    notices: &mut Vec<String>,
) -> (Vec<SqlFile>, bool) {
    files.sort_by(|a, b| a.name().cmp(b.name()).then_with(|| a.path.cmp(&b.path)));
    let path = folder.join(MANIFEST);
    let shown = |path: &Path| display_path(path.strip_prefix(dir).unwrap_or(path));
    let Some(text) = crate::input::read::marker_file(&path) else {
        return (files, false);
    };
    let entries = match manifest_entries(&text) {
        Ok(entries) => entries,
        Err(problem) => {
            notices.push(format!("{}: {problem}; its files taken by name", shown(&path)));
            return (files, false);
        }
    };
    let mut ordered = Vec::with_capacity(files.len());
    let mut missing = Vec::new();
    for entry in &entries {
        let listed = |file: &SqlFile| {
            let raw = file.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            raw == entry.as_str() || plain_name(raw) == entry.as_str()
        };
        match files.iter().position(listed) {
            Some(at) => ordered.push(files.remove(at)),
            // Another database's file, or one the listing already placed, is there.
            None if folder.join(entry).exists() => {}
            None => missing.push(format!("`{entry}`")),
        }
    }
    if !missing.is_empty() {
        notices.push(format!(
            "{} lists {}, not in the folder",
            shown(&path),
            missing.join(", ")
        ));
    }
    if !files.is_empty() {
        let unlisted: Vec<String> = files.iter().map(|f| format!("`{}`", f.name())).collect();
        notices.push(format!(
            "{} does not list {}: checked after the files it lists",
            shown(&path),
            unlisted.join(", ")
        ));
        ordered.append(&mut files);
    }
    (ordered, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn manifests_list_names_in_several_shapes() {
        let names = |text: &str| manifest_entries(text);
        let expected = Ok(vec!["b.sql".to_string(), "a.sql".to_string()]);
        assert_eq!(names(r#"["b.sql", "./a.sql"]"#), expected);
        assert_eq!(names(r#"{"version": "1.1", "files": ["b.sql", "a.sql"]}"#), expected);
        assert_eq!(names(r#"{"version": "1.1", "steps": ["b.sql", "a.sql"]}"#), expected);
        assert_eq!(
            names(r#"{"migrations": [{"file": "b.sql", "checksum": "x"}, {"path": "a.sql"}]}"#),
            expected
        );
        assert_eq!(
            names(r#"{"a": [], "b": []}"#),
            Err("no list of files in it".to_string())
        );
        assert!(names("{").unwrap_err().starts_with("not valid JSON"));
        assert_eq!(names("3"), Err("no list of files in it".to_string()));
    }

    fn temp_folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("miglint-manifest-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("v1")).unwrap();
        dir
    }

    fn file(path: PathBuf) -> SqlFile {
        SqlFile {
            path,
            bytes: Vec::new(),
            too_large: None,
        }
    }

    #[test]
    fn files_run_in_the_manifests_order_then_by_name() {
        let dir = temp_folder("order");
        let folder = dir.join("v1");
        for name in ["a.sql", "b.sql", "b.sql.postgres", "c.sql", "d.sql.sqlite"] {
            std::fs::write(folder.join(name), "").unwrap();
        }
        std::fs::write(
            folder.join(MANIFEST),
            r#"{"files": ["c.sql", "b.sql", "d.sql", "gone.sql"]}"#,
        )
        .unwrap();
        let files = ["a.sql", "b.sql.postgres", "c.sql"]
            .iter()
            .map(|n| file(folder.join(n)))
            .collect();
        let mut notices = Vec::new();
        let (ordered, by_manifest) = in_run_order(&dir, &folder, files, &mut notices);
        let names: Vec<&str> = ordered
            .iter()
            .map(|f| f.path.file_name().unwrap().to_str().unwrap())
            .collect();
        assert!(by_manifest);
        assert_eq!(names, ["c.sql", "b.sql.postgres", "a.sql"]);
        assert_eq!(
            notices,
            [
                "v1/manifest.json lists `d.sql`, `gone.sql`, not in the folder",
                "v1/manifest.json does not list `a.sql`: checked after the files it lists"
            ]
        );

        std::fs::write(folder.join(MANIFEST), "[").unwrap();
        let files = ["c.sql", "a.sql"].iter().map(|n| file(folder.join(n))).collect();
        let mut notices = Vec::new();
        let (ordered, by_manifest) = in_run_order(&dir, &folder, files, &mut notices);
        assert!(!by_manifest);
        assert!(ordered[0].path.ends_with("a.sql"));
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0].starts_with("v1/manifest.json: not valid JSON"),
            "{notices:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
