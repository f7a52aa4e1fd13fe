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

mod gateway;
mod negotiation;
mod nla;
mod session;
mod tcp;
mod tls;

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

/// An RFC 3339 UTC time (`2026-10-22T13:24:52Z`, fractions allowed), read
/// by the same function that reads rendered evidence times.
fn ts(text: &str) -> Ts {
    Ts::parse_rfc3339(text).unwrap_or_else(|| panic!("not RFC 3339: {text}"))
}
