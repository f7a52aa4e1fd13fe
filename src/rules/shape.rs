//! Facts derived once per connection that several stages read: the shape
//! of the (possibly encrypted) traffic, whether the session got established,
//! and who closed the connection how.

use super::gateway;
use crate::flow::CloseKind;
use crate::session::facts::{RecordKind, TlsFacts};
use crate::session::ConnectionRecord;
use crate::wire::{Dir, FrameRef};
use rdpdiag_parsers::mcs::McsResult;
use rdpdiag_parsers::nego::Protocols;
use rdpdiag_parsers::tls::TLS1_3;

/// Facts derived once per connection for the rules.
pub(super) struct Shape {
    pub(super) tls13: bool,
    pub(super) handshake_done: Option<FrameRef>,
    /// Client application records after the handshake that carry data (not Finished, not an alert).
    pub(super) client_data_records: u32,
    pub(super) server_data_bytes: u64,
    pub(super) established: bool,
    pub(super) established_frame: Option<FrameRef>,
    pub(super) decrypted: bool,
    pub(super) hybrid: bool,
    pub(super) hybrid_ex: bool,
    pub(super) last_server_record: Option<(FrameRef, u16)>,
}

pub(super) fn shape(rec: &ConnectionRecord) -> Shape {
    let tls = &rec.facts.tls;
    let tls13 = tls
        .server_hello
        .as_ref()
        .is_some_and(|hello| hello.version_raw == TLS1_3);
    let client = Dir::ClientToServer.idx();
    let server = Dir::ServerToClient.idx();
    let handshake_done = if tls.server_hello.is_none() {
        None
    } else if tls13 {
        tls.first_app_data[client]
    } else if tls.ccs[client].is_some() && tls.ccs[server].is_some() {
        tls.ccs[server].max(tls.ccs[client])
    } else {
        None
    };
    let records = handshake_done
        .map(|done| app_records(tls, tls13, done))
        .unwrap_or_default();
    let rdp = &rec.facts.rdp;
    let selected = rec.facts.negotiation.selected_protocol.unwrap_or_default();
    // Only a fully readable session counts: with a failed record the facts
    // behind it are missing, and the shape must decide as without keys.
    let decrypted = rec
        .facts
        .decryption
        .as_ref()
        .is_some_and(|d| d.records_decrypted > 0 && d.records_failed == 0);
    // Through an RD Gateway, the tunnel opened and carried data: the RDP
    // inside is not decoded, so the gateway's channel result decides.
    // HTTPS to a gateway that could not be read: its volume says nothing
    // about the RDP inside, so no success is claimed from it.
    let unread_gateway = rec.facts.gateway.is_none() && gateway::looks_like_gateway(rec);
    // Through a gateway the tunnelled RDP decides when it was read both
    // ways; otherwise the open channel carrying data does.
    let through_gateway = match gateway::inner_record(rec) {
        Some(inner) => shape(&inner).established,
        None => gateway::tunnel_open(rec),
    };
    let established = (!unread_gateway && established(rec, &records, decrypted)) || through_gateway;
    let established_frame = rdp.first_fast_path[server]
        .or(rdp.demand_active)
        .or(handshake_done);
    Shape {
        tls13,
        handshake_done,
        client_data_records: records.client_data_records,
        server_data_bytes: records.server_data_bytes,
        established,
        established_frame,
        decrypted,
        hybrid: selected.intersects(Protocols::HYBRID | Protocols::HYBRID_EX),
        hybrid_ex: selected.contains(Protocols::HYBRID_EX),
        last_server_record: records.last_server_record,
    }
}

/// Application-data records after the handshake.
#[derive(Default)]
struct AppRecords {
    client_data_records: u32,
    server_data_bytes: u64,
    server_data_records: u32,
    last_server_record: Option<(FrameRef, u16)>,
}

