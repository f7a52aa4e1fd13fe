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

use crate::error::{from_nom, take, ParseError, ParseResult};
use crate::open_enum;

/// Largest record fragment accepted: 2^14 + 2048 (RFC 5246 §6.2.3, the
/// ciphertext bound; plaintext is at most 2^14).
pub const MAX_RECORD_LEN: usize = (1 << 14) + 2048;

/// Default bound of a [`HandshakeBuffer`]: 256 KiB.
pub const DEFAULT_HANDSHAKE_LIMIT: usize = 256 * 1024;

/// The TLS 1.3 HelloRetryRequest special `random` (RFC 8446 §4.1.3):
/// SHA-256("HelloRetryRequest").
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

open_enum! {
    /// Record-layer ContentType (RFC 8446 §5.1).
    pub struct ContentType(u8) {
        CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
        ALERT = 21 => "alert",
        HANDSHAKE = 22 => "handshake",
        APPLICATION_DATA = 23 => "application_data",
        HEARTBEAT = 24 => "heartbeat",
    }
}

open_enum! {
    /// HandshakeType (RFC 8446 §4, RFC 5246 §7.4).
    pub struct HandshakeType(u8) {
        HELLO_REQUEST = 0 => "hello_request",
        CLIENT_HELLO = 1 => "client_hello",
        SERVER_HELLO = 2 => "server_hello",
        NEW_SESSION_TICKET = 4 => "new_session_ticket",
        END_OF_EARLY_DATA = 5 => "end_of_early_data",
        ENCRYPTED_EXTENSIONS = 8 => "encrypted_extensions",
        CERTIFICATE = 11 => "certificate",
        SERVER_KEY_EXCHANGE = 12 => "server_key_exchange",
        CERTIFICATE_REQUEST = 13 => "certificate_request",
        SERVER_HELLO_DONE = 14 => "server_hello_done",
        CERTIFICATE_VERIFY = 15 => "certificate_verify",
        CLIENT_KEY_EXCHANGE = 16 => "client_key_exchange",
        FINISHED = 20 => "finished",
        CERTIFICATE_STATUS = 22 => "certificate_status",
        KEY_UPDATE = 24 => "key_update",
        MESSAGE_HASH = 254 => "message_hash",
    }
}

open_enum! {
    /// Alert level (RFC 5246 §7.2).
    pub struct AlertLevel(u8) {
        WARNING = 1 => "warning",
        FATAL = 2 => "fatal",
    }
}

open_enum! {
    /// Alert description (IANA TLS Alerts registry; protocol-facts A4).
    pub struct AlertDescription(u8) {
        CLOSE_NOTIFY = 0 => "close_notify",
        UNEXPECTED_MESSAGE = 10 => "unexpected_message",
        BAD_RECORD_MAC = 20 => "bad_record_mac",
        DECRYPTION_FAILED = 21 => "decryption_failed",
        RECORD_OVERFLOW = 22 => "record_overflow",
        DECOMPRESSION_FAILURE = 30 => "decompression_failure",
        HANDSHAKE_FAILURE = 40 => "handshake_failure",
        NO_CERTIFICATE = 41 => "no_certificate",
        BAD_CERTIFICATE = 42 => "bad_certificate",
        UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
        CERTIFICATE_REVOKED = 44 => "certificate_revoked",
        CERTIFICATE_EXPIRED = 45 => "certificate_expired",
        CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
        ILLEGAL_PARAMETER = 47 => "illegal_parameter",
        UNKNOWN_CA = 48 => "unknown_ca",
        ACCESS_DENIED = 49 => "access_denied",
        DECODE_ERROR = 50 => "decode_error",
        DECRYPT_ERROR = 51 => "decrypt_error",
        EXPORT_RESTRICTION = 60 => "export_restriction",
        PROTOCOL_VERSION = 70 => "protocol_version",
        INSUFFICIENT_SECURITY = 71 => "insufficient_security",
        INTERNAL_ERROR = 80 => "internal_error",
        INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
        USER_CANCELED = 90 => "user_canceled",
        NO_RENEGOTIATION = 100 => "no_renegotiation",
        MISSING_EXTENSION = 109 => "missing_extension",
        UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
        CERTIFICATE_UNOBTAINABLE = 111 => "certificate_unobtainable",
        UNRECOGNIZED_NAME = 112 => "unrecognized_name",
        BAD_CERTIFICATE_STATUS_RESPONSE = 113 => "bad_certificate_status_response",
        BAD_CERTIFICATE_HASH_VALUE = 114 => "bad_certificate_hash_value",
        UNKNOWN_PSK_IDENTITY = 115 => "unknown_psk_identity",
        CERTIFICATE_REQUIRED = 116 => "certificate_required",
        NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
    }
}

