//! RDP core PDUs carried in MCS Send Data (MS-RDPBCGR):
//! security headers (2.2.8.1.1.2), Security Exchange (2.2.1.10),
//! Client Info when not encrypted (2.2.1.11), licensing preamble and
//! License Error Message (2.2.1.12, MS-RDPELE 2.2.2.7 / 2.2.1.12.1.3),
//! Share Control / Share Data headers (2.2.8.1.1.1.1–2), Demand Active /
//! Confirm Active (2.2.1.13.1–2), Deactivate All (2.2.3.1), Set Error Info
//! (2.2.5.1.1), Status Info (2.2.5.2), Early User Authorization Result
//! (2.2.10.2), RDSTLS (2.2.17), Initiate Multitransport Request / Response
//! (2.2.15.1–2) and the fast-path header (2.2.8.1.2 / 2.2.9.1.2).
//!
//! Whether a PDU carries a security header depends on the negotiated
//! security (Standard RDP Security: always; TLS/CredSSP: only Client Info,
//! licensing and a few others), so callers pick the parser.

use crate::error::flag_set;
use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;
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

flag_set! {
    /// TS_INFO_PACKET flags.
    pub struct InfoFlags(u32) [zero = ""] {
        MOUSE = 0x0000_0001 => "INFO_MOUSE",
        DISABLECTRLALTDEL = 0x0000_0002 => "INFO_DISABLECTRLALTDEL",
        AUTOLOGON = 0x0000_0008 => "INFO_AUTOLOGON",
        UNICODE = 0x0000_0010 => "INFO_UNICODE",
        MAXIMIZESHELL = 0x0000_0020 => "INFO_MAXIMIZESHELL",
        LOGONNOTIFY = 0x0000_0040 => "INFO_LOGONNOTIFY",
        COMPRESSION = 0x0000_0080 => "INFO_COMPRESSION",
        ENABLEWINDOWSKEY = 0x0000_0100 => "INFO_ENABLEWINDOWSKEY",
        REMOTECONSOLEAUDIO = 0x0000_2000 => "INFO_REMOTECONSOLEAUDIO",
        FORCE_ENCRYPTED_CS_PDU = 0x0000_4000 => "INFO_FORCE_ENCRYPTED_CS_PDU",
        RAIL = 0x0000_8000 => "INFO_RAIL",
        LOGONERRORS = 0x0001_0000 => "INFO_LOGONERRORS",
        MOUSE_HAS_WHEEL = 0x0002_0000 => "INFO_MOUSE_HAS_WHEEL",
        PASSWORD_IS_SC_PIN = 0x0004_0000 => "INFO_PASSWORD_IS_SC_PIN",
        NOAUDIOPLAYBACK = 0x0008_0000 => "INFO_NOAUDIOPLAYBACK",
        USING_SAVED_CREDS = 0x0010_0000 => "INFO_USING_SAVED_CREDS",
        AUDIOCAPTURE = 0x0020_0000 => "INFO_AUDIOCAPTURE",
        VIDEO_DISABLE = 0x0040_0000 => "INFO_VIDEO_DISABLE",
        RESERVED1 = 0x0080_0000 => "INFO_RESERVED1",
        RESERVED2 = 0x0100_0000 => "INFO_RESERVED2",
        HIDEF_RAIL_SUPPORTED = 0x0200_0000 => "INFO_HIDEF_RAIL_SUPPORTED",
    }
}

/// Client Info PDU (TS_INFO_PACKET), decoded when not encrypted.
///
/// **Sensitive:** `domain`, `user_name`, `alternate_shell`, `working_dir`
/// and the client address identify people and hosts; do not log them
/// without need. The password itself is never returned, only its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    pub code_page: u32,
    pub flags: InfoFlags,
    /// Sensitive: logon domain.
    pub domain: String,
    /// Sensitive: user name.
    pub user_name: String,
    /// cbPassword (0 = no password sent). The content is not exposed.
    pub password_len: u16,
    pub alternate_shell: String,
    pub working_dir: String,
    /// Extended info (TS_EXTENDED_INFO_PACKET), when present.
    pub extended: Option<ExtendedInfo>,
}

/// The start of TS_EXTENDED_INFO_PACKET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedInfo {
    /// AF_INET 0x0002, AF_INET6 0x0017.
    pub client_address_family: u16,
    /// Sensitive: client address as text.
    pub client_address: String,
    pub client_dir: String,
}

