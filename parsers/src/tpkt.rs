//! TPKT framing (RFC 1006 §6, T.123 §8) and first-byte stream demultiplexing.
//!
//! A TPKT header is 4 bytes: version (3), reserved (0), and a big-endian
//! length that includes the header itself (minimum 7, maximum 65535).
//! RDP "slow-path" PDUs travel in TPKT; fast-path PDUs (MS-RDPBCGR 2.2.8.1.2 /
//! 2.2.9.1.2) and TLS records share the same TCP stream, told apart by the
//! first byte (see [`classify_first_byte`]).

use crate::error::{take, ParseError, ParseResult};

/// TPKT version byte.
pub const TPKT_VERSION: u8 = 3;
/// Size of the TPKT header.
pub const TPKT_HEADER_LEN: usize = 4;
/// Smallest legal TPKT length (header + smallest X.224 TPDU).
pub const TPKT_MIN_LEN: u16 = 7;

/// The 4-byte TPKT header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TpktHeader {
    /// Always 3.
    pub version: u8,
    /// Reserved, normally 0 (kept as seen).
    pub reserved: u8,
    /// Total frame length including this header.
    pub length: u16,
}

impl TpktHeader {
    /// Length of the payload after the header.
    pub fn payload_len(&self) -> usize {
        usize::from(self.length).saturating_sub(TPKT_HEADER_LEN)
    }
}

/// One whole TPKT frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tpkt<'a> {
    /// The header.
    pub header: TpktHeader,
    /// The payload (an X.224 TPDU), borrowed from the input.
    pub payload: &'a [u8],
}

/// Parse the 4-byte TPKT header (checks version and minimum length).
pub fn parse_tpkt_header(input: &[u8]) -> ParseResult<'_, TpktHeader> {
    let (rest, h) = take(input, TPKT_HEADER_LEN)?;
    let (version, reserved, length) = match h {
        [v, r, a, b] => (*v, *r, u16::from_be_bytes([*a, *b])),
        _ => return Err(ParseError::incomplete(TPKT_HEADER_LEN)),
    };
    if version != TPKT_VERSION {
        return Err(ParseError::invalid("TPKT", "version", "must be 3"));
    }
    if length < TPKT_MIN_LEN {
        return Err(ParseError::invalid("TPKT", "length", "must be at least 7"));
    }
    Ok((
        rest,
        TpktHeader {
            version,
            reserved,
            length,
        },
    ))
}

/// Parse a whole TPKT frame; the remaining input starts after the frame.
pub fn parse_tpkt_frame(input: &[u8]) -> ParseResult<'_, Tpkt<'_>> {
    let (rest, header) = parse_tpkt_header(input)?;
    let (rest, payload) = take(rest, header.payload_len())?;
    Ok((rest, Tpkt { header, payload }))
}

/// Parse a whole TPKT frame and return its payload slice (the X.224 TPDU).
pub fn parse_tpkt(input: &[u8]) -> ParseResult<'_, &[u8]> {
    parse_tpkt_frame(input).map(|(rest, t)| (rest, t.payload))
}

/// What the first byte of a PDU on an RDP TCP stream announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// 0x03: TPKT (slow path).
    Tpkt,
    /// Low two bits 0 (FASTPATH_OUTPUT_ACTION_FASTPATH / FASTPATH_INPUT_ACTION_FASTPATH).
    FastPath,
    /// 0x14..=0x17: a TLS record of this content type
    /// (change_cipher_spec, alert, handshake, application_data).
    TlsRecord(u8),
    /// Anything else.
    Unknown,
}

/// Classify the first byte of a PDU for stream demultiplexing
/// (Wireshark `packet-rdp.c` fast-path action values; TLS content types).
pub fn classify_first_byte(b: u8) -> FrameKind {
    match b {
        TPKT_VERSION => FrameKind::Tpkt,
        0x14..=0x17 => FrameKind::TlsRecord(b),
        _ if b & 0x03 == 0 => FrameKind::FastPath,
        _ => FrameKind::Unknown,
    }
}

/// Little helpers shared by this crate's RDP-layer parsers: fixed-size
/// reads that return [`ParseError::Incomplete`] on short input.
pub(crate) mod rd {
    use crate::error::{take, ParseResult};

    pub(crate) fn u8(input: &[u8]) -> ParseResult<'_, u8> {
        match input.split_first() {
            Some((b, rest)) => Ok((rest, *b)),
            None => Err(crate::ParseError::incomplete(1)),
        }
    }

    pub(crate) fn arr<const N: usize>(input: &[u8]) -> ParseResult<'_, [u8; N]> {
        let (rest, b) = take(input, N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok((rest, out))
    }

    pub(crate) fn u16_le(input: &[u8]) -> ParseResult<'_, u16> {
        arr::<2>(input).map(|(r, a)| (r, u16::from_le_bytes(a)))
    }

    pub(crate) fn u16_be(input: &[u8]) -> ParseResult<'_, u16> {
        arr::<2>(input).map(|(r, a)| (r, u16::from_be_bytes(a)))
    }

    pub(crate) fn u32_le(input: &[u8]) -> ParseResult<'_, u32> {
        arr::<4>(input).map(|(r, a)| (r, u32::from_le_bytes(a)))
    }

    /// Decode UTF-16LE, stopping at the first NUL; unpaired surrogates
    /// become U+FFFD. An odd trailing byte is ignored.
    pub(crate) fn utf16z(bytes: &[u8]) -> String {
        let units = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|u| *u != 0);
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }

    /// Decode an 8-bit string (Latin-1), stopping at the first NUL.
    pub(crate) fn latin1z(bytes: &[u8]) -> String {
        bytes
            .iter()
            .take_while(|b| **b != 0)
            .map(|b| char::from(*b))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify() {
        assert_eq!(classify_first_byte(0x03), FrameKind::Tpkt);
        assert_eq!(classify_first_byte(0x16), FrameKind::TlsRecord(0x16));
        assert_eq!(classify_first_byte(0x14), FrameKind::TlsRecord(0x14));
        assert_eq!(classify_first_byte(0x44), FrameKind::FastPath);
        assert_eq!(classify_first_byte(0x01), FrameKind::Unknown);
    }

    #[test]
    fn header_errors() {
        // hand-made: version 5 and a too-short length never appear in a clean capture
        assert!(matches!(
            parse_tpkt(&[5, 0, 0, 19]),
            Err(ParseError::Invalid {
                field: "version",
                ..
            })
        ));
        assert!(matches!(
            parse_tpkt(&[3, 0, 0, 6]),
            Err(ParseError::Invalid {
                field: "length",
                ..
            })
        ));
        assert_eq!(
            parse_tpkt(&[3, 0]),
            Err(ParseError::Incomplete { needed: 2 })
        );
        assert_eq!(
            parse_tpkt(&[3, 0, 0, 9, 2, 0xf0]),
            Err(ParseError::Incomplete { needed: 3 })
        );
    }
}
