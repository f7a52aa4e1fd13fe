//! Hot-path benchmarks: each stage of the pipeline over the same capture,
//! stage by stage, so the cost of every layer is the difference between two
//! lines. A plain harness (best of N wall-clock runs) instead of criterion,
//! whose dependency tree would be built by every `cargo test` on the shared
//! 2-core CI.
//!
//! ```text
//! cargo bench --bench hot                     # a 200 MB generated capture
//! cargo bench --bench hot -- FILE.pcap [RUNS] # any capture (read into memory first)
//! HOT_ONLY=flow cargo bench --bench hot       # only the stages whose name contains `flow`
//! ```

#[path = "support/synth.rs"]
mod synth;

use rdpdiag::capture::{self, Frame, FrameSink, Warning};
use rdpdiag::engine::{Engine, EngineConfig};
use rdpdiag::flow::{Delivery, FlowConfig, FlowSink, FlowTable, TcpConn, UdpFlow};
use rdpdiag::net;
use rdpdiag::wire::{Dir, FrameRef};
use std::io::{BufReader, Cursor};
use std::sync::Arc;
use std::time::Instant;

/// Stage 1: pcap reading only.
#[derive(Default)]
struct Count(u64);
impl FrameSink for Count {
    fn frame(&mut self, f: &Frame<'_>) {
        self.0 += f.data.len() as u64;
    }
    fn warning(&mut self, _w: Warning) {}
}

/// Stage 2: + link/IP/TCP decoding.
#[derive(Default)]
struct Decode(u64);
impl FrameSink for Decode {
    fn frame(&mut self, f: &Frame<'_>) {
        if let Ok(p) = net::decode(f) {
            self.0 += p.frame;
        }
    }
    fn warning(&mut self, _w: Warning) {}
}

/// Stage 3: + flow table and reassembly, bytes delivered to a null sink.
struct Flows(FlowTable, NullSink);
#[derive(Default)]
struct NullSink(u64);
impl FlowSink for NullSink {
    fn tcp_data(&mut self, _c: &TcpConn, _d: Dir, dl: Delivery<'_>) {
        if let Delivery::Data { data, .. } = dl {
            self.0 += data.len() as u64;
        }
    }
    fn tcp_closed(&mut self, _c: Box<TcpConn>) {}
    fn udp(&mut self, _f: &UdpFlow, _d: Dir, _fr: FrameRef, _p: &[u8]) {}
    fn udp_closed(&mut self, _f: UdpFlow) {}
}
impl FrameSink for Flows {
    fn frame(&mut self, f: &Frame<'_>) {
        match net::decode(f) {
            Ok(p) => self.0.process(&p, &mut self.1),
            Err(s) => self.0.count_skip(s),
        }
    }
    fn warning(&mut self, _w: Warning) {}
}

fn read(data: &Arc<[u8]>, sink: &mut dyn FrameSink) {
    let r = Box::new(BufReader::with_capacity(
        256 * 1024,
        Cursor::new(data.clone()),
    ));
    let _ = capture::read_capture(r, "bench", false, sink);
}

fn bench(name: &str, runs: usize, bytes: usize, mut f: impl FnMut()) {
    if let Ok(only) = std::env::var("HOT_ONLY") {
        if !name.contains(&only) {
            return;
        }
    }
    let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
    for _ in 0..runs {
        let t = Instant::now();
        let c = cpu_time();
        f();
        best = best.min(t.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu_time() - c);
    }
    println!(
        "{name:<34} wall {:>7.3} s  cpu {:>7.3} s {:>7.0} MB/s (cpu)",
        best,
        best_cpu,
        bytes as f64 / best_cpu / 1e6
    );
}

/// CPU time of this thread in seconds (Linux schedstat: immune to other
/// processes competing for the cores, unlike wall time); wall time elsewhere.
fn cpu_time() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or_else(
            || START.with(|t| t.elapsed().as_secs_f64()),
            |ns| ns as f64 / 1e9,
        )
}

thread_local! {
    static START: Instant = Instant::now();
}

/// A generated mixed capture (synthetic; the real-capture mix is gencap's job).
fn generated(mb: usize) -> Vec<u8> {
    let mut out = synth::pcap_header().to_vec();
    let mut rng = synth::Rng(7);
    let pool: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
    let mut frame = Vec::new();
    let mut flow = 0u32;
    let mut ts = 1_767_603_600_000_000u64;
    while out.len() < mb << 20 {
        flow += 1;
        let c = [10, 1, (flow >> 8) as u8, flow as u8];
        let s = [10, 2, 0, 1];
        let port = if flow % 5 == 0 { 3389 } else { 443 };
        let (mut cs, mut ss) = (1000u32, 5000u32);
        let t = |src, dst, sport, dport, seq, ack, flags| synth::Tcp {
            src,
            dst,
            sport,
            dport,
            seq,
            ack,
            flags,
            window: 65535,
        };
        let cp = 1024 + (flow % 60000) as u16;
        let mut emit = |frame: &mut Vec<u8>, out: &mut Vec<u8>| {
            ts += 20;
            synth::pcap_record(out, ts, frame);
            frame.clear();
        };
        synth::tcp_frame(
            &mut frame,
            &t(c, s, cp, port, cs, 0, synth::SYN),
            &[],
            false,
        );
        emit(&mut frame, &mut out);
        synth::tcp_frame(
            &mut frame,
            &t(s, c, port, cp, ss, cs + 1, synth::SYN | synth::ACK),
            &[],
            false,
        );
        emit(&mut frame, &mut out);
        cs += 1;
        ss += 1;
        for _ in 0..200 {
            synth::tcp_frame(
                &mut frame,
                &t(s, c, port, cp, ss, cs, synth::ACK),
                &pool[..1400],
                false,
            );
            emit(&mut frame, &mut out);
            ss += 1400;
            synth::tcp_frame(
                &mut frame,
                &t(c, s, cp, port, cs, ss, synth::ACK),
                &[],
                false,
            );
            emit(&mut frame, &mut out);
        }
        synth::tcp_frame(
            &mut frame,
            &t(c, s, cp, port, cs, ss, synth::RST),
            &[],
            false,
        );
        emit(&mut frame, &mut out);
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (data, runs) = match args.first() {
        Some(p) => (
            std::fs::read(p).expect("read the capture"),
            args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3),
        ),
        None => (generated(200), 3),
    };
    let data: Arc<[u8]> = data.into();
    let n = data.len();
    println!("{} MB, best of {runs} runs", n >> 20);
    let mut copy = vec![0u8; n];
    bench("copy (memcpy of the input)", runs, n, || {
        copy.copy_from_slice(&data);
        std::hint::black_box(&copy);
    });
    bench("pcap reading", runs, n, || {
        read(&data, &mut Count::default())
    });
    bench("+ net decode", runs, n, || {
        read(&data, &mut Decode::default())
    });
    bench("+ flow table and reassembly", runs, n, || {
        read(
            &data,
            &mut Flows(FlowTable::new(FlowConfig::default()), NullSink::default()),
        )
    });
    bench("+ session parsing (engine)", runs, n, || {
        let mut e = Engine::new(EngineConfig::default());
        read(&data, &mut e);
        e.finish();
    });
    bench("+ diagnose (whole analyze_file)", runs, n, || {
        let mut e = Engine::new(EngineConfig::default());
        read(&data, &mut e);
        e.finish();
        let _ = rdpdiag::rules::diagnose(
            &e.sessions.connections,
            &e.sessions.udp,
            &e.sessions.kdc,
            &Default::default(),
        );
    });
}
