//! Authentication results sent inside TLS: Early User Authorization Result
//! (2.2.10.2) and RDSTLS (2.2.17).

use crate::error::{ParseError, ParseResult};
use crate::open_enum;
use crate::tpkt::rd;

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
