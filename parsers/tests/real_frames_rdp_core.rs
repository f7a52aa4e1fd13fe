//! RDP-core parsers (TPKT, X.224, negotiation, MCS, GCC, RDP core) on real
//! bytes cut from captures. Every constant in `fixtures/rdp_core/real_frames.rs`
//! names its capture file and frame.

#[allow(dead_code, clippy::useless_concat)]
mod frames {
    include!("fixtures/rdp_core/real_frames.rs");
}

use frames::*;
use rdpdiag_parsers::gcc::{
    self, BlockType, EncryptionLevel, EncryptionMethods, ServerCertificate,
};
use rdpdiag_parsers::mcs::{self, DisconnectReason, DomainPdu, McsPdu, McsResult};
use rdpdiag_parsers::nego::{self, CookieKind, FailureCode, NegResponse, NegRspFlags, Protocols};
use rdpdiag_parsers::rdp::{self, LicenseBody, LicenseMsgType, PduType, PduType2, SecurityFlags};
use rdpdiag_parsers::tpkt::{self, FrameKind};
use rdpdiag_parsers::x224::{self, Tpdu};
use rdpdiag_parsers::ParseError;

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0);
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// TPKT -> X.224 DT -> MCS PDU.
fn mcs_of(frame: &[u8]) -> McsPdu<'_> {
    let (rest, tpdu) = x224::parse_x224_frame(frame).expect("x224");
    assert!(rest.is_empty(), "one TPKT per fixture");
    let Tpdu::Data(dt) = tpdu else {
        panic!("not DT: {tpdu:?}")
    };
    assert!(dt.eot());
    let (_, pdu) = mcs::parse_mcs_pdu(dt.user_data).expect("mcs");
    pdu
}

/// TPKT -> X.224 DT -> MCS SendData -> (channel, user data).
fn send_data_of(frame: &[u8]) -> mcs::SendData<'_> {
    match mcs_of(frame) {
        McsPdu::Domain(DomainPdu::SendDataRequest(sd))
        | McsPdu::Domain(DomainPdu::SendDataIndication(sd)) => sd,
        other => panic!("not SendData: {other:?}"),
    }
}

fn client_data(frame: &[u8]) -> gcc::ClientData<'_> {
    let McsPdu::ConnectInitial(ci) = mcs_of(frame) else {
        panic!("not Connect-Initial")
    };
    gcc::parse_conference_create_request(ci.user_data)
        .expect("gcc request")
        .1
}

fn server_data(frame: &[u8]) -> (mcs::ConnectResponse<'_>, gcc::ServerData<'_>) {
    let McsPdu::ConnectResponse(cr) = mcs_of(frame) else {
        panic!("not Connect-Response")
    };
    let (_, sd) = gcc::parse_conference_create_response(cr.user_data).expect("gcc response");
    (cr, sd)
}

// ------------------------------------------------------------------ TPKT

#[test]
fn tpkt_frames_and_demux() {
    // zeek/rdp-proprietary-encryption.pcap frame 14
    let f = hex(PE_F14_CONNECT_INITIAL);
    let (rest, t) = tpkt::parse_tpkt_frame(&f).unwrap();
    assert!(rest.is_empty());
    assert_eq!(t.header.length, 0x01ac);
    assert_eq!(t.payload.len(), 0x01ac - 4);
    assert_eq!(tpkt::classify_first_byte(f[0]), FrameKind::Tpkt);
    // suricata-verify RDP-003.pcap frame 37: fast-path input
    assert_eq!(
        tpkt::classify_first_byte(hex(R3_F37_FASTPATH_INPUT)[0]),
        FrameKind::FastPath
    );
    // lab/server_key_unusable.pcap frame 8 starts a TLS ClientHello (0x16)
    assert_eq!(tpkt::classify_first_byte(0x16), FrameKind::TlsRecord(0x16));
    // zeek/rdp-x509.pcap frame 12 alone is a partial TPKT (continues in frame 13)
    let both = hex(X509_F12_13_CONNECT_RESPONSE);
    let first = &both[..both.len() - 7];
    assert_eq!(
        tpkt::parse_tpkt(first),
        Err(ParseError::Incomplete { needed: 7 })
    );
    assert!(tpkt::parse_tpkt(&both).is_ok());
}

#[test]
fn tpkt_fuzzed_capture_is_invalid() {
    // zeek/rdp-invalid-length.pcap frame 6: starts 0x05 (not a TPKT)
    assert!(matches!(
        tpkt::parse_tpkt(&hex(ZI_F6_GARBAGE)),
        Err(ParseError::Invalid {
            what: "TPKT",
            field: "version",
            ..
        })
    ));
    // zeek/rdp-invalid-length.pcap frame 4: ASCII garbage
    assert!(matches!(
        tpkt::parse_tpkt(&hex(ZI_F4_GARBAGE)),
        Err(ParseError::Invalid { .. })
    ));
}

