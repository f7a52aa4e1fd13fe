//! The RDP layers of a connection, on the wire or decrypted: X.224
//! negotiation, MCS/GCC, the security header (Standard RDP Security,
//! licensing), the share control PDUs of activation, and fast-path.

use super::{cert_info, ladder, Session};
use crate::session::facts::*;
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::{gcc, mcs, nego, rdp, x224};

impl Session {
    /// One TPKT frame (wire or decrypted).
    pub(crate) fn on_tpkt(&mut self, dir: Dir, pdu: &[u8], frame: FrameRef, decrypted: bool) {
        let f = &mut self.facts;
        match x224::parse_x224_frame(pdu) {
            Ok((_, x224::Tpdu::ConnectionRequest(_))) => {
                self.on_connection_request(dir, pdu, frame)
            }
            Ok((_, x224::Tpdu::ConnectionConfirm(_))) => {
                self.on_connection_confirm(dir, pdu, frame)
            }
            Ok((_, x224::Tpdu::Data(dt))) => {
                self.facts.rdp.slow_path_pdus[dir.idx()] += 1;
                self.on_mcs(dir, dt.user_data, frame, decrypted);
            }
            Ok((_, x224::Tpdu::DisconnectRequest(_))) => {
                f.rdp.x224_disconnect = Some((frame, dir));
                ladder(f, frame, dir, "X.224 Disconnect Request");
            }
            Ok((_, x224::Tpdu::Error(_))) => {
                ladder(f, frame, dir, "X.224 Error TPDU");
                self.note_malformed(frame, dir, "peer sent an X.224 Error TPDU".into());
            }
            Err(e) => self.note_malformed(frame, dir, e.to_string()),
        }
    }

    /// The client's X.224 Connection Request: cookie or routing token,
    /// requested protocols.
    fn on_connection_request(&mut self, dir: Dir, pdu: &[u8], frame: FrameRef) {
        let f = &mut self.facts;
        match nego::parse_connection_request(pdu) {
            Ok((_, cr)) => {
                let n = &mut f.negotiation;
                n.request_frame = Some(frame);
                if let Some(c) = cr.cookie {
                    match c.kind {
                        nego::CookieKind::RoutingToken => {
                            n.routing_token = Some(c.value_str().into_owned())
                        }
                        _ => n.cookie = Some(c.value_str().trim().to_string()),
                    }
                }
                n.neg_req = cr.neg_req.is_some();
                let p = cr.requested_protocols();
                n.requested_protocols = Some(p);
                if let Some(r) = cr.neg_req {
                    n.request_flags = r.flags;
                }
                n.correlation_id = cr.correlation.map(|c| {
                    c.correlation_id
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect()
                });
                let label = match cr.neg_req {
                    Some(_) => format!("X.224 Connection Request ({})", p),
                    None => "X.224 Connection Request (legacy, no RDP_NEG_REQ)".to_string(),
                };
                ladder(f, frame, dir, label);
            }
            Err(e) => self.note_malformed(frame, dir, e.to_string()),
        }
    }

    /// The server's X.224 Connection Confirm: the selected protocol, or a
    /// negotiation failure.
    fn on_connection_confirm(&mut self, dir: Dir, pdu: &[u8], frame: FrameRef) {
        let f = &mut self.facts;
        match nego::parse_connection_confirm(pdu) {
            Ok((_, cc)) => {
                let n = &mut f.negotiation;
                n.confirm_frame = Some(frame);
                let label = match cc.neg {
                    None => {
                        n.legacy_confirm = true;
                        n.selected_protocol = Some(nego::Protocols::RDP);
                        "X.224 Connection Confirm (legacy, no negotiation data)".to_string()
                    }
                    Some(nego::NegResponse::Rsp(r)) => {
                        n.selected_protocol = Some(r.selected_protocol);
                        n.response_flags = r.flags;
                        format!("X.224 Connection Confirm: selected {}", r.selected_protocol)
                    }
                    Some(nego::NegResponse::Failure(fl)) => {
                        n.failure = Some(fl.code);
                        format!("X.224 Connection Confirm: RDP_NEG_FAILURE {}", fl.code)
                    }
                };
                ladder(f, frame, dir, label);
            }
            Err(e) => self.note_malformed(frame, dir, format!("X.224 Connection Confirm: {e}")),
        }
    }

