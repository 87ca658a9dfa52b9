//! `changing-column-type`: `ALTER COLUMN ... TYPE` on an existing table
//! rewrites the table and all its indexes while reads and writes wait.

use pg_query::protobuf::AlterTableType;

use crate::analysis::facts::{alter_type_is_metadata_only, column_def};
use crate::analysis::names::quote_ident;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::{Rule, RuleMeta};
use crate::source::Span;

crate::declare_rule!(ChangingColumnType, id: "changing-column-type", category: Rewrite, severity: Error, since: "0.1.0");

impl Rule for ChangingColumnType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = ctx.alter_existing_table() else {
            return;
        };
        let (table, lock) = (&alter.relation, alter.lock);
        for (i, cmd) in alter.actions() {
            if cmd.subtype != AlterTableType::AtAlterColumnType as i32 || alter_type_is_metadata_only(cmd) {
                continue;
            }
            let Some(col) = column_def(cmd) else {
                continue;
            };
            let Some(type_name) = col.type_name.as_ref() else {
                continue;
            };
            let action = ctx.alter_action_span(i);
            let parts = TypeChange::find(ctx, action, type_name.location);
            let column = &cmd.name;
            let mut finding = if parts.using.is_some() {
                Finding::new(
                    action,
                    format!("column \"{column}\" of {table} changed to type {} with USING, rewriting the table and its indexes", parts.new_type),
                )
            } else {
                Finding::new(
                    action,
                    format!(
                        "column \"{column}\" of {table} changed to type {}, rewriting the table and its indexes (the old type is unknown to miglint)",
                        parts.new_type
                    ),
                )
                .label(
                    parts.type_span,
                    "the rewrite is skipped only if the old type converts in place (e.g. a shorter varchar): miglint cannot see the old type",
                )
            };
            finding = finding
                .label(
                    ctx.name_at(alter.range_var.location),
                    format!("{} until the rewrite ends", lock.describe()),
                )
                .help(help(table, column, &parts))
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

fn help(table: &RelationName, column: &str, parts: &TypeChange) -> String {
    let t = table.to_sql();
    let c = quote_ident(column);
    let new_column = quote_ident(&format!("{column}_new"));
    let old_column = quote_ident(&format!("{column}_old"));
    let new_type = &parts.new_type;
    let value = parts.using.clone().unwrap_or_else(|| format!("{c}::{new_type}"));
    let mut text = format!(
        "change the type in steps that each hold the lock only briefly (expand/contract):\n  \
         1. ALTER TABLE {t} ADD COLUMN {new_column} {new_type};\n  \
         2. keep it in step with a trigger: BEFORE INSERT OR UPDATE ON {t}, set NEW.{new_column} from NEW.{c}\n  \
         3. backfill existing rows in batches of a few thousand, each in its own transaction:\n     \
            UPDATE {t} SET {new_column} = {value} WHERE {new_column} IS NULL AND <next batch of keys>;\n  \
         4. build the indexes and constraints {c} has on {new_column} (CREATE INDEX CONCURRENTLY, NOT VALID + VALIDATE)\n  \
         5. in one short transaction: drop the trigger, rename {c} to {old_column} and {new_column} to {c}\n  \
         6. once nothing reads {old_column}, drop it"
    );
    if parts.using.is_none() {
        text.push_str(
            "\nif the old type converts in place (e.g. to a longer varchar, or varchar to text), the statement only takes a brief lock: \
             keep it and mark it `-- miglint: ignore changing-column-type -- <old type> converts in place`",
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings;

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
