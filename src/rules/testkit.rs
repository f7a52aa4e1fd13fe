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
use crate::session::facts::ClientHelloFacts;
use crate::session::{ConnectionRecord, DnsLookup, RdpUdpFacts, UdpRecord};
use crate::verdict::{ConnVerdict, DiagConfig, Finding};
use crate::wire::{Dir, FrameRef, Ts};
use rdpdiag_parsers::dns::{Rcode, RrType};
use rdpdiag_parsers::nego::{FailureCode, Protocols};

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
