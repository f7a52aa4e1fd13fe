//! Robustness of the TLS / auth / transport parsers (TLS, X.509, CredSSP,
//! SPNEGO, NTLM, Kerberos, RDP-UDP, DNS, RD Gateway) on the real fixtures (see
//! `fixtures/tls_auth_transports/README.md` for capture and frame of each): every parser on
//! every prefix of every fixture, and on deterministic random byte flips,
//! must return (never panic); streaming parsers must report a strict prefix
//! of a message they accept as `Incomplete`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rdpdiag_parsers::{credssp, dns, kerberos, ntlm, rdg, rdpeudp, spnego, tls, x509};
use std::path::PathBuf;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls_auth_transports");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 40, "fixtures missing");
    out
}

/// Run every parser on `b`; results are discarded, only panics matter.
fn all_parsers(b: &[u8]) {
    let _ = tls::parse_record_header(b);
    if let Ok((_, recs)) = tls::parse_records(b) {
        let mut hb = tls::HandshakeBuffer::with_limit(64 * 1024);
        for r in recs {
            let _ = tls::classify_record(&r, false);
            let _ = tls::parse_alert(r.fragment);
            if let Ok(msgs) = hb.push(r.fragment) {
                for m in msgs {
                    let _ = tls::parse_handshake(&m.raw);
                    let _ = tls::parse_tls13_certificate(&m.raw);
                }
            }
        }
    }
    let _ = tls::parse_handshake(b);
    let _ = tls::parse_client_hello(b);
    let _ = tls::parse_server_hello(b);
    let _ = tls::parse_certificate(b);
    let _ = tls::parse_tls13_certificate(b);
    let _ = tls::decode_client_hello(b);
    let _ = tls::decode_server_hello(b);
    let _ = x509::parse_certificate(b);
    if let Ok((_, r)) = credssp::parse_ts_request(b) {
        for t in r.nego_tokens {
            let _ = spnego::unwrap_mech_token(t);
            let _ = ntlm::parse_ntlm(t);
        }
    }
    let _ = credssp::looks_like_tsrequest(b);
    let _ = spnego::parse_spnego(b);
    let _ = spnego::parse_gss_wrapper(b);
    let _ = spnego::unwrap_mech_token(b);
    let _ = ntlm::parse_ntlm(b);
    let _ = ntlm::parse_negotiate(b);
    let _ = ntlm::parse_challenge(b);
    let _ = ntlm::parse_authenticate(b);
    let _ = kerberos::parse_kerberos(b);
    let _ = kerberos::parse_kerberos_tcp(b);
    let _ = rdpeudp::parse_syn(b);
    let _ = rdpeudp::parse_v1_packet(b);
    let _ = rdpeudp::parse_rdpeudp2_header(b);
    let _ = rdpeudp::classify_datagram(b, false);
    let _ = rdpeudp::classify_datagram(b, true);
    let _ = dns::parse_message(b);
    let _ = dns::parse_dns_tcp(b);
    let _ = rdg::parse_http_request(b);
    let _ = rdg::parse_http_response(b);
    let _ = rdg::parse_packet(b);
    // The same bytes behind an NTLMSSP signature / inside a TSRequest wrapper
    // reach the NTLM and CredSSP field walkers with arbitrary offsets.
    let mut n = b"NTLMSSP\0".to_vec();
    n.extend_from_slice(b.get(..b.len().min(300)).unwrap_or(b));
    let _ = ntlm::parse_ntlm(&n);
}

#[test]
fn every_prefix_of_every_fixture() {
    for (name, b) in fixtures() {
        // cap the quadratic work on the large fixtures
        let step = if b.len() > 800 { 7 } else { 1 };
        for cut in (0..=b.len()).step_by(step) {
            all_parsers(&b[..cut]);
        }
        // streaming parsers: a strict prefix of an accepted message is Incomplete
        if tls::parse_record(&b).is_ok() {
            for cut in 0..5.min(b.len()) {
                assert!(
                    tls::parse_record(&b[..cut]).unwrap_err().is_incomplete(),
                    "{name} @{cut}"
                );
            }
            let (_, r) = tls::parse_record(&b).unwrap();
            let whole = 5 + r.fragment.len();
            assert!(
                tls::parse_record(&b[..whole - 1])
                    .unwrap_err()
                    .is_incomplete(),
                "{name}"
            );
        }
        if let Ok((rest, _)) = credssp::parse_ts_request(&b) {
            let whole = b.len() - rest.len();
            for cut in 0..whole {
                assert!(
                    credssp::parse_ts_request(&b[..cut])
                        .unwrap_err()
                        .is_incomplete(),
                    "{name} @{cut}"
                );
            }
        }
        if kerberos::parse_kerberos(&b).is_ok() {
            for cut in 0..b.len() {
                assert!(
                    kerberos::parse_kerberos(&b[..cut])
                        .unwrap_err()
                        .is_incomplete(),
                    "{name} @{cut}"
                );
            }
        }
        if rdpeudp::parse_syn(&b).is_ok() {
            for cut in 0..16 {
                assert!(
                    rdpeudp::parse_syn(&b[..cut]).unwrap_err().is_incomplete(),
                    "{name} @{cut}"
                );
            }
        }
        if name.starts_with("dns_") {
            assert!(dns::parse_message(&b).is_ok(), "{name}");
            for cut in 0..b.len() {
                if let Err(e) = dns::parse_message(&b[..cut]) {
                    assert!(e.is_incomplete(), "{name} @{cut}: {e}");
                }
            }
        }
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn random_byte_flips_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for (_, b) in fixtures() {
        if b.is_empty() {
            continue;
        }
        for _ in 0..120 {
            let mut m = b.clone();
            let flips = 1 + (rng.next() % 4) as usize;
            for _ in 0..flips {
                let i = (rng.next() % m.len() as u64) as usize;
                let v = rng.next() as u8;
                m[i] = match rng.next() % 3 {
                    0 => v,
                    1 => 0xff,
                    _ => m[i] ^ (1 << (v % 8)),
                };
            }
            all_parsers(&m);
        }
    }
}
