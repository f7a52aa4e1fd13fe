//! Negotiation stage: the X.224 Connection Request / Confirm and its
//! RDP_NEG_REQ / RDP_NEG_RSP / RDP_NEG_FAILURE (MS-RDPBCGR 2.2.1.1-2.2.1.2).

use super::conn::{Conn, Judged};
use super::registry::{
    NEGOTIATION_CLIENT_CLOSED_AFTER_CONFIRM, NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY,
    NEGOTIATION_FAILURE, NEGOTIATION_LEGACY_CLIENT, NEGOTIATION_LEGACY_SERVER,
    NEGOTIATION_MALFORMED, NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST,
};
use super::{ev, make, proto_names, table_fix};
use crate::codes;
use crate::session::facts::NegotiationFacts;
use crate::verdict::{Basis, Finding, Stage, StageMark};
use crate::wire::{Dir, FrameRef};

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let nego = &cx.rec.facts.negotiation;
    let out = &mut judged.findings;
    malformed(cx, out);
    if let Some(fail) = &nego.failure {
        out.push(failure(nego, fail));
    }
    if let (Some(request), None) = (nego.request_frame, nego.confirm_frame) {
        if let Some((close, kind)) = cx.server_closed_first() {
            out.push(make(
                &NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST,
                Basis::Clear,
                None,
                None,
                vec![
                    ev(request, "X.224 Connection Request"),
                    ev(close, format!("{kind} from the server")),
                ],
            ));
        }
    }
    if let (Some(selected), Some(confirm)) = (nego.selected_protocol, nego.confirm_frame) {
        if let Some(requested) = nego.requested_protocols.filter(|_| nego.neg_req) {
            after_confirm(cx, selected, requested, confirm, out);
        }
    }
    legacy(nego, out);
    if nego.request_frame.is_some() || nego.confirm_frame.is_some() {
        judged.stages.push(StageMark {
            stage: Stage::Negotiation,
            ok: nego.selected_protocol.is_some() && nego.failure.is_none(),
            frame: nego.confirm_frame.or(nego.request_frame),
        });
    }
}

/// A malformed RDP PDU before TLS, when nothing got established.
fn malformed(cx: &Conn, out: &mut Vec<Finding>) {
    let facts = &cx.rec.facts;
    if !cx.tcp_good || facts.tls.client_hello.is_some() || cx.shape.established {
        return;
    }
    let Some((frame, dir, what)) = &facts.protocol_error else {
        return;
    };
    out.push(make(
        &NEGOTIATION_MALFORMED,
        Basis::Clear,
        Some(format!(
            "malformed RDP PDU from the {}: {what}",
            dir.sender()
        )),
        None,
        vec![ev(*frame, what.clone())],
    ));
    // A malformed Connection Confirm from the server is worth its own line.
    let confirm = facts
        .rdp
        .malformed
        .iter()
        .find(|(_, dir, what)| *dir == Dir::ServerToClient && what.contains("Confirm"));
    if let Some((frame, _, what)) = confirm {
        let mut finding = make(
            &NEGOTIATION_MALFORMED,
            Basis::Clear,
            Some(format!(
                "malformed X.224 Connection Confirm from the server: {what}"
            )),
            None,
            vec![ev(*frame, what.clone())],
        );
        finding.decisive = true;
        out.insert(0, finding);
    }
}