// ------------------------------------------------------------------ X.224

#[test]
fn x224_cr_cc_dt() {
    // zeek/rdp-proprietary-encryption.pcap frame 4: CR
    let f = hex(PE_F4_CR);
    let (_, t) = x224::parse_x224_frame(&f).unwrap();
    let Tpdu::ConnectionRequest(cr) = t else {
        panic!()
    };
    assert_eq!((cr.dst_ref, cr.src_ref, cr.class()), (0, 0, 0));
    assert_eq!(cr.variable.len(), 0x2a - 6);
    assert!(cr.user_data.is_empty());
    // frame 5: CC with SRC-REF 0x1234
    let f = hex(PE_F5_CC_FAILURE);
    let (_, t) = x224::parse_x224_frame(&f).unwrap();
    assert_eq!(t.code(), x224::TpduCode::CC);
    let Tpdu::ConnectionConfirm(cc) = t else {
        panic!()
    };
    assert_eq!(cc.src_ref, 0x1234);
    // frame 16: DT
    let f = hex(PE_F16_ERECT);
    let (_, t) = x224::parse_x224_frame(&f).unwrap();
    let Tpdu::Data(dt) = t else { panic!() };
    assert_eq!(dt.eot_nr, 0x80);
    assert_eq!(dt.user_data, &[0x04, 0x01, 0x00, 0x01, 0x00]);
}

// ------------------------------------------------------------------ nego

#[test]
fn nego_request_with_cookie_and_neg_req() {
    // zeek/rdp-proprietary-encryption.pcap frame 4
    let f = hex(PE_F4_CR);
    let (rest, cr) = nego::parse_connection_request(&f).unwrap();
    assert!(rest.is_empty());
    let c = cr.cookie.unwrap();
    assert_eq!(c.kind, CookieKind::MstsHash);
    assert_eq!(c.value_str(), "FTBCO\\A70");
    let n = cr.neg_req.unwrap();
    assert_eq!(n.requested_protocols, Protocols::SSL);
    assert_eq!(n.flags.0, 0);
    assert!(cr.correlation.is_none());
    assert!(cr.trailing.is_empty());
    // frame 12: the retry asks for PROTOCOL_RDP
    let f = hex(PE_F12_CR);
    let (_, cr) = nego::parse_connection_request(&f).unwrap();
    assert_eq!(cr.neg_req.unwrap().requested_protocols, Protocols::RDP);
    assert_eq!(cr.requested_protocols().to_string(), "PROTOCOL_RDP");
    // zeek/rdp-x509.pcap frame 6: cookie with trailing spaces kept
    let f = hex(X509_F6_CR);
    let (_, cr) = nego::parse_connection_request(&f).unwrap();
    assert_eq!(cr.cookie.unwrap().value, b"JOHN-PC  ");
    // lab/nla_client_vs_xrdp.pcap frame 4: SSL|HYBRID
    let f = hex(LAB_NLAX_F4_CR);
    let (_, cr) = nego::parse_connection_request(&f).unwrap();
    assert_eq!(cr.neg_req.unwrap().requested_protocols, Protocols(3));
    assert_eq!(cr.cookie.unwrap().value, b"labuser");
    // lab/hybrid_required_by_server.pcap frame 4: SSL only
    let f = hex(LAB_HYB_F4_CR);
    let (_, cr) = nego::parse_connection_request(&f).unwrap();
    assert_eq!(cr.neg_req.unwrap().requested_protocols, Protocols::SSL);
    // arkime/arkime_synthetic.pcap frame 587 (SRC-REF 1)
    let f = hex(ARK_F587_CR);
    let (_, cr) = nego::parse_connection_request(&f).unwrap();
    assert_eq!(cr.tpdu.src_ref, 1);
    assert_eq!(cr.cookie.unwrap().value, b"rdpuser");
}

#[test]
fn nego_request_without_cookie() {
    // nDPI/rdp.pcap frame 4: no cookie, SSL|HYBRID|HYBRID_EX
    let f = hex(NDPI_F4_CR_NO_COOKIE);
    let (_, cr) = nego::parse_connection_request(&f).unwrap();
    assert!(cr.cookie.is_none());
    let p = cr.neg_req.unwrap().requested_protocols;
    assert_eq!(p, Protocols(0xb));
    assert!(p.contains(Protocols::HYBRID_EX));
    assert_eq!(
        p.names(),
        vec!["PROTOCOL_SSL", "PROTOCOL_HYBRID", "PROTOCOL_HYBRID_EX"]
    );
}

