//! The ladder diagram of one connection as inline SVG: client and server
//! lifelines, one arrow per ladder event or TLS record in capture order,
//! long runs of records collapsed, the root cause's evidence frames in red.

use super::{esc, group_digits, truncate, Scrub};
use crate::session::facts::RecordKind;
use crate::session::ConnectionRecord;
use crate::verdict::Finding;
use crate::wire::{Dir, Ts};
use std::fmt::Write;

/// Runs of plain record rows longer than this are collapsed.
const RUN_KEEP: usize = 6;
/// Rows drawn per connection at most; the rest is summarised.
const MAX_ROWS: usize = 160;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A ladder event: a PDU the session layer read.
    Event,
    /// A TLS record whose content was not readable (no keys).
    Encrypted,
    /// A TLS record read in clear (handshake) or decrypted.
    Record,
    /// A run of records folded into one line.
    Collapsed,
    /// A fact about a frame with no arrow of its own (an evidence detail).
    Note,
}

#[derive(Debug, Clone)]
pub(crate) struct Row {
    frame: u64,
    /// Last frame of a merged or collapsed row.
    last_frame: u64,
    ts: Option<Ts>,
    dir: Option<Dir>,
    label: String,
    kind: Kind,
    count: u64,
    bytes: u64,
    /// The finding this row proves (the failing step).
    fail: Option<String>,
    /// Print the finding's title under this row (only the first of a run of
    /// rows proving the same finding does).
    why: bool,
}

impl Row {
    fn new(frame: u64, ts: Option<Ts>, dir: Option<Dir>, label: String, kind: Kind) -> Row {
        Row {
            frame,
            last_frame: frame,
            ts,
            dir,
            label,
            kind,
            count: 1,
            bytes: 0,
            fail: None,
            why: false,
        }
    }
}

/// Whether the connection's TLS records were decrypted (their content read).
fn decrypted(c: &ConnectionRecord) -> bool {
    c.facts
        .decryption
        .as_ref()
        .is_some_and(|d| d.status.readable())
}

/// The rows of one connection, in capture order, before collapsing.
pub(crate) fn rows(c: &ConnectionRecord, failing: &[&Finding]) -> Vec<Row> {
    let mut rows = Vec::new();
    if c.tcp.syn_frames.first() == Some(&c.first.number) {
        rows.push(Row::new(
            c.first.number,
            Some(c.first.ts),
            Some(Dir::ClientToServer),
            "TCP SYN".into(),
            Kind::Event,
        ));
    }
    for e in &c.facts.ladder {
        rows.push(Row::new(
            e.frame.number,
            Some(e.frame.ts),
            Some(e.dir),
            e.label.clone(),
            Kind::Event,
        ));
    }
    let clear = decrypted(c);
    for r in &c.facts.tls.records {
        // The ladder already names what this record carried.
        if c.facts
            .ladder
            .iter()
            .any(|e| e.frame.number == r.frame.number && e.dir == r.dir)
        {
            continue;
        }
        let (kind, what) = match r.kind {
            RecordKind::Handshake => (Kind::Record, "TLS handshake"),
            RecordKind::ChangeCipherSpec => (Kind::Record, "TLS ChangeCipherSpec"),
            RecordKind::Alert => (Kind::Record, "TLS alert"),
            RecordKind::EncryptedAlert if !clear => (Kind::Encrypted, "encrypted alert"),
            RecordKind::EncryptedHandshake if !clear => (Kind::Encrypted, "encrypted handshake"),
            _ if !clear => (Kind::Encrypted, "encrypted"),
            RecordKind::EncryptedHandshake => (Kind::Record, "TLS handshake (decrypted)"),
            RecordKind::EncryptedAlert => (Kind::Record, "TLS alert (decrypted)"),
            _ => (Kind::Record, "TLS data (decrypted)"),
        };
        let mut row = Row::new(
            r.frame.number,
            Some(r.frame.ts),
            Some(r.dir),
            what.into(),
            kind,
        );
        row.bytes = u64::from(r.len);
        rows.push(row);
    }
    rows.sort_by_key(|r| r.frame);
    let mut rows = merge_same_frame(rows);
    for f in failing {
        mark_failure(&mut rows, c, f);
    }
    let mut prev: Option<String> = None;
    for r in &mut rows {
        r.why = r.fail.is_some() && r.fail != prev;
        prev.clone_from(&r.fail);
    }
    for r in &mut rows {
        if matches!(r.kind, Kind::Encrypted | Kind::Record) && r.bytes > 0 {
            r.label = record_label(&r.label, r.count, r.bytes);
        }
    }
    rows
}

fn record_label(what: &str, count: u64, bytes: u64) -> String {
    if count > 1 {
        format!("{what} {count} records, {} B", group_digits(bytes))
    } else {
        format!("{what} {} B", group_digits(bytes))
    }
}

