//! Test-only helpers for the decryption tests: read a capture with `pcap-parser`, rebuild
//! each TCP connection's byte streams (ordered by sequence number, retransmissions
//! dropped), split them into TLS records (skipping the clear TPKT/X.224 negotiation) and
//! feed a `TlsDecryptor` in wire order. Deliberately small: this is not the project's
//! reassembly code, just enough to drive the decryptor from real captures.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pcap_parser::pcapng::Block;
use pcap_parser::{create_reader, PcapBlockOwned, PcapError};
use rdpdiag::decrypt::{KeyLog, RecordOutcome, TlsDecryptor};
use rdpdiag::wire::Dir;

pub use crate::common::shared_captures;

/// Path of a capture file under shared/captures, or `None` (with a note) when absent.
pub fn capture(rel: &str) -> Option<PathBuf> {
    let Some(root) = shared_captures() else {
        eprintln!("SKIP: shared/captures not found (set RDPDIAG_SHARED)");
        return None;
    };
    let p = root.join(rel);
    if !p.is_file() {
        eprintln!("SKIP: {} not found", p.display());
        return None;
    }
    Some(p)
}

/// Key log of a lab capture (`lab/<name>.keys.txt`).
pub fn lab_keys(name: &str) -> KeyLog {
    let p = capture(&format!("lab/{name}.keys.txt")).expect("key log");
    let (log, warnings) = KeyLog::from_file(&p).expect("read key log");
    assert!(warnings.is_empty(), "{warnings:?}");
    log
}

/// One TLS record as seen on the wire.
#[derive(Clone)]
pub struct Record {
    pub dir: Dir,
    pub content_type: u8,
    pub version: u16,
    pub fragment: Vec<u8>,
    /// 1-based number of the frame after which the whole record (and the stream before
    /// it) had arrived.
    pub frame: usize,
}

/// One TCP connection to the server port.
pub struct Conn {
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub records: Vec<Record>,
    /// A direction's stream had a hole (bytes never captured).
    pub gap: bool,
}

/// Everything read from a capture file.
pub struct Capture {
    pub conns: Vec<Conn>,
    /// pcapng Decryption Secrets Blocks: (secrets type, data).
    pub dsbs: Vec<(u32, Vec<u8>)>,
}

/// (client address, server address).
type ConnKey = ((IpAddr, u16), (IpAddr, u16));

struct Seg {
    frame: usize,
    seq: u32,
    syn: bool,
    payload: Vec<u8>,
}

#[derive(Default)]
struct ConnSegs {
    segs: [Vec<Seg>; 2],
}

