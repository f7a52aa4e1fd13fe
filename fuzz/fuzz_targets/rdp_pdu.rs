//! RDP security and connection-sequence PDUs (MS-RDPBCGR 2.2.1.x, 2.2.3, 2.2.8,
//! 2.2.10, 2.2.15): security header, Security Exchange, Client Info, licensing,
//! Share Control/Data, Demand/Confirm Active, errors, RDSTLS, multitransport.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../parsers/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::rdp_pdu(data));
