//! Smoke test of the cross-built Windows exe under Wine: it starts and
//! analyzes captures/hybrid_required_by_server.pcap exactly as the native
//! build does even with wpcap.dll disabled (wpcap.dll is delay-loaded, see
//! build.rs: a machine without Npcap can still analyze) and `live` then says
//! what to install; `live -D` lists interfaces through Wine's own wpcap.dll
//! (which wraps the host's libpcap) when that works.
//!
//! Uses the exe in $RDPDIAG_WINDOWS_EXE, else
//! target/x86_64-pc-windows-gnu/debug/rdpdiag.exe (made by
//! `cargo build --target x86_64-pc-windows-gnu`, as .ci/run does), and `wine`,
//! `wine64` or /usr/lib/wine/wine64 (Debian's wine64). Skips with a message
//! when either is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_rdpdiag");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CAPTURE: &str = "captures/hybrid_required_by_server.pcap";

fn find_wine() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").into_iter().flat_map(|p| {
        std::env::split_paths(&p)
            .flat_map(|d| [d.join("wine"), d.join("wine64")])
            .collect::<Vec<_>>()
    });
    on_path
        .chain([PathBuf::from("/usr/lib/wine/wine64")])
        .find(|p| p.is_file())
}

fn find_exe() -> Option<PathBuf> {
    std::env::var_os("RDPDIAG_WINDOWS_EXE")
        .map(PathBuf::from)
        .or_else(|| Some(Path::new(ROOT).join("target/x86_64-pc-windows-gnu/debug/rdpdiag.exe")))
        .filter(|p| p.is_file())
}

/// The exe copied into `dir`, with the Wine 8 stand-in for
/// bcryptprimitives.dll next to it when mingw can build it
/// (tests/wine/bcryptprimitives_stub.c says why).
fn stage(exe: &Path, dir: &Path) -> PathBuf {
    let staged = dir.join("rdpdiag.exe");
    std::fs::copy(exe, &staged).unwrap();
    let built = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-shared", "-O2", "-o"])
        .arg(dir.join("bcryptprimitives.dll"))
        .arg(Path::new(ROOT).join("tests/wine/bcryptprimitives_stub.c"))
        .args(["-ladvapi32", "-Wl,--export-all-symbols"])
        .status();
    if !matches!(built, Ok(s) if s.success()) {
        eprintln!("note: no bcryptprimitives.dll stand-in (mingw gcc missing); Wine < 9 will not start the exe");
    }
    staged
}

fn wine(wine: &Path, exe: &Path, args: &[&str], overrides: &str) -> Output {
    // One prefix reused across runs: making one takes seconds and ~700 MB.
    let prefix = std::env::var_os("WINEPREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("wineprefix"));
    Command::new(wine)
        .arg(exe)
        .args(args)
        .current_dir(ROOT)
        .env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", overrides)
        .output()
        .unwrap()
}

#[test]
fn windows_exe_starts_and_analyzes_under_wine_without_wpcap() {
    let (Some(wine_bin), Some(exe)) = (find_wine(), find_exe()) else {
        eprintln!(
            "SKIPPED: needs wine (Debian: apt install wine64) and the cross-built exe \
             (cargo build --target x86_64-pc-windows-gnu, or RDPDIAG_WINDOWS_EXE)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let exe = stage(&exe, dir.path());

    // wpcap=d: Wine refuses to load wpcap.dll, as a machine without Npcap
    // would; a load-time import would stop the exe here.
    let v = wine(&wine_bin, &exe, &["--version"], "wpcap=d");
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&v.stderr)
    );
    assert!(text.starts_with("rdpdiag "), "{text}");
    assert!(text.contains("live"), "the default features are in: {text}");

    let native = Command::new(BIN)
        .args(["analyze", CAPTURE])
        .current_dir(ROOT)
        .output()
        .unwrap();
    let win = wine(&wine_bin, &exe, &["analyze", CAPTURE], "wpcap=d");
    assert_eq!(
        String::from_utf8_lossy(&win.stdout),
        String::from_utf8_lossy(&native.stdout),
        "{}",
        String::from_utf8_lossy(&win.stderr)
    );
    assert_eq!(win.status.code(), native.status.code());
    assert!(String::from_utf8_lossy(&win.stdout).contains("HYBRID_REQUIRED_BY_SERVER"));

    // And live capture says what is missing instead of dying in the
    // delay-load helper (an unhandled exception).
    let live = wine(&wine_bin, &exe, &["live", "-D"], "wpcap=d");
    let err = String::from_utf8_lossy(&live.stderr);
    assert_eq!(live.status.code(), Some(2), "{err}");
    assert!(err.contains("wpcap.dll: cannot load it"), "{err}");
    assert!(err.contains("https://npcap.com"), "{err}");
}

#[test]
fn windows_exe_lists_interfaces_under_wine() {
    let (Some(wine_bin), Some(exe)) = (find_wine(), find_exe()) else {
        eprintln!("SKIPPED: needs wine and the cross-built exe (see the other test)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let exe = stage(&exe, dir.path());
    let list = wine(&wine_bin, &exe, &["live", "-D"], "");
    let text = String::from_utf8_lossy(&list.stdout);
    if list.status.code() != Some(0) {
        // Wine's wpcap.dll wraps the host's libpcap; without it there is
        // nothing to list, and the exe must say so rather than crash.
        eprintln!(
            "SKIPPED the listing: Wine's wpcap.dll gave no interfaces: {}",
            String::from_utf8_lossy(&list.stderr)
        );
        assert_eq!(list.status.code(), Some(2));
        return;
    }
    // Npcap-style names, described by the host's interface names.
    assert!(text.contains("\\Device\\NPF_{"), "{text}");
    assert!(text.contains("\n     lo\n"), "{text}");
    let bad = wine(
        &wine_bin,
        &exe,
        &["live", "-i", "nosuch-if0", "--no-tui"],
        "",
    );
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no capture interface named `nosuch-if0`"),
        "{err}"
    );
    assert!(err.contains("\\Device\\NPF_{"), "{err}");
}
