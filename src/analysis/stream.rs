//! Streaming analysis: attempts judged and handed to an [`AttemptSink`] while
//! the capture is read, and their records dropped, so that memory follows
//! what is open, not what was seen.
//!
//! The records of finished connections pile up in the session store. Once
//! more than [`StreamConfig::part_records`] are held, every (client IP,
//! server) pair none of whose connections is still open, and whose last
//! packet is older than [`crate::attempt::settle_after_s`] (6 s after a
//! session or a failure clients do not retry, the retry window after one
//! they do, a minute after a connection without a verdict), is final: no
//! later connection can join its attempts and no RDP-UDP flow can attach to
//! them. Those records (with their RDP-UDP flows, and copies of the DNS
//! lookups and Kerberos exchanges they may use) are judged as one *part* by
//! [`crate::rules::diagnose_part`], handed over and dropped. Lookups and
//! Kerberos exchanges older than anything that could still claim them are
//! dropped as well. Below the threshold nothing is streamed: a capture of
//! fewer connections gives exactly the report of [`super::analyze_file`].
//!
//! Numbering: attempts are numbered across parts in the order they are
//! handed over, by start time within a part.

use super::{report_from_part, AnalysisConfig, Carry};
use crate::capture::{self, Frame, FrameSink, InputError, Warning};
use crate::engine::{Engine, FrameObserver};
use crate::report::FileReport;
use crate::session::kdc::KdcFlow;
use crate::session::{ConnectionRecord, UdpRecord};
use crate::wire::Ts;
use std::collections::hash_map;

/// The looks hash pairs and hosts of every held record: foldhash, as the
/// flow table (SipHash was 2 % of a run on the slow benchmark mix).
type HashMap<K, V> = hash_map::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Receives the attempts of a capture part by part, as they become final.
pub trait AttemptSink {
    /// One part: its `attempts`, the `connections` and `udp_flows` they cite,
    /// and the file's name and comments. Capture-level fields (warnings,
    /// statistics, scan summary) are only in the report returned at the end.
    /// The sink owns the part: it may keep it (the TUI makes views of it
    /// later) or render it and let it go.
    fn part(&mut self, part: FileReport);
}

/// When the streaming analysis hands attempts over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamConfig {
    /// Finished connection records held before final attempts are judged
    /// and handed over (`[limits] stream_after`).
    pub part_records: usize,
    /// Frames read between two looks for final attempts, at least (a look
    /// walks the open flows, so it is also spaced by their number).
    pub check_every_frames: u64,
    /// Capture time between two looks, at least: attempts become final as
    /// capture time passes (6 s after a session at the earliest), and a
    /// look walks the open flows; a part handed over 10 s later costs
    /// nothing, a walk every second was most of the work on a file with
    /// 10 000 open flows.
    pub check_every_s: f64,
    /// Finished records held at most (`[limits] max_held_records`): beyond,
    /// the pairs quiet the longest are judged before they are final, so a
    /// pair that never goes quiet (a password spray) cannot grow memory
    /// without bound. Counted in the report's warnings.
    pub max_held_records: usize,
}

/// Default [`StreamConfig::part_records`]: about 4 MB of records.
pub const DEFAULT_PART_RECORDS: usize = 1000;

/// Default [`StreamConfig::max_held_records`]: about 40 MB of records.
pub const DEFAULT_MAX_HELD_RECORDS: usize = 10_000;

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            part_records: DEFAULT_PART_RECORDS,
            check_every_frames: CHECK_EVERY_FRAMES,
            check_every_s: 10.0,
            max_held_records: DEFAULT_MAX_HELD_RECORDS,
        }
    }
}

impl StreamConfig {
    /// Live capture: look for final attempts every second, from the first
    /// record on (a capture file waits for `part_records` and looks every
    /// 10 s of capture time, for speed).
    pub fn live() -> Self {
        StreamConfig {
            part_records: 0,
            check_every_frames: 1,
            check_every_s: 1.0,
            ..StreamConfig::default()
        }
    }
}

/// Default [`StreamConfig::check_every_frames`].
const CHECK_EVERY_FRAMES: u64 = 4096;

