//! The verdicts `../shared/captures/EXPECTED.md` states, asserted on the real
//! captures (skipped cleanly when the shared captures are absent), and the
//! bundled `captures/` samples against their sidecars.

use rdpdiag::analysis::analyze_file;
use rdpdiag::analysis::with_ports;
use rdpdiag::verdict::Outcome;

mod common;
use common::shared_captures as shared;

/// (capture, extra port, expected outcome of the decisive attempt, failed stage, rule id of the root cause)
type Case = (
    &'static str,
    Option<u16>,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const CASES: &[Case] = &[
    (
        "public/zeek/rdp-invalid-length.pcap",
        None,
        "failure",
        Some("negotiation"),
        Some("negotiation.malformed"),
    ),
    (
        "public/zeek/rdp-no-cookie-mstshash.pcap",
        None,
        "failure",
        Some("tls"),
        Some("tls.client_rejected_certificate"),
    ),
    (
        "public/zeek/rdp-proprietary-encryption.pcap",
        None,
        "success",
        None,
        None,
    ),
    ("public/zeek/rdp-to-ssl.pcap", None, "success", None, None),
    (
        "public/zeek/rdp-unknown-keyboard.pcap",
        None,
        "incomplete",
        None,
        None,
    ),
    ("public/zeek/rdp-x509.pcap", None, "success", None, None),
    (
        "public/zeek/rdpeudp-handshake-fail.pcap",
        None,
        "failure",
        Some("udp"),
        Some("udp.syn_unanswered"),
    ),
    (
        "public/zeek/rdpeudp-handshake-success.pcap",
        None,
        "success",
        None,
        None,
    ),
    (
        "public/zeek/rdpeudp2-handshake-success.pcap",
        None,
        "success",
        None,
        None,
    ),
    (
        "public/zeek/tls/tls-1.2-handshake-failure.pcap",
        Some(443),
        "failure",
        Some("tls"),
        Some("tls.fatal_alert"),
    ),
    (
        "public/suricata-verify/tests/rdp-protocol/RDP-003.pcap",
        None,
        "success",
        None,
        None,
    ),
    ("public/nDPI/rdp.pcap", None, "incomplete", None, None),
    (
        "public/nDPI/rdp_over_tls.pcap",
        None,
        "failure",
        Some("nla"),
        Some("nla.credentials_rejected"),
    ),
    (
        "public/nDPI/synscan.pcap",
        None,
        "failure",
        Some("tcp"),
        Some("tcp.syn_unanswered"),
    ),
    (
        "public/nDPI/tcp_scan.pcapng",
        None,
        "failure",
        Some("tcp"),
        Some("tcp.rst_to_syn"),
    ),
    (
        "public/nDPI/tls_alert.pcap",
        Some(443),
        "failure",
        Some("tls"),
        Some("tls.fatal_alert"),
    ),
    (
        "public/arkime/arkime_synthetic.pcap",
        None,
        "incomplete",
        None,
        None,
    ),
    (
        "public/arkime/socks5-rdp.pcap",
        Some(42356),
        "incomplete",
        None,
        None,
    ),
    ("lab/tls_ok.pcap", None, "success", None, None),
    ("lab/rdp_sec_ok.pcap", None, "success", None, None),
    ("lab/nla_ok.pcap", None, "success", None, None),
    ("lab/nla_ok.dsb.pcapng", None, "success", None, None),
    ("lab/slow_link_ok.pcap", None, "success", None, None),
    ("lab/cert_valid_strict.pcap", None, "success", None, None),
    (
        "lab/port_closed.pcap",
        None,
        "failure",
        Some("tcp"),
        Some("tcp.rst_to_syn"),
    ),
    (
        "lab/syn_dropped.pcap",
        None,
        "failure",
        Some("tcp"),
        Some("tcp.syn_unanswered"),
    ),
    (
        "lab/hybrid_required_by_server.pcap",
        None,
        "failure",
        Some("negotiation"),
        Some("negotiation.failure"),
    ),
    (
        "lab/ssl_required_by_server.pcap",
        None,
        "failure",
        Some("negotiation"),
        Some("negotiation.failure"),
    ),
    (
        "lab/nla_client_vs_xrdp.pcap",
        None,
        "failure",
        Some("negotiation"),
        Some("negotiation.client_closed_after_confirm"),
    ),
    (
        "lab/tls_version_mismatch.pcap",
        None,
        "failure",
        Some("tls"),
        Some("tls.fatal_alert"),
    ),
    (
        "lab/tls_cipher_mismatch.pcap",
        None,
        "failure",
        Some("tls"),
        Some("tls.fatal_alert"),
    ),
    (
        "lab/cert_expired_strict.pcap",
        None,
        "failure",
        Some("tls"),
        Some("tls.client_rejected_certificate"),
    ),
    (
        "lab/cert_selfsigned_strict.pcap",
        None,
        "failure",
        Some("tls"),
        Some("tls.client_rejected_certificate"),
    ),
    ("lab/lossy_link.pcap", None, "failure", Some("tls"), None),
    ("lab/mtu_blackhole.pcap", None, "failure", Some("tls"), None),
    (
        "lab/mtu_blackhole.server.pcap",
        None,
        "failure",
        None,
        Some("tcp.mtu_blackhole"),
    ),
    (
        "lab/nla_wrong_password.pcap",
        None,
        "failure",
        Some("nla"),
        Some("nla.credentials_rejected"),
    ),
    (
        "lab/logon_failure_after_connect_tls.pcap",
        None,
        "failure",
        Some("session"),
        Some("session.dropped_after_connect"),
    ),
    ("lab/tls_ok_any_sll2.pcap", None, "success", None, None),
    ("lab/tls12_cbc_ok.pcap", None, "success", None, None),
    ("lab/nla_ok_tls12.pcap", None, "success", None, None),
    (
        "lab/dns_nxdomain.pcap",
        None,
        "failure",
        Some("dns"),
        Some("dns.nxdomain"),
    ),
    (
        "lab/server_key_unusable.pcap",
        None,
        "failure",
        Some("tls"),
        Some("tls.server_closed_after_client_hello"),
    ),
];

#[test]
fn expected_md_verdicts() {
    let Some(base) = shared() else {
        common::skip(
            "expected_verdicts::expected_md_verdicts",
            "shared captures not found",
        );
        return;
    };
    let mut failures = Vec::new();
    for (file, port, outcome, stage, rule) in CASES {
        let path = base.join(file);
        if !path.exists() {
            common::skip(
                "expected_verdicts::expected_md_verdicts",
                &format!("{file} absent"),
            );
            continue;
        }
        let cfg = with_ports(&port.map(|p| vec![p]).unwrap_or_default());
        let r = match analyze_file(&path.to_string_lossy(), &cfg) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{file}: input error {e}"));
                continue;
            }
        };
        // The decisive attempt: the first failure if one is expected, else any.
        let want_failure = *outcome == "failure";
        let a = if want_failure {
            r.attempts.iter().find(|a| a.outcome == Outcome::Failure)
        } else {
            r.attempts.first()
        };
        let Some(a) = a else {
            failures.push(format!("{file}: no attempt"));
            continue;
        };
        if a.outcome.name() != *outcome {
            failures.push(format!("{file}: outcome {} != {outcome}", a.outcome.name()));
        }
        if let Some(st) = stage {
            if a.failed_stage.map(|s| s.name()) != Some(*st) {
                failures.push(format!("{file}: stage {:?} != {st}", a.failed_stage));
            }
        }
        if let Some(id) = rule {
            if a.root_cause.as_ref().map(|r| r.id.as_str()) != Some(*id) {
                failures.push(format!(
                    "{file}: root cause {:?} != {id}",
                    a.root_cause.as_ref().map(|r| &r.id)
                ));
            }
        }
        // A successful session never carries a failure verdict.
        if !want_failure {
            for at in &r.attempts {
                if *outcome == "success" && at.outcome == Outcome::Failure && !file.contains("rdp2")
                {
                    failures.push(format!("{file}: attempt {} has a failure verdict", at.id));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "verdicts differ:\n{}",
        failures.join("\n")
    );
}

#[test]
fn certificates_judged_at_capture_time() {
    let Some(base) = shared() else { return };
    let checks: &[(&str, u16, &str, bool)] = &[
        // (capture, port, rule id, must it be present?)
        (
            "public/zeek/rdp-to-ssl.pcap",
            3389,
            "certificate.expired",
            false,
        ),
        (
            "public/suricata-verify/tests/tls/tls-cert-issuer/tls.pcap",
            443,
            "certificate.expired",
            false,
        ),
        (
            "public/nDPI/rdp_over_tls.pcap",
            3389,
            "certificate.expired",
            false,
        ),
        (
            "public/zeek/tls/tls-expired-cert.pcap",
            443,
            "certificate.expired",
            true,
        ),
        (
            "public/zeek/tls/tls-expired-cert.pcap",
            443,
            "certificate.expiring_soon",
            true,
        ),
        (
            "public/nDPI/selfsigned.pcap",
            3001,
            "certificate.expired",
            true,
        ),
        (
            "public/nDPI/selfsigned.pcap",
            3001,
            "certificate.self_signed",
            true,
        ),
        (
            "public/nDPI/tls-rdn-extract.pcap",
            443,
            "certificate.not_yet_valid",
            true,
        ),
        (
            "public/nDPI/tls-rdn-extract.pcap",
            443,
            "certificate.expired",
            false,
        ),
        (
            "public/nDPI/tls-rdn-extract.pcap",
            443,
            "capture.clock_suspect",
            true,
        ),
        (
            "public/zeek/rdp-x509.pcap",
            3389,
            "certificate.weak_key",
            true,
        ),
        (
            "public/zeek/rdp-x509.pcap",
            3389,
            "certificate.weak_signature",
            true,
        ),
        (
            "public/zeek/rdp-to-ssl.pcap",
            3389,
            "certificate.name_mismatch",
            true,
        ),
    ];
    let mut bad = Vec::new();
    for (file, port, id, present) in checks {
        let path = base.join(file);
        if !path.exists() {
            continue;
        }
        let r = analyze_file(&path.to_string_lossy(), &with_ports(&[*port])).expect("analyzes");
        let found = r
            .attempts
            .iter()
            .flat_map(|a| a.findings.iter())
            .any(|f| f.id == *id);
        if found != *present {
            bad.push(format!("{file}: {id} present={found}, want {present}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn duplicated_frames_are_not_retransmissions() {
    let Some(base) = shared() else { return };
    let path = base.join("public/zeek/rdp-no-cookie-mstshash.pcap");
    if !path.exists() {
        return;
    }
    let r = analyze_file(&path.to_string_lossy(), &with_ports(&[])).expect("analyzes");
    let c = &r.connections[0];
    assert_eq!(
        c.tcp.duplicate_frames, 10,
        "every frame is in the file twice"
    );
    assert_eq!(c.tcp.retransmissions(), 0);
    assert!(r
        .attempts
        .iter()
        .flat_map(|a| &a.findings)
        .all(|f| f.id != "tcp.retransmission_storm"));
}

#[test]
fn every_shared_capture_analyzes_without_panic() {
    let Some(base) = shared() else { return };
    let mut stack = vec![base];
    let mut n = 0;
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                let r = analyze_file(&p.to_string_lossy(), &with_ports(&[]));
                let r = r.expect("real captures are readable");
                serde_json::to_string(&rdpdiag::report::Document::new(std::slice::from_ref(&r)))
                    .expect("serializes");
                n += 1;
            }
        }
    }
    eprintln!("{n} captures analyzed");
}

#[test]
fn cli_exit_codes_and_explain() {
    let bin = env!("CARGO_BIN_EXE_rdpdiag");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .output()
            .expect("runs")
    };
    let root = env!("CARGO_MANIFEST_DIR");
    // A bundled failure capture exits 1; a bundled success exits 0; a missing file exits 2.
    let fail = run(&["analyze", &format!("{root}/captures/port_closed.pcap")]);
    assert_eq!(fail.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&fail.stdout).contains("FAILED at tcp"));
    let ok = run(&["analyze", &format!("{root}/captures/tls_ok.pcap")]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let missing = run(&["analyze", "/nonexistent.pcap"]);
    assert_eq!(missing.status.code(), Some(2));
    let notcap = run(&["analyze", &format!("{root}/README.md")]);
    assert_eq!(notcap.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&notcap.stderr).contains("not a pcap"));
    let json = run(&[
        "analyze",
        "--format",
        "json",
        &format!("{root}/captures/hybrid_required_by_server.pcap"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    assert_eq!(v["schema"], "rdpdiag/2");
    assert_eq!(v["files"][0]["attempts"][0]["failed_stage"], "negotiation");
    let ex = run(&["explain", "0x904", "0x7"]);
    assert_eq!(ex.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ex.stdout).contains("ServerDeniedConnection"));
}

/// The EXPECTED.md lab rows that are judged `with --keylog` (and the
/// certificate rows whose cause the key log reveals), with the client's key
/// log passed as `--keylog` does.
#[test]
fn expected_md_verdicts_with_keylog() {
    let Some(base) = shared() else { return };
    // (capture, key log, outcome, failed stage, root-cause rule, word in its title)
    type KeyCase = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
    );
    let cases: &[KeyCase] = &[
        (
            "lab/tls12_cbc_ok.pcap",
            "lab/tls12_cbc_ok.keys.txt",
            "success",
            None,
            None,
            "",
        ),
        (
            "lab/nla_ok_tls12.pcap",
            "lab/nla_ok_tls12.keys.txt",
            "success",
            None,
            None,
            "",
        ),
        (
            "lab/nla_ok.pcap",
            "lab/nla_ok.keys.txt",
            "success",
            None,
            None,
            "",
        ),
        (
            "lab/tls_ok.pcap",
            "lab/tls_ok.keys.txt",
            "success",
            None,
            None,
            "",
        ),
        (
            "lab/cert_expired_strict.pcap",
            "lab/cert_expired_strict.keys.txt",
            "failure",
            Some("tls"),
            Some("tls.client_rejected_certificate"),
            "expired",
        ),
        (
            "lab/cert_selfsigned_strict.pcap",
            "lab/cert_selfsigned_strict.keys.txt",
            "failure",
            Some("tls"),
            Some("tls.client_rejected_certificate"),
            "self-signed",
        ),
        (
            "lab/nla_wrong_password.pcap",
            "lab/nla_wrong_password.keys.txt",
            "failure",
            Some("nla"),
            Some("nla.credentials_rejected"),
            "NTLM AUTHENTICATE",
        ),
        (
            "lab/logon_failure_after_connect_tls.pcap",
            "lab/logon_failure_after_connect_tls.keys.txt",
            "failure",
            Some("session"),
            Some("session.dropped_after_connect"),
            "",
        ),
    ];
    let mut bad = Vec::new();
    for (file, keys, outcome, stage, rule, word) in cases {
        let (path, keys) = (base.join(file), base.join(keys));
        if !path.exists() || !keys.exists() {
            continue;
        }
        let mut cfg = with_ports(&[]);
        cfg.keylog = Some(
            rdpdiag::analysis::load_keylog(&keys.to_string_lossy())
                .expect("key log")
                .0,
        );
        let r = analyze_file(&path.to_string_lossy(), &cfg).expect("analyzes");
        let a = r
            .attempts
            .iter()
            .find(|a| a.outcome == Outcome::Failure)
            .or(r.attempts.first())
            .expect("an attempt");
        if a.outcome.name() != *outcome {
            bad.push(format!("{file}: outcome {}", a.outcome.name()));
        }
        if a.failed_stage.map(|s| s.name()) != *stage {
            bad.push(format!("{file}: stage {:?}", a.failed_stage));
        }
        let rc = a.root_cause.as_ref();
        if rc.map(|r| r.id.as_str()) != *rule {
            bad.push(format!("{file}: root cause {:?}", rc.map(|r| &r.id)));
        }
        if rc.is_some_and(|r| !r.title.contains(word) || r.inferred) {
            bad.push(format!("{file}: cause not seen decrypted: {:?}", rc));
        }
        if a.evidence_basis.name() != "decrypted" {
            bad.push(format!("{file}: basis {}", a.evidence_basis.name()));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
