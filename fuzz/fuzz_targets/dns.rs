//! DNS messages (RFC 1035) over UDP and TCP.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../parsers/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::dns(data));
