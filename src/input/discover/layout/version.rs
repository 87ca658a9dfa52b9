//! Versions as each tool reads them from a file name, and orders them.

use std::cmp::Ordering;
use std::path::Path;

use super::variants::plain_name;
use super::Migration;
use crate::input::layout::{compare_versions, Tool};

/// A file name without its `.sql`, `.up.sql` or `.down.sql` ending, and the
/// direction that ending names (None for a bare `.sql`).
pub(super) fn split_stem(file_name: &str) -> (&str, Option<crate::input::layout::Direction>) {
    use crate::input::layout::Direction;
    let base = strip_suffix_ignore_case(file_name, ".sql").unwrap_or(file_name);
    if let Some(stem) = strip_suffix_ignore_case(base, ".up") {
        (stem, Some(Direction::Up))
    } else if let Some(stem) = strip_suffix_ignore_case(base, ".down") {
        (stem, Some(Direction::Down))
    } else {
        (base, None)
    }
}

pub(super) fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let (head, tail) = (text.get(..cut)?, text.get(cut..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(head)
}

/// The digits a name starts with, when a separator (`_`, `-`, `.`) or the
/// end follows them: `100_add_x` -> `100`.
pub(super) fn leading_number(name: &str) -> Option<&str> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &name[digits..];
    (digits > 0 && (rest.is_empty() || rest.starts_with(['_', '-', '.']))).then(|| &name[..digits])
}

/// A Flyway script name: its prefix (`V`, `U` or `R`), version (empty for
/// `R`) and description. `V1_2__add_x.sql` -> (`V`, `1_2`, `add_x`).
pub(super) fn flyway_parts(file_name: &str) -> Option<(char, &str, &str)> {
    let stem = strip_suffix_ignore_case(file_name, ".sql")?;
    let prefix = stem.chars().next()?;
    let rest = stem.get(1..)?;
    let (version, description) = rest.split_once("__")?;
    match prefix {
        'V' | 'U' if version.starts_with(|c: char| c.is_ascii_digit()) => Some((prefix, version, description)),
        'R' if version.is_empty() => Some((prefix, version, description)),
        _ => None,
    }
}

/// Diesel's version: the folder name up to its first `_`, dashes removed.
pub(super) fn diesel_version(folder: &str) -> Option<String> {
    let head = folder.split('_').next()?;
    head.starts_with(|c: char| c.is_ascii_digit())
        .then(|| head.replace('-', ""))
}

/// The version a tool would give a migration file at `path`.
pub(crate) fn version_of(tool: Tool, path: &Path) -> Option<String> {
    let file_name = plain_name(path.file_name()?.to_str()?);
    let folder = || path.parent()?.file_name()?.to_str();
    match tool {
        Tool::Flyway => match flyway_parts(file_name)? {
            ('R', _, _) => None,
            (_, version, _) => Some(version.replace('_', ".")),
        },
        Tool::Diesel => diesel_version(folder()?),
        Tool::Prisma => leading_number(folder()?).map(str::to_string),
        Tool::Liquibase | Tool::Sqitch | Tool::Plain => None,
        Tool::GolangMigrate
        | Tool::Sqlx
        | Tool::Dbmate
        | Tool::Goose
        | Tool::Drizzle
        | Tool::Supabase
        | Tool::Atlas => leading_number(file_name).map(str::to_string),
    }
}

/// The migration a file at `path` belongs to, as the tool names it, and
/// the direction its name gives (for files deleted since a git ref, which
/// detection never sees).
pub(crate) fn migration_of(tool: Tool, path: &Path) -> (String, Option<crate::input::layout::Direction>) {
    use crate::input::layout::Direction;
    let file_name = plain_name(path.file_name().and_then(|n| n.to_str()).unwrap_or(""));
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("");
    match tool {
        Tool::Diesel | Tool::Prisma => {
            let direction = match file_name {
                "down.sql" => Some(Direction::Down),
                _ => Some(Direction::Up),
            };
            (folder.to_string(), direction)
        }
        Tool::Flyway => {
            let undo = matches!(flyway_parts(file_name), Some(('U', ..)));
            (
                file_name.to_string(),
                Some(if undo { Direction::Down } else { Direction::Up }),
            )
        }
        Tool::Sqitch => {
            let direction = match folder {
                "revert" => Some(Direction::Down),
                "verify" => None,
                _ => Some(Direction::Up),
            };
            (split_stem(file_name).0.to_string(), direction)
        }
        _ => {
            let (stem, direction) = split_stem(file_name);
            (stem.to_string(), Some(direction.unwrap_or(Direction::Up)))
        }
    }
}

