//! Dialect files: a migration kept for several databases sits beside its
//! variants, `x.sql.postgres`, `x.sql.sqlite`, `x.sql.mysql`. PostgreSQL
//! runs `x.sql.postgres` in place of `x.sql`; the other databases' files
//! are never read. Tools see a variant by its plain name (`x.sql`), so its
//! version and direction come from the name as for any file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::input::layout::Dialect;

/// The database a `<name>.sql.<dialect>` file is for (`.sql.postgres`,
/// `.sql.pg`, `.sql.sqlite`, `.sql.mysql`, ...); None for any other name.
pub(crate) fn dialect_of_name(path: &Path) -> Option<Dialect> {
    let name = path.file_name()?.to_str()?;
    let (head, suffix) = name.rsplit_once('.')?;
    let cut = head.len().checked_sub(".sql".len())?;
    let is_sql = cut > 0 && head.get(cut..).is_some_and(|tail| tail.eq_ignore_ascii_case(".sql"));
    is_sql.then(|| Dialect::parse(suffix)).flatten()
}

/// A file PostgreSQL runs: `.sql`, or a PostgreSQL variant `.sql.postgres`.
pub(crate) fn is_postgres_sql(path: &Path) -> bool {
    let plain = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql"));
    plain || dialect_of_name(path) == Some(Dialect::Postgres)
}

/// A dialect file for another database (`x.sql.sqlite`): never PostgreSQL's.
pub(crate) fn is_other_dialect_sql(path: &Path) -> bool {
    dialect_of_name(path).is_some_and(|d| d != Dialect::Postgres)
}

/// The name a tool sees: `x.sql.postgres` -> `x.sql`, other names as they are.
pub(crate) fn plain_name(file_name: &str) -> &str {
    if dialect_of_name(Path::new(file_name)).is_none() {
        return file_name;
    }
    file_name.rsplit_once('.').map_or(file_name, |(head, _)| head)
}

/// The files of a root PostgreSQL runs, and the files its variants replace.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Chosen {
    pub paths: Vec<PathBuf>,
    /// (replaced `x.sql`, the `x.sql.postgres` run in its place).
    pub replaced: Vec<(PathBuf, PathBuf)>,
}

/// Keeps, of `paths` (`.sql` files and PostgreSQL variants), what
/// PostgreSQL runs: in each folder a variant replaces the file of its
/// plain name. Order is kept.
pub(super) fn choose_postgres(paths: Vec<PathBuf>) -> Chosen {
    let key = |path: &Path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        (path.parent().map(Path::to_path_buf), plain_name(name).to_string())
    };
    let mut variants: BTreeMap<(Option<PathBuf>, String), PathBuf> = BTreeMap::new();
    for path in paths.iter().filter(|p| dialect_of_name(p).is_some()) {
        variants.entry(key(path)).or_insert_with(|| path.clone());
    }
    let mut chosen = Chosen::default();
    for path in paths {
        if dialect_of_name(&path).is_none() {
            if let Some(variant) = variants.get(&key(&path)) {
                chosen.replaced.push((path, variant.clone()));
                continue;
            }
        }
        chosen.paths.push(path);
    }
    chosen
}

/// One notice for the files of a root that PostgreSQL variants replace.
pub(super) fn notice(replaced: &[(PathBuf, PathBuf)]) -> Option<String> {
    let names: Vec<String> = replaced
        .iter()
        .map(|(file, variant)| {
            let name = |p: &Path| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            };
            let folder = file
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned());
            match folder {
                Some(folder) => format!("{folder}/{} by {}", name(file), name(variant)),
                None => format!("{} by {}", name(file), name(variant)),
            }
        })
        .collect();
    match names.len() {
        0 => None,
        1 => Some(format!("1 file replaced by its PostgreSQL variant: {}", names[0])),
        n => Some(format!(
            "{n} files replaced by their PostgreSQL variants: {}",
            names.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_suffixes() {
        let dialect = |name: &str| dialect_of_name(Path::new(name));
        assert_eq!(dialect("a/1_x.sql.postgres"), Some(Dialect::Postgres));
        assert_eq!(dialect("1_x.SQL.PostgreSQL"), Some(Dialect::Postgres));
        assert_eq!(dialect("1_x.sql.sqlite"), Some(Dialect::Sqlite));
        assert_eq!(dialect("1_x.sql.mysql"), Some(Dialect::Mysql));
        assert_eq!(dialect("1_x.sql"), None);
        assert_eq!(dialect("1_x.sql.bak"), None);
        assert_eq!(dialect(".sql.postgres"), None);
        assert_eq!(dialect("postgres"), None);
        assert!(is_postgres_sql(Path::new("x.sql.pg")));
        assert!(is_postgres_sql(Path::new("x.SQL")));
        assert!(!is_postgres_sql(Path::new("x.sql.sqlite")));
        assert!(is_other_dialect_sql(Path::new("x.sql.mariadb")));
        assert!(!is_other_dialect_sql(Path::new("x.sql")));
        assert_eq!(plain_name("001_add.up.sql.postgres"), "001_add.up.sql");
        assert_eq!(plain_name("001_add.up.sql"), "001_add.up.sql");
        assert_eq!(plain_name("é.sql.pg"), "é.sql");
    }

    #[test]
    fn a_postgres_variant_replaces_the_file_of_its_name_in_its_folder() {
        let paths: Vec<PathBuf> = [
            "d/1/a.sql",
            "d/1/a.sql.postgres",
            "d/1/b.sql",
            "d/2/a.sql",
            "d/2/c.sql.postgres",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let chosen = choose_postgres(paths);
        let shown: Vec<&str> = chosen.paths.iter().map(|p| p.to_str().unwrap()).collect();
        assert_eq!(
            shown,
            ["d/1/a.sql.postgres", "d/1/b.sql", "d/2/a.sql", "d/2/c.sql.postgres"]
        );
        assert_eq!(
            chosen.replaced,
            [(PathBuf::from("d/1/a.sql"), PathBuf::from("d/1/a.sql.postgres"))]
        );
    }
}
