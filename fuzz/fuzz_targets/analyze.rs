//! The whole analyze pipeline on an in-memory capture: bytes -> capture
//! reader -> flows -> sessions -> attempts/findings -> text and JSON reports.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::analyze(data));
