//! With the client's TLS key log, the lab captures' verdicts name the cause
//! seen inside TLS (../shared/captures/EXPECTED.md, lab section, and each
//! capture's `.truth.txt`). Wrong keys give `decrypt.keys_mismatch` and the
//! same verdict as no keys. Decrypted CredSSP/NTLM/GCC fields are
//! cross-checked against tshark when it is installed.
//!
//! Everything skips cleanly when ../shared/captures is absent.

use rdpdiag::analysis::with_ports;
use rdpdiag::analysis::{analyze_file, load_keylog, AnalysisConfig};
use rdpdiag::report::FileReport;
use rdpdiag::session::facts::{AuthMechanism, CertSource, DecryptStatus};
use rdpdiag::verdict::{Attempt, Outcome};
use rdpdiag_parsers::mcs::McsResult;
use rdpdiag_parsers::tls::AlertDescription;
use std::path::{Path, PathBuf};

fn lab() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RDPDIAG_SHARED") {
        return Some(PathBuf::from(p).join("captures").join("lab"));
    }
    let mut d = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let c = d.join("shared").join("captures").join("lab");
        if c.is_dir() {
            return Some(c);
        }
        if !d.pop() {
            return None;
        }
    }
}

fn cfg_with(keys: Option<&Path>) -> AnalysisConfig {
    let mut cfg = with_ports(&[]);
    if let Some(k) = keys {
        let (k, bad) = load_keylog(&k.to_string_lossy()).expect("key log readable");
        assert_eq!(bad, 0, "every key log line parses");
        cfg.keylog = Some(k);
    }
    cfg
}

/// Analyze `lab/<capture>` with `lab/<keys>.keys.txt` (None: no --keylog).
fn run(lab: &Path, capture: &str, keys: Option<&str>) -> Option<FileReport> {
    let path = lab.join(capture);
    if !path.exists() {
        eprintln!("{capture} absent; skipped");
        return None;
    }
    let keys = keys.map(|k| lab.join(format!("{k}.keys.txt")));
    Some(analyze_file(&path.to_string_lossy(), &cfg_with(keys.as_deref())).expect("analyzes"))
}

fn decisive(r: &FileReport) -> &Attempt {
    r.attempts
        .iter()
        .find(|a| a.outcome == Outcome::Failure)
        .or(r.attempts.first())
        .expect("an attempt")
}

fn has(r: &FileReport, id: &str) -> bool {
    r.attempts
        .iter()
        .flat_map(|a| a.findings.iter())
        .any(|f| f.id == id)
}

/// Successful sessions decrypt completely, carry no failure, and the RDP
/// layers are seen decrypted.
#[test]
fn successful_sessions_decrypt_completely() {
    let Some(lab) = lab() else { return };
    for (capture, keys, nla) in [
        ("tls_ok.pcap", Some("tls_ok"), false),
        ("tls12_cbc_ok.pcap", Some("tls12_cbc_ok"), false),
        ("nla_ok.pcap", Some("nla_ok"), true),
        ("nla_ok_tls12.pcap", Some("nla_ok_tls12"), true),
        // Keys embedded in the pcapng: no option needed.
        ("nla_ok.dsb.pcapng", None, true),
    ] {
        let Some(r) = run(&lab, capture, keys) else {
            continue;
        };
        let a = decisive(&r);
        assert_eq!(a.outcome, Outcome::Success, "{capture}");
        assert_eq!(a.evidence_basis.name(), "decrypted", "{capture}");
        assert!(
            r.attempts.iter().all(|a| a.outcome != Outcome::Failure),
            "{capture}"
        );
        assert!(!has(&r, "decrypt.keys_mismatch"), "{capture}");
        let c = &r.connections[0];
        let d = c.facts.decryption.as_ref().expect("decryption facts");
        assert_eq!(d.status, DecryptStatus::Decrypted, "{capture}");
        assert!(d.keys_found, "{capture}");
        assert_eq!(d.records_failed, 0, "{capture}");
        assert!(d.records_decrypted > 20, "{capture}: {d:?}");
        // MCS / GCC, licensing and activation, seen decrypted.
        assert_eq!(c.facts.mcs.client_name.as_deref(), Some("vm"), "{capture}");
        assert_eq!(c.facts.mcs.client_build, Some(18363), "{capture}");
        assert_eq!(
            c.facts.mcs.result,
            Some(McsResult::RT_SUCCESSFUL),
            "{capture}"
        );
        // The negotiation echoed in GCC matches the clear X.224 exchange.
        assert_eq!(
            c.facts.mcs.client_server_selected_protocol, c.facts.negotiation.selected_protocol,
            "{capture}"
        );
        assert!(!has(&r, "mcs.negotiation_echo_mismatch"), "{capture}");
        assert!(c.facts.rdp.client_info.is_some(), "{capture}");
        assert!(c.facts.rdp.license.iter().any(|l| l.success), "{capture}");
        assert!(c.facts.rdp.demand_active.is_some(), "{capture}");
        assert!(c.facts.rdp.confirm_active.is_some(), "{capture}");
        assert!(c.facts.rdp.first_fast_path[1].is_some(), "{capture}");
        assert!(
            c.facts.rdp.malformed.is_empty(),
            "{capture}: {:?}",
            c.facts.rdp.malformed
        );
        let n = &c.facts.nla;
        if nla {
            assert_eq!(n.mechanism, Some(AuthMechanism::Ntlm), "{capture}");
            assert_eq!((n.client_version, n.server_version), (Some(6), Some(6)));
            assert_eq!(n.server_netbios_computer.as_deref(), Some("VM"));
            assert_eq!(n.server_dns_computer.as_deref(), Some("vm"));
            assert_eq!(n.user.as_deref(), Some("labuser"));
            assert!(n.server_pub_key_auth.is_some() && n.client_auth_info.is_some());
            assert!(n.error_code.is_none());
            // Server and capture ran on the same host: no skew.
            assert!(n.clock_skew_s.is_some_and(|s| s.abs() < 5.0), "{n:?}");
            let ntlm = a.findings.iter().find(|f| f.id == "nla.ntlm_used");
            assert!(ntlm
                .is_some_and(|f| f.basis.name() == "decrypted" && f.title.contains("10.203.0.1")));
        } else {
            assert_eq!(n.ts_requests, [0, 0], "{capture}");
        }
    }
}

