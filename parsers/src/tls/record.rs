//! The record layer (RFC 5246 §6.2, RFC 8446 §5): record header, record,
//! runs of records, and classification of a record as a passive observer
//! sees it.

use super::alert::{parse_alert, Alert};
use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;

/// Largest record fragment accepted: 2^14 + 2048 (RFC 5246 §6.2.3, the
/// ciphertext bound; plaintext is at most 2^14).
pub const MAX_RECORD_LEN: usize = (1 << 14) + 2048;

open_enum! {
    /// Record-layer ContentType (RFC 8446 §5.1).
    pub struct ContentType(u8) {
        CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
        ALERT = 21 => "alert",
        HANDSHAKE = 22 => "handshake",
        APPLICATION_DATA = 23 => "application_data",
        HEARTBEAT = 24 => "heartbeat",
    }
}

/// The 5-byte TLS record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    pub content_type: ContentType,
    /// Record-layer (legacy) version, e.g. `0x0303`.
    pub version: u16,
    /// Fragment length (≤ [`MAX_RECORD_LEN`]).
    pub length: u16,
}

/// Parse a record header. Rejects unknown content types (not 20..=24), major
/// versions other than 3 and lengths above [`MAX_RECORD_LEN`], so it doubles
/// as a "does this look like TLS" test.
pub fn parse_record_header(input: &[u8]) -> ParseResult<'_, RecordHeader> {
    const WHAT: &str = "TLS record header";
    let (rest, h) = take(input, 5)?;
    let (ct, version, length) = match h {
        [ct, v1, v2, l1, l2] => (
            *ct,
            u16::from_be_bytes([*v1, *v2]),
            u16::from_be_bytes([*l1, *l2]),
        ),
        _ => return Err(ParseError::incomplete(5)),
    };
    if !(20..=24).contains(&ct) {
        return Err(ParseError::invalid(WHAT, "content_type", "not 20..=24"));
    }
    if version >> 8 != 3 {
        return Err(ParseError::invalid(WHAT, "version", "major is not 3"));
    }
    if usize::from(length) > MAX_RECORD_LEN {
        return Err(ParseError::invalid(WHAT, "length", "exceeds 2^14+2048"));
    }
    Ok((
        rest,
        RecordHeader {
            content_type: ContentType(ct),
            version,
            length,
        },
    ))
}

/// One TLS record: header fields and the (possibly encrypted) fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub content_type: ContentType,
    pub version: u16,
    pub fragment: &'a [u8],
}

/// Parse one complete record; `Incomplete` when the fragment is not all there.
pub fn parse_record(input: &[u8]) -> ParseResult<'_, Record<'_>> {
    let (rest, h) = parse_record_header(input)?;
    let (rest, fragment) = take(rest, usize::from(h.length))?;
    Ok((
        rest,
        Record {
            content_type: h.content_type,
            version: h.version,
            fragment,
        },
    ))
}

/// Parse as many complete records as `input` holds; returns the unparsed tail
/// (a partial record) as the remaining input. `Invalid` only if the first
/// record header is invalid.
pub fn parse_records(input: &[u8]) -> ParseResult<'_, Vec<Record<'_>>> {
    let mut out = Vec::new();
    let mut rest = input;
    loop {
        match parse_record(rest) {
            Ok((r, rec)) => {
                out.push(rec);
                rest = r;
                if rest.is_empty() {
                    break;
                }
            }
            Err(e) if e.is_incomplete() && !out.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    Ok((rest, out))
}

/// What a record is, as far as a passive observer can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordClass {
    /// Plaintext handshake fragment (feed it to a [`HandshakeBuffer`]).
    Handshake,
    /// Handshake record after ChangeCipherSpec: encrypted (Finished, …).
    EncryptedHandshake { len: usize },
    /// ChangeCipherSpec (1 byte, value 1).
    ChangeCipherSpec,
    /// Plaintext alert.
    Alert(Alert),
    /// Alert record whose body is encrypted (length != 2, or after CCS).
    EncryptedAlert { len: usize },
    /// Application data of the given ciphertext length.
    ApplicationData { len: usize },
    /// Heartbeat.
    Heartbeat { len: usize },
    /// Any other content type.
    Other {
        content_type: ContentType,
        len: usize,
    },
}

/// Classify a record. `after_ccs` is whether this direction already sent a
/// ChangeCipherSpec (TLS ≤ 1.2: everything after it is encrypted; in TLS 1.3
/// the middlebox-compat CCS likewise precedes encrypted records).
pub fn classify_record(rec: &Record<'_>, after_ccs: bool) -> RecordClass {
    let len = rec.fragment.len();
    match rec.content_type {
        ContentType::HANDSHAKE if after_ccs => RecordClass::EncryptedHandshake { len },
        ContentType::HANDSHAKE => RecordClass::Handshake,
        ContentType::CHANGE_CIPHER_SPEC => RecordClass::ChangeCipherSpec,
        ContentType::ALERT if len != 2 || after_ccs => RecordClass::EncryptedAlert { len },
        ContentType::ALERT => match parse_alert(rec.fragment) {
            Ok((_, a)) => RecordClass::Alert(a),
            Err(_) => RecordClass::EncryptedAlert { len },
        },
        ContentType::APPLICATION_DATA => RecordClass::ApplicationData { len },
        ContentType::HEARTBEAT => RecordClass::Heartbeat { len },
        content_type => RecordClass::Other { content_type, len },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn record_header_rejects_garbage() {
        assert!(matches!(
            parse_record_header(&[0x03, 0, 0, 0x13, 0x0e]),
            Err(ParseError::Invalid {
                field: "content_type",
                ..
            })
        ));
        assert!(matches!(
            parse_record_header(&[22, 3, 1, 0xff, 0xff]),
            Err(ParseError::Invalid {
                field: "length",
                ..
            })
        ));
        assert_eq!(
            parse_record_header(&[22, 3]),
            Err(ParseError::Incomplete { needed: 3 })
        );
    }
}
