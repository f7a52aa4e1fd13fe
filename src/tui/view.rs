//! Rendering: a pure function of a [`Snapshot`] and the [`UiState`] (which
//! attempt is selected, which pane, the filter). No I/O, no analysis.

use super::model::{AttemptView, PacketRef, Shown, Snapshot};
use crate::verdict::Severity;
use crate::verdict::Stage;
use crate::wire::Dir;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Which part has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Attempts,
    Detail,
}

/// The detail panes, cycled with Tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Findings,
    Ladder,
    Packets,
}

impl Tab {
    pub fn next(self) -> Tab {
        match self {
            Tab::Findings => Tab::Ladder,
            Tab::Ladder => Tab::Packets,
            Tab::Packets => Tab::Findings,
        }
    }
    fn title(self) -> &'static str {
        match self {
            Tab::Findings => "Findings",
            Tab::Ladder => "Ladder",
            Tab::Packets => "Packets",
        }
    }
}

/// The UI's own state (everything that is not analysis).
#[derive(Debug, Clone, Default)]
pub struct UiState {
    /// Index into the filtered attempt list.
    pub selected: usize,
    pub focus: Focus,
    pub tab: Tab,
    /// Scroll offset of the ladder and findings panes.
    pub scroll: u16,
    /// Selected packet in the packet pane.
    pub packet: usize,
    pub filter: String,
    pub editing_filter: bool,
    pub help: bool,
    /// A one-off message for the status bar (saved file, errors).
    pub message: Option<String>,
    /// The display is frozen (`p`).
    pub paused: bool,
    /// Frame bytes loaded for the hex pane: (frame number, bytes).
    pub hex: Option<(u64, Vec<u8>)>,
}

/// Indices of the attempts the filter keeps.
pub fn visible(snap: &Snapshot, filter: &str) -> Vec<usize> {
    let f = filter.trim().to_lowercase();
    snap.attempts
        .iter()
        .enumerate()
        .filter(|(_, v)| f.is_empty() || haystack(v).contains(&f))
        .map(|(i, _)| i)
        .collect()
}

fn haystack(v: &AttemptView) -> String {
    let a = &v.attempt;
    let mut s = format!(
        "{} {} {} {} {}",
        a.client,
        a.server,
        verdict_text(v),
        a.failed_stage.map_or("", |s| s.name()),
        a.root_cause.as_ref().map_or("", |r| r.title.as_str())
    );
    for f in &a.findings {
        s.push(' ');
        s.push_str(&f.id);
    }
    s.to_lowercase()
}

/// The attempt the selection points at, if any.
pub fn selected<'a>(snap: &'a Snapshot, ui: &UiState) -> Option<&'a AttemptView> {
    let vis = visible(snap, &ui.filter);
    let i = *vis.get(ui.selected.min(vis.len().saturating_sub(1)))?;
    snap.attempts.get(i).map(|a| a.as_ref())
}

/// The packet the packet pane points at, if any.
pub fn selected_packet<'a>(snap: &'a Snapshot, ui: &UiState) -> Option<&'a PacketRef> {
    let v = selected(snap, ui)?;
    v.packets
        .get(ui.packet.min(v.packets.len().saturating_sub(1)))
}

fn verdict_text(v: &AttemptView) -> String {
    match v.shown_outcome() {
        Shown::Success if v.attempt.succeeded_with_errors() => "SUCCESS w/ errors".into(),
        Shown::Success => "SUCCESS".into(),
        Shown::Failure => format!(
            "FAILED {}",
            v.attempt.failed_stage.map_or("?", |s| s.name())
        ),
        Shown::Incomplete => "INCOMPLETE".into(),
        Shown::InProgress => "in progress".into(),
    }
}

fn verdict_color(v: &AttemptView) -> Color {
    match v.shown_outcome() {
        Shown::Success if v.attempt.succeeded_with_errors() => Color::Yellow,
        Shown::Success => Color::Green,
        Shown::Failure => Color::Red,
        Shown::Incomplete => Color::Yellow,
        Shown::InProgress => Color::Cyan,
    }
}

