//! TCP health facts of one connection: handshake, closes and who sent them,
//! retransmissions told apart from duplicated frames, dup ACKs, zero windows,
//! RTT, MSS, MTU black-hole evidence, idle gaps.

use super::reassembly::SegmentClass;
use crate::net::TcpInfo;
use crate::wire::{Dir, FrameRef, Ts};

/// How a side closed a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseKind {
    Fin,
    Rst,
}

impl CloseKind {
    /// The name `rdpdiag/2` writes ("fin", "rst").
    pub fn as_str(self) -> &'static str {
        match self {
            CloseKind::Fin => "fin",
            CloseKind::Rst => "rst",
        }
    }
}

/// "FIN" / "RST", as evidence and the text report write it.
impl std::fmt::Display for CloseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CloseKind::Fin => "FIN",
            CloseKind::Rst => "RST",
        })
    }
}

/// Keep at most this many frame numbers per evidence list.
pub const MAX_EVIDENCE: usize = 32;

fn push_bounded(v: &mut Vec<u64>, n: u64) {
    if v.len() < MAX_EVIDENCE {
        v.push(n);
    }
}

/// How the three-way handshake went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handshake {
    /// SYN, SYN-ACK and the client's ACK (or data) were seen.
    Completed,
    /// SYN and SYN-ACK seen, but the client never acknowledged.
    SynAckUnanswered,
    /// Only SYNs from the client.
    SynUnanswered,
    /// The server answered the SYN with a RST.
    RstToSyn,
    /// The capture starts after the handshake.
    NotSeen,
}

/// A FIN or RST and its context.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CloseEvent {
    pub frame: FrameRef,
    /// Seconds since the last payload byte this side sent (None if it sent none).
    pub after_own_payload_s: Option<f64>,
    /// Seconds since the last payload byte the peer sent.
    pub after_peer_payload_s: Option<f64>,
    /// For RST: its TTL differs from this side's normal packets (likely injected by a middlebox).
    pub suspicious_origin: bool,
    /// TTL of the packet, for evidence.
    pub ttl: u8,
    /// Packets this side had sent since the peer's last packet, before this one
    /// (unanswered keep-alives or retransmissions when the peer went silent).
    pub unanswered_before: u32,
    /// Seconds since the peer's last packet of any kind.
    pub peer_silent_s: Option<f64>,
    /// The packet carried the ACK flag. A bare RST (no ACK) answering a
    /// data segment is what a packet filter's REJECT sends (RFC 793 reset
    /// generation for a segment that carried ACK); a host's stack closing
    /// its own connection sends RST|ACK.
    pub ack_flag: bool,
    /// Every payload byte the peer had sent was acknowledged by this side
    /// (before or with this packet); None when the peer sent none.
    pub peer_data_acked: Option<bool>,
}

/// A large segment retransmitted and never acknowledged (MTU black-hole evidence).
#[derive(Debug, Clone, PartialEq)]
pub struct BigRetransmit {
    pub offset: u64,
    pub len: u32,
    pub count: u32,
    pub frames: Vec<u64>,
    pub acked: bool,
}

/// Per-direction counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirHealth {
    pub packets: u64,
    pub payload_bytes: u64,
    pub retransmissions: u32,
    pub retransmitted_bytes: u64,
    pub retransmission_frames: Vec<u64>,
    pub out_of_order: u32,
    pub dup_acks: u32,
    pub zero_window: u32,
    pub zero_window_frames: Vec<u64>,
    /// MSS announced in this side's SYN.
    pub mss: Option<u16>,
    /// Largest payload this side sent in one segment.
    pub max_segment: u32,
    pub fin: Option<CloseEvent>,
    pub rst: Option<CloseEvent>,
    pub first_payload: Option<FrameRef>,
    pub last_payload: Option<FrameRef>,
    /// Bytes the capture never saw (gaps skipped by reassembly).
    pub capture_gap_bytes: u64,
    pub big_retransmits: Vec<BigRetransmit>,
    /// This side's last packet of any kind.
    pub(crate) last_seen: Option<FrameRef>,
    /// Packets this side sent since the peer's last packet.
    pub(crate) sent_since_peer: u32,
    /// Lowest and highest IP TTL of this side's non-RST packets.
    pub(crate) ttl_range: Option<(u8, u8)>,
    pub(crate) last_ip_id: Option<u16>,
    pub(crate) last_ack: Option<(u32, u16)>,
    pub(crate) highest_ack_rel: u64,
    /// When this side's highest stream bytes so far were seen.
    pub(crate) highest_at: Option<Ts>,
}

/// What [`TcpHealth::on_packet`] saw before counting a packet, for its close event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival {
    /// The peer's last packet of any kind.
    peer_last_seen: Option<FrameRef>,
    /// Packets this side had sent since the peer's last packet.
    unanswered_before: u32,
}

