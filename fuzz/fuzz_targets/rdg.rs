//! RD Gateway HTTP transport (MS-TSGU): HTTP request/response, RDG packets.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../parsers/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::rdg(data));
