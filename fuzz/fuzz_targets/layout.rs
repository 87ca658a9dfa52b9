//! Migration tool layout detection and discovery on a file tree made from the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    miglint::fuzzing::layout(data);
});
