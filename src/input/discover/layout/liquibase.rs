//! Liquibase formatted SQL: `--changeset author:id` parts, each in its own
//! transaction unless `runInTransaction:false`, and `--rollback` lines.

use std::path::{Path, PathBuf};

use super::sections::{blank, lines};
use super::{Migration, Script};
use crate::input::layout::{Direction, RunnerSegment, RunnerTransaction};

/// True when the file's first non-blank line is `--liquibase formatted sql`.
pub(super) fn is_formatted_sql(bytes: &[u8]) -> bool {
    let Some(line) = lines(bytes).find(|l| !bytes[l.clone()].trim_ascii().is_empty()) else {
        return false;
    };
    let text = String::from_utf8_lossy(&bytes[line]).to_ascii_lowercase();
    text.trim()
        .strip_prefix("--")
        .is_some_and(|rest| rest.trim_start().starts_with("liquibase formatted"))
}

/// The text after `--` and optional spaces when it starts with `keyword`
/// (case-insensitive), with the offset where that text starts.
fn directive(line: &[u8], keyword: &str) -> Option<usize> {
    let dashes = line.iter().position(|b| !b.is_ascii_whitespace())?;
    if !line[dashes..].starts_with(b"--") {
        return None;
    }
    let mut at = dashes + 2;
    while line.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    let word = line.get(at..at + keyword.len())?;
    word.eq_ignore_ascii_case(keyword.as_bytes())
        .then_some(at + keyword.len())
}

/// One migration per file: the up script with a segment per changeset, and a
/// down script made of the `--rollback` lines when there are any.
pub(super) fn migration(path: &Path, bytes: &[u8]) -> Migration {
    let mut segments = Vec::new();
    let mut down = bytes.to_vec();
    blank(&mut down, 0..bytes.len());
    let mut has_rollback = false;
    for line in lines(bytes) {
        let text = &bytes[line.clone()];
        if let Some(after) = directive(text, "changeset") {
            if text.get(after).is_some_and(u8::is_ascii_whitespace) {
                let attributes = String::from_utf8_lossy(&text[after..]);
                let transaction = !attributes
                    .split_whitespace()
                    .any(|w| w.eq_ignore_ascii_case("runInTransaction:false"));
                segments.push(RunnerSegment {
                    start: line.start,
                    transaction,
                });
            }
        } else if let Some(after) = directive(text, "rollback") {
            // `--rollback DROP TABLE t;` runs `DROP TABLE t;`: keep that text
            // where it stands, the prefix blanked.
            if text.get(after).is_some_and(u8::is_ascii_whitespace) || after == text.len() {
                has_rollback = true;
                let start = line.start + after;
                down[start..line.end].copy_from_slice(&bytes[start..line.end]);
            }
        }
    }
    let script = |direction, bytes| Script {
        path: path.to_path_buf(),
        direction: Some(direction),
        transaction: RunnerTransaction::PerFile,
        opted_out: false,
        settings_file: false,
        sibling_holds_several: false,
        segments: segments.clone(),
        bytes,
        too_large: None,
    };
    let mut scripts = vec![script(Direction::Up, bytes.to_vec())];
    if has_rollback {
        scripts.push(script(Direction::Down, down));
    }
    Migration {
        name: file_stem(path),
        version: None,
        scripts,
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// The files a master changelog includes, in its order (`file="…"` in XML,
/// `file: …` in YAML, `"file": "…"` in JSON), resolved against `dir`.
pub(super) fn included_files(changelog: &str, dir: &Path) -> Vec<PathBuf> {
    let pattern = regex::Regex::new(r#"(?m)\bfile"?\s*[:=]\s*["']?([^"'\s>]+\.sql)"#);
    let Ok(pattern) = pattern else { return Vec::new() };
    pattern
        .captures_iter(changelog)
        .filter_map(|c| c.get(1))
        .map(|m| dir.join(m.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changesets_and_rollbacks() {
        let file = "--liquibase formatted sql\n\n--changeset ann:1\nCREATE TABLE t (id int);\n--rollback DROP TABLE t;\n\n--changeset ann:2 runInTransaction:false\nCREATE INDEX CONCURRENTLY i ON t (id);\n-- rollback DROP INDEX i;\n";
        assert!(is_formatted_sql(file.as_bytes()));
        let migration = migration(Path::new("db/1.sql"), file.as_bytes());
        let up = &migration.scripts[0];
        assert_eq!(
            up.segments,
            [
                RunnerSegment {
                    start: 27,
                    transaction: true
                },
                RunnerSegment {
                    start: 96,
                    transaction: false
                }
            ]
        );
        assert_eq!(&file[27..44], "--changeset ann:1");
        let down = &migration.scripts[1];
        assert_eq!(down.direction, Some(Direction::Down));
        assert_eq!(down.bytes.len(), file.len());
        let text = String::from_utf8(down.bytes.clone()).unwrap();
        assert_eq!(text.lines().nth(4), Some("           DROP TABLE t;"));
        assert_eq!(text.lines().nth(8), Some("            DROP INDEX i;"));
        assert_eq!(text.matches('\n').count(), file.matches('\n').count());
        assert!(text.lines().nth(3).unwrap().trim().is_empty());
    }

    #[test]
    fn header_must_come_first() {
        assert!(!is_formatted_sql(
            b"CREATE TABLE t (id int);\n--liquibase formatted sql\n"
        ));
        assert!(is_formatted_sql(b"\n-- Liquibase Formatted SQL\n"));
        assert!(!is_formatted_sql(&[0xff, 0x00]));
    }

    #[test]
    fn master_changelog_includes() {
        let xml =
            r#"<include file="changes/002.sql"/><include file='changes/001.sql' relativeToChangelogFile="true"/>"#;
        let yaml = "databaseChangeLog:\n  - include:\n      file: a/3.sql\n";
        let dir = Path::new("db");
        assert_eq!(
            included_files(xml, dir),
            [dir.join("changes/002.sql"), dir.join("changes/001.sql")]
        );
        assert_eq!(included_files(yaml, dir), [dir.join("a/3.sql")]);
    }
}