fn app_records(tls: &TlsFacts, tls13: bool, done: FrameRef) -> AppRecords {
    let mut counts = AppRecords::default();
    let mut seen_client_finished = false;
    for record in tls.records.iter().filter(|r| r.kind == RecordKind::AppData) {
        match record.dir {
            Dir::ClientToServer => {
                if tls13 && !seen_client_finished {
                    seen_client_finished = true;
                    continue;
                }
                if tls13 && record.len <= 24 {
                    continue; // an encrypted alert (close_notify) in TLS 1.3
                }
                counts.client_data_records += 1;
            }
            Dir::ServerToClient => {
                if record.frame.number >= done.number {
                    counts.server_data_bytes += record.len as u64;
                    counts.server_data_records += 1;
                    counts.last_server_record = Some((record.frame, record.len));
                }
            }
        }
    }
    if tls.records_dropped > 0 {
        counts.server_data_bytes += tls.app_bytes[Dir::ServerToClient.idx()];
        counts.client_data_records += tls.app_records[Dir::ClientToServer.idx()];
    }
    counts
}

/// The session got going: screen output, or (when that is not readable)
/// enough traffic after the point where failures happen.
fn established(rec: &ConnectionRecord, records: &AppRecords, decrypted: bool) -> bool {
    let facts = &rec.facts;
    let server = Dir::ServerToClient.idx();
    let seen_output = facts.rdp.first_fast_path[server].is_some();
    let volume = rec.bytes[server] > 8192 && rec.packets[0] >= 5 && rec.packets[1] >= 5;
    let tls_volume = records.server_data_bytes > 8192
        && records.server_data_records >= 8
        && records.client_data_records >= 4;
    let negotiated =
        facts.negotiation.selected_protocol.is_some() || facts.negotiation.request_frame.is_none();
    let mcs_ok = facts.mcs.result == Some(McsResult::RT_SUCCESSFUL);
    let server_dropped_early =
        rec.tcp.closed_by == Some(Dir::ServerToClient) && !seen_output && rec.bytes[server] < 8192;
    facts
        .protocol_error
        .as_ref()
        .is_none_or(|e| e.1 == Dir::ClientToServer && negotiated)
        && negotiated
        && if facts.tls.server_hello.is_some() {
            seen_output
                || (!decrypted && tls_volume)
                || (decrypted && facts.rdp.demand_active.is_some() && volume)
        } else {
            seen_output
                || (mcs_ok && !server_dropped_early)
                || (facts.mcs.connect_response.is_some() && volume)
                || (facts.negotiation.request_frame.is_none()
                    && facts.tls.client_hello.is_none()
                    && volume)
        }
}

/// The first FIN or RST sent by `dir`, and which of the two it was.
pub(super) fn close_of(rec: &ConnectionRecord, dir: Dir) -> Option<(FrameRef, CloseKind)> {
    let side = rec.tcp.dir(dir);
    match (side.fin, side.rst) {
        (Some(fin), Some(rst)) => Some(if fin.frame <= rst.frame {
            (fin.frame, CloseKind::Fin)
        } else {
            (rst.frame, CloseKind::Rst)
        }),
        (Some(fin), None) => Some((fin.frame, CloseKind::Fin)),
        (None, Some(rst)) => Some((rst.frame, CloseKind::Rst)),
        (None, None) => None,
    }
}

/// The server side's reset was a packet filter's REJECT, not the server's
/// own stack: a bare RST (no ACK flag) while the client's data was never
/// acknowledged. A host that accepted the bytes and then gave up sends
/// RST|ACK (or FIN) after acknowledging them.
pub(super) fn filter_reject(rec: &ConnectionRecord) -> bool {
    rec.tcp
        .server
        .rst
        .is_some_and(|r| !r.ack_flag && r.peer_data_acked == Some(false))
        && rec.tcp.closed_by == Some(Dir::ServerToClient)
        && rec.tcp.close_kind == Some(CloseKind::Rst)
}

/// The capture starts in the middle of the connection: no TCP handshake
/// and no X.224 Connection Request seen. What came first on the wire is
/// then not the start of the protocol, so its bytes may not parse.
pub(super) fn captured_late(rec: &ConnectionRecord) -> bool {
    rec.tcp.handshake == crate::flow::Handshake::NotSeen
        && rec.facts.negotiation.request_frame.is_none()
}
