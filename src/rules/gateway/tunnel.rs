//! The RDP inside the gateway's tunnel, judged like a direct connection
//! when both of its directions were read (WebSocket transport): its
//! findings and stages join the gateway connection's, named as tunnelled.

use super::super::conn::{judge_connection, Conn, Judged};
use crate::session::ConnectionRecord;
use crate::verdict::Stage;

/// The tunnelled session as a record of its own: the outer connection's
/// endpoints and TCP health, the inner session's facts.
pub(in crate::rules) fn inner_record(rec: &ConnectionRecord) -> Option<ConnectionRecord> {
    let facts = rec
        .facts
        .gateway
        .as_ref()?
        .tunnel
        .as_ref()?
        .session
        .as_ref()?;
    Some(ConnectionRecord {
        id: rec.id,
        client: rec.client,
        server: rec.server,
        roles: rec.roles,
        rdp: rec.rdp,
        first: rec.first,
        last: rec.last,
        duration_s: rec.duration_s,
        packets: rec.packets,
        bytes: rec.bytes,
        tcp: rec.tcp.clone(),
        facts: (**facts).clone(),
    })
}

/// Add the tunnelled session's findings (not its TCP ones: that TCP is the
/// gateway connection's, judged already) and the stages it reached.
pub(in crate::rules) fn judge(cx: &Conn, judged: &mut Judged) {
    let Some(inner) = inner_record(cx.rec) else {
        return;
    };
    // A gateway that refused the tunnel already says why.
    if judged
        .stages
        .iter()
        .any(|m| m.stage == Stage::Gateway && !m.ok)
    {
        return;
    }
    let (verdict, findings) = judge_connection(&inner, cx.cfg);
    for mut f in findings {
        if f.stage == Stage::Tcp {
            continue;
        }
        f.title = format!("inside the RD Gateway tunnel: {}", f.title);
        judged.findings.push(f);
    }
    for mark in verdict.stages {
        if !judged.stages.iter().any(|m| m.stage == mark.stage) {
            judged.stages.push(mark);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::testkit::{conn, judge, ConnBuilder};
    use crate::verdict::{Outcome, Stage};
    use crate::wire::Dir;
    use rdpdiag_parsers::nego::{FailureCode, Protocols};
    use rdpdiag_parsers::rdg::{GatewayStatus, PacketType};

    const C: Dir = Dir::ClientToServer;
    const S: Dir = Dir::ServerToClient;

    /// captures/rdg_ws_ok.pcap up to the channel: ClientHello 4, ServerHello
    /// 6, RDG_OUT_DATA + Upgrade with NTLM (10, 12), 101 (13),
    /// CHANNEL_RESPONSE S_OK (26), DATA both ways from 27.
    fn ws_channel_open() -> ConnBuilder {
        conn()
            .handshake()
            .client_hello(4)
            .server_hello(6, 0x0303)
            .ccs(C, 8)
            .ccs(S, 9)
            .app_data(C, 10, 600)
            .gateway_request(10, "RDG_OUT_DATA", Some("NTLM"))
            .gateway_401(11, &["NTLM"], true)
            .gateway_request(12, "RDG_OUT_DATA", Some("NTLM"))
            .gateway_response(13, 101, "Switching Protocols")
            .gateway_packet(26, PacketType::CHANNEL_RESPONSE, GatewayStatus::S_OK)
            .gateway_data(C, 20)
            .gateway_data(S, 20)
            .decrypted(10)
    }

    #[test]
    fn a_tunnelled_negotiation_failure_is_the_attempts_failure() {
        // Inside the tunnel: X.224 request PROTOCOL_SSL (27), RDP_NEG_FAILURE
        // HYBRID_REQUIRED_BY_SERVER (31), as hybrid_required_by_server.pcap
        // shows it directly.
        let inner = conn()
            .request(27, Protocols::SSL)
            .neg_failure(31, FailureCode::HYBRID_REQUIRED_BY_SERVER);
        let rec = ws_channel_open().gateway_tunnel(inner).build();
        let (verdict, findings) = judge(&rec);
        assert_eq!(verdict.outcome, Outcome::Failure, "{findings:?}");
        assert_eq!(verdict.failed_stage, Some(Stage::Negotiation));
        assert_eq!(findings[0].id, "negotiation.failure");
        assert!(findings[0]
            .title
            .starts_with("inside the RD Gateway tunnel: "));
        // The ladder has both layers: the gateway's stage and the inner one.
        let stages: Vec<(Stage, bool)> = verdict.stages.iter().map(|m| (m.stage, m.ok)).collect();
        assert!(stages.contains(&(Stage::Gateway, true)), "{stages:?}");
        assert!(stages.contains(&(Stage::Negotiation, false)), "{stages:?}");
    }

    #[test]
    fn a_tunnel_without_its_inner_session_is_judged_by_the_channel() {
        // The HTTP transport splits the directions: no inner session facts,
        // the open channel carrying data decides (rdg_ok.pcap).
        let (verdict, findings) = judge(&ws_channel_open().build());
        assert_eq!(verdict.outcome, Outcome::Success, "{findings:?}");
    }
}
