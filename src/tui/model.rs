//! The analysis side of the live and replay views: a [`Tracker`] feeds frames
//! to the same [`Engine`] as `analyze`, its [`PacketLog`] (the engine's frame
//! observer) remembers a bounded list of packets per connection, and the
//! engine's state becomes a [`Snapshot`] that the UI renders without doing
//! any I/O or analysis of its own.

use crate::analysis::{AnalysisConfig, AttemptSink, Streamer};
use crate::capture::{Frame, FrameSink, Warning};
use crate::engine::{Engine, FrameEvent, FrameObserver};
use crate::report::FileReport;
use crate::rules::{self, Part};
use crate::session::ConnectionRecord;
use crate::verdict::{Attempt, DiagConfig, Outcome};
use crate::wire::Ts;
use crate::wire::{Dir, FrameRef};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;

/// Packets kept from the start of each connection (the handshake matters most).
pub const HEAD_PACKETS: usize = 96;
/// Packets kept from the end of each connection (how it ended).
pub const TAIL_PACKETS: usize = 32;
/// Frame bytes kept per packet in live capture (no file to re-read).
pub const LIVE_BYTES_PER_PACKET: usize = 2048;
/// Total frame bytes kept in live capture.
pub const LIVE_BYTES_BUDGET: usize = 64 << 20;

/// One packet of a connection, as the packet list shows it.
#[derive(Debug, Clone)]
pub struct PacketRef {
    pub frame: FrameRef,
    pub dir: Dir,
    pub flags: TcpFlags,
    pub seq: u32,
    pub ack: u32,
    pub window: u16,
    pub len: u32,
    pub ttl: u8,
    /// Frame bytes (live capture only; replay re-reads the file).
    pub bytes: Option<Arc<[u8]>>,
}

/// TCP flags of a packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpFlags {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub psh: bool,
}

impl TcpFlags {
    /// "SYN", "SYN-ACK", "ACK", "PSH-ACK", "RST-ACK", …
    pub fn text(self) -> String {
        let mut v = Vec::new();
        if self.syn {
            v.push("SYN");
        }
        if self.fin {
            v.push("FIN");
        }
        if self.rst {
            v.push("RST");
        }
        if self.psh {
            v.push("PSH");
        }
        if self.ack {
            v.push("ACK");
        }
        v.join("-")
    }
}

/// Head and tail of one connection's packets.
#[derive(Debug, Clone, Default)]
struct PacketRing {
    head: Vec<PacketRef>,
    tail: VecDeque<PacketRef>,
    omitted: u64,
    version: u64,
}

impl PacketRing {
    fn push(&mut self, p: PacketRef, budget: &mut usize) {
        self.version += 1;
        if self.head.len() < HEAD_PACKETS {
            self.head.push(p);
            return;
        }
        if self.tail.len() >= TAIL_PACKETS {
            if let Some(old) = self.tail.pop_front() {
                self.omitted += 1;
                if let Some(b) = old.bytes {
                    *budget += b.len();
                }
            }
        }
        self.tail.push_back(p);
    }
}

/// Counters for the status bar.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
    /// Drops reported by libpcap (live only).
    pub drops: u64,
    /// Time of the first and latest frame.
    pub first_ts: Option<Ts>,
    pub last_ts: Option<Ts>,
    /// Packets per second over the last tick (0 when unknown).
    pub rate: f64,
}

/// What the views keep of the frames the engine processed: counters, and
/// the head and tail of each RDP connection's packets.
#[derive(Debug, Default)]
pub struct PacketLog {
    rings: HashMap<u32, PacketRing>,
    keep_bytes: bool,
    bytes_budget: usize,
    pub counters: Counters,
}

impl PacketLog {
    /// `keep_bytes`: keep frame bytes (live capture, where no file can be re-read).
    pub fn new(keep_bytes: bool) -> Self {
        PacketLog {
            keep_bytes,
            bytes_budget: LIVE_BYTES_BUDGET,
            ..PacketLog::default()
        }
    }
}

