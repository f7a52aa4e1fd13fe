//! TLS record layer, handshake reassembly and handshake summaries
//! (RFC 5246 TLS 1.2 §6.2 and §7.4, RFC 8446 TLS 1.3 §4 and §5, RFC 2246/4346
//! for 1.0/1.1; alert registry per IANA and tls-parser `tls_alert.rs`).
//!
//! Layout:
//! - [`parse_record_header`] / [`parse_record`]: the 5-byte record header and
//!   the record fragment (borrowed), `Incomplete` while a record is split
//!   across TCP segments.
//! - [`classify_record`]: handshake / ChangeCipherSpec / plaintext alert /
//!   encrypted alert / application data (with size).
//! - [`HandshakeBuffer`]: owned, bounded reassembly of handshake messages from
//!   handshake-record fragments (messages may span records, a record may hold
//!   several).
//! - [`parse_handshake`] and the per-message decoders ([`parse_client_hello`],
//!   [`parse_server_hello`], [`parse_certificate`],
//!   [`parse_tls13_certificate`]) producing small owned summaries. Hello bodies
//!   and cipher-suite names come from `tls-parser`.

mod alert;
mod certificate;
mod extensions;
mod handshake;
mod hello;
mod names;
mod record;

pub use alert::*;
pub use certificate::*;
pub use handshake::*;
pub use hello::*;
pub use names::*;
pub use record::*;

fn be16(b: &[u8]) -> u16 {
    match b {
        [a, c, ..] => u16::from_be_bytes([*a, *c]),
        _ => 0,
    }
}

fn be24(b: &[u8]) -> usize {
    match b {
        [a, c, d, ..] => (usize::from(*a) << 16) | (usize::from(*c) << 8) | usize::from(*d),
        _ => 0,
    }
}
