//! End to end: the built binary in a real terminal (tmux, 80x24) replays a
//! failure capture, shows the failed stage and the fix, and quits cleanly on
//! `q` with the terminal restored. Also the text stream when stdout is a pipe.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rdpdiag");

fn cap(name: &str) -> String {
    format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A private tmux server, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "t"])
            .unwrap_or_default()
    }
    fn wait_for(&self, what: &[&str], secs: u64) -> String {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if what.iter().all(|w| s.contains(w)) || Instant::now() > end {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

#[test]
fn tui_in_tmux_shows_the_failed_stage_and_the_fix_then_quits() {
    if Command::new("tmux").arg("-V").output().is_err() {
        common::skip(
            "tui_tmux::tui_in_tmux_shows_the_failed_stage_and_the_fix_then_quits",
            "tmux is not installed (apt-get install tmux)",
        );
        return;
    }
    let t = Tmux {
        socket: format!("rdpdiag-test-{}", std::process::id()),
    };
    // captures/hybrid_required_by_server.pcap: frame 6 is the server's
    // RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER.
    let shell = format!(
        "{BIN} tui {}; echo RDPDIAG_EXIT=$?; sleep 60",
        cap("hybrid_required_by_server.pcap")
    );
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "80",
        "-y",
        "24",
        "env",
        "TERM=xterm-256color",
        "sh",
        "-c",
        &shell,
    ])
    .expect("tmux new-session");
    let s = t.wait_for(&["FAILED negotiation", "Fix:", "[done]"], 20);
    assert!(s.contains("FAILED negotiation"), "screen:\n{s}");
    assert!(s.contains("HYBRID_REQUIRED_BY_SERVER"), "screen:\n{s}");
    assert!(s.contains("enable CredSSP"), "the fix is on screen:\n{s}");
    assert_eq!(s.lines().count(), 24, "80x24 screen:\n{s}");
    // Tab to the ladder: the Connection Confirm from the server.
    t.cmd(&["send-keys", "-t", "t", "Tab"]);
    let s = t.wait_for(&["X.224 Connection Confirm"], 10);
    assert!(s.contains("X.224 Connection Confirm"), "ladder:\n{s}");
    // Resize: the layout follows.
    t.cmd(&["resize-window", "-t", "t", "-x", "120", "-y", "30"]);
    std::thread::sleep(Duration::from_millis(500));
    let s = t.wait_for(&["FAILED negotiation"], 10);
    assert_eq!(s.lines().count(), 30, "120x30 screen:\n{s}");
    assert!(
        s.lines()
            .any(|l| l.chars().count() == 120 && l.ends_with('┐')),
        "full-width frame:\n{s}"
    );
    // Help, then quit.
    t.cmd(&["send-keys", "-t", "t", "?"]);
    let s = t.wait_for(&["Keys"], 10);
    assert!(s.contains("pause / resume"), "help:\n{s}");
    t.cmd(&["send-keys", "-t", "t", "Escape"]);
    t.cmd(&["send-keys", "-t", "t", "q"]);
    let s = t.wait_for(&["RDPDIAG_EXIT="], 10);
    assert!(s.contains("RDPDIAG_EXIT=0"), "clean exit:\n{s}");
    // The alternate screen is gone: the UI's frame is no longer shown.
    assert!(!s.contains("Attempts ("), "terminal restored:\n{s}");
}

#[test]
fn sigterm_leaves_the_alternate_screen() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux)");
        return;
    }
    let t = Tmux {
        socket: format!("rdpdiag-test-term-{}", std::process::id()),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let pidfile = dir.path().join("pid");
    // The inner shell writes its pid and becomes rdpdiag (exec).
    let shell = format!(
        "sh -c 'echo $$ > {}; exec {BIN} tui {}'; echo RDPDIAG_EXIT=$?; sleep 60",
        pidfile.display(),
        cap("hybrid_required_by_server.pcap")
    );
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "80",
        "-y",
        "24",
        "env",
        "TERM=xterm-256color",
        "sh",
        "-c",
        &shell,
    ])
    .expect("tmux new-session");
    let s = t.wait_for(&["FAILED negotiation", "[done]"], 20);
    assert!(s.contains("FAILED negotiation"), "screen:\n{s}");
    let pid = std::fs::read_to_string(&pidfile).expect("pid");
    Command::new("kill")
        .args(["-TERM", pid.trim()])
        .status()
        .expect("kill");
    let s = t.wait_for(&["RDPDIAG_EXIT="], 10);
    assert!(s.contains("RDPDIAG_EXIT=143"), "exit 143:\n{s}");
    assert!(!s.contains("Attempts ("), "terminal restored:\n{s}");
}

#[test]
fn a_read_error_is_shown_in_the_ui() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux)");
        return;
    }
    let t = Tmux {
        socket: format!("rdpdiag-test-err-{}", std::process::id()),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("notes.pcap");
    std::fs::write(&notes, "these are my notes, not a capture\n".repeat(20)).expect("write");
    let shell = format!(
        "{BIN} tui {}; echo RDPDIAG_EXIT=$?; sleep 60",
        notes.display()
    );
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "100",
        "-y",
        "24",
        "env",
        "TERM=xterm-256color",
        "sh",
        "-c",
        &shell,
    ])
    .expect("tmux new-session");
    let s = t.wait_for(&["not a pcap"], 10);
    assert!(
        s.contains("not a pcap"),
        "the error, while the UI runs:\n{s}"
    );
    assert!(!s.contains("No RDP traffic found"), "{s}");
    assert!(!s.contains("RDPDIAG_EXIT="), "still in the UI:\n{s}");
    t.cmd(&["send-keys", "-t", "t", "q"]);
    let s = t.wait_for(&["RDPDIAG_EXIT="], 10);
    assert!(s.contains("RDPDIAG_EXIT=2"), "{s}");
}

#[test]
fn tui_with_stdout_not_a_terminal_prints_one_line_per_attempt() {
    let out = Command::new(BIN)
        .args(["tui", &cap("nla_wrong_password.pcap")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].contains("FAILED at nla"), "{text}");
    assert!(lines[0].contains("fix: "), "{text}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "failure → exit code 1 like analyze"
    );
    // In real time (0.5 s): still one line, printed once the attempt is settled.
    let out = Command::new(BIN)
        .args(["tui", "--speed", "1x", &cap("nla_wrong_password.pcap")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    let out = Command::new(BIN)
        .args(["tui", "--speed", "bogus", &cap("tls_ok.pcap")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
