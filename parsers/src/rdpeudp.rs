//! RDP over UDP: MS-RDPEUDP (v1/v2, big-endian) SYN and SYN+ACK decoding,
//! v1 ACK/data header decoding, and recognition of MS-RDPEUDP2 packets
//! (protocol-facts A5; Zeek `rdpeudp-protocol.pac`/`rdpeudp-analyzer.pac`,
//! Wireshark `packet-rdpudp.c`).
//!
//! - SYN: `RDPUDP_FEC_HEADER{snSourceAck=-1, uReceiveWindowSize, uFlags}`,
//!   then `RDPUDP_SYNDATA_PAYLOAD{snInitialSequenceNumber, uUpStreamMtu,
//!   uDownStreamMtu}`, an optional `RDPUDP_CORRELATION_ID_PAYLOAD` (flag
//!   0x0800, 16-byte id + 16 reserved) and an optional
//!   `RDPUDP_SYNDATAEX_PAYLOAD` (flag 0x1000: uSynExFlags, uUdpVer,
//!   cookieHash\[32\] when uUdpVer=0x0101), zero-padded to the MTU.
//! - Once both SYN and SYN+ACK carry uUdpVer 0x0101 (RDPUDP_PROTOCOL_VERSION_3)
//!   the flow switches to MS-RDPEUDP2, whose packets swap byte 0 with byte 7
//!   on the wire; after the swap, byte 0 is a prefix (packet type in bits
//!   1..4) and a little-endian u16 holds 12 flag bits and a 4-bit log window.

use crate::error::{flag_set, take, ParseError, ParseResult};
use crate::open_enum;

/// Smallest and largest MTU the spec allows in SYN/SYN+ACK.
pub const MTU_MIN: u16 = 1132;
pub const MTU_MAX: u16 = 1232;

open_enum! {
    /// uUdpVer of RDPUDP_SYNDATAEX_PAYLOAD.
    pub struct UdpVersion(u16) {
        V1 = 0x0001 => "RDPUDP_PROTOCOL_VERSION_1",
        V2 = 0x0002 => "RDPUDP_PROTOCOL_VERSION_2",
        V3 = 0x0101 => "RDPUDP_PROTOCOL_VERSION_3",
    }
}

flag_set! {
    /// RDPUDP_FEC_HEADER uFlags (MS-RDPEUDP 2.2.2.1): an open bit set with names.
    pub struct UdpFlags(u16) [zero = ""] {
        SYN = 0x0001 => "SYN",
        FIN = 0x0002 => "FIN",
        ACK = 0x0004 => "ACK",
        DATA = 0x0008 => "DATA",
        FEC = 0x0010 => "FEC",
        CN = 0x0020 => "CN",
        CWR = 0x0040 => "CWR",
        SACK_OPTION = 0x0080 => "SACK_OPTION",
        ACK_OF_ACKS = 0x0100 => "ACK_OF_ACKS",
        SYNLOSSY = 0x0200 => "SYNLOSSY",
        ACKDELAYED = 0x0400 => "ACKDELAYED",
        CORRELATION_ID = 0x0800 => "CORRELATION_ID",
        SYNEX = 0x1000 => "SYNEX",
    }
}

/// RDPUDP_FEC_HEADER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FecHeader {
    pub sn_source_ack: u32,
    pub receive_window_size: u16,
    pub flags: UdpFlags,
}

/// RDPUDP_SYNDATAEX_PAYLOAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynEx<'a> {
    pub syn_ex_flags: u16,
    pub udp_version: UdpVersion,
    /// 32-byte SHA-256 of the security cookie (version 3 only).
    pub cookie_hash: Option<&'a [u8]>,
}

/// A SYN or SYN+ACK datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syn<'a> {
    pub header: FecHeader,
    pub initial_sequence_number: u32,
    pub upstream_mtu: u16,
    pub downstream_mtu: u16,
    /// 16-byte correlation id (flag CORRELATION_ID).
    pub correlation_id: Option<&'a [u8]>,
    pub synex: Option<SynEx<'a>>,
    /// Bytes after the payloads (zero padding up to the MTU).
    pub padding_len: usize,
}

impl Syn<'_> {
    /// SYN+ACK (SYN and ACK set).
    pub fn is_syn_ack(&self) -> bool {
        self.header.flags.contains(UdpFlags::SYN | UdpFlags::ACK)
    }

    /// Lossy (UDP-L) transport requested.
    pub fn is_lossy(&self) -> bool {
        self.header.flags.contains(UdpFlags::SYNLOSSY)
    }

    /// The protocol version advertised (1 when there is no SYNEX payload).
    pub fn udp_version(&self) -> UdpVersion {
        self.synex.map_or(UdpVersion::V1, |s| s.udp_version)
    }

    /// Both MTUs inside 1132..=1232.
    pub fn mtus_in_spec_range(&self) -> bool {
        (MTU_MIN..=MTU_MAX).contains(&self.upstream_mtu)
            && (MTU_MIN..=MTU_MAX).contains(&self.downstream_mtu)
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some([x, y]) => u16::from_be_bytes([*x, *y]),
        _ => 0,
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some([a, c, d, e]) => u32::from_be_bytes([*a, *c, *d, *e]),
        _ => 0,
    }
}

