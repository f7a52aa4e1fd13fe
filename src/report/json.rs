//! The wire types of the JSON contract `rdpdiag/2` (docs/json.md,
//! docs/schema/rdpdiag-2.schema.json).
//!
//! The field names and shapes of these structs ARE the contract: renaming an
//! internal field (verdict, session facts, flow health…) must not change the
//! document, so nothing internal is serialized for it. Each wire type borrows
//! from the internal report and is built by a `From` conversion; an internal
//! field changing type (say, a `&'static str` becoming an enum) only changes
//! the conversion here, never the wire field.
//!
//! Within `rdpdiag/2` fields are only added. Keep the field order: it is the
//! order keys are written in, and the order [`stream`] writes a document in
//! while the file is read (each file's `attempts` before what is known only
//! at its end).

mod conn;
pub mod stream;

pub use conn::Connection;

use super::{FileReport, RecordIndex};
use crate::capture::{ReadSummary, Warning as CaptureWarning};
use crate::flow::{FlowStats, UdpFlow as FlowUdp, UdpKind};
use crate::session::scan::ScanSummary;
use crate::session::{DnsLookup as SessionDns, RdpUdpFacts, UdpRecord};
use crate::verdict;
use crate::wire::{Dir, FrameRef, Ts};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::net::SocketAddr;

/// Version of the JSON document; bumped on any incompatible change.
pub const SCHEMA: &str = "rdpdiag/2";

/// The whole document: `{"schema", "tool", "files"}`.
#[derive(Debug, Serialize)]
pub struct Document<'a> {
    pub schema: &'static str,
    pub tool: Tool,
    pub files: Vec<File<'a>>,
}

/// `tool`. The probe's own JSON report carries the same object.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: "rdpdiag",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

impl<'a> Document<'a> {
    pub fn new(files: &'a [FileReport]) -> Self {
        Document {
            schema: SCHEMA,
            tool: Tool::this(),
            files: files.iter().map(File::from).collect(),
        }
    }
}

/// The document of `reports`, pretty-printed as `analyze --format json` writes it.
pub fn to_string_pretty(reports: &[FileReport]) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&Document::new(reports))
}

/// Writes the document of `reports` to `out` piece by piece, as the
/// streaming `analyze` writes it ([`stream::Writer`]), pretty or on one line
/// (`--compact`). An I/O error (a closed pipe) comes back as such:
/// `serde_json::Error::is_io`.
pub fn write(
    reports: &[FileReport],
    out: &mut dyn std::io::Write,
    pretty: bool,
) -> serde_json::Result<()> {
    let w = stream::Writer::new(pretty);
    let mut buf = Vec::new();
    w.begin(&mut buf)?;
    for (i, r) in reports.iter().enumerate() {
        let index = RecordIndex::new(r);
        w.begin_file(&mut buf, &r.file, i == 0)?;
        for (j, a) in r.attempts.iter().enumerate() {
            w.attempt(&mut buf, &Attempt::new(a, &index), j == 0)?;
            if buf.len() >= 1 << 16 {
                out.write_all(&buf).map_err(serde_json::Error::io)?;
                buf.clear();
            }
        }
        w.end_file(&mut buf, &FileTail::from(r), !r.attempts.is_empty())?;
    }
    w.end(&mut buf, !reports.is_empty());
    out.write_all(&buf).map_err(serde_json::Error::io)?;
    out.flush().map_err(serde_json::Error::io)
}

/// The document of `reports` as a JSON value (for redaction, which rewrites
/// values; its keys come out sorted).
pub fn to_value(reports: &[FileReport]) -> serde_json::Result<serde_json::Value> {
    serde_json::to_value(Document::new(reports))
}

/// `files[]`: the analysis of one input file. Its attempts come first: a
/// streamed document writes them while the file is read, and the rest
/// ([`FileTail`]) when it ends.
#[derive(Debug, Serialize)]
pub struct File<'a> {
    pub file: &'a str,
    pub attempts: Vec<Attempt<'a>>,
    #[serde(flatten)]
    pub tail: FileTail<'a>,
}

