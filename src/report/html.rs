//! The HTML report: one self-contained page (inline CSS and SVG, no script,
//! nothing fetched) with, per attempt, the verdict, the root cause and its
//! fix, the other findings and a ladder diagram per connection.
//!
//! Every string from the analysis goes through [`Scrub`]: redaction (when
//! asked) on the value, then HTML escaping. Redacting values rather than the
//! finished page keeps placeholders out of the markup.

mod ladder;

use super::{FileReport, RecordIndex};
use crate::verdict::{Attempt, Basis, Finding, Outcome, Severity};
use std::fmt::Write;

/// How user-visible strings are cleaned: an optional redaction of the value,
/// then escaping for HTML text and attributes.
pub struct Scrub<'a> {
    redact: Option<&'a dyn Fn(&str) -> String>,
}

impl<'a> Scrub<'a> {
    /// Leave values as they are (only escape them).
    pub fn none() -> Scrub<'static> {
        Scrub { redact: None }
    }
    /// Pass every value through `f` (e.g. `Redactor::text`) before escaping.
    pub fn with(f: &'a dyn Fn(&str) -> String) -> Scrub<'a> {
        Scrub { redact: Some(f) }
    }
    /// The redacted value, not escaped.
    fn raw(&self, s: &str) -> String {
        match self.redact {
            Some(f) => f(s),
            None => s.to_string(),
        }
    }
    /// The redacted value, escaped: what goes into the page.
    fn text(&self, s: &str) -> String {
        esc(&self.raw(s))
    }
}

/// Escape for HTML text and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// `1234567` → `1,234,567`.
fn group_digits(n: u64) -> String {
    let d = n.to_string();
    let mut o = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            o.push(',');
        }
        o.push(c);
    }
    o
}

/// At most `max` characters, with an ellipsis when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut o: String = s.chars().take(max.saturating_sub(1)).collect();
    o.push('…');
    o
}