/// Reads a capture and rebuilds the TLS records of every TCP connection with `port` as
/// the server port.
pub fn read_capture(path: &Path, port: u16) -> Capture {
    let file = std::fs::File::open(path).expect("open capture");
    let mut reader = create_reader(1 << 20, file).expect("pcap reader");
    let mut linktypes: Vec<i32> = Vec::new();
    let mut legacy_linktype = 1;
    let mut frame = 0usize;
    let mut conns: BTreeMap<ConnKey, ConnSegs> = BTreeMap::new();
    let mut order: Vec<ConnKey> = Vec::new();
    let mut dsbs = Vec::new();
    loop {
        match reader.next() {
            Ok((offset, block)) => {
                let pkt: Option<(i32, Vec<u8>)> = match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy_linktype = h.network.0;
                        None
                    }
                    PcapBlockOwned::Legacy(b) => Some((legacy_linktype, b.data.to_vec())),
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        linktypes.clear();
                        None
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        linktypes.push(idb.linktype.0);
                        None
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        let lt = linktypes.get(epb.if_id as usize).copied().unwrap_or(1);
                        let n = (epb.caplen as usize).min(epb.data.len());
                        Some((lt, epb.data[..n].to_vec()))
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        Some((linktypes.first().copied().unwrap_or(1), spb.data.to_vec()))
                    }
                    PcapBlockOwned::NG(Block::DecryptionSecrets(dsb)) => {
                        let n = (dsb.secrets_len as usize).min(dsb.data.len());
                        dsbs.push((dsb.secrets_type.0, dsb.data[..n].to_vec()));
                        None
                    }
                    PcapBlockOwned::NG(_) => None,
                };
                reader.consume(offset);
                let Some((lt, data)) = pkt else { continue };
                frame += 1;
                let Some((src, dst, seq, syn, payload)) = parse_tcp(lt, &data) else {
                    continue;
                };
                let (key, d) = if dst.1 == port {
                    ((src, dst), 0)
                } else if src.1 == port {
                    ((dst, src), 1)
                } else {
                    continue;
                };
                let c = conns.entry(key).or_insert_with(|| {
                    order.push(key);
                    ConnSegs::default()
                });
                c.segs[d].push(Seg {
                    frame,
                    seq,
                    syn,
                    payload,
                });
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => reader.refill().expect("refill"),
            Err(e) => panic!("pcap error: {e:?}"),
        }
    }
    let conns = order
        .into_iter()
        .map(|key| {
            let segs = conns.remove(&key).unwrap_or_default();
            let mut gap = false;
            let [c2s, s2c] = segs.segs;
            let (a, ga) = stream(c2s);
            let (b, gb) = stream(s2c);
            gap |= ga | gb;
            let ra = split_records(Dir::ClientToServer, &a);
            let rb = split_records(Dir::ServerToClient, &b);
            Conn {
                client: key.0,
                server: key.1,
                records: merge(ra, rb),
                gap,
            }
        })
        .collect();
    Capture { conns, dsbs }
}

/// (src, dst, seq, syn, payload) of a TCP segment.
#[allow(clippy::type_complexity)]
fn parse_tcp(
    linktype: i32,
    data: &[u8],
) -> Option<((IpAddr, u16), (IpAddr, u16), u32, bool, Vec<u8>)> {
    let (ethertype, l3) = match linktype {
        1 => {
            let mut et = u16::from_be_bytes([*data.get(12)?, *data.get(13)?]);
            let mut off = 14;
            while et == 0x8100 || et == 0x88a8 {
                et = u16::from_be_bytes([*data.get(off + 2)?, *data.get(off + 3)?]);
                off += 4;
            }
            (et, data.get(off..)?)
        }
        113 => (
            u16::from_be_bytes([*data.get(14)?, *data.get(15)?]),
            data.get(16..)?,
        ),
        276 => (
            u16::from_be_bytes([*data.first()?, *data.get(1)?]),
            data.get(20..)?,
        ),
        0 => {
            let fam = u32::from_le_bytes(data.get(..4)?.try_into().ok()?);
            (if fam == 2 { 0x0800 } else { 0x86dd }, data.get(4..)?)
        }
        101 | 228 | 229 => (
            if data.first()? >> 4 == 4 {
                0x0800
            } else {
                0x86dd
            },
            data,
        ),
        _ => return None,
    };
    let (src, dst, tcp) = match ethertype {
        0x0800 => {
            let ihl = usize::from(l3.first()? & 0x0f) * 4;
            if *l3.get(9)? != 6 {
                return None;
            }
            let total = usize::from(u16::from_be_bytes([*l3.get(2)?, *l3.get(3)?]));
            let s: [u8; 4] = l3.get(12..16)?.try_into().ok()?;
            let d: [u8; 4] = l3.get(16..20)?.try_into().ok()?;
            let end = total.min(l3.len());
            (IpAddr::from(s), IpAddr::from(d), l3.get(ihl..end)?)
        }
        0x86dd => {
            if *l3.get(6)? != 6 {
                return None; // extension headers: not needed for these captures
            }
            let plen = usize::from(u16::from_be_bytes([*l3.get(4)?, *l3.get(5)?]));
            let s: [u8; 16] = l3.get(8..24)?.try_into().ok()?;
            let d: [u8; 16] = l3.get(24..40)?.try_into().ok()?;
            let end = (40 + plen).min(l3.len());
            (IpAddr::from(s), IpAddr::from(d), l3.get(40..end)?)
        }
        _ => return None,
    };
    let sport = u16::from_be_bytes([*tcp.first()?, *tcp.get(1)?]);
    let dport = u16::from_be_bytes([*tcp.get(2)?, *tcp.get(3)?]);
    let seq = u32::from_be_bytes(tcp.get(4..8)?.try_into().ok()?);
    let doff = usize::from(tcp.get(12)? >> 4) * 4;
    let syn = tcp.get(13)? & 0x02 != 0;
    let payload = tcp.get(doff..)?.to_vec();
    Some(((src, sport), (dst, dport), seq, syn, payload))
}