#[test]
fn nego_legacy_request() {
    // suricata-verify RDP-003.pcap frame 4: cookie only, no RDP_NEG_REQ
    let f = hex(R3_F4_CR_LEGACY);
    let (_, cr) = nego::parse_connection_request(&f).unwrap();
    assert_eq!(cr.cookie.unwrap().value, b"A70067");
    assert!(cr.neg_req.is_none());
    assert_eq!(cr.requested_protocols(), Protocols::RDP);
    // nDPI/rdp3.pcap frame 4
    let f = hex(NDPI3_F4_CR_LEGACY);
    let (_, cr) = nego::parse_connection_request(&f).unwrap();
    assert_eq!(cr.cookie.unwrap().value, b"Administr");
    assert!(cr.neg_req.is_none());
    // lab/rdp_sec_ok.pcap frame 4 and lab/ssl_required_by_server.pcap frame 4
    for h in [LAB_SEC_F4_CR_LEGACY, LAB_SSL_F4_CR_LEGACY] {
        let f = hex(h);
        let (_, cr) = nego::parse_connection_request(&f).unwrap();
        assert!(cr.neg_req.is_none());
        assert_eq!(cr.cookie.unwrap().kind, CookieKind::MstsHash);
    }
}

#[test]
fn nego_confirm_variants() {
    // zeek/rdp-proprietary-encryption.pcap frame 5: NEG_FAILURE 2
    let f = hex(PE_F5_CC_FAILURE);
    let (_, cc) = nego::parse_connection_confirm(&f).unwrap();
    let Some(NegResponse::Failure(fl)) = cc.neg else {
        panic!()
    };
    assert_eq!(fl.code, FailureCode::SSL_NOT_ALLOWED_BY_SERVER);
    assert_eq!(fl.code.name(), Some("SSL_NOT_ALLOWED_BY_SERVER"));
    // lab/hybrid_required_by_server.pcap frame 6: NEG_FAILURE 5
    let f = hex(LAB_HYB_F6_CC_FAILURE);
    let (_, cc) = nego::parse_connection_confirm(&f).unwrap();
    assert_eq!(
        cc.neg,
        Some(NegResponse::Failure(nego::NegFailure {
            flags: 0,
            code: FailureCode::HYBRID_REQUIRED_BY_SERVER
        }))
    );
    // lab/ssl_required_by_server.pcap frame 6: NEG_FAILURE 1
    let f = hex(LAB_SSL_F6_CC_FAILURE);
    let (_, cc) = nego::parse_connection_confirm(&f).unwrap();
    let Some(NegResponse::Failure(fl)) = cc.neg else {
        panic!()
    };
    assert_eq!(fl.code, FailureCode::SSL_REQUIRED_BY_SERVER);
    // zeek/rdp-proprietary-encryption.pcap frame 13: NEG_RSP RDP
    let f = hex(PE_F13_CC);
    let (_, cc) = nego::parse_connection_confirm(&f).unwrap();
    let Some(NegResponse::Rsp(r)) = cc.neg else {
        panic!()
    };
    assert_eq!(r.selected_protocol, Protocols::RDP);
    // zeek/rdp-x509.pcap frame 7
    let f = hex(X509_F7_CC);
    let (_, cc) = nego::parse_connection_confirm(&f).unwrap();
    assert!(matches!(cc.neg, Some(NegResponse::Rsp(_))));
    // nDPI/rdp.pcap frame 5: flags 0x1f, HYBRID_EX
    let f = hex(NDPI_F5_CC);
    let (_, cc) = nego::parse_connection_confirm(&f).unwrap();
    let Some(NegResponse::Rsp(r)) = cc.neg else {
        panic!()
    };
    assert_eq!(r.selected_protocol, Protocols::HYBRID_EX);
    assert!(r
        .flags
        .contains(NegRspFlags::EXTENDED_CLIENT_DATA_SUPPORTED));
    assert!(r
        .flags
        .contains(NegRspFlags::REDIRECTED_AUTHENTICATION_MODE_SUPPORTED));
    assert_eq!(r.flags.names().len(), 5);
    // lab/nla_client_vs_xrdp.pcap frame 6: xrdp selects SSL
    let f = hex(LAB_NLAX_F6_CC);
    let (_, cc) = nego::parse_connection_confirm(&f).unwrap();
    let Some(NegResponse::Rsp(r)) = cc.neg else {
        panic!()
    };
    assert_eq!((r.flags.0, r.selected_protocol), (1, Protocols::SSL));
    // lab/rdp_sec_ok.pcap frame 6: freerdp-shadow, flags 0x03, RDP
    let f = hex(LAB_SEC_F6_CC);
    let (_, cc) = nego::parse_connection_confirm(&f).unwrap();
    let Some(NegResponse::Rsp(r)) = cc.neg else {
        panic!()
    };
    assert_eq!((r.flags.0, r.selected_protocol), (3, Protocols::RDP));
    assert_eq!(cc.tpdu.src_ref, 0);
}

