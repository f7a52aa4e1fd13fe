//! The RDP-UDP step: one SYN, and what comes back.

use super::record::{self, Recorder};
use super::report::{UdpReport, UdpResult};
use std::net::SocketAddr;
use std::time::Duration;

/// RDPUDP SYN (MS-RDPEUDP 3.1.5.1.1): FEC header with snSourceAck -1 and
/// RDPUDP_FLAG_SYN, SYNDATA (random ISN, MTUs 1232), padded to 1232 bytes.
pub fn rdpudp_syn() -> Vec<u8> {
    let mut d = Vec::with_capacity(1232);
    d.extend_from_slice(&u32::MAX.to_be_bytes());
    d.extend_from_slice(&64u16.to_be_bytes());
    d.extend_from_slice(&0x0001u16.to_be_bytes());
    let isn = (record::now().0 as u32) & 0x7fff_ffff;
    d.extend_from_slice(&isn.to_be_bytes());
    d.extend_from_slice(&1232u16.to_be_bytes());
    d.extend_from_slice(&1232u16.to_be_bytes());
    d.resize(1232, 0);
    d
}

/// Send the SYN to `addr` and judge the answer.
pub(super) fn probe_udp(rec: &Recorder, addr: SocketAddr, timeout: Duration) -> UdpReport {
    let (result, detail) = match record::udp_exchange(rec, addr, &rdpudp_syn(), timeout) {
        Ok((_, None)) => (
            UdpResult::NoAnswer,
            format!(
                "no answer to the RDP-UDP SYN within {:.1} s (UDP transport off, blocked, or not offered to an unauthenticated client)",
                timeout.as_secs_f64()
            ),
        ),
        Ok((_, Some((data, _)))) => match rdpdiag_parsers::rdpeudp::parse_syn(&data) {
            Ok((_, s)) if s.is_syn_ack() => (
                UdpResult::SynAck,
                format!(
                    "SYN+ACK: MTU up {} / down {}, RDP-UDP version {}",
                    s.upstream_mtu,
                    s.downstream_mtu,
                    s.udp_version().0
                ),
            ),
            _ => (
                UdpResult::Other,
                format!(
                    "an answer that is not an RDP-UDP SYN+ACK ({} bytes)",
                    data.len()
                ),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => (
            UdpResult::PortUnreachable,
            "ICMP port unreachable: nothing listens on this UDP port".into(),
        ),
        Err(e) => (UdpResult::Error, e.to_string()),
    };
    UdpReport { result, detail }
}
