//! Fuzz target `sip_codec`: see `fuzz/entries.rs`.
#![no_main]

#[path = "../entries.rs"]
#[allow(dead_code)]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::sip_codec(data));
