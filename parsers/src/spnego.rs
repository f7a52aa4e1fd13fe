//! SPNEGO (RFC 4178) tokens as carried in CredSSP `negoTokens`
//! (protocol-facts A3.3): the GSS-API initial-context wrapper
//! (`[APPLICATION 0]`, RFC 2743 §3.1) around NegTokenInit, NegTokenResp, the
//! mechanism OIDs, and [`unwrap_mech_token`], which finds the NTLM or
//! Kerberos token inside whatever a client put in a negoToken.

use crate::credssp::der;
use crate::error::{ParseError, ParseResult};
use crate::open_enum;

/// DER content of OID 1.3.6.1.5.5.2 (SPNEGO).
pub const OID_SPNEGO: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
/// DER content of OID 1.2.840.113554.1.2.2 (Kerberos v5).
pub const OID_KERBEROS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
/// DER content of OID 1.2.840.48018.1.2.2 (Microsoft's "wrong" Kerberos OID).
pub const OID_MS_KERBEROS: &[u8] = &[0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02];
/// DER content of OID 1.2.840.113554.1.2.2.3 (Kerberos user-to-user).
pub const OID_KERBEROS_U2U: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x03];
/// DER content of OID 1.3.6.1.4.1.311.2.2.10 (NTLMSSP).
pub const OID_NTLM: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a];
/// DER content of OID 1.3.6.1.4.1.311.2.2.30 (NegoEx).
pub const OID_NEGOEX: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e];

/// The NTLMSSP signature (defined once, in [`crate::ntlm::SIGNATURE`]).
pub use crate::ntlm::SIGNATURE as NTLMSSP_SIGNATURE;

open_enum! {
    /// NegTokenResp negState (RFC 4178 §4.2.2).
    pub struct NegState(u8) {
        ACCEPT_COMPLETED = 0 => "accept-completed",
        ACCEPT_INCOMPLETE = 1 => "accept-incomplete",
        REJECT = 2 => "reject",
        REQUEST_MIC = 3 => "request-mic",
    }
}

/// An OBJECT IDENTIFIER (borrowed DER content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Oid<'a>(pub &'a [u8]);

impl Oid<'_> {
    /// Mechanism name for the OIDs RDP uses.
    pub fn name(&self) -> Option<&'static str> {
        Some(match self.0 {
            OID_SPNEGO => "SPNEGO",
            OID_KERBEROS => "Kerberos",
            OID_MS_KERBEROS => "MS-Kerberos",
            OID_KERBEROS_U2U => "Kerberos-U2U",
            OID_NTLM => "NTLM",
            OID_NEGOEX => "NegoEx",
            _ => return None,
        })
    }

    /// True for either Kerberos OID.
    pub fn is_kerberos(&self) -> bool {
        self.0 == OID_KERBEROS || self.0 == OID_MS_KERBEROS
    }

    /// Dotted notation, e.g. `1.3.6.1.5.5.2`.
    pub fn dotted(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut acc: u64 = 0;
        let mut first = true;
        for &b in self.0 {
            acc = (acc << 7) | u64::from(b & 0x7f);
            if b & 0x80 == 0 {
                if first {
                    let (a, b) = if acc < 40 {
                        (0, acc)
                    } else if acc < 80 {
                        (1, acc - 40)
                    } else {
                        (2, acc - 80)
                    };
                    parts.push(a.to_string());
                    parts.push(b.to_string());
                    first = false;
                } else {
                    parts.push(acc.to_string());
                }
                acc = 0;
            }
        }
        parts.join(".")
    }
}

/// NegTokenInit (RFC 4178 §4.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NegTokenInit<'a> {
    pub mech_types: Vec<Oid<'a>>,
    pub mech_token: Option<&'a [u8]>,
    pub mech_list_mic: Option<&'a [u8]>,
}

/// NegTokenResp (RFC 4178 §4.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NegTokenResp<'a> {
    pub neg_state: Option<NegState>,
    pub supported_mech: Option<Oid<'a>>,
    pub response_token: Option<&'a [u8]>,
    pub mech_list_mic: Option<&'a [u8]>,
}

/// Either SPNEGO token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpnegoToken<'a> {
    Init(NegTokenInit<'a>),
    Resp(NegTokenResp<'a>),
}

/// The GSS-API InitialContextToken framing `[APPLICATION 0] { thisMech OID, innerToken }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GssWrapper<'a> {
    pub mech: Oid<'a>,
    /// Everything after the OID.
    pub inner: &'a [u8],
}