    fn on_mcs(&mut self, dir: Dir, data: &[u8], frame: FrameRef, decrypted: bool) {
        let pdu = match mcs::parse_mcs_pdu(data) {
            Ok((_, p)) => p,
            Err(e) => {
                self.facts
                    .mcs
                    .malformed
                    .get_or_insert_with(|| e.to_string());
                self.note_malformed(frame, dir, format!("MCS: {e}"));
                return;
            }
        };
        match pdu {
            mcs::McsPdu::ConnectInitial(ci) => self.on_connect_initial(dir, &ci, frame),
            mcs::McsPdu::ConnectResponse(cr) => self.on_connect_response(dir, &cr, frame),
            mcs::McsPdu::Domain(dp) => match dp {
                mcs::DomainPdu::DisconnectProviderUltimatum { reason } => {
                    self.facts.mcs.disconnect_ultimatum = Some((frame, dir, reason));
                    ladder(
                        &mut self.facts,
                        frame,
                        dir,
                        format!("MCS Disconnect Provider Ultimatum ({reason})"),
                    );
                }
                mcs::DomainPdu::AttachUserConfirm { result, .. } => {
                    self.facts.mcs.attach_user_confirm = Some((frame, result));
                    ladder(
                        &mut self.facts,
                        frame,
                        dir,
                        format!("MCS Attach User Confirm ({result})"),
                    );
                }
                mcs::DomainPdu::ChannelJoinConfirm { result, .. } => {
                    self.facts.mcs.channel_joins += 1;
                    if result != mcs::McsResult::RT_SUCCESSFUL {
                        self.facts.mcs.channel_join_failures += 1;
                    }
                }
                mcs::DomainPdu::SendDataRequest(sd) | mcs::DomainPdu::SendDataIndication(sd) => {
                    if self.vc_ids.contains(&sd.channel_id) {
                        return;
                    }
                    self.on_rdp(dir, sd.user_data, frame, decrypted);
                }
                _ => {}
            },
        }
    }

    /// MCS Connect Initial: the client's GCC data (name, build, desktop,
    /// channels, security).
    fn on_connect_initial(&mut self, dir: Dir, ci: &mcs::ConnectInitial<'_>, frame: FrameRef) {
        let m = &mut self.facts.mcs;
        m.connect_initial = Some(frame);
        match gcc::parse_conference_create_request(ci.user_data) {
            Ok((_, cd)) => {
                if let Some(core) = &cd.core {
                    m.client_name = Some(core.client_name.clone());
                    m.client_build = Some(core.client_build);
                    m.client_version = Some(core.version.to_string());
                    m.desktop = Some((core.desktop_width, core.desktop_height));
                    m.keyboard_layout = Some(core.keyboard_layout);
                    if let Some(e) = core.early_capability_flags {
                        m.early_capability_flags = e.names();
                        m.supports_error_info =
                            Some(e.contains(gcc::ClientEarlyCapabilityFlags::SUPPORT_ERRINFO_PDU));
                    }
                    m.client_server_selected_protocol = core.server_selected_protocol;
                }
                if let Some(s) = &cd.security {
                    m.client_encryption_methods = Some(s.encryption_methods.to_string());
                }
                if let Some(n) = &cd.network {
                    m.channels = n.channels.iter().map(|c| c.name.clone()).collect();
                }
            }
            Err(e) => {
                m.malformed = Some(format!("GCC Conference Create Request: {e}"));
            }
        }
        let name = self.facts.mcs.client_name.clone().unwrap_or_default();
        ladder(
            &mut self.facts,
            frame,
            dir,
            format!("MCS Connect Initial (client {name})"),
        );
    }

