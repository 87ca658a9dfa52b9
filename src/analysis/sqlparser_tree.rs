//! What the dialects parsed by `sqlparser` (SQLite, MySQL) share in reading
//! its trees.

use sqlparser::ast::ObjectName;

/// The last part of a name, unquoted and lowercased (`main."Users"` and
/// `` app.`Users` `` are `users`): both dialects match names without case.
pub(crate) fn name_of(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.to_lowercase())
        .unwrap_or_default()
}
