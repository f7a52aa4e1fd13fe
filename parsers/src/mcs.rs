//! MCS (ITU-T T.125) as used by RDP (MS-RDPBCGR 2.2.1.3–2.2.1.9, 2.2.8.1.1.1.x):
//! BER-encoded Connect-Initial / Connect-Response (T.125 §11.1–11.2) and
//! ALIGNED-PER-encoded domain PDUs (T.125 §11.3–11.32, Annex A).
//!
//! Entry point [`parse_mcs_pdu`] takes the user data of an X.224 DT TPDU.
//!
//! PER notes: the DomainMCSPDU CHOICE index is the top 6 bits of the first
//! byte; OPTIONAL-presence bits and short enumerations follow in the
//! remaining bits. UserId values are sent as an offset from 1001.

use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;
use crate::tpkt::rd;

open_enum! {
    /// T.125 Result.
    pub struct McsResult(u8) {
        RT_SUCCESSFUL = 0 => "rt-successful",
        RT_DOMAIN_MERGING = 1 => "rt-domain-merging",
        RT_DOMAIN_NOT_HIERARCHICAL = 2 => "rt-domain-not-hierarchical",
        RT_NO_SUCH_CHANNEL = 3 => "rt-no-such-channel",
        RT_NO_SUCH_DOMAIN = 4 => "rt-no-such-domain",
        RT_NO_SUCH_USER = 5 => "rt-no-such-user",
        RT_NOT_ADMITTED = 6 => "rt-not-admitted",
        RT_OTHER_USER_ID = 7 => "rt-other-user-id",
        RT_PARAMETERS_UNACCEPTABLE = 8 => "rt-parameters-unacceptable",
        RT_TOKEN_NOT_AVAILABLE = 9 => "rt-token-not-available",
        RT_TOKEN_NOT_POSSESSED = 10 => "rt-token-not-possessed",
        RT_TOO_MANY_CHANNELS = 11 => "rt-too-many-channels",
        RT_TOO_MANY_TOKENS = 12 => "rt-too-many-tokens",
        RT_TOO_MANY_USERS = 13 => "rt-too-many-users",
        RT_UNSPECIFIED_FAILURE = 14 => "rt-unspecified-failure",
        RT_USER_REJECTED = 15 => "rt-user-rejected",
    }
}

open_enum! {
    /// T.125 Reason (Disconnect-Provider Ultimatum).
    pub struct DisconnectReason(u8) {
        RN_DOMAIN_DISCONNECTED = 0 => "rn-domain-disconnected",
        RN_PROVIDER_INITIATED = 1 => "rn-provider-initiated",
        RN_TOKEN_PURGED = 2 => "rn-token-purged",
        RN_USER_REQUESTED = 3 => "rn-user-requested",
        RN_CHANNEL_PURGED = 4 => "rn-channel-purged",
    }
}

open_enum! {
    /// T.125 DataPriority.
    pub struct DataPriority(u8) {
        TOP = 0 => "top",
        HIGH = 1 => "high",
        MEDIUM = 2 => "medium",
        LOW = 3 => "low",
    }
}