/// RDP_NEG_FAILURE, explained from the code table unless it contradicts the request.
fn failure(nego: &NegotiationFacts, fail: &crate::session::facts::Named) -> Finding {
    let info = codes::Table::NegoFailure.lookup(fail.value);
    let mut finding = make(
        &NEGOTIATION_FAILURE,
        Basis::Clear,
        Some(format!(
            "the server refused the security protocol: RDP_NEG_FAILURE {} ({}); the client asked for {}",
            fail.name,
            fail.value,
            nego.requested_protocols.map(proto_names).unwrap_or_default()
        )),
        info.map(|i| i.meaning.to_string()),
        nego.confirm_frame
            .map(|f| vec![ev(f, format!("RDP_NEG_FAILURE {}", fail.name))])
            .unwrap_or_default(),
    );
    table_fix(&mut finding, info);
    // SSL_REQUIRED_BY_SERVER (1) to a request that offered TLS, or
    // HYBRID_REQUIRED_BY_SERVER (5) to one that offered CredSSP: the code
    // contradicts the request (seen from freerdp-shadow-cli 2.11 /sec:ext,
    // lab/extra_captures.sh nla_ext_refused), so its usual meaning is wrong here.
    let required = match fail.value {
        1 => Some((0x1, "TLS")),
        5 => Some((0x2, "CredSSP")),
        _ => None,
    };
    if let (Some((bit, what)), Some(requested)) = (required, nego.requested_protocols) {
        if requested & bit != 0 {
            finding.explanation = format!(
                "The server says it requires {what}, but the client did offer {what} ({}): the answer contradicts the request, so the failure code does not name the real problem. The server could not select any offered protocol with its security configuration (for example it enables only a protocol it does not implement, or its TLS/CredSSP setup is broken).",
                proto_names(requested)
            );
            finding.remediation = vec![
                "Check the server's security-layer and NLA settings and its log at the capture time; try the client with one protocol at a time (FreeRDP: /sec:tls, /sec:nla).".to_string(),
            ];
        }
    }
    finding
}

/// After a Confirm that selected `selected`: did the client hang up, or was
/// the connection downgraded to Standard RDP Security?
fn after_confirm(
    cx: &Conn,
    selected: u32,
    requested: u32,
    confirm: FrameRef,
    out: &mut Vec<Finding>,
) {
    let facts = &cx.rec.facts;
    let offered = selected == 0 || (selected & requested) == selected;
    let nothing_after = facts.tls.client_hello.is_none() && facts.mcs.connect_initial.is_none();
    let client_closed = cx
        .client_close
        .filter(|_| nothing_after && cx.first_closer == Some(Dir::ClientToServer));
    if let Some((close, kind)) = client_closed {
        let why = if !offered {
            format!(
                "the server selected {} which the client did not offer (it asked for {})",
                proto_names(selected),
                proto_names(requested)
            )
        } else {
            format!(
                "the client did not accept {} (it asked for {}): typically the client requires NLA (CredSSP) and the server does not offer it, or the client refuses Standard RDP Security",
                proto_names(selected),
                proto_names(requested)
            )
        };
        out.push(make(
            &NEGOTIATION_CLIENT_CLOSED_AFTER_CONFIRM,
            Basis::Clear,
            Some(format!(
                "the client hung up right after the Connection Confirm: {why}"
            )),
            None,
            vec![
                ev(confirm, format!("selected {}", proto_names(selected))),
                ev(close, format!("{kind} from the client")),
            ],
        ));
    }
    if selected == 0 && requested & 0x0B != 0 && facts.negotiation.failure.is_none() {
        out.push(make(
            &NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY,
            Basis::Clear,
            Some(format!(
                "the client offered {} but the server selected Standard RDP Security",
                proto_names(requested)
            )),
            None,
            vec![ev(confirm, "selected PROTOCOL_RDP")],
        ));
    }
}

/// A Request without RDP_NEG_REQ, or a Confirm without negotiation data.
fn legacy(nego: &NegotiationFacts, out: &mut Vec<Finding>) {
    if nego.request_frame.is_some() && !nego.neg_req {
        out.push(make(
            &NEGOTIATION_LEGACY_CLIENT,
            Basis::Clear,
            None,
            None,
            nego.request_frame
                .map(|f| vec![ev(f, "X.224 CR without RDP_NEG_REQ")])
                .unwrap_or_default(),
        ));
    } else if nego.legacy_confirm {
        out.push(make(
            &NEGOTIATION_LEGACY_SERVER,
            Basis::Clear,
            None,
            None,
            nego.confirm_frame
                .map(|f| vec![ev(f, "Connection Confirm without negotiation data")])
                .unwrap_or_default(),
        ));
    }
}
