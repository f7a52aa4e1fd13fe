//! TLS decryption against the real lab captures (shared/captures/lab) and their client
//! key logs, plus public captures without keys. Skips (passes with a note) when the
//! shared captures are not present.

mod common;
mod decrypt_util;

use std::sync::Arc;

use decrypt_util::{capture, decrypt, lab_keys, plaintexts, read_capture, tshark_decrypted};
use rdpdiag::decrypt::{
    DecryptError, DecryptStatus, KeyLog, RecordOutcome, CT_APPLICATION_DATA, CT_HANDSHAKE, TLS13,
};
use rdpdiag::wire::Dir;

type Outcomes = Vec<(decrypt_util::Record, RecordOutcome)>;

/// Decrypts every connection of `rel` (under shared/captures) with `keys`.
fn run(rel: &str, keys: KeyLog) -> Option<Vec<(DecryptStatus, Outcomes)>> {
    let pcap = capture(rel)?;
    let keys = Arc::new(keys);
    let cap = read_capture(&pcap, 3389);
    assert!(!cap.conns.is_empty(), "{rel}: no connection to port 3389");
    Some(
        cap.conns
            .iter()
            .map(|c| {
                assert!(!c.gap, "{rel}: capture has a hole in a TCP stream");
                let (dec, out) = decrypt(c, &keys);
                (dec.status(), out)
            })
            .collect(),
    )
}

fn lab(name: &str) -> Option<Vec<(DecryptStatus, Outcomes)>> {
    capture(&format!("lab/{name}.pcap"))?;
    run(&format!("lab/{name}.pcap"), lab_keys(name))
}

/// Every encrypted record decrypted: no failure, no missing key, and every
/// application_data record among them.
fn assert_fully_decrypted(name: &str, st: &DecryptStatus, out: &Outcomes) {
    assert!(st.keys_found, "{name}: keys not found: {st:?}");
    assert_eq!(st.records_failed, 0, "{name}: {st:?}");
    assert_eq!(st.records_no_keys, 0, "{name}: {st:?}");
    assert_eq!(st.records_unsupported, 0, "{name}: {st:?}");
    for (r, o) in out {
        if r.content_type == CT_APPLICATION_DATA {
            assert!(
                matches!(o, RecordOutcome::Decrypted { .. }),
                "{name}: frame {} app data not decrypted: {o:?}",
                r.frame
            );
        }
    }
    let app = out
        .iter()
        .filter(|(r, _)| r.content_type == CT_APPLICATION_DATA)
        .count();
    assert!(app > 0, "{name}: no application data records");
}

/// First decrypted application-data plaintext from the client.
fn first_client_app_data(out: &Outcomes) -> Vec<u8> {
    plaintexts(out)
        .into_iter()
        .find(|(d, ct, _, _)| *d == Dir::ClientToServer && *ct == CT_APPLICATION_DATA)
        .map(|(_, _, p, _)| p.to_vec())
        .expect("a decrypted client application data record")
}

