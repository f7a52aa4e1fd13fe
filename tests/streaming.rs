//! The streaming analysis (`analysis::analyze_file_streaming`, behind
//! `analyze --format jsonl`) judges attempts while the capture is read and
//! drops their records; it must give the verdicts the whole-file analysis
//! gives, only sooner.
//!
//! Real captures span seconds to a minute, and a closed connection's record
//! is made 30 s after its close (`closed_linger_s`), so with the defaults no
//! bundled capture streams at all. These tests shorten the linger to 0.2 s
//! (for both analyses being compared) and look for final attempts after
//! every frame from the first record on, so that every capture longer than
//! a few seconds is cut into parts.

mod common;

use rdpdiag::analysis::{
    analyze_file, analyze_file_streaming, AnalysisConfig, AttemptSink, Streamer,
};
use rdpdiag::engine::Engine;
use rdpdiag::report::FileReport;
use rdpdiag::verdict::Attempt;
use std::path::{Path, PathBuf};

/// What must not change between the two analyses: when, what, where it
/// stopped, why, every finding, the connections it is made of and the DNS
/// lookups attached to it.
type Key = (
    u64,
    String,
    Option<String>,
    Option<String>,
    Vec<String>,
    Vec<u32>,
    Vec<String>,
);

fn key(a: &Attempt) -> Key {
    let mut findings: Vec<String> = a.findings.iter().map(|f| f.id.clone()).collect();
    findings.sort();
    let mut conns = a.connection_ids.clone();
    conns.sort_unstable();
    let mut dns: Vec<String> = a.dns.iter().map(|l| format!("{l:?}")).collect();
    dns.sort();
    (
        a.start.number,
        a.outcome.name().to_string(),
        a.failed_stage.map(|s| s.name().to_string()),
        a.root_cause.as_ref().map(|r| r.id.clone()),
        findings,
        conns,
        dns,
    )
}

#[derive(Default)]
struct Collect {
    parts: usize,
    attempts: Vec<Attempt>,
    /// Ids of the connection records handed over.
    records: Vec<u32>,
}

impl AttemptSink for Collect {
    fn part(&mut self, part: FileReport) {
        self.parts += 1;
        self.attempts.extend(part.attempts);
        self.records.extend(part.connections.iter().map(|c| c.id));
    }
}

fn eager_config() -> AnalysisConfig {
    let mut cfg = AnalysisConfig::default();
    cfg.engine.flow.closed_linger_s = 0.2;
    cfg.stream.part_records = 1;
    cfg.stream.check_every_frames = 1;
    cfg.stream.check_every_s = 0.0;
    cfg
}

