//! Session stage: a server that drops the connection right after the
//! connection sequence, a running session reset without goodbye, and a peer
//! that stopped answering.

use super::conn::{Conn, Judged};
use super::gateway;
use super::registry::{SESSION_DROPPED_AFTER_CONNECT, SESSION_PEER_UNREACHABLE, SESSION_RESET};
use super::{ev, make, set_inferred};
use crate::flow::CloseKind;
use crate::verdict::{Finding, Stage, StageMark};
use crate::wire::Dir;
use rdpdiag_parsers::rdp::ErrorInfo;

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    if let Some(finding) = dropped_after_connect(cx, judged) {
        judged.findings.push(finding);
    }
    reset(cx, &mut judged.findings);
    peer_unreachable(cx, &mut judged.findings);
    if cx.shape.established {
        judged.stages.push(StageMark {
            stage: Stage::Session,
            ok: true,
            frame: cx.shape.established_frame,
        });
    }
}

fn dropped_after_connect(cx: &Conn, judged: &Judged) -> Option<Finding> {
    let facts = &cx.rec.facts;
    let past_sequence = cx.shape.client_data_records >= 8
        || facts.rdp.confirm_active.is_some()
        || (facts.tls.client_hello.is_none() && facts.mcs.connect_response.is_some());
    if cx.shape.established
        || !past_sequence
        || gateway::looks_like_gateway(cx.rec)
        || cx.first_closer != Some(Dir::ServerToClient)
        || judged.any_decisive()
    {
        return None;
    }
    let (close, kind) = cx
        .server_close
        .map_or((cx.rec.last, "close".to_string()), |(f, k)| {
            (f, k.to_string())
        });
    let mut finding = make(
        &SESSION_DROPPED_AFTER_CONNECT,
        cx.inner_basis,
        Some(format!(
            "the server closed the connection right after the connection sequence, before sending any screen output ({} bytes from the server after the handshake)",
            cx.shape.server_data_bytes
        )),
        None,
        vec![ev(close, format!("{kind} from the server"))],
    );
    set_inferred(
        &mut finding,
        !cx.shape.decrypted && facts.tls.server_hello.is_some(),
        cx.inner_basis,
    );
    Some(finding)
}

/// An established session that ends with a RST in the server's name, and
/// nothing before it to say goodbye: no FIN from either side, no Set Error
/// Info, no Disconnect Provider Ultimatum, no Shutdown Request or Shutdown
/// Denied (MS-RDPBCGR 1.3.1.4: the client's request to end the session,
/// after which mstsc disconnects). (A RST after a FIN is the normal teardown
/// of a socket that was already closed.)
fn reset(cx: &Conn, out: &mut Vec<Finding>) {
    let rec = cx.rec;
    let quiet = cx.shape.established
        && cx.first_closer == Some(Dir::ServerToClient)
        && rec.tcp.close_kind == Some(CloseKind::Rst)
        && rec.tcp.client.fin.is_none()
        && no_goodbye(cx);
    let Some(rst) = rec.tcp.server.rst.filter(|_| quiet) else {
        return;
    };
    let idle = rst.after_peer_payload_s.map_or(String::new(), |x| {
        format!(", {x:.1} s after the client's last data")
    });
    out.push(make(
        &SESSION_RESET,
        cx.inner_basis,
        Some(format!(
            "the running session was ended by a TCP RST from the server's side (TTL {}{idle}), without any RDP-level goodbye",
            rst.ttl
        )),
        None,
        vec![ev(rst.frame, "RST in the server's name")],
    ));
}

/// One side kept sending (keep-alives, retransmissions) and heard nothing
/// back for seconds, then its TCP stack aborted the connection with a RST;
/// or, seen from the side that stayed (stall_network_outage.server.pcap),
/// the first packet after a long silence was answered by a RST: the other
/// side had aborted the connection during the silence.
fn peer_unreachable(cx: &Conn, out: &mut Vec<Finding>) {
    if let Some(finding) = lost_during_silence(cx) {
        out.push(finding);
        return;
    }
    for dir in [Dir::ClientToServer, Dir::ServerToClient] {
        let Some(rst) = cx.rec.tcp.dir(dir).rst else {
            continue;
        };
        let silent = rst.peer_silent_s.unwrap_or(0.0);
        if cx.shape.established
            && cx.first_closer == Some(dir)
            && cx.rec.tcp.close_kind == Some(CloseKind::Rst)
            && rst.unanswered_before >= 2
            && silent >= 3.0
        {
            out.push(make(
                &SESSION_PEER_UNREACHABLE,
                cx.inner_basis,
                Some(format!(
                    "the {} heard nothing from the {} for {silent:.0} s: {} packets (keep-alives or retransmissions) went unanswered, then it aborted the connection",
                    dir.sender(),
                    dir.flip().sender(),
                    rst.unanswered_before
                )),
                None,
                vec![ev(
                    rst.frame,
                    format!("RST from the {} after {} unanswered packets", dir.sender(), rst.unanswered_before),
                )],
            ));
        }
    }
}

