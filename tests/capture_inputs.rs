//! Capture input on real data (issue 2): pcap byte orders and resolutions,
//! pcapng with several sections and interfaces (different link types,
//! timestamp resolutions and offsets, EPB/SPB, comments), gzip, stdin,
//! every supported link type, unknown link types and truncated files.
//!
//! The frames are the bundled lab captures' (captures/, ours). Where a
//! container or link layer no real capture here has is needed (big-endian
//! pcap, raw IP, SLL v1, BSD loopback, QinQ, a two-section pcapng), the test
//! re-wraps those real frames: the IP packets stay byte for byte what was
//! captured, only the outer framing is written here, and the analysis must
//! come out exactly as on the original file. The real captures with NULL,
//! SLL2 and 802.1Q framing are checked against tshark in flow_vs_tshark.rs.

mod common;

use rdpdiag::analysis::with_ports;
use rdpdiag::analysis::{analyze_file, analyze_reader};
use rdpdiag::report::FileReport;
use std::io::Write;
use std::path::PathBuf;

fn bundled(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

/// One frame of a classic pcap: (seconds, nanoseconds, bytes).
type Rec = (u32, u32, Vec<u8>);

/// Reads a little-endian microsecond pcap (what the lab captures are).
fn read_pcap(name: &str) -> (u32, Vec<Rec>) {
    let raw = std::fs::read(bundled(name)).expect("bundled capture");
    assert_eq!(&raw[..4], b"\xd4\xc3\xb2\xa1", "{name}: LE usec pcap");
    let le = |o: usize| u32::from_le_bytes([raw[o], raw[o + 1], raw[o + 2], raw[o + 3]]);
    let link = le(20);
    let mut off = 24;
    let mut out = Vec::new();
    while off + 16 <= raw.len() {
        let (sec, usec, incl) = (le(off), le(off + 4), le(off + 8) as usize);
        off += 16;
        out.push((sec, usec * 1000, raw[off..off + incl].to_vec()));
        off += incl;
    }
    (link, out)
}

fn write_pcap(link: u32, recs: &[Rec], big_endian: bool, nanos: bool) -> Vec<u8> {
    let w32 = |v: &mut Vec<u8>, x: u32| {
        v.extend_from_slice(&if big_endian {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        })
    };
    let w16 = |v: &mut Vec<u8>, x: u16| {
        v.extend_from_slice(&if big_endian {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        })
    };
    let mut v = Vec::new();
    w32(&mut v, if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
    w16(&mut v, 2);
    w16(&mut v, 4);
    w32(&mut v, 0);
    w32(&mut v, 0);
    w32(&mut v, 262_144);
    w32(&mut v, link);
    for (s, ns, d) in recs {
        w32(&mut v, *s);
        w32(&mut v, if nanos { *ns } else { ns / 1000 });
        w32(&mut v, d.len() as u32);
        w32(&mut v, d.len() as u32);
        v.extend_from_slice(d);
    }
    v
}

/// A minimal pcapng writer (little endian).
#[derive(Default)]
struct Ng(Vec<u8>);

impl Ng {
    fn block(&mut self, ty: u32, body: &[u8]) {
        let pad = (4 - body.len() % 4) % 4;
        let len = (12 + body.len() + pad) as u32;
        self.0.extend_from_slice(&ty.to_le_bytes());
        self.0.extend_from_slice(&len.to_le_bytes());
        self.0.extend_from_slice(body);
        self.0.extend(std::iter::repeat_n(0u8, pad));
        self.0.extend_from_slice(&len.to_le_bytes());
    }
    fn opt(body: &mut Vec<u8>, code: u16, val: &[u8]) {
        body.extend_from_slice(&code.to_le_bytes());
        body.extend_from_slice(&(val.len() as u16).to_le_bytes());
        body.extend_from_slice(val);
        body.extend(std::iter::repeat_n(0u8, (4 - val.len() % 4) % 4));
    }
    fn end_opts(body: &mut Vec<u8>) {
        body.extend_from_slice(&[0, 0, 0, 0]);
    }
    fn shb(&mut self, comment: Option<&str>) {
        let mut b = Vec::new();
        b.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        if let Some(c) = comment {
            Self::opt(&mut b, 1, c.as_bytes());
            Self::end_opts(&mut b);
        }
        self.block(0x0a0d_0d0a, &b);
    }
    /// `tsresol` as the option byte (6 = microseconds, 9 = nanoseconds,
    /// 0x80|n = 2^-n); `tsoffset` in seconds.
    fn idb(&mut self, link: u16, tsresol: Option<u8>, tsoffset: Option<i64>) {
        let mut b = Vec::new();
        b.extend_from_slice(&link.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&262_144u32.to_le_bytes());
        if tsresol.is_some() || tsoffset.is_some() {
            if let Some(r) = tsresol {
                Self::opt(&mut b, 9, &[r]);
            }
            if let Some(o) = tsoffset {
                Self::opt(&mut b, 14, &o.to_le_bytes());
            }
            Self::end_opts(&mut b);
        }
        self.block(1, &b);
    }
    fn epb(&mut self, iface: u32, units: u64, data: &[u8], comment: Option<&str>) {
        let mut b = Vec::new();
        b.extend_from_slice(&iface.to_le_bytes());
        b.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
        b.extend_from_slice(&(units as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(data);
        b.extend(std::iter::repeat_n(0u8, (4 - data.len() % 4) % 4));
        if let Some(c) = comment {
            Self::opt(&mut b, 1, c.as_bytes());
            Self::end_opts(&mut b);
        }
        self.block(6, &b);
    }
    fn spb(&mut self, data: &[u8]) {
        let mut b = Vec::new();
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(data);
        self.block(3, &b);
    }
}

/// What must not change whatever the container or link layer.
fn fingerprint(r: &FileReport) -> String {
    let mut s = format!(
        "frames={} tcp={} rdp={} udp={} dup={} malformed={}\n",
        r.capture.frames,
        r.stats.tcp_connections,
        r.stats.rdp_connections,
        r.stats.udp_flows,
        r.stats.duplicate_frames,
        r.stats.malformed
    );
    for c in &r.connections {
        s += &format!(
            "conn {} -> {} first={} last={} pkts={:?} bytes={:?} hs={:?} retx={}\n",
            c.client,
            c.server,
            c.first.number,
            c.last.number,
            c.packets,
            c.bytes,
            c.tcp.handshake,
            c.tcp.retransmissions()
        );
    }
    for u in &r.udp_flows {
        s += &format!(
            "udp {}\n",
            serde_json::to_string(&rdpdiag::report::json::UdpFlow::from(u)).unwrap_or_default()
        );
    }
    for a in &r.attempts {
        s += &format!(
            "attempt {} -> {} {:?} {:?} {}\n",
            a.client,
            a.server,
            a.outcome,
            a.failed_stage,
            a.root_cause
                .as_ref()
                .map(|f| f.id.to_string())
                .unwrap_or_default()
        );
    }
    s
}

fn analyze_bytes(name: &str, bytes: Vec<u8>) -> FileReport {
    analyze_reader(
        name,
        Box::new(std::io::Cursor::new(bytes)),
        &with_ports(&[]),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn original(name: &str) -> FileReport {
    let p = bundled(name);
    analyze_file(p.to_str().expect("utf-8"), &with_ports(&[])).expect("analyze")
}

const SAMPLES: &[&str] = &[
    "nla_wrong_password.pcap",
    "dns_nxdomain.pcap",
    "port_closed.pcap",
];

#[test]
fn pcap_byte_orders_and_resolutions() {
    for name in SAMPLES {
        let want = fingerprint(&original(name));
        let (link, recs) = read_pcap(name);
        for (be, ns) in [(false, false), (true, false), (false, true), (true, true)] {
            let r = analyze_bytes(name, write_pcap(link, &recs, be, ns));
            assert_eq!(fingerprint(&r), want, "{name} big_endian={be} nanos={ns}");
            assert!(r.warnings.is_empty(), "{name}: {:?}", r.warnings);
            assert_eq!(r.capture.format, "pcap");
            // Timestamps survive both resolutions (the lab files are µs).
            let first = recs.first().map(|x| x.0 as i64).unwrap_or(0);
            assert_eq!(r.capture.first_ts.map(|t| t.secs()), Some(first));
        }
    }
}

/// The IP packet inside a real Ethernet frame (no VLAN in the lab captures).
fn ip_of(eth: &[u8]) -> (u16, &[u8]) {
    (u16::from_be_bytes([eth[12], eth[13]]), &eth[14..])
}

fn rewrap(recs: &[Rec], f: impl Fn(&[u8]) -> Vec<u8>) -> Vec<Rec> {
    recs.iter().map(|(s, n, d)| (*s, *n, f(d))).collect()
}

#[test]
fn every_link_type_gives_the_same_analysis() {
    for name in SAMPLES {
        let want = fingerprint(&original(name));
        let (link, recs) = read_pcap(name);
        assert_eq!(link, 1, "{name} is Ethernet");
        let af = |et: u16| if et == 0x86dd { 10u32 } else { 2u32 };
        let variants: Vec<(&str, u32, Vec<Rec>)> = vec![
            ("RAW", 101, rewrap(&recs, |d| ip_of(d).1.to_vec())),
            ("IPV4", 228, rewrap(&recs, |d| ip_of(d).1.to_vec())),
            // BSD NULL: address family in host (here little-endian) order.
            (
                "NULL",
                0,
                rewrap(&recs, |d| {
                    let (et, ip) = ip_of(d);
                    [&af(et).to_le_bytes()[..], ip].concat()
                }),
            ),
            // OpenBSD LOOP: address family in network order.
            (
                "LOOP",
                108,
                rewrap(&recs, |d| {
                    let (et, ip) = ip_of(d);
                    [&af(et).to_be_bytes()[..], ip].concat()
                }),
            ),
            // Linux cooked v1: type, ARPHRD_ETHER, addr len 6, addr, protocol.
            (
                "SLL",
                113,
                rewrap(&recs, |d| {
                    let (et, ip) = ip_of(d);
                    let mut h = vec![0, 0, 0, 1, 0, 6];
                    h.extend_from_slice(&d[6..12]);
                    h.extend_from_slice(&[0, 0]);
                    h.extend_from_slice(&et.to_be_bytes());
                    [&h[..], ip].concat()
                }),
            ),
            // Linux cooked v2: protocol, reserved, ifindex, ARPHRD, type, addr len, addr.
            (
                "SLL2",
                276,
                rewrap(&recs, |d| {
                    let (et, ip) = ip_of(d);
                    let mut h = et.to_be_bytes().to_vec();
                    h.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 4, 6]);
                    h.extend_from_slice(&d[6..12]);
                    h.extend_from_slice(&[0, 0]);
                    [&h[..], ip].concat()
                }),
            ),
            // 802.1Q, and QinQ (802.1ad outer tag + 802.1Q inner tag).
            (
                "802.1Q",
                1,
                rewrap(&recs, |d| {
                    [&d[..12], &[0x81, 0x00, 0x00, 0x4d], &d[12..]].concat()
                }),
            ),
            (
                "QinQ",
                1,
                rewrap(&recs, |d| {
                    [
                        &d[..12],
                        &[0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x4d],
                        &d[12..],
                    ]
                    .concat()
                }),
            ),
        ];
        for (what, lt, v) in variants {
            let r = analyze_bytes(name, write_pcap(lt, &v, false, false));
            assert_eq!(fingerprint(&r), want, "{name} as {what}");
            assert!(r.warnings.is_empty(), "{name} as {what}: {:?}", r.warnings);
        }
    }
}

#[test]
fn pcapng_sections_interfaces_resolutions_offsets_and_comments() {
    // Section 1: the first sample on two interfaces (Ethernet µs, raw IP ns
    // with a time offset), alternating; section 2: the second sample over BSD
    // NULL with a binary (2^-20) resolution, its last frame as an SPB.
    let (_, a) = read_pcap(SAMPLES[0]);
    let (_, b) = read_pcap(SAMPLES[1]);
    let offset: i64 = 3600;
    let mut ng = Ng::default();
    ng.shb(Some("section one"));
    ng.idb(1, None, None);
    ng.idb(101, Some(9), Some(offset));
    for (i, (s, ns, d)) in a.iter().enumerate() {
        if i % 2 == 0 {
            let units = *s as u64 * 1_000_000 + *ns as u64 / 1000;
            ng.epb(0, units, d, (i == 0).then_some("first frame"));
        } else {
            let units = (*s as i64 - offset) as u64 * 1_000_000_000 + *ns as u64;
            ng.epb(1, units, ip_of(d).1, None);
        }
    }
    ng.shb(None);
    ng.idb(0, Some(0x80 | 20), None);
    let null = |d: &[u8]| [&2u32.to_le_bytes()[..], ip_of(d).1].concat();
    for (i, (s, ns, d)) in b.iter().enumerate() {
        if i + 1 == b.len() {
            ng.spb(&null(d));
        } else {
            let units = ((*s as u64) << 20) + ((*ns as u64) << 20) / 1_000_000_000;
            ng.epb(0, units, &null(d), None);
        }
    }
    let r = analyze_bytes("two-sections.pcapng", ng.0);
    assert_eq!(r.capture.format, "pcapng");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.capture.frames as usize, a.len() + b.len());
    let ra = original(SAMPLES[0]);
    let rb = original(SAMPLES[1]);
    assert_eq!(
        r.connections.len(),
        ra.connections.len() + rb.connections.len()
    );
    // Same connections, same packet counts, same timestamps (to the µs).
    for (got, want) in r.connections.iter().zip(&ra.connections) {
        assert_eq!((got.client, got.server), (want.client, want.server));
        assert_eq!(got.packets, want.packets);
        assert_eq!(got.first.number, want.first.number);
        assert_eq!(got.first.ts, want.first.ts, "EPB timestamps, interface 0");
        assert_eq!(
            got.last.ts, want.last.ts,
            "timestamps with tsoffset, interface 1"
        );
    }
    assert_eq!(r.udp_flows.len(), ra.udp_flows.len() + rb.udp_flows.len());
    let outcomes = |r: &FileReport| r.attempts.iter().map(|a| a.outcome).collect::<Vec<_>>();
    // (The DNS-only attempt of the second sample merges with the first
    // sample's TCP attempts in one file; that is the diagnosis' grouping.)
    assert!(outcomes(&r).starts_with(&outcomes(&ra)));
}

#[test]
fn unknown_link_type_warns_naming_the_interface_and_keeps_the_rest() {
    let name = SAMPLES[0];
    let (_, a) = read_pcap(name);
    let mut ng = Ng::default();
    ng.shb(None);
    ng.idb(1, None, None);
    ng.idb(147, None, None); // LINKTYPE_USER0
    for (s, ns, d) in &a {
        let units = *s as u64 * 1_000_000 + *ns as u64 / 1000;
        ng.epb(0, units, d, None);
        ng.epb(1, units, d, None);
    }
    let r = analyze_bytes("user0.pcapng", ng.0);
    assert_eq!(r.capture.frames as usize, 2 * a.len());
    let w: Vec<_> = r.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("interface 1"), "{w:?}");
    assert!(
        w[0].starts_with("frame 2:"),
        "names the first such frame: {w:?}"
    );
    let want = original(name);
    assert_eq!(r.connections.len(), want.connections.len());
    for (g, x) in r.connections.iter().zip(&want.connections) {
        assert_eq!(g.packets, x.packets);
    }
}

#[test]
fn gzip_is_read_transparently() {
    for name in SAMPLES {
        let raw = std::fs::read(bundled(name)).expect("read");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).expect("gzip");
        let gz = gz.finish().expect("gzip");
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join(format!("{name}.gz"));
        std::fs::write(&p, &gz).expect("write");
        let r = analyze_file(p.to_str().expect("utf-8"), &with_ports(&[])).expect("gz");
        assert_eq!(r.capture.format, "pcap+gzip");
        assert_eq!(fingerprint(&r), fingerprint(&original(name)), "{name}.gz");
        // Two gzip members back to back (as `cat a.gz b.gz` makes) read as one stream.
        let mut two = Vec::new();
        for half in [&raw[..raw.len() / 2], &raw[raw.len() / 2..]] {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(half).expect("gzip");
            two.extend(e.finish().expect("gzip"));
        }
        let r = analyze_bytes("mem.gz", two);
        assert_eq!(r.capture.format, "pcap+gzip");
        assert_eq!(fingerprint(&r), fingerprint(&original(name)));
    }
}

#[test]
fn stdin_is_read_with_dash() {
    use std::process::{Command, Stdio};
    let name = SAMPLES[0];
    let raw = std::fs::read(bundled(name)).expect("read");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["analyze", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rdpdiag");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&raw);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let f = &v["files"][0];
    assert_eq!(f["file"], "-");
    let want = original(name);
    assert_eq!(f["capture"]["frames"], want.capture.frames);
    assert_eq!(common::tcp_records(f), want.connections.len());
    // nla_wrong_password is a failure: exit code 1, not an input error.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn truncated_file_warns_with_the_frame_number_and_keeps_what_came_before() {
    let name = "nla_wrong_password.pcap";
    let raw = std::fs::read(bundled(name)).expect("read");
    let (_, recs) = read_pcap(name);
    // Cut in the middle of frame 21's data.
    let mut off = 24;
    for (_, _, d) in &recs[..20] {
        off += 16 + d.len();
    }
    let cut = off + 16 + recs[20].2.len() / 2;
    let r = analyze_bytes(name, raw[..cut].to_vec());
    assert!(r.capture.truncated);
    assert_eq!(r.capture.frames, 20);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert_eq!(r.warnings[0].frame, Some(20));
    assert!(r.warnings[0].message.contains("truncated after frame 20"));
    // Every connection that started before the cut is still reported.
    let full = original(name);
    let before: Vec<_> = full
        .connections
        .iter()
        .filter(|c| c.first.number <= 20)
        .map(|c| (c.client, c.server))
        .collect();
    let got: Vec<_> = r.connections.iter().map(|c| (c.client, c.server)).collect();
    assert_eq!(got, before);
    // Cut inside the record header too.
    let r = analyze_bytes(name, raw[..off + 7].to_vec());
    assert_eq!(r.capture.frames, 20);
    assert!(r.capture.truncated);
    assert_eq!(r.warnings.first().and_then(|w| w.frame), Some(20));
}

#[test]
fn pcapng_decryption_secrets_and_comments_are_kept() {
    // nla_ok.dsb.pcapng: a real capture with a TLS key log injected as a
    // Decryption Secrets Block (editcap --inject-secrets).
    let r = original("nla_ok.dsb.pcapng");
    assert_eq!(r.capture.format, "pcapng");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert!(!r.connections.is_empty());
    // Comments: the section and packet comments of a written pcapng reach the engine.
    let (_, a) = read_pcap(SAMPLES[2]);
    let mut ng = Ng::default();
    ng.shb(Some("captured on the client"));
    ng.idb(1, None, None);
    for (i, (s, ns, d)) in a.iter().enumerate() {
        let units = *s as u64 * 1_000_000 + *ns as u64 / 1000;
        ng.epb(0, units, d, (i == 1).then_some("the RST"));
    }
    let mut engine = rdpdiag::engine::Engine::new(Default::default());
    engine
        .read_from("c.pcapng", Box::new(std::io::Cursor::new(ng.0)))
        .expect("read");
    assert_eq!(
        engine.comments,
        vec![
            (None, "captured on the client".to_string()),
            (Some(2), "the RST".to_string())
        ]
    );
}

#[test]
fn ipv4_fragments_are_counted_and_reported() {
    // The largest client->server frame of a real capture, split into two
    // IPv4 fragments (payload cut at a multiple of 8, MF flag, offsets).
    let name = SAMPLES[0];
    let (_, recs) = read_pcap(name);
    let idx = (0..recs.len())
        .max_by_key(|&i| recs[i].2.len())
        .expect("frames");
    let (s, ns, d) = &recs[idx];
    let ip = &d[14..];
    let ihl = (ip[0] & 0x0f) as usize * 4;
    let payload = &ip[ihl..];
    let cut = (payload.len() / 2) & !7;
    let frag = |part: &[u8], off: usize, more: bool| {
        let mut h = ip[..ihl].to_vec();
        let total = (ihl + part.len()) as u16;
        h[2..4].copy_from_slice(&total.to_be_bytes());
        let fo = ((off / 8) as u16) | if more { 0x2000 } else { 0 };
        h[6..8].copy_from_slice(&fo.to_be_bytes());
        h[10..12].copy_from_slice(&[0, 0]); // checksum is not checked
        [&d[..14], &h[..], part].concat()
    };
    let mut v = recs.clone();
    v[idx] = (*s, *ns, frag(&payload[..cut], 0, true));
    v.insert(idx + 1, (*s, *ns, frag(&payload[cut..], cut, false)));
    let r = analyze_bytes(name, write_pcap(1, &v, false, false));
    assert_eq!(r.stats.ip_fragments, 2);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains("2 IP fragment(s) were counted")),
        "{:?}",
        r.warnings
    );
    assert_eq!(r.capture.frames as usize, recs.len() + 1);
}

