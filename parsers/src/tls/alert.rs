//! Alerts (RFC 5246 §7.2; registry per IANA and tls-parser `tls_alert.rs`):
//! level and description codes and the plaintext alert body.

use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;

open_enum! {
    /// Alert level (RFC 5246 §7.2).
    pub struct AlertLevel(u8) {
        WARNING = 1 => "warning",
        FATAL = 2 => "fatal",
    }
}

open_enum! {
    /// Alert description (IANA TLS Alerts registry; protocol-facts A4).
    pub struct AlertDescription(u8) {
        CLOSE_NOTIFY = 0 => "close_notify",
        UNEXPECTED_MESSAGE = 10 => "unexpected_message",
        BAD_RECORD_MAC = 20 => "bad_record_mac",
        DECRYPTION_FAILED = 21 => "decryption_failed",
        RECORD_OVERFLOW = 22 => "record_overflow",
        DECOMPRESSION_FAILURE = 30 => "decompression_failure",
        HANDSHAKE_FAILURE = 40 => "handshake_failure",
        NO_CERTIFICATE = 41 => "no_certificate",
        BAD_CERTIFICATE = 42 => "bad_certificate",
        UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
        CERTIFICATE_REVOKED = 44 => "certificate_revoked",
        CERTIFICATE_EXPIRED = 45 => "certificate_expired",
        CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
        ILLEGAL_PARAMETER = 47 => "illegal_parameter",
        UNKNOWN_CA = 48 => "unknown_ca",
        ACCESS_DENIED = 49 => "access_denied",
        DECODE_ERROR = 50 => "decode_error",
        DECRYPT_ERROR = 51 => "decrypt_error",
        EXPORT_RESTRICTION = 60 => "export_restriction",
        PROTOCOL_VERSION = 70 => "protocol_version",
        INSUFFICIENT_SECURITY = 71 => "insufficient_security",
        INTERNAL_ERROR = 80 => "internal_error",
        INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
        USER_CANCELED = 90 => "user_canceled",
        NO_RENEGOTIATION = 100 => "no_renegotiation",
        MISSING_EXTENSION = 109 => "missing_extension",
        UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
        CERTIFICATE_UNOBTAINABLE = 111 => "certificate_unobtainable",
        UNRECOGNIZED_NAME = 112 => "unrecognized_name",
        BAD_CERTIFICATE_STATUS_RESPONSE = 113 => "bad_certificate_status_response",
        BAD_CERTIFICATE_HASH_VALUE = 114 => "bad_certificate_hash_value",
        UNKNOWN_PSK_IDENTITY = 115 => "unknown_psk_identity",
        CERTIFICATE_REQUIRED = 116 => "certificate_required",
        NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
    }
}

/// A plaintext alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub level: AlertLevel,
    pub description: AlertDescription,
}

impl Alert {
    /// True for level fatal (2).
    pub fn is_fatal(&self) -> bool {
        self.level == AlertLevel::FATAL
    }
}

/// Parse the 2-byte body of a plaintext alert record.
pub fn parse_alert(fragment: &[u8]) -> ParseResult<'_, Alert> {
    let (rest, b) = take(fragment, 2)?;
    match b {
        [l, d] => Ok((
            rest,
            Alert {
                level: AlertLevel(*l),
                description: AlertDescription(*d),
            },
        )),
        _ => Err(ParseError::incomplete(2)),
    }
}