open_enum! {
    /// DomainMCSPDU CHOICE index (top 6 bits of the first byte).
    pub struct DomainPduType(u8) {
        PLUMB_DOMAIN_INDICATION = 0 => "plumbDomainIndication",
        ERECT_DOMAIN_REQUEST = 1 => "erectDomainRequest",
        MERGE_CHANNELS_REQUEST = 2 => "mergeChannelsRequest",
        MERGE_CHANNELS_CONFIRM = 3 => "mergeChannelsConfirm",
        PURGE_CHANNELS_INDICATION = 4 => "purgeChannelsIndication",
        MERGE_TOKENS_REQUEST = 5 => "mergeTokensRequest",
        MERGE_TOKENS_CONFIRM = 6 => "mergeTokensConfirm",
        PURGE_TOKENS_INDICATION = 7 => "purgeTokensIndication",
        DISCONNECT_PROVIDER_ULTIMATUM = 8 => "disconnectProviderUltimatum",
        REJECT_MCS_PDU_ULTIMATUM = 9 => "rejectMCSPDUUltimatum",
        ATTACH_USER_REQUEST = 10 => "attachUserRequest",
        ATTACH_USER_CONFIRM = 11 => "attachUserConfirm",
        DETACH_USER_REQUEST = 12 => "detachUserRequest",
        DETACH_USER_INDICATION = 13 => "detachUserIndication",
        CHANNEL_JOIN_REQUEST = 14 => "channelJoinRequest",
        CHANNEL_JOIN_CONFIRM = 15 => "channelJoinConfirm",
        CHANNEL_LEAVE_REQUEST = 16 => "channelLeaveRequest",
        CHANNEL_CONVENE_REQUEST = 17 => "channelConveneRequest",
        CHANNEL_CONVENE_CONFIRM = 18 => "channelConveneConfirm",
        CHANNEL_DISBAND_REQUEST = 19 => "channelDisbandRequest",
        CHANNEL_DISBAND_INDICATION = 20 => "channelDisbandIndication",
        CHANNEL_ADMIT_REQUEST = 21 => "channelAdmitRequest",
        CHANNEL_ADMIT_INDICATION = 22 => "channelAdmitIndication",
        CHANNEL_EXPEL_REQUEST = 23 => "channelExpelRequest",
        CHANNEL_EXPEL_INDICATION = 24 => "channelExpelIndication",
        SEND_DATA_REQUEST = 25 => "sendDataRequest",
        SEND_DATA_INDICATION = 26 => "sendDataIndication",
        UNIFORM_SEND_DATA_REQUEST = 27 => "uniformSendDataRequest",
        UNIFORM_SEND_DATA_INDICATION = 28 => "uniformSendDataIndication",
    }
}

/// Base of the PER-encoded UserId (T.125 `UserId ::= DynamicChannelId (1001..65535)`).
pub const USER_ID_BASE: u16 = 1001;

/// T.125 DomainParameters (BER SEQUENCE of 8 INTEGERs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DomainParameters {
    pub max_channel_ids: u32,
    pub max_user_ids: u32,
    pub max_token_ids: u32,
    pub num_priorities: u32,
    pub min_throughput: u32,
    pub max_height: u32,
    pub max_mcs_pdu_size: u32,
    pub protocol_version: u32,
}

/// MCS Connect-Initial (client → server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectInitial<'a> {
    pub calling_domain_selector: &'a [u8],
    pub called_domain_selector: &'a [u8],
    pub upward_flag: bool,
    pub target_parameters: DomainParameters,
    pub minimum_parameters: DomainParameters,
    pub maximum_parameters: DomainParameters,
    /// GCC Conference Create Request (see [`crate::gcc`]).
    pub user_data: &'a [u8],
}

/// MCS Connect-Response (server → client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectResponse<'a> {
    pub result: McsResult,
    pub called_connect_id: u32,
    pub domain_parameters: DomainParameters,
    /// GCC Conference Create Response (see [`crate::gcc`]).
    pub user_data: &'a [u8],
}

/// SendDataRequest / SendDataIndication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendData<'a> {
    /// Sender's user ID (1001 + PER offset).
    pub initiator: u16,
    /// Channel ID.
    pub channel_id: u16,
    /// Data priority.
    pub priority: DataPriority,
    /// Segmentation bits: 0x2 = begin, 0x1 = end.
    pub segmentation: u8,
    /// The payload (an RDP PDU).
    pub user_data: &'a [u8],
}

