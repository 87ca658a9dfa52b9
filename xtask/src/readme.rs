//! `cargo xtask readme`: the README's rules table, regenerated from the rule
//! list by the generator `miglint rules --format markdown` uses.

use std::path::Path;

use miglint::rules_table::{rules_table, with_table, README_END, README_START};
use miglint::RuleMeta;

/// `readme` (README.md's text) with the table of `rules` between its markers.
pub fn with_rules_table<'m>(readme: &str, rules: impl IntoIterator<Item = &'m RuleMeta>) -> Result<String, String> {
    with_table(readme, &rules_table(rules)).ok_or_else(|| {
        format!("README.md has no rules table: put it between a line `{README_START}` and a line `{README_END}`")
    })
}

/// `cargo xtask readme`: writes the table of the rules miglint was built
/// with into `root/README.md`; true when the file changed.
pub fn regenerate(root: &Path) -> Result<bool, String> {
    let readme = crate::read(root, "README.md")?;
    let updated = with_rules_table(&readme, miglint::rules())?;
    if updated == readme {
        return Ok(false);
    }
    crate::write(root, "README.md", &updated)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_table_and_says_whether_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = format!("# miglint\n\n{README_START}\n| stale |\n{README_END}\n\n## Next\n");
        std::fs::write(dir.path().join("README.md"), &stale).unwrap();

        assert!(regenerate(dir.path()).unwrap());
        let readme = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
        let table = rules_table(miglint::rules());
        assert_eq!(
            readme,
            format!("# miglint\n\n{README_START}\n{table}{README_END}\n\n## Next\n")
        );
        assert!(!regenerate(dir.path()).unwrap(), "a second run changes nothing");

        std::fs::write(dir.path().join("README.md"), "no markers\n").unwrap();
        assert!(regenerate(dir.path()).unwrap_err().contains("has no rules table"));
    }
}
