//! Per-connection protocol state. Reassembled bytes of each RDP connection
//! are parsed layer by layer (X.224 → TLS → …) into [`Event`]s with their
//! frames; finished connections become [`ConnectionRecord`]s, the facts the
//! attempt grouping and the rules work on.

pub mod conn;
pub mod facts;
pub mod kdc;
pub mod ntlm_challenge;
pub mod scan;
pub mod stream;

pub use conn::{Session, SessionFacts};

use crate::flow::{Delivery, FlowSink, TcpConn, TcpHealth, UdpFlow, UdpKind};
use crate::flow::{Handshake, RdpReason, RoleSource};
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::dns::{Rcode, RrType};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::decrypt::KeyLog;

/// Settings of the session layer.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// TLS secrets given by the user (`--keylog`, `SSLKEYLOGFILE`). Keys
    /// embedded in the capture (pcapng DSB) are added to these.
    pub keylog: Option<Arc<KeyLog>>,
    /// Scan probes kept as ordinary records before the rest of the capture's
    /// probes are only counted in [`SessionStore::scan`] (`[limits]
    /// scan_fold_after`; see [`scan`]).
    pub scan_fold_after: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            keylog: None,
            scan_fold_after: scan::DEFAULT_SCAN_FOLD_AFTER,
        }
    }
}

/// Everything known about one finished TCP connection.
#[derive(Debug, Clone)]
pub struct ConnectionRecord {
    pub id: u32,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub roles: RoleSource,
    pub rdp: Option<RdpReason>,
    pub first: FrameRef,
    pub last: FrameRef,
    pub duration_s: f64,
    pub packets: [u64; 2],
    pub bytes: [u64; 2],
    pub tcp: TcpHealth,
    pub facts: SessionFacts,
}

impl ConnectionRecord {
    /// The record of a finished connection: its health facts are moved, not copied.
    fn from_conn(mut c: TcpConn, facts: SessionFacts) -> Self {
        let tcp = std::mem::take(&mut c.health);
        Self::with_health(&c, tcp, facts)
    }

    fn with_health(c: &TcpConn, tcp: TcpHealth, facts: SessionFacts) -> Self {
        ConnectionRecord {
            id: c.id,
            client: c.client,
            server: c.server,
            roles: c.roles,
            rdp: c.rdp,
            first: c.first,
            last: c.last,
            duration_s: c.last.ts.since(c.first.ts),
            packets: [tcp.client.packets, tcp.server.packets],
            bytes: [tcp.client.payload_bytes, tcp.server.payload_bytes],
            tcp,
            facts,
        }
    }

    /// Short text for how the handshake went.
    pub fn handshake_text(&self) -> String {
        match self.tcp.handshake {
            Handshake::Completed => "completed".into(),
            Handshake::SynAckUnanswered => "SYN-ACK unanswered".into(),
            Handshake::SynUnanswered => format!("SYN unanswered ({}x)", self.tcp.syn_frames.len()),
            Handshake::RstToSyn => "refused (RST)".into(),
            Handshake::NotSeen => "not in capture".into(),
        }
    }

    /// Short text for how the connection ended.
    pub fn end_text(&self) -> String {
        match (self.tcp.closed_by, self.tcp.close_kind) {
            (Some(d), Some(k)) => format!("{k} by {}", d.sender()),
            _ => "open at end of capture".into(),
        }
    }
}

/// RDP-UDP handshake facts of a UDP flow.
#[derive(Debug, Clone, Default)]
pub struct RdpUdpFacts {
    pub syn_frames: Vec<u64>,
    pub synack_frame: Option<FrameRef>,
    pub version: Option<String>,
    pub upstream_mtu: Option<u16>,
    pub downstream_mtu: Option<u16>,
    pub data_packets: u64,
    v3: [bool; 2],
}

/// One DNS question and its answer.
#[derive(Debug, Clone)]
pub struct DnsLookup {
    pub query: FrameRef,
    pub name: String,
    pub qtype: RrType,
    pub response: Option<FrameRef>,
    pub rcode: Option<Rcode>,
    pub answers: Vec<String>,
    id: u16,
}

impl DnsLookup {
    /// A lookup built by hand, for rule tests.
    #[cfg(test)]
    pub(crate) fn for_test(query: FrameRef, name: &str, qtype: RrType) -> Self {
        DnsLookup {
            query,
            name: name.to_string(),
            qtype,
            response: None,
            rcode: None,
            answers: Vec::new(),
            id: 0,
        }
    }
}

