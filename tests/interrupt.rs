//! Nothing read is lost: SIGINT/SIGTERM end `analyze -` and `live --no-tui
//! --write` with what was read (the report printed, the written capture with
//! its keys) and exit 130/143; a closed stderr or stdout is no panic.
//! Signals and pipes as tested here are Unix's: the file is Unix-only.
#![cfg(unix)]

use std::io::{BufRead, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_rdpdiag");

fn repo(p: &str) -> String {
    format!("{}/{p}", env!("CARGO_MANIFEST_DIR"))
}

#[cfg(unix)]
fn kill(child: &Child, sig: &str) {
    let st = Command::new("kill")
        .args([format!("-{sig}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
}

/// `tcpdump -w - | rdpdiag analyze -` stopped with a signal while the pipe
/// is still open: the frames already read are reported.
#[cfg(unix)]
fn analyze_stdin_then(sig: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(BIN)
        .args(["--no-config", "analyze", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let cap = std::fs::read(repo("captures/nla_wrong_password.pcap")).expect("capture");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&cap).expect("write");
    stdin.flush().expect("flush");
    // The writer stays alive (a tcpdump still capturing); only rdpdiag is
    // signalled. Give it time to read what was written.
    std::thread::sleep(Duration::from_millis(1500));
    kill(&child, sig);
    let out = child.wait_with_output().expect("wait");
    drop(stdin);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn sigterm_on_analyze_stdin_prints_the_report_and_exits_143() {
    let (code, out, err) = analyze_stdin_then("TERM");
    assert_eq!(code, Some(143), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("10.203.0.1:3389"), "the report: {out}");
}

#[cfg(unix)]
#[test]
fn sigint_on_analyze_stdin_prints_the_report_and_exits_130() {
    let (code, out, err) = analyze_stdin_then("INT");
    assert_eq!(code, Some(130), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("10.203.0.1:3389"), "the report: {out}");
}

/// A configuration error (long: it quotes the file) written to a stderr
/// that cannot take it is an exit code 2, not a panic (101).
#[cfg(target_os = "linux")]
#[test]
fn a_closed_or_full_stderr_is_no_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, format!("colour = \"{}\"\n", "x".repeat(5000))).expect("cfg");
    // /dev/full: every write fails (ENOSPC), deterministically.
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    let st = Command::new(BIN)
        .arg("--config")
        .arg(&cfg)
        .args(["analyze", "x.pcap"])
        .stdout(full())
        .stderr(full())
        .status()
        .expect("run");
    assert_eq!(st.code(), Some(2));
    // A reader that went away (EPIPE).
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("sleep 0.3; exec \"$0\" --config \"$1\" analyze x.pcap")
        .arg(BIN)
        .arg(&cfg)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    drop(child.stderr.take());
    assert_eq!(child.wait().expect("wait").code(), Some(2));
}

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

/// The client's first TLS payload (the ClientHello) of captures/tls_ok.pcap.
#[cfg(feature = "live")]
fn client_hello() -> Vec<u8> {
    use rdpdiag::capture::{Frame, FrameSink, Warning};
    struct P(Option<Vec<u8>>);
    impl FrameSink for P {
        fn frame(&mut self, f: &Frame<'_>) {
            if let Ok(p) = rdpdiag::net::decode(f) {
                if let rdpdiag::net::Transport::Tcp(t, d) = p.transport {
                    if t.dst_port == 3389 && d.first() == Some(&0x16) && self.0.is_none() {
                        self.0 = Some(d.to_vec());
                    }
                }
            }
        }
        fn warning(&mut self, _: Warning) {}
    }
    let path = repo("captures/tls_ok.pcap");
    let mut p = P(None);
    let (r, gz) = rdpdiag::capture::open_path(&path).expect("open");
    rdpdiag::capture::read_capture(r, &path, gz, &mut p).expect("read");
    p.0.expect("a ClientHello")
}

/// Ctrl-C on `live --no-tui --write --keylog`: the file is written with the
/// keys of the session it holds, and the exit code is 130.
#[cfg(all(unix, feature = "live"))]
#[test]
fn sigint_on_live_no_tui_still_embeds_the_keys() {
    if !is_root() {
        eprintln!("SKIPPED: live capture needs root or CAP_NET_RAW");
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let written = dir.path().join("live.pcapng");
    let mut child = Command::new(BIN)
        .args([
            "--no-config",
            "live",
            "-i",
            "lo",
            "--no-tui",
            "--port",
            &port.to_string(),
        ])
        .args(["--filter", &format!("tcp port {port}")])
        .arg("--write")
        .arg(&written)
        .arg("--keylog")
        .arg(repo("captures/tls_ok.keys.txt"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let (tx, rx) = mpsc::channel::<String>();
    let err = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(l) if l.contains("capturing on") => break,
            Ok(l) => seen.push(l),
            Err(_) => {
                let _ = child.kill();
                panic!("live did not start: {seen:?}");
            }
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
    });
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.write_all(&client_hello()).expect("hello");
    drop(c);
    server.join().expect("server");
    std::thread::sleep(Duration::from_millis(800));
    kill(&child, "INT");
    let st = child.wait().expect("wait");
    let mut rest = Vec::new();
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(5)) {
        rest.push(l);
    }
    assert_eq!(st.code(), Some(130), "{rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("embedded")),
        "the keys were embedded: {rest:?}"
    );
    let bytes = std::fs::read(&written).expect("written");
    assert!(
        String::from_utf8_lossy(&bytes).contains("TRAFFIC_SECRET"),
        "the written capture holds the session's secrets"
    );
}
