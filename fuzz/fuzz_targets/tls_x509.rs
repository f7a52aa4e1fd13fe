//! TLS record layer and handshake (RFC 5246/8446) including handshake
//! messages split across records, and X.509 certificates.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../parsers/tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::tls_x509(data));
