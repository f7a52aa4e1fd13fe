//! RD Gateway (MS-TSGU HTTP transport) verdicts on the bundled `captures/rdg_*`
//! files. The client side of each is real FreeRDP 2.11 (`xfreerdp /g: /gt:http`)
//! with its TLS key log; the gateway side is our emulation
//! (`captures/rdg_lab/fake_gateway.py`), because no Windows RD Gateway
//! capture is available. Frames cited below are those captures' frames, as
//! tshark numbers them.

mod common;

use rdpdiag::analysis::with_ports;
use rdpdiag::analysis::{analyze_file, load_keylog, AnalysisConfig};
use rdpdiag::report::FileReport;
use rdpdiag::verdict::{Outcome, Stage};
use rdpdiag_parsers::nego::Protocols;
use rdpdiag_parsers::rdg::RequestKind;
use std::path::PathBuf;
use std::process::Command;

fn cap(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn analyze(name: &str, keys: bool) -> FileReport {
    analyze_with(name, keys, with_ports(&[443]))
}

fn analyze_with(name: &str, keys: bool, mut cfg: AnalysisConfig) -> FileReport {
    if keys {
        let k = cap(&format!("{name}.keys.txt"));
        let (k, bad) = load_keylog(&k.to_string_lossy()).expect("key log readable");
        assert_eq!(bad, 0);
        cfg.keylog = Some(k);
    }
    analyze_file(&cap(&format!("{name}.pcap")).to_string_lossy(), &cfg).expect("analyzes")
}

/// (capture, rule, frame of the decisive answer, text in the title)
const CASES: [(&str, &str, u64, &str); 6] = [
    // frame 13: the 401 that follows the client's NTLM AUTHENTICATE (frame 12);
    // frame 11 was the 401 carrying the NTLM challenge.
    (
        "rdg_auth_rejected",
        "gateway.auth_required",
        13,
        "rejected the credentials",
    ),
    ("rdg_forbidden", "gateway.forbidden", 11, "HTTP 403"),
    ("rdg_unavailable", "gateway.unavailable", 11, "HTTP 503"),
    // OUT channel (connection 1), after HANDSHAKE/TUNNEL/TUNNEL_AUTH S_OK.
    (
        "rdg_rap_denied",
        "gateway.rap_denied",
        41,
        "E_PROXY_RAP_ACCESSDENIED",
    ),
    (
        "rdg_cap_denied",
        "gateway.cap_denied",
        34,
        "E_PROXY_NAP_ACCESSDENIED",
    ),
    (
        "rdg_target_unreachable",
        "gateway.target_unreachable",
        41,
        "E_PROXY_TS_CONNECTFAILED",
    ),
];

#[test]
fn decrypted_gateway_answers_name_the_cause() {
    for (name, rule, frame, text) in CASES {
        let r = analyze(name, true);
        assert_eq!(r.attempts.len(), 1, "{name}: one attempt");
        let a = &r.attempts[0];
        assert_eq!(a.outcome, Outcome::Failure, "{name}");
        assert_eq!(a.failed_stage, Some(Stage::Gateway), "{name}");
        let rc = a.root_cause.as_ref().expect("a root cause");
        assert_eq!(rc.id, rule, "{name}: {}", rc.title);
        assert!(rc.title.contains(text), "{name}: {}", rc.title);
        assert_eq!(rc.basis.name(), "decrypted", "{name}");
        assert!(
            rc.evidence.iter().any(|e| e.frame == frame),
            "{name}: frame {frame} cited in {:?}",
            rc.evidence
        );
        assert!(!rc.remediation.is_empty());
    }
}

#[test]
fn gateway_facts_from_freerdp_requests() {
    let r = analyze("rdg_auth_rejected", true);
    let g = r.connections[0]
        .facts
        .gateway
        .as_ref()
        .expect("gateway facts");
    // Frames 10 and 12: FreeRDP's RDG_OUT_DATA with NTLM NEGOTIATE, then AUTHENTICATE.
    assert_eq!(g.requests.len(), 2);
    for q in &g.requests {
        assert_eq!(q.method, "RDG_OUT_DATA");
        assert_eq!(q.path, "/remoteDesktopGateway/");
        assert_eq!(q.kind, RequestKind::RdgOutData);
        assert_eq!(q.authorization.as_deref(), Some("NTLM"));
        assert!(q
            .connection_id
            .as_deref()
            .is_some_and(|c| c.starts_with('{')));
    }
    assert_eq!(g.requests[0].frame.number, 10);
    // Frame 11: 401 with the NTLM challenge; frame 13: the final 401.
    let st: Vec<(u64, u16, bool)> = g
        .responses
        .iter()
        .map(|x| (x.frame.number, x.status, x.auth_challenge))
        .collect();
    assert_eq!(st, vec![(11, 401, true), (13, 401, false)]);
    assert_eq!(g.responses[1].www_authenticate, vec!["Negotiate", "NTLM"]);
    // Credentials never reach the report.
    let conns: Vec<rdpdiag::report::json::Connection<'_>> =
        r.connections.iter().map(Into::into).collect();
    let json = serde_json::to_string(&conns).expect("json");
    assert!(!json.contains("TlRMTVNT"), "no NTLM token in the JSON");
}

#[test]
fn tsgu_packets_on_both_channels() {
    let r = analyze("rdg_rap_denied", true);
    assert_eq!(r.connections.len(), 2, "OUT and IN channel");
    let names = |i: usize| -> Vec<String> {
        r.connections[i]
            .facts
            .gateway
            .as_ref()
            .map(|g| {
                g.packets
                    .iter()
                    .map(|p| {
                        format!(
                            "{}={}",
                            p.type_name(),
                            p.status_name().as_deref().unwrap_or("-")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // OUT channel: the gateway's responses, raw after the 200 and its seed.
    assert_eq!(
        names(0),
        vec![
            "PKT_TYPE_HANDSHAKE_RESPONSE=S_OK",
            "PKT_TYPE_TUNNEL_RESPONSE=S_OK",
            "PKT_TYPE_TUNNEL_AUTH_RESPONSE=S_OK",
            "PKT_TYPE_CHANNEL_RESPONSE=E_PROXY_RAP_ACCESSDENIED",
        ]
    );
    // IN channel: FreeRDP's requests inside the chunked RDG_IN_DATA body.
    assert_eq!(
        names(1),
        vec![
            "PKT_TYPE_HANDSHAKE_REQUEST=-",
            "PKT_TYPE_TUNNEL_CREATE=-",
            "PKT_TYPE_TUNNEL_AUTH=-",
            "PKT_TYPE_CHANNEL_CREATE=-",
        ]
    );
    let g = r.connections[1].facts.gateway.as_ref().expect("facts");
    assert!(g.requests.last().is_some_and(|q| q.chunked));
}

/// Without keys nothing inside is known: never a failure, and a note that
/// asks for --keylog.
#[test]
fn without_keys_the_gateway_stays_encrypted() {
    for (name, ..) in CASES {
        let r = analyze(name, false);
        for a in &r.attempts {
            assert_ne!(a.outcome, Outcome::Failure, "{name}");
            let f = a
                .findings
                .iter()
                .find(|f| f.id == "gateway.encrypted")
                .unwrap_or_else(|| panic!("{name}: gateway.encrypted"));
            assert!(f.title.contains("--keylog"));
            assert!(f.inferred);
        }
    }
}

/// tshark, given the same key log, decodes the same HTTP status lines at the
/// same frames.
#[test]
fn tshark_agrees_on_http_status_lines() {
    if Command::new("tshark").arg("-v").output().is_err() {
        common::skip(
            "gateway::tshark_agrees_on_http_status_lines",
            "tshark not installed",
        );
        return;
    }
    for (name, ..) in CASES {
        let keys = cap(&format!("{name}.keys.txt"));
        let out = Command::new("tshark")
            .arg("-r")
            .arg(cap(&format!("{name}.pcap")))
            .arg("-o")
            .arg(format!("tls.keylog_file:{}", keys.display()))
            .args(["-Y", "http.response", "-T", "fields"])
            .args(["-e", "frame.number", "-e", "http.response.code"])
            .output()
            .expect("tshark runs");
        let theirs: Vec<(u64, u16)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut it = l.split('\t');
                Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
            })
            .collect();
        let r = analyze(name, true);
        let mut ours: Vec<(u64, u16)> = r
            .connections
            .iter()
            .filter_map(|c| c.facts.gateway.as_ref())
            .flat_map(|g| g.responses.iter().map(|x| (x.frame.number, x.status)))
            .collect();
        ours.sort();
        assert!(!theirs.is_empty(), "{name}: tshark decoded HTTP");
        assert_eq!(ours, theirs, "{name}");
    }
}

/// Through the gateway to a real RDP server (freerdp-shadow-cli behind the
/// emulated gateway): success, and the tunnelled X.224 exchange is read inside
/// the DATA packets: the request on the IN channel (frame 43), the confirm on
/// the OUT channel (frame 45).
#[test]
fn successful_tunnel_is_success_and_its_rdp_is_read() {
    let r = analyze("rdg_ok", true);
    assert_eq!(r.attempts.len(), 1);
    let a = &r.attempts[0];
    assert_eq!(a.outcome, Outcome::Success, "{:?}", a.root_cause);
    assert!(a.findings.iter().all(|f| !f.decisive));
    let t = |i: usize| {
        r.connections[i]
            .facts
            .gateway
            .as_ref()
            .and_then(|g| g.tunnel.clone())
            .expect("tunnel facts")
    };
    let out = t(0);
    assert_eq!(out.negotiation.confirm_frame.map(|f| f.number), Some(45));
    assert_eq!(out.negotiation.selected_protocol, Some(Protocols::SSL));
    let inn = t(1);
    assert_eq!(inn.negotiation.request_frame.map(|f| f.number), Some(43));
    assert_eq!(inn.negotiation.requested_protocols, Some(Protocols::SSL));
    let g = r.connections[0].facts.gateway.as_ref().expect("gateway");
    assert!(g.data_packets[1] > 0, "server DATA on the OUT channel");
    // Without keys: never a failure.
    let r = analyze("rdg_ok", false);
    assert!(r.attempts.iter().all(|a| a.outcome != Outcome::Failure));
}

/// Outcome, failed stage and root-cause rule of every attempt.
fn verdicts(r: &FileReport) -> Vec<(Outcome, Option<Stage>, Option<String>)> {
    r.attempts
        .iter()
        .map(|a| {
            (
                a.outcome,
                a.failed_stage,
                a.root_cause.as_ref().map(|f| f.id.to_string()),
            )
        })
        .collect()
}

/// Every keyed gateway capture gives the same verdict without `--port 443`:
/// its ClientHello's client random is in the key log, so it is followed and
/// its decrypted HTTP is recognised as RD Gateway traffic.
#[test]
fn keyed_gateways_need_no_port() {
    let names = [
        "rdg_ok",
        "rdg_auth_rejected",
        "rdg_forbidden",
        "rdg_unavailable",
        "rdg_rap_denied",
        "rdg_cap_denied",
        "rdg_target_unreachable",
        "rdg_ws_ok",
        "rdg_ws_auth_rejected",
        "rdg_ws_rap_denied",
        "rdg_ws_nla_rejected",
        "kdcproxy_503",
        "kdcproxy_no_kdc",
        "kdcproxy_ok",
    ];
    for name in names {
        let with_port = analyze(name, true);
        let without = analyze_with(name, true, AnalysisConfig::default());
        assert!(!with_port.attempts.is_empty(), "{name}");
        assert_eq!(verdicts(&with_port), verdicts(&without), "{name}");
        // Without keys and without --port: HTTPS on 443 is no attempt.
        let plain = analyze_with(name, false, AnalysisConfig::default());
        assert!(plain.attempts.is_empty(), "{name}: {:?}", verdicts(&plain));
    }
}

/// The WebSocket transport (rdg_ws_ok.pcap): 101 at frame 13, then MS-TSGU
/// in frames; the tunnelled RDP (X.224 27/31, TLS 1.3 to the shadow server,
/// keyed too) is read through activation.
#[test]
fn websocket_transport_is_decoded_through_the_tunnelled_session() {
    let r = analyze("rdg_ws_ok", true);
    assert_eq!(verdicts(&r), vec![(Outcome::Success, None, None)]);
    let g = r.connections[0].facts.gateway.as_ref().expect("gateway");
    let packets: Vec<(u64, String)> = g
        .packets
        .iter()
        .map(|p| (p.frame.number, p.packet_type.to_string()))
        .collect();
    assert!(
        packets.contains(&(15, "PKT_TYPE_HANDSHAKE_RESPONSE".into())),
        "{packets:?}"
    );
    assert!(
        packets.contains(&(26, "PKT_TYPE_CHANNEL_RESPONSE".into())),
        "{packets:?}"
    );
    assert!(g.data_packets[0] > 0 && g.data_packets[1] > 0);
    let t = g.tunnel.as_ref().expect("tunnel");
    assert_eq!(t.negotiation.request_frame.map(|f| f.number), Some(27));
    assert_eq!(t.negotiation.confirm_frame.map(|f| f.number), Some(31));
    assert!(t.ladder.iter().any(|e| e.label.contains("Demand Active")));
    // rdg_ws_rap_denied.pcap: CHANNEL_RESPONSE E_PROXY_RAP_ACCESSDENIED, frame 26.
    let r = analyze("rdg_ws_rap_denied", true);
    let a = &r.attempts[0];
    let cause = a.root_cause.as_ref().expect("cause");
    assert_eq!(cause.id, "gateway.rap_denied");
    assert_eq!(cause.evidence.last().map(|e| e.frame), Some(26));
}

/// An NLA rejection inside the tunnel (rdg_ws_nla_rejected.pcap: the gateway
/// says S_OK to everything, the tunnelled freerdp-shadow-cli rejects the
/// NTLM AUTHENTICATE at frame 42 and closes its TLS at 43; the client's
/// automatic retry runs into the same from 89): the attempt fails at nla, not
/// at the gateway, the cause names the tunnel, the retry is its consequence.
#[test]
fn nla_rejected_inside_the_tunnel_is_the_cause() {
    let r = analyze("rdg_ws_nla_rejected", true);
    assert_eq!(r.attempts.len(), 1);
    let a = &r.attempts[0];
    assert_eq!(a.outcome, Outcome::Failure);
    assert_eq!(a.failed_stage, Some(rdpdiag::verdict::Stage::Nla));
    let cause = a.root_cause.as_ref().expect("cause");
    assert_eq!(cause.id, "nla.credentials_rejected");
    assert!(
        cause.title.starts_with("inside the RD Gateway tunnel"),
        "{}",
        cause.title
    );
    let frames: Vec<u64> = cause.evidence.iter().map(|e| e.frame).collect();
    assert_eq!(frames.first(), Some(&42), "{frames:?}");
    assert!(frames.contains(&43), "{frames:?}");
    assert!(
        a.findings.iter().any(|f| f.id == cause.id
            && f.consequence
            && f.evidence.first().map(|e| e.frame) == Some(89)),
        "the retry is a consequence"
    );
    // The gateway itself did its part: no gateway finding is an error.
    assert!(!a
        .findings
        .iter()
        .any(|f| f.id.starts_with("gateway.") && f.severity == rdpdiag::verdict::Severity::Error));
}

/// Keyed HTTPS that is not a gateway stays out of the attempts, even when
/// the key log names its sessions: suricata-verify tls-cert-issuer (five
/// ClientHellos to 443), with a key log holding their client randoms
/// (from tshark) and dummy secrets.
#[test]
fn keyed_unrelated_https_is_no_attempt() {
    let Some(shared) = common::shared_captures() else {
        eprintln!("skipped: no shared captures");
        return;
    };
    let pcap = shared.join("public/suricata-verify/tests/tls/tls-cert-issuer/tls.pcap");
    let out = Command::new("tshark")
        .args(["-r", &pcap.to_string_lossy(), "-Y", "tls.handshake.type==1"])
        .args(["-T", "fields", "-e", "tls.handshake.random"])
        .output();
    let Ok(out) = out else {
        eprintln!("skipped: no tshark");
        return;
    };
    let randoms: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| l.len() == 64)
        .collect();
    assert!(randoms.len() >= 3, "{randoms:?}");
    let dir = std::env::temp_dir().join(format!("rdpdiag-keyed-https-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let keys = dir.join("keys.txt");
    let lines: String = randoms
        .iter()
        .map(|r| format!("CLIENT_RANDOM {r} {}\n", "00".repeat(48)))
        .collect();
    std::fs::write(&keys, lines).expect("write keys");
    let (k, _) = load_keylog(&keys.to_string_lossy()).expect("key log");
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = AnalysisConfig {
        keylog: Some(k),
        ..AnalysisConfig::default()
    };
    let r = analyze_file(&pcap.to_string_lossy(), &cfg).expect("analyzes");
    assert!(r.attempts.is_empty(), "{:?}", verdicts(&r));
}
