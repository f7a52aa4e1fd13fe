//! `rdpdiag probe` against real servers started by each test: xrdp 0.9 on
//! loopback with known configurations, freerdp-shadow-cli for NLA, a closed
//! port, and an address inside a network namespace that drops everything.
//! Configurations follow ../shared/lab/make_captures.sh. Each test uses its
//! own port, so they run in parallel; servers are killed by Drop guards even
//! when an assertion fails. Tests skip (with a printed reason) when not root
//! or when a server binary is missing; CI (.ci/run) installs them.
#![cfg(feature = "probe")]

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rdpdiag");

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn which(b: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(b).is_file()))
}

/// Skip unless root and every binary exists.
fn ready(test: &str, bins: &[&str]) -> bool {
    if !is_root() {
        common::skip(
            &format!("probe_servers::{test}"),
            "needs root (servers, network namespaces)",
        );
        return false;
    }
    if bins.contains(&"xrdp") && !Path::new("/etc/xrdp/xrdp.ini").is_file() {
        common::skip(
            &format!("probe_servers::{test}"),
            "/etc/xrdp/xrdp.ini missing",
        );
        return false;
    }
    for b in bins {
        if !which(b) {
            common::skip(&format!("probe_servers::{test}"), &format!("{b} not installed (apt-get install xrdp freerdp2-shadow-x11 winpr-utils xvfb openssl iproute2)"));
            return false;
        }
    }
    true
}

/// Kills its processes on drop (test failure included).
struct Procs(Vec<Child>, PathBuf);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rdpdiag-probe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Something listens on TCP `port` (reads /proc/net/tcp{,6}: no connection made).
fn listening(port: u16) -> bool {
    let want = format!(":{port:04X} ");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|f| {
        std::fs::read_to_string(f).is_ok_and(|s| {
            s.lines().any(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.len() > 3 && format!("{} ", cols[1]).ends_with(&want) && cols[3] == "0A"
            })
        })
    })
}

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(
            t0.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sh(cmd: &str, dir: &Path) {
    let st = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("sh");
    assert!(st.success(), "failed: {cmd}");
}

/// A self-signed certificate; `expired` makes it valid 2020-01-01..2021-01-01
/// (`openssl ca -selfsign` with explicit dates: no faketime needed).
fn make_cert(dir: &Path, cn: &str, expired: bool) -> (PathBuf, PathBuf) {
    if expired {
        std::fs::write(dir.join("index.txt"), "").expect("index");
        std::fs::write(dir.join("serial"), "01\n").expect("serial");
        std::fs::write(
            dir.join("ca.cnf"),
            "[ca]\ndefault_ca = d\n[d]\ndir = .\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n",
        )
        .expect("ca.cnf");
        sh(&format!("openssl req -new -newkey rsa:2048 -nodes -keyout cert.key -out cert.csr -subj /CN={cn}"), dir);
        sh("openssl ca -batch -config ca.cnf -selfsign -keyfile cert.key -in cert.csr -out cert.pem -startdate 20200101000000Z -enddate 20210101000000Z -notext", dir);
    } else {
        sh(&format!("openssl req -x509 -newkey rsa:2048 -nodes -sha256 -keyout cert.key -out cert.pem -subj /CN={cn} -days 365"), dir);
    }
    (dir.join("cert.pem"), dir.join("cert.key"))
}

/// xrdp with the packaged xrdp.ini and these [Globals] overrides (like the
/// lab's mk_xrdp_ini), listening on 127.0.0.1:`port`.
fn start_xrdp(name: &str, port: u16, overrides: &[String], cert: Option<&str>) -> Procs {
    let dir = tmpdir(name);
    let mut kv: Vec<String> = overrides.to_vec();
    kv.push(format!("port=tcp://127.0.0.1:{port}"));
    kv.push("fork=false".into());
    if let Some(cn) = cert {
        let (c, k) = make_cert(&dir, cn, name.contains("expired"));
        kv.push(format!("certificate={}", c.display()));
        kv.push(format!("key_file={}", k.display()));
    }
    let keys: Vec<String> = kv
        .iter()
        .map(|s| s.split('=').next().unwrap_or("").to_string())
        .collect();
    let base = std::fs::read_to_string("/etc/xrdp/xrdp.ini").expect("/etc/xrdp/xrdp.ini");
    let mut out = String::new();
    let mut sect = String::new();
    for line in base.lines() {
        if line.starts_with('[') {
            sect = line.to_string();
        }
        let key = line
            .trim_start_matches(['#', ';'])
            .split('=')
            .next()
            .unwrap_or("");
        if sect == "[Globals]" && keys.iter().any(|k| k == key) {
            continue;
        }
        if sect == "[Logging]"
            && ["LogFile", "LogLevel", "EnableSyslog", "EnableConsole"].contains(&key)
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if line == "[Globals]" {
            for x in &kv {
                out.push_str(x);
                out.push('\n');
            }
        }
        if line == "[Logging]" {
            out.push_str(&format!(
                "LogFile={}\nLogLevel=DEBUG\nEnableSyslog=false\nEnableConsole=false\n",
                dir.join("xrdp.log").display()
            ));
        }
    }
    let ini = dir.join("xrdp.ini");
    std::fs::write(&ini, out).expect("xrdp.ini");
    let child = Command::new("xrdp")
        .arg("-n")
        .arg("-c")
        .arg(&ini)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xrdp");
    let p = Procs(vec![child], dir);
    wait_until("xrdp to listen", 30, || listening(port));
    p
}

/// Run the probe; (exit code, JSON document).
fn probe(args: &[&str]) -> (i32, Value) {
    probe_in(None, args)
}

fn probe_in(netns: Option<&str>, args: &[&str]) -> (i32, Value) {
    let mut cmd = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, BIN]);
            c
        }
        None => Command::new(BIN),
    };
    let out = cmd
        .arg("probe")
        .args(args)
        .args(["--format", "json"])
        .args(if args.contains(&"--timeout") {
            &[][..]
        } else {
            &["--timeout", "3"][..]
        })
        .output()
        .expect("run rdpdiag");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "probe JSON: {e}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&doc["probe"]).unwrap_or_default()
    );
    (out.status.code().unwrap_or(-1), doc)
}

