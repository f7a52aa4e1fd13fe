//! Several files in parallel (src/batch.rs): results come back in the order
//! given, whatever order the threads finish in; the progress bar is never
//! drawn when stderr is not a terminal.

#[path = "../benches/support/synth.rs"]
mod synth;

use rdpdiag::analysis::{analyze_file, AnalysisConfig};
use rdpdiag::app::batch::{self, ProgressKind};
use std::process::Command;

/// The lab captures of captures/, biggest first so later files finish first.
fn lab_captures() -> Vec<String> {
    let mut v: Vec<(u64, String)> = std::fs::read_dir("captures")
        .expect("captures/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .map(|p| (p.metadata().map_or(0, |m| m.len()), p.display().to_string()))
        .collect();
    v.sort_by(|a, b| b.cmp(a));
    v.into_iter().map(|x| x.1).collect()
}

#[test]
fn parallel_results_keep_input_order() {
    let mut files = lab_captures();
    assert!(files.len() >= 10);
    files.insert(3, "captures/no-such-file.pcap".to_string());
    let cfg = AnalysisConfig::default();
    let kinds = vec![ProgressKind::Hidden; files.len()];
    let parallel = batch::analyze_files_with(&files, &cfg, &kinds, 4);
    assert_eq!(parallel.len(), files.len());
    for (f, r) in files.iter().zip(&parallel) {
        match (r, analyze_file(f, &cfg)) {
            (Ok(p), Ok(s)) => {
                assert_eq!(&p.file, f);
                let wire = |r: &rdpdiag::report::FileReport| {
                    let v: Vec<rdpdiag::report::json::AttemptVerdict<'_>> =
                        r.attempts.iter().map(Into::into).collect();
                    serde_json::to_value(v).unwrap()
                };
                assert_eq!(wire(p), wire(&s), "{f}");
            }
            (Err(p), Err(s)) => assert_eq!(p.to_string(), s.to_string()),
            _ => panic!("{f}: parallel and sequential analyses disagree"),
        }
    }
    assert!(parallel[3].is_err());
}

/// A capture just over the progress threshold (synthetic filler traffic).
fn big_capture(dir: &std::path::Path) -> String {
    let path = dir.join("big.pcap");
    let mut out = synth::pcap_header().to_vec();
    let mut frame = Vec::new();
    let mut i = 0u64;
    while (out.len() as u64) < batch::PROGRESS_MIN_BYTES + 1000 {
        frame.clear();
        synth::udp_frame(
            &mut frame,
            [10, 0, 0, 1],
            [10, 0, 0, 2],
            5000,
            6000,
            &[0u8; 1400],
        );
        synth::pcap_record(&mut out, 1_767_603_600_000_000 + i, &frame);
        i += 1;
    }
    std::fs::write(&path, out).unwrap();
    path.display().to_string()
}

#[test]
fn progress_only_on_a_terminal_and_for_big_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_capture(dir.path());
    let size = std::fs::metadata(&big).unwrap().len();
    assert_eq!(batch::progress_kind(&big, false), ProgressKind::Hidden);
    assert_eq!(batch::progress_kind(&big, true), ProgressKind::Bar(size));
    assert_eq!(
        batch::progress_kind("captures/port_closed.pcap", true),
        ProgressKind::Hidden
    );
    assert_eq!(batch::progress_kind("-", true), ProgressKind::Spinner);
    assert_eq!(batch::progress_kind("-", false), ProgressKind::Hidden);
}

#[test]
fn cli_several_files_in_order_and_no_progress_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_capture(dir.path());
    let files = [
        "captures/tls_ok.pcap",
        big.as_str(),
        "captures/port_closed.pcap",
    ];
    let out = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .arg("analyze")
        .args(files)
        .output()
        .unwrap();
    // stderr is a pipe here: no progress bar, no escape codes.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let pos: Vec<usize> = files.iter().map(|f| text.find(f).expect(f)).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
}

#[test]
fn progress_counts_compressed_bytes_of_gzip() {
    // The counter sees the file's bytes, not the inflated stream.
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read("captures/tls_ok.pcap").unwrap();
    let gz = dir.path().join("tls_ok.pcap.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&raw).unwrap();
    let bytes = enc.finish().unwrap();
    std::fs::write(&gz, &bytes).unwrap();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let r = rdpdiag::analysis::analyze_file_counted(
        gz.to_str().unwrap(),
        &AnalysisConfig::default(),
        Some(count.clone()),
    )
    .unwrap();
    assert!(r.capture.format.ends_with("+gzip"));
    assert_eq!(
        count.load(std::sync::atomic::Ordering::Relaxed),
        bytes.len() as u64
    );
}
