//! Kerberos between an RDP client and its KDC (TCP/UDP 88, RFC 4120 7.2):
//! before NLA a Windows client asks its KDC for a TGT (AS-REQ) and for a
//! TERMSRV/<server> ticket (TGS-REQ); a KRB-ERROR there is often why NLA
//! later fails (or falls back to NTLM). Only what a diagnosis needs is kept:
//! message types, error codes, the service asked for, never client names.

use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::kerberos::{self, ErrorCode, KerberosMessage, MessageType};
use std::net::SocketAddr;

use super::facts::push_bounded;

/// A Kerberos message over TCP is at most this big here (Windows tickets
/// with large PACs stay well below it); anything bigger is not followed.
const MAX_TCP_MESSAGE: usize = 256 * 1024;

/// Transport of a KDC exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdcTransport {
    Tcp,
    Udp,
}

/// One Kerberos message between the client and its KDC.
#[derive(Debug, Clone)]
pub struct KdcMessage {
    pub frame: FrameRef,
    pub dir: Dir,
    pub msg_type: MessageType,
    /// KRB-ERROR error-code.
    pub error: Option<ErrorCode>,
    /// The service principal asked for (AS-REQ/TGS-REQ sname, or the
    /// KRB-ERROR's sname), e.g. `["TERMSRV", "10.0.0.5"]`.
    pub sname: Vec<String>,
    pub realm: Option<String>,
    /// The client principal's user name (AS-REQ, KRB-ERROR cname), to tell
    /// whether an error concerns the user who then tried NLA.
    pub client_name: Option<String>,
}

impl KdcMessage {
    fn from_parsed(frame: FrameRef, dir: Dir, k: &kerberos::Kerberos) -> Self {
        let (error, sname, realm, cname) = match &k.message {
            KerberosMessage::AsReq(r) | KerberosMessage::TgsReq(r) => {
                (None, r.sname.clone(), r.realm.clone(), r.cname.first())
            }
            KerberosMessage::KrbError(e) => (
                e.error_code,
                e.sname.clone(),
                e.realm.clone(),
                e.cname.first(),
            ),
            KerberosMessage::AsRep(r) | KerberosMessage::TgsRep(r) => (
                None,
                r.ticket_sname.clone(),
                r.ticket_realm.clone(),
                r.cname.first(),
            ),
            _ => (None, Vec::new(), None, None),
        };
        KdcMessage {
            frame,
            dir,
            msg_type: k.message.msg_type(),
            error,
            sname,
            realm,
            client_name: cname.cloned(),
        }
    }

    /// `TERMSRV/host` as the KDC sees it.
    pub fn service(&self) -> String {
        self.sname.join("/")
    }
}

/// The Kerberos messages of one TCP connection or UDP flow to a KDC.
#[derive(Debug, Clone)]
pub struct KdcFlow {
    pub client: SocketAddr,
    pub kdc: SocketAddr,
    pub transport: KdcTransport,
    pub first: FrameRef,
    pub last: FrameRef,
    pub messages: Vec<KdcMessage>,
}

impl KdcFlow {
    pub(crate) fn new(
        client: SocketAddr,
        kdc: SocketAddr,
        transport: KdcTransport,
        first: FrameRef,
    ) -> Self {
        KdcFlow {
            client,
            kdc,
            transport,
            first,
            last: first,
            messages: Vec::new(),
        }
    }

    /// One UDP datagram: one message.
    pub(crate) fn datagram(&mut self, dir: Dir, frame: FrameRef, payload: &[u8]) {
        self.last = frame;
        if let Ok((_, k)) = kerberos::parse_kerberos(payload) {
            push_bounded(&mut self.messages, KdcMessage::from_parsed(frame, dir, &k));
        }
    }
}

/// Kerberos over TCP: per direction, the bytes in sequence order (4-byte
/// record mark, then the message). A hole (capture loss) drops the
/// direction: record boundaries are lost with it.
#[derive(Debug)]
pub(crate) struct KdcTcp {
    pub flow: KdcFlow,
    next_seq: [Option<u32>; 2],
    buf: [Vec<u8>; 2],
    lost: [bool; 2],
}

impl KdcTcp {
    pub(crate) fn new(flow: KdcFlow) -> Self {
        KdcTcp {
            flow,
            next_seq: [None; 2],
            buf: [Vec::new(), Vec::new()],
            lost: [false; 2],
        }
    }

