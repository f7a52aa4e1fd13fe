//! The HTML report renders in a real browser: headless Chromium takes a
//! screenshot of the report of a bundled failing capture, and the picture
//! has the right size, is not blank, and shows the failure colour (the red
//! of the failing step in the ladder and of the cause).
//!
//! Skipped, with a message, when neither `chromium` nor `chromium-browser`
//! is installed (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 1600;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn write_report(capture: &str, out: &Path) {
    let home = tempfile::tempdir().expect("tempdir");
    let o = Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["analyze", "--format", "html", capture])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_CONFIG_HOME", home.path())
        .env("HOME", home.path())
        .env_remove("SSLKEYLOGFILE")
        .output()
        .expect("rdpdiag runs");
    assert!(
        !o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::write(out, &o.stdout).expect("write the report");
}

fn screenshot(browser: &str, html: &Path, png: &Path, profile: &Path) {
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    assert!(
        png.exists(),
        "no screenshot; chromium said: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// RGB pixels of a PNG, with its size.
fn decode(png: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let file = std::fs::File::open(png).expect("open the screenshot");
    let mut dec = png::Decoder::new(std::io::BufReader::new(file));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let step = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        other => panic!("unexpected colour type {other:?}"),
    };
    let px = buf[..info.buffer_size()]
        .chunks_exact(step)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, px)
}

/// The failing step's red (#d32f2f, #c62828, #b71c1c, #b3261e and their
/// antialiased edges): strongly red, little green and blue.
fn is_failure_red(p: [u8; 3]) -> bool {
    let [r, g, b] = p;
    r >= 150 && g <= 70 && b <= 70
}

#[test]
fn chromium_renders_the_report_of_a_failing_capture() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: neither `chromium` nor `chromium-browser` is installed (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("report.html");
    let png = dir.path().join("report.png");
    // captures/cert_expired_strict.pcap fails at tls: frames 12 and 16 are
    // the failing steps of its one ladder.
    write_report("captures/cert_expired_strict.pcap", &html);
    let profile: PathBuf = dir.path().join("profile");
    screenshot(browser, &html, &png, &profile);

    let (w, h, px) = decode(&png);
    assert_eq!((w, h), (WIDTH, HEIGHT), "screenshot size");
    let red = px.iter().filter(|p| is_failure_red(**p)).count();
    assert!(
        red > 500,
        "only {red} failure-red pixels: the failing step is not drawn"
    );
    // Not a blank page: dark text pixels and several distinct colours.
    let dark = px.iter().filter(|p| p.iter().all(|c| *c < 90)).count();
    assert!(dark > 2000, "only {dark} dark pixels: no text rendered");
    let mut colours: Vec<[u8; 3]> = px.iter().step_by(7).copied().collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 50, "only {} colours", colours.len());
    // The ladder's red sits in its band of the page, not only in the header:
    // the lower half of the picture (the ladder) has failure red too.
    let lower = px[(WIDTH * HEIGHT / 2) as usize..]
        .iter()
        .filter(|p| is_failure_red(**p))
        .count();
    assert!(lower > 100, "no failure red in the ladder half ({lower})");
}
