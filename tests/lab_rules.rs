//! Rules exercised by the captures of `lab/extra_captures.sh` (real xrdp,
//! freerdp-shadow-cli, xfreerdp, dnsmasq, the Linux TCP stack and iptables in
//! network namespaces; see captures/README.md). Each case names the capture,
//! the rule and the frame its evidence must point at.

use rdpdiag::analysis::with_ports;
use rdpdiag::analysis::{analyze_file, load_keylog};
use rdpdiag::report::FileReport;
use rdpdiag::verdict::Outcome;
use std::path::PathBuf;

fn analyze(name: &str, keylog: Option<&str>) -> FileReport {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut cfg = with_ports(&[]);
    if let Some(k) = keylog {
        let (keys, _) = load_keylog(&dir.join(k).to_string_lossy()).expect("key log");
        cfg.keylog = Some(keys);
    }
    analyze_file(&dir.join(name).to_string_lossy(), &cfg).expect("capture")
}

/// The one attempt of a capture: its outcome, and the frames of a finding's evidence.
fn check(r: &FileReport, outcome: Outcome, rule: &str, frame: u64) {
    assert_eq!(r.attempts.len(), 1, "{}: attempts", r.file);
    let a = &r.attempts[0];
    assert_eq!(a.outcome, outcome, "{}: outcome", r.file);
    let f = a
        .findings
        .iter()
        .chain(a.root_cause.iter())
        .find(|f| f.id == rule)
        .unwrap_or_else(|| panic!("{}: no {rule} finding", r.file));
    assert!(
        f.evidence.iter().any(|e| e.frame == frame),
        "{}: {rule} evidence {:?} lacks frame {frame}",
        r.file,
        f.evidence.iter().map(|e| e.frame).collect::<Vec<_>>()
    );
}

fn absent(r: &FileReport, rule: &str) {
    for a in &r.attempts {
        assert!(
            !a.findings.iter().any(|f| f.id == rule),
            "{}: unexpected {rule}",
            r.file
        );
    }
}

fn root_cause(r: &FileReport) -> Option<&str> {
    r.attempts[0].root_cause.as_ref().map(|f| f.id.as_str())
}

#[test]
fn middlebox_rst_at_client_hello() {
    // Frame 9: RST "from" 10.203.0.1 with TTL 64; the server's packets arrive with 63.
    let r = analyze("middlebox_rst_clienthello.pcap", None);
    check(&r, Outcome::Failure, "tcp.middlebox_rst", 9);
    assert_eq!(root_cause(&r), Some("tcp.middlebox_rst"));
    // The forged RST is not the server refusing the handshake.
    absent(&r, "tls.server_closed_after_client_hello");
}

#[test]
fn middlebox_rst_mid_session() {
    // Frame 172: the router's RST (TTL 64) answers the client's input. The
    // session dropped under the user: a failure at the session stage.
    for keys in [None, Some("middlebox_rst_midsession.keys.txt")] {
        let r = analyze("middlebox_rst_midsession.pcap", keys);
        check(&r, Outcome::Failure, "tcp.middlebox_rst", 172);
        check(&r, Outcome::Failure, "session.reset", 172);
        assert_eq!(root_cause(&r), Some("tcp.middlebox_rst"));
        assert_eq!(
            r.attempts[0].failed_stage.map(|s| s.name()),
            Some("session")
        );
    }
}

#[test]
fn server_rst_mid_session() {
    // Frame 173: the server host's own RST (TTL 63, like all its packets).
    for keys in [None, Some("server_rst_midsession.keys.txt")] {
        let r = analyze("server_rst_midsession.pcap", keys);
        check(&r, Outcome::Failure, "session.reset", 173);
        assert_eq!(root_cause(&r), Some("session.reset"));
        absent(&r, "tcp.middlebox_rst");
    }
}

#[test]
fn synack_dropped_at_client() {
    // Frame 1 is the first SYN, frame 2 the first SYN-ACK the client never acknowledges.
    let r = analyze("synack_dropped_at_client.pcap", None);
    check(&r, Outcome::Failure, "tcp.synack_unanswered", 2);
    assert_eq!(root_cause(&r), Some("tcp.synack_unanswered"));
}

