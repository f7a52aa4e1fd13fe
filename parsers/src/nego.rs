//! RDP security negotiation carried in the X.224 CR/CC variable part:
//! routing token / cookie, RDP_NEG_REQ, RDP_NEG_CORRELATION_INFO
//! (MS-RDPBCGR 2.2.1.1, 2.2.1.1.1, 2.2.1.1.2) and RDP_NEG_RSP /
//! RDP_NEG_FAILURE (MS-RDPBCGR 2.2.1.2, 2.2.1.2.1, 2.2.1.2.2).
//!
//! Every part is optional on the wire: legacy clients send a CR with only a
//! cookie (or nothing), legacy servers answer an empty CC. Unknown flag and
//! protocol bits are kept.

use std::borrow::Cow;

use crate::error::{flag_set, take, ParseError, ParseResult};
use crate::open_enum;
use crate::tpkt::rd;
use crate::x224::{parse_x224_frame, ConnectionTpdu, Tpdu};

flag_set! {
    /// Security protocols (requestedProtocols / selectedProtocol /
    /// clientRequestedProtocols / serverSelectedProtocol). Zero is PROTOCOL_RDP.
    pub struct Protocols(u32) [zero = "PROTOCOL_RDP"] {
        /// Standard RDP Security (no bit).
        RDP = 0x0000_0000 => "PROTOCOL_RDP",
        /// TLS.
        SSL = 0x0000_0001 => "PROTOCOL_SSL",
        /// CredSSP (NLA).
        HYBRID = 0x0000_0002 => "PROTOCOL_HYBRID",
        /// RDSTLS.
        RDSTLS = 0x0000_0004 => "PROTOCOL_RDSTLS",
        /// CredSSP + Early User Authorization Result.
        HYBRID_EX = 0x0000_0008 => "PROTOCOL_HYBRID_EX",
        /// RDS AAD authentication.
        RDSAAD = 0x0000_0010 => "PROTOCOL_RDSAAD",
    }
}

/// Alias for [`Protocols::RDP`].
pub const PROTOCOL_RDP: Protocols = Protocols::RDP;

flag_set! {
    /// RDP_NEG_REQ flags.
    pub struct NegReqFlags(u8) [zero = ""] {
        RESTRICTED_ADMIN_MODE_REQUIRED = 0x01 => "RESTRICTED_ADMIN_MODE_REQUIRED",
        REDIRECTED_AUTHENTICATION_MODE_REQUIRED = 0x02 => "REDIRECTED_AUTHENTICATION_MODE_REQUIRED",
        CORRELATION_INFO_PRESENT = 0x08 => "CORRELATION_INFO_PRESENT",
    }
}

flag_set! {
    /// RDP_NEG_RSP flags.
    pub struct NegRspFlags(u8) [zero = ""] {
        EXTENDED_CLIENT_DATA_SUPPORTED = 0x01 => "EXTENDED_CLIENT_DATA_SUPPORTED",
        DYNVC_GFX_PROTOCOL_SUPPORTED = 0x02 => "DYNVC_GFX_PROTOCOL_SUPPORTED",
        NEGRSP_FLAG_RESERVED = 0x04 => "NEGRSP_FLAG_RESERVED",
        RESTRICTED_ADMIN_MODE_SUPPORTED = 0x08 => "RESTRICTED_ADMIN_MODE_SUPPORTED",
        REDIRECTED_AUTHENTICATION_MODE_SUPPORTED = 0x10 => "REDIRECTED_AUTHENTICATION_MODE_SUPPORTED",
    }
}

open_enum! {
    /// RDP_NEG_FAILURE failureCode.
    pub struct FailureCode(u32) {
        SSL_REQUIRED_BY_SERVER = 1 => "SSL_REQUIRED_BY_SERVER",
        SSL_NOT_ALLOWED_BY_SERVER = 2 => "SSL_NOT_ALLOWED_BY_SERVER",
        SSL_CERT_NOT_ON_SERVER = 3 => "SSL_CERT_NOT_ON_SERVER",
        INCONSISTENT_FLAGS = 4 => "INCONSISTENT_FLAGS",
        HYBRID_REQUIRED_BY_SERVER = 5 => "HYBRID_REQUIRED_BY_SERVER",
        SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER = 6 => "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
    }
}

open_enum! {
    /// Type byte of the negotiation structures.
    pub struct NegType(u8) {
        REQ = 0x01 => "TYPE_RDP_NEG_REQ",
        RSP = 0x02 => "TYPE_RDP_NEG_RSP",
        FAILURE = 0x03 => "TYPE_RDP_NEG_FAILURE",
        CORRELATION_INFO = 0x06 => "TYPE_RDP_CORRELATION_INFO",
    }
}

