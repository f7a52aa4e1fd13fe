//! Robustness of the RDP-core parsers (TPKT, X.224, negotiation, MCS, GCC,
//! RDP core) on real capture bytes:
//! * every prefix of a real fixture, fed to the parser that applies to it
//!   (and to each inner layer's parser on prefixes of that layer's slice),
//!   gives `Ok` or `Incomplete`, never `Invalid`;
//! * every entry point, on every prefix and on deterministic random byte
//!   flips of every fixture, returns without panicking.

#[allow(dead_code, clippy::useless_concat)]
mod frames {
    include!("fixtures/rdp_core/real_frames.rs");
}

use frames::*;
use rdpdiag_parsers::mcs::{DomainPdu, McsPdu};
use rdpdiag_parsers::x224::Tpdu;
use rdpdiag_parsers::{gcc, mcs, nego, rdp, tpkt, x224, ParseError};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

type P = fn(&[u8]) -> Result<(), ParseError>;

fn prefixes_ok(name: &str, data: &[u8], p: P) {
    for n in 0..data.len() {
        match p(&data[..n]) {
            Ok(()) | Err(ParseError::Incomplete { .. }) => {}
            Err(e) => panic!("{name}: prefix of {n}/{} bytes gave {e}", data.len()),
        }
    }
    if let Err(e) = p(data) {
        panic!("{name}: whole fixture gave {e}");
    }
}

fn cr(b: &[u8]) -> Result<(), ParseError> {
    nego::parse_connection_request(b).map(|_| ())
}
fn cc(b: &[u8]) -> Result<(), ParseError> {
    nego::parse_connection_confirm(b).map(|_| ())
}
fn mcs_pdu(b: &[u8]) -> Result<(), ParseError> {
    mcs::parse_mcs_pdu(b).map(|_| ())
}
fn gcc_req(b: &[u8]) -> Result<(), ParseError> {
    gcc::parse_conference_create_request(b).map(|_| ())
}
fn gcc_rsp(b: &[u8]) -> Result<(), ParseError> {
    gcc::parse_conference_create_response(b).map(|_| ())
}
fn secx(b: &[u8]) -> Result<(), ParseError> {
    rdp::parse_security_exchange(b).map(|_| ())
}
fn client_info(b: &[u8]) -> Result<(), ParseError> {
    rdp::parse_client_info(b).map(|_| ())
}
fn license(b: &[u8]) -> Result<(), ParseError> {
    rdp::parse_license_packet(b).map(|_| ())
}
fn share_control(b: &[u8]) -> Result<(), ParseError> {
    rdp::parse_share_control_pdu(b).map(|_| ())
}
fn secured(b: &[u8]) -> Result<(), ParseError> {
    rdp::parse_secured_pdu(b).map(|_| ())
}
fn fast_path(b: &[u8]) -> Result<(), ParseError> {
    rdp::parse_fast_path(b).map(|_| ())
}

/// Full chain for a DT frame: TPKT, X.224, MCS, then GCC for connect PDUs.
fn dt_chain(b: &[u8]) -> Result<(), ParseError> {
    let (_, t) = x224::parse_x224_frame(b)?;
    let Tpdu::Data(dt) = t else {
        return Err(ParseError::invalid("test", "tpdu", "not DT"));
    };
    match mcs::parse_mcs_pdu(dt.user_data)?.1 {
        McsPdu::ConnectInitial(ci) => gcc_req(ci.user_data),
        McsPdu::ConnectResponse(r) => gcc_rsp(r.user_data),
        McsPdu::Domain(_) => Ok(()),
    }
}

fn dt_user_data(frame: &[u8]) -> &[u8] {
    match x224::parse_x224_frame(frame) {
        Ok((_, Tpdu::Data(dt))) => dt.user_data,
        other => panic!("not DT: {other:?}"),
    }
}

fn send_data_payload(frame: &[u8]) -> &[u8] {
    match mcs::parse_mcs_pdu(dt_user_data(frame)) {
        Ok((_, McsPdu::Domain(DomainPdu::SendDataRequest(s)))) => s.user_data,
        Ok((_, McsPdu::Domain(DomainPdu::SendDataIndication(s)))) => s.user_data,
        other => panic!("not SendData: {other:?}"),
    }
}

