//! JSON-RPC messages to the language server, after `initialize`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    miglint::fuzzing::lsp(data);
});
