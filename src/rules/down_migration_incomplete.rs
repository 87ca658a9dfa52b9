//! `down-migration-incomplete`: a down script that does not bring the
//! schema back to where its up script found it: what the up script created
//! is left, what it dropped or changed is not restored.

use crate::analysis::reversal::{Incomplete, Object, ObjectKind};
use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::down::{drop_sql, made, rename_sql, script_start, statement_span};

crate::rule::declare_rule!(DownMigrationIncomplete, id: "down-migration-incomplete", category: Compatibility, severity: Warning, since: "0.2.0");

impl Rule for DownMigrationIncomplete {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        let Some(reversal) = &file.reversal else {
            return;
        };
        let start = script_start(file);
        let left: Vec<&Object> = reversal
            .incomplete
            .iter()
            .filter_map(|p| match p {
                Incomplete::Left(o) => Some(o),
                _ => None,
            })
            .collect();
        let not_restored: Vec<&Object> = reversal
            .incomplete
            .iter()
            .filter_map(|p| match p {
                Incomplete::NotRestored { object, by: None } => Some(object),
                _ => None,
            })
            .collect();
        // Many objects at the script's start read better as one finding.
        let group_left = left.len() > GROUP_OVER;
        let group_not_restored = not_restored.len() > GROUP_OVER;
        if group_left {
            let drops: Vec<String> = left.iter().take(GROUP_OVER).map(|o| drop_sql(o)).collect();
            out.push(
                Finding::new(
                    start,
                    format!(
                        "down migration leaves {} objects that its up migration created: {}",
                        left.len(),
                        listed(&left)
                    ),
                )
                .help(format!(
                    "undo each in the down migration, in the reverse order of the up migration: `{}`{}",
                    drops.join(" "),
                    if left.len() > GROUP_OVER { " ..." } else { "" }
                )),
            );
        }
        if group_not_restored {
            out.push(
                Finding::new(
                    start,
                    format!(
                        "down migration does not restore {} objects that its up migration dropped: {}",
                        not_restored.len(),
                        listed(&not_restored)
                    ),
                )
                .help("create them again in the down migration as they were before the up migration (the migrations before it hold their definitions), or, if the migration cannot be undone, say so with an ignore comment"),
            );
        }
        for problem in &reversal.incomplete {
            match problem {
                Incomplete::Left(_) if group_left => continue,
                Incomplete::NotRestored { by: None, .. } if group_not_restored => continue,
                _ => {}
            }
            out.push(match problem {
                Incomplete::Left(object) => Finding::new(
                    start,
                    format!("down migration leaves {object} that its up migration {}", made(object)),
                )
                .help(format!(
                    "undo it in the down migration, in the reverse order of the up migration: `{}`",
                    drop_sql(object)
                )),
                Incomplete::NotRestored { object, by: None } => Finding::new(
                    start,
                    format!("down migration does not restore {object} that its up migration dropped"),
                )
                .help(format!(
                    "create the {} again in the down migration as it was before the up migration (the migrations before it hold its definition)",
                    object.kind.noun()
                )),
                Incomplete::NotRestored { object, by: Some(statement) } => Finding::new(
                    statement_span(file, *statement, None),
                    format!("down migration drops {object}, which existed before its up migration"),
                )
                .help(format!(
                    "a down migration undoes its up migration only: leave the {} as it is, or drop it in a forward migration",
                    object.kind.noun()
                )),
                Incomplete::DroppedByDown(object) => Finding::new(
                    start,
                    format!("down migration drops {object}, which existed before its up migration"),
                )
                .help(format!(
                    "a down migration undoes its up migration only: leave the {} as it is, or drop it in a forward migration",
                    object.kind.noun()
                )),
                Incomplete::NotRenamedBack { old, new } => Finding::new(
                    start,
                    format!(
                        "down migration leaves {new} under the name its up migration gave it: it was \"{}\" before",
                        old.name.name
                    ),
                )
                .help(format!("rename it back in the down migration: `{}`", rename_sql(old, new))),
                Incomplete::Changed {
                    object,
                    before,
                    after,
                    by,
                } => {
                    let span = by.map_or(start, |statement| statement_span(file, statement, None));
                    let verb = if by.is_some() { "changes" } else { "leaves" };
                    let preposition = if by.is_some() { "to" } else { "as" };
                    let finding = Finding::new(
                        span,
                        format!("down migration {verb} {object} {preposition} {after}: it was {before} before its up migration"),
                    );
                    finding.help(changed_help(object.kind, by.is_some()))
                }
            });
        }
    }
}

/// Above this many objects left (or not restored), one finding names them.
const GROUP_OVER: usize = 5;

/// The first objects of a group, and how many more.
fn listed(objects: &[&Object]) -> String {
    let named: Vec<String> = objects.iter().take(GROUP_OVER).map(|o| o.to_string()).collect();
    match objects.len().saturating_sub(GROUP_OVER) {
        0 => named.join(", "),
        more => format!("{} and {more} more", named.join(", ")),
    }
}

fn changed_help(kind: ObjectKind, by_down: bool) -> String {
    match kind {
        ObjectKind::Enum => "PostgreSQL cannot remove a value from an enum type: to undo the new value, create the type again without it and convert the columns that use it; or keep the value and say so with an ignore comment".to_string(),
        ObjectKind::Column if by_down => "a down migration undoes its up migration only: leave the column's definition as the up migration found it".to_string(),
        ObjectKind::Column => "restore the column's definition in the down migration (`ALTER COLUMN ... TYPE`, `SET`/`DROP NOT NULL`, `SET`/`DROP DEFAULT`), as it was before the up migration".to_string(),
        _ => format!("restore the {}'s definition in the down migration as it was before the up migration", kind.noun()),
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::down_findings;

    const ID: &str = "down-migration-incomplete";

    #[test]
    fn an_added_column_left_behind() {
        assert_eq!(
            down_findings(
                ID,
                "CREATE TABLE users (id bigint);",
                "ALTER TABLE users ADD COLUMN email text;",
                "SELECT 1;"
            ),
            ["1:1 down migration leaves column \"users\".\"email\" that its up migration added"]
        );
    }

    #[test]
    fn a_down_that_undoes_its_up() {
        assert!(down_findings(
            ID,
            "CREATE TABLE users (id bigint);",
            "ALTER TABLE users ADD COLUMN email text;\nCREATE INDEX users_email ON users (email);",
            "DROP INDEX users_email;\nALTER TABLE users DROP COLUMN email;"
        )
        .is_empty());
    }

    #[test]
    fn many_objects_left_are_one_finding() {
        let up: String = (1..=7)
            .map(|n| format!("ALTER TABLE users ADD COLUMN c{n} text;\n"))
            .collect();
        assert_eq!(
            down_findings(ID, "CREATE TABLE users (id bigint);", &up, "SELECT 1;"),
            ["1:1 down migration leaves 7 objects that its up migration created: column \"users\".\"c1\", column \"users\".\"c2\", column \"users\".\"c3\", column \"users\".\"c4\", column \"users\".\"c5\" and 2 more"]
        );
    }
}
