//! The terminal report.

use super::FileReport;
use std::fmt::Write;

/// Render one file's report as text.
pub fn render(r: &FileReport, _verbose: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} frames, {} ({}){}",
        r.file,
        r.capture.frames,
        r.capture.format,
        match (r.capture.first_ts, r.capture.last_ts) {
            (Some(a), Some(b)) => format!("{} .. {}", a, b),
            _ => "no timestamps".into(),
        },
        if r.capture.truncated { ", TRUNCATED" } else { "" }
    );
    for w in &r.warnings {
        let _ = writeln!(o, "  warning: {w}");
    }
    if r.connections.is_empty() && r.udp_flows.iter().all(|u| u.kind != crate::flow::UdpKind::RdpUdp) {
        let ports: Vec<String> = r
            .stats
            .other_tcp_ports
            .iter()
            .take(8)
            .map(|(p, n)| format!("{p} ({n})"))
            .collect();
        let _ = writeln!(
            o,
            "  No RDP traffic found: {} TCP connection(s) and {} UDP flow(s) of other kinds. \
             If RDP runs on another port, add it with --port N{}",
            r.stats.tcp_connections,
            r.stats.udp_flows,
            if ports.is_empty() {
                String::from(".")
            } else {
                format!(" (server ports seen: {}).", ports.join(", "))
            }
        );
        return o;
    }
    let _ = writeln!(
        o,
        "  {:<4} {:<22} {:<22} {:>8} {:>9} {:>9} {:<20} {:<20} {}",
        "conn", "client", "server", "dur(s)", "pkts c/s", "bytes c/s", "handshake", "end", "notes"
    );
    for c in &r.connections {
        let mut notes = Vec::new();
        let rt = c.tcp.retransmissions();
        if rt > 0 {
            notes.push(format!("{rt} retransmissions"));
        }
        if c.tcp.duplicate_frames > 0 {
            notes.push(format!("{} duplicated frames", c.tcp.duplicate_frames));
        }
        let zw = c.tcp.client.zero_window + c.tcp.server.zero_window;
        if zw > 0 {
            notes.push(format!("{zw} zero-window"));
        }
        if let Some(rtt) = c.tcp.handshake_rtt_s {
            notes.push(format!("rtt {:.1} ms", rtt * 1000.0));
        }
        let _ = writeln!(
            o,
            "  {:<4} {:<22} {:<22} {:>8.3} {:>9} {:>9} {:<20} {:<20} {}",
            c.id,
            c.client.to_string(),
            c.server.to_string(),
            c.duration_s,
            format!("{}/{}", c.packets[0], c.packets[1]),
            format!("{}/{}", c.bytes[0], c.bytes[1]),
            c.handshake_text(),
            c.end_text(),
            notes.join(", ")
        );
    }
    for u in r.udp_flows.iter().filter(|u| u.kind == crate::flow::UdpKind::RdpUdp) {
        let _ = writeln!(
            o,
            "  {:<4} {:<22} {:<22} {:>8.3} {:>9} {:>9} {:<20}",
            u.id,
            u.client.to_string(),
            u.server.to_string(),
            u.last.ts.since(u.first.ts),
            format!("{}/{}", u.packets[0], u.packets[1]),
            format!("{}/{}", u.bytes[0], u.bytes[1]),
            "udp"
        );
    }
    o
}
