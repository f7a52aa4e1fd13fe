//! The interfaces `rdpdiag live` can capture on: `live -D` lists them with
//! their descriptions, addresses and flags (on Windows the
//! `\Device\NPF_{GUID}` names mean nothing without them); an unknown `-i` name
//! is answered with the real ones instead of a permissions hint; on Windows,
//! Npcap's wpcap.dll is found and loaded before the first pcap call
//! (it is delay-loaded, see build.rs, so `analyze` runs without Npcap).

use std::ffi::OsStr;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// One capture interface, as libpcap / Npcap reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub description: Option<String>,
    /// Addresses as `ADDR/PREFIX` (or `ADDR` when the mask is unknown).
    pub addresses: Vec<String>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
    pub wireless: bool,
}

impl Interface {
    fn flags(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        if self.up {
            f.push("up");
        } else {
            f.push("down");
        }
        if self.running {
            f.push("running");
        }
        if self.loopback {
            f.push("loopback");
        }
        if self.wireless {
            f.push("wireless");
        }
        f
    }
}

/// `ADDR/PREFIX` from an address and its netmask.
pub fn address_text(addr: IpAddr, netmask: Option<IpAddr>) -> String {
    let prefix = match (addr, netmask) {
        (IpAddr::V4(_), Some(IpAddr::V4(m))) => Some(u32::from(m).count_ones()),
        (IpAddr::V6(_), Some(IpAddr::V6(m))) => Some(u128::from(m).count_ones()),
        _ => None,
    };
    match prefix {
        Some(p) => format!("{addr}/{p}"),
        None => addr.to_string(),
    }
}

/// The listing printed by `rdpdiag live -D`: one numbered block per interface.
pub fn format_list(ifaces: &[Interface]) -> String {
    let mut s = String::new();
    for (i, d) in ifaces.iter().enumerate() {
        s.push_str(&format!("{}. {}\n", i + 1, d.name));
        if let Some(desc) = d.description.as_deref().filter(|t| !t.is_empty()) {
            s.push_str(&format!("     {desc}\n"));
        }
        s.push_str(&format!("     [{}]", d.flags().join(", ")));
        if d.addresses.is_empty() {
            s.push_str(" no address\n");
        } else {
            s.push_str(&format!(" {}\n", d.addresses.join(", ")));
        }
    }
    s
}

/// The interface to open for `-i wanted`: the one of that name, else the only
/// one whose description is `wanted` (ignoring case). Otherwise an error that
/// lists the real ones.
pub fn resolve(wanted: &str, ifaces: &[Interface]) -> Result<String, String> {
    if ifaces.iter().any(|d| d.name == wanted) {
        return Ok(wanted.to_string());
    }
    let by_desc: Vec<&Interface> = ifaces
        .iter()
        .filter(|d| {
            d.description
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(wanted))
        })
        .collect();
    if let [one] = by_desc.as_slice() {
        return Ok(one.name.clone());
    }
    Err(format!(
        "there is no capture interface named `{wanted}`. The interfaces are:\n{}\
         Pass one of these names to -i (`rdpdiag live -D` lists them).",
        format_list(ifaces)
    ))
}

/// The interface used when `-i` is not given: the first one that is up,
/// running, not loopback and has an address; else the first one.
pub fn default_interface(ifaces: &[Interface]) -> Option<&Interface> {
    ifaces
        .iter()
        .find(|d| d.up && d.running && !d.loopback && !d.addresses.is_empty())
        .or_else(|| ifaces.first())
}

/// Where wpcap.dll is found on a Windows machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wpcap {
    /// Npcap's own directory (`System32\Npcap`), off the DLL search path:
    /// wpcap.dll is loaded from there by full path.
    NpcapDir(PathBuf),
    /// Already on the DLL search path (Npcap in WinPcap-compatible mode, or a
    /// directory in PATH).
    OnSearchPath(PathBuf),
    Missing,
}

