//! `path:line:col: severity: message [rule-id]`, one per line, as compilers print.

use std::io::{self, Write};

use crate::report::Report;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (file, d) in report.diagnostics().filter(|(_, d)| d.is_active()) {
        let message = d.message.replace(['\r', '\n'], " ");
        writeln!(
            out,
            "{}:{}:{}: {}: {} [{}]",
            file.path(),
            d.start.line,
            d.start.column,
            d.severity.as_str(),
            message,
            d.rule
        )?;
    }
    Ok(())
}