#[test]
fn nego_legacy_confirm() {
    // suricata-verify RDP-003.pcap frame 6: empty CC (legacy server)
    let f = hex(R3_F6_CC_LEGACY);
    let (_, cc) = nego::parse_connection_confirm(&f).unwrap();
    assert!(cc.neg.is_none());
    assert_eq!(cc.tpdu.src_ref, 0x1234);
}

#[test]
fn nego_fuzzed_confirm_is_invalid() {
    // zeek/rdp-invalid-length.pcap frame 5: RDP_NEG_RSP with length 0
    let f = hex(ZI_F5_BAD_NEG_LENGTH);
    assert_eq!(
        nego::parse_connection_confirm(&f),
        Err(ParseError::Invalid {
            what: "RDP_NEG_RSP",
            field: "length",
            reason: "must be 8"
        })
    );
}

#[test]
fn nego_wrong_direction() {
    // zeek/rdp-proprietary-encryption.pcap frame 5 is a CC, not a CR
    let f = hex(PE_F5_CC_FAILURE);
    assert!(matches!(
        nego::parse_connection_request(&f),
        Err(ParseError::Invalid { field: "code", .. })
    ));
}

// ------------------------------------------------------------------ MCS

#[test]
fn mcs_connect_initial() {
    // zeek/rdp-proprietary-encryption.pcap frame 14
    let f = hex(PE_F14_CONNECT_INITIAL);
    let McsPdu::ConnectInitial(ci) = mcs_of(&f) else {
        panic!()
    };
    assert_eq!(ci.calling_domain_selector, &[1]);
    assert!(ci.upward_flag);
    assert_eq!(ci.target_parameters.max_channel_ids, 34);
    assert_eq!(ci.target_parameters.max_mcs_pdu_size, 0xffff);
    assert_eq!(ci.target_parameters.protocol_version, 2);
    assert_eq!(ci.minimum_parameters.max_mcs_pdu_size, 0x420);
    assert_eq!(ci.maximum_parameters.max_user_ids, 0xfc17);
    assert_eq!(ci.user_data.len(), 0x13f);
}

#[test]
fn mcs_connect_response() {
    // zeek/rdp-proprietary-encryption.pcap frame 15
    let f = hex(PE_F15_CONNECT_RESPONSE);
    let McsPdu::ConnectResponse(cr) = mcs_of(&f) else {
        panic!()
    };
    assert_eq!(cr.result, McsResult::RT_SUCCESSFUL);
    assert_eq!(cr.result.to_string(), "rt-successful");
    assert_eq!(cr.called_connect_id, 0);
    assert_eq!(cr.domain_parameters.max_channel_ids, 34);
    assert_eq!(cr.domain_parameters.max_mcs_pdu_size, 0xfff8);
    assert_eq!(cr.user_data.len(), 0x11f);
    // suricata-verify RDP-003.pcap frame 8, nDPI/rdp3.pcap frame 7
    for h in [
        R3_F8_CONNECT_RESPONSE,
        NDPI3_F7_CONNECT_RESPONSE,
        LAB_SEC_F10_CONNECT_RESPONSE,
    ] {
        let f = hex(h);
        let McsPdu::ConnectResponse(cr) = mcs_of(&f) else {
            panic!()
        };
        assert_eq!(cr.result, McsResult::RT_SUCCESSFUL);
    }
}

#[test]
fn mcs_domain_pdus() {
    // zeek/rdp-proprietary-encryption.pcap frames 16, 17, 19, 20, 21
    let f = hex(PE_F16_ERECT);
    assert_eq!(
        mcs_of(&f),
        McsPdu::Domain(DomainPdu::ErectDomainRequest {
            sub_height: 0,
            sub_interval: 0
        })
    );
    let f = hex(PE_F17_ATTACH_USER_REQUEST);
    assert_eq!(mcs_of(&f), McsPdu::Domain(DomainPdu::AttachUserRequest));
    let f = hex(PE_F19_ATTACH_USER_CONFIRM);
    assert_eq!(
        mcs_of(&f),
        McsPdu::Domain(DomainPdu::AttachUserConfirm {
            result: McsResult::RT_SUCCESSFUL,
            initiator: Some(1008)
        })
    );
    let f = hex(PE_F20_CHANNEL_JOIN_REQUEST);
    assert_eq!(
        mcs_of(&f),
        McsPdu::Domain(DomainPdu::ChannelJoinRequest {
            initiator: 1008,
            channel_id: 1008
        })
    );
    let f = hex(PE_F21_CHANNEL_JOIN_CONFIRM);
    assert_eq!(
        mcs_of(&f),
        McsPdu::Domain(DomainPdu::ChannelJoinConfirm {
            result: McsResult::RT_SUCCESSFUL,
            initiator: 1008,
            requested: 1008,
            channel_id: Some(1008)
        })
    );
}

