//! `--format jsonl` (`"schema": "rdpdiag-jsonl/1"`, docs/json.md): one flat
//! JSON object per attempt, one per line, with Zeek-style connection fields
//! (`ts`, `uid`, `id.orig_h` …, `community_id`) so that a SIEM joins it with
//! the Zeek `conn.log` and Suricata `eve.json` records of the same flow.
//!
//! The API takes ONE attempt and its [`Context`] (file name and first
//! connection), never a whole report: `analyze` calls it per attempt of a
//! finished file, `live` per settled attempt, and a streaming engine can call
//! it the moment an attempt closes.
//!
//! Like `rdpdiag/2`, the field names are a contract: within
//! `rdpdiag-jsonl/1` fields are only added (docs/schema/rdpdiag-jsonl-1.schema.json).

use super::{FileReport, RecordIndex};
use crate::verdict::Attempt;
use serde::Serialize;
use sha1::{Digest, Sha1};
use std::net::{IpAddr, SocketAddr};

/// Version of the line shape; bumped on any incompatible change.
pub const SCHEMA: &str = "rdpdiag-jsonl/1";

/// IANA protocol numbers, as the Community ID hashes them.
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;

/// The transport of an attempt's first connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
    fn number(self) -> u8 {
        match self {
            Proto::Tcp => IPPROTO_TCP,
            Proto::Udp => IPPROTO_UDP,
        }
    }
}

/// The first connection of an attempt: its client (originator) and server
/// (responder), as Zeek's `id` record names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoints {
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub proto: Proto,
}

/// What a line needs besides the attempt itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The input file (`-` for stdin); None in live capture without `--write`.
    pub file: Option<&'a str>,
    /// The attempt's first TCP connection, else its first UDP flow (an
    /// attempt that is only a failed DNS lookup); None if it has neither.
    pub first: Option<Endpoints>,
}

impl<'a> Context<'a> {
    /// The context of `a`, one of `file`'s attempts (`index` is the file's).
    pub fn of(file: &'a FileReport, index: &RecordIndex<'_>, a: &Attempt) -> Context<'a> {
        let tcp = a.connection_ids.first().and_then(|id| {
            index.tcp(*id).map(|c| Endpoints {
                client: c.client,
                server: c.server,
                proto: Proto::Tcp,
            })
        });
        let udp = || {
            a.udp_flow_ids.first().and_then(|id| {
                index.udp(*id).map(|u| Endpoints {
                    client: u.flow.client,
                    server: u.flow.server,
                    proto: Proto::Udp,
                })
            })
        };
        Context {
            file: Some(&file.file),
            first: tcp.or_else(udp),
        }
    }
}

/// One line. Field order is the order keys are written in.
#[derive(Debug, Serialize)]
pub struct Line {
    pub schema: &'static str,
    /// Start of the attempt, seconds since the epoch (Zeek's `ts`).
    pub ts: f64,
    pub uid: String,
    #[serde(rename = "id.orig_h")]
    pub orig_h: Option<String>,
    #[serde(rename = "id.orig_p")]
    pub orig_p: Option<u16>,
    #[serde(rename = "id.resp_h")]
    pub resp_h: Option<String>,
    #[serde(rename = "id.resp_p")]
    pub resp_p: Option<u16>,
    pub proto: Option<&'static str>,
    pub community_id: Option<String>,
    pub file: Option<String>,
    /// The attempt's number within its file (`attempts[].id` of rdpdiag/2).
    pub attempt: u32,
    /// `address:port`, or the name whose DNS lookup failed.
    pub server: String,
    pub outcome: &'static str,
    /// The failed stage; null unless `outcome` is `failure`.
    pub stage: Option<&'static str>,
    /// The root cause's rule id and title.
    pub rule: Option<String>,
    pub title: Option<String>,
    pub severity: Option<&'static str>,
    pub mstsc_codes: Vec<String>,
    /// The root cause's evidence frames, ascending.
    pub evidence_frames: Vec<u64>,
    pub start_frame: u64,
    pub end_frame: u64,
    /// Seconds from the first to the last frame.
    pub duration: f64,
    /// TCP connections and UDP flows of the attempt.
    pub connections: usize,
    pub udp_flows: usize,
    /// Rule ids of every finding, root cause included, in report order.
    pub findings: Vec<String>,
    pub evidence_basis: &'static str,
    /// The attempt's first frame, for the uid of a line scrubbed later.
    #[serde(skip)]
    pub start: crate::wire::FrameRef,
}

