//! RD Gateway rules (stage `gateway`): the HTTP status of the gateway's
//! answers and the MS-TSGU result codes, seen in decrypted HTTPS; without
//! keys, a note that the gateway traffic stays encrypted.

use super::conn::{Conn, Judged};
use super::registry::{
    RuleDef, GATEWAY_AUTH_REQUIRED, GATEWAY_CAP_DENIED, GATEWAY_ENCRYPTED, GATEWAY_FORBIDDEN,
    GATEWAY_RAP_DENIED, GATEWAY_TARGET_UNREACHABLE, GATEWAY_TUNNEL_ERROR, GATEWAY_UNAVAILABLE,
};
use super::{ev, make, set_inferred};
use crate::session::facts::{DecryptStatus, GatewayFacts, GatewayPacket, GatewayResponse};
use crate::session::ConnectionRecord;
use crate::verdict::{Basis, Evidence, Finding, Severity};
use crate::verdict::{Stage, StageMark};
use crate::wire::Dir;
use rdpdiag_parsers::rdg::{GatewayStatus, PacketType};

mod kdc;
mod tunnel;
pub(super) use tunnel::{inner_record, judge as judge_tunnel};

/// A connection whose first client bytes are a TLS ClientHello, with no
/// X.224 Connection Request: HTTPS (an RD Gateway on a port given with
/// `--port`), not direct RDP, which always starts with X.224.
/// A capture that starts after the TCP handshake may have missed the X.224
/// exchange: a ClientHello first is then RDP captured late, not HTTPS.
pub(super) fn looks_like_gateway(rec: &ConnectionRecord) -> bool {
    rec.facts.gateway.is_some()
        || (rec.facts.negotiation.request_frame.is_none()
            && rec.facts.negotiation.confirm_frame.is_none()
            && rec.facts.tls.client_hello.is_some()
            && !super::shape::captured_late(rec))
}

/// The gateway opened the channel to the target and tunnelled data: the
/// gateway part succeeded (the RDP inside is not judged here).
pub(super) fn tunnel_open(rec: &ConnectionRecord) -> bool {
    rec.facts.gateway.as_ref().is_some_and(|g| {
        g.packets
            .iter()
            .any(|p| p.packet_type == PacketType::CHANNEL_RESPONSE && succeeded(p))
            && g.data_packets[Dir::ServerToClient.idx()] > 0
    })
}

fn succeeded(p: &GatewayPacket) -> bool {
    p.status == Some(GatewayStatus::S_OK)
}

fn ladder_evidence(gw: &GatewayFacts, upto: u64) -> Vec<Evidence> {
    // The request that the final answer answered, for context.
    gw.requests
        .iter()
        .rev()
        .find(|r| r.frame.number < upto)
        .map(|r| {
            vec![ev(
                r.frame,
                format!(
                    "{} {}{} (decrypted)",
                    r.method,
                    r.path,
                    r.authorization
                        .as_deref()
                        .map(|a| format!(" with Authorization: {a}"))
                        .unwrap_or_default()
                ),
            )]
        })
        .unwrap_or_default()
}

/// Findings and the stage mark of one connection.
pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let rec = cx.rec;
    let Some(gw) = &rec.facts.gateway else {
        encrypted(rec, &mut judged.findings);
        return;
    };
    let out = &mut judged.findings;
    let before = out.len();
    let sni = rec
        .facts
        .tls
        .client_hello
        .as_ref()
        .and_then(|hello| hello.sni.clone())
        .unwrap_or_else(|| rec.server.to_string());
    // The gateway's answers are read inside its HTTPS.
    let basis = cx.inner_basis;
    if let Some(finding) = kdc::kdc_proxy(gw, &sni, basis) {
        out.push(finding);
    }
    if let Some(finding) = http_answer(gw, &sni, basis) {
        out.push(finding);
    }
    if let Some(finding) = tunnel_result(gw, &sni, basis) {
        out.push(finding);
    }
    let failed = out
        .get(before..)
        .unwrap_or(&[])
        .iter()
        .any(|f| f.severity != Severity::Info);
    if let Some(finding) = kdc::rpc_over_http(gw, basis) {
        out.push(finding);
    }
    let ok_frame = gw
        .packets
        .iter()
        .find(|p| p.packet_type == PacketType::CHANNEL_RESPONSE && succeeded(p))
        .map(|p| p.frame);
    if failed || ok_frame.is_some() || !gw.responses.is_empty() {
        judged.stages.push(StageMark {
            stage: Stage::Gateway,
            ok: !failed,
            frame: out
                .get(before)
                .and_then(|f| f.evidence.last())
                .and_then(|e| {
                    gw.responses
                        .iter()
                        .map(|r| r.frame)
                        .chain(gw.packets.iter().map(|p| p.frame))
                        .find(|f| f.number == e.frame)
                })
                .or(ok_frame)
                .or(gw.responses.last().map(|r| r.frame)),
        });
    }
}

