//! Kerberos v5 message recognition (RFC 4120 §5): AS-REQ/AS-REP/TGS-REQ/
//! TGS-REP/AP-REQ/AP-REP/KRB-ERROR by APPLICATION tag, with the fields a
//! diagnosis needs (KRB-ERROR error-code, realm, sname; requested realm and
//! service; etypes offered). Also accepts the GSS-API krb5 mechanism token
//! framing (RFC 1964 §1.1 / RFC 4121 §4.1: `0x60` + Kerberos OID + 2-byte
//! TOK_ID) around AP-REQ/AP-REP/KRB-ERROR, and the 4-byte record mark used
//! over TCP (RFC 4120 §7.2.2) via [`parse_kerberos_tcp`].
//!
//! Parsing is lenient inside a complete message: a missing optional (or even
//! a missing required) field yields `None` rather than an error, because a
//! diagnosis wants the error-code even from a sloppy encoder.

use crate::credssp::der;
use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;
use crate::spnego::{OID_KERBEROS, OID_KERBEROS_U2U, OID_MS_KERBEROS};

open_enum! {
    /// Kerberos msg-type / APPLICATION tag (RFC 4120 §5.10).
    pub struct MessageType(u32) {
        AS_REQ = 10 => "AS-REQ",
        AS_REP = 11 => "AS-REP",
        TGS_REQ = 12 => "TGS-REQ",
        TGS_REP = 13 => "TGS-REP",
        AP_REQ = 14 => "AP-REQ",
        AP_REP = 15 => "AP-REP",
        KRB_SAFE = 20 => "KRB-SAFE",
        KRB_PRIV = 21 => "KRB-PRIV",
        KRB_CRED = 22 => "KRB-CRED",
        KRB_ERROR = 30 => "KRB-ERROR",
    }
}

