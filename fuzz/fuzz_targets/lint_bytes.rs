//! The whole lint of one file's bytes, as `miglint check` lints a file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    miglint::fuzzing::lint_bytes(data);
});
