//! The packet decoder and TCP/UDP flow engine (reassembly, health, sessions)
//! fed frames directly, without a capture file around them.
//!
//! Input format (what `scripts/fuzz-seeds.py` writes): one byte selecting the
//! link type, then frames as `[u16 le length][u16 le time step in ms][bytes]`.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::flow_engine(data));
