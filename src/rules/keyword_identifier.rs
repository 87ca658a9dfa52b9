//! `keyword-identifier` (off by default): a name that is a reserved word of
//! PostgreSQL's grammar (`user`, `order`, `table`, `left`), usable only in
//! double quotes, in every statement, for ever.

use std::collections::BTreeSet;

use pg_query::protobuf::KeywordKind;

use crate::analysis::created_names::given_names;
use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::parse::tokens::keyword_kind;
use crate::rule::Rule;

crate::rule::declare_rule!(KeywordIdentifier, id: "keyword-identifier", category: Style, severity: Warning, since: "0.1.0", enabled_by_default: false);

impl Rule for KeywordIdentifier {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        let mut seen = BTreeSet::new();
        for ctx in file.contexts() {
            for given in given_names(ctx.node()) {
                let name = given.name;
                // `"User"` is no keyword but a name in capitals: quoted-identifier's.
                if name != name.to_lowercase() {
                    continue;
                }
                let kind = match keyword_kind(&name) {
                    Some(KeywordKind::ReservedKeyword) => "a reserved word",
                    Some(KeywordKind::TypeFuncNameKeyword) => {
                        "a reserved word (allowed only as a function or type name)"
                    }
                    _ => continue,
                };
                if !seen.insert(name.clone()) {
                    continue;
                }
                let span = ctx
                    .tokens()
                    .iter()
                    .find(|t| t.identifier().as_deref() == Some(name.as_str()))
                    .map_or(ctx.span(), |t| t.span);
                out.push(
                    Finding::new(
                        span,
                        format!("\"{name}\" is {kind} in PostgreSQL: every statement must write it in double quotes"),
                    )
                    .help(format!(
                        "choose a name that is no keyword, such as {name}s or app_{name}: a query that forgets the quotes fails with a syntax error"
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;
    use crate::tests::rules::findings_with;

    const ID: &str = "keyword-identifier";

    fn on() -> Settings {
        let mut settings = Settings::default();
        settings.set_rule(ID, Some(crate::diagnostic::Severity::Warning));
        settings
    }

    #[test]
    fn flags_reserved_words_as_names() {
        let sql = "CREATE TABLE \"user\" (id bigint, \"order\" int, \"left\" text);";
        let found = findings_with(ID, sql, &on());
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            found[0],
            "\"user\" is a reserved word in PostgreSQL: every statement must write it in double quotes"
        );
    }

    #[test]
    fn unreserved_and_column_name_keywords_are_fine() {
        // `name`, `action` are unreserved; `time`, `position` may be column names unquoted.
        let sql = "CREATE TABLE events (name text, action text, time timestamptz, position int, \"User\" text);";
        assert!(findings_with(ID, sql, &on()).is_empty());
    }
}