/// Whether a RST with IP TTL `ttl` did not come from the host that sent a
/// side's other packets, whose TTLs spanned `range` (lowest, highest). Packets
/// from one host over one path all arrive with the same TTL (its initial TTL
/// minus the hop count), so a RST outside that value was sent by a device at
/// another distance: a firewall or IPS forging it in the host's name. One hop
/// of difference counts only when the side's TTL never varied; if it did
/// (a route change, a load balancer), the RST must be at least two hops off.
fn forged_ttl(range: (u8, u8), ttl: u8) -> bool {
    let (lo, hi) = range;
    let off = if ttl < lo {
        lo - ttl
    } else {
        ttl.saturating_sub(hi)
    };
    off >= 2 || (off == 1 && lo == hi)
}

/// Health facts of one TCP connection.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpHealth {
    pub handshake: Handshake,
    pub syn_frames: Vec<u64>,
    pub synack_frames: Vec<u64>,
    /// SYN→SYN-ACK seconds (the RTT seen from a client-side capture).
    pub handshake_rtt_s: Option<f64>,
    /// Frames that appear twice in the capture (identical copies), ignored by the analysis.
    pub duplicate_frames: u32,
    pub client: DirHealth,
    pub server: DirHealth,
    /// Longest silence between two packets of the connection, up to its first
    /// FIN or RST: (seconds, frame before, frame after).
    pub longest_idle: Option<(f64, u64, u64)>,
    /// Who closed first (FIN or RST), if anyone.
    pub closed_by: Option<Dir>,
    /// How the first close happened.
    pub close_kind: Option<CloseKind>,
    pub(crate) first_syn: Option<FrameRef>,
}

impl Default for TcpHealth {
    fn default() -> Self {
        TcpHealth {
            handshake: Handshake::NotSeen,
            syn_frames: Vec::new(),
            synack_frames: Vec::new(),
            handshake_rtt_s: None,
            duplicate_frames: 0,
            client: DirHealth::default(),
            server: DirHealth::default(),
            longest_idle: None,
            closed_by: None,
            close_kind: None,
            first_syn: None,
        }
    }
}

impl TcpHealth {
    /// The counters of one direction.
    pub fn dir(&self, d: Dir) -> &DirHealth {
        match d {
            Dir::ClientToServer => &self.client,
            Dir::ServerToClient => &self.server,
        }
    }
    pub(crate) fn dir_mut(&mut self, d: Dir) -> &mut DirHealth {
        match d {
            Dir::ClientToServer => &mut self.client,
            Dir::ServerToClient => &mut self.server,
        }
    }

    /// Real retransmissions in both directions (duplicated frames excluded).
    pub fn retransmissions(&self) -> u32 {
        self.client.retransmissions + self.server.retransmissions
    }

    /// The SYN retransmissions (SYNs beyond the first).
    pub fn syn_retransmits(&self) -> u32 {
        (self.syn_frames.len() as u32).saturating_sub(1)
    }

    /// A packet of `dir` arrived (not a duplicated frame), `prev` being the
    /// connection's packet before it: idle gap and per-direction counters.
    /// Returns what a FIN or RST in this packet needs to know about before it.
    pub(crate) fn on_packet(
        &mut self,
        dir: Dir,
        prev: FrameRef,
        frame: FrameRef,
        ttl: u8,
        ip_id: Option<u16>,
        rst: bool,
    ) -> Arrival {
        // Idle gaps, up to and including the first FIN or RST: a silence after
        // one side has closed or aborted is not a stall of a live connection.
        let idle = frame.ts.since(prev.ts);
        if self.closed_by.is_none() && idle > self.longest_idle.map_or(0.0, |x| x.0) {
            self.longest_idle = Some((idle, prev.number, frame.number));
        }
        let arrival = Arrival {
            peer_last_seen: self.dir(dir.flip()).last_seen,
            unanswered_before: self.dir(dir).sent_since_peer,
        };
        self.dir_mut(dir.flip()).sent_since_peer = 0;
        let dh = self.dir_mut(dir);
        dh.packets += 1;
        dh.sent_since_peer = dh.sent_since_peer.saturating_add(1);
        dh.last_seen = Some(frame);
        if !rst {
            dh.ttl_range = Some(match dh.ttl_range {
                Some((lo, hi)) => (lo.min(ttl), hi.max(ttl)),
                None => (ttl, ttl),
            });
            dh.last_ip_id = ip_id;
        }
        arrival
    }

