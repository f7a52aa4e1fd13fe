//! The capture/flow engine's per-file counts against the published tshark
//! summaries (`../shared/captures/public/_tshark/**.json`) and the lab
//! `.truth.txt` files (`../shared/captures/lab`). Skipped cleanly when the
//! shared captures are absent.
//!
//! Every TCP connection is collected here (not only RDP ones), so the counts
//! compare with tshark's, which sees every stream.

use rdpdiag::capture::{self, Frame, FrameSink, Warning};
use rdpdiag::flow::health::Handshake;
use rdpdiag::flow::{Delivery, FlowConfig, FlowSink, FlowTable, TcpConn, UdpFlow};
use rdpdiag::net;
use rdpdiag::wire::{Dir, FrameRef};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod common;
use common::shared_captures as shared;

/// What one closed TCP connection looked like.
#[derive(Debug, Clone)]
struct Conn {
    client: String,
    server: String,
    handshake: Handshake,
    syn: usize,
    synack: usize,
    retrans: u32,
    dup_frames: u32,
    rst_by_client: Option<u64>,
    rst_by_server: Option<u64>,
    fin_by_client: Option<u64>,
    fin_by_server: Option<u64>,
    retrans_frames: Vec<u64>,
}

#[derive(Default)]
struct Collect {
    table: Option<FlowTable>,
    conns: Vec<Conn>,
    warnings: Vec<Warning>,
}

struct Closed<'a>(&'a mut Vec<Conn>);

impl FlowSink for Closed<'_> {
    fn tcp_data(&mut self, _c: &TcpConn, _d: Dir, _x: Delivery<'_>) {}
    fn tcp_closed(&mut self, c: Box<TcpConn>) {
        let h = &c.health;
        self.0.push(Conn {
            client: c.client.to_string(),
            server: c.server.to_string(),
            handshake: h.handshake,
            syn: h.syn_frames.len(),
            synack: h.synack_frames.len(),
            retrans: h.retransmissions(),
            dup_frames: h.duplicate_frames,
            rst_by_client: h.client.rst.map(|r| r.frame.number),
            rst_by_server: h.server.rst.map(|r| r.frame.number),
            fin_by_client: h.client.fin.map(|r| r.frame.number),
            fin_by_server: h.server.fin.map(|r| r.frame.number),
            retrans_frames: h
                .client
                .retransmission_frames
                .iter()
                .chain(&h.server.retransmission_frames)
                .copied()
                .collect(),
        });
    }
    fn udp(&mut self, _f: &UdpFlow, _d: Dir, _r: FrameRef, _p: &[u8]) {}
    fn udp_closed(&mut self, _f: UdpFlow) {}
}

impl FrameSink for Collect {
    fn frame(&mut self, f: &Frame<'_>) {
        let Some(table) = self.table.as_mut() else {
            return;
        };
        match net::decode(f) {
            Ok(p) => table.process(&p, &mut Closed(&mut self.conns)),
            Err(s) => table.count_skip(s),
        }
    }
    fn warning(&mut self, w: Warning) {
        self.warnings.push(w);
    }
}

struct Run {
    frames: u64,
    warnings: Vec<Warning>,
    tcp_connections: u64,
    conns: Vec<Conn>,
}