/// The keys of `files[]` after `attempts`: known when the file ends.
#[derive(Debug, Serialize)]
pub struct FileTail<'a> {
    pub capture: Capture<'a>,
    pub warnings: Vec<Warning<'a>>,
    pub stats: Stats<'a>,
    /// pcapng section and packet comments.
    pub comments: Vec<Comment<'a>>,
    /// Why the input could not be read, else null.
    pub error: Option<&'a str>,
    /// Scan probes folded into one summary; absent when none were folded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<Scan>,
}

/// `scan`: the capture's scan probes (one SYN, no payload) beyond
/// `[limits] scan_fold_after`, counted instead of reported one by one.
#[derive(Debug, Serialize)]
pub struct Scan {
    /// Probe connections (one SYN each), kept and folded.
    pub probes: u64,
    /// The first ones, reported as ordinary connections and attempts.
    pub kept: u64,
    /// Only counted here.
    pub folded: u64,
    pub syn_ack: u64,
    pub rst: u64,
    pub unanswered: u64,
    /// Distinct source and server addresses (lower bounds when capped).
    pub sources: u64,
    pub targets: u64,
    pub sources_capped: bool,
    pub targets_capped: bool,
    /// Server port (as a string key) → probes.
    pub ports: BTreeMap<u16, u64>,
    /// The busiest sources, most probes first.
    pub top_sources: Vec<ScanSource>,
    /// First frame of the earliest probe, last frame of the latest.
    pub first: Option<Frame>,
    pub last: Option<Frame>,
    /// The same as one sentence (what the text report prints).
    pub summary: String,
}

/// `scan.top_sources[]`.
#[derive(Debug, Serialize)]
pub struct ScanSource {
    pub ip: String,
    pub probes: u64,
}

impl From<&ScanSummary> for Scan {
    fn from(s: &ScanSummary) -> Self {
        Scan {
            probes: s.probes,
            kept: s.kept,
            folded: s.folded,
            syn_ack: s.answers.syn_ack,
            rst: s.answers.rst,
            unanswered: s.answers.unanswered,
            sources: s.sources() as u64,
            targets: s.targets() as u64,
            sources_capped: s.sources_capped,
            targets_capped: s.targets_capped,
            ports: s.ports.clone(),
            top_sources: s
                .top_sources()
                .into_iter()
                .map(|(ip, probes)| ScanSource {
                    ip: ip.to_string(),
                    probes,
                })
                .collect(),
            first: opt_frame(s.first),
            last: opt_frame(s.last),
            summary: super::scan_line(s),
        }
    }
}

/// `comments[]`: `{frame, text}`, frame null for a section comment.
#[derive(Debug, Serialize)]
pub struct Comment<'a> {
    pub frame: Option<u64>,
    pub text: &'a str,
}

impl<'a> From<&'a FileReport> for File<'a> {
    fn from(r: &'a FileReport) -> Self {
        let index = RecordIndex::new(r);
        File {
            file: &r.file,
            attempts: r.attempts.iter().map(|a| Attempt::new(a, &index)).collect(),
            tail: r.into(),
        }
    }
}

impl<'a> From<&'a FileReport> for FileTail<'a> {
    fn from(r: &'a FileReport) -> Self {
        FileTail {
            capture: (&r.capture).into(),
            warnings: r.warnings.iter().map(Warning::from).collect(),
            stats: (&r.stats).into(),
            comments: r
                .comments
                .iter()
                .map(|(frame, text)| Comment {
                    frame: *frame,
                    text,
                })
                .collect(),
            error: r.error.as_deref(),
            scan: r.scan.as_ref().map(Scan::from),
        }
    }
}

/// `capture`: what reading the input produced.
#[derive(Debug, Serialize)]
pub struct Capture<'a> {
    pub frames: u64,
    pub bytes: u64,
    pub format: &'a str,
    pub truncated: bool,
    pub first_ts: Option<Time>,
    pub last_ts: Option<Time>,
}