/// TLS 1.3 hides the certificate; with the key log it is judged like a TLS
/// 1.2 one and names the cause.
#[test]
fn tls13_certificate_causes_seen_decrypted() {
    let Some(lab) = lab() else { return };
    for (name, word, rule) in [
        ("cert_expired_strict", "expired", "certificate.expired"),
        (
            "cert_selfsigned_strict",
            "self-signed",
            "certificate.self_signed",
        ),
    ] {
        let capture = format!("{name}.pcap");
        let Some(plain) = run(&lab, &capture, None) else {
            continue;
        };
        let Some(r) = run(&lab, &capture, Some(name)) else {
            continue;
        };
        // Without keys: the shape only.
        let a0 = decisive(&plain);
        let rc0 = a0.root_cause.as_ref().expect("root cause");
        assert_eq!(rc0.id, "tls.client_rejected_certificate");
        assert!(rc0.inferred && rc0.basis.name() == "inferred");
        assert!(!has(&plain, rule));
        // With keys: the certificate, decrypted.
        let a = decisive(&r);
        assert_eq!(a.outcome, Outcome::Failure);
        assert_eq!(a.failed_stage.map(|s| s.name()), Some("tls"));
        let rc = a.root_cause.as_ref().expect("root cause");
        assert_eq!(rc.id, "tls.client_rejected_certificate");
        assert!(rc.title.contains(word), "{name}: {}", rc.title);
        assert!(!rc.inferred && rc.basis.name() == "decrypted", "{name}");
        assert!(has(&r, rule), "{name}: {rule}");
        let certs = &r.connections[0].facts.tls.certificates;
        assert!(
            certs
                .iter()
                .any(|c| c.index == 0 && c.source == CertSource::Tls13Decrypted),
            "{name}"
        );
    }
}

