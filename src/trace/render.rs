//! Output of `miglint trace`: per statement, what the server did and where it
//! differs from miglint's plan.

use std::io::{self, Write};

use super::{Outcome, TracedFile};

pub(crate) fn render_human(file: &TracedFile, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", file.path)?;
    for s in &file.statements {
        let verdict = match &s.outcome {
            Outcome::Compared { observed, differences } => {
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