/// Run the flow engine over `path`; `ports` are treated as RDP ports (so
/// their connections are reassembled and their retransmissions counted).
fn run(path: &Path, ports: &[u16]) -> Run {
    let mut cfg = FlowConfig::default();
    // rdpdiag evicts finished non-RDP connections after 2 s to bound memory
    // on busy links; a late packet (nDPI/synscan.pcap: SYN-ACKs retransmitted
    // to a scanner that already sent RST) then opens a second record where
    // tshark keeps one stream. Compare stream counts with RDP's lingering.
    cfg.other_linger_s = cfg.closed_linger_s;
    cfg.other_idle_evict_s = cfg.idle_evict_s;
    for p in ports {
        if !cfg.rdp_ports.contains(p) {
            cfg.rdp_ports.push(*p);
        }
    }
    let mut c = Collect {
        table: Some(FlowTable::new(cfg)),
        ..Default::default()
    };
    let p = path.to_str().expect("utf-8 path");
    let (reader, gz) = capture::open_path(p).expect("open");
    let summary = capture::read_capture(reader, p, gz, &mut c).expect("read");
    let mut table = c.table.take().expect("table");
    table.finish(&mut Closed(&mut c.conns));
    Run {
        frames: summary.frames,
        warnings: c.warnings,
        tcp_connections: table.stats.tcp_connections,
        conns: c.conns,
    }
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

fn u(v: &Value, k: &str) -> u64 {
    v.get(k).and_then(Value::as_u64).unwrap_or(0)
}

fn count_syns(r: &Run) -> (usize, usize, u32, u32, u32) {
    let syn = r.conns.iter().map(|c| c.syn).sum();
    let synack = r.conns.iter().map(|c| c.synack).sum();
    // tshark counts a repeated SYN or SYN-ACK as a retransmission.
    let hs_retx = r
        .conns
        .iter()
        .map(|c| c.syn.saturating_sub(1) as u32 + c.synack.saturating_sub(1) as u32)
        .sum();
    let retx = r.conns.iter().map(|c| c.retrans).sum();
    let dup = r.conns.iter().map(|c| c.dup_frames).sum();
    (syn, synack, hs_retx, retx, dup)
}

fn rst_senders(r: &Run) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in &r.conns {
        if c.rst_by_client.is_some() {
            out.insert(c.client.clone());
        }
        if c.rst_by_server.is_some() {
            out.insert(c.server.clone());
        }
    }
    out
}

#[test]
fn public_captures_agree_with_tshark_summaries() {
    let Some(root) = shared() else {
        common::skip(
            "flow_vs_tshark::public_captures_agree_with_tshark_summaries",
            "../shared/captures not found",
        );
        return;
    };
    let mut files = Vec::new();
    json_files(&root.join("public").join("_tshark"), &mut files);
    if files.is_empty() {
        common::skip(
            "flow_vs_tshark::public_captures_agree_with_tshark_summaries",
            &format!("no tshark summaries under {}", root.display()),
        );
        return;
    }
    let mut checked = 0;
    for jf in files {
        let j: Value =
            serde_json::from_slice(&std::fs::read(&jf).expect("read json")).expect("json");
        let rel = j["path"].as_str().expect("path");
        let cap = root.join("public").join(rel);
        if !cap.is_file() {
            common::skip(
                "flow_vs_tshark::public_captures_agree_with_tshark_summaries",
                &format!("{rel}: capture absent"),
            );
            continue;
        }
        // Every port tshark saw traffic to is treated as RDP here, so that
        // retransmissions are counted on every connection, as tshark does
        // (rdpdiag itself reassembles only RDP connections).
        let ports: Vec<u16> = j["top_dst_ports"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str()?.parse::<u16>().ok())
                    .collect()
            })
            .unwrap_or_default();
        let r = run(&cap, &ports);
        let t = &j["tcp"];
        let (syn, synack, hs_retx, retx, dup) = count_syns(&r);
        let t_senders: BTreeSet<String> = t["rst_senders"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let ctx = format!(
            "{rel}: frames {}/{} streams {}/{} syn {syn}/{} synack {synack}/{} \
             retx {retx}+handshake {hs_retx}+dup {dup} vs tshark {} (tshark exact dups {}) rst {:?}/{t_senders:?}",
            r.frames,
            u(&j, "packets"),
            r.tcp_connections,
            u(t, "streams"),
            u(t, "syn"),
            u(t, "synack"),
            u(t, "retransmission"),
            u(t, "exact_duplicate_frames"),
            rst_senders(&r),
        );
        eprintln!("{ctx}");
        assert_eq!(r.frames, u(&j, "packets"), "{ctx}");
        assert_eq!(r.tcp_connections, u(t, "streams"), "{ctx}");
        // Duplicated frames are not packets of the connection for us; tshark
        // counts them. So ours <= tshark <= ours + duplicated frames.
        let (t_syn, t_synack) = (u(t, "syn") as usize, u(t, "synack") as usize);
        assert!(
            syn <= t_syn && t_syn <= syn + dup as usize,
            "SYN count: {ctx}"
        );
        assert!(
            synack <= t_synack && t_synack <= synack + dup as usize,
            "SYN-ACK count: {ctx}"
        );
        // Retransmissions: tshark's count = our payload retransmissions + SYN /
        // SYN-ACK repeats + the duplicated frames it takes for retransmissions
        // (not all of them: a duplicated pure ACK is a "dup ack" to tshark, so
        // only an upper bound holds for those; rdp-no-cookie-mstshash.pcap:
        // 10 duplicated frames, 8 tshark retransmissions, 0 real ones).
        let t_retx = u(t, "retransmission") as u32;
        let ours = retx + hs_retx + fin_retx(rel);
        assert!(
            ours <= t_retx && t_retx <= ours + dup,
            "retransmissions: {ctx}"
        );
        assert_eq!(rst_senders(&r), t_senders, "RST senders: {ctx}");
        // RST frames: each side's first RST is one of tshark's RST frames.
        let t_rst: BTreeSet<u64> = t["rst_frames"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        for c in &r.conns {
            for f in [c.rst_by_client, c.rst_by_server].into_iter().flatten() {
                assert!(t_rst.contains(&f), "RST frame {f} not in tshark's: {ctx}");
            }
        }
        assert!(
            r.warnings.is_empty() || rel.contains("invalid"),
            "{ctx}: {:?}",
            r.warnings
        );
        checked += 1;
    }
    assert!(checked > 0);
}