/// Which kind of routing line the client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieKind {
    /// `Cookie: mstshash=IDENTIFIER` (usually a truncated user name).
    MstsHash,
    /// `Cookie: msts=...` load-balancing routing token.
    RoutingToken,
    /// Another `Cookie: ` line or a CRLF-terminated token of unknown form.
    Other,
}

/// The routing token or cookie line of a CR (without the trailing CRLF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookie<'a> {
    /// Kind of line.
    pub kind: CookieKind,
    /// The value after `mstshash=` / `msts=` (the whole line for `Other`).
    pub value: &'a [u8],
    /// The whole line without CRLF.
    pub line: &'a [u8],
}

impl Cookie<'_> {
    /// The value as text (invalid UTF-8 replaced).
    pub fn value_str(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.value)
    }
}

/// RDP_NEG_REQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegReq {
    /// Flags.
    pub flags: NegReqFlags,
    /// Requested protocols.
    pub requested_protocols: Protocols,
}

/// RDP_NEG_CORRELATION_INFO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrelationInfo<'a> {
    /// Flags (0).
    pub flags: u8,
    /// The 16-byte correlation ID.
    pub correlation_id: &'a [u8],
    /// 16 reserved bytes (zero).
    pub reserved: &'a [u8],
}

/// RDP_NEG_RSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegRsp {
    /// Flags.
    pub flags: NegRspFlags,
    /// The protocol the server selected.
    pub selected_protocol: Protocols,
}

/// RDP_NEG_FAILURE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegFailure {
    /// Flags (0).
    pub flags: u8,
    /// Why the server refused.
    pub code: FailureCode,
}

/// What the server put in its CC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegResponse {
    /// RDP_NEG_RSP.
    Rsp(NegRsp),
    /// RDP_NEG_FAILURE.
    Failure(NegFailure),
}

/// Client X.224 Connection Request, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionRequest<'a> {
    /// X.224 fields (DST-REF, SRC-REF, class).
    pub tpdu: ConnectionTpdu<'a>,
    /// Routing token or cookie, when present.
    pub cookie: Option<Cookie<'a>>,
    /// RDP_NEG_REQ; `None` for a legacy (pre-RDP 5.2) request.
    pub neg_req: Option<NegReq>,
    /// RDP_NEG_CORRELATION_INFO, when present.
    pub correlation: Option<CorrelationInfo<'a>>,
    /// Bytes after the recognised structures (normally empty).
    pub trailing: &'a [u8],
}

impl ConnectionRequest<'_> {
    /// Requested protocols; a legacy request means PROTOCOL_RDP.
    pub fn requested_protocols(&self) -> Protocols {
        self.neg_req
            .map_or(Protocols::RDP, |n| n.requested_protocols)
    }
}

/// Server X.224 Connection Confirm, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionConfirm<'a> {
    /// X.224 fields.
    pub tpdu: ConnectionTpdu<'a>,
    /// Negotiation response; `None` for a legacy server (empty CC).
    pub neg: Option<NegResponse>,
    /// Bytes after the response (normally empty).
    pub trailing: &'a [u8],
}

/// Parse the 8-byte RDP_NEG_REQ.
pub fn parse_neg_req(input: &[u8]) -> ParseResult<'_, NegReq> {
    let (rest, (flags, p)) = neg_struct(input, NegType::REQ, "RDP_NEG_REQ")?;
    Ok((
        rest,
        NegReq {
            flags: NegReqFlags(flags),
            requested_protocols: Protocols(p),
        },
    ))
}

/// Parse the 8-byte RDP_NEG_RSP.
pub fn parse_neg_rsp(input: &[u8]) -> ParseResult<'_, NegRsp> {
    let (rest, (flags, p)) = neg_struct(input, NegType::RSP, "RDP_NEG_RSP")?;
    Ok((
        rest,
        NegRsp {
            flags: NegRspFlags(flags),
            selected_protocol: Protocols(p),
        },
    ))
}

/// Parse the 8-byte RDP_NEG_FAILURE.
pub fn parse_neg_failure(input: &[u8]) -> ParseResult<'_, NegFailure> {
    let (rest, (flags, c)) = neg_struct(input, NegType::FAILURE, "RDP_NEG_FAILURE")?;
    Ok((
        rest,
        NegFailure {
            flags,
            code: FailureCode(c),
        },
    ))
}

