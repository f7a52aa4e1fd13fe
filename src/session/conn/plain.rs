//! The decrypted side of a TLS connection: every TLS record goes through a
//! [`TlsDecryptor`]; what comes out is reassembled per direction (records
//! split and join PDUs freely) and routed like Wireshark would see it:
//! encrypted handshake messages (TLS 1.3 Certificate), alerts, CredSSP
//! TSRequests, the Early User Authorization Result, then TPKT / fast-path
//! PDUs into the same handlers the clear wire uses.
//!
//! A record that does not authenticate stops the decrypted stream of its
//! direction: nothing after it is parsed, so garbage never becomes facts.

use super::{ladder, Session};
use crate::decrypt::{self, KeyLog, RecordOutcome, TlsDecryptor};
use crate::session::facts::*;
use crate::session::ntlm_challenge::challenge_facts;
use crate::session::stream::StreamBuf;
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::nego::Protocols;
use rdpdiag_parsers::{credssp, kerberos, ntlm, rdp, spnego, tls, tpkt};
use std::sync::Arc;

/// Decryption state of one connection.
#[derive(Debug)]
pub(crate) struct Plain {
    dec: TlsDecryptor,
    /// Decrypted application data per direction.
    pub(crate) buf: [StreamBuf; 2],
    /// Stream offset of the next decrypted byte per direction.
    off: [u64; 2],
    /// Decrypted handshake messages (TLS 1.3 encrypted flight, Finished).
    hs: [tls::HandshakeBuffer; 2],
    /// A TPKT or fast-path PDU was seen in this direction: CredSSP is over.
    rdp_phase: [bool; 2],
    /// TSRequests seen per direction.
    credssp: [u32; 2],
    eua_done: bool,
    /// A record failed to authenticate in this direction: stop.
    failed: [bool; 2],
    pub(crate) first_failure: Option<FrameRef>,
    /// Handlers called from here report malformed data to the decrypted stream.
    pub(crate) active: Option<Dir>,
    /// RD Gateway HTTP / MS-TSGU state (HTTPS on a gateway port).
    pub(crate) gw: super::gateway::Gw,
}

impl Plain {
    pub(crate) fn new(keylog: Arc<KeyLog>) -> Plain {
        Plain {
            dec: TlsDecryptor::new(keylog),
            buf: Default::default(),
            off: [0; 2],
            hs: Default::default(),
            rdp_phase: [false; 2],
            credssp: [0; 2],
            eua_done: false,
            failed: [false; 2],
            first_failure: None,
            active: None,
            gw: Default::default(),
        }
    }

    /// The summary for the connection's facts (no secrets).
    pub(crate) fn facts(&self) -> Option<DecryptFacts> {
        let st = self.dec.status();
        if !st.client_hello_seen {
            return None;
        }
        let status = if st.version.is_none() {
            DecryptStatus::NoServerHello
        } else if !st.supported {
            DecryptStatus::Unsupported
        } else if !st.keys_found {
            DecryptStatus::NoKeys
        } else if st.records_failed > 0 && st.records_decrypted == 0 {
            DecryptStatus::WrongKeys
        } else if st.records_failed > 0 {
            DecryptStatus::Partial
        } else if st.records_decrypted > 0 {
            DecryptStatus::Decrypted
        } else {
            DecryptStatus::NothingEncrypted
        };
        Some(DecryptFacts {
            status,
            keys_found: st.keys_found,
            version: st.version_name.map(str::to_string),
            cipher_suite: st
                .suite_name
                .map(str::to_string)
                .or_else(|| st.cipher_suite.map(|s| format!("{s:#06x}"))),
            records_decrypted: st.records_decrypted,
            records_failed: st.records_failed,
            first_failure: self.first_failure,
        })
    }
}

