//! `setting-not-null`: `ALTER COLUMN ... SET NOT NULL` on an existing table
//! scans every row while reads and writes wait.

use pg_query::protobuf::{AlterTableType, ConstrType};
use pg_query::NodeEnum;

use crate::analysis::facts::lock_of_sql;
use crate::analysis::names::{quote_ident, strings};
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::{Applicability, Edit, Finding, Fix};
use crate::input::layout::RunnerTransaction;
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;
use crate::rules::recipe::{
    add_not_null_check, after_semicolon, indent_before, not_null_check_name, numbered_steps, validate_constraint,
};

crate::rule::declare_rule!(SettingNotNull, id: "setting-not-null", category: Locking, severity: Error, since: "0.1.0");

impl Rule for SettingNotNull {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_table(ctx) else {
            return;
        };
        let (table, lock) = (&alter.relation, alter.lock);
        let before = ctx.relation_before(table);
        for action in alter.actions() {
            let set_not_null = action.is(AlterTableType::AtSetNotNull);
            let (column, how, name) = if set_not_null {
                (action.cmd.name.clone(), "set NOT NULL".to_string(), None)
            } else {
                // PostgreSQL 18: `ADD CONSTRAINT name NOT NULL column` without NOT VALID.
                let Some(con) = action
                    .added_constraint()
                    .filter(|c| c.contype == ConstrType::ConstrNotnull as i32 && !c.skip_validation)
                else {
                    continue;
                };
                let Some(column) = strings(&con.keys).next().map(str::to_string) else {
                    continue;
                };
                let how = if con.conname.is_empty() {
                    "made NOT NULL by a constraint".to_string()
                } else {
                    format!("made NOT NULL by constraint \"{}\"", con.conname)
                };
                (column, how, Some(con.conname.clone()).filter(|n| !n.is_empty()))
            };
            // The catalog proves there is nothing to scan: the column is
            // already NOT NULL, or (from PostgreSQL 12) a validated
            // `CHECK (column IS NOT NULL)` lets PostgreSQL skip the scan.
            let proven_by = before
                .and_then(|rel| rel.validated_not_null_check(&column))
                .map(|c| c.name.as_str());
            if set_not_null && before.and_then(|rel| rel.column(&column)).is_some_and(|c| c.not_null) {
                continue;
            }
            if proven_by.is_some() && ctx.pg_version() >= 12 {
                continue;
            }
            out.push(
                Finding::new(
                    action.span(),
                    format!("column \"{column}\" of {table} {how} with a full-table scan"),
                )
                .about_column(&column)
                .label(
                    alter.name_span(),
                    format!("{} until every row is checked", lock.describe()),
                )
                .help(help(table, &column, name.as_deref(), proven_by, ctx.pg_version()))
                .lock(&lock.relation, lock.mode)
                .fix(set_not_null.then(|| validated_check_fix(ctx, table, &column)).flatten()),
            );
        }
    }
}

/// The help's recipe around the statement: a CHECK (column IS NOT NULL)
/// added NOT VALID and validated before it, so that PostgreSQL 12 and
/// later set NOT NULL without a scan, and dropped after it. Only for an
/// `ALTER TABLE` of this one action in autocommit: in a transaction the
/// validation would run under the ADD's ACCESS EXCLUSIVE lock (the steps
/// then belong in migrations of their own, which this fix does not write).
fn validated_check_fix(ctx: StatementContext<'_>, table: &RelationName, column: &str) -> Option<Fix> {
    let NodeEnum::AlterTableStmt(stmt) = ctx.node() else {
        return None;
    };
    let autocommit =
        ctx.embedding().is_none() && !ctx.in_transaction() && ctx.file.script.transaction == RunnerTransaction::None;
    if !autocommit || stmt.cmds.len() != 1 || ctx.pg_version() < 12 {
        return None;
    }
    let text = &ctx.file.source.text;
    let span = ctx.span();
    let end = after_semicolon(text, span.end)?;
    let indent = indent_before(text, span.start);
    let (t, c) = (table.to_sql(), quote_ident(column));
    let check = not_null_check_name(table, column);
    let before = format!(
        "{}\n{indent}{}\n{indent}",
        add_not_null_check(&t, &c, &check),
        validate_constraint(&t, &check)
    );
    let after = format!("\n{indent}ALTER TABLE {t} DROP CONSTRAINT {check};");
    Some(Fix::new(
        "prove it with a validated CHECK first",
        Applicability::Safe,
        vec![Edit::insert(span.start, before), Edit::insert(end, after)],
    ))
}

