//! Replays every saved fuzz input (`fuzz/regressions/<target>/*`) through
//! the entry point its target fuzzes (`miglint::fuzzing`), on stable Rust:
//! a crash the fuzzers found and that was fixed stays fixed. `fuzz/README.md`
//! says how to fuzz and what ran.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::repo_root;

/// A fuzz target: its folder name and what it runs.
type Target = (&'static str, fn(&[u8]));

/// The fuzz targets.
const TARGETS: [Target; 5] = [
    ("lint_bytes", miglint::fuzzing::lint_bytes),
    ("config", miglint::fuzzing::config),
    ("suppressions", miglint::fuzzing::suppressions),
    ("layout", miglint::fuzzing::layout),
    ("lsp", miglint::fuzzing::lsp),
];

#[test]
fn fuzz_regression_inputs_replay_without_a_crash() {
    let root = repo_root().join("fuzz/regressions");
    let mut replayed = 0;
    for (target, run) in TARGETS {
        let dir = root.join(target);
        assert!(dir.is_dir(), "{}: missing (one folder per fuzz target)", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep" && n != "README.md"))
            .collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            assert!(outcome.is_ok(), "{target}: {} panics", shown(&file));
            let took = started.elapsed();
            assert!(
                took < Duration::from_secs(60),
                "{target}: {} took {took:?}",
                shown(&file)
            );
            replayed += 1;
        }
    }
    // Each target has at least its seed: the replay is never vacuous.
    assert!(replayed >= TARGETS.len(), "only {replayed} regression inputs");
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}
