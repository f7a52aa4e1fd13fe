//! CredSSP `TSRequest` (MS-CSSP 2.2.1), the DER structure NLA exchanges
//! inside TLS, and the NTSTATUS values its `errorCode` carries (MS-CSSP
//! 2.2.1, FreeRDP `winpr/include/winpr/nt.h`; protocol-facts A3.1/A3.2).
//!
//! ```text
//! TSRequest ::= SEQUENCE {
//!   version     [0] INTEGER,
//!   negoTokens  [1] SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING } OPTIONAL,
//!   authInfo    [2] OCTET STRING OPTIONAL,
//!   pubKeyAuth  [3] OCTET STRING OPTIONAL,
//!   errorCode   [4] INTEGER OPTIONAL,
//!   clientNonce [5] OCTET STRING OPTIONAL }
//! ```
//!
//! Also hosts the small zero-copy DER/BER TLV reader shared by the SPNEGO and
//! Kerberos modules.

use crate::error::{ParseError, ParseResult};
use crate::open_enum;

/// Minimal zero-copy BER/DER TLV reader (definite lengths only).
pub(crate) mod der {
    use crate::error::{ParseError, ParseResult};

    /// ASN.1 class.
    pub const UNIVERSAL: u8 = 0;
    pub const APPLICATION: u8 = 1;
    pub const CONTEXT: u8 = 2;

    /// One TLV.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Tlv<'a> {
        pub class: u8,
        pub constructed: bool,
        pub tag: u32,
        pub value: &'a [u8],
    }

    /// Read one TLV; `Incomplete` when the announced length is not all there.
    pub fn tlv<'a>(input: &'a [u8], what: &'static str) -> ParseResult<'a, Tlv<'a>> {
        let first = *input.first().ok_or(ParseError::incomplete(2))?;
        let class = first >> 6;
        let constructed = first & 0x20 != 0;
        let mut pos = 1usize;
        let mut tag = u32::from(first & 0x1f);
        if tag == 0x1f {
            tag = 0;
            loop {
                let b = *input.get(pos).ok_or(ParseError::incomplete(1))?;
                pos += 1;
                if tag > 0x00ff_ffff {
                    return Err(ParseError::invalid(what, "tag", "too large"));
                }
                tag = (tag << 7) | u32::from(b & 0x7f);
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let l0 = *input.get(pos).ok_or(ParseError::incomplete(1))?;
        pos += 1;
        let len = if l0 < 0x80 {
            usize::from(l0)
        } else if l0 == 0x80 {
            return Err(ParseError::invalid(what, "length", "indefinite length"));
        } else {
            let n = usize::from(l0 & 0x7f);
            if n > 4 {
                return Err(ParseError::invalid(
                    what,
                    "length",
                    "more than 4 length bytes",
                ));
            }
            let bytes = input
                .get(pos..pos + n)
                .ok_or_else(|| ParseError::incomplete(pos + n - input.len()))?;
            pos += n;
            bytes.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b))
        };
        let end = pos
            .checked_add(len)
            .ok_or(ParseError::invalid(what, "length", "overflows"))?;
        match input.get(pos..end) {
            Some(value) => Ok((
                input.get(end..).unwrap_or(&[]),
                Tlv {
                    class,
                    constructed,
                    tag,
                    value,
                },
            )),
            None => Err(ParseError::incomplete(end - input.len())),
        }
    }

    /// Read a TLV that is nested inside an already-complete parent: a short
    /// child is malformed, not incomplete.
    pub fn inner<'a>(
        input: &'a [u8],
        what: &'static str,
        field: &'static str,
    ) -> ParseResult<'a, Tlv<'a>> {
        tlv(input, what).map_err(|e| match e {
            ParseError::Incomplete { .. } => {
                ParseError::invalid(what, field, "overruns its container")
            }
            e => e,
        })
    }

    /// Iterate the children of a constructed value, stopping at the first
    /// malformed one.
    pub fn children<'a>(mut v: &'a [u8], what: &'static str) -> Vec<Tlv<'a>> {
        let mut out = Vec::new();
        while !v.is_empty() {
            match tlv(v, what) {
                Ok((r, t)) => {
                    out.push(t);
                    v = r;
                }
                Err(_) => break,
            }
        }
        out
    }

    /// The content of context tag `[n]` among `kids`.
    pub fn ctx<'a>(kids: &[Tlv<'a>], n: u32) -> Option<&'a [u8]> {
        kids.iter()
            .find(|t| t.class == CONTEXT && t.tag == n)
            .map(|t| t.value)
    }

    /// The TLV inside an explicit tag's content, if it parses.
    pub fn explicit<'a>(v: &'a [u8], what: &'static str) -> Option<Tlv<'a>> {
        tlv(v, what).ok().map(|(_, t)| t)
    }

    /// INTEGER content as i64 (two's complement, ≤ 8 bytes).
    pub fn int(v: &[u8]) -> Option<i64> {
        if v.is_empty() || v.len() > 8 {
            return None;
        }
        let neg = v.first().is_some_and(|b| b & 0x80 != 0);
        let init: i64 = if neg { -1 } else { 0 };
        Some(v.iter().fold(init, |a, &b| (a << 8) | i64::from(b)))
    }

    /// Explicitly tagged INTEGER → i64.
    pub fn explicit_int(v: Option<&[u8]>, what: &'static str) -> Option<i64> {
        let t = explicit(v?, what)?;
        if t.class == UNIVERSAL && t.tag == 2 {
            int(t.value)
        } else {
            None
        }
    }

    /// Explicitly tagged string (GeneralString, OCTET STRING, UTF8String …) → String.
    pub fn explicit_string(v: Option<&[u8]>, what: &'static str) -> Option<String> {
        let t = explicit(v?, what)?;
        Some(String::from_utf8_lossy(t.value).into_owned())
    }
}

