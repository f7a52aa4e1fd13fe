//! The facts a session extracts from one connection: owned, and all a rule
//! ever sees (rules never touch bytes).

use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::credssp::NtStatus;
use rdpdiag_parsers::kerberos::ErrorCode as KrbErrorCode;
use rdpdiag_parsers::mcs::{DisconnectReason, McsResult};
use rdpdiag_parsers::nego::{FailureCode, NegReqFlags, NegRspFlags, Protocols};
use rdpdiag_parsers::rdg::{GatewayStatus, PacketType, RequestKind};
use rdpdiag_parsers::rdp::{
    AuthzResult, ErrorInfo, LicenseErrorCode, LicenseMsgType, StateTransition, StatusCode,
};
use rdpdiag_parsers::tls::{AlertDescription, AlertLevel};
use rdpdiag_parsers::x509::{KeyType, Validity};
use serde::Serialize;

/// Keep at most this many entries in per-connection lists.
pub const MAX_LIST: usize = 256;

pub(crate) fn push_bounded<T>(v: &mut Vec<T>, x: T) {
    if v.len() < MAX_LIST {
        v.push(x);
    }
}

/// X.224 negotiation facts.
#[derive(Debug, Clone, Default)]
pub struct NegotiationFacts {
    pub request_frame: Option<FrameRef>,
    /// `mstshash` cookie value (a user name, usually truncated) or routing token.
    pub cookie: Option<String>,
    pub routing_token: Option<String>,
    /// RDP_NEG_REQ present? (false = legacy client request)
    pub neg_req: bool,
    pub requested_protocols: Option<Protocols>,
    /// RDP_NEG_REQ flags (empty without RDP_NEG_REQ).
    pub request_flags: NegReqFlags,
    pub correlation_id: Option<String>,
    pub confirm_frame: Option<FrameRef>,
    /// CC without negotiation data (legacy server).
    pub legacy_confirm: bool,
    pub selected_protocol: Option<Protocols>,
    pub response_flags: NegRspFlags,
    pub failure: Option<FailureCode>,
}

/// What a TLS record carried, as far as the wire shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Handshake,
    /// A handshake record after ChangeCipherSpec (Finished, …).
    EncryptedHandshake,
    ChangeCipherSpec,
    Alert,
    EncryptedAlert,
    AppData,
    Heartbeat,
    Other,
}

impl RecordKind {
    /// The name the reports write.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Handshake => "handshake",
            RecordKind::EncryptedHandshake => "encrypted_handshake",
            RecordKind::ChangeCipherSpec => "ccs",
            RecordKind::Alert => "alert",
            RecordKind::EncryptedAlert => "encrypted_alert",
            RecordKind::AppData => "app_data",
            RecordKind::Heartbeat => "heartbeat",
            RecordKind::Other => "other",
        }
    }
}

/// One TLS record as seen on the wire (for shape inference).
#[derive(Debug, Clone)]
pub struct RecordInfo {
    pub dir: Dir,
    pub frame: FrameRef,
    pub content_type: u8,
    pub len: u16,
    pub kind: RecordKind,
}

/// A TLS alert.
#[derive(Debug, Clone)]
pub struct AlertInfo {
    pub dir: Dir,
    pub frame: FrameRef,
    /// None when the body is encrypted.
    pub level: Option<AlertLevel>,
    pub description: Option<AlertDescription>,
    pub encrypted: bool,
}

/// Where a certificate was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertSource {
    /// A TLS 1.0-1.2 Certificate message in clear.
    Tls,
    /// A TLS 1.3 Certificate message, decrypted with the key log.
    Tls13Decrypted,
    /// The server certificate of GCC SC_SECURITY (Standard RDP Security).
    RdpStandardSecurity,
    /// `rdpdiag probe`'s own handshake.
    Probe,
    /// `rdpdiag probe`'s handshake with the client's ClientHello.
    ProbeClientHello,
}

