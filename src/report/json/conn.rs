//! `connection`: one TCP connection record of `rdpdiag/2` with everything
//! read from it (TCP health and the protocol facts of each layer).

use super::{dir, frame, opt_frame, Frame};
use crate::flow::health::{CloseEvent, DirHealth};
use crate::flow::{Handshake, RdpReason, RoleSource, TcpHealth};
use crate::session::facts as f;
use crate::session::ConnectionRecord;
use serde::Serialize;
use std::net::SocketAddr;

/// `{value, name}`: a protocol value and its name.
#[derive(Debug, Serialize)]
pub struct Named {
    pub value: u32,
    pub name: String,
}

impl Named {
    /// A wire value and its open enum's rendering (the spec name, or hex
    /// when the spec does not name it).
    fn of(value: u32, v: impl std::fmt::Display) -> Self {
        Named {
            value,
            name: v.to_string(),
        }
    }
}

/// `[frameRef, {value, name}]` of an open enum value.
fn frame_of(fr: crate::wire::FrameRef, value: u32, v: impl std::fmt::Display) -> (Frame, Named) {
    (frame(fr), Named::of(value, v))
}

fn frames2(x: [Option<crate::wire::FrameRef>; 2]) -> [Option<Frame>; 2] {
    x.map(opt_frame)
}

/// One TCP connection. Fields from `negotiation` on are the session facts.
#[derive(Debug, Serialize)]
pub struct Connection<'a> {
    pub id: u32,
    pub transport: &'static str,
    /// `address:port` (serde's rendering of a socket address).
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// How client and server were told apart: syn, port, tpkt, first_packet.
    pub roles: &'static str,
    /// Why the connection is RDP: "port", "connection_request", "keyed_tls" or null.
    ///
    /// Until rdpdiag 0.1's JSON fix this was written under the key `rdp`
    /// too, a duplicate of the `rdp` object below: lenient parsers kept the
    /// object (what the schema describes), strict ones (serde's derive)
    /// refused the document. Its own key is an addition within `rdpdiag/1`.
    pub rdp_reason: Option<&'static str>,
    pub first: Frame,
    pub last: Frame,
    pub duration_s: f64,
    pub packets: [u64; 2],
    pub bytes: [u64; 2],
    pub tcp: Tcp<'a>,
    pub negotiation: Negotiation<'a>,
    pub tls: Tls<'a>,
    pub nla: Nla<'a>,
    pub mcs: Mcs<'a>,
    pub rdp: Rdp<'a>,
    pub decryption: Option<Decryption<'a>>,
    pub gateway: Option<Gateway<'a>>,
    pub ladder: Vec<LadderEvent<'a>>,
    /// `[frameRef, dir, message]` of the first malformed PDU.
    pub protocol_error: Option<(Frame, &'static str, &'a str)>,
}

impl<'a> From<&'a ConnectionRecord> for Connection<'a> {
    fn from(c: &'a ConnectionRecord) -> Self {
        let s = &c.facts;
        Connection {
            id: c.id,
            // A ConnectionRecord is a TCP connection (UDP flows are UdpRecords).
            transport: "tcp",
            client: c.client,
            server: c.server,
            roles: match c.roles {
                RoleSource::Syn => "syn",
                RoleSource::Port => "port",
                RoleSource::Tpkt => "tpkt",
                RoleSource::FirstPacket => "first_packet",
            },
            rdp_reason: c.rdp.map(|r| match r {
                RdpReason::Port => "port",
                RdpReason::ConnectionRequest => "connection_request",
                RdpReason::KeyedTls => "keyed_tls",
            }),
            first: frame(c.first),
            last: frame(c.last),
            duration_s: c.duration_s,
            packets: c.packets,
            bytes: c.bytes,
            tcp: (&c.tcp).into(),
            negotiation: (&s.negotiation).into(),
            tls: (&s.tls).into(),
            nla: (&s.nla).into(),
            mcs: (&s.mcs).into(),
            rdp: (&s.rdp).into(),
            decryption: s.decryption.as_ref().map(Decryption::from),
            gateway: s.gateway.as_ref().map(Gateway::from),
            ladder: s.ladder.iter().map(LadderEvent::from).collect(),
            protocol_error: s
                .protocol_error
                .as_ref()
                .map(|(fr, d, m)| (frame(*fr), dir(*d), m.as_str())),
        }
    }
}

