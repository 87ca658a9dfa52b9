//! Pins the hand-written mirror in `ffi.rs` to the `pg_query.h` of the
//! `pg_query` package this build links, found with `cargo metadata`: the
//! structs field by field (order, name, C type), their layout on this
//! platform, and the prototypes. A header that cannot be found skips these
//! tests outside CI, with the reason printed, and fails them in CI.

use std::ffi::{c_char, c_double, c_int, c_long, c_longlong, c_short};
use std::mem::{align_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::{MIRRORED_FUNCTIONS, MIRRORED_STRUCTS};

/// A `#[repr(C)]` struct of `ffi.rs` as written, with Rust's layout of it.
pub(super) struct MirroredStruct {
    pub(super) name: &'static str,
    pub(super) size: usize,
    pub(super) align: usize,
    pub(super) fields: &'static [MirroredField],
}

pub(super) struct MirroredField {
    pub(super) name: &'static str,
    pub(super) rust_type: &'static str,
    pub(super) offset: usize,
    pub(super) size: usize,
}

/// An `extern "C"` function of `ffi.rs` as written.
pub(super) struct MirroredFunction {
    pub(super) name: &'static str,
    pub(super) params: &'static [&'static str],
    /// Empty for a function that returns nothing.
    pub(super) returns: &'static [&'static str],
}

#[test]
fn mirror_matches_the_linked_header() {
    let Some((path, header)) = linked_header() else {
        return;
    };
    let problems = check(header, MIRRORED_STRUCTS, MIRRORED_FUNCTIONS);
    assert!(
        problems.is_empty(),
        "src/parse/ffi.rs no longer mirrors {}:\n  - {}",
        path.display(),
        problems.join("\n  - ")
    );
}

#[test]
fn the_header_found_is_the_linked_librarys() {
    let Some((path, header)) = linked_header() else {
        return;
    };
    let define = Regex::new(r"(?m)^\s*#\s*define\s+PG_VERSION_NUM\s+(\d+)\s*$").unwrap();
    let declared: i32 = define
        .captures(header)
        .and_then(|c| c[1].parse().ok())
        .unwrap_or_else(|| panic!("{} defines no PG_VERSION_NUM", path.display()));
    let linked = pg_query::parse("SELECT 1", 0).unwrap().protobuf.version;
    assert_eq!(
        declared,
        linked,
        "{} declares PostgreSQL {declared}, the linked libpg_query is {linked}",
        path.display()
    );
}

/// An edit of the header is reported by struct and field, or by function.
#[test]
fn a_changed_header_is_reported() {
    let Some((_, header)) = linked_header() else {
        return;
    };
    let edited = |from: &str, to: &str| {
        assert!(
            header.contains(from),
            "pg_query.h no longer contains `{from}`: update this test"
        );
        check(&header.replacen(from, to, 1), MIRRORED_STRUCTS, MIRRORED_FUNCTIONS)
    };
    let ptr = size_of::<*const c_char>();
    assert_eq!(
        edited("int cursorpos;", "unsigned int cursorpos;"),
        ["PgQueryError.cursorpos: the header has `unsigned int`, ffi.rs `c_int` (`int` in C)"]
    );
    assert_eq!(
        edited("char* parse_tree;", "char* parse_tree_json;"),
        ["PgQueryParseResult field 1: the header has `char* parse_tree_json`, ffi.rs `parse_tree: *mut c_char`"]
    );
    assert_eq!(
        edited(
            "PgQueryError* error;\n} PgQueryParseResult;",
            "PgQueryError* error;\n  char* extra;\n} PgQueryParseResult;"
        ),
        [
            "PgQueryParseResult.extra: field 4 of the header (`char* extra`), missing from ffi.rs".to_string(),
            format!("PgQueryParseResult: {} bytes in C, {} in ffi.rs", 4 * ptr, 3 * ptr),
        ]
    );
    assert_eq!(
        edited(
            "pg_query_parse(const char* input)",
            "pg_query_parse(const char* input, int options)"
        ),
        ["pg_query_parse: the header takes 2 parameters, ffi.rs 1"]
    );
    assert_eq!(
        edited("void pg_query_free_parse_result(", "int pg_query_free_parse_result("),
        ["pg_query_free_parse_result: the header returns `int`, ffi.rs nothing (`void`)"]
    );
    assert_eq!(
        edited("} PgQueryParseResult;", "} PgQueryParseResultV2;"),
        ["PgQueryParseResult: pg_query.h has no `typedef struct { ... } PgQueryParseResult;`"]
    );
}