/// Parse a TS_INFO_PACKET (the body after the security header).
pub fn parse_client_info_packet(input: &[u8]) -> ParseResult<'_, ClientInfo> {
    const W: &str = "TS_INFO_PACKET";
    let (r, code_page) = rd::u32_le(input)?;
    let (r, flags) = rd::u32_le(r)?;
    let flags = InfoFlags(flags);
    let (r, cb_domain) = rd::u16_le(r)?;
    let (r, cb_user) = rd::u16_le(r)?;
    let (r, cb_password) = rd::u16_le(r)?;
    let (r, cb_shell) = rd::u16_le(r)?;
    let (r, cb_dir) = rd::u16_le(r)?;
    let unicode = flags.contains(InfoFlags::UNICODE);
    let nul = if unicode { 2 } else { 1 };
    let text = |b: &[u8]| {
        if unicode {
            rd::utf16z(b)
        } else {
            rd::latin1z(b)
        }
    };
    let (r, domain) = take(r, usize::from(cb_domain) + nul)?;
    let (r, user) = take(r, usize::from(cb_user) + nul)?;
    let (r, _password) = take(r, usize::from(cb_password) + nul)?;
    let (r, shell) = take(r, usize::from(cb_shell) + nul)?;
    let (r, dir) = take(r, usize::from(cb_dir) + nul)?;
    let mut info = ClientInfo {
        code_page,
        flags,
        domain: text(domain),
        user_name: text(user),
        password_len: cb_password,
        alternate_shell: text(shell),
        working_dir: text(dir),
        extended: None,
    };
    if r.is_empty() {
        return Ok((r, info));
    }
    // Extended info: strings are always UTF-16 here; cb includes the NUL.
    let (r2, family) = rd::u16_le(r)?;
    let (r2, cb_addr) = rd::u16_le(r2)?;
    let (r2, addr) = take(r2, usize::from(cb_addr))?;
    let (r2, cb_cdir) = rd::u16_le(r2)?;
    let (_, cdir) = take(r2, usize::from(cb_cdir))?;
    if family != 0x0002 && family != 0x0017 && family != 0 {
        return Err(ParseError::invalid(
            W,
            "clientAddressFamily",
            "not AF_INET/AF_INET6",
        ));
    }
    info.extended = Some(ExtendedInfo {
        client_address_family: family,
        client_address: rd::utf16z(addr),
        client_dir: rd::utf16z(cdir),
    });
    // The rest (time zone, session id, performance flags, ...) is skipped.
    Ok((&[], info))
}

/// Parse a Client Info PDU: security header with SEC_INFO_PKT (not
/// SEC_ENCRYPT), then TS_INFO_PACKET.
pub fn parse_client_info(input: &[u8]) -> ParseResult<'_, ClientInfo> {
    let (r, h) = parse_security_header(input)?;
    if !h.flags.contains(SecurityFlags::INFO_PKT) {
        return Err(ParseError::invalid(
            "Client Info PDU",
            "flags",
            "SEC_INFO_PKT not set",
        ));
    }
    if h.flags.contains(SecurityFlags::ENCRYPT) {
        return Err(ParseError::invalid(
            "Client Info PDU",
            "flags",
            "encrypted (SEC_ENCRYPT)",
        ));
    }
    parse_client_info_packet(r)
}

// ------------------------------------------------------------ licensing

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

// ------------------------------------------------------- share control

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

/// Demand Active PDU (server) — header fields only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemandActive<'a> {
    pub share_id: u32,
    pub source_descriptor: &'a [u8],
    pub number_capabilities: u16,
    /// The raw capability sets.
    pub capability_sets: &'a [u8],
    /// sessionId (present after the capability sets in RDP 5.0+).
    pub session_id: Option<u32>,
}

/// Confirm Active PDU (client) — header fields only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmActive<'a> {
    pub share_id: u32,
    pub originator_id: u16,
    pub source_descriptor: &'a [u8],
    pub number_capabilities: u16,
    pub capability_sets: &'a [u8],
}

/// Deactivate All PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeactivateAll<'a> {
    pub share_id: u32,
    pub source_descriptor: &'a [u8],
}

