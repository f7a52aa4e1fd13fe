//! TLS / auth / transport parsers (TLS, X.509, CredSSP, SPNEGO, NTLM,
//! Kerberos, RDP-UDP, DNS, RD Gateway) on bytes cut from real captures. Each
//! fixture names its capture and frame; `fixtures/tls_auth_transports/README.md`
//! lists them all and `fixtures/tls_auth_transports/extract.py` regenerates
//! them with tshark. Capture paths are relative to ../shared/captures (the
//! shared folder beside the repository).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rdpdiag_parsers::error::ParseError;
use rdpdiag_parsers::{credssp, dns, kerberos, ntlm, rdg, rdpeudp, spnego, tls, x509};

macro_rules! fx {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/tls_auth_transports/",
            $name
        ))
        .as_slice()
    };
}

/// Every handshake message in a run of plaintext handshake records.
fn handshakes(stream: &[u8]) -> Vec<tls::OwnedHandshakeMessage> {
    let (_, recs) = tls::parse_records(stream).unwrap();
    let mut hb = tls::HandshakeBuffer::new();
    let mut out = Vec::new();
    let mut after_ccs = false;
    for r in recs {
        match tls::classify_record(&r, after_ccs) {
            tls::RecordClass::Handshake => out.extend(hb.push(r.fragment).unwrap()),
            tls::RecordClass::ChangeCipherSpec => after_ccs = true,
            _ => {}
        }
    }
    out
}

fn unix(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    // days from civil (Howard Hinnant), enough for test expectations
    let y = if mo <= 2 { y - 1 } else { y } as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (mo as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146097 + doe - 719468) * 86400 + (h * 3600 + mi * 60 + s) as i64
}

// ---------------------------------------------------------------- TLS

#[test]
fn tls_client_hello_tls10_with_sni() {
    // public/zeek/rdp-to-ssl.pcap frame 8: ClientHello TLS 1.0, 12 suites, SNI 192.168.1.150
    let b = fx!("tls_rdp_to_ssl_f8_client_hello.bin");
    let (rest, rec) = tls::parse_record(b).unwrap();
    assert!(rest.is_empty());
    assert_eq!(rec.content_type, tls::ContentType::HANDSHAKE);
    let (_, ch) = tls::parse_client_hello(rec.fragment).unwrap();
    assert_eq!(ch.legacy_version, 0x0301);
    assert_eq!(tls::version_name(ch.legacy_version), Some("TLS 1.0"));
    assert_eq!(
        ch.cipher_suites,
        vec![
            0x002f, 0x0035, 0x0005, 0x000a, 0xc013, 0xc014, 0xc009, 0xc00a, 0x0032, 0x0038, 0x0013,
            0x0004
        ]
    );
    assert_eq!(
        ch.cipher_suite_names()[0],
        (0x002f, Some("TLS_RSA_WITH_AES_128_CBC_SHA"))
    );
    assert_eq!(ch.sni.as_deref(), Some("192.168.1.150"));
    assert_eq!(ch.session_id_len, 0);
    assert!(ch.supported_versions.is_empty());
    assert_eq!(ch.max_version(), 0x0301);
}

#[test]
fn tls_server_hello_certificate_done_tls10() {
    // public/zeek/rdp-to-ssl.pcap frame 9: one record holding ServerHello,
    // Certificate and ServerHelloDone.
    let b = fx!("tls_rdp_to_ssl_f9_sh_cert_shd.bin");
    let msgs = handshakes(b);
    let types: Vec<_> = msgs.iter().map(|m| m.msg_type).collect();
    assert_eq!(
        types,
        vec![
            tls::HandshakeType::SERVER_HELLO,
            tls::HandshakeType::CERTIFICATE,
            tls::HandshakeType::SERVER_HELLO_DONE
        ]
    );
    let (_, sh) = tls::parse_server_hello(&msgs[0].raw).unwrap();
    assert_eq!(sh.version(), 0x0301);
    assert_eq!(sh.cipher_suite, 0x002f);
    assert_eq!(sh.cipher_suite_name(), Some("TLS_RSA_WITH_AES_128_CBC_SHA"));
    assert_eq!(sh.session_id_len, 32);
    assert!(!sh.is_hello_retry_request);
    let (_, certs) = tls::parse_certificate(&msgs[1].raw).unwrap();
    assert_eq!(certs.len(), 1);
    let (_, c) = x509::parse_certificate(certs[0]).unwrap();
    assert_eq!(
        c.common_names,
        vec!["WIN2K8R2.awakecoding.ath.cx".to_string()]
    );
    assert_eq!(c.not_before, unix(2011, 2, 12, 21, 37, 35));
    assert_eq!(c.not_after, unix(2021, 2, 12, 0, 0, 0));
    assert_eq!(c.serial_hex, "16ed2aa0495f259d4f5d99edada570d1");
    assert!(c.self_signed);
    assert_eq!(c.key_type, x509::KeyType::Rsa);
    assert_eq!(c.eku_server_auth, Some(true));
    // Zeek: sni_matches_cert=F for SNI 192.168.1.150
    assert!(!c.matches_name("192.168.1.150"));
    assert!(c.matches_name("win2k8r2.awakecoding.ath.cx"));
    // valid at capture time (2015 per Zeek), expired relative to 2025
    assert_eq!(
        c.validity_at(unix(2015, 6, 1, 0, 0, 0)),
        x509::Validity::Valid
    );
    assert_eq!(
        c.validity_at(unix(2025, 1, 1, 0, 0, 0)),
        x509::Validity::Expired
    );
    assert_eq!(
        c.validity_at(unix(2010, 1, 1, 0, 0, 0)),
        x509::Validity::NotYetValid
    );
    assert!(matches!(
        tls::parse_handshake(&msgs[2].raw),
        Ok((_, tls::Handshake::ServerHelloDone))
    ));
}

