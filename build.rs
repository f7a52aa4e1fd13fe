//! Build script: on Windows, `wpcap.dll` (Npcap) becomes a *delay-loaded*
//! import when the `live` feature is on.
//!
//! The `pcap` crate links `wpcap` the ordinary way, so the exe would import
//! `wpcap.dll` at load time and refuse to start at all on a machine without
//! Npcap — or with Npcap in its default mode, whose DLLs live in
//! `System32\Npcap`, off the DLL search path. Delay-loading binds `wpcap.dll`
//! on the first pcap call instead: `analyze` never makes one, and `live` first
//! loads Npcap's wpcap.dll by full path and checks it (src/live_devices.rs,
//! npcap-preload/), so the delay-load binds to that module.
//!
//! - windows-gnu (also the cross-build from Linux): the import library is made
//!   here with mingw's `dlltool` from the list of functions below, as a delay
//!   import library; no Npcap SDK is needed.
//! - windows-msvc: `wpcap.lib` comes from the Npcap SDK (its `Lib\x64` in `LIB`,
//!   as the pcap crate documents); the linker is told `/DELAYLOAD:wpcap.dll`.

use std::env;
use std::path::PathBuf;
use std::process::Command;

/// The wpcap.dll functions the pcap crate (v2) declares for Windows, all of
/// them exported by Npcap. Functions that exist only as macros on Windows
/// (`pcap_fopen_offline`, `pcap_dump_fopen`) or only on Unix
/// (`pcap_get_selectable_fd`) are left out: the crate uses them only in code
/// compiled for Unix, and a reference to a missing one fails the link here
/// rather than at run time.
const WPCAP_EXPORTS: &[&str] = &[
    "pcap_activate",
    "pcap_breakloop",
    "pcap_close",
    "pcap_compile",
    "pcap_create",
    "pcap_datalink",
    "pcap_datalink_name_to_val",
    "pcap_datalink_val_to_description",
    "pcap_datalink_val_to_name",
    "pcap_dispatch",
    "pcap_dump",
    "pcap_dump_close",
    "pcap_dump_flush",
    "pcap_dump_open",
    "pcap_dump_open_append",
    "pcap_fileno",
    "pcap_findalldevs",
    "pcap_free_datalinks",
    "pcap_freealldevs",
    "pcap_freecode",
    "pcap_geterr",
    "pcap_getevent",
    "pcap_lib_version",
    "pcap_list_datalinks",
    "pcap_loop",
    "pcap_major_version",
    "pcap_minor_version",
    "pcap_next_ex",
    "pcap_offline_filter",
    "pcap_open_dead",
    "pcap_open_dead_with_tstamp_precision",
    "pcap_open_offline",
    "pcap_open_offline_with_tstamp_precision",
    "pcap_sendpacket",
    "pcap_sendqueue_alloc",
    "pcap_sendqueue_destroy",
    "pcap_sendqueue_queue",
    "pcap_sendqueue_transmit",
    "pcap_set_buffer_size",
    "pcap_set_datalink",
    "pcap_set_immediate_mode",
    "pcap_set_promisc",
    "pcap_set_rfmon",
    "pcap_set_snaplen",
    "pcap_set_timeout",
    "pcap_set_tstamp_precision",
    "pcap_set_tstamp_type",
    "pcap_setdirection",
    "pcap_setfilter",
    "pcap_setmintocopy",
    "pcap_setnonblock",
    "pcap_stats",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DLLTOOL");
    if env::var_os("CARGO_FEATURE_LIVE").is_none()
        || env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows")
    {
        return;
    }
    match env::var("CARGO_CFG_TARGET_ENV").as_deref() {
        Ok("gnu") => gnu_delay_import_library(),
        Ok("msvc") => {
            println!("cargo:rustc-link-arg=/DELAYLOAD:wpcap.dll");
            println!("cargo:rustc-link-lib=delayimp");
        }
        _ => println!(
            "cargo:warning=rdpdiag: wpcap.dll is not delay-loaded on this target; \
             the exe will not start without Npcap on the DLL search path"
        ),
    }
}

/// `libwpcap.a` in OUT_DIR, a delay import library for `wpcap.dll`, found by
/// the pcap crate's `-lwpcap` through the search path given here.
fn gnu_delay_import_library() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let machine = match env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("x86_64") => "i386:x86-64",
        Ok("aarch64") => "arm64",
        other => panic!(
            "rdpdiag: live capture on windows-gnu is supported for x86_64 and aarch64, not {other:?}; \
             build with --no-default-features --features probe"
        ),
    };
    let def = out.join("wpcap.def");
    let mut text = String::from("LIBRARY wpcap.dll\nEXPORTS\n");
    for f in WPCAP_EXPORTS {
        text.push_str(f);
        text.push('\n');
    }
    std::fs::write(&def, text).expect("write wpcap.def into OUT_DIR");
    let mut tried = Vec::new();
    for tool in dlltool_candidates() {
        // Relative names: dlltool puts the output's name into the delay
        // descriptor's symbol, and the build path does not belong there.
        let status = Command::new(&tool)
            .current_dir(&out)
            .args(["-m", machine, "-d", "wpcap.def", "-D", "wpcap.dll"])
            .args(["-y", "libwpcap.a"])
            .status();
        match status {
            Ok(s) if s.success() => {
                println!("cargo:rustc-link-search=native={}", out.display());
                return;
            }
            Ok(s) => panic!("rdpdiag: `{tool}` failed ({s}) making the wpcap.dll import library"),
            Err(e) => tried.push(format!("{tool}: {e}")),
        }
    }
    panic!(
        "rdpdiag: the `live` feature on windows-gnu needs mingw's dlltool to make the \
         wpcap.dll import library (Debian/Ubuntu: apt install mingw-w64 or binutils-mingw-w64-x86-64; \
         MSYS2: pacman -S mingw-w64-x86_64-binutils; or set DLLTOOL). Tried: {}. \
         Without live capture: --no-default-features --features probe",
        tried.join("; ")
    );
}

/// `$DLLTOOL`, then the cross tool named after the target, then `dlltool`.
fn dlltool_candidates() -> Vec<String> {
    let mut v = Vec::new();
    if let Ok(t) = env::var("DLLTOOL") {
        if !t.is_empty() {
            v.push(t);
        }
    }
    if let Ok(arch) = env::var("CARGO_CFG_TARGET_ARCH") {
        v.push(format!("{arch}-w64-mingw32-dlltool"));
    }
    v.push("dlltool".to_string());
    v
}
