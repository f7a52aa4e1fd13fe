//! UDP flows: RDP-UDP (on the configured UDP ports) and DNS.

use crate::wire::FrameRef;
use std::net::SocketAddr;

/// What kind of UDP flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpKind {
    RdpUdp,
    Dns,
    /// Kerberos to a KDC (port 88).
    Kerberos,
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

impl UdpFlow {
    /// A new flow for a datagram from `src` to `dst`, or None when it is
    /// neither RDP-UDP (a port in `rdp_ports`), DNS nor Kerberos.
    pub(super) fn open(
        rdp_ports: &[u16],
        id: u32,
        src: SocketAddr,
        dst: SocketAddr,
        frame: FrameRef,
    ) -> Option<UdpFlow> {
        let (src_port, dst_port) = (src.port(), dst.port());
        let is_rdp = |p| rdp_ports.contains(&p);
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
        } else if dst_port == super::KDC_PORT {
            (UdpKind::Kerberos, src, dst)
        } else if src_port == super::KDC_PORT {
            (UdpKind::Kerberos, dst, src)
        } else {
            return None;
        };
        Some(UdpFlow {
            id,
            kind,
            client,
            server,
            first: frame,
            last: frame,
            packets: [0; 2],
            bytes: [0; 2],
        })
    }

    /// Seconds of silence after which the flow is finished: a DNS or
    /// Kerberos flow is one request and its answer; RDP-UDP idles longer.
    pub(super) fn idle_limit_s(&self) -> f64 {
        if matches!(self.kind, UdpKind::Dns | UdpKind::Kerberos) {
            10.0
        } else {
            120.0
        }
    }
}
