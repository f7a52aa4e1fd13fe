//! TCP facts: handshake, closes, resets, retransmissions, windows, idle time.

use super::*;

impl ConnBuilder {
    /// SYN, SYN-ACK, ACK at frames 1-3.
    pub(crate) fn handshake(mut self) -> Self {
        self.rec.tcp.handshake = Handshake::Completed;
        self.rec.tcp.syn_frames = vec![1];
        self.rec.tcp.synack_frames = vec![2];
        self.rec.last = self.rec.last.max(frame(3));
        self
    }

    /// `count` SYNs (frames 1..=count), no answer, no bytes.
    pub(crate) fn syn_unanswered(mut self, count: u64) -> Self {
        self.rec.tcp.handshake = Handshake::SynUnanswered;
        self.rec.tcp.syn_frames = (1..=count).collect();
        self.rec.last = frame(count);
        self
    }

    /// A SYN at `syn` answered by a RST at `rst`.
    pub(crate) fn rst_to_syn(mut self, syn: u64, rst: u64) -> Self {
        self.rec.tcp.handshake = Handshake::RstToSyn;
        self.rec.tcp.syn_frames = vec![syn];
        self.rec.tcp.server.rst = Some(close_event(rst));
        self.rec.tcp.closed_by = Some(Dir::ServerToClient);
        self.rec.tcp.close_kind = Some(CloseKind::Rst);
        self.rec.last = frame(rst);
        self
    }

    /// `count` SYNs each answered by a SYN-ACK the client never acknowledged
    /// (SYN at odd frames, SYN-ACK right after).
    pub(crate) fn synack_unanswered(mut self, count: u64) -> Self {
        self.rec.tcp.handshake = Handshake::SynAckUnanswered;
        self.rec.tcp.syn_frames = (0..count).map(|i| 2 * i + 1).collect();
        self.rec.tcp.synack_frames = (0..count).map(|i| 2 * i + 2).collect();
        self.rec.last = frame(2 * count);
        self
    }

    /// Payload packets and bytes sent by each side.
    pub(crate) fn traffic(mut self, packets: [u64; 2], bytes: [u64; 2]) -> Self {
        self.rec.packets = packets;
        self.rec.bytes = bytes;
        self
    }

    /// A FIN from `dir` at `at`; the first close marks who closed first.
    pub(crate) fn fin(mut self, dir: Dir, at: u64) -> Self {
        self.rec.tcp.dir_mut(dir).fin = Some(close_event(at));
        if self.rec.tcp.closed_by.is_none() {
            self.rec.tcp.closed_by = Some(dir);
            self.rec.tcp.close_kind = Some(CloseKind::Fin);
        }
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// A RST from `dir` at `at` with IP TTL `ttl`; `forged`: its TTL differs
    /// from that side's other packets.
    pub(crate) fn rst(mut self, dir: Dir, at: u64, ttl: u8, forged: bool) -> Self {
        self.rec.tcp.dir_mut(dir).rst = Some(CloseEvent {
            suspicious_origin: forged,
            ttl,
            ..close_event(at)
        });
        if self.rec.tcp.closed_by.is_none() {
            self.rec.tcp.closed_by = Some(dir);
            self.rec.tcp.close_kind = Some(CloseKind::Rst);
        }
        self.rec.last = self.rec.last.max(frame(at));
        self
    }

    /// Real retransmissions by `dir` at `frames`.
    pub(crate) fn retransmissions(mut self, dir: Dir, frames: &[u64]) -> Self {
        let side = self.rec.tcp.dir_mut(dir);
        side.retransmissions += frames.len() as u32;
        side.retransmission_frames.extend_from_slice(frames);
        self
    }

    /// A full-size `len`-byte segment from `dir` sent at `frames`, `acked` or not.
    pub(crate) fn big_retransmit(
        mut self,
        dir: Dir,
        len: u32,
        frames: &[u64],
        acked: bool,
    ) -> Self {
        self.rec
            .tcp
            .dir_mut(dir)
            .big_retransmits
            .push(BigRetransmit {
                offset: 1,
                len,
                count: frames.len() as u32,
                frames: frames.to_vec(),
                acked,
            });
        self
    }

    /// Zero windows advertised by `dir` at `frames`.
    pub(crate) fn zero_window(mut self, dir: Dir, frames: &[u64]) -> Self {
        let side = self.rec.tcp.dir_mut(dir);
        side.zero_window += frames.len() as u32;
        side.zero_window_frames.extend_from_slice(frames);
        self
    }

    /// The longest silence: `secs` between frames `from` and `to`.
    pub(crate) fn idle(mut self, secs: f64, from: u64, to: u64) -> Self {
        self.rec.tcp.longest_idle = Some((secs, from, to));
        self
    }

    /// `bytes` of `dir`'s stream missing from the capture.
    pub(crate) fn capture_gap(mut self, dir: Dir, bytes: u64) -> Self {
        self.rec.tcp.dir_mut(dir).capture_gap_bytes = bytes;
        self
    }

    /// A RST from `dir` at `at` sent after `unanswered` of its packets got
    /// no answer, `silent_s` seconds after the peer's last packet.
    pub(crate) fn rst_after_silence(
        mut self,
        dir: Dir,
        at: u64,
        unanswered: u32,
        silent_s: f64,
    ) -> Self {
        self.rec.tcp.dir_mut(dir).rst = Some(CloseEvent {
            unanswered_before: unanswered,
            peer_silent_s: Some(silent_s),
            ..close_event(at)
        });
        if self.rec.tcp.closed_by.is_none() {
            self.rec.tcp.closed_by = Some(dir);
            self.rec.tcp.close_kind = Some(CloseKind::Rst);
        }
        self.rec.last = self.rec.last.max(frame(at));
        self
    }
}
