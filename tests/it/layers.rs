//! The import graph of `src/`, read from the code's own `crate::`, `super::`
//! and `self::` paths: imports flow one way down the pipeline, and no files
//! import each other round in a circle. `docs/architecture.md` draws the same
//! layers; this test keeps the picture true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::repo_root;

/// The layers, lowest first: a module may import its own layer and those
/// before it, never one after it. Every top-level module of `src/` is named
/// here exactly once (a new one fails the test until it is placed).
const LAYERS: &[(&str, &[&str])] = &[
    ("shared settings", &["settings"]),
    ("input", &["input"]),
    ("parse", &["parse"]),
    ("analysis", &["analysis"]),
    ("rules", &["diagnostic", "rule", "rules"]),
    ("report", &["report"]),
    (
        "front ends",
        &["prepare", "database", "trace", "stats", "lsp", "cli", "lib", "main"],
    ),
];

/// A source file as a module path: `src/discover/layout/mod.rs` ->
/// `["discover", "layout"]`, `src/lib.rs` -> `["lib"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.len() > 1 && parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments, string literals and `#[cfg(test)]`
/// modules (tests may reach anywhere).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut code = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let skip = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |e| e + 2)
        } else if rest.starts_with("r#\"") {
            rest.find("\"#").map_or(rest.len(), |e| e + 2)
        } else if c == '"' && !code.ends_with('\'') {
            // A string literal: up to the closing quote, past escapes.
            let mut end = 1;
            let bytes = rest.as_bytes();
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            (end + 1).min(rest.len())
        } else {
            code.push(c);
            c.len_utf8()
        };
        rest = rest.get(skip..).unwrap_or("");
    }
    code
}

/// Every path a file names from the crate's root: `crate::a::b`, `super::c`
/// (resolved against the file's module), with `{...}` groups expanded.
fn imported_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let starts = ["crate::", "super::", "self::"];
    let mut i = 0;
    while i < code.len() {
        let Some((offset, start)) = starts
            .iter()
            .filter_map(|s| code[i..].find(s).map(|at| (at, *s)))
            .min_by_key(|(at, _)| *at)
        else {
            break;
        };
        let at = i + offset;
        // `$crate::` in macros and a longer identifier ending in `super` are not paths of this file.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            i = at + start.len();
            continue;
        }
        let tree_end = use_tree_end(code, at);
        for path in expand(&code[at..tree_end]) {
            found.push(resolve(module, &path));
        }
        i = tree_end.max(at + start.len());
    }
    found
}

/// Where the path or use tree starting at `at` ends.
fn use_tree_end(code: &str, at: usize) -> usize {
    let mut depth = 0;
    for (offset, c) in code[at..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            c if depth == 0 && !(c.is_alphanumeric() || c == '_' || c == ':') => return at + offset,
            _ => {}
        }
    }
    code.len()
}

/// `crate::a::{b, c::{d, e}}` -> `crate::a::b`, `crate::a::c::d`, `crate::a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree.trim_end_matches("::").to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// A path as segments from the crate's root.
fn resolve(module: &[String], path: &str) -> Vec<String> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<String> = match segments.first() {
        Some(&"crate") => {
            segments.remove(0);
            Vec::new()
        }
        _ => {
            // `lib.rs` and `main.rs` are the crate's root.
            let mut base = module.to_vec();
            if matches!(base.as_slice(), [root] if root == "lib" || root == "main") {
                base.clear();
            }
            base
        }
    };
    while let Some(first) = segments.first() {
        match *first {
            "super" => {
                base.pop();
                segments.remove(0);
            }
            "self" => {
                segments.remove(0);
            }
            _ => break,
        }
    }
    base.extend(segments.into_iter().map(str::to_string));
    base
}

/// The file module a path lands in: the longest prefix that is a module of `src/`.
fn target_module(modules: &BTreeSet<Vec<String>>, path: &[String]) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| modules.contains(prefix))
}

