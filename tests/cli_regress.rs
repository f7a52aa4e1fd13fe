//! `rdpdiag test`: the repository's own captures/ pass against their
//! sidecars, and mismatches, bad sidecars, JUnit output and --bless behave.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rdpdiag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .arg("--no-config")
        .args(args)
        .current_dir(root())
        .output()
        .expect("rdpdiag runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Copy one bundled capture (and its sidecar when `with_sidecar`) into `dir`.
fn copy(name: &str, dir: &Path, with_sidecar: bool) {
    let caps = root().join("captures");
    for e in std::fs::read_dir(&caps).expect("captures/") {
        let p = e.expect("entry").path();
        let f = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let is_capture = f.starts_with(&format!("{name}.pcap"));
        // The sidecar and what it names (a key log) come along together.
        let is_companion = f.starts_with(&format!("{name}.")) && !is_capture;
        if is_capture || (with_sidecar && is_companion) {
            std::fs::copy(&p, dir.join(&f)).expect("copy");
        }
    }
}

#[test]
fn repository_captures_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("junit.xml");
    let o = rdpdiag(&["test", "captures", "--junit", &junit.to_string_lossy()]);
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let n = out.lines().filter(|l| l.starts_with("PASS")).count();
    assert!(n >= 19, "{out}");
    assert!(out.contains("0 fail, 0 error"), "{out}");
    let x = std::fs::read_to_string(&junit).expect("JUnit written");
    assert!(x.starts_with("<?xml"));
    assert!(
        x.contains("failures=\"0\"") && x.contains("errors=\"0\""),
        "{x}"
    );
    assert_eq!(x.matches("<testcase ").count(), n);
    assert!(x.contains("name=\"port_closed.pcap\""));
}

#[test]
fn mismatch_is_explained_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy("port_closed", dir.path(), false);
    std::fs::write(
        dir.path().join("port_closed.expect.toml"),
        "# deliberately wrong\n[[attempt]]\noutcome = \"failure\"\nstage = \"tls\"\nrule = \"tcp.syn_unanswered\"\n\n[[attempt]]\noutcome = \"success\"\n",
    )
    .expect("write");
    let junit = dir.path().join("j.xml");
    let o = rdpdiag(&[
        "test",
        &dir.path().to_string_lossy(),
        "--junit",
        &junit.to_string_lossy(),
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL"), "{out}");
    assert!(
        out.contains("expected 2 attempt(s), the analysis found 1"),
        "{out}"
    );
    assert!(out.contains("stage: expected tls, got tcp"), "{out}");
    assert!(
        out.contains("root cause: expected tcp.syn_unanswered, got tcp.rst_to_syn"),
        "{out}"
    );
    assert!(
        out.contains("attempt 2: expected success, but there is no such attempt"),
        "{out}"
    );
    let x = std::fs::read_to_string(&junit).expect("JUnit written");
    assert!(
        x.contains("failures=\"1\"") && x.contains("<failure "),
        "{x}"
    );
}

#[test]
fn input_errors_exit_2() {
    // A sidecar that is not valid.
    let dir = tempfile::tempdir().expect("tempdir");
    copy("port_closed", dir.path(), false);
    std::fs::write(
        dir.path().join("port_closed.expect.toml"),
        "[[attempt]]\noutcome = \"failed\"\n",
    )
    .expect("write");
    let o = rdpdiag(&["test", &dir.path().to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(
        out.contains("ERROR") && out.contains("success, failure or incomplete"),
        "{out}"
    );

    // A sidecar without its capture.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("gone.expect.toml"),
        "[[attempt]]\noutcome = \"success\"\n",
    )
    .expect("write");
    let o = rdpdiag(&["test", &dir.path().to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("has no capture beside it"),
        "{}",
        stdout(&o)
    );

    // A missing folder, and an empty one.
    let o = rdpdiag(&["test", "no/such/folder"]);
    assert_eq!(o.status.code(), Some(2));
    let empty = tempfile::tempdir().expect("tempdir");
    let o = rdpdiag(&["test", &empty.path().to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("--bless"), "{}", stdout(&o));

    // A key log named by the sidecar but absent.
    let dir = tempfile::tempdir().expect("tempdir");
    copy("tls_ok", dir.path(), true);
    std::fs::remove_file(dir.path().join("tls_ok.keys.txt")).expect("rm");
    let o = rdpdiag(&["test", &dir.path().to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("tls_ok.keys.txt"), "{}", stdout(&o));
}

#[test]
fn bless_writes_sidecars_that_then_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy("nla_wrong_password", dir.path(), true);
    copy("syn_dropped", dir.path(), false);
    let d = dir.path().to_string_lossy().into_owned();
    // Without --bless, the capture without a sidecar is not a test.
    let o = rdpdiag(&["test", &d]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o).matches("PASS").count(), 1);

    let o = rdpdiag(&["test", "--bless", &d]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let new = std::fs::read_to_string(dir.path().join("syn_dropped.expect.toml")).expect("written");
    assert!(
        new.starts_with("# Written by `rdpdiag test --bless`"),
        "{new}"
    );
    assert!(
        new.contains("outcome = \"failure\"") && new.contains("rule = \"tcp.syn_unanswered\""),
        "{new}"
    );
    // The existing sidecar keeps its comment and its key log line.
    let kept =
        std::fs::read_to_string(dir.path().join("nla_wrong_password.expect.toml")).expect("kept");
    assert!(kept.starts_with("# NLA with a WRONG password"), "{kept}");
    assert!(
        kept.contains("keylog = \"nla_wrong_password.keys.txt\""),
        "{kept}"
    );
    assert!(
        kept.contains("rule = \"nla.credentials_rejected\""),
        "{kept}"
    );

    let o = rdpdiag(&["test", "-v", &d]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o).matches("PASS").count(), 2);
    assert!(stdout(&o).contains("= failure"), "{}", stdout(&o));
    // Blessing again changes nothing.
    let o = rdpdiag(&["test", "--bless", &d]);
    assert!(stdout(&o).contains("unchanged"), "{}", stdout(&o));
}

/// Captures without a sidecar are named (they are not tested), with the
/// command that writes their sidecars; nothing is written without --bless.
#[test]
fn captures_without_a_sidecar_are_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy("tls_ok", dir.path(), true);
    copy("port_closed", dir.path(), false);
    let d = dir.path().to_str().expect("utf-8");
    let o = rdpdiag(&["test", d]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let missing = dir.path().join("port_closed.pcap");
    assert!(
        out.contains("1 capture(s) have no sidecar and were not tested:")
            && out.contains(&format!("  {}\n", missing.display()))
            && out.contains(&format!("rdpdiag test --bless {}", missing.display())),
        "{out}"
    );
    assert!(!dir.path().join("port_closed.expect.toml").exists());
    // With --bless it gets one, and the list is gone.
    let o = rdpdiag(&["test", "--bless", d]);
    assert!(
        dir.path().join("port_closed.expect.toml").exists(),
        "{}",
        stdout(&o)
    );
    let out = stdout(&rdpdiag(&["test", d]));
    assert!(!out.contains("no sidecar"), "{out}");
}
