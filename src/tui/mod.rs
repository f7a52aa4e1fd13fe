//! `rdpdiag tui FILE` and `rdpdiag live`: watch RDP attempts progress stage
//! by stage. Capture and analysis run on a worker thread that publishes
//! [`model::Snapshot`]s; the UI thread renders the latest one
//! ([`view::render`] is a pure function of it) and handles keys. When stdout
//! is not a terminal, one text line is printed per finished attempt instead.

pub mod app;
pub mod model;
pub mod view;

use crate::analysis::AnalysisConfig;
use crate::capture::{Frame, FrameSink, Warning};
use crate::wire::Ts;
use model::{Snapshot, Tracker};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// State shared between the worker and the UI.
#[derive(Default)]
pub struct Shared {
    pub snapshot: Mutex<Arc<Snapshot>>,
    /// Replay waits while set.
    pub paused: AtomicBool,
    /// Set by the UI on quit; the worker stops reading.
    pub stop: Arc<AtomicBool>,
}

impl Shared {
    pub fn latest(&self) -> Arc<Snapshot> {
        match self.snapshot.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
    /// Show `error` in the UI: the latest snapshot, marked done with it.
    pub(crate) fn fail(&self, error: &str) {
        let mut s = (*self.latest()).clone();
        s.done = true;
        s.error = Some(error.to_string());
        self.publish(s);
    }

    fn publish(&self, s: Snapshot) {
        let s = Arc::new(s);
        match self.snapshot.lock() {
            Ok(mut g) => *g = s,
            Err(p) => *p.into_inner() = s,
        }
    }
}

/// Where finished attempts go in text mode.
pub type LineOut = Box<dyn FnMut(&str) + Send>;

/// Drives a [`Tracker`]: paces replay, publishes snapshots, prints lines.
pub struct Driver {
    pub tracker: Tracker,
    shared: Arc<Shared>,
    source: String,
    /// Replay speed factor (None: as fast as possible).
    speed: Option<f64>,
    pace: Option<(Ts, Instant)>,
    last_tick: Instant,
    tick_every: Duration,
    last_packets: u64,
    lines: Option<LineOut>,
    pub drops: u64,
    /// The wall clock as of the last [`Driver::idle`] (live capture).
    clock: Option<Ts>,
}

const MIN_TICK: Duration = Duration::from_millis(200);

impl Driver {
    pub fn new(
        tracker: Tracker,
        shared: Arc<Shared>,
        source: String,
        speed: Option<f64>,
        lines: Option<LineOut>,
    ) -> Self {
        let mut tracker = tracker;
        tracker.engine_mut().set_stop_flag(shared.stop.clone());
        Driver {
            tracker,
            shared,
            source,
            speed,
            pace: None,
            last_tick: Instant::now(),
            tick_every: MIN_TICK,
            last_packets: 0,
            lines,
            drops: 0,
            clock: None,
        }
    }

    /// Publish a snapshot now (and print newly finished attempts).
    pub fn tick(&mut self, done: bool) {
        let t0 = Instant::now();
        let elapsed = t0.duration_since(self.last_tick).as_secs_f64();
        let mut snap = self.tracker.snapshot();
        let pk = self.tracker.counters().packets;
        snap.counters.rate = if elapsed > 0.0 {
            (pk - self.last_packets) as f64 / elapsed
        } else {
            0.0
        };
        snap.counters.drops = self.drops;
        snap.done = done;
        snap.source = self.source.clone();
        self.last_packets = pk;
        if self.lines.is_some() {
            self.print_finished(&snap, done);
        }
        self.shared.publish(snap);
        // Keep analysis of packets at least ~80 % of the worker's time, even
        // with thousands of attempts to judge per snapshot.
        let cost = t0.elapsed();
        self.tick_every = MIN_TICK.max(cost * 4);
        self.last_tick = Instant::now();
    }

