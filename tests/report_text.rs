//! The text report's `-v` ladder: the encrypted records' shape when the
//! session could not be read, and pcapng comments beside their frames.

mod common;

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn analyze(args: &[&str]) -> (String, Option<i32>) {
    let o = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["--no-config", "analyze", "--color", "never"])
        .args(args)
        .current_dir(root())
        .env("SSLKEYLOGFILE", "")
        .output()
        .expect("rdpdiag runs");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        o.status.code(),
    )
}

#[test]
fn ladder_shows_the_encrypted_records_without_keys() {
    // captures/tls_ok.pcap: a TLS 1.3 session of 91 encrypted records, the
    // first at frame 9 (server, 23 bytes), the last at frame 176 (server, 19 bytes).
    let (t, _) = analyze(&["-v", "captures/tls_ok.pcap"]);
    assert!(
        t.contains("     9  ← TLS encrypted record (23 bytes)"),
        "{t}"
    );
    assert!(
        t.contains("   176  ← TLS encrypted record (19 bytes)"),
        "{t}"
    );
    assert!(t.contains("… 81 more encrypted records"), "{t}");
    let shown = t.matches("TLS encrypted record (").count();
    assert_eq!(shown, 10, "bounded: the first 6 and the last 4\n{t}");
    // With the key log the ladder says what the records held instead.
    let (t, _) = analyze(&[
        "-v",
        "--keylog",
        "captures/tls_ok.keys.txt",
        "captures/tls_ok.pcap",
    ]);
    assert!(!t.contains("TLS encrypted record"), "{t}");
}

fn editcap_available() -> bool {
    Command::new("editcap")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn pcapng_comments_are_shown_beside_their_frames() {
    if !editcap_available() {
        common::skip(
            "pcapng_comments_are_shown_beside_their_frames",
            "editcap not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // captures/tls_ok.pcap with comments added by editcap: frame 4 is the
    // X.224 Connection Request, 50 an encrypted record not on the ladder,
    // 176 the server's last encrypted record.
    let tls = dir.path().join("tls_ok.pcapng");
    let long = "x".repeat(400);
    let ok = Command::new("editcap")
        .args([
            "-F",
            "pcapng",
            "--capture-comment",
            "lab run 7: black screen",
        ])
        .args(["-a", "4:clicked Connect here"])
        .args(["-a", "50:mid-session note"])
        .args(["-a", &format!("176:closed the window {long}")])
        .arg(root().join("captures/tls_ok.pcap"))
        .arg(&tls)
        .status()
        .expect("editcap runs");
    assert!(ok.success());
    let (t, _) = analyze(&["-v", tls.to_str().expect("utf-8")]);
    assert!(
        t.contains("  capture comment: lab run 7: black screen"),
        "{t}"
    );
    assert!(
        t.contains(
            "X.224 Connection Request (PROTOCOL_SSL)\n              # clicked Connect here\n"
        ),
        "{t}"
    );
    assert!(
        t.contains("  comments in the capture:\n        50    # mid-session note\n"),
        "{t}"
    );
    // Bounded on the terminal.
    let last = t
        .lines()
        .find(|l| l.contains("# closed the window"))
        .expect("frame 176's comment");
    assert!(last.ends_with('…') && last.chars().count() < 200, "{last}");

    // JSON: every comment, with its frame.
    let (j, _) = analyze(&["--format", "json", tls.to_str().expect("utf-8")]);
    let v: serde_json::Value = serde_json::from_str(&j).expect("JSON");
    let c = &v["files"][0]["comments"];
    assert_eq!(c[0]["frame"], serde_json::Value::Null);
    assert_eq!(c[0]["text"], "lab run 7: black screen");
    assert_eq!(c[1]["frame"], 4);
    assert_eq!(c[2]["frame"], 50);

    // captures/port_closed.pcap: the root cause's evidence is frames 1 and 2
    // (SYN, RST of the first connection; the retry's 3 and 4 are its
    // consequence); a comment on frame 2 appears in the evidence line.
    let pc = dir.path().join("port_closed.pcapng");
    let ok = Command::new("editcap")
        .args(["-F", "pcapng", "-a", "2:firewall team says port is open"])
        .arg(root().join("captures/port_closed.pcap"))
        .arg(&pc)
        .status()
        .expect("editcap runs");
    assert!(ok.success());
    let (t, _) = analyze(&[pc.to_str().expect("utf-8")]);
    assert!(
        t.contains("frame 2 (RST from the server) [comment: firewall team says port is open]"),
        "{t}"
    );
}

/// Folded scan probes are one capture-level line: captures/port_closed.pcap
/// (two refused one-SYN connections, frames 1–4) under `scan_fold_after = 1`;
/// with `0` every probe is folded and the report says so instead of "No RDP
/// traffic found".
#[test]
fn folded_scan_probes_are_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |n: u32| {
        let cfg = dir.path().join(format!("c{n}.toml"));
        std::fs::write(&cfg, format!("[limits]\nscan_fold_after = {n}\n")).expect("write");
        let o = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
            .arg("--config")
            .arg(&cfg)
            .args(["analyze", "--color", "never", "captures/port_closed.pcap"])
            .current_dir(root())
            .output()
            .expect("rdpdiag runs");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let t = run(1);
    assert!(
        t.contains(
            "  scan: 2 SYNs from 1 source(s) to port 3389 on 1 host(s), 2 refused by RST, \
             no payload (frames 1..4); 1 reported as attempts, 1 only counted here"
        ),
        "{t}"
    );
    assert_eq!(t.matches("Attempt ").count(), 1, "{t}");
    let t = run(0);
    assert!(
        t.contains("0 reported as attempts, 2 only counted here"),
        "{t}"
    );
    assert!(
        !t.contains("No RDP traffic found") && !t.contains("Attempt "),
        "{t}"
    );
}

/// The replay/live text stream (`tui` with stdout not a terminal) ends with
/// the same scan line: captures/port_closed.pcap under `scan_fold_after = 1`.
#[test]
fn text_stream_ends_with_the_scan_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[limits]\nscan_fold_after = 1\n").expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .arg("--config")
        .arg(&cfg)
        .args(["tui", "captures/port_closed.pcap"])
        .current_dir(root())
        .output()
        .expect("rdpdiag runs");
    let t = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.len(), 2, "{t}");
    assert!(lines[0].starts_with("attempt 1 "), "{t}");
    assert!(
        lines[1].starts_with("scan: 2 SYNs") && lines[1].contains("1 only counted here"),
        "{t}"
    );
}