/// Parse the GSS-API `0x60` wrapper.
pub fn parse_gss_wrapper(input: &[u8]) -> ParseResult<'_, GssWrapper<'_>> {
    const WHAT: &str = "GSS-API InitialContextToken";
    let (rest, app) = der::tlv(input, WHAT)?;
    if !(app.class == der::APPLICATION && app.tag == 0 && app.constructed) {
        return Err(ParseError::invalid(WHAT, "tag", "not [APPLICATION 0]"));
    }
    let (inner, oid) = der::inner(app.value, WHAT, "thisMech")?;
    if !(oid.class == der::UNIVERSAL && oid.tag == 6) {
        return Err(ParseError::invalid(WHAT, "thisMech", "not an OID"));
    }
    Ok((
        rest,
        GssWrapper {
            mech: Oid(oid.value),
            inner,
        },
    ))
}

fn octet_string<'a>(v: Option<&'a [u8]>, what: &'static str) -> Option<&'a [u8]> {
    let t = der::explicit(v?, what)?;
    (t.class == der::UNIVERSAL && t.tag == 4).then_some(t.value)
}

fn decode_init<'a>(value: &'a [u8], what: &'static str) -> Result<NegTokenInit<'a>, ParseError> {
    let (_, seq) = der::inner(value, what, "NegTokenInit")?;
    if !(seq.class == der::UNIVERSAL && seq.tag == 16) {
        return Err(ParseError::invalid(what, "NegTokenInit", "not a SEQUENCE"));
    }
    let kids = der::children(seq.value, what);
    let mech_types = match der::ctx(&kids, 0).and_then(|v| der::explicit(v, what)) {
        Some(list) => der::children(list.value, what)
            .into_iter()
            .filter(|t| t.class == der::UNIVERSAL && t.tag == 6)
            .map(|t| Oid(t.value))
            .collect(),
        None => Vec::new(),
    };
    Ok(NegTokenInit {
        mech_types,
        mech_token: octet_string(der::ctx(&kids, 2), what),
        mech_list_mic: octet_string(der::ctx(&kids, 3), what),
    })
}

fn decode_resp<'a>(value: &'a [u8], what: &'static str) -> Result<NegTokenResp<'a>, ParseError> {
    let (_, seq) = der::inner(value, what, "NegTokenResp")?;
    if !(seq.class == der::UNIVERSAL && seq.tag == 16) {
        return Err(ParseError::invalid(what, "NegTokenResp", "not a SEQUENCE"));
    }
    let kids = der::children(seq.value, what);
    let neg_state = der::ctx(&kids, 0)
        .and_then(|v| der::explicit(v, what))
        .filter(|t| t.class == der::UNIVERSAL && t.tag == 10)
        .and_then(|t| der::int(t.value))
        .and_then(|n| u8::try_from(n).ok())
        .map(NegState);
    let supported_mech = der::ctx(&kids, 1)
        .and_then(|v| der::explicit(v, what))
        .filter(|t| t.class == der::UNIVERSAL && t.tag == 6)
        .map(|t| Oid(t.value));
    Ok(NegTokenResp {
        neg_state,
        supported_mech,
        response_token: octet_string(der::ctx(&kids, 2), what),
        mech_list_mic: octet_string(der::ctx(&kids, 3), what),
    })
}

/// Parse a GSS-wrapped NegTokenInit (`0x60 … OID_SPNEGO [0] {…}`); a bare
/// `[0]` NegTokenInit (`0xA0`) is accepted too.
pub fn parse_neg_token_init(input: &[u8]) -> ParseResult<'_, NegTokenInit<'_>> {
    const WHAT: &str = "SPNEGO NegTokenInit";
    let (rest, t) = if input.first() == Some(&0x60) {
        let (rest, g) = parse_gss_wrapper(input)?;
        if g.mech.0 != OID_SPNEGO {
            return Err(ParseError::invalid(WHAT, "thisMech", "not the SPNEGO OID"));
        }
        let (_, t) = der::inner(g.inner, WHAT, "negTokenInit")?;
        (rest, t)
    } else {
        der::tlv(input, WHAT)?
    };
    if !(t.class == der::CONTEXT && t.tag == 0) {
        return Err(ParseError::invalid(WHAT, "tag", "not [0]"));
    }
    Ok((rest, decode_init(t.value, WHAT)?))
}

