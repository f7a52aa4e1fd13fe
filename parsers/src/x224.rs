//! X.224 class-0 TPDUs (ITU-T X.224 §13 / RFC 1006, as used by
//! MS-RDPBCGR 2.2.1.1–2.2.1.2 and 2.2.8.1.1.1.2).
//!
//! The length indicator (LI) counts the header bytes after itself (fixed
//! part + variable part) and excludes user data; LI = 0xFF is reserved for
//! extensions and rejected. RDP carries its negotiation data in the
//! *variable part* of CR/CC (it is covered by LI), and everything after the
//! Connection Sequence in the user data of DT TPDUs.

use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;
use crate::tpkt::{parse_tpkt_frame, rd};

open_enum! {
    /// TPDU code (high nibble of the second byte; the low nibble is CDT for CR/CC).
    pub struct TpduCode(u8) {
        /// Connection Request.
        CR = 0xE0 => "CR",
        /// Connection Confirm.
        CC = 0xD0 => "CC",
        /// Disconnect Request.
        DR = 0x80 => "DR",
        /// Data.
        DT = 0xF0 => "DT",
        /// TPDU Error.
        ER = 0x70 => "ER",
    }
}

/// Fields of a CR or CC TPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionTpdu<'a> {
    /// Raw code byte (code | CDT).
    pub code_byte: u8,
    /// DST-REF (0 in a CR).
    pub dst_ref: u16,
    /// SRC-REF (Windows servers use 0x1234 in the CC).
    pub src_ref: u16,
    /// Class and option byte (class in the high nibble; 0 for class 0).
    pub class_option: u8,
    /// Variable part (covered by LI): the RDP negotiation payload.
    pub variable: &'a [u8],
    /// User data after the header (normally empty for RDP).
    pub user_data: &'a [u8],
}

impl ConnectionTpdu<'_> {
    /// Protocol class (high nibble of the class/option byte).
    pub fn class(&self) -> u8 {
        self.class_option >> 4
    }
}

/// A DT (Data) TPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataTpdu<'a> {
    /// The EOT/NR byte (0x80 = end of TSDU).
    pub eot_nr: u8,
    /// User data (an MCS PDU for RDP).
    pub user_data: &'a [u8],
}

impl DataTpdu<'_> {
    /// True when the EOT bit is set.
    pub fn eot(&self) -> bool {
        self.eot_nr & 0x80 != 0
    }
}

/// A DR (Disconnect Request) TPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisconnectTpdu<'a> {
    /// DST-REF.
    pub dst_ref: u16,
    /// SRC-REF.
    pub src_ref: u16,
    /// Disconnect reason (X.224 §13.5.3 e).
    pub reason: u8,
    /// Variable part.
    pub variable: &'a [u8],
    /// User data.
    pub user_data: &'a [u8],
}

/// An ER (TPDU Error) TPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorTpdu<'a> {
    /// DST-REF.
    pub dst_ref: u16,
    /// Reject cause (X.224 §13.12.3 c).
    pub cause: u8,
    /// Variable part (usually the "invalid TPDU" parameter).
    pub variable: &'a [u8],
}

