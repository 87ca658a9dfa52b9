//! GitHub Actions workflow commands: `::error file=…,line=…::message`.
//! Data (message) escapes `%`, CR, LF; properties also escape `:` and `,`.

use std::io::{self, Write};

use super::size_words::finding_context;
use crate::diagnostic::Severity;
use crate::report::Report;

pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (file, d) in report.diagnostics().filter(|(_, d)| d.is_active()) {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = vec![
            format!("file={}", escape_property(file.path())),
            format!("line={}", d.start.line),
        ];
        if d.start.line == d.end.line {
            properties.push(format!("col={}", d.start.column));
            properties.push(format!("endLine={}", d.end.line));
            properties.push(format!("endColumn={}", d.end.column));
        } else {
            // GitHub ignores columns on multi-line annotations.
            properties.push(format!("endLine={}", d.end.line));
        }
        properties.push(format!("title={}", escape_property(&format!("miglint {}", d.rule))));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\n\nhelp: ");
            message.push_str(help);
        }
        // Who reviews it and how big its tables are.
        for line in finding_context(d) {
            message.push('\n');
            message.push_str(&line);
        }
        writeln!(out, "::{command} {}::{}", properties.join(","), escape_data(&message))?;
    }
    Ok(())
}

pub(super) fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

pub(super) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_github_requires() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
