//! Builds a large benchmark capture: the real captures of `captures/` and
//! `../shared/captures` replayed many times with shifted addresses and
//! timestamps, interleaved with synthetic non-RDP traffic (bulk TCP
//! transfers, short HTTP-like connections, DNS). Streams to disk; memory is
//! the source captures plus a few buffers.
//!
//! ```text
//! cargo run --release --example gencap -- OUT.pcap [--size-mb 1100] [--rdp-share 0.25] [--slow N] [DIR...]
//! cargo run --release --example gencap -- OUT.pcap --scan 1000000 [--port 3389]
//! cargo run --release --example gencap -- OUT.pcap --open 1000000 [--port 443]
//! ```
//! `--scan` and `--open` write only the stress traffic of `stressgen.rs`.
//! `--slow N` spaces the synthetic traffic N times wider (capture time runs
//! at ~12/N MB/s; replays keep their own timing): a file that spans minutes
//! instead of seconds, as a real one does, for the streaming analysis.
//! Used by `benches/compare.sh`; not part of the test suite.

#[path = "stressgen.rs"]
mod stressgen;
#[path = "synth.rs"]
mod synth;

use rdpdiag::capture::{self, Frame, FrameSink, LinkType, Warning};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use synth::{Rng, Tcp, ACK, FIN, PSH, SYN};

/// One real capture, as Ethernet frames with times relative to its start (µs).
struct Source {
    name: String,
    frames: Vec<(u64, Vec<u8>)>,
    bytes: u64,
}

#[derive(Default)]
struct Collect {
    frames: Vec<(i64, Vec<u8>)>,
}

impl FrameSink for Collect {
    fn frame(&mut self, f: &Frame<'_>) {
        if let Some(eth) = to_ethernet(f.link, f.data) {
            self.frames.push((f.ts.0 / 1000, eth));
        }
    }
    fn warning(&mut self, _w: Warning) {}
}

/// Re-frame any supported link type as Ethernet.
fn to_ethernet(link: LinkType, d: &[u8]) -> Option<Vec<u8>> {
    let wrap = |ethertype: u16, ip: &[u8]| {
        let mut v = vec![0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01];
        v.extend_from_slice(&ethertype.to_be_bytes());
        v.extend_from_slice(ip);
        v
    };
    let by_version = |ip: &[u8]| match ip.first().map(|b| b >> 4) {
        Some(4) => Some(wrap(0x0800, ip)),
        Some(6) => Some(wrap(0x86dd, ip)),
        _ => None,
    };
    match link {
        LinkType::ETHERNET => Some(d.to_vec()),
        LinkType::RAW | LinkType::IPV4 | LinkType::IPV6 | LinkType(12) | LinkType(14) => {
            by_version(d)
        }
        LinkType::NULL | LinkType::LOOP => by_version(d.get(4..)?),
        LinkType::LINUX_SLL => Some(wrap(u16::from_be_bytes([d[14], d[15]]), d.get(16..)?)),
        LinkType::LINUX_SLL2 => Some(wrap(u16::from_be_bytes([d[0], d[1]]), d.get(20..)?)),
        _ => None,
    }
}

fn find_captures(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            find_captures(&p, out);
        } else if let Some(n) = p.file_name().and_then(|n| n.to_str()) {
            if n.ends_with(".pcap") || n.ends_with(".pcapng") {
                out.push(p);
            }
        }
    }
}

fn load(path: &Path) -> Option<Source> {
    let name = path.display().to_string();
    let (r, gz) = capture::open_path(&name).ok()?;
    let mut c = Collect::default();
    capture::read_capture(r, &name, gz, &mut c).ok()?;
    let t0 = c.frames.iter().map(|f| f.0).min()?;
    let mut frames: Vec<(u64, Vec<u8>)> = c
        .frames
        .into_iter()
        .map(|(t, d)| ((t - t0).max(0) as u64, d))
        .collect();
    frames.sort_by_key(|f| f.0);
    // Compress long captures (idle minutes) to at most MAX_REPLAY_US, so the
    // replicas overlap like the sessions of a busy link instead of all
    // staying open to the end of the file.
    let dur = frames.last().map_or(0, |f| f.0);
    if dur > MAX_REPLAY_US {
        for f in &mut frames {
            f.0 = (f.0 as u128 * MAX_REPLAY_US as u128 / dur as u128) as u64;
        }
    }
    let bytes = frames.iter().map(|f| f.1.len() as u64 + 16).sum();
    Some(Source {
        name,
        frames,
        bytes,
    })
}

