//! Tools with a folder per migration: Diesel (`<ts>_x/up.sql`, `down.sql`,
//! `metadata.toml`) and Prisma (`<ts>_x/migration.sql`), run in version
//! order (the folder name's, dashes removed for Diesel).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::listing::{overlaid, settings_text};
use super::version::{by_version, version_of};
use super::{Migration, Overlay, Script, SqlFile};
use crate::input::discover::display_path;
use crate::input::discover::top::RealPaths;
use crate::input::layout::{Direction, RunnerTransaction, Tool};

pub(super) fn migrations(
    tool: Tool,
    dir: &Path,
    files: Vec<SqlFile>,
    real_paths: &RealPaths,
    overlays: &[Overlay],
) -> (Vec<Migration>, Vec<String>) {
    let mut notices = Vec::new();
    let transaction = match tool {
        Tool::Prisma => RunnerTransaction::Batch,
        _ => RunnerTransaction::PerFile,
    };
    // Keyed by folder name; a stray file directly in the root stands alone.
    let mut folders: BTreeMap<String, (PathBuf, Vec<SqlFile>)> = BTreeMap::new();
    for file in files {
        let parent = file.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let key = if parent == dir {
            file.name().to_string()
        } else {
            parent
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        };
        folders.entry(key).or_insert_with(|| (parent, Vec::new())).1.push(file);
    }
    let mut migrations = Vec::new();
    for (name, (folder, mut files)) in folders {
        files.sort_by_key(|f| direction_of(f.name()) == Some(Direction::Down));
        let metadata = (tool == Tool::Diesel && folder != dir)
            .then(|| metadata(&folder, real_paths, overlays, &mut notices))
            .flatten();
        let opted_out = metadata == Some(false);
        let scripts = files
            .iter()
            .map(|f| {
                let direction = Some(direction_of(f.name()).unwrap_or(Direction::Up));
                // Diesel's metadata.toml is the migration's: it takes the
                // other script (down.sql) out of its transaction too.
                let sibling_holds_several = tool == Tool::Diesel
                    && files
                        .iter()
                        .any(|other| other.path != f.path && may_hold_several_statements(&other.bytes));
                let mut script = Script::whole(f, direction, transaction)
                    .opting_out(opted_out)
                    .with_settings_file(metadata.is_some());
                script.sibling_holds_several = sibling_holds_several;
                script
            })
            .collect();
        let version = files.first().and_then(|f| version_of(tool, &f.path));
        migrations.push(Migration { name, version, scripts });
    }
    // Diesel runs by version, its dashes removed: `2017-09-23-182408_x`
    // after `20170804200817_y`, although it sorts before it as a name.
    migrations.sort_by(|a, b| by_version(tool, a, b));
    (migrations, notices)
}

fn direction_of(file_name: &str) -> Option<Direction> {
    match file_name.to_ascii_lowercase().as_str() {
        "up.sql" | "migration.sql" => Some(Direction::Up),
        "down.sql" => Some(Direction::Down),
        _ => None,
    }
}

/// Whether a script may hold more than one statement: it does unless no
/// `;` is followed by more than blanks. Text is not parsed here, so a `;`
/// in a comment or a string counts too: the answer errs towards "several".
fn may_hold_several_statements(bytes: &[u8]) -> bool {
    let mut semicolons = bytes.iter().enumerate().filter(|(_, b)| **b == b';');
    semicolons.any(|(at, _)| !bytes[at + 1..].trim_ascii().is_empty())
}

/// Diesel's `metadata.toml`, when the folder holds one: whether the
/// migration runs in a transaction (`run_in_transaction = false` opts out).
fn metadata(folder: &Path, real_paths: &RealPaths, overlays: &[Overlay], notices: &mut Vec<String>) -> Option<bool> {
    let path = folder.join("metadata.toml");
    // A folder listed without one is not asked again.
    if real_paths.listed_without(folder, "metadata.toml") && !overlaid(&path, overlays) {
        return None;
    }
    let text = settings_text(&path, overlays)?;
    Some(match text.parse::<toml::Table>() {
        Ok(table) => table
            .get("run_in_transaction")
            .and_then(toml::Value::as_bool)
            .unwrap_or(true),
        Err(e) => {
            notices.push(format!(
                "{}: not valid TOML ({}); taken as running in a transaction",
                display_path(&path),
                e.message()
            ));
            true
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_statements_are_told_by_what_follows_a_semicolon() {
        assert!(!may_hold_several_statements(b"DROP INDEX i;\n"));
        assert!(!may_hold_several_statements(b"SELECT 1"));
        assert!(may_hold_several_statements(b"DROP INDEX i;\nDROP TABLE t;\n"));
        assert!(may_hold_several_statements(b"DROP INDEX i; -- done\n"));
    }
}