/// The first packet after a silence of at least `stall_s` answered by a RST
/// (within two frames) from a side that never said goodbye.
fn lost_during_silence(cx: &Conn) -> Option<Finding> {
    let (idle, _, to) = cx.rec.tcp.longest_idle?;
    let dir = cx.first_closer?;
    let rst = cx.rec.tcp.dir(dir).rst?;
    let answers = rst.frame.number > to && rst.frame.number - to <= 2;
    // Only the aborting side's goodbye counts: a Disconnect Provider
    // Ultimatum that breaks the silence (xrdp giving up, frame 172 of the
    // server view) is what the RST answers.
    let facts = &cx.rec.facts;
    let own_ultimatum = facts
        .mcs
        .disconnect_ultimatum
        .is_some_and(|(_, from, _)| from == dir);
    let shutdown = dir == Dir::ClientToServer && facts.rdp.shutdown_request.is_some();
    let quiet_end = cx.rec.tcp.dir(dir).fin.is_none() && !own_ultimatum && !shutdown;
    if !(cx.shape.established
        && cx.rec.tcp.close_kind == Some(CloseKind::Rst)
        && idle >= cx.cfg.stall_s
        && answers
        && quiet_end)
    {
        return None;
    }
    Some(make(
        &SESSION_PEER_UNREACHABLE,
        cx.inner_basis,
        Some(format!(
            "after {idle:.0} s without a packet, the {}'s next packet (frame {to}) was answered by a RST from the {}: the {} had already aborted the connection during the silence",
            dir.flip().sender(),
            dir.sender(),
            dir.sender()
        )),
        None,
        vec![ev(
            rst.frame,
            format!("RST from the {} after {idle:.0} s of silence", dir.sender()),
        )],
    ))
}

