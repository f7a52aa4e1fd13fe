//! `rdpdiag analyze --format html` on bundled captures: the page carries the
//! verdict, the cause, the fix and the evidence frames, fetches nothing, and
//! escapes what it shows.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The HTML report of `args` (run from the repository root) and the exit code.
fn html(args: &[&str]) -> (String, Option<i32>) {
    let home = tempfile::tempdir().expect("tempdir");
    let o = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["analyze", "--format", "html"])
        .args(args)
        .current_dir(root())
        .env("XDG_CONFIG_HOME", home.path())
        .env("HOME", home.path())
        .env_remove("SSLKEYLOGFILE")
        .output()
        .expect("rdpdiag runs");
    let s = String::from_utf8(o.stdout).expect("the page is UTF-8");
    assert!(
        s.starts_with("<!DOCTYPE html>") && s.trim_end().ends_with("</html>"),
        "{s}"
    );
    (s, o.status.code())
}

/// Nothing in the page is loaded from elsewhere: no script, no link, no
/// external image or style, no URL at all.
fn assert_self_contained(s: &str) {
    for bad in [
        "http://", "https://", "<script", "<link", "<img", "<iframe", "src=", "href=", "@import",
        "url(",
    ] {
        assert!(!s.contains(bad), "page contains {bad:?}");
    }
}

/// The ladder of a failing attempt marks the failing step: at least one
/// row of class `fail`, and it is drawn.
fn failing_rows(s: &str) -> usize {
    s.matches("<g class=\"fail\">").count()
}

#[test]
fn hybrid_required_by_server_shows_the_verdict_cause_fix_and_frame() {
    // captures/hybrid_required_by_server.pcap: frame 6 is the X.224
    // Connection Confirm with RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER.
    let (s, code) = html(&["captures/hybrid_required_by_server.pcap"]);
    assert_eq!(code, Some(1));
    assert_self_contained(&s);
    assert!(s.contains("FAILED at negotiation"), "{s}");
    assert!(s.contains("Cause: the server refused the security protocol"));
    assert!(s.contains("HYBRID_REQUIRED_BY_SERVER"));
    assert!(s.contains("<h4>Fix</h4><ol><li>On the client: enable CredSSP and supply credentials"));
    assert!(s.contains("<span class=\"frames\">frame 6</span>"));
    assert!(s.contains("<title>frame 6: X.224 Connection Confirm"));
    assert_eq!(failing_rows(&s), 1);
}

#[test]
fn nla_wrong_password_without_keys_draws_encrypted_records() {
    // captures/nla_wrong_password.pcap: two connections, both rejected; the
    // server's FIN at frame 20 ends the first (the root cause) after the
    // CredSSP round (encrypted).
    let (s, code) = html(&["captures/nla_wrong_password.pcap"]);
    assert_eq!(code, Some(1));
    assert_self_contained(&s);
    assert!(s.contains("FAILED at nla"));
    assert!(s.contains("the NLA credentials were rejected"));
    assert!(s.contains("<span class=\"frames\">frame 20</span> (FIN from the server)"));
    assert!(s.contains("inferred from the encrypted traffic"));
    assert!(
        s.contains("<g class=\"enc\">"),
        "encrypted records drawn grey"
    );
    assert!(s.contains("encrypted 250 B"), "{s}");
    assert!(s.contains("Connection 1 —") && s.contains("Connection 2 —"));
    assert!(failing_rows(&s) >= 1);
}

#[test]
fn nla_wrong_password_with_keys_names_the_credssp_messages() {
    // With captures/nla_wrong_password.keys.txt the CredSSP exchange is read:
    // frame 17 is the client's NTLM AUTHENTICATE on the first connection (the
    // root cause), frame 18 the server's alert; frames 40 and 41 the retry's.
    let (s, code) = html(&[
        "--keylog",
        "captures/nla_wrong_password.keys.txt",
        "captures/nla_wrong_password.pcap",
    ]);
    assert_eq!(code, Some(1));
    assert_self_contained(&s);
    assert!(s.contains("seen decrypted with the TLS key log"));
    assert!(s.contains("NTLM AUTHENTICATE"));
    assert!(s.contains("<span class=\"frames\">frame 17</span>"));
    assert!(s.contains("<title>frame 17: CredSSP TSRequest"));
    assert!(s.contains("<title>frame 40: CredSSP TSRequest"));
    assert!(
        !s.contains("<g class=\"enc\">"),
        "nothing is left encrypted with the keys"
    );
    assert!(
        failing_rows(&s) >= 2,
        "AUTHENTICATE and the close are marked"
    );
}

#[test]
fn cert_expired_strict_marks_the_close_after_the_handshake() {
    // captures/cert_expired_strict.pcap: handshake complete at frame 12, the
    // client's FIN at frame 16.
    let (s, code) = html(&["captures/cert_expired_strict.pcap"]);
    assert_eq!(code, Some(1));
    assert_self_contained(&s);
    assert!(s.contains("FAILED at tls"));
    assert!(s.contains("it rejected the server certificate"));
    assert!(s.contains("<span class=\"frames\">frame 16</span>"));
    assert!(s.contains("<title>frame 16: FIN from the client"));
    assert!(s.contains("Renew the server"));
}

#[test]
fn slow_link_ok_is_a_success_with_its_long_run_folded() {
    // captures/slow_link_ok.pcap: 151 frames, the session's records after
    // frame 15 fold into one row.
    let (s, code) = html(&["captures/slow_link_ok.pcap"]);
    assert_eq!(code, Some(0));
    assert_self_contained(&s);
    assert!(s.contains("<span class=\"badge ok\">SUCCESS</span>"));
    assert!(!s.contains("Cause:"));
    assert_eq!(failing_rows(&s), 0);
    assert!(s.contains("records, "), "a folded run: {s}");
    assert!(s.contains("<g class=\"fold\">"));
}

#[test]
fn file_names_are_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let evil = dir.path().join("<script>alert(1)<\\script>&.pcap");
    std::fs::copy(
        root().join("captures/hybrid_required_by_server.pcap"),
        &evil,
    )
    .expect("copy");
    let (s, _) = html(&[evil.to_str().expect("utf-8 path")]);
    assert!(!s.contains("<script"), "{s}");
    assert!(s.contains("&lt;script&gt;alert(1)&lt;\\script&gt;&amp;.pcap"));
}

#[test]
fn redact_replaces_addresses_in_the_page() {
    let (s, _) = html(&["--redact", "captures/nla_wrong_password.pcap"]);
    assert!(!s.contains("10.203.0."), "addresses left in the page");
    assert!(s.contains("IP-1") && s.contains("IP-2"));
    assert!(s.contains("FAILED at nla"));
}

#[test]
fn several_files_make_one_page() {
    let (s, _) = html(&[
        "captures/hybrid_required_by_server.pcap",
        "captures/slow_link_ok.pcap",
    ]);
    assert_eq!(s.matches("<!DOCTYPE html>").count(), 1);
    assert!(s.contains("captures/hybrid_required_by_server.pcap"));
    assert!(s.contains("captures/slow_link_ok.pcap"));
    assert!(Path::new(&root().join("captures/slow_link_ok.pcap")).exists());
}
