//! RD Gateway rules (stage `gateway`): the HTTP status of the gateway's
//! answers and the MS-TSGU result codes, seen in decrypted HTTPS; without
//! keys, a note that the gateway traffic stays encrypted.

use super::conn::{Conn, Judged};
use super::registry::{
    RuleDef, GATEWAY_AUTH_REQUIRED, GATEWAY_CAP_DENIED, GATEWAY_ENCRYPTED, GATEWAY_FORBIDDEN,
    GATEWAY_RAP_DENIED, GATEWAY_TARGET_UNREACHABLE, GATEWAY_TUNNEL_ERROR, GATEWAY_UNAVAILABLE,
};
use super::{ev, make, set_inferred};
use crate::session::facts::{DecryptStatus, GatewayFacts, GatewayPacket};
use crate::session::ConnectionRecord;
use crate::verdict::{Basis, Evidence, Finding};
use crate::verdict::{Stage, StageMark};
use crate::wire::Dir;
use rdpdiag_parsers::rdg::{GatewayStatus, PacketType};

/// A connection whose first client bytes are a TLS ClientHello, with no
/// X.224 Connection Request: HTTPS (an RD Gateway on a port given with
/// `--port`), not direct RDP, which always starts with X.224.
pub(super) fn looks_like_gateway(rec: &ConnectionRecord) -> bool {
    rec.facts.gateway.is_some()
        || (rec.facts.negotiation.request_frame.is_none()
            && rec.facts.negotiation.confirm_frame.is_none()
            && rec.facts.tls.client_hello.is_some())
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
    if let Some(finding) = http_answer(gw, &sni, basis) {
        out.push(finding);
    }
    if let Some(finding) = tunnel_result(gw, &sni, basis) {
        out.push(finding);
    }
    let failed = out.len() > before;
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
    if let Some(response) = gw.responses.iter().find(|r| r.status == 403) {
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
    if let Some(response) = gw.responses.iter().find(|r| r.status >= 500) {
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
    let last = gw.responses.last().filter(|r| r.status == 401)?;
    let exchanged = gw.responses.iter().any(|r| r.auth_challenge);
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
    let why = match rec.facts.decryption.as_ref().map(|d| d.status) {
        None => "no key log was given",
        Some(DecryptStatus::NoKeys) => "the key log has no secrets for it",
        Some(_) => "it could not be decrypted",
    };
    let mut finding = make(
        &GATEWAY_ENCRYPTED,
        Basis::Clear,
        Some(format!(
            "RD Gateway (encrypted): HTTPS to {}{} with no RDP negotiation on the wire; {why}, so the gateway's answer (HTTP 401/403/503, CAP/RAP result) stays hidden: give --keylog",
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