impl<'a> From<&'a ReadSummary> for Capture<'a> {
    fn from(s: &'a ReadSummary) -> Self {
        Capture {
            frames: s.frames,
            bytes: s.bytes,
            format: &s.format,
            truncated: s.truncated,
            first_ts: s.first_ts.map(Time),
            last_ts: s.last_ts.map(Time),
        }
    }
}

/// `warnings[]`.
#[derive(Debug, Serialize)]
pub struct Warning<'a> {
    pub frame: Option<u64>,
    pub message: &'a str,
}

impl<'a> From<&'a CaptureWarning> for Warning<'a> {
    fn from(w: &'a CaptureWarning) -> Self {
        Warning {
            frame: w.frame,
            message: &w.message,
        }
    }
}

/// `stats`: packet and flow counters.
#[derive(Debug, Serialize)]
pub struct Stats<'a> {
    pub packets: u64,
    pub tcp_packets: u64,
    pub udp_packets: u64,
    pub not_tcp_udp: u64,
    pub ip_fragments: u64,
    pub malformed: u64,
    pub duplicate_frames: u64,
    pub tcp_connections: u64,
    pub rdp_connections: u64,
    pub udp_flows: u64,
    /// Server port (as a string key) → connections.
    pub other_tcp_ports: &'a BTreeMap<u16, u64>,
    /// TCP connections finished early because too many were open at once.
    pub flows_evicted_early: u64,
}

impl<'a> From<&'a FlowStats> for Stats<'a> {
    fn from(s: &'a FlowStats) -> Self {
        Stats {
            packets: s.packets,
            tcp_packets: s.tcp_packets,
            udp_packets: s.udp_packets,
            not_tcp_udp: s.not_tcp_udp,
            ip_fragments: s.ip_fragments,
            malformed: s.malformed,
            duplicate_frames: s.duplicate_frames,
            tcp_connections: s.tcp_connections,
            rdp_connections: s.rdp_connections,
            udp_flows: s.udp_flows,
            other_tcp_ports: &s.other_tcp_ports,
            flows_evicted_early: s.flows_evicted_early,
        }
    }
}

/// A capture time: RFC 3339 in UTC with microseconds (a JSON string).
#[derive(Debug, Clone, Copy)]
pub struct Time(pub Ts);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.rfc3339())
    }
}

/// `frameRef`: `{"frame": 42, "time": "…Z"}`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Frame {
    pub frame: u64,
    pub time: Time,
}

impl From<FrameRef> for Frame {
    fn from(f: FrameRef) -> Self {
        Frame {
            frame: f.number,
            time: Time(f.ts),
        }
    }
}

pub(crate) fn frame(f: FrameRef) -> Frame {
    f.into()
}

pub(crate) fn opt_frame(f: Option<FrameRef>) -> Option<Frame> {
    f.map(Frame::from)
}

/// `dir`: "client_to_server" or "server_to_client".
pub(crate) fn dir(d: Dir) -> &'static str {
    match d {
        Dir::ClientToServer => "client_to_server",
        Dir::ServerToClient => "server_to_client",
    }
}

/// `attempts[]`: the verdict of one attempt with its own connection records.
#[derive(Debug, Serialize)]
pub struct Attempt<'a> {
    #[serde(flatten)]
    pub verdict: AttemptVerdict<'a>,
    /// TCP connections first, then UDP flows, in the attempt's id order.
    pub connections: Vec<AttemptConnection<'a>>,
}

impl<'a> Attempt<'a> {
    pub fn new(a: &'a verdict::Attempt, index: &RecordIndex<'a>) -> Self {
        let tcp = a
            .connection_ids
            .iter()
            .filter_map(|id| index.tcp(*id))
            .map(|c| AttemptConnection::Tcp(Box::new(c.into())));
        let udp = a
            .udp_flow_ids
            .iter()
            .filter_map(|id| index.udp(*id))
            .map(|u| {
                AttemptConnection::Udp(Box::new(UdpConnection {
                    transport: "udp",
                    flow: u.into(),
                }))
            });
        Attempt {
            verdict: a.into(),
            connections: tcp.chain(udp).collect(),
        }
    }
}