/// How strings are cleaned (`--redact`): applied to every string that can
/// carry a name or an address.
pub type Scrub<'s> = Option<&'s dyn Fn(&str) -> String>;

/// The line of one attempt. With `scrub` (redaction) the addresses, names and
/// file are replaced and `community_id` is null: a hash of the real 5-tuple
/// would let anyone holding the traffic undo the redaction.
pub fn line(a: &Attempt, ctx: &Context<'_>, scrub: Scrub<'_>) -> Line {
    let l = raw_line(a, ctx);
    match scrub {
        Some(f) => l.scrubbed(f),
        None => l,
    }
}

impl Line {
    /// The line with every string that can carry a name or an address
    /// cleaned by `f`, its uid made from the cleaned file name and no
    /// `community_id` (see [`line`]). A streaming writer renders lines first
    /// and scrubs them when their turn to be written comes.
    pub fn scrubbed(mut self, f: &dyn Fn(&str) -> String) -> Line {
        let clean = |s: &mut String| *s = f(s);
        self.file.as_mut().map(clean);
        self.uid = uid(self.file.as_deref(), self.start);
        self.orig_h.as_mut().map(clean);
        self.resp_h.as_mut().map(clean);
        clean(&mut self.server);
        self.title.as_mut().map(clean);
        self.community_id = None;
        self
    }
}

/// The line of one attempt, nothing scrubbed.
fn raw_line(a: &Attempt, ctx: &Context<'_>) -> Line {
    let rc = a.root_cause.as_ref();
    let mut evidence_frames: Vec<u64> = rc
        .map(|f| f.evidence.iter().map(|e| e.frame).collect())
        .unwrap_or_default();
    evidence_frames.sort_unstable();
    evidence_frames.dedup();
    let file = ctx.file.map(str::to_string);
    let first = ctx.first;
    Line {
        schema: SCHEMA,
        ts: epoch_seconds(a.start.ts),
        uid: uid(file.as_deref(), a.start),
        orig_h: first.map(|e| e.client.ip().to_string()),
        orig_p: first.map(|e| e.client.port()),
        resp_h: first.map(|e| e.server.ip().to_string()),
        resp_p: first.map(|e| e.server.port()),
        proto: first.map(|e| e.proto.name()),
        community_id: first.and_then(|e| community_id_v1(e.client, e.server, e.proto.number(), 0)),
        file,
        attempt: a.id,
        server: a.server.clone(),
        outcome: a.outcome.name(),
        stage: a.failed_stage.map(crate::verdict::Stage::name),
        rule: rc.map(|f| f.id.clone()),
        title: rc.map(|f| f.title.clone()),
        severity: rc.map(|f| f.severity.name()),
        mstsc_codes: rc.map(|f| f.mstsc_codes.clone()).unwrap_or_default(),
        evidence_frames,
        start_frame: a.start.number,
        end_frame: a.end.number,
        duration: a.duration_s,
        connections: a.connection_ids.len(),
        udp_flows: a.udp_flow_ids.len(),
        findings: a.findings.iter().map(|f| f.id.clone()).collect(),
        evidence_basis: a.evidence_basis.name(),
        start: a.start,
    }
}

/// The attempt as one JSON line (no newline).
pub fn to_line(a: &Attempt, ctx: &Context<'_>, scrub: Scrub<'_>) -> serde_json::Result<String> {
    serde_json::to_string(&line(a, ctx, scrub))
}

/// Seconds since the epoch with microseconds, as Zeek writes `ts`: rounded
/// to the microsecond so the float prints without binary noise.
fn epoch_seconds(ts: crate::wire::Ts) -> f64 {
    ts.0.div_euclid(1000) as f64 / 1e6
}

/// A stable id of an attempt: `R` and 17 base-62 digits of a SHA-1 over the
/// file name as written, the attempt's first frame number and its time. The
/// same capture gives the same uids on every run; live capture (frame numbers
/// restart) differs by the time.
pub fn uid(file: Option<&str>, start: crate::wire::FrameRef) -> String {
    let mut h = Sha1::new();
    h.update(SCHEMA.as_bytes());
    h.update([0]);
    h.update(file.unwrap_or("").as_bytes());
    h.update([0]);
    h.update(start.number.to_be_bytes());
    h.update(start.ts.0.to_be_bytes());
    let d = h.finalize();
    let mut n = d[..12]
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    // 62^17 > 2^96: 17 digits hold any 96-bit value, so every uid is 18 chars.
    let mut out = [b'0'; 17];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    let mut s = String::with_capacity(18);
    s.push('R');
    s.extend(out.iter().map(|b| char::from(*b)));
    s
}

