//! Stress captures for `benches/compare.sh`, written by `gencap --scan N` and
//! `gencap --open N`: pure synthetic traffic no real capture has at this
//! scale, to measure what many flows cost (peak RSS), not throughput.

use crate::synth::{self, Tcp, ACK, PSH, SYN};
use std::io::{self, Write};

/// Capture time of the first packet: 2026-01-05 09:00:00 UTC (µs).
const START_US: u64 = 1_767_603_600_000_000;

fn addr(i: u32, net: u8) -> [u8; 4] {
    [net, (i >> 16) as u8, (i >> 8) as u8, i as u8]
}

/// A port scan: `n` SYNs from one scanner to `n` different hosts on `port`,
/// 50 000 per second, none answered (what masscan against 3389 looks like).
pub fn scan(w: &mut impl Write, n: u32, port: u16) -> io::Result<u64> {
    let (mut frame, mut rec) = (Vec::with_capacity(128), Vec::with_capacity(160));
    let mut total = 0u64;
    for i in 0..n {
        let t = Tcp {
            src: [192, 0, 2, 7],
            dst: addr(i, 10),
            sport: 40_000 + (i % 20_000) as u16,
            dport: port,
            seq: 0x1000_0000 ^ i,
            ack: 0,
            flags: SYN,
            window: 1024,
        };
        frame.clear();
        synth::tcp_frame(&mut frame, &t, &[], false);
        rec.clear();
        synth::pcap_record(&mut rec, START_US + i as u64 * 20, &frame);
        w.write_all(&rec)?;
        total += rec.len() as u64;
    }
    Ok(total)
}

/// `n` connections on `port` whose client sends a request after the
/// handshake and that then stay open (no answer, no FIN or RST), 10 000 new
/// ones per second: every one is live until the end of the capture. Three
/// small packets each keep a million of them under 250 MB of file.
pub fn open_flows(w: &mut impl Write, n: u32, port: u16) -> io::Result<u64> {
    let (mut frame, mut rec) = (Vec::with_capacity(128), Vec::with_capacity(160));
    let payload = [b'x'; 16];
    let mut total = 0u64;
    for i in 0..n {
        let c = addr(i, 10);
        let s = [10, 200, 0, (i % 200) as u8 + 1];
        let p = 1024 + (i % 60_000) as u16;
        let ts = START_US + i as u64 * 100;
        let seg = |src, dst, sport, dport, seq, ack, flags| Tcp {
            src,
            dst,
            sport,
            dport,
            seq,
            ack,
            flags,
            window: 65535,
        };
        let pkts = [
            (seg(c, s, p, port, 1, 0, SYN), 0),
            (seg(s, c, port, p, 9, 2, SYN | ACK), 0),
            (seg(c, s, p, port, 2, 10, ACK | PSH), 16),
        ];
        for (k, (t, len)) in pkts.iter().enumerate() {
            frame.clear();
            synth::tcp_frame(&mut frame, t, &payload[..*len], false);
            rec.clear();
            synth::pcap_record(&mut rec, ts + k as u64 * 10, &frame);
            w.write_all(&rec)?;
            total += rec.len() as u64;
        }
    }
    Ok(total)
}