/// A PER-encoded domain MCS PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainPdu<'a> {
    ErectDomainRequest {
        sub_height: u32,
        sub_interval: u32,
    },
    DisconnectProviderUltimatum {
        reason: DisconnectReason,
    },
    AttachUserRequest,
    AttachUserConfirm {
        result: McsResult,
        initiator: Option<u16>,
    },
    ChannelJoinRequest {
        initiator: u16,
        channel_id: u16,
    },
    ChannelJoinConfirm {
        result: McsResult,
        initiator: u16,
        requested: u16,
        channel_id: Option<u16>,
    },
    SendDataRequest(SendData<'a>),
    SendDataIndication(SendData<'a>),
    /// A domain PDU this crate does not decode.
    Other {
        choice: DomainPduType,
        body: &'a [u8],
    },
}

impl DomainPdu<'_> {
    /// The CHOICE index.
    pub fn pdu_type(&self) -> DomainPduType {
        match self {
            DomainPdu::ErectDomainRequest { .. } => DomainPduType::ERECT_DOMAIN_REQUEST,
            DomainPdu::DisconnectProviderUltimatum { .. } => {
                DomainPduType::DISCONNECT_PROVIDER_ULTIMATUM
            }
            DomainPdu::AttachUserRequest => DomainPduType::ATTACH_USER_REQUEST,
            DomainPdu::AttachUserConfirm { .. } => DomainPduType::ATTACH_USER_CONFIRM,
            DomainPdu::ChannelJoinRequest { .. } => DomainPduType::CHANNEL_JOIN_REQUEST,
            DomainPdu::ChannelJoinConfirm { .. } => DomainPduType::CHANNEL_JOIN_CONFIRM,
            DomainPdu::SendDataRequest(_) => DomainPduType::SEND_DATA_REQUEST,
            DomainPdu::SendDataIndication(_) => DomainPduType::SEND_DATA_INDICATION,
            DomainPdu::Other { choice, .. } => *choice,
        }
    }
}

/// Any MCS PDU found in X.224 DT user data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McsPdu<'a> {
    ConnectInitial(ConnectInitial<'a>),
    ConnectResponse(ConnectResponse<'a>),
    Domain(DomainPdu<'a>),
}

// ---------------------------------------------------------------- BER

/// Read a BER length (short or long form, up to 4 length bytes).
fn ber_len<'a>(input: &'a [u8], what: &'static str) -> ParseResult<'a, usize> {
    let (rest, b) = rd::u8(input)?;
    if b & 0x80 == 0 {
        return Ok((rest, usize::from(b)));
    }
    let n = usize::from(b & 0x7F);
    if n == 0 || n > 4 {
        return Err(ParseError::invalid(
            what,
            "length",
            "unsupported BER length form",
        ));
    }
    let (rest, bytes) = take(rest, n)?;
    let v = bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Ok((rest, v))
}

/// Read a BER TLV with a one-byte tag; returns the value slice.
fn ber_tlv<'a>(
    input: &'a [u8],
    tag: u8,
    what: &'static str,
    field: &'static str,
) -> ParseResult<'a, &'a [u8]> {
    let (rest, t) = rd::u8(input)?;
    if t != tag {
        return Err(ParseError::invalid(what, field, "unexpected BER tag"));
    }
    let (rest, len) = ber_len(rest, what)?;
    take(rest, len)
}

fn ber_uint<'a>(
    input: &'a [u8],
    tag: u8,
    what: &'static str,
    field: &'static str,
) -> ParseResult<'a, u32> {
    let (rest, v) = ber_tlv(input, tag, what, field)?;
    let v = match v {
        [] => return Err(ParseError::invalid(what, field, "empty INTEGER")),
        [0, tail @ ..] if tail.len() == 4 => tail,
        _ if v.len() > 4 => return Err(ParseError::invalid(what, field, "INTEGER too large")),
        _ => v,
    };
    Ok((
        rest,
        v.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)),
    ))
}

