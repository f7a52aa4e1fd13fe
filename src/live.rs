//! `rdpdiag live`: capture with libpcap (cargo feature `live`) and feed the
//! same engine and views as `rdpdiag tui FILE`. `--write` keeps what was
//! captured as pcapng.

use crate::analysis::AnalysisConfig;
use std::io::Write;

/// Options of `rdpdiag live`.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    pub interface: Option<String>,
    pub filter: Option<String>,
    pub write: Option<String>,
    pub no_tui: bool,
    /// `--format jsonl`: `rdpdiag-jsonl/1` lines (implies `no_tui`).
    pub jsonl: bool,
    /// Key log whose secrets go into `write`'s file as a Decryption Secrets
    /// Block when the capture ends (the client writes them during the session).
    pub keylog: Option<String>,
}

/// The default capture filter: the RDP TCP/UDP ports plus DNS.
pub fn default_filter(cfg: &AnalysisConfig) -> String {
    let mut parts: Vec<String> = Vec::new();
    for p in &cfg.engine.flow.rdp_ports {
        parts.push(format!("tcp port {p}"));
    }
    for p in &cfg.engine.flow.udp_ports {
        parts.push(format!("udp port {p}"));
    }
    parts.push("port 53".into());
    parts.join(" or ")
}

/// What a user needs for live capture, said once.
pub const NEEDS: &str = "live capture needs libpcap and the right to capture: \
run as root or give the binary CAP_NET_RAW (`sudo setcap cap_net_raw,cap_net_admin=eip $(command -v rdpdiag)`); \
on Windows install Npcap (https://npcap.com) and run from an elevated prompt";

pub use crate::capture::write::PcapngWriter;

/// Put the TLS secrets of `keylog` into the pcapng at `path` as a Decryption
/// Secrets Block placed before the first packet, so Wireshark and rdpdiag can
/// decrypt the file alone. The file is rewritten through a temporary file
/// (streamed: never loaded whole). Only key-log lines are copied. Returns the
/// number of secret lines embedded.
pub fn embed_secrets(path: &str, keylog: &str) -> std::io::Result<usize> {
    use std::io::{Read, Seek, SeekFrom};
    let text = std::fs::read_to_string(keylog)?;
    let seen = captured_client_randoms(path)?;
    // Only lines our own key-log parser accepts as secrets, of the TLS
    // sessions the capture holds, are copied: a key log often carries the
    // secrets of every browser session too.
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            let (k, _) = crate::decrypt::KeyLog::parse(l);
            k.secret_count() > 0 && seen.iter().any(|cr| k.contains(cr))
        })
        .collect();
    if lines.is_empty() {
        return Ok(0);
    }
    let mut secrets = lines.join("\n").into_bytes();
    secrets.push(b'\n');
    let mut src = std::fs::File::open(path)?;
    // Our own writer's layout: SHB then IDB, each block's total length in
    // bytes 4..8; the DSB goes right after them.
    let mut head = Vec::new();
    for _ in 0..2 {
        let mut hdr = [0u8; 8];
        src.read_exact(&mut hdr)?;
        let len = u32::from_le_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]) as usize;
        if !(12..=1 << 20).contains(&len) || len % 4 != 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not a pcapng file written by rdpdiag live",
            ));
        }
        let mut rest = vec![0u8; len - 8];
        src.read_exact(&mut rest)?;
        head.extend_from_slice(&hdr);
        head.extend_from_slice(&rest);
    }
    // The rewrite holds secrets: private, never through a predictable name.
    let mut tmp = crate::capture::write::PrivateFile::create(std::path::Path::new(path))?;
    {
        let mut out = std::io::BufWriter::new(tmp.file());
        out.write_all(&head)?;
        crate::capture::write::write_dsb(&mut out, &secrets)?;
        src.seek(SeekFrom::Start(head.len() as u64))?;
        std::io::copy(&mut src, &mut out)?;
        out.flush()?;
    }
    tmp.commit()?;
    Ok(lines.len())
}

