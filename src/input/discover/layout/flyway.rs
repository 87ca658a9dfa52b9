//! Flyway: `V<ver>__x.sql` by version (each part a number), `U<ver>__x.sql`
//! undoing it, `R__x.sql` after all of them by name; `<script>.conf` with
//! `executeInTransaction=false` opts a script out of Flyway's transaction.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::listing::settings_text;
use super::version::flyway_parts;
use super::{Migration, MigrationRoot, Overlay, Script, SqlFile};
use crate::input::discover::display_path;
use crate::input::layout::compare_versions;
use crate::input::layout::{Direction, RunnerTransaction, Tool};

/// `overlays` stand in for files on disk, script configs among them.
pub(super) fn migrations(files: Vec<SqlFile>, overlays: &[Overlay]) -> (Vec<Migration>, Vec<String>) {
    let mut versioned: BTreeMap<String, Migration> = BTreeMap::new();
    let mut repeatable = Vec::new();
    let mut unnamed = Vec::new();
    let mut files = files;
    // V before U, so a migration is named after its V script.
    files.sort_by_key(|f| f.name().starts_with('U'));
    for file in files {
        let Some((prefix, version, _)) = flyway_parts(file.name()) else {
            unnamed.push(file);
            continue;
        };
        let direction = if prefix == 'U' { Direction::Down } else { Direction::Up };
        let conf = script_config(&file.path, overlays);
        let script = Script::whole(&file, Some(direction), RunnerTransaction::Detected)
            .opting_out(conf.as_deref().is_some_and(opts_out))
            .with_settings_file(conf.is_some());
        let name = file.name().strip_suffix(".sql").unwrap_or(file.name()).to_string();
        if prefix == 'R' {
            repeatable.push(Migration {
                name,
                version: None,
                scripts: vec![script],
            });
            continue;
        }
        let version = version.replace('_', ".");
        versioned
            .entry(version.clone())
            .or_insert_with(|| Migration {
                name,
                version: Some(version),
                scripts: Vec::new(),
            })
            .scripts
            .push(script);
    }
    let mut notices = Vec::new();
    if !unnamed.is_empty() {
        let names: Vec<String> = unnamed.iter().map(|f| display_path(&f.path)).collect();
        notices.push(format!(
            "not named as Flyway migrations (`V<version>__<name>.sql`), so Flyway does not run them; linted last: {}",
            names.join(", ")
        ));
    }
    let mut migrations: Vec<Migration> = versioned.into_values().collect();
    migrations.extend(repeatable);
    migrations.extend(unnamed.iter().map(|f| Migration {
        name: f.name().to_string(),
        version: None,
        scripts: vec![Script::whole(f, Some(Direction::Up), RunnerTransaction::Detected)],
    }));
    sort(&mut migrations);
    (migrations, notices)
}

/// Versioned by version, then repeatable by name (`R__` names sort after
/// any other file's, which Flyway ignores).
fn sort(migrations: &mut [Migration]) {
    let is_repeatable = |m: &Migration| m.name.starts_with("R__");
    migrations.sort_by(|a, b| match (&a.version, &b.version) {
        (Some(x), Some(y)) => compare_versions(Tool::Flyway, x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => is_repeatable(b)
            .cmp(&is_repeatable(a))
            .then_with(|| a.name.cmp(&b.name)),
    });
}

/// The text of the script config `<script>.conf` beside the script, if any.
fn script_config(script: &Path, overlays: &[Overlay]) -> Option<String> {
    let mut conf = script.as_os_str().to_owned();
    conf.push(".conf");
    settings_text(&PathBuf::from(conf), overlays)
}

/// A script config with `executeInTransaction=false`.
fn opts_out(text: &str) -> bool {
    text.lines().any(|line| {
        line.split_once('=').is_some_and(|(key, value)| {
            key.trim() == "executeInTransaction" && value.trim().eq_ignore_ascii_case("false")
        })
    })
}

/// Flyway runs all its locations as one sequence: the roots of locations
/// that name one dialect (DSpace's `…/postgres/`, `metadata/postgres/`)
/// become one root in their common folder, in Flyway's order.
pub(super) fn merge_locations(mut roots: Vec<MigrationRoot>) -> MigrationRoot {
    let real = |root: &MigrationRoot| crate::input::discover::top::real_path(&root.dir);
    roots.sort_by_cached_key(real);
    let dirs: Vec<PathBuf> = roots.iter().map(real).collect();
    let mut rest = roots.into_iter();
    let mut merged = rest.next().expect("a location");
    for other in rest {
        merged.migrations.extend(other.migrations);
        merged.code.extend(other.code);
        merged.replaced.extend(other.replaced);
        merged.notices.extend(other.notices);
    }
    merged.dir = common_ancestor(&dirs);
    sort(&mut merged.migrations);
    // Code migrations are placed again in the merged sequence.
    let code = merged.code.drain(..).map(|c| (c.path, c.language)).collect();
    merged.code = super::code::place(Tool::Flyway, code, &merged.migrations);
    let locations: Vec<String> = dirs.iter().map(|d| crate::input::discover::shown_path(d)).collect();
    merged.notices.push(format!(
        "Flyway locations run as one sequence: {}",
        locations.join(", ")
    ));
    merged
}

fn common_ancestor(dirs: &[PathBuf]) -> PathBuf {
    let Some(first) = dirs.first() else {
        return PathBuf::new();
    };
    let mut common = first.clone();
    while !dirs.iter().all(|d| d.starts_with(&common)) {
        if !common.pop() {
            break;
        }
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_then_repeatables_with_undo_after_its_version() {
        let files = [
            "R__views.sql",
            "V1.10__c.sql",
            "U1.9__b.sql",
            "V1.9__b.sql",
            "V1_2__a.sql",
            "callback.sql",
        ]
        .map(|n| SqlFile::named(&format!("/nowhere/{n}")))
        .to_vec();
        let (migrations, notices) = migrations(files, &[]);
        let order: Vec<(&str, Option<&str>, usize)> = migrations
            .iter()
            .map(|m| (m.name.as_str(), m.version.as_deref(), m.scripts.len()))
            .collect();
        assert_eq!(
            order,
            [
                ("V1_2__a", Some("1.2"), 1),
                ("V1.9__b", Some("1.9"), 2),
                ("V1.10__c", Some("1.10"), 1),
                ("R__views", None, 1),
                ("callback.sql", None, 1)
            ]
        );
        assert_eq!(migrations[1].scripts[1].direction, Some(Direction::Down));
        assert_eq!(notices.len(), 1);
    }
}