/// Analyze `path`, handing attempts to `sink` as they become final; the
/// report returned holds the capture-level fields and the attempts that
/// were still pending at the end of the input (numbered after the streamed
/// ones; `streamed` says how many went to the sink).
pub fn analyze_file_streaming(
    path: &str,
    cfg: &AnalysisConfig,
    count: Option<Arc<AtomicU64>>,
    sink: &mut dyn AttemptSink,
) -> Result<FileReport, InputError> {
    let (reader, gz) = capture::open_path_counted(path, count)?;
    stream_from(path, reader, gz, cfg, sink)
}

/// [`analyze_file_streaming`] of a capture held in memory (or any reader);
/// `name` labels the report.
pub fn analyze_reader_streaming(
    name: &str,
    raw: Box<dyn std::io::Read + Send>,
    cfg: &AnalysisConfig,
    sink: &mut dyn AttemptSink,
) -> Result<FileReport, InputError> {
    let (reader, gz) = capture::open_reader(raw, name)?;
    stream_from(name, reader, gz, cfg, sink)
}

fn stream_from(
    name: &str,
    reader: Box<dyn std::io::BufRead + Send>,
    gz: bool,
    cfg: &AnalysisConfig,
    sink: &mut dyn AttemptSink,
) -> Result<FileReport, InputError> {
    let mut s = Streamer::new(Engine::new(cfg.engine_config()), cfg, name, sink);
    let summary = capture::read_capture(reader, name, gz, &mut s)?;
    Ok(s.finish(summary).0)
}

/// A sink borrowed for one analysis (`analyze`'s).
impl<T: AttemptSink + ?Sized> AttemptSink for &mut T {
    fn part(&mut self, part: FileReport) {
        (**self).part(part);
    }
}

/// The engine as a frame sink that hands final attempts over to its sink
/// `S` as it goes. A capture file feeds it through `capture::read_capture`;
/// live capture and the TUI feed it frame by frame, and
/// [`Streamer::idle`] lets time pass between packets.
pub struct Streamer<S> {
    engine: Engine,
    sink: S,
    cfg: AnalysisConfig,
    file: String,
    /// The latest capture time seen.
    now: Option<Ts>,
    frames_since_check: u64,
    check_every: u64,
    /// No look before this capture time.
    next_check: Option<Ts>,
    /// How long each pending pair's latest connection makes its pair wait
    /// (`attempt::settle_after_s`), by connection id: judged once, not at
    /// every look.
    settle_of: HashMap<u32, f64>,
    carry: Carry,
}

impl<S: AttemptSink> Streamer<S> {
    /// Stream `engine`'s attempts (configured from `cfg`, or adjusted, as
    /// live capture does) to `sink`; `file` names the parts.
    pub fn new(engine: Engine, cfg: &AnalysisConfig, file: &str, sink: S) -> Self {
        Streamer {
            engine,
            sink,
            cfg: cfg.clone(),
            file: file.to_string(),
            now: None,
            frames_since_check: 0,
            check_every: cfg.stream.check_every_frames,
            next_check: None,
            settle_of: HashMap::default(),
            carry: Carry::default(),
        }
    }

    /// The engine (the live views read its open flows and counters).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// The number the next attempt handed over or judged gets.
    pub fn next_attempt_id(&self) -> u32 {
        self.carry.next_id()
    }

    /// Attempts handed over so far.
    pub fn streamed(&self) -> u64 {
        self.carry.streamed
    }

    /// One frame, told to `observer` too (the live views' packet lists).
    pub fn frame_observed<O: FrameObserver + ?Sized>(
        &mut self,
        frame: &Frame<'_>,
        observer: &mut O,
    ) {
        self.engine.frame_observed(frame, observer);
        self.after_frame(frame.ts);
    }

    /// No packet for a while (live capture): flows idle and attempts
    /// settle as of `now`, the wall clock.
    pub fn idle(&mut self, now: Ts) {
        let e = &mut self.engine;
        e.flows.sweep(now, &mut e.sessions);
        self.now = Some(self.now.map_or(now, |n| n.max(now)));
        if self.now >= self.next_check {
            self.look();
        }
    }

    /// End of input: the report of what is still held (the last attempts,
    /// numbered after the streamed ones) with the capture-level fields, and
    /// the sink.
    pub fn finish(self, capture: capture::ReadSummary) -> (FileReport, S) {
        let report = report_from_part(&self.file, self.engine, capture, &self.cfg, self.carry);
        (report, self.sink)
    }

