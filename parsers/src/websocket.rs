//! WebSocket framing (RFC 6455 §5) as the RD Gateway WebSocket transport
//! uses it: after `RDG_OUT_DATA … Upgrade: websocket` is answered
//! `101 Switching Protocols`, MS-TSGU packets travel in binary frames; the
//! client masks every frame (§5.3), the gateway masks none, and either side
//! may fragment a packet over continuation frames or across TLS records and
//! interleave ping/pong/close control frames (§5.4, §5.5).
//!
//! [`parse_frame_header`]/[`parse_frame`] are zero-copy: the payload is
//! borrowed still masked; [`unmask`] writes the clear bytes into a caller
//! buffer, from any offset so a payload that arrives in pieces can be
//! unmasked piece by piece. [`Reassembler`] turns a byte stream into whole
//! messages and control frames.

use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;

const WHAT: &str = "WebSocket frame";

/// Largest payload accepted in one frame. RFC 6455 allows 2^63-1; FreeRDP
/// and mstsc never exceed `INT_MAX`, and a larger claim in a capture is far
/// likelier to be a desynchronised stream than a real frame.
pub const MAX_FRAME_PAYLOAD: u64 = 0x7fff_ffff;

/// Largest reassembled message [`Reassembler`] keeps in memory.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

open_enum! {
    /// Frame opcode (RFC 6455 §5.2, §11.8).
    pub struct Opcode(u8) {
        CONTINUATION = 0x0 => "continuation",
        TEXT = 0x1 => "text",
        BINARY = 0x2 => "binary",
        CLOSE = 0x8 => "close",
        PING = 0x9 => "ping",
        PONG = 0xA => "pong",
    }
}

impl Opcode {
    /// Control frames have the high opcode bit set (§5.5).
    pub const fn is_control(self) -> bool {
        self.0 & 0x8 != 0
    }
}

open_enum! {
    /// Close frame status code (RFC 6455 §7.4.1).
    pub struct CloseCode(u16) {
        NORMAL = 1000 => "normal closure",
        GOING_AWAY = 1001 => "going away",
        PROTOCOL_ERROR = 1002 => "protocol error",
        UNSUPPORTED_DATA = 1003 => "unsupported data",
        NO_STATUS = 1005 => "no status received",
        ABNORMAL = 1006 => "abnormal closure",
        INVALID_PAYLOAD = 1007 => "invalid frame payload data",
        POLICY_VIOLATION = 1008 => "policy violation",
        MESSAGE_TOO_BIG = 1009 => "message too big",
        MANDATORY_EXTENSION = 1010 => "mandatory extension",
        INTERNAL_ERROR = 1011 => "internal server error",
        TLS_HANDSHAKE = 1015 => "TLS handshake",
    }
}

/// A frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    /// RSV1..RSV3 as the low three bits (non-zero only with an extension).
    pub rsv: u8,
    pub opcode: Opcode,
    /// The masking key when the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    pub payload_len: u64,
    /// Bytes of header: 2 + extended length (0, 2 or 8) + key (0 or 4).
    pub header_len: usize,
}

impl FrameHeader {
    /// Header plus payload.
    pub fn frame_len(&self) -> u64 {
        self.payload_len.saturating_add(self.header_len as u64)
    }
}

/// A complete frame; `payload` is as on the wire (masked when `header.mask` is set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub header: FrameHeader,
    pub payload: &'a [u8],
}

impl Frame<'_> {
    /// Append the clear payload to `out`.
    pub fn unmask_into(&self, out: &mut Vec<u8>) {
        unmask(self.header.mask, 0, self.payload, out);
    }
}

