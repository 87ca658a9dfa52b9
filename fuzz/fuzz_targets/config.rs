//! A `miglint.toml`: parsed, then resolved.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    miglint::fuzzing::config(data);
});
