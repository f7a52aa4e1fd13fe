//! RD Gateway over HTTPS (MS-TSGU HTTP transport), read from the decrypted
//! stream of a connection to a gateway port (`--port 443`).
//!
//! Each direction is a small state machine: HTTP heads, then — once the
//! gateway opened a channel — the binary MS-TSGU packets. The OUT channel
//! (`RDG_OUT_DATA`) carries the gateway's packets raw after its `200`; the
//! IN channel (`RDG_IN_DATA`) carries the client's packets as a chunked
//! request body. The result codes of HANDSHAKE/TUNNEL/TUNNEL_AUTH/CHANNEL
//! responses become [`GatewayPacket`]s; DATA packets (the tunnelled RDP) are
//! counted. A WebSocket upgrade is recorded; its frames are not decoded.

use super::{ladder, Session};
use crate::session::facts::*;
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::{rdg, ParseError};

/// The 200 that opens the OUT channel is followed by a seed payload the
/// client skips: FreeRDP (`rdg_skip_seed_payload`) reads 10 bytes in all,
/// counting what `Content-Length` already covered.
const OUT_SEED: u64 = 10;
/// Longest dechunked body kept while waiting for a packet to complete.
const MAX_BODY: usize = 256 * 1024;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Expecting an HTTP head.
    #[default]
    Head,
    /// Skipping `n` body bytes, then `then`.
    Skip(u64, Next),
    /// MS-TSGU packets, raw.
    Packets,
    /// A chunked request body carrying MS-TSGU packets.
    Chunked,
    /// Not decoded further (WebSocket frames, unknown bodies).
    Opaque,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Next {
    #[default]
    Head,
    Packets,
}

/// Gateway parsing state of one direction.
#[derive(Debug, Default)]
pub(crate) struct GwDir {
    /// This direction is HTTP (set by the first head).
    pub(crate) active: bool,
    mode: Mode,
    /// Dechunked body bytes not yet parsed as packets.
    body: Vec<u8>,
    body_frame: Option<FrameRef>,
}

/// Per-connection gateway state (lives in the decryption state).
#[derive(Debug, Default)]
pub(crate) struct Gw {
    pub(crate) dir: [GwDir; 2],
    /// Method of the last request: decides what a 200 opens.
    last_method: Option<rdg::RequestKind>,
    /// The RDP inside the DATA packets, parsed by a session of its own.
    pub(crate) tunnel: Option<Box<Session>>,
    tunnel_off: [u64; 2],
}

/// DATA packets per direction fed to the tunnelled session: enough for the
/// connection sequence, bounded for long sessions.
const MAX_TUNNEL_PACKETS: u64 = 256;

fn header<'a>(h: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

enum Step {
    /// Consumed n bytes; go on.
    Consumed(usize),
    /// Wait for more data.
    Wait,
    /// Stop this direction with a note.
    Malformed(String),
    /// Stop quietly (not decoded further).
    Stop,
}

impl Session {
    fn gw_facts(&mut self) -> &mut GatewayFacts {
        self.facts.gateway.get_or_insert_with(GatewayFacts::default)
    }

    /// Parse the decrypted HTTP(S) stream of `dir` as RD Gateway traffic.
    pub(super) fn parse_gateway(&mut self, dir: Dir) {
        let d = dir.idx();
        loop {
            let Some(p) = self.plain.as_mut() else { return };
            if p.buf[d].desync || p.buf[d].data().is_empty() {
                return;
            }
            p.gw.dir[d].active = true;
            let step = match p.gw.dir[d].mode {
                Mode::Head => self.gw_head(dir),
                Mode::Skip(n, next) => {
                    let have = p.buf[d].data().len() as u64;
                    let k = n.min(have);
                    p.gw.dir[d].mode = if k == n {
                        match next {
                            Next::Head => Mode::Head,
                            Next::Packets => Mode::Packets,
                        }
                    } else {
                        Mode::Skip(n - k, next)
                    };
                    Step::Consumed(k as usize)
                }
                Mode::Packets => self.gw_packet(dir),
                Mode::Chunked => self.gw_chunk(dir),
                Mode::Opaque => Step::Stop,
            };
            let Some(p) = self.plain.as_mut() else { return };
            match step {
                Step::Consumed(n) => p.buf[d].consume(n),
                Step::Wait => return,
                Step::Stop => {
                    p.buf[d].clear();
                    p.buf[d].desync = true;
                    return;
                }
                Step::Malformed(what) => {
                    let f = p.buf[d].frame_at(0);
                    self.plain_malformed(dir, f, format!("RD Gateway: {what}"));
                    return;
                }
            }
        }
    }