    /// A SYN (without ACK). Returns true for the connection's first SYN.
    pub(crate) fn on_syn(&mut self, frame: FrameRef, mss: Option<u16>) -> bool {
        let first = self.first_syn.is_none();
        if first {
            self.first_syn = Some(frame);
            self.handshake = Handshake::SynUnanswered;
        }
        push_bounded(&mut self.syn_frames, frame.number);
        self.client.mss = mss.or(self.client.mss);
        first
    }

    /// A SYN-ACK.
    pub(crate) fn on_syn_ack(&mut self, frame: FrameRef, mss: Option<u16>) {
        push_bounded(&mut self.synack_frames, frame.number);
        if self.handshake_rtt_s.is_none() {
            self.handshake_rtt_s = self.first_syn.map(|s| frame.ts.since(s.ts));
        }
        // RstToSyn: a retried SYN (same ISN) was finally accepted.
        if matches!(
            self.handshake,
            Handshake::SynUnanswered | Handshake::NotSeen | Handshake::RstToSyn
        ) {
            self.handshake = Handshake::SynAckUnanswered;
        }
        self.server.mss = mss.or(self.server.mss);
    }

    /// An ACK from the client that is not a SYN: it completes a handshake
    /// waiting for it.
    pub(crate) fn on_client_ack(&mut self) {
        if self.handshake == Handshake::SynAckUnanswered {
            self.handshake = Handshake::Completed;
        }
    }

    /// A FIN or RST (`rst`) from `dir`, with IP TTL `ttl`; `arrival` is what
    /// [`TcpHealth::on_packet`] returned for it. Returns true when the
    /// connection is now closed (a RST, or a FIN from both sides).
    pub(crate) fn on_close(
        &mut self,
        dir: Dir,
        frame: FrameRef,
        rst: bool,
        ttl: u8,
        arrival: Arrival,
        acks: (bool, Option<bool>),
    ) -> bool {
        let since = |f: Option<FrameRef>| f.map(|f| frame.ts.since(f.ts));
        let own = self.dir(dir);
        let ev = CloseEvent {
            frame,
            after_own_payload_s: since(own.last_payload),
            after_peer_payload_s: since(self.dir(dir.flip()).last_payload),
            suspicious_origin: rst && own.ttl_range.is_some_and(|r| forged_ttl(r, ttl)),
            ttl,
            unanswered_before: arrival.unanswered_before,
            peer_silent_s: since(arrival.peer_last_seen),
            ack_flag: acks.0,
            peer_data_acked: acks.1,
        };
        if rst {
            if dir == Dir::ServerToClient
                && matches!(self.handshake, Handshake::SynUnanswered)
                && self.synack_frames.is_empty()
            {
                self.handshake = Handshake::RstToSyn;
            }
            self.dir_mut(dir).rst.get_or_insert(ev);
        } else {
            self.dir_mut(dir).fin.get_or_insert(ev);
        }
        if self.closed_by.is_none() {
            self.closed_by = Some(dir);
            self.close_kind = Some(if rst { CloseKind::Rst } else { CloseKind::Fin });
        }
        rst || (self.client.fin.is_some() && self.server.fin.is_some())
    }

    /// Window and ACK facts of a segment: zero windows, duplicate ACKs.
    pub(crate) fn on_flags(&mut self, dir: Dir, t: &TcpInfo, frame: u64) {
        if !t.syn && !t.rst && t.window == 0 {
            self.note_zero_window(dir, frame);
        }
        if t.ack_flag && !t.syn && !t.rst && !t.fin && t.payload_len == 0 {
            let dh = self.dir_mut(dir);
            if dh.last_ack == Some((t.ack, t.window)) {
                dh.dup_acks += 1;
            }
            dh.last_ack = Some((t.ack, t.window));
        }
    }

    /// `peer`'s data up to stream offset `acked` was acknowledged: big
    /// segments below it were delivered after all.
    pub(crate) fn on_peer_acked(&mut self, peer: Dir, acked: u64) {
        let ph = self.dir_mut(peer);
        ph.highest_ack_rel = ph.highest_ack_rel.max(acked);
        for b in &mut ph.big_retransmits {
            if acked >= b.offset + b.len as u64 {
                b.acked = true;
            }
        }
    }

    /// A segment of `dir` carrying `len` payload bytes.
    pub(crate) fn on_payload(&mut self, dir: Dir, frame: FrameRef, len: u32) {
        let dh = self.dir_mut(dir);
        dh.first_payload.get_or_insert(frame);
        dh.last_payload = Some(frame);
        dh.payload_bytes += len as u64;
        dh.max_segment = dh.max_segment.max(len);
    }

