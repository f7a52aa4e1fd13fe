//! RDP negotiation (MS-RDPBCGR 2.2.1.1/2.2.1.2): X.224 Connection Request /
//! Confirm with cookie, routing token, RDP_NEG_REQ/RSP/FAILURE, correlation info.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../parsers/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::nego(data));