/// The wrong password: NTLM AUTHENTICATE, then the server closes without
/// pubKeyAuth. FreeRDP's server sends no TSRequest errorCode (truth.txt:
/// "FreeRDP 2.11 server sends NO TSRequest.errorCode"; tshark shows no
/// credssp.errorCode), so the verdict must not invent an NTSTATUS.
#[test]
fn nla_wrong_password_seen_decrypted() {
    let Some(lab) = lab() else { return };
    let Some(r) = run(&lab, "nla_wrong_password.pcap", Some("nla_wrong_password")) else {
        return;
    };
    let a = decisive(&r);
    assert_eq!(a.outcome, Outcome::Failure);
    assert_eq!(a.failed_stage.map(|s| s.name()), Some("nla"));
    let rc = a.root_cause.as_ref().expect("root cause");
    assert_eq!(rc.id, "nla.credentials_rejected");
    assert!(!rc.inferred && rc.basis.name() == "decrypted");
    assert!(
        rc.title.contains("labuser") && rc.title.contains("NTLM AUTHENTICATE"),
        "{}",
        rc.title
    );
    assert_eq!(r.connections.len(), 2, "the client retried once");
    for c in &r.connections {
        let n = &c.facts.nla;
        assert!(n.ntlm_authenticate.is_some());
        assert!(n.server_pub_key_auth.is_none());
        assert!(n.error_code.is_none());
        // The server's close_notify, decrypted.
        assert!(c
            .facts
            .tls
            .alerts
            .iter()
            .any(|x| x.dir == rdpdiag::wire::Dir::ServerToClient
                && !x.encrypted
                && x.description
                    .as_ref()
                    .is_some_and(|d| *d == AlertDescription::CLOSE_NOTIFY)));
    }
}

/// Another capture's key log: a clear finding, and the verdict of no keys.
#[test]
fn wrong_keys_give_a_finding_and_the_keyless_verdict() {
    let Some(lab) = lab() else { return };
    for (capture, wrong) in [
        ("nla_wrong_password.pcap", "tls_ok"),
        ("cert_expired_strict.pcap", "cert_selfsigned_strict"),
        ("nla_ok.pcap", "nla_ok_tls12"),
        ("tls12_cbc_ok.pcap", "nla_ok_tls12"),
    ] {
        let Some(plain) = run(&lab, capture, None) else {
            continue;
        };
        let Some(r) = run(&lab, capture, Some(wrong)) else {
            continue;
        };
        assert!(has(&r, "decrypt.keys_mismatch"), "{capture}");
        assert!(!has(&plain, "decrypt.keys_mismatch"), "{capture}");
        let (a, a0) = (decisive(&r), decisive(&plain));
        assert_eq!(a.outcome, a0.outcome, "{capture}");
        assert_eq!(a.failed_stage, a0.failed_stage, "{capture}");
        assert_eq!(
            a.root_cause.as_ref().map(|x| (&x.id, x.inferred)),
            a0.root_cause.as_ref().map(|x| (&x.id, x.inferred)),
            "{capture}"
        );
        for c in &r.connections {
            let d = c.facts.decryption.as_ref().expect("decryption facts");
            assert!(
                !d.keys_found && d.status == DecryptStatus::NoKeys,
                "{capture}: {d:?}"
            );
            assert_eq!(d.records_decrypted, 0, "{capture}");
            assert_eq!(c.facts.nla.ts_requests, [0, 0], "nothing parsed");
            assert!(c.facts.mcs.client_name.is_none() || capture.contains("rdp_sec"));
        }
    }
}

/// Secrets never appear in the output.
#[test]
fn secrets_are_never_printed() {
    let Some(lab) = lab() else { return };
    let Some(r) = run(&lab, "nla_ok.pcap", Some("nla_ok")) else {
        return;
    };
    let json =
        serde_json::to_string(&rdpdiag::report::Document::new(std::slice::from_ref(&r))).unwrap();
    let keys = std::fs::read_to_string(lab.join("nla_ok.keys.txt")).unwrap();
    for line in keys.lines() {
        if let Some(secret) = line.split_whitespace().nth(2) {
            assert!(!json
                .to_ascii_lowercase()
                .contains(&secret.to_ascii_lowercase()));
        }
    }
}

/// The bundled sidecars that name a `keylog` reach their verdict with it.
#[test]
fn sidecars_with_keylog() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut n = 0;
    for e in rd.flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".expect.toml") else {
            continue;
        };
        let text = std::fs::read_to_string(&p).unwrap();
        // Minimal reading of the sidecar: the top-level keylog and the first attempt.
        let field = |key: &str| {
            text.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        let Some(keylog) = field("keylog") else {
            continue;
        };
        let capture = ["pcap", "pcapng"]
            .iter()
            .map(|x| dir.join(format!("{stem}.{x}")))
            .find(|c| c.exists())
            .expect("capture next to its sidecar");
        let mut cfg = cfg_with(Some(&dir.join(&keylog)));
        // `port = N` (one number): an extra RDP/gateway port, as `rdpdiag test` reads it.
        if let Some(port) = field("port").and_then(|p| p.parse::<u16>().ok()) {
            cfg.engine.flow.rdp_ports.push(port);
        }
        let r = analyze_file(&capture.to_string_lossy(), &cfg).expect("analyzes");
        let a = decisive(&r);
        if let Some(o) = field("outcome") {
            assert_eq!(a.outcome.name(), o, "{name}");
        }
        if let Some(st) = field("stage") {
            assert_eq!(
                a.failed_stage.map(|s| s.name()),
                Some(st.as_str()),
                "{name}"
            );
        }
        assert_eq!(a.evidence_basis.name(), "decrypted", "{name}");
        assert!(!has(&r, "decrypt.keys_mismatch"), "{name}");
        n += 1;
    }
    assert!(n >= 4, "sidecars with keylog: {n}");
}

