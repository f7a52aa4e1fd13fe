//! Per-direction TCP stream reassembly.
//!
//! Segments arrive in capture order: in order, out of order, retransmitted,
//! overlapping, or twice (duplicated frames). The reassembler delivers each
//! stream byte exactly once, in order, attributed to the frame that carried
//! it, and skips a hole that never fills with a [`Delivery::Gap`] marker
//! instead of buffering forever.

use crate::wire::FrameRef;
use std::collections::BTreeMap;

/// What the reassembler hands to the layer above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery<'a> {
    /// In-order bytes at stream `offset`, carried by `frame`.
    Data {
        offset: u64,
        data: &'a [u8],
        frame: FrameRef,
    },
    /// `len` bytes at `offset` were never seen in the capture; `frame` is the
    /// frame at which the engine gave up waiting for them.
    Gap {
        offset: u64,
        len: u64,
        frame: FrameRef,
    },
}

/// How a pushed segment relates to what was seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentClass {
    /// Empty segment (pure ACK etc.).
    Empty,
    /// Entirely new bytes at the expected offset.
    InOrder,
    /// New bytes beyond a hole (held until the hole fills).
    Ahead,
    /// Fills (part of) a hole: the original was lost before the capture point or reordered.
    FillsHole,
    /// Every byte was seen before: a retransmission.
    Retransmission,
    /// Some bytes seen before, some new.
    PartialOverlap,
}

#[derive(Debug)]
struct Pending {
    data: Vec<u8>,
    frame: FrameRef,
}

/// Reassembly state of one direction.
#[derive(Debug)]
pub struct Reassembler {
    /// Sequence number of stream offset 0.
    base: Option<u32>,
    /// Next offset to deliver.
    next: u64,
    /// Highest end offset seen in any segment.
    max_end: u64,
    /// Segments beyond `next`, keyed by offset.
    pending: BTreeMap<u64, Pending>,
    pending_bytes: usize,
    /// Upper bound on `pending_bytes`; beyond it the oldest hole is skipped.
    limit: usize,
    /// Bytes skipped as gaps.
    pub gap_bytes: u64,
    /// Number of gaps.
    pub gaps: u32,
}

/// Bookkeeping charged per held segment against the limit.
pub const SEGMENT_OVERHEAD: usize = 64;
/// Most segments held out of order per direction.
pub const MAX_PENDING_SEGMENTS: usize = 4096;

/// Default bound on bytes held out of order per direction.
pub const DEFAULT_PENDING_LIMIT: usize = 2 << 20;

impl Default for Reassembler {
    fn default() -> Self {
        Reassembler::new(DEFAULT_PENDING_LIMIT)
    }
}

impl Reassembler {
    /// A reassembler holding at most `limit` out-of-order bytes.
    pub fn new(limit: usize) -> Self {
        Reassembler {
            base: None,
            next: 0,
            max_end: 0,
            pending: BTreeMap::new(),
            pending_bytes: 0,
            limit: limit.max(1),
            gap_bytes: 0,
            gaps: 0,
        }
    }

    /// Set the initial sequence number from a SYN: data starts at `syn_seq + 1`.
    pub fn set_syn(&mut self, syn_seq: u32) {
        if self.base.is_none() {
            self.base = Some(syn_seq.wrapping_add(1));
        }
    }

    /// Whether the stream start is known.
    pub fn started(&self) -> bool {
        self.base.is_some()
    }

    /// Next offset to be delivered (= bytes delivered or skipped so far).
    pub fn next_offset(&self) -> u64 {
        self.next
    }

    /// Highest stream end offset seen.
    pub fn max_end(&self) -> u64 {
        self.max_end
    }

    /// Bytes currently held out of order.
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    /// Relative offset of `seq` (None before the stream start or when unknown).
    pub fn offset_of(&self, seq: u32) -> Option<u64> {
        let base = self.base?;
        let at_next = base.wrapping_add(self.next as u32);
        let diff = seq.wrapping_sub(at_next) as i32 as i64;
        let rel = self.next as i64 + diff;
        (rel >= 0).then_some(rel as u64)
    }

