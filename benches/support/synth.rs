//! Synthetic packet building shared by the capture generator
//! (`examples/gencap`), the hot-path benches and the stress tests.
//!
//! Hand-made bytes, on purpose: these build traffic no real capture can
//! show at the needed scale (millions of flows, multi-GB streams, sequence
//! gaps and overlap attacks) and the non-RDP background of the benchmark
//! file. The RDP content of the benchmark comes from real captures.
#![allow(dead_code)]

use std::io::{self, Read, Write};

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// The 24-byte pcap file header: little endian, microseconds, Ethernet.
pub fn pcap_header() -> [u8; 24] {
    let mut h = [0u8; 24];
    h[0..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    h[4..6].copy_from_slice(&2u16.to_le_bytes());
    h[6..8].copy_from_slice(&4u16.to_le_bytes());
    h[16..20].copy_from_slice(&262_144u32.to_le_bytes());
    h[20..24].copy_from_slice(&1u32.to_le_bytes());
    h
}

/// Append one pcap record (header + frame) for a frame at `ts_us` microseconds.
pub fn pcap_record(out: &mut Vec<u8>, ts_us: u64, frame: &[u8]) {
    out.extend_from_slice(&((ts_us / 1_000_000) as u32).to_le_bytes());
    out.extend_from_slice(&((ts_us % 1_000_000) as u32).to_le_bytes());
    out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    out.extend_from_slice(frame);
}

fn csum_add(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u16::from_be_bytes([c[0], c[1]]) as u32;
    }
    if let [b] = chunks.remainder() {
        sum += (*b as u32) << 8;
    }
    sum
}

fn csum_fold(mut sum: u32) -> u16 {
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Recompute the IPv4 header checksum of the header at `ip`.
pub fn fix_ipv4_checksum(ip: &mut [u8]) {
    let ihl = ((ip[0] & 0x0f) as usize) * 4;
    if ip.len() < ihl || ihl < 20 {
        return;
    }
    ip[10] = 0;
    ip[11] = 0;
    let c = csum_fold(csum_add(0, &ip[..ihl]));
    ip[10..12].copy_from_slice(&c.to_be_bytes());
}

/// A TCP segment description.
#[derive(Debug, Clone, Copy)]
pub struct Tcp {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
}

/// Append an Ethernet + IPv4 + TCP frame to `out` (checksums computed when `checksum`).
pub fn tcp_frame(out: &mut Vec<u8>, t: &Tcp, payload: &[u8], checksum: bool) {
    let start = out.len();
    out.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]);
    let ip = out.len();
    let total = 20 + 20 + payload.len();
    out.extend_from_slice(&[0x45, 0]);
    out.extend_from_slice(&(total as u16).to_be_bytes());
    out.extend_from_slice(&(t.seq as u16).to_be_bytes()); // identification
    out.extend_from_slice(&[0x40, 0, 64, 6, 0, 0]);
    out.extend_from_slice(&t.src);
    out.extend_from_slice(&t.dst);
    let tcp = out.len();
    out.extend_from_slice(&t.sport.to_be_bytes());
    out.extend_from_slice(&t.dport.to_be_bytes());
    out.extend_from_slice(&t.seq.to_be_bytes());
    out.extend_from_slice(&t.ack.to_be_bytes());
    out.extend_from_slice(&[0x50, t.flags]);
    out.extend_from_slice(&t.window.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(payload);
    fix_ipv4_checksum(&mut out[ip..ip + 20]);
    if checksum {
        let mut sum = csum_add(0, &t.src);
        sum = csum_add(sum, &t.dst);
        sum += 6 + (20 + payload.len()) as u32;
        sum = csum_add(sum, &out[tcp..]);
        let c = csum_fold(sum);
        out[tcp + 16..tcp + 18].copy_from_slice(&c.to_be_bytes());
    }
    debug_assert!(out.len() - start == 14 + total);
}

/// Append an Ethernet + IPv4 + UDP frame to `out`.
pub fn udp_frame(
    out: &mut Vec<u8>,
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    payload: &[u8],
) {
    out.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]);
    let ip = out.len();
    let total = 20 + 8 + payload.len();
    out.extend_from_slice(&[0x45, 0]);
    out.extend_from_slice(&(total as u16).to_be_bytes());
    out.extend_from_slice(&[0, 1, 0x40, 0, 64, 17, 0, 0]);
    out.extend_from_slice(&src);
    out.extend_from_slice(&dst);
    out.extend_from_slice(&sport.to_be_bytes());
    out.extend_from_slice(&dport.to_be_bytes());
    out.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(payload);
    fix_ipv4_checksum(&mut out[ip..ip + 20]);
}

/// A pcap byte stream produced on demand: `next` appends the next records
/// (headers included) to the buffer and returns false at the end. Nothing
/// but the current records is ever in memory, so tests can stream gigabytes.
pub struct PcapStream<F: FnMut(&mut Vec<u8>) -> bool> {
    next: F,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
    /// Bytes handed out so far.
    pub produced: u64,
}

impl<F: FnMut(&mut Vec<u8>) -> bool> PcapStream<F> {
    pub fn new(next: F) -> Self {
        PcapStream {
            next,
            buf: pcap_header().to_vec(),
            pos: 0,
            done: false,
            produced: 0,
        }
    }
}

impl<F: FnMut(&mut Vec<u8>) -> bool> Read for PcapStream<F> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            self.buf.clear();
            self.pos = 0;
            if !(self.next)(&mut self.buf) {
                self.done = true;
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        self.produced += n as u64;
        Ok(n)
    }
}

/// A small deterministic PRNG (xorshift64*), so generated files are reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Write a whole stream to `w` (used by the generator).
pub fn copy_all(r: &mut impl Read, w: &mut impl Write) -> io::Result<u64> {
    io::copy(r, w)
}
