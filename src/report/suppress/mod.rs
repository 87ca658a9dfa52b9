//! Ignore comments:
//!
//! ```sql
//! -- miglint: ignore ban-drop-column -- the column was never read
//! ALTER TABLE users DROP COLUMN legacy;
//! /* miglint: ignore-file prefer-text */
//! ```
//!
//! `ignore` covers the statement directly below the comment (only comments
//! and whitespace between), or, written at the end of a statement's last
//! line, the statement it trails; `ignore-file` covers the whole file. Unknown ids
//! and suppressions that suppressed nothing are reported.

use std::sync::OnceLock;

use regex::Regex;

use crate::diagnostic::{Diagnostic, Finding, Suppressed, SuppressionScope};
use crate::input::source::{SourceFile, Span};
use crate::parse::{Comment, ParsedFile};
use crate::rule::RuleMeta;
use crate::rules;
use crate::settings::Settings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The statement (or unparsed text) directly below the comment.
    Statement(Span),
    File,
    /// An `ignore` with no statement below it.
    Nothing,
}

#[derive(Debug, Clone)]
pub(crate) struct Directive {
    pub scope: Scope,
    /// Each rule id and its span in the comment.
    pub ids: Vec<(String, Span)>,
    pub reason: Option<String>,
    /// The comment from its start to the end of its ids: what a finding
    /// about the directive itself points at.
    pub span: Span,
}

fn directive_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| Regex::new(r"^\s*miglint:\s*(ignore-file|ignore)\b(.*)$").expect("valid directive pattern"))
}

/// Finds the directives in a file's comments.
pub(crate) fn directives(source: &SourceFile, parsed: &ParsedFile) -> Vec<Directive> {
    let statements: Vec<Span> = parsed.statements.iter().map(|s| parsed.file_span(s.span)).collect();
    let problems: Vec<Span> = parsed.problems.iter().map(|p| p.span).collect();
    directives_in(source, &parsed.comments, &statements, &problems)
}

/// The directives of a file's comments, given where its statements and
/// its unparseable text are (spans of the file as written): the same for
/// every dialect.
pub(crate) fn directives_in(
    source: &SourceFile,
    comments: &[Comment],
    statements: &[Span],
    problems: &[Span],
) -> Vec<Directive> {
    let layout = Layout {
        comments,
        statements,
        problems,
    };
    comments
        .iter()
        .filter_map(|comment| {
            let body = source.slice(comment.body);
            let body_line = body.lines().next().unwrap_or("");
            let caps = directive_pattern().captures(body_line)?;
            let kind = caps.get(1)?.as_str();
            let rest = caps.get(2)?;
            let rest_start = comment.body.start + rest.start();
            let (ids_text, reason) = match rest.as_str().find("--") {
                Some(i) => (&rest.as_str()[..i], Some(rest.as_str()[i + 2..].trim())),
                None => (rest.as_str(), None),
            };
            let ids = split_ids(ids_text, rest_start);
            let scope = if kind == "ignore-file" {
                Scope::File
            } else {
                statement_trailed(source, &layout, comment.span.start)
                    .unwrap_or_else(|| statement_below(source, &layout, comment.span.end))
            };
            let ids_end = rest_start + ids_text.trim_end().len();
            Some(Directive {
                scope,
                ids,
                reason: reason.filter(|r| !r.is_empty()).map(str::to_string),
                span: Span::new(comment.span.start, ids_end),
            })
        })
        .collect()
}

/// Where a file's comments, statements and unparseable text are.
struct Layout<'a> {
    comments: &'a [Comment],
    statements: &'a [Span],
    problems: &'a [Span],
}

impl Layout<'_> {
    fn spans(&self) -> impl Iterator<Item = Span> + '_ {
        self.statements.iter().chain(self.problems).copied()
    }
}