/// Retransmitted bare FINs, which tshark counts as retransmissions and the
/// engine (payload-based) does not.
fn fin_retx(rel: &str) -> u32 {
    match rel {
        // frame 14 repeats frame 13's FIN (seq 32, no payload)
        "nDPI/tls_alert.pcap" => 1,
        _ => 0,
    }
}

/// One TCP packet line of a truth file's "key packets" listing.
#[derive(Debug)]
struct KeyPacket {
    frame: u64,
    src: String,
    dst: String,
    flags: String,
    retransmission: bool,
}

fn key_packets(truth: &str) -> Vec<KeyPacket> {
    let mut out = Vec::new();
    let mut on = false;
    for line in truth.lines() {
        if line.starts_with("== ") {
            on = line.starts_with("== tshark: key packets");
            continue;
        }
        if !on {
            continue;
        }
        let tok: Vec<&str> = line.split_whitespace().collect();
        let Some(frame) = tok.first().and_then(|t| t.parse::<u64>().ok()) else {
            continue;
        };
        if tok.len() >= 6 && tok[5] != "TCP" && line.contains("Retransmission]") {
            // A retransmitted segment tshark names by its payload (TPKT,
            // DRDYNVC: slow_link_ok frame 141, whose original was lost
            // before the capture point): only its retransmission mark counts.
            out.push(KeyPacket {
                frame,
                src: String::new(),
                dst: String::new(),
                flags: String::new(),
                retransmission: true,
            });
            continue;
        }
        if tok.len() < 8 || tok[5] != "TCP" {
            continue;
        }
        let rest = &tok[7..];
        let Some(i) = rest.iter().position(|t| *t == "→") else {
            continue;
        };
        if i == 0 || i + 2 >= rest.len() || !rest[i + 2].starts_with('[') {
            continue;
        }
        let mut flags = String::new();
        for t in &rest[i + 2..] {
            flags.push_str(t);
            if t.ends_with(']') {
                break;
            }
        }
        out.push(KeyPacket {
            frame,
            src: format!("{}:{}", tok[2], rest[i - 1]),
            dst: format!("{}:{}", tok[4], rest[i + 1]),
            flags,
            // also "[TCP Spurious Retransmission]" and "[TCP Fast Retransmission]"
            retransmission: line.contains("Retransmission]"),
        });
    }
    out
}

fn summary_field(truth: &str, name: &str) -> Option<u64> {
    let line = truth
        .lines()
        .find(|l| l.trim_start().starts_with("packets="))?;
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
}

