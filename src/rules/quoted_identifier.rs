//! `quoted-identifier` (off by default): a name given in double quotes that
//! needs them for ever, for its capitals or characters an unquoted name
//! cannot hold: every later statement must quote it the same way.

use std::collections::BTreeSet;

use crate::analysis::created_names::given_names;
use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::parse::tokens::{keyword_kind, quote_ident};
use crate::rule::Rule;

crate::rule::declare_rule!(QuotedIdentifier, id: "quoted-identifier", category: Style, severity: Warning, since: "0.1.0", enabled_by_default: false);

impl Rule for QuotedIdentifier {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        let mut seen = BTreeSet::new();
        for ctx in file.contexts() {
            for given in given_names(ctx.node()) {
                let name = given.name;
                // Reserved words are keyword-identifier's; names that need no quotes are fine.
                if quote_ident(&name) == name || is_reserved(&name) || !seen.insert(name.clone()) {
                    continue;
                }
                let Some(token) = ctx
                    .tokens()
                    .iter()
                    .find(|t| t.is_quoted_identifier() && t.identifier().as_deref() == Some(name.as_str()))
                else {
                    continue;
                };
                let why = if name.chars().any(|c| c.is_uppercase()) {
                    format!("unquoted, PostgreSQL reads {} as \"{}\"", name, name.to_lowercase())
                } else {
                    "it holds characters an unquoted name cannot".to_string()
                };
                out.push(
                    Finding::new(
                        token.span,
                        format!("\"{name}\" must be written in double quotes in every statement that uses it: {why}"),
                    )
                    .help(format!(
                        "name it in lowercase letters, digits and underscores, which need no quotes: {}",
                        snake_case(&name)
                    )),
                );
            }
        }
    }
}

/// A lowercase reserved word: `"User"` is a name in capitals, not `user`.
fn is_reserved(name: &str) -> bool {
    use pg_query::protobuf::KeywordKind;
    name == name.to_lowercase()
        && matches!(
            keyword_kind(name),
            Some(KeywordKind::ReservedKeyword | KeywordKind::TypeFuncNameKeyword)
        )
}

/// `UserId` -> `user_id`, `order-items` -> `order_items`.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            previous_lower = false;
        } else if c.is_alphanumeric() {
            out.push(c);
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{trimmed}")
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::findings_with;

    const ID: &str = "quoted-identifier";

    fn on() -> Settings {
        let mut settings = Settings::default();
        settings.set_rule(ID, Some(crate::diagnostic::Severity::Warning));
        settings
    }

    #[test]
    fn flags_names_that_need_quotes_for_ever() {
        let sql = "CREATE TABLE \"UserAccounts\" (\"Id\" bigint, \"e-mail\" text, \"fine\" text, \"User\" text);";
        let found = findings_with(ID, sql, &on());
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(
            found[0].ends_with("unquoted, PostgreSQL reads UserAccounts as \"useraccounts\""),
            "{found:?}"
        );
        assert_eq!(super::snake_case("UserAccounts"), "user_accounts");
        assert_eq!(super::snake_case("e-mail"), "e_mail");
    }

    #[test]
    fn references_and_reserved_words_are_left_to_others() {
        let sql = "ALTER TABLE \"Legacy\" ADD COLUMN note text;\nCREATE TABLE \"user\" (id bigint);";
        assert!(findings_with(ID, sql, &on()).is_empty());
    }
}