#[test]
fn zero_window_on_a_successful_session() {
    // Frame 353: the frozen client's first zero-window ACK. The session goes on afterwards.
    let r = analyze(
        "zero_window_client_stopped.pcap",
        Some("zero_window_client_stopped.keys.txt"),
    );
    check(&r, Outcome::Success, "tcp.zero_window", 353);
    assert!(r.attempts[0].root_cause.is_none());
}

#[test]
fn network_outage_stall_and_keepalive_abort() {
    // Server side: 45 s without a packet, then frame 172 (the server's
    // goodbye) answered by the client's RST (173): the client was gone.
    let r = analyze(
        "stall_network_outage.server.pcap",
        Some("stall_network_outage.keys.txt"),
    );
    check(&r, Outcome::Failure, "tcp.stall", 172);
    check(&r, Outcome::Failure, "session.peer_unreachable", 173);
    // Client side: two keep-alives unanswered, the client's kernel aborts (frame 174).
    // The server's goodbye 36 s later comes after that abort: no stall.
    let r = analyze(
        "stall_network_outage.pcap",
        Some("stall_network_outage.keys.txt"),
    );
    check(&r, Outcome::Failure, "session.peer_unreachable", 174);
    absent(&r, "tcp.stall");
}

#[test]
fn dns_servfail_and_refused() {
    // Frame 1: the first A query; answers are SERVFAIL (Python responder) / REFUSED (dnsmasq).
    for name in ["dns_servfail.pcap", "dns_refused.pcap"] {
        let r = analyze(name, None);
        check(&r, Outcome::Failure, "dns.server_failure", 1);
        assert_eq!(root_cause(&r), Some("dns.server_failure"));
    }
}

#[test]
fn negotiation_failure_that_contradicts_the_request() {
    // Frame 4 requests SSL|HYBRID|HYBRID_EX; frame 6 answers SSL_REQUIRED_BY_SERVER anyway.
    let r = analyze("nla_ext_refused.pcap", None);
    check(&r, Outcome::Failure, "negotiation.failure", 6);
    let f = r.attempts[0].root_cause.as_ref().expect("root cause");
    assert!(f.explanation.contains("contradicts"), "{}", f.explanation);
    // The usual meaning ("the client offered only Standard RDP Security") would be false here.
    assert!(!f.explanation.contains("offered only"), "{}", f.explanation);
}

#[test]
fn kdc_errors_before_an_ntlm_logon_failure() {
    // captures/kerberos_kdc_errors_then_ntlm.pcap: TGS-REQ for TERMSRV/10.203.4.1
    // answered KDC_ERR_S_PRINCIPAL_UNKNOWN (frames 34/36), AS-REQ answered
    // KDC_ERR_PREAUTH_FAILED (64/66); KDC_ERR_PREAUTH_REQUIRED (16, 56) is
    // never reported; the NTLM STATUS_LOGON_FAILURE (85) stays the cause.
    let r = analyze(
        "kerberos_kdc_errors_then_ntlm.pcap",
        Some("kerberos_kdc_errors_then_ntlm.keys.txt"),
    );
    check(&r, Outcome::Failure, "kerberos.kdc_error", 36);
    assert_eq!(root_cause(&r), Some("nla.credentials_rejected"));
    let frames: Vec<u64> = r.attempts[0]
        .findings
        .iter()
        .filter(|f| f.id == "kerberos.kdc_error")
        .flat_map(|f| f.evidence.iter().map(|e| e.frame))
        .collect();
    assert_eq!(frames, [34, 36, 64, 66]);
    let spn = r.attempts[0]
        .findings
        .iter()
        .find(|f| f.title.contains("KDC_ERR_S_PRINCIPAL_UNKNOWN"))
        .expect("SPN finding");
    assert!(spn.remediation[0].contains("dialled the IP address 10.203.4.1"));
}
