//! Helpers shared by the parser crate's integration tests.

/// A test that cannot run here says so: `SKIPPED: <test>: <reason>` on
/// stderr, and the same line appended to `target/tmp/test-skips.txt`, which
/// `.ci/run` counts at the end of the run (the root crate's tests/common does
/// the same; a test crate cannot share a module with another package).
pub fn skip(test: &str, reason: &str) {
    use std::io::Write;
    let line = format!("SKIPPED: {test}: {reason}");
    eprintln!("{line}");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-skips.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}