#[test]
fn ipv6_extension_headers_are_walked() {
    // public/zeek/rdpeudp-handshake-success.pcap: RDP-UDP over IPv6 (::1).
    // Each IPv6 packet gets a Destination Options header (8 bytes, PadN)
    // between the fixed header and UDP; the flows must come out the same.
    let Some(cap) = common::shared_captures()
        .map(|c| c.join("public/zeek/rdpeudp-handshake-success.pcap"))
        .filter(|c| c.is_file())
    else {
        common::skip(
            "capture_inputs::ipv6_extension_headers_are_walked",
            "../shared/captures not found",
        );
        return;
    };
    let raw = std::fs::read(&cap).expect("read");
    let le = |o: usize| u32::from_le_bytes([raw[o], raw[o + 1], raw[o + 2], raw[o + 3]]);
    assert_eq!(le(20), 1, "Ethernet");
    let mut recs = Vec::new();
    let mut off = 24;
    while off + 16 <= raw.len() {
        let incl = le(off + 8) as usize;
        recs.push((
            le(off),
            le(off + 4) * 1000,
            raw[off + 16..off + 16 + incl].to_vec(),
        ));
        off += 16 + incl;
    }
    let with_ext = rewrap(&recs, |f| {
        let (et, ip) = ip_of(f);
        if et != 0x86dd {
            return f.to_vec();
        }
        let mut h = ip[..40].to_vec();
        let next = h[6];
        h[6] = 60; // Destination Options
        let plen = u16::from_be_bytes([h[4], h[5]]) + 8;
        h[4..6].copy_from_slice(&plen.to_be_bytes());
        let ext = [next, 0, 1, 4, 0, 0, 0, 0]; // PadN over the 6 option bytes
        [&f[..14], &h[..], &ext[..], &ip[40..]].concat()
    });
    let changed = with_ext
        .iter()
        .zip(&recs)
        .filter(|(a, b)| a.2 != b.2)
        .count();
    assert!(changed >= 4, "IPv6 frames rewritten: {changed}");
    let name = cap.to_str().expect("utf-8");
    let want = analyze_file(name, &with_ports(&[])).expect("analyze");
    assert!(!want.udp_flows.is_empty());
    let got = analyze_bytes("v6ext.pcap", write_pcap(1, &with_ext, false, false));
    assert_eq!(fingerprint(&got), fingerprint(&want));
}

