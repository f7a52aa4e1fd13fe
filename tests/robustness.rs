//! Robustness suite (issue 8): every capture under `../shared/captures` and
//! `captures/`, truncated at many offsets and with random byte flips, goes
//! through the whole analyze pipeline (reader, flows, sessions, diagnosis,
//! text and JSON reports). Nothing may panic; a file that is no longer a
//! capture must come back as an input error with a message.
//!
//! Seeded, so every failure names what reproduces it. The default is small
//! enough for CI in a debug build; `RDPDIAG_ROBUST_ITERS=200 cargo test
//! --release --test robustness` runs a larger local campaign.

mod common;
mod fuzz_harness;

use rdpdiag::analysis::analyze_reader;
use rdpdiag::analysis::with_ports;
use rdpdiag::report;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn roots() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures")];
    match common::shared_captures() {
        Some(c) => out.push(c),
        None => eprintln!("note: ../shared/captures not found; bundled captures only"),
    }
    out
}

fn captures(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    v.sort();
    for p in v {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if p.is_dir() {
            captures(&p, out);
        } else if name.ends_with(".pcap")
            || name.ends_with(".pcapng")
            || name.ends_with(".pcap.gz")
            || name.ends_with(".pcapng.gz")
        {
            out.push(p);
        }
    }
}

/// xorshift64*: small, seeded, good enough to pick offsets.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

thread_local! {
    /// Where the last panic on this thread happened (`file:line:col`).
    static PANIC_AT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    /// Set while this thread runs the pipeline under `catch_unwind`.
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Quiets the default hook once for this test binary (tests run on several
/// threads: a per-test take/restore would race) and records where each panic
/// happened, so a failure names the line to fix. The panics are caught and
/// reported by the tests; a panic outside `caught` (a failing assert) goes
/// to the default hook.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(|c| c.get()) {
                return default(info);
            }
            let at = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            PANIC_AT.with(|p| *p.borrow_mut() = at);
        }));
    });
}

/// Runs `f`, catching a panic quietly.
fn caught<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    quiet_panics();
    CATCHING.with(|c| c.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(false));
    r
}

/// The message of a caught panic, with where it happened.
fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    let msg = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into());
    let at = PANIC_AT.with(|a| a.borrow().clone());
    format!("{msg} at {at}")
}

/// Runs the whole pipeline, whole-file (rendered as text and JSON) and
/// streamed (looking for final attempts after every frame, as if every
/// capture were a big one; parts rendered as text and JSON lines: the fuzz
/// harness's `analyze_streamed`);
/// Err(message) when it panicked or an input error came back without a
/// message.
fn analyze(bytes: Vec<u8>) -> Result<(), String> {
    let cfg = with_ports(&[3390]);
    let res = caught(move || {
        fuzz_harness::analyze_streamed(&bytes, &cfg);
        match analyze_reader("mutant.pcap", Box::new(std::io::Cursor::new(bytes)), &cfg) {
            Ok(r) => {
                let _ = report::text::render(&r, true, false);
                let files = [r];
                let doc = report::Document::new(&files);
                serde_json::to_string(&doc)
                    .map(|_| ())
                    .map_err(|e| format!("JSON: {e}"))
            }
            Err(e) => {
                if e.to_string().is_empty() {
                    Err("input error without a message".into())
                } else {
                    Ok(())
                }
            }
        }
    });
    match res {
        Ok(r) => r,
        Err(p) => Err(panic_message(p.as_ref())),
    }
}

