//! Client Info PDU (TS_INFO_PACKET, 2.2.1.11), decoded when not encrypted.

use super::security::{parse_security_header, SecurityFlags};
use crate::error::flag_set;
use crate::error::{take, ParseError, ParseResult};
use crate::tpkt::rd;

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