fn caps<'a>(r: &'a [u8], len_caps: u16, what: &'static str) -> ParseResult<'a, (u16, &'a [u8])> {
    let (r, n) = rd::u16_le(r)?;
    let (r, _pad) = rd::u16_le(r)?;
    let l = usize::from(len_caps)
        .checked_sub(4)
        .ok_or(ParseError::invalid(
            what,
            "lengthCombinedCapabilities",
            "smaller than 4",
        ))?;
    let (r, sets) = take(r, l)?;
    Ok((r, (n, sets)))
}

/// Parse the Demand Active body (after the Share Control header).
pub fn parse_demand_active(input: &[u8]) -> ParseResult<'_, DemandActive<'_>> {
    const W: &str = "TS_DEMAND_ACTIVE_PDU";
    let (r, share_id) = rd::u32_le(input)?;
    let (r, len_src) = rd::u16_le(r)?;
    let (r, len_caps) = rd::u16_le(r)?;
    let (r, source_descriptor) = take(r, usize::from(len_src))?;
    let (r, (number_capabilities, capability_sets)) = caps(r, len_caps, W)?;
    let (r, session_id) = match rd::u32_le(r) {
        Ok((r, v)) => (r, Some(v)),
        Err(_) => (r, None),
    };
    Ok((
        r,
        DemandActive {
            share_id,
            source_descriptor,
            number_capabilities,
            capability_sets,
            session_id,
        },
    ))
}

/// Parse the Confirm Active body (after the Share Control header).
pub fn parse_confirm_active(input: &[u8]) -> ParseResult<'_, ConfirmActive<'_>> {
    const W: &str = "TS_CONFIRM_ACTIVE_PDU";
    let (r, share_id) = rd::u32_le(input)?;
    let (r, originator_id) = rd::u16_le(r)?;
    let (r, len_src) = rd::u16_le(r)?;
    let (r, len_caps) = rd::u16_le(r)?;
    let (r, source_descriptor) = take(r, usize::from(len_src))?;
    let (r, (number_capabilities, capability_sets)) = caps(r, len_caps, W)?;
    Ok((
        r,
        ConfirmActive {
            share_id,
            originator_id,
            source_descriptor,
            number_capabilities,
            capability_sets,
        },
    ))
}

/// Parse the Deactivate All body (after the Share Control header).
pub fn parse_deactivate_all(input: &[u8]) -> ParseResult<'_, DeactivateAll<'_>> {
    let (r, share_id) = rd::u32_le(input)?;
    let (r, len_src) = rd::u16_le(r)?;
    let (r, source_descriptor) = take(r, usize::from(len_src))?;
    Ok((
        r,
        DeactivateAll {
            share_id,
            source_descriptor,
        },
    ))
}

