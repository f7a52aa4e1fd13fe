//! TLS over the negotiated RDP channel: rustls (ring) for TLS 1.2/1.3, and a
//! hand-built ClientHello for the versions rustls does not speak (1.0/1.1).
//! The server certificate is accepted whatever it is: the probe reports on
//! it, it does not trust it, and it never sends credentials.

use super::record::{RecStream, Recorder};
use rdpdiag_parsers::tls as ptls;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};
use std::io::{Read, Write};
use std::sync::Arc;

/// Accepts any certificate and any handshake signature (reporting only).
#[derive(Debug)]
struct AcceptAny(Vec<SignatureScheme>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.clone()
    }
}

/// rustls key log → the recorder (NSS key log lines).
#[derive(Debug)]
struct KeyLogToRecorder(Recorder);

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl rustls::KeyLog for KeyLogToRecorder {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .key_log(&format!("{label} {} {}", hex(client_random), hex(secret)));
    }
    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// Which versions rustls may offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Both,
    Only12,
    Only13,
}

fn config(rec: &Recorder, offer: Offer) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let schemes = provider
        .signature_verification_algorithms
        .supported_schemes();
    let versions: &[&'static rustls::SupportedProtocolVersion] = match offer {
        Offer::Both => &[&rustls::version::TLS13, &rustls::version::TLS12],
        Offer::Only12 => &[&rustls::version::TLS12],
        Offer::Only13 => &[&rustls::version::TLS13],
    };
    let mut cfg = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(schemes)))
        .with_no_client_auth();
    cfg.key_log = Arc::new(KeyLogToRecorder(rec.clone()));
    // RDP servers do not expect ALPN or session resumption from a probe.
    cfg.resumption = rustls::client::Resumption::disabled();
    Ok(cfg)
}

/// The result of a rustls handshake.
pub struct Handshake {
    pub conn: ClientConnection,
    /// ProtocolVersion on the wire (0 when unknown).
    pub version_id: u16,
    pub version: String,
    pub suite: String,
    pub chain: Vec<Vec<u8>>,
}

/// A failed handshake, in words, with the alert when the server sent one.
pub struct Failed {
    pub detail: String,
    pub alert: Option<String>,
    /// The server closed the connection mid-handshake.
    pub closed: bool,
}

/// The name rustls sends (SNI for DNS names; none for IP addresses).
pub fn server_name(host: &str) -> ServerName<'static> {
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.to_string()).unwrap_or(ServerName::IpAddress(
            std::net::Ipv4Addr::UNSPECIFIED.into(),
        )),
    }
}

/// Run a rustls handshake on `s`.
pub fn handshake(
    rec: &Recorder,
    s: &mut RecStream,
    host: &str,
    offer: Offer,
) -> Result<Handshake, Failed> {
    let cfg = config(rec, offer).map_err(|e| Failed {
        detail: e.to_string(),
        alert: None,
        closed: false,
    })?;
    let mut conn = ClientConnection::new(Arc::new(cfg), server_name(host)).map_err(|e| Failed {
        detail: e.to_string(),
        alert: None,
        closed: false,
    })?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(s) {
            let alert = match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                Some(rustls::Error::AlertReceived(a)) => Some(alert_name(a)),
                _ => None,
            };
            let detail = match &alert {
                Some(a) => format!("server sent fatal alert {a}"),
                None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    "server closed the connection during the handshake".to_string()
                }
                None if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
                {
                    "no answer (timed out)".to_string()
                }
                None => e.to_string(),
            };
            let closed = alert.is_none() && e.kind() == std::io::ErrorKind::UnexpectedEof;
            // Tell the server why we stop, as a real client would.
            let _ = conn.write_tls(s);
            return Err(Failed {
                detail,
                alert,
                closed,
            });
        }
    }
    let version_id = conn.protocol_version().map_or(0, u16::from);
    let version = conn
        .protocol_version()
        .map(|v| version_label(u16::from(v)))
        .unwrap_or_default();
    let suite = conn
        .negotiated_cipher_suite()
        .map(|c| {
            let id = u16::from(c.suite());
            ptls::cipher_suite_name(id).map_or_else(|| format!("{:?}", c.suite()), str::to_string)
        })
        .unwrap_or_default();
    let chain = conn
        .peer_certificates()
        .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
        .unwrap_or_default();
    Ok(Handshake {
        conn,
        version_id,
        version,
        suite,
        chain,
    })
}