open_enum! {
    /// KRB-ERROR error-code (RFC 4120 §7.5.9, RFC 6113, MS-KILE).
    pub struct ErrorCode(i32) {
        KDC_ERR_NONE = 0 => "KDC_ERR_NONE",
        KDC_ERR_NAME_EXP = 1 => "KDC_ERR_NAME_EXP",
        KDC_ERR_SERVICE_EXP = 2 => "KDC_ERR_SERVICE_EXP",
        KDC_ERR_BAD_PVNO = 3 => "KDC_ERR_BAD_PVNO",
        KDC_ERR_C_OLD_MAST_KVNO = 4 => "KDC_ERR_C_OLD_MAST_KVNO",
        KDC_ERR_S_OLD_MAST_KVNO = 5 => "KDC_ERR_S_OLD_MAST_KVNO",
        KDC_ERR_C_PRINCIPAL_UNKNOWN = 6 => "KDC_ERR_C_PRINCIPAL_UNKNOWN",
        KDC_ERR_S_PRINCIPAL_UNKNOWN = 7 => "KDC_ERR_S_PRINCIPAL_UNKNOWN",
        KDC_ERR_PRINCIPAL_NOT_UNIQUE = 8 => "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
        KDC_ERR_NULL_KEY = 9 => "KDC_ERR_NULL_KEY",
        KDC_ERR_CANNOT_POSTDATE = 10 => "KDC_ERR_CANNOT_POSTDATE",
        KDC_ERR_NEVER_VALID = 11 => "KDC_ERR_NEVER_VALID",
        KDC_ERR_POLICY = 12 => "KDC_ERR_POLICY",
        KDC_ERR_BADOPTION = 13 => "KDC_ERR_BADOPTION",
        KDC_ERR_ETYPE_NOSUPP = 14 => "KDC_ERR_ETYPE_NOSUPP",
        KDC_ERR_SUMTYPE_NOSUPP = 15 => "KDC_ERR_SUMTYPE_NOSUPP",
        KDC_ERR_PADATA_TYPE_NOSUPP = 16 => "KDC_ERR_PADATA_TYPE_NOSUPP",
        KDC_ERR_TRTYPE_NOSUPP = 17 => "KDC_ERR_TRTYPE_NOSUPP",
        KDC_ERR_CLIENT_REVOKED = 18 => "KDC_ERR_CLIENT_REVOKED",
        KDC_ERR_SERVICE_REVOKED = 19 => "KDC_ERR_SERVICE_REVOKED",
        KDC_ERR_TGT_REVOKED = 20 => "KDC_ERR_TGT_REVOKED",
        KDC_ERR_CLIENT_NOTYET = 21 => "KDC_ERR_CLIENT_NOTYET",
        KDC_ERR_SERVICE_NOTYET = 22 => "KDC_ERR_SERVICE_NOTYET",
        KDC_ERR_KEY_EXPIRED = 23 => "KDC_ERR_KEY_EXPIRED",
        KDC_ERR_PREAUTH_FAILED = 24 => "KDC_ERR_PREAUTH_FAILED",
        KDC_ERR_PREAUTH_REQUIRED = 25 => "KDC_ERR_PREAUTH_REQUIRED",
        KDC_ERR_SERVER_NOMATCH = 26 => "KDC_ERR_SERVER_NOMATCH",
        KDC_ERR_MUST_USE_USER2USER = 27 => "KDC_ERR_MUST_USE_USER2USER",
        KDC_ERR_PATH_NOT_ACCEPTED = 28 => "KDC_ERR_PATH_NOT_ACCEPTED",
        KDC_ERR_SVC_UNAVAILABLE = 29 => "KDC_ERR_SVC_UNAVAILABLE",
        KRB_AP_ERR_BAD_INTEGRITY = 31 => "KRB_AP_ERR_BAD_INTEGRITY",
        KRB_AP_ERR_TKT_EXPIRED = 32 => "KRB_AP_ERR_TKT_EXPIRED",
        KRB_AP_ERR_TKT_NYV = 33 => "KRB_AP_ERR_TKT_NYV",
        KRB_AP_ERR_REPEAT = 34 => "KRB_AP_ERR_REPEAT",
        KRB_AP_ERR_NOT_US = 35 => "KRB_AP_ERR_NOT_US",
        KRB_AP_ERR_BADMATCH = 36 => "KRB_AP_ERR_BADMATCH",
        KRB_AP_ERR_SKEW = 37 => "KRB_AP_ERR_SKEW",
        KRB_AP_ERR_BADADDR = 38 => "KRB_AP_ERR_BADADDR",
        KRB_AP_ERR_BADVERSION = 39 => "KRB_AP_ERR_BADVERSION",
        KRB_AP_ERR_MSG_TYPE = 40 => "KRB_AP_ERR_MSG_TYPE",
        KRB_AP_ERR_MODIFIED = 41 => "KRB_AP_ERR_MODIFIED",
        KRB_AP_ERR_BADORDER = 42 => "KRB_AP_ERR_BADORDER",
        KRB_AP_ERR_BADKEYVER = 44 => "KRB_AP_ERR_BADKEYVER",
        KRB_AP_ERR_NOKEY = 45 => "KRB_AP_ERR_NOKEY",
        KRB_AP_ERR_MUT_FAIL = 46 => "KRB_AP_ERR_MUT_FAIL",
        KRB_AP_ERR_BADDIRECTION = 47 => "KRB_AP_ERR_BADDIRECTION",
        KRB_AP_ERR_METHOD = 48 => "KRB_AP_ERR_METHOD",
        KRB_AP_ERR_BADSEQ = 49 => "KRB_AP_ERR_BADSEQ",
        KRB_AP_ERR_INAPP_CKSUM = 50 => "KRB_AP_ERR_INAPP_CKSUM",
        KRB_AP_PATH_NOT_ACCEPTED = 51 => "KRB_AP_PATH_NOT_ACCEPTED",
        KRB_ERR_RESPONSE_TOO_BIG = 52 => "KRB_ERR_RESPONSE_TOO_BIG",
        KRB_ERR_GENERIC = 60 => "KRB_ERR_GENERIC",
        KRB_ERR_FIELD_TOOLONG = 61 => "KRB_ERR_FIELD_TOOLONG",
        KDC_ERROR_CLIENT_NOT_TRUSTED = 62 => "KDC_ERROR_CLIENT_NOT_TRUSTED",
        KDC_ERROR_KDC_NOT_TRUSTED = 63 => "KDC_ERROR_KDC_NOT_TRUSTED",
        KDC_ERROR_INVALID_SIG = 64 => "KDC_ERROR_INVALID_SIG",
        KDC_ERR_KEY_TOO_WEAK = 65 => "KDC_ERR_KEY_TOO_WEAK",
        KDC_ERR_CERTIFICATE_MISMATCH = 66 => "KDC_ERR_CERTIFICATE_MISMATCH",
        KRB_AP_ERR_NO_TGT = 67 => "KRB_AP_ERR_NO_TGT",
        KDC_ERR_WRONG_REALM = 68 => "KDC_ERR_WRONG_REALM",
        KRB_AP_ERR_USER_TO_USER_REQUIRED = 69 => "KRB_AP_ERR_USER_TO_USER_REQUIRED",
        KDC_ERR_CANT_VERIFY_CERTIFICATE = 70 => "KDC_ERR_CANT_VERIFY_CERTIFICATE",
        KDC_ERR_INVALID_CERTIFICATE = 71 => "KDC_ERR_INVALID_CERTIFICATE",
        KDC_ERR_REVOKED_CERTIFICATE = 72 => "KDC_ERR_REVOKED_CERTIFICATE",
        KDC_ERR_REVOCATION_STATUS_UNKNOWN = 73 => "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
        KDC_ERR_CLIENT_NAME_MISMATCH = 75 => "KDC_ERR_CLIENT_NAME_MISMATCH",
        KDC_ERR_KDC_NAME_MISMATCH = 76 => "KDC_ERR_KDC_NAME_MISMATCH",
        KDC_ERR_PREAUTH_EXPIRED = 90 => "KDC_ERR_PREAUTH_EXPIRED",
        KDC_ERR_MORE_PREAUTH_DATA_REQUIRED = 91 => "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED",
    }
}