#[test]
fn mcs_disconnect_provider_ultimatum() {
    // lab/server_key_unusable.pcap frame 9: 21 80 = rn-user-requested
    let f = hex(LAB_KEY_F9_ULTIMATUM);
    let McsPdu::Domain(d) = mcs_of(&f) else {
        panic!()
    };
    assert_eq!(
        d,
        DomainPdu::DisconnectProviderUltimatum {
            reason: DisconnectReason::RN_USER_REQUESTED
        }
    );
    assert_eq!(d.pdu_type().name(), Some("disconnectProviderUltimatum"));
}

#[test]
fn mcs_send_data() {
    // zeek/rdp-proprietary-encryption.pcap frame 32: SendDataRequest, 1-byte PER length
    let f = hex(PE_F32_SECURITY_EXCHANGE);
    let sd = send_data_of(&f);
    assert_eq!((sd.initiator, sd.channel_id), (1008, 1003));
    assert_eq!(sd.priority, mcs::DataPriority::HIGH);
    assert_eq!(sd.segmentation, 0x3);
    assert_eq!(sd.user_data.len(), 0x50);
    // frame 33: 2-byte PER length 0x168
    let f = hex(PE_F33_CLIENT_INFO_ENCRYPTED);
    assert_eq!(send_data_of(&f).user_data.len(), 0x168);
    // suricata-verify RDP-003.pcap frame 26: SendDataIndication from the server
    let f = hex(R3_F26_LICENSE_ERROR);
    let McsPdu::Domain(DomainPdu::SendDataIndication(sd)) = mcs_of(&f) else {
        panic!()
    };
    assert_eq!((sd.initiator, sd.channel_id), (1002, 1003));
}

// ------------------------------------------------------------------ GCC

#[test]
fn gcc_client_data_proprietary_session() {
    // zeek/rdp-proprietary-encryption.pcap frame 14
    let f = hex(PE_F14_CONNECT_INITIAL);
    let cd = client_data(&f);
    let core = cd.core.unwrap();
    assert_eq!(core.version, gcc::RdpVersion::V5_PLUS);
    assert_eq!((core.desktop_width, core.desktop_height), (1152, 864));
    assert_eq!(core.client_name, "FROG-POND");
    assert_eq!(core.client_build, 6000);
    assert_eq!(core.keyboard_layout, 0x409);
    assert_eq!(core.high_color_depth, Some(24));
    assert!(core
        .early_capability_flags
        .unwrap()
        .contains(gcc::ClientEarlyCapabilityFlags::SUPPORT_ERRINFO_PDU));
    assert_eq!(core.server_selected_protocol, Some(Protocols::RDP));
    assert_eq!(
        cd.security.unwrap().encryption_methods,
        EncryptionMethods(0x1b)
    );
    let cl = cd.cluster.unwrap();
    assert_eq!(cl.flags.0, 0x0d);
    assert_eq!(cl.flags.redirection_version(), 3);
    let names: Vec<_> = cd
        .network
        .unwrap()
        .channels
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(names, ["rdpdr", "rdpsnd", "drdynvc", "cliprdr"]);
    let types: Vec<_> = cd.blocks.iter().map(|b| b.block_type).collect();
    assert_eq!(
        types,
        [
            BlockType::CS_CORE,
            BlockType::CS_CLUSTER,
            BlockType::CS_SECURITY,
            BlockType::CS_NET
        ]
    );
}

