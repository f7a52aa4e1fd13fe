//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// A test that cannot run here says so: `SKIPPED: <test>: <reason>` on
/// stderr, and the same line appended to `target/tmp/test-skips.txt`, which
/// `.ci/run` counts at the end of the run (cargo shows a passing test's
/// stderr only with `--nocapture`).
#[allow(dead_code)]
pub fn skip(test: &str, reason: &str) {
    use std::io::Write;
    let line = format!("SKIPPED: {test}: {reason}");
    eprintln!("{line}");
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-skips.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}

/// `shared/captures` found from env `RDPDIAG_SHARED` or by walking up from the crate.
#[allow(dead_code)]
pub fn shared_captures() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("RDPDIAG_SHARED") {
        let p = PathBuf::from(p);
        for cand in [p.join("captures"), p.clone()] {
            if cand.join("lab").is_dir() {
                return Some(cand);
            }
        }
    }
    let mut dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")));
    while let Some(d) = dir {
        let cand = d.join("shared").join("captures");
        if cand.join("lab").is_dir() {
            return Some(cand);
        }
        dir = d.parent();
    }
    None
}

/// The TCP connection records of an `rdpdiag/2` `files[]` entry: they are
/// inside its attempts (`"transport": "tcp"`).
#[allow(dead_code)]
pub fn tcp_records(file: &serde_json::Value) -> usize {
    file["attempts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|a| a["connections"].as_array().into_iter().flatten())
        .filter(|c| c["transport"] == "tcp")
        .count()
}
