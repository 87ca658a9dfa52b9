//! The dialect of a root: from config, a folder name, or the syntax its
//! files use outside comments and strings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::input::layout::Dialect;

/// Syntax that only one dialect writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Marker {
    Backtick,
    Autoincrement,
    Pragma,
    WithoutRowid,
    Strftime,
    DatetimeLiteral,
    CollateNocase,
    Blob,
    Engine,
    AutoIncrement,
    Unsigned,
    ModifyColumn,
    ChangeColumn,
    TinyInt,
    LongText,
    DollarQuote,
    DoubleColon,
    Jsonb,
    Serial,
    Concurrently,
    Plpgsql,
    Timestamptz,
    Bytea,
}

impl Marker {
    pub(super) fn dialect(self) -> Dialect {
        use Marker::*;
        match self {
            Backtick | Autoincrement | Pragma | WithoutRowid | Strftime | DatetimeLiteral | CollateNocase | Blob => {
                Dialect::Sqlite
            }
            Engine | AutoIncrement | Unsigned | ModifyColumn | ChangeColumn | TinyInt | LongText => Dialect::Mysql,
            DollarQuote | DoubleColon | Jsonb | Serial | Concurrently | Plpgsql | Timestamptz | Bytea => {
                Dialect::Postgres
            }
        }
    }

    pub(super) fn label(self) -> &'static str {
        use Marker::*;
        match self {
            Backtick => "backticks",
            Autoincrement => "AUTOINCREMENT",
            Pragma => "PRAGMA",
            WithoutRowid => "WITHOUT ROWID",
            Strftime => "strftime(",
            DatetimeLiteral => "datetime(…)",
            CollateNocase => "COLLATE NOCASE",
            Blob => "BLOB",
            Engine => "ENGINE=",
            AutoIncrement => "AUTO_INCREMENT",
            Unsigned => "UNSIGNED",
            ModifyColumn => "MODIFY COLUMN",
            ChangeColumn => "CHANGE COLUMN",
            TinyInt => "TINYINT",
            LongText => "LONGTEXT",
            DollarQuote => "$$",
            DoubleColon => "::",
            Jsonb => "jsonb",
            Serial => "serial",
            Concurrently => "CONCURRENTLY",
            Plpgsql => "plpgsql",
            Timestamptz => "timestamptz",
            Bytea => "bytea",
        }
    }
}

/// The markers one file shows, each once.
pub(super) fn sniff(bytes: &[u8]) -> Vec<Marker> {
    let mut found = Vec::new();
    let mut note = |marker: Marker| {
        if !found.contains(&marker) {
            found.push(marker);
        }
    };
    let mut previous_word = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = skip_to(bytes, i, b"\n"),
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_to(bytes, i + 2, b"*/"),
            b'\'' => {
                let escapes = i > 0 && matches!(bytes[i - 1], b'e' | b'E');
                i = skip_quoted(bytes, i, b'\'', escapes);
            }
            b'"' => i = skip_quoted(bytes, i, b'"', false),
            b'`' => {
                note(Marker::Backtick);
                i = skip_quoted(bytes, i, b'`', false);
            }
            b':' if bytes.get(i + 1) == Some(&b':') => {
                note(Marker::DoubleColon);
                i += 2;
            }
            b'$' => match dollar_tag(bytes, i) {
                Some(tag) => {
                    note(Marker::DollarQuote);
                    i = skip_to(bytes, i + tag.len(), &tag);
                }
                None => i += 1,
            },
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let end = i + bytes[i..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'$')
                    .count();
                let word = String::from_utf8_lossy(&bytes[i..end]).to_ascii_uppercase();
                let next = bytes[end..].iter().copied().find(|b| !b.is_ascii_whitespace());
                let after_paren = bytes[end..].iter().copied().filter(|b| !b.is_ascii_whitespace()).nth(1);
                let marker = match word.as_str() {
                    "AUTOINCREMENT" => Some(Marker::Autoincrement),
                    "PRAGMA" => Some(Marker::Pragma),
                    "ROWID" if previous_word == "WITHOUT" => Some(Marker::WithoutRowid),
                    "STRFTIME" if next == Some(b'(') => Some(Marker::Strftime),
                    // MySQL's DATETIME(6) is a type; SQLite's datetime('now') a function.
                    "DATETIME" if next == Some(b'(') && !after_paren.is_some_and(|b| b.is_ascii_digit()) => {
                        Some(Marker::DatetimeLiteral)
                    }
                    "NOCASE" if previous_word == "COLLATE" => Some(Marker::CollateNocase),
                    "BLOB" => Some(Marker::Blob),
                    "ENGINE" if next == Some(b'=') => Some(Marker::Engine),
                    "AUTO_INCREMENT" => Some(Marker::AutoIncrement),
                    "UNSIGNED" => Some(Marker::Unsigned),
                    // PostgreSQL has no MODIFY; a function of that name is followed by `(`.
                    "MODIFY" if next != Some(b'(') => Some(Marker::ModifyColumn),
                    "COLUMN" if previous_word == "CHANGE" => Some(Marker::ChangeColumn),
                    "TINYINT" => Some(Marker::TinyInt),
                    "LONGTEXT" | "MEDIUMTEXT" => Some(Marker::LongText),
                    "JSONB" => Some(Marker::Jsonb),
                    "SERIAL" | "BIGSERIAL" | "SMALLSERIAL" => Some(Marker::Serial),
                    "CONCURRENTLY" => Some(Marker::Concurrently),
                    "PLPGSQL" => Some(Marker::Plpgsql),
                    "TIMESTAMPTZ" => Some(Marker::Timestamptz),
                    "BYTEA" => Some(Marker::Bytea),
                    _ => None,
                };
                if let Some(marker) = marker {
                    note(marker);
                }
                previous_word = word;
                i = end;
            }
            _ => i += 1,
        }
    }
    found
}

