//! `--redact`: a report built from the input capture (with the lab keys),
//! the redaction table from it, text and JSON reports scrubbed.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::redact(data));
