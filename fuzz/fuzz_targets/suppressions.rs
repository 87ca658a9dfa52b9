//! Ignore comments around statements that draw findings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    miglint::fuzzing::suppressions(data);
});
