//! NTLMSSP messages (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE and AUTHENTICATE,
//! with the negotiate flags, the CHALLENGE target-info AV pairs (server
//! NetBIOS/DNS names, timestamp for clock-skew checks) and the OS Version
//! (protocol-facts A3.4).
//!
//! Every offset/length field is bounds-checked against the input. A field
//! pointing past the end of the input is reported as `Incomplete` (the token
//! may still be arriving); a field whose offset lies inside the fixed header
//! is `Invalid`.
//!
//! **Sensitive data**: [`Authenticate`] carries the user, domain and
//! workstation names. Callers should treat them as personal data (redact in
//! reports unless asked); the NT/LM responses are exposed only as lengths.

use crate::error::{flag_set, take, ParseError, ParseResult};
use crate::open_enum;

/// The NTLMSSP signature.
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

open_enum! {
    /// NTLM MessageType.
    pub struct MessageType(u32) {
        NEGOTIATE = 1 => "NEGOTIATE",
        CHALLENGE = 2 => "CHALLENGE",
        AUTHENTICATE = 3 => "AUTHENTICATE",
    }
}

open_enum! {
    /// AV pair identifiers (MS-NLMP 2.2.2.1).
    pub struct AvId(u16) {
        EOL = 0 => "MsvAvEOL",
        NB_COMPUTER_NAME = 1 => "MsvAvNbComputerName",
        NB_DOMAIN_NAME = 2 => "MsvAvNbDomainName",
        DNS_COMPUTER_NAME = 3 => "MsvAvDnsComputerName",
        DNS_DOMAIN_NAME = 4 => "MsvAvDnsDomainName",
        DNS_TREE_NAME = 5 => "MsvAvDnsTreeName",
        FLAGS = 6 => "MsvAvFlags",
        TIMESTAMP = 7 => "MsvAvTimestamp",
        SINGLE_HOST = 8 => "MsvAvSingleHost",
        TARGET_NAME = 9 => "MsvAvTargetName",
        CHANNEL_BINDINGS = 10 => "MsvAvChannelBindings",
    }
}

flag_set! {
    /// NTLM NegotiateFlags (MS-NLMP 2.2.2.5): an open bit set with names.
    pub struct NegotiateFlags(u32) [zero = ""] {
        UNICODE = 0x0000_0001 => "NEGOTIATE_UNICODE",
        OEM = 0x0000_0002 => "NEGOTIATE_OEM",
        REQUEST_TARGET = 0x0000_0004 => "REQUEST_TARGET",
        SIGN = 0x0000_0010 => "NEGOTIATE_SIGN",
        SEAL = 0x0000_0020 => "NEGOTIATE_SEAL",
        DATAGRAM = 0x0000_0040 => "NEGOTIATE_DATAGRAM",
        LM_KEY = 0x0000_0080 => "NEGOTIATE_LM_KEY",
        NTLM = 0x0000_0200 => "NEGOTIATE_NTLM",
        ANONYMOUS = 0x0000_0800 => "ANONYMOUS",
        DOMAIN_SUPPLIED = 0x0000_1000 => "NEGOTIATE_OEM_DOMAIN_SUPPLIED",
        WORKSTATION_SUPPLIED = 0x0000_2000 => "NEGOTIATE_OEM_WORKSTATION_SUPPLIED",
        ALWAYS_SIGN = 0x0000_8000 => "NEGOTIATE_ALWAYS_SIGN",
        TARGET_TYPE_DOMAIN = 0x0001_0000 => "TARGET_TYPE_DOMAIN",
        TARGET_TYPE_SERVER = 0x0002_0000 => "TARGET_TYPE_SERVER",
        EXTENDED_SESSION_SECURITY = 0x0008_0000 => "NEGOTIATE_EXTENDED_SESSIONSECURITY",
        IDENTIFY = 0x0010_0000 => "NEGOTIATE_IDENTIFY",
        NON_NT_SESSION_KEY = 0x0040_0000 => "REQUEST_NON_NT_SESSION_KEY",
        TARGET_INFO = 0x0080_0000 => "NEGOTIATE_TARGET_INFO",
        VERSION = 0x0200_0000 => "NEGOTIATE_VERSION",
        N128 = 0x2000_0000 => "NEGOTIATE_128",
        KEY_EXCH = 0x4000_0000 => "NEGOTIATE_KEY_EXCH",
        N56 = 0x8000_0000 => "NEGOTIATE_56",
    }
}

/// The 8-byte VERSION structure (MS-NLMP 2.2.2.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NtlmVersion {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
    /// NTLMRevisionCurrent, 0x0F.
    pub revision: u8,
}

/// One AV pair (borrowed value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvPair<'a> {
    pub id: AvId,
    pub value: &'a [u8],
}