    /// Print the attempts finished since the last tick (replay with stdout
    /// not a terminal), once nothing can join them any more: the group
    /// window after their end, by the capture's clock.
    fn print_finished(&mut self, snap: &Snapshot, done: bool) {
        let settled = if done {
            None
        } else {
            let window = self.tracker.diag.group_window_s;
            let now = snap.counters.last_ts.max(self.clock);
            Some(now.map_or(Ts(i64::MIN), |t| t.minus_secs(window)))
        };
        let finished = self.tracker.newly_finished(snap, settled);
        let Some(out) = self.lines.as_mut() else {
            return;
        };
        for (v, updated) in finished {
            if updated {
                out(&format!("{} (updated)", v.text_line()));
            } else {
                out(&v.text_line());
            }
        }
        // Scan probes beyond [limits] scan_fold_after have no attempt line:
        // the text stream ends with their summary.
        let scan = &self.tracker.engine().sessions.scan;
        if done && scan.folded > 0 {
            out(&crate::report::scan_line(scan));
        }
    }

    fn maybe_tick(&mut self) {
        if self.last_tick.elapsed() >= self.tick_every {
            self.tick(false);
        }
    }

    /// Live capture: nothing arrived for a while; evict flows as of `now`.
    pub fn idle(&mut self, now: Ts) {
        self.clock = Some(now);
        self.tracker.sweep(now);
        self.maybe_tick();
    }

    /// End of input.
    pub fn finish(&mut self) {
        self.tracker.finish();
        self.tick(true);
    }

    fn wait_for(&mut self, ts: Ts) {
        let Some(speed) = self.speed else { return };
        let (t0, w0) = *self.pace.get_or_insert((ts, Instant::now()));
        let target = Duration::from_secs_f64((ts.since(t0) / speed).clamp(0.0, 1e6));
        loop {
            if self.shared.stop.load(Ordering::Relaxed) {
                return;
            }
            let now = w0.elapsed();
            if now >= target {
                return;
            }
            std::thread::sleep((target - now).min(Duration::from_millis(50)));
            self.maybe_tick();
        }
    }

    fn wait_while_paused(&mut self) {
        let mut paused_at = None;
        while self.shared.paused.load(Ordering::Relaxed)
            && !self.shared.stop.load(Ordering::Relaxed)
        {
            paused_at.get_or_insert_with(Instant::now);
            std::thread::sleep(Duration::from_millis(50));
        }
        // Real-time replay resumes where it was, not at the wall clock.
        if let (Some(p), Some((_, w0))) = (paused_at, self.pace.as_mut()) {
            *w0 += p.elapsed();
        }
    }
}

impl FrameSink for Driver {
    fn frame(&mut self, frame: &Frame<'_>) {
        if self.speed.is_some() {
            self.wait_for(frame.ts);
        }
        self.tracker.frame(frame);
        self.maybe_tick();
    }
    fn tls_secrets(&mut self, keylog: &[u8]) {
        self.tracker.tls_secrets(keylog);
    }
    fn comment(&mut self, frame: Option<u64>, text: &str) {
        self.tracker.comment(frame, text);
    }
    fn warning(&mut self, w: Warning) {
        self.tracker.warning(w);
    }
    fn stop(&self) -> bool {
        // Replay pauses here, between frames (`stop` is asked once per block).
        // SIGINT/SIGTERM: the verdicts of what was read are still given.
        self.tracker.stop() || crate::interrupt::requested()
    }
}

/// Parse `--speed`: `max` (as fast as possible), `1x`, `2x`, `0.5x`, `10`.
pub fn parse_speed(s: &str) -> Result<Option<f64>, String> {
    let t = s.trim().trim_end_matches(['x', 'X']);
    if s.trim().eq_ignore_ascii_case("max") || t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(Some(v)),
        _ => Err(format!(
            "invalid speed `{s}`: use `max`, or a factor like `1x` (real time), `10x`, `0.5x`"
        )),
    }
}

