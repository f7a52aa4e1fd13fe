//! A per-direction byte buffer over the reassembled stream that remembers
//! which frame carried which byte, so each PDU can cite its frames.

use crate::wire::FrameRef;
use std::collections::VecDeque;

/// Bytes waiting for a complete PDU are bounded; a PDU larger than this
/// desynchronises the direction instead of growing memory.
pub const MAX_BUFFER: usize = 1 << 20;

/// Deliveries (segments) held at once: a PDU spread over more tiny segments
/// than this is an attack, not RDP, and desynchronises the direction.
pub const MAX_MARKS: usize = 8192;

/// An emptied buffer larger than this is freed.
const SHRINK_ABOVE: usize = 16 << 10;

#[derive(Debug, Default)]
pub struct StreamBuf {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// (stream offset, frame) for each delivery still (partly) in the buffer.
    marks: VecDeque<(u64, FrameRef)>,
    /// Set after a gap or an unparseable PDU: stop parsing this direction.
    pub desync: bool,
}

impl StreamBuf {
    /// Append delivered bytes at `offset`.
    pub fn push(&mut self, offset: u64, data: &[u8], frame: FrameRef) {
        if offset != self.base + self.buf.len() as u64 {
            // Not contiguous (after a gap): restart the buffer here.
            self.buf.clear();
            self.marks.clear();
            self.base = offset;
        }
        self.marks.push_back((offset, frame));
        self.buf.extend_from_slice(data);
        if self.buf.len() > MAX_BUFFER || self.marks.len() > MAX_MARKS {
            self.desync = true;
            // Nothing more is parsed in this direction: free the room.
            self.buf = Vec::new();
            self.marks = VecDeque::new();
            self.base = offset + data.len() as u64;
        }
    }

    /// A gap: the bytes up to `offset + len` were never seen.
    pub fn gap(&mut self, offset: u64, len: u64) {
        self.buf = Vec::new();
        self.marks = VecDeque::new();
        self.base = offset + len;
        self.desync = true;
    }

    /// Heap bytes held (capacity of the byte buffer and the frame marks).
    pub fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.marks.capacity() * std::mem::size_of::<(u64, FrameRef)>()
    }

    pub fn data(&self) -> &[u8] {
        &self.buf
    }

    /// The frame carrying byte `i` of the buffer.
    pub fn frame_at(&self, i: usize) -> FrameRef {
        let off = self.base + i as u64;
        let mut f = self.marks.front().map(|m| m.1).unwrap_or_default();
        for (o, fr) in &self.marks {
            if *o <= off {
                f = *fr;
            } else {
                break;
            }
        }
        f
    }

    /// Drop the first `n` bytes.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
        self.base += n as u64;
        while self.marks.len() > 1 && self.marks.get(1).is_some_and(|m| m.0 <= self.base) {
            self.marks.pop_front();
        }
        if self.buf.is_empty() {
            self.marks.clear();
            // Give back the room a big PDU took, so idle sessions stay small.
            if self.buf.capacity() > SHRINK_ABOVE {
                self.buf = Vec::new();
                self.marks = VecDeque::new();
            }
        }
    }

    /// Drop everything.
    pub fn clear(&mut self) {
        let n = self.buf.len();
        self.consume(n);
    }
}