/// Rebuilds one direction's byte stream: (bytes, frame of each byte), and whether a hole
/// was found (the stream stops there).
fn stream(segs: Vec<Seg>) -> (Vec<(u8, usize)>, bool) {
    let base = segs
        .iter()
        .find(|s| s.syn)
        .map(|s| s.seq.wrapping_add(1))
        .or_else(|| segs.iter().map(|s| s.seq).next());
    let Some(base) = base else {
        return (Vec::new(), false);
    };
    let mut segs: Vec<(u32, usize, Vec<u8>)> = segs
        .into_iter()
        .filter(|s| !s.syn && !s.payload.is_empty())
        .map(|s| (s.seq.wrapping_sub(base), s.frame, s.payload))
        .collect();
    segs.sort_by_key(|s| (s.0, s.1));
    let mut out: Vec<(u8, usize)> = Vec::new();
    for (rel, frame, payload) in segs {
        let (rel, cur) = (rel as usize, out.len());
        if rel > cur {
            return (in_order_frames(out), true);
        }
        let end = rel + payload.len();
        if end <= cur {
            continue; // retransmission of bytes we have
        }
        out.extend(payload[cur - rel..].iter().map(|&b| (b, frame)));
    }
    (in_order_frames(out), false)
}

/// A byte is readable in order only once every byte before it has arrived: turn "frame
/// that carried the byte" into "frame after which the stream up to this byte is complete"
/// (running maximum), as a receiver (and tshark) sees it.
fn in_order_frames(mut s: Vec<(u8, usize)>) -> Vec<(u8, usize)> {
    let mut max = 0;
    for b in &mut s {
        max = max.max(b.1);
        b.1 = max;
    }
    s
}

/// Splits a stream into TLS records, skipping TPKT-framed clear RDP (X.224 negotiation
/// before TLS, an unencrypted disconnect after a failure).
pub fn split_records(dir: Dir, s: &[(u8, usize)]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 5 <= s.len() {
        let b = |i: usize| s[pos + i].0;
        if b(0) == 3 {
            let len = usize::from(u16::from_be_bytes([b(2), b(3)]));
            if len < 4 {
                break;
            }
            pos += len;
            continue;
        }
        if !(20..=24).contains(&b(0)) || b(1) != 3 {
            break; // not TLS: stop this direction
        }
        let len = usize::from(u16::from_be_bytes([b(3), b(4)]));
        if pos + 5 + len > s.len() {
            break; // truncated record at the end of the capture
        }
        out.push(Record {
            dir,
            content_type: b(0),
            version: u16::from_be_bytes([b(1), b(2)]),
            fragment: s[pos + 5..pos + 5 + len].iter().map(|x| x.0).collect(),
            frame: s[pos + 4 + len].1,
        });
        pos += 5 + len;
    }
    out
}

/// Merges two directions' records by frame, keeping each direction's order.
pub fn merge(a: Vec<Record>, b: Vec<Record>) -> Vec<Record> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.frame <= y.frame,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
    out
}

