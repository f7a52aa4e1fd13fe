//! Replays every input a fuzz target ever crashed on (kept under
//! `tests/fuzz_regressions/<target>/`) through the same harness function the
//! pipeline fuzz target runs (see fuzz/README.md). A fixed crash must stay fixed.

mod fuzz_harness;

use std::path::PathBuf;

type Harness = fn(&[u8]);

const TARGETS: &[(&str, Harness)] = &[
    ("capture_reader", fuzz_harness::capture_reader),
    ("flow_engine", fuzz_harness::flow_engine),
    ("analyze", fuzz_harness::analyze),
    ("tls_decrypt", fuzz_harness::tls_decrypt),
    ("keylog", fuzz_harness::keylog),
    ("config", fuzz_harness::config),
    ("redact", fuzz_harness::redact),
    ("probe_replies", fuzz_harness::probe_replies),
    ("pcapng_dsb", fuzz_harness::pcapng_dsb),
    ("gzip_damaged", fuzz_harness::gzip_damaged),
];

#[test]
fn saved_fuzz_crashes_stay_fixed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut replayed = 0;
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !e.path().is_dir() {
                continue;
            }
            let Some((_, run)) = TARGETS.iter().find(|(t, _)| *t == name) else {
                panic!("tests/fuzz_regressions/{name}: no such fuzz target");
            };
            for f in std::fs::read_dir(e.path()).expect("read dir").flatten() {
                let data = std::fs::read(f.path()).expect("read input");
                run(&data);
                replayed += 1;
            }
        }
    }
    // The harnesses themselves must accept the edge inputs.
    for (_, run) in TARGETS {
        run(&[]);
        run(&[0]);
        run(&[0xff; 64]);
    }
    eprintln!("replayed {replayed} saved fuzz inputs");
}

/// The key-aware targets pick secrets from every lab key log.
#[test]
fn key_log_dictionary_lists_every_lab_key_log() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut missing = Vec::new();
    for e in std::fs::read_dir(&dir).expect("captures/").flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.ends_with(".keys.txt") && !fuzz_harness::KEY_LOGS.iter().any(|(n, _)| *n == name) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "add to KEY_LOGS in tests/fuzz_harness/mod.rs: {missing:?}"
    );
}

/// fuzz_regressions/pcapng_dsb/second-section-block-contents-longer-than-its-length-looped
/// (a real pcapng, captures/nla_ok.dsb.pcapng, mutated by the fuzzer, then
/// the lab frames and a 1.1 MiB secrets block): a block whose contents want
/// more bytes than its declared length made the reader grow its buffer and
/// retry forever. It must end with a warning that the file is damaged.
#[test]
fn block_contradicting_its_length_ends_the_read() {
    let data = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
            "tests/fuzz_regressions/pcapng_dsb/second-section-block-contents-longer-than-its-length-looped",
        ),
    )
    .expect("regression input");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let warnings = fuzz_harness::pcapng_dsb_warnings(&data);
        let _ = tx.send(warnings);
    });
    let warnings = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the reader loops on a block contradicting its length");
    assert!(
        warnings.iter().any(|w| w.contains("do not fit the")),
        "{warnings:?}"
    );
}
