//! The pipeline fuzz harnesses (capture reader, flow engine, whole analyze),
//! shared by `fuzz/fuzz_targets/` and `tests/fuzz_regressions.rs`.
#![allow(dead_code)]

use rdpdiag::analysis::analyze_reader;
use rdpdiag::analysis::with_ports;
use rdpdiag::capture::{self, Frame, FrameSink, LinkType, Warning};
use rdpdiag::engine::{Engine, EngineConfig};
use rdpdiag::report;
use rdpdiag::wire::Ts;

#[derive(Default)]
struct Count {
    frames: u64,
    bytes: u64,
    warnings: u64,
}

impl FrameSink for Count {
    fn frame(&mut self, f: &Frame<'_>) {
        self.frames += 1;
        self.bytes += f.data.len() as u64;
        let _ = f.ts.rfc3339();
        let _ = f.link.name();
    }
    fn tls_secrets(&mut self, k: &[u8]) {
        self.bytes += k.len() as u64;
    }
    fn warning(&mut self, w: Warning) {
        self.warnings += 1;
        let _ = w.to_string();
    }
}

/// The capture file reader (pcap / pcapng / gzip) on arbitrary bytes.
pub fn capture_reader(data: &[u8]) {
    let raw: Box<dyn std::io::Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
    if let Ok((reader, gz)) = capture::open_reader(raw, "fuzz") {
        let mut sink = Count::default();
        if let Err(e) = capture::read_capture(reader, "fuzz", gz, &mut sink) {
            let _ = e.to_string();
        }
    }
}

const LINKS: [LinkType; 8] = [
    LinkType::ETHERNET,
    LinkType::RAW,
    LinkType::LINUX_SLL,
    LinkType::LINUX_SLL2,
    LinkType::NULL,
    LinkType::LOOP,
    LinkType::IPV4,
    LinkType::IPV6,
];

/// The packet decoder and TCP/UDP flow engine (reassembly, health, sessions)
/// fed frames directly, without a capture file around them.
///
/// Input format (what `fuzz/seeds.py` writes): one byte selecting the
/// link type, then frames as `[u16 le length][u16 le time step in ms][bytes]`.
pub fn flow_engine(data: &[u8]) {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let link = LINKS[sel as usize % LINKS.len()];
    let mut engine = Engine::new(EngineConfig::default());
    let mut number = 0u64;
    let mut ms = 1_700_000_000_000i64;
    while rest.len() >= 4 {
        let len = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let step = u16::from_le_bytes([rest[2], rest[3]]) as i64;
        rest = &rest[4..];
        let take = len.min(rest.len());
        let (frame, tail) = rest.split_at(take);
        rest = tail;
        number += 1;
        ms += step;
        engine.frame(&Frame {
            number,
            ts: Ts::from_parts(ms / 1000, (ms % 1000) * 1_000_000),
            link,
            interface: 0,
            data: frame,
            orig_len: frame.len() as u32,
        });
    }
    let _ = engine.finish();
    let connections = std::mem::take(&mut engine.sessions.connections);
    let udp = std::mem::take(&mut engine.sessions.udp);
    let kdc = std::mem::take(&mut engine.sessions.kdc);
    let attempts = rdpdiag::rules::diagnose(&connections, &udp, &kdc, &Default::default());
    let _ = format!("{attempts:?}");
}

/// The whole analyze pipeline on an in-memory capture: bytes -> capture
/// reader -> flows -> sessions -> attempts/findings -> text and JSON reports.
pub fn analyze(data: &[u8]) {
    let cfg = with_ports(&[3390]);
    let raw: Box<dyn std::io::Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
    match analyze_reader("fuzz.pcap", raw, &cfg) {
        Ok(r) => {
            let _ = report::text::render(&r, true, false);
            let files = [r];
            let doc = report::Document::new(&files);
            let _ = serde_json::to_string(&doc).map(|s| s.len());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
