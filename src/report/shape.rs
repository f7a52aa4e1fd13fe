//! The encrypted records of a connection as ladder lines, for the views
//! (text `-v` ladder, TUI ladder) when the session could not be read: their
//! sizes and directions are often the evidence (a short server record and a
//! close is a refusal, a steady exchange is a running session).

use crate::session::facts::RecordKind;
use crate::session::ConnectionRecord;
use crate::wire::{Dir, FrameRef};

/// Records shown from the start of the encrypted exchange.
pub const HEAD: usize = 6;
/// Records shown before the close.
pub const TAIL: usize = 4;

/// One line: a record, or the count of the records left out.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeLine {
    pub frame: FrameRef,
    /// None for the "… K more" line.
    pub dir: Option<Dir>,
    pub label: String,
}

/// The encrypted records of `c` (bounded: the first [`HEAD`], the last
/// [`TAIL`], and a "… K more" line between), or nothing when the session
/// was decrypted (its ladder then says what the records held).
pub fn encrypted_records(c: &ConnectionRecord) -> Vec<ShapeLine> {
    let readable = c
        .facts
        .decryption
        .as_ref()
        .is_some_and(|d| d.status.readable());
    if readable {
        return Vec::new();
    }
    let tls = &c.facts.tls;
    let recs: Vec<_> = tls
        .records
        .iter()
        .filter(|r| matches!(r.kind, RecordKind::AppData | RecordKind::EncryptedAlert))
        .collect();
    let line = |r: &crate::session::facts::RecordInfo| ShapeLine {
        frame: r.frame,
        dir: Some(r.dir),
        label: format!(
            "TLS {} ({} bytes)",
            if r.kind == RecordKind::EncryptedAlert {
                "encrypted alert"
            } else {
                "encrypted record"
            },
            r.len
        ),
    };
    let dropped = tls.records_dropped;
    // A "… 1 more" or "… 2 more" line would hide as much as it saves.
    if recs.len() <= HEAD + TAIL + 2 && dropped == 0 {
        return recs.into_iter().map(line).collect();
    }
    let mut out: Vec<ShapeLine> = recs.iter().take(HEAD).map(|r| line(r)).collect();
    let Some(next) = recs.get(HEAD) else {
        return out;
    };
    if dropped > 0 {
        // Only the first records are kept: the ones before the close are
        // unknown, so none is shown as if it were the last.
        let more = (recs.len() - HEAD) as u64 + dropped;
        out.push(ShapeLine {
            frame: next.frame,
            dir: None,
            label: format!("… {more} more TLS records (only the first ones are kept)"),
        });
        return out;
    }
    let tail_start = recs.len() - TAIL;
    out.push(ShapeLine {
        frame: next.frame,
        dir: None,
        label: format!("… {} more encrypted records", tail_start - HEAD),
    });
    out.extend(recs[tail_start..].iter().map(|r| line(r)));
    out
}