/// The same macro as the mirror's, on structs that have drifted from the
/// header: each difference is named.
#[allow(dead_code)]
mod drifted {
    use std::ffi::{c_char, c_int};

    use crate::parse::ffi::pin;

    mirror_structs! {
        #[repr(C)]
        struct PgQueryError {
            message: *mut c_char,
            funcname: *mut c_char,
            filename: *mut c_char,
            cursorpos: c_int,
            lineno: c_int,
            context: *mut c_char,
        }

        #[repr(C)]
        struct PgQueryParseResult {
            parse_tree: *mut c_char,
            stderr_buffer: *mut c_char,
            error: *mut c_char,
        }
    }

    pub(super) const STRUCTS: &[pin::MirroredStruct] = MIRRORED_STRUCTS;

    pub(super) const FUNCTIONS: &[pin::MirroredFunction] = &[pin::MirroredFunction {
        name: "pg_query_parse",
        params: &["*mut c_char"],
        returns: &["PgQueryParseResult"],
    }];
}

#[test]
fn a_changed_mirror_is_reported() {
    let Some((_, header)) = linked_header() else {
        return;
    };
    assert_eq!(
        check(header, drifted::STRUCTS, drifted::FUNCTIONS),
        [
            "PgQueryError field 4: the header has `int lineno`, ffi.rs `cursorpos: c_int`",
            "PgQueryError field 5: the header has `int cursorpos`, ffi.rs `lineno: c_int`",
            "PgQueryParseResult.error: the header has `PgQueryError*`, ffi.rs `*mut c_char` (`char*` in C)",
            "pg_query_parse parameter 1 (`input`): the header has `const char*`, ffi.rs `*mut c_char` (`char*` in C)",
        ]
    );
}

/// The path and text of the linked `pg_query.h`, found once; `None` (with the
/// reason printed) when it cannot be found outside CI.
fn linked_header() -> Option<&'static (PathBuf, String)> {
    static FOUND: OnceLock<Result<(PathBuf, String), String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let path = find_header()?;
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((path, text))
    });
    match found {
        Ok(found) => Some(found),
        Err(why) if in_ci() => panic!("the linked libpg_query's pg_query.h is required in CI: {why}"),
        Err(why) => {
            println!("skipped: the linked libpg_query's pg_query.h was not found: {why}");
            None
        }
    }
}

