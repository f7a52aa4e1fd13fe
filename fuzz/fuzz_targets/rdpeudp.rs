//! RDP-UDP (MS-RDPEUDP/-UDP2): SYN / SYN+ACK, v1 packets, RDPEUDP2 headers.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../parsers/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::rdpeudp(data));