/// Length of a complete DER TLV at the start of `b`: `Ok(None)` while incomplete.
fn der_len(b: &[u8]) -> Result<Option<usize>, &'static str> {
    let Some(&l) = b.get(1) else { return Ok(None) };
    if l < 0x80 {
        return Ok(Some(2 + l as usize));
    }
    let n = (l & 0x7f) as usize;
    if n == 0 || n > 4 {
        return Err("bad DER length");
    }
    let Some(bytes) = b.get(2..2 + n) else {
        return Ok(None);
    };
    let v = bytes.iter().fold(0usize, |a, x| (a << 8) | *x as usize);
    Ok(Some(2 + n + v))
}

/// Decrypted data that starts like an HTTP request or response head.
fn looks_http(b: &[u8]) -> bool {
    const STARTS: [&[u8]; 7] = [
        b"HTTP/",
        b"GET ",
        b"POST ",
        b"RDG_OUT_DATA ",
        b"RDG_IN_DATA ",
        b"RPC_IN_DATA ",
        b"RPC_OUT_DATA ",
    ];
    // Matching the first four bytes (or all of a shorter buffer) is enough:
    // the first RDP PDU of a direction is a TPKT (0x03) or a TSRequest (0x30).
    let n = b.len().min(4);
    n > 0 && STARTS.iter().any(|s| s.starts_with(&b[..n]))
}

enum Pdu {
    TsRequest,
    Eua,
    Tpkt,
    FastPath,
}

impl Session {
    /// Start decrypting this connection with `keylog`.
    pub fn enable_decryption(&mut self, keylog: Arc<KeyLog>) {
        if !keylog.is_empty() {
            self.plain = Some(Box::new(Plain::new(keylog)));
        }
    }

    /// Feed one TLS record to the decryptor: its inner content type and
    /// plaintext when it decrypted and authenticated.
    pub(super) fn decrypt_record(
        &mut self,
        dir: Dir,
        rec: &tls::Record<'_>,
        frame: FrameRef,
    ) -> Option<(u8, Vec<u8>)> {
        let p = self.plain.as_mut()?;
        let d = dir.idx();
        if p.failed[d] {
            return None;
        }
        match p
            .dec
            .on_record(dir, rec.content_type.0, rec.version, rec.fragment)
        {
            RecordOutcome::Decrypted {
                content_type,
                plaintext,
            } => Some((content_type, plaintext)),
            RecordOutcome::Failed(e) => {
                p.failed[d] = true;
                p.first_failure.get_or_insert(frame);
                ladder(
                    &mut self.facts,
                    frame,
                    dir,
                    format!("decryption failed ({e}): the key log does not match; the rest of this direction stays encrypted"),
                );
                None
            }
            _ => None,
        }
    }

    /// A decrypted record's content.
    pub(super) fn on_decrypted(
        &mut self,
        dir: Dir,
        content_type: u8,
        plaintext: &[u8],
        first: FrameRef,
        frame: FrameRef,
    ) {
        let d = dir.idx();
        match content_type {
            decrypt::CT_HANDSHAKE => {
                let Some(p) = self.plain.as_mut() else { return };
                match p.hs[d].push(plaintext) {
                    Ok(msgs) => {
                        for m in msgs {
                            self.on_decrypted_handshake(dir, &m.raw, first, frame);
                        }
                    }
                    Err(e) => self.plain_malformed(dir, frame, format!("TLS handshake: {e}")),
                }
            }
            decrypt::CT_ALERT => {
                let (level, desc) = match plaintext {
                    [l, x, ..] => (*l, *x),
                    _ => return,
                };
                let (level, dn) = (tls::AlertLevel(level), tls::AlertDescription(desc));
                push_bounded(
                    &mut self.facts.tls.alerts,
                    AlertInfo {
                        dir,
                        frame,
                        level: Some(level),
                        description: Some(dn),
                        encrypted: false,
                    },
                );
                let lvl = if level == tls::AlertLevel::FATAL {
                    "fatal"
                } else {
                    "warning"
                };
                ladder(
                    &mut self.facts,
                    frame,
                    dir,
                    format!("TLS alert ({lvl}) {dn} (decrypted)"),
                );
            }
            decrypt::CT_APPLICATION_DATA => {
                let Some(p) = self.plain.as_mut() else { return };
                if p.buf[d].desync {
                    return;
                }
                let off = p.off[d];
                p.off[d] += plaintext.len() as u64;
                p.buf[d].push(off, plaintext, frame);
                self.parse_plain(dir);
            }
            _ => {}
        }
    }

