//! MCS stage: the Connect Response result, a Disconnect Provider Ultimatum
//! before the session, and the GCC echo of the X.224 negotiation.

use super::conn::{Conn, Judged};
use super::registry::{
    MCS_CONNECT_FAILED, MCS_DISCONNECT_ULTIMATUM, MCS_NEGOTIATION_ECHO_MISMATCH,
};
use super::{ev, make};
use crate::verdict::{Finding, Stage, StageMark};
use crate::wire::Dir;
use rdpdiag_parsers::mcs::McsResult;

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let mcs = &cx.rec.facts.mcs;
    if let Some(result) = mcs.result.filter(|r| *r != McsResult::RT_SUCCESSFUL) {
        judged.findings.push(make(
            &MCS_CONNECT_FAILED,
            cx.inner_basis,
            Some(format!(
                "MCS Connect Response result {} ({})",
                result, result.0
            )),
            None,
            mcs.connect_response
                .map(|f| vec![ev(f, result.to_string())])
                .unwrap_or_default(),
        ));
    }
    if let Some((frame, dir, reason)) = mcs.disconnect_ultimatum {
        if dir == Dir::ServerToClient && !cx.shape.established && !judged.any_decisive() {
            judged.findings.push(make(
                &MCS_DISCONNECT_ULTIMATUM,
                cx.inner_basis,
                Some(format!("the server sent MCS Disconnect Provider Ultimatum ({}) before the session started", reason)),
                None,
                vec![ev(frame, reason.to_string())],
            ));
        }
    }
    if let Some(finding) = echo_mismatch(cx) {
        judged.findings.push(finding);
    }
    if mcs.connect_initial.is_some() || mcs.connect_response.is_some() {
        judged.stages.push(StageMark {
            stage: Stage::Mcs,
            ok: mcs.result == Some(McsResult::RT_SUCCESSFUL),
            frame: mcs.connect_response.or(mcs.connect_initial),
        });
    }
}

/// Both sides echo the negotiation inside GCC so a tampered X.224 exchange
/// is detected (MS-RDPBCGR 5.4.2.1 / 5.4.2.2 downgrade protection).
fn echo_mismatch(cx: &Conn) -> Option<Finding> {
    let mcs = &cx.rec.facts.mcs;
    let nego = &cx.rec.facts.negotiation;
    let echo_client = mcs
        .client_server_selected_protocol
        .zip(nego.selected_protocol)
        .filter(|(echo, sel)| echo != sel);
    let echo_server = mcs
        .server_client_requested_protocols
        .zip(nego.requested_protocols)
        .filter(|(echo, req)| echo != req);
    let mut evidence = Vec::new();
    let mut what = Vec::new();
    if let (Some((echo, sel)), Some(frame)) = (echo_client, mcs.connect_initial) {
        what.push(format!(
            "the client's GCC says the server selected {} but the X.224 confirm selected {}",
            echo, sel
        ));
        evidence.push(ev(
            frame,
            "MCS Connect Initial (CS_CORE serverSelectedProtocol)",
        ));
    }
    if let (Some((echo, req)), Some(frame)) = (echo_server, mcs.connect_response) {
        what.push(format!(
            "the server's GCC says the client requested {} but the X.224 request asked for {}",
            echo, req
        ));
        evidence.push(ev(
            frame,
            "MCS Connect Response (SC_CORE clientRequestedProtocols)",
        ));
    }
    if what.is_empty() {
        return None;
    }
    Some(make(
        &MCS_NEGOTIATION_ECHO_MISMATCH,
        cx.inner_basis,
        Some(what.join("; ")),
        None,
        evidence,
    ))
}
