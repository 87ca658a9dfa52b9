//! `changing-column-type`: `ALTER COLUMN ... TYPE` on an existing table
//! rewrites the table and all its indexes while reads and writes wait.

use crate::analysis::facts::ColumnTypeChange;
use crate::analysis::names::quote_ident;
use crate::analysis::types::TypeChangeCost;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::{Finding, Severity};
use crate::input::source::Span;
use crate::parse::ast::column_def;
use crate::rule::Rule;
use crate::rules::alter_table::AlterTable;
use crate::rules::recipe::numbered_steps;

crate::rule::declare_rule!(ChangingColumnType, id: "changing-column-type", category: Rewrite, severity: Error, since: "0.1.0");

impl Rule for ChangingColumnType {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = AlterTable::of_existing_table(ctx) else {
            return;
        };
        let (table, lock) = (&alter.relation, alter.lock);
        for change in &ctx.facts().type_changes {
            if change.cost == TypeChangeCost::InPlace {
                continue;
            }
            let Some(changed) = alter.action(change.action) else {
                continue;
            };
            let Some(type_name) = column_def(changed.cmd).and_then(|col| col.type_name.as_ref()) else {
                continue;
            };
            let action = changed.span();
            let parts = TypeChange::find(ctx, action, type_name.location);
            let column = &change.column;
            let new_type = &parts.new_type;
            let with_using = if parts.using.is_some() { " with USING" } else { "" };
            let mut finding = match (&change.old, change.cost) {
                (Some(old), TypeChangeCost::InPlaceIfUtc) => Finding::new(
                    action,
                    format!("column \"{column}\" of {table} changed from {old} to {new_type}, rewriting the table and its indexes unless the session TimeZone is UTC"),
                )
                .label(
                    parts.type_span,
                    "PostgreSQL converts between timestamp and timestamptz in place only when the session TimeZone is UTC; under any other zone it rewrites every row",
                )
                .at_most(Severity::Warning),
                (Some(old), _) => Finding::new(
                    action,
                    format!("column \"{column}\" of {table} changed from {old} to {new_type}{with_using}, rewriting the table and its indexes"),
                ),
                (None, _) if parts.using.is_some() => Finding::new(
                    action,
                    format!("column \"{column}\" of {table} changed to type {new_type} with USING, rewriting the table and its indexes"),
                ),
                (None, _) => Finding::new(
                    action,
                    format!("column \"{column}\" of {table} changed to type {new_type}, rewriting the table and its indexes (the old type is unknown to miglint)"),
                )
                .label(
                    parts.type_span,
                    "the rewrite is skipped only if the old type converts in place (e.g. a longer varchar): miglint has not seen the column created",
                ),
            };
            finding = finding
                .about_column(column)
                .label(alter.name_span(), format!("{} until the rewrite ends", lock.describe()))
                .help(help(table, change, &parts, &ctx.text_without(action, &[])))
                .lock(&lock.relation, lock.mode);
            out.push(finding);
        }
    }
}

/// The new type and the `USING` expression as written.
struct TypeChange {
    new_type: String,
    type_span: Span,
    using: Option<String>,
}

impl TypeChange {
    /// `TYPE <type> [COLLATE c] [USING expr]` inside the action.
    fn find(ctx: StatementContext<'_>, action: Span, type_location: i32) -> TypeChange {
        let tokens = ctx.tokens_in(action);
        let start = ctx.statement().offset_of(type_location).unwrap_or(action.start);
        let first = tokens.iter().position(|t| t.span.start >= start).unwrap_or(0);
        let mut depth = 0i32;
        let mut last = first;
        let mut using = None;
        for (i, t) in tokens.iter().enumerate().skip(first) {
            match t.word.as_str() {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                "using" | "collate" if depth == 0 && i > first => {
                    if t.is("using") {
                        using = Some(Span::new(t.span.end, action.end));
                    } else if let Some(u) = tokens[i..].iter().find(|u| u.is("using")) {
                        using = Some(Span::new(u.span.end, action.end));
                    }
                    break;
                }
                _ => {}
            }
            last = i;
        }
        let type_span = match (tokens.get(first), tokens.get(last)) {
            (Some(a), Some(b)) if a.span.start <= b.span.end => Span::new(a.span.start, b.span.end),
            _ => action,
        };
        TypeChange {
            new_type: ctx.text_without(type_span, &[]),
            type_span,
            using: using.map(|span| ctx.text_without(span, &[])).filter(|u| !u.is_empty()),
        }
    }
}

