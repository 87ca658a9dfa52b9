//! Delta folders: `schema/<area>/delta/<N>/*.sql`, each area's `delta`
//! folder one root whose numbered folders run in numeric order, the files
//! of each by name (or in its `manifest.json`'s order). Files kept for
//! several databases have dialect variants beside them (`x.sql.postgres`),
//! chosen in the listing (`variants.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::manifest::in_run_order;
use super::{parent_name, Migration, Script, SqlFile};
use crate::input::layout::{compare_versions, Direction, RunnerTransaction, Tool};

/// The folder that holds an area's numbered delta folders.
const DELTA: &str = "delta";

fn is_number(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `folder` is a numbered folder of a delta root (`delta/<N>`):
/// from its path alone.
pub(super) fn is_delta_folder(folder: &Path) -> bool {
    let name = folder.file_name().and_then(|n| n.to_str()).unwrap_or("");
    is_number(name) && parent_name(folder) == DELTA
}

/// Why the root in `dir` is one of delta folders, or None when it is not.
pub(super) fn detect(dir: &Path, files: &[SqlFile]) -> Option<String> {
    let is_root = dir.file_name().is_some_and(|n| n == DELTA);
    let numbered = files
        .iter()
        .any(|f| f.path.parent().and_then(Path::parent) == Some(dir) && is_number(f.parent_name()));
    (is_root && numbered).then(|| "numbered folders `delta/<N>/`, files by name".to_string())
}

/// Each numbered folder as one migration, in numeric order; files directly
/// in the `delta` folder after them, with a notice.
pub(super) fn migrations(dir: &Path, files: Vec<SqlFile>) -> (Vec<Migration>, Vec<String>) {
    let mut notices = Vec::new();
    let mut beside = Vec::new();
    let mut folders: BTreeMap<String, (PathBuf, Vec<SqlFile>)> = BTreeMap::new();
    for file in files {
        let folder = file.path.parent().map(Path::to_path_buf).unwrap_or_default();
        if folder.parent() == Some(dir) && is_number(file.parent_name()) {
            let name = file.parent_name().to_string();
            folders.entry(name).or_insert_with(|| (folder, Vec::new())).1.push(file);
        } else {
            beside.push(file);
        }
    }
    let mut ordered: Vec<(String, (PathBuf, Vec<SqlFile>))> = folders.into_iter().collect();
    ordered.sort_by(|a, b| compare_versions(Tool::Plain, &a.0, &b.0).then_with(|| a.0.cmp(&b.0)));
    let run = |file: &SqlFile| Script::whole(file, Some(Direction::Up), RunnerTransaction::None);
    let mut migrations = Vec::new();
    for (name, (folder, files)) in ordered {
        let (files, _) = in_run_order(dir, &folder, files, &mut notices);
        migrations.push(Migration {
            version: Some(name.clone()),
            name,
            scripts: files.iter().map(run).collect(),
        });
    }
    if !beside.is_empty() {
        beside.sort_by(|a, b| a.path.cmp(&b.path));
        let names: Vec<String> = beside.iter().map(|f| format!("`{}`", f.name())).collect();
        notices.push(format!(
            "{} in no numbered folder: checked after them",
            names.join(", ")
        ));
        migrations.extend(beside.iter().map(|file| Migration {
            name: file.name().to_string(),
            version: None,
            scripts: vec![run(file)],
        }));
    }
    (migrations, notices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_folders_from_their_path() {
        assert!(is_delta_folder(Path::new("schema/main/delta/12")));
        assert!(!is_delta_folder(Path::new("schema/main/deltas/12")));
        assert!(!is_delta_folder(Path::new("schema/main/delta/v12")));
        assert!(!is_delta_folder(Path::new("schema/main/delta")));
    }

    #[test]
    fn numbered_folders_run_in_numeric_order() {
        let dir = Path::new("/nowhere/schema/main/delta");
        let files = vec![
            SqlFile::named("/nowhere/schema/main/delta/10/a.sql"),
            SqlFile::named("/nowhere/schema/main/delta/9/b.sql.postgres"),
            SqlFile::named("/nowhere/schema/main/delta/9/a.sql"),
            SqlFile::named("/nowhere/schema/main/delta/notes.sql"),
        ];
        assert!(detect(dir, &files).is_some());
        assert!(detect(Path::new("/nowhere/schema/main"), &files).is_none());
        let (migrations, notices) = migrations(dir, files);
        let order: Vec<(&str, Vec<&str>)> = migrations
            .iter()
            .map(|m| {
                let names = m
                    .scripts
                    .iter()
                    .map(|s| s.path.file_name().unwrap().to_str().unwrap())
                    .collect();
                (m.name.as_str(), names)
            })
            .collect();
        assert_eq!(
            order,
            [
                ("9", vec!["a.sql", "b.sql.postgres"]),
                ("10", vec!["a.sql"]),
                ("notes.sql", vec!["notes.sql"])
            ]
        );
        assert_eq!(notices, ["`notes.sql` in no numbered folder: checked after them"]);
    }
}