/// The gateway's HTTP answer: 403, 5xx, or a final 401.
fn http_answer(gw: &GatewayFacts, sni: &str, basis: Basis) -> Option<Finding> {
    // The KDC proxy's answers are judged by `kdc::kdc_proxy`.
    let responses: Vec<&GatewayResponse> = gw
        .responses
        .iter()
        .filter(|r| !kdc::answers_kdc(gw, r.frame))
        .collect();
    if let Some(response) = responses.iter().find(|r| r.status == 403) {
        let mut evidence = ladder_evidence(gw, response.frame.number);
        evidence.push(ev(
            response.frame,
            format!("HTTP 403 {} (decrypted)", response.reason),
        ));
        return Some(make(
            &GATEWAY_FORBIDDEN,
            basis,
            Some(format!(
                "the RD Gateway {sni} answered HTTP 403 {}: it refuses the request before any tunnel",
                response.reason
            )),
            None,
            evidence,
        ));
    }
    if let Some(response) = responses.iter().find(|r| r.status >= 500) {
        let mut evidence = ladder_evidence(gw, response.frame.number);
        evidence.push(ev(
            response.frame,
            format!("HTTP {} {} (decrypted)", response.status, response.reason),
        ));
        return Some(make(
            &GATEWAY_UNAVAILABLE,
            basis,
            Some(format!(
                "the RD Gateway {sni} answered HTTP {} {}{}",
                response.status,
                response.reason,
                response
                    .server
                    .as_deref()
                    .map(|s| format!(" (Server: {s})"))
                    .unwrap_or_default()
            )),
            None,
            evidence,
        ));
    }
    // The final answer is 401: no further request was answered.
    let last = responses.last().filter(|r| r.status == 401)?;
    let exchanged = responses.iter().any(|r| r.auth_challenge);
    let sent_auth = gw
        .requests
        .iter()
        .rev()
        .find(|r| r.frame.number < last.frame.number)
        .and_then(|r| r.authorization.clone());
    let schemes = if last.www_authenticate.is_empty() {
        "none named".to_string()
    } else {
        last.www_authenticate.join(", ")
    };
    let title = match (&sent_auth, exchanged) {
        (Some(a), true) => format!(
            "the RD Gateway {sni} rejected the credentials: after the full {a} exchange it answered HTTP 401 again (gateway offers {schemes})"
        ),
        (Some(a), false) => format!(
            "the RD Gateway {sni} answered the client's {a} authentication with HTTP 401 (gateway offers {schemes})"
        ),
        (None, _) => format!(
            "the RD Gateway {sni} requires authentication (HTTP 401, offers {schemes}) and the client gave up without sending credentials"
        ),
    };
    let mut evidence = ladder_evidence(gw, last.frame.number);
    evidence.push(ev(
        last.frame,
        format!("HTTP 401 {} (decrypted)", last.reason),
    ));
    Some(make(
        &GATEWAY_AUTH_REQUIRED,
        basis,
        Some(title),
        None,
        evidence,
    ))
}

