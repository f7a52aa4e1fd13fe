//! Live capture on loopback: `rdpdiag live -i lo --no-tui` watches a real
//! RDP negotiation — the X.224 Connection Request and the server's
//! RDP_NEG_FAILURE taken from captures/hybrid_required_by_server.pcap
//! (frames 4 and 6), spoken over a real TCP connection — and prints the
//! verdict; `--write` keeps a pcapng that `analyze` judges the same way.
//! Needs root (or CAP_NET_RAW) and the `live` feature; skips otherwise.

#![cfg(feature = "live")]

mod common;

use rdpdiag::capture::{Frame, FrameSink, Warning};
use rdpdiag::net::{self, Transport};
use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_rdpdiag");

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// The first client and first server TCP payloads of a capture.
fn first_payloads(path: &str) -> (Vec<u8>, Vec<u8>) {
    struct P(Option<Vec<u8>>, Option<Vec<u8>>);
    impl FrameSink for P {
        fn frame(&mut self, f: &Frame<'_>) {
            if let Ok(p) = net::decode(f) {
                if let Transport::Tcp(t, data) = p.transport {
                    if !data.is_empty() {
                        if t.dst_port == 3389 && self.0.is_none() {
                            self.0 = Some(data.to_vec());
                        } else if t.src_port == 3389 && self.1.is_none() {
                            self.1 = Some(data.to_vec());
                        }
                    }
                }
            }
        }
        fn warning(&mut self, _w: Warning) {}
    }
    let mut p = P(None, None);
    let (r, gz) = rdpdiag::capture::open_path(path).unwrap();
    rdpdiag::capture::read_capture(r, path, gz, &mut p).unwrap();
    (p.0.unwrap(), p.1.unwrap())
}

/// A running `rdpdiag live` on loopback and its output lines
/// ("out: …" / "err: …"), once the capture has started.
struct Live {
    child: std::process::Child,
    rx: mpsc::Receiver<String>,
    seen: Vec<String>,
}

fn start_live(port: u16, extra: &[&std::ffi::OsStr]) -> Live {
    let mut child = Command::new(BIN)
        .args(["live", "-i", "lo", "--no-tui", "--port", &port.to_string()])
        .args(["--filter", &format!("tcp port {port}")])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let out = child.stdout.take().unwrap();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx2.send(format!("out: {l}"));
        }
    });
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(format!("err: {l}"));
        }
    });
    // Wait until the capture runs (the filter is set before this message).
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) => {
                seen.push(l.clone());
                if l.contains("capturing on") {
                    break;
                }
                if l.starts_with("err:") {
                    let _ = child.kill();
                    panic!("live failed to start: {seen:?}");
                }
            }
            Err(_) => {
                let _ = child.kill();
                panic!("live did not start: {seen:?}");
            }
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    Live { child, rx, seen }
}

/// One real negotiation on `listener`: the client's Connection Request, the
/// server's RDP_NEG_FAILURE, close.
fn negotiate(listener: TcpListener, port: u16, path: &str) {
    let (cr, cc) = first_payloads(path);
    assert_eq!(cr[5], 0xE0, "X.224 Connection Request");
    assert_eq!(cc[5], 0xD0, "X.224 Connection Confirm");
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; cr.len()];
        s.read_exact(&mut buf).unwrap();
        s.write_all(&cc).unwrap();
        buf
    });
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (cr2, _) = first_payloads(path);
    c.write_all(&cr2).unwrap();
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got);
    drop(c);
    assert_eq!(server.join().unwrap(), cr2);
    assert!(
        got.starts_with(&[3, 0]),
        "the client got the Connection Confirm"
    );
}