open_enum! {
    /// NTSTATUS codes seen in `TSRequest.errorCode` (protocol-facts A3.2).
    pub struct NtStatus(u32) {
        SUCCESS = 0x0000_0000 => "STATUS_SUCCESS",
        ACCESS_DENIED = 0xC000_0022 => "STATUS_ACCESS_DENIED",
        NO_LOGON_SERVERS = 0xC000_005E => "STATUS_NO_LOGON_SERVERS",
        NO_SUCH_USER = 0xC000_0064 => "STATUS_NO_SUCH_USER",
        WRONG_PASSWORD = 0xC000_006A => "STATUS_WRONG_PASSWORD",
        LOGON_FAILURE = 0xC000_006D => "STATUS_LOGON_FAILURE",
        ACCOUNT_RESTRICTION = 0xC000_006E => "STATUS_ACCOUNT_RESTRICTION",
        INVALID_LOGON_HOURS = 0xC000_006F => "STATUS_INVALID_LOGON_HOURS",
        INVALID_WORKSTATION = 0xC000_0070 => "STATUS_INVALID_WORKSTATION",
        PASSWORD_EXPIRED = 0xC000_0071 => "STATUS_PASSWORD_EXPIRED",
        ACCOUNT_DISABLED = 0xC000_0072 => "STATUS_ACCOUNT_DISABLED",
        TIME_DIFFERENCE_AT_DC = 0xC000_0133 => "STATUS_TIME_DIFFERENCE_AT_DC",
        LOGON_TYPE_NOT_GRANTED = 0xC000_015B => "STATUS_LOGON_TYPE_NOT_GRANTED",
        TRUSTED_RELATIONSHIP_FAILURE = 0xC000_018D => "STATUS_TRUSTED_RELATIONSHIP_FAILURE",
        ACCOUNT_EXPIRED = 0xC000_0193 => "STATUS_ACCOUNT_EXPIRED",
        PASSWORD_MUST_CHANGE = 0xC000_0224 => "STATUS_PASSWORD_MUST_CHANGE",
        ACCOUNT_LOCKED_OUT = 0xC000_0234 => "STATUS_ACCOUNT_LOCKED_OUT",
        MUTUAL_AUTHENTICATION_FAILED = 0xC000_02C3 => "STATUS_MUTUAL_AUTHENTICATION_FAILED",
        SMARTCARD_LOGON_REQUIRED = 0xC000_02FA => "STATUS_SMARTCARD_LOGON_REQUIRED",
        PKINIT_FAILURE = 0xC000_0320 => "STATUS_PKINIT_FAILURE",
        DOWNGRADE_DETECTED = 0xC000_0388 => "STATUS_DOWNGRADE_DETECTED",
        KDC_CERT_REVOKED = 0xC000_040F => "STATUS_KDC_CERT_REVOKED",
        AUTHENTICATION_FIREWALL_FAILED = 0xC000_0413 => "STATUS_AUTHENTICATION_FIREWALL_FAILED",
    }
}

/// A decoded TSRequest. Slices borrow the input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TsRequest<'a> {
    pub version: u32,
    /// Each `negoToken` OCTET STRING (SPNEGO or raw NTLMSSP / Kerberos).
    pub nego_tokens: Vec<&'a [u8]>,
    /// Encrypted TSCredentials.
    pub auth_info: Option<&'a [u8]>,
    pub pub_key_auth: Option<&'a [u8]>,
    /// NTSTATUS (version ≥ 3).
    pub error_code: Option<NtStatus>,
    /// 32-byte nonce (version ≥ 5).
    pub client_nonce: Option<&'a [u8]>,
}

