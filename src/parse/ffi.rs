//! What the `pg_query` crate drops: where a parse error is.
//!
//! The crate reports a parse error as a message only, while the C library
//! it links also returns the cursor position, and for PL/pgSQL the context
//! that names the line. This thin declaration of the library's own entry
//! points reads them. `parse_error` is called only for text that already
//! failed to parse, so the common path stays on the crate's API;
//! `parse_plpgsql` replaces the crate's function of the same name, which
//! keeps only the message of an error.

use std::ffi::{c_char, c_int, CStr, CString};

// The two structs and two functions below mirror `libpg_query/pg_query.h` of
// the `pg_query` crate by hand (its own bindings are private). The macros
// declare them exactly as written and, under test, also record what was
// written (field names, Rust types, offsets, sizes), from the same tokens, so
// that `pin.rs` can hold the declarations against the header of the
// libpg_query actually linked: an upgrade that changes them fails the tests
// instead of making this code read garbage.

/// Declares `#[repr(C)]` structs and, under test, their `MIRRORED_STRUCTS`.
macro_rules! mirror_structs {
    ($(#[repr(C)] struct $name:ident { $($field:ident: $ty:ty),* $(,)? })*) => {
        $(
            #[repr(C)]
            struct $name { $($field: $ty,)* }
        )*

        #[cfg(test)]
        const MIRRORED_STRUCTS: &[pin::MirroredStruct] = &[$(pin::MirroredStruct {
            name: stringify!($name),
            size: std::mem::size_of::<$name>(),
            align: std::mem::align_of::<$name>(),
            fields: &[$(pin::MirroredField {
                name: stringify!($field),
                rust_type: stringify!($ty),
                offset: std::mem::offset_of!($name, $field),
                size: std::mem::size_of::<$ty>(),
            },)*],
        },)*];
    };
}

/// Declares `extern "C"` functions and, under test, their `MIRRORED_FUNCTIONS`.
macro_rules! mirror_functions {
    ($(fn $name:ident($($param:ident: $pty:ty),* $(,)?) $(-> $ret:ty)?;)*) => {
        extern "C" {
            $(fn $name($($param: $pty),*) $(-> $ret)?;)*
        }

        #[cfg(test)]
        const MIRRORED_FUNCTIONS: &[pin::MirroredFunction] = &[$(pin::MirroredFunction {
            name: stringify!($name),
            params: &[$(stringify!($pty)),*],
            returns: &[$(stringify!($ret))?],
        },)*];
    };
}

mirror_structs! {
    #[repr(C)]
    struct PgQueryError {
        message: *mut c_char,
        funcname: *mut c_char,
        filename: *mut c_char,
        lineno: c_int,
        cursorpos: c_int,
        context: *mut c_char,
    }

    #[repr(C)]
    struct PgQueryParseResult {
        parse_tree: *mut c_char,
        stderr_buffer: *mut c_char,
        error: *mut PgQueryError,
    }

    #[repr(C)]
    struct PgQueryPlpgsqlParseResult {
        plpgsql_funcs: *mut c_char,
        error: *mut PgQueryError,
    }
}

mirror_functions! {
    fn pg_query_parse(input: *const c_char) -> PgQueryParseResult;
    fn pg_query_free_parse_result(result: PgQueryParseResult);
    fn pg_query_parse_plpgsql(input: *const c_char) -> PgQueryPlpgsqlParseResult;
    fn pg_query_free_plpgsql_parse_result(result: PgQueryPlpgsqlParseResult);
}

/// A parse error with the parser's 1-based character position, if it gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParseError {
    pub message: String,
    pub cursor: Option<usize>,
}

/// Parses `sql` with the C library and returns its error, if any.
pub(super) fn parse_error(sql: &str) -> Option<ParseError> {
    let Ok(input) = CString::new(sql) else {
        return Some(ParseError {
            message: "text contains a NUL byte".into(),
            cursor: sql.find('\0').map(|i| sql[..i].chars().count() + 1),
        });
    };
    // SAFETY: `input` is a valid NUL-terminated string that outlives the call;
    // the result is read before it is freed, exactly once.
    unsafe {
        let result = pg_query_parse(input.as_ptr());
        let error = if result.error.is_null() {
            None
        } else {
            let err = &*result.error;
            let message = if err.message.is_null() {
                "syntax error".to_string()
            } else {
                CStr::from_ptr(err.message).to_string_lossy().into_owned()
            };
            Some(ParseError {
                message,
                cursor: usize::try_from(err.cursorpos).ok().filter(|&c| c > 0),
            })
        };
        pg_query_free_parse_result(result);
        error
    }
}

/// A PL/pgSQL compile error: PostgreSQL's message and its context, which
/// names the line of the body (`... near line 3`, `... line 3 at SQL
/// statement`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlpgsqlError {
    pub message: String,
    pub context: String,
}

/// Compiles the `DO` blocks and `CREATE FUNCTION`s of `sql` as PostgreSQL's
/// PL/pgSQL compiler does and returns each function's tree as JSON text.
pub(crate) fn parse_plpgsql(sql: &str) -> Result<String, PlpgsqlError> {
    let Ok(input) = CString::new(sql) else {
        return Err(PlpgsqlError {
            message: "text contains a NUL byte".into(),
            context: String::new(),
        });
    };
    let text = |ptr: *mut c_char| {
        if ptr.is_null() {
            String::new()
        } else {
            // SAFETY: the library's strings are NUL-terminated and live until
            // the result is freed, after this read.
            unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
        }
    };
    // SAFETY: `input` is a valid NUL-terminated string that outlives the call;
    // the result is read before it is freed, exactly once. Only the message
    // and context of an error are read: the library leaves its other fields
    // unset for some errors.
    unsafe {
        let result = pg_query_parse_plpgsql(input.as_ptr());
        let outcome = if result.error.is_null() {
            Ok(text(result.plpgsql_funcs))
        } else {
            let err = &*result.error;
            Err(PlpgsqlError {
                message: text(err.message),
                context: text(err.context),
            })
        };
        pg_query_free_plpgsql_parse_result(result);
        outcome
    }
}

#[cfg(test)]
mod pin;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_cursor_of_the_bad_token() {
        let err = parse_error("SELECT 1;\nALTER TABEL users ADD x int;").unwrap();
        assert!(err.message.contains("syntax error"), "{}", err.message);
        assert_eq!(err.cursor, Some(17));
    }

    #[test]
    fn cursor_counts_characters() {
        let err = parse_error("SELECT 'é' FORM t").unwrap();
        // `FORM` is read as an alias; `t` (17th character, 18th byte) is the error
        assert_eq!(err.cursor, Some(17));
    }

    #[test]
    fn valid_sql_has_no_error() {
        assert_eq!(parse_error("CREATE TABLE t (id int)"), None);
    }
}
