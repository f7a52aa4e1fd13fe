//! Names from the registries: protocol versions, cipher suites (via
//! tls-parser) and GREASE values (RFC 8701).

/// TLS 1.3's ProtocolVersion (RFC 8446 §4.2.1, in supported_versions).
pub const TLS1_3: u16 = 0x0304;

/// Name of a TLS/SSL protocol version number (`0x0303` → `"TLS 1.2"`).
pub fn version_name(v: u16) -> Option<&'static str> {
    Some(match v {
        0x0002 => "SSL 2.0",
        0x0300 => "SSL 3.0",
        0x0301 => "TLS 1.0",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        TLS1_3 => "TLS 1.3",
        0xfeff => "DTLS 1.0",
        0xfefd => "DTLS 1.2",
        0xfefc => "DTLS 1.3",
        v if is_grease(v) => "GREASE",
        v if v >> 8 == 0x7f => "TLS 1.3 draft",
        _ => return None,
    })
}

/// IANA name of a cipher suite, from tls-parser's registry.
pub fn cipher_suite_name(id: u16) -> Option<&'static str> {
    tls_parser::TlsCipherSuite::from_id(id).map(|c| c.name)
}

/// True for GREASE values (RFC 8701) in cipher, group, version or extension lists.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn version_names() {
        assert_eq!(version_name(0x0303), Some("TLS 1.2"));
        assert_eq!(version_name(0x0304), Some("TLS 1.3"));
        assert_eq!(version_name(0x1234), None);
        assert_eq!(version_name(0x2a2a), Some("GREASE"));
    }
}