/// The offset just past the next `end` at or after `from` (or the end).
fn skip_to(bytes: &[u8], from: usize, end: &[u8]) -> usize {
    if from >= bytes.len() || end.is_empty() {
        return bytes.len();
    }
    bytes[from..]
        .windows(end.len())
        .position(|w| w == end)
        .map_or(bytes.len(), |at| from + at + end.len())
}

/// Past a quoted run that starts at `start`; a doubled quote stays inside.
fn skip_quoted(bytes: &[u8], start: usize, quote: u8, backslash_escapes: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if backslash_escapes && bytes[i] == b'\\' {
            i += 2;
        } else if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// `$$` or `$tag$` at `start` (not `$1`).
fn dollar_tag(bytes: &[u8], start: usize) -> Option<Vec<u8>> {
    let rest = &bytes[start + 1..];
    let tag_len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    if rest.get(tag_len) != Some(&b'$') || rest.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes[start..start + tag_len + 2].to_vec())
}

/// Counts of files showing each marker, over a root.
#[derive(Debug, Default, Clone)]
pub(super) struct Evidence {
    pub files_with: BTreeMap<Marker, usize>,
}

impl Evidence {
    pub(super) fn add(&mut self, markers: &[Marker]) {
        for marker in markers {
            *self.files_with.entry(*marker).or_default() += 1;
        }
    }

    fn score(&self, dialect: Dialect) -> usize {
        self.files_with
            .iter()
            .filter(|(m, _)| m.dialect() == dialect)
            .map(|(_, n)| n)
            .sum()
    }

    /// The dialect the syntax shows, with the reason, or None without any.
    /// MySQL and SQLite need more evidence than PostgreSQL shows, and more
    /// than one file's one odd word.
    pub(super) fn verdict(&self) -> Option<(Dialect, String)> {
        let postgres = self.score(Dialect::Postgres);
        let mysql = self.score(Dialect::Mysql);
        let sqlite = self.score(Dialect::Sqlite);
        let (other, other_score) = if mysql >= sqlite {
            (Dialect::Mysql, mysql)
        } else {
            (Dialect::Sqlite, sqlite)
        };
        let other_score = other_score + if other == Dialect::Mysql { self.backticks() } else { 0 };
        if other_score >= 2 && other_score > postgres {
            Some((other, self.reason(other)))
        } else if postgres > 0 {
            Some((Dialect::Postgres, self.reason(Dialect::Postgres)))
        } else {
            None
        }
    }

    fn backticks(&self) -> usize {
        self.files_with.get(&Marker::Backtick).copied().unwrap_or(0)
    }

    fn reason(&self, dialect: Dialect) -> String {
        let mut markers: Vec<(Marker, usize)> = self
            .files_with
            .iter()
            .filter(|(m, _)| m.dialect() == dialect || (dialect == Dialect::Mysql && **m == Marker::Backtick))
            .map(|(m, n)| (*m, *n))
            .collect();
        markers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let name = match dialect {
            Dialect::Postgres => "PostgreSQL",
            Dialect::Mysql => "MySQL",
            Dialect::Sqlite => "SQLite",
        };
        let labels: Vec<&str> = markers.iter().take(3).map(|(m, _)| m.label()).collect();
        let files = markers.first().map_or(0, |(_, n)| *n);
        let plural = if files == 1 { "" } else { "s" };
        format!("{name} syntax ({}) in {files} file{plural}", labels.join(", "))
    }
}

