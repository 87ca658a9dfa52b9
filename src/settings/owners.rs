//! Who owns which tables (`[owners]` and `owners_file` in miglint.toml),
//! so that each finding and each migration names the people who review it.
//!
//! Patterns are table globs (`table_pattern`). As in CODEOWNERS, the LAST pattern that matches a
//! table gives its owners, and a pattern with no owners leaves the tables
//! it matches without any.

use super::table_pattern::{NameRules, TablePattern};

/// One line of the ownership map: a pattern and the owners it gives.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnerRule {
    pub pattern: TablePattern,
    /// `@org/team`, `@user` or an e-mail address; empty for "nobody".
    pub owners: Vec<String>,
}

/// The ownership map, in the order it was written: the last match wins.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Owners {
    pub rules: Vec<OwnerRule>,
}

impl OwnerRule {
    /// A rule from a pattern and its owners; Err says what is wrong with
    /// the pattern or an owner.
    pub fn new(pattern: &str, owners: Vec<String>) -> Result<OwnerRule, String> {
        let pattern = TablePattern::new(pattern)?;
        for owner in &owners {
            check_owner(owner)?;
        }
        Ok(OwnerRule { pattern, owners })
    }

    /// Does this rule's pattern match the table `name` in `schema`?
    pub fn matches(&self, schema: Option<&str>, name: &str, rules: NameRules) -> bool {
        self.pattern.matches(schema, name, rules)
    }
}

/// `@org/team`, `@user` or `name@example.com`: one word, not empty.
pub(crate) fn check_owner(owner: &str) -> Result<(), String> {
    if owner.is_empty() {
        return Err("an owner is empty; write `@org/team`, `@user` or an e-mail address".to_string());
    }
    if owner.chars().any(char::is_whitespace) {
        return Err(format!(
            "owner {owner:?} holds a space; list owners separately: [\"@a\", \"@b\"]"
        ));
    }
    if !owner.starts_with('@') && !owner.contains('@') {
        return Err(format!(
            "owner {owner:?} is not `@org/team`, `@user` or an e-mail address"
        ));
    }
    Ok(())
}

impl Owners {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The owners of the table `name` in `schema`: those of the last
    /// matching pattern, or none.
    pub fn owners_of(&self, schema: Option<&str>, name: &str, rules: NameRules) -> &[String] {
        self.rules
            .iter()
            .rev()
            .find(|rule| rule.matches(schema, name, rules))
            .map_or(&[], |rule| rule.owners.as_slice())
    }