open_enum! {
    /// Set Error Info PDU errorInfo (MS-RDPBCGR 2.2.5.1.1; names as in
    /// FreeRDP `include/freerdp/error.h`). The project's single table of
    /// ERRINFO names.
    pub struct ErrorInfo(u32) {
        NONE = 0x0000_0000 => "ERRINFO_NONE",
        RPC_INITIATED_DISCONNECT = 0x0000_0001 => "ERRINFO_RPC_INITIATED_DISCONNECT",
        RPC_INITIATED_LOGOFF = 0x0000_0002 => "ERRINFO_RPC_INITIATED_LOGOFF",
        IDLE_TIMEOUT = 0x0000_0003 => "ERRINFO_IDLE_TIMEOUT",
        LOGON_TIMEOUT = 0x0000_0004 => "ERRINFO_LOGON_TIMEOUT",
        DISCONNECTED_BY_OTHER_CONNECTION = 0x0000_0005 => "ERRINFO_DISCONNECTED_BY_OTHER_CONNECTION",
        OUT_OF_MEMORY = 0x0000_0006 => "ERRINFO_OUT_OF_MEMORY",
        SERVER_DENIED_CONNECTION = 0x0000_0007 => "ERRINFO_SERVER_DENIED_CONNECTION",
        SERVER_INSUFFICIENT_PRIVILEGES = 0x0000_0009 => "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES",
        SERVER_FRESH_CREDENTIALS_REQUIRED = 0x0000_000A => "ERRINFO_SERVER_FRESH_CREDENTIALS_REQUIRED",
        RPC_INITIATED_DISCONNECT_BY_USER = 0x0000_000B => "ERRINFO_RPC_INITIATED_DISCONNECT_BY_USER",
        LOGOFF_BY_USER = 0x0000_000C => "ERRINFO_LOGOFF_BY_USER",
        CLOSE_STACK_ON_DRIVER_NOT_READY = 0x0000_000F => "ERRINFO_CLOSE_STACK_ON_DRIVER_NOT_READY",
        SERVER_DWM_CRASH = 0x0000_0010 => "ERRINFO_SERVER_DWM_CRASH",
        CLOSE_STACK_ON_DRIVER_FAILURE = 0x0000_0011 => "ERRINFO_CLOSE_STACK_ON_DRIVER_FAILURE",
        CLOSE_STACK_ON_DRIVER_IFACE_FAILURE = 0x0000_0012 => "ERRINFO_CLOSE_STACK_ON_DRIVER_IFACE_FAILURE",
        SERVER_WINLOGON_CRASH = 0x0000_0017 => "ERRINFO_SERVER_WINLOGON_CRASH",
        SERVER_CSRSS_CRASH = 0x0000_0018 => "ERRINFO_SERVER_CSRSS_CRASH",
        LICENSE_INTERNAL = 0x0000_0100 => "ERRINFO_LICENSE_INTERNAL",
        LICENSE_NO_LICENSE_SERVER = 0x0000_0101 => "ERRINFO_LICENSE_NO_LICENSE_SERVER",
        LICENSE_NO_LICENSE = 0x0000_0102 => "ERRINFO_LICENSE_NO_LICENSE",
        LICENSE_BAD_CLIENT_MSG = 0x0000_0103 => "ERRINFO_LICENSE_BAD_CLIENT_MSG",
        LICENSE_HWID_DOESNT_MATCH_LICENSE = 0x0000_0104 => "ERRINFO_LICENSE_HWID_DOESNT_MATCH_LICENSE",
        LICENSE_BAD_CLIENT_LICENSE = 0x0000_0105 => "ERRINFO_LICENSE_BAD_CLIENT_LICENSE",
        LICENSE_CANT_FINISH_PROTOCOL = 0x0000_0106 => "ERRINFO_LICENSE_CANT_FINISH_PROTOCOL",
        LICENSE_CLIENT_ENDED_PROTOCOL = 0x0000_0107 => "ERRINFO_LICENSE_CLIENT_ENDED_PROTOCOL",
        LICENSE_BAD_CLIENT_ENCRYPTION = 0x0000_0108 => "ERRINFO_LICENSE_BAD_CLIENT_ENCRYPTION",
        LICENSE_CANT_UPGRADE_LICENSE = 0x0000_0109 => "ERRINFO_LICENSE_CANT_UPGRADE_LICENSE",
        LICENSE_NO_REMOTE_CONNECTIONS = 0x0000_010A => "ERRINFO_LICENSE_NO_REMOTE_CONNECTIONS",
        CB_DESTINATION_NOT_FOUND = 0x0000_0400 => "ERRINFO_CB_DESTINATION_NOT_FOUND",
        CB_LOADING_DESTINATION = 0x0000_0402 => "ERRINFO_CB_LOADING_DESTINATION",
        CB_REDIRECTING_TO_DESTINATION = 0x0000_0404 => "ERRINFO_CB_REDIRECTING_TO_DESTINATION",
        CB_SESSION_ONLINE_VM_WAKE = 0x0000_0405 => "ERRINFO_CB_SESSION_ONLINE_VM_WAKE",
        CB_SESSION_ONLINE_VM_BOOT = 0x0000_0406 => "ERRINFO_CB_SESSION_ONLINE_VM_BOOT",
        CB_SESSION_ONLINE_VM_NO_DNS = 0x0000_0407 => "ERRINFO_CB_SESSION_ONLINE_VM_NO_DNS",
        CB_DESTINATION_POOL_NOT_FREE = 0x0000_0408 => "ERRINFO_CB_DESTINATION_POOL_NOT_FREE",
        CB_CONNECTION_CANCELLED = 0x0000_0409 => "ERRINFO_CB_CONNECTION_CANCELLED",
        CB_CONNECTION_ERROR_INVALID_SETTINGS = 0x0000_0410 => "ERRINFO_CB_CONNECTION_ERROR_INVALID_SETTINGS",
        CB_SESSION_ONLINE_VM_BOOT_TIMEOUT = 0x0000_0411 => "ERRINFO_CB_SESSION_ONLINE_VM_BOOT_TIMEOUT",
        CB_SESSION_ONLINE_VM_SESSMON_FAILED = 0x0000_0412 => "ERRINFO_CB_SESSION_ONLINE_VM_SESSMON_FAILED",
        UNKNOWN_DATA_PDU_TYPE = 0x0000_10C9 => "ERRINFO_UNKNOWN_DATA_PDU_TYPE",
        UNKNOWN_PDU_TYPE = 0x0000_10CA => "ERRINFO_UNKNOWN_PDU_TYPE",
        DATA_PDU_SEQUENCE = 0x0000_10CB => "ERRINFO_DATA_PDU_SEQUENCE",
        CONTROL_PDU_SEQUENCE = 0x0000_10CD => "ERRINFO_CONTROL_PDU_SEQUENCE",
        INVALID_CONTROL_PDU_ACTION = 0x0000_10CE => "ERRINFO_INVALID_CONTROL_PDU_ACTION",
        INVALID_INPUT_PDU_TYPE = 0x0000_10CF => "ERRINFO_INVALID_INPUT_PDU_TYPE",
        INVALID_INPUT_PDU_MOUSE = 0x0000_10D0 => "ERRINFO_INVALID_INPUT_PDU_MOUSE",
        INVALID_REFRESH_RECT_PDU = 0x0000_10D1 => "ERRINFO_INVALID_REFRESH_RECT_PDU",
        CREATE_USER_DATA_FAILED = 0x0000_10D2 => "ERRINFO_CREATE_USER_DATA_FAILED",
        CONNECT_FAILED = 0x0000_10D3 => "ERRINFO_CONNECT_FAILED",
        CONFIRM_ACTIVE_HAS_WRONG_SHAREID = 0x0000_10D4 => "ERRINFO_CONFIRM_ACTIVE_HAS_WRONG_SHAREID",
        CONFIRM_ACTIVE_HAS_WRONG_ORIGINATOR = 0x0000_10D5 => "ERRINFO_CONFIRM_ACTIVE_HAS_WRONG_ORIGINATOR",
        PERSISTENT_KEY_PDU_BAD_LENGTH = 0x0000_10DA => "ERRINFO_PERSISTENT_KEY_PDU_BAD_LENGTH",
        PERSISTENT_KEY_PDU_ILLEGAL_FIRST = 0x0000_10DB => "ERRINFO_PERSISTENT_KEY_PDU_ILLEGAL_FIRST",
        PERSISTENT_KEY_PDU_TOO_MANY_TOTAL_KEYS = 0x0000_10DC => "ERRINFO_PERSISTENT_KEY_PDU_TOO_MANY_TOTAL_KEYS",
        PERSISTENT_KEY_PDU_TOO_MANY_CACHE_KEYS = 0x0000_10DD => "ERRINFO_PERSISTENT_KEY_PDU_TOO_MANY_CACHE_KEYS",
        INPUT_PDU_BAD_LENGTH = 0x0000_10DE => "ERRINFO_INPUT_PDU_BAD_LENGTH",
        BITMAP_CACHE_ERROR_PDU_BAD_LENGTH = 0x0000_10DF => "ERRINFO_BITMAP_CACHE_ERROR_PDU_BAD_LENGTH",
        SECURITY_DATA_TOO_SHORT = 0x0000_10E0 => "ERRINFO_SECURITY_DATA_TOO_SHORT",
        VCHANNEL_DATA_TOO_SHORT = 0x0000_10E1 => "ERRINFO_VCHANNEL_DATA_TOO_SHORT",
        SHARE_DATA_TOO_SHORT = 0x0000_10E2 => "ERRINFO_SHARE_DATA_TOO_SHORT",
        BAD_SUPPRESS_OUTPUT_PDU = 0x0000_10E3 => "ERRINFO_BAD_SUPPRESS_OUTPUT_PDU",
        CONFIRM_ACTIVE_PDU_TOO_SHORT = 0x0000_10E5 => "ERRINFO_CONFIRM_ACTIVE_PDU_TOO_SHORT",
        CAPABILITY_SET_TOO_SMALL = 0x0000_10E7 => "ERRINFO_CAPABILITY_SET_TOO_SMALL",
        CAPABILITY_SET_TOO_LARGE = 0x0000_10E8 => "ERRINFO_CAPABILITY_SET_TOO_LARGE",
        NO_CURSOR_CACHE = 0x0000_10E9 => "ERRINFO_NO_CURSOR_CACHE",
        BAD_CAPABILITIES = 0x0000_10EA => "ERRINFO_BAD_CAPABILITIES",
        VIRTUAL_CHANNEL_DECOMPRESSION = 0x0000_10EC => "ERRINFO_VIRTUAL_CHANNEL_DECOMPRESSION",
        INVALID_VC_COMPRESSION_TYPE = 0x0000_10ED => "ERRINFO_INVALID_VC_COMPRESSION_TYPE",
        INVALID_CHANNEL_ID = 0x0000_10EF => "ERRINFO_INVALID_CHANNEL_ID",
        VCHANNELS_TOO_MANY = 0x0000_10F0 => "ERRINFO_VCHANNELS_TOO_MANY",
        REMOTEAPP_NOT_ENABLED = 0x0000_10F3 => "ERRINFO_REMOTEAPP_NOT_ENABLED",
        CACHE_CAP_NOT_SET = 0x0000_10F4 => "ERRINFO_CACHE_CAP_NOT_SET",
        BITMAP_CACHE_ERROR_PDU_BAD_LENGTH2 = 0x0000_10F5 => "ERRINFO_BITMAP_CACHE_ERROR_PDU_BAD_LENGTH2",
        OFFSCREEN_CACHE_ERROR_PDU_BAD_LENGTH = 0x0000_10F6 => "ERRINFO_OFFSCREEN_CACHE_ERROR_PDU_BAD_LENGTH",
        DRAWNINEGRID_CACHE_ERROR_PDU_BAD_LENGTH = 0x0000_10F7 => "ERRINFO_DRAWNINEGRID_CACHE_ERROR_PDU_BAD_LENGTH",
        GDIPLUS_PDU_BAD_LENGTH = 0x0000_10F8 => "ERRINFO_GDIPLUS_PDU_BAD_LENGTH",
        SECURITY_DATA_TOO_SHORT2 = 0x0000_1111 => "ERRINFO_SECURITY_DATA_TOO_SHORT2",
        SECURITY_DATA_TOO_SHORT3 = 0x0000_1112 => "ERRINFO_SECURITY_DATA_TOO_SHORT3",
        SECURITY_DATA_TOO_SHORT4 = 0x0000_1113 => "ERRINFO_SECURITY_DATA_TOO_SHORT4",
        SECURITY_DATA_TOO_SHORT5 = 0x0000_1114 => "ERRINFO_SECURITY_DATA_TOO_SHORT5",
        SECURITY_DATA_TOO_SHORT6 = 0x0000_1115 => "ERRINFO_SECURITY_DATA_TOO_SHORT6",
        SECURITY_DATA_TOO_SHORT7 = 0x0000_1116 => "ERRINFO_SECURITY_DATA_TOO_SHORT7",
        SECURITY_DATA_TOO_SHORT8 = 0x0000_1117 => "ERRINFO_SECURITY_DATA_TOO_SHORT8",
        SECURITY_DATA_TOO_SHORT9 = 0x0000_1118 => "ERRINFO_SECURITY_DATA_TOO_SHORT9",
        SECURITY_DATA_TOO_SHORT10 = 0x0000_1119 => "ERRINFO_SECURITY_DATA_TOO_SHORT10",
        SECURITY_DATA_TOO_SHORT11 = 0x0000_111A => "ERRINFO_SECURITY_DATA_TOO_SHORT11",
        SECURITY_DATA_TOO_SHORT12 = 0x0000_111B => "ERRINFO_SECURITY_DATA_TOO_SHORT12",
        SECURITY_DATA_TOO_SHORT13 = 0x0000_111C => "ERRINFO_SECURITY_DATA_TOO_SHORT13",
        SECURITY_DATA_TOO_SHORT14 = 0x0000_111D => "ERRINFO_SECURITY_DATA_TOO_SHORT14",
        SECURITY_DATA_TOO_SHORT15 = 0x0000_111E => "ERRINFO_SECURITY_DATA_TOO_SHORT15",
        SECURITY_DATA_TOO_SHORT16 = 0x0000_111F => "ERRINFO_SECURITY_DATA_TOO_SHORT16",
        SECURITY_DATA_TOO_SHORT17 = 0x0000_1120 => "ERRINFO_SECURITY_DATA_TOO_SHORT17",
        SECURITY_DATA_TOO_SHORT18 = 0x0000_1121 => "ERRINFO_SECURITY_DATA_TOO_SHORT18",
        SECURITY_DATA_TOO_SHORT19 = 0x0000_1122 => "ERRINFO_SECURITY_DATA_TOO_SHORT19",
        SECURITY_DATA_TOO_SHORT20 = 0x0000_1123 => "ERRINFO_SECURITY_DATA_TOO_SHORT20",
        SECURITY_DATA_TOO_SHORT21 = 0x0000_1124 => "ERRINFO_SECURITY_DATA_TOO_SHORT21",
        SECURITY_DATA_TOO_SHORT22 = 0x0000_1125 => "ERRINFO_SECURITY_DATA_TOO_SHORT22",
        SECURITY_DATA_TOO_SHORT23 = 0x0000_1126 => "ERRINFO_SECURITY_DATA_TOO_SHORT23",
        BAD_MONITOR_DATA = 0x0000_1129 => "ERRINFO_BAD_MONITOR_DATA",
        VC_DECOMPRESSED_REASSEMBLE_FAILED = 0x0000_112A => "ERRINFO_VC_DECOMPRESSED_REASSEMBLE_FAILED",
        VC_DATA_TOO_LONG = 0x0000_112B => "ERRINFO_VC_DATA_TOO_LONG",
        BAD_FRAME_ACK_DATA = 0x0000_112C => "ERRINFO_BAD_FRAME_ACK_DATA",
        GRAPHICS_MODE_NOT_SUPPORTED = 0x0000_112D => "ERRINFO_GRAPHICS_MODE_NOT_SUPPORTED",
        GRAPHICS_SUBSYSTEM_RESET_FAILED = 0x0000_112E => "ERRINFO_GRAPHICS_SUBSYSTEM_RESET_FAILED",
        GRAPHICS_SUBSYSTEM_FAILED = 0x0000_112F => "ERRINFO_GRAPHICS_SUBSYSTEM_FAILED",
        TIMEZONE_KEY_NAME_LENGTH_TOO_SHORT = 0x0000_1130 => "ERRINFO_TIMEZONE_KEY_NAME_LENGTH_TOO_SHORT",
        TIMEZONE_KEY_NAME_LENGTH_TOO_LONG = 0x0000_1131 => "ERRINFO_TIMEZONE_KEY_NAME_LENGTH_TOO_LONG",
        DYNAMIC_DST_DISABLED_FIELD_MISSING = 0x0000_1132 => "ERRINFO_DYNAMIC_DST_DISABLED_FIELD_MISSING",
        VC_DECODING_ERROR = 0x0000_1133 => "ERRINFO_VC_DECODING_ERROR",
        VIRTUALDESKTOPTOOLARGE = 0x0000_1134 => "ERRINFO_VIRTUALDESKTOPTOOLARGE",
        MONITORGEOMETRYVALIDATIONFAILED = 0x0000_1135 => "ERRINFO_MONITORGEOMETRYVALIDATIONFAILED",
        INVALIDMONITORCOUNT = 0x0000_1136 => "ERRINFO_INVALIDMONITORCOUNT",
        UPDATE_SESSION_KEY_FAILED = 0x0000_1191 => "ERRINFO_UPDATE_SESSION_KEY_FAILED",
        DECRYPT_FAILED = 0x0000_1192 => "ERRINFO_DECRYPT_FAILED",
        ENCRYPT_FAILED = 0x0000_1193 => "ERRINFO_ENCRYPT_FAILED",
        ENCRYPTION_PACKAGE_MISMATCH = 0x0000_1194 => "ERRINFO_ENCRYPTION_PACKAGE_MISMATCH",
        DECRYPT_FAILED2 = 0x0000_1195 => "ERRINFO_DECRYPT_FAILED2",
    }
}