/// Decoded target info (CHALLENGE TargetInfo or NTLMv2 client blob).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetInfo {
    pub nb_computer_name: Option<String>,
    pub nb_domain_name: Option<String>,
    pub dns_computer_name: Option<String>,
    pub dns_domain_name: Option<String>,
    pub dns_tree_name: Option<String>,
    pub flags: Option<u32>,
    /// MsvAvTimestamp as Unix seconds.
    pub timestamp_unix: Option<i64>,
    /// Raw MsvAvTimestamp FILETIME (100 ns since 1601-01-01).
    pub timestamp_filetime: Option<u64>,
    pub target_name: Option<String>,
    pub has_channel_bindings: bool,
}

/// NEGOTIATE_MESSAGE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiate<'a> {
    pub flags: NegotiateFlags,
    /// OEM domain name (usually empty).
    pub domain: &'a [u8],
    /// OEM workstation name (usually empty).
    pub workstation: &'a [u8],
    pub version: Option<NtlmVersion>,
}

/// CHALLENGE_MESSAGE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge<'a> {
    /// TargetName, decoded (UTF-16LE when NEGOTIATE_UNICODE).
    pub target_name: String,
    pub flags: NegotiateFlags,
    pub server_challenge: [u8; 8],
    pub av_pairs: Vec<AvPair<'a>>,
    pub target_info: TargetInfo,
    pub version: Option<NtlmVersion>,
}

/// AUTHENTICATE_MESSAGE. **Contains personal data** (user/domain/workstation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticate<'a> {
    /// Sensitive.
    pub domain: String,
    /// Sensitive.
    pub user: String,
    /// Sensitive.
    pub workstation: String,
    pub flags: NegotiateFlags,
    pub lm_response_len: usize,
    pub nt_response_len: usize,
    /// NtChallengeResponse longer than 24 bytes: NTLMv2.
    pub is_ntlmv2: bool,
    /// AV pairs the client echoed in its NTLMv2 blob (server names as the
    /// client saw them, MsvAvFlags, channel bindings…).
    pub client_target_info: Option<TargetInfo>,
    pub encrypted_session_key_len: usize,
    pub version: Option<NtlmVersion>,
    /// The 16-byte MIC, when the payload starts at or after offset 88.
    pub mic: Option<&'a [u8]>,
}

/// Any NTLM message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NtlmMessage<'a> {
    Negotiate(Negotiate<'a>),
    Challenge(Challenge<'a>),
    Authenticate(Authenticate<'a>),
}

fn le16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some([x, y]) => u16::from_le_bytes([*x, *y]),
        _ => 0,
    }
}

fn le32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some([a, c, d, e]) => u32::from_le_bytes([*a, *c, *d, *e]),
        _ => 0,
    }
}

/// FILETIME (100 ns ticks since 1601) → Unix seconds.
pub fn filetime_to_unix(ft: u64) -> i64 {
    (ft / 10_000_000) as i64 - 11_644_473_600
}

/// Decode UTF-16LE lossily (odd trailing byte ignored).
pub fn utf16le(b: &[u8]) -> String {
    let units: Vec<u16> = b.chunks_exact(2).map(|c| le16(c, 0)).collect();
    String::from_utf16_lossy(&units)
}

/// Resolve a (len u16, maxlen u16, offset u32) field at `at` against `msg`.
fn field<'a>(
    msg: &'a [u8],
    at: usize,
    what: &'static str,
    name: &'static str,
) -> Result<&'a [u8], ParseError> {
    let len = usize::from(le16(msg, at));
    let off = le32(msg, at + 4) as usize;
    if len == 0 {
        return Ok(&[]);
    }
    if off < 12 {
        return Err(ParseError::invalid(
            what,
            name,
            "offset inside the fixed header",
        ));
    }
    let end = off
        .checked_add(len)
        .ok_or(ParseError::invalid(what, name, "offset overflows"))?;
    msg.get(off..end)
        .ok_or_else(|| ParseError::incomplete(end - msg.len()))
}

fn version_at(msg: &[u8], at: usize) -> Option<NtlmVersion> {
    let v = msg.get(at..at + 8)?;
    Some(NtlmVersion {
        major: *v.first()?,
        minor: *v.get(1)?,
        build: le16(v, 2),
        revision: *v.get(7)?,
    })
}

/// Parse an AV pair list (stops at MsvAvEOL or at the first entry that does
/// not fit).
pub fn parse_av_pairs(mut b: &[u8]) -> Vec<AvPair<'_>> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let id = AvId(le16(b, 0));
        let len = usize::from(le16(b, 2));
        if id == AvId::EOL {
            break;
        }
        match b.get(4..4 + len) {
            Some(value) => out.push(AvPair { id, value }),
            None => break,
        }
        b = b.get(4 + len..).unwrap_or(&[]);
    }
    out
}

