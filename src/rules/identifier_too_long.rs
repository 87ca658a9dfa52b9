//! `identifier-too-long`: PostgreSQL keeps only the first 63 bytes of an
//! identifier (NAMEDATALEN - 1), cut at a character boundary, and says so
//! only in a NOTICE. The object gets the shorter name; two long names that
//! share their first 63 bytes are one name.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::names::truncated_identifier;
use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::input::source::Span;
use crate::rule::{Rule, RunCheck};

crate::rule::declare_rule!(IdentifierTooLong, id: "identifier-too-long", category: Compatibility, severity: Warning, since: "0.1.0");

impl Rule for IdentifierTooLong {
    fn run_check(&self) -> Option<Box<dyn RunCheck>> {
        Some(Box::<KeptNames>::default())
    }
}

/// The long names seen so far in the run, by what PostgreSQL keeps of them:
/// the name as written, and where in the current file (None for an earlier
/// file of the run).
#[derive(Default)]
struct KeptNames {
    kept: BTreeMap<String, (String, Option<Span>)>,
}

impl RunCheck for KeptNames {
    fn file(&mut self, _index: usize, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        // Spans of an earlier file mean nothing in this one.
        for (_, at) in self.kept.values_mut() {
            *at = None;
        }
        let mut reported: BTreeSet<String> = BTreeSet::new();
        for ctx in file.contexts() {
            for token in ctx.tokens() {
                let Some(name) = token.identifier() else { continue };
                let Some(short) = truncated_identifier(&name) else {
                    continue;
                };
                // Each long name once per file, at its first use.
                if !reported.insert(name.clone()) {
                    continue;
                }
                let mut message = format!(
                    "identifier \"{name}\" is {} bytes: PostgreSQL keeps \"{short}\" ({} bytes)",
                    name.len(),
                    short.len()
                );
                let mut finding = None;
                match self.kept.get(short) {
                    Some((first, at)) if *first != name => {
                        message.push_str(&format!(", the same name as \"{first}\""));
                        let mut f = Finding::new(token.span, message.clone());
                        match at {
                            Some(at) => f = f.label(*at, format!("\"{first}\" is also kept as \"{short}\"")),
                            None => {
                                message.push_str(" of an earlier migration");
                                f = Finding::new(token.span, message.clone());
                            }
                        }
                        finding = Some(f);
                    }
                    Some(_) => {}
                    None => {
                        self.kept.insert(short.to_string(), (name.clone(), Some(token.span)));
                    }
                }
                let finding = finding.unwrap_or_else(|| Finding::new(token.span, message));
                out.push(finding.help(format!(
                    "use a name of at most 63 bytes, such as \"{short}\" itself: the object is named that, a later migration spelling the long name reaches it only because PostgreSQL cuts that too, and two long names that begin alike become one (the second CREATE fails with \"already exists\")"
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "identifier-too-long";

    #[test]
    fn flags_names_over_63_bytes_once_with_what_is_kept() {
        let long = "a".repeat(70);
        let found = findings(
            ID,
            &format!("CREATE TABLE {long} (id int);\nCREATE INDEX ON {long} (id);"),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0],
            format!(
                "identifier \"{long}\" is 70 bytes: PostgreSQL keeps \"{}\" (63 bytes)",
                "a".repeat(63)
            )
        );
    }

    #[test]
    fn cuts_at_a_character_boundary_and_names_collisions() {
        // 62 ASCII bytes and a 2-byte letter: 64 bytes, kept as 62.
        let name = format!("\"{}é\"", "b".repeat(62));
        let found = findings(ID, &format!("CREATE TABLE {name} (id int);"));
        assert!(
            found[0].contains("is 64 bytes: PostgreSQL keeps") && found[0].ends_with("(62 bytes)"),
            "{found:?}"
        );
        let (one, two) = (format!("{}_one", "c".repeat(63)), format!("{}_two", "c".repeat(63)));
        let found = findings(
            ID,
            &format!("CREATE TABLE {one} (id int);\nCREATE TABLE {two} (id int);"),
        );
        assert_eq!(found.len(), 2);
        assert!(found[1].ends_with(&format!("the same name as \"{one}\"")), "{found:?}");
    }

    #[test]
    fn names_collide_across_the_files_of_a_run() {
        use crate::report::engine::{lint_run, ChangeScope, RunInput};
        let (one, two) = (format!("{}_one", "d".repeat(63)), format!("{}_two", "d".repeat(63)));
        let inputs = vec![
            RunInput::new("1.sql", format!("CREATE TABLE {one} (id int);").into_bytes()),
            RunInput::new("2.sql", format!("CREATE TABLE {two} (id int);").into_bytes()),
        ];
        let reports = lint_run(inputs, ChangeScope::AllFiles);
        let messages: Vec<&str> = reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .filter(|d| d.rule == ID)
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[1].ends_with(&format!("the same name as \"{one}\" of an earlier migration")),
            "{messages:?}"
        );
    }

    #[test]
    fn short_names_strings_and_quoted_case_are_fine() {
        let sql = format!(
            "CREATE TABLE \"{}\" (note text DEFAULT '{}');",
            "D".repeat(63),
            "x".repeat(99)
        );
        assert!(findings(ID, &sql).is_empty());
    }
}