const STYLE: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2430;background:#f3f5f8;margin:0;padding:24px}
main{max-width:1040px;margin:0 auto}
.file{display:flex;flex-direction:column}.file>header{order:-1}
h1{font-size:22px;margin:0 0 4px}
.meta{color:#5b6472;font-size:13px}
.warn-line{color:#8a5a00}
section.attempt{background:#fff;border:1px solid #d8dde5;border-radius:10px;padding:18px 22px;margin:20px 0;box-shadow:0 1px 2px rgba(0,0,0,.05)}
.head{display:flex;flex-wrap:wrap;gap:12px;align-items:center}
.head h2{font-size:18px;margin:0}
.badge{font-weight:700;padding:3px 12px;border-radius:14px;font-size:14px;letter-spacing:.02em}
.badge.ok{background:#e3f4e6;color:#1b6b2a;border:1px solid #9bd3a6}
.badge.fail{background:#fde8e8;color:#b3261e;border:1px solid #f0a8a4}
.badge.warn,.badge.incomplete{background:#fff4dc;color:#8a5a00;border:1px solid #f0cf86}
.stages{margin:10px 0;display:flex;flex-wrap:wrap;gap:6px}
.stage{font-size:13px;padding:2px 9px;border-radius:4px;background:#eef1f5;border:1px solid #d3d9e2}
.stage.ok{color:#1b6b2a}.stage.bad{color:#fff;background:#c62828;border-color:#c62828}
.cause{border-left:5px solid #c62828;background:#fff7f7;padding:10px 16px;margin:12px 0;border-radius:0 6px 6px 0}
.cause.info{border-left-color:#b07d00;background:#fffaf0}
.cause h3{margin:0 0 6px;font-size:16px;color:#8e1c16}
.cause.info h3{color:#6d4d00}
.fix{background:#f1f8f2;border-left:5px solid #2e7d32;padding:8px 16px 8px 12px;margin:10px 0;border-radius:0 6px 6px 0}
.fix h4,.findings h4,.conn h4{margin:4px 0;font-size:14px;text-transform:uppercase;letter-spacing:.04em;color:#46505e}
.fix ol{margin:4px 0;padding-left:24px}
code,.frames{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:13px}
td.frames{white-space:nowrap}
td,th{border-bottom:1px solid #e4e8ee;padding:4px 6px;text-align:left;vertical-align:top}
.sev-error{color:#b3261e;font-weight:700}.sev-warning{color:#8a5a00;font-weight:700}.sev-info{color:#5b6472}
.conn{margin-top:16px}
svg.ladder{display:block;background:#fbfcfd;border:1px solid #e1e5eb;border-radius:6px;max-width:100%;height:auto;font-family:system-ui,"DejaVu Sans",sans-serif}
svg .box{fill:#e8eef7;stroke:#7d93b2}
svg .who{font-weight:700;font-size:14px;fill:#1d2430}
svg .addr{font-size:12px;fill:#3d4756}
svg .life{stroke:#9aa7b8;stroke-width:2;stroke-dasharray:6 4}
svg .fno{font:12px ui-monospace,"DejaVu Sans Mono",monospace;fill:#3d4756}
svg .rel{font:12px ui-monospace,"DejaVu Sans Mono",monospace;fill:#6b7482}
svg .lbl{font-size:13px}
svg .ev .arrow{stroke:#1f4e8c;stroke-width:2}svg .ev .head{fill:#1f4e8c}svg .ev .lbl{fill:#15335c}
svg .rec .arrow{stroke:#4f7cac;stroke-width:1.5}svg .rec .head{fill:#4f7cac}svg .rec .lbl{fill:#2f4d6e}
svg .enc .arrow{stroke:#a3a9b1;stroke-width:1.5;stroke-dasharray:5 3}svg .enc .head{fill:#a3a9b1}svg .enc .lbl{fill:#7b828c;font-style:italic}
svg .fold .band{stroke:#b9bfc7;stroke-width:1;stroke-dasharray:2 4}svg .fold .lbl{fill:#7b828c;font-style:italic}
svg .note .band{stroke:#6b7482;stroke-dasharray:4 4}svg .note .lbl{fill:#3d4756}
svg .fail .arrow{stroke:#d32f2f;stroke-width:3}svg .fail .head{fill:#d32f2f}svg .fail .band{stroke:#d32f2f;stroke-width:3}
svg .fail .lbl{fill:#b71c1c;font-weight:700}svg .fail .why{fill:#d32f2f;font-size:13px;font-weight:700}svg .fail .fno{fill:#d32f2f;font-weight:700}
.legend{font-size:12px;color:#5b6472;margin:4px 0 0}
.legend span{margin-right:14px}
"#;

/// Render the reports of one run as a single HTML document.
pub fn render(reports: &[FileReport], s: &Scrub) -> String {
    let mut o = String::new();
    let names: Vec<&str> = reports.iter().map(|r| r.file.as_str()).collect();
    page_start(&mut o, &names, s);
    for r in reports {
        let whole = FilePart {
            first: true,
            last: true,
            earlier_attempts: 0,
        };
        file_part(&mut o, r, s, whole);
    }
    page_end(&mut o);
    o
}

/// The page's opening, titled after the input (`files`) or their number.
pub fn page_start(o: &mut String, files: &[&str], s: &Scrub) {
    let title = match files {
        [one] => format!("rdpdiag — {}", s.raw(one)),
        _ => format!("rdpdiag — {} files", files.len()),
    };
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>\n",
        esc(&title)
    );
}

/// The page's end.
pub fn page_end(o: &mut String) {
    let _ = write!(
        o,
        "<p class=\"meta\">Generated by rdpdiag {}. Frame numbers are those Wireshark shows for the same file.</p>\n\
         </main></body></html>\n",
        esc(env!("CARGO_PKG_VERSION"))
    );
}

/// Where a part of a file's attempts sits in the file (the streaming
/// analysis hands a big capture's attempts over in parts; a small one is
/// one part, first and last).
#[derive(Debug, Clone, Copy)]
pub struct FilePart {
    /// It opens the file's section.
    pub first: bool,
    /// It closes it: the report of the file's end, with its header.
    pub last: bool,
    /// Attempts of the file written in earlier parts.
    pub earlier_attempts: u64,
}

/// One part of a file's section: its attempts, and with the last part the
/// file's header (frames, warnings: known at its end). A file of one part
/// has its header first; a file of several gets it after its attempts, and
/// the style shows it first (`.file>header{order:-1}`), so the page can be
/// written while the capture is read.
pub fn file_part(o: &mut String, r: &FileReport, s: &Scrub, p: FilePart) {
    if p.first {
        o.push_str("<div class=\"file\">\n");
    }
    let one_part = p.first && p.last;
    if one_part {
        render_header(o, r, s);
    }
    let ix = RecordIndex::new(r);
    for a in &r.attempts {
        render_attempt(o, &ix, a, s);
    }
    if p.last {
        if !one_part {
            render_header(o, r, s);
        }
        if p.earlier_attempts == 0 && r.attempts.is_empty() && r.scan.is_none() {
            render_no_rdp(o, r);
        }
        o.push_str("</div>\n");
    }
}

/// The file's header: name, frames, span, warnings, the scan line.
fn render_header(o: &mut String, r: &FileReport, s: &Scrub) {
    let span = match (r.capture.first_ts, r.capture.last_ts) {
        (Some(a), Some(b)) => format!(", {a} .. {b}"),
        _ => String::new(),
    };
    let _ = write!(
        o,
        "<header><h1>{}</h1><div class=\"meta\">{} frames, {}{}</div>",
        s.text(&r.file),
        r.capture.frames,
        s.text(&r.capture.format),
        esc(&span)
    );
    for w in &r.warnings {
        let _ = write!(
            o,
            "<div class=\"warn-line\">warning: {}</div>",
            s.text(&w.to_string())
        );
    }
    if let Some(scan) = &r.scan {
        let _ = write!(
            o,
            "<div class=\"warn-line\">{}</div>",
            s.text(&super::scan_line(scan))
        );
    }
    o.push_str("</header>\n");
}

/// A file without any RDP attempt: what was there instead.
fn render_no_rdp(o: &mut String, r: &FileReport) {
    let _ = writeln!(
        o,
        "<section class=\"attempt\"><p>No RDP traffic found: {} TCP connection(s) and {} UDP flow(s) \
         of other kinds. If RDP runs on another port, add it with <code>--port N</code>{}</p></section>",
        r.stats.tcp_connections,
        r.stats.udp_flows,
        esc(&super::ports_seen(&r.stats))
    );
}

/// The headline: never success styling while an error finding stands.
fn headline(a: &Attempt) -> (&'static str, String) {
    let errors = a
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    match a.outcome {
        Outcome::Success if a.succeeded_with_errors() => (
            "warn",
            format!("SUCCESS, with errors ({errors} error finding(s))"),
        ),
        Outcome::Success => ("ok", "SUCCESS".into()),
        Outcome::Failure => (
            "fail",
            format!("FAILED at {}", a.failed_stage.map_or("?", |st| st.name())),
        ),
        Outcome::Incomplete => (
            "incomplete",
            "INCOMPLETE (the capture ends before a verdict)".into(),
        ),
    }
}

fn render_attempt(o: &mut String, ix: &RecordIndex<'_>, a: &Attempt, s: &Scrub) {
    let (class, verdict) = headline(a);
    let _ = write!(
        o,
        "<section class=\"attempt\" id=\"attempt-{id}\"><div class=\"head\"><h2>Attempt {id}: {} → {}</h2>\
         <span class=\"badge {class}\">{}</span></div>\
         <div class=\"meta\">{} connection(s), {:.2} s, from frame {} ({})</div>",
        s.text(&a.client),
        s.text(&a.server),
        esc(&verdict),
        a.connection_ids.len() + a.udp_flow_ids.len(),
        a.duration_s,
        a.start.number,
        esc(&a.start.ts.to_string()),
        id = a.id,
    );
    if !a.stages.is_empty() {
        o.push_str("<div class=\"stages\">");
        for m in &a.stages {
            let (c, mark) = if m.ok { ("ok", "✓") } else { ("bad", "✗") };
            let _ = write!(
                o,
                "<span class=\"stage {c}\">{mark} {}</span>",
                m.stage.name()
            );
        }
        o.push_str("</div>");
    }
    if let Some(rc) = &a.root_cause {
        render_cause(o, rc, s);
    }
    render_findings(o, a, s);
    render_ladders(o, ix, a, s);
    o.push_str("</section>\n");
}

fn render_cause(o: &mut String, rc: &Finding, s: &Scrub) {
    let class = if rc.severity == Severity::Error {
        "cause"
    } else {
        "cause info"
    };
    let _ = write!(
        o,
        "<div class=\"{class}\"><h3>Cause: {}</h3>",
        s.text(&rc.title)
    );
    if !rc.explanation.is_empty() {
        let _ = write!(o, "<p>{}</p>", s.text(&rc.explanation));
    }
    if !rc.evidence.is_empty() {
        o.push_str("<p><b>Evidence:</b> ");
        let ev: Vec<String> = rc
            .evidence
            .iter()
            .map(|e| {
                format!(
                    "<span class=\"frames\">frame {}</span> ({})",
                    e.frame,
                    s.text(&e.detail)
                )
            })
            .collect();
        o.push_str(&ev.join(", "));
        match rc.basis {
            Basis::Inferred => o.push_str(" <i>— inferred from the encrypted traffic's shape</i>"),
            Basis::Decrypted => o.push_str(" <i>— seen decrypted with the TLS key log</i>"),
            Basis::Clear => {}
        }
        o.push_str("</p>");
    }
    if !rc.mstsc_codes.is_empty() {
        let _ = write!(
            o,
            "<p><b>mstsc shows:</b> <code>{}</code></p>",
            s.text(&rc.mstsc_codes.join(", "))
        );
    }
    o.push_str("</div>");
    if !rc.remediation.is_empty() {
        o.push_str("<div class=\"fix\"><h4>Fix</h4><ol>");
        for step in &rc.remediation {
            let _ = write!(o, "<li>{}</li>", s.text(step));
        }
        o.push_str("</ol></div>");
    }
}

fn render_findings(o: &mut String, a: &Attempt, s: &Scrub) {
    let others: Vec<&Finding> = a.other_findings().collect();
    if others.is_empty() {
        return;
    }
    o.push_str("<div class=\"findings\"><h4>Other findings</h4><table>");
    for f in others {
        let frames: Vec<String> = f
            .evidence
            .iter()
            .take(6)
            .map(|e| e.frame.to_string())
            .collect();
        let _ = write!(
            o,
            "<tr><td class=\"sev-{sev}\">{sev}</td><td><code>{}</code></td><td>{}</td><td class=\"frames\">{}</td></tr>",
            s.text(&f.id),
            s.text(&f.title),
            esc(&frames.join(", ")),
            sev = f.severity.name(),
        );
    }
    o.push_str("</table></div>");
}

fn render_ladders(o: &mut String, ix: &RecordIndex<'_>, a: &Attempt, s: &Scrub) {
    for c in ix.tcp_of(a) {
        let _ = write!(
            o,
            "<div class=\"conn\"><h4>Connection {} — {} → {}</h4>\
             <div class=\"meta\">TCP handshake {}, {}; frames {}–{}, {:.3} s; {}/{} packets, {}/{} bytes (client/server)</div>",
            c.id,
            s.text(&c.client.to_string()),
            s.text(&c.server.to_string()),
            esc(&c.handshake_text()),
            esc(&c.end_text()),
            c.first.number,
            c.last.number,
            c.duration_s,
            c.packets[0],
            c.packets[1],
            group_digits(c.bytes[0]),
            group_digits(c.bytes[1]),
        );
        // This connection's failing step: its own decisive error, else the
        // attempt's root cause when it concerns this connection.
        let own: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.decisive && f.severity == Severity::Error && f.connection == Some(c.id))
            .collect();
        let failing = if own.is_empty() {
            a.root_cause.iter().collect()
        } else {
            own
        };
        let rows = ladder::collapse(ladder::rows(c, &failing));
        o.push_str(&ladder::svg(
            c,
            &rows,
            a.start.ts,
            c.facts.tls.records_dropped,
            s,
        ));
        o.push_str(
            "<div class=\"legend\"><span style=\"color:#1f4e8c\">━ read PDU</span>\
             <span style=\"color:#8a929c\">╌ encrypted record (no keys)</span>\
             <span style=\"color:#d32f2f\">━ failing step</span>\
             <span>times relative to the attempt's first frame</span></div></div>",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn groups_digits() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1234), "1,234");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }

    fn report(capture: &str) -> FileReport {
        let path = format!("{}/captures/{capture}", env!("CARGO_MANIFEST_DIR"));
        crate::analysis::analyze_file(&path, &crate::analysis::AnalysisConfig::default())
            .expect("a bundled capture")
    }

    #[test]
    fn a_success_with_an_error_finding_is_not_styled_as_success() {
        // captures/slow_link_ok.pcap succeeds; an error finding added to it
        // must take the green headline away.
        let mut r = report("slow_link_ok.pcap");
        let page = render(std::slice::from_ref(&r), &Scrub::none());
        assert!(page.contains("<span class=\"badge ok\">SUCCESS</span>"));
        let a = &mut r.attempts[0];
        let mut f = a.root_cause.clone().unwrap_or_else(|| {
            let title = Some("an error <b>".to_string());
            crate::rules::finding(&crate::rules::SESSION_RESET, title, None, Vec::new())
        });
        f.decisive = false;
        f.severity = Severity::Error;
        a.findings.push(f);
        let page = render(std::slice::from_ref(&r), &Scrub::none());
        assert!(!page.contains("badge ok"), "{page}");
        assert!(page.contains(
            "<span class=\"badge warn\">SUCCESS, with errors (1 error finding(s))</span>"
        ));
        assert!(page.contains("an error &lt;b&gt;") && !page.contains("an error <b>"));
    }

    #[test]
    fn every_value_goes_through_the_scrub() {
        let mut r = report("hybrid_required_by_server.pcap");
        r.file = "<script>x</script>".into();
        let shout = |s: &str| s.replace("10.203.0.", "IP-");
        let page = render(std::slice::from_ref(&r), &Scrub::with(&shout));
        assert!(!page.contains("10.203.0."), "{page}");
        assert!(!page.contains("<script>"));
        assert!(page.contains("<h1>&lt;script&gt;x&lt;/script&gt;</h1>"));
    }

    #[test]
    fn truncates_on_characters() {
        assert_eq!(truncate("→→→→", 3), "→→…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