/// Versioned first, by version, then by name.
pub(super) fn by_version(tool: Tool, a: &Migration, b: &Migration) -> Ordering {
    match (&a.version, &b.version) {
        (Some(x), Some(y)) => compare_versions(tool, x, y).then_with(|| a.name.cmp(&b.name)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::layout::compare_versions;
    use crate::input::layout::Direction;
    use std::cmp::Ordering;

    #[test]
    fn flyway_compares_each_part_as_a_number() {
        assert_eq!(compare_versions(Tool::Flyway, "1.10", "1.9"), Ordering::Greater);
        assert_eq!(compare_versions(Tool::Flyway, "1.0", "1"), Ordering::Equal);
        assert_eq!(
            compare_versions(Tool::Flyway, "7.0_2019_06_14", "7.0_2019.07.31"),
            Ordering::Less
        );
        assert_eq!(compare_versions(Tool::Flyway, "10.0", "9.0.2025"), Ordering::Greater);
        assert_eq!(compare_versions(Tool::GolangMigrate, "99", "100"), Ordering::Less);
        assert_eq!(compare_versions(Tool::Sqlx, "0009", "10"), Ordering::Less);
        let huge = "123456789012345678901234567890";
        assert_eq!(compare_versions(Tool::Goose, huge, "9"), Ordering::Greater);
        assert_eq!(compare_versions(Tool::Diesel, "20240101", "2023"), Ordering::Greater);
    }

    #[test]
    fn versions_from_file_names() {
        let version = |tool, path: &str| version_of(tool, Path::new(path));
        assert_eq!(
            version(Tool::Flyway, "db/V7.0_2019_06_14__x.sql").as_deref(),
            Some("7.0.2019.06.14")
        );
        assert_eq!(version(Tool::Flyway, "db/U3__x.sql").as_deref(), Some("3"));
        assert_eq!(version(Tool::Flyway, "db/R__views.sql"), None);
        assert_eq!(version(Tool::Flyway, "db/V0001.Name.up.sql"), None);
        assert_eq!(
            version(Tool::Diesel, "m/2024-01-01-000000_add_x/up.sql").as_deref(),
            Some("20240101000000")
        );
        assert_eq!(
            version(Tool::Prisma, "m/20230404095503_init/migration.sql").as_deref(),
            Some("20230404095503")
        );
        assert_eq!(version(Tool::GolangMigrate, "m/100_add.up.sql").as_deref(), Some("100"));
        assert_eq!(
            version(Tool::Dbmate, "m/00000000000000-initial.sql").as_deref(),
            Some("00000000000000")
        );
        assert_eq!(
            version(Tool::Atlas, "m/20240101000000.sql").as_deref(),
            Some("20240101000000")
        );
        assert_eq!(version(Tool::Sqlx, "m/create.sql"), None);
        assert_eq!(version(Tool::Sqitch, "sql/deploy/x.sql"), None);
    }

    #[test]
    fn stems_and_directions() {
        assert_eq!(split_stem("1_a.up.sql"), ("1_a", Some(Direction::Up)));
        assert_eq!(split_stem("1_a.DOWN.SQL"), ("1_a", Some(Direction::Down)));
        assert_eq!(split_stem("1_a.sql"), ("1_a", None));
        assert_eq!(split_stem("é.sql"), ("é", None));
        assert_eq!(leading_number("12abc"), None);
        assert_eq!(flyway_parts("V1__.sql"), Some(('V', "1", "")));
        assert_eq!(flyway_parts("Vx__a.sql"), None);
    }
}