/// Parse a NegTokenResp (`0xA1 …`).
pub fn parse_neg_token_resp(input: &[u8]) -> ParseResult<'_, NegTokenResp<'_>> {
    const WHAT: &str = "SPNEGO NegTokenResp";
    let (rest, t) = der::tlv(input, WHAT)?;
    if !(t.class == der::CONTEXT && t.tag == 1) {
        return Err(ParseError::invalid(WHAT, "tag", "not [1]"));
    }
    Ok((rest, decode_resp(t.value, WHAT)?))
}

/// Parse either SPNEGO token by its first byte.
pub fn parse_spnego(input: &[u8]) -> ParseResult<'_, SpnegoToken<'_>> {
    match input.first() {
        None => Err(ParseError::incomplete(1)),
        Some(0xA1) => parse_neg_token_resp(input).map(|(r, t)| (r, SpnegoToken::Resp(t))),
        Some(0x60 | 0xA0) => parse_neg_token_init(input).map(|(r, t)| (r, SpnegoToken::Init(t))),
        Some(_) => Err(ParseError::invalid(
            "SPNEGO token",
            "tag",
            "not 0x60, 0xA0 or 0xA1",
        )),
    }
}

/// The mechanism token found inside a negoToken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MechToken<'a> {
    /// An NTLMSSP message (starts with `NTLMSSP\0`).
    Ntlm(&'a [u8]),
    /// A Kerberos token: either GSS-wrapped (`0x60` + Kerberos OID + token id
    /// + message) or a bare Kerberos message.
    Kerberos(&'a [u8]),
    /// Nothing recognisable (e.g. a NegTokenResp without responseToken).
    Unknown,
}

/// Find the NTLM or Kerberos token inside a negoToken by its first bytes:
/// `NTLMSSP\0` (raw NTLM), `0x60` (GSS wrapper: SPNEGO NegTokenInit, or a
/// Kerberos mechanism token), `0xA1` (SPNEGO NegTokenResp), `0xA0` (bare
/// NegTokenInit). Nesting is followed a few levels at most.
pub fn unwrap_mech_token(bytes: &[u8]) -> MechToken<'_> {
    unwrap_depth(bytes, 4)
}

fn unwrap_depth(bytes: &[u8], depth: u8) -> MechToken<'_> {
    if depth == 0 {
        return MechToken::Unknown;
    }
    if bytes.starts_with(NTLMSSP_SIGNATURE) {
        return MechToken::Ntlm(bytes);
    }
    match bytes.first() {
        Some(0x60) => match parse_gss_wrapper(bytes) {
            Ok((_, g)) if g.mech.0 == OID_SPNEGO => match parse_neg_token_init(bytes) {
                Ok((_, init)) => init
                    .mech_token
                    .map_or(MechToken::Unknown, |t| unwrap_depth(t, depth - 1)),
                Err(_) => MechToken::Unknown,
            },
            Ok((_, g)) if g.mech.is_kerberos() || g.mech.0 == OID_KERBEROS_U2U => {
                MechToken::Kerberos(bytes)
            }
            _ => MechToken::Unknown,
        },
        Some(0xA0) => match parse_neg_token_init(bytes) {
            Ok((_, init)) => init
                .mech_token
                .map_or(MechToken::Unknown, |t| unwrap_depth(t, depth - 1)),
            Err(_) => MechToken::Unknown,
        },
        Some(0xA1) => match parse_neg_token_resp(bytes) {
            Ok((_, resp)) => resp
                .response_token
                .map_or(MechToken::Unknown, |t| unwrap_depth(t, depth - 1)),
            Err(_) => MechToken::Unknown,
        },
        // Bare Kerberos messages: [APPLICATION 10..15, 30]
        Some(0x6a..=0x6f | 0x7e) => MechToken::Kerberos(bytes),
        _ => MechToken::Unknown,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn oid_names_and_dotted() {
        assert_eq!(Oid(OID_NTLM).name(), Some("NTLM"));
        assert_eq!(Oid(OID_SPNEGO).dotted(), "1.3.6.1.5.5.2");
        assert_eq!(Oid(OID_KERBEROS).dotted(), "1.2.840.113554.1.2.2");
        assert_eq!(Oid(OID_MS_KERBEROS).dotted(), "1.2.840.48018.1.2.2");
        assert_eq!(Oid(OID_NTLM).dotted(), "1.3.6.1.4.1.311.2.2.10");
    }
}
