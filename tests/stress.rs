//! Memory stays flat under hostile volume: many short flows, one huge flow,
//! giant sequence gaps, overlapping-segment attacks. The captures are
//! generated in memory and streamed through the real reader and engine
//! (hand-made bytes on purpose: no real capture has this scale). Memory is
//! measured as the engine reports it: live flows, out-of-order bytes and
//! segments, session stream buffers, finished records.
//!
//! The fast versions run in the normal suite; the full sizes are ignored:
//!   cargo test --release --test stress -- --ignored

#[path = "../benches/support/synth.rs"]
mod synth;

use rdpdiag::capture::{self, Frame, FrameSink, Warning};
use rdpdiag::engine::{Engine, EngineConfig};
use std::io::BufReader;
use synth::{PcapStream, Tcp, ACK, FIN, PSH, RST, SYN};

/// The engine plus the highest values its usage reached, sampled every 4096 frames.
struct Probe {
    engine: Engine,
    frames: u64,
    max_tcp: usize,
    max_pending: usize,
    max_segments: usize,
    max_live_sessions: usize,
    max_session_bytes: usize,
}

impl Probe {
    fn with(cfg: EngineConfig) -> Self {
        Probe {
            engine: Engine::new(cfg),
            frames: 0,
            max_tcp: 0,
            max_pending: 0,
            max_segments: 0,
            max_live_sessions: 0,
            max_session_bytes: 0,
        }
    }
    fn sample(&mut self) {
        let u = self.engine.flows.usage();
        let (live, _, bytes) = self.engine.sessions.live_usage();
        self.max_tcp = self.max_tcp.max(u.tcp);
        self.max_pending = self.max_pending.max(u.pending_bytes);
        self.max_segments = self.max_segments.max(u.pending_segments);
        self.max_live_sessions = self.max_live_sessions.max(live);
        self.max_session_bytes = self.max_session_bytes.max(bytes);
    }
}

impl FrameSink for Probe {
    fn frame(&mut self, f: &Frame<'_>) {
        self.engine.frame(f);
        self.frames += 1;
        if self.frames % 4096 == 0 {
            self.sample();
        }
    }
    fn warning(&mut self, w: Warning) {
        self.engine.warning(w);
    }
}

/// Stream a generated capture through the engine.
fn run<F: FnMut(&mut Vec<u8>) -> bool + Send + 'static>(gen: F) -> Probe {
    run_with(EngineConfig::default(), gen)
}

fn run_with<F: FnMut(&mut Vec<u8>) -> bool + Send + 'static>(cfg: EngineConfig, gen: F) -> Probe {
    let reader = Box::new(BufReader::with_capacity(256 << 10, PcapStream::new(gen)));
    let mut p = Probe::with(cfg);
    let summary = capture::read_capture(reader, "generated", false, &mut p).expect("capture");
    assert!(!summary.truncated);
    p.sample();
    p.engine.finish();
    p
}

fn tcp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, seq: u32, ack: u32, flags: u8) -> Tcp {
    Tcp {
        src,
        dst,
        sport,
        dport,
        seq,
        ack,
        flags,
        window: 65535,
    }
}

/// `n` short HTTP-like connections, `per_s` per second of capture time.
fn short_flows(n: u32, per_s: u64) -> Probe {
    let mut i = 0u32;
    let mut frame = Vec::new();
    let gap_us = 1_000_000 / per_s;
    run(move |out| {
        if i >= n {
            return false;
        }
        let c = [10, 9, (i >> 8) as u8, i as u8];
        let s = [10, 8, 0, (i >> 16) as u8];
        let p = 1024 + (i % 60000) as u16;
        let ts = 1_767_603_600_000_000 + i as u64 * gap_us;
        let pkts = [
            (tcp(c, s, p, 80, 1, 0, SYN), 0),
            (tcp(s, c, 80, p, 9, 2, SYN | ACK), 0),
            (tcp(c, s, p, 80, 2, 10, ACK | PSH), 100),
            (tcp(s, c, 80, p, 10, 102, ACK | FIN), 200),
            (tcp(c, s, p, 80, 102, 211, ACK | FIN), 0),
            (tcp(s, c, 80, p, 211, 103, ACK), 0),
        ];
        for (k, (t, len)) in pkts.iter().enumerate() {
            frame.clear();
            synth::tcp_frame(&mut frame, t, &[b'x'; 200][..*len], false);
            synth::pcap_record(out, ts + k as u64 * 50, &frame);
        }
        i += 1;
        true
    })
}