    /// What reassembly made of a payload segment of `dir` (`len` bytes at
    /// stream `offset`): retransmissions, big ones, holes filled.
    pub(crate) fn on_segment(
        &mut self,
        dir: Dir,
        class: SegmentClass,
        frame: FrameRef,
        len: u32,
        offset: u64,
    ) {
        let frame_ts = frame.ts;
        let frame = frame.number;
        match class {
            SegmentClass::Retransmission | SegmentClass::PartialOverlap => {
                self.note_retransmission(dir, frame, len);
                let max_seg = self.dir(dir).max_segment;
                if len >= 1000 && len * 10 >= max_seg * 9 {
                    self.note_big_retransmit(dir, offset, len, frame);
                }
            }
            // A hole filled long after the highest bytes: the original was
            // lost before the capture point and this is the sender's
            // retransmission. tshark (packet-tcp.c) tells it from reordering
            // the same way: out of order only within the first RTT (3 ms when
            // unknown) of the highest segment.
            SegmentClass::FillsHole => {
                let threshold = self.handshake_rtt_s.unwrap_or(0.003);
                let late = self
                    .dir(dir)
                    .highest_at
                    .is_some_and(|at| frame_ts.since(at) >= threshold);
                if late {
                    self.note_retransmission(dir, frame, len);
                } else {
                    self.dir_mut(dir).out_of_order += 1;
                }
            }
            SegmentClass::InOrder | SegmentClass::Ahead => {
                self.dir_mut(dir).highest_at = Some(frame_ts);
            }
            _ => {}
        }
    }

    pub(crate) fn note_retransmission(&mut self, d: Dir, frame: u64, len: u32) {
        let h = self.dir_mut(d);
        h.retransmissions += 1;
        h.retransmitted_bytes += len as u64;
        push_bounded(&mut h.retransmission_frames, frame);
    }

    pub(crate) fn note_zero_window(&mut self, d: Dir, frame: u64) {
        let h = self.dir_mut(d);
        h.zero_window += 1;
        push_bounded(&mut h.zero_window_frames, frame);
    }

    pub(crate) fn note_big_retransmit(&mut self, d: Dir, offset: u64, len: u32, frame: u64) {
        let h = self.dir_mut(d);
        if let Some(b) = h.big_retransmits.iter_mut().find(|b| b.offset == offset) {
            b.count += 1;
            push_bounded(&mut b.frames, frame);
        } else if h.big_retransmits.len() < MAX_EVIDENCE {
            h.big_retransmits.push(BigRetransmit {
                offset,
                len,
                count: 1,
                frames: vec![frame],
                acked: false,
            });
        }
    }

    /// MTU black-hole evidence: a full-size segment of `d` retransmitted at
    /// least twice and never acknowledged.
    pub fn black_hole(&self, d: Dir) -> Option<&BigRetransmit> {
        self.dir(d)
            .big_retransmits
            .iter()
            .find(|b| !b.acked && b.count >= 2)
    }
}

#[cfg(test)]
mod ttl_tests {
    use super::forged_ttl;

    #[test]
    fn forged_ttl_needs_a_steady_side_for_one_hop() {
        // lab/extra_captures.sh middlebox_rst_*: server packets 63, router RST 64
        assert!(forged_ttl((63, 63), 64));
        assert!(!forged_ttl((63, 63), 63));
        assert!(!forged_ttl((62, 63), 64));
        assert!(forged_ttl((62, 63), 65));
        assert!(forged_ttl((118, 118), 64));
    }
}

#[cfg(test)]
mod tests {
    use super::TcpHealth;
    use crate::flow::reassembly::SegmentClass;
    use crate::wire::{Dir, FrameRef, Ts};

    fn at(number: u64, ms: i64) -> FrameRef {
        FrameRef {
            number,
            ts: Ts(ms * 1_000_000),
        }
    }

    #[test]
    fn a_hole_filled_after_the_rtt_is_a_retransmission() {
        // captures/slow_link_ok.pcap (client view, RTT ~300 ms): the server's
        // segment at seq 60369 was lost before the capture point; frame 141
        // fills the hole ~1 s after the segments beyond it: tshark's
        // [TCP Retransmission].
        let mut h = TcpHealth {
            handshake_rtt_s: Some(0.3),
            ..TcpHealth::default()
        };
        let s = Dir::ServerToClient;
        h.on_segment(s, SegmentClass::Ahead, at(135, 5_700), 1448, 61_000);
        h.on_segment(s, SegmentClass::FillsHole, at(141, 6_751), 1448, 59_500);
        assert_eq!(h.server.retransmission_frames, [141]);
        assert_eq!(h.server.out_of_order, 0);
        // Within the RTT it is reordering.
        h.on_segment(s, SegmentClass::Ahead, at(150, 7_000), 1448, 70_000);
        h.on_segment(s, SegmentClass::FillsHole, at(151, 7_001), 1448, 68_500);
        assert_eq!(h.server.out_of_order, 1);
        assert_eq!(h.server.retransmissions, 1);
    }
}