/// Shift the IP addresses of a replayed frame so replica `r` is a distinct flow.
fn shift_addresses(f: &mut [u8], r: u32) {
    let mut off = 12;
    let mut et = u16::from_be_bytes([f[12], f[13]]);
    while et == 0x8100 || et == 0x88a8 {
        off += 4;
        if f.len() < off + 2 {
            return;
        }
        et = u16::from_be_bytes([f[off], f[off + 1]]);
    }
    let ip = off + 2;
    let [_, b1, b2, b3] = r.to_be_bytes();
    match et {
        0x0800 if f.len() >= ip + 20 => {
            for a in [ip + 12, ip + 16] {
                f[a + 1] ^= b1;
                f[a + 2] ^= b2;
                f[a + 3] ^= b3;
            }
            synth::fix_ipv4_checksum(&mut f[ip..]);
        }
        0x86dd if f.len() >= ip + 40 => {
            for a in [ip + 8, ip + 24] {
                f[a + 13] ^= b1;
                f[a + 14] ^= b2;
                f[a + 15] ^= b3;
            }
        }
        _ => {}
    }
}

enum Lane {
    /// A real capture replayed from `t0` as replica `r`.
    Replay {
        src: usize,
        pos: usize,
        t0: u64,
        r: u32,
    },
    /// A bulk TCP download (SMB/HTTPS-like) of `segments` full-size segments.
    Bulk {
        flow: u32,
        i: u64,
        segments: u64,
        t: u64,
    },
    /// Short request/response connections and DNS lookups, one after another.
    Short { flow: u32, i: u32, t: u64 },
}

struct Gen {
    sources: Vec<Source>,
    lanes: Vec<Lane>,
    heap: BinaryHeap<Reverse<(u64, usize)>>,
    rng: Rng,
    pool: Vec<u8>,
    next_flow: u32,
    next_replica: u32,
    next_source: usize,
    frame: Vec<u8>,
    /// Synthetic gaps are multiplied by this (`--slow`).
    slow: u64,
}

/// Per-lane packet spacing: 8 bulk lanes give ~12 MB/s of capture time.
const BULK_GAP_US: u64 = 1000;
const SHORT_GAP_US: u64 = 3000;
/// Longest replay of one real capture.
const MAX_REPLAY_US: u64 = 5_000_000;

impl Gen {
    fn lane_ts(&self, l: &Lane) -> Option<u64> {
        match l {
            Lane::Replay { src, pos, t0, .. } => {
                self.sources[*src].frames.get(*pos).map(|f| t0 + f.0)
            }
            Lane::Bulk { t, .. } | Lane::Short { t, .. } => Some(*t),
        }
    }

    fn push_lane(&mut self, l: Lane) {
        let ts = self.lane_ts(&l);
        self.lanes.push(l);
        if let Some(ts) = ts {
            self.heap.push(Reverse((ts, self.lanes.len() - 1)));
        }
    }

    fn spawn_replay(&mut self, now: u64) {
        let src = self.next_source % self.sources.len();
        self.next_source += 1;
        self.next_replica += 1;
        let r = self.next_replica;
        // Reuse a finished replay lane slot rather than growing the lane list.
        let ts = now + self.sources[src].frames.first().map_or(0, |f| f.0);
        let idx = self.lanes.iter().position(
            |l| matches!(l, Lane::Replay { src, pos, .. } if *pos >= self.sources[*src].frames.len()),
        );
        let lane = Lane::Replay {
            src,
            pos: 0,
            t0: now,
            r,
        };
        match idx {
            Some(i) => {
                self.lanes[i] = lane;
                self.heap.push(Reverse((ts, i)));
            }
            None => self.push_lane(lane),
        }
    }