fn sample() -> String {
    format!(
        "{}/captures/hybrid_required_by_server.pcap",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn live_on_loopback_shows_the_verdict_of_a_real_negotiation() {
    if !is_root() {
        common::skip(
            "live_capture::live_on_loopback_shows_the_verdict_of_a_real_negotiation",
            "live capture needs root or CAP_NET_RAW",
        );
        return;
    }
    let path = sample();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("live.pcapng");
    let mut live = start_live(port, &["--write".as_ref(), written.as_os_str()]);
    negotiate(listener, port, &path);

    let mut verdict = None;
    while let Ok(l) = live.rx.recv_timeout(Duration::from_secs(20)) {
        live.seen.push(l.clone());
        if l.starts_with("out: attempt") {
            verdict = Some(l);
            break;
        }
    }
    let _ = live.child.kill();
    let _ = live.child.wait();
    let seen = &live.seen;
    let line = verdict.unwrap_or_else(|| panic!("no verdict line: {seen:?}"));
    assert!(line.contains("FAILED at negotiation"), "{line}");
    assert!(line.contains("HYBRID_REQUIRED_BY_SERVER"), "{line}");

    // What --write kept is a capture `analyze` reads to the same verdict.
    let mut cfg = rdpdiag::analysis::with_ports(&[port]);
    cfg.diag = Default::default();
    let rep = rdpdiag::analysis::analyze_file(&written.to_string_lossy(), &cfg).unwrap();
    assert_eq!(rep.attempts.len(), 1);
    assert_eq!(
        rep.attempts[0].failed_stage,
        Some(rdpdiag::verdict::Stage::Negotiation)
    );
}

/// `live --format jsonl`: one `rdpdiag-jsonl/1` line for the attempt, once
/// the attempt window (1 s here) has passed with no reconnect, and no other
/// line for it, not even when Ctrl-C flushes what is left.
#[test]
fn live_jsonl_prints_one_settled_line_per_attempt() {
    if !is_root() {
        common::skip(
            "live_capture::live_jsonl_prints_one_settled_line_per_attempt",
            "live capture needs root or CAP_NET_RAW",
        );
        return;
    }
    let path = sample();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[thresholds]\nattempt_window_seconds = 1.0\n").unwrap();
    let written = dir.path().join("live.pcapng");
    let mut live = start_live(
        port,
        &[
            "--config".as_ref(),
            cfg.as_os_str(),
            "--format".as_ref(),
            "jsonl".as_ref(),
            "--write".as_ref(),
            written.as_os_str(),
        ],
    );
    negotiate(listener, port, &path);
    let mut lines = Vec::new();
    while let Ok(l) = live.rx.recv_timeout(Duration::from_secs(15)) {
        live.seen.push(l.clone());
        if let Some(j) = l.strip_prefix("out: ") {
            lines.push(j.to_string());
            break;
        }
    }
    // Settled by the window while the capture still runs, not by Ctrl-C.
    assert_eq!(lines.len(), 1, "no line before Ctrl-C: {:?}", live.seen);
    // Ctrl-C: the capture ends, and the attempt is not printed again.
    let pid = live.child.id().to_string();
    let _ = Command::new("kill").args(["-INT", &pid]).status();
    let _ = live.child.wait();
    while let Ok(l) = live.rx.recv_timeout(Duration::from_secs(2)) {
        live.seen.push(l.clone());
        if let Some(j) = l.strip_prefix("out: ") {
            lines.push(j.to_string());
        }
    }
    let seen = &live.seen;
    assert_eq!(lines.len(), 1, "{seen:?}");
    let v: serde_json::Value = serde_json::from_str(&lines[0]).expect("a JSON line");
    assert_eq!(v["schema"], "rdpdiag-jsonl/1");
    assert_eq!(v["outcome"], "failure");
    assert_eq!(v["stage"], "negotiation");
    assert_eq!(v["id.resp_p"], port);
    assert_eq!(v["id.orig_h"], "127.0.0.1");
    assert_eq!(v["file"], written.to_string_lossy().as_ref());
    assert!(v["community_id"]
        .as_str()
        .is_some_and(|c| c.starts_with("1:")));
    assert!(
        v["rule"]
            .as_str()
            .is_some_and(|r| r.starts_with("negotiation.")),
        "{v}"
    );
}

#[test]
fn live_without_privileges_says_what_is_needed() {
    if !is_root() || Command::new("setpriv").arg("--help").output().is_err() {
        common::skip(
            "live_capture::live_without_privileges_says_what_is_needed",
            "needs root and setpriv to drop privileges",
        );
        return;
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
        .args(["live", "-i", "lo", "--no-tui"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("Permission denied") && !err.contains("capture") {
        common::skip(
            "live_capture::live_without_privileges_says_what_is_needed",
            &format!("the test binary is not executable by nobody: {err}"),
        );
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("CAP_NET_RAW"), "{err}");
}
