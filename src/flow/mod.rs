//! Flows: TCP connections and UDP flows keyed by their 4-tuple,
//! per-direction reassembly and TCP health.
//!
//! The [`FlowTable`] is fed decoded packets in capture order and pushes
//! reassembled stream bytes (with the frame that carried each byte) and
//! finished connections into a [`FlowSink`]. Closed and idle flows are
//! evicted, so memory is bounded by the number of live flows, not by the
//! file size.

pub mod health;
pub mod reassembly;

use crate::net::{Packet, TcpInfo, Transport};
use crate::wire::Ts;
use crate::wire::{Dir, FrameRef};
pub use health::{Handshake, TcpHealth};
pub use reassembly::{Delivery, Reassembler, SegmentClass};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

/// Settings of the flow engine.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    /// TCP ports whose connections are RDP (default 3389).
    pub rdp_ports: Vec<u16>,
    /// UDP ports carrying RDP-UDP (default 3389).
    pub udp_ports: Vec<u16>,
    /// Bytes held out of order per direction before a hole is skipped.
    pub pending_limit: usize,
    /// Seconds (capture time) after which a closed connection is evicted.
    pub closed_linger_s: f64,
    /// Seconds of silence after which an open connection is evicted.
    pub idle_evict_s: f64,
    /// [`FlowConfig::closed_linger_s`] for TCP connections that are not RDP:
    /// they yield no record, only late packets to absorb, so they go sooner
    /// (a busy link or a port scan closes thousands per second).
    pub other_linger_s: f64,
    /// [`FlowConfig::idle_evict_s`] for TCP connections that are not RDP.
    pub other_idle_evict_s: f64,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            rdp_ports: vec![3389],
            udp_ports: vec![3389],
            pending_limit: reassembly::DEFAULT_PENDING_LIMIT,
            closed_linger_s: 30.0,
            idle_evict_s: 1800.0,
            other_linger_s: 2.0,
            other_idle_evict_s: 300.0,
        }
    }
}

/// How the client/server roles of a connection were decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSource {
    /// The client sent the SYN.
    Syn,
    /// Mid-stream: the server is the side on an RDP port.
    Port,
    /// Mid-stream: the client sent the X.224 Connection Request.
    Tpkt,
    /// Mid-stream, no other clue: the first sender is taken as the client.
    FirstPacket,
}

/// Why a TCP connection is treated as RDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdpReason {
    /// The server port is an RDP port.
    Port,
    /// The client's first bytes are a TPKT/X.224 Connection Request.
    ConnectionRequest,
}

/// Identical packet signature used to recognise duplicated frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sig {
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
    len: u32,
    ip_id: Option<u16>,
}

const RECENT: usize = 16;

/// One TCP connection.
#[derive(Debug)]
pub struct TcpConn {
    /// Unique within one analysis, in order of first packet.
    pub id: u32,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub roles: RoleSource,
    /// Why this connection is RDP; None for other TCP.
    pub rdp: Option<RdpReason>,
    pub first: FrameRef,
    pub last: FrameRef,
    pub health: TcpHealth,
    streams: [Reassembler; 2],
    /// Recent packet signatures per direction, with when they were seen and
    /// how many packets the peer had sent by then.
    recent: [Vec<(Sig, Ts, u64)>; 2],
    client_payload_segments: u32,
    /// Sequence number of the client's first SYN.
    syn_seq: Option<u32>,
    /// True once a FIN from both sides or a RST was seen.
    pub closed: bool,
}

impl TcpConn {
    /// Total packets (duplicated frames excluded).
    pub fn packets(&self) -> u64 {
        self.health.client.packets + self.health.server.packets
    }
    /// Reassembly state of one direction (for progress and gap facts).
    pub fn stream(&self, d: Dir) -> &Reassembler {
        &self.streams[d.idx()]
    }
    fn dir_of(&self, src: SocketAddr) -> Dir {
        if src == self.client {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        }
    }
}

