//! Initiate Multitransport Request / Response (2.2.15.1–2).

use crate::error::{take, ParseResult};
use crate::open_enum;
use crate::tpkt::rd;

open_enum! {
    /// Initiate Multitransport Request requestedProtocol.
    pub struct MultitransportProtocol(u16) {
        UDPFECR = 0x01 => "INITITATE_REQUEST_PROTOCOL_UDPFECR",
        UDPFECL = 0x02 => "INITITATE_REQUEST_PROTOCOL_UDPFECL",
    }
}

/// Initiate Multitransport Request (after the SEC_TRANSPORT_REQ header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultitransportRequest<'a> {
    pub request_id: u32,
    pub requested_protocol: MultitransportProtocol,
    pub reserved: u16,
    /// 16-byte securityCookie.
    pub security_cookie: &'a [u8],
}

/// Parse the Initiate Multitransport Request body (after the security header).
pub fn parse_multitransport_request(input: &[u8]) -> ParseResult<'_, MultitransportRequest<'_>> {
    let (r, request_id) = rd::u32_le(input)?;
    let (r, p) = rd::u16_le(r)?;
    let (r, reserved) = rd::u16_le(r)?;
    let (r, security_cookie) = take(r, 16)?;
    Ok((
        r,
        MultitransportRequest {
            request_id,
            requested_protocol: MultitransportProtocol(p),
            reserved,
            security_cookie,
        },
    ))
}

open_enum! {
    /// Initiate Multitransport Response hrResponse.
    pub struct HResult(u32) {
        S_OK = 0x0000_0000 => "S_OK",
        E_ABORT = 0x8000_4004 => "E_ABORT",
    }
}

/// Initiate Multitransport Response (after the SEC_TRANSPORT_RSP header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultitransportResponse {
    pub request_id: u32,
    pub hr_response: HResult,
}

/// Parse the Initiate Multitransport Response body (after the security header).
pub fn parse_multitransport_response(input: &[u8]) -> ParseResult<'_, MultitransportResponse> {
    let (r, request_id) = rd::u32_le(input)?;
    let (r, hr) = rd::u32_le(r)?;
    Ok((
        r,
        MultitransportResponse {
            request_id,
            hr_response: HResult(hr),
        },
    ))
}
