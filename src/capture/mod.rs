//! Capture input: frames from pcap/pcapng files (plain or gzip'd), stdin, and
//! (feature `live`) libpcap.
//!
//! Sources push frames into a [`FrameSink`], so the same engine serves batch
//! analysis, replay and live capture, and nothing holds more than one block of
//! the file in memory.

mod file;
mod input;
mod prefetch;
pub mod write;

pub use file::{open_path, open_path_counted, open_reader, read_capture, InputError, ReadSummary};

use crate::wire::Ts;
use std::fmt;

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

/// Whether frames of this link type can be decoded (`net` unwraps exactly
/// these; a file of another link type is refused when it is opened).
pub fn link_supported(link: LinkType) -> bool {
    matches!(
        link,
        LinkType::NULL
            | LinkType::ETHERNET
            | LinkType::RAW
            | LinkType::LOOP
            | LinkType::LINUX_SLL
            | LinkType::LINUX_SLL2
            | LinkType::IPV4
            | LinkType::IPV6
    ) || link.0 == 12 // LINKTYPE_RAW on some OpenBSD writers
        || link.0 == 14
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