fn split_ids(text: &str, base: usize) -> Vec<(String, Span)> {
    let mut ids = Vec::new();
    let mut offset = 0;
    for part in text.split(',') {
        let trimmed = part.trim();
        if !trimmed.is_empty() {
            let start = base + offset + part.find(trimmed).unwrap_or(0);
            ids.push((trimmed.to_string(), Span::new(start, start + trimmed.len())));
        }
        offset += part.len() + 1;
    }
    ids
}

/// The statement (or parse problem) a comment starting at `at` trails: one
/// that ends on the comment's line, with only `;` and spaces between.
fn statement_trailed(source: &SourceFile, layout: &Layout<'_>, at: usize) -> Option<Scope> {
    let before = layout
        .spans()
        .filter(|span| span.end <= at)
        .max_by_key(|span| span.end)?;
    let between = &source.text[before.end..at];
    if !between.chars().all(|c| c == ';' || c == ' ' || c == '\t') {
        return None;
    }
    Some(Scope::Statement(widen_to_statement(layout, before)))
}

/// The statement or parse problem right below a comment ending at `after`,
/// when nothing but comments and whitespace lies between.
fn statement_below(source: &SourceFile, layout: &Layout<'_>, after: usize) -> Scope {
    let next = layout
        .spans()
        .filter(|span| span.start >= after)
        .min_by_key(|span| span.start);
    let Some(span) = next else {
        return Scope::Nothing;
    };
    let gap = Span::new(after, span.start);
    let only_comments = layout
        .comments
        .iter()
        .filter(|c| gap.contains(c.span))
        .fold(source.slice(gap).to_string(), |text, c| {
            text.replace(source.slice(c.span), "")
        })
        .trim()
        .is_empty();
    if !only_comments {
        return Scope::Nothing;
    }
    Scope::Statement(widen_to_statement(layout, span))
}

/// The statement that holds `span` (a problem inside one), or `span`.
fn widen_to_statement(layout: &Layout<'_>, span: Span) -> Span {
    layout
        .statements
        .iter()
        .copied()
        .find(|s| s.contains(span))
        .unwrap_or(span)
}

/// Marks suppressed diagnostics and returns findings about the directives
/// themselves (unknown ids, unused suppressions).
pub(crate) fn apply(
    directives: &[Directive],
    diagnostics: &mut [Diagnostic],
    settings: &Settings,
) -> Vec<(&'static RuleMeta, Finding)> {
    let mut findings = Vec::new();
    for directive in directives {
        for (id, id_span) in &directive.ids {
            let Some(meta) = rules::find(id)
                .map(|rule| rule.meta())
                .or_else(|| crate::report::custom::find(settings, id))
            else {
                findings.push((
                    &rules::unknown_rule::META,
                    Finding::new(
                        *id_span,
                        format!(
                            "unknown rule `{id}` in a miglint ignore comment{}",
                            rules::did_you_mean(id)
                        ),
                    )
                    .help("check the id with `miglint rules`; ids are kebab-case, such as `ban-drop-column`"),
                ));
                continue;
            };
            let mut used = false;
            for diagnostic in diagnostics.iter_mut() {
                if !rules::ignore_covers(meta.id, diagnostic.rule) || diagnostic.suppressed.is_some() {
                    continue;
                }
                let covered = match &directive.scope {
                    Scope::File => true,
                    Scope::Statement(span) => span.contains(Span::new(diagnostic.span.start, diagnostic.span.start)),
                    Scope::Nothing => false,
                };
                if covered {
                    let scope = if directive.scope == Scope::File {
                        SuppressionScope::File
                    } else {
                        SuppressionScope::Statement
                    };
                    diagnostic.suppressed = Some(Suppressed {
                        reason: directive.reason.clone(),
                        scope,
                    });
                    used = true;
                }
            }
            let enabled = settings.rule_severity(meta.id, meta.enabled_by_default.then_some(meta.default_severity));
            if !used && enabled.is_some() {
                let message = match directive.scope {
                    Scope::Nothing => format!("ignore comment for `{id}` has no statement below it"),
                    _ => format!("`{id}` is ignored here but reports nothing"),
                };
                findings.push((
                    &rules::unused_suppression::META,
                    Finding::new(*id_span, message).help("remove the id from the ignore comment"),
                ));
            }
        }
        if let Some(finding) = missing_reason(directive, settings) {
            findings.push((&rules::suppression_without_reason::META, finding));
        }
    }
    findings
}

