//! `unresolved-placeholder`: a template placeholder (`${schema}`,
//! `{{ .Schema }}`, `:name`, a project's own macro) that `[placeholders]`
//! gives no value: miglint checked its statement with a stand-in, which is
//! said once per name and file, so a reviewer knows what was assumed.

use std::collections::BTreeSet;

use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::input::source::excerpt;
use crate::rule::Rule;

crate::rule::declare_rule!(UnresolvedPlaceholder, id: "unresolved-placeholder", category: Syntax, severity: Info, since: "0.1.0");

impl Rule for UnresolvedPlaceholder {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        let mut said = BTreeSet::new();
        for found in &file.parsed.placeholders {
            // A statement that did not parse even so is `unsupported-syntax`'s.
            if found.resolved || !found.checked || !found.needs_value || !said.insert(found.name.as_str()) {
                continue;
            }
            let stand_in = file.source.slice(found.span);
            let key = toml_key(&found.key);
            out.push(
                Finding::new(
                    found.span,
                    format!(
                        "placeholder `{}` has no value in [placeholders]; miglint checked the statement with the stand-in `{}`",
                        excerpt(&found.text, 40),
                        excerpt(stand_in, 40)
                    ),
                )
                .help(format!(
                    "give it the value your migration tool puts there, in miglint.toml:\n  [placeholders]\n  {key} = \"...\""
                )),
            );
        }
    }
}

/// A TOML key for `name`: bare when it can be, quoted otherwise.
fn toml_key(name: &str) -> String {
    let bare = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "unresolved-placeholder";

    #[test]
    fn said_once_per_name() {
        assert_eq!(
            findings(ID, "CREATE TABLE ${schema}.t (id bigint);\nCREATE TABLE ${schema}.u (id bigint);"),
            ["placeholder `${schema}` has no value in [placeholders]; miglint checked the statement with the stand-in `schema`"]
        );
    }

    #[test]
    fn template_actions_and_unparsed_statements_are_not_said() {
        assert!(findings(ID, "{{ if .X }}CREATE TABLE t (id bigint);{{ end }}").is_empty());
        assert!(findings(ID, "CREATE TABLE t (${columns});").is_empty());
        assert!(findings(ID, "CREATE TABLE t (id bigint);").is_empty());
    }
}
