//! Licensing preamble and License Error Message (2.2.1.12,
//! MS-RDPELE 2.2.2.7 / 2.2.1.12.1.3).

use super::security::{parse_security_header, SecurityFlags, SecurityHeader};
use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;
use crate::tpkt::rd;

open_enum! {
    /// Licensing bMsgType.
    pub struct LicenseMsgType(u8) {
        LICENSE_REQUEST = 0x01 => "LICENSE_REQUEST",
        PLATFORM_CHALLENGE = 0x02 => "PLATFORM_CHALLENGE",
        NEW_LICENSE = 0x03 => "NEW_LICENSE",
        UPGRADE_LICENSE = 0x04 => "UPGRADE_LICENSE",
        LICENSE_INFO = 0x12 => "LICENSE_INFO",
        NEW_LICENSE_REQUEST = 0x13 => "NEW_LICENSE_REQUEST",
        PLATFORM_CHALLENGE_RESPONSE = 0x15 => "PLATFORM_CHALLENGE_RESPONSE",
        ERROR_ALERT = 0xFF => "ERROR_ALERT",
    }
}

open_enum! {
    /// License Error Message dwErrorCode.
    pub struct LicenseErrorCode(u32) {
        ERR_INVALID_SERVER_CERTIFICATE = 0x01 => "ERR_INVALID_SERVER_CERTIFICATE",
        ERR_NO_LICENSE = 0x02 => "ERR_NO_LICENSE",
        ERR_INVALID_MAC = 0x03 => "ERR_INVALID_MAC",
        ERR_INVALID_SCOPE = 0x04 => "ERR_INVALID_SCOPE",
        ERR_NO_LICENSE_SERVER = 0x06 => "ERR_NO_LICENSE_SERVER",
        STATUS_VALID_CLIENT = 0x07 => "STATUS_VALID_CLIENT",
        ERR_INVALID_CLIENT = 0x08 => "ERR_INVALID_CLIENT",
        ERR_INVALID_PRODUCTID = 0x0B => "ERR_INVALID_PRODUCTID",
        ERR_INVALID_MESSAGE_LEN = 0x0C => "ERR_INVALID_MESSAGE_LEN",
    }
}

open_enum! {
    /// License Error Message dwStateTransition.
    pub struct StateTransition(u32) {
        ST_TOTAL_ABORT = 0x1 => "ST_TOTAL_ABORT",
        ST_NO_TRANSITION = 0x2 => "ST_NO_TRANSITION",
        ST_RESET_PHASE_TO_START = 0x3 => "ST_RESET_PHASE_TO_START",
        ST_RESEND_LAST_MESSAGE = 0x4 => "ST_RESEND_LAST_MESSAGE",
    }
}

/// LICENSE_PREAMBLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicensePreamble {
    pub msg_type: LicenseMsgType,
    /// Raw flags byte (low nibble: version; 0x80: EXTENDED_ERROR_MSG_SUPPORTED).
    pub flags: u8,
    /// Whole message size including the preamble.
    pub msg_size: u16,
}

impl LicensePreamble {
    /// Protocol version (2 = RDP 4.0, 3 = RDP 5.0+).
    pub fn version(&self) -> u8 {
        self.flags & 0x0F
    }
}

/// License Error Message (LICENSE_ERROR_MESSAGE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenseErrorMessage<'a> {
    pub error_code: LicenseErrorCode,
    pub state_transition: StateTransition,
    /// bbErrorInfo wBlobType (servers put arbitrary values when empty).
    pub blob_type: u16,
    pub blob: &'a [u8],
}

impl LicenseErrorMessage<'_> {
    /// STATUS_VALID_CLIENT with ST_NO_TRANSITION: licensing *succeeded*
    /// (the server skips the licensing exchange).
    pub fn is_success(&self) -> bool {
        self.error_code == LicenseErrorCode::STATUS_VALID_CLIENT
            && self.state_transition == StateTransition::ST_NO_TRANSITION
    }
}

/// A licensing PDU body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseBody<'a> {
    ErrorAlert(LicenseErrorMessage<'a>),
    /// Any other message type, not decoded.
    Other(&'a [u8]),
}

/// A licensing PDU (preamble + body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicensePdu<'a> {
    pub preamble: LicensePreamble,
    pub body: LicenseBody<'a>,
}

/// Parse a licensing PDU body (preamble onward, after the security header).
pub fn parse_license_pdu(input: &[u8]) -> ParseResult<'_, LicensePdu<'_>> {
    const W: &str = "LICENSE_PREAMBLE";
    let (r, t) = rd::u8(input)?;
    let (r, flags) = rd::u8(r)?;
    let (r, msg_size) = rd::u16_le(r)?;
    if msg_size < 4 {
        return Err(ParseError::invalid(
            W,
            "wMsgSize",
            "smaller than the preamble",
        ));
    }
    let (rest, body) = take(r, usize::from(msg_size) - 4)?;
    let preamble = LicensePreamble {
        msg_type: LicenseMsgType(t),
        flags,
        msg_size,
    };
    let body = if preamble.msg_type == LicenseMsgType::ERROR_ALERT {
        let inner = |e: ParseError| match e {
            ParseError::Incomplete { .. } => ParseError::invalid(
                "LICENSE_ERROR_MESSAGE",
                "wMsgSize",
                "shorter than its fields",
            ),
            o => o,
        };
        let (b, code) = rd::u32_le(body).map_err(inner)?;
        let (b, st) = rd::u32_le(b).map_err(inner)?;
        let (b, blob_type) = rd::u16_le(b).map_err(inner)?;
        let (b, blob_len) = rd::u16_le(b).map_err(inner)?;
        let (_, blob) = take(b, usize::from(blob_len)).map_err(inner)?;
        LicenseBody::ErrorAlert(LicenseErrorMessage {
            error_code: LicenseErrorCode(code),
            state_transition: StateTransition(st),
            blob_type,
            blob,
        })
    } else {
        LicenseBody::Other(body)
    };
    Ok((rest, LicensePdu { preamble, body }))
}

/// Parse a licensing packet: security header (SEC_LICENSE_PKT) + licensing PDU.
pub fn parse_license_packet(input: &[u8]) -> ParseResult<'_, (SecurityHeader, LicensePdu<'_>)> {
    let (r, h) = parse_security_header(input)?;
    if !h.flags.contains(SecurityFlags::LICENSE_PKT) {
        return Err(ParseError::invalid(
            "licensing PDU",
            "flags",
            "SEC_LICENSE_PKT not set",
        ));
    }
    if h.flags.contains(SecurityFlags::ENCRYPT) {
        return Err(ParseError::invalid(
            "licensing PDU",
            "flags",
            "encrypted (SEC_ENCRYPT)",
        ));
    }
    let (r, l) = parse_license_pdu(r)?;
    Ok((r, (h, l)))
}
