//! pcapng files with many and oversized Decryption Secrets Blocks around
//! the lab capture's frames, read and analyzed.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::pcapng_dsb(data));
