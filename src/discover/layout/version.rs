//! Versions as each tool reads them from a file name, and orders them.

use std::cmp::Ordering;
use std::path::Path;

use crate::layout::Tool;

/// A file name without its `.sql`, `.up.sql` or `.down.sql` ending, and the
/// direction that ending names (None for a bare `.sql`).
pub fn split_stem(file_name: &str) -> (&str, Option<crate::layout::Direction>) {
    use crate::layout::Direction;
    let base = strip_suffix_ignore_case(file_name, ".sql").unwrap_or(file_name);
    if let Some(stem) = strip_suffix_ignore_case(base, ".up") {
        (stem, Some(Direction::Up))
    } else if let Some(stem) = strip_suffix_ignore_case(base, ".down") {
        (stem, Some(Direction::Down))
    } else {
        (base, None)
    }
}

pub fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let (head, tail) = (text.get(..cut)?, text.get(cut..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(head)
}

/// The digits a name starts with, when a separator (`_`, `-`, `.`) or the
/// end follows them: `100_add_x` -> `100`.
pub fn leading_number(name: &str) -> Option<&str> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &name[digits..];
    (digits > 0 && (rest.is_empty() || rest.starts_with(['_', '-', '.']))).then(|| &name[..digits])
}

/// A Flyway script name: its prefix (`V`, `U` or `R`), version (empty for
/// `R`) and description. `V1_2__add_x.sql` -> (`V`, `1_2`, `add_x`).
pub fn flyway_parts(file_name: &str) -> Option<(char, &str, &str)> {
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
pub fn diesel_version(folder: &str) -> Option<String> {
    let head = folder.split('_').next()?;
    head.starts_with(|c: char| c.is_ascii_digit())
        .then(|| head.replace('-', ""))
}

/// The version a tool would give a migration file at `path`.
pub fn version_of(tool: Tool, path: &Path) -> Option<String> {
    let file_name = path.file_name()?.to_str()?;
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

/// Compares two versions as the tool orders them. Diesel and Prisma compare
/// the text; the others compare numbers part by part (`.`, `_` and `-`
/// separate parts), so Flyway `1.10` follows `1.9` and `1.0` equals `1`.
pub fn compare_versions(tool: Tool, a: &str, b: &str) -> Ordering {
    match tool {
        Tool::Diesel | Tool::Prisma => a.cmp(b),
        _ => compare_parts(a, b),
    }
}

fn compare_parts(a: &str, b: &str) -> Ordering {
    let is_separator = |c: char| matches!(c, '.' | '_' | '-');
    let mut left = a.split(is_separator);
    let mut right = b.split(is_separator);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => {
                let order = compare_part(x.unwrap_or("0"), y.unwrap_or("0"));
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Numbers by value (of any length, without overflow), numbers before
/// words, words as text.
fn compare_part(x: &str, y: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match (numeric(x), numeric(y)) {
        (true, true) => {
            let x = x.trim_start_matches('0');
            let y = y.trim_start_matches('0');
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => x.cmp(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Direction;

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