impl FrameObserver for PacketLog {
    fn frame(&mut self, ev: &FrameEvent<'_, '_>) {
        let frame = ev.frame;
        let c = &mut self.counters;
        c.packets += 1;
        c.bytes += frame.orig_len as u64;
        c.first_ts.get_or_insert(frame.ts);
        c.last_ts = Some(frame.ts);
        let Some((conn, dir, t)) = ev.tcp_conn() else {
            return;
        };
        if conn.rdp.is_none() {
            return;
        }
        let bytes = if self.keep_bytes {
            let n = frame.data.len().min(LIVE_BYTES_PER_PACKET);
            if n <= self.bytes_budget {
                self.bytes_budget -= n;
                Some(Arc::from(&frame.data[..n]))
            } else {
                None
            }
        } else {
            None
        };
        let pr = PacketRef {
            frame: FrameRef {
                number: frame.number,
                ts: frame.ts,
            },
            dir,
            flags: TcpFlags {
                syn: t.syn,
                ack: t.ack_flag,
                fin: t.fin,
                rst: t.rst,
                psh: t.psh,
            },
            seq: t.seq,
            ack: t.ack,
            window: t.window,
            len: t.payload_len,
            ttl: ev.packet.map_or(0, |p| p.ttl),
            bytes,
        };
        self.rings
            .entry(conn.id)
            .or_default()
            .push(pr, &mut self.bytes_budget);
    }
}

/// Attempt views kept after their attempt was handed over (final) by the
/// streaming analysis: the views hold the verdict, ladder and packet list,
/// ~11 KB each on the benchmark mix; beyond this many the oldest are
/// dropped (and counted in the status bar), so a view left running for days
/// stays bounded (~22 MB of views). `analyze` lists every attempt.
pub const MAX_SETTLED_VIEWS: usize = 2_000;

/// Parts the streaming analysis handed over, until the tracker makes their
/// views.
#[derive(Debug, Default)]
pub struct Settled(Vec<FileReport>);

impl AttemptSink for Settled {
    fn part(&mut self, part: FileReport) {
        self.0.push(part);
    }
}

/// Feeds frames to the engine and keeps what the views need. The engine
/// runs inside the streaming analysis of `analyze` ([`Streamer`]): once
/// more than `[limits] stream_after` records are held, final attempts are
/// handed over, turned into views and their records and packet lists
/// dropped, so memory follows what is open plus at most
/// [`MAX_SETTLED_VIEWS`] views.
pub struct Tracker {
    stream: Streamer<Settled>,
    pub diag: DiagConfig,
    log: PacketLog,
    /// Views of unchanged attempts are reused between snapshots.
    cache: HashMap<Slot, (AttemptKey, Arc<AttemptView>)>,
    /// Attempts already reported as finished (first connection id → key).
    reported: HashMap<Slot, AttemptKey>,
    /// Views of the attempts handed over, oldest first.
    settled: VecDeque<Arc<AttemptView>>,
    /// Of those, the ones not reported yet (text lines).
    fresh: Vec<Arc<AttemptView>>,
    /// Settled views dropped beyond [`MAX_SETTLED_VIEWS`].
    dropped: u64,
}

impl Tracker {
    /// The analysis `cfg` describes (engine, key log, diagnosis, when to
    /// stream); `keep_bytes`: keep frame bytes (live capture, where no file
    /// can be re-read).
    pub fn new(cfg: &AnalysisConfig, keep_bytes: bool) -> Self {
        let engine = Engine::new(cfg.engine_config());
        Tracker {
            stream: Streamer::new(engine, cfg, "", Settled::default()),
            diag: cfg.diag.clone(),
            log: PacketLog::new(keep_bytes),
            cache: HashMap::new(),
            reported: HashMap::new(),
            settled: VecDeque::new(),
            fresh: Vec::new(),
            dropped: 0,
        }
    }

    /// The engine (its flows, sessions, warnings and stop flag).
    pub fn engine(&self) -> &Engine {
        self.stream.engine()
    }