/// The client randoms of the ClientHellos in the capture at `path`.
fn captured_client_randoms(
    path: &str,
) -> std::io::Result<std::collections::HashSet<crate::decrypt::ClientRandom>> {
    use crate::capture::{Frame, FrameSink, Warning};
    struct Randoms(std::collections::HashSet<crate::decrypt::ClientRandom>);
    impl FrameSink for Randoms {
        fn frame(&mut self, frame: &Frame<'_>) {
            if let Ok(p) = crate::net::decode(frame) {
                if let crate::net::Transport::Tcp(_, payload) = p.transport {
                    self.0.extend(crate::decrypt::client_hello_randoms(payload));
                }
            }
        }
        fn warning(&mut self, _: Warning) {}
    }
    let (reader, gz) = crate::capture::open_path(path).map_err(std::io::Error::other)?;
    let mut sink = Randoms(std::collections::HashSet::new());
    crate::capture::read_capture(reader, path, gz, &mut sink).map_err(std::io::Error::other)?;
    Ok(sink.0)
}

/// `rdpdiag live`: returns the exit code.
#[cfg(not(feature = "live"))]
pub fn run(_opts: &LiveOptions, _cfg: &AnalysisConfig) -> i32 {
    warn!(
        "rdpdiag: this build has no live capture. Rebuild with `cargo build --release --features live` \
         (needs libpcap-dev on Debian/Ubuntu, libpcap-devel on Fedora; on Windows nothing for windows-gnu, the Npcap SDK for MSVC); \
         {NEEDS}. Meanwhile, capture with tcpdump/Wireshark and run `rdpdiag tui FILE`."
    );
    2
}

#[cfg(feature = "live")]
pub use imp::run;

#[cfg(feature = "live")]
mod imp {
    use super::{default_filter, LiveOptions, PcapngWriter, NEEDS};
    use crate::analysis::{AnalysisConfig, AttemptSink, StreamConfig, Streamer};
    use crate::capture::{Frame, FrameSink, LinkType};
    use crate::engine::Engine;
    use crate::report::{jsonl, FileReport, RecordIndex};
    use crate::tui::model::Tracker;
    use crate::tui::{Driver, LineOut, Shared};
    use crate::wire::Ts;
    use std::sync::atomic::Ordering;
    use std::sync::Arc;

    type Writer = PcapngWriter<std::io::BufWriter<std::fs::File>>;

    const SNAPLEN: i32 = 65535;

    fn now_ts() -> Ts {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Ts::from_parts(d.as_secs() as i64, d.subsec_nanos() as i64)
    }

    fn open(
        opts: &LiveOptions,
        cfg: &AnalysisConfig,
    ) -> Result<(pcap::Capture<pcap::Active>, String), String> {
        // Npcap first (Windows: wpcap.dll is delay-loaded), then the name
        // checked against the real interfaces, so a typo is not blamed on
        // permissions. An empty or failed listing leaves the name to the open.
        use crate::live_devices::{prepare_wpcap, WPCAP_CAPTURE, WPCAP_LIST};
        prepare_wpcap(WPCAP_LIST)?;
        let known = crate::live_devices::list().unwrap_or_default();
        let dev = match &opts.interface {
            Some(i) if known.is_empty() => i.clone(),
            Some(i) => crate::live_devices::resolve(i, &known)?,
            None => crate::live_devices::default_interface(&known)
                .map_or_else(|| "any".to_string(), |d| d.name.clone()),
        };
        prepare_wpcap(WPCAP_CAPTURE)?;
        let cap = pcap::Capture::from_device(dev.as_str())
            .and_then(|c| {
                c.promisc(false)
                    .snaplen(SNAPLEN)
                    .immediate_mode(true)
                    .timeout(200)
                    .open()
            })
            // Non-blocking: on Linux the read timeout does not fire while no
            // packet arrives, and the loop must still evict closed flows and
            // publish verdicts between packets.
            .and_then(|c| c.setnonblock())
            .map_err(|e| format!("cannot capture on {dev}: {e}. {NEEDS}"))?;
        let mut cap = cap;
        let filter = opts.filter.clone().unwrap_or_else(|| default_filter(cfg));
        cap.filter(&filter, true)
            .map_err(|e| format!("bad capture filter `{filter}`: {e}"))?;
        Ok((cap, dev))
    }

    /// What the capture loop feeds: the TUI's driver, or the streaming
    /// analysis that prints lines.
    trait Feed: FrameSink {
        /// No packet for a while: flows and attempts age by the wall clock
        /// `now`; `drops`: packets libpcap dropped so far.
        fn idle(&mut self, now: Ts, drops: u64);
    }