/// GSS-API krb5 TOK_ID values (RFC 4121 §4.1).
pub const TOK_ID_AP_REQ: u16 = 0x0100;
pub const TOK_ID_AP_REP: u16 = 0x0200;
pub const TOK_ID_KRB_ERROR: u16 = 0x0300;

/// KDC-REQ summary (AS-REQ, TGS-REQ).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KdcReq {
    /// Client principal name components (AS-REQ). Sensitive.
    pub cname: Vec<String>,
    pub realm: Option<String>,
    pub sname: Vec<String>,
    /// Encryption types offered.
    pub etypes: Vec<i32>,
    /// padata-type values present.
    pub padata_types: Vec<i32>,
}

/// KDC-REP summary (AS-REP, TGS-REP).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KdcRep {
    pub crealm: Option<String>,
    /// Sensitive.
    pub cname: Vec<String>,
    /// Realm and service of the returned ticket.
    pub ticket_realm: Option<String>,
    pub ticket_sname: Vec<String>,
}

/// AP-REQ summary: the service ticket's realm and service name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApReq {
    pub ticket_realm: Option<String>,
    pub ticket_sname: Vec<String>,
}

/// KRB-ERROR summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KrbError {
    pub error_code: Option<ErrorCode>,
    pub realm: Option<String>,
    pub sname: Vec<String>,
    pub crealm: Option<String>,
    /// Sensitive.
    pub cname: Vec<String>,
    /// Server time (KerberosTime, `YYYYMMDDHHMMSSZ`).
    pub stime: Option<String>,
    pub e_text: Option<String>,
}

/// A recognised Kerberos message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KerberosMessage {
    AsReq(KdcReq),
    AsRep(KdcRep),
    TgsReq(KdcReq),
    TgsRep(KdcRep),
    ApReq(ApReq),
    ApRep,
    KrbError(KrbError),
    /// KRB-SAFE/PRIV/CRED.
    Other(MessageType),
}

