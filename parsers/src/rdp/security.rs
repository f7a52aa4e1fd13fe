//! Basic security header (TS_SECURITY_HEADER, 2.2.8.1.1.2), the non-FIPS
//! secured PDU wrapper and the Security Exchange PDU (2.2.1.10).

use crate::error::flag_set;
use crate::error::{take, ParseError, ParseResult};
use crate::tpkt::rd;

flag_set! {
    /// Basic security header flags (TS_SECURITY_HEADER flags).
    pub struct SecurityFlags(u16) [zero = ""] {
        EXCHANGE_PKT = 0x0001 => "SEC_EXCHANGE_PKT",
        TRANSPORT_REQ = 0x0002 => "SEC_TRANSPORT_REQ",
        TRANSPORT_RSP = 0x0004 => "SEC_TRANSPORT_RSP",
        ENCRYPT = 0x0008 => "SEC_ENCRYPT",
        RESET_SEQNO = 0x0010 => "SEC_RESET_SEQNO",
        IGNORE_SEQNO = 0x0020 => "SEC_IGNORE_SEQNO",
        INFO_PKT = 0x0040 => "SEC_INFO_PKT",
        LICENSE_PKT = 0x0080 => "SEC_LICENSE_PKT",
        LICENSE_ENCRYPT = 0x0200 => "SEC_LICENSE_ENCRYPT_CS",
        REDIRECTION_PKT = 0x0400 => "SEC_REDIRECTION_PKT",
        SECURE_CHECKSUM = 0x0800 => "SEC_SECURE_CHECKSUM",
        AUTODETECT_REQ = 0x1000 => "SEC_AUTODETECT_REQ",
        AUTODETECT_RSP = 0x2000 => "SEC_AUTODETECT_RSP",
        HEARTBEAT = 0x4000 => "SEC_HEARTBEAT",
        FLAGSHI_VALID = 0x8000 => "SEC_FLAGSHI_VALID",
    }
}

/// TS_SECURITY_HEADER (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityHeader {
    pub flags: SecurityFlags,
    /// flagsHi (implementations put various values here, e.g. the
    /// licensing message size).
    pub flags_hi: u16,
}

/// Parse the 4-byte basic security header.
pub fn parse_security_header(input: &[u8]) -> ParseResult<'_, SecurityHeader> {
    let (r, flags) = rd::u16_le(input)?;
    let (r, flags_hi) = rd::u16_le(r)?;
    Ok((
        r,
        SecurityHeader {
            flags: SecurityFlags(flags),
            flags_hi,
        },
    ))
}

/// A PDU behind a non-FIPS security header (TS_SECURITY_HEADER1 when
/// SEC_ENCRYPT is set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecuredPdu<'a> {
    pub header: SecurityHeader,
    /// 8-byte MAC when SEC_ENCRYPT is set.
    pub data_signature: Option<&'a [u8]>,
    /// The (possibly encrypted) body.
    pub body: &'a [u8],
}

impl SecuredPdu<'_> {
    /// True when the body is RC4-encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.header.flags.contains(SecurityFlags::ENCRYPT)
    }
}

/// Parse a security header (plus the 8-byte signature when SEC_ENCRYPT is
/// set, non-FIPS) and return the body (rest of the input).
pub fn parse_secured_pdu(input: &[u8]) -> ParseResult<'_, SecuredPdu<'_>> {
    let (r, header) = parse_security_header(input)?;
    let (r, data_signature) = if header.flags.contains(SecurityFlags::ENCRYPT) {
        let (r, s) = take(r, 8)?;
        (r, Some(s))
    } else {
        (r, None)
    };
    Ok((
        &[],
        SecuredPdu {
            header,
            data_signature,
            body: r,
        },
    ))
}

/// Security Exchange PDU data (after the security header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityExchange<'a> {
    pub length: u32,
    /// Encrypted client random (includes 8 bytes of padding).
    pub encrypted_client_random: &'a [u8],
}

/// Parse a Security Exchange PDU: security header with SEC_EXCHANGE_PKT,
/// then length and encrypted client random.
pub fn parse_security_exchange(input: &[u8]) -> ParseResult<'_, SecurityExchange<'_>> {
    let (r, h) = parse_security_header(input)?;
    if !h.flags.contains(SecurityFlags::EXCHANGE_PKT) {
        return Err(ParseError::invalid(
            "TS_SECURITY_PACKET",
            "flags",
            "SEC_EXCHANGE_PKT not set",
        ));
    }
    let (r, length) = rd::u32_le(r)?;
    let (r, rnd) = take(r, usize::try_from(length).unwrap_or(usize::MAX))?;
    Ok((
        r,
        SecurityExchange {
            length,
            encrypted_client_random: rnd,
        },
    ))
}