    /// Push one segment's payload. Deliveries go to `out`, in stream order.
    pub fn push(
        &mut self,
        seq: u32,
        data: &[u8],
        frame: FrameRef,
        out: &mut dyn FnMut(Delivery<'_>),
    ) -> SegmentClass {
        if data.is_empty() {
            return SegmentClass::Empty;
        }
        if self.base.is_none() {
            self.base = Some(seq);
        }
        let Some(start) = self.offset_of(seq) else {
            // Bytes from before the stream start: a late retransmission.
            return SegmentClass::Retransmission;
        };
        let end = start + data.len() as u64;
        let class = self.classify(start, end);
        self.max_end = self.max_end.max(end);
        if end <= self.next {
            return class;
        }
        // Trim what was already delivered.
        let skip = self.next.saturating_sub(start) as usize;
        let start = start.max(self.next);
        let data = &data[skip.min(data.len())..];
        if start == self.next {
            out(Delivery::Data {
                offset: start,
                data,
                frame,
            });
            self.next = end;
            self.drain(out);
        } else {
            self.hold(start, data, frame);
            // Tiny segments cost more in bookkeeping than in bytes: charge
            // each one and cap their number, so an overlap or tiny-segment
            // attack cannot hold more than the limit (nor make `covered`
            // scan an unbounded list).
            while self.pending_bytes + self.pending.len() * SEGMENT_OVERHEAD > self.limit
                || self.pending.len() > MAX_PENDING_SEGMENTS
            {
                let before = self.pending.len();
                self.skip_first_hole(frame, out);
                if self.pending.len() == before {
                    break;
                }
            }
        }
        class
    }

    fn classify(&self, start: u64, end: u64) -> SegmentClass {
        if end <= self.next {
            return SegmentClass::Retransmission;
        }
        if start == self.next && end > self.max_end {
            return if self.pending.is_empty() {
                SegmentClass::InOrder
            } else {
                SegmentClass::FillsHole
            };
        }
        if start >= self.max_end {
            return if start == self.next {
                SegmentClass::InOrder
            } else {
                SegmentClass::Ahead
            };
        }
        // Overlaps the seen range [next, max_end) partly or fully.
        let covered = self.covered(start, end);
        let len = end - start;
        if covered == len {
            SegmentClass::Retransmission
        } else if covered == 0 {
            SegmentClass::FillsHole
        } else {
            SegmentClass::PartialOverlap
        }
    }

    /// Bytes of [start, end) already seen (delivered or pending).
    fn covered(&self, start: u64, end: u64) -> u64 {
        let mut c = self.next.saturating_sub(start).min(end - start);
        for (&o, p) in self.pending.range(..end) {
            let pe = o + p.data.len() as u64;
            let s = o.max(start).max(self.next);
            let e = pe.min(end);
            if e > s {
                c += e - s;
            }
        }
        c.min(end - start)
    }

    /// Segments currently held out of order.
    pub fn pending_segments(&self) -> usize {
        self.pending.len()
    }

    fn hold(&mut self, start: u64, data: &[u8], frame: FrameRef) {
        // Keep the longest segment at a given offset; overlaps between
        // pending segments are resolved at delivery time.
        match self.pending.get(&start) {
            Some(p) if p.data.len() >= data.len() => return,
            Some(p) => self.pending_bytes -= p.data.len(),
            None => {}
        }
        self.pending_bytes += data.len();
        self.pending.insert(
            start,
            Pending {
                data: data.to_vec(),
                frame,
            },
        );
    }

    fn drain(&mut self, out: &mut dyn FnMut(Delivery<'_>)) {
        while let Some((&o, _)) = self.pending.first_key_value() {
            if o > self.next {
                break;
            }
            let Some((o, p)) = self.pending.pop_first() else {
                break;
            };
            self.pending_bytes -= p.data.len();
            let end = o + p.data.len() as u64;
            if end <= self.next {
                continue;
            }
            let skip = (self.next - o) as usize;
            out(Delivery::Data {
                offset: self.next,
                data: &p.data[skip..],
                frame: p.frame,
            });
            self.next = end;
        }
    }

    fn skip_first_hole(&mut self, frame: FrameRef, out: &mut dyn FnMut(Delivery<'_>)) {
        if let Some((&o, _)) = self.pending.first_key_value() {
            if o > self.next {
                let len = o - self.next;
                out(Delivery::Gap {
                    offset: self.next,
                    len,
                    frame,
                });
                self.gaps += 1;
                self.gap_bytes += len;
                self.next = o;
            }
            self.drain(out);
        }
    }

    /// The peer acknowledged up to `ack_seq`: bytes below it were received by
    /// the peer, so a hole below it is capture loss and will never fill.
    pub fn peer_acked(&mut self, ack_seq: u32, frame: FrameRef, out: &mut dyn FnMut(Delivery<'_>)) {
        let Some(acked) = self.offset_of(ack_seq) else {
            return;
        };
        while acked > self.next {
            match self.pending.first_key_value() {
                Some((&o, _)) if o < acked => self.skip_first_hole(frame, out),
                _ => break,
            }
        }
    }

    /// End of the stream (close, eviction or end of capture): deliver what is
    /// held, with gap markers for the holes.
    pub fn flush(&mut self, frame: FrameRef, out: &mut dyn FnMut(Delivery<'_>)) {
        while !self.pending.is_empty() {
            self.skip_first_hole(frame, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Ts;
    use proptest::prelude::*;

    fn fr(n: u64) -> FrameRef {
        FrameRef {
            number: n,
            ts: Ts(n as i64),
        }
    }

    /// Collect deliveries into (stream bytes, per-byte frame, gaps).
    fn run(r: &mut Reassembler, segs: &[(u32, Vec<u8>, u64)]) -> (Vec<u8>, Vec<u64>, u32) {
        let mut bytes = Vec::new();
        let mut frames = Vec::new();
        let mut gaps = 0;
        let mut sink = |d: Delivery<'_>| match d {
            Delivery::Data {
                offset,
                data,
                frame,
            } => {
                assert_eq!(offset as usize, bytes.len());
                bytes.extend_from_slice(data);
                frames.extend(std::iter::repeat_n(frame.number, data.len()));
            }
            Delivery::Gap { .. } => gaps += 1,
        };
        for (seq, d, f) in segs {
            r.push(*seq, d, fr(*f), &mut sink);
        }
        r.flush(fr(0), &mut sink);
        (bytes, frames, gaps)
    }

    #[test]
    fn classifies_retransmission_and_holes() {
        let mut r = Reassembler::default();
        r.set_syn(999);
        let mut out = |_d: Delivery<'_>| {};
        assert_eq!(
            r.push(1000, b"abcd", fr(1), &mut out),
            SegmentClass::InOrder
        );
        assert_eq!(
            r.push(1000, b"abcd", fr(2), &mut out),
            SegmentClass::Retransmission
        );
        assert_eq!(r.push(1008, b"ijkl", fr(3), &mut out), SegmentClass::Ahead);
        assert_eq!(
            r.push(1004, b"efgh", fr(4), &mut out),
            SegmentClass::FillsHole
        );
        assert_eq!(
            r.push(1002, b"cdefgh", fr(5), &mut out),
            SegmentClass::Retransmission
        );
        assert_eq!(
            r.push(1010, b"klmn", fr(6), &mut out),
            SegmentClass::PartialOverlap
        );
        assert_eq!(r.next_offset(), 14);
    }

    #[test]
    fn sequence_wraparound() {
        let mut r = Reassembler::default();
        r.set_syn(u32::MAX - 2);
        let segs = vec![(u32::MAX - 1, b"ab".to_vec(), 1), (0u32, b"cd".to_vec(), 2)];
        let (bytes, frames, gaps) = run(&mut r, &segs);
        assert_eq!(bytes, b"abcd");
        assert_eq!(frames, vec![1, 1, 2, 2]);
        assert_eq!(gaps, 0);
    }

    #[test]
    fn hole_skipped_when_limit_exceeded() {
        let mut r = Reassembler::new(8);
        r.set_syn(0);
        let mut delivered = Vec::new();
        let mut gaps = Vec::new();
        let mut sink = |d: Delivery<'_>| match d {
            Delivery::Data { offset, data, .. } => delivered.push((offset, data.len())),
            Delivery::Gap { offset, len, .. } => gaps.push((offset, len)),
        };
        r.push(1, b"ab", fr(1), &mut sink);
        r.push(5, b"efghij", fr(2), &mut sink); // held: 6 bytes
        r.push(11, b"klmno", fr(3), &mut sink); // 11 > 8: skip the hole [2,4)
        assert_eq!(gaps, vec![(2, 2)]);
        assert_eq!(delivered, vec![(0, 2), (4, 6), (10, 5)]);
    }

    #[test]
    fn peer_ack_past_hole_means_capture_loss() {
        let mut r = Reassembler::default();
        r.set_syn(0);
        let mut gaps = Vec::new();
        let mut sink = |d: Delivery<'_>| {
            if let Delivery::Gap { offset, len, .. } = d {
                gaps.push((offset, len))
            }
        };
        r.push(1, b"ab", fr(1), &mut sink);
        r.push(10, b"xyz", fr(2), &mut sink);
        r.peer_acked(13, fr(3), &mut sink);
        assert_eq!(gaps, vec![(2, 7)]);
        assert_eq!(r.next_offset(), 12);
    }

    proptest! {
        /// Any segmentation, reordering and duplication of a stream
        /// reassembles to the original, each byte attributed to a frame that
        /// carried it.
        #[test]
        fn any_segmentation_reassembles(
            stream in proptest::collection::vec(any::<u8>(), 1..400),
            cuts in proptest::collection::vec(1usize..60, 1..40),
            isn in any::<u32>(),
            order in proptest::collection::vec(any::<u16>(), 0..80),
            dups in proptest::collection::vec(any::<u16>(), 0..20),
        ) {
            // Cut the stream into segments (possibly overlapping by re-cutting).
            let mut segs: Vec<(u32, Vec<u8>, usize, usize)> = Vec::new();
            let mut pos = 0usize;
            let mut i = 0usize;
            while pos < stream.len() {
                let len = cuts[i % cuts.len()].min(stream.len() - pos);
                segs.push((isn.wrapping_add(1).wrapping_add(pos as u32), stream[pos..pos + len].to_vec(), pos, pos + len));
                pos += len;
                i += 1;
            }
            // Overlapping re-segmentation of some ranges (retransmission with different boundaries).
            for d in &dups {
                let s = (*d as usize) % stream.len();
                let e = (s + 1 + (*d as usize) % 50).min(stream.len());
                segs.push((isn.wrapping_add(1).wrapping_add(s as u32), stream[s..e].to_vec(), s, e));
            }
            // Shuffle deterministically.
            for (k, o) in order.iter().enumerate() {
                let a = k % segs.len();
                let b = (*o as usize) % segs.len();
                segs.swap(a, b);
            }
            let mut r = Reassembler::default();
            r.set_syn(isn);
            let numbered: Vec<(u32, Vec<u8>, u64)> = segs.iter().enumerate().map(|(n, s)| (s.0, s.1.clone(), n as u64 + 1)).collect();
            let (bytes, frames, gaps) = run(&mut r, &numbered);
            prop_assert_eq!(gaps, 0);
            prop_assert_eq!(&bytes, &stream);
            for (off, f) in frames.iter().enumerate() {
                let s = &segs[(*f - 1) as usize];
                prop_assert!(s.2 <= off && off < s.3, "byte {} attributed to frame {} covering {}..{}", off, f, s.2, s.3);
            }
        }
    }
}
