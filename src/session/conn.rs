//! The protocol state machine of one RDP connection: X.224 negotiation,
//! TLS records, and the RDP layers (MCS/GCC, security, licensing,
//! activation) wherever they are readable — in clear under Standard RDP
//! Security, or decrypted.

use super::facts::*;
use super::stream::StreamBuf;
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::{rdp, tls, tpkt, x509, ParseError};

mod gateway;
mod plain;
mod rdp_layers;
mod tls_records;

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

/// Where the wire of one direction is: how its next bytes are framed.
#[derive(Debug)]
enum WireState {
    /// Before the RDP exchange: bytes that cannot start it (a SOCKS or proxy
    /// preamble, or a capture that starts mid-stream) are skipped, `skipped`
    /// so far, until the X.224 exchange is seen or too much was skipped (the
    /// first PDU found is parsed in this state; the next check moves on).
    Preamble { skipped: usize },
    /// TPKT (X.224, MCS) and fast-path PDUs, each told by its first byte.
    X224,
    /// Every PDU is a TLS record, from the first one this side sent on.
    Tls {
        /// This side sent ChangeCipherSpec: its handshake records are encrypted.
        ccs: bool,
        /// Handshake messages split across records.
        handshake: tls::HandshakeBuffer,
    },
}

impl Default for WireState {
    fn default() -> Self {
        WireState::Preamble { skipped: 0 }
    }
}

/// Preamble bytes skipped per direction before parsing whatever comes.
const MAX_PREAMBLE: usize = 4096;

/// Protocol state of one live connection.
#[derive(Debug, Default)]
pub struct Session {
    pub facts: SessionFacts,
    wire: [StreamBuf; 2],
    state: [WireState; 2],
    /// The ServerHello chose TLS 1.3: the server's handshake records after it
    /// are encrypted (without a ChangeCipherSpec).
    tls13: bool,
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
    source: CertSource,
) -> Option<CertInfo> {
    let (_, c) = x509::parse_certificate(der).ok()?;
    let at = frame.ts.secs();
    Some(CertInfo {
        frame,
        index,
        source,
        validity_at_capture: c.validity_at(at),
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        common_names: c.common_names.clone(),
        san_dns: c.san_dns.clone(),
        san_ip: c.san_ip.iter().map(|i| i.to_string()).collect(),
        not_before: unix_rfc3339(c.not_before),
        not_after: unix_rfc3339(c.not_after),
        not_before_unix: c.not_before,
        not_after_unix: c.not_after,
        key_type: c.key_type,
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
        let handshake = |s: &WireState| match s {
            WireState::Tls { handshake, .. } => handshake.pending(),
            _ => 0,
        };
        self.wire.iter().map(|w| w.heap_bytes()).sum::<usize>()
            + self.state.iter().map(handshake).sum::<usize>()
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

    /// In [`WireState::Preamble`], skip bytes that are not RDP (a SOCKS or
    /// proxy preamble) up to the first TPKT or TLS record. Returns whether
    /// parsing may go on.
    fn skip_preamble(&mut self, dir: Dir) -> bool {
        let d = dir.idx();
        let WireState::Preamble { skipped } = self.state[d] else {
            return true;
        };
        let started = match dir {
            Dir::ClientToServer => self.facts.negotiation.request_frame.is_some(),
            Dir::ServerToClient => self.facts.negotiation.confirm_frame.is_some(),
        };
        if started || skipped > MAX_PREAMBLE {
            self.state[d] = WireState::X224;
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
        let mut skipped = skipped;
        if n > 0 {
            let f = self.wire[d].frame_at(0);
            if skipped == 0 {
                ladder(
                    &mut self.facts,
                    f,
                    dir,
                    "bytes before the RDP exchange (proxy or non-RDP preamble) skipped",
                );
            }
            skipped += n;
            self.state[d] = WireState::Preamble { skipped };
            self.wire[d].consume(n);
        }
        pos.is_some() || skipped > MAX_PREAMBLE
    }

    /// How the next PDU of `dir` is framed, from its first byte.
    fn frame_kind(&self, dir: Dir, first: u8) -> tpkt::FrameKind {
        match self.state[dir.idx()] {
            WireState::Tls { .. } => tpkt::FrameKind::TlsRecord(first),
            _ => tpkt::classify_first_byte(first),
        }
    }

    fn parse_wire(&mut self, dir: Dir) {
        let d = dir.idx();
        if !self.skip_preamble(dir) {
            return;
        }
        loop {
            let buf = self.wire[d].data();
            let Some(&first) = buf.first() else { break };
            let kind = self.frame_kind(dir, first);
            match pdu_len(kind, buf) {
                Ok(n) => {
                    let first_frame = self.wire[d].frame_at(0);
                    let last_frame = self.wire[d].frame_at(n.saturating_sub(1));
                    let pdu = self.wire[d].data()[..n].to_vec();
                    self.wire[d].consume(n);
                    match kind {
                        tpkt::FrameKind::Tpkt => self.on_tpkt(dir, &pdu, last_frame, false),
                        tpkt::FrameKind::TlsRecord(_) => {
                            if !matches!(self.state[d], WireState::Tls { .. }) {
                                self.state[d] = WireState::Tls {
                                    ccs: false,
                                    handshake: tls::HandshakeBuffer::default(),
                                };
                            }
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
}

/// Length of the complete PDU of `kind` at the start of `buf`, or why there
/// is none (yet).
fn pdu_len(kind: tpkt::FrameKind, buf: &[u8]) -> Result<usize, ParseError> {
    match kind {
        tpkt::FrameKind::Tpkt => {
            let (rest, _) = tpkt::parse_tpkt_frame(buf)?;
            Ok(buf.len() - rest.len())
        }
        tpkt::FrameKind::TlsRecord(_) => {
            let (_, h) = tls::parse_record_header(buf)?;
            let n = 5 + h.length as usize;
            if buf.len() < n {
                Err(ParseError::incomplete(n - buf.len()))
            } else {
                Ok(n)
            }
        }
        tpkt::FrameKind::FastPath => {
            let (_, h) = rdp::parse_fast_path_header(buf)?;
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
        _ => Err(ParseError::invalid(
            "RDP stream",
            "first byte",
            "is neither TPKT, TLS nor fast-path",
        )),
    }
}