/// True when running under CI, where nothing may be skipped.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `libpg_query/pg_query.h` of the `pg_query` package that miglint's
/// dependency resolves to, as Cargo reports it.
fn find_header() -> Result<PathBuf, String> {
    let cargo = env!("CARGO");
    let mut command = Command::new(cargo);
    command
        .args(["metadata", "--format-version", "1", "--locked", "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
    // Only this platform's packages: the others need not be downloaded.
    if let Some(host) = host_triple(cargo) {
        command.args(["--filter-platform", &host]);
    }
    let output = command.output().map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("`cargo metadata` lists no packages")?;
    let root = &metadata["resolve"]["root"];
    let node = metadata["resolve"]["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| &n["id"] == root))
        .ok_or("`cargo metadata` has no resolved miglint package")?;
    let pg_query: Vec<&Value> = node["deps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|dep| packages.iter().find(|p| p["id"] == dep["pkg"]))
        .filter(|p| p["name"] == "pg_query")
        .collect();
    let [package] = pg_query.as_slice() else {
        return Err(format!(
            "miglint resolves to {} pg_query packages, not one",
            pg_query.len()
        ));
    };
    let manifest = package["manifest_path"]
        .as_str()
        .ok_or("pg_query has no manifest_path")?;
    let header = Path::new(manifest).with_file_name("libpg_query").join("pg_query.h");
    if header.is_file() {
        Ok(header)
    } else {
        Err(format!("{} does not exist", header.display()))
    }
}

fn host_triple(cargo: &str) -> Option<String> {
    let output = Command::new(cargo).arg("-vV").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.lines().find_map(|l| l.strip_prefix("host: ")).map(str::to_string)
}

/// Every difference between the header and the mirror, in words.
fn check(header: &str, structs: &[MirroredStruct], functions: &[MirroredFunction]) -> Vec<String> {
    let header = without_comments_and_directives(header);
    let mirrored: Vec<&str> = structs.iter().map(|s| s.name).collect();
    let mut problems = Vec::new();
    for mirror in structs {
        check_struct(&header, mirror, &mirrored, &mut problems);
    }
    for mirror in functions {
        check_function(&header, mirror, &mirrored, &mut problems);
    }
    problems
}

fn check_struct(header: &str, mirror: &MirroredStruct, mirrored: &[&str], problems: &mut Vec<String>) {
    let name = mirror.name;
    let fields = match typedef_struct(header, name) {
        Ok(fields) => fields,
        Err(why) => return problems.push(format!("{name}: {why}")),
    };
    let layout = c_layout(header, &fields, 0);
    for i in 0..fields.len().max(mirror.fields.len()) {
        match (fields.get(i), mirror.fields.get(i)) {
            (Some((c_type, c_name)), Some(field)) if c_name != field.name => problems.push(format!(
                "{name} field {}: the header has `{c_type} {c_name}`, ffi.rs `{}: {}`",
                i + 1,
                field.name,
                field.rust_type
            )),
            (Some((c_type, c_name)), Some(field)) => {
                match rust_to_c(field.rust_type, mirrored) {
                    Ok(rust_c) if &rust_c == c_type => {}
                    Ok(rust_c) => problems.push(format!(
                        "{name}.{c_name}: the header has `{c_type}`, ffi.rs `{}` (`{rust_c}` in C)",
                        field.rust_type
                    )),
                    Err(why) => problems.push(format!("{name}.{c_name}: {why}")),
                }
                if let Ok((offsets, _, _)) = &layout {
                    let (offset, size) = offsets[i];
                    if (offset, size) != (field.offset, field.size) {
                        problems.push(format!(
                            "{name}.{c_name}: {size} bytes at offset {offset} in C, {} at {} in ffi.rs",
                            field.size, field.offset
                        ));
                    }
                }
            }
            (Some((c_type, c_name)), None) => problems.push(format!(
                "{name}.{c_name}: field {} of the header (`{c_type} {c_name}`), missing from ffi.rs",
                i + 1
            )),
            (None, Some(field)) => problems.push(format!(
                "{name}.{}: field {} of ffi.rs (`{}`), not in the header",
                field.name,
                i + 1,
                field.rust_type
            )),
            (None, None) => unreachable!(),
        }
    }
    match layout {
        Ok((_, size, align)) => {
            if size != mirror.size {
                problems.push(format!("{name}: {size} bytes in C, {} in ffi.rs", mirror.size));
            }
            if align != mirror.align {
                problems.push(format!(
                    "{name}: aligned to {align} bytes in C, to {} in ffi.rs",
                    mirror.align
                ));
            }
        }
        Err(why) => problems.push(format!("{name}: no layout for the header's struct: {why}")),
    }
}

fn check_function(header: &str, mirror: &MirroredFunction, mirrored: &[&str], problems: &mut Vec<String>) {
    let name = mirror.name;
    let (returns, params) = match prototype(header, name) {
        Ok(prototype) => prototype,
        Err(why) => return problems.push(format!("{name}: {why}")),
    };
    match mirror.returns.first() {
        None if returns == "void" => {}
        None => problems.push(format!(
            "{name}: the header returns `{returns}`, ffi.rs nothing (`void`)"
        )),
        Some(rust) => match rust_to_c(rust, mirrored) {
            Ok(rust_c) if rust_c == returns => {}
            Ok(rust_c) => problems.push(format!(
                "{name}: the header returns `{returns}`, ffi.rs `{rust}` (`{rust_c}` in C)"
            )),
            Err(why) => problems.push(format!("{name}'s return type: {why}")),
        },
    }
    if params.len() != mirror.params.len() {
        return problems.push(format!(
            "{name}: the header takes {} parameters, ffi.rs {}",
            params.len(),
            mirror.params.len()
        ));
    }
    for (i, ((c_type, c_name), rust)) in params.iter().zip(mirror.params).enumerate() {
        match rust_to_c(rust, mirrored) {
            Ok(rust_c) if &rust_c == c_type => {}
            Ok(rust_c) => problems.push(format!(
                "{name} parameter {} (`{c_name}`): the header has `{c_type}`, ffi.rs `{rust}` (`{rust_c}` in C)",
                i + 1
            )),
            Err(why) => problems.push(format!("{name} parameter {} (`{c_name}`): {why}", i + 1)),
        }
    }
}

/// The header without comments, string literals' contents left alone, and
/// without preprocessor lines.
fn without_comments_and_directives(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
            out.push(' ');
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
            out.push(' ');
        } else if c == '"' {
            let end = rest[1..].find('"').map_or(rest.len(), |i| i + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The fields (C type, name) of `typedef struct { ... } name;`.
fn typedef_struct(header: &str, name: &str) -> Result<Vec<(String, String)>, String> {
    let pattern = format!(
        r"typedef\s+struct\s*(?:[A-Za-z_]\w*\s*)?\{{([^{{}}]*)\}}\s*{}\s*;",
        regex::escape(name)
    );
    let found: Vec<_> = Regex::new(&pattern).unwrap().captures_iter(header).collect();
    let [body] = found.as_slice() else {
        return Err(match found.len() {
            0 => format!("pg_query.h has no `typedef struct {{ ... }} {name};`"),
            n => format!("pg_query.h has {n} `typedef struct {{ ... }} {name};`"),
        });
    };
    body[1]
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(declaration)
        .collect()
}

/// The return type and parameters (C type, name) of the prototype of `name`.
fn prototype(header: &str, name: &str) -> Result<(String, Vec<(String, String)>), String> {
    let pattern = format!(
        r"(?:^|[;{{}}])\s*([A-Za-z_][\w\s*]*?)\s*\b{}\s*\(([^()]*)\)\s*;",
        regex::escape(name)
    );
    let found: Vec<_> = Regex::new(&pattern).unwrap().captures_iter(header).collect();
    let [prototype] = found.as_slice() else {
        return Err(format!("pg_query.h has {} prototypes of it, not one", found.len()));
    };
    let returns =
        c_type(&tokens(&prototype[1])?).ok_or_else(|| format!("unreadable return type `{}`", &prototype[1]))?;
    let params = prototype[2].trim();
    let params = if params.is_empty() || params == "void" {
        Vec::new()
    } else {
        params
            .split(',')
            .map(|p| declaration(p.trim()))
            .collect::<Result<_, _>>()?
    };
    Ok((returns, params))
}

/// `const char *input` as (`const char*`, `input`).
fn declaration(text: &str) -> Result<(String, String), String> {
    let tokens = tokens(text)?;
    let unreadable = || format!("`{text}` is no declaration that this test reads");
    let (name, type_tokens) = tokens.split_last().ok_or_else(unreadable)?;
    if *name == "*" {
        return Err(unreadable());
    }
    Ok((c_type(type_tokens).ok_or_else(unreadable)?, name.to_string()))
}

/// Identifiers and `*` only.
fn tokens(text: &str) -> Result<Vec<&str>, String> {
    let token = Regex::new(r"[A-Za-z_]\w*|\S").unwrap();
    let tokens: Vec<&str> = token.find_iter(text).map(|m| m.as_str()).collect();
    match tokens
        .iter()
        .find(|t| **t != "*" && !t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
    {
        Some(other) => Err(format!("`{other}` in `{}` is not read by this test", text.trim())),
        None => Ok(tokens),
    }
}

/// Words then stars: `const char *` as `const char*`.
fn c_type(tokens: &[&str]) -> Option<String> {
    let stars = tokens.iter().rev().take_while(|t| **t == "*").count();
    let words = &tokens[..tokens.len() - stars];
    if words.is_empty() || words.contains(&"*") {
        return None;
    }
    Some(format!("{}{}", words.join(" "), "*".repeat(stars)))
}

/// The C type that a Rust type of the mirror stands for.
fn rust_to_c(rust: &str, mirrored: &[&str]) -> Result<String, String> {
    let paths = Regex::new(r"(?:[A-Za-z_]\w*\s*::\s*)+").unwrap();
    let unqualified = paths.replace_all(rust, "");
    let tokens = tokens(&unqualified)?;
    let unknown = || Err(format!("`{rust}` has no C counterpart known to this test"));
    match tokens.as_slice() {
        ["*", "mut", pointee @ ..] => Ok(format!("{}*", rust_to_c(&pointee.join(" "), mirrored)?)),
        ["*", "const", pointee @ ..] => {
            let pointee = rust_to_c(&pointee.join(" "), mirrored)?;
            if pointee.ends_with('*') {
                return unknown();
            }
            Ok(format!("const {pointee}*"))
        }
        [name] => Ok(match *name {
            "c_char" => "char",
            "c_schar" => "signed char",
            "c_uchar" => "unsigned char",
            "c_short" => "short",
            "c_ushort" => "unsigned short",
            "c_int" => "int",
            "c_uint" => "unsigned int",
            "c_long" => "long",
            "c_ulong" => "unsigned long",
            "c_longlong" => "long long",
            "c_ulonglong" => "unsigned long long",
            "c_double" | "f64" => "double",
            "bool" => "bool",
            "usize" => "size_t",
            "i32" => "int32_t",
            "u32" => "uint32_t",
            "i64" => "int64_t",
            "u64" => "uint64_t",
            _ if mirrored.contains(name) => name,
            _ => return unknown(),
        }
        .to_string()),
        _ => unknown(),
    }
}

/// Offsets and sizes of the fields, size and alignment of a C struct with
/// these fields on this platform.
#[allow(clippy::type_complexity)]
fn c_layout(
    header: &str,
    fields: &[(String, String)],
    depth: usize,
) -> Result<(Vec<(usize, usize)>, usize, usize), String> {
    let mut offsets = Vec::new();
    let (mut end, mut struct_align) = (0_usize, 1);
    for (c_type, _) in fields {
        let (size, align) = c_size_align(header, c_type, depth)?;
        let offset = end.next_multiple_of(align);
        offsets.push((offset, size));
        end = offset + size;
        struct_align = struct_align.max(align);
    }
    Ok((offsets, end.next_multiple_of(struct_align), struct_align))
}

fn c_size_align(header: &str, c_type: &str, depth: usize) -> Result<(usize, usize), String> {
    fn of<T>() -> (usize, usize) {
        (size_of::<T>(), align_of::<T>())
    }
    Ok(match c_type.trim_start_matches("const ") {
        t if t.ends_with('*') => of::<*const c_char>(),
        "char" | "signed char" | "unsigned char" | "int8_t" | "uint8_t" => of::<c_char>(),
        "bool" | "_Bool" => of::<bool>(),
        "short" | "unsigned short" | "int16_t" | "uint16_t" => of::<c_short>(),
        "int" | "unsigned int" | "unsigned" | "int32_t" | "uint32_t" => of::<c_int>(),
        "long" | "unsigned long" => of::<c_long>(),
        "long long" | "unsigned long long" => of::<c_longlong>(),
        "int64_t" | "uint64_t" => of::<u64>(),
        "size_t" => of::<usize>(),
        "double" => of::<c_double>(),
        name if depth < 8 => {
            let fields = typedef_struct(header, name.trim_start_matches("struct "))
                .map_err(|_| format!("no size known for the C type `{c_type}`"))?;
            let (_, size, align) = c_layout(header, &fields, depth + 1)?;
            (size, align)
        }
        _ => return Err(format!("`{c_type}` nests too deep")),
    })
}