fn alert_name(a: &rustls::AlertDescription) -> String {
    super::alert_name(u8::from(*a))
}

/// "TLS 1.2" etc.
pub fn version_label(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        _ => format!("{v:#06x}"),
    }
}

/// Cipher suites offered by the hand-built ClientHello: what Windows'
/// Schannel and OpenSSL servers commonly enable for TLS 1.0-1.2.
const LEGACY_SUITES: &[u16] = &[
    0xc02f, 0xc030, 0xc02b, 0xc02c, 0x009e, 0x009f, 0xc027, 0xc028, 0xc023, 0xc024, 0xc013, 0xc014,
    0xc009, 0xc00a, 0x009c, 0x009d, 0x003c, 0x003d, 0x002f, 0x0035, 0x000a, 0x0033, 0x0039, 0x00ff,
];

/// Whether the hand-built ClientHello offered `suite`.
pub fn offered_suite(suite: u16) -> bool {
    LEGACY_SUITES.contains(&suite)
}

/// The TLS 1.2 suites rustls offers (ECDHE with AES-GCM or ChaCha20-Poly1305):
/// a server choosing one of them does not need legacy suites.
pub fn is_modern_suite(suite: u16) -> bool {
    matches!(suite, 0xc02b | 0xc02c | 0xc02f | 0xc030 | 0xcca8 | 0xcca9)
}

/// A TLS ClientHello for `version` (0x0301 / 0x0302 / 0x0303) as one record.
pub fn client_hello(version: u16, host: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    let r = super::record::now().0 as u64;
    let mut random = [0u8; 32];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (r.rotate_left((i as u32 * 7) % 64) >> (i % 8)) as u8 ^ (i as u8).wrapping_mul(37);
    }
    body.extend_from_slice(&random);
    body.push(0); // session id
    body.extend_from_slice(&((LEGACY_SUITES.len() * 2) as u16).to_be_bytes());
    for s in LEGACY_SUITES {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut ext = Vec::new();
    let mut add = |t: u16, v: &[u8]| {
        ext.extend_from_slice(&t.to_be_bytes());
        ext.extend_from_slice(&(v.len() as u16).to_be_bytes());
        ext.extend_from_slice(v);
    };
    if host.parse::<std::net::IpAddr>().is_err() && !host.is_empty() && host.len() < 250 {
        let h = host.as_bytes();
        let mut v = Vec::new();
        v.extend_from_slice(&((h.len() + 3) as u16).to_be_bytes());
        v.push(0);
        v.extend_from_slice(&(h.len() as u16).to_be_bytes());
        v.extend_from_slice(h);
        add(0x0000, &v);
    }
    // supported_groups: x25519, secp256r1, secp384r1
    add(0x000a, &[0, 6, 0, 0x1d, 0, 0x17, 0, 0x18]);
    // ec_point_formats: uncompressed
    add(0x000b, &[1, 0]);
    if version >= 0x0303 {
        // signature_algorithms
        let algs: &[u16] = &[
            0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0804, 0x0805, 0x0201, 0x0203,
        ];
        let mut v = Vec::new();
        v.extend_from_slice(&((algs.len() * 2) as u16).to_be_bytes());
        for a in algs {
            v.extend_from_slice(&a.to_be_bytes());
        }
        add(0x000d, &v);
    }
    add(0x0017, &[]); // extended_master_secret
    add(0xff01, &[0]); // renegotiation_info
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);

    let mut hs = vec![1u8];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![22u8];
    rec.extend_from_slice(&0x0301u16.to_be_bytes());
    // The record layer carries the offered version for TLS 1.0/1.1 probes.
    if version < 0x0303 {
        rec[1..3].copy_from_slice(&version.to_be_bytes());
    }
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// What the server answered to a hand-built ClientHello.
pub enum RawAnswer {
    /// ServerHello with this version and suite, and the certificate chain
    /// when the server sent it in clear (TLS <= 1.2).
    ServerHello {
        version: u16,
        suite: u16,
        chain: Vec<Vec<u8>>,
    },
    Alert(String),
    Closed,
    TimedOut,
    Garbage(String),
}

