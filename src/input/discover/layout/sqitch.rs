//! Sqitch: a change is `deploy/<name>.sql` with `revert/` and `verify/`
//! beside it, in `sqitch.plan` order; without a plan, in the order the
//! `-- requires:` lines allow, names breaking ties. Scripts carry their own
//! BEGIN/COMMIT: Sqitch adds no transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::sections::lines;
use super::{Migration, Script, SqlFile};
use crate::input::discover::display_path;
use crate::input::layout::{Direction, RunnerTransaction};

pub(super) fn migrations(dir: &Path, files: Vec<SqlFile>) -> (Vec<Migration>, Vec<String>) {
    let mut notices = Vec::new();
    // change name -> (deploy, revert, verify, others)
    let mut changes: BTreeMap<String, [Option<SqlFile>; 3]> = BTreeMap::new();
    let mut loose = Vec::new();
    for file in files {
        let slot = match file.parent_name() {
            "deploy" => 0,
            "revert" => 1,
            "verify" => 2,
            _ => {
                loose.push(file);
                continue;
            }
        };
        let name = file.name().strip_suffix(".sql").unwrap_or(file.name()).to_string();
        changes.entry(name).or_default()[slot] = Some(file);
    }
    let order = match find_plan(dir) {
        Some(plan) => {
            let planned = plan_order(&plan.1);
            let unplanned: Vec<&String> = changes.keys().filter(|c| !planned.contains(c)).collect();
            if !unplanned.is_empty() {
                let names: Vec<&str> = unplanned.iter().map(|s| s.as_str()).collect();
                notices.push(format!(
                    "{}: not in the plan, linted last: {}",
                    display_path(&plan.0),
                    names.join(", ")
                ));
            }
            let mut order: Vec<String> = planned.into_iter().filter(|c| changes.contains_key(c)).collect();
            order.extend(unplanned.into_iter().cloned());
            order
        }
        None => {
            notices.push("no sqitch.plan: order taken from `-- requires:` lines and names".to_string());
            requires_order(&changes, &mut notices)
        }
    };
    let mut migrations: Vec<Migration> = order
        .into_iter()
        .filter_map(|name| {
            let [deploy, revert, verify] = changes.remove(&name)?;
            let scripts = [
                (deploy, Some(Direction::Up)),
                (revert, Some(Direction::Down)),
                (verify, None),
            ]
            .into_iter()
            .filter_map(|(file, direction)| Some(Script::whole(&file?, direction, RunnerTransaction::None)))
            .collect();
            Some(Migration {
                name,
                version: None,
                scripts,
            })
        })
        .collect();
    migrations.extend(loose.iter().map(|f| Migration {
        name: f.name().to_string(),
        version: None,
        scripts: vec![Script::whole(f, Some(Direction::Up), RunnerTransaction::None)],
    }));
    (migrations, notices)
}

/// `sqitch.plan` in the root or a folder above it, up to the repository's top.
fn find_plan(dir: &Path) -> Option<(PathBuf, String)> {
    let real = crate::input::discover::top::real_path(dir);
    for (up, folder) in real.ancestors().enumerate() {
        // In the root itself, spelled as the root is, for the notice.
        let path = if up == 0 { dir } else { folder }.join("sqitch.plan");
        if let Some(text) = crate::input::read::marker_file(&path) {
            return Some((path, text));
        }
        if folder.join(".git").exists() {
            break;
        }
    }
    None
}

/// The change names of a plan, in order, each once (a reworked change keeps
/// its first place).
pub(super) fn plan_order(plan: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    plan.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with(['%', '#', '@']))
        .filter_map(|line| line.split_whitespace().next())
        .map(|name| name.trim_start_matches(['+', '-']).to_string())
        .filter(|name| !name.is_empty() && seen.insert(name.clone()))
        .collect()
}

/// A topological order over the deploy scripts' `-- requires:` lines, the
/// smallest name first among those ready.
fn requires_order(changes: &BTreeMap<String, [Option<SqlFile>; 3]>, notices: &mut Vec<String>) -> Vec<String> {
    let mut waiting: BTreeMap<&str, BTreeSet<String>> = changes
        .iter()
        .map(|(name, [deploy, _, _])| {
            let needs = deploy.as_ref().map(|d| requirements(&d.bytes)).unwrap_or_default();
            let needs = needs
                .into_iter()
                .filter(|n| changes.contains_key(n) && n != name)
                .collect();
            (name.as_str(), needs)
        })
        .collect();
    let mut order = Vec::new();
    while !waiting.is_empty() {
        let ready = waiting
            .iter()
            .find(|(_, needs)| needs.is_empty())
            .map(|(n, _)| n.to_string());
        let Some(next) = ready else {
            let names: Vec<&str> = waiting.keys().copied().collect();
            notices.push(format!(
                "`-- requires:` lines form a cycle; in name order: {}",
                names.join(", ")
            ));
            order.extend(names.into_iter().map(str::to_string));
            break;
        };
        waiting.remove(next.as_str());
        for needs in waiting.values_mut() {
            needs.remove(&next);
        }
        order.push(next);
    }
    order
}

/// The changes a deploy script names on `-- requires: a, b` lines
/// (`project:change` and `change@tag` read as `change`).
fn requirements(bytes: &[u8]) -> Vec<String> {
    lines(bytes)
        .filter_map(|line| {
            let text = String::from_utf8_lossy(&bytes[line]).into_owned();
            let rest = text
                .trim()
                .strip_prefix("--")?
                .trim_start()
                .strip_prefix("requires:")?
                .to_string();
            Some(rest)
        })
        .flat_map(|rest| {
            rest.split([',', ' '])
                .map(|word| {
                    let word = word.rsplit(':').next().unwrap_or(word);
                    word.split('@').next().unwrap_or(word).trim().to_string()
                })
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_lines() {
        let plan = "%syntax-version=1.0.0\n%project=registry\n\nappschema 2020-01-01T00:00:00Z Ann <a@x> # schema\nusers [appschema] 2020-01-02T00:00:00Z Ann <a@x>\n@v1 2020-01-03T00:00:00Z Ann <a@x>\nusers [users@v1] 2020-01-04T00:00:00Z Ann <a@x>\n";
        assert_eq!(plan_order(plan), ["appschema", "users"]);
    }

    #[test]
    fn requires_lines() {
        let deploy = b"-- Deploy registry:users to pg\n-- requires: appschema\n-- requires: registry:roles@v1, other\n\nBEGIN;\n";
        assert_eq!(requirements(deploy), ["appschema", "roles", "other"]);
    }
}
