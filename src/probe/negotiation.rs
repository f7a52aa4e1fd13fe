//! The X.224 negotiation matrix: one Connection Request per
//! requestedProtocols set, each on its own connection.

use super::record::{self, Connect, RecStream, Recorder};
use super::report::{NegResult, NegRow};
use rdpdiag_parsers::nego::{self, FailureCode, NegResponse, Protocols};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

/// The requestedProtocols sets probed, mstsc's default among them.
pub const SETS: [u32; 6] = [0x0, 0x1, 0x3, 0xB, 0x4, 0x10];
pub(super) const MSTSC_DEFAULT: u32 = 0xB;

pub(super) fn proto_name(p: u32) -> String {
    Protocols(p).to_string()
}

/// X.224 Connection Request with a cookie and an RDP_NEG_REQ.
pub fn connection_request(protocols: u32) -> Vec<u8> {
    let mut x = vec![0u8, 0xE0, 0, 0, 0, 0, 0];
    x.extend_from_slice(b"Cookie: mstshash=rdpdiag\r\n");
    x.extend_from_slice(&[1, 0, 8, 0]);
    x.extend_from_slice(&protocols.to_le_bytes());
    x[0] = (x.len() - 1) as u8;
    let mut out = vec![3, 0];
    out.extend_from_slice(&((x.len() + 4) as u16).to_be_bytes());
    out.extend_from_slice(&x);
    out
}

/// How a server failed to answer a Connection Request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Silence {
    Closed,
    Reset,
    TimedOut,
}

/// What a Connection Request got.
enum NegOutcome {
    Selected(u32),
    Failure(u32),
    Legacy,
    /// No Connection Confirm.
    NoAnswer(String, Silence),
    /// Something other than a Connection Confirm (e.g. a disconnect).
    Rejected(String),
    Error(String),
}

fn read_tpkt<S: Read>(s: &mut S) -> Result<Vec<u8>, NegOutcome> {
    let mut hdr = [0u8; 4];
    if let Err(e) = s.read_exact(&mut hdr) {
        return Err(match e.kind() {
            std::io::ErrorKind::UnexpectedEof => NegOutcome::NoAnswer(
                "the server closed the connection without a Connection Confirm".into(),
                Silence::Closed,
            ),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => NegOutcome::NoAnswer(
                "no Connection Confirm before the timeout".into(),
                Silence::TimedOut,
            ),
            std::io::ErrorKind::ConnectionReset => NegOutcome::NoAnswer(
                "the server reset the connection instead of a Connection Confirm".into(),
                Silence::Reset,
            ),
            _ => NegOutcome::Error(e.to_string()),
        });
    }
    let len = usize::from(u16::from_be_bytes([hdr[2], hdr[3]]));
    if hdr[0] != 3 || !(7..=4096).contains(&len) {
        return Err(NegOutcome::Error(format!(
            "the answer is not a TPKT frame (first bytes {:02x?})",
            hdr
        )));
    }
    let mut frame = hdr.to_vec();
    frame.resize(len, 0);
    s.read_exact(&mut frame[4..])
        .map_err(|e| NegOutcome::Error(format!("truncated Connection Confirm: {e}")))?;
    Ok(frame)
}

fn negotiate<S: Read + Write>(s: &mut S, protocols: u32) -> NegOutcome {
    if let Err(e) = s.write_all(&connection_request(protocols)) {
        return NegOutcome::Error(format!("sending the Connection Request: {e}"));
    }
    let frame = match read_tpkt(s) {
        Ok(f) => f,
        Err(o) => return o,
    };
    match nego::parse_connection_confirm(&frame) {
        Ok((_, cc)) => match cc.neg {
            Some(NegResponse::Rsp(r)) => NegOutcome::Selected(r.selected_protocol.0),
            Some(NegResponse::Failure(f)) => NegOutcome::Failure(f.code.0),
            None => NegOutcome::Legacy,
        },
        Err(e) => match rdpdiag_parsers::x224::parse_x224_frame(&frame) {
            Ok((_, rdpdiag_parsers::x224::Tpdu::Data(d))) if d.user_data.first() == Some(&0x21) => {
                NegOutcome::Rejected(
                    "the server answered with an MCS Disconnect Provider Ultimatum instead of a Connection Confirm".into(),
                )
            }
            Ok((_, t)) => NegOutcome::Rejected(format!(
                "the server answered with an X.224 {:?} TPDU instead of a Connection Confirm",
                t.code()
            )),
            Err(_) => NegOutcome::Error(format!("malformed Connection Confirm: {e}")),
        },
    }
}

/// Why a negotiated channel could not be opened.
pub(super) struct NoChannel {
    pub detail: String,
    /// The server closed the connection instead of a Connection Confirm.
    pub closed: bool,
}

/// New connections to the address the probe settled on.
pub(super) struct Prober {
    pub rec: Recorder,
    pub addr: SocketAddr,
    pub host: String,
    pub timeout: Duration,
}

impl Prober {
    pub fn connect(&self) -> Result<RecStream, String> {
        match record::connect(&self.rec, self.addr, self.timeout) {
            Connect::Ok(mut s, _) => {
                s.set_io_timeout(self.timeout);
                let _ = s.sock.set_nodelay(true);
                Ok(s)
            }
            Connect::Refused(_) => Err("connection refused".into()),
            Connect::TimedOut(_) => Err("connect timed out".into()),
            Connect::Failed(e, _) => Err(e),
        }
    }

