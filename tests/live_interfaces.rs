//! `rdpdiag live -D` lists the capture interfaces with their flags and
//! addresses, and an unknown `-i` name is answered with the real ones (exit 2)
//! instead of a permissions hint. Through the host's libpcap; listing needs
//! no privileges, and every Linux machine has `lo`.

#![cfg(all(feature = "live", target_os = "linux"))]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_rdpdiag");

#[test]
fn list_interfaces_shows_loopback_with_its_flags_and_address() {
    for flag in ["-D", "--list-interfaces"] {
        let out = Command::new(BIN).args(["live", flag]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lo = text
            .split_inclusive('\n')
            .skip_while(|l| !l.ends_with(". lo\n"))
            .take_while(|l| l.starts_with(' ') || l.ends_with(". lo\n"))
            .collect::<String>();
        assert!(lo.contains("loopback"), "lo is flagged loopback:\n{text}");
        assert!(lo.contains("up"), "lo is up:\n{text}");
        assert!(lo.contains("127.0.0.1/8"), "lo has 127.0.0.1/8:\n{text}");
    }
}

#[test]
fn unknown_interface_lists_the_real_ones_and_exits_2() {
    let out = Command::new(BIN)
        .args(["live", "-i", "nosuch-if0", "--no-tui"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no capture interface named `nosuch-if0`"),
        "{err}"
    );
    assert!(
        err.contains(". lo\n"),
        "the real interfaces are listed: {err}"
    );
    assert!(!err.contains("setcap"), "not blamed on permissions: {err}");
}