fn domain_parameters<'a>(input: &'a [u8], what: &'static str) -> ParseResult<'a, DomainParameters> {
    let (rest, seq) = ber_tlv(input, 0x30, what, "domainParameters")?;
    let f = "domainParameters";
    let inner = |e: ParseError| match e {
        ParseError::Incomplete { .. } => ParseError::invalid(what, f, "SEQUENCE too short"),
        o => o,
    };
    let (s, max_channel_ids) = ber_uint(seq, 0x02, what, f).map_err(inner)?;
    let (s, max_user_ids) = ber_uint(s, 0x02, what, f).map_err(inner)?;
    let (s, max_token_ids) = ber_uint(s, 0x02, what, f).map_err(inner)?;
    let (s, num_priorities) = ber_uint(s, 0x02, what, f).map_err(inner)?;
    let (s, min_throughput) = ber_uint(s, 0x02, what, f).map_err(inner)?;
    let (s, max_height) = ber_uint(s, 0x02, what, f).map_err(inner)?;
    let (s, max_mcs_pdu_size) = ber_uint(s, 0x02, what, f).map_err(inner)?;
    let (_, protocol_version) = ber_uint(s, 0x02, what, f).map_err(inner)?;
    Ok((
        rest,
        DomainParameters {
            max_channel_ids,
            max_user_ids,
            max_token_ids,
            num_priorities,
            min_throughput,
            max_height,
            max_mcs_pdu_size,
            protocol_version,
        },
    ))
}

fn app_tag<'a>(input: &'a [u8], tag: u8, what: &'static str) -> ParseResult<'a, &'a [u8]> {
    let (rest, t) = rd::arr::<2>(input)?;
    if t != [0x7F, tag] {
        return Err(ParseError::invalid(
            what,
            "tag",
            "unexpected BER application tag",
        ));
    }
    let (rest, len) = ber_len(rest, what)?;
    take(rest, len)
}

/// Parse a BER Connect-Initial (`7F 65`). Remaining input follows the PDU.
pub fn parse_connect_initial(input: &[u8]) -> ParseResult<'_, ConnectInitial<'_>> {
    const W: &str = "MCS Connect-Initial";
    let (rest, body) = app_tag(input, 0x65, W)?;
    let inner = |e: ParseError| match e {
        ParseError::Incomplete { .. } => {
            ParseError::invalid(W, "length", "shorter than its contents")
        }
        o => o,
    };
    let (b, calling_domain_selector) =
        ber_tlv(body, 0x04, W, "callingDomainSelector").map_err(inner)?;
    let (b, called_domain_selector) = ber_tlv(b, 0x04, W, "calledDomainSelector").map_err(inner)?;
    let (b, upward) = ber_tlv(b, 0x01, W, "upwardFlag").map_err(inner)?;
    let (b, target_parameters) = domain_parameters(b, W).map_err(inner)?;
    let (b, minimum_parameters) = domain_parameters(b, W).map_err(inner)?;
    let (b, maximum_parameters) = domain_parameters(b, W).map_err(inner)?;
    let (_, user_data) = ber_tlv(b, 0x04, W, "userData").map_err(inner)?;
    Ok((
        rest,
        ConnectInitial {
            calling_domain_selector,
            called_domain_selector,
            upward_flag: upward.iter().any(|b| *b != 0),
            target_parameters,
            minimum_parameters,
            maximum_parameters,
            user_data,
        },
    ))
}

/// Parse a BER Connect-Response (`7F 66`). Remaining input follows the PDU.
pub fn parse_connect_response(input: &[u8]) -> ParseResult<'_, ConnectResponse<'_>> {
    const W: &str = "MCS Connect-Response";
    let (rest, body) = app_tag(input, 0x66, W)?;
    let inner = |e: ParseError| match e {
        ParseError::Incomplete { .. } => {
            ParseError::invalid(W, "length", "shorter than its contents")
        }
        o => o,
    };
    let (b, result) = ber_uint(body, 0x0A, W, "result").map_err(inner)?;
    let result =
        u8::try_from(result).map_err(|_| ParseError::invalid(W, "result", "out of range"))?;
    let (b, called_connect_id) = ber_uint(b, 0x02, W, "calledConnectId").map_err(inner)?;
    let (b, domain_parameters) = domain_parameters(b, W).map_err(inner)?;
    let (_, user_data) = ber_tlv(b, 0x04, W, "userData").map_err(inner)?;
    Ok((
        rest,
        ConnectResponse {
            result: McsResult(result),
            called_connect_id,
            domain_parameters,
            user_data,
        },
    ))
}