/// `connection.tcp`: TCP health.
#[derive(Debug, Serialize)]
pub struct Tcp<'a> {
    pub handshake: &'static str,
    pub syn_frames: &'a [u64],
    pub synack_frames: &'a [u64],
    pub handshake_rtt_s: Option<f64>,
    pub duplicate_frames: u32,
    pub client: TcpSide<'a>,
    pub server: TcpSide<'a>,
    /// `[seconds, frame before, frame after]`.
    pub longest_idle: Option<(f64, u64, u64)>,
    pub closed_by: Option<&'static str>,
    /// "fin" or "rst".
    pub close_kind: Option<&'static str>,
}

impl<'a> From<&'a TcpHealth> for Tcp<'a> {
    fn from(h: &'a TcpHealth) -> Self {
        Tcp {
            handshake: match h.handshake {
                Handshake::Completed => "completed",
                Handshake::SynAckUnanswered => "syn_ack_unanswered",
                Handshake::SynUnanswered => "syn_unanswered",
                Handshake::RstToSyn => "rst_to_syn",
                Handshake::NotSeen => "not_seen",
            },
            syn_frames: &h.syn_frames,
            synack_frames: &h.synack_frames,
            handshake_rtt_s: h.handshake_rtt_s,
            duplicate_frames: h.duplicate_frames,
            client: (&h.client).into(),
            server: (&h.server).into(),
            longest_idle: h.longest_idle,
            closed_by: h.closed_by.map(dir),
            close_kind: h.close_kind.map(|k| k.as_str()),
        }
    }
}

/// `tcpSide`: per-direction counters.
#[derive(Debug, Serialize)]
pub struct TcpSide<'a> {
    pub packets: u64,
    pub payload_bytes: u64,
    pub retransmissions: u32,
    pub retransmitted_bytes: u64,
    pub retransmission_frames: &'a [u64],
    pub out_of_order: u32,
    pub dup_acks: u32,
    pub zero_window: u32,
    pub zero_window_frames: &'a [u64],
    pub mss: Option<u16>,
    pub max_segment: u32,
    pub fin: Option<Close>,
    pub rst: Option<Close>,
    pub first_payload: Option<Frame>,
    pub last_payload: Option<Frame>,
    pub capture_gap_bytes: u64,
    pub big_retransmits: Vec<BigRetransmit<'a>>,
}

impl<'a> From<&'a DirHealth> for TcpSide<'a> {
    fn from(d: &'a DirHealth) -> Self {
        TcpSide {
            packets: d.packets,
            payload_bytes: d.payload_bytes,
            retransmissions: d.retransmissions,
            retransmitted_bytes: d.retransmitted_bytes,
            retransmission_frames: &d.retransmission_frames,
            out_of_order: d.out_of_order,
            dup_acks: d.dup_acks,
            zero_window: d.zero_window,
            zero_window_frames: &d.zero_window_frames,
            mss: d.mss,
            max_segment: d.max_segment,
            fin: d.fin.as_ref().map(Close::from),
            rst: d.rst.as_ref().map(Close::from),
            first_payload: opt_frame(d.first_payload),
            last_payload: opt_frame(d.last_payload),
            capture_gap_bytes: d.capture_gap_bytes,
            big_retransmits: d
                .big_retransmits
                .iter()
                .map(|b| BigRetransmit {
                    offset: b.offset,
                    len: b.len,
                    count: b.count,
                    frames: &b.frames,
                    acked: b.acked,
                })
                .collect(),
        }
    }
}

/// `tcpSide.fin` / `tcpSide.rst`.
#[derive(Debug, Serialize)]
pub struct Close {
    pub frame: Frame,
    pub after_own_payload_s: Option<f64>,
    pub after_peer_payload_s: Option<f64>,
    pub suspicious_origin: bool,
    pub ttl: u8,
}

impl From<&CloseEvent> for Close {
    fn from(e: &CloseEvent) -> Self {
        Close {
            frame: frame(e.frame),
            after_own_payload_s: e.after_own_payload_s,
            after_peer_payload_s: e.after_peer_payload_s,
            suspicious_origin: e.suspicious_origin,
            ttl: e.ttl,
        }
    }
}

