//! What the rules about the migration history share: which inputs are
//! migrations of a root, what existed at the git ref, how versions sort,
//! and how to name a migration in a message.

use std::cmp::Ordering;

use crate::analysis::RunContext;
pub(crate) use crate::input::layout::compare_versions;
use crate::input::layout::{GitState, Role, ScriptInfo, Tool};
use crate::input::source::{SourceFile, Span};

/// One input of the run that belongs to a migration root.
#[derive(Clone, Copy)]
pub(crate) struct Entry<'r> {
    /// The input's index in the run.
    pub index: usize,
    pub script: &'r ScriptInfo,
    /// The file's text; None for history and unreadable inputs.
    pub source: Option<&'r SourceFile>,
}

impl Entry<'_> {
    pub(crate) fn is_change(&self) -> bool {
        self.script.role == Role::Change
    }

    /// An up script: what a tool records as applied (not a down or a Sqitch verify script).
    pub(crate) fn is_up(&self) -> bool {
        !self.script.is_down() && !self.script.verify
    }

    /// The file was at the git ref: it may have run already.
    pub(crate) fn existed_at_ref(&self) -> bool {
        matches!(
            self.script.git,
            Some(GitState::Unchanged | GitState::Modified { .. } | GitState::Deleted)
        )
    }

    /// The file is new since the git ref.
    pub(crate) fn is_new(&self) -> bool {
        matches!(self.script.git, Some(GitState::Added | GitState::Untracked))
    }

    /// A Flyway repeatable migration (`R__x.sql`): re-run whenever it
    /// changes, after the versioned ones, so never out of order or stale.
    pub(crate) fn is_repeatable(&self) -> bool {
        self.script.tool == Tool::Flyway && self.script.version.is_none()
    }

    /// The migration as the tool names it, else the file's name.
    pub(crate) fn name(&self) -> String {
        if let Some(name) = &self.script.migration {
            return name.clone();
        }
        if let Some(source) = self.source {
            let path = source.path.as_str();
            return path.rsplit(['/', '\\']).next().unwrap_or(path).to_string();
        }
        self.script.version.clone().unwrap_or_else(|| "a migration".to_string())
    }
}

/// Every input that belongs to a migration root (files outside one are not
/// known to be migrations), in run order.
pub(crate) fn migration_inputs<'r>(run: &'r RunContext<'_>) -> Vec<Entry<'r>> {
    run.scripts
        .iter()
        .enumerate()
        .filter(|(_, script)| !script.root.is_empty())
        .map(|(index, script)| Entry {
            index,
            script,
            source: run.sources.get(index).copied().flatten(),
        })
        .collect()
}

/// Whether `a` runs before `b` in their root: by the tool's order when both
/// have one, else by version (a file deleted since the ref has no order).
pub(crate) fn runs_before(a: &ScriptInfo, b: &ScriptInfo) -> Option<bool> {
    if let (Some(x), Some(y)) = (a.order, b.order) {
        return Some(x < y);
    }
    let (Some(x), Some(y)) = (&a.version, &b.version) else {
        return None;
    };
    Some(compare_versions(a.tool, x, y) == Ordering::Less)
}

/// The span of a 1-based line without its line break; the end of the text
/// when the file has fewer lines.
pub(crate) fn line_span(source: &SourceFile, line: usize) -> Span {
    let text = &source.text;
    if line == 0 || line > source.lines.line_count() {
        return Span::new(text.len(), text.len());
    }
    let start = source.lines.line_start(line - 1);
    let end = text[start..].find(['\n', '\r']).map_or(text.len(), |e| start + e);
    Span::new(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_spans_stop_at_the_line_break() {
        let source = SourceFile::new("a.sql", "one\r\ntwo\n");
        assert_eq!(line_span(&source, 2), Span::new(5, 8));
        assert_eq!(line_span(&source, 3), Span::new(9, 9));
        assert_eq!(line_span(&source, 9), Span::new(9, 9));
    }
}