/// Cheap test for "this decrypted application data is a TSRequest": a DER
/// SEQUENCE whose first element is `[0]` (version).
pub fn looks_like_tsrequest(b: &[u8]) -> bool {
    match b {
        [0x30, l, rest @ ..] => {
            let skip = if *l < 0x80 { 0 } else { usize::from(*l & 0x7f) };
            match rest.get(skip) {
                Some(t) => *t == 0xA0,
                None => true,
            }
        }
        [0x30] => true,
        _ => false,
    }
}

fn octets<'a>(
    v: Option<&'a [u8]>,
    what: &'static str,
    field: &'static str,
) -> Result<Option<&'a [u8]>, ParseError> {
    match v {
        None => Ok(None),
        Some(v) => {
            let (_, t) = der::inner(v, what, field)?;
            if t.class == der::UNIVERSAL && t.tag == 4 {
                Ok(Some(t.value))
            } else {
                Err(ParseError::invalid(what, field, "not an OCTET STRING"))
            }
        }
    }
}

/// Parse one TSRequest. `Incomplete` while the outer SEQUENCE is not all there
/// (a TSRequest may span several TLS records).
pub fn parse_ts_request(input: &[u8]) -> ParseResult<'_, TsRequest<'_>> {
    const WHAT: &str = "TSRequest";
    let (rest, seq) = der::tlv(input, WHAT)?;
    if !(seq.class == der::UNIVERSAL && seq.tag == 16 && seq.constructed) {
        return Err(ParseError::invalid(WHAT, "tag", "not a SEQUENCE"));
    }
    let mut kids = Vec::new();
    let mut v = seq.value;
    while !v.is_empty() {
        let (r, t) = der::inner(v, WHAT, "element")?;
        kids.push(t);
        v = r;
    }
    let version = der::explicit_int(der::ctx(&kids, 0), WHAT).ok_or(ParseError::invalid(
        WHAT,
        "version",
        "missing or not an INTEGER",
    ))?;
    let version =
        u32::try_from(version).map_err(|_| ParseError::invalid(WHAT, "version", "negative"))?;
    let mut nego_tokens = Vec::new();
    if let Some(nd) = der::ctx(&kids, 1) {
        let (_, outer) = der::inner(nd, WHAT, "negoTokens")?;
        for item in der::children(outer.value, WHAT) {
            let inner = der::children(item.value, WHAT);
            if let Some(tok) = octets(der::ctx(&inner, 0), WHAT, "negoToken")? {
                nego_tokens.push(tok);
            }
        }
    }
    let error_code = match der::ctx(&kids, 4) {
        None => None,
        Some(v) => {
            let (_, t) = der::inner(v, WHAT, "errorCode")?;
            // NTSTATUS is unsigned; encoders write it as a negative 4-byte or
            // positive 5-byte INTEGER. Keep the low 32 bits.
            let n = der::int(t.value).ok_or(ParseError::invalid(
                WHAT,
                "errorCode",
                "not an INTEGER",
            ))?;
            Some(NtStatus(n as u32))
        }
    };
    Ok((
        rest,
        TsRequest {
            version,
            nego_tokens,
            auth_info: octets(der::ctx(&kids, 2), WHAT, "authInfo")?,
            pub_key_auth: octets(der::ctx(&kids, 3), WHAT, "pubKeyAuth")?,
            error_code,
            client_nonce: octets(der::ctx(&kids, 5), WHAT, "clientNonce")?,
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn error_code_negative_and_positive_forms() {
        // hand-made: no capture shows a TSRequest with errorCode (the lab
        // server xrdp closes instead); encodings per MS-CSSP 2.2.1.
        let neg = [
            0x30, 0x0d, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa4, 0x06, 0x02, 0x04, 0xc0, 0x00, 0x00,
            0x6d,
        ];
        let (_, r) = parse_ts_request(&neg).unwrap();
        assert_eq!(r.error_code, Some(NtStatus::LOGON_FAILURE));
        let pos = [
            0x30, 0x0e, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa4, 0x07, 0x02, 0x05, 0x00, 0xc0, 0x00,
            0x00, 0x6a,
        ];
        let (_, r) = parse_ts_request(&pos).unwrap();
        assert_eq!(r.error_code, Some(NtStatus::WRONG_PASSWORD));
        assert_eq!(r.version, 6);
        assert!(looks_like_tsrequest(&pos));
        assert!(!looks_like_tsrequest(b"NTLMSSP\0"));
    }
}
