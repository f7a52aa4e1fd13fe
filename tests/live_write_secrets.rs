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