    fn on_decrypted_handshake(&mut self, dir: Dir, raw: &[u8], first: FrameRef, frame: FrameRef) {
        // TLS 1.3 Certificate has its own layout (request context, per-entry extensions).
        if self.tls13 && raw.first() == Some(&11) {
            match tls::parse_tls13_certificate(raw) {
                Ok((_, c)) => {
                    for (i, e) in c.entries.iter().enumerate() {
                        if let Some(ci) =
                            super::cert_info(e.cert_data, frame, i, CertSource::Tls13Decrypted)
                        {
                            push_bounded(&mut self.facts.tls.certificates, ci);
                        }
                    }
                    let subj = self
                        .facts
                        .tls
                        .certificates
                        .iter()
                        .find(|c| c.index == 0 && c.source == CertSource::Tls13Decrypted)
                        .map(|c| c.subject.clone())
                        .unwrap_or_default();
                    ladder(
                        &mut self.facts,
                        frame,
                        dir,
                        format!("TLS Certificate ({subj}) (decrypted)"),
                    );
                }
                Err(e) => self.plain_malformed(dir, frame, format!("TLS 1.3 Certificate: {e}")),
            }
            return;
        }
        self.on_handshake_message(dir, raw, first, frame, true);
    }

    /// Malformed decrypted data: stop this direction's decrypted stream (never
    /// the wire), keep the note.
    pub(super) fn plain_malformed(&mut self, dir: Dir, frame: FrameRef, what: String) {
        if let Some(p) = self.plain.as_mut() {
            let b = &mut p.buf[dir.idx()];
            if b.desync {
                return;
            }
            b.clear();
            b.desync = true;
        }
        let what = format!("decrypted: {what}");
        ladder(&mut self.facts, frame, dir, format!("malformed: {what}"));
        push_bounded(&mut self.facts.rdp.malformed, (frame, dir, what));
    }

    /// Called by `note_malformed` while a decrypted PDU is being handled.
    pub(super) fn plain_active(&self) -> Option<Dir> {
        self.plain.as_ref().and_then(|p| p.active)
    }

    pub(super) fn plain_desync(&mut self, dir: Dir) {
        if let Some(p) = self.plain.as_mut() {
            p.buf[dir.idx()].clear();
            p.buf[dir.idx()].desync = true;
        }
    }