#[test]
fn truncated_and_bit_flipped_captures_never_panic() {
    let iters: usize = std::env::var("RDPDIAG_ROBUST_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let mut files = Vec::new();
    for r in roots() {
        captures(&r, &mut files);
    }
    assert!(!files.is_empty(), "no captures found");
    // Quiet the default hook: the panics are caught and reported below.
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    let mut runs = 0usize;
    let mut seen = std::collections::HashSet::new();
    for f in &files {
        let Ok(raw) = std::fs::read(f) else {
            continue;
        };
        // captures/ holds copies of some lab captures: run each content once.
        if !seen.insert(raw.clone()) {
            continue;
        }
        let name = f.display().to_string();
        let seed = fnv(f.file_name().and_then(|n| n.to_str()).unwrap_or_default());
        let mut rng = Rng::new(seed);
        // Truncations: the first bytes (headers), then spread over the file.
        let mut cuts: Vec<usize> = vec![0, 1, 4, 23, 24, 25, 31, 40];
        for i in 1..=iters {
            cuts.push(raw.len() * i / (iters + 1));
            cuts.push(rng.below(raw.len()));
        }
        for cut in cuts {
            if cut >= raw.len() {
                continue;
            }
            runs += 1;
            if let Err(e) = analyze(raw[..cut].to_vec()) {
                failures.push(format!("{name} truncated at {cut}: {e}"));
            }
        }
        // Byte flips: a few random bytes changed, past the file header so
        // most mutants are still read as captures.
        for i in 0..iters * 2 {
            let mut m = raw.clone();
            let flips = 1 + rng.below(8);
            let mut at = Vec::new();
            for _ in 0..flips {
                let pos = 24 + rng.below(m.len().saturating_sub(24));
                if let Some(b) = m.get_mut(pos) {
                    *b ^= 1u8 << rng.below(8);
                    at.push(pos);
                }
            }
            runs += 1;
            if let Err(e) = analyze(m) {
                failures.push(format!(
                    "{name} mutant {i} (seed {seed:#x}, flipped bytes at {at:?}): {e}"
                ));
            }
        }
    }
    eprintln!(
        "{runs} analyses of {} captures in {:.1} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Analyze with a (possibly damaged) key log, then render the report
/// redacted in text and JSON, as `analyze --keylog K --redact` does.
fn analyze_with_keys_redacted(capture: Vec<u8>, keys: &[u8]) -> Result<(), String> {
    let mut cfg = with_ports(&[3390]);
    let (log, _warnings) = rdpdiag::decrypt::KeyLog::parse_bytes(keys);
    cfg.keylog = Some(std::sync::Arc::new(log));
    let res = caught(move || {
        let r = analyze_reader(
            "mutant.pcap.gz",
            Box::new(std::io::Cursor::new(capture)),
            &cfg,
        )
        .map_err(|e| e.to_string());
        let Ok(r) = r else { return Ok(()) };
        let files = [r];
        let red = rdpdiag::redact::Redactor::from_reports(&files);
        let _ = red.text(&report::text::render(&files[0], true, false));
        let mut v =
            serde_json::to_value(report::Document::new(&files)).map_err(|e| e.to_string())?;
        red.json(&mut v);
        Ok(())
    });
    res.unwrap_or_else(|p| Err(panic_message(p.as_ref())))
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(raw).expect("gzip");
    e.finish().expect("gzip")
}

/// Key logs (truncated, bytes flipped, lines doubled, garbage), the
/// captures they decrypt gzip'd and damaged, and `--redact` on the result:
/// the decryption and redaction paths never panic either.
#[test]
fn damaged_key_logs_gzip_and_redaction_never_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut pairs: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .expect("captures")
        .flatten()
        .map(|e| e.path())
        .filter_map(|k| {
            let name = k
                .file_name()?
                .to_str()?
                .strip_suffix(".keys.txt")?
                .to_string();
            let cap = dir.join(format!("{name}.pcap"));
            cap.is_file().then_some((cap, k))
        })
        .collect();
    pairs.sort();
    assert!(!pairs.is_empty(), "captures with key logs");
    let mut failures = Vec::new();
    for (cap, keys) in &pairs {
        let (Ok(raw), Ok(k)) = (std::fs::read(cap), std::fs::read(keys)) else {
            continue;
        };
        let name = cap.display().to_string();
        let mut rng = Rng::new(fnv(&name));
        let gz = gzip(&raw);
        let mut key_variants = vec![k.clone(), k[..k.len() / 2].to_vec(), k.repeat(2)];
        let mut flipped = k.clone();
        for _ in 0..8 {
            let pos = rng.below(flipped.len());
            if let Some(b) = flipped.get_mut(pos) {
                *b ^= 1u8 << rng.below(8);
            }
        }
        key_variants.push(flipped);
        key_variants
            .push(b"CLIENT_RANDOM zz\n\xff\xfe\0\nSERVER_HANDSHAKE_TRAFFIC_SECRET".to_vec());
        let cut = 24 + rng.below(gz.len().saturating_sub(24));
        let mut gz_flipped = gz.clone();
        let pos = 10 + rng.below(gz_flipped.len().saturating_sub(10));
        if let Some(b) = gz_flipped.get_mut(pos) {
            *b ^= 0x10;
        }
        let captures = [
            ("plain", raw.clone()),
            ("gzip", gz.clone()),
            ("gzip cut", gz[..cut].to_vec()),
            ("gzip flipped", gz_flipped),
        ];
        for (what, c) in &captures {
            for (i, kv) in key_variants.iter().enumerate() {
                if let Err(e) = analyze_with_keys_redacted(c.clone(), kv) {
                    failures.push(format!("{name} ({what}, key log variant {i}): {e}"));
                }
            }
        }
        key_variants.clear();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `analyze -`: damaged input on stdin ends with an exit code (0, 1 or 2),
/// never a panic (101) or a signal.
#[test]
fn damaged_input_on_stdin_never_panics() {
    use std::io::Write;
    let bin = env!("CARGO_BIN_EXE_rdpdiag");
    let raw = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures/nla_wrong_password.pcap"),
    )
    .expect("capture");
    let gz = gzip(&raw);
    let mut flipped = raw.clone();
    for pos in [30, 100, 400, 900] {
        if let Some(b) = flipped.get_mut(pos) {
            *b ^= 0x41;
        }
    }
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("header only", raw[..24].to_vec()),
        ("cut", raw[..raw.len() / 2].to_vec()),
        ("flipped", flipped),
        ("gzip cut", gz[..gz.len() / 2].to_vec()),
        ("text", b"not a capture\n".repeat(100)),
    ];
    for (what, bytes) in inputs {
        for redact in [false, true] {
            let mut cmd = std::process::Command::new(bin);
            cmd.args(["--no-config", "analyze", "-", "--format", "json"]);
            if redact {
                cmd.arg("--redact");
            }
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn");
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(&bytes);
            }
            let out = child.wait_with_output().expect("wait");
            let code = out.status.code();
            assert!(
                matches!(code, Some(0..=3)), // 3: no RDP traffic (README exit codes)
                "{what} (redact {redact}): exit {code:?}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