/// Name of a TLS/SSL protocol version number (`0x0303` → `"TLS 1.2"`).
pub fn version_name(v: u16) -> Option<&'static str> {
    Some(match v {
        0x0002 => "SSL 2.0",
        0x0300 => "SSL 3.0",
        0x0301 => "TLS 1.0",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        0xfeff => "DTLS 1.0",
        0xfefd => "DTLS 1.2",
        0xfefc => "DTLS 1.3",
        v if v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff => "GREASE",
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

// ---------------------------------------------------------------------------
// Record layer
// ---------------------------------------------------------------------------

/// The 5-byte TLS record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    pub content_type: ContentType,
    /// Record-layer (legacy) version, e.g. `0x0303`.
    pub version: u16,
    /// Fragment length (≤ [`MAX_RECORD_LEN`]).
    pub length: u16,
}

/// Parse a record header. Rejects unknown content types (not 20..=24), major
/// versions other than 3 and lengths above [`MAX_RECORD_LEN`], so it doubles
/// as a "does this look like TLS" test.
pub fn parse_record_header(input: &[u8]) -> ParseResult<'_, RecordHeader> {
    const WHAT: &str = "TLS record header";
    let (rest, h) = take(input, 5)?;
    let (ct, version, length) = match h {
        [ct, v1, v2, l1, l2] => (
            *ct,
            u16::from_be_bytes([*v1, *v2]),
            u16::from_be_bytes([*l1, *l2]),
        ),
        _ => return Err(ParseError::incomplete(5)),
    };
    if !(20..=24).contains(&ct) {
        return Err(ParseError::invalid(WHAT, "content_type", "not 20..=24"));
    }
    if version >> 8 != 3 {
        return Err(ParseError::invalid(WHAT, "version", "major is not 3"));
    }
    if usize::from(length) > MAX_RECORD_LEN {
        return Err(ParseError::invalid(WHAT, "length", "exceeds 2^14+2048"));
    }
    Ok((
        rest,
        RecordHeader {
            content_type: ContentType(ct),
            version,
            length,
        },
    ))
}

/// One TLS record: header fields and the (possibly encrypted) fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub content_type: ContentType,
    pub version: u16,
    pub fragment: &'a [u8],
}

/// Parse one complete record; `Incomplete` when the fragment is not all there.
pub fn parse_record(input: &[u8]) -> ParseResult<'_, Record<'_>> {
    let (rest, h) = parse_record_header(input)?;
    let (rest, fragment) = take(rest, usize::from(h.length))?;
    Ok((
        rest,
        Record {
            content_type: h.content_type,
            version: h.version,
            fragment,
        },
    ))
}

/// Parse as many complete records as `input` holds; returns the unparsed tail
/// (a partial record) as the remaining input. `Invalid` only if the first
/// record header is invalid.
pub fn parse_records(input: &[u8]) -> ParseResult<'_, Vec<Record<'_>>> {
    let mut out = Vec::new();
    let mut rest = input;
    loop {
        match parse_record(rest) {
            Ok((r, rec)) => {
                out.push(rec);
                rest = r;
                if rest.is_empty() {
                    break;
                }
            }
            Err(e) if e.is_incomplete() && !out.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    Ok((rest, out))
}

/// A plaintext alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub level: AlertLevel,
    pub description: AlertDescription,
}

impl Alert {
    /// True for level fatal (2).
    pub fn is_fatal(&self) -> bool {
        self.level == AlertLevel::FATAL
    }
}

/// Parse the 2-byte body of a plaintext alert record.
pub fn parse_alert(fragment: &[u8]) -> ParseResult<'_, Alert> {
    let (rest, b) = take(fragment, 2)?;
    match b {
        [l, d] => Ok((
            rest,
            Alert {
                level: AlertLevel(*l),
                description: AlertDescription(*d),
            },
        )),
        _ => Err(ParseError::incomplete(2)),
    }
}

/// What a record is, as far as a passive observer can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordClass {
    /// Plaintext handshake fragment (feed it to a [`HandshakeBuffer`]).
    Handshake,
    /// Handshake record after ChangeCipherSpec: encrypted (Finished, …).
    EncryptedHandshake { len: usize },
    /// ChangeCipherSpec (1 byte, value 1).
    ChangeCipherSpec,
    /// Plaintext alert.
    Alert(Alert),
    /// Alert record whose body is encrypted (length != 2, or after CCS).
    EncryptedAlert { len: usize },
    /// Application data of the given ciphertext length.
    ApplicationData { len: usize },
    /// Heartbeat.
    Heartbeat { len: usize },
    /// Any other content type.
    Other {
        content_type: ContentType,
        len: usize,
    },
}

