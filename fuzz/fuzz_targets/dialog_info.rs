//! Fuzz target `dialog_info`: see `fuzz/entries.rs`.
#![no_main]

#[path = "../entries.rs"]
#[allow(dead_code)]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::dialog_info_body(data));