/// One of `attempts[].connections[]`, told apart by `transport`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum AttemptConnection<'a> {
    // Boxed: the records are large (a TCP one ~3 KiB) and of unequal size.
    Tcp(Box<Connection<'a>>),
    Udp(Box<UdpConnection<'a>>),
}

/// A UDP flow inside an attempt: its `udpFlow` record plus `"transport": "udp"`.
#[derive(Debug, Serialize)]
pub struct UdpConnection<'a> {
    pub transport: &'static str,
    #[serde(flatten)]
    pub flow: UdpFlow<'a>,
}

/// The verdict fields of an attempt (an `attempts[]` entry without its
/// `connections`; the TUI's `s` saves a list of these).
#[derive(Debug, Serialize)]
pub struct AttemptVerdict<'a> {
    pub id: u32,
    pub client: &'a str,
    pub server: &'a str,
    pub start: Frame,
    pub end: Frame,
    pub duration_s: f64,
    pub outcome: &'static str,
    pub failed_stage: Option<&'static str>,
    /// "decrypted", "clear" or "inferred".
    pub evidence_basis: &'a str,
    pub root_cause: Option<Finding<'a>>,
    pub findings: Vec<Finding<'a>>,
    pub stages: Vec<StageMark>,
    pub verdicts: Vec<ConnVerdict>,
    pub connection_ids: &'a [u32],
    pub udp_flow_ids: &'a [u32],
    pub dns: Vec<DnsLookup<'a>>,
}

impl<'a> From<&'a verdict::Attempt> for AttemptVerdict<'a> {
    fn from(a: &'a verdict::Attempt) -> Self {
        AttemptVerdict {
            id: a.id,
            client: &a.client,
            server: &a.server,
            start: frame(a.start),
            end: frame(a.end),
            duration_s: a.duration_s,
            outcome: a.outcome.name(),
            failed_stage: a.failed_stage.map(verdict::Stage::name),
            evidence_basis: a.evidence_basis.name(),
            root_cause: a.root_cause.as_ref().map(Finding::from),
            findings: a.findings.iter().map(Finding::from).collect(),
            stages: a.stages.iter().map(StageMark::from).collect(),
            verdicts: a.verdicts.iter().map(ConnVerdict::from).collect(),
            connection_ids: &a.connection_ids,
            udp_flow_ids: &a.udp_flow_ids,
            dns: a.dns.iter().map(DnsLookup::from).collect(),
        }
    }
}

/// `finding`.
#[derive(Debug, Serialize)]
pub struct Finding<'a> {
    pub id: &'a str,
    pub stage: &'static str,
    pub severity: &'static str,
    pub title: &'a str,
    pub explanation: &'a str,
    pub evidence: Vec<Evidence<'a>>,
    pub remediation: &'a [String],
    pub mstsc_codes: &'a [String],
    pub decisive: bool,
    /// What the client's automatic retry ran into after the root cause.
    pub consequence: bool,
    pub inferred: bool,
    /// "decrypted", "clear" or "inferred".
    pub basis: &'a str,
    pub connection: Option<u32>,
}

impl<'a> From<&'a verdict::Finding> for Finding<'a> {
    fn from(f: &'a verdict::Finding) -> Self {
        Finding {
            id: &f.id,
            stage: f.stage.name(),
            severity: f.severity.name(),
            title: &f.title,
            explanation: &f.explanation,
            evidence: f.evidence.iter().map(Evidence::from).collect(),
            remediation: &f.remediation,
            mstsc_codes: &f.mstsc_codes,
            decisive: f.decisive,
            consequence: f.consequence,
            inferred: f.inferred,
            basis: f.basis.name(),
            connection: f.connection,
        }
    }
}

/// `finding.evidence[]`.
#[derive(Debug, Serialize)]
pub struct Evidence<'a> {
    pub frame: u64,
    pub time: &'a str,
    pub detail: &'a str,
}

impl<'a> From<&'a verdict::Evidence> for Evidence<'a> {
    fn from(e: &'a verdict::Evidence) -> Self {
        Evidence {
            frame: e.frame,
            time: &e.time,
            detail: &e.detail,
        }
    }
}