#[test]
fn blocks_larger_than_the_read_buffer_are_read_or_skipped() {
    // The frames of nla_wrong_password.pcap, in a pcapng that also has a
    // 2 MiB Decryption Secrets Block (a key log of 12 000 sessions, which
    // tshark reads) and, halfway, an unknown block of 65 MiB (beyond what
    // rdpdiag holds in memory: skipped with a warning).
    let name = SAMPLES[0];
    let (_, recs) = read_pcap(name);
    let mut ng = Ng::default();
    ng.shb(None);
    ng.idb(1, None, None);
    let mut keys = String::new();
    for i in 0..12_000u32 {
        keys.push_str(&format!("CLIENT_RANDOM {i:064x} {}\n", "ab".repeat(48)));
    }
    assert!(keys.len() > 2 << 20);
    let mut dsb = 0x544c_534bu32.to_le_bytes().to_vec();
    dsb.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    dsb.extend_from_slice(keys.as_bytes());
    ng.block(0x0a, &dsb);
    let half = recs.len() / 2;
    let units = |s: u32, ns: u32| s as u64 * 1_000_000 + ns as u64 / 1000;
    for (s, ns, d) in &recs[..half] {
        ng.epb(0, units(*s, *ns), d, None);
    }
    ng.block(0x0bad_0001, &vec![0u8; 65 << 20]);
    for (s, ns, d) in &recs[half..] {
        ng.epb(0, units(*s, *ns), d, None);
    }
    let r = analyze_bytes("big-blocks.pcapng", ng.0);
    assert_eq!(fingerprint(&r), fingerprint(&original(name)));
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert_eq!(r.warnings[0].frame, Some(half as u64));
    assert!(
        r.warnings[0].message.contains("skipped"),
        "{:?}",
        r.warnings
    );
    assert!(!r.capture.truncated);
}