impl KerberosMessage {
    /// The message type.
    pub fn msg_type(&self) -> MessageType {
        match self {
            KerberosMessage::AsReq(_) => MessageType::AS_REQ,
            KerberosMessage::AsRep(_) => MessageType::AS_REP,
            KerberosMessage::TgsReq(_) => MessageType::TGS_REQ,
            KerberosMessage::TgsRep(_) => MessageType::TGS_REP,
            KerberosMessage::ApReq(_) => MessageType::AP_REQ,
            KerberosMessage::ApRep => MessageType::AP_REP,
            KerberosMessage::KrbError(_) => MessageType::KRB_ERROR,
            KerberosMessage::Other(t) => *t,
        }
    }
}

/// A message plus the GSS TOK_ID when it came GSS-wrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kerberos {
    pub gss_tok_id: Option<u16>,
    pub message: KerberosMessage,
}

const WHAT: &str = "Kerberos message";

fn seq_kids<'a>(v: &'a [u8]) -> Vec<der::Tlv<'a>> {
    match der::explicit(v, WHAT) {
        Some(t) if t.class == der::UNIVERSAL && t.tag == 16 => der::children(t.value, WHAT),
        _ => Vec::new(),
    }
}

fn string(v: Option<&[u8]>) -> Option<String> {
    der::explicit_string(v, WHAT)
}

fn int(v: Option<&[u8]>) -> Option<i64> {
    der::explicit_int(v, WHAT)
}

/// PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQUENCE OF KerberosString }
fn principal(v: Option<&[u8]>) -> Vec<String> {
    let Some(v) = v else { return Vec::new() };
    let kids = seq_kids(v);
    match der::ctx(&kids, 1).and_then(|s| der::explicit(s, WHAT)) {
        Some(list) => der::children(list.value, WHAT)
            .iter()
            .map(|t| String::from_utf8_lossy(t.value).into_owned())
            .collect(),
        None => Vec::new(),
    }
}

/// Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1], sname [2], enc-part [3] }
fn ticket(v: Option<&[u8]>) -> (Option<String>, Vec<String>) {
    let Some(app) = v.and_then(|v| der::explicit(v, WHAT)) else {
        return (None, Vec::new());
    };
    if !(app.class == der::APPLICATION && app.tag == 1) {
        return (None, Vec::new());
    }
    let kids = seq_kids(app.value);
    (string(der::ctx(&kids, 1)), principal(der::ctx(&kids, 2)))
}

fn int_list(v: Option<&[u8]>) -> Vec<i32> {
    match v.and_then(|v| der::explicit(v, WHAT)) {
        Some(seq) => der::children(seq.value, WHAT)
            .iter()
            .filter(|t| t.class == der::UNIVERSAL && t.tag == 2)
            .filter_map(|t| der::int(t.value))
            .filter_map(|n| i32::try_from(n).ok())
            .collect(),
        None => Vec::new(),
    }
}

fn decode(tag: u32, value: &[u8]) -> KerberosMessage {
    let kids = match der::tlv(value, WHAT) {
        Ok((_, t)) if t.class == der::UNIVERSAL && t.tag == 16 => der::children(t.value, WHAT),
        _ => Vec::new(),
    };
    match MessageType(tag) {
        t @ (MessageType::AS_REQ | MessageType::TGS_REQ) => {
            // KDC-REQ ::= SEQUENCE { pvno [1], msg-type [2], padata [3], req-body [4] }
            let padata_types = match der::ctx(&kids, 3).and_then(|v| der::explicit(v, WHAT)) {
                Some(seq) => der::children(seq.value, WHAT)
                    .iter()
                    .filter_map(|pa| {
                        let k = der::children(pa.value, WHAT);
                        int(der::ctx(&k, 1)).and_then(|n| i32::try_from(n).ok())
                    })
                    .collect(),
                None => Vec::new(),
            };
            let body = der::ctx(&kids, 4).map(seq_kids).unwrap_or_default();
            let r = KdcReq {
                cname: principal(der::ctx(&body, 1)),
                realm: string(der::ctx(&body, 2)),
                sname: principal(der::ctx(&body, 3)),
                etypes: int_list(der::ctx(&body, 8)),
                padata_types,
            };
            if t == MessageType::AS_REQ {
                KerberosMessage::AsReq(r)
            } else {
                KerberosMessage::TgsReq(r)
            }
        }
        t @ (MessageType::AS_REP | MessageType::TGS_REP) => {
            let (ticket_realm, ticket_sname) = ticket(der::ctx(&kids, 5));
            let r = KdcRep {
                crealm: string(der::ctx(&kids, 3)),
                cname: principal(der::ctx(&kids, 4)),
                ticket_realm,
                ticket_sname,
            };
            if t == MessageType::AS_REP {
                KerberosMessage::AsRep(r)
            } else {
                KerberosMessage::TgsRep(r)
            }
        }
        MessageType::AP_REQ => {
            let (ticket_realm, ticket_sname) = ticket(der::ctx(&kids, 3));
            KerberosMessage::ApReq(ApReq {
                ticket_realm,
                ticket_sname,
            })
        }
        MessageType::AP_REP => KerberosMessage::ApRep,
        MessageType::KRB_ERROR => KerberosMessage::KrbError(KrbError {
            error_code: int(der::ctx(&kids, 6))
                .and_then(|n| i32::try_from(n).ok())
                .map(ErrorCode),
            realm: string(der::ctx(&kids, 9)),
            sname: principal(der::ctx(&kids, 10)),
            crealm: string(der::ctx(&kids, 7)),
            cname: principal(der::ctx(&kids, 8)),
            stime: string(der::ctx(&kids, 4)),
            e_text: string(der::ctx(&kids, 11)),
        }),
        t => KerberosMessage::Other(t),
    }
}