/// Parse a frame header; `Incomplete` until all of it is there.
pub fn parse_frame_header(input: &[u8]) -> ParseResult<'_, FrameHeader> {
    let (rest, b) = take(input, 2)?;
    let (b0, b1) = match b {
        [x, y] => (*x, *y),
        _ => return Err(ParseError::incomplete(2)),
    };
    let fin = b0 & 0x80 != 0;
    let rsv = (b0 >> 4) & 0x7;
    let opcode = Opcode(b0 & 0x0f);
    let masked = b1 & 0x80 != 0;
    let (rest, payload_len, ext) = match b1 & 0x7f {
        126 => {
            let (r, l) = take(rest, 2)?;
            (r, l.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)), 2)
        }
        127 => {
            let (r, l) = take(rest, 8)?;
            let n = l.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x));
            if n >> 63 != 0 {
                return Err(ParseError::invalid(
                    WHAT,
                    "payload length",
                    "64-bit length with the high bit set",
                ));
            }
            (r, n, 8)
        }
        n => (rest, u64::from(n), 0),
    };
    if payload_len > MAX_FRAME_PAYLOAD {
        return Err(ParseError::invalid(
            WHAT,
            "payload length",
            "larger than 2 GiB",
        ));
    }
    if opcode.is_control() && (payload_len > 125 || !fin) {
        return Err(ParseError::invalid(
            WHAT,
            "opcode",
            "control frame fragmented or longer than 125 bytes",
        ));
    }
    let (rest, mask) = if masked {
        let (r, k) = take(rest, 4)?;
        match k {
            [a, b, c, d] => (r, Some([*a, *b, *c, *d])),
            _ => return Err(ParseError::incomplete(4)),
        }
    } else {
        (rest, None)
    };
    let header_len = 2 + ext + if masked { 4 } else { 0 };
    Ok((
        rest,
        FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len,
            header_len,
        },
    ))
}

/// Parse one complete frame.
pub fn parse_frame(input: &[u8]) -> ParseResult<'_, Frame<'_>> {
    let (rest, header) = parse_frame_header(input)?;
    // payload_len ≤ MAX_FRAME_PAYLOAD, so it fits a usize on 32- and 64-bit.
    let n = usize::try_from(header.payload_len)
        .map_err(|_| ParseError::invalid(WHAT, "payload length", "too large"))?;
    let (rest, payload) = take(rest, n)?;
    Ok((rest, Frame { header, payload }))
}

/// Append `src` unmasked to `out`. `offset` is the position of `src[0]`
/// within the frame payload, so a payload can be unmasked in pieces.
/// Without a key the bytes are copied as they are.
pub fn unmask(key: Option<[u8; 4]>, offset: usize, src: &[u8], out: &mut Vec<u8>) {
    match key {
        None => out.extend_from_slice(src),
        Some(k) => out.extend(
            src.iter()
                .enumerate()
                .map(|(i, b)| b ^ k[(offset.wrapping_add(i)) % 4]),
        ),
    }
}

/// The status code and reason of a close frame's clear payload.
pub fn parse_close(payload: &[u8]) -> Option<(CloseCode, &[u8])> {
    match payload {
        [a, b, reason @ ..] => Some((CloseCode(u16::from_be_bytes([*a, *b])), reason)),
        _ => None,
    }
}

/// What [`Reassembler::push`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole data message (text or binary), unmasked.
    Message {
        opcode: Opcode,
        data: Vec<u8>,
        /// Frames it was carried in (more than one: fragmented).
        frames: usize,
        /// Whether every frame carried a mask.
        masked: bool,
    },
    /// A ping, pong or close frame (unmasked payload).
    Control {
        opcode: Opcode,
        payload: Vec<u8>,
        masked: bool,
    },
    /// The stream can no longer be followed; nothing more is yielded.
    Error(ParseError),
}

/// Turns one direction's WebSocket byte stream into messages. Pure: the
/// caller feeds bytes in any split (TLS records, TCP segments) and gets back
/// what became complete.
#[derive(Debug, Default, Clone)]
pub struct Reassembler {
    pending: Vec<u8>,
    /// Opcode, data and frame count of a fragmented message in progress.
    partial: Option<(Opcode, Vec<u8>, usize, bool)>,
    failed: bool,
}