    impl Feed for Driver {
        fn idle(&mut self, now: Ts, drops: u64) {
            self.drops = drops;
            Driver::idle(self, now);
        }
    }

    impl<S: AttemptSink> Feed for Streamer<S> {
        fn idle(&mut self, now: Ts, _drops: u64) {
            Streamer::idle(self, now);
        }
    }

    /// Capture until `stop` is set or Ctrl-C, feeding `feed`; returns the
    /// packets libpcap dropped.
    fn capture_loop(
        mut cap: pcap::Capture<pcap::Active>,
        mut writer: Option<Writer>,
        feed: &mut dyn Feed,
        shared: &Shared,
    ) -> Result<u64, String> {
        let link = LinkType(cap.get_datalink().0 as u32);
        let mut number = 0u64;
        let mut drops = 0;
        let mut last_stats = std::time::Instant::now();
        while !shared.stop.load(Ordering::Relaxed) && !crate::interrupt::requested() {
            match cap.next_packet() {
                Ok(p) => {
                    number += 1;
                    // time_t and suseconds_t are not i64 on every platform.
                    #[allow(clippy::unnecessary_cast)]
                    let secs = p.header.ts.tv_sec as i64;
                    #[allow(clippy::unnecessary_cast)]
                    let micros = p.header.ts.tv_usec as i64;
                    let ts = Ts::from_parts(secs, micros * 1000);
                    if let Some(w) = writer.as_mut() {
                        let us = (secs.max(0) as u64) * 1_000_000 + micros.max(0) as u64;
                        if let Err(e) = w.packet(us, p.data, p.header.len) {
                            return Err(format!("writing the capture failed: {e}"));
                        }
                    }
                    let frame = Frame {
                        number,
                        ts,
                        link,
                        interface: 0,
                        data: p.data,
                        orig_len: p.header.len,
                    };
                    feed.frame(&frame);
                }
                Err(pcap::Error::TimeoutExpired) => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                Err(e) => return Err(format!("capture failed: {e}")),
            }
            if last_stats.elapsed() >= std::time::Duration::from_millis(200) {
                last_stats = std::time::Instant::now();
                if let Ok(s) = cap.stats() {
                    drops = s.dropped as u64 + s.if_dropped as u64;
                }
                if let Some(w) = writer.as_mut() {
                    let _ = w.flush();
                }
                feed.idle(now_ts(), drops);
            }
        }
        if let Some(w) = writer.as_mut() {
            let _ = w.flush();
        }
        Ok(drops)
    }

    /// After `--write`: embed the key log's secrets, if one was given.
    fn finish_write(opts: &LiveOptions) {
        if let (Some(path), Some(keys)) = (&opts.write, &opts.keylog) {
            match super::embed_secrets(path, keys) {
                Ok(0) => warn!("rdpdiag: {path}: no secret in {keys} belongs to a TLS session of this capture; nothing embedded"),
                Ok(n) => warn!("rdpdiag: {path}: {n} TLS secret line(s) of this capture's sessions from {keys} embedded (Decryption Secrets Block; other sessions' secrets left out)"),
                Err(e) => warn!("rdpdiag: warning: could not embed the TLS secrets of {keys} into {path}: {e}; pass the key log with --keylog when analyzing"),
            }
        }
    }

