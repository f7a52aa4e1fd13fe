//! Link and network decoding: a frame becomes a [`Packet`] with its IP facts
//! and a TCP or UDP header, or is skipped.
//!
//! etherparse does Ethernet, VLAN (802.1Q, QinQ), IPv4/IPv6 with extension
//! headers, TCP and UDP. The Linux cooked headers (SLL, SLL2) and BSD
//! loopback are unwrapped here first, because etherparse lacks SLL2 and
//! mishandles cooked loopback.

use crate::capture::{Frame, LinkType};
use crate::wire::Ts;
use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use std::net::IpAddr;

/// TCP header facts the flow engine needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpInfo {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub syn: bool,
    pub ack_flag: bool,
    pub fin: bool,
    pub rst: bool,
    pub psh: bool,
    pub window: u16,
    /// MSS option, when present (SYN segments).
    pub mss: Option<u16>,
    /// Window scale option, when present.
    pub wscale: Option<u8>,
    /// Payload length the IP header announces (may exceed the captured bytes).
    pub payload_len: u32,
}

/// Transport layer of a packet.
#[derive(Debug, Clone, Copy)]
pub enum Transport<'a> {
    Tcp(TcpInfo, &'a [u8]),
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
    },
}

/// A decoded packet.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    pub frame: u64,
    pub ts: Ts,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// IPv4 identification (None for IPv6).
    pub ip_id: Option<u16>,
    pub transport: Transport<'a>,
}

/// Why a frame yielded no packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not IP (ARP, LLDP, …) or not TCP/UDP (ICMP, …).
    NotTcpUdp,
    /// An IPv4 or IPv6 fragment (counted and reported, not reassembled).
    Fragment,
    /// Too short or malformed headers.
    Malformed,
}

/// Strip the link header, returning (ethertype or None for "IP, version in first nibble", payload).
fn unwrap_link(link: LinkType, data: &[u8]) -> Option<(Option<u16>, &[u8])> {
    match link {
        LinkType::ETHERNET => None, // handled by etherparse directly
        LinkType::RAW | LinkType::IPV4 | LinkType::IPV6 => Some((None, data)),
        LinkType(12) | LinkType(14) => Some((None, data)),
        LinkType::NULL | LinkType::LOOP => {
            // 4-byte address family in host (NULL) or network (LOOP) byte order.
            let fam = data.get(..4)?;
            let le = u32::from_le_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let be = u32::from_be_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let af = if le < 256 { le } else { be };
            let rest = &data[4..];
            match af {
                2 => Some((Some(0x0800), rest)),
                // AF_INET6 differs per BSD: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux).
                10 | 24 | 28 | 30 => Some((Some(0x86DD), rest)),
                _ => Some((None, rest)),
            }
        }
        LinkType::LINUX_SLL => {
            // packet type u16, ARPHRD u16, addr len u16, addr [8], protocol u16
            let hdr = data.get(..16)?;
            let hatype = u16::from_be_bytes([hdr[2], hdr[3]]);
            let proto = u16::from_be_bytes([hdr[14], hdr[15]]);
            let rest = &data[16..];
            sll_payload(hatype, proto, rest)
        }
        LinkType::LINUX_SLL2 => {
            // protocol u16, reserved u16, ifindex u32, ARPHRD u16, packet type u8, addr len u8, addr [8]
            let hdr = data.get(..20)?;
            let proto = u16::from_be_bytes([hdr[0], hdr[1]]);
            let hatype = u16::from_be_bytes([hdr[8], hdr[9]]);
            let rest = &data[20..];
            sll_payload(hatype, proto, rest)
        }
        _ => None,
    }
}

fn sll_payload(hatype: u16, proto: u16, rest: &[u8]) -> Option<(Option<u16>, &[u8])> {
    // ARPHRD_NETLINK (824) carries no IP; loopback (772) and others carry an ethertype.
    if hatype == 824 {
        return Some((Some(0), rest));
    }
    match proto {
        // Linux "protocol" values below 0x0600 are not ethertypes (e.g. 0x0004 802.2).
        p if p >= 0x0600 => Some((Some(p), rest)),
        _ => Some((Some(0), rest)),
    }
}

/// The IP payload length the header announces: what was captured, or more
/// when a snap length cut the frame.
fn announced_len(p: &etherparse::LaxIpPayloadSlice<'_>, from_header: usize) -> usize {
    if p.incomplete {
        from_header.max(p.payload.len())
    } else {
        p.payload.len()
    }
}

/// Decode a frame into a packet.
pub fn decode<'a>(frame: &Frame<'a>) -> Result<Packet<'a>, Skip> {
    let sliced = if frame.link == LinkType::ETHERNET {
        LaxSlicedPacket::from_ethernet(frame.data).map_err(|_| Skip::Malformed)?
    } else {
        let (ethertype, payload) = unwrap_link(frame.link, frame.data).ok_or(Skip::Malformed)?;
        match ethertype {
            Some(0) => return Err(Skip::NotTcpUdp),
            Some(et) => LaxSlicedPacket::from_ether_type(EtherType(et), payload),
            None => LaxSlicedPacket::from_ip(payload).map_err(|_| Skip::Malformed)?,
        }
    };
    let (src, dst, ttl, ip_id, fragmented, ip_payload_len) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                h.ttl(),
                Some(h.identification()),
                v4.is_payload_fragmented(),
                announced_len(
                    v4.payload(),
                    (h.total_len() as usize).saturating_sub(
                        h.slice().len() + v4.extensions().auth.map_or(0, |a| a.slice().len()),
                    ),
                ),
            )
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                h.hop_limit(),
                None,
                v6.is_payload_fragmented(),
                announced_len(
                    v6.payload(),
                    (h.payload_length() as usize).saturating_sub(v6.extensions().slice().len()),
                ),
            )
        }
        None => return Err(Skip::NotTcpUdp),
    };
    if fragmented {
        return Err(Skip::Fragment);
    }
    let transport = match &sliced.transport {
        Some(TransportSlice::Tcp(t)) => {
            let mut mss = None;
            let mut wscale = None;
            for opt in t.options_iterator().flatten() {
                match opt {
                    etherparse::TcpOptionElement::MaximumSegmentSize(m) => mss = Some(m),
                    etherparse::TcpOptionElement::WindowScale(w) => wscale = Some(w),
                    _ => {}
                }
            }
            let hdr_len = t.header_slice().len() as u32;
            let payload_len = (ip_payload_len as u32)
                .saturating_sub(hdr_len)
                .max(t.payload().len() as u32);
            Transport::Tcp(
                TcpInfo {
                    src_port: t.source_port(),
                    dst_port: t.destination_port(),
                    seq: t.sequence_number(),
                    ack: t.acknowledgment_number(),
                    syn: t.syn(),
                    ack_flag: t.ack(),
                    fin: t.fin(),
                    rst: t.rst(),
                    psh: t.psh(),
                    window: t.window_size(),
                    mss,
                    wscale,
                    payload_len,
                },
                t.payload(),
            )
        }
        Some(TransportSlice::Udp(u)) => Transport::Udp {
            src_port: u.source_port(),
            dst_port: u.destination_port(),
            payload: u.payload(),
        },
        _ => {
            return Err(if sliced.stop_err.is_some() {
                Skip::Malformed
            } else {
                Skip::NotTcpUdp
            })
        }
    };
    Ok(Packet {
        frame: frame.number,
        ts: frame.ts,
        src,
        dst,
        ttl,
        ip_id,
        transport,
    })
}