/// What kind of UDP flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpKind {
    RdpUdp,
    Dns,
}

/// One UDP flow (RDP-UDP or DNS).
#[derive(Debug, Clone)]
pub struct UdpFlow {
    pub id: u32,
    pub kind: UdpKind,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub first: FrameRef,
    pub last: FrameRef,
    pub packets: [u64; 2],
    pub bytes: [u64; 2],
}

/// Receives what the flow table produces.
pub trait FlowSink {
    /// Reassembled bytes or a gap, in stream order, for an RDP connection.
    fn tcp_data(&mut self, conn: &TcpConn, dir: Dir, delivery: Delivery<'_>);
    /// A TCP connection is finished (closed and lingered, idle, or end of input).
    fn tcp_closed(&mut self, conn: TcpConn);
    /// One datagram of an RDP-UDP or DNS flow.
    fn udp(&mut self, flow: &UdpFlow, dir: Dir, frame: FrameRef, payload: &[u8]);
    /// A UDP flow is finished.
    fn udp_closed(&mut self, flow: UdpFlow);
}

/// Counters over all packets.
#[derive(Debug, Clone, Default)]
pub struct FlowStats {
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
    /// Server ports of non-RDP TCP connections, most common first (bounded).
    pub other_tcp_ports: BTreeMap<u16, u64>,
}

/// A flow's two endpoints, lower first, packed so hashing is one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key([u8; 38]);

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write(&self.0);
    }
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

fn pack(out: &mut [u8], a: SocketAddr) {
    match a.ip() {
        std::net::IpAddr::V4(v4) => {
            out[0] = 4;
            out[1..5].copy_from_slice(&v4.octets());
        }
        std::net::IpAddr::V6(v6) => {
            out[0] = 6;
            out[1..17].copy_from_slice(&v6.octets());
        }
    }
    out[17..19].copy_from_slice(&a.port().to_be_bytes());
}

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut k = [0u8; 38];
    pack(&mut k[..19], lo);
    pack(&mut k[19..], hi);
    Key(k)
}

/// Looks like a TPKT-wrapped X.224 Connection Request (RFC 1006 + X.224 CR, code 0xE0).
pub fn looks_like_connection_request(p: &[u8]) -> bool {
    p.len() >= 11
        && p[0] == 3
        && p[1] == 0
        && u16::from_be_bytes([p[2], p[3]]) as usize >= 11
        && p[5] & 0xF0 == 0xE0
        && (p[4] as usize) + 5 <= u16::from_be_bytes([p[2], p[3]]) as usize
}

/// Live state of a [`FlowTable`]: see [`FlowTable::usage`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowUsage {
    /// Open TCP connections.
    pub tcp: usize,
    /// Open UDP flows.
    pub udp: usize,
    /// Bytes held out of order, all connections.
    pub pending_bytes: usize,
    /// Segments held out of order, all connections.
    pub pending_segments: usize,
}

/// Open TCP connections above which the table sweeps every second.
const PRESSURE_FLOWS: usize = 16_384;

/// The flow table.
pub struct FlowTable {
    cfg: FlowConfig,
    /// Boxed: a connection is ~1 KiB, and the table rehashes as it grows.
    tcp: HashMap<Key, Box<TcpConn>>,
    udp: HashMap<Key, UdpFlow>,
    next_id: u32,
    last_sweep: Option<Ts>,
    pub stats: FlowStats,
}