// ---------------------------------------------------------------- PER

/// PER length determinant (X.691 §10.9, no fragmentation).
pub(crate) fn per_len<'a>(input: &'a [u8], what: &'static str) -> ParseResult<'a, usize> {
    let (rest, b) = rd::u8(input)?;
    if b & 0x80 == 0 {
        return Ok((rest, usize::from(b)));
    }
    if b & 0xC0 == 0xC0 {
        return Err(ParseError::invalid(
            what,
            "length",
            "PER fragmentation unsupported",
        ));
    }
    let (rest, b2) = rd::u8(rest)?;
    Ok((rest, (usize::from(b & 0x3F) << 8) | usize::from(b2)))
}

fn per_user_id<'a>(input: &'a [u8], what: &'static str) -> ParseResult<'a, u16> {
    let (rest, v) = rd::u16_be(input)?;
    let id = v.checked_add(USER_ID_BASE).ok_or(ParseError::invalid(
        what,
        "initiator",
        "UserId out of range",
    ))?;
    Ok((rest, id))
}

/// PER unconstrained INTEGER (length octet + big-endian value).
fn per_integer<'a>(
    input: &'a [u8],
    what: &'static str,
    field: &'static str,
) -> ParseResult<'a, u32> {
    let (rest, n) = rd::u8(input)?;
    if n == 0 || n > 4 {
        return Err(ParseError::invalid(
            what,
            field,
            "unsupported INTEGER length",
        ));
    }
    let (rest, v) = take(rest, usize::from(n))?;
    Ok((
        rest,
        v.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)),
    ))
}

/// Decode a 4-bit Result that follows the 6-bit CHOICE and one OPTIONAL
/// bit: MSB in bit 0 of `b0`, the rest in the top 3 bits of `b1`.
/// Some implementations (FreeRDP, xrdp) write the result as a whole byte
/// instead; when the low 5 bits of `b1` are non-zero that form is assumed.
fn per_result(b0: u8, b1: u8) -> McsResult {
    if b1 & 0x1F != 0 {
        McsResult(b1)
    } else {
        McsResult(((b0 & 1) << 3) | (b1 >> 5))
    }
}

fn send_data<'a>(input: &'a [u8], what: &'static str) -> ParseResult<'a, SendData<'a>> {
    let (rest, initiator) = per_user_id(input, what)?;
    let (rest, channel_id) = rd::u16_be(rest)?;
    let (rest, ps) = rd::u8(rest)?;
    let (rest, len) = per_len(rest, what)?;
    let (rest, user_data) = take(rest, len)?;
    Ok((
        rest,
        SendData {
            initiator,
            channel_id,
            priority: DataPriority(ps >> 6),
            segmentation: (ps >> 4) & 0x3,
            user_data,
        },
    ))
}