/// File-level import edges of `src/` (module -> modules it imports).
fn import_graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = repo_root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(&src, f)).collect();
    let test_only = test_only_modules(&src, &files);
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_path(&src, file);
        if test_only.iter().any(|t| module.starts_with(t)) {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        // A path that names no module names an item of the crate's root
        // (`crate::some_macro!` exported there): that is an import of lib.rs.
        let root = vec!["lib".to_string()];
        let targets: BTreeSet<Vec<String>> = imported_paths(&module, &code)
            .iter()
            .filter(|path| !path.is_empty())
            .map(|path| target_module(&modules, path).unwrap_or_else(|| root.clone()))
            .filter(|target| *target != module)
            .collect();
        graph.insert(module, targets);
    }
    graph
}

/// Modules declared under `#[cfg(test)]` (helpers for unit tests): like
/// tests, they may reach anywhere.
fn test_only_modules(src: &Path, files: &[PathBuf]) -> Vec<Vec<String>> {
    let declaration = regex::Regex::new(r"#\[cfg\(test\)\]\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+(\w+)\s*;").unwrap();
    let mut found = Vec::new();
    for file in files {
        let mut module = module_path(src, file);
        if matches!(module.as_slice(), [root] if root == "lib" || root == "main") {
            module.clear();
        }
        let text = std::fs::read_to_string(file).unwrap();
        for captures in declaration.captures_iter(&text) {
            let mut child = module.clone();
            child.push(captures[1].to_string());
            found.push(child);
        }
    }
    found
}

fn layer_of(module: &[String]) -> Option<usize> {
    let top = module.first()?;
    LAYERS.iter().position(|(_, members)| members.contains(&top.as_str()))
}

fn shown(module: &[String]) -> String {
    module.join("::")
}

#[test]
fn every_module_has_a_layer_and_imports_flow_down_the_pipeline() {
    let graph = import_graph();
    let mut problems = Vec::new();
    for (module, targets) in &graph {
        let Some(layer) = layer_of(module) else {
            problems.push(format!("{}: in no layer of tests/it/layers.rs", shown(module)));
            continue;
        };
        for target in targets {
            let target_layer = layer_of(target).unwrap_or(usize::MAX);
            if target_layer > layer {
                problems.push(format!(
                    "{} ({}) imports {} ({}), a later layer",
                    shown(module),
                    LAYERS[layer].0,
                    shown(target),
                    LAYERS.get(target_layer).map_or("no layer", |l| l.0)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let graph = import_graph();
    // A module's own code may use the modules inside it (a facade); what
    // they import back from it is not a circle.
    let edges = |module: &Vec<String>| -> Vec<Vec<String>> {
        graph[module]
            .iter()
            .filter(|target| !target.starts_with(module))
            .cloned()
            .collect()
    };
    let mut circles = Vec::new();
    let mut done: BTreeSet<Vec<String>> = BTreeSet::new();
    for start in graph.keys() {
        // Depth-first search for a path back to `start` through modules not yet finished.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((module, path)) = stack.pop() {
            for next in edges(&module) {
                if next == *start {
                    circles
                        .push(path.iter().map(|m| shown(m)).collect::<Vec<_>>().join(" -> ") + " -> " + &shown(start));
                } else if !done.contains(&next) && seen.insert(next.clone()) && graph.contains_key(&next) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next, longer));
                }
            }
        }
        done.insert(start.clone());
    }
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

#[test]
fn the_reader_of_imports_reads_groups_and_relative_paths() {
    let module = vec!["discover".to_string(), "layout".to_string(), "finder".to_string()];
    let code = code_of(
        "use super::{build, listing::{a, b}};\nuse crate::config::Config; // crate::ignored::x\nfn f() { crate::read::regular_file(); let s = \"crate::no\"; }\n",
    );
    let paths: Vec<String> = imported_paths(&module, &code).iter().map(|p| p.join("::")).collect();
    assert_eq!(
        paths,
        [
            "discover::layout::build",
            "discover::layout::listing::a",
            "discover::layout::listing::b",
            "config::Config",
            "read::regular_file"
        ]
    );
}
