//! TPKT (RFC 1006), X.224 class 0 TPDUs, fast-path headers and the first-byte
//! classifier: the entry points the flow engine calls on every RDP segment.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../parsers/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::tpkt_x224(data));