/// Parse the Set Error Info PDU body (after the Share Data header).
pub fn parse_set_error_info(input: &[u8]) -> ParseResult<'_, ErrorInfo> {
    rd::u32_le(input).map(|(r, v)| (r, ErrorInfo(v)))
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

// ---------------------------------------- early user authorization, RDSTLS

open_enum! {
    /// Early User Authorization Result authorizationResult.
    pub struct AuthzResult(u32) {
        SUCCESS = 0x0000_0000 => "AUTHZ_SUCCESS",
        ACCESS_DENIED = 0x0000_0005 => "AUTHZ_ACCESS_DENIED",
    }
}

/// Parse the Early User Authorization Result PDU (a bare u32 LE, sent
/// inside TLS right after CredSSP when HYBRID_EX was selected).
pub fn parse_early_user_auth_result(input: &[u8]) -> ParseResult<'_, AuthzResult> {
    rd::u32_le(input).map(|(r, v)| (r, AuthzResult(v)))
}

open_enum! {
    /// RDSTLS PduType.
    pub struct RdstlsPduType(u16) {
        CAPABILITIES = 0x0001 => "RDSTLS_TYPE_CAPABILITIES",
        AUTHREQ = 0x0002 => "RDSTLS_TYPE_AUTHREQ",
        AUTHRSP = 0x0004 => "RDSTLS_TYPE_AUTHRSP",
    }
}

