//! `enum-value-in-transaction`: `ALTER TYPE ... ADD VALUE` in a transaction
//! fails before PostgreSQL 12, and on any version the new value cannot be
//! used until the transaction that added it commits.

use std::collections::HashMap;

use pg_query::NodeEnum;

use crate::analysis::{AnalyzedFile, RelationName, StatementContext};
use crate::diagnostic::Finding;
use crate::input::source::Span;
use crate::parse::ast::string_constants;
use crate::rule::Rule;

crate::rule::declare_rule!(EnumValueInTransaction, id: "enum-value-in-transaction", category: Transaction, severity: Error, since: "0.1.0");

impl Rule for EnumValueInTransaction {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        // One pass over each transaction: the enum types it created and the
        // values it added (not yet committed).
        let mut current: Option<usize> = None;
        let mut created: Vec<RelationName> = Vec::new();
        let mut added: Vec<Added> = Vec::new();
        let mut by_value: HashMap<String, Vec<usize>> = HashMap::new();
        for ctx in file.contexts() {
            let id = ctx.state().transaction_id;
            if id != current {
                created.clear();
                added.clear();
                by_value.clear();
                current = id;
            }
            if id.is_none() {
                continue;
            }
            match ctx.node() {
                NodeEnum::CreateEnumStmt(create) => created.extend(RelationName::from_name_list(&create.type_name)),
                NodeEnum::AlterEnumStmt(stmt) => {
                    if let Some(new) = add_value(ctx, stmt, &created, out) {
                        by_value.entry(new.value.clone()).or_default().push(added.len());
                        added.push(new);
                    }
                }
                // The text of a comment is not a use of the value.
                NodeEnum::CommentStmt(_) => {}
                // A ROLLBACK TO SAVEPOINT takes back the values added since.
                NodeEnum::TransactionStmt(_) => {
                    for new in added.iter_mut().filter(|a| a.undone_by == Some(ctx.index)) {
                        new.live = false;
                    }
                }
                node if !added.is_empty() => {
                    let mut uses: Vec<(usize, i32)> = Vec::new();
                    for (value, location) in string_constants(node) {
                        for &i in by_value.get(&value).into_iter().flatten() {
                            if added[i].live && !uses.iter().any(|(j, _)| *j == i) {
                                uses.push((i, location));
                            }
                        }
                    }
                    uses.sort_unstable();
                    for (i, location) in uses {
                        out.push(unsafe_use(ctx, location, &added[i]));
                    }
                }
                _ => {}
            }
        }
    }
}

/// A value added to an enum type earlier in the transaction.
struct Added {
    value: String,
    enum_type: RelationName,
    /// The value in the `ADD VALUE` statement.
    span: Span,
    undone_by: Option<usize>,
    /// No ROLLBACK TO SAVEPOINT has taken it back.
    live: bool,
}

/// Checks an `ALTER TYPE ... ADD VALUE` that runs in a transaction, and
/// returns the value it adds when later statements cannot use it yet.
fn add_value(
    ctx: StatementContext<'_>,
    stmt: &pg_query::protobuf::AlterEnumStmt,
    created: &[RelationName],
    out: &mut Vec<Finding>,
) -> Option<Added> {
    // RENAME VALUE may run anywhere and adds nothing.
    if !stmt.old_val.is_empty() {
        return None;
    }
    let enum_type = RelationName::from_name_list(&stmt.type_name)?;
    // PostgreSQL allows both when the type was created in the same transaction.
    if created.iter().any(|c| c.same_as(&enum_type)) {
        return None;
    }
    let literal = sql_literal(&stmt.new_val);
    let span = ctx
        .tokens()
        .iter()
        .find(|t| t.word == literal)
        .map_or_else(|| ctx.clause(&["add", "value"]), |t| t.span);
    if ctx.facts().transactional {
        return Some(Added {
            value: stmt.new_val.clone(),
            enum_type,
            span,
            undone_by: ctx.state().undone_by,
            live: true,
        });
    }
    let runner = ctx.in_implicit_transaction() && ctx.transaction().is_none();
    let help = if runner {
        format!(
            "{}: {}:\n  {};",
            crate::rules::recipe::runner_wraps(ctx),
            crate::rules::recipe::leave_runner_transaction(ctx),
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
    None
}

/// A statement using a value its transaction added, at the constant's
/// parse-tree location.
fn unsafe_use(ctx: StatementContext<'_>, location: i32, added: &Added) -> Finding {
    let literal = sql_literal(&added.value);
    let enum_type = &added.enum_type;
    let help = if ctx.in_implicit_transaction() && ctx.transaction().is_none() {
        format!(
            "the migration runner runs this whole file in one transaction: move the statements that use {literal} to a later migration, so they run after the new value is committed"
        )
    } else {
        format!(
            "COMMIT right after `ALTER TYPE {} ADD VALUE {literal}` and use the value in a new transaction",
            enum_type.to_sql()
        )
    };
    Finding::new(
        literal_span(ctx, location, &literal),
        format!(
            "enum value {literal} of {enum_type} is used before the transaction that added it commits: PostgreSQL fails with \"unsafe use of new value\""
        ),
    )
    .label(
        added.span,
        format!("{literal} added here: it cannot be used until this transaction commits"),
    )
    .help(help)
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
        .iter()
        .find(|t| t.word == literal)
        .map_or(ctx.span(), |t| t.span)
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::{findings, findings_with};

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
        let undone = "BEGIN;\nSAVEPOINT s;\nALTER TYPE mood ADD VALUE 'calm';\nROLLBACK TO SAVEPOINT s;\nUPDATE people SET mood = 'calm';\nCOMMIT;";
        assert!(findings(ID, undone).is_empty());
    }
}