impl CertSource {
    /// The name the reports write.
    pub fn as_str(self) -> &'static str {
        match self {
            CertSource::Tls => "tls",
            CertSource::Tls13Decrypted => "tls13_decrypted",
            CertSource::RdpStandardSecurity => "rdp_standard_security",
            CertSource::Probe => "probe",
            CertSource::ProbeClientHello => "probe_client_hello",
        }
    }
}

/// The name the reports write for a certificate's validity.
pub fn validity_name(v: Validity) -> &'static str {
    match v {
        Validity::Valid => "valid",
        Validity::Expired => "expired",
        Validity::NotYetValid => "not_yet_valid",
    }
}

/// The name the reports write for a key type (its Rust variant name, as
/// `rdpdiag/1` and `/2` have always written it).
pub fn key_type_name(k: KeyType) -> &'static str {
    match k {
        KeyType::Rsa => "Rsa",
        KeyType::Ec => "Ec",
        KeyType::Dsa => "Dsa",
        KeyType::Ed25519 => "Ed25519",
        KeyType::Ed448 => "Ed448",
        KeyType::Other => "Other",
    }
}

// serde field adapters for the probe report's CertInfo (strings as in rdpdiag/2).
fn ser_source<S: serde::Serializer>(v: &CertSource, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}
fn ser_validity<S: serde::Serializer>(v: &Validity, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(validity_name(*v))
}
fn ser_key_type<S: serde::Serializer>(v: &KeyType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(key_type_name(*v))
}

/// A certificate as judged at capture time.
// Serialize only for the probe's own JSON report (its certificates); the
// analysis document `rdpdiag/2` is written by `report::json`.
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    pub frame: FrameRef,
    /// Position in the chain (0 = the server's own).
    pub index: usize,
    #[serde(serialize_with = "ser_source")]
    pub source: CertSource,
    pub subject: String,
    pub issuer: String,
    pub common_names: Vec<String>,
    pub san_dns: Vec<String>,
    pub san_ip: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    #[serde(skip)]
    pub not_before_unix: i64,
    #[serde(skip)]
    pub not_after_unix: i64,
    #[serde(serialize_with = "ser_key_type")]
    pub key_type: KeyType,
    pub key_bits: usize,
    pub signature_algorithm: String,
    pub weak_signature: bool,
    pub eku_server_auth: Option<bool>,
    pub is_ca: bool,
    pub self_signed: bool,
    /// At the capture timestamp of `frame`.
    #[serde(serialize_with = "ser_validity")]
    pub validity_at_capture: Validity,
}

/// TLS facts.
#[derive(Debug, Clone, Default)]
pub struct TlsFacts {
    pub client_hello: Option<ClientHelloFacts>,
    pub server_hello: Option<ServerHelloFacts>,
    pub certificates: Vec<CertInfo>,
    pub alerts: Vec<AlertInfo>,
    pub ccs: [Option<FrameRef>; 2],
    /// Frames of the first encrypted record after the handshake, per direction.
    pub first_app_data: [Option<FrameRef>; 2],
    pub app_records: [u32; 2],
    pub app_bytes: [u64; 2],
    pub records: Vec<RecordInfo>,
    /// Records after MAX_LIST are counted only.
    pub records_dropped: u64,
    pub server_key_exchange: bool,
    pub certificate_request: bool,
    pub malformed: Option<String>,
}

/// ClientHello facts.
#[derive(Debug, Clone)]
pub struct ClientHelloFacts {
    pub frame: FrameRef,
    pub version: String,
    pub max_version: String,
    pub supported_versions: Vec<String>,
    pub cipher_suites: usize,
    pub cipher_suite_names: Vec<String>,
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub random: [u8; 32],
}

/// ServerHello facts.
#[derive(Debug, Clone)]
pub struct ServerHelloFacts {
    pub frame: FrameRef,
    pub version: String,
    pub version_raw: u16,
    pub cipher_suite: String,
    pub hello_retry_request: bool,
}

