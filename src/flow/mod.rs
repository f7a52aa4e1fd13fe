//! Flows: TCP connections and UDP flows keyed by their 4-tuple,
//! per-direction reassembly and TCP health.
//!
//! The [`FlowTable`] is fed decoded packets in capture order and pushes
//! reassembled stream bytes (with the frame that carried each byte) and
//! finished connections into a [`FlowSink`]. Closed and idle flows are
//! evicted, so memory is bounded by the number of live flows, not by the
//! file size.

mod expiry;
pub mod gateway_hint;
pub mod health;
pub mod reassembly;
mod tcp;
mod udp;

use crate::net::{Packet, TcpInfo, Transport};
use crate::wire::Ts;
use crate::wire::{Dir, FrameRef};
pub use expiry::DEFAULT_MAX_OPEN_FLOWS;
pub use gateway_hint::{GatewayHints, ProbableGateway};
pub use health::{CloseKind, Handshake, TcpHealth};
pub use reassembly::{Delivery, Reassembler, SegmentClass};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::net::SocketAddr;
pub use tcp::TcpConn;
pub use udp::{UdpFlow, UdpKind};

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
    /// Most TCP connections open at once; beyond it some are finished early
    /// ([`FlowStats::flows_evicted_early`]): those that are not RDP first,
    /// then RDP ones without payload, the longest idle first. Bounds memory
    /// on a scan or a link with more open connections than any RDP problem needs.
    pub max_open_flows: usize,
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
            max_open_flows: DEFAULT_MAX_OPEN_FLOWS,
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
    /// Any port: the client's TLS ClientHello has a client random the key
    /// log covers, so its content can be read (an RD Gateway on a port not
    /// given with `--port`). Kept only if the content turns out to be RDP
    /// or gateway traffic.
    KeyedTls,
}

/// The Kerberos KDC port (RFC 4120 7.2): an RDP client's KDC exchanges
/// before NLA, over TCP and UDP.
pub const KDC_PORT: u16 = 88;

/// Receives what the flow table produces.
pub trait FlowSink {
    /// Reassembled bytes or a gap, in stream order, for an RDP connection.
    fn tcp_data(&mut self, conn: &TcpConn, dir: Dir, delivery: Delivery<'_>);
    /// A TCP connection is finished (closed and lingered, idle, or end of
    /// input). Boxed as the table holds it: a connection is ~1.2 KB, and
    /// most (every non-RDP one) are only counted and dropped.
    fn tcp_closed(&mut self, conn: Box<TcpConn>);
    /// A payload segment of a TCP connection to the KDC port, as it arrived
    /// (duplicates dropped, not reassembled: KDC messages are a few
    /// segments, read in sequence order by the receiver).
    fn kdc_segment(
        &mut self,
        _conn: &TcpConn,
        _dir: Dir,
        _seq: u32,
        _payload: &[u8],
        _frame: FrameRef,
    ) {
    }
    /// One datagram of an RDP-UDP or DNS flow.
    fn udp(&mut self, flow: &UdpFlow, dir: Dir, frame: FrameRef, payload: &[u8]);
    /// A UDP flow is finished.
    fn udp_closed(&mut self, flow: UdpFlow);
    /// A TCP connection on no RDP port starts with a TLS ClientHello with
    /// this client random: follow it (reassemble it into [`tcp_data`]) only
    /// when the answer is true, i.e. the key log can decrypt it.
    ///
    /// [`tcp_data`]: FlowSink::tcp_data
    fn follow_tls(&mut self, _client_random: &[u8; 32]) -> bool {
        false
    }
}

/// The client random of a TLS ClientHello at the start of `p` (a handshake
/// record whose first message is a ClientHello, RFC 8446 §4.1.2): 5 bytes of
/// record header, 4 of handshake header, 2 of legacy version, then 32 random.
pub(crate) fn client_hello_random(p: &[u8]) -> Option<&[u8; 32]> {
    use rdpdiag_parsers::tls::{ContentType, HandshakeType};
    match p {
        [ct, 3, _, _, _, ht, ..]
            if *ct == ContentType::HANDSHAKE.0 && *ht == HandshakeType::CLIENT_HELLO.0 =>
        {
            p.get(11..43)?.try_into().ok()
        }
        _ => None,
    }
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
    /// Unread HTTPS and RDP-UDP to 3391: a gateway seen without keys.
    pub gateway_hints: GatewayHints,
    /// TCP connections finished before their end because more than
    /// [`FlowConfig::max_open_flows`] were open.
    pub flows_evicted_early: u64,
}

/// A flow's two endpoints, lower first, packed so hashing is one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key([u8; 38]);

/// The flow maps' hasher: foldhash, several times faster than SipHash on the
/// 38-byte keys, randomly seeded per process. Nothing depends on the map
/// order (expired flows are finished in order of their ids).
type FlowMap<V> = HashMap<Key, V, foldhash::fast::RandomState>;

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write(&self.0);
    }
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

/// How long after a connection's last packet the very same SYN (same
/// ports, same initial sequence number) is still the client retrying it:
/// Windows gives up a connect after about 21 s of SYN retransmissions
/// (3 + 6 + 12 s) and retries a refused one at once.
const SAME_SYN_RETRY_S: f64 = 60.0;