    fn flow_addrs(flow: u32) -> ([u8; 4], [u8; 4], u16) {
        let c = [
            10,
            64 + (flow >> 16 & 0x3f) as u8,
            (flow >> 8) as u8,
            flow as u8,
        ];
        let s = [172, 16, (flow % 7) as u8, 10 + (flow % 13) as u8];
        let port = 1024 + (flow % 60000) as u16;
        (c, s, port)
    }

    /// Produce the lane's next frame into `self.frame`; return its length in
    /// bytes (0 when the lane is finished) and advance the lane.
    fn step(&mut self, idx: usize, now: u64) -> bool {
        self.frame.clear();
        let pool_off = self.rng.below((self.pool.len() - 1500) as u64) as usize;
        let mut restart = None;
        match &mut self.lanes[idx] {
            Lane::Replay { src, pos, r, .. } => {
                let Some(f) = self.sources[*src].frames.get(*pos) else {
                    return false;
                };
                self.frame.extend_from_slice(&f.1);
                shift_addresses(&mut self.frame, *r);
                *pos += 1;
            }
            Lane::Bulk {
                flow,
                i,
                segments,
                t,
            } => {
                let payload = &self.pool[pool_off..pool_off + 1448];
                if bulk_frame(&mut self.frame, payload, *flow, *i, *segments) {
                    restart = Some(true);
                }
                *i += 1;
                *t = now + BULK_GAP_US * self.slow;
            }
            Lane::Short { flow, i, t } => {
                let pool = &self.pool[pool_off..pool_off + 1200];
                if short_frame(&mut self.frame, pool, *flow, *i) {
                    restart = Some(false);
                }
                *i += 1;
                *t = now + SHORT_GAP_US * self.slow;
            }
        }
        if let Some(bulk) = restart {
            self.next_flow += 1;
            let flow = self.next_flow;
            let t = now + self.slow * if bulk { BULK_GAP_US } else { SHORT_GAP_US };
            self.lanes[idx] = if bulk {
                let segments = 500 + self.rng.below(20_000);
                Lane::Bulk {
                    flow,
                    i: 0,
                    segments,
                    t,
                }
            } else {
                Lane::Short { flow, i: 0, t }
            };
        }
        true
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let mut size_mb: u64 = 1100;
    let mut share = 0.25f64;
    let mut dirs = Vec::new();
    let (mut scan, mut open, mut port) = (None, None, None);
    let mut slow = 1u64;
    while let Some(a) = args.next() {
        let mut num = || args.next().and_then(|s| s.parse::<u32>().ok());
        match a.as_str() {
            "--scan" => scan = num(),
            "--open" => open = num(),
            "--port" => port = num().and_then(|p| u16::try_from(p).ok()),
            "--size-mb" => size_mb = args.next().and_then(|s| s.parse().ok()).unwrap_or(size_mb),
            "--slow" => slow = num().map_or(1, |n| u64::from(n).max(1)),
            "--rdp-share" => share = args.next().and_then(|s| s.parse().ok()).unwrap_or(share),
            _ if out.is_none() => out = Some(a),
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    let Some(out) = out else {
        eprintln!("usage: gencap OUT.pcap [--size-mb N] [--rdp-share F] [--slow N] [DIR...] | --scan N | --open N [--port P]");
        std::process::exit(2);
    };
    if scan.is_some() || open.is_some() {
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&out)?);
        w.write_all(&synth::pcap_header())?;
        let total = match (scan, open) {
            (Some(n), _) => stressgen::scan(&mut w, n, port.unwrap_or(3389))?,
            (_, Some(n)) => stressgen::open_flows(&mut w, n, port.unwrap_or(443))?,
            _ => 0,
        };
        w.flush()?;
        eprintln!(
            "gencap: wrote {out}: {} MB of stress traffic",
            total / 1_000_000
        );
        return Ok(());
    }
    if dirs.is_empty() {
        dirs = vec!["captures".into(), "../shared/captures".into()];
    }
    let mut paths = Vec::new();
    for d in &dirs {
        find_captures(d, &mut paths);
    }
    let sources: Vec<Source> = paths
        .iter()
        .filter_map(|p| load(p))
        .filter(|s| !s.frames.is_empty())
        .collect();
    if sources.is_empty() {
        eprintln!("gencap: no captures found under {dirs:?}");
        std::process::exit(2);
    }
    eprintln!(
        "gencap: {} source captures, {} KiB: {}",
        sources.len(),
        sources.iter().map(|s| s.bytes).sum::<u64>() / 1024,
        sources
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let pool: Vec<u8> = (0..65536).map(|_| rng.next() as u8).collect();
    let mut g = Gen {
        sources,
        lanes: Vec::new(),
        heap: BinaryHeap::new(),
        rng,
        pool,
        next_flow: 0,
        next_replica: 0,
        next_source: 0,
        frame: Vec::with_capacity(70_000),
        slow,
    };
    // Start on 2026-01-05 09:00:00 UTC.
    let start = 1_767_603_600_000_000u64;
    for k in 0..8u64 {
        g.next_flow += 1;
        let segments = 500 + g.rng.below(20_000);
        g.push_lane(Lane::Bulk {
            flow: g.next_flow,
            i: 0,
            segments,
            t: start + k * 13,
        });
    }
    for k in 0..16u64 {
        g.next_flow += 1;
        g.push_lane(Lane::Short {
            flow: g.next_flow,
            i: 0,
            t: start + k * 17,
        });
    }
    let file = std::fs::File::create(&out)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(&synth::pcap_header())?;
    let limit = size_mb * 1_000_000;
    let (mut total, mut replay_bytes, mut frames) = (24u64, 0u64, 0u64);
    let mut rec = Vec::with_capacity(70_000);
    while total < limit {
        let Some(Reverse((ts, idx))) = g.heap.pop() else {
            break;
        };
        if (replay_bytes as f64) < share * total as f64 {
            g.spawn_replay(ts);
        }
        let is_replay = matches!(g.lanes[idx], Lane::Replay { .. });
        if !g.step(idx, ts) {
            continue;
        }
        rec.clear();
        synth::pcap_record(&mut rec, ts, &g.frame);
        w.write_all(&rec)?;
        total += rec.len() as u64;
        frames += 1;
        if is_replay {
            replay_bytes += rec.len() as u64;
        }
        if let Some(next) = g.lane_ts(&g.lanes[idx]) {
            g.heap.push(Reverse((next.max(ts), idx)));
        }
    }
    w.flush()?;
    eprintln!(
        "gencap: wrote {out}: {} MB, {frames} frames, {} replayed real captures ({:.0}% of bytes), {} synthetic non-RDP flows",
        total / 1_000_000,
        g.next_replica,
        100.0 * replay_bytes as f64 / total as f64,
        g.next_flow
    );
    Ok(())
}

/// The `i`-th frame of a bulk transfer (handshake, data, ACKs, FINs) of `flow`;
/// true when it was the last one.
fn bulk_frame(frame: &mut Vec<u8>, payload: &[u8], flow: u32, i: u64, segments: u64) -> bool {
    let (c, s, port) = Gen::flow_addrs(flow);
    let sport = if flow % 2 == 0 { 445 } else { 443 };
    let (cisn, sisn) = (flow.wrapping_mul(7919), flow.wrapping_mul(104_729));
    let data_seq = |k: u64| sisn.wrapping_add(1 + (k * 1448) as u32);
    let cli = |seq, ack, flags| Tcp {
        src: c,
        dst: s,
        sport: port,
        dport: sport,
        seq,
        ack,
        flags,
        window: 65535,
    };
    let srv = |seq, ack, flags| Tcp {
        src: s,
        dst: c,
        sport,
        dport: port,
        seq,
        ack,
        flags,
        window: 65535,
    };
    let n = i;
    let last = segments + segments / 2 + 3;
    match n {
        0 => synth::tcp_frame(frame, &cli(cisn, 0, SYN), &[], false),
        1 => synth::tcp_frame(frame, &srv(sisn, cisn + 1, SYN | ACK), &[], false),
        2 => synth::tcp_frame(frame, &cli(cisn + 1, sisn + 1, ACK), &[], false),
        n if n < last => {
            // Two data segments, then an ACK from the client.
            let k = n - 3;
            let seg = k / 3 * 2 + k % 3;
            if k % 3 == 2 {
                synth::tcp_frame(frame, &cli(cisn + 1, data_seq(seg), ACK), &[], false);
            } else {
                synth::tcp_frame(
                    frame,
                    &srv(data_seq(seg), cisn + 1, ACK | PSH),
                    payload,
                    false,
                );
            }
        }
        n if n == last => synth::tcp_frame(
            frame,
            &srv(data_seq(segments), cisn + 1, FIN | ACK),
            &[],
            false,
        ),
        n if n == last + 1 => synth::tcp_frame(
            frame,
            &cli(cisn + 1, data_seq(segments) + 1, FIN | ACK),
            &[],
            false,
        ),
        _ => {
            synth::tcp_frame(
                frame,
                &srv(data_seq(segments) + 1, cisn + 2, ACK),
                &[],
                false,
            );
            return true;
        }
    }
    false
}

/// The `i`-th frame of a short exchange of `flow` (a DNS lookup, or a small
/// HTTP request/response); true when it was the last one.
fn short_frame(frame: &mut Vec<u8>, pool: &[u8], flow: u32, i: u32) -> bool {
    let (c, s, port) = Gen::flow_addrs(flow);
    if flow % 4 == 0 {
        // A DNS lookup: query and answer.
        let q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01";
        if i == 0 {
            synth::udp_frame(frame, c, [10, 0, 0, 53], port, 53, q);
        } else {
            let mut a = q.to_vec();
            a[2] = 0x81;
            a[3] = 0x80;
            a[7] = 1;
            a.extend_from_slice(
                b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x5d\xb8\xd8\x22",
            );
            synth::udp_frame(frame, [10, 0, 0, 53], c, 53, port, &a);
            return true;
        }
    } else {
        let (cisn, sisn) = (flow.wrapping_mul(31), flow.wrapping_mul(17));
        let cli = |seq, ack, flags| Tcp {
            src: c,
            dst: s,
            sport: port,
            dport: 80,
            seq,
            ack,
            flags,
            window: 64240,
        };
        let srv = |seq, ack, flags| Tcp {
            src: s,
            dst: c,
            sport: 80,
            dport: port,
            seq,
            ack,
            flags,
            window: 64240,
        };
        let req = &pool[..300];
        let resp = &pool[..1200];
        let f = frame;
        match i {
            0 => synth::tcp_frame(f, &cli(cisn, 0, SYN), &[], false),
            1 => synth::tcp_frame(f, &srv(sisn, cisn + 1, SYN | ACK), &[], false),
            2 => synth::tcp_frame(f, &cli(cisn + 1, sisn + 1, ACK), &[], false),
            3 => synth::tcp_frame(f, &cli(cisn + 1, sisn + 1, ACK | PSH), req, false),
            4 => synth::tcp_frame(f, &srv(sisn + 1, cisn + 301, ACK), resp, false),
            5 => synth::tcp_frame(f, &srv(sisn + 1201, cisn + 301, ACK | PSH), resp, false),
            6 => synth::tcp_frame(f, &cli(cisn + 301, sisn + 2401, ACK | FIN), &[], false),
            7 => synth::tcp_frame(f, &srv(sisn + 2401, cisn + 302, ACK | FIN), &[], false),
            _ => {
                synth::tcp_frame(f, &cli(cisn + 302, sisn + 2402, ACK), &[], false);
                return true;
            }
        }
    }
    false
}