fn neg_struct<'a>(input: &'a [u8], ty: NegType, what: &'static str) -> ParseResult<'a, (u8, u32)> {
    let (rest, t) = rd::u8(input)?;
    if t != ty.0 {
        return Err(ParseError::invalid(what, "type", "unexpected type"));
    }
    let (rest, flags) = rd::u8(rest)?;
    let (rest, len) = rd::u16_le(rest)?;
    if len != 8 {
        return Err(ParseError::invalid(what, "length", "must be 8"));
    }
    let (rest, v) = rd::u32_le(rest)?;
    Ok((rest, (flags, v)))
}

/// Parse RDP_NEG_CORRELATION_INFO (36 bytes).
pub fn parse_correlation_info(input: &[u8]) -> ParseResult<'_, CorrelationInfo<'_>> {
    const WHAT: &str = "RDP_NEG_CORRELATION_INFO";
    let (rest, t) = rd::u8(input)?;
    if t != NegType::CORRELATION_INFO.0 {
        return Err(ParseError::invalid(WHAT, "type", "must be 0x06"));
    }
    let (rest, flags) = rd::u8(rest)?;
    let (rest, len) = rd::u16_le(rest)?;
    if len != 36 {
        return Err(ParseError::invalid(WHAT, "length", "must be 36"));
    }
    let (rest, correlation_id) = take(rest, 16)?;
    let (rest, reserved) = take(rest, 16)?;
    Ok((
        rest,
        CorrelationInfo {
            flags,
            correlation_id,
            reserved,
        },
    ))
}

/// Parse the routing token / cookie line when the input starts with one
/// (`Cookie: ` prefix, CRLF-terminated). Returns `None` when absent.
pub fn parse_cookie(input: &[u8]) -> ParseResult<'_, Option<Cookie<'_>>> {
    const PREFIX: &[u8] = b"Cookie: ";
    let n = PREFIX.len().min(input.len());
    if input.get(..n) != PREFIX.get(..n) {
        return Ok((input, None));
    }
    if input.len() < PREFIX.len() {
        return Err(ParseError::incomplete(PREFIX.len() - input.len()));
    }
    let Some(pos) = input.windows(2).position(|w| w == b"\r\n") else {
        return Err(ParseError::incomplete(1));
    };
    let (line, rest) = input.split_at(pos);
    let rest = rest.get(2..).unwrap_or_default();
    let body = line.get(PREFIX.len()..).unwrap_or_default();
    let (kind, value) = if let Some(v) = body.strip_prefix(b"msts=") {
        (CookieKind::RoutingToken, v)
    } else if let Some(v) = body.strip_prefix(b"mstshash=") {
        (CookieKind::MstsHash, v)
    } else {
        (CookieKind::Other, body)
    };
    Ok((rest, Some(Cookie { kind, value, line })))
}

/// Parse the variable part of a client CR (cookie, RDP_NEG_REQ, correlation
/// info). The input must be exactly the CR variable part: running out of
/// bytes inside it is reported as [`ParseError::Invalid`].
pub fn parse_cr_payload(variable: &[u8]) -> Result<CrPayload<'_>, ParseError> {
    let inner = |e: ParseError| match e {
        ParseError::Incomplete { .. } => {
            ParseError::invalid("X.224 CR", "LI", "shorter than the negotiation data")
        }
        other => other,
    };
    let (rest, cookie) = parse_cookie(variable).map_err(inner)?;
    let (rest, neg_req) = if rest.first() == Some(&NegType::REQ.0) {
        let (r, n) = parse_neg_req(rest).map_err(inner)?;
        (r, Some(n))
    } else {
        (rest, None)
    };
    let (rest, correlation) = if rest.first() == Some(&NegType::CORRELATION_INFO.0) {
        let (r, c) = parse_correlation_info(rest).map_err(inner)?;
        (r, Some(c))
    } else {
        (rest, None)
    };
    Ok(CrPayload {
        cookie,
        neg_req,
        correlation,
        trailing: rest,
    })
}

/// The decoded variable part of a CR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrPayload<'a> {
    /// Routing token or cookie.
    pub cookie: Option<Cookie<'a>>,
    /// RDP_NEG_REQ.
    pub neg_req: Option<NegReq>,
    /// RDP_NEG_CORRELATION_INFO.
    pub correlation: Option<CorrelationInfo<'a>>,
    /// Unrecognised remainder.
    pub trailing: &'a [u8],
}

