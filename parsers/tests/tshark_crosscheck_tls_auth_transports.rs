//! Cross-check of the TLS / auth / transport parsers (TLS, X.509, CredSSP,
//! SPNEGO, NTLM, Kerberos, RDP-UDP, DNS, RD Gateway) against tshark on the shared real
//! captures. Runs only when `tshark` is on PATH and the shared captures are
//! found (env `RDPDIAG_SHARED`, or a `shared/captures` directory beside an
//! ancestor of this crate); otherwise each test prints why and passes.
//!
//! Compared with tshark `-T fields`: ClientHello cipher suites / SNI /
//! supported_versions, ServerHello suite, alert level and description,
//! certificate notBefore/notAfter and subject CN, DNS rcode / query name /
//! addresses, RDP-UDP SYN flags and MTUs and SYNEX version, and, after TLS
//! decryption with the lab key logs, CredSSP version, NTLM server challenge,
//! NetBIOS/DNS names, Version build and AUTHENTICATE user name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use rdpdiag_parsers::{credssp, dns, ntlm, rdpeudp, spnego, tls, x509};
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("RDPDIAG_SHARED") {
        let p = PathBuf::from(p);
        let c = if p.ends_with("captures") {
            p
        } else {
            p.join("captures")
        };
        return c.is_dir().then_some(c);
    }
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let c = dir.join("shared/captures");
        if c.is_dir() {
            return Some(c);
        }
        if !dir.pop() {
            return None;
        }
    }
}

fn setup(test: &str) -> Option<PathBuf> {
    let tshark = Command::new("tshark")
        .arg("-v")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !tshark {
        common::skip(test, "tshark not on PATH");
        return None;
    }
    match shared() {
        Some(s) => Some(s),
        None => {
            common::skip(test, "shared captures not found (set RDPDIAG_SHARED)");
            None
        }
    }
}

fn keylog_opts(pcap: &Path) -> Vec<String> {
    let mut o = vec!["-d".to_string(), "tcp.port==3389,tls".to_string()];
    let keys = PathBuf::from(pcap.to_string_lossy().replace(".pcap", ".keys.txt"));
    if keys.exists() {
        o.push("-o".into());
        o.push(format!("tls.keylog_file:{}", keys.display()));
    }
    o
}

/// tshark -T fields rows (tab-separated columns).
fn fields(pcap: &Path, extra: &[&str], filter: &str, flds: &[&str]) -> Vec<Vec<String>> {
    if !pcap.exists() {
        eprintln!("missing capture {}", pcap.display());
        return Vec::new();
    }
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap).args(keylog_opts(pcap)).args(extra);
    cmd.args([
        "-Y",
        filter,
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for f in flds {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn list_u16(s: &str) -> Vec<u16> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| {
            u16::from_str_radix(x.trim_start_matches("0x"), 16)
                .unwrap_or_else(|_| x.parse().unwrap())
        })
        .collect()
}

fn num(s: &str) -> u64 {
    let s = s.split(',').next().unwrap_or("");
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap(),
        None => s.parse().unwrap(),
    }
}

/// The "Decrypted TLS" data sources of one frame, from `tshark -x`.
fn decrypted(pcap: &Path, frame: &str) -> Vec<Vec<u8>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap).args(keylog_opts(pcap));
    cmd.args(["-Y", &format!("frame.number=={frame}"), "-x"]);
    let out = String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned();
    let mut blocks: Vec<(bool, Vec<u8>)> = Vec::new();
    for line in out.lines() {
        if line.ends_with("bytes):") && !line.starts_with(' ') {
            blocks.push((line.starts_with("Decrypted TLS"), Vec::new()));
        } else if line.len() > 6
            && line.as_bytes()[4] == b' '
            && line[..4].chars().all(|c| c.is_ascii_hexdigit())
        {
            if let Some((_, b)) = blocks.last_mut() {
                let hexpart: String = line[6..].chars().take(47).collect();
                b.extend(hex(&hexpart.replace(' ', "")));
            }
        }
    }
    blocks
        .into_iter()
        .filter(|(d, _)| *d)
        .map(|(_, b)| b)
        .collect()
}