impl Reassembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// True once an [`Event::Error`] was yielded.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Bytes buffered for an incomplete frame.
    pub fn buffered(&self) -> usize {
        self.pending.len()
    }

    /// Feed bytes; return every event they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        if self.failed {
            return out;
        }
        self.pending.extend_from_slice(bytes);
        let pending = core::mem::take(&mut self.pending);
        let mut used = 0;
        loop {
            let input = pending.get(used..).unwrap_or(&[]);
            if input.is_empty() {
                break;
            }
            match parse_frame(input) {
                Ok((rest, f)) => {
                    used += input.len() - rest.len();
                    if let Err(e) = self.frame(&f, &mut out) {
                        self.fail(e, &mut out);
                        return out;
                    }
                }
                Err(ParseError::Incomplete { needed }) => {
                    if (pending.len() - used).saturating_add(needed) > MAX_MESSAGE + 14 {
                        self.fail(
                            ParseError::invalid(WHAT, "payload length", "larger than 16 MiB"),
                            &mut out,
                        );
                        return out;
                    }
                    break;
                }
                Err(e) => {
                    self.fail(e, &mut out);
                    return out;
                }
            }
        }
        self.pending = pending;
        self.pending.drain(..used);
        out
    }

    fn fail(&mut self, e: ParseError, out: &mut Vec<Event>) {
        self.failed = true;
        self.pending = Vec::new();
        self.partial = None;
        out.push(Event::Error(e));
    }

    fn frame(&mut self, f: &Frame<'_>, out: &mut Vec<Event>) -> Result<(), ParseError> {
        let h = f.header;
        let masked = h.mask.is_some();
        if h.opcode.is_control() {
            let mut payload = Vec::with_capacity(f.payload.len());
            f.unmask_into(&mut payload);
            out.push(Event::Control {
                opcode: h.opcode,
                payload,
                masked,
            });
            return Ok(());
        }
        let (opcode, mut data, frames, all_masked) = match (h.opcode, self.partial.take()) {
            (Opcode::CONTINUATION, Some(p)) => p,
            (Opcode::CONTINUATION, None) => {
                return Err(ParseError::invalid(
                    WHAT,
                    "opcode",
                    "continuation without a message to continue",
                ))
            }
            (_, Some(_)) => {
                return Err(ParseError::invalid(
                    WHAT,
                    "opcode",
                    "new message before the fragmented one ended",
                ))
            }
            (op, None) => (op, Vec::new(), 0, true),
        };
        if data.len() + f.payload.len() > MAX_MESSAGE {
            return Err(ParseError::invalid(WHAT, "payload", "message over 16 MiB"));
        }
        f.unmask_into(&mut data);
        let state = (opcode, data, frames + 1, all_masked && masked);
        if h.fin {
            let (opcode, data, frames, masked) = state;
            out.push(Event::Message {
                opcode,
                data,
                frames,
                masked,
            });
        } else {
            self.partial = Some(state);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    /// Mask `data` with `key` into a client frame (hand-made helper).
    fn client_frame(b0: u8, key: [u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = vec![b0];
        match data.len() {
            n if n < 126 => v.push(0x80 | n as u8),
            n if n < 0x10000 => {
                v.push(0x80 | 126);
                v.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                v.push(0x80 | 127);
                v.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        v.extend_from_slice(&key);
        unmask(Some(key), 0, data, &mut v);
        v
    }

    #[test]
    fn rfc6455_examples() {
        // RFC 6455 §5.7: unmasked and masked "Hello", fragmented "Hel"+"lo",
        // unmasked ping, 256-byte and 64 KiB binary headers.
        let (_, f) = parse_frame(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]).unwrap();
        assert_eq!(
            (f.header.opcode, f.header.fin, f.payload),
            (Opcode::TEXT, true, &b"Hello"[..])
        );
        let masked = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let (_, f) = parse_frame(&masked).unwrap();
        assert_eq!(f.header.mask, Some([0x37, 0xfa, 0x21, 0x3d]));
        assert_eq!(f.header.header_len, 6);
        let mut clear = Vec::new();
        f.unmask_into(&mut clear);
        assert_eq!(clear, b"Hello");
        // Unmasking in two pieces gives the same bytes.
        let mut pieces = Vec::new();
        unmask(f.header.mask, 0, &f.payload[..2], &mut pieces);
        unmask(f.header.mask, 2, &f.payload[2..], &mut pieces);
        assert_eq!(pieces, b"Hello");
        let (_, h) = parse_frame_header(&[0x82, 0x7E, 0x01, 0x00]).unwrap();
        assert_eq!((h.payload_len, h.header_len), (256, 4));
        let (_, h) = parse_frame_header(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]).unwrap();
        assert_eq!((h.payload_len, h.header_len), (65536, 10));
        let mut r = Reassembler::new();
        let ev = r.push(&[
            0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x00, 0x80, 0x02, 0x6c, 0x6f,
        ]);
        assert_eq!(
            ev,
            vec![
                Event::Control {
                    opcode: Opcode::PING,
                    payload: vec![],
                    masked: false
                },
                Event::Message {
                    opcode: Opcode::TEXT,
                    data: b"Hello".to_vec(),
                    frames: 2,
                    masked: false
                },
            ]
        );
    }

    #[test]
    fn incomplete_and_invalid() {
        assert_eq!(
            parse_frame_header(&[0x82]),
            Err(ParseError::Incomplete { needed: 1 })
        );
        assert_eq!(
            parse_frame_header(&[0x82, 0xFE, 0x01]),
            Err(ParseError::Incomplete { needed: 1 })
        );
        assert_eq!(
            parse_frame_header(&[0x82, 0x85, 1, 2]),
            Err(ParseError::Incomplete { needed: 2 })
        );
        assert_eq!(
            parse_frame(&[0x82, 0x05, 1, 2]),
            Err(ParseError::Incomplete { needed: 3 })
        );
        // ping with 126 bytes, fragmented close, 64-bit length with the top bit.
        assert!(matches!(
            parse_frame_header(&[0x89, 0x7E, 0, 126]),
            Err(ParseError::Invalid { .. })
        ));
        assert!(matches!(
            parse_frame_header(&[0x08, 0x00]),
            Err(ParseError::Invalid { .. })
        ));
        assert!(matches!(
            parse_frame_header(&[0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Err(ParseError::Invalid { .. })
        ));
        // an unknown opcode survives as a number.
        let (_, h) = parse_frame_header(&[0x83, 0x00]).unwrap();
        assert_eq!(h.opcode.to_string(), "0x3");
    }

    #[test]
    fn reassembles_fragmented_masked_stream_split_anywhere() {
        // hand-made: an RDG KEEPALIVE (8 bytes) split over a binary frame and
        // a continuation, a masked ping between them, then a close 1000.
        let key = [0xA1, 0xB2, 0xC3, 0xD4];
        let pkt = [0x0D, 0, 0, 0, 8, 0, 0, 0];
        let mut s = client_frame(0x02, key, &pkt[..3]);
        s.extend(client_frame(0x89, key, b"hi"));
        s.extend(client_frame(0x80, key, &pkt[3..]));
        s.extend(client_frame(0x88, key, &[0x03, 0xE8]));
        for split in 0..s.len() {
            let mut r = Reassembler::new();
            let mut ev = r.push(&s[..split]);
            ev.extend(r.push(&s[split..]));
            assert_eq!(ev.len(), 3, "split at {split}");
            assert_eq!(
                ev[1],
                Event::Message {
                    opcode: Opcode::BINARY,
                    data: pkt.to_vec(),
                    frames: 2,
                    masked: true
                }
            );
            let Event::Control {
                opcode, payload, ..
            } = &ev[2]
            else {
                panic!()
            };
            assert_eq!(*opcode, Opcode::CLOSE);
            assert_eq!(parse_close(payload).unwrap().0, CloseCode::NORMAL);
            assert_eq!(r.buffered(), 0);
        }
        let big = vec![7u8; 70_000];
        let mut r = Reassembler::new();
        let ev = r.push(&client_frame(0x82, key, &big));
        assert!(matches!(&ev[..], [Event::Message { data, .. }] if *data == big));
    }

    #[test]
    fn reassembler_stops_on_protocol_errors() {
        let mut r = Reassembler::new();
        let ev = r.push(&[0x80, 0x00]);
        assert!(matches!(ev[..], [Event::Error(ParseError::Invalid { .. })]));
        assert!(r.failed());
        assert!(r.push(&[0x82, 0x00]).is_empty());
        let mut r = Reassembler::new();
        let ev = r.push(&[0x02, 0x01, 0xAA, 0x02, 0x00]);
        assert!(matches!(ev[..], [Event::Error(_)]));
        // a 1 GiB claim is refused before it is buffered.
        let mut r = Reassembler::new();
        let ev = r.push(&[0x82, 0x7F, 0, 0, 0, 0, 0x40, 0, 0, 0]);
        assert!(matches!(ev[..], [Event::Error(_)]));
    }
}