/// tshark decrypts the same captures with the same key logs; the decrypted
/// CredSSP / NTLM / GCC fields must agree.
#[test]
fn tshark_agrees_on_decrypted_fields() {
    let Some(lab) = lab() else { return };
    if std::process::Command::new("tshark")
        .arg("-v")
        .output()
        .is_err()
    {
        eprintln!("tshark not installed; skipping the cross-check");
        return;
    }
    let fields = [
        "credssp.version",
        "ntlmssp.challenge.target_info.nb_computer_name",
        "ntlmssp.challenge.target_info.dns_computer_name",
        "ntlmssp.auth.username",
        "ntlmssp.auth.hostname",
        "rdp.client.name",
        "rdp.client.build",
    ];
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    for (dir, name) in [
        (&lab, "nla_ok"),
        (&lab, "nla_ok_tls12"),
        (&lab, "tls12_cbc_ok"),
        (&lab, "nla_wrong_password"),
        (&bundled, "nla_unknown_user"),
        (&bundled, "nla_ok_impacket"),
    ] {
        let cap = dir.join(format!("{name}.pcap"));
        let keys = dir.join(format!("{name}.keys.txt"));
        if !cap.exists() || !keys.exists() {
            continue;
        }
        let mut cmd = std::process::Command::new("tshark");
        cmd.arg("-r")
            .arg(&cap)
            .arg("-o")
            .arg(format!("tls.keylog_file:{}", keys.display()))
            .args([
                "-d",
                "tcp.port==3389,tls",
                "-T",
                "fields",
                "-E",
                "separator=|",
            ]);
        for f in fields {
            cmd.args(["-e", f]);
        }
        let out = cmd.output().expect("tshark runs");
        let text = String::from_utf8_lossy(&out.stdout);
        // Collect the first non-empty value of each field.
        let mut seen: Vec<Option<String>> = vec![None; fields.len()];
        for line in text.lines() {
            for (i, v) in line.split('|').enumerate() {
                if i < seen.len() && seen[i].is_none() && !v.is_empty() {
                    let v = v.split(',').next().unwrap_or(v);
                    // tshark prints an empty NTLM string as NULL.
                    seen[i] = Some(if v == "NULL" { "" } else { v }.to_string());
                }
            }
        }
        let r = analyze_file(&cap.to_string_lossy(), &cfg_with(Some(&keys))).expect("analyzes");
        let c = &r.connections[0];
        let n = &c.facts.nla;
        let ours = [
            n.client_version.map(|v| v.to_string()),
            n.server_netbios_computer.clone(),
            n.server_dns_computer.clone(),
            n.user.clone(),
            n.workstation.clone(),
            c.facts.mcs.client_name.clone(),
            c.facts.mcs.client_build.map(|b| b.to_string()),
        ];
        for (i, f) in fields.iter().enumerate() {
            assert_eq!(ours[i], seen[i], "{name}: {f}");
        }
    }
}

