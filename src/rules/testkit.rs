//! Builders of rule facts for unit tests: a test states the facts a rule
//! reads and nothing else, e.g.
//!
//! ```ignore
//! let rec = conn().syn_unanswered(3).build();
//! assert!(fired(&rec, &TCP_SYN_UNANSWERED).is_some());
//! ```
//!
//! - [`conn`] starts a TCP connection 10.0.0.2:50000 → 10.0.0.1:3389 whose
//!   facts are all empty (no handshake seen, no bytes). Each method sets one
//!   fact the capture layers would have extracted, in the vocabulary of the
//!   protocol (`request`, `confirm`, `client_hello`, `rst`, ...); frames are
//!   numbers, [`frame`] gives them a time (1 ms apart).
//! - [`ConnBuilder::with`] edits the record directly when no method fits yet:
//!   add a method instead when a second test needs the same fact.
//! - [`judge`] / [`fired`] / [`ids`] run `judge_connection` with the default
//!   configuration; [`udp`] and [`dns`] build the non-TCP records.
//!
//! Extend it per stage as the stage files get their tests: keep each method
//! to one fact, so a test reads as the capture it stands for.

use super::conn::judge_connection;
use super::registry::RuleDef;
use crate::flow::health::{BigRetransmit, CloseEvent};
use crate::flow::{CloseKind, Handshake, RdpReason, RoleSource, UdpFlow, UdpKind};
use crate::session::conn::unix_rfc3339;
use crate::session::facts::{
    AlertInfo, AuthMechanism, CertInfo, CertSource, ClientHelloFacts, DecryptFacts, DecryptStatus,
    GatewayFacts, GatewayPacket, GatewayRequest, GatewayResponse, KdcProxyExchange, LicenseEvent,
    RecordInfo, RecordKind, ServerHelloFacts,
};
use crate::session::{ConnectionRecord, DnsLookup, RdpUdpFacts, UdpRecord};
use crate::verdict::{ConnVerdict, DiagConfig, Finding};
use crate::wire::{Dir, FrameRef, Ts};
use rdpdiag_parsers::credssp::NtStatus;
use rdpdiag_parsers::dns::{Rcode, RrType};
use rdpdiag_parsers::kerberos::ErrorCode as KrbErrorCode;
use rdpdiag_parsers::mcs::{DisconnectReason, McsResult};
use rdpdiag_parsers::nego::{FailureCode, Protocols};
use rdpdiag_parsers::rdg::{GatewayStatus, PacketType, RequestKind};
use rdpdiag_parsers::rdp::{AuthzResult, ErrorInfo, LicenseErrorCode, LicenseMsgType};
use rdpdiag_parsers::tls::{AlertDescription, AlertLevel};
use rdpdiag_parsers::x509::{KeyType, Validity};

/// 2026-11-21T13:25:00Z, the time of frame 0.
const BASE_NS: i64 = 1_795_267_500 * 1_000_000_000;

/// Frame `number`, 1 ms after the previous one.
pub(crate) fn frame(number: u64) -> FrameRef {
    FrameRef {
        number,
        ts: Ts(BASE_NS + number as i64 * 1_000_000),
    }
}

/// A TCP connection with no facts yet.
pub(crate) fn conn() -> ConnBuilder {
    ConnBuilder {
        rec: ConnectionRecord {
            id: 1,
            client: "10.0.0.2:50000".parse().unwrap(),
            server: "10.0.0.1:3389".parse().unwrap(),
            roles: RoleSource::Syn,
            rdp: Some(RdpReason::Port),
            first: frame(1),
            last: frame(1),
            duration_s: 0.0,
            packets: [0, 0],
            bytes: [0, 0],
            tcp: Default::default(),
            facts: Default::default(),
        },
    }
}

pub(crate) struct ConnBuilder {
    rec: ConnectionRecord,
}

fn close_event(at: u64) -> CloseEvent {
    CloseEvent {
        frame: frame(at),
        after_own_payload_s: None,
        after_peer_payload_s: None,
        suspicious_origin: false,
        ttl: 128,
        unanswered_before: 0,
        peer_silent_s: None,
        ack_flag: true,
        peer_data_acked: None,
    }
}

impl ConnBuilder {
    pub(crate) fn build(self) -> ConnectionRecord {
        self.rec
    }

    /// Edit the record directly (for facts with no method yet).
    #[allow(dead_code)] // the escape hatch for stages without builder methods yet
    pub(crate) fn with(mut self, edit: impl FnOnce(&mut ConnectionRecord)) -> Self {
        edit(&mut self.rec);
        self
    }