/// What a Windows user without a usable Npcap is told.
pub const NPCAP_HELP: &str = "Live capture on Windows needs Npcap (https://npcap.com; \
     the default install options are enough, WinPcap-compatible mode is not needed); \
     if it was installed with \"Restrict Npcap driver's access to Administrators only\", \
     run rdpdiag from an elevated prompt. \
     Without Npcap, capture with pktmon or Wireshark and run `rdpdiag analyze FILE` \
     (docs/getting-started.md, \"On Windows\")";

/// Find wpcap.dll: Npcap's directory first (what Npcap recommends to
/// applications), then System32 and PATH. `exists` is `Path::is_file`
/// outside tests.
pub fn locate_wpcap(system_root: &Path, path_var: &OsStr, exists: impl Fn(&Path) -> bool) -> Wpcap {
    let system32 = system_root.join("System32");
    let npcap = system32.join("Npcap");
    if exists(&npcap.join("wpcap.dll")) {
        return Wpcap::NpcapDir(npcap);
    }
    std::iter::once(system32)
        .chain(std::env::split_paths(path_var))
        .find(|d| exists(&d.join("wpcap.dll")))
        .map_or(Wpcap::Missing, Wpcap::OnSearchPath)
}

/// The wpcap.dll functions `rdpdiag live -D` reaches (through the pcap crate).
pub const WPCAP_LIST: &[&str] = &["pcap_findalldevs", "pcap_freealldevs"];

/// The wpcap.dll functions a capture reaches (through the pcap crate): a
/// wpcap.dll without one of them (WinPcap 4.1.3 and Wine 8 lack
/// `pcap_set_immediate_mode`) is refused before the first call instead of
/// ending the process in the delay-load helper.
pub const WPCAP_CAPTURE: &[&str] = &[
    "pcap_create",
    "pcap_set_promisc",
    "pcap_set_snaplen",
    "pcap_set_immediate_mode",
    "pcap_set_timeout",
    "pcap_activate",
    "pcap_setnonblock",
    "pcap_compile",
    "pcap_setfilter",
    "pcap_freecode",
    "pcap_datalink",
    "pcap_next_ex",
    "pcap_stats",
    "pcap_geterr",
    "pcap_close",
];

