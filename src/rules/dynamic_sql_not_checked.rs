//! `dynamic-sql-not-checked`: SQL that a `DO` block or a called routine
//! builds at run time (`EXECUTE` of a variable, of `format()` with a
//! variable), or code in a language miglint does not read, runs without
//! being checked: it is said, so a reviewer knows what nobody looked at.

use crate::analysis::embedded::RunKind;
use crate::analysis::AnalyzedFile;
use crate::diagnostic::Finding;
use crate::rule::Rule;

crate::rule::declare_rule!(DynamicSqlNotChecked, id: "dynamic-sql-not-checked", category: Syntax, severity: Info, since: "0.1.0");

impl Rule for DynamicSqlNotChecked {
    fn check_file(&self, file: &AnalyzedFile<'_>, out: &mut Vec<Finding>) {
        for unchecked in &file.unchecked {
            let Some(run) = file.runs.get(unchecked.run) else {
                continue;
            };
            let mut help = "miglint checks what it can read: write the statement out, or EXECUTE a constant string or format() with constant arguments, so its locks are checked; until then, review what it runs by hand".to_string();
            if let RunKind::Call { name, .. } = &run.kind {
                let (path, line) = &unchecked.written;
                help.push_str(&format!("\n{name} runs it at line {line} of {path}"));
            }
            out.push(Finding::new(unchecked.span, format!("{} ({})", unchecked.why, run.describe())).help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::rules::findings;

    const ID: &str = "dynamic-sql-not-checked";

    #[test]
    fn execute_of_a_variable_is_said() {
        let sql = "DO $$\nDECLARE t text := 'users';\nBEGIN\n  EXECUTE 'DROP TABLE ' || t;\nEND $$;";
        assert_eq!(
            findings(ID, sql),
            ["statement built at run time and run by EXECUTE (`'DROP TABLE ' || t`): miglint cannot tell what it runs (inside the DO block at line 1)"]
        );
    }

    #[test]
    fn constants_are_read_and_defined_routines_wait_for_their_call() {
        assert!(findings(ID, "DO $$\nBEGIN\n  EXECUTE format('DROP TABLE %I', 'old');\nEND $$;").is_empty());
        let defined = "CREATE FUNCTION f(t text) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  EXECUTE 'DROP TABLE ' || t;\nEND $$;";
        assert!(findings(ID, defined).is_empty());
        assert_eq!(findings(ID, &format!("{defined}\nSELECT f('old');")).len(), 1);
    }
}