/// The first MS-TSGU response with a non-zero result.
fn tunnel_result(gw: &GatewayFacts, sni: &str, basis: Basis) -> Option<Finding> {
    for packet in &gw.packets {
        let Some(status) = packet.status.filter(|c| *c != GatewayStatus::S_OK) else {
            continue;
        };
        let code = status.0;
        let name = packet.status_name().unwrap_or_default();
        let type_name = packet.type_name();
        let what = format!("{type_name} {name} ({code:#010x}) (decrypted)");
        let (rule, title): (&'static RuleDef, String) = match (packet.packet_type, status) {
            (
                PacketType::TUNNEL_RESPONSE | PacketType::TUNNEL_AUTH_RESPONSE,
                GatewayStatus::E_PROXY_NAP_ACCESSDENIED
                | GatewayStatus::E_PROXY_QUARANTINE_ACCESSDENIED
                | GatewayStatus::E_PROXY_COOKIE_AUTHENTICATION_ACCESS_DENIED
                | GatewayStatus::ERROR_ACCESS_DENIED,
            ) => (
                &GATEWAY_CAP_DENIED,
                format!(
                    "the RD Gateway {sni} refused the tunnel with {name}: the user does not meet any Connection Authorization Policy (RD CAP)"
                ),
            ),
            (PacketType::CHANNEL_RESPONSE, GatewayStatus::E_PROXY_RAP_ACCESSDENIED) => (
                &GATEWAY_RAP_DENIED,
                format!(
                    "the RD Gateway {sni} refused the channel to the target with {name}: no Resource Authorization Policy (RD RAP) allows this user to reach that computer"
                ),
            ),
            (PacketType::CHANNEL_RESPONSE, GatewayStatus::E_PROXY_TS_CONNECTFAILED) => (
                &GATEWAY_TARGET_UNREACHABLE,
                format!(
                    "the RD Gateway {sni} could not connect to the target RDP server ({name}): the gateway itself cannot reach it"
                ),
            ),
            (
                PacketType::HANDSHAKE_RESPONSE
                | PacketType::TUNNEL_RESPONSE
                | PacketType::TUNNEL_AUTH_RESPONSE
                | PacketType::CHANNEL_RESPONSE,
                _,
            ) => (
                &GATEWAY_TUNNEL_ERROR,
                format!("the RD Gateway {sni} failed the {type_name} with {name} ({code:#010x})"),
            ),
            _ => continue,
        };
        return Some(make(
            rule,
            basis,
            Some(title),
            None,
            vec![ev(packet.frame, what)],
        ));
    }
    None
}

