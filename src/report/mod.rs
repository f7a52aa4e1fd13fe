//! Views of an analysis: the JSON contract ([`json`]), one JSON line per
//! attempt ([`jsonl`]), the terminal report
//! ([`text`]) and a self-contained HTML page ([`html`]).
//! Views never compute verdicts; they render what the layers below decided.

pub mod html;
pub mod json;
pub mod jsonl;
pub mod shape;
pub mod text;

use crate::capture::{ReadSummary, Warning};
use crate::flow::FlowStats;
use crate::session::scan::ScanSummary;
use crate::session::{ConnectionRecord, UdpRecord};
use crate::verdict::Attempt;
use std::collections::HashMap;

pub use json::{Document, Tool, SCHEMA};

/// The analysis of one input file. Written as JSON through [`json::File`].
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub file: String,
    pub capture: ReadSummary,
    pub warnings: Vec<Warning>,
    /// One verdict per RDP connection attempt.
    pub attempts: Vec<Attempt>,
    pub stats: FlowStats,
    pub connections: Vec<ConnectionRecord>,
    pub udp_flows: Vec<UdpRecord>,
    /// pcapng comments: (frame, text); frame None for a section comment.
    /// Bounded by the engine (count and length).
    pub comments: Vec<(Option<u64>, String)>,
    /// Why the input could not be read; everything else is then empty.
    pub error: Option<String>,
    /// Scan probes folded into one summary (only when some were folded:
    /// more than `[limits] scan_fold_after`; see `session::scan`).
    pub scan: Option<ScanSummary>,
    /// Attempts a streaming analysis already handed over before this report
    /// was made (`analysis::analyze_file_streaming`); `attempts` holds only
    /// the ones after them. 0 otherwise.
    pub streamed: u64,
}

impl FileReport {
    /// The report of an input that could not be read, so that it still
    /// appears in the JSON `files` (with its `error`), in input order.
    pub fn unreadable(file: &str, error: &crate::capture::InputError) -> FileReport {
        FileReport {
            file: file.to_string(),
            error: Some(error.to_string()),
            ..FileReport::default()
        }
    }

    /// The comments on frame `n`.
    pub fn comments_on(&self, n: u64) -> impl Iterator<Item = &str> {
        self.comments
            .iter()
            .filter(move |(f, _)| *f == Some(n))
            .map(|(_, t)| t.as_str())
    }
}

/// A file's connection records by id, built once per rendering: each
/// attempt finds its own in constant time (a search per attempt is
/// quadratic in the connections of a file: it was a quarter of a 1 GB JSON
/// run).
pub struct RecordIndex<'a> {
    tcp: HashMap<u32, &'a ConnectionRecord>,
    udp: HashMap<u32, &'a UdpRecord>,
}

impl<'a> RecordIndex<'a> {
    pub fn new(file: &'a FileReport) -> Self {
        RecordIndex {
            tcp: file.connections.iter().map(|c| (c.id, c)).collect(),
            udp: file.udp_flows.iter().map(|u| (u.flow.id, u)).collect(),
        }
    }

    /// The TCP connection record `id`.
    pub fn tcp(&self, id: u32) -> Option<&'a ConnectionRecord> {
        self.tcp.get(&id).copied()
    }

    /// The UDP flow record `id`.
    pub fn udp(&self, id: u32) -> Option<&'a UdpRecord> {
        self.udp.get(&id).copied()
    }

    /// An attempt's TCP connection records, in its order.
    pub fn tcp_of<'b>(
        &'b self,
        a: &'b Attempt,
    ) -> impl Iterator<Item = &'a ConnectionRecord> + use<'a, 'b> {
        a.connection_ids.iter().filter_map(|id| self.tcp(*id))
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let d = n.to_string();
    let mut o = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            o.push(',');
        }
        o.push(c);
    }
    o
}

/// For a capture without RDP: " (server ports seen: 445 (12), …)." with the
/// first eight non-RDP server ports, or "." when there were none (the text
/// and HTML reports' "No RDP traffic found" line).
pub(crate) fn ports_seen(stats: &FlowStats) -> String {
    let ports: Vec<String> = stats
        .other_tcp_ports
        .iter()
        .take(8)
        .map(|(p, n)| format!("{p} ({n})"))
        .collect();
    if ports.is_empty() {
        String::from(".")
    } else {
        format!(" (server ports seen: {}).", ports.join(", "))
    }
}

/// The capture-level line of a scan summary, as text, HTML and the TUI show
/// it: "12,345 SYNs from 1,024 sources to 3389 on 5,000 hosts, none answered …".
pub fn scan_line(s: &ScanSummary) -> String {
    let at_least = |capped: bool| if capped { "at least " } else { "" };
    let a = &s.answers;
    let answers = if a.syn_ack == 0 && a.rst == 0 {
        "none answered".to_string()
    } else {
        let mut parts = Vec::new();
        for (n, what) in [
            (a.syn_ack, "answered by SYN-ACK (port open)"),
            (a.rst, "refused by RST"),
            (a.unanswered, "unanswered"),
        ] {
            if n > 0 {
                parts.push(format!("{} {what}", thousands(n)));
            }
        }
        parts.join(", ")
    };
    let ports: Vec<String> = s.ports.keys().map(u16::to_string).collect();
    let top: Vec<String> = s
        .top_sources()
        .iter()
        .map(|(ip, n)| format!("{ip} ({})", thousands(*n)))
        .collect();
    let frames = match (s.first, s.last) {
        (Some(f), Some(l)) => format!(" (frames {}..{})", f.number, l.number),
        _ => String::new(),
    };
    format!(
        "scan: {} SYNs from {}{} source(s) to port {} on {}{} host(s), {answers}, \
         no payload{frames}; {} reported as attempts, {} only counted here \
         ([limits] scan_fold_after). Busiest sources: {}",
        thousands(s.probes),
        at_least(s.sources_capped),
        thousands(s.sources() as u64),
        ports.join(", "),
        at_least(s.targets_capped),
        thousands(s.targets() as u64),
        thousands(s.kept),
        thousands(s.folded),
        top.join(", "),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(12_345), "12,345");
        assert_eq!(super::thousands(1_000_000), "1,000,000");
    }
}