    /// The owners of every table of `tables`, sorted, each once.
    pub fn owners_of_all<'t>(
        &self,
        tables: impl IntoIterator<Item = (Option<&'t str>, &'t str)>,
        rules: NameRules,
    ) -> Vec<String> {
        let mut all: Vec<String> = tables
            .into_iter()
            .flat_map(|(schema, name)| self.owners_of(schema, name, rules).iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// A CODEOWNERS-style owners file: `pattern owner...` per line, `#` starts
/// a comment, blank lines are skipped. Each rule with the 1-based line and
/// column of the word an error is about, or that error.
pub(crate) fn parse_owners_file(text: &str) -> Result<Vec<OwnerRule>, (usize, usize, String)> {
    let mut rules = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split_once('#').map_or(line, |(code, _)| code);
        let mut words = words_with_columns(code);
        let Some((column, pattern)) = words.next() else {
            continue;
        };
        let owners: Vec<(usize, &str)> = words.collect();
        for (at, owner) in &owners {
            check_owner(owner).map_err(|e| (index + 1, *at, e))?;
        }
        let rule = OwnerRule::new(pattern, owners.iter().map(|(_, o)| o.to_string()).collect())
            .map_err(|e| (index + 1, column, e))?;
        rules.push(rule);
    }
    Ok(rules)
}

/// The words of a line with the 1-based column (in characters) each starts at.
fn words_with_columns(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = line;
    let mut column = 1;
    std::iter::from_fn(move || {
        let skipped = rest.len() - rest.trim_start().len();
        column += rest[..skipped].chars().count();
        rest = &rest[skipped..];
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, after) = rest.split_at(end);
        let at = column;
        column += word.chars().count();
        rest = after;
        Some((at, word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners(rules: &[(&str, &[&str])]) -> Owners {
        Owners {
            rules: rules
                .iter()
                .map(|(p, o)| OwnerRule::new(p, o.iter().map(|s| s.to_string()).collect()).unwrap())
                .collect(),
        }
    }

    #[test]
    fn unqualified_patterns_match_any_schema_and_qualified_ones_their_own() {
        let map = owners(&[
            ("billing.*", &["@acme/billing"]),
            ("users", &["@acme/identity", "@alice"]),
        ]);
        let pg = NameRules::Postgres;
        assert_eq!(map.owners_of(Some("billing"), "invoices", pg), ["@acme/billing"]);
        assert_eq!(map.owners_of(None, "users", pg), ["@acme/identity", "@alice"]);
        assert_eq!(map.owners_of(Some("auth"), "users", pg), ["@acme/identity", "@alice"]);
        assert!(
            map.owners_of(None, "invoices", pg).is_empty(),
            "no schema is public, not billing"
        );
        assert!(map.owners_of(Some("billing2"), "x", pg).is_empty());
    }

    #[test]
    fn a_schema_left_out_is_public_in_postgres_and_unknown_elsewhere() {
        let map = owners(&[("public.audit_*", &["@acme/platform"])]);
        assert_eq!(
            map.owners_of(None, "audit_log", NameRules::Postgres),
            ["@acme/platform"]
        );
        assert_eq!(
            map.owners_of(Some("public"), "audit_log", NameRules::Postgres),
            ["@acme/platform"]
        );
        assert!(map
            .owners_of(Some("other"), "audit_log", NameRules::Postgres)
            .is_empty());
        assert!(map.owners_of(None, "audit_log", NameRules::CaseInsensitive).is_empty());
    }

    #[test]
    fn the_last_matching_pattern_wins_as_in_codeowners() {
        let map = owners(&[("*", &["@acme/dba"]), ("users", &["@alice"]), ("legacy_*", &[])]);
        let pg = NameRules::Postgres;
        assert_eq!(map.owners_of(None, "orders", pg), ["@acme/dba"]);
        assert_eq!(map.owners_of(None, "users", pg), ["@alice"]);
        assert!(map.owners_of(None, "legacy_users", pg).is_empty(), "no owners un-owns");
        let reversed = owners(&[("users", &["@alice"]), ("*", &["@acme/dba"])]);
        assert_eq!(reversed.owners_of(None, "users", pg), ["@acme/dba"]);
    }

    #[test]
    fn case_counts_in_postgres_and_not_in_mysql_or_sqlite() {
        let map = owners(&[("users", &["@alice"]), ("Audit*", &["@bob"])]);
        assert!(map.owners_of(None, "Users", NameRules::Postgres).is_empty());
        assert_eq!(map.owners_of(None, "Users", NameRules::CaseInsensitive), ["@alice"]);
        assert_eq!(map.owners_of(None, "Audit", NameRules::Postgres), ["@bob"]);
        assert_eq!(map.owners_of(None, "audit_log", NameRules::CaseInsensitive), ["@bob"]);
    }

    #[test]
    fn owners_of_several_tables_are_sorted_and_listed_once() {
        let map = owners(&[("a*", &["@z", "@y"]), ("b", &["@y"])]);
        let all = map.owners_of_all([(None, "ab"), (None, "b"), (None, "c")], NameRules::Postgres);
        assert_eq!(all, ["@y", "@z"]);
    }

    #[test]
    fn bad_patterns_and_owners_say_why() {
        assert!(OwnerRule::new("a.b.c", vec![])
            .unwrap_err()
            .contains("more than one `.`"));
        assert!(OwnerRule::new("[a", vec![]).unwrap_err().starts_with("bad pattern"));
        assert!(OwnerRule::new("billing.", vec![]).unwrap_err().contains("empty part"));
        assert!(OwnerRule::new("", vec![]).is_err());
        assert!(OwnerRule::new("t", vec!["acme".into()])
            .unwrap_err()
            .contains("not `@org/team`"));
        assert!(OwnerRule::new("t", vec!["dba@acme.com".into()]).is_ok());
    }

    #[test]
    fn owners_files_read_like_codeowners() {
        let rules =
            parse_owners_file("# who owns what\n\nbilling.*  @acme/billing # money\nusers @a @b\nlegacy_*\n").unwrap();
        let patterns: Vec<&str> = rules.iter().map(|r| r.pattern.as_str()).collect();
        assert_eq!(patterns, ["billing.*", "users", "legacy_*"]);
        assert_eq!(rules[1].owners, ["@a", "@b"]);
        assert!(rules[2].owners.is_empty());
        assert_eq!(
            parse_owners_file("users @a\n  orders  team\n").unwrap_err(),
            (
                2,
                11,
                "owner \"team\" is not `@org/team`, `@user` or an e-mail address".to_string()
            )
        );
        assert_eq!(parse_owners_file("a.b.c @x\n").unwrap_err().0, 1);
    }
}
