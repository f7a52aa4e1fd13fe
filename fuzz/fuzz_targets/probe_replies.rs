//! The probe's parsing of server replies: Connection Confirm, the answer to
//! a hand-built ClientHello, the CredSSP/NTLM CHALLENGE.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::probe_replies(data));
