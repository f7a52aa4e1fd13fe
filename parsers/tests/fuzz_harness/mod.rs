//! The fuzz harnesses, one function per cargo-fuzz target: the targets in
//! `fuzz/fuzz_targets/` include this file, and `tests/fuzz_regressions.rs`
//! replays every saved crash input through the same functions.
#![allow(dead_code)]

use rdpdiag_parsers::{
    credssp, dns, gcc, kerberos, mcs, nego, ntlm, rdg, rdp, rdpeudp, spnego, tls, tpkt, x224, x509,
};

/// TPKT (RFC 1006), X.224 class 0 TPDUs, fast-path headers and the first-byte
/// classifier: the entry points the flow engine calls on every RDP segment.
pub fn tpkt_x224(data: &[u8]) {
    if let Some(b) = data.first() {
        let _ = format!("{:?}", tpkt::classify_first_byte(*b));
    }
    let _ = format!("{:?}", tpkt::parse_tpkt_header(data));
    let _ = format!("{:?}", tpkt::parse_tpkt_frame(data));
    if let Ok((_, payload)) = tpkt::parse_tpkt(data) {
        let _ = format!("{:?}", x224::parse_tpdu(payload));
    }
    let _ = format!("{:?}", x224::parse_tpdu(data));
    let _ = format!("{:?}", x224::parse_x224_frame(data));
    let _ = format!("{:?}", rdp::parse_fast_path_header(data));
    let _ = format!("{:?}", rdp::parse_fast_path(data));
}

/// RDP negotiation (MS-RDPBCGR 2.2.1.1/2.2.1.2): X.224 Connection Request /
/// Confirm with cookie, routing token, RDP_NEG_REQ/RSP/FAILURE, correlation info.
pub fn nego(data: &[u8]) {
    let _ = format!("{:?}", nego::parse_connection_request(data));
    let _ = format!("{:?}", nego::parse_connection_confirm(data));
    let _ = format!("{:?}", nego::parse_cr_payload(data));
    let _ = format!("{:?}", nego::parse_cc_payload(data));
    let _ = format!("{:?}", nego::parse_cookie(data));
    if let Ok((_, r)) = nego::parse_neg_req(data) {
        let p = r.requested_protocols;
        let _ = format!("{r:?} {p} {:?}", p.names());
    }
    let _ = format!("{:?}", nego::parse_neg_rsp(data));
    let _ = format!("{:?}", nego::parse_neg_failure(data));
    let _ = format!("{:?}", nego::parse_correlation_info(data));
}

/// MCS (T.125 BER connect PDUs, PER domain PDUs) and GCC Conference Create
/// Request/Response with the client and server data blocks (MS-RDPBCGR 2.2.1.3/2.2.1.4).
pub fn mcs_gcc(data: &[u8]) {
    let _ = format!("{:?}", mcs::parse_mcs_pdu(data));
    if let Ok((_, ci)) = mcs::parse_connect_initial(data) {
        let _ = format!("{ci:?}");
    }
    let _ = format!("{:?}", mcs::parse_connect_response(data));
    let _ = format!("{:?}", mcs::parse_domain_pdu(data));
    let _ = format!("{:?}", gcc::parse_conference_create_request(data));
    let _ = format!("{:?}", gcc::parse_conference_create_response(data));
    if let Ok((_, blocks)) = gcc::parse_user_data_blocks(data) {
        let _ = format!("{:?}", gcc::decode_client_blocks(blocks.clone()));
        let _ = format!("{:?}", gcc::decode_server_blocks(blocks));
    }
    let _ = format!("{:?}", gcc::parse_client_core(data));
    let _ = format!("{:?}", gcc::parse_client_network(data));
    let _ = format!("{:?}", gcc::parse_server_certificate(data));
    let _ = format!("{:?}", gcc::parse_server_security(data));
}

/// RDP security and connection-sequence PDUs (MS-RDPBCGR 2.2.1.x, 2.2.3, 2.2.8,
/// 2.2.10, 2.2.15): security header, Security Exchange, Client Info, licensing,
/// Share Control/Data, Demand/Confirm Active, errors, RDSTLS, multitransport.
pub fn rdp_pdu(data: &[u8]) {
    let _ = format!("{:?}", rdp::parse_security_header(data));
    let _ = format!("{:?}", rdp::parse_secured_pdu(data));
    let _ = format!("{:?}", rdp::parse_security_exchange(data));
    let _ = format!("{:?}", rdp::parse_client_info_packet(data));
    let _ = format!("{:?}", rdp::parse_client_info(data));
    let _ = format!("{:?}", rdp::parse_license_pdu(data));
    let _ = format!("{:?}", rdp::parse_license_packet(data));
    let _ = format!("{:?}", rdp::parse_share_control_header(data));
    let _ = format!("{:?}", rdp::parse_share_data_header(data));
    let _ = format!("{:?}", rdp::parse_share_control_pdu(data));
    let _ = format!("{:?}", rdp::parse_demand_active(data));
    let _ = format!("{:?}", rdp::parse_confirm_active(data));
    let _ = format!("{:?}", rdp::parse_deactivate_all(data));
    let _ = format!("{:?}", rdp::parse_set_error_info(data));
    let _ = format!("{:?}", rdp::parse_status_info(data));
    let _ = format!("{:?}", rdp::parse_early_user_auth_result(data));
    let _ = format!("{:?}", rdp::parse_rdstls(data));
    let _ = format!("{:?}", rdp::parse_multitransport_request(data));
    let _ = format!("{:?}", rdp::parse_multitransport_response(data));
}