    fn parse_plain(&mut self, dir: Dir) {
        let d = dir.idx();
        let sel = self.facts.negotiation.selected_protocol.unwrap_or_default();
        let hybrid = sel.intersects(Protocols::HYBRID | Protocols::HYBRID_EX);
        let hybrid_ex = sel.contains(Protocols::HYBRID_EX);
        loop {
            let Some(p) = self.plain.as_mut() else { return };
            if p.buf[d].desync {
                return;
            }
            let buf = p.buf[d].data();
            let Some(&b0) = buf.first() else { return };
            if p.gw.dir[d].active || (!p.rdp_phase[d] && p.credssp[d] == 0 && looks_http(buf)) {
                // RD Gateway (HTTPS on a port given with --port): HTTP heads,
                // then MS-TSGU packets (see `gateway.rs`).
                if buf.len() < 4 && !p.gw.dir[d].active {
                    return;
                }
                self.parse_gateway(dir);
                return;
            }
            let kind = if dir == Dir::ServerToClient
                && hybrid_ex
                && p.credssp[d] > 0
                && !p.eua_done
                && !p.rdp_phase[d]
                && b0 != 0x30
            {
                Pdu::Eua
            } else if hybrid && !p.rdp_phase[d] && b0 == 0x30 {
                Pdu::TsRequest
            } else {
                match tpkt::classify_first_byte(b0) {
                    tpkt::FrameKind::Tpkt => Pdu::Tpkt,
                    tpkt::FrameKind::FastPath => Pdu::FastPath,
                    _ => {
                        let f = p.buf[d].frame_at(0);
                        self.plain_malformed(
                            dir,
                            f,
                            format!("first byte {b0:#04x} is neither CredSSP, TPKT nor fast-path"),
                        );
                        return;
                    }
                }
            };
            let need: Result<Option<usize>, String> = match kind {
                Pdu::Eua => Ok(Some(4)),
                Pdu::TsRequest => der_len(buf).map_err(str::to_string),
                Pdu::Tpkt => match tpkt::parse_tpkt_frame(buf) {
                    Ok((rest, _)) => Ok(Some(buf.len() - rest.len())),
                    Err(rdpdiag_parsers::ParseError::Incomplete { .. }) => Ok(None),
                    Err(e) => Err(e.to_string()),
                },
                Pdu::FastPath => match rdp::parse_fast_path_header(buf) {
                    Ok((_, h)) if (h.length as usize) < h.header_len => {
                        Err("fast-path length shorter than its header".into())
                    }
                    Ok((_, h)) => Ok(Some(h.length as usize)),
                    Err(rdpdiag_parsers::ParseError::Incomplete { .. }) => Ok(None),
                    Err(e) => Err(e.to_string()),
                },
            };
            let n = match need {
                Ok(Some(n)) if n <= buf.len() => n,
                Ok(_) => return, // wait for more records
                Err(e) => {
                    let f = p.buf[d].frame_at(0);
                    self.plain_malformed(dir, f, e);
                    return;
                }
            };
            let frame = p.buf[d].frame_at(n.saturating_sub(1));
            let pdu = buf[..n].to_vec();
            p.buf[d].consume(n);
            match kind {
                Pdu::Eua => {
                    p.eua_done = true;
                    self.on_eua(dir, &pdu, frame);
                }
                Pdu::TsRequest => {
                    p.credssp[d] += 1;
                    self.on_ts_request(dir, &pdu, frame);
                }
                Pdu::Tpkt | Pdu::FastPath => {
                    p.rdp_phase[d] = true;
                    p.active = Some(dir);
                    if matches!(kind, Pdu::Tpkt) {
                        self.on_tpkt(dir, &pdu, frame, true);
                    } else {
                        self.on_fast_path(dir, &pdu, frame, true);
                    }
                    if let Some(p) = self.plain.as_mut() {
                        p.active = None;
                    }
                }
            }
        }
    }

    fn on_eua(&mut self, dir: Dir, pdu: &[u8], frame: FrameRef) {
        let Ok((_, r)) = rdp::parse_early_user_auth_result(pdu) else {
            return;
        };
        self.facts.rdp.early_user_auth = Some((frame, r));
        ladder(
            &mut self.facts,
            frame,
            dir,
            format!("Early User Authorization Result: {r}"),
        );
    }