/// `suppression-without-reason`, when it is on: a directive that silences
/// a known rule and says nothing after `--`.
fn missing_reason(directive: &Directive, settings: &Settings) -> Option<Finding> {
    let meta = &rules::suppression_without_reason::META;
    settings.rule_severity(meta.id, meta.enabled_by_default.then_some(meta.default_severity))?;
    // The editor's quick fix writes `TODO: ...` for the author to replace.
    let placeholder = directive
        .reason
        .as_deref()
        .is_some_and(|reason| reason.get(..4).is_some_and(|word| word.eq_ignore_ascii_case("todo")));
    if directive.reason.is_some() && !placeholder {
        return None;
    }
    let known: Vec<&str> = directive
        .ids
        .iter()
        .map(|(id, _)| id.as_str())
        .filter(|id| rules::find(id).is_some() || crate::report::custom::find(settings, id).is_some())
        .collect();
    let first = known.first()?;
    let quoted: Vec<String> = known.iter().map(|id| format!("`{id}`")).collect();
    let (what, directive_word) = if directive.scope == Scope::File {
        ("file-wide suppression", "ignore-file")
    } else {
        ("suppression", "ignore")
    };
    Some(
        Finding::new(
            directive.span,
            format!(
                "{what} of {} gives {}",
                quoted.join(", "),
                if placeholder {
                    "a TODO for a reason"
                } else {
                    "no reason"
                }
            ),
        )
        .label(directive.span, "a reviewer cannot tell why the risk is acceptable here")
        .help(format!(
            "say why after `--`: `-- miglint: {directive_word} {first} -- <why this is safe>`"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_file;

    #[test]
    fn reads_ids_reason_and_scope() {
        let text = "-- miglint: ignore ban-drop-table, ban-truncate -- old data\nDROP TABLE t;\n/* miglint: ignore-file prefer-text */";
        let source = SourceFile::new("t.sql", text);
        let parsed = parse_file(&source);
        let found = directives(&source, &parsed);
        assert_eq!(found.len(), 2);
        let ids: Vec<_> = found[0]
            .ids
            .iter()
            .map(|(id, span)| (id.as_str(), source.slice(*span)))
            .collect();
        assert_eq!(
            ids,
            [("ban-drop-table", "ban-drop-table"), ("ban-truncate", "ban-truncate")]
        );
        assert_eq!(found[0].reason.as_deref(), Some("old data"));
        assert_eq!(found[0].scope, Scope::Statement(parsed.statements[0].span));
        assert_eq!(found[1].scope, Scope::File);
    }

    #[test]
    fn a_comment_trailing_a_statement_covers_that_statement_not_the_next() {
        let text = "DROP TABLE a; -- miglint: ignore ban-drop-table\nDROP TABLE b;\nDROP TABLE c -- miglint: ignore ban-drop-table\n;";
        let source = SourceFile::new("t.sql", text);
        let parsed = parse_file(&source);
        let found = directives(&source, &parsed);
        assert_eq!(found[0].scope, Scope::Statement(parsed.statements[0].span));
        assert_eq!(found[1].scope, Scope::Statement(parsed.statements[2].span));
    }

    #[test]
    fn code_between_comment_and_statement_breaks_the_link() {
        let text = "-- miglint: ignore ban-drop-table\nSELECT 1; DROP TABLE t;";
        let source = SourceFile::new("t.sql", text);
        let parsed = parse_file(&source);
        assert_eq!(
            directives(&source, &parsed)[0].scope,
            Scope::Statement(parsed.statements[0].span)
        );
    }
}
