//! Scan probes folded into one summary per capture.
//!
//! An internet-facing RDP server sees scanners all day: each probe is a TCP
//! connection to an RDP port that sends one SYN, maybe gets a SYN-ACK or a
//! RST, and never carries a byte. Kept as connection records (~4 KiB each,
//! until the end of the file) and judged as attempts, a million of them took
//! 8 GB. Beyond [`DEFAULT_SCAN_FOLD_AFTER`] such probes in a capture, the
//! session layer counts them here as they close instead of keeping a record.
//!
//! What counts as a probe ([`is_probe`]) is narrow on purpose, so that a real
//! failing try is never swallowed: exactly one SYN from the client (an
//! operating system retransmits an unanswered SYN after a second; scanners
//! such as masscan, zmap or nmap -sS send one), no payload in either
//! direction, no capture gap, the handshake seen from its SYN. A probe from a
//! client whose RDP traffic carried payload earlier in the capture is never
//! folded (it is that user's retry), and the first `fold_after` probes of the
//! capture are always kept as ordinary records: a capture with a handful of
//! refused or unanswered SYNs is reported exactly as before.

use crate::flow::{Handshake, TcpConn};
use crate::wire::FrameRef;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

/// Default of [`super::SessionConfig::scan_fold_after`]: probes kept as
/// ordinary records before the rest of a capture's probes are only counted.
pub const DEFAULT_SCAN_FOLD_AFTER: u64 = 1000;

/// Distinct sources (and targets) counted exactly up to this many; beyond,
/// the count is a lower bound (`sources_capped`, `targets_capped`). Bounds the summary's own
/// memory under a flood from random addresses (~3 MB).
pub const DISTINCT_CAP: usize = 65_536;

/// Sources listed by name in the summary, the busiest first.
const TOP_SOURCES: usize = 5;

/// How many probes got each answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProbeAnswers {
    /// The server answered with a SYN-ACK (the port is open), whether or
    /// not the prober completed the handshake.
    pub syn_ack: u64,
    /// The server (or a firewall) answered with a RST (the port is closed).
    pub rst: u64,
    /// No answer in the capture.
    pub unanswered: u64,
}

/// The probes of one capture (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct ScanSummary {
    /// Probe connections seen (one SYN each), kept and folded.
    pub probes: u64,
    /// The first of them, kept as ordinary connection records (and attempts).
    pub kept: u64,
    /// Only counted here: no record, no attempt.
    pub folded: u64,
    pub answers: ProbeAnswers,
    /// Probes per source address (exact up to [`DISTINCT_CAP`] sources).
    sources: HashMap<IpAddr, u64>,
    /// Probed server addresses (exact up to [`DISTINCT_CAP`]).
    targets: HashSet<IpAddr>,
    /// Probes per server port.
    pub ports: BTreeMap<u16, u64>,
    /// Some source was not counted because the cap was reached.
    pub sources_capped: bool,
    /// Some target was not counted because the cap was reached.
    pub targets_capped: bool,
    /// The first frame of the earliest probe and the last frame of the
    /// latest one seen (evidence for the summary).
    pub first: Option<FrameRef>,
    pub last: Option<FrameRef>,
}

impl ScanSummary {
    /// Distinct source addresses (a lower bound when [`Self::sources_capped`]).
    pub fn sources(&self) -> usize {
        self.sources.len()
    }

    /// Distinct server addresses probed (a lower bound when capped).
    pub fn targets(&self) -> usize {
        self.targets.len()
    }

    /// The busiest sources and their probe counts, most first (ties by address).
    pub fn top_sources(&self) -> Vec<(IpAddr, u64)> {
        let mut v: Vec<(IpAddr, u64)> = self.sources.iter().map(|(a, n)| (*a, *n)).collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(TOP_SOURCES);
        v
    }

    /// Count one probe; `kept` says whether it also became a record.
    pub(crate) fn add(&mut self, c: &TcpConn, kept: bool) {
        self.probes += 1;
        if kept {
            self.kept += 1;
        } else {
            self.folded += 1;
        }
        match c.health.handshake {
            Handshake::RstToSyn => self.answers.rst += 1,
            Handshake::SynUnanswered => self.answers.unanswered += 1,
            _ => self.answers.syn_ack += 1,
        }
        let src = c.client.ip();
        if let Some(n) = self.sources.get_mut(&src) {
            *n += 1;
        } else if self.sources.len() < DISTINCT_CAP {
            self.sources.insert(src, 1);
        } else {
            self.sources_capped = true;
        }
        let dst = c.server.ip();
        if !self.targets.contains(&dst) {
            if self.targets.len() < DISTINCT_CAP {
                self.targets.insert(dst);
            } else {
                self.targets_capped = true;
            }
        }
        *self.ports.entry(c.server.port()).or_default() += 1;
        if self.first.is_none_or(|f| c.first.number < f.number) {
            self.first = Some(c.first);
        }
        if self.last.is_none_or(|l| c.last.number > l.number) {
            self.last = Some(c.last);
        }
    }
}

/// A connection that looks like a scan probe: one SYN from the client, no
/// payload either way, no capture gap, its handshake seen from the SYN (see
/// the module doc for why each condition).
pub(crate) fn is_probe(c: &TcpConn) -> bool {
    let h = &c.health;
    let answered_or_not = matches!(
        h.handshake,
        Handshake::SynUnanswered
            | Handshake::RstToSyn
            | Handshake::SynAckUnanswered
            | Handshake::Completed
    );
    answered_or_not
        && h.syn_frames.len() == 1
        && [&h.client, &h.server]
            .iter()
            .all(|d| d.payload_bytes == 0 && d.capture_gap_bytes == 0)
}