#[test]
fn gzip_damaged_in_its_first_mib_keeps_what_decompressed() {
    // captures/nla_wrong_password.pcap (46 frames, ~12 KB) gzip'd, then
    // damaged: cut short, garbage appended, CRC wrong. Everything is within
    // the first MiB, which used to be rejected as "a damaged pcap header".
    let name = SAMPLES[0];
    let raw = std::fs::read(bundled(name)).expect("read");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&raw).expect("gzip");
    let gz = e.finish().expect("gzip");
    let full = original(name);
    let cut = gz[..gz.len() * 2 / 3].to_vec();
    let mut garbage = gz.clone();
    garbage.extend_from_slice(b"\x1f\x8bthis is not a gzip member at all");
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff;
    for (what, bytes, all) in [
        ("cut", cut, false),
        ("garbage", garbage, true),
        ("crc", bad_crc, true),
    ] {
        let r = analyze_bytes(&format!("{what}.pcap.gz"), bytes);
        assert_eq!(r.capture.format, "pcap+gzip", "{what}");
        assert!(
            r.capture.frames > 0,
            "{what}: frames decompressed are analyzed"
        );
        if all {
            assert_eq!(fingerprint(&r), fingerprint(&full), "{what}");
        }
        assert_eq!(r.warnings.len(), 1, "{what}: {:?}", r.warnings);
        assert!(r.capture.truncated, "{what}");
        assert!(
            r.warnings[0].message.contains("damaged"),
            "{what}: {:?}",
            r.warnings
        );
    }
}

