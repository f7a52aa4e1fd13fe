//! Just enough handshake parsing for decryption: message framing across records, and the
//! few ClientHello / ServerHello fields that select keys and record protection.
//! Everything is bounds-checked; malformed input yields `None`, never a panic.

/// Handshake message types this module cares about.
pub(crate) const HS_CLIENT_HELLO: u8 = 1;
pub(crate) const HS_SERVER_HELLO: u8 = 2;
pub(crate) const HS_FINISHED: u8 = 20;
pub(crate) const HS_KEY_UPDATE: u8 = 24;

const EXT_SUPPORTED_VERSIONS: u16 = 43;
const EXT_ENCRYPT_THEN_MAC: u16 = 22;
const EXT_EXTENDED_MASTER_SECRET: u16 = 23;

/// ServerHello.random of a TLS 1.3 HelloRetryRequest (RFC 8446 4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Bodies of kept message types larger than this are not buffered (a ClientHello is < 64 KiB
/// plus header by construction).
const MAX_KEPT_BODY: usize = 70 * 1024;

/// A bounds-checked reader over a byte slice.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    pub(crate) fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    pub(crate) fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    pub(crate) fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// The ClientHello fields decryption needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientHello {
    pub random: [u8; 32],
    pub legacy_version: u16,
    pub offers_tls13: bool,
    pub offers_etm: bool,
    pub offers_ems: bool,
}

/// The ServerHello fields decryption needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerHello {
    pub random: [u8; 32],
    /// The negotiated version: supported_versions when present, else legacy_version.
    pub version: u16,
    pub cipher_suite: u16,
    pub encrypt_then_mac: bool,
    pub extended_master_secret: bool,
    /// A TLS 1.3 HelloRetryRequest (not a real ServerHello: a second ClientHello follows).
    pub hello_retry_request: bool,
}

fn random(r: &mut Reader<'_>) -> Option<[u8; 32]> {
    r.take(32)?.try_into().ok()
}

/// Iterates extensions `(type, data)`; stops at the first malformed one.
fn extensions(data: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut r = Reader::new(data);
    std::iter::from_fn(move || {
        let typ = r.u16()?;
        let body = r.vec16()?;
        Some((typ, body))
    })
}

/// Parses a ClientHello body (after the 4-byte handshake header).
pub(crate) fn parse_client_hello(body: &[u8]) -> Option<ClientHello> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16()?;
    let random = random(&mut r)?;
    r.vec8()?; // session id
    r.vec16()?; // cipher suites
    r.vec8()?; // compression methods
    let mut ch = ClientHello {
        random,
        legacy_version,
        offers_tls13: false,
        offers_etm: false,
        offers_ems: false,
    };
    if r.is_empty() {
        return Some(ch);
    }
    for (typ, data) in extensions(r.vec16().unwrap_or_default()) {
        match typ {
            EXT_SUPPORTED_VERSIONS => {
                let mut v = Reader::new(data);
                if let Some(list) = v.vec8() {
                    ch.offers_tls13 = list.chunks_exact(2).any(|p| p == [0x03, 0x04]);
                }
            }
            EXT_ENCRYPT_THEN_MAC => ch.offers_etm = true,
            EXT_EXTENDED_MASTER_SECRET => ch.offers_ems = true,
            _ => {}
        }
    }
    Some(ch)
}

/// Parses a ServerHello body (after the 4-byte handshake header).
pub(crate) fn parse_server_hello(body: &[u8]) -> Option<ServerHello> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16()?;
    let random = random(&mut r)?;
    r.vec8()?; // session id
    let cipher_suite = r.u16()?;
    r.u8()?; // compression method
    let mut sh = ServerHello {
        random,
        version: legacy_version,
        cipher_suite,
        encrypt_then_mac: false,
        extended_master_secret: false,
        hello_retry_request: random == HRR_RANDOM,
    };
    if r.is_empty() {
        return Some(sh);
    }
    for (typ, data) in extensions(r.vec16().unwrap_or_default()) {
        match typ {
            EXT_SUPPORTED_VERSIONS => {
                if let Some(v) = Reader::new(data).u16() {
                    sh.version = v;
                }
            }
            EXT_ENCRYPT_THEN_MAC => sh.encrypt_then_mac = true,
            EXT_EXTENDED_MASTER_SECRET => sh.extended_master_secret = true,
            _ => {}
        }
    }
    Some(sh)
}