    pub fn engine_mut(&mut self) -> &mut Engine {
        self.stream.engine_mut()
    }

    /// Frame and byte counters so far.
    pub fn counters(&self) -> &Counters {
        &self.log.counters
    }

    /// End of input: every connection finishes.
    pub fn finish(&mut self) {
        self.stream.engine_mut().finish();
    }

    /// Evict closed and idle flows as of `now` (live capture, between
    /// packets); attempts that became final are handed over.
    pub fn sweep(&mut self, now: Ts) {
        self.stream.idle(now);
    }

    /// Judge everything seen so far: the views of the attempts handed over,
    /// then finished and open connections still held, through the same
    /// `diagnose` as `analyze`.
    pub fn snapshot(&mut self) -> Snapshot {
        self.settle_parts();
        let mut views: Vec<Arc<AttemptView>> = self.settled.iter().cloned().collect();
        views.extend(self.held_views());
        Snapshot {
            attempts: views,
            counters: self.log.counters.clone(),
            warnings: self.engine().warnings.len(),
            dropped_attempts: self.dropped,
            done: false,
            source: String::new(),
            paused: false,
            error: None,
        }
    }

    /// Views of the parts handed over since the last snapshot; their
    /// packet lists, cache entries and report marks go.
    fn settle_parts(&mut self) {
        let parts = std::mem::take(&mut self.stream.sink_mut().0);
        for part in parts {
            let by_id: HashMap<u32, &ConnectionRecord> =
                part.connections.iter().map(|c| (c.id, c)).collect();
            for a in &part.attempts {
                let conns: Vec<&ConnectionRecord> = a
                    .connection_ids
                    .iter()
                    .filter_map(|id| by_id.get(id).copied())
                    .collect();
                let slot = slot_of(a);
                self.cache.remove(&slot);
                let view = Arc::new(AttemptView::build(
                    a.clone(),
                    &conns,
                    &self.log.rings,
                    false,
                ));
                if self.reported.remove(&slot).is_none() {
                    self.fresh.push(view.clone());
                }
                self.settled.push_back(view);
            }
            for c in &part.connections {
                self.log.rings.remove(&c.id);
            }
        }
        while self.settled.len() > MAX_SETTLED_VIEWS {
            self.settled.pop_front();
            self.dropped += 1;
        }
    }

    /// Views of the attempts still held (finished and open connections),
    /// numbered after the ones handed over.
    fn held_views(&mut self) -> Vec<Arc<AttemptView>> {
        let part = Part {
            first_id: self.stream.next_attempt_id(),
            dns_only: self.stream.streamed() == 0,
        };
        let engine = self.stream.engine_mut();
        let open = engine.sessions.snapshot_open(&engine.flows);
        let open_ids: HashSet<u32> = open.iter().map(|c| c.id).collect();
        let finished_len = engine.sessions.connections.len();
        // Judge finished + open records together without copying the finished ones.
        engine.sessions.connections.extend(open);
        let sessions = &engine.sessions;
        let attempts = rules::diagnose_part(
            &sessions.connections,
            &sessions.udp,
            &sessions.kdc,
            &self.diag,
            part,
        );
        let conns = &sessions.connections;
        let views = views_of(attempts, conns, &open_ids, &self.log.rings, &mut self.cache);
        // Packet lists of connections neither held nor open (scan probes
        // folded into the summary) are not needed any more.
        let held: HashSet<u32> = conns.iter().map(|c| c.id).collect();
        let open_now: HashSet<u32> = engine.flows.tcp_conns().map(|c| c.id).collect();
        self.log
            .rings
            .retain(|id, _| held.contains(id) || open_now.contains(id));
        engine.sessions.connections.truncate(finished_len);
        views
    }

