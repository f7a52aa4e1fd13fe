//! The protocol state machine of one RDP connection: X.224 negotiation,
//! TLS records, and the RDP layers (MCS/GCC, security, licensing,
//! activation) wherever they are readable — in clear under Standard RDP
//! Security, or decrypted.

use super::facts::*;
use super::stream::StreamBuf;
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::{gcc, mcs, nego, rdp, tls, tpkt, x224, x509, ParseError};

mod gateway;
mod plain;

/// Every fact and event of one connection.
#[derive(Debug, Clone, Default)]
pub struct SessionFacts {
    pub negotiation: NegotiationFacts,
    pub tls: TlsFacts,
    pub nla: NlaFacts,
    pub mcs: McsFacts,
    pub rdp: RdpFacts,
    pub decryption: Option<DecryptFacts>,
    /// RD Gateway HTTP / MS-TSGU facts (decrypted HTTPS on a gateway port).
    pub gateway: Option<GatewayFacts>,
    pub ladder: Vec<LadderEvent>,
    /// The first protocol violation seen (malformed PDU), if any.
    pub protocol_error: Option<(FrameRef, Dir, String)>,
}

/// Protocol state of one live connection.
#[derive(Debug, Default)]
pub struct Session {
    pub facts: SessionFacts,
    wire: [StreamBuf; 2],
    tls_mode: [bool; 2],
    ccs: [bool; 2],
    handshake: [tls::HandshakeBuffer; 2],
    /// TLS 1.3 negotiated.
    tls13: bool,
    preamble_skipped: [usize; 2],
    /// TLS decryption, when a key log is available.
    plain: Option<Box<plain::Plain>>,
    /// Static virtual channel ids from the server's network data: their PDUs
    /// carry channel data, not RDP security/share PDUs.
    vc_ids: Vec<u16>,
}

fn ladder(f: &mut SessionFacts, frame: FrameRef, dir: Dir, label: impl Into<String>) {
    push_bounded(
        &mut f.ladder,
        LadderEvent {
            frame,
            dir,
            label: label.into(),
        },
    );
}

pub(crate) fn named<T: std::fmt::Display>(value: u32, v: T) -> Named {
    Named::new(value, v.to_string())
}