/// `name`: the name the statement gives its NOT NULL constraint, if any;
/// `proven_by`: a validated CHECK that already proves the column has no NULLs.
fn help(table: &RelationName, column: &str, name: Option<&str>, proven_by: Option<&str>, pg_version: u32) -> String {
    let t = table.to_sql();
    let c = quote_ident(column);
    let check = not_null_check_name(table, column);
    let not_null = name.map_or_else(|| check.clone(), quote_ident);
    let add_check = add_not_null_check(&t, &c, &check);
    let validate = validate_constraint(&t, &check);
    // The locks of the two recipe steps, as the facts state them.
    let lock = |sql: &str| lock_of_sql(sql, pg_version).map_or_else(|| "its lock".to_string(), |m| m.to_string());
    let (brief, validating) = (lock(&add_check), lock(&validate));
    if let (Some(proof), true) = (proven_by, pg_version < 12) {
        return format!(
            "the validated CHECK {} already proves {c} has no NULLs, but PostgreSQL {pg_version} scans the table anyway \
             (PostgreSQL 12 and later use the CHECK to skip the scan): keep the CHECK as the guarantee and leave the column as it is \
             until the database runs PostgreSQL 12 or later",
            quote_ident(proof)
        );
    }
    let add_then_validate = [
        format!("{add_check}\n     (brief {brief} lock, no scan; new rows are checked from now on)"),
        format!(
            "in a separate transaction: {validate}\n     ({validating}: reads and writes continue during the scan)"
        ),
    ];
    if pg_version < 12 {
        let steps = numbered_steps(
            &format!(
                "PostgreSQL {pg_version} cannot set NOT NULL without this scan; enforce the rule with a CHECK constraint, which can be validated without blocking:"
            ),
            &add_then_validate,
        );
        return format!(
            "{steps}\nkeep the CHECK as the lasting guarantee: from PostgreSQL 12 on, SET NOT NULL uses it to skip the scan"
        );
    }
    let [add, validate] = add_then_validate;
    let mut text = numbered_steps(
        "prove there are no NULLs without blocking, then set NOT NULL without a scan:",
        &[
            add,
            validate,
            format!(
                "ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\n     \
                 (PostgreSQL skips the scan because the validated CHECK proves it; miglint sees the CHECK \
                 when the migration that validates it, or a --schema dump, is part of the run)"
            ),
            format!("ALTER TABLE {t} DROP CONSTRAINT {check};"),
        ],
    );
    if pg_version >= 18 {
        text.push_str(&format!(
            "\non PostgreSQL 18 the NOT NULL constraint itself can be added NOT VALID and validated the same way:\n  \
             ALTER TABLE {t} ADD CONSTRAINT {not_null} NOT NULL {c} NOT VALID;\n  \
             then, in a separate transaction: {}",
            validate_constraint(&t, &not_null)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

    #[test]
    fn flags_set_not_null_on_existing_table() {
        assert_eq!(
            findings("setting-not-null", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
            ["column \"email\" of \"users\" set NOT NULL with a full-table scan"]
        );
        assert_eq!(
            findings(
                "setting-not-null",
                "ALTER TABLE users ADD CONSTRAINT nn NOT NULL email;"
            )
            .len(),
            1
        );
    }

    #[test]
    fn new_tables_and_not_valid_constraints_are_fine() {
        let sql = "CREATE TABLE users (email text);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE accounts ADD CONSTRAINT nn NOT NULL email NOT VALID;";
        assert!(findings("setting-not-null", sql).is_empty());
        assert!(findings(
            "setting-not-null",
            "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"
        )
        .is_empty());
    }

    #[test]
    fn a_validated_check_in_the_catalog_skips_the_scan_from_12() {
        let sql = "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n\
                   ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\n\
                   ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert!(findings("setting-not-null", sql).is_empty());
        assert_eq!(findings_with("setting-not-null", sql, &Settings::new(11)).len(), 1);
        let not_validated =
            "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n\
                             ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert_eq!(findings("setting-not-null", not_validated).len(), 1);
        let other_column = "ALTER TABLE users ADD CONSTRAINT c CHECK (name IS NOT NULL);\n\
                            ALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert_eq!(findings("setting-not-null", other_column).len(), 1);
        let already = "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;";
        assert!(findings("setting-not-null", already).is_empty());
    }

    #[test]
    fn help_follows_the_postgres_version() {
        let help = |v: u32| {
            crate::report::engine::lint_source(
                crate::input::source::SourceFile::new("t.sql", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
                &Settings::new(v),
            )
            .diagnostics
            .into_iter()
            .find(|d| d.rule == "setting-not-null")
            .and_then(|d| d.help)
            .unwrap_or_default()
        };
        assert!(help(11).contains("cannot set NOT NULL without this scan"));
        assert!(help(16).contains("ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;"));
        assert!(!help(16).contains("NOT NULL email NOT VALID"));
        assert!(help(18).contains("NOT NULL email NOT VALID"));
        assert_eq!(
            findings_with(
                "setting-not-null",
                "ALTER TABLE t ALTER a SET NOT NULL;",
                &Settings::new(11)
            )
            .len(),
            1
        );
    }
}
