//! Which tool runs a root: its shape, then the project's files, then
//! markers in the SQL, then file names.

use std::path::Path;

use super::liquibase::is_formatted_sql;
use super::sections::{dbmate_sections, goose_sections, lines};
use super::version::{flyway_parts, leading_number, split_stem};
use super::SqlFile;
use crate::layout::{Direction, Tool};

pub(super) fn detect_tool(dir: &Path, files: &[SqlFile]) -> Tool {
    let direct = |file: &&SqlFile| file.path.parent().and_then(Path::parent) == Some(dir);
    let in_numbered_folder = |file: &&SqlFile| file.parent_name().starts_with(|c: char| c.is_ascii_digit());
    let folder_scripts: Vec<&SqlFile> = files.iter().filter(direct).filter(in_numbered_folder).collect();
    if folder_scripts.iter().any(|f| matches!(f.name(), "up.sql" | "down.sql")) {
        return Tool::Diesel;
    }
    if folder_scripts.iter().any(|f| f.name() == "migration.sql") || dir.join("migration_lock.toml").is_file() {
        return Tool::Prisma;
    }
    let in_sqitch_folder = |name: &str| files.iter().filter(direct).any(|f| f.parent_name() == name);
    if in_sqitch_folder("deploy") && (in_sqitch_folder("revert") || in_sqitch_folder("verify")) {
        return Tool::Sqitch;
    }
    if dir.join("atlas.sum").is_file() {
        return Tool::Atlas;
    }
    if dir.join("meta").join("_journal.json").is_file() {
        return Tool::Drizzle;
    }
    if let Some(tool) = marked_tool(files) {
        return tool;
    }
    let flyway_named = files.iter().filter(|f| flyway_parts(f.name()).is_some()).count();
    if flyway_named > 0 && flyway_named * 2 >= files.len() {
        return Tool::Flyway;
    }
    numbered_tool(dir, files)
}

/// A tool the files name in their comments.
fn marked_tool(files: &[SqlFile]) -> Option<Tool> {
    let any = |test: &dyn Fn(&[u8]) -> bool| files.iter().any(|f| test(&f.bytes));
    if any(&is_formatted_sql) {
        return Some(Tool::Liquibase);
    }
    if any(&|b| !goose_sections(b).0.is_empty()) {
        return Some(Tool::Goose);
    }
    if any(&|b| !dbmate_sections(b).is_empty()) {
        return Some(Tool::Dbmate);
    }
    if any(&|b| contains(b, b"--> statement-breakpoint")) {
        return Some(Tool::Drizzle);
    }
    if any(&|b| atlas_directive(b, "").is_some()) {
        return Some(Tool::Atlas);
    }
    None
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
fn numbered_tool(dir: &Path, files: &[SqlFile]) -> Tool {
    let stems: Vec<(&str, Option<Direction>)> = files.iter().map(|f| split_stem(f.name())).collect();
    let versions: Vec<&str> = stems.iter().filter_map(|(stem, _)| leading_number(stem)).collect();
    if versions.is_empty() || versions.len() * 2 < files.len() {
        return Tool::Plain;
    }
    if dir.ends_with("supabase/migrations") {
        return Tool::Supabase;
    }
    let in_drizzle_folder = dir.file_name().is_some_and(|n| n == "drizzle");
    if in_drizzle_folder && versions.iter().all(|v| v.len() == 4) {
        return Tool::Drizzle;
    }
    let project = Project::find(dir);
    if project.cargo_names_sqlx == Some(true) {
        return Tool::Sqlx;
    }
    if project.go_mod_names_migrate {
        return Tool::GolangMigrate;
    }
    if project.go_mod_names_goose {
        return Tool::Goose;
    }
    // sqlx's default versions are 14-digit timestamps; golang-migrate needs
    // `.up.sql` / `.down.sql` and has no default width. A Cargo.toml that
    // does not name sqlx, or a go.mod, rules sqlx out.
    let sqlx_possible = project.cargo_names_sqlx.is_none() && !project.has_go_mod;
    let timestamps = versions.iter().all(|v| v.len() == 14);
    let split = stems.iter().any(|(_, direction)| direction.is_some());
    if timestamps && sqlx_possible {
        Tool::Sqlx
    } else if split {
        Tool::GolangMigrate
    } else {
        Tool::Plain
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
                if let Ok(text) = std::fs::read_to_string(folder.join("Cargo.toml")) {
                    project.cargo_names_sqlx = Some(text.contains("sqlx"));
                }
            }
            if !project.has_go_mod {
                if let Ok(text) = std::fs::read_to_string(folder.join("go.mod")) {
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