/// Handshake messages found in a TCP payload that starts on a record boundary.
fn handshakes(payload: &[u8]) -> Vec<tls::OwnedHandshakeMessage> {
    let Ok((_, recs)) = tls::parse_records(payload) else {
        return Vec::new();
    };
    let mut hb = tls::HandshakeBuffer::new();
    let mut out = Vec::new();
    let mut after_ccs = false;
    for r in recs {
        match tls::classify_record(&r, after_ccs) {
            tls::RecordClass::Handshake => out.extend(hb.push(r.fragment).unwrap_or_default()),
            tls::RecordClass::ChangeCipherSpec => after_ccs = true,
            _ => {}
        }
    }
    out
}

const TLS_CAPTURES: &[&str] = &[
    "public/zeek/rdp-to-ssl.pcap",
    "public/zeek/rdp-no-cookie-mstshash.pcap",
    "public/zeek/tls/tls-1.2-handshake-failure.pcap",
    "public/zeek/tls/tls-expired-cert.pcap",
    "public/suricata-verify/tests/tls/tls-cert-issuer/tls.pcap",
    "public/nDPI/rdp.pcap",
    "public/nDPI/rdp_over_tls.pcap",
    "public/nDPI/selfsigned.pcap",
    "public/nDPI/tls-rdn-extract.pcap",
    "public/nDPI/tls_alert.pcap",
    "public/arkime/arkime_synthetic.pcap",
    "lab/nla_ok.pcap",
    "lab/nla_ok_tls12.pcap",
    "lab/tls12_cbc_ok.pcap",
    "lab/tls_cipher_mismatch.pcap",
    "lab/tls_version_mismatch.pcap",
];

#[test]
fn tshark_client_and_server_hello() {
    let Some(root) = setup("tshark_client_and_server_hello") else {
        return;
    };
    let (mut ch_n, mut sh_n) = (0, 0);
    for cap in TLS_CAPTURES {
        let pcap = root.join(cap);
        for row in fields(
            &pcap,
            &[],
            "tls.handshake.type==1",
            &[
                "frame.number",
                "tcp.payload",
                "tls.handshake.ciphersuite",
                "tls.handshake.extensions_server_name",
                "tls.handshake.extensions.supported_version",
            ],
        ) {
            let msgs = handshakes(&hex(&row[1]));
            let Some(m) = msgs
                .iter()
                .find(|m| m.msg_type == tls::HandshakeType::CLIENT_HELLO)
            else {
                continue; // ClientHello split over segments: not on a record boundary here
            };
            let (_, ch) = tls::parse_client_hello(&m.raw).unwrap();
            assert_eq!(
                ch.cipher_suites,
                list_u16(&row[2]),
                "{cap} frame {}",
                row[0]
            );
            let sni = row[3].split(',').next().filter(|s| !s.is_empty());
            assert_eq!(ch.sni.as_deref(), sni, "{cap} frame {}", row[0]);
            assert_eq!(
                ch.supported_versions,
                list_u16(&row[4]),
                "{cap} frame {}",
                row[0]
            );
            ch_n += 1;
        }
        for row in fields(
            &pcap,
            &[],
            "tls.handshake.type==2",
            &[
                "frame.number",
                "tcp.payload",
                "tls.handshake.ciphersuite",
                "tls.handshake.extensions.supported_version",
            ],
        ) {
            let msgs = handshakes(&hex(&row[1]));
            let Some(m) = msgs
                .iter()
                .find(|m| m.msg_type == tls::HandshakeType::SERVER_HELLO)
            else {
                continue;
            };
            let (_, sh) = tls::parse_server_hello(&m.raw).unwrap();
            assert_eq!(
                u64::from(sh.cipher_suite),
                num(&row[2]),
                "{cap} frame {}",
                row[0]
            );
            // tshark reads 2 bytes even from an empty supported_versions
            // extension (arkime_synthetic frame 904, a generated ServerHello
            // with every extension type empty): compare only real versions.
            let sv = list_u16(&row[3]);
            if sv.first().is_some_and(|v| v >> 8 == 3 || v >> 8 == 0x7f) {
                assert_eq!(
                    sh.selected_version,
                    sv.first().copied(),
                    "{cap} frame {}",
                    row[0]
                );
            }
            sh_n += 1;
        }
    }
    eprintln!("compared {ch_n} ClientHello and {sh_n} ServerHello with tshark");
    assert!(
        ch_n >= 10 && sh_n >= 8,
        "too few hellos compared: {ch_n}/{sh_n}"
    );
}