/// Handshake message types in decrypted handshake records of one direction
/// (messages are small enough here not to span records, except long ones which we skip).
fn decrypted_handshake_types(out: &Outcomes, dir: Dir) -> Vec<u8> {
    let mut types = Vec::new();
    for (d, ct, p, _) in plaintexts(out) {
        if d != dir || ct != CT_HANDSHAKE {
            continue;
        }
        let mut pos = 0;
        while pos + 4 <= p.len() {
            types.push(p[pos]);
            let len = usize::from(p[pos + 1]) << 16
                | usize::from(p[pos + 2]) << 8
                | usize::from(p[pos + 3]);
            pos += 4 + len;
        }
    }
    types
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn assert_mcs_connect_initial(name: &str, p: &[u8]) {
    // TPKT (03 00 len) + X.224 Data TPDU (02 f0 80), then BER application 101 (7f 65).
    assert_eq!(p.first(), Some(&0x03), "{name}: not TPKT");
    assert_eq!(
        p.get(4..7),
        Some(&[0x02, 0xf0, 0x80][..]),
        "{name}: not X.224 DT"
    );
    assert_eq!(
        p.get(7..9),
        Some(&[0x7f, 0x65][..]),
        "{name}: not MCS Connect-Initial"
    );
}

fn assert_credssp_ntlm(name: &str, p: &[u8]) {
    assert_eq!(
        p.first(),
        Some(&0x30),
        "{name}: not a DER SEQUENCE (TSRequest)"
    );
    assert!(
        contains(p, b"NTLMSSP\0"),
        "{name}: no NTLMSSP in first TSRequest"
    );
}

#[test]
fn tls12_cbc_etm_whole_session_decrypts() {
    let Some(conns) = lab("tls12_cbc_ok") else {
        return;
    };
    assert_eq!(conns.len(), 1);
    let (st, out) = &conns[0];
    assert_eq!(st.version, Some(0x0303));
    assert_eq!(st.cipher_suite, Some(0xc013));
    assert_eq!(st.suite_name, Some("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
    assert!(st.encrypt_then_mac && st.extended_master_secret && st.supported);
    assert_fully_decrypted("tls12_cbc_ok", st, out);
    assert_mcs_connect_initial("tls12_cbc_ok", &first_client_app_data(out));
    // Both Finished messages (type 20) decrypt.
    assert_eq!(
        decrypted_handshake_types(out, Dir::ClientToServer),
        vec![20]
    );
    assert_eq!(
        decrypted_handshake_types(out, Dir::ServerToClient),
        vec![20]
    );
    // The session ends with the client's close_notify (alert 1, 0), decrypted.
    let last_alert = plaintexts(out)
        .into_iter()
        .rev()
        .find(|(d, ct, _, _)| *d == Dir::ClientToServer && *ct == 21);
    assert_eq!(last_alert.map(|a| a.2.to_vec()), Some(vec![1, 0]));
}

#[test]
fn tls12_gcm_nla_decrypts_credssp() {
    let Some(conns) = lab("nla_ok_tls12") else {
        return;
    };
    assert_eq!(conns.len(), 1);
    let (st, out) = &conns[0];
    assert_eq!((st.version, st.cipher_suite), (Some(0x0303), Some(0xc02f)));
    assert_fully_decrypted("nla_ok_tls12", st, out);
    assert_credssp_ntlm("nla_ok_tls12", &first_client_app_data(out));
}

#[test]
fn tls13_aes256_session_and_certificate_decrypt() {
    let Some(conns) = lab("tls_ok") else { return };
    assert_eq!(conns.len(), 1);
    let (st, out) = &conns[0];
    assert_eq!((st.version, st.cipher_suite), (Some(TLS13), Some(0x1302)));
    assert_eq!(st.suite_name, Some("TLS_AES_256_GCM_SHA384"));
    assert_fully_decrypted("tls_ok", st, out);
    assert_mcs_connect_initial("tls_ok", &first_client_app_data(out));
    let server_hs = decrypted_handshake_types(out, Dir::ServerToClient);
    // EncryptedExtensions, Certificate, CertificateVerify, Finished, then session tickets
    // under the application key.
    assert_eq!(&server_hs[..4], &[8, 11, 15, 20], "{server_hs:?}");
    assert!(server_hs[4..].iter().all(|&t| t == 4), "{server_hs:?}");
    assert_eq!(
        decrypted_handshake_types(out, Dir::ClientToServer),
        vec![20]
    );
}

#[test]
fn tls13_nla_decrypts_credssp() {
    let Some(conns) = lab("nla_ok") else { return };
    assert_eq!(conns.len(), 1);
    let (st, out) = &conns[0];
    assert_eq!(st.version, Some(TLS13));
    assert_fully_decrypted("nla_ok", st, out);
    assert_credssp_ntlm("nla_ok", &first_client_app_data(out));
}

#[test]
fn tls13_certificate_visible_in_failed_certificate_checks() {
    for name in ["cert_expired_strict", "cert_selfsigned_strict"] {
        let Some(conns) = lab(name) else { return };
        let (st, out) = &conns[0];
        assert_eq!(st.version, Some(TLS13), "{name}");
        assert_fully_decrypted(name, st, out);
        assert!(
            decrypted_handshake_types(out, Dir::ServerToClient).contains(&11),
            "{name}"
        );
        // The client never sends MCS: its only application-layer record is close_notify.
        let client: Vec<_> = plaintexts(out)
            .into_iter()
            .filter(|(d, ct, _, _)| *d == Dir::ClientToServer && *ct != CT_HANDSHAKE)
            .map(|(_, ct, p, _)| (ct, p.to_vec()))
            .collect();
        assert_eq!(client, vec![(21, vec![1, 0])], "{name}");
    }
}

#[test]
fn two_connections_share_one_key_log() {
    let Some(conns) = lab("nla_wrong_password") else {
        return;
    };
    assert_eq!(conns.len(), 2);
    for (st, out) in &conns {
        assert_fully_decrypted("nla_wrong_password", st, out);
        assert_credssp_ntlm("nla_wrong_password", &first_client_app_data(out));
    }
}

/// Names of the lab captures that come with a key log.
fn keyed_lab_captures(root: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("lab"))
        .expect("lab dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(".keys.txt").map(str::to_owned))
        .filter(|n| root.join(format!("lab/{n}.pcap")).is_file())
        .collect();
    names.sort();
    names
}

/// Every lab capture that comes with a key log decrypts without a single failure.
#[test]
fn every_lab_capture_with_keys_decrypts() {
    let Some(root) = decrypt_util::shared_captures() else {
        common::skip(
            "decrypt_lab::every_lab_capture_with_keys_decrypts",
            "shared/captures not found",
        );
        return;
    };
    let names = keyed_lab_captures(&root);
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        for suffix in [".pcap", ".server.pcap"] {
            let rel = format!("lab/{name}{suffix}");
            if !root.join(&rel).is_file() {
                continue;
            }
            let conns = run(&rel, lab_keys(&name)).expect("capture");
            for (st, out) in &conns {
                if st.version.is_none() {
                    continue; // no TLS in this connection
                }
                assert_fully_decrypted(&rel, st, out);
                eprintln!(
                    "{rel}: {} {} decrypted={} clear={}",
                    st.version_name.unwrap_or("?"),
                    st.suite_name.unwrap_or("?"),
                    st.records_decrypted,
                    st.records_clear
                );
            }
        }
    }
}

/// Flips one hex digit of every secret of the given labels.
fn corrupt(name: &str, labels: &[&str]) -> KeyLog {
    let p = capture(&format!("lab/{name}.keys.txt")).expect("keys");
    let text = std::fs::read_to_string(p).expect("read");
    let bad: String = text
        .lines()
        .map(|l| {
            let mut l = l.to_string();
            if labels.iter().any(|lab| l.starts_with(&format!("{lab} "))) {
                let last = l.pop().expect("non-empty");
                l.push(if last == '0' { '1' } else { '0' });
            }
            l + "\n"
        })
        .collect();
    let (log, warnings) = KeyLog::parse(&bad);
    assert!(warnings.is_empty());
    log
}

fn assert_all_failed(name: &str, st: &DecryptStatus, out: &Outcomes) {
    assert!(st.keys_found, "{name}");
    assert_eq!(
        st.records_decrypted, 0,
        "{name}: decrypted with a wrong key: {st:?}"
    );
    assert!(st.records_failed > 0, "{name}");
    assert_eq!(st.first_failure, Some(DecryptError::BadRecordMac), "{name}");
    for (r, o) in out {
        if r.content_type == CT_APPLICATION_DATA {
            assert!(
                matches!(o, RecordOutcome::Failed(_)),
                "{name}: frame {}: {o:?}",
                r.frame
            );
        }
    }
}

#[test]
fn wrong_master_secret_fails_instead_of_garbage() {
    for name in ["tls12_cbc_ok", "nla_ok_tls12"] {
        let Some(_) = capture(&format!("lab/{name}.pcap")) else {
            return;
        };
        let conns = run(
            &format!("lab/{name}.pcap"),
            corrupt(name, &["CLIENT_RANDOM"]),
        )
        .expect("run");
        let (st, out) = &conns[0];
        assert_all_failed(name, st, out);
    }
}

#[test]
fn wrong_tls13_secrets_fail_instead_of_garbage() {
    let labels = [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ];
    let Some(_) = capture("lab/tls_ok.pcap") else {
        return;
    };
    let conns = run("lab/tls_ok.pcap", corrupt("tls_ok", &labels)).expect("run");
    let (st, out) = &conns[0];
    assert_all_failed("tls_ok", st, out);
}

#[test]
fn wrong_client_application_secret_fails_only_client_data() {
    let Some(_) = capture("lab/tls_ok.pcap") else {
        return;
    };
    let conns = run(
        "lab/tls_ok.pcap",
        corrupt("tls_ok", &["CLIENT_TRAFFIC_SECRET_0"]),
    )
    .expect("run");
    let (_, out) = &conns[0];
    for (r, o) in out {
        if r.content_type != CT_APPLICATION_DATA {
            continue;
        }
        match (r.dir, o) {
            (Dir::ServerToClient, RecordOutcome::Decrypted { .. }) => {}
            (
                Dir::ClientToServer,
                RecordOutcome::Decrypted {
                    content_type: 22, ..
                },
            ) => {} // Finished
            (Dir::ClientToServer, RecordOutcome::Failed(DecryptError::BadRecordMac)) => {}
            _ => panic!("frame {} {:?}: {o:?}", r.frame, r.dir),
        }
    }
}

fn assert_no_keys(name: &str, st: &DecryptStatus, out: &Outcomes) {
    assert!(!st.keys_found, "{name}");
    assert_eq!(st.records_decrypted, 0, "{name}");
    assert_eq!(st.records_failed, 0, "{name}");
    assert!(st.records_no_keys > 0, "{name}: {st:?}");
    for (r, o) in out {
        if r.content_type == CT_APPLICATION_DATA {
            assert_eq!(o, &RecordOutcome::NoKeys, "{name}: frame {}", r.frame);
        }
    }
}

#[test]
fn absent_keys_give_no_keys() {
    for name in ["tls12_cbc_ok", "nla_ok_tls12", "tls_ok", "nla_ok"] {
        let Some(conns) = run(&format!("lab/{name}.pcap"), KeyLog::new()) else {
            return;
        };
        let (st, out) = &conns[0];
        assert!(st.client_hello_seen && st.supported, "{name}");
        assert_no_keys(name, st, out);
    }
    // Another session's key log: still NoKeys, never a failure.
    let Some(conns) = run("lab/tls_ok.pcap", lab_keys("nla_ok")) else {
        return;
    };
    assert_no_keys("tls_ok with nla_ok keys", &conns[0].0, &conns[0].1);
}

#[test]
fn public_captures_without_keys_report_no_keys() {
    // (file, connections, version, suite)
    let cases: [(&str, usize, u16, u16); 3] = [
        ("public/nDPI/rdp_over_tls.pcap", 1, 0x0303, 0xc030),
        ("public/zeek/rdp-to-ssl.pcap", 2, 0x0301, 0x002f),
        // Every frame is in this file twice: the duplicates must not disturb anything.
        ("public/zeek/rdp-no-cookie-mstshash.pcap", 2, 0x0303, 0x009d),
    ];
    for (rel, n, version, suite) in cases {
        let Some(conns) = run(rel, KeyLog::new()) else {
            return;
        };
        let tls: Vec<_> = conns
            .iter()
            .filter(|(st, _)| st.version.is_some())
            .collect();
        assert!(
            !tls.is_empty() && conns.len() <= n,
            "{rel}: {} connections",
            conns.len()
        );
        for (st, out) in tls {
            assert_eq!(
                (st.version, st.cipher_suite),
                (Some(version), Some(suite)),
                "{rel}"
            );
            assert!(st.supported, "{rel}");
            assert_no_keys(rel, st, out);
        }
    }
}

#[test]
fn pcapng_decryption_secrets_block_key_log() {
    for name in ["nla_ok", "tls_ok"] {
        let Some(p) = capture(&format!("lab/{name}.dsb.pcapng")) else {
            return;
        };
        let cap = read_capture(&p, 3389);
        assert!(!cap.dsbs.is_empty(), "{name}: no DSB");
        let mut keys = KeyLog::new();
        for (typ, data) in &cap.dsbs {
            let (k, warnings) = KeyLog::from_dsb(*typ, data).expect("TLS key log DSB");
            assert!(warnings.is_empty());
            keys.merge(&k);
        }
        assert_eq!(keys, lab_keys(name), "{name}: DSB differs from keys.txt");
        assert!(!format!("{keys:?}").contains(&name.to_string()));
        let keys = Arc::new(keys);
        assert_eq!(cap.conns.len(), 1);
        let (dec, out) = decrypt(&cap.conns[0], &keys);
        assert_fully_decrypted(name, &dec.status(), &out);
    }
}

/// Our decrypted records equal tshark's, frame by frame and byte for byte.
#[test]
fn tshark_cross_check() {
    let Some(root) = decrypt_util::shared_captures() else {
        common::skip(
            "decrypt_lab::tshark_cross_check",
            "shared/captures not found",
        );
        return;
    };
    let names = keyed_lab_captures(&root);
    for name in ["tls12_cbc_ok", "nla_ok_tls12", "tls_ok", "nla_ok"] {
        assert!(names.contains(&name.to_string()), "{name} missing");
    }
    for name in &names {
        let name = name.as_str();
        let pcap = root.join(format!("lab/{name}.pcap"));
        let keys = root.join(format!("lab/{name}.keys.txt"));
        let Some(theirs) = tshark_decrypted(&pcap, &keys) else {
            return;
        };
        let cap = read_capture(&pcap, 3389);
        let keylog = Arc::new(lab_keys(name));
        let mut ours: Vec<(usize, Vec<u8>)> = Vec::new();
        for c in &cap.conns {
            let (_, out) = decrypt(c, &keylog);
            ours.extend(
                plaintexts(&out)
                    .into_iter()
                    .map(|(_, _, p, f)| (f, p.to_vec())),
            );
        }
        ours.sort_by_key(|x| x.0); // stable: keeps record order within a frame
        assert!(!theirs.is_empty(), "{name}: tshark decrypted nothing");
        assert_eq!(
            ours.len(),
            theirs.len(),
            "{name}: record count differs from tshark"
        );
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a.0, b.0, "{name}: frame differs");
            assert!(
                a.1 == b.1,
                "{name}: frame {}: plaintext differs from tshark",
                a.0
            );
        }
        eprintln!("{name}: {} records identical to tshark", ours.len());
    }
}