/// Every capture of `captures/` and, when present, `../shared/captures`.
fn all_captures() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("captures")];
    match common::shared_captures() {
        Some(s) => dirs.push(s),
        None => common::skip(
            "streaming::* (shared captures)",
            "../shared/captures not found: only the bundled captures were compared",
        ),
    }
    let mut out = Vec::new();
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = p.to_string_lossy().to_string();
            if p.is_dir() {
                dirs.push(p);
            } else if [".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz", ".cap"]
                .iter()
                .any(|x| name.ends_with(x))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Analyze `path` both ways; (whole-file report, streamed attempts with the
/// final report's, number of parts handed over, final report). Checks that
/// every connection record is either handed over once or still held.
fn both(
    path: &Path,
    cfg: &AnalysisConfig,
) -> Option<(FileReport, Vec<Attempt>, usize, FileReport)> {
    let p = path.to_string_lossy();
    let whole = analyze_file(&p, cfg).ok()?;
    let mut sink = Collect::default();
    let last = analyze_file_streaming(&p, cfg, None, &mut sink).expect("read twice");
    let mut streamed = sink.attempts;
    assert_eq!(
        last.streamed as usize,
        streamed.len(),
        "{p}: streamed count"
    );
    let mut records = sink.records;
    records.extend(last.connections.iter().map(|c| c.id));
    records.sort_unstable();
    let mut all: Vec<u32> = whole.connections.iter().map(|c| c.id).collect();
    all.sort_unstable();
    assert_eq!(records, all, "{p}: a record lost, or handed over twice");
    streamed.extend(last.attempts.iter().cloned());
    Some((whole, streamed, sink.parts, last))
}

#[test]
fn streamed_verdicts_are_the_whole_file_verdicts() {
    let cfg = eager_config();
    let (mut compared, mut streamed_files) = (0, 0);
    for path in all_captures() {
        let Some((whole, streamed, parts, last)) = both(&path, &cfg) else {
            continue;
        };
        compared += 1;
        assert_eq!(
            sorted_keys(&whole.attempts),
            sorted_keys(&streamed),
            "{}: streamed verdicts differ",
            path.display()
        );
        // Numbered 1..n across the parts, each once.
        let mut ids: Vec<u32> = streamed.iter().map(|a| a.id).collect();
        ids.sort_unstable();
        assert!(
            ids.iter().copied().eq(1..=streamed.len() as u32),
            "{}: ids {ids:?}",
            path.display()
        );
        if parts > 0 {
            streamed_files += 1;
        }
        // Capture-level results are the same.
        assert_eq!(whole.stats.tcp_connections, last.stats.tcp_connections);
        assert_eq!(
            whole.warnings.len(),
            last.warnings.len(),
            "{}",
            path.display()
        );
    }
    assert!(compared >= 50, "only {compared} captures compared");
    // Most captures hold one (client, server) pair whose last connection
    // ends with the capture; the public arkime_synthetic, rdp2 and tcp_scan
    // span minutes with several pairs (the chained test below covers the
    // bundled ones).
    let min = if common::shared_captures().is_some() {
        3
    } else {
        0
    };
    assert!(
        streamed_files >= min,
        "only {streamed_files} captures were cut into parts: the test would prove nothing"
    );
}

/// A classic little-endian pcap (`captures/` are tcpdump's) replayed `n`
/// times, each copy `gap_s` seconds after the end of the one before: the
/// same client and server trying again and again, minutes apart, as a long
/// capture of a user's day would hold them. None for other formats.
fn chained(raw: &[u8], n: u32, gap_s: u32) -> Option<Vec<u8>> {
    let magic = raw.get(..4)?;
    if magic != [0xd4, 0xc3, 0xb2, 0xa1] && magic != [0x4d, 0x3c, 0xb2, 0xa1] {
        return None;
    }
    let le =
        |o: usize| -> Option<u32> { Some(u32::from_le_bytes(raw.get(o..o + 4)?.try_into().ok()?)) };
    let mut records = Vec::new();
    let mut off = 24;
    while off + 16 <= raw.len() {
        let len = le(off + 8)? as usize;
        let end = off + 16 + len;
        records.push((le(off)?, raw.get(off..end)?));
        off = end;
    }
    let (first, last) = (records.first()?.0, records.last()?.0);
    let span = last - first + gap_s;
    let mut out = raw[..24].to_vec();
    for k in 0..n {
        for (sec, rec) in &records {
            out.extend_from_slice(&(sec + k * span).to_le_bytes());
            out.extend_from_slice(&rec[4..]);
        }
    }
    Some(out)
}

/// `captures/<name>` chained `n` times `gap_s` apart (see [`chained`]),
/// written to its own directory `dir` under the test target's tmp dir.
fn chained_bundled(name: &str, n: u32, gap_s: u32, dir: &str) -> PathBuf {
    let raw = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("captures")
            .join(name),
    )
    .expect("bundled capture");
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let cap = tmp.join(format!("x{n}_{name}"));
    std::fs::write(&cap, chained(&raw, n, gap_s).expect("classic pcap")).expect("write");
    cap
}

/// A configuration file beside `cap` that streams from the first record.
fn stream_from_first_record(cap: &Path) -> PathBuf {
    let cfg = cap.with_extension("toml");
    std::fs::write(&cfg, "[limits]\nstream_after = 1\n").expect("write config");
    cfg
}

/// `rdpdiag [--config CONFIG] ARGS CAP`: its stdout, after exit code 0.
fn run_rdpdiag(args: &[&str], config: Option<&Path>, cap: &Path) -> String {
    run_rdpdiag_code(args, config, cap, 0)
}