    /// `rdpdiag live`: returns the exit code.
    pub fn run(opts: &LiveOptions, cfg: &AnalysisConfig) -> i32 {
        let (cap, dev) = match open(opts, cfg) {
            Ok(x) => x,
            Err(e) => {
                warn!("rdpdiag: {e}");
                return 2;
            }
        };
        let writer = match &opts.write {
            Some(path) => {
                // Private from the start (the key log is embedded into it
                // later); renamed into place at once so it can be followed.
                let f = crate::capture::write::PrivateFile::create(std::path::Path::new(path))
                    .and_then(crate::capture::write::PrivateFile::commit)
                    .and_then(|f| {
                        PcapngWriter::new(
                            std::io::BufWriter::new(f),
                            cap.get_datalink().0 as u16,
                            SNAPLEN as u32,
                        )
                    });
                match f {
                    Ok(w) => Some(w),
                    Err(e) => {
                        warn!("rdpdiag: cannot write {path}: {e}");
                        return 2;
                    }
                }
            }
            None => None,
        };
        let interactive =
            !opts.no_tui && !opts.jsonl && std::io::IsTerminal::is_terminal(&std::io::stdout());
        let shared = Arc::new(Shared::default());
        // Live: a closed connection is judged after 2 s instead of lingering 30 s.
        let mut cfg = cfg.clone();
        let flow = &mut cfg.engine.flow;
        flow.closed_linger_s = flow.closed_linger_s.min(2.0);
        if !interactive {
            return run_lines(cap, writer, &dev, opts, &cfg);
        }
        let tracker = Tracker::new(&cfg, true);
        let mut driver = Driver::new(tracker, shared.clone(), format!("live {dev}"), None, None);
        let sh = shared.clone();
        let work = move || {
            let r = capture_loop(cap, writer, &mut driver, &sh);
            driver.finish();
            r.map(|_| 0)
        };
        crate::tui::run_worker(shared, interactive, None, work, || finish_write(opts))
    }

    /// `live --no-tui` (or stdout not a terminal) and `--format jsonl`: the
    /// streaming analysis of `analyze`, fed by the capture, prints one line
    /// per attempt once it is final (nothing can join it any more) and
    /// forgets it, so memory follows what is open however long it runs.
    /// Ctrl-C prints the attempts still waiting.
    fn run_lines(
        cap: pcap::Capture<pcap::Active>,
        writer: Option<Writer>,
        dev: &str,
        opts: &LiveOptions,
        cfg: &AnalysisConfig,
    ) -> i32 {
        let per = if opts.jsonl {
            "one JSON line per attempt"
        } else {
            "one line per attempt"
        };
        warn!(
            "rdpdiag: capturing on {dev}; {per} once no reconnect can join it \
             (seconds after its last packet; Ctrl-C stops)"
        );
        let cfg = AnalysisConfig {
            stream: StreamConfig::live(),
            ..cfg.clone()
        };
        let sink = LineSink {
            jsonl: opts.jsonl,
            file: opts.write.clone(),
            out: crate::tui::stdout_lines(),
        };
        let shared = Shared::default();
        let mut s = Streamer::new(Engine::new(cfg.engine_config()), &cfg, "", sink);
        let r = capture_loop(cap, writer, &mut s, &shared);
        let (mut rest, mut sink) = s.finish(crate::capture::ReadSummary::default());
        let scan = rest.scan.take();
        sink.part(rest);
        sink.end(scan.as_ref());
        finish_write(opts);
        match r {
            Ok(drops) => {
                if drops > 0 {
                    warn!("rdpdiag: warning: libpcap dropped {drops} packet(s): verdicts of the connections they belonged to may be incomplete");
                }
                0
            }
            Err(e) => {
                warn!("rdpdiag: {e}");
                2
            }
        }
    }

    /// Prints each attempt of a part as one line: text, or `rdpdiag-jsonl/1`
    /// with `--write`'s file as `file`.
    struct LineSink {
        jsonl: bool,
        file: Option<String>,
        out: LineOut,
    }

    impl AttemptSink for LineSink {
        fn part(&mut self, part: FileReport) {
            let index = RecordIndex::new(&part);
            for a in &part.attempts {
                if !self.jsonl {
                    (self.out)(&crate::tui::model::attempt_line(a));
                    continue;
                }
                let mut ctx = jsonl::Context::of(&part, &index, a);
                ctx.file = self.file.as_deref();
                match jsonl::to_line(a, &ctx, None) {
                    Ok(l) => (self.out)(&l),
                    Err(e) => warn!("rdpdiag: internal error serializing JSON: {e}"),
                }
            }
        }
    }

    impl LineSink {
        /// After the last attempts: the text stream ends with the summary
        /// of the scan probes folded beyond `[limits] scan_fold_after`
        /// (JSON lines are attempts only).
        fn end(&mut self, scan: Option<&crate::session::scan::ScanSummary>) {
            if let (false, Some(scan)) = (self.jsonl, scan) {
                (self.out)(&crate::report::scan_line(scan));
            }
        }
    }
}
