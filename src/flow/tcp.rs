//! One TCP connection and what each of its packets does to it: duplicated
//! frames set aside, handshake, closes, ACKs and payload through reassembly
//! into the [`FlowSink`], with the health facts kept by [`TcpHealth`].

use super::gateway_hint::GATEWAY_HTTPS_PORT;
use super::{client_hello_random, looks_like_connection_request, FlowConfig, FlowSink, FlowStats};
use super::{RdpReason, Reassembler, RoleSource, TcpHealth};
use crate::net::{Packet, TcpInfo};
use crate::wire::{Dir, FrameRef, Ts};
use std::net::SocketAddr;

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

/// Packet signatures remembered per direction for duplicate detection.
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
    pub(super) streams: [Reassembler; 2],
    /// Recent packet signatures per direction, with when they were seen and
    /// how many packets the peer had sent by then.
    recent: [Vec<(Sig, Ts, u64)>; 2],
    client_payload_segments: u32,
    /// Sequence number of the client's first SYN.
    pub(super) syn_seq: Option<u32>,
    /// True once a FIN from both sides or a RST was seen.
    pub closed: bool,
    /// The deadline of its entry in the expiry queue (ns; see `expiry`).
    pub(super) due: i64,
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
    pub(super) fn dir_of(&self, src: SocketAddr) -> Dir {
        if src == self.client {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        }
    }

    /// A connection whose first packet (`t`, from `src` to `dst`) is `frame`:
    /// who is the client, and whether it is RDP by its port.
    pub(super) fn open(
        cfg: &FlowConfig,
        id: u32,
        src: SocketAddr,
        dst: SocketAddr,
        t: &TcpInfo,
        payload: &[u8],
        frame: FrameRef,
    ) -> TcpConn {
        let rdp_port = |p: u16| cfg.rdp_ports.contains(&p);
        let (client, server, roles) = if t.syn && !t.ack_flag {
            (src, dst, RoleSource::Syn)
        } else if t.syn && t.ack_flag {
            (dst, src, RoleSource::Syn)
        } else if rdp_port(t.dst_port) && !rdp_port(t.src_port) {
            (src, dst, RoleSource::Port)
        } else if rdp_port(t.src_port) && !rdp_port(t.dst_port) {
            (dst, src, RoleSource::Port)
        } else if looks_like_connection_request(payload) {
            (src, dst, RoleSource::Tpkt)
        } else {
            (src, dst, RoleSource::FirstPacket)
        };
        let limit = cfg.pending_limit;
        TcpConn {
            id,
            client,
            server,
            roles,
            rdp: rdp_port(server.port()).then_some(RdpReason::Port),
            first: frame,
            last: frame,
            health: TcpHealth::default(),
            streams: [Reassembler::new(limit), Reassembler::new(limit)],
            recent: [Vec::new(), Vec::new()],
            client_payload_segments: 0,
            syn_seq: None,
            closed: false,
            due: i64::MAX,
        }
    }

    /// Feed one packet of this connection.
    pub(super) fn packet(
        &mut self,
        pkt: &Packet<'_>,
        t: &TcpInfo,
        payload: &[u8],
        frame: FrameRef,
        stats: &mut FlowStats,
        sink: &mut dyn FlowSink,
    ) {
        let dir = self.dir_of(SocketAddr::new(pkt.src, t.src_port));
        if self.is_duplicate(dir, pkt, t) {
            self.health.duplicate_frames += 1;
            stats.duplicate_frames += 1;
            return;
        }
        let prev = std::mem::replace(&mut self.last, frame);
        let arrival = self
            .health
            .on_packet(dir, prev, frame, pkt.ttl, pkt.ip_id, t.rst);
        self.handshake(dir, t, frame);
        if (t.rst || t.fin) && {
            let acks = (t.ack_flag, self.peer_data_acked(dir, t));
            self.health
                .on_close(dir, frame, t.rst, pkt.ttl, arrival, acks)
        } {
            self.closed = true;
        }
        self.health.on_flags(dir, t, frame.number);
        if t.ack_flag && !t.rst {
            self.peer_acked(dir, t.ack, frame, sink);
        }
        if t.payload_len > 0 {
            self.payload(dir, t, payload, frame, stats, sink);
        }
    }

    /// Whether this packet is a duplicated frame (the same packet captured
    /// twice); remembers its signature when it is not.
    fn is_duplicate(&mut self, dir: Dir, pkt: &Packet<'_>, t: &TcpInfo) -> bool {
        let d = dir.idx();
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
        let peer_packets = self.health.dir(dir.flip()).packets;
        let is_dup = self.recent[d].iter().any(|(s, ts, peer)| {
            *s == sig
                && (matches!(s.ip_id, Some(id) if id != 0)
                    || (pkt.ts.since(*ts).abs() < 0.002 && *peer == peer_packets))
        });
        if !is_dup {
            if self.recent[d].len() >= RECENT {
                self.recent[d].remove(0);
            }
            self.recent[d].push((sig, pkt.ts, peer_packets));
        }
        is_dup
    }

    /// Has `dir` acknowledged every payload byte its peer sent, counting
    /// this packet's own ACK? None when the peer sent no payload (or its
    /// stream is not tracked).
    fn peer_data_acked(&self, dir: Dir, t: &TcpInfo) -> Option<bool> {
        let peer = dir.flip();
        let stream = &self.streams[peer.idx()];
        let end = stream.max_end();
        if end == 0 || self.health.dir(peer).payload_bytes == 0 {
            return None;
        }
        let earlier = self.health.dir(peer).highest_ack_rel;
        let now = if t.ack_flag {
            stream.offset_of(t.ack).unwrap_or(0)
        } else {
            0
        };
        Some(earlier.max(now) >= end)
    }

    /// SYN, SYN-ACK and the client's ACK; a SYN also anchors reassembly.
    fn handshake(&mut self, dir: Dir, t: &TcpInfo, frame: FrameRef) {
        let d = dir.idx();
        if t.syn && !t.ack_flag {
            if self.health.on_syn(frame, t.mss) {
                self.syn_seq = Some(t.seq);
            }
            if self.rdp.is_some() {
                self.streams[d].set_syn(t.seq);
            }
        } else if t.syn && t.ack_flag {
            self.health.on_syn_ack(frame, t.mss);
            if self.rdp.is_some() {
                self.streams[d].set_syn(t.seq);
            }
        } else if dir == Dir::ClientToServer && t.ack_flag {
            self.health.on_client_ack();
        }
    }

    /// An acknowledgement from `dir` of the peer's data: marks big segments
    /// as delivered and tells the peer's reassembler that a hole below the
    /// ACK is capture loss.
    fn peer_acked(&mut self, dir: Dir, ack: u32, frame: FrameRef, sink: &mut dyn FlowSink) {
        let peer = dir.flip();
        if let Some(acked) = self.streams[peer.idx()].offset_of(ack) {
            self.health.on_peer_acked(peer, acked);
        }
        if self.rdp.is_some() {
            let mut stream = std::mem::take(&mut self.streams[peer.idx()]);
            stream.peer_acked(ack, frame, &mut |dl| sink.tcp_data(self, peer, dl));
            self.streams[peer.idx()] = stream;
        }
    }

    /// A segment with payload: RDP recognised by its first bytes, bytes
    /// reassembled into the sink.
    fn payload(
        &mut self,
        dir: Dir,
        t: &TcpInfo,
        payload: &[u8],
        frame: FrameRef,
        stats: &mut FlowStats,
        sink: &mut dyn FlowSink,
    ) {
        self.health.on_payload(dir, frame, t.payload_len);
        if self.rdp.is_none() && dir == Dir::ClientToServer {
            self.client_payload_segments += 1;
            if self.client_payload_segments <= 8 && looks_like_connection_request(payload) {
                self.rdp = Some(RdpReason::ConnectionRequest);
                stats.rdp_connections += 1;
                if self.roles == RoleSource::FirstPacket {
                    self.roles = RoleSource::Tpkt;
                }
            } else if self.client_payload_segments <= 2 {
                // Cheap for unrelated TLS: a byte check and one key log lookup
                // on the first segment; nothing is reassembled unless keyed.
                match client_hello_random(payload) {
                    // Not counted in `rdp_connections` yet: it is kept only if
                    // its content is RD Gateway (see `SessionStore::tcp_closed`).
                    Some(r) if sink.follow_tls(r) => self.rdp = Some(RdpReason::KeyedTls),
                    Some(_) if self.server.port() == GATEWAY_HTTPS_PORT => {
                        stats
                            .gateway_hints
                            .https(self.client.ip(), self.server, payload, frame);
                    }
                    _ => {}
                }
            }
        }
        if self.rdp.is_none() && self.server.port() == super::KDC_PORT && !payload.is_empty() {
            sink.kdc_segment(self, dir, t.seq, payload, frame);
        }
        if self.rdp.is_some() && !payload.is_empty() {
            let d = dir.idx();
            let mut stream = std::mem::take(&mut self.streams[d]);
            let class = stream.push(t.seq, payload, frame, &mut |dl| {
                sink.tcp_data(self, dir, dl)
            });
            let offset = stream.offset_of(t.seq).unwrap_or(0);
            self.streams[d] = stream;
            self.health
                .on_segment(dir, class, frame, t.payload_len, offset);
        }
    }
}
