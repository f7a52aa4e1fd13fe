//! Hello extensions: splitting the raw extensions block and decoding the
//! ones the summaries keep.

use super::be16;

/// Iterate raw extensions `(type, data)` of an extensions block (without the
/// 2-byte total length). Stops at the first malformed entry.
pub(super) fn raw_extensions(mut b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let t = be16(b);
        let l = usize::from(be16(b.get(2..).unwrap_or(&[])));
        match b.get(4..4 + l) {
            Some(d) => out.push((t, d)),
            None => break,
        }
        b = b.get(4 + l..).unwrap_or(&[]);
    }
    out
}

/// Decode the content of the ClientHello extensions we summarise with
/// tls-parser's per-extension content parsers.
pub(super) fn ext_parse_client(t: u16, d: &[u8]) -> Option<tls_parser::TlsExtension<'_>> {
    use tls_parser::TlsExtension as E;
    let r = match t {
        0 => tls_parser::parse_tls_extension_sni_content(d),
        10 => tls_parser::parse_tls_extension_elliptic_curves_content(d),
        13 => tls_parser::parse_tls_extension_signature_algorithms_content(d),
        16 => tls_parser::parse_tls_extension_alpn_content(d),
        _ => return None,
    };
    match r {
        Ok((
            _,
            e @ (E::SNI(_) | E::EllipticCurves(_) | E::SignatureAlgorithms(_) | E::ALPN(_)),
        )) => Some(e),
        _ => None,
    }
}

pub(super) fn u16_list_u8len(d: &[u8]) -> Vec<u16> {
    // supported_versions in ClientHello: u8 length + u16 list
    let n = usize::from(d.first().copied().unwrap_or(0));
    d.get(1..1 + n)
        .unwrap_or(&[])
        .chunks_exact(2)
        .map(be16)
        .collect()
}
