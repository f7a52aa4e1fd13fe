//! TLS decryption with the lab key logs loaded: one connection's records
//! fed to a TlsDecryptor (format in tests/fuzz_harness/mod.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::tls_decrypt(data));