#[test]
fn gcc_client_data_variants() {
    // suricata-verify RDP-003.pcap frame 7: Windows XP client
    let f = hex(R3_F7_CONNECT_INITIAL);
    let cd = client_data(&f);
    let core = cd.core.unwrap();
    assert_eq!(core.client_name, "ISD2-KM84178");
    assert_eq!(core.client_build, 2600);
    assert_eq!(core.desktop_height, 864);
    assert_eq!(
        core.client_dig_product_id.as_deref(),
        Some("55274-OEM-0011903-00107")
    );
    let ch = cd.network.unwrap().channels;
    assert_eq!(
        ch.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["rdpdr", "cliprdr", "rdpsnd"]
    );
    assert!(ch[0].options.contains(gcc::ChannelOptions::INITIALIZED));
    // zeek/rdp-x509.pcap frame 11
    let f = hex(X509_F11_CONNECT_INITIAL);
    let core = client_data(&f).core.unwrap();
    assert_eq!(
        (core.client_name.as_str(), core.client_build),
        ("JOHN-PC-LAPTOP", 9600)
    );
    assert_eq!((core.desktop_width, core.desktop_height), (1920, 1080));
    // lab/rdp_sec_ok.pcap frame 8: unknown-to-us blocks are listed
    let f = hex(LAB_SEC_F8_CONNECT_INITIAL);
    let cd = client_data(&f);
    assert_eq!(cd.core.as_ref().unwrap().client_name, "vm");
    assert!(cd
        .blocks
        .iter()
        .any(|b| b.block_type == BlockType::CS_MCS_MSGCHANNEL));
    assert!(cd
        .blocks
        .iter()
        .any(|b| b.block_type == BlockType::CS_MULTITRANSPORT));
    assert_eq!(
        cd.core.unwrap().server_selected_protocol,
        Some(Protocols::RDP)
    );
    // lab/tls12_cbc_ok.pcap frame 12 (decrypted): serverSelectedProtocol echoes SSL
    let f = hex(TLS12_F12_CONNECT_INITIAL);
    let cd = client_data(&f);
    assert_eq!(
        cd.core.unwrap().server_selected_protocol,
        Some(Protocols::SSL)
    );
    assert_eq!(
        cd.security.unwrap().encryption_methods,
        EncryptionMethods(0)
    );
}

#[test]
fn gcc_server_data_proprietary_certificate() {
    // zeek/rdp-proprietary-encryption.pcap frame 15
    let f = hex(PE_F15_CONNECT_RESPONSE);
    let (_, sd) = server_data(&f);
    let core = sd.core.unwrap();
    assert_eq!(core.version, gcc::RdpVersion::V5_PLUS);
    assert_eq!(core.client_requested_protocols, Some(Protocols::RDP));
    let net = sd.network.unwrap();
    assert_eq!(net.mcs_channel_id, 1003);
    assert_eq!(net.channel_ids, [1004, 1005, 1006, 1007]);
    let sec = sd.security.unwrap();
    assert_eq!(sec.encryption_method, EncryptionMethods::BIT_128);
    assert_eq!(sec.encryption_level, EncryptionLevel::HIGH);
    assert_eq!(sec.server_random.len(), 32);
    assert_eq!(sec.server_certificate_raw.len(), 0xb8);
    let Some(Ok(ServerCertificate::Proprietary { temporary, cert })) = sec.server_certificate
    else {
        panic!()
    };
    assert!(!temporary);
    assert_eq!(cert.public_key.magic, 0x3141_5352);
    assert_eq!(
        (cert.public_key.key_len, cert.public_key.bit_len),
        (0x48, 512)
    );
    assert_eq!(cert.public_key.public_exponent, 0x10001);
    assert_eq!(cert.public_key.modulus.len(), 0x48);
    assert_eq!(cert.signature.len(), 0x48);
    // lab/rdp_sec_ok.pcap frame 10: 2048-bit key, extra SC block
    let f = hex(LAB_SEC_F10_CONNECT_RESPONSE);
    let (_, sd) = server_data(&f);
    let sec = sd.security.unwrap();
    assert_eq!(sec.encryption_level, EncryptionLevel::CLIENT_COMPATIBLE);
    let Some(Ok(ServerCertificate::Proprietary { cert, .. })) = sec.server_certificate else {
        panic!()
    };
    assert_eq!(cert.public_key.bit_len, 2048);
    assert!(sd
        .blocks
        .iter()
        .any(|b| b.block_type == BlockType::SC_MCS_MSGCHANNEL));
    // suricata-verify RDP-003.pcap frame 8: 56-bit
    let f = hex(R3_F8_CONNECT_RESPONSE);
    let sec = server_data(&f).1.security.unwrap();
    assert_eq!(sec.encryption_method, EncryptionMethods::BIT_56);
    assert_eq!(
        sec.encryption_level.to_string(),
        "ENCRYPTION_LEVEL_CLIENT_COMPATIBLE"
    );
}