/// `tcpSide.big_retransmits[]`: MTU black-hole evidence.
#[derive(Debug, Serialize)]
pub struct BigRetransmit<'a> {
    pub offset: u64,
    pub len: u32,
    pub count: u32,
    pub frames: &'a [u64],
    pub acked: bool,
}

/// `connection.negotiation` (also `gateway.tunnel.negotiation`).
#[derive(Debug, Serialize)]
pub struct Negotiation<'a> {
    pub request_frame: Option<Frame>,
    pub cookie: Option<&'a str>,
    pub routing_token: Option<&'a str>,
    pub neg_req: bool,
    pub requested_protocols: Option<u32>,
    pub requested_names: Vec<&'static str>,
    pub request_flags: Vec<&'static str>,
    pub correlation_id: Option<&'a str>,
    pub confirm_frame: Option<Frame>,
    pub legacy_confirm: bool,
    pub selected_protocol: Option<u32>,
    pub selected_names: Vec<&'static str>,
    pub response_flags: Vec<&'static str>,
    pub failure: Option<Named>,
}

impl<'a> From<&'a f::NegotiationFacts> for Negotiation<'a> {
    fn from(n: &'a f::NegotiationFacts) -> Self {
        Negotiation {
            request_frame: opt_frame(n.request_frame),
            cookie: n.cookie.as_deref(),
            routing_token: n.routing_token.as_deref(),
            neg_req: n.neg_req,
            requested_protocols: n.requested_protocols.map(|p| p.0),
            requested_names: n.requested_protocols.map(|p| p.names()).unwrap_or_default(),
            request_flags: n.request_flags.names(),
            correlation_id: n.correlation_id.as_deref(),
            confirm_frame: opt_frame(n.confirm_frame),
            legacy_confirm: n.legacy_confirm,
            selected_protocol: n.selected_protocol.map(|p| p.0),
            selected_names: n.selected_protocol.map(|p| p.names()).unwrap_or_default(),
            response_flags: n.response_flags.names(),
            failure: n.failure.map(|c| Named::of(c.0, c)),
        }
    }
}

/// `connection.tls`.
#[derive(Debug, Serialize)]
pub struct Tls<'a> {
    pub client_hello: Option<ClientHello<'a>>,
    pub server_hello: Option<ServerHello<'a>>,
    pub certificates: Vec<Certificate<'a>>,
    pub alerts: Vec<Alert>,
    pub ccs: [Option<Frame>; 2],
    pub first_app_data: [Option<Frame>; 2],
    pub app_records: [u32; 2],
    pub app_bytes: [u64; 2],
    pub records: Vec<Record<'a>>,
    pub records_dropped: u64,
    pub server_key_exchange: bool,
    pub certificate_request: bool,
    pub malformed: Option<&'a str>,
}

impl<'a> From<&'a f::TlsFacts> for Tls<'a> {
    fn from(t: &'a f::TlsFacts) -> Self {
        Tls {
            client_hello: t.client_hello.as_ref().map(|h| ClientHello {
                frame: frame(h.frame),
                version: &h.version,
                max_version: &h.max_version,
                supported_versions: &h.supported_versions,
                cipher_suites: h.cipher_suites,
                cipher_suite_names: &h.cipher_suite_names,
                sni: h.sni.as_deref(),
                alpn: &h.alpn,
            }),
            server_hello: t.server_hello.as_ref().map(|h| ServerHello {
                frame: frame(h.frame),
                version: &h.version,
                cipher_suite: &h.cipher_suite,
                hello_retry_request: h.hello_retry_request,
            }),
            certificates: t.certificates.iter().map(Certificate::from).collect(),
            alerts: t
                .alerts
                .iter()
                .map(|a| Alert {
                    dir: dir(a.dir),
                    frame: frame(a.frame),
                    level: a.level.map(|l| l.0),
                    description: a.description.map(|d| Named::of(d.0.into(), d)),
                    encrypted: a.encrypted,
                })
                .collect(),
            ccs: frames2(t.ccs),
            first_app_data: frames2(t.first_app_data),
            app_records: t.app_records,
            app_bytes: t.app_bytes,
            records: t
                .records
                .iter()
                .map(|r| Record {
                    dir: dir(r.dir),
                    frame: frame(r.frame),
                    content_type: r.content_type,
                    len: r.len,
                    kind: r.kind.as_str(),
                })
                .collect(),
            records_dropped: t.records_dropped,
            server_key_exchange: t.server_key_exchange,
            certificate_request: t.certificate_request,
            malformed: t.malformed.as_deref(),
        }
    }
}

