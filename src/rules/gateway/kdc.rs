//! The gateway's side services: its KDC proxy (MS-KKDCP), whose failure
//! explains a fall back to NTLM, and the legacy RPC-over-HTTP transport,
//! named but not decoded.

use super::super::registry::{GATEWAY_KDC_PROXY_FAILED, GATEWAY_RPC_OVER_HTTP};
use super::super::{ev, make};
use crate::session::facts::{GatewayFacts, KdcProxyExchange};
use crate::verdict::{Basis, Finding};
use crate::wire::FrameRef;
use rdpdiag_parsers::kerberos::{ErrorCode, MessageType};

/// `frame` is the KDC proxy's answer to a `POST /KdcProxy`.
pub(super) fn answers_kdc(gw: &GatewayFacts, frame: FrameRef) -> bool {
    gw.kdc_proxy
        .iter()
        .any(|x| x.response_frame.is_some_and(|f| f.number == frame.number))
}

/// KRB-ERRORs that are steps of a working exchange, not refusals: the KDC
/// asks for pre-authentication, or for TCP (meaningless through the proxy).
fn routine(code: Option<ErrorCode>) -> bool {
    matches!(
        code,
        Some(ErrorCode::KDC_ERR_PREAUTH_REQUIRED) | Some(ErrorCode::KRB_ERR_RESPONSE_TOO_BIG)
    )
}

fn type_name(t: Option<MessageType>) -> String {
    match t {
        Some(t) => t
            .name()
            .map_or_else(|| format!("message type {}", t.0), str::to_string),
        None => "Kerberos request".into(),
    }
}

/// What went wrong in one exchange, if anything: (evidence, title part).
fn failure(x: &KdcProxyExchange) -> Option<(FrameRef, String)> {
    let frame = x.response_frame?;
    let (status, reason) = x.status.as_ref()?;
    if *status >= 400 {
        return Some((frame, format!("answered HTTP {status} {reason}")));
    }
    if x.reply == Some(MessageType::KRB_ERROR) && !routine(x.krb_error) {
        let code = x
            .krb_error
            .map(|c| {
                c.name()
                    .map_or_else(|| format!("error {}", c.0), str::to_string)
            })
            .unwrap_or_else(|| "an unreadable error".into());
        return Some((frame, format!("relayed the KDC's KRB-ERROR {code}")));
    }
    None
}

/// The last answered KDC proxy exchange failed: no ticket came through the
/// gateway (an earlier failure followed by a ticket is not one).
pub(super) fn kdc_proxy(gw: &GatewayFacts, sni: &str, basis: Basis) -> Option<Finding> {
    let last = gw.kdc_proxy.iter().rev().find(|x| x.status.is_some())?;
    let (frame, what) = failure(last)?;
    let asked = type_name(last.request);
    let realm = last
        .realm
        .as_deref()
        .map(|r| format!(" for realm {r}"))
        .unwrap_or_default();
    let why = match last.status.as_ref() {
        Some((503, _)) => {
            ": the KDC proxy service is not running, or it reaches no KDC for the realm"
        }
        _ => "",
    };
    let title = format!(
        "the RD Gateway {sni}'s KDC proxy {what} to the {asked}{realm}{why}; without a Kerberos ticket the client falls back to NTLM"
    );
    let evidence = vec![
        ev(
            last.request_frame,
            format!("POST /KdcProxy: {asked}{realm} (decrypted)"),
        ),
        ev(frame, format!("KDC proxy {what} (decrypted)")),
    ];
    Some(make(
        &GATEWAY_KDC_PROXY_FAILED,
        basis,
        Some(title),
        None,
        evidence,
    ))
}

/// The client used the legacy RPC-over-HTTP transport: say it is not decoded.
pub(super) fn rpc_over_http(gw: &GatewayFacts, basis: Basis) -> Option<Finding> {
    let first = gw
        .requests
        .iter()
        .find(|r| matches!(r.method.as_str(), "RPC_IN_DATA" | "RPC_OUT_DATA"))?;
    Some(make(
        &GATEWAY_RPC_OVER_HTTP,
        basis,
        Some(format!(
            "legacy RPC-over-HTTP transport ({} {}): not decoded, only its HTTP status is read",
            first.method, first.path
        )),
        None,
        vec![ev(
            first.frame,
            format!("{} {} (decrypted)", first.method, first.path),
        )],
    ))
}

#[cfg(test)]
mod tests {
    use super::super::super::registry::*;
    use super::super::super::testkit::{conn, fired, frames, judge, ConnBuilder};
    use crate::verdict::{Basis, Outcome, Stage};
    use crate::wire::Dir;
    use rdpdiag_parsers::kerberos::{ErrorCode, MessageType};