    fn after_frame(&mut self, ts: Ts) {
        self.now = Some(self.now.map_or(ts, |n| n.max(ts)));
        self.frames_since_check += 1;
        let due = self.now >= self.next_check;
        if self.frames_since_check >= self.check_every && due {
            self.look();
        }
    }

    /// Look for final attempts now, and not again for `check_every_s`.
    fn look(&mut self) {
        self.frames_since_check = 0;
        self.next_check = self.now.map(|n| n.plus_secs(self.cfg.stream.check_every_s));
        self.hand_over_final();
    }
}

impl<S: AttemptSink> FrameSink for Streamer<S> {
    fn frame(&mut self, frame: &Frame<'_>) {
        self.engine.frame(frame);
        self.after_frame(frame.ts);
    }
    fn tls_secrets(&mut self, keylog: &[u8]) {
        self.engine.tls_secrets(keylog);
    }
    fn comment(&mut self, frame: Option<u64>, text: &str) {
        self.engine.comment(frame, text);
    }
    fn warning(&mut self, w: Warning) {
        self.engine.warning(w);
    }
    fn stop(&self) -> bool {
        self.engine.stop()
    }
}

/// What is still open in the flow table, for deciding what is final: only
/// about the pairs and hosts asked for, so that a look allocates little
/// however many flows are open.
struct Open {
    /// Of the (client IP, server) pairs asked for: when the earliest of
    /// their open RDP connections started.
    tcp: HashMap<(IpAddr, SocketAddr), Ts>,
    /// Of the host pairs asked for: those with an open RDP connection or
    /// RDP-UDP flow.
    hosts: HashSet<(IpAddr, IpAddr)>,
    /// Of the host pairs asked for: when the earliest of their open RDP-UDP
    /// flows started (one may yet attach to an attempt).
    rdp_udp: HashMap<(IpAddr, IpAddr), Ts>,
    /// The earliest start of an open RDP connection (its attempt may use
    /// lookups and Kerberos exchanges made before it).
    earliest: Option<Ts>,
    /// Open flows walked.
    flows: usize,
}

impl Open {
    fn of(
        flows: &crate::flow::FlowTable,
        pairs: &HashMap<(IpAddr, SocketAddr), (Ts, f64)>,
        hosts: &HashSet<(IpAddr, IpAddr)>,
    ) -> Open {
        let mut o = Open {
            tcp: HashMap::default(),
            hosts: HashSet::default(),
            rdp_udp: HashMap::default(),
            earliest: None,
            flows: 0,
        };
        for c in flows.tcp_conns() {
            o.flows += 1;
            // Only an RDP connection makes a record that joins an attempt
            // (a keyed TLS connection is known as one from its ClientHello).
            if c.rdp.is_none() {
                continue;
            }
            o.earliest = Some(o.earliest.map_or(c.first.ts, |e| e.min(c.first.ts)));
            let k = (c.client.ip(), c.server);
            if pairs.contains_key(&k) {
                earliest_at(&mut o.tcp, k, c.first.ts);
            }
            let h = (c.client.ip(), c.server.ip());
            if hosts.contains(&h) {
                o.hosts.insert(h);
            }
        }
        for u in flows.udp_flows() {
            o.flows += 1;
            let h = (u.client.ip(), u.server.ip());
            if u.kind == crate::flow::UdpKind::RdpUdp && hosts.contains(&h) {
                o.hosts.insert(h);
                earliest_at(&mut o.rdp_udp, h, u.first.ts);
            }
        }
        o
    }
}

/// Keep the earliest start per key.
fn earliest_at<K: std::hash::Hash + Eq>(m: &mut HashMap<K, Ts>, k: K, ts: Ts) {
    let e = m.entry(k).or_insert(ts);
    *e = (*e).min(ts);
}

/// The records of one part, taken out of the session store.
#[derive(Default)]
struct Taken {
    conns: Vec<ConnectionRecord>,
    udp: Vec<UdpRecord>,
    kdc: Vec<KdcFlow>,
}

impl<S: AttemptSink> Streamer<S> {
    /// If enough records are held, judge and hand over every final attempt;
    /// then, if still too many are held, the pairs quiet the longest.
    fn hand_over_final(&mut self) {
        self.hand_over_settled();
        if self.engine.sessions.connections.len() > self.cfg.stream.max_held_records {
            self.hand_over_oldest();
        }
    }