    /// Attempts that finished (or changed after finishing) since the last
    /// call: what the text stream prints, with `true` for a changed one.
    /// `settled_before`: only attempts that ended before this time, so that
    /// no later connection can still join them (replay); None prints at once.
    /// Attempts handed over by the streaming analysis are final: printed
    /// once, unless they were already.
    pub fn newly_finished(
        &mut self,
        snap: &Snapshot,
        settled_before: Option<Ts>,
    ) -> Vec<(Arc<AttemptView>, bool)> {
        let mut out: Vec<_> = self.fresh.drain(..).map(|v| (v, false)).collect();
        for v in &snap.attempts {
            if v.in_progress || settled_before.is_some_and(|t| v.attempt.end.ts > t) {
                continue;
            }
            let slot = slot_of(&v.attempt);
            let Some(key) = self.cache.get(&slot).map(|(k, _)| k.clone()) else {
                continue;
            };
            match self.reported.insert(slot, key.clone()) {
                None => out.push((v.clone(), false)),
                Some(old) if old != key => out.push((v.clone(), true)),
                Some(_) => {}
            }
        }
        out
    }
}

/// Views of `attempts` (judged over `conns`), reusing the cached view of an
/// unchanged attempt; `cache` becomes this snapshot's.
fn views_of(
    attempts: Vec<Attempt>,
    conns: &[ConnectionRecord],
    open_ids: &HashSet<u32>,
    rings: &HashMap<u32, PacketRing>,
    cache: &mut HashMap<Slot, (AttemptKey, Arc<AttemptView>)>,
) -> Vec<Arc<AttemptView>> {
    let by_id: HashMap<u32, &ConnectionRecord> = if attempts.len() > 64 {
        conns.iter().map(|c| (c.id, c)).collect()
    } else {
        HashMap::new()
    };
    let find = |id: u32| -> Option<&ConnectionRecord> {
        if by_id.is_empty() {
            conns.iter().find(|c| c.id == id)
        } else {
            by_id.get(&id).copied()
        }
    };
    let mut views = Vec::with_capacity(attempts.len());
    let mut next = HashMap::with_capacity(attempts.len());
    for a in attempts {
        let conns_of: Vec<&ConnectionRecord> =
            a.connection_ids.iter().filter_map(|id| find(*id)).collect();
        let key = AttemptKey::of(&a, &conns_of, rings);
        let slot = slot_of(&a);
        let in_progress = a.connection_ids.iter().any(|id| open_ids.contains(id));
        let reuse = cache
            .get(&slot)
            .filter(|(k, v)| *k == key && v.in_progress == in_progress && v.attempt.id == a.id)
            .map(|(_, v)| v.clone());
        let view = match reuse {
            Some(v) => v,
            None => Arc::new(AttemptView::build(a, &conns_of, rings, in_progress)),
        };
        next.insert(slot, (key, view.clone()));
        views.push(view);
    }
    *cache = next;
    views
}

/// What identifies one attempt across snapshots (its number can change as
/// attempts are sorted): its first connection and UDP flow, and its start.
type Slot = (u32, u32, u64);

fn slot_of(a: &Attempt) -> Slot {
    (
        a.connection_ids.first().copied().unwrap_or(0),
        a.udp_flow_ids.first().copied().unwrap_or(0),
        a.start.number,
    )
}

impl FrameSink for Tracker {
    fn frame(&mut self, frame: &Frame<'_>) {
        self.stream.frame_observed(frame, &mut self.log);
    }
    fn tls_secrets(&mut self, keylog: &[u8]) {
        self.stream.tls_secrets(keylog);
    }
    fn comment(&mut self, frame: Option<u64>, text: &str) {
        self.stream.comment(frame, text);
    }
    fn warning(&mut self, w: Warning) {
        self.stream.warning(w);
    }
    fn stop(&self) -> bool {
        self.stream.stop()
    }
}

/// What identifies an attempt's state: when it is unchanged, so is its view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptKey {
    conns: Vec<(u32, u64, u64)>,
    udp: Vec<u32>,
    outcome: Outcome,
    end: u64,
}

impl AttemptKey {
    fn of(a: &Attempt, conns: &[&ConnectionRecord], rings: &HashMap<u32, PacketRing>) -> Self {
        AttemptKey {
            conns: conns
                .iter()
                .map(|c| {
                    (
                        c.id,
                        c.last.number,
                        rings.get(&c.id).map_or(0, |r| r.version),
                    )
                })
                .collect(),
            udp: a.udp_flow_ids.clone(),
            outcome: a.outcome,
            end: a.end.number,
        }
    }
}