    fn gw_head(&mut self, dir: Dir) -> Step {
        let d = dir.idx();
        let Some(p) = self.plain.as_mut() else {
            return Step::Stop;
        };
        let buf = p.buf[d].data();
        match dir {
            Dir::ClientToServer => match rdg::parse_http_request(buf) {
                Ok((_, r)) => {
                    let n = r.head_len;
                    let frame = p.buf[d].frame_at(n.saturating_sub(1));
                    let chunked = header(&r.headers, "Transfer-Encoding")
                        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
                    let cl =
                        header(&r.headers, "Content-Length").and_then(|v| v.parse::<u64>().ok());
                    p.gw.last_method = Some(r.kind);
                    p.gw.dir[d].mode = if chunked {
                        Mode::Chunked
                    } else if r.kind == rdg::RequestKind::WebSocketUpgrade {
                        // Frames follow once the gateway answers 101; wait for heads until then.
                        Mode::Head
                    } else {
                        match cl {
                            Some(n) if n > 0 => Mode::Skip(n, Next::Head),
                            _ => Mode::Head,
                        }
                    };
                    let req = GatewayRequest {
                        frame,
                        method: r.method.to_string(),
                        path: r.path.to_string(),
                        kind: r.kind,
                        connection_id: r.connection_id.map(str::to_string),
                        authorization: r.authorization_scheme.map(str::to_string),
                        chunked,
                    };
                    let label = format!(
                        "RD Gateway HTTP {} {}{}{} (decrypted)",
                        req.method,
                        req.path,
                        req.authorization
                            .as_deref()
                            .map(|s| format!(", Authorization: {s}"))
                            .unwrap_or_default(),
                        if chunked { ", chunked body" } else { "" }
                    );
                    push_bounded(&mut self.gw_facts().requests, req);
                    ladder(&mut self.facts, frame, dir, label);
                    Step::Consumed(n)
                }
                Err(ParseError::Incomplete { .. }) => Step::Wait,
                Err(e) => Step::Malformed(e.to_string()),
            },
            Dir::ServerToClient => match rdg::parse_http_response(buf) {
                Ok((_, r)) => {
                    let n = r.head_len;
                    let frame = p.buf[d].frame_at(n.saturating_sub(1));
                    let cl = r.content_length.unwrap_or(0);
                    let auth_challenge = r.headers.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case("WWW-Authenticate")
                            && v.split_whitespace().nth(1).is_some()
                    });
                    p.gw.dir[d].mode = match (r.status, p.gw.last_method) {
                        (200, Some(rdg::RequestKind::RdgOutData)) => {
                            Mode::Skip(cl.max(OUT_SEED), Next::Packets)
                        }
                        (101, _) => Mode::Opaque,
                        // The IN channel's 200 has no body of interest; the
                        // legacy RPC transport is not decoded.
                        (200, Some(k)) if k.is_rpc_over_http() => Mode::Opaque,
                        _ if cl > 0 => Mode::Skip(cl, Next::Head),
                        _ => Mode::Head,
                    };
                    let resp = GatewayResponse {
                        frame,
                        status: r.status,
                        reason: r.reason.to_string(),
                        www_authenticate: r
                            .www_authenticate
                            .iter()
                            .map(|s| s.to_string())
                            .collect(),
                        auth_challenge,
                        server: r.server.map(str::to_string),
                    };
                    let label = format!(
                        "RD Gateway HTTP {} {}{} (decrypted)",
                        resp.status,
                        resp.reason,
                        if resp.www_authenticate.is_empty() {
                            String::new()
                        } else {
                            format!(
                                ", WWW-Authenticate: {}{}",
                                resp.www_authenticate.join(", "),
                                if auth_challenge { " (challenge)" } else { "" }
                            )
                        }
                    );
                    push_bounded(&mut self.gw_facts().responses, resp);
                    ladder(&mut self.facts, frame, dir, label);
                    Step::Consumed(n)
                }
                Err(ParseError::Incomplete { .. }) => Step::Wait,
                Err(e) => Step::Malformed(e.to_string()),
            },
        }
    }

    /// One raw MS-TSGU packet (OUT channel).
    fn gw_packet(&mut self, dir: Dir) -> Step {
        let d = dir.idx();
        let Some(p) = self.plain.as_mut() else {
            return Step::Stop;
        };
        let buf = p.buf[d].data();
        match rdg::parse_packet(buf) {
            Ok((rest, _)) => {
                let n = buf.len() - rest.len();
                let frame = p.buf[d].frame_at(n.saturating_sub(1));
                let raw = buf.get(..n).unwrap_or(&[]).to_vec();
                if let Ok((_, pkt)) = rdg::parse_packet(&raw) {
                    self.on_gw_packet(dir, &pkt, frame);
                }
                Step::Consumed(n)
            }
            Err(ParseError::Incomplete { .. }) => Step::Wait,
            Err(e) => Step::Malformed(e.to_string()),
        }
    }

    /// One chunk of a chunked body (IN channel): its data is parsed as packets.
    fn gw_chunk(&mut self, dir: Dir) -> Step {
        let d = dir.idx();
        let Some(p) = self.plain.as_mut() else {
            return Step::Stop;
        };
        let buf = p.buf[d].data();
        let Some(eol) = buf.windows(2).take(20).position(|w| w == b"\r\n") else {
            return if buf.len() >= 20 {
                Step::Malformed("chunk size line too long".into())
            } else {
                Step::Wait
            };
        };
        let line = String::from_utf8_lossy(buf.get(..eol).unwrap_or(&[])).into_owned();
        let hex = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(hex, 16) else {
            return Step::Malformed(format!("bad chunk size {hex:?}"));
        };
        if size == 0 {
            // Last chunk: the body is over.
            p.gw.dir[d].mode = Mode::Head;
            return Step::Consumed((eol + 4).min(buf.len()));
        }
        if size > MAX_BODY {
            return Step::Malformed("chunk larger than 256 KiB".into());
        }
        let total = eol + 2 + size + 2;
        if buf.len() < total {
            return Step::Wait;
        }
        let frame = p.buf[d].frame_at(total - 1);
        let data = buf.get(eol + 2..eol + 2 + size).unwrap_or(&[]).to_vec();
        let g = &mut p.gw.dir[d];
        if g.body.len() + data.len() > MAX_BODY {
            return Step::Malformed("chunked body does not form packets".into());
        }
        g.body.extend_from_slice(&data);
        g.body_frame = Some(frame);
        // Parse whole packets out of the dechunked body.
        loop {
            let Some(p) = self.plain.as_mut() else {
                return Step::Stop;
            };
            let g = &mut p.gw.dir[d];
            let body = std::mem::take(&mut g.body);
            match rdg::parse_packet(&body) {
                Ok((rest, pkt)) => {
                    let left = rest.to_vec();
                    self.on_gw_packet(dir, &pkt, frame);
                    if let Some(p) = self.plain.as_mut() {
                        p.gw.dir[d].body = left;
                    }
                }
                Err(ParseError::Incomplete { .. }) => {
                    g.body = body;
                    break;
                }
                Err(e) => return Step::Malformed(e.to_string()),
            }
        }
        Step::Consumed(total)
    }

    fn on_gw_packet(&mut self, dir: Dir, pkt: &rdg::Packet<'_>, frame: FrameRef) {
        let t = pkt.header.packet_type;
        if t == rdg::PacketType::DATA {
            let g = self.gw_facts();
            g.data_packets[dir.idx()] += 1;
            let count = g.data_packets[dir.idx()];
            if count == 1 {
                ladder(
                    &mut self.facts,
                    frame,
                    dir,
                    "RD Gateway first DATA packet (tunnelled RDP) (decrypted)",
                );
            }
            if let rdg::PacketBody::Other(b) = pkt.body {
                if count <= MAX_TUNNEL_PACKETS {
                    self.feed_tunnel(dir, b, frame);
                }
            }
            return;
        }
        let status = match pkt.body {
            rdg::PacketBody::HandshakeResponse { error_code, .. }
            | rdg::PacketBody::ChannelResponse { error_code, .. }
            | rdg::PacketBody::TunnelAuthResponse { error_code } => Some(error_code),
            rdg::PacketBody::TunnelResponse { status_code, .. }
            | rdg::PacketBody::CloseChannel { status_code } => Some(status_code),
            rdg::PacketBody::Other(_) => None,
        };
        let packet = GatewayPacket {
            frame,
            dir,
            packet_type: t,
            status,
        };
        let type_name = packet.type_name();
        let label = match packet.status_name() {
            Some(s) => format!("RD Gateway {type_name}: {s} (decrypted)"),
            None => format!("RD Gateway {type_name} (decrypted)"),
        };
        push_bounded(&mut self.gw_facts().packets, packet);
        ladder(&mut self.facts, frame, dir, label);
    }

    /// A DATA packet's payload (cbLen u16 + data, MS-TSGU 2.2.10.8): the
    /// tunnelled RDP bytes go through the same X.224/TPKT/TLS handlers as a
    /// direct connection, in a session of their own.
    fn feed_tunnel(&mut self, dir: Dir, body: &[u8], frame: FrameRef) {
        let d = dir.idx();
        let len = match body {
            [a, b, ..] => u16::from_le_bytes([*a, *b]) as usize,
            _ => return,
        };
        let Some(data) = body.get(2..2 + len) else {
            return;
        };
        let Some(p) = self.plain.as_mut() else { return };
        let off = p.gw.tunnel_off[d];
        p.gw.tunnel_off[d] += data.len() as u64;
        let inner = p.gw.tunnel.get_or_insert_with(Box::default);
        let before = inner.facts.ladder.len();
        inner.data(dir, off, data, frame);
        let new: Vec<LadderEvent> = inner.facts.ladder.get(before..).unwrap_or(&[]).to_vec();
        for e in new {
            ladder(
                &mut self.facts,
                e.frame,
                e.dir,
                format!("tunnelled: {}", e.label),
            );
        }
    }
}