/// `stageMark`: one line of the ladder.
#[derive(Debug, Serialize)]
pub struct StageMark {
    pub stage: &'static str,
    pub ok: bool,
    pub frame: Option<Frame>,
}

impl From<&verdict::StageMark> for StageMark {
    fn from(m: &verdict::StageMark) -> Self {
        StageMark {
            stage: m.stage.name(),
            ok: m.ok,
            frame: opt_frame(m.frame),
        }
    }
}

/// `verdicts[]`: the verdict of one connection.
#[derive(Debug, Serialize)]
pub struct ConnVerdict {
    pub connection: u32,
    pub outcome: &'static str,
    pub failed_stage: Option<&'static str>,
    pub stages: Vec<StageMark>,
}

impl From<&verdict::ConnVerdict> for ConnVerdict {
    fn from(v: &verdict::ConnVerdict) -> Self {
        ConnVerdict {
            connection: v.connection,
            outcome: v.outcome.name(),
            failed_stage: v.failed_stage.map(verdict::Stage::name),
            stages: v.stages.iter().map(StageMark::from).collect(),
        }
    }
}

/// `dnsLookup`: one DNS question and its answer.
#[derive(Debug, Serialize)]
pub struct DnsLookup<'a> {
    pub query: Frame,
    pub name: &'a str,
    pub qtype: String,
    pub response: Option<Frame>,
    pub rcode: Option<String>,
    pub answers: &'a [String],
}

impl<'a> From<&'a SessionDns> for DnsLookup<'a> {
    fn from(l: &'a SessionDns) -> Self {
        DnsLookup {
            query: frame(l.query),
            name: &l.name,
            qtype: l.qtype.to_string(),
            response: opt_frame(l.response),
            rcode: l.rcode.map(|r| r.to_string()),
            answers: &l.answers,
        }
    }
}

/// `udpFlow`: one RDP-UDP or DNS flow.
#[derive(Debug, Serialize)]
pub struct UdpFlow<'a> {
    pub id: u32,
    pub kind: &'static str,
    /// `address:port` (serde's rendering of a socket address).
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub first: Frame,
    pub last: Frame,
    pub packets: [u64; 2],
    pub bytes: [u64; 2],
    pub rdpudp: Option<RdpUdp<'a>>,
    pub dns: Vec<DnsLookup<'a>>,
}

impl<'a> From<&'a UdpRecord> for UdpFlow<'a> {
    fn from(u: &'a UdpRecord) -> Self {
        let f: &FlowUdp = &u.flow;
        UdpFlow {
            id: f.id,
            kind: match f.kind {
                UdpKind::RdpUdp => "rdp_udp",
                UdpKind::Dns => "dns",
                UdpKind::Kerberos => "kerberos",
            },
            client: f.client,
            server: f.server,
            first: frame(f.first),
            last: frame(f.last),
            packets: f.packets,
            bytes: f.bytes,
            rdpudp: u.rdpudp.as_ref().map(RdpUdp::from),
            dns: u.dns.iter().map(DnsLookup::from).collect(),
        }
    }
}

/// `udpFlow.rdpudp`: the RDP-UDP handshake.
#[derive(Debug, Serialize)]
pub struct RdpUdp<'a> {
    pub syn_frames: &'a [u64],
    pub synack_frame: Option<Frame>,
    pub version: Option<&'a str>,
    pub upstream_mtu: Option<u16>,
    pub downstream_mtu: Option<u16>,
    pub data_packets: u64,
}

impl<'a> From<&'a RdpUdpFacts> for RdpUdp<'a> {
    fn from(r: &'a RdpUdpFacts) -> Self {
        RdpUdp {
            syn_frames: &r.syn_frames,
            synack_frame: opt_frame(r.synack_frame),
            version: r.version.as_deref(),
            upstream_mtu: r.upstream_mtu,
            downstream_mtu: r.downstream_mtu,
            data_packets: r.data_packets,
        }
    }
}