/// Feeds a connection's records to a fresh decryptor.
pub fn decrypt(conn: &Conn, keys: &Arc<KeyLog>) -> (TlsDecryptor, Vec<(Record, RecordOutcome)>) {
    let mut dec = TlsDecryptor::new(Arc::clone(keys));
    let out = conn
        .records
        .iter()
        .map(|r| {
            let o = dec.on_record(r.dir, r.content_type, r.version, &r.fragment);
            (r.clone(), o)
        })
        .collect();
    (dec, out)
}

/// The plaintexts of decrypted records, in wire order: (dir, content type, plaintext).
pub fn plaintexts(outcomes: &[(Record, RecordOutcome)]) -> Vec<(Dir, u8, &[u8], usize)> {
    outcomes
        .iter()
        .filter_map(|(r, o)| match o {
            RecordOutcome::Decrypted {
                content_type,
                plaintext,
            } => Some((r.dir, *content_type, plaintext.as_slice(), r.frame)),
            _ => None,
        })
        .collect()
}

/// tshark's decrypted TLS records, `(frame, plaintext)` in output order, or `None` when
/// tshark is not installed.
pub fn tshark_decrypted(pcap: &Path, keys: &Path) -> Option<Vec<(usize, Vec<u8>)>> {
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .arg("-o")
        .arg(format!("tls.keylog_file:{}", keys.display()))
        // Out-of-order reassembly: without it tshark 4.0 drops records of reordered
        // segments (slow_link_ok).
        .args(["-o", "tcp.reassemble_out_of_order:TRUE"])
        .args(["-d", "tcp.port==3389,tls", "-x"])
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!(
                "SKIP tshark cross-check: tshark failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            return None;
        }
        Err(e) => {
            eprintln!("SKIP tshark cross-check: tshark not available ({e})");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout);
    // Frames are separated by blank lines; a frame's block holds its data sources
    // ("Frame (..)", "Decrypted TLS (..)", "Reassembled ..") as hex dumps.
    let mut frame = 0usize;
    let mut res: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut in_decrypted = false;
    let mut prev_blank = true;
    for line in text.lines() {
        if line.trim().is_empty() {
            prev_blank = true;
            in_decrypted = false;
            continue;
        }
        if prev_blank {
            frame += 1;
            prev_blank = false;
        }
        let is_hex_row = line.len() > 6
            && line.as_bytes()[..4].iter().all(u8::is_ascii_hexdigit)
            && &line[4..6] == "  ";
        if !is_hex_row {
            // A data source header: "Frame (..)", "Decrypted TLS (..)", "Reassembled ..",
            // "Bitstring tvb (1 byte):".
            in_decrypted = line.starts_with("Decrypted TLS (");
            if in_decrypted {
                res.push((frame, Vec::new()));
            }
        } else if in_decrypted {
            let hex = line.get(6..line.len().min(53)).unwrap_or("");
            let bytes = hex
                .split_whitespace()
                .filter_map(|t| u8::from_str_radix(t, 16).ok());
            if let Some(last) = res.last_mut() {
                last.1.extend(bytes);
            }
        }
    }
    Some(res)
}

/// A connection from chunks read off two sockets, in the order they were read
/// (`frame` = chunk index + 1).
pub fn conn_from_chunks(chunks: &[(Dir, Vec<u8>)]) -> Conn {
    let mut streams: [Vec<(u8, usize)>; 2] = [Vec::new(), Vec::new()];
    for (i, (dir, data)) in chunks.iter().enumerate() {
        streams[dir.idx()].extend(data.iter().map(|&b| (b, i + 1)));
    }
    let any = (IpAddr::from([127, 0, 0, 1]), 0);
    Conn {
        client: any,
        server: any,
        records: merge(
            split_records(Dir::ClientToServer, &streams[0]),
            split_records(Dir::ServerToClient, &streams[1]),
        ),
        gap: false,
    }
}
