//! Fast-path header and PDU (2.2.8.1.2 / 2.2.9.1.2).

use crate::error::{take, ParseError, ParseResult};
use crate::tpkt::rd;

/// Fast-path PDU header (TS_FP_INPUT_PDU / TS_FP_UPDATE_PDU).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastPathHeader {
    /// Action (low 2 bits): 0 = fast-path.
    pub action: u8,
    /// Bits 2..5: numEvents for client input (0 = count in an extra byte);
    /// reserved for server output.
    pub num_events: u8,
    /// Bits 6..7: FASTPATH_*_SECURE_CHECKSUM 0x1, FASTPATH_*_ENCRYPTED 0x2.
    pub flags: u8,
    /// Total PDU length including the header.
    pub length: u16,
    /// Bytes taken by the header byte and the length field (2 or 3).
    pub header_len: usize,
}

impl FastPathHeader {
    /// True when the PDU is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.flags & 0x2 != 0
    }
}

/// A fast-path PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastPathPdu<'a> {
    pub header: FastPathHeader,
    /// Everything after the length field up to `length`.
    pub body: &'a [u8],
}

/// Parse a fast-path header (action byte + 1- or 2-byte length).
pub fn parse_fast_path_header(input: &[u8]) -> ParseResult<'_, FastPathHeader> {
    const W: &str = "fast-path header";
    let (r, b0) = rd::u8(input)?;
    if b0 & 0x03 != 0 {
        return Err(ParseError::invalid(
            W,
            "action",
            "not FASTPATH_ACTION_FASTPATH",
        ));
    }
    let (r, l1) = rd::u8(r)?;
    let (r, length, header_len) = if l1 & 0x80 != 0 {
        let (r, l2) = rd::u8(r)?;
        (r, (u16::from(l1 & 0x7F) << 8) | u16::from(l2), 3)
    } else {
        (r, u16::from(l1), 2)
    };
    if usize::from(length) < header_len {
        return Err(ParseError::invalid(W, "length", "smaller than the header"));
    }
    Ok((
        r,
        FastPathHeader {
            action: b0 & 0x03,
            num_events: (b0 >> 2) & 0x0F,
            flags: b0 >> 6,
            length,
            header_len,
        },
    ))
}

/// Parse a whole fast-path PDU; remaining input follows it (lets a
/// stream layer skip fast-path traffic).
pub fn parse_fast_path(input: &[u8]) -> ParseResult<'_, FastPathPdu<'_>> {
    let (r, header) = parse_fast_path_header(input)?;
    let (rest, body) = take(r, usize::from(header.length) - header.header_len)?;
    Ok((rest, FastPathPdu { header, body }))
}
