//! MCS (T.125 BER connect PDUs, PER domain PDUs) and GCC Conference Create
//! Request/Response with the client and server data blocks (MS-RDPBCGR 2.2.1.3/2.2.1.4).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../parsers/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::mcs_gcc(data));
