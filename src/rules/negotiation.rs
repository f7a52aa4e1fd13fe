//! Negotiation stage: the X.224 Connection Request / Confirm and its
//! RDP_NEG_REQ / RDP_NEG_RSP / RDP_NEG_FAILURE (MS-RDPBCGR 2.2.1.1-2.2.1.2).

use super::conn::{Conn, Judged};
use super::registry::{
    NEGOTIATION_CLIENT_CLOSED_AFTER_CONFIRM, NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY,
    NEGOTIATION_FAILURE, NEGOTIATION_LEGACY_CLIENT, NEGOTIATION_LEGACY_SERVER,
    NEGOTIATION_MALFORMED, NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST,
};
use super::{ev, make, table_fix};
use crate::codes;
use crate::session::facts::NegotiationFacts;
use crate::verdict::{Basis, Finding, Stage, StageMark};
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::nego::{FailureCode, Protocols};

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let nego = &cx.rec.facts.negotiation;
    let out = &mut judged.findings;
    malformed(cx, out);
    if let Some(fail) = nego.failure {
        out.push(failure(nego, fail));
    }
    if let (Some(request), None) = (nego.request_frame, nego.confirm_frame) {
        if let Some((close, kind)) = cx.server_closed_first() {
            out.push(closed_after_request(cx, request, close, kind));
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
    // Mid-stream bytes of a capture that started late are no PDU's start.
    if !cx.tcp_good
        || facts.tls.client_hello.is_some()
        || cx.shape.established
        || super::shape::captured_late(cx.rec)
    {
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
fn failure(nego: &NegotiationFacts, fail: FailureCode) -> Finding {
    let info = codes::Table::NegoFailure.lookup(fail.0);
    let mut finding = make(
        &NEGOTIATION_FAILURE,
        Basis::Clear,
        Some(format!(
            "the server refused the security protocol: RDP_NEG_FAILURE {} ({}); the client asked for {}",
            fail,
            fail.0,
            nego.requested_protocols
                .map(|p| p.to_string())
                .unwrap_or_default()
        )),
        info.map(|i| i.meaning.to_string()),
        nego.confirm_frame
            .map(|f| vec![ev(f, format!("RDP_NEG_FAILURE {fail}"))])
            .unwrap_or_default(),
    );
    table_fix(&mut finding, info);
    // SSL_REQUIRED_BY_SERVER to a request that offered TLS, or
    // HYBRID_REQUIRED_BY_SERVER to one that offered CredSSP: the code
    // contradicts the request (seen from freerdp-shadow-cli 2.11 /sec:ext,
    // lab/extra_captures.sh nla_ext_refused), so its usual meaning is wrong here.
    let required = match fail {
        FailureCode::SSL_REQUIRED_BY_SERVER => Some((Protocols::SSL, "TLS")),
        FailureCode::HYBRID_REQUIRED_BY_SERVER => Some((Protocols::HYBRID, "CredSSP")),
        _ => None,
    };
    if let (Some((bit, what)), Some(requested)) = (required, nego.requested_protocols) {
        if requested.contains(bit) {
            finding.explanation = format!(
                "The server says it requires {what}, but the client did offer {what} ({}): the answer contradicts the request, so the failure code does not name the real problem. The server could not select any offered protocol with its security configuration (for example it enables only a protocol it does not implement, or its TLS/CredSSP setup is broken).",
                requested
            );
            finding.remediation = vec![
                "Check the server's security-layer and NLA settings and its log at the capture time; try the client with one protocol at a time (FreeRDP: /sec:tls, /sec:nla).".to_string(),
            ];
        }
    }
    finding
}

/// The server side ended the connection after the Connection Request: a
/// packet filter's bare RST, or the server's own listener.
fn closed_after_request(
    cx: &Conn,
    request: FrameRef,
    close: FrameRef,
    kind: crate::flow::CloseKind,
) -> Finding {
    let filter = super::shape::filter_reject(cx.rec);
    let mut f = make(
        &NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST,
        Basis::Clear,
        filter.then(|| "a packet filter rejected the X.224 Connection Request with a bare RST (no ACK flag, the request never acknowledged): a firewall or IPS, not the RDP listener".to_string()),
        None,
        vec![
            ev(request, "X.224 Connection Request"),
            ev(
                close,
                if filter {
                    "bare RST (no ACK flag; the request was never acknowledged)".to_string()
                } else {
                    format!("{kind} from the server")
                },
            ),
        ],
    );
    if filter {
        f.explanation = "The reset has no ACK flag and the Connection Request was never acknowledged: a packet filter's REJECT (a host firewall or an IPS that inspects RDP), not the server's RDP listener, which would acknowledge the request first.".to_string();
        f.remediation = vec![
            "Find the filter: on the server `Get-NetFirewallRule -Enabled True -Direction Inbound -Action Block` and any third-party firewall/EDR; on the path the firewall's or IPS's log for the client at the capture time.".to_string(),
            super::registry::FIREWALL_3389.to_string(),
        ];
    }
    f
}

/// After a Confirm that selected `selected`: did the client hang up, or was
/// the connection downgraded to Standard RDP Security?
fn after_confirm(
    cx: &Conn,
    selected: Protocols,
    requested: Protocols,
    confirm: FrameRef,
    out: &mut Vec<Finding>,
) {
    let facts = &cx.rec.facts;
    let offered = selected == Protocols::RDP || requested.contains(selected);
    let nothing_after = facts.tls.client_hello.is_none() && facts.mcs.connect_initial.is_none();
    let client_closed = cx
        .client_close
        .filter(|_| nothing_after && cx.first_closer == Some(Dir::ClientToServer));
    if let Some((close, kind)) = client_closed {
        let why = if !offered {
            format!(
                "the server selected {} which the client did not offer (it asked for {})",
                selected, requested
            )
        } else {
            format!(
                "the client did not accept {} (it asked for {}): typically the client requires NLA (CredSSP) and the server does not offer it, or the client refuses Standard RDP Security",
                selected,
                requested
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
                ev(confirm, format!("selected {}", selected)),
                ev(close, format!("{kind} from the client")),
            ],
        ));
    }
    let secured = Protocols::SSL | Protocols::HYBRID | Protocols::HYBRID_EX;
    if selected == Protocols::RDP
        && requested.intersects(secured)
        && facts.negotiation.failure.is_none()
    {
        out.push(make(
            &NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY,
            Basis::Clear,
            Some(format!(
                "the client offered {} but the server selected Standard RDP Security",
                requested
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

// negotiation.nla_not_required is a `probe` finding (the server accepted a
// request without CredSSP); connection judging never raises it.
#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, ids, judge};
    use crate::verdict::{Outcome, Stage};
    use crate::wire::Dir;
    use rdpdiag_parsers::nego::{FailureCode, Protocols};

    /// PROTOCOL_SSL | PROTOCOL_HYBRID, what mstsc and FreeRDP usually ask for.
    const SSL_HYBRID: Protocols = Protocols(Protocols::SSL.0 | Protocols::HYBRID.0);

    #[test]
    fn malformed_fires_on_a_malformed_confirm() {
        // captures/public/zeek/rdp-invalid-length.pcap: the server's Connection
        // Confirm at frame 5 has an RDP_NEG_RSP of the wrong length.
        let what = "X.224 Connection Confirm: malformed RDP_NEG_RSP: field length must be 8";
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .protocol_error(5, Dir::ServerToClient, what)
            .malformed(5, Dir::ServerToClient, what)
            .fin(Dir::ServerToClient, 6)
            .build();
        let (verdict, findings) = judge(&rec);
        // The Confirm's own line comes first, then the protocol error.
        assert_eq!(
            ids(&findings)[..2],
            ["negotiation.malformed", "negotiation.malformed"]
        );
        assert!(findings[0]
            .title
            .starts_with("malformed X.224 Connection Confirm from the server"));
        assert_eq!(frames(&findings[0]), [5]);
        assert!(findings[1]
            .title
            .starts_with("malformed RDP PDU from the server"));
        assert_eq!(verdict.failed_stage, Some(Stage::Negotiation));
    }

    #[test]
    fn malformed_fires_on_a_client_protocol_error() {
        let rec = conn()
            .handshake()
            .protocol_error(4, Dir::ClientToServer, "TPKT: length 2 below the header")
            .build();
        let finding = fired(&rec, &NEGOTIATION_MALFORMED).expect("fires");
        assert!(finding
            .title
            .starts_with("malformed RDP PDU from the client"));
    }

    #[test]
    fn malformed_silent_on_a_capture_that_started_late() {
        // No SYN, no X.224: the first bytes seen are the middle of a stream
        // (here Standard RDP Security PDUs read as a TLS record header).
        let rec = conn()
            .protocol_error(9, Dir::ServerToClient, "malformed TLS record header")
            .with(|r| r.tcp.handshake = crate::flow::Handshake::NotSeen)
            .build();
        assert!(fired(&rec, &NEGOTIATION_MALFORMED).is_none());
        assert_ne!(judge(&rec).0.outcome, crate::verdict::Outcome::Failure);
    }

    #[test]
    fn malformed_silent_once_tls_started() {
        // The same error after a ClientHello belongs to a later layer.
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .confirm(5, Protocols::SSL)
            .client_hello(7)
            .protocol_error(9, Dir::ClientToServer, "TPKT: length 2 below the header")
            .build();
        assert!(fired(&rec, &NEGOTIATION_MALFORMED).is_none());
    }

    #[test]
    fn failure_fires_on_rdp_neg_failure() {
        // captures/hybrid_required_by_server.pcap: the client asks for
        // PROTOCOL_SSL, frame 6 is RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER (5).
        let rec = conn()
            .handshake()
            .request(4, Protocols::SSL)
            .neg_failure(6, FailureCode::HYBRID_REQUIRED_BY_SERVER)
            .fin(Dir::ServerToClient, 7)
            .build();
        let (verdict, findings) = judge(&rec);
        let finding = &findings[0];
        assert_eq!(finding.id, "negotiation.failure");
        assert_eq!(
            finding.title,
            "the server refused the security protocol: RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER (5); the client asked for PROTOCOL_SSL"
        );
        assert_eq!(frames(finding), [6]);
        assert!(!finding.explanation.contains("contradicts"));
        assert_eq!(verdict.outcome, Outcome::Failure);
        assert_eq!(verdict.failed_stage, Some(Stage::Negotiation));
    }

    #[test]
    fn failure_that_contradicts_the_request_says_so() {
        // captures/nla_ext_refused.pcap: HYBRID_REQUIRED_BY_SERVER to a request
        // that did offer CredSSP.
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .neg_failure(6, FailureCode::HYBRID_REQUIRED_BY_SERVER)
            .build();
        let finding = fired(&rec, &NEGOTIATION_FAILURE).expect("fires");
        assert!(finding.explanation.contains("contradicts the request"));
        assert_eq!(finding.remediation.len(), 1);
    }

    #[test]
    fn failure_silent_when_the_server_selects_a_protocol() {
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .confirm(6, Protocols::HYBRID)
            .build();
        assert!(fired(&rec, &NEGOTIATION_FAILURE).is_none());
    }

    #[test]
    fn server_closed_after_request_fires_without_confirm() {
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .fin(Dir::ServerToClient, 5)
            .build();
        let finding = fired(&rec, &NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST).expect("fires");
        assert_eq!(frames(&finding), [4, 5]);
        assert_eq!(finding.evidence[1].detail, "FIN from the server");
        assert_eq!(judge(&rec).0.failed_stage, Some(Stage::Negotiation));
    }

    #[test]
    fn server_closed_after_request_fires_as_a_filter_on_a_bare_rst() {
        // A RST without ACK answering the unacknowledged Connection Request.
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .rst(Dir::ServerToClient, 5, 128, false)
            .with(|r| {
                if let Some(rst) = r.tcp.server.rst.as_mut() {
                    rst.ack_flag = false;
                    rst.peer_data_acked = Some(false);
                }
            })
            .build();
        let finding = fired(&rec, &NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST).expect("fires");
        assert!(finding
            .title
            .starts_with("a packet filter rejected the X.224 Connection Request with a bare RST"));
        assert!(finding.remediation[0].contains("Get-NetFirewallRule"));
    }

    #[test]
    fn server_closed_after_request_silent_when_the_client_closes() {
        // Nearest healthy shape: the client gave up first (no confirm yet).
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .fin(Dir::ClientToServer, 5)
            .fin(Dir::ServerToClient, 6)
            .build();
        assert!(fired(&rec, &NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST).is_none());
        // Nor when a Confirm came.
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .confirm(5, Protocols::HYBRID)
            .fin(Dir::ServerToClient, 6)
            .build();
        assert!(fired(&rec, &NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST).is_none());
    }

    #[test]
    fn client_closed_after_confirm_fires_when_the_client_hangs_up() {
        // captures/nla_client_vs_xrdp.pcap: the client asks for
        // PROTOCOL_SSL|PROTOCOL_HYBRID, the Confirm at frame 6 selects
        // PROTOCOL_SSL, the client's FIN follows at frame 8.
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .confirm(6, Protocols::SSL)
            .fin(Dir::ClientToServer, 8)
            .build();
        let finding = fired(&rec, &NEGOTIATION_CLIENT_CLOSED_AFTER_CONFIRM).expect("fires");
        assert_eq!(frames(&finding), [6, 8]);
        assert!(finding.title.contains(
            "the client did not accept PROTOCOL_SSL (it asked for PROTOCOL_SSL|PROTOCOL_HYBRID)"
        ));
    }

    #[test]
    fn client_closed_after_confirm_names_an_unoffered_selection() {
        let rec = conn()
            .handshake()
            .request(4, Protocols::SSL)
            .confirm(6, Protocols::HYBRID)
            .fin(Dir::ClientToServer, 8)
            .build();
        let finding = fired(&rec, &NEGOTIATION_CLIENT_CLOSED_AFTER_CONFIRM).expect("fires");
        assert!(finding.title.contains("which the client did not offer"));
    }

    #[test]
    fn client_closed_after_confirm_silent_when_tls_follows() {
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .confirm(6, Protocols::SSL)
            .client_hello(7)
            .fin(Dir::ClientToServer, 8)
            .build();
        assert!(fired(&rec, &NEGOTIATION_CLIENT_CLOSED_AFTER_CONFIRM).is_none());
    }

    #[test]
    fn downgraded_to_standard_security_fires_when_standard_security_is_selected() {
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .confirm(6, Protocols::RDP)
            .connect_initial(7)
            .build();
        let finding = fired(&rec, &NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY).expect("fires");
        assert_eq!(frames(&finding), [6]);
        assert!(finding.title.contains(
            "offered PROTOCOL_SSL|PROTOCOL_HYBRID but the server selected Standard RDP Security"
        ));
    }

    #[test]
    fn downgraded_to_standard_security_silent_when_tls_is_selected() {
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .confirm(6, Protocols::SSL)
            .build();
        assert!(fired(&rec, &NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY).is_none());
        // Nor when the client itself asked only for Standard RDP Security.
        let rec = conn()
            .handshake()
            .request(4, Protocols::RDP)
            .confirm(6, Protocols::RDP)
            .build();
        assert!(fired(&rec, &NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY).is_none());
    }

    #[test]
    fn legacy_client_fires_without_rdp_neg_req() {
        // captures/rdp_sec_ok.pcap: frame 4 is an X.224 CR without RDP_NEG_REQ.
        let rec = conn().handshake().legacy_request(4).build();
        let finding = fired(&rec, &NEGOTIATION_LEGACY_CLIENT).expect("fires");
        assert_eq!(frames(&finding), [4]);
        assert_eq!(finding.evidence[0].detail, "X.224 CR without RDP_NEG_REQ");
        assert!(!finding.decisive);
    }

    #[test]
    fn legacy_client_silent_with_rdp_neg_req() {
        let rec = conn().handshake().request(4, Protocols::RDP).build();
        assert!(fired(&rec, &NEGOTIATION_LEGACY_CLIENT).is_none());
    }

    #[test]
    fn legacy_server_fires_on_a_confirm_without_negotiation_data() {
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .legacy_confirm(6)
            .build();
        let finding = fired(&rec, &NEGOTIATION_LEGACY_SERVER).expect("fires");
        assert_eq!(frames(&finding), [6]);
    }

    #[test]
    fn legacy_server_silent_on_a_negotiated_confirm() {
        let rec = conn()
            .handshake()
            .request(4, SSL_HYBRID)
            .confirm(6, Protocols::SSL)
            .build();
        assert!(fired(&rec, &NEGOTIATION_LEGACY_SERVER).is_none());
    }
}
