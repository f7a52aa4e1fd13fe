//! Damaged gzip captures (truncated, flipped, trailing garbage, bad CRC,
//! a damaged second member), read and analyzed.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::gzip_damaged(data));