#[test]
fn every_frame_captured_twice_gives_the_same_verdicts() {
    // pktmon sees a packet at several components and etl2pcap writes each
    // copy; a SPAN port can do the same. Made from real captures: every
    // frame of the lab's file written twice in a row (same bytes, same time).
    for name in ["tls_ok.pcap", "nla_wrong_password.pcap", "port_closed.pcap"] {
        let want = original(name);
        let (link, recs) = read_pcap(name);
        let twice: Vec<Rec> = recs.iter().flat_map(|r| [r.clone(), r.clone()]).collect();
        let r = analyze_bytes(name, write_pcap(link, &twice, false, false));
        assert_eq!(r.stats.duplicate_frames as usize, recs.len(), "{name}");
        let verdicts = |r: &FileReport| -> Vec<String> {
            r.attempts
                .iter()
                .map(|a| {
                    let ids: Vec<&str> = a.findings.iter().map(|f| f.id.as_str()).collect();
                    format!(
                        "{:?} {:?} {:?} {ids:?}",
                        a.outcome,
                        a.failed_stage,
                        a.root_cause.as_ref().map(|f| &f.id)
                    )
                })
                .collect()
        };
        assert_eq!(verdicts(&r), verdicts(&want), "{name}");
        for (c, w) in r.connections.iter().zip(&want.connections) {
            assert_eq!(c.packets, w.packets, "{name}: copies are not packets");
            assert_eq!(c.tcp.retransmissions(), w.tcp.retransmissions(), "{name}");
        }
        let text = rdpdiag::report::text::render(&r, false, false);
        assert!(
            text.contains(&format!(
                "{} duplicated frame(s) ignored: identical to a packet just before them",
                recs.len()
            )),
            "{text}"
        );
        let plain = rdpdiag::report::text::render(&want, false, false);
        assert!(!plain.contains("duplicated frame(s)"), "{plain}");
    }
}