/// Classify a record. `after_ccs` is whether this direction already sent a
/// ChangeCipherSpec (TLS ≤ 1.2: everything after it is encrypted; in TLS 1.3
/// the middlebox-compat CCS likewise precedes encrypted records).
pub fn classify_record(rec: &Record<'_>, after_ccs: bool) -> RecordClass {
    let len = rec.fragment.len();
    match rec.content_type {
        ContentType::HANDSHAKE if after_ccs => RecordClass::EncryptedHandshake { len },
        ContentType::HANDSHAKE => RecordClass::Handshake,
        ContentType::CHANGE_CIPHER_SPEC => RecordClass::ChangeCipherSpec,
        ContentType::ALERT if len != 2 || after_ccs => RecordClass::EncryptedAlert { len },
        ContentType::ALERT => match parse_alert(rec.fragment) {
            Ok((_, a)) => RecordClass::Alert(a),
            Err(_) => RecordClass::EncryptedAlert { len },
        },
        ContentType::APPLICATION_DATA => RecordClass::ApplicationData { len },
        ContentType::HEARTBEAT => RecordClass::Heartbeat { len },
        content_type => RecordClass::Other { content_type, len },
    }
}

// ---------------------------------------------------------------------------
// Handshake messages and reassembly
// ---------------------------------------------------------------------------

/// One handshake message (borrowed body, without the 4-byte header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeMessage<'a> {
    pub msg_type: HandshakeType,
    pub body: &'a [u8],
}

/// Parse one handshake message header (type u8, length u24) and its body.
pub fn parse_handshake_message(input: &[u8]) -> ParseResult<'_, HandshakeMessage<'_>> {
    let (rest, h) = take(input, 4)?;
    let (t, len) = match h {
        [t, ..] => (*t, be24(&h[1..])),
        _ => return Err(ParseError::incomplete(4)),
    };
    let (rest, body) = take(rest, len)?;
    Ok((
        rest,
        HandshakeMessage {
            msg_type: HandshakeType(t),
            body,
        },
    ))
}

/// A reassembled handshake message (owned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedHandshakeMessage {
    pub msg_type: HandshakeType,
    /// The whole message including its 4-byte header, so it can be handed to
    /// [`parse_handshake`] and the other `parse_*` decoders.
    pub raw: Vec<u8>,
}

impl OwnedHandshakeMessage {
    /// The body after the 4-byte header.
    pub fn body(&self) -> &[u8] {
        self.raw.get(4..).unwrap_or(&[])
    }
}

/// Bounded reassembly of handshake messages from the fragments of consecutive
/// plaintext handshake records of one direction.
#[derive(Debug, Clone)]
pub struct HandshakeBuffer {
    buf: Vec<u8>,
    limit: usize,
}

impl Default for HandshakeBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl HandshakeBuffer {
    /// A buffer bounded to [`DEFAULT_HANDSHAKE_LIMIT`].
    pub fn new() -> Self {
        Self::with_limit(DEFAULT_HANDSHAKE_LIMIT)
    }

    /// A buffer bounded to `limit` bytes of pending data.
    pub fn with_limit(limit: usize) -> Self {
        HandshakeBuffer {
            buf: Vec::new(),
            limit,
        }
    }

