//! The live view with 10 000 connections: a snapshot (diagnose of every
//! attempt) and a frame render stay fast enough for the UI.
//!
//! The capture is built from the 10 frames of the real
//! captures/hybrid_required_by_server.pcap, repeated 10 000 times with the
//! client's IPv4 address changed (10.X.Y.2) and time shifted by 1 ms each:
//! 10 000 distinct failed attempts.

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rdpdiag::analysis::AnalysisConfig;
use rdpdiag::capture::{Frame, FrameSink, Warning};
use rdpdiag::tui::model::Tracker;
use rdpdiag::tui::view::{render, UiState};
use std::time::Instant;

struct Collect(Vec<(i64, Vec<u8>)>);
impl FrameSink for Collect {
    fn frame(&mut self, f: &Frame<'_>) {
        self.0.push((f.ts.0, f.data.to_vec()));
    }
    fn warning(&mut self, _w: Warning) {}
}

const N: u32 = 10_000;

#[test]
fn ten_thousand_connections_stay_responsive() {
    let path = format!(
        "{}/captures/hybrid_required_by_server.pcap",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut c = Collect(Vec::new());
    let (r, gz) = rdpdiag::capture::open_path(&path).unwrap();
    rdpdiag::capture::read_capture(r, &path, gz, &mut c).unwrap();
    assert_eq!(c.0.len(), 10);
    let client = [10u8, 203, 0, 2];
    let cfg = AnalysisConfig::default();
    let mut t = Tracker::new(&cfg, false);
    let mut number = 0;
    let feed = Instant::now();
    for i in 0..N {
        let ip = [10u8, (i >> 8) as u8 + 1, i as u8, 2];
        for (ts, data) in &c.0 {
            let mut d = data.clone();
            // Ethernet + IPv4: source at 26..30, destination at 30..34.
            for off in [26, 30] {
                if d[off..off + 4] == client {
                    d[off..off + 4].copy_from_slice(&ip);
                }
            }
            number += 1;
            t.frame(&Frame {
                number,
                ts: rdpdiag::wire::Ts(ts + i as i64 * 1_000_000),
                link: rdpdiag::capture::LinkType::ETHERNET,
                interface: 0,
                data: &d,
                orig_len: d.len() as u32,
            });
        }
    }
    let feed = feed.elapsed();
    let s0 = Instant::now();
    let snap = t.snapshot();
    let first = s0.elapsed();
    let s1 = Instant::now();
    let snap2 = t.snapshot();
    let second = s1.elapsed();
    assert_eq!(snap.attempts.len(), N as usize);
    assert_eq!(snap2.attempts.len(), N as usize);
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let ui = UiState {
        selected: 5000,
        ..Default::default()
    };
    let r0 = Instant::now();
    for _ in 0..10 {
        term.draw(|f| render(f, &snap2, &ui)).unwrap();
    }
    let render10 = r0.elapsed();
    eprintln!(
        "{N} connections: feed {feed:?}, snapshot {first:?} then {second:?}, 10 renders {render10:?}"
    );
    // Debug build on a shared 2-core machine: generous bounds. The worker
    // spaces snapshots by 4x their cost, and the UI renders independently.
    assert!(render10.as_millis() < 2000, "render too slow: {render10:?}");
    assert!(second.as_secs() < 10, "snapshot too slow: {second:?}");
}