#[test]
fn tshark_alerts() {
    let Some(root) = setup("tshark_alerts") else {
        return;
    };
    let mut n = 0;
    for cap in TLS_CAPTURES {
        let pcap = root.join(cap);
        for row in fields(
            &pcap,
            &[],
            // plaintext alerts only (with a key log tshark also shows decrypted ones)
            "tls.alert_message.desc && tls.record.content_type==21 && tls.record.length==2",
            &[
                "frame.number",
                "tcp.payload",
                "tls.alert_message.level",
                "tls.alert_message.desc",
            ],
        ) {
            let payload = hex(&row[1]);
            let Ok((_, recs)) = tls::parse_records(&payload) else {
                continue;
            };
            let alerts: Vec<_> = recs
                .iter()
                .filter_map(|r| match tls::classify_record(r, false) {
                    tls::RecordClass::Alert(a) => Some(a),
                    _ => None,
                })
                .collect();
            let a = alerts
                .first()
                .unwrap_or_else(|| panic!("{cap} frame {}: no plaintext alert", row[0]));
            assert_eq!(u64::from(a.level.0), num(&row[2]), "{cap} frame {}", row[0]);
            assert_eq!(
                u64::from(a.description.0),
                num(&row[3]),
                "{cap} frame {}",
                row[0]
            );
            assert!(a.description.name().is_some());
            n += 1;
        }
    }
    eprintln!("compared {n} alerts with tshark");
    assert!(n >= 4);
}

/// Unix seconds → tshark's "YYYY-MM-DD HH:MM:SS (UTC)".
fn fmt_utc(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} (UTC)",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[test]
fn tshark_certificates() {
    let Some(root) = setup("tshark_certificates") else {
        return;
    };
    let mut n = 0;
    for cap in TLS_CAPTURES {
        let pcap = root.join(cap);
        for row in fields(
            &pcap,
            &[],
            "tls.handshake.certificate",
            &[
                "frame.number",
                "tls.handshake.certificate",
                "x509af.utcTime",
                "x509sat.printableString",
                "x509sat.uTF8String",
                "x509sat.teletexString",
            ],
        ) {
            let times: Vec<&str> = row[2].split(',').collect();
            let strings: Vec<&str> = row[3..].iter().flat_map(|c| c.split(',')).collect();
            for der in row[1].split(',').filter(|s| !s.is_empty()) {
                let der = hex(der);
                let c = match x509::parse_certificate(&der) {
                    Ok((_, c)) => c,
                    // arkime_synthetic frame 617 ("tztest"): UTCTime with a
                    // +0530 offset, which DER forbids; x509-parser rejects it.
                    Err(e)
                        if times
                            .iter()
                            .any(|t| t.contains("(UTC+") || t.contains("(UTC-")) =>
                    {
                        eprintln!("{cap} frame {}: rejected non-DER time: {e}", row[0]);
                        continue;
                    }
                    Err(e) => panic!("{cap} frame {}: {e}", row[0]),
                };
                for t in [c.not_before, c.not_after] {
                    // UTCTime covers 1950..2049; later dates are GeneralizedTime
                    if t < 2_524_608_000 {
                        assert!(
                            times.contains(&fmt_utc(t).as_str()),
                            "{cap} frame {}: {} not in {times:?}",
                            row[0],
                            fmt_utc(t)
                        );
                    }
                }
                for cn in &c.common_names {
                    assert!(
                        strings.contains(&cn.as_str()),
                        "{cap} frame {}: CN {cn}",
                        row[0]
                    );
                }
                n += 1;
            }
        }
    }
    eprintln!("compared {n} certificates with tshark");
    assert!(n >= 12);
}

