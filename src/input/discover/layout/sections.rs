//! Up and down sections inside one file (goose, dbmate), and the masked
//! views that keep every offset, line and column of the file.

use std::ops::Range;

use crate::input::layout::Direction;

/// Each line's byte range, without its line ending.
pub(super) fn lines(bytes: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| start + i);
        let line = start..end;
        start = end + 1;
        let content_end = if line.end > line.start && bytes[line.end - 1] == b'\r' {
            line.end - 1
        } else {
            line.end
        };
        Some(line.start..content_end)
    })
}

/// Replaces every byte in `range` except `\n` and `\r` by a space.
pub(super) fn blank(bytes: &mut [u8], range: Range<usize>) {
    let end = range.end.min(bytes.len());
    for byte in bytes.iter_mut().take(end).skip(range.start) {
        if *byte != b'\n' && *byte != b'\r' {
            *byte = b' ';
        }
    }
}

/// The file with everything outside `keep` blanked.
pub(super) fn keep_only(bytes: &[u8], keep: Range<usize>) -> Vec<u8> {
    let mut view = bytes.to_vec();
    blank(&mut view, 0..keep.start);
    blank(&mut view, keep.end..bytes.len());
    view
}

/// The text of a `--` comment line after its dashes, trimmed, or None when
/// the line is not such a comment.
fn comment_text(line: &[u8]) -> Option<String> {
    if !line.trim_ascii_start().starts_with(b"--") {
        return None;
    }
    let text = String::from_utf8_lossy(line);
    let rest = text.trim_start().strip_prefix("--")?;
    Some(rest.trim().to_string())
}

/// One direction's part of a file, and whether it runs in the runner's
/// transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Section {
    pub direction: Direction,
    pub range: Range<usize>,
    pub transaction: bool,
}

/// dbmate's `-- migrate:up` / `-- migrate:down` sections, each running to
/// the next marker; options such as `transaction:false` follow the marker.
pub(super) fn dbmate_sections(bytes: &[u8]) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for line in lines(bytes) {
        let Some(text) = comment_text(&bytes[line.clone()]) else {
            continue;
        };
        let mut words = text.split_whitespace();
        let direction = match words.next().map(str::to_ascii_lowercase).as_deref() {
            Some("migrate:up") => Direction::Up,
            Some("migrate:down") => Direction::Down,
            _ => continue,
        };
        let transaction = !words.any(|w| w.eq_ignore_ascii_case("transaction:false"));
        if let Some(last) = sections.last_mut() {
            last.range.end = line.start;
        }
        sections.push(Section {
            direction,
            range: line.start..bytes.len(),
            transaction,
        });
    }
    sections
}

/// goose's `-- +goose Up` / `-- +goose Down` sections, and whether the file
/// says `-- +goose NO TRANSACTION` (which holds for both).
pub(super) fn goose_sections(bytes: &[u8]) -> (Vec<Section>, bool) {
    let mut sections: Vec<Section> = Vec::new();
    let mut no_transaction = false;
    for line in lines(bytes) {
        let Some(text) = comment_text(&bytes[line.clone()]) else {
            continue;
        };
        let Some(command) = text.strip_prefix("+goose") else {
            continue;
        };
        let command = command.trim().to_ascii_lowercase();
        let direction = match command.as_str() {
            "up" => Direction::Up,
            "down" => Direction::Down,
            _ => {
                no_transaction |= command.split_whitespace().eq(["no", "transaction"]);
                continue;
            }
        };
        if let Some(last) = sections.last_mut() {
            last.range.end = line.start;
        }
        sections.push(Section {
            direction,
            range: line.start..bytes.len(),
            transaction: true,
        });
    }
    for section in &mut sections {
        section.transaction = !no_transaction;
    }
    (sections, no_transaction)
}

/// Drizzle Kit splits on `--> statement-breakpoint`: make each one end the
/// statement before it (`;-- statement-breakpoint`, the same length).
pub(super) fn drizzle_breakpoints(bytes: &[u8]) -> Vec<u8> {
    const MARKER: &[u8] = b"--> statement-breakpoint";
    let mut view = bytes.to_vec();
    let mut at = 0;
    while let Some(found) = view[at..].windows(MARKER.len()).position(|w| w == MARKER) {
        let start = at + found;
        view[start..start + 3].copy_from_slice(b";--");
        at = start + MARKER.len();
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_length_and_line_breaks() {
        let file = b"-- +goose Up\r\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;";
        let (sections, no_transaction) = goose_sections(file);
        assert!(!no_transaction);
        assert_eq!(sections.len(), 2);
        let down = keep_only(file, sections[1].range.clone());
        assert_eq!(down.len(), file.len());
        assert_eq!(
            String::from_utf8(down).unwrap(),
            "            \r\n                        \n-- +goose Down\nDROP TABLE t;"
        );
        let up = keep_only(file, sections[0].range.clone());
        assert_eq!(
            String::from_utf8(up).unwrap(),
            "-- +goose Up\r\nCREATE TABLE t (id int);\n              \n             "
        );
    }

    #[test]
    fn goose_no_transaction_anywhere() {
        let file = "-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n--  +goose   NO TRANSACTION\n";
        let (sections, no_transaction) = goose_sections(file.as_bytes());
        assert!(no_transaction);
        assert!(!sections[0].transaction);
    }

    #[test]
    fn dbmate_options_per_section() {
        let file =
            "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\nDROP INDEX i;\n";
        let sections = dbmate_sections(file.as_bytes());
        assert_eq!(sections.len(), 2);
        assert_eq!((sections[0].direction, sections[0].transaction), (Direction::Up, false));
        assert_eq!(
            (sections[1].direction, sections[1].transaction),
            (Direction::Down, true)
        );
        assert_eq!(&file[sections[1].range.clone()], "-- migrate:down\nDROP INDEX i;\n");
    }

    #[test]
    fn drizzle_breakpoints_end_statements() {
        let file =
            b"CREATE TABLE a (x int);--> statement-breakpoint\nCREATE TABLE b (y int)\n--> statement-breakpoint\n";
        let view = drizzle_breakpoints(file);
        assert_eq!(view.len(), file.len());
        assert_eq!(
            String::from_utf8(view).unwrap(),
            "CREATE TABLE a (x int);;-- statement-breakpoint\nCREATE TABLE b (y int)\n;-- statement-breakpoint\n"
        );
    }

    #[test]
    fn binary_input_does_not_panic() {
        let junk = [0xff, 0xfe, b'\n', b'-', b'-', 0x80, b'\r'];
        assert!(dbmate_sections(&junk).is_empty());
        assert!(goose_sections(&junk).0.is_empty());
        assert_eq!(lines(&junk).count(), 2);
    }
}
