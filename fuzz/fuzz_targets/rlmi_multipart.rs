//! Fuzz target `rlmi_multipart`: see `fuzz/entries.rs`.
#![no_main]

#[path = "../entries.rs"]
#[allow(dead_code)]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::rlmi_multipart(data));