/// MCS / GCC facts (visible in clear under Standard RDP Security, or decrypted).
#[derive(Debug, Clone, Default)]
pub struct McsFacts {
    pub connect_initial: Option<FrameRef>,
    pub client_name: Option<String>,
    pub client_build: Option<u32>,
    pub client_version: Option<String>,
    pub desktop: Option<(u16, u16)>,
    pub keyboard_layout: Option<u32>,
    pub early_capability_flags: Vec<&'static str>,
    pub supports_error_info: Option<bool>,
    /// serverSelectedProtocol echoed by the client in CS_CORE.
    pub client_server_selected_protocol: Option<Protocols>,
    pub client_encryption_methods: Option<String>,
    pub channels: Vec<String>,
    pub connect_response: Option<FrameRef>,
    pub result: Option<McsResult>,
    /// clientRequestedProtocols echoed by the server in SC_CORE.
    pub server_client_requested_protocols: Option<Protocols>,
    pub encryption_method: Option<String>,
    pub encryption_level: Option<String>,
    pub server_cert_type: Option<String>,
    pub server_rsa_key_bits: Option<u32>,
    pub attach_user_confirm: Option<(FrameRef, McsResult)>,
    pub channel_joins: u32,
    pub channel_join_failures: u32,
    pub disconnect_ultimatum: Option<(FrameRef, Dir, DisconnectReason)>,
    pub malformed: Option<String>,
}

/// Connection-sequence PDUs after MCS.
#[derive(Debug, Clone, Default)]
pub struct RdpFacts {
    pub security_exchange: Option<FrameRef>,
    pub client_info: Option<FrameRef>,
    pub license: Vec<LicenseEvent>,
    pub demand_active: Option<FrameRef>,
    pub confirm_active: Option<FrameRef>,
    pub deactivate_all: Option<FrameRef>,
    pub set_error_info: Vec<(FrameRef, ErrorInfo)>,
    pub status_info: Vec<(FrameRef, StatusCode)>,
    pub early_user_auth: Option<(FrameRef, AuthzResult)>,
    /// Client Synchronize/Control/FontList or server FontMap: the activation finished.
    pub font_map: Option<FrameRef>,
    pub save_session_info: Option<FrameRef>,
    pub shutdown_request: Option<FrameRef>,
    pub shutdown_denied: Option<FrameRef>,
    pub fast_path_pdus: [u64; 2],
    pub first_fast_path: [Option<FrameRef>; 2],
    pub slow_path_pdus: [u64; 2],
    pub encrypted_pdus: [u64; 2],
    pub x224_disconnect: Option<(FrameRef, Dir)>,
    pub multitransport_request: Option<FrameRef>,
    pub malformed: Vec<(FrameRef, Dir, String)>,
}

/// A licensing PDU.
#[derive(Debug, Clone)]
pub struct LicenseEvent {
    pub frame: FrameRef,
    pub dir: Dir,
    pub msg_type: LicenseMsgType,
    pub error_code: Option<LicenseErrorCode>,
    pub state_transition: Option<StateTransition>,
    /// STATUS_VALID_CLIENT + ST_NO_TRANSITION: licensing succeeded.
    pub success: bool,
}

/// CredSSP / NLA facts (decrypted).
#[derive(Debug, Clone, Default)]
pub struct NlaFacts {
    pub ts_requests: [u32; 2],
    pub client_version: Option<u32>,
    pub server_version: Option<u32>,
    pub mechanism: Option<AuthMechanism>,
    pub ntlm_negotiate: Option<FrameRef>,
    pub ntlm_challenge: Option<FrameRef>,
    pub ntlm_authenticate: Option<FrameRef>,
    pub server_netbios_computer: Option<String>,
    pub server_netbios_domain: Option<String>,
    pub server_dns_computer: Option<String>,
    pub server_dns_domain: Option<String>,
    pub server_os_version: Option<String>,
    /// Server clock from the CHALLENGE timestamp (unix seconds) and skew vs. the capture.
    pub server_time: Option<String>,
    pub clock_skew_s: Option<f64>,
    pub user: Option<String>,
    pub domain: Option<String>,
    pub workstation: Option<String>,
    pub server_pub_key_auth: Option<FrameRef>,
    pub client_auth_info: Option<FrameRef>,
    /// TSRequest.errorCode, when not STATUS_SUCCESS.
    pub error_code: Option<(FrameRef, NtStatus)>,
    pub kerberos_error: Option<(FrameRef, KrbErrorCode)>,
}