const BAR_STAGES: [Stage; 8] = [
    Stage::Tcp,
    Stage::Negotiation,
    Stage::Tls,
    Stage::Nla,
    Stage::Mcs,
    Stage::Licensing,
    Stage::Activation,
    Stage::Session,
];

/// One cell per stage: ■ passed, ✗ failed, · skipped, □ not reached.
fn stage_bar(v: &AttemptView) -> Vec<Span<'static>> {
    let marks = &v.attempt.stages;
    let last_ok = BAR_STAGES
        .iter()
        .rposition(|s| marks.iter().any(|m| m.stage == *s && m.ok));
    BAR_STAGES
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let m = marks.iter().find(|m| m.stage == *s);
            match m {
                Some(m) if m.ok => Span::styled("■", Style::default().fg(Color::Green)),
                Some(_) if v.shown_outcome() == Shown::Failure => {
                    Span::styled("✗", Style::default().fg(Color::Red))
                }
                Some(_) => Span::styled("▸", Style::default().fg(Color::Cyan)),
                None if last_ok.is_some_and(|l| i < l) => {
                    Span::styled("·", Style::default().fg(Color::DarkGray))
                }
                None => Span::styled("□", Style::default().fg(Color::DarkGray)),
            }
        })
        .collect()
}

fn trunc(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        format!("{s:<w$}")
    } else if w == 0 {
        String::new()
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Draw the whole screen.
pub fn render(f: &mut Frame<'_>, snap: &Snapshot, ui: &UiState) {
    let area = f.area();
    if area.width < 40 || area.height < 10 {
        f.render_widget(
            Paragraph::new("rdpdiag: terminal too small (needs 40x10)").wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let vis = visible(snap, &ui.filter);
    let list_h = (vis.len() as u16 + 2).clamp(4, (area.height.saturating_sub(1)) / 3 + 1);
    let [list_area, detail_area, status_area] = Layout::vertical([
        Constraint::Length(list_h),
        Constraint::Min(4),
        Constraint::Length(1),
    ])
    .areas(area);
    render_list(f, list_area, snap, ui, &vis);
    render_detail(f, detail_area, snap, ui);
    render_status(f, status_area, snap, ui, &vis);
    if ui.help {
        render_help(f, area);
    }
}

fn border_style(focused: bool) -> Style {
    if focused {
        Style::default().fg(Color::Cyan)
    } else {
        Style::default().fg(Color::DarkGray)
    }
}

fn render_list(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, ui: &UiState, vis: &[usize]) {
    let title = if ui.filter.is_empty() && !ui.editing_filter {
        format!(" Attempts ({}) ", snap.attempts.len())
    } else {
        format!(
            " Attempts ({}/{}) filter: {}{} ",
            vis.len(),
            snap.attempts.len(),
            ui.filter,
            if ui.editing_filter { "▏" } else { "" }
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border_style(ui.focus == Focus::Attempts))
        .title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = inner.height as usize;
    if let (true, Some(e)) = (snap.attempts.is_empty(), &snap.error) {
        let p = Paragraph::new(format!("Error: {e}")).wrap(ratatui::widgets::Wrap { trim: true });
        f.render_widget(p, inner);
        return;
    }
    if vis.is_empty() {
        let msg = if snap.attempts.is_empty() {
            if snap.done {
                "No RDP traffic found."
            } else {
                "Waiting for RDP traffic…"
            }
        } else {
            "No attempt matches the filter."
        };
        f.render_widget(Paragraph::new(msg), inner);
        return;
    }
    let sel = ui.selected.min(vis.len() - 1);
    // Only the visible window is built, whatever the number of attempts.
    let start = if sel >= rows { sel + 1 - rows } else { 0 };
    let w = inner.width as usize;
    let fixed = 4 + 2 + 1 + 8 + 1 + 18 + 9;
    let ep_w = w.saturating_sub(fixed).max(8);
    let mut lines = Vec::with_capacity(rows);
    for (row, idx) in vis.iter().enumerate().skip(start).take(rows) {
        let Some(v) = snap.attempts.get(*idx) else {
            continue;
        };
        let a = &v.attempt;
        let shown = v.shown_outcome();
        let color = verdict_color(v);
        let mut spans = vec![
            Span::raw(format!("{:>3} ", a.id)),
            Span::styled(
                match shown {
                    Shown::Success => "✓ ",
                    Shown::Failure => "✗ ",
                    Shown::Incomplete => "? ",
                    Shown::InProgress => "… ",
                },
                Style::default().fg(color),
            ),
            Span::raw(trunc(&format!("{} → {}", a.client, a.server), ep_w)),
            Span::raw(" "),
        ];
        spans.extend(stage_bar(v));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            trunc(&verdict_text(v), 18),
            Style::default().fg(color).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(format!("{:>8.2}s", a.duration_s)));
        let mut line = Line::from(spans);
        if row == sel {
            line = line.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn render_detail(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, ui: &UiState) {
    let mut tabs = vec![Span::raw(" ")];
    for t in [Tab::Findings, Tab::Ladder, Tab::Packets] {
        let st = if t == ui.tab {
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            Style::default().fg(Color::Gray)
        };
        tabs.push(Span::styled(t.title(), st));
        tabs.push(Span::raw(" │ "));
    }
    tabs.pop();
    tabs.push(Span::raw(" (Tab) "));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border_style(ui.focus == Focus::Detail))
        .title(Line::from(tabs));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(v) = selected(snap, ui) else {
        return;
    };
    // Wide terminals show the findings and the ladder side by side.
    if inner.width >= 118 && ui.tab != Tab::Packets {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(inner);
        let (fs, ls) = if ui.tab == Tab::Findings {
            (ui.scroll, 0)
        } else {
            (0, ui.scroll)
        };
        f.render_widget(
            Paragraph::new(findings_lines(v))
                .wrap(Wrap { trim: false })
                .scroll((fs, 0)),
            left,
        );
        let ladder = ladder_lines(v, right.width.saturating_sub(1) as usize);
        f.render_widget(
            Paragraph::new(ladder)
                .block(Block::default().borders(Borders::LEFT))
                .scroll((ls, 0)),
            right,
        );
        return;
    }
    match ui.tab {
        Tab::Findings => {
            let lines = findings_lines(v);
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .scroll((ui.scroll, 0)),
                inner,
            );
        }
        Tab::Ladder => {
            let lines = ladder_lines(v, inner.width as usize);
            f.render_widget(Paragraph::new(lines).scroll((ui.scroll, 0)), inner);
        }
        Tab::Packets => render_packets(f, inner, v, ui),
    }
}

fn sev_style(s: Severity) -> Style {
    match s {
        Severity::Error => Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        Severity::Warning => Style::default().fg(Color::Yellow),
        Severity::Info => Style::default().fg(Color::Gray),
    }
}

/// The findings pane: verdict, root cause, evidence, the fix; then the rest.
pub fn findings_lines(v: &AttemptView) -> Vec<Line<'static>> {
    let a = &v.attempt;
    let shown = v.shown_outcome();
    let mut out = vec![Line::from(vec![
        Span::styled(
            verdict_text(v),
            Style::default()
                .fg(verdict_color(v))
                .add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(
            "  {} → {}  {} connection(s), {:.2} s, frames {}–{}",
            a.client,
            a.server,
            a.connection_ids.len() + a.udp_flow_ids.len(),
            a.duration_s,
            a.start.number,
            a.end.number
        )),
    ])];
    if shown == Shown::InProgress {
        let last = a.stages.iter().rev().find(|m| m.ok).map(|m| m.stage.name());
        out.push(Line::from(format!(
            "Waiting: last stage passed: {}",
            last.unwrap_or("none yet")
        )));
    }
    if let Some(rc) = &a.root_cause {
        if shown != Shown::InProgress {
            out.push(Line::from(vec![
                Span::styled("Cause: ", Style::default().add_modifier(Modifier::BOLD)),
                Span::styled(rc.title.clone(), sev_style(rc.severity)),
                Span::raw(format!(" [{} · {}]", rc.stage.name(), rc.id)),
            ]));
            if !rc.remediation.is_empty() {
                out.push(Line::from(Span::styled(
                    "Fix:",
                    Style::default()
                        .fg(Color::Green)
                        .add_modifier(Modifier::BOLD),
                )));
                for (i, step) in rc.remediation.iter().enumerate() {
                    out.push(Line::from(format!(" {}. {}", i + 1, step)));
                }
            }
            if !rc.evidence.is_empty() {
                let ev: Vec<String> = rc
                    .evidence
                    .iter()
                    .map(|e| format!("frame {} ({})", e.frame, e.detail))
                    .collect();
                out.push(Line::from(format!(
                    "Evidence{}: {}",
                    if rc.inferred { " (inferred)" } else { "" },
                    ev.join(", ")
                )));
            }
            if !rc.mstsc_codes.is_empty() {
                out.push(Line::from(format!(
                    "mstsc shows: {}",
                    rc.mstsc_codes.join(", ")
                )));
            }
            if !rc.explanation.is_empty() {
                out.push(Line::from(Span::styled(
                    rc.explanation.clone(),
                    Style::default().fg(Color::Gray),
                )));
            }
        }
    }
    let others: Vec<_> = a.other_findings().collect();
    if !others.is_empty() {
        out.push(Line::from(Span::styled(
            "Other findings:",
            Style::default().add_modifier(Modifier::BOLD),
        )));
        for f in others {
            let frames: Vec<String> = f
                .evidence
                .iter()
                .take(4)
                .map(|e| e.frame.to_string())
                .collect();
            out.push(Line::from(vec![
                Span::styled(format!(" {:<7} ", f.severity.name()), sev_style(f.severity)),
                Span::raw(format!(
                    "{}{}",
                    f.title,
                    if frames.is_empty() {
                        String::new()
                    } else {
                        format!(" (frames {})", frames.join(", "))
                    }
                )),
            ]));
            if let Some(step) = f.remediation.first() {
                out.push(Line::from(Span::styled(
                    format!("         fix: {step}"),
                    Style::default().fg(Color::Gray),
                )));
            }
        }
    }
    out
}

/// The ladder pane: client on the left, server on the right, one arrow per message.
pub fn ladder_lines(v: &AttemptView, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let (client, server) = v
        .endpoints
        .first()
        .map(|(_, c, s)| (c.to_string(), s.to_string()))
        .unwrap_or_else(|| (v.attempt.client.clone(), v.attempt.server.clone()));
    let lane = width.saturating_sub(17).max(10);
    out.push(Line::from(Span::styled(
        format!(
            "{:>6} {:>8}  {} {:>w$}",
            "frame",
            "+s",
            trunc(&format!("client {client}"), (lane / 2).saturating_sub(1)),
            trunc(&format!("server {server}"), lane - lane / 2).trim_end(),
            w = lane - lane / 2
        ),
        Style::default().add_modifier(Modifier::BOLD),
    )));
    let evidence: Vec<u64> = v
        .attempt
        .root_cause
        .as_ref()
        .map(|r| r.evidence.iter().map(|e| e.frame).collect())
        .unwrap_or_default();
    let t0 = v.attempt.start.ts;
    let multi = v.endpoints.len() > 1;
    for l in &v.ladder {
        let label = if multi {
            format!("{} [c{}]", l.label, l.connection)
        } else {
            l.label.clone()
        };
        let label = trunc(&label, lane.saturating_sub(6)).trim_end().to_string();
        let fill = lane.saturating_sub(label.chars().count() + 4);
        let arrow = match l.dir {
            Dir::ClientToServer => format!("├─ {label} {}▶", "─".repeat(fill)),
            Dir::ServerToClient => format!("◀{} {label} ─┤", "─".repeat(fill)),
        };
        let hot = evidence.contains(&l.frame.number);
        let style = if hot {
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else if l.label.contains("RST") || l.label.to_lowercase().contains("alert") {
            Style::default().fg(Color::Yellow)
        } else {
            Style::default()
        };
        out.push(Line::from(vec![
            Span::raw(format!(
                "{:>6} {:>8.3}  ",
                l.frame.number,
                l.frame.ts.since(t0)
            )),
            Span::styled(arrow, style),
        ]));
    }
    if v.ladder.is_empty() {
        out.push(Line::from("(no messages yet)"));
    }
    out
}

fn packet_summary(v: &AttemptView, p: &PacketRef) -> String {
    let labels = v.labels.get(&p.frame.number);
    let mut s = format!("{} len={}", p.flags.text(), p.len);
    if let Some(ls) = labels {
        s.push_str(" · ");
        s.push_str(&ls.join(" · "));
    }
    s
}

fn render_packets(f: &mut Frame<'_>, area: Rect, v: &AttemptView, ui: &UiState) {
    if v.packets.is_empty() {
        f.render_widget(Paragraph::new("(no packets kept for this attempt)"), area);
        return;
    }
    let list_h = (area.height / 2).max(3).min(v.packets.len() as u16 + 1);
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Min(1)]).areas(area);
    let sel = ui.packet.min(v.packets.len() - 1);
    let rows = list_area.height as usize;
    let start = if sel >= rows { sel + 1 - rows } else { 0 };
    let t0 = v.attempt.start.ts;
    let w = list_area.width as usize;
    let mut lines = Vec::new();
    for (i, p) in v.packets.iter().enumerate().skip(start).take(rows) {
        let arrow = match p.dir {
            Dir::ClientToServer => "→",
            Dir::ServerToClient => "←",
        };
        let text = format!(
            "{:>6} {:>8.3} {arrow} {}",
            p.frame.number,
            p.frame.ts.since(t0),
            packet_summary(v, p)
        );
        let mut line = Line::from(trunc(&text, w));
        if i == sel {
            line = line.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), list_area);
    let Some(p) = v.packets.get(sel) else {
        return;
    };
    let detail = packet_detail_lines(v, p, ui);
    f.render_widget(
        Paragraph::new(detail)
            .block(Block::default().borders(Borders::TOP).title(format!(
                " frame {}{} ",
                p.frame.number,
                if v.packets_omitted > 0 {
                    format!(" · {} packets not kept", v.packets_omitted)
                } else {
                    String::new()
                }
            )))
            .scroll((ui.scroll, 0)),
        detail_area,
    );
}

/// The decoded detail tree of one packet, then its bytes in hex.
pub fn packet_detail_lines(v: &AttemptView, p: &PacketRef, ui: &UiState) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let (client, server) = v
        .endpoints
        .iter()
        .find(|_| true)
        .map(|(_, c, s)| (*c, *s))
        .unzip();
    let (src, dst) = match p.dir {
        Dir::ClientToServer => (client, server),
        Dir::ServerToClient => (server, client),
    };
    out.push(Line::from(format!(
        "▾ Frame {}  {}",
        p.frame.number,
        p.frame.ts.rfc3339()
    )));
    if let (Some(s), Some(d)) = (src, dst) {
        out.push(Line::from(format!(
            "  ▾ IP {} → {}  ttl {}",
            s.ip(),
            d.ip(),
            p.ttl
        )));
        out.push(Line::from(format!(
            "    ▾ TCP {} → {}  [{}] seq={} ack={} win={} len={}",
            s.port(),
            d.port(),
            p.flags.text(),
            p.seq,
            p.ack,
            p.window,
            p.len
        )));
    }
    if let Some(ls) = v.labels.get(&p.frame.number) {
        for l in ls {
            out.push(Line::from(format!("      ▸ {l}")));
        }
    }
    for f in &v.attempt.findings {
        if f.evidence.iter().any(|e| e.frame == p.frame.number) {
            out.push(Line::from(Span::styled(
                format!("      ! {} [{}]", f.title, f.id),
                sev_style(f.severity),
            )));
        }
    }
    let bytes: Option<&[u8]> = match (&ui.hex, &p.bytes) {
        (Some((n, b)), _) if *n == p.frame.number => Some(b),
        (_, Some(b)) => Some(b),
        _ => None,
    };
    match bytes {
        Some(b) => out.extend(hex_lines(b)),
        None => out.push(Line::from(Span::styled(
            "  (Enter: load the frame's bytes)",
            Style::default().fg(Color::DarkGray),
        ))),
    }
    out
}

/// Classic hex dump: offset, 16 bytes, ASCII.
pub fn hex_lines(b: &[u8]) -> Vec<Line<'static>> {
    b.chunks(16)
        .enumerate()
        .map(|(i, c)| {
            let hex: Vec<String> = c.iter().map(|x| format!("{x:02x}")).collect();
            let ascii: String = c
                .iter()
                .map(|&x| {
                    if x.is_ascii_graphic() || x == b' ' {
                        x as char
                    } else {
                        '.'
                    }
                })
                .collect();
            Line::from(format!("{:04x}  {:<47}  {}", i * 16, hex.join(" "), ascii))
        })
        .collect()
}

