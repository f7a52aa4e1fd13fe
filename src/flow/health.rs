//! TCP health facts of one connection: handshake, closes and who sent them,
//! retransmissions told apart from duplicated frames, dup ACKs, zero windows,
//! RTT, MSS, MTU black-hole evidence, idle gaps.

use crate::wire::{Dir, FrameRef};

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
    /// How the first close happened: "fin" or "rst".
    pub close_kind: Option<&'static str>,
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
