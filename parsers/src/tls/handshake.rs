//! Handshake messages (RFC 5246 §7.4, RFC 8446 §4): message header,
//! bounded reassembly across records, and the [`Handshake`] dispatcher.

use super::be24;
use super::certificate::decode_certificate;
use super::hello::{
    decode_client_hello, decode_server_hello, ClientHelloSummary, ServerHelloSummary,
};
use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;

/// Default bound of a [`HandshakeBuffer`]: 256 KiB.
pub const DEFAULT_HANDSHAKE_LIMIT: usize = 256 * 1024;

open_enum! {
    /// HandshakeType (RFC 8446 §4, RFC 5246 §7.4).
    pub struct HandshakeType(u8) {
        HELLO_REQUEST = 0 => "hello_request",
        CLIENT_HELLO = 1 => "client_hello",
        SERVER_HELLO = 2 => "server_hello",
        NEW_SESSION_TICKET = 4 => "new_session_ticket",
        END_OF_EARLY_DATA = 5 => "end_of_early_data",
        ENCRYPTED_EXTENSIONS = 8 => "encrypted_extensions",
        CERTIFICATE = 11 => "certificate",
        SERVER_KEY_EXCHANGE = 12 => "server_key_exchange",
        CERTIFICATE_REQUEST = 13 => "certificate_request",
        SERVER_HELLO_DONE = 14 => "server_hello_done",
        CERTIFICATE_VERIFY = 15 => "certificate_verify",
        CLIENT_KEY_EXCHANGE = 16 => "client_key_exchange",
        FINISHED = 20 => "finished",
        CERTIFICATE_STATUS = 22 => "certificate_status",
        KEY_UPDATE = 24 => "key_update",
        MESSAGE_HASH = 254 => "message_hash",
    }
}

/// One handshake message (borrowed body, without the 4-byte header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeMessage<'a> {
    pub msg_type: HandshakeType,
    pub body: &'a [u8],
}

/// Parse one handshake message header (type u8, length u24) and its body.
pub fn parse_handshake_message(input: &[u8]) -> ParseResult<'_, HandshakeMessage<'_>> {
    let (rest, h) = take(input, 4)?;
    let (t, len) = match h {
        [t, ..] => (*t, be24(&h[1..])),
        _ => return Err(ParseError::incomplete(4)),
    };
    let (rest, body) = take(rest, len)?;
    Ok((
        rest,
        HandshakeMessage {
            msg_type: HandshakeType(t),
            body,
        },
    ))
}

/// A reassembled handshake message (owned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedHandshakeMessage {
    pub msg_type: HandshakeType,
    /// The whole message including its 4-byte header, so it can be handed to
    /// [`parse_handshake`] and the other `parse_*` decoders.
    pub raw: Vec<u8>,
}

impl OwnedHandshakeMessage {
    /// The body after the 4-byte header.
    pub fn body(&self) -> &[u8] {
        self.raw.get(4..).unwrap_or(&[])
    }
}

/// Bounded reassembly of handshake messages from the fragments of consecutive
/// plaintext handshake records of one direction.
#[derive(Debug, Clone)]
pub struct HandshakeBuffer {
    buf: Vec<u8>,
    limit: usize,
}

impl Default for HandshakeBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl HandshakeBuffer {
    /// A buffer bounded to [`DEFAULT_HANDSHAKE_LIMIT`].
    pub fn new() -> Self {
        Self::with_limit(DEFAULT_HANDSHAKE_LIMIT)
    }

    /// A buffer bounded to `limit` bytes of pending data.
    pub fn with_limit(limit: usize) -> Self {
        HandshakeBuffer {
            buf: Vec::new(),
            limit,
        }
    }