/// `rdpdiag [--config CONFIG] ARGS CAP`: its stdout, after exit code `code`.
fn run_rdpdiag_code(args: &[&str], config: Option<&Path>, cap: &Path, code: i32) -> String {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_rdpdiag"));
    if let Some(f) = config {
        c.arg("--config").arg(f);
    }
    let out = c.args(args).arg(cap).output().expect("run rdpdiag");
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The attempts' keys, sorted: what two analyses must agree on, whatever
/// their numbering and order.
fn sorted_keys(attempts: &[Attempt]) -> Vec<Key> {
    let mut k: Vec<Key> = attempts.iter().map(key).collect();
    k.sort();
    k
}

#[test]
fn chained_replays_stream_with_the_default_linger() {
    // Every bundled classic pcap, three times, 100 s apart, with the
    // default flow settings: each copy's attempts become final during the
    // read and are handed over while the next copy is read.
    let mut cfg = AnalysisConfig::default();
    cfg.stream.part_records = 1;
    cfg.stream.check_every_frames = 1;
    cfg.stream.check_every_s = 0.0;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("streaming-chained");
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let (mut chained_files, mut streamed_files) = (0, 0);
    for path in all_captures().into_iter().filter(|p| p.starts_with(&dir)) {
        let Some(bytes) = std::fs::read(&path).ok().and_then(|r| chained(&r, 3, 100)) else {
            continue;
        };
        let out = tmp.join(path.file_name().expect("a file"));
        std::fs::write(&out, bytes).expect("write chained capture");
        let (whole, streamed, parts, _) = both(&out, &cfg).expect("chained capture reads");
        assert_eq!(
            sorted_keys(&whole.attempts),
            sorted_keys(&streamed),
            "{}: streamed verdicts differ",
            path.display()
        );
        chained_files += 1;
        if parts > 0 {
            streamed_files += 1;
        }
    }
    // 36 of 57 stream. The others hold no record to stream: DNS only, RD
    // Gateway without its key log (no RDP connection is seen), connections
    // never closed (an unanswered SYN, a stalled transfer: open for 30
    // minutes of capture time).
    assert!(
        chained_files >= 40,
        "only {chained_files} bundled classic pcaps"
    );
    assert!(
        streamed_files >= 30,
        "only {streamed_files} of {chained_files} chained captures streamed"
    );
}

#[test]
fn nothing_streams_below_the_threshold() {
    // The defaults: a bundled capture gives exactly the whole-file report,
    // numbering and order included.
    let cfg = AnalysisConfig::default();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    for name in [
        "nla_refused_then_user_retry.pcap",
        "stall_network_outage.pcap",
        "dns_nxdomain.pcap",
        "rdg_ws_ok.pcap",
    ] {
        let (whole, streamed, parts, _) = both(&dir.join(name), &cfg).expect("bundled capture");
        assert_eq!(parts, 0, "{name}");
        let ids = |v: &[Attempt]| v.iter().map(|a| (a.id, key(a))).collect::<Vec<_>>();
        assert_eq!(ids(&whole.attempts), ids(&streamed), "{name}");
    }
}

#[test]
fn a_dns_failure_alone_is_still_an_attempt_when_streaming() {
    // captures/dns_nxdomain.pcap holds only a failed lookup: the last part
    // may still make it an attempt, since no earlier part held one.
    let cfg = eager_config();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/dns_nxdomain.pcap");
    let (whole, streamed, _, _) = both(&path, &cfg).expect("bundled capture");
    assert!(!whole.attempts.is_empty());
    assert_eq!(whole.attempts.len(), streamed.len());
}

#[test]
fn the_text_report_prints_attempts_as_they_become_final() {
    // captures/tls_ok.pcap (177 frames, one successful session) 30 times,
    // 100 s apart: with `stream_after = 1` the text report prints the first
    // sessions while the file is read, says so first, and ends with the
    // capture's summary; the attempts are those of the whole-file report.
    let cap = chained_bundled("tls_ok.pcap", 30, 100, "streaming-text");
    let cfg = stream_from_first_record(&cap);
    let streamed = run_rdpdiag(&["analyze"], Some(&cfg), &cap);
    let whole = run_rdpdiag(&["analyze"], None, &cap);
    let first = streamed.lines().next().unwrap_or_default();
    assert!(first.contains("attempts as they become final"), "{first}");
    assert!(
        whole
            .lines()
            .next()
            .unwrap_or_default()
            .contains("5310 frames"),
        "{whole}"
    );
    assert!(
        streamed.contains("5310 frames"),
        "the summary is still printed"
    );
    let summary = streamed
        .lines()
        .find(|l| l.contains("printed above as they became final"))
        .expect("the summary says how many attempts came before it");
    let before = streamed.find(summary).unwrap_or(0);
    let printed_before = streamed[..before].matches("\nAttempt ").count();
    assert!(
        printed_before >= 20,
        "only {printed_before} attempts before the summary"
    );
    // The same sessions, whatever their numbers: "→ server   SUCCESS (…, from frame N)".
    let attempts = |t: &str| {
        let mut v: Vec<String> = t
            .lines()
            .filter(|l| l.starts_with("Attempt "))
            .map(|l| l.split_once(": ").map_or(l, |x| x.1).to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(attempts(&streamed).len(), 30);
    assert_eq!(attempts(&streamed), attempts(&whole));
}

#[test]
fn json_lines_stream_with_redaction_stable_across_parts() {
    // The same chained capture as JSON lines, redacted: parts or not, the
    // same 30 uids, and one placeholder per address in every part.
    let cap = chained_bundled("tls_ok.pcap", 30, 100, "streaming-jsonl");
    let cfg = stream_from_first_record(&cap);
    let run = |config: Option<&Path>| -> Vec<serde_json::Value> {
        run_rdpdiag(&["analyze", "--format", "jsonl", "--redact"], config, &cap)
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    };
    let (streamed, whole) = (run(Some(&cfg)), run(None));
    let field = |v: &[serde_json::Value], k: &str| {
        let mut f: Vec<String> = v.iter().map(|l| l[k].to_string()).collect();
        f.sort();
        f
    };
    assert_eq!(streamed.len(), 30);
    assert_eq!(field(&streamed, "uid"), field(&whole, "uid"));
    for k in ["id.orig_h", "id.resp_h", "file"] {
        let mut vals = field(&streamed, k);
        vals.dedup();
        assert_eq!(vals.len(), 1, "{k}: {vals:?}");
        assert_eq!(vals, {
            let mut w = field(&whole, k);
            w.dedup();
            w
        });
    }
    let ids: Vec<u64> = streamed
        .iter()
        .filter_map(|l| l["attempt"].as_u64())
        .collect();
    assert!(ids.iter().copied().eq(1..=30), "{ids:?}");
}

/// `--format json` writes the `rdpdiag/2` document in pieces: the chained
/// capture (captures/tls_ok.pcap 30 times, 100 s apart, streamed from its
/// first record) after captures/port_closed.pcap, both in one document.
/// Streamed, pretty or compact, redacted or not, it is the document the
/// whole-file analysis writes: the same files, the same tails, the same
/// attempts numbered 1..n, each with its own connection record.
#[test]
fn the_json_document_streams_in_parts() {
    let cap = chained_bundled("tls_ok.pcap", 30, 100, "streaming-json");
    let cfg = stream_from_first_record(&cap);
    let first = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/port_closed.pcap");
    let first = first.to_string_lossy();
    let run = |extra: &[&str], config: Option<&Path>| -> serde_json::Value {
        let mut args = vec!["analyze", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(&first);
        serde_json::from_str(&run_rdpdiag_code(&args, config, &cap, 1)).expect("one JSON document")
    };
    let whole = run(&[], None);
    let streamed = run(&[], Some(&cfg));
    assert_eq!(run(&["--compact"], Some(&cfg)), streamed);
    let files = streamed["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    let attempts = files[1]["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 30);
    let ids: Vec<u64> = attempts.iter().filter_map(|a| a["id"].as_u64()).collect();
    assert!(ids.iter().copied().eq(1..=30), "{ids:?}");
    assert!(attempts
        .iter()
        .all(|a| a["connections"].as_array().map(Vec::len) == Some(1)));
    let verdicts = |f: &serde_json::Value| {
        let mut v: Vec<String> = f["attempts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                format!(
                    "{} {} {}",
                    a["start"]["frame"], a["outcome"], a["root_cause"]["id"]
                )
            })
            .collect();
        v.sort();
        v
    };
    for (s, w) in files.iter().zip(whole["files"].as_array().expect("files")) {
        assert_eq!(verdicts(s), verdicts(w));
        for k in ["file", "capture", "warnings", "stats", "comments", "error"] {
            assert_eq!(s[k], w[k], "{k}");
        }
    }
    let redacted = run(&["--redact"], Some(&cfg));
    let text = redacted.to_string();
    assert!(
        !text.contains("10.203.0."),
        "an address left in the redacted document"
    );
    assert_eq!(verdicts(&redacted["files"][1]), verdicts(&files[1]));
}

/// `--format html` is written while the capture is read too: the chained
/// capture (captures/tls_ok.pcap 30 times, 100 s apart) streamed from its
/// first record gives one page whose attempt sections are the whole-file
/// page's, with the file's header (known at its end) written after them
/// and shown first by the style; `--redact` leaves no address, and the
/// title names the file by its placeholder.
#[test]
fn the_html_page_streams_in_parts() {
    let cap = chained_bundled("tls_ok.pcap", 30, 100, "streaming-html");
    let cfg = stream_from_first_record(&cap);
    let page = |extra: &[&str], config: Option<&Path>| {
        let mut args = vec!["analyze", "--format", "html"];
        args.extend_from_slice(extra);
        let p = run_rdpdiag(&args, config, &cap);
        assert!(p.starts_with("<!DOCTYPE html>") && p.ends_with("</html>\n"));
        p
    };
    let headings = |p: &str| {
        let mut h: Vec<String> = p
            .split("<h2>")
            .skip(1)
            .filter_map(|x| x.split("</h2>").next())
            .map(String::from)
            .collect();
        h.sort();
        h
    };
    let (whole, streamed) = (page(&[], None), page(&[], Some(&cfg)));
    assert_eq!(streamed.matches("<section class=\"attempt\"").count(), 30);
    assert_eq!(headings(&streamed), headings(&whole));
    for p in [&whole, &streamed] {
        assert_eq!(p.matches("<div class=\"file\">").count(), 1);
        assert_eq!(p.matches("<header>").count(), 1);
    }
    let header_after = |p: &str| p.find("<header>") > p.find("<section");
    assert!(!header_after(&whole), "one part: the header first");
    assert!(header_after(&streamed), "parts: the header at the end");
    let redacted = page(&["--redact"], Some(&cfg));
    assert!(!redacted.contains("10.203.0."));
    assert!(
        redacted.contains("<title>rdpdiag — FILE-1</title>"),
        "{}",
        &redacted[..300]
    );
}

/// Live capture's streaming (`live --no-tui`, `--format jsonl`): fed frame
/// by frame with `StreamConfig::live()`, each attempt is handed over once
/// final and its record dropped; `idle` (no packet, the wall clock moving
/// on) settles the last one before the capture ends. captures/tls_ok.pcap 5
/// times, 100 s apart: 4 attempts go as the next copy arrives, the 5th when
/// 120 s pass without a packet, and nothing is left for the end.
#[test]
fn live_streaming_forgets_each_attempt_once_final() {
    struct Count(Vec<usize>);
    impl AttemptSink for Count {
        fn part(&mut self, part: FileReport) {
            self.0.push(part.attempts.len());
        }
    }
    let cap = chained_bundled("tls_ok.pcap", 5, 100, "streaming-live");
    let cfg = AnalysisConfig {
        stream: rdpdiag::analysis::StreamConfig::live(),
        ..AnalysisConfig::default()
    };
    let mut engine_cfg = cfg.engine_config();
    engine_cfg.flow.closed_linger_s = 2.0;
    let mut sink = Count(Vec::new());
    let mut s = Streamer::new(Engine::new(engine_cfg), &cfg, "live", &mut sink);
    let path = cap.to_string_lossy().to_string();
    let (reader, gz) = rdpdiag::capture::open_path(&path).expect("opens");
    let summary = rdpdiag::capture::read_capture(reader, &path, gz, &mut s).expect("reads");
    let end = summary.last_ts.expect("frames");
    s.idle(end.plus_secs(120.0));
    let (rest, _) = s.finish(summary);
    assert!(rest.attempts.is_empty(), "{:?}", rest.attempts);
    assert_eq!(sink.0, vec![1; 5]);
}

/// The TUI's tracker streams too: looking as live capture does, the chained
/// capture (captures/tls_ok.pcap 30 times, 100 s apart) leaves at most a
/// copy's records in the engine while it is read, and the views of the
/// attempts handed over stay in the list: 30 attempts numbered 1..30, each
/// the whole-file analysis's verdict, before and after the end of input.
#[test]
fn the_tui_tracker_keeps_views_not_records() {
    let cap = chained_bundled("tls_ok.pcap", 30, 100, "streaming-tui");
    let path = cap.to_string_lossy().to_string();
    let cfg = AnalysisConfig {
        stream: rdpdiag::analysis::StreamConfig::live(),
        ..AnalysisConfig::default()
    };
    let mut t = rdpdiag::tui::model::Tracker::new(&cfg, false);
    let (reader, gz) = rdpdiag::capture::open_path(&path).expect("opens");
    rdpdiag::capture::read_capture(reader, &path, gz, &mut t).expect("reads");
    assert!(
        t.engine().sessions.connections.len() <= 2,
        "{} records held",
        t.engine().sessions.connections.len()
    );
    let whole = analyze_file(&path, &AnalysisConfig::default()).expect("reads");
    let want: Vec<_> = whole
        .attempts
        .iter()
        .map(|a| (a.start.number, a.outcome))
        .collect();
    for end in [false, true] {
        if end {
            t.finish();
        }
        let snap = t.snapshot();
        let ids: Vec<u32> = snap.attempts.iter().map(|v| v.attempt.id).collect();
        assert!(ids.iter().copied().eq(1..=30), "{ids:?}");
        let got: Vec<_> = snap
            .attempts
            .iter()
            .map(|v| (v.attempt.start.number, v.attempt.outcome))
            .collect();
        assert_eq!(got, want);
        assert!(snap.attempts.iter().all(|v| !v.ladder.is_empty()));
    }
}

#[test]
fn a_pair_that_never_goes_quiet_is_judged_early_beyond_the_cap() {
    // captures/tls_ok.pcap 30 times, 2 s apart: the same client and server
    // never quiet for the 6 s a session's attempt needs to be final. With
    // at most 4 records held, the oldest are judged anyway, the report says
    // how many, and (each session being an attempt of its own) the verdicts
    // are still the whole-file ones.
    let cap = chained_bundled("tls_ok.pcap", 30, 2, "streaming-cap");
    let mut cfg = eager_config();
    cfg.engine.flow.closed_linger_s = 30.0;
    let (whole, streamed, parts, last) = both(&cap, &cfg).expect("reads");
    assert_eq!(parts, 0, "without a cap nothing is final before the end");
    assert_eq!(streamed.len(), 30);
    cfg.stream.max_held_records = 4;
    let (_, streamed, parts, last_capped) = both(&cap, &cfg).expect("reads");
    assert!(parts >= 5, "only {parts} parts");
    assert_eq!(sorted_keys(&whole.attempts), sorted_keys(&streamed));
    let early = |r: &FileReport| {
        r.warnings
            .iter()
            .any(|w| w.message.contains("judged before they were final"))
    };
    assert!(!early(&last));
    assert!(early(&last_capped), "{:?}", last_capped.warnings);
}

#[test]
fn the_very_same_syn_minutes_later_is_a_new_connection() {
    // captures/port_closed.pcap: two SYNs refused by RST (frames 1-4). Its
    // copies 100 s apart repeat the very same SYNs (same ports, same
    // initial sequence numbers): a client retrying a refused connect does
    // that at once (RDP-003.pcap, within a second), not 100 s later, so
    // each copy is its own attempt of 2 connections, not one 200 s attempt
    // of 3.
    let cap = chained_bundled("port_closed.pcap", 3, 100, "same-syn");
    let r = analyze_file(&cap.to_string_lossy(), &AnalysisConfig::default()).expect("reads");
    let shape: Vec<(usize, u64)> = r
        .attempts
        .iter()
        .map(|a| (a.connection_ids.len(), a.start.number))
        .collect();
    assert_eq!(shape, vec![(2, 1), (2, 5), (2, 9)], "{:?}", r.attempts);
    assert!(r.attempts.iter().all(|a| a.duration_s < 1.0));
}