    pub(crate) fn segment(&mut self, dir: Dir, seq: u32, payload: &[u8], frame: FrameRef) {
        let d = dir.idx();
        self.flow.last = frame;
        if self.lost[d] {
            return;
        }
        let next = *self.next_seq[d].get_or_insert(seq);
        let ahead = seq.wrapping_sub(next);
        if ahead != 0 {
            // Behind: a retransmission of bytes already read. Ahead: a hole.
            if ahead < 0x8000_0000 {
                self.lost[d] = true;
                self.buf[d] = Vec::new();
            }
            return;
        }
        self.next_seq[d] = Some(next.wrapping_add(payload.len() as u32));
        let buf = &mut self.buf[d];
        buf.extend_from_slice(payload);
        while buf.len() >= 4 {
            let n = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            if n > MAX_TCP_MESSAGE {
                self.lost[d] = true;
                *buf = Vec::new();
                return;
            }
            if buf.len() < 4 + n {
                break;
            }
            if let Ok((_, k)) = kerberos::parse_kerberos_tcp(&buf[..4 + n]) {
                push_bounded(
                    &mut self.flow.messages,
                    KdcMessage::from_parsed(frame, dir, &k),
                );
            }
            buf.drain(..4 + n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Ts;

    fn fr(n: u64) -> FrameRef {
        FrameRef {
            number: n,
            ts: Ts::from_parts(n as i64, 0),
        }
    }

    /// A KRB-ERROR KDC_ERR_PREAUTH_FAILED (24), built by hand: [APPLICATION 30]
    /// { pvno [0] 5, msg-type [1] 30, error-code [6] 24 }.
    fn krb_error_24() -> Vec<u8> {
        let body = [
            0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x1e, 0xa6, 0x03, 0x02, 0x01,
            0x18,
        ];
        let mut seq = vec![0x30, body.len() as u8];
        seq.extend_from_slice(&body);
        let mut m = vec![0x7e, seq.len() as u8];
        m.extend_from_slice(&seq);
        m
    }

    fn flow() -> KdcTcp {
        let a: SocketAddr = "10.0.0.2:50000".parse().expect("addr");
        let b: SocketAddr = "10.0.0.1:88".parse().expect("addr");
        KdcTcp::new(KdcFlow::new(a, b, KdcTransport::Tcp, fr(1)))
    }

    #[test]
    fn tcp_record_split_over_segments_and_retransmitted() {
        let msg = krb_error_24();
        let mut rec = (msg.len() as u32).to_be_bytes().to_vec();
        rec.extend_from_slice(&msg);
        let mut k = flow();
        k.segment(Dir::ServerToClient, 1000, &rec[..6], fr(5));
        k.segment(Dir::ServerToClient, 1000, &rec[..6], fr(6));
        k.segment(Dir::ServerToClient, 1006, &rec[6..], fr(7));
        assert_eq!(k.flow.messages.len(), 1);
        let m = &k.flow.messages[0];
        assert_eq!(m.msg_type, MessageType::KRB_ERROR);
        assert_eq!(m.error, Some(ErrorCode(24)));
        assert_eq!(m.frame.number, 7);
    }

    #[test]
    fn tcp_hole_stops_reading_the_direction() {
        let msg = krb_error_24();
        let mut rec = (msg.len() as u32).to_be_bytes().to_vec();
        rec.extend_from_slice(&msg);
        let mut k = flow();
        k.segment(Dir::ServerToClient, 1000, &rec[..6], fr(5));
        k.segment(Dir::ServerToClient, 1010, &rec[10..], fr(7));
        assert!(k.flow.messages.is_empty());
    }

    #[test]
    fn udp_datagram_is_one_message() {
        let a: SocketAddr = "10.0.0.2:50000".parse().expect("addr");
        let b: SocketAddr = "10.0.0.1:88".parse().expect("addr");
        let mut f = KdcFlow::new(a, b, KdcTransport::Udp, fr(1));
        f.datagram(Dir::ServerToClient, fr(2), &krb_error_24());
        f.datagram(Dir::ServerToClient, fr(3), b"not kerberos");
        assert_eq!(f.messages.len(), 1);
        assert_eq!(f.messages[0].error, Some(ErrorCode(24)));
    }
}