    /// Bytes waiting for the rest of their message.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Drop pending bytes (e.g. once the direction turns encrypted).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Add one handshake-record fragment; return every message it completes.
    /// `Invalid` (and the buffer is cleared) when a message would exceed the
    /// bound.
    pub fn push(&mut self, fragment: &[u8]) -> Result<Vec<OwnedHandshakeMessage>, ParseError> {
        const WHAT: &str = "TLS handshake reassembly";
        if self.buf.len().saturating_add(fragment.len()) > self.limit {
            self.buf.clear();
            return Err(ParseError::invalid(WHAT, "length", "exceeds buffer bound"));
        }
        self.buf.extend_from_slice(fragment);
        let mut out = Vec::new();
        let mut consumed = 0usize;
        loop {
            let avail = self.buf.get(consumed..).unwrap_or(&[]);
            if avail.len() < 4 {
                break;
            }
            let len = be24(avail.get(1..4).unwrap_or(&[]));
            if len.saturating_add(4) > self.limit {
                self.buf.clear();
                return Err(ParseError::invalid(
                    WHAT,
                    "length",
                    "message exceeds buffer bound",
                ));
            }
            match avail.get(..4 + len) {
                Some(msg) => {
                    out.push(OwnedHandshakeMessage {
                        msg_type: HandshakeType(avail.first().copied().unwrap_or(0)),
                        raw: msg.to_vec(),
                    });
                    consumed += 4 + len;
                }
                None => break,
            }
        }
        self.buf.drain(..consumed);
        Ok(out)
    }
}

/// A decoded handshake message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake<'a> {
    ClientHello(ClientHelloSummary),
    ServerHello(ServerHelloSummary),
    /// TLS ≤ 1.2 Certificate: DER certificates, leaf first.
    Certificate(Vec<&'a [u8]>),
    ServerKeyExchange {
        len: usize,
    },
    CertificateRequest {
        len: usize,
    },
    ServerHelloDone,
    ClientKeyExchange {
        len: usize,
    },
    NewSessionTicket {
        len: usize,
    },
    Finished {
        len: usize,
    },
    /// Any other type, body length.
    Other {
        msg_type: HandshakeType,
        len: usize,
    },
}

pub(super) fn need_type(
    m: &HandshakeMessage<'_>,
    t: HandshakeType,
    what: &'static str,
) -> Result<(), ParseError> {
    if m.msg_type == t {
        Ok(())
    } else {
        Err(ParseError::invalid(
            what,
            "msg_type",
            "unexpected handshake type",
        ))
    }
}

/// Decode any handshake message (including header) into a [`Handshake`].
/// Certificate is decoded in the TLS ≤ 1.2 form; use
/// [`parse_tls13_certificate`] for decrypted TLS 1.3 handshakes.
pub fn parse_handshake(input: &[u8]) -> ParseResult<'_, Handshake<'_>> {
    let (rest, m) = parse_handshake_message(input)?;
    let len = m.body.len();
    let h = match m.msg_type {
        HandshakeType::CLIENT_HELLO => Handshake::ClientHello(decode_client_hello(m.body)?),
        HandshakeType::SERVER_HELLO => Handshake::ServerHello(decode_server_hello(m.body)?),
        HandshakeType::CERTIFICATE => Handshake::Certificate(decode_certificate(m.body)?),
        HandshakeType::SERVER_KEY_EXCHANGE => Handshake::ServerKeyExchange { len },
        HandshakeType::CERTIFICATE_REQUEST => Handshake::CertificateRequest { len },
        HandshakeType::SERVER_HELLO_DONE => Handshake::ServerHelloDone,
        HandshakeType::CLIENT_KEY_EXCHANGE => Handshake::ClientKeyExchange { len },
        HandshakeType::NEW_SESSION_TICKET => Handshake::NewSessionTicket { len },
        HandshakeType::FINISHED => Handshake::Finished { len },
        msg_type => Handshake::Other { msg_type, len },
    };
    Ok((rest, h))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn handshake_buffer_bound() {
        let mut hb = HandshakeBuffer::with_limit(16);
        // hand-made: a header announcing a 1 MiB message must be refused
        assert!(hb.push(&[11, 0x10, 0, 0]).is_err());
        assert_eq!(hb.pending(), 0);
    }
}