#[test]
fn tshark_dns() {
    let Some(root) = setup("tshark_dns") else {
        return;
    };
    let mut n = 0;
    for cap in [
        "lab/dns_nxdomain.pcap",
        "public/arkime/arkime_synthetic.pcap",
    ] {
        let pcap = root.join(cap);
        for row in fields(
            &pcap,
            &[],
            "dns && udp && !icmp",
            &[
                "frame.number",
                "udp.payload",
                "dns.flags.rcode",
                "dns.qry.name",
                "dns.a",
                "dns.aaaa",
                "dns.id",
            ],
        ) {
            if row[1].contains(',') {
                continue; // DNS quoted inside another packet
            }
            let Ok((_, m)) = dns::parse_message(&hex(&row[1])) else {
                panic!("{cap} frame {}: our parser rejects it", row[0]);
            };
            assert_eq!(
                u64::from(m.header.id),
                num(&row[6]),
                "{cap} frame {}",
                row[0]
            );
            if !row[2].is_empty() {
                assert_eq!(
                    u64::from(m.header.rcode().0),
                    num(&row[2]),
                    "{cap} frame {}",
                    row[0]
                );
            }
            if let Some(q) = m.questions.first() {
                assert_eq!(
                    q.name,
                    row[3].split(',').next().unwrap_or(""),
                    "{cap} frame {}",
                    row[0]
                );
            }
            let mut theirs: Vec<String> = row[4..6]
                .iter()
                .flat_map(|c| c.split(','))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let mut ours: Vec<String> = m.addresses().iter().map(|a| a.to_string()).collect();
            theirs.sort();
            ours.sort();
            // tshark also lists A/AAAA from the additional section; ours are answers only
            assert!(
                ours.iter().all(|a| theirs.contains(a)),
                "{cap} frame {}: {ours:?} vs {theirs:?}",
                row[0]
            );
            n += 1;
        }
    }
    eprintln!("compared {n} DNS messages with tshark");
    assert!(n >= 20);
}

#[test]
fn tshark_rdpeudp() {
    let Some(root) = setup("tshark_rdpeudp") else {
        return;
    };
    let mut n = 0;
    for cap in [
        "public/zeek/rdpeudp-handshake-fail.pcap",
        "public/zeek/rdpeudp-handshake-success.pcap",
        "public/zeek/rdpeudp2-handshake-success.pcap",
        "public/nDPI/rdp2.pcap",
    ] {
        let pcap = root.join(cap);
        for row in fields(
            &pcap,
            &["-d", "udp.port==3389,rdpudp"],
            "rdpudp.flags.syn==1",
            &[
                "frame.number",
                "udp.payload",
                "rdpudp.flags",
                "rdpudp.upstreammtu",
                "rdpudp.downstreammtu",
                "rdpudp.synex.version",
                "rdpudp.snsourceack",
            ],
        ) {
            let b = hex(&row[1]);
            let (_, s) = rdpeudp::parse_syn(&b).unwrap();
            assert_eq!(
                u64::from(s.header.flags.0),
                num(&row[2]),
                "{cap} frame {}",
                row[0]
            );
            assert_eq!(
                u64::from(s.upstream_mtu),
                num(&row[3]),
                "{cap} frame {}",
                row[0]
            );
            assert_eq!(
                u64::from(s.downstream_mtu),
                num(&row[4]),
                "{cap} frame {}",
                row[0]
            );
            if !row[5].is_empty() {
                assert_eq!(
                    u64::from(s.udp_version().0),
                    num(&row[5]),
                    "{cap} frame {}",
                    row[0]
                );
            }
            assert_eq!(
                u64::from(s.header.sn_source_ack),
                num(&row[6]),
                "{cap} frame {}",
                row[0]
            );
            let kind = rdpeudp::classify_datagram(&b, false);
            assert!(matches!(
                kind,
                rdpeudp::DatagramKind::Syn | rdpeudp::DatagramKind::SynAck
            ));
            n += 1;
        }
    }
    eprintln!("compared {n} RDP-UDP SYN/SYN+ACK with tshark");
    assert!(n >= 8);
}