fn connect_user_data(frame: &[u8]) -> &[u8] {
    match mcs::parse_mcs_pdu(dt_user_data(frame)) {
        Ok((_, McsPdu::ConnectInitial(c))) => c.user_data,
        Ok((_, McsPdu::ConnectResponse(c))) => c.user_data,
        other => panic!("not a connect PDU: {other:?}"),
    }
}

const CRS: &[(&str, &str)] = &[
    ("PE_F4_CR", PE_F4_CR),
    ("PE_F12_CR", PE_F12_CR),
    ("X509_F6_CR", X509_F6_CR),
    ("R3_F4_CR_LEGACY", R3_F4_CR_LEGACY),
    ("NDPI3_F4_CR_LEGACY", NDPI3_F4_CR_LEGACY),
    ("NDPI_F4_CR_NO_COOKIE", NDPI_F4_CR_NO_COOKIE),
    ("ARK_F587_CR", ARK_F587_CR),
    ("LAB_SEC_F4_CR_LEGACY", LAB_SEC_F4_CR_LEGACY),
    ("LAB_HYB_F4_CR", LAB_HYB_F4_CR),
    ("LAB_SSL_F4_CR_LEGACY", LAB_SSL_F4_CR_LEGACY),
    ("LAB_NLAX_F4_CR", LAB_NLAX_F4_CR),
];

const CCS: &[(&str, &str)] = &[
    ("PE_F5_CC_FAILURE", PE_F5_CC_FAILURE),
    ("PE_F13_CC", PE_F13_CC),
    ("X509_F7_CC", X509_F7_CC),
    ("R3_F6_CC_LEGACY", R3_F6_CC_LEGACY),
    ("NDPI_F5_CC", NDPI_F5_CC),
    ("LAB_SEC_F6_CC", LAB_SEC_F6_CC),
    ("LAB_HYB_F6_CC_FAILURE", LAB_HYB_F6_CC_FAILURE),
    ("LAB_SSL_F6_CC_FAILURE", LAB_SSL_F6_CC_FAILURE),
    ("LAB_NLAX_F6_CC", LAB_NLAX_F6_CC),
];

const CONNECTS: &[(&str, &str)] = &[
    ("PE_F14_CONNECT_INITIAL", PE_F14_CONNECT_INITIAL),
    ("PE_F15_CONNECT_RESPONSE", PE_F15_CONNECT_RESPONSE),
    ("X509_F11_CONNECT_INITIAL", X509_F11_CONNECT_INITIAL),
    ("X509_F12_13_CONNECT_RESPONSE", X509_F12_13_CONNECT_RESPONSE),
    ("R3_F7_CONNECT_INITIAL", R3_F7_CONNECT_INITIAL),
    ("R3_F8_CONNECT_RESPONSE", R3_F8_CONNECT_RESPONSE),
    ("NDPI3_F7_CONNECT_RESPONSE", NDPI3_F7_CONNECT_RESPONSE),
    ("LAB_SEC_F8_CONNECT_INITIAL", LAB_SEC_F8_CONNECT_INITIAL),
    ("LAB_SEC_F10_CONNECT_RESPONSE", LAB_SEC_F10_CONNECT_RESPONSE),
    ("TLS12_F12_CONNECT_INITIAL", TLS12_F12_CONNECT_INITIAL),
    ("TLS12_F13_CONNECT_RESPONSE", TLS12_F13_CONNECT_RESPONSE),
];

const DOMAIN: &[(&str, &str)] = &[
    ("PE_F16_ERECT", PE_F16_ERECT),
    ("PE_F17_ATTACH_USER_REQUEST", PE_F17_ATTACH_USER_REQUEST),
    ("PE_F19_ATTACH_USER_CONFIRM", PE_F19_ATTACH_USER_CONFIRM),
    ("PE_F20_CHANNEL_JOIN_REQUEST", PE_F20_CHANNEL_JOIN_REQUEST),
    ("PE_F21_CHANNEL_JOIN_CONFIRM", PE_F21_CHANNEL_JOIN_CONFIRM),
    ("LAB_KEY_F9_ULTIMATUM", LAB_KEY_F9_ULTIMATUM),
];