fn finding_ids(doc: &Value) -> Vec<String> {
    doc["probe"]["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The matrix row for a requestedProtocols value.
fn row(doc: &Value, requested: u64) -> Value {
    doc["probe"]["negotiation"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|r| r["requested_value"] == requested)
                .cloned()
        })
        .unwrap_or(Value::Null)
}

fn tls_version(doc: &Value, v: &str) -> Value {
    doc["probe"]["tls"]["versions"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["version"] == v).cloned())
        .unwrap_or(Value::Null)
}

/// `rdpdiag analyze` reads the probe's pcapng without an input error or a
/// warning and sees at least `min_conns` TCP connections.
fn assert_analyzes_cleanly(pcap: &Path, port: u16, min_conns: usize) {
    let out = Command::new(BIN)
        .args(["analyze", "--format", "json", "--port", &port.to_string()])
        .arg(pcap)
        .output()
        .expect("analyze");
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a: Value = serde_json::from_slice(&out.stdout).expect("analyze JSON");
    let f = &a["files"][0];
    assert_eq!(
        f["warnings"].as_array().map(Vec::len),
        Some(0),
        "{}",
        f["warnings"]
    );
    let conns = common::tcp_records(f);
    assert!(
        conns >= min_conns,
        "expected every probe connection, got {conns}"
    );
}

