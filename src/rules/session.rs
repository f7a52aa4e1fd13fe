//! Session stage: a server that drops the connection right after the
//! connection sequence, a running session reset without goodbye, and a peer
//! that stopped answering.

use super::conn::{Conn, Judged};
use super::gateway;
use super::registry::{SESSION_DROPPED_AFTER_CONNECT, SESSION_PEER_UNREACHABLE, SESSION_RESET};
use super::{ev, make, set_inferred};
use crate::flow::CloseKind;
use crate::verdict::{Finding, Stage, StageMark};
use crate::wire::Dir;
use rdpdiag_parsers::rdp::ErrorInfo;

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    if let Some(finding) = dropped_after_connect(cx, judged) {
        judged.findings.push(finding);
    }
    reset(cx, &mut judged.findings);
    peer_unreachable(cx, &mut judged.findings);
    if cx.shape.established {
        judged.stages.push(StageMark {
            stage: Stage::Session,
            ok: true,
            frame: cx.shape.established_frame,
        });
    }
}

fn dropped_after_connect(cx: &Conn, judged: &Judged) -> Option<Finding> {
    let facts = &cx.rec.facts;
    let past_sequence = cx.shape.client_data_records >= 8
        || facts.rdp.confirm_active.is_some()
        || (facts.tls.client_hello.is_none() && facts.mcs.connect_response.is_some());
    if cx.shape.established
        || !past_sequence
        || gateway::looks_like_gateway(cx.rec)
        || cx.first_closer != Some(Dir::ServerToClient)
        || judged.any_decisive()
    {
        return None;
    }
    let (close, kind) = cx
        .server_close
        .map_or((cx.rec.last, "close".to_string()), |(f, k)| {
            (f, k.to_string())
        });
    let mut finding = make(
        &SESSION_DROPPED_AFTER_CONNECT,
        cx.inner_basis,
        Some(format!(
            "the server closed the connection right after the connection sequence, before sending any screen output ({} bytes from the server after the handshake)",
            cx.shape.server_data_bytes
        )),
        None,
        vec![ev(close, format!("{kind} from the server"))],
    );
    set_inferred(
        &mut finding,
        !cx.shape.decrypted && facts.tls.server_hello.is_some(),
        cx.inner_basis,
    );
    Some(finding)
}

/// An established session that ends with a RST in the server's name, and
/// nothing before it to say goodbye: no FIN from either side, no Set Error
/// Info, no Disconnect Provider Ultimatum. (A RST after a FIN is the normal
/// teardown of a socket that was already closed.)
fn reset(cx: &Conn, out: &mut Vec<Finding>) {
    let rec = cx.rec;
    let quiet = cx.shape.established
        && cx.first_closer == Some(Dir::ServerToClient)
        && rec.tcp.close_kind == Some(CloseKind::Rst)
        && rec.tcp.client.fin.is_none()
        && rec
            .facts
            .rdp
            .set_error_info
            .iter()
            .all(|(_, code)| *code == ErrorInfo::NONE)
        && rec.facts.mcs.disconnect_ultimatum.is_none();
    let Some(rst) = rec.tcp.server.rst.filter(|_| quiet) else {
        return;
    };
    let idle = rst.after_peer_payload_s.map_or(String::new(), |x| {
        format!(", {x:.1} s after the client's last data")
    });
    out.push(make(
        &SESSION_RESET,
        cx.inner_basis,
        Some(format!(
            "the running session was ended by a TCP RST from the server's side (TTL {}{idle}), without any RDP-level goodbye",
            rst.ttl
        )),
        None,
        vec![ev(rst.frame, "RST in the server's name")],
    ));
}

/// One side kept sending (keep-alives, retransmissions) and heard nothing
/// back for seconds, then its TCP stack aborted the connection with a RST.
fn peer_unreachable(cx: &Conn, out: &mut Vec<Finding>) {
    for dir in [Dir::ClientToServer, Dir::ServerToClient] {
        let Some(rst) = cx.rec.tcp.dir(dir).rst else {
            continue;
        };
        let silent = rst.peer_silent_s.unwrap_or(0.0);
        if cx.shape.established
            && cx.first_closer == Some(dir)
            && cx.rec.tcp.close_kind == Some(CloseKind::Rst)
            && rst.unanswered_before >= 2
            && silent >= 3.0
        {
            out.push(make(
                &SESSION_PEER_UNREACHABLE,
                cx.inner_basis,
                Some(format!(
                    "the {} heard nothing from the {} for {silent:.0} s: {} packets (keep-alives or retransmissions) went unanswered, then it aborted the connection",
                    dir.sender(),
                    dir.flip().sender(),
                    rst.unanswered_before
                )),
                None,
                vec![ev(
                    rst.frame,
                    format!("RST from the {} after {} unanswered packets", dir.sender(), rst.unanswered_before),
                )],
            ));
        }
    }
}