/// Send Data frames and the RDP parser for their payload.
const SEND_DATA: &[(&str, &str, P)] = &[
    ("PE_F32_SECURITY_EXCHANGE", PE_F32_SECURITY_EXCHANGE, secx),
    (
        "LAB_SEC_F38_SECURITY_EXCHANGE",
        LAB_SEC_F38_SECURITY_EXCHANGE,
        secx,
    ),
    (
        "PE_F33_CLIENT_INFO_ENCRYPTED",
        PE_F33_CLIENT_INFO_ENCRYPTED,
        secured,
    ),
    ("TLS12_F38_CLIENT_INFO", TLS12_F38_CLIENT_INFO, client_info),
    ("R3_F26_LICENSE_ERROR", R3_F26_LICENSE_ERROR, license),
    (
        "TLS12_F39_LICENSE_REQUEST",
        TLS12_F39_LICENSE_REQUEST,
        license,
    ),
    ("TLS12_F42_LICENSE_ERROR", TLS12_F42_LICENSE_ERROR, license),
    (
        "TLS12_F44_DEMAND_ACTIVE",
        TLS12_F44_DEMAND_ACTIVE,
        share_control,
    ),
    (
        "TLS12_F46_CONFIRM_ACTIVE",
        TLS12_F46_CONFIRM_ACTIVE,
        share_control,
    ),
    (
        "TLS12_F47_SYNCHRONIZE",
        TLS12_F47_SYNCHRONIZE,
        share_control,
    ),
];

const FAST_PATH: &[(&str, &str)] = &[
    ("R3_F37_FASTPATH_INPUT", R3_F37_FASTPATH_INPUT),
    ("LAB_SEC_F63_FASTPATH_INPUT", LAB_SEC_F63_FASTPATH_INPUT),
    ("TLS12_F60_FASTPATH_OUTPUT", TLS12_F60_FASTPATH_OUTPUT),
];

const FUZZED: &[(&str, &str)] = &[
    ("ZI_F4_GARBAGE", ZI_F4_GARBAGE),
    ("ZI_F5_BAD_NEG_LENGTH", ZI_F5_BAD_NEG_LENGTH),
    ("ZI_F6_GARBAGE", ZI_F6_GARBAGE),
    ("ZI_F7_GARBAGE", ZI_F7_GARBAGE),
];

#[test]
fn prefixes_are_ok_or_incomplete() {
    for (n, h) in CRS {
        prefixes_ok(n, &hex(h), cr);
    }
    for (n, h) in CCS {
        prefixes_ok(n, &hex(h), cc);
    }
    for (n, h) in CONNECTS.iter().chain(DOMAIN) {
        let f = hex(h);
        prefixes_ok(n, &f, dt_chain);
        prefixes_ok(n, dt_user_data(&f), mcs_pdu);
    }
    for (n, h) in CONNECTS {
        let f = hex(h);
        let ud = connect_user_data(&f);
        let p: P = if n.contains("INITIAL") {
            gcc_req
        } else {
            gcc_rsp
        };
        prefixes_ok(n, ud, p);
    }
    for (n, h, p) in SEND_DATA {
        let f = hex(h);
        prefixes_ok(n, &f, dt_chain);
        prefixes_ok(n, dt_user_data(&f), mcs_pdu);
        prefixes_ok(n, send_data_payload(&f), *p);
    }
    for (n, h) in FAST_PATH {
        prefixes_ok(n, &hex(h), fast_path);
    }
}

#[test]
fn fuzzed_capture_gives_invalid() {
    // zeek/rdp-invalid-length.pcap frames 4-7 (OSS-Fuzz output)
    for (n, h) in FUZZED {
        let f = hex(h);
        let r = nego::parse_connection_confirm(&f);
        assert!(matches!(r, Err(ParseError::Invalid { .. })), "{n}: {r:?}");
    }
}