open_enum! {
    /// RDSTLS Authentication Response ResultCode (a Win32 error code).
    pub struct RdstlsResult(u32) {
        SUCCESS = 0x0000_0000 => "RDSTLS_RESULT_SUCCESS",
        ACCESS_DENIED = 0x0000_0005 => "RDSTLS_RESULT_ACCESS_DENIED",
        LOGON_FAILURE = 0x0000_052E => "RDSTLS_RESULT_LOGON_FAILURE",
        INVALID_LOGON_HOURS = 0x0000_0530 => "RDSTLS_RESULT_INVALID_LOGON_HOURS",
        PASSWORD_EXPIRED = 0x0000_0532 => "RDSTLS_RESULT_PASSWORD_EXPIRED",
        ACCOUNT_DISABLED = 0x0000_0533 => "RDSTLS_RESULT_ACCOUNT_DISABLED",
        PASSWORD_MUST_CHANGE = 0x0000_0773 => "RDSTLS_RESULT_PASSWORD_MUST_CHANGE",
        ACCOUNT_LOCKED_OUT = 0x0000_0775 => "RDSTLS_RESULT_ACCOUNT_LOCKED_OUT",
    }
}

/// An RDSTLS PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdstlsPdu<'a> {
    Capabilities {
        version: u16,
        data_type: u16,
        supported_versions: u16,
    },
    /// Authentication request (carries credentials: sensitive, not decoded).
    AuthRequest {
        version: u16,
        data_type: u16,
        body: &'a [u8],
    },
    AuthResponse {
        version: u16,
        data_type: u16,
        result: RdstlsResult,
    },
    Other {
        version: u16,
        pdu_type: RdstlsPduType,
        body: &'a [u8],
    },
}