/// Records of one kind sent in one frame become one row.
fn merge_same_frame(rows: Vec<Row>) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(prev) = out.last_mut() {
            if prev.frame == r.frame
                && prev.dir == r.dir
                && prev.kind == r.kind
                && prev.label == r.label
                && matches!(r.kind, Kind::Encrypted | Kind::Record)
            {
                prev.count += 1;
                prev.bytes += r.bytes;
                continue;
            }
        }
        out.push(r);
    }
    out
}

/// Mark the rows at a failing finding's evidence frames; an evidence frame
/// of this connection without a row gets a note of its own.
fn mark_failure(rows: &mut Vec<Row>, c: &ConnectionRecord, f: &Finding) {
    if f.connection.is_some_and(|id| id != c.id) {
        return;
    }
    for ev in &f.evidence {
        if ev.frame < c.first.number || ev.frame > c.last.number {
            continue;
        }
        let mut hit = false;
        for r in rows.iter_mut().filter(|r| r.frame == ev.frame) {
            r.fail.get_or_insert_with(|| f.title.clone());
            hit = true;
        }
        if !hit {
            let mut note = Row::new(ev.frame, None, None, ev.detail.clone(), Kind::Note);
            note.fail = Some(f.title.clone());
            let at = rows.partition_point(|r| r.frame <= ev.frame);
            rows.insert(at, note);
        }
    }
}

/// Fold runs of plain record rows into "… N records, M bytes" and bound the
/// number of rows.
pub(crate) fn collapse(rows: Vec<Row>) -> Vec<Row> {
    let foldable = |r: &Row| matches!(r.kind, Kind::Encrypted | Kind::Record) && r.fail.is_none();
    let mut out: Vec<Row> = Vec::new();
    let mut run: Vec<Row> = Vec::new();
    let flush = |run: &mut Vec<Row>, out: &mut Vec<Row>| {
        if run.len() > RUN_KEEP + 4 {
            let rest = run.split_off(RUN_KEEP);
            out.append(run);
            out.push(fold(&rest));
        } else {
            out.append(run);
        }
    };
    for r in rows {
        if foldable(&r) {
            run.push(r);
        } else {
            flush(&mut run, &mut out);
            out.push(r);
        }
    }
    flush(&mut run, &mut out);
    if out.len() > MAX_ROWS {
        // Keep the failing rows visible however long the ladder.
        let tail: Vec<Row> = out.split_off(MAX_ROWS);
        let hidden = tail.iter().filter(|r| r.fail.is_none()).count();
        let first = tail.first().map_or(0, |r| r.frame);
        out.extend(tail.iter().filter(|r| r.fail.is_some()).cloned());
        let mut more = Row::new(
            first,
            None,
            None,
            format!("… {hidden} more events not drawn"),
            Kind::Collapsed,
        );
        more.last_frame = tail.last().map_or(first, |r| r.frame);
        out.push(more);
    }
    out
}

fn fold(rest: &[Row]) -> Row {
    let count: u64 = rest.iter().map(|r| r.count).sum();
    let bytes: u64 = rest.iter().map(|r| r.bytes).sum();
    let first = rest.first().map_or(0, |r| r.frame);
    let mut row = Row::new(
        first,
        rest.first().and_then(|r| r.ts),
        None,
        format!(
            "… {} records, {} bytes",
            group_digits(count),
            group_digits(bytes)
        ),
        Kind::Collapsed,
    );
    row.last_frame = rest.last().map_or(first, |r| r.frame);
    row.count = count;
    row.bytes = bytes;
    row
}

const W: u32 = 1000;
const CLIENT_X: u32 = 250;
const SERVER_X: u32 = 830;
const HEAD: u32 = 64;
const ROW_H: u32 = 34;
const FAIL_H: u32 = 54;

/// One connection's ladder as an `<svg>` element.
pub(crate) fn svg(
    c: &ConnectionRecord,
    rows: &[Row],
    start: Ts,
    records_dropped: u64,
    s: &Scrub,
) -> String {
    let height: u32 = HEAD
        + rows
            .iter()
            .map(|r| if r.why { FAIL_H } else { ROW_H })
            .sum::<u32>()
        + 24;
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg class=\"ladder\" width=\"{W}\" height=\"{height}\" \
         viewBox=\"0 0 {W} {height}\" role=\"img\" aria-label=\"packet ladder of connection {}\">",
        c.id
    );
    for (x, who, addr) in [
        (CLIENT_X, "client", c.client.to_string()),
        (SERVER_X, "server", c.server.to_string()),
    ] {
        let _ = write!(
            o,
            "<rect class=\"box\" x=\"{}\" y=\"6\" width=\"200\" height=\"42\" rx=\"6\"/>\
             <text class=\"who\" x=\"{x}\" y=\"24\" text-anchor=\"middle\">{who}</text>\
             <text class=\"addr\" x=\"{x}\" y=\"41\" text-anchor=\"middle\">{}</text>\
             <line class=\"life\" x1=\"{x}\" y1=\"48\" x2=\"{x}\" y2=\"{}\"/>",
            x - 100,
            s.text(&addr),
            height - 8
        );
    }
    let mut y = HEAD;
    for r in rows {
        let h = if r.why { FAIL_H } else { ROW_H };
        draw_row(&mut o, r, y, start, s);
        y += h;
    }
    if records_dropped > 0 {
        let _ = write!(
            o,
            "<text class=\"meta\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">… {} more TLS records were counted but not kept</text>",
            (CLIENT_X + SERVER_X) / 2,
            y + 10,
            group_digits(records_dropped)
        );
    }
    o.push_str("</svg>");
    o
}

