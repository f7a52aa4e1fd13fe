//! TLS on the wire: records classified and counted, handshake messages
//! (hellos, certificates), alerts, and each record handed to the decryptor.

use super::{cert_info, ladder, Session, WireState};
use crate::session::facts::*;
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::tls;

impl Session {
    /// One TLS record of the wire (`first`..`frame`: the frames that carried it).
    pub(super) fn on_tls_record(&mut self, dir: Dir, pdu: &[u8], first: FrameRef, frame: FrameRef) {
        let d = dir.idx();
        let Ok((_, rec)) = tls::parse_record(pdu) else {
            return;
        };
        let decrypted = self.decrypt_record(dir, &rec, frame);
        let class = tls::classify_record(
            &rec,
            matches!(self.state[d], WireState::Tls { ccs: true, .. })
                || (self.tls13 && dir == Dir::ServerToClient),
        );
        let (kind, len) = match class {
            tls::RecordClass::Handshake => (RecordKind::Handshake, rec.fragment.len()),
            tls::RecordClass::EncryptedHandshake { len } => (RecordKind::EncryptedHandshake, len),
            tls::RecordClass::ChangeCipherSpec => (RecordKind::ChangeCipherSpec, 1),
            tls::RecordClass::Alert(_) => (RecordKind::Alert, 2),
            tls::RecordClass::EncryptedAlert { len } => (RecordKind::EncryptedAlert, len),
            tls::RecordClass::ApplicationData { len } => (RecordKind::AppData, len),
            tls::RecordClass::Heartbeat { len } => (RecordKind::Heartbeat, len),
            tls::RecordClass::Other { len, .. } => (RecordKind::Other, len),
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
            tls::RecordClass::Handshake => match self.handshake_push(d, rec.fragment) {
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
                if let WireState::Tls { ccs, .. } = &mut self.state[d] {
                    *ccs = true;
                }
                self.facts.tls.ccs[d].get_or_insert(frame);
            }
            tls::RecordClass::Alert(a) => {
                push_bounded(
                    &mut self.facts.tls.alerts,
                    AlertInfo {
                        dir,
                        frame,
                        level: Some(a.level),
                        description: Some(a.description),
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

    /// Add a handshake record's fragment to this direction's handshake
    /// messages: those it completes.
    fn handshake_push(
        &mut self,
        d: usize,
        fragment: &[u8],
    ) -> Result<Vec<tls::OwnedHandshakeMessage>, rdpdiag_parsers::ParseError> {
        match &mut self.state[d] {
            WireState::Tls { handshake, .. } => handshake.push(fragment),
            // Records are only parsed once the direction is in TLS.
            _ => Ok(Vec::new()),
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
                self.tls13 = v == tls::TLS1_3;
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
                let source = if decrypted {
                    CertSource::Tls13Decrypted
                } else {
                    CertSource::Tls
                };
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
