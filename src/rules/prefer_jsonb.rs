//! `prefer-jsonb`: `json` keeps the text as written and parses it again on
//! every access; `jsonb` stores it parsed and can be indexed.

use crate::analysis::StatementContext;
use crate::diagnostic::Finding;
use crate::rule::Rule;
use crate::rules::column_types;

crate::rule::declare_rule!(PreferJsonb, id: "prefer-jsonb", category: Style, severity: Warning, since: "0.1.0");

impl Rule for PreferJsonb {
    fn check_statement(&self, ctx: StatementContext<'_>, out: &mut Vec<Finding>) {
        for col in column_types::columns(ctx) {
            if col.base_name() != "json" {
                continue;
            }
            let new_type = format!("jsonb{}", col.array_suffix());
            out.push(
                Finding::new(
                    col.type_span,
                    format!(
                        "{} is {}: stored as text and parsed again by every JSON operator",
                        col.subject(),
                        col.type_display()
                    ),
                )
                .about_column(col.decl.column)
                .help(format!(
                    "declare it as jsonb, stored parsed, with equality, containment operators and GIN indexes:\n  {}\nkeep json only if the exact text, key order or duplicate keys must be preserved",
                    col.with_type(&new_type)
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    #[test]
    fn flags_json_columns() {
        let found = findings("prefer-jsonb", "CREATE TABLE t (a json, b json[]);");
        assert_eq!(
            found,
            [
                "column \"a\" of \"t\" is json: stored as text and parsed again by every JSON operator",
                "column \"b\" of \"t\" is json[]: stored as text and parsed again by every JSON operator"
            ]
        );
    }

    #[test]
    fn jsonb_is_fine() {
        assert!(findings("prefer-jsonb", "CREATE TABLE t (a jsonb);").is_empty());
    }
}