/// Every entry point; results are ignored, only panics matter.
fn all_parsers(b: &[u8]) {
    let _ = tpkt::parse_tpkt(b);
    let _ = tpkt::parse_tpkt_frame(b);
    let _ = x224::parse_tpdu(b);
    let _ = x224::parse_x224_frame(b);
    let _ = nego::parse_connection_request(b);
    let _ = nego::parse_connection_confirm(b);
    let _ = nego::parse_cr_payload(b);
    let _ = nego::parse_cc_payload(b);
    let _ = nego::parse_cookie(b);
    let _ = nego::parse_correlation_info(b);
    let _ = mcs::parse_mcs_pdu(b);
    let _ = mcs::parse_domain_pdu(b);
    let _ = mcs::parse_connect_initial(b);
    let _ = mcs::parse_connect_response(b);
    let _ = gcc::parse_conference_create_request(b);
    let _ = gcc::parse_conference_create_response(b);
    if let Ok((_, blocks)) = gcc::parse_user_data_blocks(b) {
        let _ = gcc::decode_client_blocks(blocks.clone());
        let _ = gcc::decode_server_blocks(blocks);
    }
    let _ = gcc::parse_client_core(b);
    let _ = gcc::parse_client_network(b);
    let _ = gcc::parse_server_security(b);
    let _ = gcc::parse_server_certificate(b);
    let _ = rdp::parse_secured_pdu(b);
    let _ = rdp::parse_security_exchange(b);
    let _ = rdp::parse_client_info(b);
    let _ = rdp::parse_client_info_packet(b);
    let _ = rdp::parse_license_packet(b);
    let _ = rdp::parse_license_pdu(b);
    let _ = rdp::parse_share_control_pdu(b);
    let _ = rdp::parse_demand_active(b);
    let _ = rdp::parse_confirm_active(b);
    let _ = rdp::parse_deactivate_all(b);
    let _ = rdp::parse_set_error_info(b);
    let _ = rdp::parse_status_info(b);
    let _ = rdp::parse_early_user_auth_result(b);
    let _ = rdp::parse_rdstls(b);
    let _ = rdp::parse_multitransport_request(b);
    let _ = rdp::parse_multitransport_response(b);
    let _ = rdp::parse_fast_path(b);
    let _ = dt_chain(b);
}

fn every_fixture() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = Vec::new();
    for (_, h) in CRS
        .iter()
        .chain(CCS)
        .chain(CONNECTS)
        .chain(DOMAIN)
        .chain(FAST_PATH)
        .chain(FUZZED)
    {
        v.push(hex(h));
    }
    for (_, h, _) in SEND_DATA {
        v.push(hex(h));
    }
    // inner layers too, so flips hit their fields directly
    let mut inner = Vec::new();
    for f in &v {
        if let Ok((_, Tpdu::Data(dt))) = x224::parse_x224_frame(f) {
            inner.push(dt.user_data.to_vec());
            match mcs::parse_mcs_pdu(dt.user_data) {
                Ok((_, McsPdu::ConnectInitial(c))) => inner.push(c.user_data.to_vec()),
                Ok((_, McsPdu::ConnectResponse(c))) => inner.push(c.user_data.to_vec()),
                Ok((_, McsPdu::Domain(DomainPdu::SendDataRequest(s)))) => {
                    inner.push(s.user_data.to_vec())
                }
                Ok((_, McsPdu::Domain(DomainPdu::SendDataIndication(s)))) => {
                    inner.push(s.user_data.to_vec())
                }
                _ => {}
            }
        }
    }
    v.extend(inner);
    v
}

#[test]
fn every_parser_on_every_prefix_never_panics() {
    for f in every_fixture() {
        for n in 0..=f.len() {
            all_parsers(&f[..n]);
        }
    }
}

#[test]
fn random_byte_flips_never_panic() {
    // xorshift64*, fixed seed: deterministic
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for f in every_fixture() {
        if f.is_empty() {
            continue;
        }
        for _ in 0..300 {
            let mut m = f.clone();
            let flips = 1 + (next() % 4) as usize;
            for _ in 0..flips {
                let i = (next() % m.len() as u64) as usize;
                let r = next();
                // half the time a single bit, otherwise a whole random byte
                if r & 1 == 0 {
                    m[i] ^= 1 << ((r >> 1) % 8);
                } else {
                    m[i] = (r >> 8) as u8;
                }
            }
            all_parsers(&m);
            // truncated mutant too
            let cut = (next() % (m.len() as u64 + 1)) as usize;
            all_parsers(&m[..cut]);
        }
    }
}