    /// Judge and hand over every final attempt, when enough records are held.
    fn hand_over_settled(&mut self) {
        let sessions = &self.engine.sessions;
        if sessions.connections.len() + sessions.udp.len() < self.cfg.stream.part_records {
            return;
        }
        let Some(now) = self.now else { return };
        let settle = crate::attempt::settle_max_s(self.cfg.diag.group_window_s);
        let candidates = self.quiet_pairs(now);
        let lone_udp = self.quiet_udp_hosts(now, settle);
        if candidates.is_empty() && lone_udp.is_empty() {
            return;
        }
        // The hosts whose open flows matter: the candidates' (an RDP-UDP
        // flow may attach) and the quiet RDP-UDP flows' (a TCP attempt may
        // claim them).
        let mut hosts = lone_udp;
        hosts.extend(candidates.keys().map(|k| (k.0, k.1.ip())));
        let open = Open::of(&self.engine.flows, &candidates, &hosts);
        // A look walks the open flows: keep that O(1) per frame.
        self.check_every = self.cfg.stream.check_every_frames.max(open.flows as u64);
        let finals = final_pairs(candidates, &open);
        let taken = self.take_final(&finals, &open, now, settle);
        if taken.conns.is_empty() && taken.udp.is_empty() {
            return;
        }
        self.hand_over(taken);
        self.drop_unclaimable(&open, now, settle);
    }

    /// More than `max_held_records` are held: hand over the pairs whose last
    /// packet is oldest, final or not, until half that many are left. A
    /// later connection of such a pair starts a new attempt where the
    /// whole-file analysis might have joined it to theirs: the report says
    /// how many attempts were judged this way.
    fn hand_over_oldest(&mut self) {
        let Some(now) = self.now else { return };
        let conns = &self.engine.sessions.connections;
        let mut pairs: HashMap<(IpAddr, SocketAddr), (Ts, usize)> = HashMap::default();
        for c in conns {
            let e = pairs
                .entry((c.client.ip(), c.server))
                .or_insert((c.last.ts, 0));
            e.0 = e.0.max(c.last.ts);
            e.1 += 1;
        }
        let mut by_age: Vec<_> = pairs.into_iter().collect();
        by_age.sort_unstable_by_key(|(k, (end, _))| (*end, *k));
        let keep = self.cfg.stream.max_held_records / 2;
        let mut held = conns.len();
        let mut forced: HashMap<(IpAddr, SocketAddr), (Ts, f64)> = HashMap::default();
        for (k, (end, n)) in by_age {
            if held <= keep {
                break;
            }
            held -= n;
            forced.insert(k, (end, 0.0));
        }
        let hosts: HashSet<(IpAddr, IpAddr)> = forced.keys().map(|k| (k.0, k.1.ip())).collect();
        let open = Open::of(&self.engine.flows, &forced, &hosts);
        let finals: HashSet<(IpAddr, SocketAddr)> = forced.into_keys().collect();
        let settle = crate::attempt::settle_max_s(self.cfg.diag.group_window_s);
        let taken = self.take_final(&finals, &open, now, settle);
        if taken.conns.is_empty() {
            return;
        }
        let before = self.carry.streamed;
        self.hand_over(taken);
        self.carry.judged_early += self.carry.streamed - before;
        self.drop_unclaimable(&open, now, settle);
    }

    /// The (client IP, server) pairs of the records held whose last packet
    /// is older than their latest connection's verdict makes them wait
    /// (`attempt::settle_after_s`, judged once per connection), with that
    /// last packet's time and the wait.
    fn quiet_pairs(&mut self, now: Ts) -> HashMap<(IpAddr, SocketAddr), (Ts, f64)> {
        let conns = &self.engine.sessions.connections;
        let (diag, settle_of) = (&self.cfg.diag, &mut self.settle_of);
        // Per pair: the last packet, and the latest connection to start.
        let mut pairs: HashMap<(IpAddr, SocketAddr), (Ts, usize)> = HashMap::default();
        for (i, c) in conns.iter().enumerate() {
            let e = pairs
                .entry((c.client.ip(), c.server))
                .or_insert((c.last.ts, i));
            e.0 = e.0.max(c.last.ts);
            let latest = &conns[e.1];
            if (c.first.ts, c.id) > (latest.first.ts, latest.id) {
                e.1 = i;
            }
        }
        pairs
            .into_iter()
            .filter(|(_, (end, _))| now.since(*end) > crate::attempt::settle_min_s())
            .filter_map(|(k, (end, latest))| {
                let c = &conns[latest];
                let settle = *settle_of.entry(c.id).or_insert_with(|| {
                    let (verdict, _) = crate::rules::judge_connection(c, diag);
                    crate::attempt::settle_after_s(diag.group_window_s, Some(&verdict))
                });
                (now.since(end) > settle).then_some((k, (end, settle)))
            })
            .collect()
    }