/// Parse the variable part of a server CC: empty, RDP_NEG_RSP or RDP_NEG_FAILURE.
pub fn parse_cc_payload(variable: &[u8]) -> Result<(Option<NegResponse>, &[u8]), ParseError> {
    let inner = |e: ParseError| match e {
        ParseError::Incomplete { .. } => {
            ParseError::invalid("X.224 CC", "LI", "shorter than the negotiation data")
        }
        other => other,
    };
    match variable.first() {
        None => Ok((None, variable)),
        Some(&t) if t == NegType::RSP.0 => {
            let (r, v) = parse_neg_rsp(variable).map_err(inner)?;
            Ok((Some(NegResponse::Rsp(v)), r))
        }
        Some(&t) if t == NegType::FAILURE.0 => {
            let (r, v) = parse_neg_failure(variable).map_err(inner)?;
            Ok((Some(NegResponse::Failure(v)), r))
        }
        Some(_) => Err(ParseError::invalid(
            "X.224 CC",
            "rdpNegData",
            "is neither RDP_NEG_RSP nor RDP_NEG_FAILURE",
        )),
    }
}

/// Parse a whole TPKT frame (starting 0x03) holding the client's X.224
/// Connection Request. The remaining input starts after the frame.
pub fn parse_connection_request(input: &[u8]) -> ParseResult<'_, ConnectionRequest<'_>> {
    let (rest, tpdu) = parse_x224_frame(input)?;
    let Tpdu::ConnectionRequest(tpdu) = tpdu else {
        return Err(ParseError::invalid(
            "X.224 CR",
            "code",
            "not a Connection Request",
        ));
    };
    let p = parse_cr_payload(tpdu.variable)?;
    Ok((
        rest,
        ConnectionRequest {
            tpdu,
            cookie: p.cookie,
            neg_req: p.neg_req,
            correlation: p.correlation,
            trailing: p.trailing,
        },
    ))
}

/// Parse a whole TPKT frame (starting 0x03) holding the server's X.224
/// Connection Confirm. The remaining input starts after the frame.
pub fn parse_connection_confirm(input: &[u8]) -> ParseResult<'_, ConnectionConfirm<'_>> {
    let (rest, tpdu) = parse_x224_frame(input)?;
    let Tpdu::ConnectionConfirm(tpdu) = tpdu else {
        return Err(ParseError::invalid(
            "X.224 CC",
            "code",
            "not a Connection Confirm",
        ));
    };
    let (neg, trailing) = parse_cc_payload(tpdu.variable)?;
    Ok((
        rest,
        ConnectionConfirm {
            tpdu,
            neg,
            trailing,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_display() {
        assert_eq!(Protocols(0).to_string(), "PROTOCOL_RDP");
        assert_eq!(
            Protocols(0xb).to_string(),
            "PROTOCOL_SSL|PROTOCOL_HYBRID|PROTOCOL_HYBRID_EX"
        );
        // hand-made: an unknown protocol bit must survive
        assert_eq!(Protocols(0x41).to_string(), "PROTOCOL_SSL|0x40");
        assert!(Protocols(0xb).contains(Protocols::HYBRID));
        assert_eq!(Protocols(0x41).unknown_bits(), 0x40);
        assert_eq!(
            Protocols(0x3).names(),
            vec!["PROTOCOL_SSL", "PROTOCOL_HYBRID"]
        );
    }

    #[test]
    fn correlation_info() {
        // hand-made: no capture carries RDP_NEG_CORRELATION_INFO; CR with
        // cookie, NEG_REQ (flag 0x08) and a 36-byte correlation block
        let mut v = b"Cookie: msts=3640205228.15629.0000\r\n".to_vec();
        v.extend_from_slice(&[1, 0x08, 8, 0, 0x0b, 0, 0, 0]);
        v.extend_from_slice(&[6, 0, 36, 0]);
        v.extend((1..=16u8).map(|b| b + 0x10));
        v.extend([0u8; 16]);
        let p = parse_cr_payload(&v).unwrap_or_else(|e| unreachable!("{e}"));
        let c = p.cookie.unwrap_or_else(|| unreachable!());
        assert_eq!(c.kind, CookieKind::RoutingToken);
        assert_eq!(c.value, b"3640205228.15629.0000");
        let n = p.neg_req.unwrap_or_else(|| unreachable!());
        assert!(n.flags.contains(NegReqFlags::CORRELATION_INFO_PRESENT));
        let ci = p.correlation.unwrap_or_else(|| unreachable!());
        assert_eq!(ci.correlation_id.first(), Some(&0x11));
        assert!(p.trailing.is_empty());
    }
}
