//! Share Control / Share Data headers (2.2.8.1.1.1.1–2), Status Info
//! (2.2.5.2) and the Share Control PDU dispatcher.

use super::activation::{
    parse_confirm_active, parse_deactivate_all, parse_demand_active, ConfirmActive, DeactivateAll,
    DemandActive,
};
use super::error_info::{parse_set_error_info, ErrorInfo};
use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;
use crate::tpkt::rd;

open_enum! {
    /// Share Control pduType (low 4 bits).
    pub struct PduType(u16) {
        DEMAND_ACTIVE = 0x1 => "PDUTYPE_DEMANDACTIVEPDU",
        CONFIRM_ACTIVE = 0x3 => "PDUTYPE_CONFIRMACTIVEPDU",
        DEACTIVATE_ALL = 0x6 => "PDUTYPE_DEACTIVATEALLPDU",
        DATA = 0x7 => "PDUTYPE_DATAPDU",
        SERVER_REDIR_PKT = 0xA => "PDUTYPE_SERVER_REDIR_PKT",
    }
}

open_enum! {
    /// Share Data pduType2.
    pub struct PduType2(u8) {
        UPDATE = 0x02 => "PDUTYPE2_UPDATE",
        CONTROL = 0x14 => "PDUTYPE2_CONTROL",
        POINTER = 0x1B => "PDUTYPE2_POINTER",
        INPUT = 0x1C => "PDUTYPE2_INPUT",
        SYNCHRONIZE = 0x1F => "PDUTYPE2_SYNCHRONIZE",
        REFRESH_RECT = 0x21 => "PDUTYPE2_REFRESH_RECT",
        PLAY_SOUND = 0x22 => "PDUTYPE2_PLAY_SOUND",
        SUPPRESS_OUTPUT = 0x23 => "PDUTYPE2_SUPPRESS_OUTPUT",
        SHUTDOWN_REQUEST = 0x24 => "PDUTYPE2_SHUTDOWN_REQUEST",
        SHUTDOWN_DENIED = 0x25 => "PDUTYPE2_SHUTDOWN_DENIED",
        SAVE_SESSION_INFO = 0x26 => "PDUTYPE2_SAVE_SESSION_INFO",
        FONTLIST = 0x27 => "PDUTYPE2_FONTLIST",
        FONTMAP = 0x28 => "PDUTYPE2_FONTMAP",
        SET_KEYBOARD_INDICATORS = 0x29 => "PDUTYPE2_SET_KEYBOARD_INDICATORS",
        BITMAPCACHE_PERSISTENT_LIST = 0x2B => "PDUTYPE2_BITMAPCACHE_PERSISTENT_LIST",
        BITMAPCACHE_ERROR_PDU = 0x2C => "PDUTYPE2_BITMAPCACHE_ERROR_PDU",
        SET_KEYBOARD_IME_STATUS = 0x2D => "PDUTYPE2_SET_KEYBOARD_IME_STATUS",
        OFFSCRCACHE_ERROR_PDU = 0x2E => "PDUTYPE2_OFFSCRCACHE_ERROR_PDU",
        SET_ERROR_INFO_PDU = 0x2F => "PDUTYPE2_SET_ERROR_INFO_PDU",
        DRAWNINEGRID_ERROR_PDU = 0x30 => "PDUTYPE2_DRAWNINEGRID_ERROR_PDU",
        DRAWGDIPLUS_ERROR_PDU = 0x31 => "PDUTYPE2_DRAWGDIPLUS_ERROR_PDU",
        ARC_STATUS_PDU = 0x32 => "PDUTYPE2_ARC_STATUS_PDU",
        STATUS_INFO_PDU = 0x36 => "PDUTYPE2_STATUS_INFO_PDU",
        MONITOR_LAYOUT_PDU = 0x37 => "PDUTYPE2_MONITOR_LAYOUT_PDU",
    }
}

/// TS_SHARECONTROLHEADER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareControlHeader {
    pub total_length: u16,
    /// Raw pduType field (type in the low 4 bits, version above).
    pub pdu_type_raw: u16,
    /// Channel ID of the sender (absent in the 4-byte flow-control form).
    pub pdu_source: u16,
}

impl ShareControlHeader {
    /// pduType (low 4 bits).
    pub fn pdu_type(&self) -> PduType {
        PduType(self.pdu_type_raw & 0x0F)
    }
    /// Protocol version (bits 4..15; 1 for TS_PROTOCOL_VERSION).
    pub fn version(&self) -> u16 {
        self.pdu_type_raw >> 4
    }
}

/// Parse the Share Control header; returns the header and the body
/// (bounded by totalLength), remaining input after the PDU.
pub fn parse_share_control_header(input: &[u8]) -> ParseResult<'_, (ShareControlHeader, &[u8])> {
    const W: &str = "TS_SHARECONTROLHEADER";
    let (r, total_length) = rd::u16_le(input)?;
    if total_length == 0x8000 {
        return Err(ParseError::invalid(
            W,
            "totalLength",
            "flow-control PDU (0x8000), not a share PDU",
        ));
    }
    if total_length < 6 {
        return Err(ParseError::invalid(
            W,
            "totalLength",
            "smaller than the header",
        ));
    }
    let (r, pdu_type_raw) = rd::u16_le(r)?;
    let (r, pdu_source) = rd::u16_le(r)?;
    let (rest, body) = take(r, usize::from(total_length) - 6)?;
    Ok((
        rest,
        (
            ShareControlHeader {
                total_length,
                pdu_type_raw,
                pdu_source,
            },
            body,
        ),
    ))
}

