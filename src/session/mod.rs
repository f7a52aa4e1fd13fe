//! Per-connection protocol state. Reassembled bytes of each RDP connection
//! are parsed layer by layer (X.224 → TLS → …) into [`Event`]s with their
//! frames; finished connections become [`ConnectionRecord`]s, the facts the
//! attempt grouping and the rules work on.

pub mod conn;
pub mod facts;
pub mod stream;

pub use conn::{Session, SessionFacts};

use crate::flow::{Delivery, Dir, FlowSink, FrameRef, TcpConn, TcpHealth, UdpFlow, UdpKind};
use crate::flow::{Handshake, RdpReason, RoleSource};
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;

/// Settings of the session layer.
#[derive(Debug, Clone, Default)]
pub struct SessionConfig {}

/// Everything known about one finished TCP connection.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionRecord {
    pub id: u32,
    pub transport: &'static str,
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
    #[serde(flatten)]
    pub facts: SessionFacts,
}

impl ConnectionRecord {
    fn from_conn(c: &TcpConn, facts: SessionFacts) -> Self {
        ConnectionRecord {
            id: c.id,
            transport: "tcp",
            client: c.client,
            server: c.server,
            roles: c.roles,
            rdp: c.rdp,
            first: c.first,
            last: c.last,
            duration_s: c.last.ts.since(c.first.ts),
            packets: [c.health.client.packets, c.health.server.packets],
            bytes: [c.health.client.payload_bytes, c.health.server.payload_bytes],
            tcp: c.health.clone(),
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
            (Some(d), Some(k)) => format!("{} by {}", k.to_uppercase(), d.sender()),
            _ => "open at end of capture".into(),
        }
    }
}

/// One finished UDP flow.
#[derive(Debug, Clone, Serialize)]
pub struct UdpRecord {
    pub id: u32,
    pub kind: UdpKind,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub first: FrameRef,
    pub last: FrameRef,
    pub packets: [u64; 2],
    pub bytes: [u64; 2],
}

/// Receives the flow engine's output and keeps the session states.
#[derive(Debug, Default)]
pub struct SessionStore {
    #[allow(dead_code)]
    cfg: SessionConfig,
    live: HashMap<u32, Session>,
    pub connections: Vec<ConnectionRecord>,
    pub udp: Vec<UdpRecord>,
    keylog: Vec<u8>,
}

impl SessionStore {
    pub fn new(cfg: SessionConfig) -> Self {
        SessionStore {
            cfg,
            ..Default::default()
        }
    }

    /// TLS secrets found in the capture itself.
    pub fn add_keylog_bytes(&mut self, b: &[u8]) {
        self.keylog.extend_from_slice(b);
        self.keylog.push(b'\n');
    }

    /// End of input.
    pub fn finish(&mut self) {
        self.connections.sort_by_key(|c| (c.first.number, c.id));
        self.udp.sort_by_key(|u| (u.first.number, u.id));
    }
}

impl FlowSink for SessionStore {
    fn tcp_data(&mut self, conn: &TcpConn, dir: Dir, delivery: Delivery<'_>) {
        let s = self.live.entry(conn.id).or_default();
        match delivery {
            Delivery::Data { offset, data, frame } => s.data(dir, offset, data, frame),
            Delivery::Gap { offset, len, frame } => s.gap(dir, offset, len, frame),
        }
    }

    fn tcp_closed(&mut self, conn: TcpConn) {
        let session = self.live.remove(&conn.id).unwrap_or_default();
        if conn.rdp.is_some() {
            self.connections
                .push(ConnectionRecord::from_conn(&conn, session.facts));
        }
    }

    fn udp(&mut self, _flow: &UdpFlow, _dir: Dir, _frame: FrameRef, _payload: &[u8]) {}

    fn udp_closed(&mut self, f: UdpFlow) {
        self.udp.push(UdpRecord {
            id: f.id,
            kind: f.kind,
            client: f.client,
            server: f.server,
            first: f.first,
            last: f.last,
            packets: f.packets,
            bytes: f.bytes,
        });
    }
}
