//! CredSSP TSRequest (MS-CSSP), SPNEGO, NTLMSSP (MS-NLMP) and Kerberos messages.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../parsers/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::auth(data));