/// `tls.client_hello`.
#[derive(Debug, Serialize)]
pub struct ClientHello<'a> {
    pub frame: Frame,
    pub version: &'a str,
    pub max_version: &'a str,
    pub supported_versions: &'a [String],
    pub cipher_suites: usize,
    pub cipher_suite_names: &'a [String],
    pub sni: Option<&'a str>,
    pub alpn: &'a [String],
}

/// `tls.server_hello`.
#[derive(Debug, Serialize)]
pub struct ServerHello<'a> {
    pub frame: Frame,
    pub version: &'a str,
    pub cipher_suite: &'a str,
    pub hello_retry_request: bool,
}

/// `tls.alerts[]`.
#[derive(Debug, Serialize)]
pub struct Alert {
    pub dir: &'static str,
    pub frame: Frame,
    /// null when the body is encrypted.
    pub level: Option<u8>,
    pub description: Option<Named>,
    pub encrypted: bool,
}

/// `tls.records[]`: one TLS record's shape.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    pub dir: &'static str,
    pub frame: Frame,
    pub content_type: u8,
    pub len: u16,
    /// handshake, encrypted_handshake, ccs, alert, encrypted_alert, app_data, other
    pub kind: &'a str,
}

/// `certificate`: one certificate as judged at capture time.
#[derive(Debug, Serialize)]
pub struct Certificate<'a> {
    pub frame: Frame,
    pub index: usize,
    pub source: &'a str,
    pub subject: &'a str,
    pub issuer: &'a str,
    pub common_names: &'a [String],
    pub san_dns: &'a [String],
    pub san_ip: &'a [String],
    pub not_before: &'a str,
    pub not_after: &'a str,
    pub key_type: &'a str,
    pub key_bits: usize,
    pub signature_algorithm: &'a str,
    pub weak_signature: bool,
    pub eku_server_auth: Option<bool>,
    pub is_ca: bool,
    pub self_signed: bool,
    /// valid / expired / not_yet_valid.
    pub validity_at_capture: &'a str,
}

impl<'a> From<&'a f::CertInfo> for Certificate<'a> {
    fn from(c: &'a f::CertInfo) -> Self {
        Certificate {
            frame: frame(c.frame),
            index: c.index,
            source: c.source.as_str(),
            subject: &c.subject,
            issuer: &c.issuer,
            common_names: &c.common_names,
            san_dns: &c.san_dns,
            san_ip: &c.san_ip,
            not_before: &c.not_before,
            not_after: &c.not_after,
            key_type: f::key_type_name(c.key_type),
            key_bits: c.key_bits,
            signature_algorithm: &c.signature_algorithm,
            weak_signature: c.weak_signature,
            eku_server_auth: c.eku_server_auth,
            is_ca: c.is_ca,
            self_signed: c.self_signed,
            validity_at_capture: f::validity_name(c.validity_at_capture),
        }
    }
}

/// `connection.nla`: CredSSP / NTLM, when readable.
#[derive(Debug, Serialize)]
pub struct Nla<'a> {
    pub ts_requests: [u32; 2],
    pub client_version: Option<u32>,
    pub server_version: Option<u32>,
    pub mechanism: Option<&'a str>,
    pub ntlm_negotiate: Option<Frame>,
    pub ntlm_challenge: Option<Frame>,
    pub ntlm_authenticate: Option<Frame>,
    pub server_netbios_computer: Option<&'a str>,
    pub server_netbios_domain: Option<&'a str>,
    pub server_dns_computer: Option<&'a str>,
    pub server_dns_domain: Option<&'a str>,
    pub server_os_version: Option<&'a str>,
    pub server_time: Option<&'a str>,
    pub clock_skew_s: Option<f64>,
    pub user: Option<&'a str>,
    pub domain: Option<&'a str>,
    pub workstation: Option<&'a str>,
    pub server_pub_key_auth: Option<Frame>,
    pub client_auth_info: Option<Frame>,
    pub error_code: Option<(Frame, Named)>,
    pub kerberos_error: Option<(Frame, Named)>,
}