#[test]
fn xrdp_tls_only() {
    if !ready("xrdp_tls_only", &["xrdp", "openssl"]) {
        return;
    }
    let port = 47311;
    let _srv = start_xrdp("tls", port, &["security_layer=tls".into()], Some("rdp-srv"));
    let dir = tmpdir("tls-out");
    let pcap = dir.join("probe.pcapng");
    let target = format!("127.0.0.1:{port}");
    let (code, doc) = probe(&[&target, "--write", pcap.to_str().unwrap_or("")]);
    let p = &doc["probe"];
    assert_eq!(doc["schema"], "rdpdiag-probe/1");
    assert_eq!(p["tcp"][0]["outcome"], "connected");
    assert_eq!(row(&doc, 0)["failure_code"], "SSL_REQUIRED_BY_SERVER");
    assert_eq!(row(&doc, 1)["selected"], "PROTOCOL_SSL");
    assert_eq!(p["mstsc_default"], "PROTOCOL_SSL");
    assert_eq!(p["nla_required"], false);
    assert_eq!(p["tls"]["negotiated_version"], "TLS 1.3");
    assert_eq!(tls_version(&doc, "TLS 1.2")["accepted"], true);
    assert_eq!(tls_version(&doc, "TLS 1.1")["accepted"], false);
    assert_eq!(tls_version(&doc, "TLS 1.0")["accepted"], false);
    assert_eq!(p["tls"]["certificates"][0]["subject"], "CN=rdp-srv");
    let ids = finding_ids(&doc);
    for id in [
        "negotiation.nla_not_required",
        "certificate.self_signed",
        "certificate.name_mismatch",
    ] {
        assert!(ids.iter().any(|i| i == id), "missing {id} in {ids:?}");
    }
    assert!(!ids.iter().any(|i| i == "certificate.expired"), "{ids:?}");
    assert_eq!(code, 0, "no error-level finding for a working TLS server");

    // The written capture analyzes cleanly: it reads, has no warnings, and
    // holds the probe's connections and its TLS secrets.
    assert_analyzes_cleanly(&pcap, port, 10);
    let bytes = std::fs::read(&pcap).expect("pcapng");
    assert!(
        bytes.windows(4).any(|w| w
            == b"TLSK"
                .iter()
                .rev()
                .copied()
                .collect::<Vec<u8>>()
                .as_slice()),
        "no Decryption Secrets Block"
    );
    assert!(String::from_utf8_lossy(&bytes).contains("CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn xrdp_standard_rdp_security_only() {
    if !ready("xrdp_standard_rdp_security_only", &["xrdp"]) {
        return;
    }
    let port = 47312;
    let _srv = start_xrdp("rdp", port, &["security_layer=rdp".into()], None);
    let (code, doc) = probe(&[&format!("127.0.0.1:{port}")]);
    let p = &doc["probe"];
    assert_eq!(row(&doc, 0)["selected"], "PROTOCOL_RDP");
    assert_eq!(row(&doc, 0xB)["selected"], "PROTOCOL_RDP");
    assert_eq!(p["mstsc_default"], "PROTOCOL_RDP");
    assert!(p["tls"].is_null(), "no TLS channel exists");
    let ids = finding_ids(&doc);
    assert!(
        ids.iter()
            .any(|i| i == "negotiation.downgraded_to_standard_security"),
        "{ids:?}"
    );
    // loopback answers a closed UDP port with ICMP port unreachable
    assert_eq!(p["udp"]["result"], "port_unreachable");
    assert_eq!(code, 0);
}

#[test]
fn xrdp_expired_certificate() {
    if !ready("xrdp_expired_certificate", &["xrdp", "openssl"]) {
        return;
    }
    let port = 47313;
    let _srv = start_xrdp(
        "expired",
        port,
        &["security_layer=tls".into()],
        Some("expired.lab"),
    );
    let (code, doc) = probe(&[&format!("127.0.0.1:{port}"), "--no-udp"]);
    let c = &doc["probe"]["tls"]["certificates"][0];
    assert_eq!(c["validity_at_capture"], "expired");
    assert_eq!(c["not_after"], "2021-01-01T00:00:00Z");
    let ids = finding_ids(&doc);
    assert!(ids.iter().any(|i| i == "certificate.expired"), "{ids:?}");
    assert_eq!(code, 1, "an expired certificate is an error");
}

#[test]
fn xrdp_tls12_only() {
    if !ready("xrdp_tls12_only", &["xrdp", "openssl"]) {
        return;
    }
    let port = 47314;
    let _srv = start_xrdp(
        "tls12",
        port,
        &["security_layer=tls".into(), "ssl_protocols=TLSv1.2".into()],
        Some("rdp-srv"),
    );
    let (_, doc) = probe(&[&format!("127.0.0.1:{port}"), "--no-udp"]);
    let t = &doc["probe"]["tls"];
    assert_eq!(t["negotiated_version"], "TLS 1.2");
    assert!(
        t["cipher_suite"]
            .as_str()
            .is_some_and(|s| s.starts_with("TLS_ECDHE_")),
        "{t}"
    );
    assert_eq!(tls_version(&doc, "TLS 1.3")["accepted"], false);
    assert_eq!(tls_version(&doc, "TLS 1.2")["accepted"], true);
    assert_eq!(tls_version(&doc, "TLS 1.0")["accepted"], false);
}

#[test]
fn xrdp_restricted_cipher_list() {
    if !ready("xrdp_restricted_cipher_list", &["xrdp", "openssl"]) {
        return;
    }
    let port = 47315;
    let _srv = start_xrdp(
        "ciphers",
        port,
        &[
            "security_layer=tls".into(),
            "ssl_protocols=TLSv1.2".into(),
            "tls_ciphers=AES128-SHA".into(),
        ],
        Some("rdp-srv"),
    );
    let (_, doc) = probe(&[&format!("127.0.0.1:{port}"), "--no-udp"]);
    let t = &doc["probe"]["tls"];
    // rustls offers only AEAD suites: no common suite.
    assert!(
        t["error"]
            .as_str()
            .is_some_and(|e| e.contains("handshake_failure")),
        "{t}"
    );
    assert_eq!(tls_version(&doc, "TLS 1.2")["accepted"], false);
    // A ClientHello with the older suites gets the server's only one.
    let legacy = tls_version(&doc, "TLS 1.2 (legacy suites)");
    assert_eq!(legacy["accepted"], true, "{legacy}");
    assert!(
        legacy["detail"]
            .as_str()
            .is_some_and(|d| d.contains("TLS_RSA_WITH_AES_128_CBC_SHA")),
        "{legacy}"
    );
    // The chain still comes out, in clear after that ServerHello.
    assert_eq!(t["certificates"][0]["subject"], "CN=rdp-srv", "{t}");
    let ids = finding_ids(&doc);
    assert!(
        ids.iter().any(|i| i == "tls.modern_suites_refused"),
        "{ids:?}"
    );
}

/// Is X display `n` free? A lock left by an Xvfb that no longer runs (the
/// guards kill servers with SIGKILL, so Xvfb cannot clean up) is stale: it
/// and its socket are removed.
fn display_free(n: u32) -> bool {
    let lock = format!("/tmp/.X{n}-lock");
    let sock = format!("/tmp/.X11-unix/X{n}");
    if let Ok(text) = std::fs::read_to_string(&lock) {
        let alive = text
            .trim()
            .parse::<u32>()
            .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if alive {
            return false;
        }
        let _ = std::fs::remove_file(&lock);
        let _ = std::fs::remove_file(&sock);
    }
    !Path::new(&lock).exists() && !Path::new(&sock).exists()
}

/// freerdp-shadow-cli on an Xvfb display of its own (searched from
/// `display_from`), with a SAM file for labuser, like the lab.
fn start_shadow(name: &str, port: u16, display_from: u32, args: &[&str]) -> (Procs, PathBuf) {
    let dir = tmpdir(name);
    let mut procs = Procs(Vec::new(), dir.clone());
    let disp = (display_from..display_from + 20)
        .find(|n| display_free(*n))
        .expect("a free X display");
    procs.0.push(
        Command::new("Xvfb")
            .arg(format!(":{disp}"))
            .args(["-nolisten", "tcp", "-noreset", "-screen", "0", "800x600x24"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb"),
    );
    wait_until("Xvfb", 30, || {
        Path::new(&format!("/tmp/.X11-unix/X{disp}")).exists()
    });
    let sam = Command::new("winpr-hash")
        .args(["-u", "labuser", "-p", "Passw0rd!", "-f", "sam"])
        .output()
        .expect("winpr-hash");
    std::fs::write(dir.join("sam.txt"), &sam.stdout).expect("sam");
    procs.0.push(
        Command::new("freerdp-shadow-cli")
            .arg(format!("/port:{port}"))
            .args(args)
            .arg(format!("/sam-file:{}", dir.join("sam.txt").display()))
            .env("DISPLAY", format!(":{disp}"))
            .env("HOME", &dir)
            .env("XDG_CONFIG_HOME", dir.join(".config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("freerdp-shadow-cli"),
    );
    wait_until("freerdp-shadow-cli to listen", 30, || listening(port));
    (procs, dir)
}

#[test]
fn shadow_standard_security_only() {
    if !ready(
        "shadow_standard_security_only",
        &["freerdp-shadow-cli", "Xvfb", "winpr-hash"],
    ) {
        return;
    }
    let port = 47318;
    let (_procs, _) = start_shadow("shadowrdp", port, 140, &["/sec:rdp"]);
    let (code, doc) = probe(&[&format!("127.0.0.1:{port}"), "--no-udp"]);
    assert_eq!(row(&doc, 0)["selected"], "PROTOCOL_RDP");
    assert_eq!(row(&doc, 0xB)["failure_code"], "SSL_NOT_ALLOWED_BY_SERVER");
    assert_eq!(doc["probe"]["nla_required"], false);
    let ids = finding_ids(&doc);
    // mstsc falls back to Standard RDP Security: a warning, not a failure.
    assert!(
        ids.iter()
            .any(|i| i == "negotiation.downgraded_to_standard_security"),
        "{ids:?}"
    );
    assert!(!ids.iter().any(|i| i == "negotiation.failure"), "{ids:?}");
    assert_eq!(code, 0);
}

#[test]
fn shadow_nla_challenge() {
    if !ready(
        "shadow_nla_challenge",
        &["freerdp-shadow-cli", "Xvfb", "winpr-hash"],
    ) {
        return;
    }
    let port = 47316;
    let (_procs, dir) = start_shadow("nla", port, 117, &["/sec:nla"]);
    let pcap = dir.join("nla.pcapng");
    let pcap_s = pcap.to_str().unwrap_or("");
    let (code, doc) = probe(&[&format!("127.0.0.1:{port}"), "--no-udp", "--write", pcap_s]);
    let p = &doc["probe"];
    assert_eq!(row(&doc, 1)["failure_code"], "HYBRID_REQUIRED_BY_SERVER");
    assert_eq!(row(&doc, 3)["selected"], "PROTOCOL_HYBRID");
    assert_eq!(p["nla_required"], true);
    assert_eq!(p["mstsc_default"], "PROTOCOL_HYBRID");
    let n = &p["nla"];
    assert!(
        n["netbios_computer"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{n}"
    );
    assert!(n["os_version"].as_str().is_some(), "{n}");
    let skew = n["clock_skew_s"]
        .as_i64()
        .expect("server time in the CHALLENGE");
    assert!(skew.abs() < 60, "same machine, same clock: {skew}");
    let ids = finding_ids(&doc);
    assert!(
        !ids.iter().any(|i| i == "negotiation.nla_not_required"),
        "{ids:?}"
    );
    assert_eq!(code, 0);
    assert_analyzes_cleanly(&pcap, port, 8);
    // The TLS secrets in the written pcapng are right: Wireshark decrypts
    // the CredSSP exchange with nothing but the file.
    if which("tshark") {
        let out = Command::new("tshark")
            .args([
                "-n",
                "-r",
                pcap_s,
                "-d",
                &format!("tcp.port=={port},tls"),
                "-Y",
                "ntlmssp",
            ])
            .output()
            .expect("tshark");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("NTLMSSP_NEGOTIATE") && text.contains("NTLMSSP_CHALLENGE"),
            "{text}"
        );
        assert!(
            !text.contains("NTLMSSP_AUTH"),
            "no credentials are ever sent: {text}"
        );
    } else {
        common::skip(
            "probe_servers::shadow_nla_challenge",
            "tshark not installed: decryption of the written capture not checked",
        );
    }
}

#[test]
fn closed_port_is_refused() {
    // Nothing listens on 47317 (checked): the kernel answers RST.
    assert!(!listening(47317));
    let (code, doc) = probe(&["127.0.0.1:47317"]);
    assert_eq!(doc["probe"]["tcp"][0]["outcome"], "refused");
    assert_eq!(finding_ids(&doc), ["tcp.rst_to_syn"]);
    assert_eq!(code, 1);
}

/// A network namespace with a veth whose peer silently drops our SYNs (a
/// static neighbour entry to a MAC nobody owns): the connect times out.
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
        let _ = std::fs::remove_dir_all(format!("/etc/netns/{}", self.0));
    }
}

#[test]
fn silent_address_times_out() {
    if !ready("silent_address_times_out", &["ip"]) {
        return;
    }
    let ns = Netns(format!("rdpdiag-probe-{}", std::process::id()));
    let _ = Command::new("ip")
        .args(["netns", "del", &ns.0])
        .stderr(Stdio::null())
        .status();
    // A container without CAP_SYS_ADMIN cannot create namespaces: skip there.
    let made = Command::new("ip")
        .args(["netns", "add", &ns.0])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        common::skip(
            "probe_servers::silent_address_times_out",
            "`ip netns add` failed (no CAP_SYS_ADMIN?)",
        );
        return;
    }
    let setup = [
        "ip -n {ns} link set lo up",
        "ip -n {ns} link add v0 type veth peer name v1",
        "ip -n {ns} addr add 10.251.0.1/24 dev v0",
        "ip -n {ns} link set v0 up",
        "ip -n {ns} link set v1 up",
        "ip -n {ns} neigh add 10.251.0.2 lladdr 02:00:00:00:00:02 dev v0",
    ];
    for c in setup {
        sh(&c.replace("{ns}", &ns.0), &std::env::temp_dir());
    }
    let t0 = Instant::now();
    let (code, doc) = probe_in(Some(&ns.0), &["10.251.0.2:3389"]);
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert_eq!(doc["probe"]["tcp"][0]["outcome"], "timed_out");
    assert_eq!(finding_ids(&doc), ["tcp.syn_unanswered"]);
    assert_eq!(code, 1);

    // A name with two addresses (`ip netns exec` mounts /etc/netns/NS/hosts
    // over /etc/hosts): each is tried, the silent one and the closed one.
    let etc = format!("/etc/netns/{}", ns.0);
    std::fs::create_dir_all(&etc).expect("netns etc");
    std::fs::write(
        format!("{etc}/hosts"),
        "10.251.0.2 rdp-multi.test\n127.0.0.1 rdp-multi.test\n",
    )
    .expect("hosts");
    let (code, doc) = probe_in(Some(&ns.0), &["rdp-multi.test", "--timeout", "1"]);
    let mut outcomes: Vec<(String, String)> = doc["probe"]["tcp"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    (
                        t["address"].as_str().unwrap_or("").to_string(),
                        t["outcome"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            ("10.251.0.2:3389".to_string(), "timed_out".to_string()),
            ("127.0.0.1:3389".to_string(), "refused".to_string())
        ]
    );
    let mut ids = finding_ids(&doc);
    ids.sort();
    assert_eq!(ids, ["tcp.rst_to_syn", "tcp.syn_unanswered"]);
    assert_eq!(code, 1);
}

#[test]
fn bad_target_is_a_usage_error() {
    for t in ["host:notaport", "[::1", ""] {
        let st = Command::new(BIN)
            .args(["probe", t])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run rdpdiag");
        assert_eq!(st.code(), Some(2), "{t:?}");
    }
}

#[test]
fn redacted_probe_reveals_no_names_or_addresses() {
    if !ready(
        "redacted_probe_reveals_no_names_or_addresses",
        &["freerdp-shadow-cli", "Xvfb", "winpr-hash"],
    ) {
        return;
    }
    let port = 47317;
    let (_procs, _dir) = start_shadow("nla-redact", port, 127, &["/sec:nla"]);
    let target = format!("127.0.0.1:{port}");
    let (_, plain) = probe(&[&target, "--no-udp"]);
    let n = &plain["probe"]["nla"];
    let mut secrets: Vec<String> = ["netbios_computer", "netbios_domain", "dns_computer"]
        .iter()
        .filter_map(|k| n[*k].as_str())
        .filter(|s| s.len() > 1)
        .map(str::to_string)
        .collect();
    assert!(!secrets.is_empty(), "the CHALLENGE names the server: {n}");
    secrets.push("127.0.0.1".into());
    if let Some(subject) = plain["probe"]["tls"]["certificates"][0]["subject"].as_str() {
        secrets.push(subject.to_string());
    }
    let (_, json) = probe(&[&target, "--no-udp", "--redact"]);
    let json = json.to_string();
    let text = Command::new(BIN)
        .args(["probe", &target, "--no-udp", "--redact", "--timeout", "3"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    for out in [&json, &text] {
        for s in &secrets {
            assert!(
                !out.to_ascii_lowercase().contains(&s.to_ascii_lowercase()),
                "{s:?} in redacted output:\n{out}"
            );
        }
        assert!(out.contains("IP-1"), "{out}");
    }
    assert!(text.contains("NLA"), "the report is still there:\n{text}");
}

#[test]
fn dripping_server_is_cut_by_the_deadline() {
    // No root needed: a server that answers every connection with one byte
    // every 1.5 s (a Connection Confirm that never ends), so no single read
    // waits the 2 s --timeout. The probe must stop at its deadline, say which
    // step ran out, and still write what it recorded.
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut c = c;
                let drip = [3u8, 0, 0x0f, 0xff, 0x0e, 0xd0, 0, 0, 0, 0, 0];
                for b in drip.iter().cycle() {
                    if std::io::Write::write_all(&mut c, &[*b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(1500));
                }
            });
        }
    });
    let dir = tmpdir("drip");
    let pcap = dir.join("drip.pcapng");
    let pcap_s = pcap.to_str().unwrap_or("");
    let (_, doc) = probe(&[
        &format!("127.0.0.1:{port}"),
        "--timeout",
        "2",
        "--deadline",
        "4",
        "--no-udp",
        "--write",
        pcap_s,
    ]);
    let p = &doc["probe"];
    let why = p["timed_out"].as_str().unwrap_or_default();
    assert!(why.contains("negotiation"), "the step that ran out: {p}");
    assert_eq!(p["capture"], pcap_s, "{p}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pcap)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the probe's capture holds TLS secrets");
    }
    let r = rdpdiag::analysis::analyze_file(pcap_s, &rdpdiag::analysis::with_ports(&[port]))
        .expect("the recorded traffic is a capture");
    assert!(!r.connections.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn listener_that_never_answers() {
    // No root needed: a plain socket that accepts and stays silent, like a
    // wrong service on the port or a hung RDP listener.
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in l.incoming().flatten() {
            held.push(c);
        }
    });
    let t0 = Instant::now();
    let (code, doc) = probe(&[&format!("127.0.0.1:{port}"), "--timeout", "1", "--no-udp"]);
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "one timeout, not one per request"
    );
    assert_eq!(doc["probe"]["tcp"][0]["outcome"], "connected");
    assert_eq!(row(&doc, 0)["result"], "no_answer");
    assert_eq!(row(&doc, 0xB)["result"], "no_answer");
    let ids = finding_ids(&doc);
    assert_eq!(ids, ["negotiation.server_closed_after_request"]);
    assert_eq!(code, 1);
}