#[test]
fn lab_captures_agree_with_truth_files() {
    let Some(root) = shared() else {
        common::skip(
            "flow_vs_tshark::lab_captures_agree_with_truth_files",
            "../shared/captures not found",
        );
        return;
    };
    let lab = root.join("lab");
    let Ok(rd) = std::fs::read_dir(&lab) else {
        common::skip(
            "flow_vs_tshark::lab_captures_agree_with_truth_files",
            &format!("{} not found", lab.display()),
        );
        return;
    };
    let mut truths: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".truth.txt"))
        .collect();
    truths.sort();
    let mut checked = 0;
    for tp in truths {
        let truth = std::fs::read_to_string(&tp).expect("read truth");
        let name = tp.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let scenario = name.trim_end_matches(".truth.txt");
        let cap = lab.join(format!("{scenario}.pcap"));
        if !cap.is_file() {
            common::skip(
                "flow_vs_tshark::lab_captures_agree_with_truth_files",
                &format!("{scenario}: no {scenario}.pcap"),
            );
            continue;
        }
        let r = run(&cap, &[]);
        let (syn, synack, hs_retx, retx, dup) = count_syns(&r);
        let ctx = format!(
            "{scenario}: frames {} streams {} syn {syn} synack {synack} retx {retx}+{hs_retx} dup {dup} rst {:?} vs {}",
            r.frames,
            r.tcp_connections,
            rst_senders(&r),
            truth
                .lines()
                .find(|l| l.trim_start().starts_with("packets="))
                .unwrap_or("")
                .trim()
        );
        eprintln!("{ctx}");
        // "capture files" section: `NAME.pcap: B bytes, N packets`.
        let want_frames = truth
            .lines()
            .find_map(|l| {
                let rest = l.trim().strip_prefix(&format!("{scenario}.pcap: "))?;
                rest.split(", ")
                    .nth(1)?
                    .strip_suffix(" packets")?
                    .parse::<u64>()
                    .ok()
            })
            .expect("capture files line");
        assert_eq!(r.frames, want_frames, "{ctx}");
        assert_eq!(Some(r.frames), summary_field(&truth, "packets"), "{ctx}");
        assert_eq!(
            Some(r.tcp_connections),
            summary_field(&truth, "tcp_streams"),
            "{ctx}"
        );
        assert_eq!(dup, 0, "lab captures hold no duplicated frames: {ctx}");
        assert_eq!(Some(syn as u64), summary_field(&truth, "syn"), "{ctx}");
        assert_eq!(
            Some(synack as u64),
            summary_field(&truth, "synack"),
            "{ctx}"
        );
        // tshark also counts retransmitted bare FINs; ours never exceeds it.
        let t_retx = summary_field(&truth, "retrans").unwrap_or(0) as u32;
        assert!(retx + hs_retx <= t_retx, "retransmissions: {ctx}");

        let keys = key_packets(&truth);
        // Who reset and who closed: each side's first RST / FIN frame.
        for (what, tag) in [("RST", "RST"), ("FIN", "FIN")] {
            let mut want: Vec<(String, String, u64)> = Vec::new();
            for k in &keys {
                if k.flags.contains(tag) && !want.iter().any(|(s, d, _)| *s == k.src && *d == k.dst)
                {
                    want.push((k.src.clone(), k.dst.clone(), k.frame));
                }
            }
            let mut got: Vec<(String, String, u64)> = Vec::new();
            for c in &r.conns {
                let (cf, sf) = if tag == "RST" {
                    (c.rst_by_client, c.rst_by_server)
                } else {
                    (c.fin_by_client, c.fin_by_server)
                };
                if let Some(f) = cf {
                    got.push((c.client.clone(), c.server.clone(), f));
                }
                if let Some(f) = sf {
                    got.push((c.server.clone(), c.client.clone(), f));
                }
            }
            // The listing may leave packets out (rdp_sec_ok: the server's FIN,
            // frame 109, is not listed), so: every listed first FIN/RST is ours.
            for w in &want {
                assert!(
                    got.contains(w),
                    "{what} {w:?} listed in the truth file, engine has {got:?}: {ctx}"
                );
            }
        }
        // Handshake outcome per connection, from the truth's SYN/SYN-ACK/RST.
        for c in &r.conns {
            let expect = if c.synack > 0 {
                Handshake::Completed
            } else if c.rst_by_server.is_some() {
                Handshake::RstToSyn
            } else if c.syn > 0 {
                Handshake::SynUnanswered
            } else {
                Handshake::NotSeen
            };
            assert_eq!(c.handshake, expect, "{ctx}");
        }
        // The engine's retransmissions are among the ones tshark flags.
        let t_retx_frames: BTreeSet<u64> = keys
            .iter()
            .filter(|k| k.retransmission)
            .map(|k| k.frame)
            .collect();
        for c in &r.conns {
            for f in &c.retrans_frames {
                assert!(t_retx_frames.contains(f), "retransmission frame {f}: {ctx}");
            }
        }
        checked += 1;
    }
    assert!(checked > 0, "no lab truth file checked");
}
