//! The terminal report: one block per attempt — verdict, stage ladder, root
//! cause with evidence frames, the fix in numbered steps.

use super::{FileReport, RecordIndex};
use crate::rules::{GATEWAY_ENCRYPTED, SESSION_ERROR_INFO_NORMAL_END};
use crate::verdict::{Attempt, Basis, Outcome};
use crate::verdict::{Finding, Severity};
use rdpdiag_parsers::nego::NegReqFlags;
use std::fmt::Write;

struct Paint(bool);

impl Paint {
    fn c(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn red(&self, s: &str) -> String {
        self.c("1;31", s)
    }
    fn green(&self, s: &str) -> String {
        self.c("1;32", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.c("1;33", s)
    }
    fn bold(&self, s: &str) -> String {
        self.c("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.c("2", s)
    }
}

/// Render one file's report as text.
pub fn render(r: &FileReport, verbose: bool, color: bool) -> String {
    let p = Paint(color);
    let mut o = String::new();
    if r.streamed > 0 {
        // After the attempts printed as they became final.
        o.push('\n');
    }
    let _ = writeln!(
        o,
        "{} — {} frames, {}{}",
        p.bold(&r.file),
        r.capture.frames,
        r.capture.format,
        match (r.capture.first_ts, r.capture.last_ts) {
            (Some(a), Some(b)) => format!(", {} .. {}", a, b),
            _ => String::new(),
        },
    );
    for (_, t) in r.comments.iter().filter(|(f, _)| f.is_none()) {
        let _ = writeln!(o, "  capture comment: {}", comment_text(t));
    }
    for w in &r.warnings {
        let _ = writeln!(o, "  {} {w}", p.yellow("warning:"));
    }
    if r.stats.duplicate_frames > 0 {
        let _ = writeln!(
            o,
            "  {} duplicated frame(s) ignored: identical to a packet just before them \
             (pktmon records a packet at several components; a SPAN port may copy it twice)",
            r.stats.duplicate_frames
        );
    }
    if let Some(s) = &r.scan {
        let _ = writeln!(o, "  {}", p.yellow(&super::scan_line(s)));
    }
    if r.streamed > 0 {
        let _ = writeln!(
            o,
            "  {} attempt(s) printed above as they became final; {} more below",
            r.streamed,
            r.attempts.len()
        );
    }
    if r.attempts.is_empty() && r.scan.is_none() && r.streamed == 0 {
        let _ = writeln!(
            o,
            "  No RDP traffic found: {} TCP connection(s) and {} UDP flow(s) of other kinds. \
             If RDP runs on another port, add it with --port N{}",
            r.stats.tcp_connections,
            r.stats.udp_flows,
            super::ports_seen(&r.stats)
        );
        return o;
    }
    render_attempts(&mut o, &p, r, verbose);
    // The table even when empty, as always; after attempts printed as they
    // became final, only when connections are left.
    if verbose && (r.streamed == 0 || !r.connections.is_empty()) {
        render_connections(&mut o, r);
    }
    o
}

/// The first line of a file whose attempts are printed as they become final
/// (`analyze` on a big capture): its report, header included, follows them.
pub fn streaming_intro(file: &str, color: bool) -> String {
    let p = Paint(color);
    format!(
        "{} — attempts as they become final, while the capture is read; \
         the capture's summary follows them\n",
        p.bold(file)
    )
}

/// The attempts of `r` (a file, or a part of one handed over while it is
/// read), with its connections table when `verbose`.
pub fn render_part(r: &FileReport, verbose: bool, color: bool) -> String {
    let p = Paint(color);
    let mut o = String::new();
    render_attempts(&mut o, &p, r, verbose);
    if verbose && !r.connections.is_empty() {
        render_connections(&mut o, r);
    }
    o
}

fn render_attempts(o: &mut String, p: &Paint, r: &FileReport, verbose: bool) {
    let ix = RecordIndex::new(r);
    for a in &r.attempts {
        render_attempt(o, p, r, &ix, a, verbose);
    }
}

fn render_attempt(
    o: &mut String,
    p: &Paint,
    r: &FileReport,
    ix: &RecordIndex<'_>,
    a: &Attempt,
    verbose: bool,
) {
    let _ = writeln!(o);
    let verdict = match a.outcome {
        // The headline never says plain success above an error finding.
        Outcome::Success if a.succeeded_with_errors() => p.yellow("SUCCESS, with errors"),
        Outcome::Success => p.green("SUCCESS"),
        Outcome::Failure => p.red(&format!(
            "FAILED at {}",
            a.failed_stage.map_or("?", |s| s.name())
        )),
        // Encrypted gateway traffic did not end early: it could not be read.
        Outcome::Incomplete if a.findings.iter().any(|f| f.id == GATEWAY_ENCRYPTED.id) => {
            p.yellow("INCOMPLETE (encrypted: give the key log)")
        }
        Outcome::Incomplete => p.yellow("INCOMPLETE (the capture ends before a verdict)"),
    };
    let _ = writeln!(
        o,
        "Attempt {}: {} → {}   {}   ({} connection(s), {:.2} s, from frame {})",
        a.id,
        a.client,
        a.server,
        verdict,
        a.connection_ids.len() + a.udp_flow_ids.len(),
        a.duration_s,
        a.start.number
    );
    if !a.stages.is_empty() {
        let ladder: Vec<String> = a
            .stages
            .iter()
            .map(|m| {
                let mark = if m.ok { p.green("✓") } else { p.red("✗") };
                format!("{} {}", mark, m.stage.name())
            })
            .collect();
        let _ = writeln!(o, "  stages: {}", ladder.join("  "));
    }
    render_facts(o, p, ix, a);
    if let Some(rc) = &a.root_cause {
        let _ = writeln!(o, "  {} {}", p.bold("cause:"), rc.title);
        if !rc.explanation.is_empty() {
            let _ = writeln!(o, "  {}", p.dim(&wrap(&rc.explanation, 100, "  ")));
        }
        let _ = writeln!(
            o,
            "  {} {}{}",
            p.bold("evidence:"),
            rc.evidence
                .iter()
                .map(|e| {
                    let mut s = format!("frame {} ({})", e.frame, e.detail);
                    for t in r.comments_on(e.frame) {
                        let _ = write!(s, " [comment: {}]", comment_text(t));
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join(", "),
            match rc.basis {
                Basis::Inferred => "  [inferred from the encrypted traffic's shape]",
                Basis::Decrypted => "  [seen decrypted with the TLS key log]",
                Basis::Clear => "",
            }
        );
        if !rc.mstsc_codes.is_empty() {
            let _ = writeln!(
                o,
                "  {} {}",
                p.bold("mstsc shows:"),
                rc.mstsc_codes.join(", ")
            );
        }
        if !rc.remediation.is_empty() {
            let _ = writeln!(o, "  {}", p.bold("fix:"));
            for (i, step) in rc.remediation.iter().enumerate() {
                let _ = writeln!(o, "    {}. {}", i + 1, wrap(step, 96, "       "));
            }
        }
    }
    let others: Vec<&Finding> = a
        .other_findings()
        .filter(|f| verbose || f.severity >= Severity::Warning)
        .collect();
    for f in others {
        let sev = match f.severity {
            // What the client's own retry ran into after the root cause.
            _ if f.consequence => p.yellow("then"),
            Severity::Error => p.red("error"),
            Severity::Warning => p.yellow("warning"),
            Severity::Info => p.dim("info"),
        };
        let frames: Vec<String> = f
            .evidence
            .iter()
            .take(4)
            .map(|e| e.frame.to_string())
            .collect();
        let _ = writeln!(
            o,
            "  {sev} [{}] {}{}",
            f.id,
            f.title,
            if frames.is_empty() {
                String::new()
            } else {
                format!(" (frames {})", frames.join(", "))
            }
        );
    }
    if verbose {
        render_ladder(o, r, ix, a);
    }
}

/// The `-v` ladder of each connection of the attempt: what the session
/// facts saw, the encrypted records when they could not be read, the close,
/// and the capture's comments on those frames (the other comments within the
/// attempt's frames follow).
fn render_ladder(o: &mut String, r: &FileReport, ix: &RecordIndex<'_>, a: &Attempt) {
    use crate::wire::Dir;
    let arrow = |d: Option<Dir>| match d {
        Some(Dir::ClientToServer) => "→",
        Some(Dir::ServerToClient) => "←",
        None => " ",
    };
    let mut shown = Vec::new();
    for c in ix.tcp_of(a) {
        let _ = writeln!(o, "  connection {} {} → {}:", c.id, c.client, c.server);
        let mut rows: Vec<(u64, Option<Dir>, String)> = c
            .facts
            .ladder
            .iter()
            .map(|l| (l.frame.number, Some(l.dir), l.label.clone()))
            .collect();
        // Merged in by frame; the facts' own order is kept as it is.
        for l in super::shape::encrypted_records(c) {
            let at = rows
                .iter()
                .position(|row| row.0 > l.frame.number)
                .unwrap_or(rows.len());
            rows.insert(at, (l.frame.number, l.dir, l.label));
        }
        rows.push((
            c.last.number,
            None,
            format!("TCP: handshake {}, {}", c.handshake_text(), c.end_text()),
        ));
        for (frame, dir, label) in rows {
            let _ = writeln!(o, "    {frame:>6}  {} {label}", arrow(dir));
            if !shown.contains(&frame) {
                for t in r.comments_on(frame) {
                    let _ = writeln!(o, "    {:>6}    # {}", "", comment_text(t));
                }
                shown.push(frame);
            }
        }
    }
    let rest: Vec<&(Option<u64>, String)> = r
        .comments
        .iter()
        .filter(|(f, _)| {
            f.is_some_and(|n| n >= a.start.number && n <= a.end.number && !shown.contains(&n))
        })
        .collect();
    if !rest.is_empty() {
        let _ = writeln!(o, "  comments in the capture:");
        for (f, t) in rest {
            let _ = writeln!(o, "    {:>6}    # {}", f.unwrap_or(0), comment_text(t));
        }
    }
}

/// A capture comment on one line, bounded for the terminal.
fn comment_text(t: &str) -> String {
    const MAX: usize = 160;
    let one: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > MAX {
        let cut: String = one.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        one
    }
}

/// The facts of the attempt an admin acts on, also when no finding names
/// them: the DNS answer it used, Restricted Admin / Remote Credential Guard
/// requests, the Early User Authorization result.
fn render_facts(o: &mut String, p: &Paint, ix: &RecordIndex<'_>, a: &Attempt) {
    let mut seen: Vec<(&str, Vec<&str>)> = Vec::new();
    for l in &a.dns {
        let answers: Vec<&str> = l.answers.iter().map(String::as_str).collect();
        if seen.iter().any(|(n, x)| *n == l.name && *x == answers) {
            continue;
        }
        let answer = if answers.is_empty() {
            l.rcode.map_or("no answer".to_string(), |c| c.to_string())
        } else {
            answers.join(", ")
        };
        let _ = writeln!(
            o,
            "  {} {} → {answer} (frame {})",
            p.bold("dns:"),
            l.name,
            l.response.unwrap_or(l.query).number
        );
        seen.push((&l.name, answers));
    }
    // Why a session that came up ended, when the server said so.
    if a.outcome == Outcome::Success {
        for f in a
            .findings
            .iter()
            .filter(|f| f.id == SESSION_ERROR_INFO_NORMAL_END.id)
        {
            let frame = f.evidence.first().map_or(0, |e| e.frame);
            let _ = writeln!(o, "  {} {} (frame {frame})", p.bold("ended:"), f.title);
        }
    }
    for c in ix.tcp_of(a) {
        let n = &c.facts.negotiation;
        let mut asked = Vec::new();
        if n.request_flags
            .contains(NegReqFlags::RESTRICTED_ADMIN_MODE_REQUIRED)
        {
            asked.push("Restricted Admin mode");
        }
        if n.request_flags
            .contains(NegReqFlags::REDIRECTED_AUTHENTICATION_MODE_REQUIRED)
        {
            asked.push("Remote Credential Guard (redirected authentication)");
        }
        if let (false, Some(f)) = (asked.is_empty(), n.request_frame) {
            let _ = writeln!(
                o,
                "  {} {} (connection {}, frame {})",
                p.bold("client requires:"),
                asked.join(", "),
                c.id,
                f.number
            );
        }
        if let Some((f, dir, reason)) = c.facts.mcs.disconnect_ultimatum {
            if a.outcome == Outcome::Success && dir == crate::wire::Dir::ServerToClient {
                let _ = writeln!(
                    o,
                    "  {} the server sent Disconnect Provider Ultimatum ({reason}) (connection {}, frame {})",
                    p.bold("ended:"),
                    c.id,
                    f.number
                );
            }
        }
        if let Some((f, result)) = c.facts.rdp.early_user_auth {
            let _ = writeln!(
                o,
                "  {} {result} (connection {}, frame {})",
                p.bold("early user authorization:"),
                c.id,
                f.number
            );
        }
    }
}

fn render_connections(o: &mut String, r: &FileReport) {
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "  {:<4} {:<22} {:<22} {:>8} {:>9} {:>11} {:<20} {:<20} notes",
        "conn", "client", "server", "dur(s)", "pkts c/s", "bytes c/s", "handshake", "end"
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
            "  {:<4} {:<22} {:<22} {:>8.3} {:>9} {:>11} {:<20} {:<20} {}",
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
}

fn wrap(s: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for w in s.split_whitespace() {
        if line > 0 && line + w.len() + 1 > width {
            out.push('\n');
            out.push_str(indent);
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(w);
        line += w.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(capture: &str) -> FileReport {
        let path = format!("{}/captures/{capture}", env!("CARGO_MANIFEST_DIR"));
        crate::analysis::analyze_file(&path, &crate::analysis::AnalysisConfig::default())
            .expect("a bundled capture")
    }

    #[test]
    fn headline_never_says_plain_success_above_an_error() {
        // captures/tls_ok.pcap succeeds without an error finding: green.
        let mut r = report("tls_ok.pcap");
        assert!(render(&r, false, true).contains("\x1b[1;32mSUCCESS\x1b[0m"));
        // No bundled capture succeeds with an error finding any more (the
        // server's reset mid-session is now the session's failure), so one
        // is added (session.reset, not decisive: hand-made): the headline
        // turns yellow.
        let mut f = crate::rules::finding(&crate::rules::SESSION_RESET, None, None, Vec::new());
        f.decisive = false;
        r.attempts[0].findings.push(f);
        let t = render(&r, false, true);
        assert!(t.contains("\x1b[1;33mSUCCESS, with errors\x1b[0m"), "{t}");
        assert!(!t.contains("\x1b[1;32mSUCCESS"), "{t}");
    }
}