impl FlowTable {
    pub fn new(cfg: FlowConfig) -> Self {
        FlowTable {
            cfg,
            tcp: HashMap::new(),
            udp: HashMap::new(),
            next_id: 0,
            last_sweep: None,
            stats: FlowStats::default(),
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &FlowConfig {
        &self.cfg
    }

    /// Open TCP connections (for live views).
    pub fn tcp_conns(&self) -> impl Iterator<Item = &TcpConn> {
        self.tcp.values().map(|c| &**c)
    }

    /// What the table holds now (memory accounting for tests and benchmarks).
    pub fn usage(&self) -> FlowUsage {
        let mut u = FlowUsage {
            tcp: self.tcp.len(),
            udp: self.udp.len(),
            ..FlowUsage::default()
        };
        for c in self.tcp.values() {
            for s in &c.streams {
                u.pending_bytes += s.pending_bytes();
                u.pending_segments += s.pending_segments();
            }
        }
        u
    }

    /// The open TCP connection between two endpoints (either order), if any.
    pub fn tcp_conn(&self, a: SocketAddr, b: SocketAddr) -> Option<&TcpConn> {
        self.tcp.get(&key(a, b)).map(|c| &**c)
    }

    /// Evict closed and idle flows as of `now` (wall clock in live capture,
    /// where no packet may arrive to trigger the sweep `process` does).
    pub fn sweep(&mut self, now: Ts, sink: &mut dyn FlowSink) {
        self.last_sweep = None;
        self.maybe_sweep(now, sink);
    }

    /// Count a frame that did not decode to a packet.
    pub fn count_skip(&mut self, skip: crate::net::Skip) {
        self.stats.packets += 1;
        match skip {
            crate::net::Skip::Fragment => self.stats.ip_fragments += 1,
            crate::net::Skip::Malformed => self.stats.malformed += 1,
            crate::net::Skip::NotTcpUdp => self.stats.not_tcp_udp += 1,
        }
    }

    /// Feed one packet.
    pub fn process(&mut self, pkt: &Packet<'_>, sink: &mut dyn FlowSink) {
        self.stats.packets += 1;
        let frame = FrameRef {
            number: pkt.frame,
            ts: pkt.ts,
        };
        match pkt.transport {
            Transport::Tcp(t, payload) => {
                self.stats.tcp_packets += 1;
                self.tcp_packet(pkt, &t, payload, frame, sink);
            }
            Transport::Udp {
                src_port,
                dst_port,
                payload,
            } => {
                self.stats.udp_packets += 1;
                self.udp_packet(pkt, src_port, dst_port, payload, frame, sink);
            }
        }
        self.maybe_sweep(pkt.ts, sink);
    }

    fn new_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn tcp_packet(
        &mut self,
        pkt: &Packet<'_>,
        t: &TcpInfo,
        payload: &[u8],
        frame: FrameRef,
        sink: &mut dyn FlowSink,
    ) {
        let src = SocketAddr::new(pkt.src, t.src_port);
        let dst = SocketAddr::new(pkt.dst, t.dst_port);
        let k = key(src, dst);
        let pure_syn = t.syn && !t.ack_flag;

        // A new SYN on a finished 4-tuple starts a new connection, except the
        // same SYN again (same initial sequence number, not yet answered by a
        // SYN-ACK): Windows retries a connect refused by RST with the very
        // same SYN, and that is one attempt with SYN retransmissions
        // (RDP-003.pcap frames 354-381), as tshark counts it.
        if pure_syn {
            let mut same_syn = false;
            let reuse = self.tcp.get(&k).is_some_and(|c| {
                same_syn = c.client == src
                    && c.syn_seq == Some(t.seq)
                    && c.health.synack_frames.is_empty();
                !same_syn
                    && (c.client != src || c.closed || c.health.handshake == Handshake::RstToSyn)
            });
            if same_syn {
                if let Some(c) = self.tcp.get_mut(&k) {
                    c.closed = false;
                }
            }
            if reuse {
                if let Some(old) = self.tcp.remove(&k) {
                    self.finish_tcp(*old, frame, sink);
                }
            }
        }

        let conn: &mut TcpConn = match self.tcp.entry(k) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => {
                let (client, server, roles) = if pure_syn {
                    (src, dst, RoleSource::Syn)
                } else if t.syn && t.ack_flag {
                    (dst, src, RoleSource::Syn)
                } else if self.cfg.rdp_ports.contains(&t.dst_port)
                    && !self.cfg.rdp_ports.contains(&t.src_port)
                {
                    (src, dst, RoleSource::Port)
                } else if self.cfg.rdp_ports.contains(&t.src_port)
                    && !self.cfg.rdp_ports.contains(&t.dst_port)
                {
                    (dst, src, RoleSource::Port)
                } else if looks_like_connection_request(payload) {
                    (src, dst, RoleSource::Tpkt)
                } else {
                    (src, dst, RoleSource::FirstPacket)
                };
                let rdp = self
                    .cfg
                    .rdp_ports
                    .contains(&server.port())
                    .then_some(RdpReason::Port);
                self.next_id += 1;
                let id = self.next_id;
                self.stats.tcp_connections += 1;
                if rdp.is_some() {
                    self.stats.rdp_connections += 1;
                }
                let limit = self.cfg.pending_limit;
                v.insert(Box::new(TcpConn {
                    id,
                    client,
                    server,
                    roles,
                    rdp,
                    first: frame,
                    last: frame,
                    health: TcpHealth::default(),
                    streams: [Reassembler::new(limit), Reassembler::new(limit)],
                    recent: [Vec::new(), Vec::new()],
                    client_payload_segments: 0,
                    syn_seq: None,
                    closed: false,
                }))
            }
        };
        let dir = conn.dir_of(src);
        let d = dir.idx();

        // Duplicated frame (the same packet captured twice)?
        let sig = Sig {
            seq: t.seq,
            ack: t.ack,
            flags: (t.syn as u8)
                | (t.ack_flag as u8) << 1
                | (t.fin as u8) << 2
                | (t.rst as u8) << 3,
            window: t.window,
            len: t.payload_len,
            ip_id: pkt.ip_id,
        };
        // Without a distinguishing IP ID (IPv6, or 0 as Linux puts in RSTs),
        // an identical packet is a duplicate only when it follows at once,
        // with nothing from the peer in between: two RSTs answering two
        // different peer packets are two packets (slow_link_ok.pcap 149/151).
        let peer_packets = conn.health.dir(dir.flip()).packets;
        let is_dup = conn.recent[d].iter().any(|(s, ts, peer)| {
            *s == sig
                && (matches!(s.ip_id, Some(id) if id != 0)
                    || (pkt.ts.since(*ts).abs() < 0.002 && *peer == peer_packets))
        });
        if is_dup {
            conn.health.duplicate_frames += 1;
            self.stats.duplicate_frames += 1;
            return;
        }
        if conn.recent[d].len() >= RECENT {
            conn.recent[d].remove(0);
        }
        conn.recent[d].push((sig, pkt.ts, peer_packets));

        // Idle gaps, up to and including the first FIN or RST: a silence after
        // one side has closed or aborted is not a stall of a live connection.
        let idle = pkt.ts.since(conn.last.ts);
        if conn.health.closed_by.is_none() && idle > conn.health.longest_idle.map_or(0.0, |x| x.0) {
            conn.health.longest_idle = Some((idle, conn.last.number, frame.number));
        }
        conn.last = frame;

        let h = &mut conn.health;
        let peer_last_seen = h.dir(dir.flip()).last_seen;
        let unanswered_before = h.dir(dir).sent_since_peer;
        h.dir_mut(dir.flip()).sent_since_peer = 0;
        {
            let dh = h.dir_mut(dir);
            dh.packets += 1;
            dh.sent_since_peer = dh.sent_since_peer.saturating_add(1);
            dh.last_seen = Some(frame);
            if !t.rst {
                dh.ttl_range = Some(match dh.ttl_range {
                    Some((lo, hi)) => (lo.min(pkt.ttl), hi.max(pkt.ttl)),
                    None => (pkt.ttl, pkt.ttl),
                });
                dh.last_ip_id = pkt.ip_id;
            }
        }

        // Handshake.
        if t.syn && !t.ack_flag {
            if h.first_syn.is_none() {
                h.first_syn = Some(frame);
                h.handshake = Handshake::SynUnanswered;
                conn.syn_seq = Some(t.seq);
            }
            if h.syn_frames.len() < health::MAX_EVIDENCE {
                h.syn_frames.push(frame.number);
            }
            h.client.mss = t.mss.or(h.client.mss);
            if conn.rdp.is_some() {
                conn.streams[d].set_syn(t.seq);
            }
        } else if t.syn && t.ack_flag {
            if h.synack_frames.len() < health::MAX_EVIDENCE {
                h.synack_frames.push(frame.number);
            }
            if h.handshake_rtt_s.is_none() {
                h.handshake_rtt_s = h.first_syn.map(|s| pkt.ts.since(s.ts));
            }
            // RstToSyn: a retried SYN (same ISN) was finally accepted.
            if matches!(
                h.handshake,
                Handshake::SynUnanswered | Handshake::NotSeen | Handshake::RstToSyn
            ) {
                h.handshake = Handshake::SynAckUnanswered;
            }
            h.server.mss = t.mss.or(h.server.mss);
            if conn.rdp.is_some() {
                conn.streams[d].set_syn(t.seq);
            }
        } else if dir == Dir::ClientToServer
            && t.ack_flag
            && h.handshake == Handshake::SynAckUnanswered
        {
            h.handshake = Handshake::Completed;
        }

        // Closes.
        if t.rst || t.fin {
            let own_last = h.dir(dir).last_payload;
            let peer_last = h.dir(dir.flip()).last_payload;
            let ttl_range = h.dir(dir).ttl_range;
            let ev = health::CloseEvent {
                frame,
                after_own_payload_s: own_last.map(|f| pkt.ts.since(f.ts)),
                after_peer_payload_s: peer_last.map(|f| pkt.ts.since(f.ts)),
                suspicious_origin: t.rst && ttl_range.is_some_and(|r| forged_ttl(r, pkt.ttl)),
                ttl: pkt.ttl,
                unanswered_before,
                peer_silent_s: peer_last_seen.map(|f| pkt.ts.since(f.ts)),
            };
            if t.rst {
                if dir == Dir::ServerToClient
                    && matches!(h.handshake, Handshake::SynUnanswered)
                    && h.synack_frames.is_empty()
                {
                    h.handshake = Handshake::RstToSyn;
                }
                let dh = h.dir_mut(dir);
                if dh.rst.is_none() {
                    dh.rst = Some(ev);
                }
            } else {
                let dh = h.dir_mut(dir);
                if dh.fin.is_none() {
                    dh.fin = Some(ev);
                }
            }
            if h.closed_by.is_none() {
                h.closed_by = Some(dir);
                h.close_kind = Some(if t.rst { "rst" } else { "fin" });
            }
            if t.rst || (h.client.fin.is_some() && h.server.fin.is_some()) {
                conn.closed = true;
            }
        }

        // Window and ACK facts.
        if !t.syn && !t.rst && t.window == 0 {
            h.note_zero_window(dir, frame.number);
        }
        if t.ack_flag && !t.syn && !t.rst && !t.fin && t.payload_len == 0 {
            let dh = h.dir_mut(dir);
            if dh.last_ack == Some((t.ack, t.window)) {
                dh.dup_acks += 1;
            }
            dh.last_ack = Some((t.ack, t.window));
        }
        if t.ack_flag && !t.rst {
            // Acknowledgement of the peer's data: mark big segments as delivered and
            // tell the peer's reassembler that a hole below the ACK is capture loss.
            let peer = dir.flip();
            if let Some(acked) = conn.streams[peer.idx()].offset_of(t.ack) {
                let ph = conn.health.dir_mut(peer);
                ph.highest_ack_rel = ph.highest_ack_rel.max(acked);
                for b in &mut ph.big_retransmits {
                    if acked >= b.offset + b.len as u64 {
                        b.acked = true;
                    }
                }
            }
            if conn.rdp.is_some() {
                let mut stream = std::mem::take(&mut conn.streams[peer.idx()]);
                stream.peer_acked(t.ack, frame, &mut |dl| sink.tcp_data(conn, peer, dl));
                conn.streams[peer.idx()] = stream;
            }
        }

        // Payload.
        if t.payload_len > 0 {
            let h = &mut conn.health;
            {
                let dh = h.dir_mut(dir);
                if dh.first_payload.is_none() {
                    dh.first_payload = Some(frame);
                }
                dh.last_payload = Some(frame);
                dh.payload_bytes += t.payload_len as u64;
                dh.max_segment = dh.max_segment.max(t.payload_len);
            }
            if conn.rdp.is_none() && dir == Dir::ClientToServer {
                conn.client_payload_segments += 1;
                if conn.client_payload_segments <= 8 && looks_like_connection_request(payload) {
                    conn.rdp = Some(RdpReason::ConnectionRequest);
                    self.stats.rdp_connections += 1;
                    if conn.roles == RoleSource::FirstPacket {
                        conn.roles = RoleSource::Tpkt;
                    }
                }
            }
            if conn.rdp.is_some() && !payload.is_empty() {
                let mut stream = std::mem::take(&mut conn.streams[d]);
                let class = stream.push(t.seq, payload, frame, &mut |dl| {
                    sink.tcp_data(conn, dir, dl)
                });
                let max_seg = conn.health.dir(dir).max_segment;
                let offset = stream.offset_of(t.seq).unwrap_or(0);
                conn.streams[d] = stream;
                match class {
                    SegmentClass::Retransmission | SegmentClass::PartialOverlap => {
                        conn.health
                            .note_retransmission(dir, frame.number, t.payload_len);
                        if t.payload_len >= 1000 && t.payload_len * 10 >= max_seg * 9 {
                            conn.health.note_big_retransmit(
                                dir,
                                offset,
                                t.payload_len,
                                frame.number,
                            );
                        }
                    }
                    SegmentClass::FillsHole => conn.health.dir_mut(dir).out_of_order += 1,
                    _ => {}
                }
            }
        }
    }

    fn udp_packet(
        &mut self,
        pkt: &Packet<'_>,
        src_port: u16,
        dst_port: u16,
        payload: &[u8],
        frame: FrameRef,
        sink: &mut dyn FlowSink,
    ) {
        let src = SocketAddr::new(pkt.src, src_port);
        let dst = SocketAddr::new(pkt.dst, dst_port);
        let k = key(src, dst);
        if !self.udp.contains_key(&k) {
            let is_rdp = |p| self.cfg.udp_ports.contains(&p);
            let (kind, client, server) = if is_rdp(dst_port) && !is_rdp(src_port) {
                (UdpKind::RdpUdp, src, dst)
            } else if is_rdp(src_port) && !is_rdp(dst_port) {
                (UdpKind::RdpUdp, dst, src)
            } else if is_rdp(dst_port) {
                (UdpKind::RdpUdp, src, dst)
            } else if dst_port == 53 || dst_port == 5353 {
                (UdpKind::Dns, src, dst)
            } else if src_port == 53 || src_port == 5353 {
                (UdpKind::Dns, dst, src)
            } else {
                return;
            };
            let id = self.new_id();
            self.stats.udp_flows += 1;
            self.udp.insert(
                k,
                UdpFlow {
                    id,
                    kind,
                    client,
                    server,
                    first: frame,
                    last: frame,
                    packets: [0; 2],
                    bytes: [0; 2],
                },
            );
        }
        let Some(flow) = self.udp.get_mut(&k) else {
            return;
        };
        let dir = if src == flow.client {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        };
        flow.packets[dir.idx()] += 1;
        flow.bytes[dir.idx()] += payload.len() as u64;
        flow.last = frame;
        sink.udp(flow, dir, frame, payload);
    }

    fn finish_tcp(&mut self, mut conn: TcpConn, frame: FrameRef, sink: &mut dyn FlowSink) {
        if conn.rdp.is_some() {
            for dir in [Dir::ClientToServer, Dir::ServerToClient] {
                let mut stream = std::mem::take(&mut conn.streams[dir.idx()]);
                stream.flush(frame, &mut |dl| sink.tcp_data(&conn, dir, dl));
                conn.health.dir_mut(dir).capture_gap_bytes = stream.gap_bytes;
                conn.streams[dir.idx()] = stream;
            }
        } else {
            let port = conn.server.port();
            if self.stats.other_tcp_ports.len() < 256
                || self.stats.other_tcp_ports.contains_key(&port)
            {
                *self.stats.other_tcp_ports.entry(port).or_default() += 1;
            }
        }
        sink.tcp_closed(conn);
    }

    fn maybe_sweep(&mut self, now: Ts, sink: &mut dyn FlowSink) {
        // Under pressure (a scan or a very busy link), sweep every second and
        // drop finished probes sooner, so the table stays near its working set.
        let pressure = self.tcp.len() > PRESSURE_FLOWS;
        let period = if pressure { 1.0 } else { 5.0 };
        let due = self.last_sweep.is_none_or(|l| now.since(l) >= period);
        if !due {
            return;
        }
        self.last_sweep = Some(now);
        let cfg = &self.cfg;
        let expired: Vec<(u32, Key)> = self
            .tcp
            .iter()
            .filter(|(_, c)| {
                let age = now.since(c.last.ts);
                let probe = c.health.client.payload_bytes == 0
                    && c.health.server.payload_bytes == 0
                    && c.health.handshake != Handshake::Completed;
                let (linger, idle) = if c.rdp.is_some() {
                    (cfg.closed_linger_s, cfg.idle_evict_s)
                } else if probe {
                    // A scan probe or a refused connection: nothing to wait for
                    // but SYN retransmissions.
                    let idle = if pressure { cfg.other_linger_s } else { 10.0 };
                    (cfg.other_linger_s, cfg.other_linger_s.max(idle))
                } else {
                    (cfg.other_linger_s, cfg.other_idle_evict_s)
                };
                (c.closed && age > linger) || age > idle
            })
            .map(|(k, c)| (c.id, *k))
            .collect();
        // Finish them in the order they were opened, not in the hash
        // order: the statistics they feed (other_tcp_ports, bounded) and the
        // order of records must not depend on the hasher's seed.
        let mut expired = expired;
        expired.sort_unstable_by_key(|(id, _)| *id);
        for (_, k) in expired {
            if let Some(c) = self.tcp.remove(&k) {
                let f = c.last;
                self.finish_tcp(*c, f, sink);
            }
        }
        let expired: Vec<(u32, Key)> = self
            .udp
            .iter()
            .filter(|(_, f)| {
                // A DNS flow is one lookup and its answer; RDP-UDP idles longer.
                let idle = if f.kind == UdpKind::Dns { 10.0 } else { 120.0 };
                now.since(f.last.ts) > idle
            })
            .map(|(k, f)| (f.id, *k))
            .collect();
        let mut expired = expired;
        expired.sort_unstable_by_key(|(id, _)| *id);
        for (_, k) in expired {
            if let Some(f) = self.udp.remove(&k) {
                sink.udp_closed(f);
            }
        }
    }

    /// End of input: finish every flow, in order of first packet.
    pub fn finish(&mut self, sink: &mut dyn FlowSink) {
        let mut conns: Vec<Box<TcpConn>> = self.tcp.drain().map(|(_, c)| c).collect();
        conns.sort_by_key(|c| c.id);
        for c in conns {
            let f = c.last;
            self.finish_tcp(*c, f, sink);
        }
        let mut flows: Vec<UdpFlow> = self.udp.drain().map(|(_, f)| f).collect();
        flows.sort_by_key(|f| f.id);
        for f in flows {
            sink.udp_closed(f);
        }
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
