//! MCS stage: the Connect Response result, a Disconnect Provider Ultimatum
//! before the session, and the GCC echo of the X.224 negotiation.

use super::conn::{Conn, Judged};
use super::registry::{
    MCS_CONNECT_FAILED, MCS_DISCONNECT_ULTIMATUM, MCS_NEGOTIATION_ECHO_MISMATCH,
};
use super::{ev, make};
use crate::codes;
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
        // A failing Set Error Info before the Ultimatum names why the server
        // ended the domain (MS-RDPBCGR 1.3.1.1: the server sends it, then
        // disconnects); the Ultimatum is only the way out.
        let explained = cx.rec.facts.rdp.set_error_info.iter().any(|(f, code)| {
            *f < frame
                && codes::Table::ErrInfo
                    .lookup(code.0)
                    .is_some_and(|i| i.outcome == codes::Outcome::Failure)
        });
        if dir == Dir::ServerToClient
            && !cx.shape.established
            && !explained
            && !judged.any_decisive()
        {
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

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, ids, judge, ConnBuilder};
    use crate::verdict::Stage;
    use crate::wire::Dir;
    use rdpdiag_parsers::mcs::{DisconnectReason, McsResult};
    use rdpdiag_parsers::rdp::ErrorInfo;

    /// captures/rdp_sec_ok.pcap, frames 4-8: a legacy X.224 request (4), the
    /// server's RDP_NEG_RSP selecting PROTOCOL_RDP (6), MCS Connect Initial (8):
    /// Standard RDP Security, so MCS is readable without keys.
    fn standard_security_connect_initial() -> ConnBuilder {
        conn()
            .handshake()
            .legacy_request(4)
            .confirm(6, 0x0)
            .connect_initial(8)
    }

    /// captures/server_rst_midsession.pcap, frames 4-14 (decrypted): PROTOCOL_SSL
    /// requested (4) and selected (6), TLS 1.3 (8, 9), Connect Initial (13) and
    /// Response (14), each echoing the negotiation in GCC (1 and 1).
    fn ssl_up_to_connect_response() -> ConnBuilder {
        conn()
            .handshake()
            .request(4, 0x1)
            .confirm(6, 0x1)
            .client_hello(8)
            .server_hello(9, 0x0304)
            .connect_initial(13)
            .gcc_selected_protocol(0x1)
            .connect_response(14, McsResult::RT_SUCCESSFUL)
            .gcc_requested_protocols(0x1)
            .decrypted(90)
    }

    #[test]
    fn connect_failed_fires_on_a_failed_connect_response() {
        // No capture here has one: rt-parameters-unacceptable (8), the GCC
        // data the server refuses (MS-RDPBCGR 3.2.5.3.4).
        let rec = standard_security_connect_initial()
            .connect_response(10, McsResult::RT_PARAMETERS_UNACCEPTABLE)
            .fin(Dir::ServerToClient, 11)
            .build();
        let (verdict, findings) = judge(&rec);
        assert_eq!(findings[0].id, MCS_CONNECT_FAILED.id);
        assert_eq!(
            findings[0].title,
            "MCS Connect Response result rt-parameters-unacceptable (8)"
        );
        assert_eq!(frames(&findings[0]), [10]);
        assert_eq!(verdict.failed_stage, Some(Stage::Mcs));
    }

    #[test]
    fn connect_failed_silent_on_rt_successful() {
        // rdp_sec_ok.pcap frame 10: Connect Response rt-successful (0).
        let rec = standard_security_connect_initial()
            .connect_response(10, McsResult::RT_SUCCESSFUL)
            .build();
        let (verdict, _) = judge(&rec);
        assert!(fired(&rec, &MCS_CONNECT_FAILED).is_none());
        assert!(verdict.stages.iter().any(|m| m.stage == Stage::Mcs && m.ok));
    }

    #[test]
    fn disconnect_ultimatum_fires_before_the_session() {
        // The server's Disconnect Provider Ultimatum rn-user-requested (3), as
        // at captures/server_key_unusable.pcap frame 9, here after a
        // successful Connect Response and with no other cause.
        let rec = standard_security_connect_initial()
            .connect_response(10, McsResult::RT_SUCCESSFUL)
            .disconnect_ultimatum(Dir::ServerToClient, 12, DisconnectReason::RN_USER_REQUESTED)
            .fin(Dir::ServerToClient, 13)
            .build();
        let (verdict, findings) = judge(&rec);
        // The legacy request's info note aside, the Ultimatum is the only finding.
        assert_eq!(
            ids(&findings),
            ["mcs.disconnect_ultimatum", "negotiation.legacy_client"]
        );
        assert_eq!(frames(&findings[0]), [12]);
        assert!(findings[0].title.contains(
            "Disconnect Provider Ultimatum (rn-user-requested) before the session started"
        ));
        assert_eq!(verdict.failed_stage, Some(Stage::Mcs));
    }

    #[test]
    fn disconnect_ultimatum_silent_after_a_set_error_info() {
        // captures/set_error_info_server_denied.pcap: Set Error Info
        // ERRINFO_SERVER_DENIED_CONNECTION (frame 41), then the Ultimatum
        // (43): the error info is the cause, the Ultimatum the way out.
        let rec = standard_security_connect_initial()
            .connect_response(10, McsResult::RT_SUCCESSFUL)
            .set_error_info(41, ErrorInfo::SERVER_DENIED_CONNECTION)
            .disconnect_ultimatum(
                Dir::ServerToClient,
                43,
                DisconnectReason::RN_PROVIDER_INITIATED,
            )
            .fin(Dir::ServerToClient, 45)
            .build();
        let (verdict, _) = judge(&rec);
        assert!(fired(&rec, &MCS_DISCONNECT_ULTIMATUM).is_none());
        assert_eq!(verdict.failed_stage, Some(Stage::Activation));
    }

    #[test]
    fn disconnect_ultimatum_silent_after_the_session_started() {
        // captures/stall_network_outage.pcap: screen output from frame 61, the
        // server's Ultimatum rn-user-requested at 175 ends a running session.
        let rec = ssl_up_to_connect_response()
            .screen_output(61)
            .disconnect_ultimatum(
                Dir::ServerToClient,
                175,
                DisconnectReason::RN_USER_REQUESTED,
            )
            .build();
        assert!(fired(&rec, &MCS_DISCONNECT_ULTIMATUM).is_none());
    }

    #[test]
    fn negotiation_echo_mismatch_fires_on_a_rewritten_request() {
        // The client asked for SSL|HYBRID (3) but the server's SC_CORE says it
        // was asked for SSL (1) only: something rewrote the X.224 request.
        let rec = ssl_up_to_connect_response().request(4, 0x3).build();
        let finding = fired(&rec, &MCS_NEGOTIATION_ECHO_MISMATCH).expect("fires");
        assert_eq!(
            finding.title,
            "the server's GCC says the client requested PROTOCOL_SSL but the X.224 request asked for PROTOCOL_SSL|PROTOCOL_HYBRID"
        );
        assert_eq!(frames(&finding), [14]);
        assert!(!finding.decisive);
    }

    #[test]
    fn negotiation_echo_mismatch_silent_when_the_echoes_match() {
        let rec = ssl_up_to_connect_response().build();
        assert!(fired(&rec, &MCS_NEGOTIATION_ECHO_MISMATCH).is_none());
    }
}