/// One finished UDP flow with what was parsed from it.
#[derive(Debug, Clone)]
pub struct UdpRecord {
    pub flow: UdpFlow,
    pub rdpudp: Option<RdpUdpFacts>,
    pub dns: Vec<DnsLookup>,
}

/// Receives the flow engine's output and keeps the session states.
#[derive(Debug, Default)]
pub struct SessionStore {
    cfg: SessionConfig,
    /// Boxed: a session is ~2.6 KiB, and the map rehashes as it grows.
    live: HashMap<u32, Box<Session>>,
    live_udp: HashMap<u32, (Option<RdpUdpFacts>, Vec<DnsLookup>)>,
    live_kdc_tcp: HashMap<u32, kdc::KdcTcp>,
    live_kdc_udp: HashMap<u32, kdc::KdcFlow>,
    pub connections: Vec<ConnectionRecord>,
    pub udp: Vec<UdpRecord>,
    /// Kerberos exchanges with a KDC (TCP and UDP 88), in capture order.
    pub kdc: Vec<kdc::KdcFlow>,
    /// Scan probes of the capture (see [`scan`]); the ones beyond
    /// `scan_fold_after` have no record in `connections`.
    pub scan: scan::ScanSummary,
    /// Clients whose RDP traffic carried payload: their probes are never
    /// folded (a user's retry). Bounded by the RDP connections with payload.
    rdp_clients: std::collections::HashSet<std::net::IpAddr>,
    /// The user's keys merged with the DSB keys: what new sessions use.
    keys: Option<Arc<KeyLog>>,
    /// Sessions' secrets copied while merging DSB keys (work accounting: a
    /// capture with many small DSBs must stay linear).
    key_copies: u64,
}

impl SessionStore {
    pub fn new(cfg: SessionConfig) -> Self {
        SessionStore {
            keys: cfg.keylog.clone().filter(|k| !k.is_empty()),
            cfg,
            ..Default::default()
        }
    }

    /// TLS secrets found in the capture itself (a pcapng DSB, NSS key log
    /// format). They are used for every connection that starts afterwards,
    /// together with the user's keys. Malformed lines are skipped.
    pub fn add_keylog_bytes(&mut self, b: &[u8]) {
        let (k, _) = KeyLog::parse_bytes(b);
        if k.is_empty() {
            return;
        }
        // Merged in place: cloning the whole map per block made a capture
        // with thousands of one-session DSBs quadratic. The map is copied
        // only while connections still hold the previous version.
        let keys = self.keys.get_or_insert_with(Default::default);
        if Arc::strong_count(keys) > 1 || Arc::weak_count(keys) > 0 {
            self.key_copies += keys.len() as u64;
        }
        self.key_copies += k.len() as u64;
        Arc::make_mut(keys).merge_preferring(&k, self.cfg.keylog.as_deref());
    }

    /// Sessions' secrets copied so far while merging the capture's DSB keys.
    pub fn key_copies(&self) -> u64 {
        self.key_copies
    }

    /// Live TCP sessions and UDP flows, and the heap bytes their stream
    /// buffers hold (memory accounting for tests and benchmarks).
    pub fn live_usage(&self) -> (usize, usize, usize) {
        let bytes = self.live.values().map(|s| s.buffered_bytes()).sum();
        (self.live.len(), self.live_udp.len(), bytes)
    }

    /// Records of the RDP connections still open in `flows`, as they stand
    /// now, for live views. Nothing is flushed or changed: the connections go
    /// on as if no snapshot had been taken, and become real records only when
    /// they finish. Out-of-order bytes still waiting in reassembly are not in
    /// the snapshot's facts.
    pub fn snapshot_open(&self, flows: &crate::flow::FlowTable) -> Vec<ConnectionRecord> {
        let mut v: Vec<ConnectionRecord> = flows
            .tcp_conns()
            .filter(|c| c.rdp.is_some())
            .map(|c| {
                let facts = self
                    .live
                    .get(&c.id)
                    .map(|s| s.facts.clone())
                    .unwrap_or_default();
                let mut r = ConnectionRecord::with_health(c, c.health.clone(), facts);
                for d in [Dir::ClientToServer, Dir::ServerToClient] {
                    r.tcp.dir_mut(d).capture_gap_bytes = c.stream(d).gap_bytes;
                }
                r
            })
            .collect();
        v.sort_by_key(|c| (c.first.number, c.id));
        v
    }