/// A complete handshake message. `body` is only filled for the types decryption reads
/// (ClientHello, ServerHello, KeyUpdate); for the others it is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HsMessage {
    pub typ: u8,
    pub body: Vec<u8>,
}

/// Reassembles handshake messages from the handshake bytes of one direction, with bounded
/// memory: only small bodies of the message types decryption needs are buffered.
#[derive(Debug, Default)]
pub(crate) struct HsReassembler {
    hdr: [u8; 4],
    hdr_len: usize,
    /// Body bytes still expected for the current message (valid when `hdr_len == 4`).
    remaining: usize,
    keep: bool,
    body: Vec<u8>,
}

impl HsReassembler {
    /// Drops any partial message (at a key change, messages must not span records).
    pub(crate) fn reset(&mut self) {
        *self = HsReassembler::default();
    }

    /// Feeds handshake-protocol bytes; returns the messages completed by them.
    pub(crate) fn feed(&mut self, mut data: &[u8]) -> Vec<HsMessage> {
        let mut out = Vec::new();
        loop {
            if self.hdr_len < 4 {
                if data.is_empty() {
                    break;
                }
                let n = (4 - self.hdr_len).min(data.len());
                self.hdr[self.hdr_len..self.hdr_len + n].copy_from_slice(&data[..n]);
                self.hdr_len += n;
                data = &data[n..];
                if self.hdr_len < 4 {
                    break;
                }
                let len = usize::from(self.hdr[1]) << 16
                    | usize::from(self.hdr[2]) << 8
                    | usize::from(self.hdr[3]);
                self.remaining = len;
                self.keep = matches!(
                    self.hdr[0],
                    HS_CLIENT_HELLO | HS_SERVER_HELLO | HS_KEY_UPDATE
                ) && len <= MAX_KEPT_BODY;
                self.body.clear();
            }
            let n = self.remaining.min(data.len());
            if self.keep {
                self.body.extend_from_slice(&data[..n]);
            }
            self.remaining -= n;
            data = &data[n..];
            if self.remaining > 0 {
                break;
            }
            out.push(HsMessage {
                typ: self.hdr[0],
                body: std::mem::take(&mut self.body),
            });
            self.hdr_len = 0;
        }
        out
    }
}

/// The client randoms of the ClientHellos that start a TLS record anywhere in
/// one TCP payload (`16 03 0x len len 01 …`). Only the record and handshake
/// headers and the 32 random bytes need to be present, so a ClientHello split
/// over segments still counts. A false match only names a random no key log holds.
pub fn client_hello_randoms(payload: &[u8]) -> Vec<[u8; 32]> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(w) = payload.get(i..i + 43) {
        if w[0] == 0x16 && w[1] == 0x03 && w[2] <= 0x04 && w[5] == 0x01 && w[9] == 0x03 {
            if let Ok(r) = <[u8; 32]>::try_from(&w[11..43]) {
                out.push(r);
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_across_records_and_skips_big_bodies() {
        let mut r = HsReassembler::default();
        // ServerHello (len 3) split over three feeds, then Certificate (11) of 100 000
        // bytes (not kept), then an empty ServerHelloDone.
        assert!(r.feed(&[2, 0]).is_empty());
        assert!(r.feed(&[0, 3, 0xaa]).is_empty());
        let mut data = vec![0xbb, 0xcc, 11, 0x01, 0x86, 0xa0];
        data.extend(vec![0u8; 100_000]);
        data.extend([14, 0, 0, 0]);
        let msgs = r.feed(&data);
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[0].typ, 2);
        assert_eq!(msgs[0].body, vec![0xaa, 0xbb, 0xcc]);
        assert_eq!((msgs[1].typ, msgs[1].body.len()), (11, 0));
        assert_eq!(msgs[2].typ, 14);
    }

    #[test]
    fn truncated_hellos_are_none() {
        assert!(parse_client_hello(&[3, 3, 1]).is_none());
        assert!(parse_server_hello(&[]).is_none());
        let mut sh = vec![3, 3];
        sh.extend([7u8; 32]);
        sh.extend([0, 0x13, 0x02, 0]);
        sh.extend([0, 6, 0, 43, 0, 2, 3, 4]);
        let p = parse_server_hello(&sh).unwrap();
        assert_eq!((p.version, p.cipher_suite), (0x0304, 0x1302));
        sh.truncate(sh.len() - 1);
        // A truncated extension block is ignored; the fixed part still parses.
        assert_eq!(parse_server_hello(&sh).unwrap().version, 0x0303);
    }
}
