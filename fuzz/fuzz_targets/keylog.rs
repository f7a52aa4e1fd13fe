//! The key-log parser (file and pcapng DSB), merging, and DSB keys added to
//! a session store, then the lab capture analyzed with the parsed keys.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::keylog(data));