impl<'a> From<&'a f::NlaFacts> for Nla<'a> {
    fn from(n: &'a f::NlaFacts) -> Self {
        Nla {
            ts_requests: n.ts_requests,
            client_version: n.client_version,
            server_version: n.server_version,
            mechanism: n.mechanism.map(f::AuthMechanism::as_str),
            ntlm_negotiate: opt_frame(n.ntlm_negotiate),
            ntlm_challenge: opt_frame(n.ntlm_challenge),
            ntlm_authenticate: opt_frame(n.ntlm_authenticate),
            server_netbios_computer: n.server_netbios_computer.as_deref(),
            server_netbios_domain: n.server_netbios_domain.as_deref(),
            server_dns_computer: n.server_dns_computer.as_deref(),
            server_dns_domain: n.server_dns_domain.as_deref(),
            server_os_version: n.server_os_version.as_deref(),
            server_time: n.server_time.as_deref(),
            clock_skew_s: n.clock_skew_s,
            user: n.user.as_deref(),
            domain: n.domain.as_deref(),
            workstation: n.workstation.as_deref(),
            server_pub_key_auth: opt_frame(n.server_pub_key_auth),
            client_auth_info: opt_frame(n.client_auth_info),
            error_code: n.error_code.map(|(fr, c)| (frame(fr), Named::of(c.0, c))),
            // KRB-ERROR codes are small non-negative numbers; rdpdiag/1 and /2 have
            // always written the i32 reinterpreted as u32.
            kerberos_error: n
                .kerberos_error
                .map(|(fr, c)| (frame(fr), Named::of(c.0 as u32, c))),
        }
    }
}

/// `connection.mcs`: MCS / GCC.
#[derive(Debug, Serialize)]
pub struct Mcs<'a> {
    pub connect_initial: Option<Frame>,
    pub client_name: Option<&'a str>,
    pub client_build: Option<u32>,
    pub client_version: Option<&'a str>,
    pub desktop: Option<(u16, u16)>,
    pub keyboard_layout: Option<u32>,
    pub early_capability_flags: &'a [&'static str],
    pub supports_error_info: Option<bool>,
    pub client_server_selected_protocol: Option<u32>,
    pub client_encryption_methods: Option<&'a str>,
    pub channels: &'a [String],
    pub connect_response: Option<Frame>,
    pub result: Option<Named>,
    pub server_client_requested_protocols: Option<u32>,
    pub encryption_method: Option<&'a str>,
    pub encryption_level: Option<&'a str>,
    pub server_cert_type: Option<&'a str>,
    pub server_rsa_key_bits: Option<u32>,
    pub attach_user_confirm: Option<(Frame, Named)>,
    pub channel_joins: u32,
    pub channel_join_failures: u32,
    /// `[frameRef, dir, {value, name}]`.
    pub disconnect_ultimatum: Option<(Frame, &'static str, Named)>,
    pub malformed: Option<&'a str>,
}

impl<'a> From<&'a f::McsFacts> for Mcs<'a> {
    fn from(m: &'a f::McsFacts) -> Self {
        Mcs {
            connect_initial: opt_frame(m.connect_initial),
            client_name: m.client_name.as_deref(),
            client_build: m.client_build,
            client_version: m.client_version.as_deref(),
            desktop: m.desktop,
            keyboard_layout: m.keyboard_layout,
            early_capability_flags: &m.early_capability_flags,
            supports_error_info: m.supports_error_info,
            client_server_selected_protocol: m.client_server_selected_protocol.map(|p| p.0),
            client_encryption_methods: m.client_encryption_methods.as_deref(),
            channels: &m.channels,
            connect_response: opt_frame(m.connect_response),
            result: m.result.map(|r| Named::of(r.0.into(), r)),
            server_client_requested_protocols: m.server_client_requested_protocols.map(|p| p.0),
            encryption_method: m.encryption_method.as_deref(),
            encryption_level: m.encryption_level.as_deref(),
            server_cert_type: m.server_cert_type.as_deref(),
            server_rsa_key_bits: m.server_rsa_key_bits,
            attach_user_confirm: m
                .attach_user_confirm
                .map(|(fr, r)| frame_of(fr, r.0.into(), r)),
            channel_joins: m.channel_joins,
            channel_join_failures: m.channel_join_failures,
            disconnect_ultimatum: m
                .disconnect_ultimatum
                .map(|(fr, d, n)| (frame(fr), dir(d), Named::of(n.0.into(), n))),
            malformed: m.malformed.as_deref(),
        }
    }
}

