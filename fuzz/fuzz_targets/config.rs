//! The configuration file parser, then the lab capture analyzed with the
//! settings it made.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::config(data));