fn render_status(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, ui: &UiState, vis: &[usize]) {
    let c = &snap.counters;
    let failed = snap
        .attempts
        .iter()
        .filter(|v| v.shown_outcome() == Shown::Failure)
        .count();
    let state = if snap.error.is_some() {
        "error"
    } else if snap.paused || ui.paused {
        "paused"
    } else if snap.done {
        "done"
    } else {
        "running"
    };
    // The file's name, not its path: the bar is 80 columns at worst.
    let source = match snap.source.split_once(' ') {
        Some((kind, what)) => format!(
            "{kind} {}",
            std::path::Path::new(what)
                .file_name()
                .map_or(what.into(), |n| n.to_string_lossy())
        ),
        None => snap.source.clone(),
    };
    let mut text = format!(
        " {} [{}] │ {} pkts │ drops {} │ {} │ {} attempts, {} failed",
        source,
        state,
        c.packets,
        c.drops,
        if c.rate > 0.0 {
            format!("{:.0} pkt/s", c.rate)
        } else {
            "– pkt/s".to_string()
        },
        vis.len(),
        failed
    );
    if snap.dropped_attempts > 0 {
        text.push_str(&format!(" (+{} older not kept)", snap.dropped_attempts));
    }
    if let Some(m) = &ui.message {
        text = format!(" {m} │{text}");
    }
    let help = " ?:help q:quit ";
    let w = area.width as usize;
    let body = trunc(&text, w.saturating_sub(help.len()));
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(body),
            Span::styled(help, Style::default().add_modifier(Modifier::REVERSED)),
        ]))
        .style(Style::default().bg(Color::DarkGray).fg(Color::White)),
        area,
    );
}

const HELP: &[(&str, &str)] = &[
    ("↑ ↓ / j k", "move in the focused pane"),
    ("Enter", "open the attempt / load packet bytes"),
    ("Esc", "back to the attempt list"),
    ("Tab", "Findings → Ladder → Packets"),
    ("/", "filter attempts (Enter keeps, Esc clears)"),
    ("p", "pause / resume"),
    ("s", "save the attempts as JSON"),
    ("?", "this help"),
    ("q", "quit"),
];

fn render_help(f: &mut Frame<'_>, area: Rect) {
    let w = 56.min(area.width);
    let h = (HELP.len() as u16 + 2).min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(format!(" {k:<10} "), Style::default().fg(Color::Cyan)),
                Span::raw(*d),
            ])
        })
        .collect();
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Keys ")),
        r,
    );
}