/// Finished attempts as lines on stdout (text mode).
pub(crate) fn stdout_lines() -> LineOut {
    Box::new(|l: &str| {
        let mut o = std::io::stdout().lock();
        let _ = writeln!(o, "{l}");
        let _ = o.flush();
    })
}

/// `rdpdiag tui FILE`.
pub fn run_replay(path: &str, speed: Option<f64>, cfg: &AnalysisConfig) -> i32 {
    if path == "-" {
        // The packet pane re-reads frames from the file; stdin can't be re-read.
        warn!("rdpdiag: `tui` needs a capture file, not stdin: save it first, or use `analyze -`");
        return 2;
    }
    if let Err(e) = crate::capture::open_path(path) {
        warn!("rdpdiag: {e}");
        return 2;
    }
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let shared = Arc::new(Shared::default());
    let tracker = Tracker::new(cfg, false);
    let lines = (!interactive).then(stdout_lines);
    let mut driver = Driver::new(
        tracker,
        shared.clone(),
        format!("replay {path}"),
        speed,
        lines,
    );
    let p = path.to_string();
    let work = move || -> Result<i32, String> {
        let (reader, gz) = crate::capture::open_path(&p).map_err(|e| e.to_string())?;
        let paused = driver.shared.clone();
        // Pause between frames: wrap the driver so each frame waits while paused.
        struct Pausing<'a>(&'a mut Driver, Arc<Shared>);
        impl FrameSink for Pausing<'_> {
            fn frame(&mut self, f: &Frame<'_>) {
                if self.1.paused.load(Ordering::Relaxed) {
                    self.0.wait_while_paused();
                }
                self.0.frame(f)
            }
            fn tls_secrets(&mut self, k: &[u8]) {
                self.0.tls_secrets(k)
            }
            fn comment(&mut self, f: Option<u64>, t: &str) {
                self.0.comment(f, t)
            }
            fn warning(&mut self, w: Warning) {
                self.0.warning(w)
            }
            fn stop(&self) -> bool {
                self.0.stop()
            }
        }
        let r = crate::capture::read_capture(reader, &p, gz, &mut Pausing(&mut driver, paused));
        driver.finish();
        r.map_err(|e| e.to_string())?;
        let snap = driver.shared.latest();
        let failed = snap
            .attempts
            .iter()
            .any(|a| a.attempt.outcome == crate::verdict::Outcome::Failure);
        Ok(i32::from(failed))
    };
    run_worker(shared, interactive, Some(path.to_string()), work, || {})
}

/// Run a view's worker (`work`: capture or replay into a [`Driver`]) and
/// return the exit code. Not `interactive`: `work` runs here, its driver
/// printing lines, and its result is the exit code. Interactive: `work` runs
/// on a thread while the terminal UI runs here (`replay`: the file the packet
/// pane re-reads), and quitting the UI stops it. `after` runs once the worker
/// has finished, before errors are reported.
pub(crate) fn run_worker<W>(
    shared: Arc<Shared>,
    interactive: bool,
    replay: Option<String>,
    work: W,
    after: impl FnOnce(),
) -> i32
where
    W: FnOnce() -> Result<i32, String> + Send + 'static,
{
    if !interactive {
        let r = work();
        after();
        return match r {
            Ok(code) => code,
            Err(e) => {
                warn!("rdpdiag: {e}");
                2
            }
        };
    }
    let sh = shared.clone();
    let handle = std::thread::spawn(move || {
        let r = work();
        if let Err(e) = &r {
            sh.fail(e);
        }
        r
    });
    let r = app::run(shared.clone(), replay);
    shared.stop.store(true, Ordering::Relaxed);
    shared.paused.store(false, Ordering::Relaxed);
    let worker = handle.join();
    after();
    if let Err(e) = r {
        warn!("rdpdiag: terminal error: {e}");
        return 2;
    }
    match worker {
        Ok(Err(e)) => {
            warn!("rdpdiag: {e}");
            2
        }
        _ => 0,
    }
}