#[test]
fn tls_cke_ccs_then_encrypted_finished() {
    // public/zeek/rdp-to-ssl.pcap frame 10: ClientKeyExchange, ChangeCipherSpec,
    // encrypted Finished (a handshake record after CCS).
    let b = fx!("tls_rdp_to_ssl_f10_cke_ccs_fin.bin");
    let (rest, recs) = tls::parse_records(b).unwrap();
    assert!(rest.is_empty());
    let mut after_ccs = false;
    let mut classes = Vec::new();
    for r in &recs {
        let c = tls::classify_record(r, after_ccs);
        if c == tls::RecordClass::ChangeCipherSpec {
            after_ccs = true;
        }
        classes.push(c);
    }
    assert_eq!(classes[0], tls::RecordClass::Handshake);
    assert_eq!(classes[1], tls::RecordClass::ChangeCipherSpec);
    assert_eq!(classes[2], tls::RecordClass::EncryptedHandshake { len: 48 });
    let msgs = handshakes(&b[..5 + 262]);
    assert!(matches!(
        tls::parse_handshake(&msgs[0].raw),
        Ok((_, tls::Handshake::ClientKeyExchange { len: 258 }))
    ));
}

#[test]
fn tls_application_data_size() {
    // public/zeek/rdp-to-ssl.pcap frame 12: application data, 80-byte record (CredSSP)
    let b = fx!("tls_rdp_to_ssl_f12_appdata.bin");
    let (_, r) = tls::parse_record(b).unwrap();
    assert_eq!(
        tls::classify_record(&r, true),
        tls::RecordClass::ApplicationData { len: 80 }
    );
}