/// Bytes of handshake messages read at most (a certificate chain fits).
const MAX_HANDSHAKE: usize = 1 << 17;

/// Send a hand-built ClientHello for `version`; read the ServerHello (or
/// alert) and, for TLS <= 1.2, the Certificate message that follows it.
pub fn raw_hello<S: Read + Write>(s: &mut S, version: u16, host: &str) -> RawAnswer {
    if let Err(e) = s.write_all(&client_hello(version, host)) {
        return RawAnswer::Garbage(e.to_string());
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut hs: Vec<u8> = Vec::new();
    let mut hello: Option<(u16, u16)> = None;
    let mut chunk = [0u8; 4096];
    let done = |hello: Option<(u16, u16)>, chain: Vec<Vec<u8>>| match hello {
        Some((version, suite)) => RawAnswer::ServerHello {
            version,
            suite,
            chain,
        },
        None => RawAnswer::Closed,
    };
    loop {
        // Every complete record in `buf`.
        loop {
            let (used, ct, frag) = match ptls::parse_record(&buf) {
                Ok((rest, rec)) => (
                    buf.len() - rest.len(),
                    rec.content_type.0,
                    rec.fragment.to_vec(),
                ),
                Err(e) if e.is_incomplete() => break,
                Err(e) if hello.is_none() => return RawAnswer::Garbage(format!("not TLS: {e}")),
                Err(_) => return done(hello, Vec::new()),
            };
            buf.drain(..used);
            match ct {
                21 if hello.is_none() => {
                    return match ptls::parse_alert(&frag) {
                        Ok((_, a)) => RawAnswer::Alert(super::alert_name(a.description.0)),
                        Err(e) => RawAnswer::Garbage(e.to_string()),
                    }
                }
                22 => hs.extend_from_slice(&frag),
                _ if hello.is_none() => {
                    return RawAnswer::Garbage(format!("unexpected TLS record type {ct}"))
                }
                _ => return done(hello, Vec::new()),
            }
            // Every complete handshake message in `hs`.
            loop {
                let (used, kind, body) = match ptls::parse_handshake_message(&hs) {
                    Ok((rest, m)) => (hs.len() - rest.len(), m.msg_type.0, m.body.to_vec()),
                    Err(e) if e.is_incomplete() => break,
                    Err(e) if hello.is_none() => return RawAnswer::Garbage(e.to_string()),
                    Err(_) => return done(hello, Vec::new()),
                };
                hs.drain(..used);
                match kind {
                    2 if hello.is_none() => match ptls::decode_server_hello(&body) {
                        Ok(sh) => {
                            let v = sh.selected_version.unwrap_or(sh.legacy_version);
                            hello = Some((v, sh.cipher_suite));
                            if v >= 0x0304 {
                                // TLS 1.3 encrypts the rest.
                                return done(hello, Vec::new());
                            }
                        }
                        Err(e) => return RawAnswer::Garbage(e.to_string()),
                    },
                    _ if hello.is_none() => {
                        return RawAnswer::Garbage(
                            "first handshake message is not a ServerHello".into(),
                        )
                    }
                    11 => {
                        let chain = ptls::decode_certificate(&body)
                            .map(|c| c.iter().map(|d| d.to_vec()).collect())
                            .unwrap_or_default();
                        return done(hello, chain);
                    }
                    14 => return done(hello, Vec::new()),
                    _ => {}
                }
            }
        }
        match s.read(&mut chunk) {
            Ok(0) => return done(hello, Vec::new()),
            Ok(n) => {
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if buf.len() + hs.len() > MAX_HANDSHAKE {
                    return match hello {
                        Some(_) => done(hello, Vec::new()),
                        None => RawAnswer::Garbage("answer too long".into()),
                    };
                }
            }
            Err(e)
                if hello.is_none()
                    && matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
            {
                return RawAnswer::TimedOut
            }
            Err(_) => return done(hello, Vec::new()),
        }
    }
}
