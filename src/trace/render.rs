//! Output of `miglint trace`: per statement, what the server did and where it
//! differs from miglint's plan.

use std::io::{self, Write};

use super::{Outcome, RunMode, TracedFile};

pub(crate) fn render_human(file: &TracedFile, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", file.path)?;
    for s in &file.statements {
        let verdict = match &s.outcome {
            Outcome::Compared {
                observed,
                differences,
                already_held,
            } => {
                let locks: Vec<String> = observed.locks.iter().map(|(r, m)| format!("{m} on {r}")).collect();
                let mut seen = if locks.is_empty() {
                    "no new table lock".to_string()
                } else {
                    locks.join(", ")
                };
                for r in &observed.rewrites {
                    seen.push_str(&format!("; rewrote {r}"));
                }
                for r in &observed.scans {
                    seen.push_str(&format!("; scanned {r}"));
                }
                for (r, m) in already_held {
                    seen.push_str(&format!("; {m} on {r} held by an earlier statement: not compared"));
                }
                if differences.is_empty() {
                    format!("as planned: {seen}")
                } else {
                    format!("DIFFERS: {} (observed: {seen})", differences.join("; "))
                }
            }
            Outcome::Skipped(why) => format!("skipped: {why}"),
            Outcome::Failed(error) => format!("failed: {error}"),
            Outcome::RanUnobserved => "ran outside a transaction block; locks not observed".to_string(),
        };
        writeln!(out, "  {:>5}  {}  {verdict}", s.line, s.summary)?;
    }
    Ok(())
}

/// The run's last line: differences, then what was not compared.
pub(crate) fn summary(differences: usize, failed: usize, skipped: usize, mode: RunMode) -> String {
    let mut line = format!(
        "miglint trace: {} with a difference between miglint's plan and the server",
        statements(differences)
    );
    if failed > 0 {
        let verb = if failed == 1 { "was" } else { "were" };
        line.push_str(&format!("; {} failed and {verb} not compared", statements(failed)));
    }
    if skipped > 0 {
        let verb = if skipped == 1 { "was" } else { "were" };
        line.push_str(&format!("; {} {verb} skipped", statements(skipped)));
    }
    line.push_str(match mode {
        RunMode::History => " (one transaction, rolled back)",
        RunMode::EachFile => " (each file alone, rolled back)",
        RunMode::Commit => " (committed)",
    });
    line
}

fn statements(n: usize) -> String {
    if n == 1 {
        "1 statement".to_string()
    } else {
        format!("{n} statements")
    }
}

#[cfg(test)]
mod tests {
    use super::summary;
    use crate::trace::RunMode;

    #[test]
    fn a_run_with_failed_statements_does_not_read_as_clean() {
        assert_eq!(
            summary(0, 3, 0, RunMode::History),
            "miglint trace: 0 statements with a difference between miglint's plan and the server; \
             3 statements failed and were not compared (one transaction, rolled back)"
        );
        assert_eq!(
            summary(1, 1, 2, RunMode::Commit),
            "miglint trace: 1 statement with a difference between miglint's plan and the server; \
             1 statement failed and was not compared; 2 statements were skipped (committed)"
        );
        assert_eq!(
            summary(0, 0, 0, RunMode::EachFile),
            "miglint trace: 0 statements with a difference between miglint's plan and the server \
             (each file alone, rolled back)"
        );
    }
}
