//! TCP stage: the handshake (unanswered SYN, RST, unacknowledged SYN-ACK),
//! forged RSTs, loss, MTU black holes, zero windows and stalls; and the
//! `capture.missing_bytes` rule about the capture itself.

use super::conn::{Conn, Judged};
use super::registry::{
    CAPTURE_MISSING_BYTES, TCP_MIDDLEBOX_RST, TCP_MTU_BLACKHOLE, TCP_RETRANSMISSION_STORM,
    TCP_RST_TO_SYN, TCP_STALL, TCP_SYNACK_UNANSWERED, TCP_SYN_UNANSWERED, TCP_ZERO_WINDOW,
};
use super::{ev, make};
use crate::flow::Handshake;
use crate::session::ConnectionRecord;
use crate::verdict::{Basis, DiagConfig, Evidence, Finding, Stage, StageMark};
use crate::wire::Dir;

/// Whether the three-way handshake completed (or the capture starts mid-stream with data).
pub fn tcp_ok(c: &ConnectionRecord) -> bool {
    matches!(c.tcp.handshake, Handshake::Completed)
        || (c.tcp.handshake == Handshake::NotSeen && c.bytes[0] + c.bytes[1] > 0)
}

pub(super) fn judge(cx: &Conn, judged: &mut Judged) {
    let out = &mut judged.findings;
    handshake(cx.rec, out);
    judged.stages.push(StageMark {
        stage: Stage::Tcp,
        ok: cx.tcp_good,
        frame: Some(cx.rec.first),
    });
    middlebox_rst(cx, out);
    retransmission_storm(cx.rec, cx.cfg, out);
    mtu_blackhole(cx, out);
    zero_window(cx.rec, out);
    stall(cx, out);
    missing_bytes(cx.rec, out);
}

/// Frame-only evidence (no time), at most `take` of them.
fn frames_ev<'a>(
    frames: impl Iterator<Item = &'a u64>,
    take: usize,
    detail: &str,
) -> Vec<Evidence> {
    frames
        .take(take)
        .map(|frame| Evidence {
            frame: *frame,
            time: String::new(),
            detail: detail.into(),
        })
        .collect()
}

/// The first packet's evidence gets its time (it is the connection's start).
fn fill_times(finding: &mut Finding, rec: &ConnectionRecord) {
    for e in &mut finding.evidence {
        if e.time.is_empty() && e.frame == rec.first.number {
            e.time = rec.first.ts.rfc3339();
        }
    }
}

fn handshake(rec: &ConnectionRecord, out: &mut Vec<Finding>) {
    let syn_ev = || frames_ev(rec.tcp.syn_frames.iter(), 8, "SYN");
    let mut finding = match rec.tcp.handshake {
        Handshake::SynUnanswered if rec.bytes[0] + rec.bytes[1] == 0 => make(
            &TCP_SYN_UNANSWERED,
            Basis::Clear,
            Some(format!(
                "SYN to {} sent {} time(s), never answered",
                rec.server,
                rec.tcp.syn_frames.len()
            )),
            None,
            syn_ev(),
        ),
        Handshake::RstToSyn => {
            let mut evidence = syn_ev();
            if let Some(rst) = rec.tcp.server.rst {
                evidence.push(ev(rst.frame, "RST from the server"));
            }
            make(
                &TCP_RST_TO_SYN,
                Basis::Clear,
                Some(format!(
                    "{} refused the connection (RST to SYN)",
                    rec.server
                )),
                None,
                evidence,
            )
        }
        Handshake::SynAckUnanswered => {
            // The SYN-ACKs are the evidence: the server did answer.
            let mut evidence = syn_ev();
            evidence.extend(frames_ev(
                rec.tcp.synack_frames.iter(),
                usize::MAX,
                "SYN-ACK, never acknowledged",
            ));
            evidence.sort_by_key(|x| x.frame);
            evidence.truncate(8);
            make(
                &TCP_SYNACK_UNANSWERED,
                Basis::Clear,
                Some(format!(
                    "the server answered {} SYN(s) with {} SYN-ACK(s), and the client never acknowledged one",
                    rec.tcp.syn_frames.len(),
                    rec.tcp.synack_frames.len()
                )),
                None,
                evidence,
            )
        }
        _ => return,
    };
    fill_times(&mut finding, rec);
    out.push(finding);
}