/// Parse a Kerberos message, bare (`[APPLICATION n]`) or GSS-wrapped
/// (`0x60` + Kerberos OID + TOK_ID + message).
pub fn parse_kerberos(input: &[u8]) -> ParseResult<'_, Kerberos> {
    let (rest, app) = der::tlv(input, WHAT)?;
    if app.class != der::APPLICATION || !app.constructed {
        return Err(ParseError::invalid(WHAT, "tag", "not an APPLICATION tag"));
    }
    if app.tag == 0 {
        // GSS-API framing
        let (inner, oid) = der::inner(app.value, WHAT, "thisMech")?;
        if !(oid.class == der::UNIVERSAL
            && oid.tag == 6
            && [OID_KERBEROS, OID_MS_KERBEROS, OID_KERBEROS_U2U].contains(&oid.value))
        {
            return Err(ParseError::invalid(WHAT, "thisMech", "not a Kerberos OID"));
        }
        let tok = inner
            .get(..2)
            .ok_or(ParseError::invalid(WHAT, "TOK_ID", "missing"))?;
        let tok_id = tok.iter().fold(0u16, |a, &b| (a << 8) | u16::from(b));
        let (_, msg) = der::inner(inner.get(2..).unwrap_or(&[]), WHAT, "innerToken")?;
        if msg.class != der::APPLICATION {
            return Err(ParseError::invalid(
                WHAT,
                "innerToken",
                "not an APPLICATION tag",
            ));
        }
        return Ok((
            rest,
            Kerberos {
                gss_tok_id: Some(tok_id),
                message: known(msg.tag, msg.value)?,
            },
        ));
    }
    Ok((
        rest,
        Kerberos {
            gss_tok_id: None,
            message: known(app.tag, app.value)?,
        },
    ))
}

fn known(tag: u32, value: &[u8]) -> Result<KerberosMessage, ParseError> {
    if MessageType(tag).name().is_none() {
        return Err(ParseError::invalid(
            WHAT,
            "tag",
            "not a Kerberos message type",
        ));
    }
    Ok(decode(tag, value))
}

/// Parse a Kerberos-over-TCP record: 4-byte big-endian length then a message.
pub fn parse_kerberos_tcp(input: &[u8]) -> ParseResult<'_, Kerberos> {
    let (rest, len) = take(input, 4)?;
    let n = len.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
    if n & 0x8000_0000 != 0 {
        return Err(ParseError::invalid(WHAT, "record mark", "reserved bit set"));
    }
    let (after, body) = take(rest, n)?;
    let (_, k) = parse_kerberos(body).map_err(|e| match e {
        ParseError::Incomplete { .. } => {
            ParseError::invalid(WHAT, "record mark", "shorter than message")
        }
        e => e,
    })?;
    Ok((after, k))
}