/// How far decryption got for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecryptStatus {
    Decrypted,
    /// A record failed after others decrypted.
    Partial,
    /// The key log names the session but its secrets fail.
    WrongKeys,
    /// The key log has no secrets for this session.
    #[default]
    NoKeys,
    /// A version or cipher suite rdpdiag cannot decrypt.
    Unsupported,
    NoServerHello,
    NothingEncrypted,
}

impl DecryptStatus {
    /// The session's records were read (all, or all up to a failed one).
    pub fn readable(self) -> bool {
        matches!(self, DecryptStatus::Decrypted | DecryptStatus::Partial)
    }
    /// The name the reports write.
    pub fn as_str(self) -> &'static str {
        match self {
            DecryptStatus::Decrypted => "decrypted",
            DecryptStatus::Partial => "partial",
            DecryptStatus::WrongKeys => "wrong_keys",
            DecryptStatus::NoKeys => "no_keys",
            DecryptStatus::Unsupported => "unsupported",
            DecryptStatus::NoServerHello => "no_server_hello",
            DecryptStatus::NothingEncrypted => "nothing_encrypted",
        }
    }
}

/// The SPNEGO mechanism CredSSP used (the last one seen wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMechanism {
    Ntlm,
    Kerberos,
}

impl AuthMechanism {
    /// The name the reports write.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMechanism::Ntlm => "NTLM",
            AuthMechanism::Kerberos => "Kerberos",
        }
    }
}

/// How much of the encrypted part could be read.
#[derive(Debug, Clone, Default)]
pub struct DecryptFacts {
    pub status: DecryptStatus,
    /// The key log holds secrets for this session's client random.
    pub keys_found: bool,
    pub version: Option<String>,
    pub cipher_suite: Option<String>,
    pub records_decrypted: u64,
    pub records_failed: u64,
    pub first_failure: Option<FrameRef>,
}

/// One line of the connection's ladder diagram.
#[derive(Debug, Clone)]
pub struct LadderEvent {
    pub frame: FrameRef,
    pub dir: Dir,
    pub label: String,
}

/// RD Gateway facts (MS-TSGU HTTP transport), read from the decrypted HTTPS
/// stream of a connection to a gateway port. Credentials are never kept:
/// only the authentication scheme names.
#[derive(Debug, Clone, Default)]
pub struct GatewayFacts {
    /// HTTP request heads from the client (bounded).
    pub requests: Vec<GatewayRequest>,
    /// HTTP response heads from the gateway (bounded).
    pub responses: Vec<GatewayResponse>,
    /// MS-TSGU control packets (everything but DATA), both directions (bounded).
    pub packets: Vec<GatewayPacket>,
    /// PKT_TYPE_DATA packets per direction (the tunnelled RDP).
    pub data_packets: [u64; 2],
    /// MS-KKDCP exchanges (`POST /KdcProxy`): Kerberos through the gateway.
    pub kdc_proxy: Vec<KdcProxyExchange>,
    /// The RDP carried in this connection's DATA packets, as far as it is
    /// readable here. With the HTTP transport each connection carries one
    /// direction (OUT: server → client, IN: client → server).
    pub tunnel: Option<TunnelFacts>,
}

/// What the tunnelled RDP showed (X.224 negotiation, certificates, ladder).
#[derive(Debug, Clone, Default)]
pub struct TunnelFacts {
    pub negotiation: NegotiationFacts,
    pub certificates: Vec<CertInfo>,
    pub ladder: Vec<LadderEvent>,
    /// Every fact of the tunnelled RDP, when both of its directions went
    /// through this connection (the WebSocket transport; the HTTP transport
    /// splits them over two): judged like a direct connection.
    pub session: Option<Box<super::SessionFacts>>,
}

