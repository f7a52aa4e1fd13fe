//! Certificate messages: TLS ≤ 1.2 (RFC 5246 §7.4.2) and TLS 1.3
//! (RFC 8446 §4.4.2).

use super::handshake::{need_type, parse_handshake_message, HandshakeType};
use super::{be16, be24};
use crate::error::{from_nom, ParseError, ParseResult};

/// Decode a TLS ≤ 1.2 Certificate handshake message: DER slices, leaf first.
pub fn parse_certificate(input: &[u8]) -> ParseResult<'_, Vec<&[u8]>> {
    const WHAT: &str = "TLS Certificate";
    let (rest, m) = parse_handshake_message(input)?;
    need_type(&m, HandshakeType::CERTIFICATE, WHAT)?;
    Ok((rest, decode_certificate(m.body)?))
}

/// Decode a TLS ≤ 1.2 Certificate body.
pub fn decode_certificate(body: &[u8]) -> Result<Vec<&[u8]>, ParseError> {
    const WHAT: &str = "TLS Certificate";
    match tls_parser::parse_tls_handshake_msg_certificate(body) {
        Ok((_, tls_parser::TlsMessageHandshake::Certificate(c))) => {
            Ok(c.cert_chain.iter().map(|r| r.data).collect())
        }
        Ok(_) => Err(ParseError::invalid(WHAT, "body", "not a certificate list")),
        Err(nom::Err::Incomplete(_)) => {
            Err(ParseError::invalid(WHAT, "certificate_list", "truncated"))
        }
        Err(e) => Err(from_nom(e, WHAT, "certificate_list")),
    }
}

/// One TLS 1.3 CertificateEntry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tls13CertEntry<'a> {
    /// DER certificate (or raw public key).
    pub cert_data: &'a [u8],
    /// Raw extensions block (without its 2-byte length).
    pub extensions: &'a [u8],
}

/// TLS 1.3 Certificate message (RFC 8446 §4.4.2), as seen after decryption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls13Certificate<'a> {
    pub request_context: &'a [u8],
    pub entries: Vec<Tls13CertEntry<'a>>,
}

/// Decode a TLS 1.3 Certificate handshake message (including header).
pub fn parse_tls13_certificate(input: &[u8]) -> ParseResult<'_, Tls13Certificate<'_>> {
    const WHAT: &str = "TLS 1.3 Certificate";
    let (rest, m) = parse_handshake_message(input)?;
    need_type(&m, HandshakeType::CERTIFICATE, WHAT)?;
    let inv = |f| ParseError::invalid(WHAT, f, "overruns message");
    let b = m.body;
    let ctx_len = usize::from(
        b.first()
            .copied()
            .ok_or(inv("certificate_request_context"))?,
    );
    let request_context = b
        .get(1..1 + ctx_len)
        .ok_or(inv("certificate_request_context"))?;
    let after = b.get(1 + ctx_len..).unwrap_or(&[]);
    let list_len = be24(after.get(..3).ok_or(inv("certificate_list"))?);
    let mut list = after.get(3..3 + list_len).ok_or(inv("certificate_list"))?;
    let mut entries = Vec::new();
    while !list.is_empty() {
        let cl = be24(list.get(..3).ok_or(inv("cert_data"))?);
        let cert_data = list.get(3..3 + cl).ok_or(inv("cert_data"))?;
        let r = list.get(3 + cl..).unwrap_or(&[]);
        let el = usize::from(be16(r.get(..2).ok_or(inv("extensions"))?));
        let extensions = r.get(2..2 + el).ok_or(inv("extensions"))?;
        entries.push(Tls13CertEntry {
            cert_data,
            extensions,
        });
        list = r.get(2 + el..).unwrap_or(&[]);
    }
    Ok((
        rest,
        Tls13Certificate {
            request_context,
            entries,
        },
    ))
}