    /// Bytes waiting for the rest of their message.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Drop pending bytes (e.g. once the direction turns encrypted).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Add one handshake-record fragment; return every message it completes.
    /// `Invalid` (and the buffer is cleared) when a message would exceed the
    /// bound.
    pub fn push(&mut self, fragment: &[u8]) -> Result<Vec<OwnedHandshakeMessage>, ParseError> {
        const WHAT: &str = "TLS handshake reassembly";
        if self.buf.len().saturating_add(fragment.len()) > self.limit {
            self.buf.clear();
            return Err(ParseError::invalid(WHAT, "length", "exceeds buffer bound"));
        }
        self.buf.extend_from_slice(fragment);
        let mut out = Vec::new();
        let mut consumed = 0usize;
        loop {
            let avail = self.buf.get(consumed..).unwrap_or(&[]);
            if avail.len() < 4 {
                break;
            }
            let len = be24(avail.get(1..4).unwrap_or(&[]));
            if len.saturating_add(4) > self.limit {
                self.buf.clear();
                return Err(ParseError::invalid(
                    WHAT,
                    "length",
                    "message exceeds buffer bound",
                ));
            }
            match avail.get(..4 + len) {
                Some(msg) => {
                    out.push(OwnedHandshakeMessage {
                        msg_type: HandshakeType(avail.first().copied().unwrap_or(0)),
                        raw: msg.to_vec(),
                    });
                    consumed += 4 + len;
                }
                None => break,
            }
        }
        self.buf.drain(..consumed);
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// Summaries
// ---------------------------------------------------------------------------

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

/// A decoded handshake message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake<'a> {
    ClientHello(ClientHelloSummary),
    ServerHello(ServerHelloSummary),
    /// TLS ≤ 1.2 Certificate: DER certificates, leaf first.
    Certificate(Vec<&'a [u8]>),
    ServerKeyExchange {
        len: usize,
    },
    CertificateRequest {
        len: usize,
    },
    ServerHelloDone,
    ClientKeyExchange {
        len: usize,
    },
    NewSessionTicket {
        len: usize,
    },
    Finished {
        len: usize,
    },
    /// Any other type, body length.
    Other {
        msg_type: HandshakeType,
        len: usize,
    },
}

fn need_type(
    m: &HandshakeMessage<'_>,
    t: HandshakeType,
    what: &'static str,
) -> Result<(), ParseError> {
    if m.msg_type == t {
        Ok(())
    } else {
        Err(ParseError::invalid(
            what,
            "msg_type",
            "unexpected handshake type",
        ))
    }
}

fn random32(r: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, i) in out.iter_mut().zip(r.iter()) {
        *o = *i;
    }
    out
}

/// Iterate raw extensions `(type, data)` of an extensions block (without the
/// 2-byte total length). Stops at the first malformed entry.
fn raw_extensions(mut b: &[u8]) -> Vec<(u16, &[u8])> {
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
fn ext_parse_client(t: u16, d: &[u8]) -> Option<tls_parser::TlsExtension<'_>> {
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

fn u16_list_u8len(d: &[u8]) -> Vec<u16> {
    // supported_versions in ClientHello: u8 length + u16 list
    let n = usize::from(d.first().copied().unwrap_or(0));
    d.get(1..1 + n)
        .unwrap_or(&[])
        .chunks_exact(2)
        .map(be16)
        .collect()
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

/// Decode any handshake message (including header) into a [`Handshake`].
/// Certificate is decoded in the TLS ≤ 1.2 form; use
/// [`parse_tls13_certificate`] for decrypted TLS 1.3 handshakes.
pub fn parse_handshake(input: &[u8]) -> ParseResult<'_, Handshake<'_>> {
    let (rest, m) = parse_handshake_message(input)?;
    let len = m.body.len();
    let h = match m.msg_type {
        HandshakeType::CLIENT_HELLO => Handshake::ClientHello(decode_client_hello(m.body)?),
        HandshakeType::SERVER_HELLO => Handshake::ServerHello(decode_server_hello(m.body)?),
        HandshakeType::CERTIFICATE => Handshake::Certificate(decode_certificate(m.body)?),
        HandshakeType::SERVER_KEY_EXCHANGE => Handshake::ServerKeyExchange { len },
        HandshakeType::CERTIFICATE_REQUEST => Handshake::CertificateRequest { len },
        HandshakeType::SERVER_HELLO_DONE => Handshake::ServerHelloDone,
        HandshakeType::CLIENT_KEY_EXCHANGE => Handshake::ClientKeyExchange { len },
        HandshakeType::NEW_SESSION_TICKET => Handshake::NewSessionTicket { len },
        HandshakeType::FINISHED => Handshake::Finished { len },
        msg_type => Handshake::Other { msg_type, len },
    };
    Ok((rest, h))
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

    #[test]
    fn record_header_rejects_garbage() {
        assert!(matches!(
            parse_record_header(&[0x03, 0, 0, 0x13, 0x0e]),
            Err(ParseError::Invalid {
                field: "content_type",
                ..
            })
        ));
        assert!(matches!(
            parse_record_header(&[22, 3, 1, 0xff, 0xff]),
            Err(ParseError::Invalid {
                field: "length",
                ..
            })
        ));
        assert_eq!(
            parse_record_header(&[22, 3]),
            Err(ParseError::Incomplete { needed: 3 })
        );
    }

    #[test]
    fn handshake_buffer_bound() {
        let mut hb = HandshakeBuffer::with_limit(16);
        // hand-made: a header announcing a 1 MiB message must be refused
        assert!(hb.push(&[11, 0x10, 0, 0]).is_err());
        assert_eq!(hb.pending(), 0);
    }
}