/// Parse the 8-byte RDPUDP_FEC_HEADER.
pub fn parse_fec_header(input: &[u8]) -> ParseResult<'_, FecHeader> {
    let (rest, h) = take(input, 8)?;
    Ok((
        rest,
        FecHeader {
            sn_source_ack: be32(h, 0),
            receive_window_size: be16(h, 4),
            flags: UdpFlags(be16(h, 6)),
        },
    ))
}

/// Parse a SYN or SYN+ACK datagram (the whole UDP payload). The remaining
/// input is empty: padding is counted in [`Syn::padding_len`].
pub fn parse_syn(input: &[u8]) -> ParseResult<'_, Syn<'_>> {
    const WHAT: &str = "RDPUDP SYN";
    let (rest, header) = parse_fec_header(input)?;
    if !header.flags.contains(UdpFlags::SYN) {
        return Err(ParseError::invalid(WHAT, "uFlags", "SYN not set"));
    }
    if !header.flags.contains(UdpFlags::ACK) && header.sn_source_ack != u32::MAX {
        return Err(ParseError::invalid(
            WHAT,
            "snSourceAck",
            "must be -1 in a SYN",
        ));
    }
    let (mut rest, sd) = take(rest, 8)?;
    let correlation_id = if header.flags.contains(UdpFlags::CORRELATION_ID) {
        let (r, c) = take(rest, 32)?;
        rest = r;
        c.get(..16)
    } else {
        None
    };
    let synex = if header.flags.contains(UdpFlags::SYNEX) {
        let (r, x) = take(rest, 4)?;
        rest = r;
        let udp_version = UdpVersion(be16(x, 2));
        let cookie_hash = if udp_version == UdpVersion::V3 && be16(x, 0) & 1 != 0 {
            let (r, h) = take(rest, 32)?;
            rest = r;
            Some(h)
        } else {
            None
        };
        Some(SynEx {
            syn_ex_flags: be16(x, 0),
            udp_version,
            cookie_hash,
        })
    } else {
        None
    };
    Ok((
        &rest[rest.len()..],
        Syn {
            header,
            initial_sequence_number: be32(sd, 0),
            upstream_mtu: be16(sd, 4),
            downstream_mtu: be16(sd, 6),
            correlation_id,
            synex,
            padding_len: rest.len(),
        },
    ))
}

/// RDPUDP_SOURCE_PAYLOAD_HEADER (or the first two fields of the FEC payload header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceHeader {
    pub sn_coded: u32,
    pub sn_source_start: u32,
}

/// A v1 ACK / data / FEC datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V1Packet<'a> {
    pub header: FecHeader,
    /// AckVector elements (flag ACK).
    pub ack_vector: Option<&'a [u8]>,
    /// snResetSeqNum of RDPUDP_ACK_OF_ACKVECTOR_HEADER (flag ACK_OF_ACKS).
    pub ack_of_acks: Option<u32>,
    /// Source (DATA) or FEC payload header.
    pub source: Option<SourceHeader>,
    /// Payload after the headers (TLS or DTLS records for source packets).
    pub payload: &'a [u8],
}

/// Parse a v1 (non-SYN) datagram: FEC header, ACK vector (padded to 4
/// bytes), ACK-of-acks, source or FEC payload header, payload.
pub fn parse_v1_packet(input: &[u8]) -> ParseResult<'_, V1Packet<'_>> {
    let (mut rest, header) = parse_fec_header(input)?;
    let f = header.flags;
    let ack_vector = if f.contains(UdpFlags::ACK) {
        let (_, n) = take(rest, 2)?;
        let n = usize::from(be16(n, 0));
        let total = (2 + n + 3) & !3;
        let (r, v) = take(rest, total)?;
        rest = r;
        v.get(2..2 + n)
    } else {
        None
    };
    let ack_of_acks = if f.contains(UdpFlags::ACK_OF_ACKS) {
        let (r, v) = take(rest, 4)?;
        rest = r;
        Some(be32(v, 0))
    } else {
        None
    };
    let source = if f.contains(UdpFlags::FEC) {
        let (r, v) = take(rest, 12)?;
        rest = r;
        Some(SourceHeader {
            sn_coded: be32(v, 0),
            sn_source_start: be32(v, 4),
        })
    } else if f.contains(UdpFlags::DATA) {
        let (r, v) = take(rest, 8)?;
        rest = r;
        Some(SourceHeader {
            sn_coded: be32(v, 0),
            sn_source_start: be32(v, 4),
        })
    } else {
        None
    };
    Ok((
        &rest[rest.len()..],
        V1Packet {
            header,
            ack_vector,
            ack_of_acks,
            source,
            payload: rest,
        },
    ))
}