    /// MCS Connect Response: the result and the server's GCC data (channel
    /// ids, security, Standard RDP Security certificate).
    fn on_connect_response(&mut self, dir: Dir, cr: &mcs::ConnectResponse<'_>, frame: FrameRef) {
        let m = &mut self.facts.mcs;
        m.connect_response = Some(frame);
        m.result = Some(cr.result);
        let mut certs = Vec::new();
        match gcc::parse_conference_create_response(cr.user_data) {
            Ok((_, sd)) => {
                if let Some(net) = &sd.network {
                    self.vc_ids = net.channel_ids.iter().take(64).copied().collect();
                }
                if let Some(core) = &sd.core {
                    m.server_client_requested_protocols = core.client_requested_protocols;
                }
                if let Some(sec) = &sd.security {
                    m.encryption_method = Some(sec.encryption_method.to_string());
                    m.encryption_level = Some(sec.encryption_level.to_string());
                    match &sec.server_certificate {
                        Some(Ok(gcc::ServerCertificate::Proprietary { cert, .. })) => {
                            m.server_cert_type = Some("proprietary".into());
                            m.server_rsa_key_bits = Some(cert.public_key.bit_len);
                        }
                        Some(Ok(gcc::ServerCertificate::X509 { chain, .. })) => {
                            m.server_cert_type = Some("x509".into());
                            certs = chain.iter().map(|c| c.to_vec()).collect();
                        }
                        Some(Ok(gcc::ServerCertificate::Unknown { version, .. })) => {
                            m.server_cert_type = Some(format!("unknown ({version})"));
                        }
                        Some(Err(e)) => {
                            m.malformed = Some(format!("server certificate: {e}"));
                        }
                        None => {}
                    }
                }
            }
            Err(e) => m.malformed = Some(format!("GCC Conference Create Response: {e}")),
        }
        for (i, der) in certs.iter().enumerate() {
            if let Some(ci) = cert_info(der, frame, i, CertSource::RdpStandardSecurity) {
                push_bounded(&mut self.facts.tls.certificates, ci);
            }
        }
        let res = cr.result;
        ladder(
            &mut self.facts,
            frame,
            dir,
            format!("MCS Connect Response ({res})"),
        );
    }

    /// An RDP PDU inside MCS Send Data.
    fn on_rdp(&mut self, dir: Dir, data: &[u8], frame: FrameRef, decrypted: bool) {
        let standard_security = self.facts.negotiation.selected_protocol.unwrap_or_default()
            == nego::Protocols::RDP
            && !decrypted;
        // Share Control header: totalLength == len (or 0x8000 flow PDU) and version bits 0x10.
        let looks_share_control = data.len() >= 6 && {
            let total = u16::from_le_bytes([data[0], data[1]]) as usize;
            let ty = u16::from_le_bytes([data[2], data[3]]);
            (total == data.len() || total == 0x8000) && ty & 0xFFF0 == 0x0010
        };
        if looks_share_control && !standard_security {
            self.on_share_control(dir, data, frame);
            return;
        }
        let Ok((_, h)) = rdp::parse_security_header(data) else {
            return;
        };
        let fl = h.flags;
        if fl.contains(rdp::SecurityFlags::EXCHANGE_PKT) {
            self.facts.rdp.security_exchange = Some(frame);
            ladder(&mut self.facts, frame, dir, "Security Exchange");
        } else if fl.contains(rdp::SecurityFlags::INFO_PKT) {
            self.facts.rdp.client_info = Some(frame);
            ladder(&mut self.facts, frame, dir, "Client Info");
        } else if fl.contains(rdp::SecurityFlags::LICENSE_PKT) {
            if fl.contains(rdp::SecurityFlags::ENCRYPT) {
                ladder(&mut self.facts, frame, dir, "licensing PDU (encrypted)");
                return;
            }
            match rdp::parse_license_packet(data) {
                Ok((_, (_, lp))) => {
                    let (error_code, state_transition, success) = match lp.body {
                        rdp::LicenseBody::ErrorAlert(e) => {
                            (Some(e.error_code), Some(e.state_transition), e.is_success())
                        }
                        _ => (None, None, false),
                    };
                    let label = match (&error_code, success) {
                        (Some(_), true) => {
                            "License Error Alert: STATUS_VALID_CLIENT (licensing done)".to_string()
                        }
                        (Some(c), false) => format!("License Error Alert: {c}"),
                        _ => format!("licensing: {}", lp.preamble.msg_type),
                    };
                    push_bounded(
                        &mut self.facts.rdp.license,
                        LicenseEvent {
                            frame,
                            dir,
                            msg_type: lp.preamble.msg_type,
                            error_code,
                            state_transition,
                            success,
                        },
                    );
                    ladder(&mut self.facts, frame, dir, label);
                }
                Err(e) => self.note_malformed(frame, dir, format!("licensing: {e}")),
            }
        } else if fl.contains(rdp::SecurityFlags::TRANSPORT_REQ) {
            self.facts.rdp.multitransport_request = Some(frame);
        } else if fl.contains(rdp::SecurityFlags::ENCRYPT) {
            self.facts.rdp.encrypted_pdus[dir.idx()] += 1;
        } else if standard_security && data.len() > 4 {
            // Standard RDP Security at encryption level NONE: the body follows the header.
            self.on_share_control(dir, &data[4..], frame);
        }
    }