/// HTTPS to a gateway port without keys: say what is missing.
fn encrypted(rec: &ConnectionRecord, out: &mut Vec<Finding>) {
    if !looks_like_gateway(rec) || rec.facts.tls.first_app_data[0].is_none() {
        return;
    }
    let Some(hello) = &rec.facts.tls.client_hello else {
        return;
    };
    // Asking for --keylog makes sense only when none was given.
    let (why, ask) = match rec.facts.decryption.as_ref().map(|d| d.status) {
        None => ("no key log was given", "give --keylog"),
        Some(DecryptStatus::NoKeys) => (
            "the key log has no secrets for it",
            "give the key log the client wrote during this very capture",
        ),
        Some(_) => (
            "it could not be decrypted",
            "the key log's secrets do not match this session",
        ),
    };
    let mut finding = make(
        &GATEWAY_ENCRYPTED,
        Basis::Clear,
        Some(format!(
            "RD Gateway (encrypted): HTTPS to {}{} with no RDP negotiation on the wire; {why}, so the gateway's answer (HTTP 401/403/503, CAP/RAP result) stays hidden: {ask}",
            rec.server,
            hello.sni
                .as_deref()
                .map(|s| format!(" (SNI {s})"))
                .unwrap_or_default()
        )),
        None,
        vec![ev(hello.frame, "TLS ClientHello with no X.224 before it")],
    );
    set_inferred(&mut finding, true, Basis::Clear);
    out.push(finding);
}

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, judge, ConnBuilder};
    use crate::verdict::{Basis, Outcome, Stage};
    use crate::wire::Dir;
    use rdpdiag_parsers::rdg::{GatewayStatus, PacketType};

    const C: Dir = Dir::ClientToServer;
    const S: Dir = Dir::ServerToClient;

    const HANDSHAKE_RESPONSE: PacketType = PacketType::HANDSHAKE_RESPONSE;
    const TUNNEL_RESPONSE: PacketType = PacketType::TUNNEL_RESPONSE;
    const TUNNEL_AUTH_RESPONSE: PacketType = PacketType::TUNNEL_AUTH_RESPONSE;
    const CHANNEL_RESPONSE: PacketType = PacketType::CHANNEL_RESPONSE;
    const S_OK: GatewayStatus = GatewayStatus::S_OK;

    /// captures/rdg_ok.pcap, connection 1 (the OUT channel), frames 4-10:
    /// HTTPS straight away, no X.224 (ClientHello 4, TLS 1.2 ServerHello 6,
    /// CCS 8 and 9), then the client's first request RDG_OUT_DATA with NTLM (10).
    fn https_to_gateway() -> ConnBuilder {
        conn()
            .handshake()
            .client_hello(4)
            .server_hello(6, 0x0303)
            .ccs(C, 8)
            .ccs(S, 9)
            .app_data(C, 10, 435)
    }

    /// rdg_ok.pcap frames 10-13: the NTLM exchange over HTTP ending in 200 OK.
    fn authenticated() -> ConnBuilder {
        https_to_gateway()
            .gateway_request(10, "RDG_OUT_DATA", Some("NTLM"))
            .gateway_401(11, &["NTLM"], true)
            .gateway_request(12, "RDG_OUT_DATA", Some("NTLM"))
            .gateway_response(13, 200, "OK")
            .decrypted(12)
    }

    /// rdg_ok.pcap frames 31-38: handshake and tunnel (and its auth) accepted.
    fn tunnel_authorized() -> ConnBuilder {
        authenticated()
            .gateway_packet(31, HANDSHAKE_RESPONSE, S_OK)
            .gateway_packet(34, TUNNEL_RESPONSE, S_OK)
            .gateway_packet(38, TUNNEL_AUTH_RESPONSE, S_OK)
    }

    /// rdg_ok.pcap frames 41-45: the channel to the target opens and the
    /// tunnelled RDP flows.
    fn channel_open() -> ConnBuilder {
        tunnel_authorized()
            .gateway_packet(41, CHANNEL_RESPONSE, S_OK)
            .gateway_data(S, 40)
    }

    /// A gateway failure: the decisive finding, the connection's verdict.
    fn fails_with(rec: ConnBuilder, rule: &RuleDef) -> crate::verdict::Finding {
        let rec = rec.build();
        let (verdict, findings) = judge(&rec);
        assert_eq!(findings[0].id, rule.id, "{:?}", findings);
        assert_eq!(verdict.failed_stage, Some(Stage::Gateway));
        assert_eq!(findings[0].basis, Basis::Decrypted);
        findings[0].clone()
    }

    #[test]
    fn the_healthy_gateway_fires_nothing() {
        let rec = channel_open().build();
        let (verdict, findings) = judge(&rec);
        assert!(
            findings.iter().all(|f| !f.id.starts_with("gateway.")),
            "{findings:?}"
        );
        assert_eq!(verdict.outcome, Outcome::Success);
        let mark = verdict.stages.iter().find(|m| m.stage == Stage::Gateway);
        assert_eq!(
            mark.map(|m| (m.ok, m.frame.map(|f| f.number))),
            Some((true, Some(41)))
        );
    }

    #[test]
    fn auth_required_fires_on_a_final_401() {
        // captures/rdg_auth_rejected.pcap: after the NTLM round trip (10, 11)
        // the second request (12) is answered 401 again, offering Negotiate, NTLM (13).
        let rec = https_to_gateway()
            .gateway_request(10, "RDG_OUT_DATA", Some("NTLM"))
            .gateway_401(11, &["NTLM"], true)
            .gateway_request(12, "RDG_OUT_DATA", Some("NTLM"))
            .gateway_401(13, &["Negotiate", "NTLM"], false)
            .fin(S, 17)
            .decrypted(6);
        let finding = fails_with(rec, &GATEWAY_AUTH_REQUIRED);
        assert_eq!(
            finding.title,
            "the RD Gateway 10.0.0.1:3389 rejected the credentials: after the full NTLM exchange it answered HTTP 401 again (gateway offers Negotiate, NTLM)"
        );
        assert_eq!(frames(&finding), [12, 13]);
    }

    #[test]
    fn auth_required_silent_when_the_ntlm_exchange_ends_in_200() {
        // rdg_ok.pcap: the first 401 (11) is a step of the exchange, 200 OK at 13.
        let rec = authenticated().build();
        assert!(fired(&rec, &GATEWAY_AUTH_REQUIRED).is_none());
    }

    #[test]
    fn forbidden_fires_on_http_403() {
        // captures/rdg_forbidden.pcap: RDG_OUT_DATA with NTLM (10), 403 Forbidden (11).
        let rec = https_to_gateway()
            .gateway_request(10, "RDG_OUT_DATA", Some("NTLM"))
            .gateway_response(11, 403, "Forbidden")
            .fin(S, 15)
            .decrypted(4);
        let finding = fails_with(rec, &GATEWAY_FORBIDDEN);
        assert!(finding.title.contains("answered HTTP 403 Forbidden"));
        assert_eq!(frames(&finding), [10, 11]);
        assert_eq!(
            finding.evidence[0].detail,
            "RDG_OUT_DATA /remoteDesktopGateway/ with Authorization: NTLM (decrypted)"
        );
    }

    #[test]
    fn forbidden_silent_on_http_200() {
        let rec = authenticated().build();
        assert!(fired(&rec, &GATEWAY_FORBIDDEN).is_none());
    }

    #[test]
    fn unavailable_fires_on_http_503() {
        // captures/rdg_unavailable.pcap: 503 Service Unavailable at frame 11.
        let rec = https_to_gateway()
            .gateway_request(10, "RDG_OUT_DATA", Some("NTLM"))
            .gateway_response(11, 503, "Service Unavailable")
            .fin(C, 15)
            .decrypted(4);
        let finding = fails_with(rec, &GATEWAY_UNAVAILABLE);
        assert!(finding
            .title
            .contains("answered HTTP 503 Service Unavailable"));
        assert_eq!(frames(&finding), [10, 11]);
    }

    #[test]
    fn unavailable_silent_on_http_200() {
        let rec = authenticated().build();
        assert!(fired(&rec, &GATEWAY_UNAVAILABLE).is_none());
    }

    #[test]
    fn cap_denied_fires_on_a_refused_tunnel() {
        // captures/rdg_cap_denied.pcap: HANDSHAKE_RESPONSE S_OK (31), then
        // TUNNEL_RESPONSE E_PROXY_NAP_ACCESSDENIED (34).
        let rec = authenticated()
            .gateway_packet(31, HANDSHAKE_RESPONSE, S_OK)
            .gateway_packet(34, TUNNEL_RESPONSE, GatewayStatus::E_PROXY_NAP_ACCESSDENIED)
            .fin(C, 43);
        let finding = fails_with(rec, &GATEWAY_CAP_DENIED);
        assert_eq!(frames(&finding), [34]);
        assert_eq!(
            finding.evidence[0].detail,
            "PKT_TYPE_TUNNEL_RESPONSE E_PROXY_NAP_ACCESSDENIED (0x800759db) (decrypted)"
        );
    }

    #[test]
    fn cap_denied_silent_on_an_accepted_tunnel() {
        // rdg_ok.pcap frames 34, 38: TUNNEL_RESPONSE and TUNNEL_AUTH_RESPONSE S_OK.
        let rec = tunnel_authorized().build();
        assert!(fired(&rec, &GATEWAY_CAP_DENIED).is_none());
    }

    #[test]
    fn rap_denied_fires_on_a_refused_channel() {
        // captures/rdg_rap_denied.pcap: CHANNEL_RESPONSE E_PROXY_RAP_ACCESSDENIED (41).
        let rec = tunnel_authorized()
            .gateway_packet(
                41,
                CHANNEL_RESPONSE,
                GatewayStatus::E_PROXY_RAP_ACCESSDENIED,
            )
            .fin(C, 51);
        let finding = fails_with(rec, &GATEWAY_RAP_DENIED);
        assert_eq!(frames(&finding), [41]);
        assert!(finding
            .title
            .contains("refused the channel to the target with E_PROXY_RAP_ACCESSDENIED"));
    }

    #[test]
    fn rap_denied_silent_on_an_open_channel() {
        let rec = channel_open().build();
        assert!(fired(&rec, &GATEWAY_RAP_DENIED).is_none());
    }

    #[test]
    fn target_unreachable_fires_on_ts_connectfailed() {
        // captures/rdg_target_unreachable.pcap: CHANNEL_RESPONSE
        // E_PROXY_TS_CONNECTFAILED (41).
        let rec = tunnel_authorized()
            .gateway_packet(
                41,
                CHANNEL_RESPONSE,
                GatewayStatus::E_PROXY_TS_CONNECTFAILED,
            )
            .fin(C, 50);
        let finding = fails_with(rec, &GATEWAY_TARGET_UNREACHABLE);
        assert_eq!(frames(&finding), [41]);
        assert!(finding
            .title
            .contains("could not connect to the target RDP server (E_PROXY_TS_CONNECTFAILED)"));
    }

    #[test]
    fn target_unreachable_silent_on_an_open_channel() {
        let rec = channel_open().build();
        assert!(fired(&rec, &GATEWAY_TARGET_UNREACHABLE).is_none());
    }

    #[test]
    fn tunnel_error_fires_on_another_failure_code() {
        // No capture here has one: HANDSHAKE_RESPONSE E_PROXY_INTERNALERROR
        // where rdg_ok.pcap has S_OK (31).
        let rec = authenticated()
            .gateway_packet(31, HANDSHAKE_RESPONSE, GatewayStatus::E_PROXY_INTERNALERROR)
            .fin(C, 35);
        let finding = fails_with(rec, &GATEWAY_TUNNEL_ERROR);
        assert_eq!(
            finding.title,
            "the RD Gateway 10.0.0.1:3389 failed the PKT_TYPE_HANDSHAKE_RESPONSE with E_PROXY_INTERNALERROR (0x800759d8)"
        );
        assert_eq!(frames(&finding), [31]);
    }

    #[test]
    fn tunnel_error_silent_on_s_ok() {
        let rec = channel_open().build();
        assert!(fired(&rec, &GATEWAY_TUNNEL_ERROR).is_none());
    }

    #[test]
    fn encrypted_fires_on_https_without_keys() {
        // rdg_ok.pcap read without its key log: HTTPS with no X.224 before it.
        let rec = https_to_gateway().app_data(S, 11, 328).build();
        let finding = fired(&rec, &GATEWAY_ENCRYPTED).expect("fires");
        assert_eq!(frames(&finding), [4]);
        assert!(finding
            .title
            .contains("with no RDP negotiation on the wire; no key log was given"));
        assert!(finding.inferred);
    }

    #[test]
    fn encrypted_silent_on_rdp_captured_late() {
        // A capture started after the TCP handshake and the X.224 exchange
        // of a direct RDP connection: the ClientHello comes first on the
        // wire, yet this is RDP, not HTTPS to a gateway.
        let rec = conn()
            .client_hello(8)
            .server_hello(9, 0x0304)
            .app_data(C, 11, 69)
            .app_data(S, 12, 300)
            .with(|r| r.tcp.handshake = crate::flow::Handshake::NotSeen)
            .build();
        assert!(fired(&rec, &GATEWAY_ENCRYPTED).is_none());
    }

    #[test]
    fn encrypted_silent_once_decrypted() {
        // With the key log the gateway's answers are read.
        let rec = channel_open().build();
        assert!(fired(&rec, &GATEWAY_ENCRYPTED).is_none());
        // Nor on direct RDP, where X.224 comes before the TLS.
        let rec = conn()
            .handshake()
            .request(4, 0x3)
            .confirm(6, 0x1)
            .client_hello(8)
            .server_hello(9, 0x0304)
            .app_data(C, 11, 69)
            .build();
        assert!(fired(&rec, &GATEWAY_ENCRYPTED).is_none());
    }
}