fn middlebox_rst(cx: &Conn, out: &mut Vec<Finding>) {
    for dir in [Dir::ClientToServer, Dir::ServerToClient] {
        let Some(rst) = cx.rec.tcp.dir(dir).rst.filter(|r| r.suspicious_origin) else {
            continue;
        };
        let mut finding = make(
            &TCP_MIDDLEBOX_RST,
            Basis::Clear,
            Some(format!(
                "a RST claiming to come from the {} has a different TTL ({}) than its other packets: likely injected by a firewall or proxy",
                dir.sender(),
                rst.ttl
            )),
            None,
            vec![ev(rst.frame, format!("RST with TTL {}", rst.ttl))],
        );
        finding.decisive = !cx.shape.established;
        out.push(finding);
    }
}

fn retransmission_storm(rec: &ConnectionRecord, cfg: &DiagConfig, out: &mut Vec<Finding>) {
    let total_pkts = rec.packets[0] + rec.packets[1];
    let retrans = rec.tcp.retransmissions();
    if retrans < cfg.retrans_storm_count
        || (retrans as f64) < cfg.retrans_storm_ratio * total_pkts as f64
    {
        return;
    }
    let frames = rec
        .tcp
        .client
        .retransmission_frames
        .iter()
        .chain(rec.tcp.server.retransmission_frames.iter());
    out.push(make(
        &TCP_RETRANSMISSION_STORM,
        Basis::Clear,
        Some(format!(
            "{retrans} real retransmissions in {total_pkts} packets ({:.0}%): the path loses packets",
            100.0 * retrans as f64 / total_pkts.max(1) as f64
        )),
        None,
        frames_ev(frames, 10, "retransmission"),
    ));
}

fn mtu_blackhole(cx: &Conn, out: &mut Vec<Finding>) {
    for dir in [Dir::ServerToClient, Dir::ClientToServer] {
        let Some(hole) = cx.rec.tcp.black_hole(dir) else {
            continue;
        };
        let mut finding = make(
            &TCP_MTU_BLACKHOLE,
            Basis::Clear,
            Some(format!(
                "full-size {}-byte segments from the {} were retransmitted {} times and never acknowledged, while small packets got through",
                hole.len,
                dir.sender(),
                hole.count
            )),
            None,
            frames_ev(
                hole.frames.iter(),
                6,
                &format!("{} bytes, retransmitted", hole.len),
            ),
        );
        finding.decisive = !cx.shape.established;
        out.push(finding);
    }
}

fn zero_window(rec: &ConnectionRecord, out: &mut Vec<Finding>) {
    let tcp = &rec.tcp;
    if tcp.client.zero_window + tcp.server.zero_window < 3 {
        return;
    }
    let who: Vec<String> = [Dir::ClientToServer, Dir::ServerToClient]
        .iter()
        .filter(|dir| tcp.dir(**dir).zero_window > 0)
        .map(|dir| format!("the {} {} times", dir.sender(), tcp.dir(*dir).zero_window))
        .collect();
    let frames = tcp
        .client
        .zero_window_frames
        .iter()
        .chain(tcp.server.zero_window_frames.iter());
    out.push(make(
        &TCP_ZERO_WINDOW,
        Basis::Clear,
        Some(format!(
            "a receiver stopped reading: zero window advertised by {} (its application could not keep up)",
            who.join(" and ")
        )),
        None,
        frames_ev(frames, 6, "zero window"),
    ));
}

fn stall(cx: &Conn, out: &mut Vec<Finding>) {
    let Some((idle, from, to)) = cx.rec.tcp.longest_idle else {
        return;
    };
    if cx.shape.established && idle >= cx.cfg.stall_s && cx.rec.tcp.closed_by.is_some() {
        out.push(make(
            &TCP_STALL,
            // Registered at stage session: read inside the session when decrypted.
            cx.inner_basis,
            Some(format!(
                "the connection was silent for {idle:.0} s (frames {from} → {to}) before it ended"
            )),
            None,
            vec![Evidence {
                frame: to,
                time: String::new(),
                detail: format!("first packet after {idle:.0} s of silence"),
            }],
        ));
    }
}

fn missing_bytes(rec: &ConnectionRecord, out: &mut Vec<Finding>) {
    let gaps = rec.tcp.client.capture_gap_bytes + rec.tcp.server.capture_gap_bytes;
    if gaps > 0 {
        out.push(make(
            &CAPTURE_MISSING_BYTES,
            Basis::Clear,
            Some(format!("{gaps} bytes of the stream are missing from the capture (dropped by the capturing host)")),
            None,
            Vec::new(),
        ));
    }
}