/// MS-RDPEUDP2 packet header fields (after undoing the byte-0/byte-7 swap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rdpeudp2Header {
    /// Packet type from the prefix byte (bits 1..4); 0 = data, 8 = dummy.
    pub packet_type: u8,
    /// The 12 flag bits: ACK 0x001, DATA 0x004, ACKVEC 0x008, AOA 0x010,
    /// OVERHEADSIZE 0x040, DELAYACKINFO 0x100.
    pub flags: u16,
    pub log_window_size: u8,
}

impl Rdpeudp2Header {
    pub const ACK: u16 = 0x001;
    pub const DATA: u16 = 0x004;
    pub const ACKVEC: u16 = 0x008;
    pub const AOA: u16 = 0x010;
    pub const OVERHEADSIZE: u16 = 0x040;
    pub const DELAYACKINFO: u16 = 0x100;
}

/// Decode the MS-RDPEUDP2 prefix and header. Needs at least 8 bytes (the
/// swap touches byte 7).
pub fn parse_rdpeudp2_header(input: &[u8]) -> ParseResult<'_, Rdpeudp2Header> {
    const WHAT: &str = "RDPUDP2 packet";
    let (_, b) = take(input, 8)?;
    // swap byte 0 and byte 7
    let prefix = *b.get(7).ok_or(ParseError::incomplete(8))?;
    let h = u16::from_le_bytes([*b.get(1).unwrap_or(&0), *b.get(2).unwrap_or(&0)]);
    let flags = h & 0x0fff;
    if flags & !0x015d != 0 {
        return Err(ParseError::invalid(
            WHAT,
            "Flags",
            "undefined flag bits set",
        ));
    }
    Ok((
        &input[input.len()..],
        Rdpeudp2Header {
            packet_type: (prefix >> 1) & 0x0f,
            flags,
            log_window_size: (h >> 12) as u8,
        },
    ))
}

/// What a datagram is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramKind {
    Syn,
    SynAck,
    /// v1 ACK without data.
    Ack,
    /// v1 datagram carrying data (source or FEC payload).
    Data,
    /// v1 FIN.
    Fin,
    /// MS-RDPEUDP2 packet (only after a version-3 handshake).
    Rdpeudp2,
    Unknown,
}

/// Classify one UDP payload. `rdpeudp2_negotiated`: the flow's SYN and
/// SYN+ACK both advertised version 3 (0x0101), so non-SYN datagrams are
/// RDPEUDP2 (the wire gives no per-packet version marker; Zeek and
/// Wireshark keep the same state).
pub fn classify_datagram(input: &[u8], rdpeudp2_negotiated: bool) -> DatagramKind {
    let Ok((_, h)) = parse_fec_header(input) else {
        return DatagramKind::Unknown;
    };
    let f = h.flags;
    if rdpeudp2_negotiated {
        if f.contains(UdpFlags::SYN) && h.sn_source_ack == u32::MAX && parse_syn(input).is_ok() {
            return DatagramKind::Syn;
        }
        return match parse_rdpeudp2_header(input) {
            Ok(_) => DatagramKind::Rdpeudp2,
            Err(_) => DatagramKind::Unknown,
        };
    }
    if f.contains(UdpFlags::SYN) && parse_syn(input).is_ok() {
        return if f.contains(UdpFlags::ACK) {
            DatagramKind::SynAck
        } else {
            DatagramKind::Syn
        };
    }
    if parse_v1_packet(input).is_err() {
        return DatagramKind::Unknown;
    }
    if f.contains(UdpFlags::FIN) {
        DatagramKind::Fin
    } else if f.intersects(UdpFlags::DATA | UdpFlags::FEC) {
        DatagramKind::Data
    } else if f.contains(UdpFlags::ACK) {
        DatagramKind::Ack
    } else {
        DatagramKind::Unknown
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn flags_names() {
        assert_eq!(
            UdpFlags(0x1801).names(),
            vec!["SYN", "CORRELATION_ID", "SYNEX"]
        );
    }

    #[test]
    fn syn_requires_minus_one_ack() {
        // hand-made: a SYN whose snSourceAck is not -1 (Zeek rejects it too).
        let mut d = vec![0, 0, 0, 1, 0, 0x40, 0, 1];
        d.extend_from_slice(&[0, 0, 0, 1, 0x04, 0xd0, 0x04, 0xd0]);
        assert!(matches!(parse_syn(&d), Err(ParseError::Invalid { .. })));
    }
}