    /// End of input.
    pub fn finish(&mut self) {
        // Sort a permutation, not the records (~3 KiB each), then apply it
        // in place: no second copy of the records at the end of a big file.
        let mut order: Vec<(u64, u32, usize)> = self
            .connections
            .iter()
            .enumerate()
            .map(|(i, c)| (c.first.number, c.id, i))
            .collect();
        if !order.is_sorted() {
            order.sort_unstable();
            apply_permutation(&mut self.connections, order.iter().map(|o| o.2));
        }
        self.udp.sort_by_key(|u| (u.flow.first.number, u.flow.id));
        self.kdc.sort_by_key(|k| k.first.number);
    }
}

/// Reorder `v` so that `new[j] = old[perm[j]]`, in place, by following cycles.
fn apply_permutation<T>(v: &mut [T], perm: impl Iterator<Item = usize>) {
    let perm: Vec<usize> = perm.collect();
    if perm.len() != v.len() {
        return;
    }
    let mut visited = vec![false; v.len()];
    for i in 0..v.len() {
        if visited[i] {
            continue;
        }
        let mut j = i;
        loop {
            visited[j] = true;
            let k = perm[j];
            if k == i || k >= v.len() {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

impl FlowSink for SessionStore {
    fn tcp_data(&mut self, conn: &TcpConn, dir: Dir, delivery: Delivery<'_>) {
        let keys = &self.keys;
        let rdp_clients = &mut self.rdp_clients;
        let s = self.live.entry(conn.id).or_insert_with(|| {
            rdp_clients.insert(conn.client.ip());
            let mut s = Box::<Session>::default();
            if let Some(k) = keys {
                s.enable_decryption(k.clone());
            }
            s
        });
        match delivery {
            Delivery::Data {
                offset,
                data,
                frame,
            } => s.data(dir, offset, data, frame),
            Delivery::Gap { offset, len, frame } => s.gap(dir, offset, len, frame),
        }
    }

    fn follow_tls(&mut self, client_random: &[u8; 32]) -> bool {
        self.keys
            .as_ref()
            .is_some_and(|k| k.get(client_random).is_some())
    }

    fn kdc_segment(&mut self, conn: &TcpConn, dir: Dir, seq: u32, payload: &[u8], frame: FrameRef) {
        self.live_kdc_tcp
            .entry(conn.id)
            .or_insert_with(|| {
                kdc::KdcTcp::new(kdc::KdcFlow::new(
                    conn.client,
                    conn.server,
                    kdc::KdcTransport::Tcp,
                    conn.first,
                ))
            })
            .segment(dir, seq, payload, frame);
    }

    fn tcp_closed(&mut self, conn: Box<TcpConn>) {
        if let Some(k) = self.live_kdc_tcp.remove(&conn.id) {
            if !k.flow.messages.is_empty() {
                self.kdc.push(k.flow);
            }
        }
        // Only RDP connections get stream bytes, hence a session and a record.
        if conn.rdp.is_none() {
            return;
        }
        if scan::is_probe(&conn) && !self.rdp_clients.contains(&conn.client.ip()) {
            let keep = self.scan.probes < self.cfg.scan_fold_after;
            self.scan.add(&conn, keep);
            if !keep {
                return;
            }
        }
        let session = self.live.remove(&conn.id).map(|s| *s).unwrap_or_default();
        // Keyed TLS on another port is kept only when its content is RD
        // Gateway (or RDP): unrelated HTTPS is no attempt.
        if conn.rdp == Some(RdpReason::KeyedTls) && !session.is_gateway_or_rdp() {
            return;
        }
        self.connections
            .push(ConnectionRecord::from_conn(*conn, session.into_facts()));
    }

    fn udp(&mut self, flow: &UdpFlow, dir: Dir, frame: FrameRef, payload: &[u8]) {
        use rdpdiag_parsers::{dns, rdpeudp};
        if flow.kind == UdpKind::Kerberos {
            self.live_kdc_udp
                .entry(flow.id)
                .or_insert_with(|| {
                    kdc::KdcFlow::new(flow.client, flow.server, kdc::KdcTransport::Udp, flow.first)
                })
                .datagram(dir, frame, payload);
            return;
        }
        let entry = self.live_udp.entry(flow.id).or_default();
        match flow.kind {
            UdpKind::RdpUdp => {
                let u = entry.0.get_or_insert_with(RdpUdpFacts::default);
                let v2 = u.v3[0] && u.v3[1];
                match rdpeudp::classify_datagram(payload, v2) {
                    rdpeudp::DatagramKind::Syn | rdpeudp::DatagramKind::SynAck => {
                        if let Ok((_, syn)) = rdpeudp::parse_syn(payload) {
                            let is_ack = syn.header.flags.0 & 0x0004 != 0;
                            let v = syn.synex.map(|x| x.udp_version);
                            if let Some(v) = v {
                                u.v3[dir.idx()] = v == rdpeudp::UdpVersion::V3;
                            }
                            if is_ack {
                                u.synack_frame.get_or_insert(frame);
                                u.version =
                                    Some(v.map_or("RDPUDP_PROTOCOL_VERSION_1".to_string(), |v| {
                                        v.to_string()
                                    }));
                                u.downstream_mtu = Some(syn.downstream_mtu);
                            } else {
                                if u.syn_frames.len() < 32 {
                                    u.syn_frames.push(frame.number);
                                }
                                u.upstream_mtu = Some(syn.upstream_mtu);
                            }
                        }
                    }
                    rdpeudp::DatagramKind::Unknown => {}
                    _ => u.data_packets += 1,
                }
            }
            UdpKind::Kerberos => {}
            UdpKind::Dns => {
                let Ok((_, m)) = dns::parse_message(payload) else {
                    return;
                };
                let lookups = &mut entry.1;
                if !m.header.is_response() {
                    for q in m.questions.iter().take(4) {
                        if lookups.len() < 256 {
                            lookups.push(DnsLookup {
                                query: frame,
                                name: q.name.clone(),
                                qtype: q.qtype,
                                response: None,
                                rcode: None,
                                answers: Vec::new(),
                                id: m.header.id,
                            });
                        }
                    }
                } else {
                    let qname = m
                        .questions
                        .first()
                        .map(|q| q.name.clone())
                        .unwrap_or_default();
                    if let Some(l) = lookups.iter_mut().rev().find(|l| {
                        l.id == m.header.id
                            && l.response.is_none()
                            && l.name.eq_ignore_ascii_case(&qname)
                    }) {
                        l.response = Some(frame);
                        l.rcode = Some(m.header.rcode());
                        l.answers = m.addresses().iter().map(|a| a.to_string()).collect();
                    }
                }
            }
        }
    }

    fn udp_closed(&mut self, f: UdpFlow) {
        if let Some(k) = self.live_kdc_udp.remove(&f.id) {
            if !k.messages.is_empty() {
                self.kdc.push(k);
            }
            return;
        }
        if f.kind == UdpKind::Kerberos {
            return;
        }
        let (rdpudp, dns) = self.live_udp.remove(&f.id).unwrap_or_default();
        self.udp.push(UdpRecord {
            flow: f,
            rdpudp,
            dns,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(i: u32) -> String {
        format!("CLIENT_RANDOM {:064x} {}\n", i, "ab".repeat(48))
    }

    /// 20 000 one-line Decryption Secrets Blocks (as a capture written with
    /// a DSB per session has): merging must copy each secret a bounded
    /// number of times, not the whole key map per block.
    #[test]
    fn many_small_key_blocks_merge_in_linear_work() {
        let n = 20_000u32;
        let (user, _) = KeyLog::parse(&line(u32::MAX));
        let mut st = SessionStore::new(SessionConfig {
            keylog: Some(Arc::new(user)),
            ..Default::default()
        });
        for i in 0..n {
            st.add_keylog_bytes(line(i).as_bytes());
        }
        let keys = st.keys.as_ref().expect("keys");
        assert_eq!(keys.len(), n as usize + 1, "DSB keys plus the user's");
        assert!(
            st.key_copies() <= 4 * u64::from(n),
            "{} copies for {n} blocks: quadratic",
            st.key_copies()
        );
    }

    #[test]
    fn the_users_key_wins_over_a_dsb_key_for_the_same_session() {
        let (user, _) = KeyLog::parse(&format!("CLIENT_RANDOM {:064x} {}\n", 7, "01".repeat(48)));
        let mut st = SessionStore::new(SessionConfig {
            keylog: Some(Arc::new(user.clone())),
            ..Default::default()
        });
        st.add_keylog_bytes(format!("CLIENT_RANDOM {:064x} {}\n", 7, "02".repeat(48)).as_bytes());
        assert_eq!(st.keys.as_deref(), Some(&user));
    }
}