/// One line of the ladder diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct LadderLine {
    pub frame: FrameRef,
    pub dir: Dir,
    pub label: String,
    pub connection: u32,
}

/// An attempt with everything its detail panes show.
#[derive(Debug, Clone)]
pub struct AttemptView {
    pub attempt: Attempt,
    /// A connection of it is still open.
    pub in_progress: bool,
    pub ladder: Vec<LadderLine>,
    pub packets: Vec<PacketRef>,
    /// Packets not kept (between the head and the tail of a long connection).
    pub packets_omitted: u64,
    /// Ladder labels by frame number (for the packet detail tree).
    pub labels: HashMap<u64, Vec<String>>,
    /// Client and server endpoints per connection id.
    pub endpoints: Vec<(u32, SocketAddr, SocketAddr)>,
    /// Every connection has seen a FIN or RST.
    pub all_closed: bool,
}

impl AttemptView {
    fn build(
        attempt: Attempt,
        conns: &[&ConnectionRecord],
        rings: &HashMap<u32, PacketRing>,
        in_progress: bool,
    ) -> Self {
        let mut ladder = Vec::new();
        for c in conns {
            let mut push = |frame: FrameRef, dir: Dir, label: String| {
                ladder.push(LadderLine {
                    frame,
                    dir,
                    label,
                    connection: c.id,
                })
            };
            // TCP events come from the packet ring (frames with times) when kept.
            let ring = rings.get(&c.id);
            let tcp_events = ring
                .into_iter()
                .flat_map(|r| r.head.iter().chain(r.tail.iter()))
                .filter(|p| p.flags.syn || p.flags.rst || p.flags.fin);
            for p in tcp_events {
                push(p.frame, p.dir, p.flags.text());
            }
            for l in &c.facts.ladder {
                push(l.frame, l.dir, l.label.clone());
            }
            // Unreadable sessions: the encrypted records' shape (bounded).
            for l in crate::report::shape::encrypted_records(c) {
                let dir = l.dir.unwrap_or(Dir::ClientToServer);
                push(l.frame, dir, l.label);
            }
        }
        ladder.sort_by_key(|l| (l.frame.number, l.connection));
        let mut packets: Vec<PacketRef> = Vec::new();
        let mut omitted = 0;
        for c in conns {
            if let Some(r) = rings.get(&c.id) {
                packets.extend(r.head.iter().cloned());
                packets.extend(r.tail.iter().cloned());
                omitted += r.omitted;
            }
        }
        packets.sort_by_key(|p| p.frame.number);
        let mut labels: HashMap<u64, Vec<String>> = HashMap::new();
        for c in conns {
            for l in &c.facts.ladder {
                labels
                    .entry(l.frame.number)
                    .or_default()
                    .push(l.label.clone());
            }
        }
        AttemptView {
            attempt,
            in_progress,
            ladder,
            packets,
            packets_omitted: omitted,
            labels,
            endpoints: conns.iter().map(|c| (c.id, c.client, c.server)).collect(),
            all_closed: !conns.is_empty()
                && conns.iter().all(|c| {
                    c.tcp.closed_by.is_some() || c.tcp.handshake == crate::flow::Handshake::RstToSyn
                }),
        }
    }

    /// What the views show as the verdict. A connection still open is "in
    /// progress" unless it already succeeded, or failed and was closed: a
    /// SYN not answered *yet* is no failure.
    pub fn shown_outcome(&self) -> Shown {
        match (self.in_progress, self.attempt.outcome) {
            (_, Outcome::Success) => Shown::Success,
            (false, Outcome::Failure) => Shown::Failure,
            (false, Outcome::Incomplete) => Shown::Incomplete,
            (true, Outcome::Failure) if self.closed() => Shown::Failure,
            (true, _) => Shown::InProgress,
        }
    }