/// The command line: `--keylog`, `SSLKEYLOGFILE` as its default, and an
/// unreadable `--keylog` as a usage error.
#[test]
fn cli_keylog_option_and_env() {
    let Some(lab) = lab() else { return };
    let cap = lab.join("cert_expired_strict.pcap");
    let keys = lab.join("cert_expired_strict.keys.txt");
    if !cap.exists() || !keys.exists() {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_rdpdiag");
    let run = |args: &[&str], env: Option<&Path>| {
        let mut c = std::process::Command::new(bin);
        c.args(args).env_remove("SSLKEYLOGFILE");
        if let Some(e) = env {
            c.env("SSLKEYLOGFILE", e);
        }
        let o = c.output().expect("runs");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let cap_s = cap.to_string_lossy();
    let keys_s = keys.to_string_lossy();
    let (code, out) = run(
        &["analyze", "--color", "never", "--keylog", &keys_s, &cap_s],
        None,
    );
    assert_eq!(code, Some(1));
    assert!(
        out.contains("expired on") && out.contains("[seen decrypted"),
        "{out}"
    );
    let (_, out) = run(&["analyze", "--color", "never", &cap_s], Some(&keys));
    assert!(
        out.contains("[seen decrypted"),
        "SSLKEYLOGFILE is the default: {out}"
    );
    let (_, out) = run(&["analyze", "--color", "never", &cap_s], None);
    assert!(out.contains("[inferred"), "{out}");
    let (code, _) = run(
        &["analyze", "--keylog", "/nonexistent/keys.txt", &cap_s],
        None,
    );
    assert_eq!(code, Some(2));
    // A missing inherited SSLKEYLOGFILE is not an error.
    let (code, _) = run(
        &["analyze", &cap_s],
        Some(Path::new("/nonexistent/keys.txt")),
    );
    assert_eq!(code, Some(1));
}

/// A key log that names the session but whose secrets are wrong (the lab key
/// log with every secret's last hex digit changed): records fail to
/// authenticate, the finding says so, and the verdict stays the keyless one.
#[test]
fn damaged_secrets_are_reported_not_parsed() {
    let Some(lab) = lab() else { return };
    for name in ["nla_ok", "tls12_cbc_ok"] {
        let (cap, keys) = (
            lab.join(format!("{name}.pcap")),
            lab.join(format!("{name}.keys.txt")),
        );
        if !cap.exists() || !keys.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&keys).unwrap();
        let damaged: String = text
            .lines()
            .map(|l| {
                let mut l = l.trim_end().to_string();
                if let Some(c) = l.pop() {
                    l.push(if c == '0' { '1' } else { '0' });
                }
                l + "\n"
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("damaged.keys.txt");
        std::fs::write(&bad, damaged).unwrap();
        let cap_s = cap.to_string_lossy();
        let r = analyze_file(&cap_s, &cfg_with(Some(&bad))).expect("analyzes");
        let plain = analyze_file(&cap_s, &cfg_with(None)).expect("analyzes");
        let c = &r.connections[0];
        let d = c.facts.decryption.as_ref().expect("decryption facts");
        assert!(d.keys_found, "{name}");
        assert_eq!(d.status, DecryptStatus::WrongKeys, "{name}: {d:?}");
        assert_eq!(d.records_decrypted, 0);
        assert!(d.records_failed >= 1);
        assert!(c.facts.mcs.client_name.is_none(), "nothing parsed");
        let f = r
            .attempts
            .iter()
            .flat_map(|a| a.findings.iter())
            .find(|f| f.id == "decrypt.keys_mismatch")
            .expect("mismatch finding");
        assert!(f.title.contains("do not decrypt"), "{}", f.title);
        assert_eq!(decisive(&r).outcome, decisive(&plain).outcome);
        assert_eq!(decisive(&r).outcome, Outcome::Success);
    }
}

fn editcap(args: &[&std::ffi::OsStr]) -> bool {
    match std::process::Command::new("editcap").args(args).output() {
        Ok(o) if o.status.success() => true,
        Ok(o) => panic!("editcap failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => {
            eprintln!("editcap not installed; skipping");
            false
        }
    }
}

/// A pcapng made with `editcap --inject-secrets tls,KEYS`: the embedded
/// keys are used with no option.
#[test]
fn injected_secrets_need_no_option() {
    let Some(lab) = lab() else { return };
    let (cap, keys) = (
        lab.join("cert_expired_strict.pcap"),
        lab.join("cert_expired_strict.keys.txt"),
    );
    if !cap.exists() || !keys.exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("with-keys.pcapng");
    let secrets = format!("tls,{}", keys.display());
    if !editcap(&[
        "--inject-secrets".as_ref(),
        secrets.as_ref(),
        cap.as_os_str(),
        out.as_os_str(),
    ]) {
        return;
    }
    let r = analyze_file(&out.to_string_lossy(), &cfg_with(None)).expect("analyzes");
    let rc = decisive(&r).root_cause.clone().expect("root cause");
    assert_eq!(rc.id, "tls.client_rejected_certificate");
    assert!(
        rc.title.contains("expired") && rc.basis.name() == "decrypted",
        "{rc:?}"
    );
}

/// The same NLA session with the capture clock moved an hour ahead
/// (`editcap -t 3600`): the server clock read from the decrypted NTLM
/// CHALLENGE is an hour behind, and the session still succeeds.
#[test]
fn clock_skew_from_the_ntlm_challenge() {
    let Some(lab) = lab() else { return };
    let (cap, keys) = (lab.join("nla_ok.pcap"), lab.join("nla_ok.keys.txt"));
    if !cap.exists() || !keys.exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shifted.pcap");
    if !editcap(&[
        "-t".as_ref(),
        "3600".as_ref(),
        cap.as_os_str(),
        out.as_os_str(),
    ]) {
        return;
    }
    let r = analyze_file(&out.to_string_lossy(), &cfg_with(Some(&keys))).expect("analyzes");
    let skew = r.connections[0].facts.nla.clock_skew_s.expect("skew");
    assert!((skew + 3600.0).abs() < 2.0, "{skew}");
    let f = r
        .attempts
        .iter()
        .flat_map(|a| a.findings.iter())
        .find(|f| f.id == "nla.clock_skew")
        .expect("clock skew finding");
    assert!(
        f.title.contains("behind") && f.basis.name() == "decrypted",
        "{f:?}"
    );
    assert_eq!(decisive(&r).outcome, Outcome::Success);
}

fn bundled(name: &str, keys: bool) -> FileReport {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let k = dir.join(format!("{name}.keys.txt"));
    analyze_file(
        &dir.join(format!("{name}.pcap")).to_string_lossy(),
        &cfg_with(keys.then_some(k.as_path())),
    )
    .expect("analyzes")
}

/// Bundled lab captures (captures/, made by ../shared/lab/make_captures.sh).
#[test]
fn bundled_keyed_captures() {
    // A valid certificate for another name, TLS 1.3, strict client.
    let r = bundled("cert_name_mismatch_strict", true);
    let rc = decisive(&r).root_cause.clone().expect("root cause");
    assert_eq!(rc.id, "tls.client_rejected_certificate");
    assert!(
        rc.title.contains("wrong-host.lab") && rc.title.contains("10.203.0.1"),
        "{}",
        rc.title
    );
    assert_eq!(rc.basis.name(), "decrypted");
    let r0 = bundled("cert_name_mismatch_strict", false);
    let rc0 = decisive(&r0).root_cause.clone().expect("root cause");
    assert_eq!(
        (rc0.id.as_str(), rc0.basis.name()),
        ("tls.client_rejected_certificate", "inferred")
    );

    // An expired certificate the client ignored: success, and only the key
    // log reveals the expiry (TLS 1.3).
    let r = bundled("cert_expired_ignored", true);
    assert_eq!(decisive(&r).outcome, Outcome::Success);
    let f = r
        .attempts
        .iter()
        .flat_map(|a| a.findings.iter())
        .find(|f| f.id == "certificate.expired")
        .expect("expired certificate finding");
    assert!(f.basis.name() == "decrypted" && !f.decisive, "{f:?}");
    let r0 = bundled("cert_expired_ignored", false);
    assert_eq!(decisive(&r0).outcome, Outcome::Success);
    assert!(!has(&r0, "certificate.expired"));

    // An unknown user: rejected after NTLM AUTHENTICATE, the user named.
    let r = bundled("nla_unknown_user", true);
    let a = decisive(&r);
    let rc = a.root_cause.clone().expect("root cause");
    assert_eq!(rc.id, "nla.credentials_rejected");
    assert!(
        rc.title.contains("nosuchuser") && rc.basis.name() == "decrypted",
        "{}",
        rc.title
    );

    // impacket's credential check: CredSSP v2, the server's pubKeyAuth
    // proves the credentials were accepted; the client closes before MCS.
    // Neither with nor without keys may that be a failure (the server's
    // close_notify answers the client's FIN).
    for keys in [true, false] {
        let r = bundled("nla_ok_impacket", keys);
        let a = decisive(&r);
        assert_eq!(a.outcome, Outcome::Incomplete, "keys {keys}");
        assert!(!has(&r, "nla.credentials_rejected"), "keys {keys}");
    }
    let r = bundled("nla_ok_impacket", true);
    let n = &r.connections[0].facts.nla;
    assert_eq!((n.client_version, n.server_version), (Some(2), Some(6)));
    assert!(n.server_pub_key_auth.is_some() && n.client_auth_info.is_some());
    assert!(has(&r, "nla.credssp_old_version"));
    let a = decisive(&r);
    assert!(a.stages.iter().any(|m| m.stage.name() == "nla" && m.ok));
}