/// Parse an RDSTLS PDU. Auth requests and unknown types take the rest of
/// the input as body.
pub fn parse_rdstls(input: &[u8]) -> ParseResult<'_, RdstlsPdu<'_>> {
    let (r, version) = rd::u16_le(input)?;
    if version != 1 && version != 2 {
        return Err(ParseError::invalid(
            "RDSTLS",
            "Version",
            "must be RDSTLS_VERSION_1",
        ));
    }
    let (r, t) = rd::u16_le(r)?;
    match RdstlsPduType(t) {
        RdstlsPduType::CAPABILITIES => {
            let (r, data_type) = rd::u16_le(r)?;
            let (r, supported_versions) = rd::u16_le(r)?;
            Ok((
                r,
                RdstlsPdu::Capabilities {
                    version,
                    data_type,
                    supported_versions,
                },
            ))
        }
        RdstlsPduType::AUTHREQ => {
            let (r, data_type) = rd::u16_le(r)?;
            Ok((
                &[],
                RdstlsPdu::AuthRequest {
                    version,
                    data_type,
                    body: r,
                },
            ))
        }
        RdstlsPduType::AUTHRSP => {
            let (r, data_type) = rd::u16_le(r)?;
            let (r, code) = rd::u32_le(r)?;
            Ok((
                r,
                RdstlsPdu::AuthResponse {
                    version,
                    data_type,
                    result: RdstlsResult(code),
                },
            ))
        }
        pdu_type => Ok((
            &[],
            RdstlsPdu::Other {
                version,
                pdu_type,
                body: r,
            },
        )),
    }
}

// ------------------------------------------------------- multitransport

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

// ------------------------------------------------------------ fast-path

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errinfo_names() {
        assert_eq!(
            ErrorInfo(7).name(),
            Some("ERRINFO_SERVER_DENIED_CONNECTION")
        );
        assert_eq!(
            ErrorInfo(0x10a).name(),
            Some("ERRINFO_LICENSE_NO_REMOTE_CONNECTIONS")
        );
        assert_eq!(ErrorInfo(0x1195).name(), Some("ERRINFO_DECRYPT_FAILED2"));
        assert_eq!(ErrorInfo(0x9999).to_string(), "0x9999");
    }
}