    /// The host pairs of RDP-UDP records held whose flow ended more than
    /// `settle` ago (candidates for attempts of their own).
    fn quiet_udp_hosts(&self, now: Ts, settle: f64) -> HashSet<(IpAddr, IpAddr)> {
        self.engine
            .sessions
            .udp
            .iter()
            .filter(|u| u.rdpudp.is_some() && now.since(u.flow.last.ts) > settle)
            .map(|u| (u.flow.client.ip(), u.flow.server.ip()))
            .collect()
    }

    /// Take the final records out of the session store (`settle`: the
    /// longest wait, for RDP-UDP flows of their own).
    fn take_final(
        &mut self,
        finals: &HashSet<(IpAddr, SocketAddr)>,
        open: &Open,
        now: Ts,
        settle: f64,
    ) -> Taken {
        let sessions = &mut self.engine.sessions;
        let conns = take_where(&mut sessions.connections, |c| {
            finals.contains(&(c.client.ip(), c.server))
        });
        // The part's host pairs and when their last connection ended.
        let mut part_hosts: HashMap<(IpAddr, IpAddr), Ts> = HashMap::default();
        for c in &conns {
            let e = part_hosts
                .entry((c.client.ip(), c.server.ip()))
                .or_insert(c.last.ts);
            *e = (*e).max(c.last.ts);
        }
        let pending_hosts: HashSet<(IpAddr, IpAddr)> = sessions
            .connections
            .iter()
            .map(|c| (c.client.ip(), c.server.ip()))
            .collect();
        let udp_goes = |u: &UdpRecord| {
            if u.rdpudp.is_none() {
                return false;
            }
            let hosts = (u.flow.client.ip(), u.flow.server.ip());
            match part_hosts.get(&hosts) {
                Some(end) => u.flow.first.ts <= *end || u.flow.first.ts.since(*end) <= settle,
                // An RDP-UDP flow of its own (no TCP attempt can claim it any more).
                None => {
                    !open.hosts.contains(&hosts)
                        && !pending_hosts.contains(&hosts)
                        && now.since(u.flow.last.ts) > settle
                }
            }
        };
        let udp = take_where(&mut sessions.udp, udp_goes);
        let mut taken = Taken {
            conns,
            udp,
            kdc: Vec::new(),
        };
        self.copy_context(&mut taken);
        taken
    }

    /// Copy the DNS lookups and Kerberos exchanges the part's attempts may
    /// use (they may serve later attempts too, so they stay in the store).
    fn copy_context(&self, t: &mut Taken) {
        let (Some(start), Some(end)) = (
            t.conns.iter().map(|c| c.first.ts).min(),
            t.conns.iter().map(|c| c.last.ts).max(),
        ) else {
            return;
        };
        let from = start.minus_secs(crate::attempt::LOOKBACK_S);
        let clients: HashSet<IpAddr> = t.conns.iter().map(|c| c.client.ip()).collect();
        let lookups = self.usable_lookups(&t.conns, &clients, (from, end));
        t.udp.extend(lookups);
        t.kdc.extend(
            self.engine
                .sessions
                .kdc
                .iter()
                .filter(|k| clients.contains(&k.client.ip()))
                .filter(|k| k.first.ts >= from && k.first.ts <= end)
                .cloned(),
        );
    }

