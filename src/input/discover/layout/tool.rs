//! Which tool runs a root: its shape, then the project's files, then
//! markers in the SQL, then file names.

use std::path::Path;

use super::liquibase::is_formatted_sql;
use super::sections::{dbmate_sections, goose_sections, lines};
use super::version::{flyway_parts, leading_number, split_stem};
use super::{delta, versioned, SqlFile};
use crate::input::layout::{Direction, Tool};

/// The tool that runs the root in `dir`, and what gave it away.
pub(super) fn detect_tool(dir: &Path, files: &[SqlFile]) -> (Tool, String) {
    let flyway_named = files.iter().filter(|f| flyway_parts(f.name()).is_some()).count();
    let mostly_flyway = flyway_named > 0 && flyway_named * 2 >= files.len();
    // Folders that hold a schema's versions or deltas are run by the
    // project's own runner: plain SQL, folder by folder. Flyway reads the
    // versions from file names in any folder of a location.
    if let Some(reason) = delta::detect(dir, files) {
        return (Tool::Plain, reason);
    }
    if let Some(reason) = versioned::detect(dir, files) {
        if mostly_flyway {
            return (
                Tool::Flyway,
                "files named `V<version>__<name>.sql` in version folders".into(),
            );
        }
        return (Tool::Plain, reason);
    }
    let direct = |file: &&SqlFile| file.path.parent().and_then(Path::parent) == Some(dir);
    let in_numbered_folder = |file: &&SqlFile| file.parent_name().starts_with(|c: char| c.is_ascii_digit());
    let folder_scripts: Vec<&SqlFile> = files.iter().filter(direct).filter(in_numbered_folder).collect();
    if folder_scripts.iter().any(|f| matches!(f.name(), "up.sql" | "down.sql")) {
        return (Tool::Diesel, "folders holding up.sql and down.sql".into());
    }
    if folder_scripts.iter().any(|f| f.name() == "migration.sql") {
        return (Tool::Prisma, "folders holding migration.sql".into());
    }
    if crate::input::read::is_regular_file(&dir.join("migration_lock.toml")) {
        return (Tool::Prisma, "migration_lock.toml".into());
    }
    let in_sqitch_folder = |name: &str| files.iter().filter(direct).any(|f| f.parent_name() == name);
    if in_sqitch_folder("deploy") && (in_sqitch_folder("revert") || in_sqitch_folder("verify")) {
        return (Tool::Sqitch, "deploy/ and revert/ folders".into());
    }
    if crate::input::read::is_regular_file(&dir.join("atlas.sum")) {
        return (Tool::Atlas, "atlas.sum".into());
    }
    if crate::input::read::is_regular_file(&dir.join("meta").join("_journal.json")) {
        return (Tool::Drizzle, "meta/_journal.json".into());
    }
    if let Some(marked) = marked_tool(files) {
        return marked;
    }
    if mostly_flyway {
        return (Tool::Flyway, "files named `V<version>__<name>.sql`".into());
    }
    numbered_tool(dir, files)
}

/// A tool the files name in their comments.
fn marked_tool(files: &[SqlFile]) -> Option<(Tool, String)> {
    let any = |test: &dyn Fn(&[u8]) -> bool| files.iter().any(|f| test(&f.bytes));
    let found = if any(&is_formatted_sql) {
        (Tool::Liquibase, "`--liquibase formatted sql` headers")
    } else if any(&|b| !goose_sections(b).0.is_empty()) {
        (Tool::Goose, "`-- +goose Up` annotations")
    } else if any(&|b| !dbmate_sections(b).is_empty()) {
        (Tool::Dbmate, "`-- migrate:up` sections")
    } else if any(&|b| contains(b, b"--> statement-breakpoint")) {
        (Tool::Drizzle, "`--> statement-breakpoint` lines")
    } else if any(&|b| atlas_directive(b, "").is_some()) {
        (Tool::Atlas, "`-- atlas:` directives")
    } else {
        return None;
    };
    Some((found.0, found.1.to_string()))
}

pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The value of an `-- atlas:<name>` directive line whose name starts with
/// `name` (`-- atlas:txmode none` -> `txmode none`).
pub(super) fn atlas_directive(bytes: &[u8], name: &str) -> Option<String> {
    lines(bytes).find_map(|line| {
        let text = String::from_utf8_lossy(&bytes[line]);
        let rest = text.trim().strip_prefix("--")?.trim_start().strip_prefix("atlas:")?;
        rest.starts_with(name).then(|| rest.trim().to_string())
    })
}

/// Tools that name files `<version>_<name>.sql`: the supabase folder, the
/// project's Cargo.toml or go.mod, else the shape of the versions.
fn numbered_tool(dir: &Path, files: &[SqlFile]) -> (Tool, String) {
    let stems: Vec<(&str, Option<Direction>)> = files.iter().map(|f| split_stem(f.name())).collect();
    let versions: Vec<&str> = stems.iter().filter_map(|(stem, _)| leading_number(stem)).collect();
    if versions.is_empty() || versions.len() * 2 < files.len() {
        return (Tool::Plain, "no versioned file names".into());
    }
    if dir.ends_with("supabase/migrations") {
        return (Tool::Supabase, "a supabase/migrations folder".into());
    }
    let in_drizzle_folder = dir.file_name().is_some_and(|n| n == "drizzle");
    if in_drizzle_folder && versions.iter().all(|v| v.len() == 4) {
        return (Tool::Drizzle, "a drizzle folder of 4-digit versions".into());
    }
    let project = Project::find(dir);
    if project.cargo_names_sqlx == Some(true) {
        return (Tool::Sqlx, "Cargo.toml names sqlx".into());
    }
    if project.go_mod_names_migrate {
        return (Tool::GolangMigrate, "go.mod names golang-migrate".into());
    }
    if project.go_mod_names_goose {
        return (Tool::Goose, "go.mod names goose".into());
    }
    // sqlx's default versions are 14-digit timestamps; golang-migrate needs
    // `.up.sql` / `.down.sql` and has no default width. A Cargo.toml that
    // does not name sqlx, or a go.mod, rules sqlx out.
    let sqlx_possible = project.cargo_names_sqlx.is_none() && !project.has_go_mod;
    let timestamps = versions.iter().all(|v| v.len() == 14);
    let split = stems.iter().any(|(_, direction)| direction.is_some());
    if timestamps && sqlx_possible {
        (Tool::Sqlx, "14-digit timestamp versions".into())
    } else if split {
        (Tool::GolangMigrate, "`.up.sql` and `.down.sql` files".into())
    } else {
        (Tool::Plain, "versions, but no tool's marks".into())
    }
}

/// What the nearest project files above a root say about its tool.
#[derive(Default)]
struct Project {
    /// None without a Cargo.toml.
    cargo_names_sqlx: Option<bool>,
    has_go_mod: bool,
    go_mod_names_migrate: bool,
    go_mod_names_goose: bool,
}

impl Project {
    /// Looks in `dir` and the folders above it, up to the repository's top.
    fn find(dir: &Path) -> Project {
        let mut project = Project::default();
        let Ok(absolute) = std::path::absolute(dir) else {
            return project;
        };
        for folder in absolute.ancestors() {
            if project.cargo_names_sqlx.is_none() {
                if let Some(text) = crate::input::read::marker_file(&folder.join("Cargo.toml")) {
                    project.cargo_names_sqlx = Some(text.contains("sqlx"));
                }
            }
            if !project.has_go_mod {
                if let Some(text) = crate::input::read::marker_file(&folder.join("go.mod")) {
                    project.has_go_mod = true;
                    project.go_mod_names_migrate = text.contains("golang-migrate/migrate");
                    project.go_mod_names_goose = text.contains("pressly/goose");
                }
            }
            if folder.join(".git").exists() {
                break;
            }
        }
        project
    }
}