/// `connection.rdp`: the connection sequence after MCS.
#[derive(Debug, Serialize)]
pub struct Rdp<'a> {
    pub security_exchange: Option<Frame>,
    pub client_info: Option<Frame>,
    pub license: Vec<License>,
    pub demand_active: Option<Frame>,
    pub confirm_active: Option<Frame>,
    pub deactivate_all: Option<Frame>,
    pub set_error_info: Vec<(Frame, Named)>,
    pub status_info: Vec<(Frame, Named)>,
    pub early_user_auth: Option<(Frame, Named)>,
    pub font_map: Option<Frame>,
    pub save_session_info: Option<Frame>,
    pub shutdown_request: Option<Frame>,
    pub shutdown_denied: Option<Frame>,
    pub fast_path_pdus: [u64; 2],
    pub first_fast_path: [Option<Frame>; 2],
    pub slow_path_pdus: [u64; 2],
    pub encrypted_pdus: [u64; 2],
    /// `[frameRef, dir]`.
    pub x224_disconnect: Option<(Frame, &'static str)>,
    pub multitransport_request: Option<Frame>,
    /// `[[frameRef, dir, message], …]`.
    pub malformed: Vec<(Frame, &'static str, &'a str)>,
}

impl<'a> From<&'a f::RdpFacts> for Rdp<'a> {
    fn from(r: &'a f::RdpFacts) -> Self {
        Rdp {
            security_exchange: opt_frame(r.security_exchange),
            client_info: opt_frame(r.client_info),
            license: r
                .license
                .iter()
                .map(|l| License {
                    frame: frame(l.frame),
                    dir: dir(l.dir),
                    msg_type: Named::of(l.msg_type.0.into(), l.msg_type),
                    error_code: l.error_code.map(|c| Named::of(c.0, c)),
                    state_transition: l.state_transition.map(|t| Named::of(t.0, t)),
                    success: l.success,
                })
                .collect(),
            demand_active: opt_frame(r.demand_active),
            confirm_active: opt_frame(r.confirm_active),
            deactivate_all: opt_frame(r.deactivate_all),
            set_error_info: r
                .set_error_info
                .iter()
                .map(|&(fr, e)| frame_of(fr, e.0, e))
                .collect(),
            status_info: r
                .status_info
                .iter()
                .map(|&(fr, s)| frame_of(fr, s.0, s))
                .collect(),
            early_user_auth: r.early_user_auth.map(|(fr, a)| frame_of(fr, a.0, a)),
            font_map: opt_frame(r.font_map),
            save_session_info: opt_frame(r.save_session_info),
            shutdown_request: opt_frame(r.shutdown_request),
            shutdown_denied: opt_frame(r.shutdown_denied),
            fast_path_pdus: r.fast_path_pdus,
            first_fast_path: frames2(r.first_fast_path),
            slow_path_pdus: r.slow_path_pdus,
            encrypted_pdus: r.encrypted_pdus,
            x224_disconnect: r.x224_disconnect.map(|(fr, d)| (frame(fr), dir(d))),
            multitransport_request: opt_frame(r.multitransport_request),
            malformed: r
                .malformed
                .iter()
                .map(|(fr, d, m)| (frame(*fr), dir(*d), m.as_str()))
                .collect(),
        }
    }
}

/// `rdp.license[]`: one licensing PDU.
#[derive(Debug, Serialize)]
pub struct License {
    pub frame: Frame,
    pub dir: &'static str,
    pub msg_type: Named,
    pub error_code: Option<Named>,
    pub state_transition: Option<Named>,
    pub success: bool,
}

/// `connection.decryption`: how much of the TLS could be read. Never a secret.
#[derive(Debug, Serialize)]
pub struct Decryption<'a> {
    pub status: &'a str,
    pub keys_found: bool,
    pub version: Option<&'a str>,
    pub cipher_suite: Option<&'a str>,
    pub records_decrypted: u64,
    pub records_failed: u64,
    pub first_failure: Option<Frame>,
}