    /// The last frame of the connection.
    #[allow(dead_code)] // for stages whose rules read the connection's end
    pub(crate) fn last(mut self, at: u64) -> Self {
        self.rec.last = frame(at);
        self
    }

    /// Connection `id` (client port 50000 + id) whose SYN is frame `first`:
    /// several connections of one capture, for attempt grouping.
    pub(crate) fn nth(mut self, id: u32, first: u64) -> Self {
        self.rec.id = id;
        self.rec.client.set_port(50000 + id as u16);
        self.rec.first = frame(first);
        self.rec.last = self.rec.last.max(frame(first));
        self
    }

    /// The capture starts at `ts` (for clock checks).
    pub(crate) fn first_at(mut self, ts: Ts) -> Self {
        self.rec.first.ts = ts;
        self
    }

    // ------------------------------------------------------------- tcp

    /// SYN, SYN-ACK, ACK at frames 1-3.
    pub(crate) fn handshake(mut self) -> Self {
        self.rec.tcp.handshake = Handshake::Completed;
        self.rec.tcp.syn_frames = vec![1];
        self.rec.tcp.synack_frames = vec![2];
        self.rec.last = self.rec.last.max(frame(3));
        self
    }

    /// `count` SYNs (frames 1..=count), no answer, no bytes.
    pub(crate) fn syn_unanswered(mut self, count: u64) -> Self {
        self.rec.tcp.handshake = Handshake::SynUnanswered;
        self.rec.tcp.syn_frames = (1..=count).collect();
        self.rec.last = frame(count);
        self
    }

    /// A SYN at `syn` answered by a RST at `rst`.
    pub(crate) fn rst_to_syn(mut self, syn: u64, rst: u64) -> Self {
        self.rec.tcp.handshake = Handshake::RstToSyn;
        self.rec.tcp.syn_frames = vec![syn];
        self.rec.tcp.server.rst = Some(close_event(rst));
        self.rec.tcp.closed_by = Some(Dir::ServerToClient);
        self.rec.tcp.close_kind = Some(CloseKind::Rst);
        self.rec.last = frame(rst);
        self
    }

    /// `count` SYNs each answered by a SYN-ACK the client never acknowledged
    /// (SYN at odd frames, SYN-ACK right after).
    pub(crate) fn synack_unanswered(mut self, count: u64) -> Self {
        self.rec.tcp.handshake = Handshake::SynAckUnanswered;
        self.rec.tcp.syn_frames = (0..count).map(|i| 2 * i + 1).collect();
        self.rec.tcp.synack_frames = (0..count).map(|i| 2 * i + 2).collect();
        self.rec.last = frame(2 * count);
        self
    }

    /// Payload packets and bytes sent by each side.
    pub(crate) fn traffic(mut self, packets: [u64; 2], bytes: [u64; 2]) -> Self {
        self.rec.packets = packets;
        self.rec.bytes = bytes;
        self
    }