#[test]
fn gcc_server_data_x509_chain() {
    // zeek/rdp-x509.pcap frames 12+13
    let f = hex(X509_F12_13_CONNECT_RESPONSE);
    let (_, sd) = server_data(&f);
    let sec = sd.security.unwrap();
    assert_eq!(sec.encryption_method, EncryptionMethods::BIT_128);
    assert_eq!(sec.encryption_level, EncryptionLevel::CLIENT_COMPATIBLE);
    let Some(Ok(ServerCertificate::X509 { temporary, chain })) = sec.server_certificate else {
        panic!()
    };
    assert!(temporary, "dwVersion 0x80000002");
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].len(), 0x15f);
    assert_eq!(chain[1].len(), 0x365);
    for der in chain {
        assert_eq!(der[0], 0x30, "DER SEQUENCE");
    }
}

#[test]
fn gcc_server_data_enhanced_security() {
    // lab/tls12_cbc_ok.pcap frame 13 (decrypted): method/level NONE, no random
    let f = hex(TLS12_F13_CONNECT_RESPONSE);
    let (_, sd) = server_data(&f);
    let sec = sd.security.unwrap();
    assert_eq!(sec.encryption_method.to_string(), "ENCRYPTION_METHOD_NONE");
    assert_eq!(sec.encryption_level, EncryptionLevel::NONE);
    assert!(sec.server_certificate.is_none());
    assert_eq!(
        sd.core.unwrap().client_requested_protocols,
        Some(Protocols::SSL)
    );
}

// ------------------------------------------------------------------ RDP

#[test]
fn rdp_security_exchange() {
    // zeek/rdp-proprietary-encryption.pcap frame 32
    let f = hex(PE_F32_SECURITY_EXCHANGE);
    let sd = send_data_of(&f);
    let (_, sx) = rdp::parse_security_exchange(sd.user_data).unwrap();
    assert_eq!(sx.length, 0x48);
    assert_eq!(sx.encrypted_client_random.len(), 0x48);
    // lab/rdp_sec_ok.pcap frame 38: 2048-bit key -> 0x108-byte random
    let f = hex(LAB_SEC_F38_SECURITY_EXCHANGE);
    let (_, sx) = rdp::parse_security_exchange(send_data_of(&f).user_data).unwrap();
    assert_eq!(sx.length, 0x108);
}

#[test]
fn rdp_client_info_encrypted_header() {
    // zeek/rdp-proprietary-encryption.pcap frame 33: SEC_INFO_PKT|SEC_ENCRYPT
    let f = hex(PE_F33_CLIENT_INFO_ENCRYPTED);
    let ud = send_data_of(&f).user_data;
    let (_, sp) = rdp::parse_secured_pdu(ud).unwrap();
    assert!(sp.is_encrypted());
    assert!(sp.header.flags.contains(SecurityFlags::INFO_PKT));
    assert_eq!(sp.header.flags.names(), ["SEC_ENCRYPT", "SEC_INFO_PKT"]);
    assert_eq!(sp.data_signature.unwrap().len(), 8);
    assert!(matches!(
        rdp::parse_client_info(ud),
        Err(ParseError::Invalid { field: "flags", .. })
    ));
}

#[test]
fn rdp_client_info_clear() {
    // lab/tls12_cbc_ok.pcap frame 38 (decrypted)
    let f = hex(TLS12_F38_CLIENT_INFO);
    let (_, ci) = rdp::parse_client_info(send_data_of(&f).user_data).unwrap();
    assert!(ci.flags.contains(rdp::InfoFlags::UNICODE));
    assert_eq!(ci.flags.0, 0x000b_47f3);
    assert_eq!(ci.user_name, "labuser");
    assert_eq!(ci.domain, "");
    assert_eq!(ci.password_len, 0);
    let ext = ci.extended.unwrap();
    assert_eq!(ext.client_address_family, 2);
    assert_eq!(ext.client_address, "10.203.0.2");
    assert_eq!(ext.client_dir, "C:\\Windows\\System32\\mstscax.dll");
}

#[test]
fn rdp_license_error_success() {
    // suricata-verify RDP-003.pcap frame 26 (Windows server, SEC_LICENSE_ENCRYPT_CS set)
    let f = hex(R3_F26_LICENSE_ERROR);
    let (_, (h, l)) = rdp::parse_license_packet(send_data_of(&f).user_data).unwrap();
    assert!(h.flags.contains(SecurityFlags::LICENSE_PKT));
    assert_eq!(l.preamble.msg_type, LicenseMsgType::ERROR_ALERT);
    assert_eq!(l.preamble.version(), 2);
    let LicenseBody::ErrorAlert(e) = l.body else {
        panic!()
    };
    assert_eq!(e.error_code, rdp::LicenseErrorCode::STATUS_VALID_CLIENT);
    assert_eq!(e.state_transition, rdp::StateTransition::ST_NO_TRANSITION);
    assert!(e.is_success());
    assert!(e.blob.is_empty());
    // lab/tls12_cbc_ok.pcap frame 42 (decrypted, xrdp)
    let f = hex(TLS12_F42_LICENSE_ERROR);
    let (_, (_, l)) = rdp::parse_license_packet(send_data_of(&f).user_data).unwrap();
    let LicenseBody::ErrorAlert(e) = l.body else {
        panic!()
    };
    assert!(e.is_success());
    assert_eq!(l.preamble.version(), 2);
}

