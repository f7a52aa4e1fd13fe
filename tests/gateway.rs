//! RD Gateway (MS-TSGU HTTP transport) verdicts on the bundled `captures/rdg_*`
//! files. The client side of each is real FreeRDP 2.11 (`xfreerdp /g: /gt:http`)
//! with its TLS key log; the gateway side is our emulation
//! (`captures/rdg_lab/fake_gateway.py`), because no Windows RD Gateway
//! capture is available. Frames cited below are those captures' frames, as
//! tshark numbers them.

use rdpdiag::analysis::with_ports;
use rdpdiag::analysis::{analyze_file, load_keylog};
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
    let mut cfg = with_ports(&[443]);
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
        eprintln!("tshark not installed; skipped");
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