/// Community ID v1 (github.com/corelight/community-id-spec) of a flow with
/// ports: base64 of SHA-1 over seed, the two addresses, protocol, a zero pad
/// byte and the two ports (all network order), endpoints ordered so both
/// directions hash alike. None when the address families differ.
pub fn community_id_v1(a: SocketAddr, b: SocketAddr, proto: u8, seed: u16) -> Option<String> {
    fn octets(ip: IpAddr) -> Vec<u8> {
        match ip {
            IpAddr::V4(v) => v.octets().to_vec(),
            IpAddr::V6(v) => v.octets().to_vec(),
        }
    }
    let (oa, ob) = (octets(a.ip()), octets(b.ip()));
    if oa.len() != ob.len() {
        return None;
    }
    let ((sa, sp), (da, dp)) = if (&oa, a.port()) <= (&ob, b.port()) {
        ((oa, a.port()), (ob, b.port()))
    } else {
        ((ob, b.port()), (oa, a.port()))
    };
    let mut h = Sha1::new();
    h.update(seed.to_be_bytes());
    h.update(&sa);
    h.update(&da);
    h.update([proto, 0]);
    h.update(sp.to_be_bytes());
    h.update(dp.to_be_bytes());
    Some(format!("1:{}", base64(&h.finalize())))
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    /// The spec's and Zeek's published vectors (community-id-spec baseline;
    /// Zeek's testing/btest/bifs/community_id_v1.zeek), both directions.
    #[test]
    fn community_id_matches_the_published_vectors() {
        let cases = [
            (
                "1.2.3.4:1122",
                "5.6.7.8:3344",
                6,
                0,
                "1:wCb3OG7yAFWelaUydu0D+125CLM=",
            ),
            (
                "1.2.3.4:1122",
                "5.6.7.8:3344",
                17,
                0,
                "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=",
            ),
            (
                "1.2.3.4:1122",
                "5.6.7.8:3344",
                6,
                1,
                "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=",
            ),
            (
                "1.2.3.4:1122",
                "5.6.7.8:3344",
                17,
                1,
                "1:OShq+iKDAMVouh/4bMxB9Sz4amw=",
            ),
            // ICMP echo: the spec maps type 8 to the port pair (8, 0).
            (
                "1.2.3.4:8",
                "5.6.7.8:0",
                1,
                0,
                "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=",
            ),
            // ICMPv6 echo: (128, 129); exercises 16-byte addresses.
            (
                "[fe80:1:203:405:607:809:a0b:c0d]:128",
                "[fe80:1011:1213:1415:1617:1819:1a1b:1c1d]:129",
                58,
                0,
                "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=",
            ),
            (
                "[fe80:1:203:405:607:809:a0b:c0d]:128",
                "[fe80:1011:1213:1415:1617:1819:1a1b:1c1d]:129",
                58,
                1,
                "1:IO27GQzPuCtNnwFvjWALMHu5tJE=",
            ),
        ];
        for (a, b, proto, seed, want) in cases {
            let (a, b) = (sa(a), sa(b));
            assert_eq!(community_id_v1(a, b, proto, seed).as_deref(), Some(want));
            if proto == 6 || proto == 17 {
                assert_eq!(community_id_v1(b, a, proto, seed).as_deref(), Some(want));
            }
        }
        assert_eq!(community_id_v1(sa("1.2.3.4:1"), sa("[::1]:2"), 6, 0), None);
    }

    #[test]
    fn base64_pads_like_rfc4648() {
        // RFC 4648 §10 test vectors.
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn uid_is_stable_and_fixed_width() {
        let f = crate::wire::FrameRef {
            number: 7,
            ts: crate::wire::Ts(1_700_000_000_123_456_000),
        };
        let a = uid(Some("a.pcap"), f);
        assert_eq!(a, uid(Some("a.pcap"), f));
        assert_ne!(a, uid(Some("b.pcap"), f));
        assert_ne!(a, uid(None, f));
        assert_eq!(a.len(), 18);
        assert!(a.starts_with('R') && a[1..].chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn ts_is_epoch_seconds_to_the_microsecond() {
        let t = epoch_seconds(crate::wire::Ts(1_764_000_000_585_149_999));
        assert_eq!(serde_json::to_string(&t).unwrap(), "1764000000.585149");
    }
}
