//! Capability exchange: Demand Active / Confirm Active (2.2.1.13.1–2) and
//! Deactivate All (2.2.3.1), header fields only.

use crate::error::{take, ParseError, ParseResult};
use crate::tpkt::rd;

/// Demand Active PDU (server) — header fields only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemandActive<'a> {
    pub share_id: u32,
    pub source_descriptor: &'a [u8],
    pub number_capabilities: u16,
    /// The raw capability sets.
    pub capability_sets: &'a [u8],
    /// sessionId (present after the capability sets in RDP 5.0+).
    pub session_id: Option<u32>,
}

/// Confirm Active PDU (client) — header fields only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmActive<'a> {
    pub share_id: u32,
    pub originator_id: u16,
    pub source_descriptor: &'a [u8],
    pub number_capabilities: u16,
    pub capability_sets: &'a [u8],
}

/// Deactivate All PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeactivateAll<'a> {
    pub share_id: u32,
    pub source_descriptor: &'a [u8],
}

fn caps<'a>(r: &'a [u8], len_caps: u16, what: &'static str) -> ParseResult<'a, (u16, &'a [u8])> {
    let (r, n) = rd::u16_le(r)?;
    let (r, _pad) = rd::u16_le(r)?;
    let l = usize::from(len_caps)
        .checked_sub(4)
        .ok_or(ParseError::invalid(
            what,
            "lengthCombinedCapabilities",
            "smaller than 4",
        ))?;
    let (r, sets) = take(r, l)?;
    Ok((r, (n, sets)))
}

/// Parse the Demand Active body (after the Share Control header).
pub fn parse_demand_active(input: &[u8]) -> ParseResult<'_, DemandActive<'_>> {
    const W: &str = "TS_DEMAND_ACTIVE_PDU";
    let (r, share_id) = rd::u32_le(input)?;
    let (r, len_src) = rd::u16_le(r)?;
    let (r, len_caps) = rd::u16_le(r)?;
    let (r, source_descriptor) = take(r, usize::from(len_src))?;
    let (r, (number_capabilities, capability_sets)) = caps(r, len_caps, W)?;
    let (r, session_id) = match rd::u32_le(r) {
        Ok((r, v)) => (r, Some(v)),
        Err(_) => (r, None),
    };
    Ok((
        r,
        DemandActive {
            share_id,
            source_descriptor,
            number_capabilities,
            capability_sets,
            session_id,
        },
    ))
}

/// Parse the Confirm Active body (after the Share Control header).
pub fn parse_confirm_active(input: &[u8]) -> ParseResult<'_, ConfirmActive<'_>> {
    const W: &str = "TS_CONFIRM_ACTIVE_PDU";
    let (r, share_id) = rd::u32_le(input)?;
    let (r, originator_id) = rd::u16_le(r)?;
    let (r, len_src) = rd::u16_le(r)?;
    let (r, len_caps) = rd::u16_le(r)?;
    let (r, source_descriptor) = take(r, usize::from(len_src))?;
    let (r, (number_capabilities, capability_sets)) = caps(r, len_caps, W)?;
    Ok((
        r,
        ConfirmActive {
            share_id,
            originator_id,
            source_descriptor,
            number_capabilities,
            capability_sets,
        },
    ))
}

/// Parse the Deactivate All body (after the Share Control header).
pub fn parse_deactivate_all(input: &[u8]) -> ParseResult<'_, DeactivateAll<'_>> {
    let (r, share_id) = rd::u32_le(input)?;
    let (r, len_src) = rd::u16_le(r)?;
    let (r, source_descriptor) = take(r, usize::from(len_src))?;
    Ok((
        r,
        DeactivateAll {
            share_id,
            source_descriptor,
        },
    ))
}