/// TS_SHAREDATAHEADER (after the Share Control header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareDataHeader {
    pub share_id: u32,
    pub stream_id: u8,
    pub uncompressed_length: u16,
    pub pdu_type2: PduType2,
    pub compressed_type: u8,
    pub compressed_length: u16,
}

/// Parse TS_SHAREDATAHEADER (12 bytes after the Share Control header).
pub fn parse_share_data_header(input: &[u8]) -> ParseResult<'_, ShareDataHeader> {
    let (r, share_id) = rd::u32_le(input)?;
    let (r, _pad) = rd::u8(r)?;
    let (r, stream_id) = rd::u8(r)?;
    let (r, uncompressed_length) = rd::u16_le(r)?;
    let (r, t2) = rd::u8(r)?;
    let (r, compressed_type) = rd::u8(r)?;
    let (r, compressed_length) = rd::u16_le(r)?;
    Ok((
        r,
        ShareDataHeader {
            share_id,
            stream_id,
            uncompressed_length,
            pdu_type2: PduType2(t2),
            compressed_type,
            compressed_length,
        },
    ))
}

open_enum! {
    /// Status Info PDU statusCode.
    pub struct StatusCode(u32) {
        FINDING_DESTINATION = 0x0401 => "TS_STATUS_FINDING_DESTINATION",
        LOADING_DESTINATION = 0x0402 => "TS_STATUS_LOADING_DESTINATION",
        BRINGING_SESSION_ONLINE = 0x0403 => "TS_STATUS_BRINGING_SESSION_ONLINE",
        REDIRECTING_TO_DESTINATION = 0x0404 => "TS_STATUS_REDIRECTING_TO_DESTINATION",
        VM_LOADING = 0x0501 => "TS_STATUS_VM_LOADING",
        VM_WAKING = 0x0502 => "TS_STATUS_VM_WAKING",
        VM_STARTING = 0x0503 => "TS_STATUS_VM_STARTING",
        VM_STARTING_MONITORING = 0x0504 => "TS_STATUS_VM_STARTING_MONITORING",
        VM_RETRYING_MONITORING = 0x0505 => "TS_STATUS_VM_RETRYING_MONITORING",
    }
}

/// Parse the Status Info PDU body (after the Share Data header).
pub fn parse_status_info(input: &[u8]) -> ParseResult<'_, StatusCode> {
    rd::u32_le(input).map(|(r, v)| (r, StatusCode(v)))
}

/// A decoded Share Data PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareDataBody<'a> {
    SetErrorInfo(ErrorInfo),
    StatusInfo(StatusCode),
    /// Any other pduType2 (or compressed data), not decoded.
    Other(&'a [u8]),
}

/// A decoded Share Control PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareControlBody<'a> {
    DemandActive(DemandActive<'a>),
    ConfirmActive(ConfirmActive<'a>),
    DeactivateAll(DeactivateAll<'a>),
    Data(ShareDataHeader, ShareDataBody<'a>),
    Other(&'a [u8]),
}

/// A Share Control PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareControlPdu<'a> {
    pub header: ShareControlHeader,
    pub body: ShareControlBody<'a>,
}

/// Parse a Share Control PDU (header + the bodies this crate knows).
/// Pass the data after any security header.
pub fn parse_share_control_pdu(input: &[u8]) -> ParseResult<'_, ShareControlPdu<'_>> {
    let (rest, (header, body)) = parse_share_control_header(input)?;
    let inner = |e: ParseError| match e {
        ParseError::Incomplete { .. } => ParseError::invalid(
            "TS_SHARECONTROLHEADER",
            "totalLength",
            "shorter than the PDU body",
        ),
        o => o,
    };
    let body = match header.pdu_type() {
        PduType::DEMAND_ACTIVE => {
            ShareControlBody::DemandActive(parse_demand_active(body).map_err(inner)?.1)
        }
        PduType::CONFIRM_ACTIVE => {
            ShareControlBody::ConfirmActive(parse_confirm_active(body).map_err(inner)?.1)
        }
        PduType::DEACTIVATE_ALL => {
            ShareControlBody::DeactivateAll(parse_deactivate_all(body).map_err(inner)?.1)
        }
        PduType::DATA => {
            let (b, h) = parse_share_data_header(body).map_err(inner)?;
            let compressed = h.compressed_type & 0x20 != 0;
            let d = match h.pdu_type2 {
                PduType2::SET_ERROR_INFO_PDU if !compressed => {
                    ShareDataBody::SetErrorInfo(parse_set_error_info(b).map_err(inner)?.1)
                }
                PduType2::STATUS_INFO_PDU if !compressed => {
                    ShareDataBody::StatusInfo(parse_status_info(b).map_err(inner)?.1)
                }
                _ => ShareDataBody::Other(b),
            };
            ShareControlBody::Data(h, d)
        }
        _ => ShareControlBody::Other(body),
    };
    Ok((rest, ShareControlPdu { header, body }))
}
