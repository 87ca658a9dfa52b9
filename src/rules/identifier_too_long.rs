//! `identifier-too-long`: PostgreSQL keeps only the first 63 bytes of an
//! identifier (NAMEDATALEN - 1), cut at a character boundary, and says so
//! only in a NOTICE. The object gets the shorter name; two long names that
//! share their first 63 bytes are one name.

use std::collections::BTreeMap;

use crate::analysis::names::truncated_identifier;
use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::rule::Rule;

crate::rule::declare_rule!(IdentifierTooLong, id: "identifier-too-long", category: Compatibility, severity: Warning, since: "0.1.0");

impl Rule for IdentifierTooLong {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        // Each long name once, at its first use; by what PostgreSQL keeps.
        let mut kept: BTreeMap<String, (String, crate::input::source::Span)> = BTreeMap::new();
        for ctx in file.contexts() {
            for token in ctx.tokens() {
                let Some(name) = token.identifier() else { continue };
                let Some(short) = truncated_identifier(&name) else {
                    continue;
                };
                let earlier = kept.get(short);
                if earlier.is_some_and(|(first, _)| *first == name) {
                    continue;
                }
                let mut message = format!(
                    "identifier \"{name}\" is {} bytes: PostgreSQL keeps \"{short}\" ({} bytes)",
                    name.len(),
                    short.len()
                );
                let mut finding;
                if let Some((first, at)) = earlier {
                    message.push_str(&format!(", the same name as \"{first}\""));
                    finding = Finding::new(token.span, message)
                        .label(*at, format!("\"{first}\" is also kept as \"{short}\""));
                } else {
                    finding = Finding::new(token.span, message);
                    kept.insert(short.to_string(), (name.clone(), token.span));
                }
                finding = finding.help(format!(
                    "use a name of at most 63 bytes, such as \"{short}\" itself: the object is named that, a later migration spelling the long name reaches it only because PostgreSQL cuts that too, and two long names that begin alike become one (the second CREATE fails with \"already exists\")"
                ));
                out.push(finding);
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
    fn short_names_strings_and_quoted_case_are_fine() {
        let sql = format!(
            "CREATE TABLE \"{}\" (note text DEFAULT '{}');",
            "D".repeat(63),
            "x".repeat(99)
        );
        assert!(findings(ID, &sql).is_empty());
    }
}