/// TLS record layer and handshake (RFC 5246/8446) including handshake
/// messages split across records, and X.509 certificates.
pub fn tls_x509(data: &[u8]) {
    let _ = format!("{:?}", tls::parse_record_header(data));
    if let Ok((_, recs)) = tls::parse_records(data) {
        let mut hb = tls::HandshakeBuffer::with_limit(64 * 1024);
        for r in &recs {
            let _ = format!("{:?}", tls::classify_record(r, false));
            let _ = format!("{:?}", tls::classify_record(r, true));
            let _ = format!("{:?}", tls::parse_alert(r.fragment));
            if let Ok(msgs) = hb.push(r.fragment) {
                for m in msgs {
                    let _ = format!("{:?}", tls::parse_handshake(&m.raw));
                }
            }
        }
    }
    let _ = format!("{:?}", tls::parse_handshake_message(data));
    let _ = format!("{:?}", tls::parse_handshake(data));
    let _ = format!("{:?}", tls::parse_client_hello(data));
    let _ = format!("{:?}", tls::parse_server_hello(data));
    if let Ok((_, certs)) = tls::parse_certificate(data) {
        for c in certs {
            let _ = format!("{:?}", x509::parse_certificate(c));
        }
    }
    let _ = format!("{:?}", tls::parse_tls13_certificate(data));
    let _ = format!("{:?}", x509::parse_certificate(data));
}

/// CredSSP TSRequest (MS-CSSP), SPNEGO, NTLMSSP (MS-NLMP) and Kerberos messages.
pub fn auth(data: &[u8]) {
    let _ = credssp::looks_like_tsrequest(data);
    if let Ok((_, ts)) = credssp::parse_ts_request(data) {
        let _ = format!("{ts:?}");
    }
    let _ = format!("{:?}", spnego::parse_gss_wrapper(data));
    let _ = format!("{:?}", spnego::parse_spnego(data));
    let _ = format!("{:?}", spnego::parse_neg_token_init(data));
    let _ = format!("{:?}", spnego::parse_neg_token_resp(data));
    let _ = format!("{:?}", spnego::unwrap_mech_token(data));
    if let Ok((_, m)) = ntlm::parse_ntlm(data) {
        let _ = format!("{m:?}");
    }
    let pairs = ntlm::parse_av_pairs(data);
    let _ = format!("{:?}", ntlm::target_info(&pairs));
    let _ = ntlm::utf16le(data);
    let _ = format!("{:?}", kerberos::parse_kerberos(data));
    let _ = format!("{:?}", kerberos::parse_kerberos_tcp(data));
}

/// RDP-UDP (MS-RDPEUDP/-UDP2): SYN / SYN+ACK, v1 packets, RDPEUDP2 headers.
pub fn rdpeudp(data: &[u8]) {
    let _ = format!("{:?}", rdpeudp::parse_fec_header(data));
    if let Ok((_, s)) = rdpeudp::parse_syn(data) {
        let _ = format!("{s:?} {:?} {}", s.udp_version(), s.mtus_in_spec_range());
    }
    let _ = format!("{:?}", rdpeudp::parse_v1_packet(data));
    let _ = format!("{:?}", rdpeudp::parse_rdpeudp2_header(data));
    let _ = format!("{:?}", rdpeudp::classify_datagram(data, false));
    let _ = format!("{:?}", rdpeudp::classify_datagram(data, true));
}

/// DNS messages (RFC 1035) over UDP and TCP.
pub fn dns(data: &[u8]) {
    if let Ok((_, m)) = dns::parse_message(data) {
        let _ = format!("{m:?} {:?} {:?}", m.addresses(), m.cnames());
    }
    let _ = format!("{:?}", dns::parse_header(data));
    let _ = format!("{:?}", dns::parse_dns_tcp(data));
}

/// RD Gateway HTTP transport (MS-TSGU): HTTP request/response, RDG packets.
pub fn rdg(data: &[u8]) {
    let _ = format!("{:?}", rdg::parse_http_request(data));
    let _ = format!("{:?}", rdg::parse_http_response(data));
    let _ = format!("{:?}", rdg::parse_packet_header(data));
    let _ = format!("{:?}", rdg::parse_packet(data));
}