    /// Every connection of the attempt has seen its FIN or RST.
    fn closed(&self) -> bool {
        self.all_closed
    }

    /// One text line for scripts: the verdict, the cause and the first fix step.
    pub fn text_line(&self) -> String {
        attempt_line(&self.attempt)
    }
}

/// One line of an attempt's verdict, as `tui` and `live` print it when
/// stdout is not a terminal: outcome, frames, cause and first fix.
pub fn attempt_line(a: &Attempt) -> String {
    let verdict = match a.outcome {
        Outcome::Success if a.succeeded_with_errors() => "SUCCESS, with errors".to_string(),
        Outcome::Success => "SUCCESS".to_string(),
        Outcome::Failure => format!("FAILED at {}", a.failed_stage.map_or("?", |s| s.name())),
        Outcome::Incomplete => "INCOMPLETE".to_string(),
    };
    let mut s = format!(
        "attempt {} {} -> {} {} {:.3}s frames {}-{}",
        a.id, a.client, a.server, verdict, a.duration_s, a.start.number, a.end.number
    );
    if let Some(rc) = &a.root_cause {
        s.push_str(&format!(" | cause: {}", rc.title));
        if let Some(fix) = rc.remediation.first() {
            s.push_str(&format!(" | fix: {fix}"));
        }
    }
    s
}

/// The verdict as shown while things happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Success,
    Failure,
    Incomplete,
    InProgress,
}

/// Everything the UI renders: a pure value, cheap to share.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub attempts: Vec<Arc<AttemptView>>,
    pub counters: Counters,
    pub warnings: usize,
    /// Final attempts whose views were dropped beyond [`MAX_SETTLED_VIEWS`].
    pub dropped_attempts: u64,
    /// All input was read (replay) or capture stopped.
    pub done: bool,
    /// "replay FILE" or "live IFACE".
    pub source: String,
    pub paused: bool,
    /// Why reading stopped (not a capture, the interface went away): shown
    /// in the UI, not only after quitting.
    pub error: Option<String>,
}

/// Analyze a whole file (`crate::analysis::analyze_file`, keeping the
/// packet lists on the way) into its final snapshot: tests, and what the views
/// show once a replay is done.
pub fn analyze_file(path: &str, cfg: &crate::analysis::AnalysisConfig) -> Result<Snapshot, String> {
    let mut log = PacketLog::new(false);
    let report =
        crate::analysis::analyze_file_observed(path, cfg, &mut log).map_err(|e| e.to_string())?;
    let by_id: HashMap<u32, &ConnectionRecord> =
        report.connections.iter().map(|c| (c.id, c)).collect();
    let attempts = report
        .attempts
        .iter()
        .map(|a| {
            let conns: Vec<&ConnectionRecord> = a
                .connection_ids
                .iter()
                .filter_map(|id| by_id.get(id).copied())
                .collect();
            Arc::new(AttemptView::build(a.clone(), &conns, &log.rings, false))
        })
        .collect();
    Ok(Snapshot {
        attempts,
        counters: log.counters,
        warnings: report.warnings.len(),
        dropped_attempts: 0,
        done: true,
        source: format!("replay {path}"),
        paused: false,
        error: None,
    })
}

/// Read the bytes of frame `number` from a capture file (for the hex pane in
/// replay; called off the render path).
pub fn read_frame_bytes(path: &str, number: u64) -> Option<Vec<u8>> {
    struct Grab {
        want: u64,
        got: Option<Vec<u8>>,
    }
    impl FrameSink for Grab {
        fn frame(&mut self, f: &Frame<'_>) {
            if f.number == self.want {
                self.got = Some(f.data.to_vec());
            }
        }
        fn warning(&mut self, _w: Warning) {}
        fn stop(&self) -> bool {
            self.got.is_some()
        }
    }
    let mut g = Grab {
        want: number,
        got: None,
    };
    let (reader, gz) = crate::capture::open_path(path).ok()?;
    crate::capture::read_capture(reader, path, gz, &mut g).ok()?;
    g.got
}