/// Nothing RDP-level said the session was ending: no Set Error Info with a
/// reason, no Disconnect Provider Ultimatum, no Shutdown Request or Denied.
fn no_goodbye(cx: &Conn) -> bool {
    let facts = &cx.rec.facts;
    facts
        .rdp
        .set_error_info
        .iter()
        .all(|(_, code)| *code == ErrorInfo::NONE)
        && facts.mcs.disconnect_ultimatum.is_none()
        && facts.rdp.shutdown_request.is_none()
        && facts.rdp.shutdown_denied.is_none()
}

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, judge, ConnBuilder};
    use crate::verdict::{Basis, Outcome, Severity, Stage};
    use crate::wire::Dir;
    use rdpdiag_parsers::mcs::{DisconnectReason, McsResult};
    use rdpdiag_parsers::rdp::ErrorInfo;
    use rdpdiag_parsers::rdp::LicenseErrorCode;

    const C: Dir = Dir::ClientToServer;
    const S: Dir = Dir::ServerToClient;

    /// captures/server_rst_midsession.pcap (and stall_network_outage.pcap,
    /// same frames), decrypted: PROTOCOL_SSL (4, 6), TLS 1.3 (8, 9), MCS (13,
    /// 14), licensing done (43), Demand Active (45), Confirm Active (47).
    fn connection_sequence() -> ConnBuilder {
        conn()
            .handshake()
            .request(4, 0x1)
            .confirm(6, 0x1)
            .client_hello(8)
            .server_hello(9, 0x0304)
            .connect_initial(13)
            .connect_response(14, McsResult::RT_SUCCESSFUL)
            .license_error_alert(43, LicenseErrorCode::STATUS_VALID_CLIENT, true)
            .demand_active(45)
            .confirm_active(47)
            .decrypted(90)
    }

    #[test]
    fn dropped_after_connect_fires_when_the_server_quits_before_output() {
        // captures/logon_failure_after_connect_tls.pcap: the same sequence
        // (Confirm Active at 47), then the server's FIN at 70 without screen output.
        let rec = connection_sequence().fin(S, 70).build();
        let (verdict, findings) = judge(&rec);
        assert_eq!(findings[0].id, SESSION_DROPPED_AFTER_CONNECT.id);
        assert_eq!(frames(&findings[0]), [70]);
        assert_eq!(findings[0].evidence[0].detail, "FIN from the server");
        assert_eq!(findings[0].basis, Basis::Decrypted);
        assert_eq!(verdict.failed_stage, Some(Stage::Session));
    }

    #[test]
    fn dropped_after_connect_silent_once_the_screen_is_sent() {
        // server_rst_midsession.pcap: the server's first fast-path output at 61.
        let rec = connection_sequence().screen_output(61).fin(S, 170).build();
        assert!(fired(&rec, &SESSION_DROPPED_AFTER_CONNECT).is_none());
    }

    #[test]
    fn reset_fires_on_a_server_rst_in_a_running_session() {
        // server_rst_midsession.pcap: output from 61, then the server's RST at
        // 173 (TTL 63) with no FIN, Set Error Info or Ultimatum before it.
        let rec = connection_sequence()
            .screen_output(61)
            .rst(S, 173, 63, false)
            .build();
        let finding = fired(&rec, &SESSION_RESET).expect("fires");
        assert_eq!(frames(&finding), [173]);
        assert!(finding.title.starts_with(
            "the running session was ended by a TCP RST from the server's side (TTL 63"
        ));
    }

    #[test]
    fn reset_silent_after_an_rdp_goodbye() {
        // The same RST after the server's Disconnect Provider Ultimatum (as at
        // stall_network_outage.pcap frame 175) is a teardown, not a reset.
        let rec = connection_sequence()
            .screen_output(61)
            .disconnect_ultimatum(S, 172, DisconnectReason::RN_USER_REQUESTED)
            .rst(S, 173, 63, false)
            .build();
        assert!(fired(&rec, &SESSION_RESET).is_none());
        // Nor after the client's FIN (the normal close of mstsc).
        let rec = connection_sequence()
            .screen_output(61)
            .fin(C, 172)
            .rst(S, 173, 63, false)
            .build();
        assert!(fired(&rec, &SESSION_RESET).is_none());
    }

    #[test]
    fn peer_unreachable_fires_after_unanswered_keep_alives() {
        // captures/stall_network_outage.pcap: the server's last packet at
        // frame 171 (1.17 s), the client's keep-alives at 172, 173 go
        // unanswered, its RST at 174 (10.22 s): 9 s of silence.
        let rec = connection_sequence()
            .screen_output(61)
            .rst_after_silence(C, 174, 2, 9.04)
            .build();
        let finding = fired(&rec, &SESSION_PEER_UNREACHABLE).expect("fires");
        assert_eq!(
            finding.title,
            "the client heard nothing from the server for 9 s: 2 packets (keep-alives or retransmissions) went unanswered, then it aborted the connection"
        );
        assert_eq!(frames(&finding), [174]);
    }

    #[test]
    fn peer_unreachable_silent_on_a_client_rst_close() {
        // A client that closes with a RST right after the server's last
        // packet: nothing went unanswered.
        let rec = connection_sequence()
            .screen_output(61)
            .rst_after_silence(C, 174, 0, 0.1)
            .build();
        assert!(fired(&rec, &SESSION_PEER_UNREACHABLE).is_none());
        // One unanswered packet is not yet a pattern.
        let rec = connection_sequence()
            .screen_output(61)
            .rst_after_silence(C, 174, 1, 9.04)
            .build();
        assert!(fired(&rec, &SESSION_PEER_UNREACHABLE).is_none());
    }

    #[test]
    fn reset_silent_after_a_shutdown_request() {
        // The client asked to end the session (Shutdown Request, MS-RDPBCGR
        // 2.2.2.2), then the server reset the socket: a normal end.
        let rec = connection_sequence()
            .screen_output(61)
            .with(|r| r.facts.rdp.shutdown_request = Some(super::super::testkit::frame(170)))
            .rst(S, 173, 63, false)
            .build();
        assert!(fired(&rec, &SESSION_RESET).is_none());
        let (verdict, _) = judge(&rec);
        assert_eq!(verdict.outcome, Outcome::Success);
    }

    #[test]
    fn a_dropped_session_is_a_failure_at_the_session_stage() {
        // server_rst_midsession.pcap: the session ran (output from 61), then
        // the server's RST at 173 without a goodbye: the user saw it drop.
        let rec = connection_sequence()
            .screen_output(61)
            .rst(S, 173, 63, false)
            .build();
        let (verdict, findings) = judge(&rec);
        assert_eq!(verdict.outcome, Outcome::Failure);
        assert_eq!(verdict.failed_stage, Some(Stage::Session));
        assert!(findings[0].decisive);
        assert_eq!(findings[0].id, SESSION_RESET.id);
        // The ladder cites the RST, as the finding does.
        let mark = verdict.stages.iter().find(|m| m.stage == Stage::Session);
        assert_eq!(
            mark.map(|m| (m.ok, m.frame.map(|f| f.number))),
            Some((false, Some(173)))
        );
    }

    #[test]
    fn a_server_reason_ends_the_session_with_it() {
        // ERRINFO_SERVER_DENIED_CONNECTION (0x7) sent in a running session
        // (as at activation.rs's server_rst_midsession frames), then the
        // server's FIN: a failure with the server's reason.
        let rec = connection_sequence()
            .screen_output(61)
            .set_error_info(170, ErrorInfo::SERVER_DENIED_CONNECTION)
            .fin(S, 171)
            .build();
        let (verdict, findings) = judge(&rec);
        assert_eq!(verdict.outcome, Outcome::Failure);
        assert_eq!(verdict.failed_stage, Some(Stage::Session));
        assert_eq!(findings[0].id, ACTIVATION_SERVER_ERROR_INFO.id);
        // A logoff is a normal end.
        let rec = connection_sequence()
            .screen_output(61)
            .set_error_info(170, ErrorInfo::LOGOFF_BY_USER)
            .fin(S, 171)
            .build();
        assert_eq!(judge(&rec).0.outcome, Outcome::Success);
    }

    #[test]
    fn peer_unreachable_fires_when_a_packet_after_a_silence_meets_a_rst() {
        // captures/stall_network_outage.server.pcap: the server's ACK at 171
        // (1.17 s), 45 s of silence, its data at 172 (46.21 s) answered by
        // the client's RST at 173: the client had aborted during the outage.
        let rec = connection_sequence()
            .screen_output(61)
            .idle(45.0, 171, 172)
            .rst(C, 173, 64, false)
            .build();
        let finding = fired(&rec, &SESSION_PEER_UNREACHABLE).expect("fires");
        assert_eq!(frames(&finding), [173]);
        assert!(finding.title.starts_with(
            "after 45 s without a packet, the server's next packet (frame 172) was answered by a RST from the client"
        ));
        assert_eq!(judge(&rec).0.outcome, Outcome::Failure);
        // Decrypted, frame 172 is xrdp's Disconnect Provider Ultimatum: the
        // server giving up; the client's RST still says it was gone.
        let rec = connection_sequence()
            .screen_output(61)
            .idle(45.0, 171, 172)
            .disconnect_ultimatum(S, 172, DisconnectReason::RN_USER_REQUESTED)
            .rst(C, 173, 64, false)
            .build();
        assert!(fired(&rec, &SESSION_PEER_UNREACHABLE).is_some());
        // A client that closes with a RST right away, with no silence
        // before it, is the normal end of a Windows client.
        let rec = connection_sequence()
            .screen_output(61)
            .idle(2.0, 120, 121)
            .rst(C, 173, 64, false)
            .build();
        assert!(fired(&rec, &SESSION_PEER_UNREACHABLE).is_none());
        assert_eq!(judge(&rec).0.outcome, Outcome::Success);
    }

    #[test]
    fn errors_of_a_session_that_ended_normally_are_warnings() {
        // captures/cert_expired_ignored.pcap: the certificate had expired,
        // the client ignored it and the session ran: not red under SUCCESS.
        let rec = connection_sequence()
            .screen_output(61)
            .certificate(9, 0, "CN=10.203.0.1")
            .cert_validity("2025-10-22T15:08:43Z", "2026-10-22T15:08:43Z")
            .fin(C, 170)
            .build();
        let (verdict, findings) = judge(&rec);
        assert_eq!(verdict.outcome, Outcome::Success);
        let expired = findings
            .iter()
            .find(|f| f.id == CERTIFICATE_EXPIRED.id)
            .expect("fires");
        assert_eq!(expired.severity, Severity::Warning);
    }
}
