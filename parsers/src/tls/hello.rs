//! ClientHello / ServerHello (and HelloRetryRequest) summaries, decoded with
//! tls-parser.

use super::be16;
use super::extensions::{ext_parse_client, raw_extensions, u16_list_u8len};
use super::handshake::{need_type, parse_handshake_message, HandshakeType};
use super::names::{cipher_suite_name, is_grease};
use crate::error::{from_nom, ParseError, ParseResult};

/// The TLS 1.3 HelloRetryRequest special `random` (RFC 8446 §4.1.3):
/// SHA-256("HelloRetryRequest").
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// ClientHello summary (owned, small).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientHelloSummary {
    pub legacy_version: u16,
    pub random: [u8; 32],
    pub session_id_len: u8,
    /// Offered cipher suites in order (GREASE included).
    pub cipher_suites: Vec<u16>,
    pub compression_methods: Vec<u8>,
    /// supported_versions extension (empty when absent).
    pub supported_versions: Vec<u16>,
    /// server_name (host_name) if present.
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub supported_groups: Vec<u16>,
    pub signature_algorithms: Vec<u16>,
    pub encrypt_then_mac: bool,
    pub extended_master_secret: bool,
    pub renegotiation_info: bool,
    /// Every extension type in order.
    pub extension_types: Vec<u16>,
}

impl ClientHelloSummary {
    /// IANA names of the offered suites (`None` for unknown/GREASE).
    pub fn cipher_suite_names(&self) -> Vec<(u16, Option<&'static str>)> {
        self.cipher_suites
            .iter()
            .map(|&c| (c, cipher_suite_name(c)))
            .collect()
    }

    /// Highest protocol version offered: max of supported_versions (GREASE
    /// ignored), else the legacy version.
    pub fn max_version(&self) -> u16 {
        self.supported_versions
            .iter()
            .copied()
            .filter(|v| !is_grease(*v))
            .max()
            .unwrap_or(self.legacy_version)
    }
}

/// ServerHello summary (owned, small).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerHelloSummary {
    pub legacy_version: u16,
    pub random: [u8; 32],
    pub session_id_len: u8,
    pub cipher_suite: u16,
    pub compression: u8,
    /// supported_versions selection (TLS 1.3).
    pub selected_version: Option<u16>,
    /// The random equals [`HELLO_RETRY_REQUEST_RANDOM`].
    pub is_hello_retry_request: bool,
    pub encrypt_then_mac: bool,
    pub extended_master_secret: bool,
    pub alpn: Option<String>,
    pub extension_types: Vec<u16>,
}

impl ServerHelloSummary {
    /// The negotiated version: supported_versions if present, else legacy.
    pub fn version(&self) -> u16 {
        self.selected_version.unwrap_or(self.legacy_version)
    }

    /// IANA name of the selected suite.
    pub fn cipher_suite_name(&self) -> Option<&'static str> {
        cipher_suite_name(self.cipher_suite)
    }
}

fn random32(r: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, i) in out.iter_mut().zip(r.iter()) {
        *o = *i;
    }
    out
}

/// Decode a ClientHello handshake message (including its 4-byte header).
pub fn parse_client_hello(input: &[u8]) -> ParseResult<'_, ClientHelloSummary> {
    const WHAT: &str = "TLS ClientHello";
    let (rest, m) = parse_handshake_message(input)?;
    need_type(&m, HandshakeType::CLIENT_HELLO, WHAT)?;
    Ok((rest, decode_client_hello(m.body)?))
}

/// Decode a ClientHello body (after the handshake header).
pub fn decode_client_hello(body: &[u8]) -> Result<ClientHelloSummary, ParseError> {
    const WHAT: &str = "TLS ClientHello";
    let (_, ch) = tls_parser::parse_tls_handshake_client_hello(body).map_err(|e| match e {
        // the body is complete: a short body is malformed, not incomplete
        nom::Err::Incomplete(_) => ParseError::invalid(WHAT, "body", "truncated"),
        e => from_nom(e, WHAT, "body"),
    })?;
    let mut s = ClientHelloSummary {
        legacy_version: ch.version.0,
        random: random32(ch.random),
        session_id_len: ch
            .session_id
            .map_or(0, |x| u8::try_from(x.len()).unwrap_or(u8::MAX)),
        cipher_suites: ch.ciphers.iter().map(|c| c.0).collect(),
        compression_methods: ch.comp.iter().map(|c| c.0).collect(),
        ..Default::default()
    };
    if let Some(ext) = ch.ext {
        for (t, d) in raw_extensions(ext) {
            s.extension_types.push(t);
            match t {
                22 => s.encrypt_then_mac = true,
                23 => s.extended_master_secret = true,
                0xff01 => s.renegotiation_info = true,
                43 => s.supported_versions = u16_list_u8len(d),
                _ => {}
            }
            match ext_parse_client(t, d) {
                Some(tls_parser::TlsExtension::SNI(names)) => {
                    if let Some((_, n)) = names.iter().find(|(ty, _)| ty.0 == 0) {
                        s.sni = Some(String::from_utf8_lossy(n).into_owned());
                    }
                }
                Some(tls_parser::TlsExtension::EllipticCurves(g)) => {
                    s.supported_groups = g.iter().map(|x| x.0).collect()
                }
                Some(tls_parser::TlsExtension::SignatureAlgorithms(a)) => {
                    s.signature_algorithms = a
                }
                Some(tls_parser::TlsExtension::ALPN(p)) => {
                    s.alpn = p
                        .iter()
                        .map(|x| String::from_utf8_lossy(x).into_owned())
                        .collect()
                }
                _ => {}
            }
        }
    }
    Ok(s)
}

/// Decode a ServerHello (or HelloRetryRequest) handshake message.
pub fn parse_server_hello(input: &[u8]) -> ParseResult<'_, ServerHelloSummary> {
    const WHAT: &str = "TLS ServerHello";
    let (rest, m) = parse_handshake_message(input)?;
    need_type(&m, HandshakeType::SERVER_HELLO, WHAT)?;
    Ok((rest, decode_server_hello(m.body)?))
}

/// Decode a ServerHello body.
pub fn decode_server_hello(body: &[u8]) -> Result<ServerHelloSummary, ParseError> {
    const WHAT: &str = "TLS ServerHello";
    let (_, sh) = tls_parser::parse_tls_handshake_server_hello(body).map_err(|e| match e {
        nom::Err::Incomplete(_) => ParseError::invalid(WHAT, "body", "truncated"),
        e => from_nom(e, WHAT, "body"),
    })?;
    let random = random32(sh.random);
    let mut s = ServerHelloSummary {
        legacy_version: sh.version.0,
        random,
        session_id_len: sh
            .session_id
            .map_or(0, |x| u8::try_from(x.len()).unwrap_or(u8::MAX)),
        cipher_suite: sh.cipher.0,
        compression: sh.compression.0,
        is_hello_retry_request: random == HELLO_RETRY_REQUEST_RANDOM,
        ..Default::default()
    };
    if let Some(ext) = sh.ext {
        for (t, d) in raw_extensions(ext) {
            s.extension_types.push(t);
            match t {
                22 => s.encrypt_then_mac = true,
                23 => s.extended_master_secret = true,
                43 if d.len() == 2 => s.selected_version = Some(be16(d)),
                16 => {
                    if let Ok((_, tls_parser::TlsExtension::ALPN(p))) =
                        tls_parser::parse_tls_extension_alpn_content(d)
                    {
                        s.alpn = p.first().map(|x| String::from_utf8_lossy(x).into_owned());
                    }
                }
                _ => {}
            }
        }
    }
    Ok(s)
}