    /// Copies of the held DNS flows, with only the lookups `conns` may use:
    /// made at most the lookback before one of their starts, and answering
    /// with one of their servers, or failed and asked by one of `clients`.
    /// `span`: from the lookback before the first start to the last packet.
    fn usable_lookups(
        &self,
        conns: &[ConnectionRecord],
        clients: &HashSet<IpAddr>,
        span: (Ts, Ts),
    ) -> Vec<UdpRecord> {
        let servers: HashSet<String> = conns.iter().map(|c| c.server.ip().to_string()).collect();
        // Near a start: a binary search, before any hashing.
        let mut starts: Vec<Ts> = conns.iter().map(|c| c.first.ts).collect();
        starts.sort_unstable();
        let near = |at: Ts| {
            let next = starts.partition_point(|s| *s < at);
            starts
                .get(next)
                .is_some_and(|s| s.since(at) <= crate::attempt::LOOKBACK_S)
        };
        let usable = |u: &UdpRecord, l: &crate::session::DnsLookup| {
            near(l.query.ts)
                && if l.answers.is_empty() {
                    clients.contains(&u.flow.client.ip())
                } else {
                    l.answers.iter().any(|a| servers.contains(a))
                }
        };
        // The flow's own span first: most held lookups are far from the part.
        let in_span = |u: &&UdpRecord| u.flow.last.ts >= span.0 && u.flow.first.ts <= span.1;
        let mut out = Vec::new();
        for u in self
            .engine
            .sessions
            .udp
            .iter()
            .filter(|u| u.rdpudp.is_none())
            .filter(in_span)
            .filter(|u| u.dns.iter().any(|l| near(l.query.ts)))
        {
            let dns: Vec<_> = u.dns.iter().filter(|l| usable(u, l)).cloned().collect();
            if !dns.is_empty() {
                out.push(UdpRecord {
                    flow: u.flow.clone(),
                    rdpudp: None,
                    dns,
                });
            }
        }
        out
    }

    /// Judge the part and hand it to the sink.
    fn hand_over(&mut self, mut t: Taken) {
        t.conns.sort_by_key(|c| (c.first.number, c.id));
        t.udp.sort_by_key(|u| (u.flow.first.number, u.flow.id));
        t.kdc.sort_by_key(|k| k.first.number);
        let attempts = crate::rules::diagnose_part(
            &t.conns,
            &t.udp,
            &t.kdc,
            &self.cfg.diag,
            crate::rules::Part {
                first_id: self.carry.next_id(),
                dns_only: false,
            },
        );
        self.carry.streamed += attempts.len() as u64;
        for c in &t.conns {
            self.settle_of.remove(&c.id);
        }
        self.carry.servers.extend(t.conns.iter().map(|c| c.server));
        let part = FileReport {
            file: self.file.clone(),
            attempts,
            connections: t.conns,
            udp_flows: t.udp,
            comments: self.engine.comments.clone(),
            ..FileReport::default()
        };
        self.sink.part(part);
    }

    /// Drop the DNS lookups and Kerberos exchanges no attempt can claim any
    /// more: older than the lookback before anything still pending or open.
    fn drop_unclaimable(&mut self, open: &Open, now: Ts, settle: f64) {
        let sessions = &mut self.engine.sessions;
        let pending = sessions.connections.iter().map(|c| c.first.ts).min();
        let horizon = now.minus_secs(settle);
        let oldest = [pending, open.earliest, Some(horizon)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(horizon);
        let bound = oldest.minus_secs(crate::attempt::LOOKBACK_S);
        sessions
            .udp
            .retain(|u| u.rdpudp.is_some() || u.dns.iter().any(|l| l.query.ts >= bound));
        sessions.kdc.retain(|k| k.last.ts >= bound);
    }
}

/// The quiet pairs none of whose open flows could still join them: a
/// connection of the pair, or an RDP-UDP flow of its hosts, open now but
/// started after the pair's wait is a new attempt's.
fn final_pairs(
    quiet: HashMap<(IpAddr, SocketAddr), (Ts, f64)>,
    open: &Open,
) -> HashSet<(IpAddr, SocketAddr)> {
    quiet
        .into_iter()
        .filter(|(k, (end, settle))| {
            let joins = |first: Option<&Ts>| first.is_some_and(|f| f.since(*end) <= *settle);
            !joins(open.tcp.get(k)) && !joins(open.rdp_udp.get(&(k.0, k.1.ip())))
        })
        .map(|(k, _)| k)
        .collect()
}

/// Move the items matching `pred` out of `v`, in O(len) moves of the items
/// taken only (records are kilobytes). The order of what stays changes: the
/// session store sorts its records at the end of the input, and a part is
/// sorted before it is judged.
fn take_where<T>(v: &mut Vec<T>, pred: impl Fn(&T) -> bool) -> Vec<T> {
    let mut taken = Vec::new();
    let mut i = 0;
    while i < v.len() {
        if pred(&v[i]) {
            taken.push(v.swap_remove(i));
        } else {
            i += 1;
        }
    }
    taken
}
