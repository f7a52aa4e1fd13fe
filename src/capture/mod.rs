//! Capture input: frames from pcap/pcapng files (plain or gzip'd), stdin, and
//! (feature `live`) libpcap.
//!
//! Sources push frames into a [`FrameSink`], so the same engine serves batch
//! analysis, replay and live capture, and nothing holds more than one block of
//! the file in memory.

mod file;
pub mod write;

pub use file::{open_path, open_path_counted, open_reader, read_capture, InputError, ReadSummary};

use std::fmt;

/// A capture timestamp: nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ts(pub i64);

impl Ts {
    /// Whole seconds since the epoch.
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }
    /// Seconds as a float, for display and arithmetic on durations.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    /// `self - earlier` in seconds.
    pub fn since(self, earlier: Ts) -> f64 {
        (self.0.saturating_sub(earlier.0)) as f64 / 1e9
    }
    /// Build from seconds and nanoseconds.
    pub fn from_parts(secs: i64, nanos: i64) -> Ts {
        Ts(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
    }
    /// RFC 3339 UTC rendering with microseconds, e.g. `2026-11-21T13:25:00.123456Z`.
    pub fn rfc3339(self) -> String {
        let secs = self.secs();
        let micros = self.0.rem_euclid(1_000_000_000) / 1000;
        let (y, mo, d, h, mi, s) = civil_from_unix(secs);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}Z")
    }
}

impl serde::Serialize for Ts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

/// Convert Unix seconds to (year, month, day, hour, minute, second) in UTC.
/// Howard Hinnant's days-from-civil inverse; valid for the whole i64 day range we meet.
pub fn civil_from_unix(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

/// A link-layer type (the pcap LINKTYPE_ number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    pub const RAW: LinkType = LinkType(101);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// A short name for messages.
    pub fn name(self) -> String {
        match self {
            LinkType::NULL => "BSD loopback (NULL)".into(),
            LinkType::ETHERNET => "Ethernet".into(),
            LinkType::RAW => "raw IP".into(),
            LinkType::LOOP => "OpenBSD loopback".into(),
            LinkType::LINUX_SLL => "Linux cooked (SLL)".into(),
            LinkType::IPV4 => "raw IPv4".into(),
            LinkType::IPV6 => "raw IPv6".into(),
            LinkType::LINUX_SLL2 => "Linux cooked v2 (SLL2)".into(),
            LinkType(n) => format!("link type {n}"),
        }
    }
}

/// One captured frame, borrowed from the reader's buffer.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 1-based frame number, as Wireshark counts.
    pub number: u64,
    pub ts: Ts,
    pub link: LinkType,
    /// Interface index within the pcapng section (0 for pcap).
    pub interface: u32,
    /// Captured bytes (may be shorter than `orig_len` when a snap length cut it).
    pub data: &'a [u8],
    pub orig_len: u32,
}

/// A problem in the input that does not stop the analysis.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// The frame it concerns (or the last frame read before it), if any.
    pub frame: Option<u64>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.frame {
            Some(n) => write!(f, "frame {n}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Receives what a source reads.
pub trait FrameSink {
    /// One frame.
    fn frame(&mut self, frame: &Frame<'_>);
    /// TLS key-log text found in the capture (pcapng Decryption Secrets Block).
    fn tls_secrets(&mut self, _keylog: &[u8]) {}
    /// A comment attached to the capture or a packet.
    fn comment(&mut self, _frame: Option<u64>, _text: &str) {}
    /// A non-fatal problem.
    fn warning(&mut self, w: Warning);
    /// Return true to stop reading early (e.g. the user quit).
    fn stop(&self) -> bool {
        false
    }
}