/// The dialect the names of the root's folder and the two above it say,
/// never counting the project's top or anything above it: a repository
/// called `sqlite-tools` says nothing of its migrations. Returns the folder
/// that names it too (`real_dir` is a real path).
pub(super) fn from_folder_names(real_dir: &Path, top: Option<&Path>) -> Option<(Dialect, String, PathBuf)> {
    real_dir
        .ancestors()
        .take(FOLDER_NAMES_COUNTED)
        .take_while(|folder| top.is_none_or(|top| folder.starts_with(top) && *folder != top))
        .find_map(|folder| {
            let name = folder.file_name()?.to_string_lossy();
            let dialect = name
                .split(|c: char| !c.is_ascii_alphanumeric())
                .find_map(folder_word_dialect)?;
            Some((dialect, format!("folder name `{name}`"), folder.to_path_buf()))
        })
}

/// The root's own folder and the two above it (`crates/x-sqlite/migrations`).
const FOLDER_NAMES_COUNTED: usize = 3;

fn folder_word_dialect(word: &str) -> Option<Dialect> {
    match word.to_ascii_lowercase().as_str() {
        "mysql" | "mariadb" => Some(Dialect::Mysql),
        "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
        "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_outside_comments_and_strings() {
        let sql = b"-- AUTOINCREMENT in a comment\nSELECT 'ENGINE=InnoDB', \"UNSIGNED\", E'it\\'s `x`' ; /* PRAGMA */ SELECT 1::int;";
        assert_eq!(sniff(sql), [Marker::DoubleColon]);
        let sqlite = b"CREATE TABLE `t` (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT DEFAULT (datetime('now'))) WITHOUT ROWID;";
        assert_eq!(
            sniff(sqlite),
            [
                Marker::Backtick,
                Marker::Autoincrement,
                Marker::DatetimeLiteral,
                Marker::WithoutRowid
            ]
        );
        let mysql = b"ALTER TABLE t MODIFY COLUMN a TINYINT UNSIGNED; CREATE TABLE u (id int) ENGINE = InnoDB;";
        assert_eq!(
            sniff(mysql),
            [Marker::ModifyColumn, Marker::TinyInt, Marker::Unsigned, Marker::Engine]
        );
        let body =
            b"CREATE FUNCTION f() RETURNS int AS $body$ SELECT `x` AUTOINCREMENT $body$ LANGUAGE sql; SELECT $1;";
        assert_eq!(sniff(body), [Marker::DollarQuote]);
        assert!(sniff(&[0xff, b'$', b'\'', 0x80]).is_empty());
    }

    #[test]
    fn one_word_does_not_outweigh_postgres() {
        let mut evidence = Evidence::default();
        evidence.add(&[Marker::Jsonb, Marker::DollarQuote]);
        evidence.add(&[Marker::Blob]);
        assert_eq!(evidence.verdict().map(|v| v.0), Some(Dialect::Postgres));
        let mut evidence = Evidence::default();
        evidence.add(&[Marker::Autoincrement, Marker::Backtick]);
        evidence.add(&[Marker::Autoincrement]);
        let (dialect, reason) = evidence.verdict().unwrap();
        assert_eq!(dialect, Dialect::Sqlite);
        assert_eq!(reason, "SQLite syntax (AUTOINCREMENT, backticks) in 2 files");
        assert!(Evidence::default().verdict().is_none());
    }

    #[test]
    fn folder_names() {
        let named = |dir: &str, top: Option<&str>| {
            from_folder_names(Path::new(dir), top.map(Path::new)).map(|(d, _, folder)| (d, folder))
        };
        assert_eq!(
            named("/r/crates/atuin-server-sqlite/migrations", Some("/r")),
            Some((Dialect::Sqlite, PathBuf::from("/r/crates/atuin-server-sqlite")))
        );
        assert_eq!(named("/sqlite-tools/db/migrations", Some("/sqlite-tools")), None);
        assert_eq!(named("/mysql/a/b/c", None), None, "three folders at most");
        assert_eq!(
            named("/pg/db/MySQL/x", None).map(|n| n.0),
            Some(Dialect::Mysql),
            "the deepest first"
        );
    }
}
