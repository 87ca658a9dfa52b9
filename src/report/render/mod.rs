//! One file per output format. Renderers read reports and rule metadata,
//! never a rule's code.

mod gcc;
mod github;
mod gitlab;
mod human;
mod json;
pub(crate) mod plan;
mod sarif;
pub(crate) mod size_words;
pub(crate) mod summary;

use std::io::{self, Write};

use crate::report::Report;

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
pub(crate) fn rule_doc_url(id: &str) -> String {
    format!("https://github.com/miglint/miglint/blob/main/rules/{id}.md")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