#[test]
fn tls_client_hello_tls12_and_alert_handshake_failure() {
    // public/zeek/tls/tls-1.2-handshake-failure.pcap frame 4 (ClientHello TLS 1.2, 9 suites)
    let (_, r) = tls::parse_record(fx!("tls_hsfail_f4_client_hello.bin")).unwrap();
    let (_, ch) = tls::parse_client_hello(r.fragment).unwrap();
    assert_eq!(ch.legacy_version, 0x0303);
    assert_eq!(ch.cipher_suites.len(), 9);
    // frame 6: fatal handshake_failure (40) from the server
    let (_, r) = tls::parse_record(fx!("tls_hsfail_f6_alert40.bin")).unwrap();
    match tls::classify_record(&r, false) {
        tls::RecordClass::Alert(a) => {
            assert!(a.is_fatal());
            assert_eq!(a.description, tls::AlertDescription::HANDSHAKE_FAILURE);
            assert_eq!(a.description.name(), Some("handshake_failure"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tls_alert_protocol_version_and_encrypted_alert() {
    // public/nDPI/tls_alert.pcap frame 4: ClientHello TLS 1.0, SNI www.google-analytics.com
    let (_, r) = tls::parse_record(fx!("tls_alert_f4_client_hello.bin")).unwrap();
    let (_, ch) = tls::parse_client_hello(r.fragment).unwrap();
    assert_eq!(ch.sni.as_deref(), Some("www.google-analytics.com"));
    // frame 6: fatal protocol_version (70)
    let (_, r) = tls::parse_record(fx!("tls_alert_f6_alert70.bin")).unwrap();
    assert_eq!(
        tls::classify_record(&r, false),
        tls::RecordClass::Alert(tls::Alert {
            level: tls::AlertLevel::FATAL,
            description: tls::AlertDescription::PROTOCOL_VERSION
        })
    );
    // frame 12: alert record of 26 bytes = encrypted alert
    let (_, r) = tls::parse_record(fx!("tls_alert_f12_encrypted_alert.bin")).unwrap();
    assert_eq!(
        tls::classify_record(&r, false),
        tls::RecordClass::EncryptedAlert { len: 26 }
    );
}

#[test]
fn tls_lab_alerts() {
    // lab/tls_cipher_mismatch.pcap frame 9: fatal handshake_failure from xrdp
    let (_, r) = tls::parse_record(fx!("tls_cipher_mismatch_alert.bin")).unwrap();
    let (_, a) = tls::parse_alert(r.fragment).unwrap();
    assert_eq!(a.description, tls::AlertDescription::HANDSHAKE_FAILURE);
    // lab/tls_version_mismatch.pcap frame 9: fatal protocol_version
    let (_, r) = tls::parse_record(fx!("tls_version_mismatch_alert.bin")).unwrap();
    let (_, a) = tls::parse_alert(r.fragment).unwrap();
    assert_eq!(a.description, tls::AlertDescription::PROTOCOL_VERSION);
}

#[test]
fn tls_rdp_over_tls_ske_and_encrypted_alert_after_ccs() {
    // public/nDPI/rdp_over_tls.pcap frame 7: SH, Certificate, ServerKeyExchange, SHD
    let msgs = handshakes(fx!("tls_rdp_over_tls_f7_sh_cert_ske_shd.bin"));
    let decoded: Vec<_> = msgs
        .iter()
        .map(|m| tls::parse_handshake(&m.raw).unwrap().1)
        .collect();
    match &decoded[0] {
        tls::Handshake::ServerHello(sh) => {
            assert_eq!(
                sh.cipher_suite_name(),
                Some("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
            );
            assert!(sh.extended_master_secret);
        }
        o => panic!("{o:?}"),
    }
    assert!(matches!(
        decoded[2],
        tls::Handshake::ServerKeyExchange { .. }
    ));
    let tls::Handshake::Certificate(certs) = &decoded[1] else {
        panic!()
    };
    let (_, c) = x509::parse_certificate(certs[0]).unwrap();
    assert_eq!(c.common_names, vec!["topsalon".to_string()]);
    assert!(c.self_signed);
    assert_eq!(c.not_after, unix(2025, 1, 25, 6, 3, 40));
    // frame 9: the server's CCS, then frame 14: 26-byte alert after CCS
    let (_, recs) = tls::parse_records(fx!("tls_rdp_over_tls_f9_ccs_fin.bin")).unwrap();
    assert_eq!(
        tls::classify_record(&recs[0], false),
        tls::RecordClass::ChangeCipherSpec
    );
    let (_, r) = tls::parse_record(fx!("tls_rdp_over_tls_f14_encrypted_alert.bin")).unwrap();
    assert_eq!(
        tls::classify_record(&r, true),
        tls::RecordClass::EncryptedAlert { len: 26 }
    );
}

#[test]
fn tls_selfsigned_four_records_one_segment() {
    // public/nDPI/selfsigned.pcap frame 5: ClientHello (SNI localhost, 67 suites)
    let (_, r) = tls::parse_record(fx!("tls_selfsigned_f5_client_hello.bin")).unwrap();
    let (_, ch) = tls::parse_client_hello(r.fragment).unwrap();
    assert_eq!(ch.sni.as_deref(), Some("localhost"));
    assert_eq!(ch.cipher_suites.len(), 67);
    // frame 7: four records in one TCP segment
    let msgs = handshakes(fx!("tls_selfsigned_f7_sh_cert_ske_shd.bin"));
    assert_eq!(msgs.len(), 4);
    let (_, certs) = tls::parse_certificate(&msgs[1].raw).unwrap();
    let (_, c) = x509::parse_certificate(certs[0]).unwrap();
    assert!(c.subject.contains("O=ntop.org"));
    assert_eq!(
        c.validity_at(unix(2017, 1, 1, 0, 0, 0)),
        x509::Validity::Expired
    );
}

#[test]
fn tls13_client_and_server_hello() {
    // lab/nla_ok.pcap frame 8: FreeRDP ClientHello offering TLS 1.3..1.0
    let (_, r) = tls::parse_record(fx!("tls_nla_ok_f8_client_hello_tls13.bin")).unwrap();
    let (_, ch) = tls::parse_client_hello(r.fragment).unwrap();
    assert_eq!(ch.supported_versions, vec![0x0304, 0x0303, 0x0302, 0x0301]);
    assert_eq!(ch.max_version(), 0x0304);
    assert_eq!(ch.cipher_suites.len(), 31);
    assert_eq!(ch.supported_groups[..2], [0x001d, 0x0017]);
    assert_eq!(ch.signature_algorithms.len(), 20);
    assert!(ch.encrypt_then_mac && ch.extended_master_secret);
    assert_eq!(
        ch.extension_types,
        vec![0, 11, 10, 35, 22, 23, 13, 43, 45, 51]
    );
    // frame 10: ServerHello selecting TLS 1.3 / TLS_AES_256_GCM_SHA384, then CCS
    // and encrypted records in the same segment.
    let (_, recs) = tls::parse_records(fx!("tls_nla_ok_f10_server_hello_tls13.bin")).unwrap();
    assert_eq!(recs.len(), 6);
    let (_, sh) = tls::parse_server_hello(recs[0].fragment).unwrap();
    assert_eq!(sh.selected_version, Some(0x0304));
    assert_eq!(sh.version(), 0x0304);
    assert_eq!(sh.cipher_suite_name(), Some("TLS_AES_256_GCM_SHA384"));
    assert_eq!(
        tls::classify_record(&recs[1], false),
        tls::RecordClass::ChangeCipherSpec
    );
    assert_eq!(
        tls::classify_record(&recs[3], true),
        tls::RecordClass::ApplicationData { len: 720 }
    );
}

#[test]
fn tls13_certificate_decrypted() {
    // lab/nla_ok.pcap frame 10, decrypted with nla_ok.keys.txt: TLS 1.3 Certificate
    let (rest, c) =
        tls::parse_tls13_certificate(fx!("tls_nla_ok_f10_dec1_tls13_certificate.bin")).unwrap();
    assert!(rest.is_empty());
    assert!(c.request_context.is_empty());
    assert_eq!(c.entries.len(), 1);
    let (_, s) = x509::parse_certificate(c.entries[0].cert_data).unwrap();
    assert!(!s.common_names.is_empty());
    // lab/cert_expired_strict.pcap frame 10 (reassembled, decrypted): expired leaf + CA
    let (_, c) = tls::parse_tls13_certificate(fx!(
        "tls_cert_expired_strict_f10_dec0_tls13_certificate.bin"
    ))
    .unwrap();
    assert!(c.entries.len() >= 2);
    let (_, leaf) = x509::parse_certificate(c.entries[0].cert_data).unwrap();
    let (_, ca) = x509::parse_certificate(c.entries[1].cert_data).unwrap();
    assert!(!leaf.self_signed);
    assert!(ca.is_ca);
    assert_eq!(leaf.issuer, ca.subject);
    // the manifest says "notAfter 30 days ago" at capture time (2026-11-21)
    assert_eq!(
        leaf.validity_at(unix(2026, 11, 21, 13, 27, 0)),
        x509::Validity::Expired
    );
}

#[test]
fn tls12_lab_handshake_and_session_ticket() {
    // lab/nla_ok_tls12.pcap frame 8 ClientHello, frame 10 SH/Cert/SKE/SHD, frame 12 NST/CCS/Fin
    let (_, r) = tls::parse_record(fx!("tls_nla_ok_tls12_f8_client_hello.bin")).unwrap();
    let (_, ch) = tls::parse_client_hello(r.fragment).unwrap();
    assert_eq!(ch.legacy_version, 0x0303);
    let msgs = handshakes(fx!("tls_nla_ok_tls12_f10_sh_cert_ske_shd.bin"));
    let (_, sh) = tls::parse_server_hello(&msgs[0].raw).unwrap();
    assert_eq!(sh.version(), 0x0303);
    let (_, certs) = tls::parse_certificate(&msgs[1].raw).unwrap();
    assert!(x509::parse_certificate(certs[0]).is_ok());
    let msgs = handshakes(fx!("tls_nla_ok_tls12_f12_nst_ccs_fin.bin"));
    assert!(matches!(
        tls::parse_handshake(&msgs[0].raw),
        Ok((_, tls::Handshake::NewSessionTicket { .. }))
    ));
}

#[test]
fn tls_arkime_tls13_offer() {
    // public/arkime/arkime_synthetic.pcap frame 394: ClientHello with supported_versions TLS 1.3
    let (_, r) = tls::parse_record(fx!("tls_arkime_f394_client_hello.bin")).unwrap();
    let (_, ch) = tls::parse_client_hello(r.fragment).unwrap();
    assert_eq!(ch.supported_versions, vec![0x0304]);
    assert_eq!(ch.cipher_suites, vec![0x1301, 0x1302, 0x1303]);
    assert_eq!(ch.sni.as_deref(), Some("secure.example.com"));
    // frame 395: ServerHello with TLS_AES_128_GCM_SHA256 and no supported_versions
    let (_, r) = tls::parse_record(fx!("tls_arkime_f395_server_hello.bin")).unwrap();
    let (_, sh) = tls::parse_server_hello(r.fragment).unwrap();
    assert_eq!(sh.cipher_suite, 0x1301);
    assert_eq!(sh.selected_version, None);
}

#[test]
fn tls_handshake_spanning_records_and_segments() {
    // public/zeek/rdp-to-ssl.pcap frame 9, re-split: every split point of the
    // TCP payload gives Incomplete first, and the buffer reassembles the same
    // messages from 100-byte record fragments.
    let b = fx!("tls_rdp_to_ssl_f9_sh_cert_shd.bin");
    for cut in 0..b.len() {
        assert!(tls::parse_record(&b[..cut]).unwrap_err().is_incomplete());
    }
    let (_, rec) = tls::parse_record(b).unwrap();
    let mut hb = tls::HandshakeBuffer::new();
    let mut got = Vec::new();
    for chunk in rec.fragment.chunks(100) {
        got.extend(hb.push(chunk).unwrap());
    }
    assert_eq!(got, handshakes(b));
    assert_eq!(hb.pending(), 0);
}

#[test]
fn tls_hello_retry_request_detection() {
    // hand-made: no capture has a HelloRetryRequest; a ServerHello whose random
    // is the RFC 8446 §4.1.3 constant, selecting TLS 1.3 / TLS_AES_128_GCM_SHA256.
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&tls::HELLO_RETRY_REQUEST_RANDOM);
    body.extend_from_slice(&[0, 0x13, 0x01, 0]);
    body.extend_from_slice(&[0, 6, 0, 43, 0, 2, 3, 4]);
    let mut msg = vec![2, 0, 0, body.len() as u8];
    msg.extend_from_slice(&body);
    let (_, sh) = tls::parse_server_hello(&msg).unwrap();
    assert!(sh.is_hello_retry_request);
    assert_eq!(sh.selected_version, Some(0x0304));
}

#[test]
fn tls_certificate_request_presence() {
    // hand-made: no capture has a CertificateRequest (RDP servers do not ask for
    // client certificates); RFC 5246 §7.4.4 layout: types, sig algs, no CAs.
    let body = [1, 1, 0, 2, 4, 1, 0, 0];
    let mut msg = vec![13, 0, 0, body.len() as u8];
    msg.extend_from_slice(&body);
    assert!(matches!(
        tls::parse_handshake(&msg),
        Ok((_, tls::Handshake::CertificateRequest { len: 8 }))
    ));
}

// ---------------------------------------------------------------- X.509

#[test]
fn x509_certificates_from_public_captures() {
    // public/suricata-verify/tests/tls/tls-cert-issuer/tls.pcap, public/zeek/tls/
    // tls-expired-cert.pcap and public/nDPI/tls-rdn-extract.pcap carry their
    // certificates across several TCP segments; they are exercised by the
    // tshark cross-check (tshark_crosscheck_tls_auth_transports.rs). Here: the selfsigned and
    // rdp_over_tls leaves already tested above, plus weak-signature detection
    // on the rdp-to-ssl leaf (sha1WithRSAEncryption).
    let msgs = handshakes(fx!("tls_rdp_to_ssl_f9_sh_cert_shd.bin"));
    let (_, certs) = tls::parse_certificate(&msgs[1].raw).unwrap();
    let (rest, c) = x509::parse_certificate(certs[0]).unwrap();
    assert!(rest.is_empty());
    assert_eq!(c.signature_algorithm, "sha1WithRSAEncryption");
    assert!(c.is_sha1_or_md5);
    assert_eq!(c.key_bits, 2048);
    assert!(!c.is_ca);
    assert!(x509::parse_certificate(&certs[0][..100])
        .unwrap_err()
        .is_incomplete());
}

// ---------------------------------------------------------------- CredSSP / NTLM

#[test]
fn credssp_ntlm_negotiate() {
    // lab/nla_ok_tls12.pcap frame 13, decrypted: TSRequest v6 + NTLM NEGOTIATE
    let (rest, r) =
        credssp::parse_ts_request(fx!("credssp_nla_ok_tls12_f13_negotiate.bin")).unwrap();
    assert!(rest.is_empty());
    assert_eq!(r.version, 6);
    assert_eq!(r.nego_tokens.len(), 1);
    assert!(credssp::looks_like_tsrequest(fx!(
        "credssp_nla_ok_tls12_f13_negotiate.bin"
    )));
    let spnego::MechToken::Ntlm(tok) = spnego::unwrap_mech_token(r.nego_tokens[0]) else {
        panic!()
    };
    let (_, m) = ntlm::parse_negotiate(tok).unwrap();
    assert_eq!(m.flags.0, 0xe208_82b7);
    assert_eq!(m.version.unwrap().build, 7601);
}

#[test]
fn credssp_ntlm_challenge() {
    // lab/nla_ok_tls12.pcap frame 14, decrypted: TSRequest + NTLM CHALLENGE from xrdp
    let (_, r) = credssp::parse_ts_request(fx!("credssp_nla_ok_tls12_f14_challenge.bin")).unwrap();
    let spnego::MechToken::Ntlm(tok) = spnego::unwrap_mech_token(r.nego_tokens[0]) else {
        panic!()
    };
    let (_, m) = ntlm::parse_ntlm(tok).unwrap();
    let ntlm::NtlmMessage::Challenge(c) = m else {
        panic!()
    };
    assert_eq!(c.flags.0, 0xe288_82b7);
    assert_eq!(
        c.server_challenge,
        [0x6c, 0x54, 0x8d, 0xf2, 0x83, 0x21, 0xb7, 0x22]
    );
    assert_eq!(c.target_name, "VM");
    assert_eq!(c.target_info.nb_computer_name.as_deref(), Some("VM"));
    assert_eq!(c.target_info.nb_domain_name.as_deref(), Some("VM"));
    assert_eq!(c.target_info.dns_computer_name.as_deref(), Some("vm"));
    assert_eq!(c.target_info.dns_domain_name.as_deref(), Some("vm"));
    // tshark: Nov 21, 2026 13:51:20 UTC
    assert_eq!(
        c.target_info.timestamp_unix,
        Some(unix(2026, 11, 21, 13, 51, 20))
    );
    let v = c.version.unwrap();
    assert_eq!((v.major, v.minor, v.build, v.revision), (6, 1, 7601, 15));
    assert!(c.flags.names().contains(&"NEGOTIATE_TARGET_INFO"));
    // same from lab/nla_ok.pcap frame 15 (TLS 1.3)
    let (_, r) = credssp::parse_ts_request(fx!("credssp_nla_ok_f15_challenge.bin")).unwrap();
    let spnego::MechToken::Ntlm(tok) = spnego::unwrap_mech_token(r.nego_tokens[0]) else {
        panic!()
    };
    let (_, c) = ntlm::parse_challenge(tok).unwrap();
    assert_eq!(
        c.server_challenge,
        [0xc1, 0x70, 0xb5, 0x02, 0x11, 0xbc, 0x91, 0x14]
    );
}

#[test]
fn credssp_ntlm_authenticate() {
    // lab/nla_ok_tls12.pcap frame 16, decrypted: TSRequest(negoTokens=AUTHENTICATE,
    // pubKeyAuth, clientNonce) v6
    let (_, r) =
        credssp::parse_ts_request(fx!("credssp_nla_ok_tls12_f16_authenticate.bin")).unwrap();
    assert!(r.pub_key_auth.is_some());
    assert_eq!(r.client_nonce.map(<[u8]>::len), Some(32));
    assert_eq!(r.client_nonce.unwrap()[..4], [0xa1, 0xd9, 0xa5, 0xa2]);
    let spnego::MechToken::Ntlm(tok) = spnego::unwrap_mech_token(r.nego_tokens[0]) else {
        panic!()
    };
    let (_, a) = ntlm::parse_authenticate(tok).unwrap();
    assert_eq!(a.user, "labuser");
    assert_eq!(a.domain, "");
    assert_eq!(a.workstation, "vm");
    assert!(a.is_ntlmv2);
    assert_eq!(a.flags.0, 0xe288_a235);
    assert!(a.mic.is_some());
    let ti = a.client_target_info.unwrap();
    assert_eq!(ti.nb_computer_name.as_deref(), Some("VM"));
    // lab/nla_wrong_password.pcap frame 17: same shape, the server then closes
    let (_, r) =
        credssp::parse_ts_request(fx!("credssp_nla_wrong_password_f17_authenticate.bin")).unwrap();
    assert!(matches!(
        ntlm::parse_ntlm(r.nego_tokens[0]),
        Ok((_, ntlm::NtlmMessage::Authenticate(_)))
    ));
}

#[test]
fn credssp_pubkeyauth_and_authinfo() {
    // lab/nla_ok_tls12.pcap frame 17 (server pubKeyAuth) and frame 19 (client authInfo)
    let (_, r) = credssp::parse_ts_request(fx!("credssp_nla_ok_tls12_f17_pubkeyauth.bin")).unwrap();
    assert!(r.nego_tokens.is_empty());
    assert!(r.pub_key_auth.is_some());
    assert!(r.error_code.is_none());
    let (_, r) = credssp::parse_ts_request(fx!("credssp_nla_ok_tls12_f19_authinfo.bin")).unwrap();
    assert!(r.auth_info.is_some());
    assert_eq!(r.version, 6);
}

#[test]
fn spnego_wrapping_of_real_ntlm_token() {
    // hand-made SPNEGO framing (no capture here uses SPNEGO: FreeRDP/xrdp put
    // raw NTLMSSP in negoTokens) around the real NEGOTIATE token of
    // lab/nla_ok_tls12.pcap frame 13, as Windows clients send it (RFC 4178).
    let (_, r) = credssp::parse_ts_request(fx!("credssp_nla_ok_tls12_f13_negotiate.bin")).unwrap();
    let ntlm_tok = r.nego_tokens[0];
    fn tlv(tag: u8, v: &[u8]) -> Vec<u8> {
        let mut o = vec![tag];
        if v.len() < 128 {
            o.push(v.len() as u8);
        } else {
            o.extend_from_slice(&[0x81, v.len() as u8]);
        }
        o.extend_from_slice(v);
        o
    }
    let mech_types = tlv(0xa0, &tlv(0x30, &tlv(0x06, spnego::OID_NTLM)));
    let mech_token = tlv(0xa2, &tlv(0x04, ntlm_tok));
    let init = tlv(0xa0, &tlv(0x30, &[mech_types, mech_token].concat()));
    let gss = tlv(0x60, &[tlv(0x06, spnego::OID_SPNEGO), init].concat());
    let (_, t) = spnego::parse_neg_token_init(&gss).unwrap();
    assert_eq!(t.mech_types[0].name(), Some("NTLM"));
    assert_eq!(
        spnego::unwrap_mech_token(&gss),
        spnego::MechToken::Ntlm(ntlm_tok)
    );
    let resp = tlv(
        0xa1,
        &tlv(
            0x30,
            &[
                tlv(0xa0, &[0x0a, 0x01, 0x01]),
                tlv(0xa2, &tlv(0x04, ntlm_tok)),
            ]
            .concat(),
        ),
    );
    let (_, r) = spnego::parse_neg_token_resp(&resp).unwrap();
    assert_eq!(r.neg_state, Some(spnego::NegState::ACCEPT_INCOMPLETE));
    assert_eq!(
        spnego::unwrap_mech_token(&resp),
        spnego::MechToken::Ntlm(ntlm_tok)
    );
}

// ---------------------------------------------------------------- Kerberos

#[test]
fn kerberos_as_req_and_krb_error() {
    // public/arkime/arkime_synthetic.pcap frame 558: AS-REQ for krbtgt/EXAMPLE.COM
    let (_, k) = kerberos::parse_kerberos(fx!("krb_arkime_f558_as_req.bin")).unwrap();
    let kerberos::KerberosMessage::AsReq(r) = k.message else {
        panic!("{k:?}")
    };
    assert_eq!(r.realm.as_deref(), Some("EXAMPLE.COM"));
    assert_eq!(
        r.sname,
        vec!["krbtgt".to_string(), "EXAMPLE.COM".to_string()]
    );
    // frame 559: KRB-ERROR (stime/susec omitted by the generator) error-code 6
    let (_, k) = kerberos::parse_kerberos(fx!("krb_arkime_f559_krb_error.bin")).unwrap();
    let kerberos::KerberosMessage::KrbError(e) = k.message else {
        panic!()
    };
    assert_eq!(
        e.error_code,
        Some(kerberos::ErrorCode::KDC_ERR_C_PRINCIPAL_UNKNOWN)
    );
    assert_eq!(e.realm.as_deref(), Some("EXAMPLE.COM"));
    assert_eq!(
        e.sname,
        vec!["krbtgt".to_string(), "EXAMPLE.COM".to_string()]
    );
}

#[test]
fn kerberos_gss_wrapped_krb_error() {
    // hand-made: no capture has a GSS-wrapped Kerberos token; RFC 4121 §4.1
    // framing (0x60, Kerberos OID, TOK_ID 03 00) around the real KRB-ERROR of
    // public/arkime/arkime_synthetic.pcap frame 559.
    let inner = fx!("krb_arkime_f559_krb_error.bin");
    let mut body = vec![0x06, spnego::OID_KERBEROS.len() as u8];
    body.extend_from_slice(spnego::OID_KERBEROS);
    body.extend_from_slice(&[0x03, 0x00]);
    body.extend_from_slice(inner);
    let mut gss = vec![0x60, body.len() as u8];
    gss.extend_from_slice(&body);
    let (_, k) = kerberos::parse_kerberos(&gss).unwrap();
    assert_eq!(k.gss_tok_id, Some(kerberos::TOK_ID_KRB_ERROR));
    assert_eq!(k.message.msg_type(), kerberos::MessageType::KRB_ERROR);
    assert!(matches!(
        spnego::unwrap_mech_token(&gss),
        spnego::MechToken::Kerberos(_)
    ));
}

// ---------------------------------------------------------------- RDP-UDP

#[test]
fn rdpeudp_syn_v2_with_correlation_id() {
    // public/zeek/rdpeudp-handshake-fail.pcap frame 1: SYN|CORRELATION_ID|SYNEX, v2
    let b = fx!("rdpeudp_fail_f1_syn.bin");
    let (_, s) = rdpeudp::parse_syn(b).unwrap();
    assert_eq!(s.header.sn_source_ack, 0xffff_ffff);
    assert_eq!(s.header.receive_window_size, 64);
    assert_eq!(s.header.flags.0, 0x1801);
    assert_eq!(s.initial_sequence_number, 0xee40_71dc);
    assert_eq!((s.upstream_mtu, s.downstream_mtu), (1232, 1232));
    assert!(s.mtus_in_spec_range());
    assert_eq!(s.correlation_id.unwrap()[..4], [0xf8, 0x53, 0x03, 0x60]);
    assert_eq!(s.udp_version(), rdpeudp::UdpVersion::V2);
    assert!(!s.is_syn_ack());
    assert_eq!(
        rdpeudp::classify_datagram(b, false),
        rdpeudp::DatagramKind::Syn
    );
}

#[test]
fn rdpeudp_v1_handshake_and_data() {
    // public/zeek/rdpeudp-handshake-success.pcap frames 1 (SYN), 2 (SYN+ACK), 3 (ACK+DATA)
    let syn = fx!("rdpeudp_success_f1_syn.bin");
    let synack = fx!("rdpeudp_success_f2_synack.bin");
    let (_, s) = rdpeudp::parse_syn(synack).unwrap();
    assert!(s.is_syn_ack());
    assert_eq!(s.header.flags.0, 0x1005);
    assert_eq!(s.header.sn_source_ack, 0x0b12_7f15);
    assert_eq!(s.initial_sequence_number, 0x0f94_ea0b);
    assert_eq!(
        rdpeudp::classify_datagram(syn, false),
        rdpeudp::DatagramKind::Syn
    );
    assert_eq!(
        rdpeudp::classify_datagram(synack, false),
        rdpeudp::DatagramKind::SynAck
    );
    let data = fx!("rdpeudp_success_f3_ack_data.bin");
    assert_eq!(
        rdpeudp::classify_datagram(data, false),
        rdpeudp::DatagramKind::Data
    );
    let (_, p) = rdpeudp::parse_v1_packet(data).unwrap();
    assert_eq!(p.source.unwrap().sn_coded, 0x0b12_7f16);
    // the payload is a TLS ClientHello record
    let (_, rec) = tls::parse_record(p.payload).unwrap();
    assert!(tls::parse_client_hello(rec.fragment).is_ok());
}

#[test]
fn rdpeudp2_handshake_and_v2_packet() {
    // public/zeek/rdpeudp2-handshake-success.pcap frames 1, 2 (uUdpVer 0x0101 with
    // cookie hash) and 3 (RDPEUDP2 data packet, byte 0/7 swapped)
    let (_, s) = rdpeudp::parse_syn(fx!("rdpeudp2_success_f1_syn.bin")).unwrap();
    assert_eq!(s.udp_version(), rdpeudp::UdpVersion::V3);
    assert_eq!(s.synex.unwrap().cookie_hash.map(<[u8]>::len), Some(32));
    let (_, sa) = rdpeudp::parse_syn(fx!("rdpeudp2_success_f2_synack.bin")).unwrap();
    assert_eq!(sa.udp_version(), rdpeudp::UdpVersion::V3);
    let v2 = fx!("rdpeudp2_success_f3_v2_data.bin");
    assert_eq!(
        rdpeudp::classify_datagram(v2, true),
        rdpeudp::DatagramKind::Rdpeudp2
    );
    let (_, h) = rdpeudp::parse_rdpeudp2_header(v2).unwrap();
    assert_eq!(
        h.flags & rdpeudp::Rdpeudp2Header::DATA,
        rdpeudp::Rdpeudp2Header::DATA
    );
    // public/nDPI/rdp2.pcap frame 1: another v3 SYN
    let (_, s) = rdpeudp::parse_syn(fx!("rdpeudp_rdp2_f1_syn.bin")).unwrap();
    assert_eq!(s.udp_version(), rdpeudp::UdpVersion::V3);
}

// ---------------------------------------------------------------- DNS

#[test]
fn dns_nxdomain_lab() {
    // lab/dns_nxdomain.pcap frame 1 (query A rdp-server.lab) and frame 3 (NXDOMAIN)
    let (_, q) = dns::parse_message(fx!("dns_nxdomain_query.bin")).unwrap();
    assert!(!q.header.is_response());
    assert_eq!(q.questions[0].name, "rdp-server.lab");
    let (_, r) = dns::parse_message(fx!("dns_nxdomain_response.bin")).unwrap();
    assert!(r.header.is_response());
    assert_eq!(r.header.rcode(), dns::Rcode::NXDOMAIN);
    assert_eq!(r.header.id, 0xa4d5);
    assert_eq!(r.questions[0].qtype, dns::RrType::A);
    assert!(r.answers.is_empty());
}

#[test]
fn dns_answers_arkime() {
    // public/arkime/arkime_synthetic.pcap frame 222: A example.com -> 10.0.1.1 (+RRSIG, DS)
    let (_, m) = dns::parse_message(fx!("dns_arkime_f222_response_a.bin")).unwrap();
    assert_eq!(
        m.addresses(),
        vec!["10.0.1.1".parse::<std::net::IpAddr>().unwrap()]
    );
    // frame 329: A www.example.org answered by CNAME example.org
    let (_, m) = dns::parse_message(fx!("dns_arkime_f329_response_cname.bin")).unwrap();
    assert_eq!(m.cnames(), vec!["example.org"]);
    // frame 331: AAAA ipv6.example.org -> 2001:db8::1
    let (_, m) = dns::parse_message(fx!("dns_arkime_f331_response_aaaa.bin")).unwrap();
    assert_eq!(
        m.addresses(),
        vec!["2001:db8::1".parse::<std::net::IpAddr>().unwrap()]
    );
    // frame 345: SERVFAIL fail.example.org
    let (_, m) = dns::parse_message(fx!("dns_arkime_f345_response_servfail.bin")).unwrap();
    assert_eq!(m.header.rcode(), dns::Rcode::SERVFAIL);
    assert_eq!(m.questions[0].name, "fail.example.org");
}

// ---------------------------------------------------------------- RD Gateway / HTTP

#[test]
fn http_rpc_over_http_and_websocket() {
    // public/arkime/arkime_synthetic.pcap frame 136: RPC_IN_DATA /rpc/rpcproxy.dll
    let (_, r) = rdg::parse_http_request(fx!("http_arkime_f136_rpc_in_data.bin")).unwrap();
    assert_eq!(r.kind, rdg::RequestKind::RpcInData);
    assert!(r.kind.is_rpc_over_http());
    assert!(r.path.starts_with("/rpc/rpcproxy.dll"));
    // frame 147: RPC_OUT_DATA
    let (_, r) = rdg::parse_http_request(fx!("http_arkime_f147_rpc_out_data.bin")).unwrap();
    assert_eq!(r.kind, rdg::RequestKind::RpcOutData);
    // frame 822: GET /chat with Upgrade: websocket; frame 823: 101 Switching Protocols
    let (_, r) = rdg::parse_http_request(fx!("http_arkime_f822_websocket_get.bin")).unwrap();
    assert_eq!(r.kind, rdg::RequestKind::WebSocketUpgrade);
    let (_, s) = rdg::parse_http_response(fx!("http_arkime_f823_101.bin")).unwrap();
    assert_eq!(s.status, 101);
    assert!(s.upgrade.unwrap().eq_ignore_ascii_case("websocket"));
}

#[test]
fn http_401_and_plain_get() {
    // public/arkime/arkime_synthetic.pcap frame 4: GET /certsrv/; frame 6: 401 Unauthorized
    let (_, r) = rdg::parse_http_request(fx!("http_arkime_f4_get.bin")).unwrap();
    assert_eq!(r.kind, rdg::RequestKind::Other);
    assert_eq!(r.path, "/certsrv/");
    let (body, s) = rdg::parse_http_response(fx!("http_arkime_f6_401.bin")).unwrap();
    assert_eq!(s.status, 401);
    assert_eq!(s.reason, "Unauthorized");
    assert_eq!(s.server, Some("Microsoft-IIS/10.0"));
    assert_eq!(s.content_length, Some(15));
    assert_eq!(body, b"<html>ok</html>");
    // the head is Incomplete until the blank line
    let b = fx!("http_arkime_f6_401.bin");
    assert!(rdg::parse_http_response(&b[..s.head_len - 1])
        .unwrap_err()
        .is_incomplete());
    // a TLS record is not HTTP
    assert!(matches!(
        rdg::parse_http_request(fx!("tls_rdp_to_ssl_f8_client_hello.bin")),
        Err(ParseError::Invalid { .. })
    ));
}