    /// A new connection negotiated with `protocols`; the selected protocol.
    pub fn channel(&self, protocols: u32) -> Result<(RecStream, u32), NoChannel> {
        let other = |detail: String| NoChannel {
            detail,
            closed: false,
        };
        let mut s = self.connect().map_err(other)?;
        match negotiate(&mut s, protocols) {
            NegOutcome::Selected(p) if p != 0 => Ok((s, p)),
            NegOutcome::Selected(_) | NegOutcome::Legacy => {
                Err(other("the server selected Standard RDP Security".into()))
            }
            NegOutcome::Failure(c) => Err(other(format!("RDP_NEG_FAILURE {}", FailureCode(c)))),
            NegOutcome::NoAnswer(d, why) => Err(NoChannel {
                detail: d,
                closed: why == Silence::Closed,
            }),
            NegOutcome::Rejected(d) | NegOutcome::Error(d) => Err(other(d)),
        }
    }
}

/// One Connection Request per set in [`SETS`]; `first` is an already
/// connected stream to use for the first one.
pub(super) fn matrix(p: &Prober, first: RecStream) -> Vec<NegRow> {
    let mut rows = Vec::new();
    let mut first = Some(first);
    let mut silent_server = false;
    for &set in &SETS {
        if silent_server {
            rows.push(NegRow::bare(
                set,
                NegResult::NoAnswer,
                Some("skipped: the server did not answer an earlier request".into()),
            ));
            continue;
        }
        let mut s = match first.take().map_or_else(|| p.connect(), Ok) {
            Ok(s) => s,
            Err(e) => {
                rows.push(NegRow::bare(set, NegResult::Error, Some(e)));
                continue;
            }
        };
        let frame = s.next_frame();
        let o = negotiate(&mut s, set);
        s.close();
        // Waiting out the timeout once is enough.
        silent_server = matches!(o, NegOutcome::NoAnswer(_, Silence::TimedOut));
        let mut row = row_of(set, o);
        row.frame = frame;
        rows.push(row);
    }
    rows
}

/// Send the Connection Request for `protocols` into `s` and make the
/// report's row of what `s` answers (the matrix's work on one connection,
/// without the network: the fuzz target `probe_replies` drives it).
pub fn negotiation_row<S: Read + Write>(s: &mut S, protocols: u32) -> NegRow {
    row_of(protocols, negotiate(s, protocols))
}

fn row_of(set: u32, o: NegOutcome) -> NegRow {
    let mut row = NegRow::bare(set, NegResult::Error, None);
    match o {
        NegOutcome::Selected(sel) => {
            row.result = NegResult::Selected;
            row.selected = Some(proto_name(sel));
            row.selected_value = Some(sel);
            if sel != 0 && sel & set == 0 {
                row.detail = Some("the server selected a protocol that was not offered".into());
            } else if sel == 0 && set != 0 {
                row.detail = Some(format!(
                    "Standard RDP Security although {} was offered",
                    proto_name(set)
                ));
            }
        }
        NegOutcome::Failure(c) => {
            row.result = NegResult::Failure;
            row.failure_code = Some(FailureCode(c));
        }
        NegOutcome::Legacy => {
            row.result = NegResult::Legacy;
            row.selected = Some(proto_name(0));
            row.selected_value = Some(0);
            row.detail = Some("Connection Confirm without negotiation data".into());
        }
        NegOutcome::NoAnswer(d, _) => {
            row.result = NegResult::NoAnswer;
            row.detail = Some(d);
        }
        NegOutcome::Rejected(d) => {
            row.result = NegResult::Rejected;
            row.detail = Some(d);
        }
        NegOutcome::Error(d) => row.detail = Some(d),
    }
    row
}

/// A request without CredSSP that the server accepts proves NLA is not
/// required; HYBRID_REQUIRED (or SSL_WITH_USER_AUTH_REQUIRED) to a TLS
/// request proves it is. Also the row that proves it is not.
pub(super) fn nla_required(rows: &[NegRow]) -> (Option<bool>, Option<&NegRow>) {
    let row = |v: u32| rows.iter().find(|r| r.requested_value == v);
    let no_nla_proof = [0x1, 0x0]
        .into_iter()
        .find_map(|v| row(v).filter(|r| r.result.accepted()));
    let required = if no_nla_proof.is_some() {
        Some(false)
    } else if row(0x1).is_some_and(|r| {
        matches!(
            r.failure_code,
            Some(FailureCode::HYBRID_REQUIRED_BY_SERVER)
                | Some(FailureCode::SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER)
        )
    }) {
        Some(true)
    } else {
        None
    };
    (required, no_nla_proof)
}

/// The request the TLS step reuses: the first of mstsc's default, SSL|HYBRID
/// and SSL that got a security protocol other than Standard RDP Security.
pub(super) fn tls_channel(rows: &[NegRow]) -> Option<u32> {
    [MSTSC_DEFAULT, 0x3, 0x1].into_iter().find(|v| {
        rows.iter().any(|r| {
            r.requested_value == *v
                && r.result == NegResult::Selected
                && r.selected_value.is_some_and(|s| s != 0)
        })
    })
}