fn assert_short_flows(n: u32) {
    // 2000 connections per second: closed non-RDP connections linger 2 s,
    // swept every 5 s, so about 7 s worth (14 000) may be live at once.
    let p = short_flows(n, 2000);
    assert_eq!(p.engine.flows.stats.tcp_connections, n as u64);
    assert!(
        p.max_tcp <= 16_000,
        "live TCP connections peaked at {}",
        p.max_tcp
    );
    assert!(
        p.engine.sessions.connections.is_empty(),
        "non-RDP flows made records"
    );
    assert_eq!(p.max_live_sessions, 0);
}

#[test]
fn short_flows_100k_stay_bounded() {
    assert_short_flows(100_000);
}

#[test]
#[ignore = "1M flows: run with --release --ignored"]
fn short_flows_1m_stay_bounded() {
    assert_short_flows(1_000_000);
}

/// `n` connections that send one request and stay open, 10 000 new per
/// second, under a cap of `cap` open connections.
fn open_flows(n: u32, cap: usize) -> Probe {
    let mut cfg = EngineConfig::default();
    cfg.flow.max_open_flows = cap;
    let mut i = 0u32;
    let mut frame = Vec::new();
    run_with(cfg, move |out| {
        if i >= n {
            return false;
        }
        let c = [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let s = [10, 200, 0, 1];
        let p = 1024 + (i % 60000) as u16;
        let ts = 1_767_603_600_000_000 + i as u64 * 100;
        let pkts = [
            (tcp(c, s, p, 443, 1, 0, SYN), 0),
            (tcp(s, c, 443, p, 9, 2, SYN | ACK), 0),
            (tcp(c, s, p, 443, 2, 10, ACK | PSH), 16),
        ];
        for (k, (t, len)) in pkts.iter().enumerate() {
            frame.clear();
            synth::tcp_frame(&mut frame, t, &[b'x'; 16][..*len], false);
            synth::pcap_record(out, ts + k as u64 * 10, &frame);
        }
        i += 1;
        true
    })
}

/// Connections that never close are finished early beyond the cap, counted,
/// and the table never holds more than the cap.
#[test]
fn open_flows_stay_under_the_cap() {
    let p = open_flows(40_000, 5_000);
    let stats = &p.engine.flows.stats;
    assert_eq!(stats.tcp_connections, 40_000);
    assert!(
        p.max_tcp <= 5_000,
        "live TCP connections peaked at {}",
        p.max_tcp
    );
    // Everything beyond the cap went early; the rest at the end of input.
    assert!(
        (35_000..=40_000).contains(&stats.flows_evicted_early),
        "{}",
        stats.flows_evicted_early
    );
    assert_eq!(stats.other_tcp_ports.get(&443), Some(&40_000));
}

/// One RDP connection carrying `total` bytes server→client in 1448-byte
/// segments of TPKT-framed data, acknowledged by the client.
fn single_flow(total: u64) -> Probe {
    let c = [192, 168, 1, 2];
    let s = [192, 168, 1, 3];
    let mut sent = 0u64;
    let mut k = 0u64;
    let mut frame = Vec::new();
    // A TPKT header announcing 1448 bytes, then filler: every segment is one PDU.
    let mut seg = vec![0x42u8; 1448];
    seg[..4].copy_from_slice(&[3, 0, 0x05, 0xa8]);
    let mut started = false;
    run(move |out| {
        let ts = 1_767_603_600_000_000 + k * 10;
        k += 1;
        if !started {
            started = true;
            for (j, t) in [
                tcp(c, s, 50000, 3389, 100, 0, SYN),
                tcp(s, c, 3389, 50000, 7000, 101, SYN | ACK),
                tcp(c, s, 50000, 3389, 101, 7001, ACK),
            ]
            .iter()
            .enumerate()
            {
                frame.clear();
                synth::tcp_frame(&mut frame, t, &[], false);
                synth::pcap_record(out, ts + j as u64, &frame);
            }
            return true;
        }
        if sent >= total {
            return false;
        }
        let seq = 7001u32.wrapping_add(sent as u32);
        frame.clear();
        synth::tcp_frame(
            &mut frame,
            &tcp(s, c, 3389, 50000, seq, 101, ACK | PSH),
            &seg,
            false,
        );
        synth::pcap_record(out, ts, &frame);
        sent += seg.len() as u64;
        frame.clear();
        let ack = 7001u32.wrapping_add(sent as u32);
        synth::tcp_frame(
            &mut frame,
            &tcp(c, s, 50000, 3389, 101, ack, ACK),
            &[],
            false,
        );
        synth::pcap_record(out, ts + 5, &frame);
        true
    })
}

fn assert_single_flow(total: u64) {
    let p = single_flow(total);
    assert_eq!(p.engine.flows.stats.tcp_connections, 1);
    assert_eq!(p.max_pending, 0);
    assert!(
        p.max_session_bytes <= 2 * (1 << 20) + (1 << 18),
        "{}",
        p.max_session_bytes
    );
    let rec = &p.engine.sessions.connections;
    assert_eq!(rec.len(), 1);
    assert!(rec[0].bytes[1] >= total, "{} < {total}", rec[0].bytes[1]);
}

#[test]
fn single_flow_64mb_stays_bounded() {
    assert_single_flow(64 << 20);
}

#[test]
#[ignore = "2 GB through one connection: run with --release --ignored"]
fn single_flow_2gb_stays_bounded() {
    assert_single_flow(2 << 30);
}

/// An RDP connection whose segments jump by huge sequence distances (and
/// wrap), each leaving a hole that never fills.
#[test]
fn giant_sequence_gaps_stay_bounded() {
    let c = [192, 168, 2, 2];
    let s = [192, 168, 2, 3];
    let mut rng = synth::Rng(99);
    let mut k = 0u64;
    let mut frame = Vec::new();
    let p = run(move |out| {
        if k >= 40_000 {
            return false;
        }
        let seq = if k == 0 { 1 } else { rng.next() as u32 };
        frame.clear();
        synth::tcp_frame(
            &mut frame,
            &tcp(c, s, 40000, 3389, seq, 1, ACK | PSH),
            &[7u8; 1000],
            false,
        );
        synth::pcap_record(out, 1_767_603_600_000_000 + k * 100, &frame);
        k += 1;
        true
    });
    let limit = rdpdiag::flow::reassembly::DEFAULT_PENDING_LIMIT;
    assert!(p.max_pending <= limit, "{}", p.max_pending);
    assert!(p.max_segments <= rdpdiag::flow::reassembly::MAX_PENDING_SEGMENTS);
    assert_eq!(p.engine.sessions.connections.len(), 1);
}

/// Overlapping-segment attack: a hole at the start, then millions of
/// 1-byte and overlapping segments ahead of it, retransmitted with
/// conflicting content. Held bytes and segments stay under the bounds.
#[test]
fn overlapping_segment_attack_stays_bounded() {
    let c = [192, 168, 3, 2];
    let s = [192, 168, 3, 3];
    let mut rng = synth::Rng(5);
    let mut k = 0u64;
    let mut frame = Vec::new();
    let mut started = false;
    let p = run(move |out| {
        let ts = 1_767_603_600_000_000 + k * 10;
        if !started {
            started = true;
            frame.clear();
            synth::tcp_frame(
                &mut frame,
                &tcp(c, s, 40001, 3389, 1000, 0, SYN),
                &[],
                false,
            );
            synth::pcap_record(out, ts, &frame);
            return true;
        }
        if k >= 200_000 {
            return false;
        }
        k += 1;
        // Offsets 2.. (byte 0 never arrives), lengths 1..=40, overlapping.
        let off = 2 + rng.below(3_000_000) as u32;
        let len = 1 + rng.below(40) as usize;
        let fill = [(k % 251) as u8; 40];
        frame.clear();
        synth::tcp_frame(
            &mut frame,
            &tcp(c, s, 40001, 3389, 1001 + off, 0, PSH),
            &fill[..len],
            false,
        );
        synth::pcap_record(out, ts, &frame);
        true
    });
    let limit = rdpdiag::flow::reassembly::DEFAULT_PENDING_LIMIT;
    assert!(p.max_pending <= limit, "{}", p.max_pending);
    assert!(p.max_segments <= rdpdiag::flow::reassembly::MAX_PENDING_SEGMENTS);
    assert!(p.max_session_bytes <= 2 * (1 << 20) + (1 << 18));
}

/// The finished-connection record is small: what 1M RDP connections would cost.
#[test]
fn connection_record_is_small() {
    let p = short_flows(2000, 2000);
    assert!(p.engine.sessions.connections.is_empty());
    let size = std::mem::size_of::<rdpdiag::session::ConnectionRecord>();
    assert!(size <= 4096, "ConnectionRecord is {size} bytes");
}

/// A scan of 3389: `n` one-SYN probes from `sources` scanners to distinct
/// hosts, 50 000 per second; every 4th refused by RST, every 8th (from the
/// 3rd) answered by SYN-ACK and reset by the scanner (masscan), the rest
/// unanswered. Before them a user (192.0.2.200) opens a real RDP connection
/// (payload), and halfway through that user's single SYN to another server
/// is refused: a retry, never folded.
fn scan_3389(n: u32, sources: u32, fold_after: u64) -> Probe {
    let mut cfg = EngineConfig::default();
    cfg.session.scan_fold_after = fold_after;
    let mut i = 0u32;
    let mut frame = Vec::new();
    let user = [192, 0, 2, 200];
    let t0 = 1_767_603_600_000_000u64;
    let mut push = move |out: &mut Vec<u8>, t: Tcp, len: usize, ts: u64| {
        frame.clear();
        synth::tcp_frame(&mut frame, &t, &[3u8; 32][..len], false);
        synth::pcap_record(out, ts, &frame);
    };
    run_with(cfg, move |out| {
        if i == 0 {
            let s = [10, 200, 0, 1];
            push(out, tcp(user, s, 50_000, 3389, 1, 0, SYN), 0, t0);
            push(out, tcp(s, user, 3389, 50_000, 9, 2, SYN | ACK), 0, t0 + 5);
            push(
                out,
                tcp(user, s, 50_000, 3389, 2, 10, ACK | PSH),
                19,
                t0 + 10,
            );
        }
        if i >= n {
            return false;
        }
        let ts = t0 + 100 + i as u64 * 20;
        if i == n / 2 {
            let s = [10, 200, 0, 2];
            push(out, tcp(user, s, 50_001, 3389, 1, 0, SYN), 0, ts);
            push(out, tcp(s, user, 3389, 50_001, 0, 2, RST | ACK), 0, ts + 1);
        }
        let j = i % sources;
        let c = [198, 51, (j >> 8) as u8, j as u8];
        let s = [10, 1 + (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let p = 1024 + (i % 60_000) as u16;
        push(out, tcp(c, s, p, 3389, 7, 0, SYN), 0, ts);
        if i % 4 == 1 {
            push(out, tcp(s, c, 3389, p, 0, 8, RST | ACK), 0, ts + 5);
        } else if i % 8 == 2 {
            push(out, tcp(s, c, 3389, p, 100, 8, SYN | ACK), 0, ts + 5);
            push(out, tcp(c, s, p, 3389, 8, 0, RST), 0, ts + 10);
        }
        i += 1;
        true
    })
}

fn assert_scan_folds(n: u32) {
    let p = scan_3389(n, 1024, 1000);
    let scan = &p.engine.sessions.scan;
    let kept = 1000u64;
    assert_eq!(
        scan.probes, n as u64,
        "the user's refused SYN is not a probe"
    );
    assert_eq!((scan.kept, scan.folded), (kept, n as u64 - kept));
    let rst = (0..n).filter(|i| i % 4 == 1).count() as u64;
    let syn_ack = (0..n).filter(|i| i % 8 == 2).count() as u64;
    assert_eq!(scan.answers.rst, rst);
    assert_eq!(scan.answers.syn_ack, syn_ack);
    assert_eq!(scan.answers.unanswered, n as u64 - rst - syn_ack);
    assert_eq!(scan.sources(), 1024);
    let distinct = (n as usize).min(rdpdiag::session::scan::DISTINCT_CAP);
    assert_eq!(scan.targets(), distinct);
    assert_eq!(scan.targets_capped, n as usize > distinct);
    assert!(!scan.sources_capped);
    assert_eq!(scan.ports.get(&3389), Some(&(n as u64)));
    let conns = &p.engine.sessions.connections;
    // The kept probes, the user's real connection and the user's refused retry.
    assert_eq!(conns.len() as u64, kept + 2, "records");
    let user: std::net::IpAddr = [192, 0, 2, 200].into();
    assert_eq!(conns.iter().filter(|c| c.client.ip() == user).count(), 2);
    assert_eq!(p.engine.flows.stats.rdp_connections, n as u64 + 2);
}

/// Scan probes beyond the threshold are counted, not kept as records; the
/// first ones and a real user's retry stay records.
#[test]
fn scan_probes_fold_into_one_summary() {
    assert_scan_folds(100_000);
}

#[test]
#[ignore = "1M probes: run with --release --ignored"]
fn scan_1m_probes_fold_into_one_summary() {
    assert_scan_folds(1_000_000);
}

/// Below the threshold every probe is an ordinary record, as before.
#[test]
fn few_probes_stay_records() {
    let p = scan_3389(600, 3, 1000);
    let scan = &p.engine.sessions.scan;
    assert_eq!((scan.probes, scan.kept, scan.folded), (600, 600, 0));
    assert_eq!(p.engine.sessions.connections.len(), 602);
}