/// Render a unix time as RFC 3339.
pub(crate) fn unix_rfc3339(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = crate::wire::civil_from_unix(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Summarize a DER certificate, judging its validity at `frame`'s time.
pub fn cert_info(
    der: &[u8],
    frame: FrameRef,
    index: usize,
    source: &'static str,
) -> Option<CertInfo> {
    let (_, c) = x509::parse_certificate(der).ok()?;
    let at = frame.ts.secs();
    Some(CertInfo {
        frame,
        index,
        source,
        validity_at_capture: match c.validity_at(at) {
            x509::Validity::Valid => "valid",
            x509::Validity::Expired => "expired",
            x509::Validity::NotYetValid => "not_yet_valid",
        },
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        common_names: c.common_names.clone(),
        san_dns: c.san_dns.clone(),
        san_ip: c.san_ip.iter().map(|i| i.to_string()).collect(),
        not_before: unix_rfc3339(c.not_before),
        not_after: unix_rfc3339(c.not_after),
        not_before_unix: c.not_before,
        not_after_unix: c.not_after,
        key_type: format!("{:?}", c.key_type),
        key_bits: c.key_bits,
        signature_algorithm: c.signature_algorithm.clone(),
        weak_signature: c.is_sha1_or_md5,
        eku_server_auth: c.eku_server_auth,
        is_ca: c.is_ca,
        self_signed: c.self_signed,
    })
}

impl Session {
    fn note_malformed(&mut self, frame: FrameRef, dir: Dir, what: String) {
        if self.plain_active().is_some() {
            // Inside decrypted data: stop that stream, never the wire (the TLS
            // records around it are still fine).
            self.plain_desync(dir);
            let what = format!("decrypted: {what}");
            ladder(&mut self.facts, frame, dir, format!("malformed: {what}"));
            push_bounded(&mut self.facts.rdp.malformed, (frame, dir, what));
            return;
        }
        // The PDU boundary can no longer be trusted in this direction.
        self.wire[dir.idx()].desync = true;
        if self.facts.protocol_error.is_none() {
            self.facts.protocol_error = Some((frame, dir, what.clone()));
            ladder(&mut self.facts, frame, dir, format!("malformed: {what}"));
        }
        push_bounded(&mut self.facts.rdp.malformed, (frame, dir, what));
    }

    /// The facts, with the decryption summary filled in.
    pub fn into_facts(mut self) -> SessionFacts {
        if let Some(p) = &mut self.plain {
            self.facts.decryption = p.facts();
            if let (Some(t), Some(g)) = (p.gw.tunnel.take(), self.facts.gateway.as_mut()) {
                let f = t.into_facts();
                g.tunnel = Some(TunnelFacts {
                    negotiation: f.negotiation,
                    certificates: f.tls.certificates,
                    ladder: f.ladder,
                });
            }
        }
        self.facts
    }

    /// Heap bytes held in stream buffers (for memory accounting).
    pub fn buffered_bytes(&self) -> usize {
        self.wire.iter().map(|w| w.heap_bytes()).sum::<usize>()
            + self.handshake.iter().map(|h| h.pending()).sum::<usize>()
    }

    /// Reassembled wire bytes.
    pub fn data(&mut self, dir: Dir, offset: u64, data: &[u8], frame: FrameRef) {
        let d = dir.idx();
        if self.wire[d].desync {
            return;
        }
        self.wire[d].push(offset, data, frame);
        self.parse_wire(dir);
    }

    /// A gap in the stream: stop parsing that direction (the PDU boundary is lost).
    pub fn gap(&mut self, dir: Dir, offset: u64, len: u64, frame: FrameRef) {
        let d = dir.idx();
        if !self.wire[d].desync {
            ladder(
                &mut self.facts,
                frame,
                dir,
                format!("{len} bytes missing from the capture"),
            );
        }
        self.wire[d].gap(offset, len);
    }

    /// Before the X.224 exchange, skip bytes that are not RDP (a SOCKS or
    /// proxy preamble) up to the first TPKT or TLS record.
    fn skip_preamble(&mut self, dir: Dir) -> bool {
        let d = dir.idx();
        let started = match dir {
            Dir::ClientToServer => self.facts.negotiation.request_frame.is_some(),
            Dir::ServerToClient => self.facts.negotiation.confirm_frame.is_some(),
        };
        if started || self.tls_mode[d] || self.preamble_skipped[d] > 4096 {
            return true;
        }
        let buf = self.wire[d].data();
        let looks_start = |w: &[u8]| match dir {
            Dir::ClientToServer => {
                crate::flow::looks_like_connection_request(w)
                    || (w.len() >= 3 && w[0] == 0x16 && w[1] == 3)
            }
            Dir::ServerToClient => {
                (w.len() >= 6 && w[0] == 3 && w[1] == 0 && w[5] & 0xF0 == 0xD0)
                    || (w.len() >= 3 && (0x14..=0x17).contains(&w[0]) && w[1] == 3)
            }
        };
        if buf.is_empty() || looks_start(buf) {
            return true;
        }
        // A TPKT that is not yet complete enough to judge: wait.
        if buf.len() < 11 && buf[0] == 3 {
            return false;
        }
        let pos = (1..buf.len()).find(|&i| looks_start(&buf[i..]));
        let n = pos.unwrap_or(buf.len().saturating_sub(10));
        if n > 0 {
            let f = self.wire[d].frame_at(0);
            if self.preamble_skipped[d] == 0 {
                ladder(
                    &mut self.facts,
                    f,
                    dir,
                    "bytes before the RDP exchange (proxy or non-RDP preamble) skipped",
                );
            }
            self.preamble_skipped[d] += n;
            self.wire[d].consume(n);
        }
        pos.is_some() || self.preamble_skipped[d] > 4096
    }

    fn parse_wire(&mut self, dir: Dir) {
        let d = dir.idx();
        if !self.skip_preamble(dir) {
            return;
        }
        loop {
            let buf = self.wire[d].data();
            let Some(&first) = buf.first() else { break };
            let kind = if self.tls_mode[d] {
                tpkt::FrameKind::TlsRecord(first)
            } else {
                tpkt::classify_first_byte(first)
            };
            let res: Result<usize, ParseError> = match kind {
                tpkt::FrameKind::Tpkt => match tpkt::parse_tpkt_frame(buf) {
                    Ok((rest, _)) => Ok(buf.len() - rest.len()),
                    Err(e) => Err(e),
                },
                tpkt::FrameKind::TlsRecord(_) => match tls::parse_record_header(buf) {
                    Ok((_, h)) => {
                        let n = 5 + h.length as usize;
                        if buf.len() < n {
                            Err(ParseError::incomplete(n - buf.len()))
                        } else {
                            Ok(n)
                        }
                    }
                    Err(e) => Err(e),
                },
                tpkt::FrameKind::FastPath => match rdp::parse_fast_path_header(buf) {
                    Ok((_, h)) => {
                        let n = h.length as usize;
                        if n < h.header_len {
                            Err(ParseError::invalid(
                                "fast-path header",
                                "length",
                                "shorter than the header",
                            ))
                        } else if buf.len() < n {
                            Err(ParseError::incomplete(n - buf.len()))
                        } else {
                            Ok(n)
                        }
                    }
                    Err(e) => Err(e),
                },
                _ => Err(ParseError::invalid(
                    "RDP stream",
                    "first byte",
                    "is neither TPKT, TLS nor fast-path",
                )),
            };
            match res {
                Ok(n) => {
                    let first_frame = self.wire[d].frame_at(0);
                    let last_frame = self.wire[d].frame_at(n.saturating_sub(1));
                    let pdu = self.wire[d].data()[..n].to_vec();
                    self.wire[d].consume(n);
                    match kind {
                        tpkt::FrameKind::Tpkt => self.on_tpkt(dir, &pdu, last_frame, false),
                        tpkt::FrameKind::TlsRecord(_) => {
                            self.tls_mode[d] = true;
                            self.on_tls_record(dir, &pdu, first_frame, last_frame)
                        }
                        _ => self.on_fast_path(dir, &pdu, last_frame, false),
                    }
                }
                Err(ParseError::Incomplete { .. }) => break,
                Err(e) => {
                    let f = self.wire[d].frame_at(0);
                    self.note_malformed(f, dir, e.to_string());
                    self.wire[d].clear();
                    self.wire[d].desync = true;
                    break;
                }
            }
        }
    }

    // ------------------------------------------------------------ slow path

    /// One TPKT frame (wire or decrypted).
    pub(crate) fn on_tpkt(&mut self, dir: Dir, pdu: &[u8], frame: FrameRef, decrypted: bool) {
        let f = &mut self.facts;
        match x224::parse_x224_frame(pdu) {
            Ok((_, x224::Tpdu::ConnectionRequest(_))) => {
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
                        n.requested_protocols = Some(p.0);
                        n.requested_names = p.names();
                        if let Some(r) = cr.neg_req {
                            n.request_flags = r.flags.names();
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
            Ok((_, x224::Tpdu::ConnectionConfirm(_))) => {
                match nego::parse_connection_confirm(pdu) {
                    Ok((_, cc)) => {
                        let n = &mut f.negotiation;
                        n.confirm_frame = Some(frame);
                        let label = match cc.neg {
                            None => {
                                n.legacy_confirm = true;
                                n.selected_protocol = Some(0);
                                n.selected_names = vec!["PROTOCOL_RDP"];
                                "X.224 Connection Confirm (legacy, no negotiation data)".to_string()
                            }
                            Some(nego::NegResponse::Rsp(r)) => {
                                n.selected_protocol = Some(r.selected_protocol.0);
                                n.selected_names = r.selected_protocol.names();
                                n.response_flags = r.flags.names();
                                format!(
                                    "X.224 Connection Confirm: selected {}",
                                    r.selected_protocol
                                )
                            }
                            Some(nego::NegResponse::Failure(fl)) => {
                                n.failure = Some(named(fl.code.0, fl.code));
                                format!("X.224 Connection Confirm: RDP_NEG_FAILURE {}", fl.code)
                            }
                        };
                        ladder(f, frame, dir, label);
                    }
                    Err(e) => {
                        self.note_malformed(frame, dir, format!("X.224 Connection Confirm: {e}"))
                    }
                }
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
            mcs::McsPdu::ConnectInitial(ci) => {
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
                                m.supports_error_info = Some(e.contains(
                                    gcc::ClientEarlyCapabilityFlags::SUPPORT_ERRINFO_PDU,
                                ));
                            }
                            m.client_server_selected_protocol =
                                core.server_selected_protocol.map(|p| p.0);
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
            mcs::McsPdu::ConnectResponse(cr) => {
                let m = &mut self.facts.mcs;
                m.connect_response = Some(frame);
                m.result = Some(named(cr.result.0 as u32, cr.result));
                let mut certs = Vec::new();
                match gcc::parse_conference_create_response(cr.user_data) {
                    Ok((_, sd)) => {
                        if let Some(net) = &sd.network {
                            self.vc_ids = net.channel_ids.iter().take(64).copied().collect();
                        }
                        if let Some(core) = &sd.core {
                            m.server_client_requested_protocols =
                                core.client_requested_protocols.map(|p| p.0);
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
                    if let Some(ci) = cert_info(der, frame, i, "rdp_standard_security") {
                        push_bounded(&mut self.facts.tls.certificates, ci);
                    }
                }
                let res = self
                    .facts
                    .mcs
                    .result
                    .as_ref()
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                ladder(
                    &mut self.facts,
                    frame,
                    dir,
                    format!("MCS Connect Response ({res})"),
                );
            }
            mcs::McsPdu::Domain(dp) => match dp {
                mcs::DomainPdu::DisconnectProviderUltimatum { reason } => {
                    self.facts.mcs.disconnect_ultimatum =
                        Some((frame, dir, named(reason.0 as u32, reason)));
                    ladder(
                        &mut self.facts,
                        frame,
                        dir,
                        format!("MCS Disconnect Provider Ultimatum ({reason})"),
                    );
                }
                mcs::DomainPdu::AttachUserConfirm { result, .. } => {
                    self.facts.mcs.attach_user_confirm =
                        Some((frame, named(result.0 as u32, result)));
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

    /// An RDP PDU inside MCS Send Data.
    fn on_rdp(&mut self, dir: Dir, data: &[u8], frame: FrameRef, decrypted: bool) {
        let standard_security =
            self.facts.negotiation.selected_protocol.unwrap_or(0) == 0 && !decrypted;
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
                        rdp::LicenseBody::ErrorAlert(e) => (
                            Some(named(e.error_code.0, e.error_code)),
                            Some(named(e.state_transition.0, e.state_transition)),
                            e.is_success(),
                        ),
                        _ => (None, None, false),
                    };
                    let label = match (&error_code, success) {
                        (Some(_), true) => {
                            "License Error Alert: STATUS_VALID_CLIENT (licensing done)".to_string()
                        }
                        (Some(c), false) => format!("License Error Alert: {}", c.name),
                        _ => format!("licensing: {}", lp.preamble.msg_type),
                    };
                    push_bounded(
                        &mut self.facts.rdp.license,
                        LicenseEvent {
                            frame,
                            dir,
                            msg_type: named(lp.preamble.msg_type.0 as u32, lp.preamble.msg_type),
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
                    push_bounded(&mut r.set_error_info, (frame, named(e.0, e)));
                    if e.0 != 0 {
                        ladder(&mut self.facts, frame, dir, format!("Set Error Info: {e}"));
                    }
                }
                rdp::ShareDataBody::StatusInfo(s) => {
                    push_bounded(&mut r.status_info, (frame, named(s.0, s)));
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

    // ------------------------------------------------------------------ TLS

    fn on_tls_record(&mut self, dir: Dir, pdu: &[u8], first: FrameRef, frame: FrameRef) {
        let d = dir.idx();
        let Ok((_, rec)) = tls::parse_record(pdu) else {
            return;
        };
        let decrypted = self.decrypt_record(dir, &rec, frame);
        let class = tls::classify_record(
            &rec,
            self.ccs[d] || (self.tls13 && dir == Dir::ServerToClient),
        );
        let (kind, len) = match class {
            tls::RecordClass::Handshake => ("handshake", rec.fragment.len()),
            tls::RecordClass::EncryptedHandshake { len } => ("encrypted_handshake", len),
            tls::RecordClass::ChangeCipherSpec => ("ccs", 1),
            tls::RecordClass::Alert(_) => ("alert", 2),
            tls::RecordClass::EncryptedAlert { len } => ("encrypted_alert", len),
            tls::RecordClass::ApplicationData { len } => ("app_data", len),
            tls::RecordClass::Heartbeat { len } => ("heartbeat", len),
            tls::RecordClass::Other { len, .. } => ("other", len),
        };
        let t = &mut self.facts.tls;
        if t.records.len() < MAX_LIST {
            t.records.push(RecordInfo {
                dir,
                frame,
                content_type: rec.content_type.0,
                len: len.min(u16::MAX as usize) as u16,
                kind,
            });
        } else {
            t.records_dropped += 1;
        }
        match class {
            tls::RecordClass::Handshake => match self.handshake[d].push(rec.fragment) {
                Ok(msgs) => {
                    for m in msgs {
                        self.on_handshake_message(dir, &m.raw, first, frame, false);
                    }
                }
                Err(e) => {
                    self.facts
                        .tls
                        .malformed
                        .get_or_insert_with(|| e.to_string());
                    self.note_malformed(frame, dir, format!("TLS handshake: {e}"));
                }
            },
            tls::RecordClass::ChangeCipherSpec => {
                self.ccs[d] = true;
                self.facts.tls.ccs[d].get_or_insert(frame);
            }
            tls::RecordClass::Alert(a) => {
                push_bounded(
                    &mut self.facts.tls.alerts,
                    AlertInfo {
                        dir,
                        frame,
                        level: Some(a.level.0),
                        description: Some(named(a.description.0 as u32, a.description)),
                        encrypted: false,
                    },
                );
                let lvl = if a.is_fatal() { "fatal" } else { "warning" };
                ladder(
                    &mut self.facts,
                    frame,
                    dir,
                    format!("TLS alert ({lvl}) {}", a.description),
                );
            }
            tls::RecordClass::EncryptedAlert { .. } if decrypted.is_some() => {}
            tls::RecordClass::EncryptedAlert { len } => {
                push_bounded(
                    &mut self.facts.tls.alerts,
                    AlertInfo {
                        dir,
                        frame,
                        level: None,
                        description: None,
                        encrypted: true,
                    },
                );
                ladder(
                    &mut self.facts,
                    frame,
                    dir,
                    format!("TLS encrypted alert ({len} bytes)"),
                );
            }
            tls::RecordClass::ApplicationData { len } => {
                let t = &mut self.facts.tls;
                t.app_records[d] += 1;
                t.app_bytes[d] += len as u64;
                if t.first_app_data[d].is_none() {
                    t.first_app_data[d] = Some(frame);
                }
            }
            _ => {}
        }
        if let Some((ct, plaintext)) = decrypted {
            self.on_decrypted(dir, ct, &plaintext, first, frame);
        }
    }

    pub(crate) fn on_handshake_message(
        &mut self,
        dir: Dir,
        raw: &[u8],
        _first: FrameRef,
        frame: FrameRef,
        decrypted: bool,
    ) {
        let msg = match tls::parse_handshake(raw) {
            Ok((_, m)) => m,
            Err(e) => {
                self.facts
                    .tls
                    .malformed
                    .get_or_insert_with(|| e.to_string());
                return;
            }
        };
        match msg {
            tls::Handshake::ClientHello(ch) => {
                let names = ch
                    .cipher_suite_names()
                    .into_iter()
                    .map(|(id, n)| {
                        n.map(str::to_string)
                            .unwrap_or_else(|| format!("{id:#06x}"))
                    })
                    .collect();
                let max = ch.max_version();
                self.facts.tls.client_hello = Some(ClientHelloFacts {
                    frame,
                    version: vname(ch.legacy_version),
                    max_version: vname(max),
                    supported_versions: ch
                        .supported_versions
                        .iter()
                        .filter(|v| !tls::is_grease(**v))
                        .map(|v| vname(*v))
                        .collect(),
                    cipher_suites: ch.cipher_suites.len(),
                    cipher_suite_names: names,
                    sni: ch.sni.clone(),
                    alpn: ch.alpn.clone(),
                    random: ch.random,
                });
                ladder(
                    &mut self.facts,
                    frame,
                    dir,
                    format!("TLS ClientHello (up to {})", vname(max)),
                );
            }
            tls::Handshake::ServerHello(sh) => {
                let v = sh.version();
                self.tls13 = v == 0x0304;
                let suite = sh
                    .cipher_suite_name()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{:#06x}", sh.cipher_suite));
                self.facts.tls.server_hello = Some(ServerHelloFacts {
                    frame,
                    version: vname(v),
                    version_raw: v,
                    cipher_suite: suite.clone(),
                    hello_retry_request: sh.is_hello_retry_request,
                });
                let label = if sh.is_hello_retry_request {
                    "TLS HelloRetryRequest".to_string()
                } else {
                    format!("TLS ServerHello ({}, {suite})", vname(v))
                };
                ladder(&mut self.facts, frame, dir, label);
            }
            tls::Handshake::Certificate(chain) => {
                let source = if decrypted { "tls13_decrypted" } else { "tls" };
                for (i, der) in chain.iter().enumerate() {
                    if let Some(ci) = cert_info(der, frame, i, source) {
                        push_bounded(&mut self.facts.tls.certificates, ci);
                    }
                }
                let subj = self
                    .facts
                    .tls
                    .certificates
                    .iter()
                    .find(|c| c.index == 0)
                    .map(|c| c.subject.clone())
                    .unwrap_or_default();
                ladder(
                    &mut self.facts,
                    frame,
                    dir,
                    format!("TLS Certificate ({subj})"),
                );
            }
            tls::Handshake::ServerKeyExchange { .. } => self.facts.tls.server_key_exchange = true,
            tls::Handshake::CertificateRequest { .. } => self.facts.tls.certificate_request = true,
            _ => {}
        }
    }
}

fn vname(v: u16) -> String {
    tls::version_name(v)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{v:#06x}"))
}