fn draw_row(o: &mut String, r: &Row, y: u32, start: Ts, s: &Scrub) {
    let class = match (r.fail.is_some(), r.kind) {
        (true, _) => "fail",
        (false, Kind::Encrypted) => "enc",
        (false, Kind::Collapsed) => "fold",
        (false, Kind::Note) => "note",
        (false, Kind::Record) => "rec",
        (false, Kind::Event) => "ev",
    };
    let ay = y + 18;
    let frames = if r.last_frame > r.frame {
        format!("{}–{}", r.frame, r.last_frame)
    } else {
        r.frame.to_string()
    };
    let _ = write!(
        o,
        "<g class=\"{class}\"><title>frame {frames}: {}</title>\
         <text class=\"fno\" x=\"8\" y=\"{}\">#{frames}</text>",
        s.text(&r.label),
        ay + 4
    );
    if let Some(ts) = r.ts {
        let _ = write!(
            o,
            "<text class=\"rel\" x=\"{}\" y=\"{}\" text-anchor=\"end\">+{:.3} s</text>",
            CLIENT_X - 12,
            ay + 4,
            ts.since(start)
        );
    }
    let (x1, x2) = match r.dir {
        Some(Dir::ClientToServer) => (CLIENT_X, SERVER_X),
        Some(Dir::ServerToClient) => (SERVER_X, CLIENT_X),
        None => (CLIENT_X, SERVER_X),
    };
    if r.dir.is_some() {
        let tip = if x2 > x1 { x2 - 10 } else { x2 + 10 };
        let _ = write!(
            o,
            "<line class=\"arrow\" x1=\"{x1}\" y1=\"{ay}\" x2=\"{tip}\" y2=\"{ay}\"/>\
             <polygon class=\"head\" points=\"{x2},{ay} {tip},{} {tip},{}\"/>",
            ay - 5,
            ay + 5
        );
    } else {
        let _ = write!(
            o,
            "<line class=\"band\" x1=\"{x1}\" y1=\"{ay}\" x2=\"{x2}\" y2=\"{ay}\"/>"
        );
    }
    let label = esc(&truncate(&s.raw(&r.label), 78));
    let _ = write!(
        o,
        "<text class=\"lbl\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
        (CLIENT_X + SERVER_X) / 2,
        ay - 6
    );
    if let Some(title) = r.fail.as_ref().filter(|_| r.why) {
        let t = esc(&truncate(&s.raw(title), 76));
        let _ = write!(
            o,
            "<text class=\"why\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">✗ {t}</text>",
            (CLIENT_X + SERVER_X) / 2,
            ay + 20
        );
    }
    o.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(frame: u64, bytes: u64) -> Row {
        let mut r = Row::new(
            frame,
            None,
            Some(Dir::ClientToServer),
            "encrypted".into(),
            Kind::Encrypted,
        );
        r.bytes = bytes;
        r
    }

    #[test]
    fn long_runs_of_records_fold_into_one_row() {
        let mut rows: Vec<Row> = (10..30).map(|f| enc(f, 100)).collect();
        rows.push(Row::new(
            40,
            None,
            Some(Dir::ServerToClient),
            "x".into(),
            Kind::Event,
        ));
        let out = collapse(rows);
        assert_eq!(out.len(), RUN_KEEP + 2);
        let fold = &out[RUN_KEEP];
        assert_eq!(fold.kind, Kind::Collapsed);
        assert_eq!((fold.frame, fold.last_frame), (16, 29));
        assert_eq!(fold.label, "… 14 records, 1,400 bytes");
        assert_eq!(out[RUN_KEEP + 1].frame, 40);
    }

    #[test]
    fn a_failing_record_is_never_folded() {
        let mut rows: Vec<Row> = (10..50).map(|f| enc(f, 100)).collect();
        rows[20].fail = Some("the cause".into());
        let out = collapse(rows);
        assert!(out.iter().any(|r| r.frame == 30 && r.fail.is_some()));
        assert_eq!(out.iter().filter(|r| r.kind == Kind::Collapsed).count(), 2);
    }
}
