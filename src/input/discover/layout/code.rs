//! Migrations written in code beside the SQL ones: goose's Go migrations
//! (`00003_backfill.go`), Python ones (Alembic's `versions/*.py`, numbered
//! `0003_backfill.py`). miglint cannot tell what they do, so it counts them,
//! places them in the tool's order, and says when the SQL judged after one
//! is judged without what it changed.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use super::version::leading_number;
use super::Migration;
use crate::input::layout::{compare_versions, Tool};

/// The languages miglint recognises migrations in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Language {
    Go,
    Python,
}

impl Language {
    /// As users write it, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Language::Go => "Go",
            Language::Python => "Python",
        }
    }
}

/// A migration written in code, and where it runs among the SQL ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CodeMigration {
    pub path: PathBuf,
    pub language: Language,
    /// The version its name gives; None for an Alembic revision, whose
    /// place among the SQL migrations its name does not tell.
    pub version: Option<String>,
    /// The index of the first SQL migration of the root that runs after it
    /// (the number of migrations when none does).
    pub before: usize,
}

/// The language of a migration written in code directly in the root `dir`:
/// a numbered `.go` file (not a test), a numbered `.py` file, or any module
/// of an Alembic `versions` folder.
pub(super) fn language_of(path: &Path, dir: &Path) -> Option<Language> {
    let name = path.file_name()?.to_str()?;
    let (stem, extension) = name.rsplit_once('.')?;
    let numbered = leading_number(stem).is_some();
    match extension {
        "go" if numbered && !stem.ends_with("_test") => Some(Language::Go),
        "py" if numbered => Some(Language::Python),
        "py" if dir.file_name().is_some_and(|n| n == "versions") && !stem.starts_with("__") => Some(Language::Python),
        _ => None,
    }
}

/// Places each code migration before the first SQL migration whose
/// version sorts after its own; one without a version before them all (its
/// place is unknown, so every SQL migration may come after it).
pub(super) fn place(tool: Tool, found: Vec<(PathBuf, Language)>, migrations: &[Migration]) -> Vec<CodeMigration> {
    let versions: Vec<Option<&str>> = migrations
        .iter()
        .map(|m| m.version.as_deref().or_else(|| leading_number(&m.name)))
        .collect();
    let mut placed: Vec<CodeMigration> = found
        .into_iter()
        .map(|(path, language)| {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let version = leading_number(stem).map(str::to_string);
            let before = match &version {
                None => 0,
                Some(own) => versions
                    .iter()
                    .position(|v| v.is_some_and(|v| compare_versions(tool, v, own) == Ordering::Greater))
                    .unwrap_or(migrations.len()),
            };
            CodeMigration {
                path,
                language,
                version,
                before,
            }
        })
        .collect();
    placed.sort_by(|a, b| a.before.cmp(&b.before).then_with(|| a.path.cmp(&b.path)));
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_migrations_by_name() {
        let dir = Path::new("db/migrations");
        let language = |name: &str| language_of(&dir.join(name), dir);
        assert_eq!(language("00003_backfill.go"), Some(Language::Go));
        assert_eq!(language("00003_backfill_test.go"), None);
        assert_eq!(language("migrations.go"), None);
        assert_eq!(language("0004_fill.py"), Some(Language::Python));
        assert_eq!(language("env.py"), None);
        assert_eq!(language("0005_x.sql"), None);
        let versions = Path::new("alembic/versions");
        assert_eq!(
            language_of(&versions.join("1975ea83b712_add_account.py"), versions),
            Some(Language::Python)
        );
        assert_eq!(language_of(&versions.join("__init__.py"), versions), None);
    }

    #[test]
    fn code_migrations_take_their_place_by_version() {
        let migration = |name: &str, version: Option<&str>| Migration {
            name: name.to_string(),
            version: version.map(str::to_string),
            scripts: Vec::new(),
        };
        let migrations = [
            migration("00001_a", Some("00001")),
            migration("00002_b", Some("00002")),
            migration("00004_d", Some("00004")),
        ];
        let found = vec![
            (PathBuf::from("m/00005_e.go"), Language::Go),
            (PathBuf::from("m/00003_c.go"), Language::Go),
            (PathBuf::from("m/ab12_rev.py"), Language::Python),
        ];
        let placed = place(Tool::Goose, found, &migrations);
        let places: Vec<(&str, usize)> = placed
            .iter()
            .map(|c| (c.path.file_name().unwrap().to_str().unwrap(), c.before))
            .collect();
        assert_eq!(places, [("ab12_rev.py", 0), ("00003_c.go", 2), ("00005_e.go", 3)]);
        // Plain roots keep no versions: the names' numbers place them.
        let plain = [migration("1_a", None), migration("3_c", None)];
        let placed = place(Tool::Plain, vec![(PathBuf::from("m/2_b.py"), Language::Python)], &plain);
        assert_eq!(placed[0].before, 1);
    }
}