impl<'a> From<&'a f::DecryptFacts> for Decryption<'a> {
    fn from(d: &'a f::DecryptFacts) -> Self {
        Decryption {
            status: d.status.as_str(),
            keys_found: d.keys_found,
            version: d.version.as_deref(),
            cipher_suite: d.cipher_suite.as_deref(),
            records_decrypted: d.records_decrypted,
            records_failed: d.records_failed,
            first_failure: opt_frame(d.first_failure),
        }
    }
}

/// `connection.ladder[]` (also `gateway.tunnel.ladder[]`).
#[derive(Debug, Serialize)]
pub struct LadderEvent<'a> {
    pub frame: Frame,
    pub dir: &'static str,
    pub label: &'a str,
}

impl<'a> From<&'a f::LadderEvent> for LadderEvent<'a> {
    fn from(e: &'a f::LadderEvent) -> Self {
        LadderEvent {
            frame: frame(e.frame),
            dir: dir(e.dir),
            label: &e.label,
        }
    }
}

/// `connection.gateway`: RD Gateway HTTP / MS-TSGU. Credentials are never
/// kept, only authentication scheme names.
#[derive(Debug, Serialize)]
pub struct Gateway<'a> {
    pub requests: Vec<GatewayRequest<'a>>,
    pub responses: Vec<GatewayResponse<'a>>,
    pub packets: Vec<GatewayPacket>,
    pub data_packets: [u64; 2],
    pub tunnel: Option<Tunnel<'a>>,
}

impl<'a> From<&'a f::GatewayFacts> for Gateway<'a> {
    fn from(g: &'a f::GatewayFacts) -> Self {
        Gateway {
            requests: g
                .requests
                .iter()
                .map(|r| GatewayRequest {
                    frame: frame(r.frame),
                    method: &r.method,
                    path: &r.path,
                    kind: f::request_kind_name(r.kind),
                    connection_id: r.connection_id.as_deref(),
                    authorization: r.authorization.as_deref(),
                    chunked: r.chunked,
                })
                .collect(),
            responses: g
                .responses
                .iter()
                .map(|r| GatewayResponse {
                    frame: frame(r.frame),
                    status: r.status,
                    reason: &r.reason,
                    www_authenticate: &r.www_authenticate,
                    auth_challenge: r.auth_challenge,
                    server: r.server.as_deref(),
                })
                .collect(),
            packets: g
                .packets
                .iter()
                .map(|p| GatewayPacket {
                    frame: frame(p.frame),
                    dir: dir(p.dir),
                    packet_type: Named::of(p.packet_type.0.into(), p.type_name()),
                    status: p
                        .status
                        .zip(p.status_name())
                        .map(|(s, n)| Named::of(s.0, n)),
                })
                .collect(),
            data_packets: g.data_packets,
            tunnel: g.tunnel.as_ref().map(|t| Tunnel {
                negotiation: (&t.negotiation).into(),
                certificates: t.certificates.iter().map(Certificate::from).collect(),
                ladder: t.ladder.iter().map(LadderEvent::from).collect(),
            }),
        }
    }
}

/// `gateway.tunnel`: the RDP read inside the tunnel's DATA packets.
#[derive(Debug, Serialize)]
pub struct Tunnel<'a> {
    pub negotiation: Negotiation<'a>,
    pub certificates: Vec<Certificate<'a>>,
    pub ladder: Vec<LadderEvent<'a>>,
}

/// `gateway.requests[]`: one HTTP request head.
#[derive(Debug, Serialize)]
pub struct GatewayRequest<'a> {
    pub frame: Frame,
    pub method: &'a str,
    pub path: &'a str,
    pub kind: &'a str,
    pub connection_id: Option<&'a str>,
    /// The scheme only, never the credential.
    pub authorization: Option<&'a str>,
    pub chunked: bool,
}

/// `gateway.responses[]`: one HTTP response head.
#[derive(Debug, Serialize)]
pub struct GatewayResponse<'a> {
    pub frame: Frame,
    pub status: u16,
    pub reason: &'a str,
    pub www_authenticate: &'a [String],
    pub auth_challenge: bool,
    pub server: Option<&'a str>,
}

/// `gateway.packets[]`: one MS-TSGU control packet.
#[derive(Debug, Serialize)]
pub struct GatewayPacket {
    pub frame: Frame,
    pub dir: &'static str,
    pub packet_type: Named,
    pub status: Option<Named>,
}
