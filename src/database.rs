//! The connection `trace` and `stats` open to a database the user names,
//! and the server's errors in words.

use postgres::{Client, NoTls};

/// A client for `url` (a URL or a libpq key/value string).
pub(crate) fn connect(url: &str) -> Result<Client, String> {
    Client::connect(url, NoTls).map_err(|e| format!("cannot connect to the database: {}", error_text(&e)))
}

/// The server's own message, or the error with its causes: the postgres
/// crate says "error connecting to server" and keeps why in `source()`.
pub(crate) fn error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => with_causes(e),
    }
}

/// `error: cause: its cause`, skipping a cause the text already ends with.
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        if !text.ends_with(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        cause = inner.source();
    }
    text
}
