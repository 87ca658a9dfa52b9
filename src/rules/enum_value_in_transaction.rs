//! `enum-value-in-transaction`: `ALTER TYPE ... ADD VALUE` in a transaction
//! fails before PostgreSQL 12, and on any version the new value cannot be
//! used until the transaction that added it commits.

use pg_query::NodeEnum;

use crate::analysis::facts::string_constants;
use crate::analysis::{RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::rule::{Rule, RuleMeta};
use crate::source::Span;

crate::declare_rule!(EnumValueInTransaction, id: "enum-value-in-transaction", category: Transaction, severity: Error, since: "0.1.0");

impl Rule for EnumValueInTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        let NodeEnum::AlterEnumStmt(stmt) = ctx.node() else {
            return;
        };
        // RENAME VALUE may run anywhere and adds nothing.
        if !stmt.old_val.is_empty() || !ctx.in_transaction() {
            return;
        }
        let Some(enum_type) = RelationName::from_name_list(&stmt.type_name) else {
            return;
        };
        // PostgreSQL allows both when the type was created in the same transaction.
        let created_here = ctx.earlier_in_transaction().any(|c| match c.node() {
            NodeEnum::CreateEnumStmt(create) => {
                RelationName::from_name_list(&create.type_name).is_some_and(|n| n.same_as(&enum_type))
            }
            _ => false,
        });
        if created_here {
            return;
        }
        let value = &stmt.new_val;
        let literal = sql_literal(value);
        let value_span = ctx
            .tokens()
            .into_iter()
            .find(|t| t.word == literal)
            .map_or_else(|| ctx.clause(&["add", "value"]), |t| t.span);
        let runner = ctx.in_implicit_transaction() && ctx.transaction().is_none();

        if !ctx.facts().transactional {
            let help = if runner {
                format!(
                    "the migration runner runs this whole file in one transaction: move the statement to a migration of its own that the runner runs without a transaction:\n  {};",
                    ctx.text()
                )
            } else {
                format!(
                    "run it outside the transaction block, after the COMMIT or in a migration of its own:\n  {};",
                    ctx.text()
                )
            };
            let mut finding = Finding::new(
                ctx.clause(&["add", "value"]),
                format!(
                    "inside a transaction, ALTER TYPE ... ADD VALUE fails on PostgreSQL {}: \"ALTER TYPE ... ADD cannot run inside a transaction block\"",
                    ctx.pg_version()
                ),
            );
            if let Some(begin) = ctx.transaction() {
                finding = finding.label(begin, "the transaction block opens here");
            }
            out.push(finding.help(format!(
                "{help}\nfrom PostgreSQL 12 on it may run in a transaction, but the new value is usable only after COMMIT"
            )));
            return;
        }

        for later in ctx.later_in_transaction() {
            if matches!(later.node(), NodeEnum::AlterEnumStmt(_) | NodeEnum::CommentStmt(_)) {
                continue;
            }
            let Some((_, location)) = string_constants(later.node()).into_iter().find(|(s, _)| s == value) else {
                continue;
            };
            let help = if later.in_implicit_transaction() && later.transaction().is_none() {
                format!(
                    "the migration runner runs this whole file in one transaction: move the statements that use {literal} to a later migration, so they run after the new value is committed"
                )
            } else {
                format!(
                    "COMMIT right after `ALTER TYPE {} ADD VALUE {literal}` and use the value in a new transaction",
                    enum_type.to_sql()
                )
            };
            out.push(
                Finding::new(
                    literal_span(later, location, &literal),
                    format!(
                        "enum value {literal} of {enum_type} is used before the transaction that added it commits: PostgreSQL fails with \"unsafe use of new value\""
                    ),
                )
                .label(
                    value_span,
                    format!("{literal} added here: it cannot be used until this transaction commits"),
                )
                .help(help),
            );
        }
    }
}

/// `calm` as an SQL string literal: `'calm'`.
fn sql_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The span of the string constant at `location`, or the statement's first
/// token that writes the literal.
fn literal_span(ctx: StatementContext<'_>, location: i32, literal: &str) -> Span {
    let at = ctx.word_at(location);
    if at != ctx.span() {
        return at;
    }
    ctx.tokens()
        .into_iter()
        .find(|t| t.word == literal)
        .map_or(ctx.span(), |t| t.span)
}

#[cfg(test)]
mod tests {
    use crate::engine::Settings;
    use crate::rules::testing::{findings, findings_with};

    const ID: &str = "enum-value-in-transaction";

    #[test]
    fn flags_add_value_in_a_transaction_before_12() {
        let sql = "BEGIN;\nALTER TYPE mood ADD VALUE 'calm';\nCOMMIT;";
        assert_eq!(findings_with(ID, sql, &Settings::new(11)).len(), 1);
        assert!(findings(ID, sql).is_empty());
        assert!(findings_with(ID, "ALTER TYPE mood ADD VALUE 'calm';", &Settings::new(11)).is_empty());
        let created = "BEGIN;\nCREATE TYPE mood AS ENUM ('sad');\nALTER TYPE mood ADD VALUE 'calm';\nINSERT INTO t VALUES ('calm');\nCOMMIT;";
        assert!(findings_with(ID, created, &Settings::new(11)).is_empty());
        assert!(findings(ID, created).is_empty());
    }

    #[test]
    fn flags_each_use_of_the_new_value_in_the_same_transaction() {
        let sql = "BEGIN;\nALTER TYPE mood ADD VALUE 'calm';\nUPDATE people SET mood = 'calm' WHERE mood = 'sad';\nCOMMENT ON TYPE mood IS 'calm';\nINSERT INTO people (mood) VALUES ('calm'::mood);\nCOMMIT;\nUPDATE people SET mood = 'calm';";
        assert_eq!(
            findings(ID, sql),
            [
                "enum value 'calm' of \"mood\" is used before the transaction that added it commits: PostgreSQL fails with \"unsafe use of new value\"";
                2
            ]
        );
    }
}
