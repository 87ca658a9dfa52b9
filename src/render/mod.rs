//! One file per output format. Renderers read reports and rule metadata,
//! never a rule's code.

mod gcc;
mod github;
mod gitlab;
mod human;
mod json;
mod sarif;

use std::io::{self, Write};

use crate::config::FailOn;
use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::FileReport;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
    Gcc,
    Gitlab,
}

impl Format {
    pub const NAMES: [&'static str; 6] = ["human", "json", "github", "sarif", "gcc", "gitlab"];

    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "human" => Format::Human,
            "json" => Format::Json,
            "github" => Format::Github,
            "sarif" => Format::Sarif,
            "gcc" => Format::Gcc,
            "gitlab" => Format::Gitlab,
            _ => return None,
        })
    }
}

/// Everything a run produced, in file order.
pub struct Report {
    pub files: Vec<FileReport>,
    pub fail_on: FailOn,
    pub pg_version: u32,
}

/// Counts over the active (unsuppressed) diagnostics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub statements: usize,
    pub errors: usize,
    pub warnings: usize,
    pub suppressed: usize,
    /// Active diagnostics at or above `--fail-on`.
    pub blocking: usize,
}

impl Report {
    pub fn diagnostics(&self) -> impl Iterator<Item = (&FileReport, &Diagnostic)> {
        self.files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(move |d| (f, d)))
    }

    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            files: self.files.len(),
            statements: self.files.iter().map(|f| f.statements).sum(),
            ..Summary::default()
        };
        for (_, d) in self.diagnostics() {
            if !d.is_active() {
                summary.suppressed += 1;
                continue;
            }
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
            }
            if self.fail_on.blocks(d.severity) {
                summary.blocking += 1;
            }
        }
        summary
    }
}

pub struct RenderOptions {
    pub color: bool,
}

pub fn render(format: Format, report: &Report, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, options, out),
        Format::Json => json::render(report, out),
        Format::Github => github::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Gcc => gcc::render(report, out),
        Format::Gitlab => gitlab::render(report, out),
    }
}

/// The rule's documentation page, for links in SARIF and editors.
pub fn rule_doc_url(id: &str) -> String {
    format!("https://github.com/miglint/miglint/blob/main/rules/{id}.md")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