    const C: Dir = Dir::ClientToServer;
    const S: Dir = Dir::ServerToClient;

    /// captures/kdcproxy_503.pcap frames 4-10: HTTPS straight away
    /// (ClientHello 4, TLS 1.2 ServerHello 6, CCS 8 and 9), then
    /// `POST /KdcProxy` with an AS-REQ for LAB.TEST (10).
    fn kdc_post() -> ConnBuilder {
        conn()
            .handshake()
            .client_hello(4)
            .server_hello(6, 0x0303)
            .ccs(C, 8)
            .ccs(S, 9)
            .app_data(C, 10, 201)
            .gateway_request(10, "POST", None)
            .decrypted(10)
    }

    #[test]
    fn kdc_proxy_failed_fires_on_http_503() {
        // captures/kdcproxy_503.pcap: the AS-REQ (10) answered 503 (11).
        let rec = kdc_post()
            .gateway_response(11, 503, "Service Unavailable")
            .gateway_kdc(10, 11, (503, "Service Unavailable"), None)
            .fin(S, 12)
            .build();
        let (verdict, findings) = judge(&rec);
        assert_eq!(findings[0].id, GATEWAY_KDC_PROXY_FAILED.id, "{findings:?}");
        assert_eq!(verdict.failed_stage, Some(Stage::Gateway));
        assert_eq!(findings[0].basis, Basis::Decrypted);
        assert_eq!(
            findings[0].title,
            "the RD Gateway 10.0.0.1:3389's KDC proxy answered HTTP 503 Service Unavailable to the AS-REQ for realm LAB.TEST: the KDC proxy service is not running, or it reaches no KDC for the realm; without a Kerberos ticket the client falls back to NTLM"
        );
        assert_eq!(frames(&findings[0]), [10, 11]);
        // Not the gateway service itself.
        assert!(fired(&rec, &GATEWAY_UNAVAILABLE).is_none());
    }

    #[test]
    fn kdc_proxy_failed_fires_on_a_relayed_krb_error() {
        // A KDC refusal relayed in a 200 (frames as kdcproxy_ok.pcap 10-11).
        let rec = kdc_post()
            .gateway_response(11, 200, "OK")
            .gateway_kdc(
                10,
                11,
                (200, "OK"),
                Some((
                    MessageType::KRB_ERROR,
                    Some(ErrorCode::KDC_ERR_CLIENT_REVOKED),
                )),
            )
            .build();
        let finding = fired(&rec, &GATEWAY_KDC_PROXY_FAILED).expect("fires");
        assert!(
            finding
                .title
                .contains("relayed the KDC's KRB-ERROR KDC_ERR_CLIENT_REVOKED"),
            "{}",
            finding.title
        );
    }

    #[test]
    fn kdc_proxy_failed_silent_when_preauth_leads_to_a_ticket() {
        // captures/kdcproxy_ok.pcap: KDC_ERR_PREAUTH_REQUIRED (11), then
        // the AS-REQ with PA-ENC-TIMESTAMP (24) gets its AS-REP (25).
        let rec = kdc_post()
            .gateway_response(11, 200, "OK")
            .gateway_kdc(
                10,
                11,
                (200, "OK"),
                Some((
                    MessageType::KRB_ERROR,
                    Some(ErrorCode::KDC_ERR_PREAUTH_REQUIRED),
                )),
            )
            .gateway_request(24, "POST", None)
            .gateway_response(25, 200, "OK")
            .gateway_kdc(24, 25, (200, "OK"), Some((MessageType::AS_REP, None)))
            .build();
        assert!(fired(&rec, &GATEWAY_KDC_PROXY_FAILED).is_none());
        let (verdict, _) = judge(&rec);
        assert_ne!(verdict.outcome, Outcome::Failure);
    }

    #[test]
    fn rpc_over_http_fires_on_rpc_in_data() {
        let rec = kdc_post()
            .gateway_request(12, "RPC_IN_DATA", Some("NTLM"))
            .gateway_response(13, 200, "Success")
            .build();
        let finding = fired(&rec, &GATEWAY_RPC_OVER_HTTP).expect("fires");
        assert!(finding
            .title
            .starts_with("legacy RPC-over-HTTP transport (RPC_IN_DATA"));
    }

    #[test]
    fn rpc_over_http_silent_on_rdg_out_data() {
        let rec = kdc_post()
            .gateway_request(12, "RDG_OUT_DATA", Some("NTLM"))
            .gateway_response(13, 200, "OK")
            .build();
        assert!(fired(&rec, &GATEWAY_RPC_OVER_HTTP).is_none());
    }
}