#[test]
fn tshark_credssp_ntlm_decrypted() {
    let Some(root) = setup("tshark_credssp_ntlm_decrypted") else {
        return;
    };
    let mut n = 0;
    for cap in [
        "lab/nla_ok_tls12.pcap",
        "lab/nla_ok.pcap",
        "lab/nla_wrong_password.pcap",
    ] {
        let pcap = root.join(cap);
        for row in fields(
            &pcap,
            &[],
            "credssp",
            &[
                "frame.number",
                "credssp.version",
                "ntlmssp.messagetype",
                "ntlmssp.ntlmserverchallenge",
                "ntlmssp.challenge.target_info.nb_computer_name",
                "ntlmssp.challenge.target_info.dns_computer_name",
                "ntlmssp.version.build_number",
                "ntlmssp.auth.username",
                "ntlmssp.challenge.target_info.nb_domain_name",
            ],
        ) {
            let dec = decrypted(&pcap, &row[0]);
            let Some(b) = dec.iter().find(|b| credssp::looks_like_tsrequest(b)) else {
                panic!("{cap} frame {}: no decrypted TSRequest", row[0]);
            };
            let (_, r) = credssp::parse_ts_request(b).unwrap();
            assert_eq!(u64::from(r.version), num(&row[1]), "{cap} frame {}", row[0]);
            if row[2].is_empty() {
                n += 1;
                continue;
            }
            let spnego::MechToken::Ntlm(tok) = spnego::unwrap_mech_token(r.nego_tokens[0]) else {
                panic!("{cap} frame {}: no NTLM token", row[0]);
            };
            let (_, m) = ntlm::parse_ntlm(tok).unwrap();
            match m {
                ntlm::NtlmMessage::Negotiate(neg) => {
                    assert_eq!(num(&row[2]), 1);
                    assert_eq!(u64::from(neg.version.unwrap().build), num(&row[6]));
                }
                ntlm::NtlmMessage::Challenge(c) => {
                    assert_eq!(num(&row[2]), 2);
                    assert_eq!(
                        c.server_challenge.to_vec(),
                        hex(&row[3]),
                        "{cap} frame {}",
                        row[0]
                    );
                    assert_eq!(
                        c.target_info.nb_computer_name.as_deref(),
                        Some(row[4].as_str())
                    );
                    assert_eq!(
                        c.target_info.dns_computer_name.as_deref(),
                        Some(row[5].as_str())
                    );
                    assert_eq!(
                        c.target_info.nb_domain_name.as_deref(),
                        Some(row[8].as_str())
                    );
                    assert_eq!(u64::from(c.version.unwrap().build), num(&row[6]));
                }
                ntlm::NtlmMessage::Authenticate(a) => {
                    assert_eq!(num(&row[2]), 3);
                    assert_eq!(a.user, row[7], "{cap} frame {}", row[0]);
                    assert_eq!(u64::from(a.version.unwrap().build), num(&row[6]));
                }
            }
            n += 1;
        }
    }
    eprintln!("compared {n} decrypted CredSSP/NTLM messages with tshark");
    assert!(n >= 10);
}