/// Summarise AV pairs.
pub fn target_info(pairs: &[AvPair<'_>]) -> TargetInfo {
    let mut t = TargetInfo::default();
    for p in pairs {
        match p.id {
            AvId::NB_COMPUTER_NAME => t.nb_computer_name = Some(utf16le(p.value)),
            AvId::NB_DOMAIN_NAME => t.nb_domain_name = Some(utf16le(p.value)),
            AvId::DNS_COMPUTER_NAME => t.dns_computer_name = Some(utf16le(p.value)),
            AvId::DNS_DOMAIN_NAME => t.dns_domain_name = Some(utf16le(p.value)),
            AvId::DNS_TREE_NAME => t.dns_tree_name = Some(utf16le(p.value)),
            AvId::TARGET_NAME => t.target_name = Some(utf16le(p.value)),
            AvId::FLAGS if p.value.len() == 4 => t.flags = Some(le32(p.value, 0)),
            AvId::TIMESTAMP if p.value.len() == 8 => {
                let ft = u64::from(le32(p.value, 0)) | (u64::from(le32(p.value, 4)) << 32);
                t.timestamp_filetime = Some(ft);
                t.timestamp_unix = Some(filetime_to_unix(ft));
            }
            AvId::CHANNEL_BINDINGS => t.has_channel_bindings = true,
            _ => {}
        }
    }
    t
}

fn text(b: &[u8], flags: NegotiateFlags) -> String {
    if flags.contains(NegotiateFlags::UNICODE) {
        utf16le(b)
    } else {
        String::from_utf8_lossy(b).into_owned()
    }
}

/// Parse any NTLMSSP message. The remaining input is what follows the
/// furthest byte any field references.
pub fn parse_ntlm(input: &[u8]) -> ParseResult<'_, NtlmMessage<'_>> {
    const WHAT: &str = "NTLMSSP message";
    let (_, head) = take(input, 12)?;
    if head.get(..8) != Some(&SIGNATURE[..]) {
        return Err(ParseError::invalid(WHAT, "Signature", "not NTLMSSP\\0"));
    }
    match MessageType(le32(head, 8)) {
        MessageType::NEGOTIATE => {
            parse_negotiate(input).map(|(r, m)| (r, NtlmMessage::Negotiate(m)))
        }
        MessageType::CHALLENGE => {
            parse_challenge(input).map(|(r, m)| (r, NtlmMessage::Challenge(m)))
        }
        MessageType::AUTHENTICATE => {
            parse_authenticate(input).map(|(r, m)| (r, NtlmMessage::Authenticate(m)))
        }
        _ => Err(ParseError::invalid(WHAT, "MessageType", "not 1, 2 or 3")),
    }
}

fn check_sig(input: &[u8], ty: MessageType, what: &'static str) -> Result<(), ParseError> {
    let (_, head) = take(input, 12)?;
    if head.get(..8) != Some(&SIGNATURE[..]) {
        return Err(ParseError::invalid(what, "Signature", "not NTLMSSP\\0"));
    }
    if le32(head, 8) != ty.0 {
        return Err(ParseError::invalid(what, "MessageType", "unexpected type"));
    }
    Ok(())
}

fn rest_after<'a>(input: &'a [u8], fields: &[&'a [u8]], fixed: usize) -> &'a [u8] {
    let base = input.as_ptr() as usize;
    let end = fields
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| f.as_ptr() as usize - base + f.len())
        .fold(fixed, usize::max);
    input.get(end..).unwrap_or(&[])
}

/// NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1).
pub fn parse_negotiate(input: &[u8]) -> ParseResult<'_, Negotiate<'_>> {
    const WHAT: &str = "NTLM NEGOTIATE_MESSAGE";
    check_sig(input, MessageType::NEGOTIATE, WHAT)?;
    let (_, _) = take(input, 32)?;
    let flags = NegotiateFlags(le32(input, 12));
    let domain = if flags.contains(NegotiateFlags::DOMAIN_SUPPLIED) {
        field(input, 16, WHAT, "DomainNameFields")?
    } else {
        &[]
    };
    let workstation = if flags.contains(NegotiateFlags::WORKSTATION_SUPPLIED) {
        field(input, 24, WHAT, "WorkstationFields")?
    } else {
        &[]
    };
    let version = if flags.contains(NegotiateFlags::VERSION) {
        take(input, 40)?;
        version_at(input, 32)
    } else {
        None
    };
    let fixed = if version.is_some() { 40 } else { 32 };
    Ok((
        rest_after(input, &[domain, workstation], fixed),
        Negotiate {
            flags,
            domain,
            workstation,
            version,
        },
    ))
}

/// CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2).
pub fn parse_challenge(input: &[u8]) -> ParseResult<'_, Challenge<'_>> {
    const WHAT: &str = "NTLM CHALLENGE_MESSAGE";
    check_sig(input, MessageType::CHALLENGE, WHAT)?;
    take(input, 48)?;
    let flags = NegotiateFlags(le32(input, 20));
    let mut server_challenge = [0u8; 8];
    for (o, i) in server_challenge
        .iter_mut()
        .zip(input.get(24..32).unwrap_or(&[]))
    {
        *o = *i;
    }
    let tn = field(input, 12, WHAT, "TargetNameFields")?;
    let ti = field(input, 40, WHAT, "TargetInfoFields")?;
    // Version is present when NEGOTIATE_VERSION is set and the payload does
    // not start before offset 56.
    let payload_start = [tn, ti]
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| f.as_ptr() as usize - input.as_ptr() as usize)
        .min()
        .unwrap_or(usize::MAX);
    let version = if flags.contains(NegotiateFlags::VERSION) && payload_start >= 56 {
        take(input, 56)?;
        version_at(input, 48)
    } else {
        None
    };
    let av_pairs = parse_av_pairs(ti);
    let target_info = target_info(&av_pairs);
    let fixed = if version.is_some() { 56 } else { 48 };
    Ok((
        rest_after(input, &[tn, ti], fixed),
        Challenge {
            target_name: text(tn, flags),
            flags,
            server_challenge,
            av_pairs,
            target_info,
            version,
        },
    ))
}

/// AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3).
pub fn parse_authenticate(input: &[u8]) -> ParseResult<'_, Authenticate<'_>> {
    const WHAT: &str = "NTLM AUTHENTICATE_MESSAGE";
    check_sig(input, MessageType::AUTHENTICATE, WHAT)?;
    take(input, 64)?;
    let lm = field(input, 12, WHAT, "LmChallengeResponseFields")?;
    let nt = field(input, 20, WHAT, "NtChallengeResponseFields")?;
    let dom = field(input, 28, WHAT, "DomainNameFields")?;
    let user = field(input, 36, WHAT, "UserNameFields")?;
    let ws = field(input, 44, WHAT, "WorkstationFields")?;
    let key = field(input, 52, WHAT, "EncryptedRandomSessionKeyFields")?;
    let flags = NegotiateFlags(le32(input, 60));
    let all = [lm, nt, dom, user, ws, key];
    let payload_start = all
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| f.as_ptr() as usize - input.as_ptr() as usize)
        .min()
        .unwrap_or(usize::MAX);
    let version = if flags.contains(NegotiateFlags::VERSION) && payload_start >= 72 {
        take(input, 72)?;
        version_at(input, 64)
    } else {
        None
    };
    let mic = if payload_start >= 88 {
        take(input, 88)?;
        input.get(72..88)
    } else {
        None
    };
    let is_ntlmv2 = nt.len() > 24;
    // NTLMv2_RESPONSE: NTProofStr(16) then NTLMv2_CLIENT_CHALLENGE: RespType,
    // HiRespType, Reserved1(2), Reserved2(4), TimeStamp(8), ChallengeFromClient(8),
    // Reserved3(4), AvPairs.
    let client_target_info = if is_ntlmv2 {
        nt.get(44..).map(|b| target_info(&parse_av_pairs(b)))
    } else {
        None
    };
    let fixed = if mic.is_some() {
        88
    } else if version.is_some() {
        72
    } else {
        64
    };
    Ok((
        rest_after(input, &all, fixed),
        Authenticate {
            domain: text(dom, flags),
            user: text(user, flags),
            workstation: text(ws, flags),
            flags,
            lm_response_len: lm.len(),
            nt_response_len: nt.len(),
            is_ntlmv2,
            client_target_info,
            encrypted_session_key_len: key.len(),
            version,
            mic,
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn filetime_epoch() {
        assert_eq!(filetime_to_unix(116_444_736_000_000_000), 0);
    }

    #[test]
    fn flags_names() {
        let f = NegotiateFlags(0xe288_82b7);
        assert!(f.contains(NegotiateFlags::UNICODE));
        assert!(f.names().contains(&"NEGOTIATE_KEY_EXCH"));
    }

    #[test]
    fn offset_into_header_is_invalid() {
        // hand-made: a CHALLENGE whose TargetName offset points at the signature.
        let mut m = Vec::new();
        m.extend_from_slice(SIGNATURE);
        m.extend_from_slice(&2u32.to_le_bytes());
        m.extend_from_slice(&[4, 0, 4, 0, 0, 0, 0, 0]); // len 4 at offset 0
        m.extend_from_slice(&[0; 36]);
        assert!(matches!(
            parse_challenge(&m),
            Err(ParseError::Invalid { .. })
        ));
    }
}
