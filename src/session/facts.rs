//! The facts a session extracts from one connection: owned, and all a rule
//! ever sees (rules never touch bytes).

use crate::wire::{Dir, FrameRef};
use serde::Serialize;

/// Keep at most this many entries in per-connection lists.
pub const MAX_LIST: usize = 256;

pub(crate) fn push_bounded<T>(v: &mut Vec<T>, x: T) {
    if v.len() < MAX_LIST {
        v.push(x);
    }
}

/// A protocol value with its name (when the spec names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub value: u32,
    pub name: String,
}

impl Named {
    pub fn new(value: u32, name: impl Into<String>) -> Self {
        Named {
            value,
            name: name.into(),
        }
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
    pub requested_protocols: Option<u32>,
    pub requested_names: Vec<&'static str>,
    pub request_flags: Vec<&'static str>,
    pub correlation_id: Option<String>,
    pub confirm_frame: Option<FrameRef>,
    /// CC without negotiation data (legacy server).
    pub legacy_confirm: bool,
    pub selected_protocol: Option<u32>,
    pub selected_names: Vec<&'static str>,
    pub response_flags: Vec<&'static str>,
    pub failure: Option<Named>,
}

/// One TLS record as seen on the wire (for shape inference).
#[derive(Debug, Clone)]
pub struct RecordInfo {
    pub dir: Dir,
    pub frame: FrameRef,
    pub content_type: u8,
    pub len: u16,
    /// handshake, encrypted_handshake, ccs, alert, encrypted_alert, app_data, other
    pub kind: &'static str,
}

/// A TLS alert.
#[derive(Debug, Clone)]
pub struct AlertInfo {
    pub dir: Dir,
    pub frame: FrameRef,
    /// None when the body is encrypted.
    pub level: Option<u8>,
    pub description: Option<Named>,
    pub encrypted: bool,
}

/// A certificate as judged at capture time.
// Serialize only for the probe's own JSON report (its certificates); the
// analysis document `rdpdiag/1` is written by `report::json`.
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    pub frame: FrameRef,
    /// Position in the chain (0 = the server's own).
    pub index: usize,
    /// tls, tls13_decrypted, rdp_standard_security
    pub source: &'static str,
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
    pub key_type: String,
    pub key_bits: usize,
    pub signature_algorithm: String,
    pub weak_signature: bool,
    pub eku_server_auth: Option<bool>,
    pub is_ca: bool,
    pub self_signed: bool,
    /// valid / expired / not_yet_valid at the capture timestamp of `frame`.
    pub validity_at_capture: &'static str,
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
    pub client_server_selected_protocol: Option<u32>,
    pub client_encryption_methods: Option<String>,
    pub channels: Vec<String>,
    pub connect_response: Option<FrameRef>,
    pub result: Option<Named>,
    /// clientRequestedProtocols echoed by the server in SC_CORE.
    pub server_client_requested_protocols: Option<u32>,
    pub encryption_method: Option<String>,
    pub encryption_level: Option<String>,
    pub server_cert_type: Option<String>,
    pub server_rsa_key_bits: Option<u32>,
    pub attach_user_confirm: Option<(FrameRef, Named)>,
    pub channel_joins: u32,
    pub channel_join_failures: u32,
    pub disconnect_ultimatum: Option<(FrameRef, Dir, Named)>,
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
    pub set_error_info: Vec<(FrameRef, Named)>,
    pub status_info: Vec<(FrameRef, Named)>,
    pub early_user_auth: Option<(FrameRef, Named)>,
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
    pub msg_type: Named,
    pub error_code: Option<Named>,
    pub state_transition: Option<Named>,
    /// STATUS_VALID_CLIENT + ST_NO_TRANSITION: licensing succeeded.
    pub success: bool,
}

/// CredSSP / NLA facts (decrypted).
#[derive(Debug, Clone, Default)]
pub struct NlaFacts {
    pub ts_requests: [u32; 2],
    pub client_version: Option<u32>,
    pub server_version: Option<u32>,
    pub mechanism: Option<String>,
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
    pub error_code: Option<(FrameRef, Named)>,
    pub kerberos_error: Option<(FrameRef, Named)>,
}

/// How much of the encrypted part could be read.
#[derive(Debug, Clone, Default)]
pub struct DecryptFacts {
    /// decrypted / partial (a record failed after others decrypted) /
    /// wrong_keys / no_keys / unsupported / no_server_hello / nothing_encrypted
    pub status: String,
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
    /// rdg_out_data, rdg_in_data, websocket_upgrade, rpc_in_data, rpc_out_data, other
    pub kind: &'static str,
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
    pub packet_type: Named,
    /// HRESULT of HANDSHAKE_RESPONSE, TUNNEL_RESPONSE, TUNNEL_AUTH_RESPONSE,
    /// CHANNEL_RESPONSE, CLOSE_CHANNEL(_RESPONSE).
    pub status: Option<Named>,
}