/// Parse a PER domain MCS PDU. Remaining input follows the PDU
/// (for `Other`, the body runs to the end of the input).
pub fn parse_domain_pdu(input: &[u8]) -> ParseResult<'_, DomainPdu<'_>> {
    const W: &str = "MCS DomainMCSPDU";
    let (rest, b0) = rd::u8(input)?;
    let choice = DomainPduType(b0 >> 2);
    match choice {
        DomainPduType::ERECT_DOMAIN_REQUEST => {
            let (rest, sub_height) = per_integer(rest, W, "subHeight")?;
            let (rest, sub_interval) = per_integer(rest, W, "subInterval")?;
            Ok((
                rest,
                DomainPdu::ErectDomainRequest {
                    sub_height,
                    sub_interval,
                },
            ))
        }
        DomainPduType::DISCONNECT_PROVIDER_ULTIMATUM => {
            let (rest, b1) = rd::u8(rest)?;
            let reason = DisconnectReason(((b0 & 0x03) << 1) | (b1 >> 7));
            Ok((rest, DomainPdu::DisconnectProviderUltimatum { reason }))
        }
        DomainPduType::ATTACH_USER_REQUEST => Ok((rest, DomainPdu::AttachUserRequest)),
        DomainPduType::ATTACH_USER_CONFIRM => {
            let (rest, b1) = rd::u8(rest)?;
            let result = per_result(b0, b1);
            if b0 & 0x02 != 0 {
                let (rest, id) = per_user_id(rest, W)?;
                Ok((
                    rest,
                    DomainPdu::AttachUserConfirm {
                        result,
                        initiator: Some(id),
                    },
                ))
            } else {
                Ok((
                    rest,
                    DomainPdu::AttachUserConfirm {
                        result,
                        initiator: None,
                    },
                ))
            }
        }
        DomainPduType::CHANNEL_JOIN_REQUEST => {
            let (rest, initiator) = per_user_id(rest, W)?;
            let (rest, channel_id) = rd::u16_be(rest)?;
            Ok((
                rest,
                DomainPdu::ChannelJoinRequest {
                    initiator,
                    channel_id,
                },
            ))
        }
        DomainPduType::CHANNEL_JOIN_CONFIRM => {
            let (rest, b1) = rd::u8(rest)?;
            let result = per_result(b0, b1);
            let (rest, initiator) = per_user_id(rest, W)?;
            let (rest, requested) = rd::u16_be(rest)?;
            let (rest, channel_id) = if b0 & 0x02 != 0 {
                let (r, c) = rd::u16_be(rest)?;
                (r, Some(c))
            } else {
                (rest, None)
            };
            Ok((
                rest,
                DomainPdu::ChannelJoinConfirm {
                    result,
                    initiator,
                    requested,
                    channel_id,
                },
            ))
        }
        DomainPduType::SEND_DATA_REQUEST => {
            let (rest, sd) = send_data(rest, W)?;
            Ok((rest, DomainPdu::SendDataRequest(sd)))
        }
        DomainPduType::SEND_DATA_INDICATION => {
            let (rest, sd) = send_data(rest, W)?;
            Ok((rest, DomainPdu::SendDataIndication(sd)))
        }
        _ => Ok((&[], DomainPdu::Other { choice, body: rest })),
    }
}

/// Parse the MCS PDU in X.224 DT user data: BER Connect-Initial/Response
/// (first byte 0x7F) or a PER domain PDU.
pub fn parse_mcs_pdu(input: &[u8]) -> ParseResult<'_, McsPdu<'_>> {
    match input {
        [] => Err(ParseError::incomplete(1)),
        [0x7F] => Err(ParseError::incomplete(1)),
        [0x7F, 0x65, ..] => {
            parse_connect_initial(input).map(|(r, v)| (r, McsPdu::ConnectInitial(v)))
        }
        [0x7F, 0x66, ..] => {
            parse_connect_response(input).map(|(r, v)| (r, McsPdu::ConnectResponse(v)))
        }
        [0x7F, ..] => Err(ParseError::invalid(
            "MCS PDU",
            "tag",
            "unknown BER connect PDU",
        )),
        _ => parse_domain_pdu(input).map(|(r, v)| (r, McsPdu::Domain(v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ultimatum_reasons() {
        // hand-made: every reason value; 21 80 is the xrdp byte pair (3)
        for r in 0u8..5 {
            let b0 = (8 << 2) | (r >> 1);
            let b1 = (r & 1) << 7;
            let bytes = [b0, b1];
            let pdu = parse_domain_pdu(&bytes).map(|(_, p)| p);
            assert_eq!(
                pdu,
                Ok(DomainPdu::DisconnectProviderUltimatum {
                    reason: DisconnectReason(r)
                })
            );
        }
    }

    #[test]
    fn per_result_forms() {
        // hand-made: PER-aligned rt-user-rejected (15) vs whole-byte form
        assert_eq!(per_result(0x2f, 0xe0), McsResult::RT_USER_REJECTED);
        assert_eq!(per_result(0x2e, 0x0e), McsResult::RT_UNSPECIFIED_FAILURE);
        assert_eq!(per_result(0x2e, 0x00), McsResult::RT_SUCCESSFUL);
    }
}