/// One KDC proxy request (MS-KKDCP 2.2.1: a KDC-PROXY-MESSAGE in a `POST`)
/// and the proxy's answer. No principal names are kept.
#[derive(Debug, Clone)]
pub struct KdcProxyExchange {
    pub request_frame: FrameRef,
    /// `target-domain`: the realm the proxy must find a KDC for.
    pub realm: Option<String>,
    /// AS-REQ or TGS-REQ (None: the body did not decode).
    pub request: Option<rdpdiag_parsers::kerberos::MessageType>,
    pub response_frame: Option<FrameRef>,
    /// HTTP status and reason of the proxy's answer.
    pub status: Option<(u16, String)>,
    /// The KDC's reply relayed in a 200 (AS-REP, TGS-REP, KRB-ERROR).
    pub reply: Option<rdpdiag_parsers::kerberos::MessageType>,
    pub krb_error: Option<rdpdiag_parsers::kerberos::ErrorCode>,
}

/// One HTTP request head sent to the gateway.
#[derive(Debug, Clone)]
pub struct GatewayRequest {
    pub frame: FrameRef,
    /// `RDG_OUT_DATA`, `RDG_IN_DATA`, `GET`, `RPC_IN_DATA`, …
    pub method: String,
    /// e.g. `/remoteDesktopGateway/`
    pub path: String,
    pub kind: RequestKind,
    /// `RDG-Connection-Id` header.
    pub connection_id: Option<String>,
    /// Scheme of the `Authorization` header (never the credential).
    pub authorization: Option<String>,
    /// `Transfer-Encoding: chunked` (the IN channel's data request).
    pub chunked: bool,
}

/// One HTTP response head from the gateway.
#[derive(Debug, Clone)]
pub struct GatewayResponse {
    pub frame: FrameRef,
    pub status: u16,
    pub reason: String,
    /// Schemes of the `WWW-Authenticate` headers (Negotiate, NTLM, Basic, Bearer, …).
    pub www_authenticate: Vec<String>,
    /// A `WWW-Authenticate` header carried a token (a challenge in an
    /// ongoing NTLM/Negotiate exchange), not only a scheme name.
    pub auth_challenge: bool,
    pub server: Option<String>,
}

/// One MS-TSGU packet with its result code, when it has one.
#[derive(Debug, Clone)]
pub struct GatewayPacket {
    pub frame: FrameRef,
    pub dir: Dir,
    pub packet_type: PacketType,
    /// HRESULT of HANDSHAKE_RESPONSE, TUNNEL_RESPONSE, TUNNEL_AUTH_RESPONSE,
    /// CHANNEL_RESPONSE, CLOSE_CHANNEL(_RESPONSE).
    pub status: Option<GatewayStatus>,
}

impl GatewayPacket {
    /// The packet type's spec name; an unknown type reads `packet type 0x00NN`.
    pub fn type_name(&self) -> String {
        self.packet_type
            .name()
            .map(str::to_string)
            .unwrap_or_else(|| format!("packet type {:#06x}", self.packet_type.0))
    }

    /// The status's name; an unknown HRESULT reads as 10-digit hex.
    pub fn status_name(&self) -> Option<String> {
        self.status.map(|s| match s.name() {
            Some(n) => n.to_string(),
            None => format!("{:#010x}", s.0),
        })
    }
}

/// The name the reports write for a gateway request's kind.
pub fn request_kind_name(k: RequestKind) -> &'static str {
    match k {
        RequestKind::RdgOutData => "rdg_out_data",
        RequestKind::RdgInData => "rdg_in_data",
        RequestKind::WebSocketUpgrade => "websocket_upgrade",
        RequestKind::RpcInData => "rpc_in_data",
        RequestKind::RpcOutData => "rpc_out_data",
        RequestKind::Other => "other",
    }
}