/// A class-0 TPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tpdu<'a> {
    /// 0xE0 Connection Request.
    ConnectionRequest(ConnectionTpdu<'a>),
    /// 0xD0 Connection Confirm.
    ConnectionConfirm(ConnectionTpdu<'a>),
    /// 0xF0 Data.
    Data(DataTpdu<'a>),
    /// 0x80 Disconnect Request.
    DisconnectRequest(DisconnectTpdu<'a>),
    /// 0x70 TPDU Error.
    Error(ErrorTpdu<'a>),
}

impl Tpdu<'_> {
    /// The TPDU code.
    pub fn code(&self) -> TpduCode {
        match self {
            Tpdu::ConnectionRequest(_) => TpduCode::CR,
            Tpdu::ConnectionConfirm(_) => TpduCode::CC,
            Tpdu::Data(_) => TpduCode::DT,
            Tpdu::DisconnectRequest(_) => TpduCode::DR,
            Tpdu::Error(_) => TpduCode::ER,
        }
    }
}

const WHAT: &str = "X.224 TPDU";

/// Parse one TPDU from a TPKT payload. The TPDU's user data runs to the end
/// of `input`, so pass exactly the TPKT payload; the remaining input is
/// always empty.
pub fn parse_tpdu(input: &[u8]) -> ParseResult<'_, Tpdu<'_>> {
    let (rest, li) = rd::u8(input)?;
    if li == 0xFF {
        return Err(ParseError::invalid(WHAT, "LI", "0xFF is reserved"));
    }
    let (user_data, header) = take(rest, usize::from(li))?;
    let (h, code_byte) = match rd::u8(header) {
        Ok(v) => v,
        Err(_) => return Err(ParseError::invalid(WHAT, "LI", "must cover the TPDU code")),
    };
    let end: &[u8] = &[];
    let short = |_| ParseError::invalid(WHAT, "LI", "too small for the fixed part");
    match code_byte & 0xF0 {
        0xE0 | 0xD0 => {
            let (h, dst_ref) = rd::u16_be(h).map_err(short)?;
            let (h, src_ref) = rd::u16_be(h).map_err(short)?;
            let (variable, class_option) = rd::u8(h).map_err(short)?;
            let t = ConnectionTpdu {
                code_byte,
                dst_ref,
                src_ref,
                class_option,
                variable,
                user_data,
            };
            if code_byte & 0xF0 == 0xE0 {
                Ok((end, Tpdu::ConnectionRequest(t)))
            } else {
                Ok((end, Tpdu::ConnectionConfirm(t)))
            }
        }
        0xF0 => {
            let (_, eot_nr) = rd::u8(h).map_err(short)?;
            Ok((end, Tpdu::Data(DataTpdu { eot_nr, user_data })))
        }
        0x80 => {
            let (h, dst_ref) = rd::u16_be(h).map_err(short)?;
            let (h, src_ref) = rd::u16_be(h).map_err(short)?;
            let (variable, reason) = rd::u8(h).map_err(short)?;
            Ok((
                end,
                Tpdu::DisconnectRequest(DisconnectTpdu {
                    dst_ref,
                    src_ref,
                    reason,
                    variable,
                    user_data,
                }),
            ))
        }
        0x70 => {
            let (h, dst_ref) = rd::u16_be(h).map_err(short)?;
            let (variable, cause) = rd::u8(h).map_err(short)?;
            Ok((
                end,
                Tpdu::Error(ErrorTpdu {
                    dst_ref,
                    cause,
                    variable,
                }),
            ))
        }
        _ => Err(ParseError::invalid(
            WHAT,
            "code",
            "not a class-0 TPDU RDP uses",
        )),
    }
}

/// Parse a whole TPKT frame holding one TPDU; the remaining input starts
/// after the TPKT frame.
pub fn parse_x224_frame(input: &[u8]) -> ParseResult<'_, Tpdu<'_>> {
    let (rest, tpkt) = parse_tpkt_frame(input)?;
    let (_, tpdu) = parse_tpdu(tpkt.payload).map_err(incomplete_is_invalid)?;
    Ok((rest, tpdu))
}

/// Inside a complete length-delimited frame, running out of bytes means the
/// inner length fields are inconsistent with the outer one.
pub(crate) fn incomplete_is_invalid(e: ParseError) -> ParseError {
    match e {
        ParseError::Incomplete { .. } => {
            ParseError::invalid("TPKT", "length", "shorter than the structures it contains")
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_li() {
        // hand-made: LI 0xFF (extension) never appears in the captures
        assert!(matches!(
            parse_tpdu(&[0xff, 0xf0, 0x80]),
            Err(ParseError::Invalid { field: "LI", .. })
        ));
    }

    #[test]
    fn dr_and_er() {
        // hand-made: no capture holds an X.224 DR or ER TPDU
        let dr = [6, 0x80, 0, 0, 0x12, 0x34, 1];
        match parse_tpdu(&dr) {
            Ok((_, Tpdu::DisconnectRequest(d))) => {
                assert_eq!(d.src_ref, 0x1234);
                assert_eq!(d.reason, 1);
            }
            other => unreachable!("{other:?}"),
        }
        let er = [6, 0x70, 0, 0, 2, 0xc1, 0];
        match parse_tpdu(&er) {
            Ok((_, Tpdu::Error(e))) => {
                assert_eq!(e.cause, 2);
                assert_eq!(e.variable, &[0xc1, 0]);
            }
            other => unreachable!("{other:?}"),
        }
    }
}