/// The flow table.
pub struct FlowTable {
    cfg: FlowConfig,
    /// Boxed: a connection is ~1 KiB, and the table rehashes as it grows.
    tcp: FlowMap<Box<TcpConn>>,
    udp: FlowMap<UdpFlow>,
    next_id: u32,
    last_sweep: Option<Ts>,
    /// When TCP connections may be due: see `expiry`.
    due: BinaryHeap<expiry::Due>,
    /// Whether the last sweep was under pressure.
    was_pressure: bool,
    pub stats: FlowStats,
}

impl FlowTable {
    pub fn new(cfg: FlowConfig) -> Self {
        FlowTable {
            cfg,
            tcp: FlowMap::default(),
            udp: FlowMap::default(),
            next_id: 0,
            last_sweep: None,
            due: BinaryHeap::new(),
            was_pressure: false,
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

    /// Open UDP flows (for the streaming analysis: an RDP-UDP flow still
    /// open may yet attach to an attempt).
    pub fn udp_flows(&self) -> impl Iterator<Item = &UdpFlow> {
        self.udp.values()
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
        if self.tcp.len() > self.cfg.max_open_flows {
            self.evict_early(sink);
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
        if t.syn && !t.ack_flag {
            self.new_syn(k, src, t.seq, frame, sink);
        }
        let FlowTable {
            cfg,
            tcp,
            next_id,
            stats,
            due,
            ..
        } = self;
        let conn: &mut TcpConn = match tcp.entry(k) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => {
                *next_id += 1;
                let conn = TcpConn::open(cfg, *next_id, src, dst, t, payload, frame);
                stats.tcp_connections += 1;
                if conn.rdp.is_some() {
                    stats.rdp_connections += 1;
                }
                v.insert(Box::new(conn))
            }
        };
        conn.packet(pkt, t, payload, frame, stats, sink);
        expiry::reschedule(cfg, due, conn, k);
    }

    /// A SYN from `src` with sequence number `seq` on the 4-tuple `k`.
    ///
    /// A new SYN on a finished 4-tuple starts a new connection, except the
    /// same SYN again (same initial sequence number, not yet answered by a
    /// SYN-ACK): Windows retries a connect refused by RST with the very
    /// same SYN, and that is one attempt with SYN retransmissions
    /// (RDP-003.pcap frames 354-381, within a second), as tshark counts it.
    /// Only within [`SAME_SYN_RETRY_S`] of the connection's last packet:
    /// the very same SYN minutes later is a replayed or merged capture, and
    /// one connection 200 s long would be a false picture.
    fn new_syn(
        &mut self,
        k: Key,
        src: SocketAddr,
        seq: u32,
        frame: FrameRef,
        sink: &mut dyn FlowSink,
    ) {
        let Some(c) = self.tcp.get_mut(&k) else {
            return;
        };
        let same_syn = c.client == src
            && c.syn_seq == Some(seq)
            && c.health.synack_frames.is_empty()
            && frame.ts.since(c.last.ts) <= SAME_SYN_RETRY_S;
        if same_syn {
            c.closed = false;
            return;
        }
        let reuse = c.client != src || c.closed || c.health.handshake == Handshake::RstToSyn;
        if reuse {
            if let Some(old) = self.tcp.remove(&k) {
                self.finish_tcp(old, frame, sink);
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
            if dst_port == gateway_hint::GATEWAY_UDP_PORT {
                self.stats.gateway_hints.udp(pkt.src, dst, frame);
            }
            let Some(flow) = UdpFlow::open(&self.cfg.udp_ports, self.next_id + 1, src, dst, frame)
            else {
                return;
            };
            self.new_id();
            self.stats.udp_flows += 1;
            self.udp.insert(k, flow);
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

    fn finish_tcp(&mut self, mut conn: Box<TcpConn>, frame: FrameRef, sink: &mut dyn FlowSink) {
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
        let pressure = self.tcp.len() > expiry::PRESSURE_FLOWS;
        let period = if pressure { 1.0 } else { 5.0 };
        let due = self.last_sweep.is_none_or(|l| now.since(l) >= period);
        if !due {
            return;
        }
        self.last_sweep = Some(now);
        let mut expired = self.expired_tcp(now, pressure);
        // Finish them in the order they were opened, not in the hash or
        // queue order: the statistics they feed (other_tcp_ports, bounded)
        // and the order of records must not depend on the hasher's seed.
        expired.sort_unstable_by_key(|(id, _)| *id);
        for (_, k) in expired {
            if let Some(c) = self.tcp.remove(&k) {
                let f = c.last;
                self.finish_tcp(c, f, sink);
            }
        }
        let expired: Vec<(u32, Key)> = self
            .udp
            .iter()
            .filter(|(_, f)| now.since(f.last.ts) > f.idle_limit_s())
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
        self.due.clear();
        let mut conns: Vec<Box<TcpConn>> = self.tcp.drain().map(|(_, c)| c).collect();
        conns.sort_by_key(|c| c.id);
        for c in conns {
            let f = c.last;
            self.finish_tcp(c, f, sink);
        }
        let mut flows: Vec<UdpFlow> = self.udp.drain().map(|(_, f)| f).collect();
        flows.sort_by_key(|f| f.id);
        for f in flows {
            sink.udp_closed(f);
        }
    }
}
