//! TCP stage: the handshake (unanswered SYN, RST, unacknowledged SYN-ACK),
//! forged RSTs, loss, MTU black holes, zero windows and stalls; and the
//! `capture.*` rules about the capture itself (missing bytes, a wrong clock).

use super::conn::{Conn, Judged};
use super::registry::{
    CAPTURE_CLOCK_SUSPECT, CAPTURE_MISSING_BYTES, TCP_MIDDLEBOX_RST, TCP_MTU_BLACKHOLE,
    TCP_RETRANSMISSION_STORM, TCP_RST_TO_SYN, TCP_STALL, TCP_SYNACK_UNANSWERED, TCP_SYN_UNANSWERED,
    TCP_ZERO_WINDOW,
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

/// A capture clock that is obviously wrong (before 2000): certificate
/// validity judged at that time is unreliable. Judged after the certificates.
pub(super) fn clock_suspect(cx: &Conn, judged: &mut Judged) {
    let first = cx.rec.first;
    if first.ts.secs() < 946_684_800 {
        judged.findings.push(make(
            &CAPTURE_CLOCK_SUSPECT,
            Basis::Clear,
            Some(format!("the capture clock reads {}: certificate validity judged at that time is unreliable", first.ts.rfc3339())),
            None,
            vec![ev(first, "first packet")],
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::registry::*;
    use super::super::testkit::{conn, fired, frames, ids, judge};
    use crate::verdict::{Basis, Outcome, Stage};
    use crate::wire::{Dir, Ts};
    use rdpdiag_parsers::nego::Protocols;

    #[test]
    fn syn_unanswered_fires_on_unanswered_syns() {
        // captures/syn_dropped.pcap: frames 1-8 are the client's SYNs, nothing answers.
        let rec = conn().syn_unanswered(8).build();
        let (verdict, findings) = judge(&rec);
        assert_eq!(ids(&findings), ["tcp.syn_unanswered"]);
        assert_eq!(frames(&findings[0]), (1..=8).collect::<Vec<_>>());
        assert!(findings[0].title.contains("sent 8 time(s)"));
        assert!(findings[0].decisive);
        // The first SYN is the connection's first frame: its evidence has a time.
        assert!(!findings[0].evidence[0].time.is_empty());
        assert_eq!(verdict.outcome, Outcome::Failure);
        assert_eq!(verdict.failed_stage, Some(Stage::Tcp));
    }

    #[test]
    fn syn_unanswered_silent_when_the_handshake_completes() {
        let rec = conn().handshake().build();
        assert!(fired(&rec, &TCP_SYN_UNANSWERED).is_none());
        // Unanswered SYNs of a flow that still carried bytes (a capture that
        // missed the answer) are not "never answered".
        let rec = conn().syn_unanswered(2).traffic([1, 1], [10, 10]).build();
        assert!(fired(&rec, &TCP_SYN_UNANSWERED).is_none());
    }

    #[test]
    fn rst_to_syn_fires_on_refused_connection() {
        // captures/port_closed.pcap: SYN at frame 3, the server's RST at frame 4.
        let rec = conn().rst_to_syn(3, 4).build();
        let finding = fired(&rec, &TCP_RST_TO_SYN).expect("fires");
        assert_eq!(frames(&finding), [3, 4]);
        assert_eq!(finding.evidence[1].detail, "RST from the server");
        assert!(finding.title.contains("refused the connection"));
        assert_eq!(judge(&rec).0.failed_stage, Some(Stage::Tcp));
    }

    #[test]
    fn rst_to_syn_silent_when_the_server_accepts() {
        let rec = conn().handshake().fin(Dir::ServerToClient, 9).build();
        assert!(fired(&rec, &TCP_RST_TO_SYN).is_none());
    }

    #[test]
    fn synack_unanswered_fires_on_unacknowledged_synacks() {
        // captures/synack_dropped_at_client.pcap: 8 SYNs, each answered by a
        // SYN-ACK the client never acknowledges; the evidence is the first 8 frames.
        let rec = conn().synack_unanswered(8).build();
        let finding = fired(&rec, &TCP_SYNACK_UNANSWERED).expect("fires");
        assert_eq!(frames(&finding), (1..=8).collect::<Vec<_>>());
        assert_eq!(finding.evidence[1].detail, "SYN-ACK, never acknowledged");
        assert!(finding.title.contains("8 SYN(s) with 8 SYN-ACK(s)"));
    }

    #[test]
    fn synack_unanswered_silent_when_the_client_acknowledges() {
        let rec = conn().handshake().build();
        assert!(fired(&rec, &TCP_SYNACK_UNANSWERED).is_none());
    }

    #[test]
    fn middlebox_rst_fires_on_a_forged_rst() {
        // captures/middlebox_rst_clienthello.pcap: after the ClientHello, a
        // RST "from the server" at frame 9 with TTL 64 (the server's packets
        // have another TTL).
        let rec = conn()
            .handshake()
            .request(4, Protocols::SSL | Protocols::HYBRID)
            .confirm(6, Protocols::SSL)
            .client_hello(8)
            .rst(Dir::ServerToClient, 9, 64, true)
            .build();
        let finding = fired(&rec, &TCP_MIDDLEBOX_RST).expect("fires");
        assert_eq!(frames(&finding), [9]);
        assert!(finding
            .title
            .contains("from the server has a different TTL (64)"));
        assert!(finding.decisive);
        // The forged RST is the cause, not a server that closed after the ClientHello.
        let (verdict, findings) = judge(&rec);
        assert!(!ids(&findings).contains(&"tls.server_closed_after_client_hello"));
        assert_eq!(verdict.failed_stage, Some(Stage::Tcp));
    }

    #[test]
    fn middlebox_rst_silent_on_a_genuine_rst() {
        let rec = conn()
            .handshake()
            .request(4, Protocols::SSL | Protocols::HYBRID)
            .confirm(6, Protocols::SSL)
            .client_hello(8)
            .rst(Dir::ServerToClient, 9, 128, false)
            .build();
        assert!(fired(&rec, &TCP_MIDDLEBOX_RST).is_none());
    }

    #[test]
    fn retransmission_storm_fires_above_count_and_ratio() {
        // 12 real retransmissions in 100 packets: 12 % (threshold: 10 and 10 %).
        let resent: Vec<u64> = (20..32).collect();
        let rec = conn()
            .handshake()
            .traffic([50, 50], [5_000, 50_000])
            .retransmissions(Dir::ServerToClient, &resent)
            .build();
        let finding = fired(&rec, &TCP_RETRANSMISSION_STORM).expect("fires");
        assert!(finding
            .title
            .starts_with("12 real retransmissions in 100 packets (12%)"));
        assert_eq!(frames(&finding), resent[..10]);
        assert!(!finding.decisive, "a warning never decides");
    }

    #[test]
    fn retransmission_storm_silent_below_the_ratio() {
        // The same 12 retransmissions in 200 packets: 6 %.
        let resent: Vec<u64> = (20..32).collect();
        let rec = conn()
            .handshake()
            .traffic([100, 100], [5_000, 50_000])
            .retransmissions(Dir::ServerToClient, &resent)
            .build();
        assert!(fired(&rec, &TCP_RETRANSMISSION_STORM).is_none());
    }

    #[test]
    fn mtu_blackhole_fires_on_unacknowledged_full_size_segments() {
        // captures/lab_mtu_blackhole.server.pcap: the server's 1448-byte
        // segment resent at frames 12-16, 19, never acknowledged.
        let rec = conn()
            .handshake()
            .client_hello(8)
            .big_retransmit(
                Dir::ServerToClient,
                1448,
                &[12, 13, 14, 15, 16, 19, 23, 30],
                false,
            )
            .build();
        let finding = fired(&rec, &TCP_MTU_BLACKHOLE).expect("fires");
        assert_eq!(frames(&finding), [12, 13, 14, 15, 16, 19]);
        assert!(finding
            .title
            .contains("full-size 1448-byte segments from the server were retransmitted 8 times"));
        assert!(finding.decisive);
    }

    #[test]
    fn mtu_blackhole_silent_when_the_segment_is_acknowledged() {
        let rec = conn()
            .handshake()
            .client_hello(8)
            .big_retransmit(Dir::ServerToClient, 1448, &[12, 13], true)
            .build();
        assert!(fired(&rec, &TCP_MTU_BLACKHOLE).is_none());
    }

    #[test]
    fn zero_window_fires_from_three_zero_windows() {
        // captures/zero_window_client_stopped.pcap: the client advertises a
        // zero window at frames 353, 355, 358 (and more).
        let rec = conn()
            .handshake()
            .screen_output(10)
            .zero_window(Dir::ClientToServer, &[353, 355, 358])
            .build();
        let finding = fired(&rec, &TCP_ZERO_WINDOW).expect("fires");
        assert_eq!(frames(&finding), [353, 355, 358]);
        assert!(finding
            .title
            .contains("zero window advertised by the client 3 times"));
    }

    #[test]
    fn zero_window_silent_below_three() {
        let rec = conn()
            .handshake()
            .screen_output(10)
            .zero_window(Dir::ClientToServer, &[353, 355])
            .build();
        assert!(fired(&rec, &TCP_ZERO_WINDOW).is_none());
    }

    #[test]
    fn stall_fires_on_a_long_silence_in_a_running_session() {
        // captures/stall_network_outage.server.pcap: 45 s of silence between
        // frames 171 and 172, then the connection ends.
        let rec = conn()
            .handshake()
            .screen_output(10)
            .idle(45.0, 171, 172)
            .fin(Dir::ClientToServer, 180)
            .build();
        let finding = fired(&rec, &TCP_STALL).expect("fires");
        assert_eq!(frames(&finding), [172]);
        assert!(finding.title.contains("silent for 45 s (frames 171 → 172)"));
        assert_eq!(finding.basis, Basis::Clear);
        assert_eq!(judge(&rec).0.outcome, Outcome::Success);
    }

    #[test]
    fn stall_silent_on_a_short_pause() {
        let rec = conn()
            .handshake()
            .screen_output(10)
            .idle(10.0, 171, 172)
            .fin(Dir::ClientToServer, 180)
            .build();
        assert!(fired(&rec, &TCP_STALL).is_none());
        // Nor on a long silence of a connection that is still open at the end.
        let rec = conn()
            .handshake()
            .screen_output(10)
            .idle(45.0, 171, 172)
            .build();
        assert!(fired(&rec, &TCP_STALL).is_none());
    }

    #[test]
    fn missing_bytes_fires_on_a_capture_gap() {
        // captures/mtu_blackhole.pcap: 1448 bytes the capturing host dropped.
        let rec = conn()
            .handshake()
            .capture_gap(Dir::ServerToClient, 1448)
            .build();
        let finding = fired(&rec, &CAPTURE_MISSING_BYTES).expect("fires");
        assert!(finding
            .title
            .starts_with("1448 bytes of the stream are missing"));
        assert!(finding.evidence.is_empty());
    }

    #[test]
    fn missing_bytes_silent_on_a_complete_stream() {
        let rec = conn().handshake().build();
        assert!(fired(&rec, &CAPTURE_MISSING_BYTES).is_none());
    }

    #[test]
    fn clock_suspect_fires_on_a_capture_from_before_2000() {
        let rec = conn()
            .handshake()
            .first_at(Ts(86_400 * 1_000_000_000))
            .build();
        let finding = fired(&rec, &CAPTURE_CLOCK_SUSPECT).expect("fires");
        assert!(finding.title.contains("1970-01-02"));
        assert_eq!(frames(&finding), [1]);
    }

    #[test]
    fn clock_suspect_silent_on_a_plausible_clock() {
        let rec = conn().handshake().build();
        assert!(fired(&rec, &CAPTURE_CLOCK_SUSPECT).is_none());
    }
}
