//! Text that rules share: the safe version of the very statement a rule
//! flags, the steps of a recipe, and the names the recipes give.

use crate::analysis::names::quote_ident;
use crate::analysis::{RelationName, StatementContext};
use crate::input::layout::{no_transaction_hint, RunnerTransaction};

/// The statement's text with `insert` placed after its first `word` token,
/// e.g. `CREATE INDEX CONCURRENTLY i ON t (a);`.
pub(crate) fn insert_after_word(ctx: StatementContext<'_>, word: &str, insert: &str) -> String {
    let text = &ctx.file.source.text;
    let span = ctx.span();
    match ctx.tokens().iter().find(|t| t.is(word)) {
        Some(token) => format!(
            "{} {insert}{};",
            &text[span.start..token.span.end],
            &text[token.span.end..span.end]
        ),
        None => format!("{};", &text[span.start..span.end]),
    }
}

/// Where a recipe that must run outside a transaction block has to go when
/// the flagged statement runs inside one: None in autocommit.
pub(crate) fn outside_transaction_note(ctx: StatementContext<'_>) -> Option<String> {
    if ctx.transaction().is_some() {
        Some("move it out of the BEGIN ... COMMIT block: CONCURRENTLY is refused inside one".to_string())
    } else if ctx.in_implicit_transaction() {
        Some(format!(
            "{}, where CONCURRENTLY is refused: {}",
            runner_wraps(ctx),
            leave_runner_transaction(ctx)
        ))
    } else {
        None
    }
}

/// Who wraps the statement's file in a transaction, as the start of a
/// sentence: the file's tool, or the runner the configuration describes.
pub(crate) fn runner_wraps(ctx: StatementContext<'_>) -> String {
    let script = ctx.file.script;
    let tool = script.tool.display_name();
    match script.transaction {
        RunnerTransaction::None | RunnerTransaction::PerFile if script.tool == crate::input::layout::Tool::Plain => {
            "the migration runner runs this file in one transaction".to_string()
        }
        RunnerTransaction::None | RunnerTransaction::PerFile => format!("{tool} runs this migration in one transaction"),
        RunnerTransaction::Batch => format!(
            "{tool} sends this file as one multi-statement query, which PostgreSQL runs as one transaction"
        ),
        RunnerTransaction::Detected => format!(
            "{tool} runs this script in a transaction because it mixes statements that need one with statements that refuse one"
        ),
        RunnerTransaction::AllPending => format!("{tool} runs all pending migrations in one transaction"),
    }
}

/// How to get one statement out of the runner's transaction with the
/// file's tool.
pub(crate) fn leave_runner_transaction(ctx: StatementContext<'_>) -> String {
    let script = ctx.file.script;
    if script.transaction == RunnerTransaction::Detected {
        return format!(
            "give it a migration of its own, which {} runs outside a transaction (or {})",
            script.tool.display_name(),
            no_transaction_hint(script.tool, &ctx.file.source.path).unwrap_or_default()
        );
    }
    let own = "move the statement to a migration of its own";
    match no_transaction_hint(script.tool, &ctx.file.source.path) {
        Some(hint)
            if script.transaction == RunnerTransaction::Batch || script.tool == crate::input::layout::Tool::Drizzle =>
        {
            hint
        }
        Some(hint) => format!("{own}, and {hint}"),
        None if script.transaction == RunnerTransaction::Batch => {
            format!("{own}: a file holding one statement runs outside any transaction")
        }
        None => format!("{own} that the runner runs without a transaction"),
    }
}

/// `intro` followed by the steps, numbered from 1, one per line: the one
/// place recipes are numbered. A step that runs over several lines indents
/// its later lines by five spaces, under the step's text.
pub(crate) fn numbered_steps<S: AsRef<str>>(intro: &str, steps: &[S]) -> String {
    let mut text = intro.to_string();
    for (n, step) in steps.iter().enumerate() {
        text.push_str(&format!("\n  {}. {}", n + 1, step.as_ref()));
    }
    text
}

/// ` "name"` to follow the kind of a constraint in a message (`exclusion
/// constraint "no_overlap"`), nothing for an unnamed one.
pub(crate) fn constraint_name_in_message(conname: &str) -> String {
    if conname.is_empty() {
        String::new()
    } else {
        format!(" \"{conname}\"")
    }
}

/// The name, as SQL, of the CHECK constraint a recipe adds to prove a
/// column NOT NULL without a long lock: `users_email_not_null`.
pub(crate) fn not_null_check_name(table: &RelationName, column: &str) -> String {
    quote_ident(&format!("{}_{column}_not_null", table.name))
}

/// `ALTER TABLE t ADD CONSTRAINT check CHECK (c IS NOT NULL) NOT VALID;`
/// (`table`, `column` and `check` as SQL).
pub(crate) fn add_not_null_check(table: &str, column: &str, check: &str) -> String {
    format!("ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;")
}

/// `ALTER TABLE t VALIDATE CONSTRAINT name;` (`table` and `name` as SQL).
pub(crate) fn validate_constraint(table: &str, name: &str) -> String {
    format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name};")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_steps_and_names_constraints() {
        let steps = ["first".to_string(), "second".to_string()];
        assert_eq!(numbered_steps("do this:", &steps), "do this:\n  1. first\n  2. second");
        assert_eq!(constraint_name_in_message("k"), " \"k\"");
        assert_eq!(constraint_name_in_message(""), "");
        let table = RelationName::new(Some("app"), "Users");
        let check = not_null_check_name(&table, "email");
        assert_eq!(check, "\"Users_email_not_null\"");
        assert_eq!(
            add_not_null_check(&table.to_sql(), "email", &check),
            "ALTER TABLE app.\"Users\" ADD CONSTRAINT \"Users_email_not_null\" CHECK (email IS NOT NULL) NOT VALID;"
        );
        assert_eq!(validate_constraint("t", "c"), "ALTER TABLE t VALIDATE CONSTRAINT c;");
    }
}
