//! RDP-core PDUs no available capture shows (Set Error Info, Status Info,
//! Deactivate All, Early User Authorization Result, RDSTLS, multitransport):
//! bytes built by hand from the MS-RDPBCGR layouts; each test says which real
//! PDU it is shaped after. The real-capture tests are in
//! `real_frames_rdp_core.rs`.

use rdpdiag_parsers::rdp::{self, SecurityFlags};
use rdpdiag_parsers::ParseError;

#[test]
fn rdp_set_error_info_hand_made() {
    // hand-made: no capture (public or lab, decrypted) holds a Set Error Info
    // PDU. Share Control + Share Data header shaped like the Synchronize PDU
    // of lab/tls12_cbc_ok.pcap frame 47, pduType2 0x2F, errorInfo 0x7.
    let b = [
        0x16, 0x00, 0x17, 0x00, 0xea, 0x03, 0xea, 0x03, 0x01, 0x00, 0x00, 0x01, 0x08, 0x00, 0x2f,
        0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
    ];
    let (_, pdu) = rdp::parse_share_control_pdu(&b).unwrap();
    let rdp::ShareControlBody::Data(h, rdp::ShareDataBody::SetErrorInfo(e)) = pdu.body else {
        panic!()
    };
    assert_eq!(h.pdu_type2.name(), Some("PDUTYPE2_SET_ERROR_INFO_PDU"));
    assert_eq!(e, rdp::ErrorInfo::SERVER_DENIED_CONNECTION);
    assert_eq!(e.to_string(), "ERRINFO_SERVER_DENIED_CONNECTION");
}

#[test]
fn rdp_status_info_and_deactivate_all_hand_made() {
    // hand-made: Status Info (broker progress) only occurs with a Connection
    // Broker; none of the captures has one. statusCode 0x401.
    let b = [
        0x16, 0x00, 0x17, 0x00, 0xea, 0x03, 0xea, 0x03, 0x01, 0x00, 0x00, 0x01, 0x08, 0x00, 0x36,
        0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00,
    ];
    let (_, pdu) = rdp::parse_share_control_pdu(&b).unwrap();
    assert!(matches!(
        pdu.body,
        rdp::ShareControlBody::Data(
            _,
            rdp::ShareDataBody::StatusInfo(rdp::StatusCode::FINDING_DESTINATION)
        )
    ));
    // hand-made: Deactivate All (sent on reactivation/reconnect) is not in any capture.
    let b = [
        0x0e, 0x00, 0x16, 0x00, 0xea, 0x03, 0xea, 0x03, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
    ];
    let (_, pdu) = rdp::parse_share_control_pdu(&b).unwrap();
    let rdp::ShareControlBody::DeactivateAll(d) = pdu.body else {
        panic!()
    };
    assert_eq!((d.share_id, d.source_descriptor), (0x0001_03ea, &[0u8][..]));
}

#[test]
fn rdp_early_user_auth_hand_made() {
    // hand-made: the Early User Authorization Result is inside TLS and needs a
    // HYBRID_EX server (Windows); the lab's xrdp/FreeRDP servers never send it.
    assert_eq!(
        rdp::parse_early_user_auth_result(&[0, 0, 0, 0]).unwrap().1,
        rdp::AuthzResult::SUCCESS
    );
    assert_eq!(
        rdp::parse_early_user_auth_result(&[5, 0, 0, 0])
            .unwrap()
            .1
            .name(),
        Some("AUTHZ_ACCESS_DENIED")
    );
    assert_eq!(
        rdp::parse_early_user_auth_result(&[5, 0]),
        Err(ParseError::Incomplete { needed: 2 })
    );
}

#[test]
fn rdp_rdstls_hand_made() {
    // hand-made: no capture negotiates PROTOCOL_RDSTLS. Layouts per MS-RDPBCGR 2.2.17.
    let caps = [1, 0, 1, 0, 1, 0, 1, 0];
    assert!(matches!(
        rdp::parse_rdstls(&caps).unwrap().1,
        rdp::RdstlsPdu::Capabilities {
            supported_versions: 1,
            ..
        }
    ));
    let rsp = [1, 0, 4, 0, 1, 0, 0x2e, 0x05, 0, 0];
    let (_, p) = rdp::parse_rdstls(&rsp).unwrap();
    assert_eq!(
        p,
        rdp::RdstlsPdu::AuthResponse {
            version: 1,
            data_type: 1,
            result: rdp::RdstlsResult::LOGON_FAILURE
        }
    );
}

#[test]
fn rdp_multitransport_hand_made() {
    // hand-made: multitransport bootstrap is inside TLS on Windows servers;
    // no decrypted capture carries it.
    let mut req = vec![0x02, 0x00, 0x00, 0x00]; // SEC_TRANSPORT_REQ
    req.extend([7, 0, 0, 0, 1, 0, 0, 0]);
    req.extend(1..=16u8);
    let (r, h) = rdp::parse_security_header(&req).unwrap();
    assert!(h.flags.contains(SecurityFlags::TRANSPORT_REQ));
    let (_, m) = rdp::parse_multitransport_request(r).unwrap();
    assert_eq!(m.request_id, 7);
    assert_eq!(m.requested_protocol, rdp::MultitransportProtocol::UDPFECR);
    assert_eq!(m.security_cookie.len(), 16);
    let rsp = [7, 0, 0, 0, 0x04, 0x40, 0x00, 0x80];
    let (_, m) = rdp::parse_multitransport_response(&rsp).unwrap();
    assert_eq!(m.hr_response, rdp::HResult::E_ABORT);
}
