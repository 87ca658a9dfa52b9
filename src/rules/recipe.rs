//! Helpers that write the safe version of the very statement a rule flags.

use crate::analysis::StatementContext;

/// The statement's text with `insert` placed after its first `word` token,
/// e.g. `CREATE INDEX CONCURRENTLY i ON t (a);`.
pub fn insert_after_word(ctx: StatementContext<'_>, word: &str, insert: &str) -> String {
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
