//! The capture file reader (pcap / pcapng / gzip) on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::capture_reader(data));