fn help(table: &RelationName, change: &ColumnTypeChange, parts: &TypeChange, action: &str) -> String {
    let t = table.to_sql();
    let column = change.column.as_str();
    let c = quote_ident(column);
    let new_column = quote_ident(&format!("{column}_new"));
    let old_column = quote_ident(&format!("{column}_old"));
    let new_type = &parts.new_type;
    let value = parts.using.clone().unwrap_or_else(|| format!("{c}::{new_type}"));
    let recipe = numbered_steps(
        "change the type in steps that each hold the lock only briefly (expand/contract):",
        &[
            format!("ALTER TABLE {t} ADD COLUMN {new_column} {new_type};"),
            format!("keep it in step with a trigger: BEFORE INSERT OR UPDATE ON {t}, set NEW.{new_column} from NEW.{c}"),
            format!(
                "backfill existing rows in batches of a few thousand, each in its own transaction:\n     \
                 UPDATE {t} SET {new_column} = {value} WHERE {new_column} IS NULL AND <next batch of keys>;"
            ),
            format!(
                "build the indexes and constraints {c} has on {new_column} (CREATE INDEX CONCURRENTLY, NOT VALID + VALIDATE)"
            ),
            format!("in one short transaction: drop the trigger, rename {c} to {old_column} and {new_column} to {c}"),
            format!("once nothing reads {old_column}, drop it"),
        ],
    );
    match (&change.old, change.cost) {
        (Some(_), TypeChangeCost::InPlaceIfUtc) => format!(
            "if the stored values are UTC times, run the change in a UTC session: PostgreSQL then only updates the catalog under a brief lock:\n  \
             SET TimeZone = 'UTC';\n  \
             ALTER TABLE {t} {action};\n\
             then mark the statement `-- miglint: ignore changing-column-type -- run with TimeZone UTC`;\n\
             otherwise {recipe}"
        ),
        (None, _) if parts.using.is_none() => format!(
            "{recipe}\n\
             miglint knows the old type when the migration that created the column, or a --schema dump, is part of the run; \
             if the old type converts in place (e.g. to a longer varchar, or varchar to text), the statement only takes a brief lock: \
             keep it and mark it `-- miglint: ignore changing-column-type -- <old type> converts in place`"
        ),
        _ => recipe,
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::{findings, findings_with};

    #[test]
    fn flags_type_changes_that_may_rewrite() {
        assert_eq!(
            findings("changing-column-type", "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;"),
            ["column \"amount\" of \"orders\" changed to type bigint, rewriting the table and its indexes (the old type is unknown to miglint)"]
        );
        assert_eq!(
            findings(
                "changing-column-type",
                "ALTER TABLE t ALTER c SET DATA TYPE numeric(12, 2) USING c::numeric;"
            ),
            ["column \"c\" of \"t\" changed to type numeric(12, 2) with USING, rewriting the table and its indexes"]
        );
    }

    #[test]
    fn known_old_types_decide_the_rewrite() {
        let sql = "ALTER TABLE t ADD COLUMN v varchar(20), ADD COLUMN n numeric(10, 2), ADD COLUMN i int, ADD COLUMN ts timestamp;\n\
                   ALTER TABLE t ALTER COLUMN v TYPE varchar(50), ALTER COLUMN n TYPE numeric(12, 2);\n\
                   ALTER TABLE t ALTER COLUMN v TYPE varchar(10);\n\
                   ALTER TABLE t ALTER COLUMN i TYPE bigint;";
        assert_eq!(
            findings("changing-column-type", sql),
            [
                "column \"v\" of \"t\" changed from varchar(50) to varchar(10), rewriting the table and its indexes",
                "column \"i\" of \"t\" changed from integer to bigint, rewriting the table and its indexes"
            ]
        );
        let utc = crate::report::engine::lint_source(
            crate::input::source::SourceFile::new(
                "t.sql",
                "ALTER TABLE t ADD COLUMN ts timestamp;\nALTER TABLE t ALTER ts TYPE timestamptz;",
            ),
            &crate::settings::Settings::default(),
        );
        let d = utc
            .diagnostics
            .iter()
            .find(|d| d.rule == "changing-column-type")
            .unwrap();
        assert_eq!(d.severity, crate::diagnostic::Severity::Warning);
        assert!(
            d.message.ends_with("unless the session TimeZone is UTC"),
            "{}",
            d.message
        );
        let in_zone = |zone: &str| {
            let mut settings = crate::settings::Settings::default();
            settings.time_zone = crate::settings::SessionTimeZone::from_name(zone);
            findings_with(
                "changing-column-type",
                "ALTER TABLE t ADD COLUMN ts timestamp;\nALTER TABLE t ALTER ts TYPE timestamptz;",
                &settings,
            )
        };
        assert!(in_zone("UTC").is_empty(), "timezone = \"UTC\": in place");
        assert_eq!(
            in_zone("Europe/Berlin"),
            ["column \"ts\" of \"t\" changed from timestamp to timestamptz, rewriting the table and its indexes"]
        );
    }

    #[test]
    fn metadata_only_changes_and_new_tables_are_fine() {
        assert!(findings("changing-column-type", "ALTER TABLE t ALTER COLUMN c TYPE text;").is_empty());
        assert!(findings("changing-column-type", "ALTER TABLE t ALTER COLUMN c TYPE varchar;").is_empty());
        assert!(findings(
            "changing-column-type",
            "CREATE TABLE t (c int);\nALTER TABLE t ALTER COLUMN c TYPE bigint;"
        )
        .is_empty());
    }
}