    fn on_share_control(&mut self, dir: Dir, data: &[u8], frame: FrameRef) {
        let Ok((_, pdu)) = rdp::parse_share_control_pdu(data) else {
            return;
        };
        let r = &mut self.facts.rdp;
        match pdu.body {
            rdp::ShareControlBody::DemandActive(_) => {
                r.demand_active.get_or_insert(frame);
                ladder(&mut self.facts, frame, dir, "Demand Active");
            }
            rdp::ShareControlBody::ConfirmActive(_) => {
                r.confirm_active.get_or_insert(frame);
                ladder(&mut self.facts, frame, dir, "Confirm Active");
            }
            rdp::ShareControlBody::DeactivateAll(_) => {
                r.deactivate_all = Some(frame);
                ladder(&mut self.facts, frame, dir, "Deactivate All");
            }
            rdp::ShareControlBody::Data(h, body) => match body {
                rdp::ShareDataBody::SetErrorInfo(e) => {
                    push_bounded(&mut r.set_error_info, (frame, e));
                    if e.0 != 0 {
                        ladder(&mut self.facts, frame, dir, format!("Set Error Info: {e}"));
                    }
                }
                rdp::ShareDataBody::StatusInfo(s) => {
                    push_bounded(&mut r.status_info, (frame, s));
                }
                _ => match h.pdu_type2 {
                    rdp::PduType2::FONTMAP => {
                        r.font_map.get_or_insert(frame);
                        ladder(
                            &mut self.facts,
                            frame,
                            dir,
                            "Font Map (activation complete)",
                        );
                    }
                    rdp::PduType2::SAVE_SESSION_INFO => {
                        r.save_session_info.get_or_insert(frame);
                        ladder(&mut self.facts, frame, dir, "Save Session Info (logon)");
                    }
                    rdp::PduType2::SHUTDOWN_REQUEST => {
                        r.shutdown_request.get_or_insert(frame);
                        ladder(&mut self.facts, frame, dir, "Shutdown Request");
                    }
                    rdp::PduType2::SHUTDOWN_DENIED => {
                        r.shutdown_denied.get_or_insert(frame);
                    }
                    _ => {}
                },
            },
            _ => {}
        }
    }

    pub(crate) fn on_fast_path(
        &mut self,
        dir: Dir,
        _pdu: &[u8],
        frame: FrameRef,
        _decrypted: bool,
    ) {
        let d = dir.idx();
        self.facts.rdp.fast_path_pdus[d] += 1;
        if self.facts.rdp.first_fast_path[d].is_none() {
            self.facts.rdp.first_fast_path[d] = Some(frame);
            ladder(&mut self.facts, frame, dir, "first fast-path PDU");
        }
    }
}