#[test]
fn rdp_license_request_preamble() {
    // lab/tls12_cbc_ok.pcap frame 39 (decrypted): LICENSE_REQUEST
    let f = hex(TLS12_F39_LICENSE_REQUEST);
    let (rest, (_, l)) = rdp::parse_license_packet(send_data_of(&f).user_data).unwrap();
    assert!(rest.is_empty());
    assert_eq!(l.preamble.msg_type, LicenseMsgType::LICENSE_REQUEST);
    assert_eq!(l.preamble.msg_size, 0x13e);
    assert!(matches!(l.body, LicenseBody::Other(b) if b.len() == 0x13e - 4));
}

#[test]
fn rdp_demand_and_confirm_active() {
    // lab/tls12_cbc_ok.pcap frame 44 (decrypted): Demand Active, no security header under TLS
    let f = hex(TLS12_F44_DEMAND_ACTIVE);
    let sd = send_data_of(&f);
    let (_, pdu) = rdp::parse_share_control_pdu(sd.user_data).unwrap();
    assert_eq!(pdu.header.pdu_type(), PduType::DEMAND_ACTIVE);
    assert_eq!(pdu.header.version(), 1);
    assert_eq!(pdu.header.pdu_source, 1008);
    let rdp::ShareControlBody::DemandActive(da) = pdu.body else {
        panic!()
    };
    assert_eq!(da.share_id, 0x0001_03ea);
    assert_eq!(da.source_descriptor, b"RDP\0");
    assert_eq!(da.number_capabilities, 13);
    // lab/tls12_cbc_ok.pcap frame 46 (decrypted): Confirm Active
    let f = hex(TLS12_F46_CONFIRM_ACTIVE);
    let (_, pdu) = rdp::parse_share_control_pdu(send_data_of(&f).user_data).unwrap();
    let rdp::ShareControlBody::ConfirmActive(ca) = pdu.body else {
        panic!()
    };
    assert_eq!(ca.share_id, 0x0001_03ea);
    assert_eq!(ca.originator_id, 0x03ea);
    assert_eq!(ca.source_descriptor, b"FREERDP\0");
    assert_eq!(ca.number_capabilities, 19);
}

#[test]
fn rdp_share_data_header() {
    // lab/tls12_cbc_ok.pcap frame 47 (decrypted): Synchronize
    let f = hex(TLS12_F47_SYNCHRONIZE);
    let (_, pdu) = rdp::parse_share_control_pdu(send_data_of(&f).user_data).unwrap();
    assert_eq!(pdu.header.pdu_type(), PduType::DATA);
    let rdp::ShareControlBody::Data(h, body) = pdu.body else {
        panic!()
    };
    assert_eq!(h.pdu_type2, PduType2::SYNCHRONIZE);
    assert_eq!(h.share_id, 0x0001_03ea);
    assert_eq!(h.stream_id, 1);
    assert!(matches!(body, rdp::ShareDataBody::Other(b) if b == [1, 0, 0xf0, 3]));
}

#[test]
fn rdp_fast_path() {
    // lab/rdp_sec_ok.pcap frame 63: encrypted input, 2-byte length 0x8010
    let f = hex(LAB_SEC_F63_FASTPATH_INPUT);
    let (rest, fp) = rdp::parse_fast_path(&f).unwrap();
    assert!(rest.is_empty());
    assert_eq!(
        (fp.header.length, fp.header.header_len, fp.header.num_events),
        (16, 3, 3)
    );
    assert!(fp.header.is_encrypted());
    // suricata-verify RDP-003.pcap frame 37: 1-byte length
    let f = hex(R3_F37_FASTPATH_INPUT);
    let (rest, fp) = rdp::parse_fast_path(&f).unwrap();
    assert!(rest.is_empty());
    assert_eq!((fp.header.length, fp.header.header_len), (22, 2));
    // lab/tls12_cbc_ok.pcap frame 60 (decrypted): server fast-path output
    let f = hex(TLS12_F60_FASTPATH_OUTPUT);
    let (rest, fp) = rdp::parse_fast_path(&f).unwrap();
    assert!(rest.is_empty());
    assert_eq!(fp.header.length, 7);
    assert!(!fp.header.is_encrypted());
}