/// Before the first pcap call on Windows: load wpcap.dll by full path (the
/// delay-loaded imports then bind to it) and check that it exports `needs`,
/// or say what to install. A no-op elsewhere.
#[cfg(all(windows, feature = "live"))]
pub fn prepare_wpcap(needs: &[&str]) -> Result<(), String> {
    let root = std::env::var_os("SystemRoot")
        .or_else(|| std::env::var_os("windir"))
        .map_or_else(|| PathBuf::from(r"C:\Windows"), PathBuf::from);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dir = match locate_wpcap(&root, &path, Path::is_file) {
        Wpcap::NpcapDir(d) | Wpcap::OnSearchPath(d) => d,
        Wpcap::Missing => {
            return Err(format!(
                "wpcap.dll was found neither in System32\\Npcap nor on the DLL search path. {NPCAP_HELP}"
            ))
        }
    };
    let dll = std::path::absolute(dir.join("wpcap.dll"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    npcap_preload::preload(&dll, needs).map_err(|e| {
        format!(
            "{}: {e} (an old WinPcap or a 32-bit wpcap.dll does not do). {NPCAP_HELP}",
            dll.display()
        )
    })
}

#[cfg(not(all(windows, feature = "live")))]
pub fn prepare_wpcap(_needs: &[&str]) -> Result<(), String> {
    Ok(())
}

/// The interfaces libpcap / Npcap can capture on.
#[cfg(feature = "live")]
pub fn list() -> Result<Vec<Interface>, String> {
    prepare_wpcap(WPCAP_LIST)?;
    let devs = pcap::Device::list().map_err(|e| format!("cannot list interfaces: {e}"))?;
    Ok(devs
        .into_iter()
        .map(|d| Interface {
            addresses: d
                .addresses
                .iter()
                .map(|a| address_text(a.addr, a.netmask))
                .collect(),
            up: d.flags.is_up(),
            running: d.flags.is_running(),
            loopback: d.flags.is_loopback(),
            wireless: d.flags.is_wireless(),
            name: d.name,
            description: d.desc,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, desc: Option<&str>, up: bool, lo: bool, addr: &[&str]) -> Interface {
        Interface {
            name: name.into(),
            description: desc.map(Into::into),
            addresses: addr.iter().map(|a| a.to_string()).collect(),
            up,
            running: up,
            loopback: lo,
            wireless: false,
        }
    }

    fn sample() -> Vec<Interface> {
        vec![
            iface(
                r"\Device\NPF_{5A3D1E43-7B1C-4C58-9F0E-2B8D6E1A7C90}",
                Some("Intel(R) Ethernet Connection I219-LM"),
                true,
                false,
                &["192.168.1.23/24"],
            ),
            iface(
                r"\Device\NPF_Loopback",
                Some("Adapter for loopback traffic capture"),
                true,
                true,
                &[],
            ),
        ]
    }

    #[test]
    fn listing_shows_descriptions_flags_and_addresses() {
        let s = format_list(&sample());
        assert!(s.contains("1. \\Device\\NPF_{5A3D1E43"), "{s}");
        assert!(
            s.contains("     Intel(R) Ethernet Connection I219-LM\n"),
            "{s}"
        );
        assert!(s.contains("[up, running] 192.168.1.23/24"), "{s}");
        assert!(s.contains("[up, running, loopback] no address"), "{s}");
    }

    #[test]
    fn unknown_name_lists_the_real_ones() {
        let e = resolve("eth0", &sample()).unwrap_err();
        assert!(e.contains("no capture interface named `eth0`"), "{e}");
        assert!(e.contains("Intel(R) Ethernet Connection I219-LM"), "{e}");
        assert!(!e.contains("root"), "no permissions hint: {e}");
    }

    #[test]
    fn a_name_or_a_unique_description_resolves() {
        let l = sample();
        assert_eq!(resolve(&l[1].name, &l).unwrap(), l[1].name);
        assert_eq!(
            resolve("intel(r) ethernet connection i219-lm", &l).unwrap(),
            l[0].name
        );
    }

    #[test]
    fn default_is_the_first_live_non_loopback_with_an_address() {
        let mut l = sample();
        l.reverse();
        assert_eq!(default_interface(&l).map(|d| &d.name), Some(&l[1].name));
        assert!(default_interface(&[]).is_none());
    }

    #[test]
    fn address_prefix_from_netmask() {
        let a: IpAddr = "10.1.2.3".parse().unwrap();
        let m: IpAddr = "255.255.252.0".parse().unwrap();
        assert_eq!(address_text(a, Some(m)), "10.1.2.3/22");
        assert_eq!(address_text(a, None), "10.1.2.3");
        let a6: IpAddr = "fe80::1".parse().unwrap();
        let m6: IpAddr = "ffff:ffff:ffff:ffff::".parse().unwrap();
        assert_eq!(address_text(a6, Some(m6)), "fe80::1/64");
    }

    #[test]
    fn npcap_directory_comes_first_then_the_search_path() {
        let root = Path::new("/win");
        let npcap = root.join("System32").join("Npcap");
        let both =
            |p: &Path| p == npcap.join("wpcap.dll") || p == root.join("System32").join("wpcap.dll");
        assert_eq!(
            locate_wpcap(root, OsStr::new(""), both),
            Wpcap::NpcapDir(npcap.clone())
        );
        let compat = |p: &Path| p == root.join("System32").join("wpcap.dll");
        assert_eq!(
            locate_wpcap(root, OsStr::new(""), compat),
            Wpcap::OnSearchPath(root.join("System32"))
        );
        let path = std::env::join_paths([Path::new("/a"), Path::new("/b")]).unwrap();
        let in_b = |p: &Path| p == Path::new("/b").join("wpcap.dll");
        assert_eq!(
            locate_wpcap(root, &path, in_b),
            Wpcap::OnSearchPath(PathBuf::from("/b"))
        );
        assert_eq!(locate_wpcap(root, &path, |_| false), Wpcap::Missing);
    }
}