    fn on_ts_request(&mut self, dir: Dir, pdu: &[u8], frame: FrameRef) {
        let ts = match credssp::parse_ts_request(pdu) {
            Ok((_, ts)) => ts,
            Err(e) => {
                self.plain_malformed(dir, frame, format!("CredSSP: {e}"));
                return;
            }
        };
        let mut parts: Vec<String> = Vec::new();
        let nla = &mut self.facts.nla;
        nla.ts_requests[dir.idx()] += 1;
        match dir {
            Dir::ClientToServer => nla.client_version = Some(ts.version),
            Dir::ServerToClient => nla.server_version = Some(ts.version),
        }
        for tok in &ts.nego_tokens {
            match spnego::unwrap_mech_token(tok) {
                spnego::MechToken::Ntlm(b) => {
                    // The last mechanism wins: Kerberos that fails and falls back
                    // to NTLM is an NTLM logon.
                    nla.mechanism = Some(AuthMechanism::Ntlm);
                    match ntlm::parse_ntlm(b) {
                        Ok((_, ntlm::NtlmMessage::Negotiate(_))) => {
                            nla.ntlm_negotiate.get_or_insert(frame);
                            parts.push("NTLM NEGOTIATE".into());
                        }
                        Ok((_, ntlm::NtlmMessage::Challenge(c))) => {
                            nla.ntlm_challenge.get_or_insert(frame);
                            let cf = challenge_facts(&c, frame.ts.secs());
                            parts.push(format!(
                                "NTLM CHALLENGE (server {})",
                                cf.netbios_computer
                                    .as_deref()
                                    .or(cf.dns_computer.as_deref())
                                    .unwrap_or("?")
                            ));
                            nla.server_netbios_computer = cf.netbios_computer;
                            nla.server_netbios_domain = cf.netbios_domain;
                            nla.server_dns_computer = cf.dns_computer;
                            nla.server_dns_domain = cf.dns_domain;
                            nla.server_os_version = cf.os_version;
                            // Earlier values stay when this CHALLENGE has no timestamp.
                            if let (Some(t), Some(skew)) = (cf.server_time, cf.clock_skew_s) {
                                nla.server_time = Some(t);
                                nla.clock_skew_s = Some(skew as f64);
                            }
                        }
                        Ok((_, ntlm::NtlmMessage::Authenticate(a))) => {
                            nla.ntlm_authenticate.get_or_insert(frame);
                            nla.user = Some(a.user.clone());
                            nla.domain = Some(a.domain.clone());
                            nla.workstation = Some(a.workstation.clone());
                            parts.push("NTLM AUTHENTICATE".into());
                        }
                        Err(_) => parts.push("NTLM (unreadable)".into()),
                    }
                }
                spnego::MechToken::Kerberos(b) => {
                    nla.mechanism = Some(AuthMechanism::Kerberos);
                    match kerberos::parse_kerberos(b) {
                        Ok((_, k)) => {
                            if let kerberos::KerberosMessage::KrbError(e) = &k.message {
                                if let Some(code) = e.error_code {
                                    nla.kerberos_error = Some((frame, code));
                                }
                            }
                            parts.push(format!("Kerberos {}", k.message.msg_type()));
                        }
                        Err(_) => parts.push("Kerberos".into()),
                    }
                }
                spnego::MechToken::Unknown => {}
            }
        }
        if ts.pub_key_auth.is_some() {
            if dir == Dir::ServerToClient {
                nla.server_pub_key_auth.get_or_insert(frame);
            }
            parts.push("pubKeyAuth".into());
        }
        if ts.auth_info.is_some() && dir == Dir::ClientToServer {
            nla.client_auth_info.get_or_insert(frame);
            parts.push("authInfo (credentials)".into());
        }
        if let Some(e) = ts.error_code {
            if e.0 != 0 {
                nla.error_code = Some((frame, e));
                parts.push(format!("errorCode {e}"));
            }
        }
        ladder(
            &mut self.facts,
            frame,
            dir,
            format!("CredSSP TSRequest v{}: {}", ts.version, parts.join(", ")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hand-made bytes: edge cases of the framing helpers that the lab
    // captures (which only hold well-formed PDUs) cannot show.
    #[test]
    fn der_lengths() {
        assert_eq!(der_len(&[0x30]), Ok(None));
        assert_eq!(der_len(&[0x30, 0x05]), Ok(Some(7)));
        assert_eq!(der_len(&[0x30, 0x82, 0x01]), Ok(None));
        assert_eq!(der_len(&[0x30, 0x82, 0x01, 0x00]), Ok(Some(260)));
        assert!(der_len(&[0x30, 0x80]).is_err());
        assert!(der_len(&[0x30, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn http_heads_are_recognised_not_parsed_as_rdp() {
        assert!(looks_http(
            b"RDG_OUT_DATA /remoteDesktopGateway/ HTTP/1.1\r\n"
        ));
        assert!(looks_http(b"HTT"));
        assert!(!looks_http(&[0x03, 0x00, 0x01, 0x2c]));
        assert!(!looks_http(&[0x30, 0x82, 0x01, 0x00]));
    }
}
