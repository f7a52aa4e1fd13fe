//! `live --write` embeds the key log as a Decryption Secrets Block, so the
//! written file decrypts alone. The packets are the real frames of
//! captures/tls_ok.pcap (xrdp + xfreerdp, TLS 1.3) written through the same
//! pcapng writer `live` uses, then `embed_secrets` with that capture's real
//! key log (captures/tls_ok.keys.txt).

use rdpdiag::capture::{self, Frame, FrameSink};
use rdpdiag::live::{embed_secrets, PcapngWriter};
use std::path::PathBuf;

struct Collect(Vec<(u64, Vec<u8>, u32)>);
impl FrameSink for Collect {
    fn frame(&mut self, f: &Frame<'_>) {
        let micros = (f.ts.0 / 1000) as u64;
        self.0.push((micros, f.data.to_vec(), f.orig_len));
    }
    fn warning(&mut self, w: capture::Warning) {
        panic!("unexpected warning reading the bundled capture: {w:?}");
    }
}

fn repo(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .to_string_lossy()
        .into_owned()
}

fn decrypted_connections(path: &str, cfg: &rdpdiag::analysis::AnalysisConfig) -> usize {
    let r = rdpdiag::analysis::analyze_file(path, cfg).expect("analyze");
    r.connections
        .iter()
        .filter(|c| {
            c.facts
                .decryption
                .as_ref()
                .is_some_and(|d| d.records_decrypted > 0)
        })
        .count()
}

#[test]
fn written_capture_carries_the_key_log() {
    let src = repo("captures/tls_ok.pcap");
    let keys = repo("captures/tls_ok.keys.txt");
    let (reader, gz) = capture::open_path(&src).expect("open");
    let mut frames = Collect(Vec::new());
    capture::read_capture(reader, &src, gz, &mut frames).expect("read");
    assert!(!frames.0.is_empty());

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("live.pcapng");
    let out_s = out.to_string_lossy().into_owned();
    {
        let f = std::fs::File::create(&out).expect("create");
        // Ethernet, as the source capture.
        let mut w = PcapngWriter::new(std::io::BufWriter::new(f), 1, 262_144).expect("writer");
        for (ts, data, orig) in &frames.0 {
            w.packet(*ts, data, *orig).expect("packet");
        }
        w.flush().expect("flush");
    }
    let cfg = rdpdiag::analysis::AnalysisConfig::default();
    assert_eq!(
        decrypted_connections(&out_s, &cfg),
        0,
        "no keys yet: nothing decrypts"
    );
    let n = embed_secrets(&out_s, &keys).expect("embed");
    assert!(n >= 4, "TLS 1.3 needs four secrets per session, got {n}");
    assert!(
        decrypted_connections(&out_s, &cfg) >= 1,
        "the DSB's keys decrypt the session with no option"
    );
    // Same frame count after the rewrite.
    let r = rdpdiag::analysis::analyze_file(&out_s, &cfg).expect("analyze");
    assert_eq!(r.capture.frames as usize, frames.0.len());
}

#[test]
fn embedding_refuses_foreign_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("x.pcapng");
    std::fs::write(&p, b"not a pcapng at all").expect("write");
    let keys = repo("captures/tls_ok.keys.txt");
    assert!(embed_secrets(&p.to_string_lossy(), &keys).is_err());
}

/// Writes the frames of captures/tls_ok.pcap (all of them) through the live
/// writer into `out`, without keys.
fn write_tls_ok(out: &std::path::Path) -> usize {
    let src = repo("captures/tls_ok.pcap");
    let (reader, gz) = capture::open_path(&src).expect("open");
    let mut frames = Collect(Vec::new());
    capture::read_capture(reader, &src, gz, &mut frames).expect("read");
    let f = std::fs::File::create(out).expect("create");
    let mut w = PcapngWriter::new(std::io::BufWriter::new(f), 1, 262_144).expect("writer");
    for (ts, data, orig) in &frames.0 {
        w.packet(*ts, data, *orig).expect("packet");
    }
    w.flush().expect("flush");
    frames.0.len()
}

#[test]
fn only_the_captured_sessions_secrets_are_embedded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("live.pcapng");
    write_tls_ok(&out);
    let own = std::fs::read_to_string(repo("captures/tls_ok.keys.txt")).expect("keys");
    let own_lines = own
        .lines()
        .filter(|l| rdpdiag::decrypt::KeyLog::parse(l.trim()).0.secret_count() > 0)
        .count();
    // Secrets of sessions this capture never saw (another server, a browser).
    let foreign_secret = "5e".repeat(48);
    let mut keys = own.clone();
    for i in 0..3u8 {
        keys.push_str(&format!(
            "CLIENT_RANDOM {} {foreign_secret}\n",
            format!("{i:02x}").repeat(32)
        ));
    }
    let keyfile = dir.path().join("keys.txt");
    std::fs::write(&keyfile, keys).expect("keys");
    let n = embed_secrets(&out.to_string_lossy(), &keyfile.to_string_lossy()).expect("embed");
    assert_eq!(n, own_lines, "only the capture's own sessions' secrets");
    let bytes = std::fs::read(&out).expect("read");
    let hay = String::from_utf8_lossy(&bytes);
    assert!(
        !hay.contains(&foreign_secret),
        "a foreign secret was embedded"
    );
    let cfg = rdpdiag::analysis::AnalysisConfig::default();
    assert!(decrypted_connections(&out.to_string_lossy(), &cfg) >= 1);
}

#[cfg(unix)]
#[test]
fn rewritten_capture_is_private_and_never_follows_a_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("live.pcapng");
    write_tls_ok(&out);
    // Another user planted links at the names a predictable writer would use.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"precious").expect("victim");
    for name in ["live.pcapng.rdpdiag-tmp", "live.pcapng.tmp"] {
        std::os::unix::fs::symlink(&victim, dir.path().join(name)).expect("symlink");
    }
    let keys = repo("captures/tls_ok.keys.txt");
    embed_secrets(&out.to_string_lossy(), &keys).expect("embed");
    assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
    let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a capture holding TLS secrets is private");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("rdpdiag") && n != "live.pcapng.rdpdiag-tmp")
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}