    /// A FIN from `dir` at `at`; the first close marks who closed first.
    pub(crate) fn fin(mut self, dir: Dir, at: u64) -> Self {
        self.rec.tcp.dir_mut(dir).fin = Some(close_event(at));
        if self.rec.tcp.closed_by.is_none() {
            self.rec.tcp.closed_by = Some(dir);
            self.rec.tcp.close_kind = Some(CloseKind::Fin);
        }
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A RST from `dir` at `at` with IP TTL `ttl`; `forged`: its TTL differs
    /// from that side's other packets.
    pub(crate) fn rst(mut self, dir: Dir, at: u64, ttl: u8, forged: bool) -> Self {
        self.rec.tcp.dir_mut(dir).rst = Some(CloseEvent {
            suspicious_origin: forged,
            ttl,
            ..close_event(at)
        });
        if self.rec.tcp.closed_by.is_none() {
            self.rec.tcp.closed_by = Some(dir);
            self.rec.tcp.close_kind = Some(CloseKind::Rst);
        }
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// Real retransmissions by `dir` at `frames`.
    pub(crate) fn retransmissions(mut self, dir: Dir, frames: &[u64]) -> Self {
        let side = self.rec.tcp.dir_mut(dir);
        side.retransmissions += frames.len() as u32;
        side.retransmission_frames.extend_from_slice(frames);
        self
    }

    /// A full-size `len`-byte segment from `dir` sent at `frames`, `acked` or not.
    pub(crate) fn big_retransmit(
        mut self,
        dir: Dir,
        len: u32,
        frames: &[u64],
        acked: bool,
    ) -> Self {
        self.rec
            .tcp
            .dir_mut(dir)
            .big_retransmits
            .push(BigRetransmit {
                offset: 1,
                len,
                count: frames.len() as u32,
                frames: frames.to_vec(),
                acked,
            });
        self
    }

    /// Zero windows advertised by `dir` at `frames`.
    pub(crate) fn zero_window(mut self, dir: Dir, frames: &[u64]) -> Self {
        let side = self.rec.tcp.dir_mut(dir);
        side.zero_window += frames.len() as u32;
        side.zero_window_frames.extend_from_slice(frames);
        self
    }

    /// The longest silence: `secs` between frames `from` and `to`.
    pub(crate) fn idle(mut self, secs: f64, from: u64, to: u64) -> Self {
        self.rec.tcp.longest_idle = Some((secs, from, to));
        self
    }

    /// `bytes` of `dir`'s stream missing from the capture.
    pub(crate) fn capture_gap(mut self, dir: Dir, bytes: u64) -> Self {
        self.rec.tcp.dir_mut(dir).capture_gap_bytes = bytes;
        self
    }

    // ----------------------------------------------------- negotiation

    /// An X.224 Connection Request with RDP_NEG_REQ asking for `protocols`.
    pub(crate) fn request(mut self, at: u64, protocols: impl Into<Protocols>) -> Self {
        let nego = &mut self.rec.facts.negotiation;
        nego.request_frame = Some(frame(at));
        nego.neg_req = true;
        nego.requested_protocols = Some(protocols.into());
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// An X.224 Connection Request without RDP_NEG_REQ (a legacy client).
    pub(crate) fn legacy_request(mut self, at: u64) -> Self {
        self.rec.facts.negotiation.request_frame = Some(frame(at));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A Connection Confirm with RDP_NEG_RSP selecting `protocol`.
    pub(crate) fn confirm(mut self, at: u64, protocol: impl Into<Protocols>) -> Self {
        let nego = &mut self.rec.facts.negotiation;
        nego.confirm_frame = Some(frame(at));
        nego.selected_protocol = Some(protocol.into());
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A Connection Confirm without negotiation data (a legacy server: Standard RDP Security).
    pub(crate) fn legacy_confirm(mut self, at: u64) -> Self {
        let nego = &mut self.rec.facts.negotiation;
        nego.confirm_frame = Some(frame(at));
        nego.legacy_confirm = true;
        nego.selected_protocol = Some(Protocols::RDP);
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A Connection Confirm carrying RDP_NEG_FAILURE `code`.
    pub(crate) fn neg_failure(mut self, at: u64, code: FailureCode) -> Self {
        let nego = &mut self.rec.facts.negotiation;
        nego.confirm_frame = Some(frame(at));
        nego.failure = Some(code);
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// The first protocol violation: a malformed PDU from `dir` at `at`.
    pub(crate) fn protocol_error(mut self, at: u64, dir: Dir, what: &str) -> Self {
        self.rec.facts.protocol_error = Some((frame(at), dir, what.to_string()));
        self
    }

    /// A malformed PDU from `dir` at `at` in the RDP layer's list (the
    /// first one is usually also the [`Self::protocol_error`]).
    pub(crate) fn malformed(mut self, at: u64, dir: Dir, what: &str) -> Self {
        self.rec
            .facts
            .rdp
            .malformed
            .push((frame(at), dir, what.to_string()));
        self
    }

    // ------------------------------------------------------- tls / rdp

    /// A TLS ClientHello at `at`.
    pub(crate) fn client_hello(mut self, at: u64) -> Self {
        self.rec.facts.tls.client_hello = Some(ClientHelloFacts {
            frame: frame(at),
            version: "TLS 1.2".into(),
            max_version: "TLS 1.2".into(),
            supported_versions: Vec::new(),
            cipher_suites: 20,
            cipher_suite_names: Vec::new(),
            sni: None,
            alpn: Vec::new(),
            random: [0; 32],
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// MCS Connect Initial at `at`.
    pub(crate) fn connect_initial(mut self, at: u64) -> Self {
        self.rec.facts.mcs.connect_initial = Some(frame(at));
        self
    }

    /// The server's first fast-path output (screen updates) at `at`: the
    /// session is established.
    pub(crate) fn screen_output(mut self, at: u64) -> Self {
        self.rec.facts.rdp.first_fast_path[Dir::ServerToClient.idx()] = Some(frame(at));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    // --- nla / mcs / activation / session / gateway facts ---

    /// A ServerHello at `at` selecting TLS `version` (0x0301..=0x0304).
    pub(crate) fn server_hello(mut self, at: u64, version: u16) -> Self {
        let name = match version {
            0x0301 => "TLS 1.0",
            0x0302 => "TLS 1.1",
            0x0303 => "TLS 1.2",
            0x0304 => "TLS 1.3",
            _ => "?",
        };
        self.rec.facts.tls.server_hello = Some(ServerHelloFacts {
            frame: frame(at),
            version: name.into(),
            version_raw: version,
            cipher_suite: String::new(),
            hello_retry_request: false,
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A ChangeCipherSpec from `dir` at `at`.
    pub(crate) fn ccs(mut self, dir: Dir, at: u64) -> Self {
        self.rec.facts.tls.ccs[dir.idx()] = Some(frame(at));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// An application-data record of `len` bytes from `dir` at `at` (in TLS
    /// 1.3 the client's first one is its encrypted Finished).
    pub(crate) fn app_data(mut self, dir: Dir, at: u64, len: u16) -> Self {
        let tls = &mut self.rec.facts.tls;
        tls.first_app_data[dir.idx()].get_or_insert(frame(at));
        tls.app_records[dir.idx()] += 1;
        tls.app_bytes[dir.idx()] += u64::from(len);
        tls.records.push(RecordInfo {
            dir,
            frame: frame(at),
            content_type: 23,
            len,
            kind: RecordKind::AppData,
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A TLS alert from `dir` at `at` read in clear (or decrypted).
    pub(crate) fn alert(
        mut self,
        dir: Dir,
        at: u64,
        level: AlertLevel,
        description: AlertDescription,
    ) -> Self {
        self.rec.facts.tls.alerts.push(AlertInfo {
            dir,
            frame: frame(at),
            level: Some(level),
            description: Some(description),
            encrypted: false,
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// The key log decrypted all `records` TLS records of the connection.
    pub(crate) fn decrypted(mut self, records: u64) -> Self {
        self.rec.facts.decryption = Some(DecryptFacts {
            status: DecryptStatus::Decrypted,
            keys_found: true,
            records_decrypted: records,
            ..Default::default()
        });
        self
    }

    /// The client's CredSSP TSRequest version `client`, the server's `server`.
    pub(crate) fn credssp_versions(mut self, client: u32, server: u32) -> Self {
        self.rec.facts.nla.client_version = Some(client);
        self.rec.facts.nla.server_version = Some(server);
        self
    }

    /// The client's TSRequest carrying NTLM NEGOTIATE at `at`.
    pub(crate) fn ntlm_negotiate(mut self, at: u64) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ClientToServer.idx()] += 1;
        nla.mechanism = Some(AuthMechanism::Ntlm);
        nla.ntlm_negotiate.get_or_insert(frame(at));
        self
    }

    /// The server's TSRequest carrying NTLM CHALLENGE at `at`, from the
    /// computer named `server` (NetBIOS).
    pub(crate) fn ntlm_challenge(mut self, at: u64, server: &str) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ServerToClient.idx()] += 1;
        nla.mechanism = Some(AuthMechanism::Ntlm);
        nla.ntlm_challenge.get_or_insert(frame(at));
        nla.server_netbios_computer = Some(server.into());
        self
    }

    /// The client's TSRequest carrying NTLM AUTHENTICATE at `at` for `domain\user`.
    pub(crate) fn ntlm_authenticate(mut self, at: u64, domain: &str, user: &str) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ClientToServer.idx()] += 1;
        nla.mechanism = Some(AuthMechanism::Ntlm);
        nla.ntlm_authenticate.get_or_insert(frame(at));
        nla.user = Some(user.into());
        nla.domain = Some(domain.into());
        self
    }

    /// The server's TSRequest carrying pubKeyAuth at `at`: it accepted the
    /// client's authentication.
    pub(crate) fn server_pub_key_auth(mut self, at: u64) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ServerToClient.idx()] += 1;
        nla.server_pub_key_auth.get_or_insert(frame(at));
        self
    }

    /// The server's TSRequest carrying errorCode `status` at `at`.
    pub(crate) fn credssp_error(mut self, at: u64, status: NtStatus) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[Dir::ServerToClient.idx()] += 1;
        nla.error_code = Some((frame(at), status));
        self
    }

    /// A TSRequest from `dir` carrying a Kerberos token (AP-REQ / AP-REP);
    /// the facts keep no frame for it.
    pub(crate) fn kerberos_token(mut self, dir: Dir) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.ts_requests[dir.idx()] += 1;
        nla.mechanism = Some(AuthMechanism::Kerberos);
        self
    }

    /// A TSRequest carrying a Kerberos KRB-ERROR `code` at `at`.
    pub(crate) fn kerberos_error(mut self, at: u64, code: KrbErrorCode) -> Self {
        let nla = &mut self.rec.facts.nla;
        nla.mechanism = Some(AuthMechanism::Kerberos);
        nla.kerberos_error = Some((frame(at), code));
        self
    }

    /// The NTLM CHALLENGE's timestamp `server_time` is `skew_s` seconds off
    /// the capture's clock (negative: the server is behind).
    pub(crate) fn ntlm_clock(mut self, server_time: &str, skew_s: f64) -> Self {
        self.rec.facts.nla.server_time = Some(server_time.into());
        self.rec.facts.nla.clock_skew_s = Some(skew_s);
        self
    }

    /// The server's Early User Authorization Result `result` at `at`
    /// (PROTOCOL_HYBRID_EX).
    pub(crate) fn early_user_auth(mut self, at: u64, result: AuthzResult) -> Self {
        self.rec.facts.rdp.early_user_auth = Some((frame(at), result));
        self
    }

    /// MCS Connect Response at `at` with `result`.
    pub(crate) fn connect_response(mut self, at: u64, result: McsResult) -> Self {
        let mcs = &mut self.rec.facts.mcs;
        mcs.connect_response = Some(frame(at));
        mcs.result = Some(result);
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// The client's GCC CS_CORE echoes `protocol` as the server's selected protocol.
    pub(crate) fn gcc_selected_protocol(mut self, protocol: impl Into<Protocols>) -> Self {
        self.rec.facts.mcs.client_server_selected_protocol = Some(protocol.into());
        self
    }

    /// The server's GCC SC_CORE echoes `protocols` as the client's requested ones.
    pub(crate) fn gcc_requested_protocols(mut self, protocols: impl Into<Protocols>) -> Self {
        self.rec.facts.mcs.server_client_requested_protocols = Some(protocols.into());
        self
    }

    /// An MCS Disconnect Provider Ultimatum from `dir` at `at` with `reason`.
    pub(crate) fn disconnect_ultimatum(
        mut self,
        dir: Dir,
        at: u64,
        reason: DisconnectReason,
    ) -> Self {
        self.rec.facts.mcs.disconnect_ultimatum = Some((frame(at), dir, reason));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// The server's licensing ERROR_ALERT at `at` with `code`; `success`:
    /// STATUS_VALID_CLIENT with ST_NO_TRANSITION (licensing done).
    pub(crate) fn license_error_alert(
        mut self,
        at: u64,
        code: LicenseErrorCode,
        success: bool,
    ) -> Self {
        self.rec.facts.rdp.license.push(LicenseEvent {
            frame: frame(at),
            dir: Dir::ServerToClient,
            msg_type: LicenseMsgType::ERROR_ALERT,
            error_code: Some(code),
            state_transition: None,
            success,
        });
        self
    }

    /// The server's Demand Active PDU at `at`.
    pub(crate) fn demand_active(mut self, at: u64) -> Self {
        self.rec.facts.rdp.demand_active = Some(frame(at));
        self
    }

    /// The client's Confirm Active PDU at `at`.
    pub(crate) fn confirm_active(mut self, at: u64) -> Self {
        self.rec.facts.rdp.confirm_active = Some(frame(at));
        self
    }

    /// The server's Set Error Info PDU at `at` with `code`.
    pub(crate) fn set_error_info(mut self, at: u64, code: ErrorInfo) -> Self {
        self.rec.facts.rdp.set_error_info.push((frame(at), code));
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A RST from `dir` at `at` sent after `unanswered` of its packets got
    /// no answer, `silent_s` seconds after the peer's last packet.
    pub(crate) fn rst_after_silence(
        mut self,
        dir: Dir,
        at: u64,
        unanswered: u32,
        silent_s: f64,
    ) -> Self {
        self.rec.tcp.dir_mut(dir).rst = Some(CloseEvent {
            unanswered_before: unanswered,
            peer_silent_s: Some(silent_s),
            ..close_event(at)
        });
        if self.rec.tcp.closed_by.is_none() {
            self.rec.tcp.closed_by = Some(dir);
            self.rec.tcp.close_kind = Some(CloseKind::Rst);
        }
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// An HTTP request head `method` to the RD Gateway at `at`, with an
    /// Authorization header of `scheme` if any.
    pub(crate) fn gateway_request(mut self, at: u64, method: &str, scheme: Option<&str>) -> Self {
        let kind = match method {
            "RDG_OUT_DATA" => RequestKind::RdgOutData,
            "RDG_IN_DATA" => RequestKind::RdgInData,
            "RPC_IN_DATA" => RequestKind::RpcInData,
            "RPC_OUT_DATA" => RequestKind::RpcOutData,
            _ => RequestKind::Other,
        };
        self.gateway().requests.push(GatewayRequest {
            frame: frame(at),
            method: method.into(),
            path: "/remoteDesktopGateway/".into(),
            kind,
            connection_id: None,
            authorization: scheme.map(Into::into),
            chunked: false,
        });
        self
    }

    /// The RD Gateway's HTTP response head `status` `reason` at `at`.
    pub(crate) fn gateway_response(mut self, at: u64, status: u16, reason: &str) -> Self {
        self.gateway().responses.push(GatewayResponse {
            frame: frame(at),
            status,
            reason: reason.into(),
            www_authenticate: Vec::new(),
            auth_challenge: false,
            server: None,
        });
        self
    }

    /// The RD Gateway's HTTP 401 at `at` offering `schemes`; `challenge`: a
    /// header carries a token (a step of an ongoing NTLM exchange).
    pub(crate) fn gateway_401(mut self, at: u64, schemes: &[&str], challenge: bool) -> Self {
        self.gateway().responses.push(GatewayResponse {
            frame: frame(at),
            status: 401,
            reason: "Unauthorized".into(),
            www_authenticate: schemes.iter().map(|s| s.to_string()).collect(),
            auth_challenge: challenge,
            server: None,
        });
        self
    }

    /// The RD Gateway's MS-TSGU packet `packet_type` at `at` with the result `status`.
    pub(crate) fn gateway_packet(
        mut self,
        at: u64,
        packet_type: PacketType,
        status: GatewayStatus,
    ) -> Self {
        self.gateway().packets.push(GatewayPacket {
            frame: frame(at),
            dir: Dir::ServerToClient,
            packet_type,
            status: Some(status),
        });
        self
    }

    /// A KDC proxy exchange: an AS-REQ for LAB.TEST posted at `req_at`,
    /// answered `status` at `resp_at`, relaying `reply` (type, KRB-ERROR code).
    pub(crate) fn gateway_kdc(
        mut self,
        req_at: u64,
        resp_at: u64,
        (status, reason): (u16, &str),
        reply: Option<(
            rdpdiag_parsers::kerberos::MessageType,
            Option<rdpdiag_parsers::kerberos::ErrorCode>,
        )>,
    ) -> Self {
        self.gateway().kdc_proxy.push(KdcProxyExchange {
            request_frame: frame(req_at),
            realm: Some("LAB.TEST".into()),
            request: Some(rdpdiag_parsers::kerberos::MessageType::AS_REQ),
            response_frame: Some(frame(resp_at)),
            status: Some((status, reason.into())),
            reply: reply.map(|r| r.0),
            krb_error: reply.and_then(|r| r.1),
        });
        self
    }

    /// The RDP tunnelled through the gateway, read both ways: `inner`'s facts.
    pub(crate) fn gateway_tunnel(mut self, inner: ConnBuilder) -> Self {
        let facts = inner.build().facts;
        self.gateway().tunnel = Some(crate::session::facts::TunnelFacts {
            negotiation: facts.negotiation.clone(),
            certificates: facts.tls.certificates.clone(),
            ladder: facts.ladder.clone(),
            session: Some(Box::new(facts)),
        });
        self
    }

    /// `count` MS-TSGU DATA packets (tunnelled RDP) from `dir`.
    pub(crate) fn gateway_data(mut self, dir: Dir, count: u64) -> Self {
        self.gateway().data_packets[dir.idx()] += count;
        self
    }

    fn gateway(&mut self) -> &mut GatewayFacts {
        self.rec.facts.gateway.get_or_insert_with(Default::default)
    }

    // --- tls / certificate / decrypt facts ---

    /// The ClientHello's supported_versions extension, highest first (the
    /// highest is also its `max_version`).
    pub(crate) fn hello_versions(mut self, versions: &[&str]) -> Self {
        let hello = self.hello_mut();
        hello.supported_versions = versions.iter().map(|v| v.to_string()).collect();
        if let Some(max) = versions.first() {
            hello.max_version = max.to_string();
        }
        self
    }

    /// The ClientHello offers `count` cipher suites.
    pub(crate) fn hello_suites(mut self, count: usize) -> Self {
        self.hello_mut().cipher_suites = count;
        self
    }

    /// The ClientHello names `name` in its server_name extension (SNI).
    pub(crate) fn sni(mut self, name: &str) -> Self {
        self.hello_mut().sni = Some(name.to_string());
        self
    }

    /// An encrypted TLS alert from `dir` at `at` (level and description unreadable).
    pub(crate) fn encrypted_alert(mut self, dir: Dir, at: u64) -> Self {
        self.rec.facts.tls.alerts.push(AlertInfo {
            dir,
            frame: frame(at),
            level: None,
            description: None,
            encrypted: true,
        });
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// Certificate #`index` of the chain sent at `at`, named `subject` (its
    /// CN= parts are its common names). Until stated otherwise it is valid
    /// from a day before the frame for a year, RSA-2048, SHA-256, issued by
    /// someone else, without EKU or SAN.
    pub(crate) fn certificate(mut self, at: u64, index: usize, subject: &str) -> Self {
        let seen = frame(at);
        let not_before = seen.ts.secs() - 86_400;
        let not_after = seen.ts.secs() + 365 * 86_400;
        let mut cert = CertInfo {
            frame: seen,
            index,
            source: CertSource::Tls,
            subject: subject.to_string(),
            issuer: String::new(),
            common_names: subject
                .split(", ")
                .filter_map(|part| part.strip_prefix("CN="))
                .map(str::to_string)
                .collect(),
            san_dns: Vec::new(),
            san_ip: Vec::new(),
            not_before: unix_rfc3339(not_before),
            not_after: unix_rfc3339(not_after),
            not_before_unix: not_before,
            not_after_unix: not_after,
            key_type: KeyType::Rsa,
            key_bits: 2048,
            signature_algorithm: "sha256WithRSAEncryption".into(),
            weak_signature: false,
            eku_server_auth: None,
            is_ca: false,
            self_signed: false,
            validity_at_capture: Validity::Valid,
        };
        judge_validity(&mut cert);
        self.rec.facts.tls.certificates.push(cert);
        self.rec.last = self.rec.last.max(seen);
        self
    }

    /// The last certificate is valid from `not_before` to `not_after`
    /// (RFC 3339, e.g. `2026-10-22T13:24:52Z`).
    pub(crate) fn cert_validity(mut self, not_before: &str, not_after: &str) -> Self {
        let cert = self.cert_mut();
        cert.not_before = not_before.to_string();
        cert.not_after = not_after.to_string();
        cert.not_before_unix = ts(not_before).secs();
        cert.not_after_unix = ts(not_after).secs();
        judge_validity(cert);
        self
    }

    /// The capture clock read `time` (RFC 3339) at the last certificate's frame.
    pub(crate) fn cert_seen_at(mut self, time: &str) -> Self {
        let cert = self.cert_mut();
        cert.frame.ts = ts(time);
        judge_validity(cert);
        self
    }

    /// The last certificate is self-signed (issuer = subject).
    pub(crate) fn cert_self_signed(mut self) -> Self {
        let cert = self.cert_mut();
        cert.issuer = cert.subject.clone();
        cert.self_signed = true;
        self
    }

    /// The last certificate's key: RSA of `bits` bits.
    pub(crate) fn cert_rsa_key(mut self, bits: usize) -> Self {
        let cert = self.cert_mut();
        cert.key_type = KeyType::Rsa;
        cert.key_bits = bits;
        self
    }

    /// The last certificate is signed with `algorithm` (SHA-1 and MD5 ones are weak).
    pub(crate) fn cert_signature(mut self, algorithm: &str) -> Self {
        let cert = self.cert_mut();
        cert.signature_algorithm = algorithm.to_string();
        cert.weak_signature = algorithm.starts_with("sha1") || algorithm.starts_with("md5");
        self
    }

    /// The last certificate has an Extended Key Usage extension, with
    /// serverAuth or without it.
    pub(crate) fn cert_eku(mut self, server_auth: bool) -> Self {
        self.cert_mut().eku_server_auth = Some(server_auth);
        self
    }

    /// The last certificate's subjectAltName DNS names.
    pub(crate) fn cert_san_dns(mut self, names: &[&str]) -> Self {
        self.cert_mut().san_dns = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The last certificate's subjectAltName IP addresses.
    pub(crate) fn cert_san_ip(mut self, ips: &[&str]) -> Self {
        self.cert_mut().san_ip = ips.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The last certificate was read from decrypted TLS 1.3 (with the key log).
    pub(crate) fn cert_decrypted(mut self) -> Self {
        self.cert_mut().source = CertSource::Tls13Decrypted;
        self
    }

    /// The last certificate came in the MCS Connect Response (Standard RDP Security).
    pub(crate) fn cert_in_mcs(mut self) -> Self {
        self.cert_mut().source = CertSource::RdpStandardSecurity;
        self
    }

    /// A key log was given; decrypting this session ended in `status`.
    pub(crate) fn keylog(mut self, status: DecryptStatus) -> Self {
        let dec = self.decrypt_mut();
        dec.status = status;
        dec.keys_found = status != DecryptStatus::NoKeys;
        self
    }

    /// The TLS version and cipher suite the decryptor found.
    pub(crate) fn decrypt_session(mut self, version: &str, suite: &str) -> Self {
        let dec = self.decrypt_mut();
        dec.version = Some(version.to_string());
        dec.cipher_suite = Some(suite.to_string());
        self
    }

    /// `count` records decrypted.
    pub(crate) fn records_decrypted(mut self, count: u64) -> Self {
        self.decrypt_mut().records_decrypted = count;
        self
    }

    /// `count` records failed to decrypt, the first at `first`.
    pub(crate) fn records_failed(mut self, count: u64, first: u64) -> Self {
        let dec = self.decrypt_mut();
        dec.records_failed = count;
        dec.first_failure = Some(frame(first));
        self
    }

    fn hello_mut(&mut self) -> &mut ClientHelloFacts {
        self.rec
            .facts
            .tls
            .client_hello
            .as_mut()
            .expect("client_hello() first")
    }

    fn cert_mut(&mut self) -> &mut CertInfo {
        self.rec
            .facts
            .tls
            .certificates
            .last_mut()
            .expect("certificate() first")
    }

    fn decrypt_mut(&mut self) -> &mut DecryptFacts {
        self.rec
            .facts
            .decryption
            .get_or_insert_with(DecryptFacts::default)
    }
}

/// `judge_connection` with the default configuration.
pub(crate) fn judge(rec: &ConnectionRecord) -> (ConnVerdict, Vec<Finding>) {
    judge_connection(rec, &DiagConfig::default())
}

/// The finding of `rule` for this connection, if it fired.
pub(crate) fn fired(rec: &ConnectionRecord, rule: &RuleDef) -> Option<Finding> {
    judge(rec).1.into_iter().find(|f| f.id == rule.id)
}

/// The ids of all findings, in output order.
pub(crate) fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id.as_str()).collect()
}

/// Frame numbers of a finding's evidence.
pub(crate) fn frames(finding: &Finding) -> Vec<u64> {
    finding.evidence.iter().map(|e| e.frame).collect()
}

/// An RDP-UDP flow 10.0.0.2:50001 → 10.0.0.1:3389: SYNs at `syns`, and the
/// server's SYN+ACK at `synack` if any.
pub(crate) fn udp(syns: &[u64], synack: Option<u64>) -> UdpRecord {
    let last = syns.iter().copied().chain(synack).max().unwrap_or(1);
    UdpRecord {
        flow: UdpFlow {
            id: 1,
            kind: UdpKind::RdpUdp,
            client: "10.0.0.2:50001".parse().unwrap(),
            server: "10.0.0.1:3389".parse().unwrap(),
            first: frame(syns.first().copied().unwrap_or(1)),
            last: frame(last),
            packets: [syns.len() as u64, synack.map_or(0, |_| 1)],
            bytes: [0, 0],
        },
        rdpudp: Some({
            let mut facts = RdpUdpFacts::default();
            facts.syn_frames = syns.to_vec();
            facts.synack_frame = synack.map(frame);
            facts
        }),
        dns: Vec::new(),
    }
}

/// A DNS question for `name` (type A) at `query`, answered at `response`
/// with `rcode` (None: no answer seen).
pub(crate) fn dns(query: u64, name: &str, response: Option<(u64, Rcode)>) -> DnsLookup {
    let mut lookup = DnsLookup::for_test(frame(query), name, RrType::A);
    if let Some((at, rcode)) = response {
        lookup.response = Some(frame(at));
        lookup.rcode = Some(rcode);
    }
    lookup
}

/// A certificate's validity judged at its frame's time, as the capture layer does.
fn judge_validity(cert: &mut CertInfo) {
    let at = cert.frame.ts.secs();
    cert.validity_at_capture = if at < cert.not_before_unix {
        Validity::NotYetValid
    } else if at > cert.not_after_unix {
        Validity::Expired
    } else {
        Validity::Valid
    };
}

/// An RFC 3339 UTC time (`2026-10-22T13:24:52Z`, fractions allowed).
fn ts(text: &str) -> Ts {
    let num = |range: std::ops::Range<usize>| -> i64 {
        text.get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not RFC 3339: {text}"))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + num(11..13) * 3600 + num(14..16) * 60 + num(17..19);
    let nanos = text
        .get(19..)
        .and_then(|rest| rest.strip_prefix('.'))
        .map(|rest| rest.trim_end_matches('Z'))
        .map(|digits| format!("{digits:0<9}")[..9].parse::<i64>().unwrap_or(0))
        .unwrap_or(0);
    Ts::from_parts(secs, nanos)
}
