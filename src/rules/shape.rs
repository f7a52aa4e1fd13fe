//! Facts derived once per connection that several stages read: the shape
//! of the (possibly encrypted) traffic, whether the session got established,
//! and who closed the connection how.

use super::gateway;
use crate::session::ConnectionRecord;
use crate::wire::{Dir, FrameRef};

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

pub(super) fn shape(c: &ConnectionRecord) -> Shape {
    let t = &c.facts.tls;
    let tls13 = t
        .server_hello
        .as_ref()
        .is_some_and(|s| s.version_raw == 0x0304);
    let ci = Dir::ClientToServer.idx();
    let si = Dir::ServerToClient.idx();
    let handshake_done = if t.server_hello.is_none() {
        None
    } else if tls13 {
        t.first_app_data[ci]
    } else if t.ccs[ci].is_some() && t.ccs[si].is_some() {
        t.ccs[si].max(t.ccs[ci])
    } else {
        None
    };
    let mut client_data_records = 0;
    let mut server_data_bytes = 0;
    let mut server_data_records = 0;
    let mut seen_client_finished = false;
    let mut last_server_record = None;
    if let Some(hd) = handshake_done {
        for r in &t.records {
            if r.kind != "app_data" {
                continue;
            }
            match r.dir {
                Dir::ClientToServer => {
                    if tls13 && !seen_client_finished {
                        seen_client_finished = true;
                        continue;
                    }
                    if tls13 && r.len <= 24 {
                        continue; // an encrypted alert (close_notify) in TLS 1.3
                    }
                    client_data_records += 1;
                }
                Dir::ServerToClient => {
                    if r.frame.number >= hd.number {
                        server_data_bytes += r.len as u64;
                        server_data_records += 1;
                        last_server_record = Some((r.frame, r.len));
                    }
                }
            }
        }
        if t.records_dropped > 0 {
            server_data_bytes += t.app_bytes[si];
            client_data_records += t.app_records[ci];
        }
    }
    let r = &c.facts.rdp;
    let sel = c.facts.negotiation.selected_protocol.unwrap_or(0);
    let hybrid = sel & 0x0A != 0;
    // Only a fully readable session counts: with a failed record the facts
    // behind it are missing, and the shape must decide as without keys.
    let decrypted = c
        .facts
        .decryption
        .as_ref()
        .is_some_and(|d| d.records_decrypted > 0 && d.records_failed == 0);
    let seen_output = r.first_fast_path[si].is_some();
    let volume = c.bytes[si] > 8192 && c.packets[0] >= 5 && c.packets[1] >= 5;
    let tls_volume =
        server_data_bytes > 8192 && server_data_records >= 8 && client_data_records >= 4;
    let negotiated = c.facts.negotiation.selected_protocol.is_some()
        || c.facts.negotiation.request_frame.is_none();
    let mcs_ok = c.facts.mcs.result.as_ref().is_some_and(|r| r.value == 0);
    let server_dropped_early =
        c.tcp.closed_by == Some(Dir::ServerToClient) && !seen_output && c.bytes[si] < 8192;
    let established = c
        .facts
        .protocol_error
        .as_ref()
        .is_none_or(|e| e.1 == Dir::ClientToServer && negotiated)
        && negotiated
        && if t.server_hello.is_some() {
            seen_output
                || (!decrypted && tls_volume)
                || (decrypted && r.demand_active.is_some() && volume)
        } else {
            seen_output
                || (mcs_ok && !server_dropped_early)
                || (c.facts.mcs.connect_response.is_some() && volume)
                || (c.facts.negotiation.request_frame.is_none()
                    && c.facts.tls.client_hello.is_none()
                    && volume)
        };
    // Through an RD Gateway, the tunnel opened and carried data: the RDP
    // inside is not decoded, so the gateway's channel result decides.
    let established = established || gateway::tunnel_open(c);
    let established_frame = r.first_fast_path[si].or(r.demand_active).or(handshake_done);
    Shape {
        tls13,
        handshake_done,
        client_data_records,
        server_data_bytes,
        established,
        established_frame,
        decrypted,
        hybrid,
        hybrid_ex: sel & 0x08 != 0,
        last_server_record,
    }
}

/// The first FIN or RST sent by `d`, and which of the two it was.
pub(super) fn close_of(c: &ConnectionRecord, d: Dir) -> Option<(FrameRef, &'static str)> {
    let h = c.tcp.dir(d);
    match (h.fin, h.rst) {
        (Some(f), Some(r)) => Some(if f.frame <= r.frame {
            (f.frame, "FIN")
        } else {
            (r.frame, "RST")
        }),
        (Some(f), None) => Some((f.frame, "FIN")),
        (None, Some(r)) => Some((r.frame, "RST")),
        (None, None) => None,
    }
}
