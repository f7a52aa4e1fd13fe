//! Everyday CLI: --version, help with examples, configuration file,
//! redaction, completions and the man page.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run rdpdiag with the configuration locations pointed at `home` (so a
/// developer's own config file never leaks into the tests).
fn run_in(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(args)
        .current_dir(root())
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home)
        .env("APPDATA", home)
        .env("NO_COLOR", "1")
        .output()
        .expect("rdpdiag runs")
}

fn run(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    run_in(home.path(), args)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn version_lists_features() {
    let o = run(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    let v = out(&o);
    assert!(
        v.starts_with(&format!("rdpdiag {}", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
    assert!(v.contains("live") && v.contains("probe"), "{v}");
    assert_eq!(v.contains("features: live"), cfg!(feature = "live"), "{v}");
}

#[test]
fn every_subcommand_help_has_examples() {
    let main = out(&run(&["--help"]));
    assert!(
        main.contains("Examples:") && main.contains("rdpdiag explain 0x904 0x7"),
        "{main}"
    );
    assert!(
        main.contains("--keylog") && main.contains("rdpdiag test captures/"),
        "{main}"
    );
    let cmd = rdpdiag::app::command();
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| n != "help")
        .collect();
    for want in [
        "analyze",
        "explain",
        "test",
        "rules",
        "config",
        "completions",
        "man",
    ] {
        assert!(subs.iter().any(|s| s == want), "missing subcommand {want}");
    }
    for s in &subs {
        let o = run(&[s, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{s}");
        let h = out(&o);
        assert!(
            h.contains("Examples:"),
            "`rdpdiag {s} --help` has no examples:\n{h}"
        );
        assert!(
            h.contains(&format!("rdpdiag {s}")),
            "`rdpdiag {s} --help` shows no use of itself:\n{h}"
        );
    }
}

#[test]
fn config_file_changes_the_analysis() {
    let dir = tempfile::tempdir().expect("tempdir");
    // captures/tls12_cbc_ok.pcap: a self-signed certificate (frame 9), an info finding.
    let base = run(&["analyze", "captures/tls12_cbc_ok.pcap"]);
    assert_eq!(base.status.code(), Some(0), "{}", out(&base));
    assert!(out(&base).contains("certificate.self_signed") || !out(&base).is_empty());

    let cfg = dir.path().join("strict.toml");
    std::fs::write(
        &cfg,
        "[rules.severity]\n\"certificate.self_signed\" = \"error\"\n",
    )
    .expect("write");
    let c = cfg.to_string_lossy().into_owned();
    let o = run(&["--config", &c, "analyze", "captures/tls12_cbc_ok.pcap"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a severity raised to error trips --fail-on: {}",
        out(&o)
    );
    assert!(
        out(&o).contains("error [certificate.self_signed]"),
        "{}",
        out(&o)
    );
    // The verdict itself does not change.
    assert!(out(&o).contains("SUCCESS"), "{}", out(&o));

    // Disabling a rule removes its findings.
    std::fs::write(
        &cfg,
        "[rules]\ndisabled = [\"certificate.self_signed\", \"certificate.name_mismatch\"]\n",
    )
    .expect("write");
    let o = run(&[
        "--config",
        &c,
        "analyze",
        "--format",
        "json",
        "captures/tls12_cbc_ok.pcap",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!out(&o).contains("certificate.self_signed"), "{}", out(&o));

    // The default location is used when --config is absent, ignored with --no-config.
    let home = tempfile::tempdir().expect("tempdir");
    let default = rdpdiag_default(home.path());
    std::fs::create_dir_all(default.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &default,
        "[rules.severity]\n\"certificate.self_signed\" = \"error\"\n",
    )
    .expect("write");
    let o = run_in(home.path(), &["analyze", "captures/tls12_cbc_ok.pcap"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let o = run_in(
        home.path(),
        &["--no-config", "analyze", "captures/tls12_cbc_ok.pcap"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = run_in(home.path(), &["rules"]);
    assert!(out(&o).contains("info>error"), "{}", out(&o));
    let o = run_in(home.path(), &["config"]);
    assert!(
        out(&o).contains("config.toml")
            && out(&o).contains("\"certificate.self_signed\" = \"error\""),
        "{}",
        out(&o)
    );

    // Thresholds change findings: captures/tls_ok.pcap (a successful session)
    // has 3 real retransmissions, below the default storm threshold.
    let storm = |o: &Output| out(o).contains("tcp.retransmission_storm");
    assert!(!storm(&run(&["analyze", "-v", "captures/tls_ok.pcap"])));
    std::fs::write(
        &cfg,
        "[thresholds]\nretrans_storm_count = 1\nretrans_storm_ratio = 0.0\n",
    )
    .expect("write");
    let o = run(&["--config", &c, "analyze", "-v", "captures/tls_ok.pcap"]);
    assert!(storm(&o), "{}", out(&o));
    assert!(
        out(&o).contains("SUCCESS"),
        "a storm is a warning, not a failure: {}",
        out(&o)
    );

    // Thresholds and ports are read.
    std::fs::write(
        &cfg,
        "ports = [3390]\n[thresholds]\nexpiring_soon_days = 3650\n",
    )
    .expect("write");
    let o = run(&["--config", &c, "config"]);
    assert!(
        out(&o).contains("3390") && out(&o).contains("expiring_soon_days = 3650"),
        "{}",
        out(&o)
    );

    // A broken file: exit 2, the file, the key and what to do.
    std::fs::write(&cfg, "[rules]\ndisabled = [\"tcp.nope\"]\n").expect("write");
    let o = run(&["--config", &c, "analyze", "captures/tls12_cbc_ok.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(
        e.contains("strict.toml") && e.contains("tcp.nope") && e.contains("rdpdiag rules"),
        "{e}"
    );
    let o = run(&["--config", "/no/such/rdpdiag.toml", "config"]);
    assert_eq!(o.status.code(), Some(2));

    // The example is a valid configuration.
    let ex = out(&run(&["config", "--example"]));
    std::fs::write(&cfg, ex).expect("write");
    let o = run(&["--config", &c, "analyze", "captures/tls12_cbc_ok.pcap"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

/// The default file under `home`, which the tests pass as XDG_CONFIG_HOME
/// (Unix) and APPDATA (Windows): both put it at `rdpdiag/config.toml`.
fn rdpdiag_default(home: &Path) -> PathBuf {
    home.join("rdpdiag").join("config.toml")
}

/// The user names, host names and addresses a report reveals, read from the
/// connection records (TCP and UDP) of the unredacted JSON's attempts.
fn sensitive(v: &Value, out: &mut Vec<String>) {
    let mut push = |s: &str| {
        let s = s.trim();
        if s.len() >= 2 && !out.iter().any(|x| x == s) {
            out.push(s.to_string());
        }
    };
    let records = v["files"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["attempts"].as_array().into_iter().flatten())
        .flat_map(|a| a["connections"].as_array().into_iter().flatten());
    for c in records {
        for k in ["client", "server"] {
            if let Some(a) = c[k]
                .as_str()
                .and_then(|s| s.parse::<std::net::SocketAddr>().ok())
            {
                push(&a.ip().to_string());
            }
        }
        for p in [
            &c["negotiation"]["cookie"],
            &c["tls"]["client_hello"]["sni"],
            &c["mcs"]["client_name"],
            &c["nla"]["user"],
            &c["nla"]["domain"],
            &c["nla"]["workstation"],
        ] {
            if let Some(s) = p.as_str() {
                push(s);
            }
        }
        for cert in c["tls"]["certificates"].as_array().into_iter().flatten() {
            push(cert["subject"].as_str().unwrap_or_default());
            for n in cert["common_names"].as_array().into_iter().flatten() {
                push(n.as_str().unwrap_or_default());
            }
        }
        for l in c["dns"].as_array().into_iter().flatten() {
            push(l["name"].as_str().unwrap_or_default());
            for a in l["answers"].as_array().into_iter().flatten() {
                push(a.as_str().unwrap_or_default());
            }
        }
    }
}

#[test]
fn redacted_reports_reveal_no_names_or_addresses() {
    // Lab captures (captures/README.md): cookie "labuser", server certificate
    // CN=rdp-srv (tls12_cbc_ok frame 9), GCC client name in clear (rdp_sec_ok),
    // the DNS name rdp-server.lab (dns_nxdomain), addresses 10.203.0.1/.2.
    let caps = [
        "captures/tls12_cbc_ok.pcap",
        "captures/rdp_sec_ok.pcap",
        "captures/dns_nxdomain.pcap",
        "captures/nla_ok.dsb.pcapng",
    ];
    let mut secrets = Vec::new();
    for c in caps {
        let o = run(&["analyze", "--format", "json", c]);
        let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
        sensitive(&v, &mut secrets);
    }
    for must in [
        "labuser",
        "rdp-srv",
        "10.203.0.1",
        "10.203.0.2",
        "rdp-server.lab",
    ] {
        assert!(
            secrets.iter().any(|s| s == must),
            "the lab captures reveal {must}: {secrets:?}"
        );
    }
    let mut args = vec!["analyze", "--redact", "-v"];
    args.extend(caps);
    let text = out(&run(&args));
    let mut jargs = vec!["analyze", "--redact", "--format", "json"];
    jargs.extend(caps);
    let json = out(&run(&jargs));
    let v: Value = serde_json::from_str(&json).expect("redacted JSON is JSON");
    assert_eq!(v["files"].as_array().map(Vec::len), Some(caps.len()));
    let mut largs = vec!["analyze", "--redact", "--format", "jsonl"];
    largs.extend(caps);
    let jsonl = out(&run(&largs));
    // Files are analyzed in parallel, lines written in input order and
    // placeholders numbered in output order: the same on every run.
    assert_eq!(
        out(&run(&largs)),
        jsonl,
        "redacted JSON lines differ between runs"
    );
    for l in jsonl.lines() {
        let l: Value = serde_json::from_str(l).expect("a redacted JSON line is JSON");
        // A hash of the real 5-tuple would undo the redaction of the addresses.
        assert!(l["community_id"].is_null(), "{l}");
    }
    for (name, body) in [("text", &text), ("json", &json), ("jsonl", &jsonl)] {
        let low = body.to_lowercase();
        for s in &secrets {
            assert!(
                !low.contains(&s.to_lowercase()),
                "{name} output still contains {s:?}:\n{body}"
            );
        }
        // The text report shows no cookie; the JSON has every placeholder kind.
        let phs: &[&str] = match name {
            "json" => &["USER-1", "HOST-1", "IP-1", "CERT-1"],
            "jsonl" => &["IP-1", "HOST-", "FILE-1"],
            _ => &["IP-1", "CERT-1"],
        };
        for ph in phs {
            assert!(body.contains(ph), "{name} output has no {ph}:\n{body}");
        }
    }
    // Verdicts survive redaction.
    assert!(
        text.contains("SUCCESS") && text.contains("FAILED at dns"),
        "{text}"
    );
    // Placeholders are stable: the same address gets the same placeholder in both outputs.
    let t1 = out(&run(&["analyze", "--redact", "captures/port_closed.pcap"]));
    let t2 = out(&run(&["analyze", "--redact", "captures/port_closed.pcap"]));
    assert_eq!(t1, t2);
    assert!(t1.contains("IP-1 → IP-2:3389"), "{t1}");
    // The file name is redacted too (header and JSON `file`): it often names
    // the user or the ticket.
    assert!(t1.starts_with("FILE-1 — 4 frames"), "{t1}");
    assert!(!t1.contains("port_closed"), "{t1}");
    assert!(
        !text.contains("tls12_cbc_ok")
            && !json.contains("tls12_cbc_ok")
            && !jsonl.contains("tls12_cbc_ok")
    );
    let f0 = v["files"][0]["file"].as_str().expect("file");
    assert!(f0.starts_with("FILE-"), "{f0}");
}

#[test]
fn completions_and_man_page() {
    for (shell, needle) in [
        ("bash", "_rdpdiag"),
        ("zsh", "#compdef rdpdiag"),
        ("fish", "complete -c rdpdiag"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let s = out(&o);
        assert!(s.contains(needle), "{shell}: {}", &s[..s.len().min(300)]);
        assert!(s.contains("analyze") && s.contains("explain"), "{shell}");
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let m = out(&o);
    assert!(m.contains(".TH rdpdiag"), "{}", &m[..m.len().min(300)]);
    for s in ["ANALYZE", "EXPLAIN", "TEST", "RULES"] {
        assert!(m.contains(&format!("RDPDIAG {s}")), "man page lacks {s}");
    }
    assert!(m.contains("junit") && m.contains("redact") && m.contains("0x904"));
}

#[test]
fn rules_listing() {
    let t = out(&run(&["rules"]));
    assert!(
        t.contains("tcp.rst_to_syn") && t.contains("severity"),
        "{t}"
    );
    let j: Value = serde_json::from_str(&out(&run(&["rules", "--format", "json"]))).expect("JSON");
    let rules = j["rules"].as_array().expect("rules array");
    assert_eq!(rules.len(), rdpdiag::rules::RULES.len());
    for r in rules {
        for k in [
            "id",
            "stage",
            "severity",
            "title",
            "remediation",
            "mstsc_codes",
        ] {
            assert!(r.get(k).is_some(), "{k} missing in {r}");
        }
    }
}

#[test]
fn explain_names_related_rules() {
    let t = out(&run(&["explain", "0x904", "0x7"]));
    assert!(
        t.contains("Related analyzer rules") && t.contains("tls.server_closed_after_client_hello"),
        "{t}"
    );
    let j: Value =
        serde_json::from_str(&out(&run(&["explain", "--format", "json", "0x204"]))).expect("JSON");
    let rel: Vec<&str> = j["related_rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        rel.contains(&"tcp.rst_to_syn") && rel.contains(&"tcp.syn_unanswered"),
        "{rel:?}"
    );
}

#[test]
fn input_errors_say_what_where_and_what_to_do() {
    let o = run(&["analyze", "Cargo.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(
        e.starts_with("rdpdiag: error:") && e.contains("Cargo.toml") && e.contains("pcapng"),
        "{e}"
    );
    let o = run(&["analyze", "no-such.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(
        e.contains("no-such.pcap") && e.contains("Check the path"),
        "{e}"
    );
}

/// Collects the key log a pcapng carries in Decryption Secrets Blocks.
struct Secrets(Vec<u8>);

impl rdpdiag::capture::FrameSink for Secrets {
    fn frame(&mut self, _f: &rdpdiag::capture::Frame<'_>) {}
    fn tls_secrets(&mut self, k: &[u8]) {
        self.0.extend_from_slice(k);
        self.0.push(b'\n');
    }
    fn warning(&mut self, _w: rdpdiag::capture::Warning) {}
}

#[test]
fn key_material_is_never_printed() {
    // captures/nla_ok.dsb.pcapng embeds the client's TLS key log (a DSB).
    let path = "captures/nla_ok.dsb.pcapng";
    let full = root().join(path);
    let (reader, gz) = rdpdiag::capture::open_path(&full.to_string_lossy()).expect("opens");
    let mut sink = Secrets(Vec::new());
    rdpdiag::capture::read_capture(reader, path, gz, &mut sink).expect("reads");
    let keylog = String::from_utf8_lossy(&sink.0).into_owned();
    // NSS key log lines: LABEL <client_random hex> <secret hex>.
    let secrets: Vec<String> = keylog
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| f[2].to_ascii_lowercase())
        })
        .collect();
    assert!(!secrets.is_empty(), "the DSB holds secrets");
    for args in [
        vec!["analyze", "-v", path],
        vec!["analyze", "--format", "json", path],
        vec!["analyze", "--redact", "--format", "json", path],
    ] {
        let o = out(&run(&args)).to_ascii_lowercase();
        for s in &secrets {
            assert!(!o.contains(s.as_str()), "{args:?} prints key material");
        }
    }
}

/// A classic pcap header (microsecond, little-endian) for `linktype`, and
/// one 60-byte frame of zeros.
fn tiny_pcap(linktype: u32, frame: bool) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&4u16.to_le_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&65535u32.to_le_bytes());
    b.extend_from_slice(&linktype.to_le_bytes());
    if frame {
        b.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&60u32.to_le_bytes());
        b.extend_from_slice(&60u32.to_le_bytes());
        b.extend_from_slice(&[0; 60]);
    }
    b
}

#[test]
fn exit_codes_tell_no_rdp_and_failures_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let none = dir.path().join("none.pcap");
    std::fs::write(&none, tiny_pcap(1, false)).expect("write");
    // Link type 147 (USER0): rdpdiag cannot decode it.
    let user0 = dir.path().join("user0.pcap");
    std::fs::write(&user0, tiny_pcap(147, true)).expect("write");
    for f in [&none, &user0] {
        let o = run(&["analyze", f.to_str().expect("utf-8")]);
        assert_eq!(o.status.code(), Some(3), "{}{}", out(&o), err(&o));
    }
    // With an RDP capture beside it, "no RDP here" is not the answer.
    let o = run(&[
        "analyze",
        none.to_str().expect("utf-8"),
        "captures/tls_ok.pcap",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // captures/server_rst_midsession.pcap: a successful attempt with an
    // error finding fails at every threshold; captures/syn_dropped.pcap (a
    // failed attempt) too.
    for cap in [
        "captures/server_rst_midsession.pcap",
        "captures/syn_dropped.pcap",
    ] {
        for t in ["error", "warning", "info"] {
            let o = run(&["analyze", "--fail-on", t, cap]);
            assert_eq!(o.status.code(), Some(1), "{cap} --fail-on {t}");
        }
    }
    // explain: known 0, unknown 1, usage 2.
    assert_eq!(run(&["explain", "0x904", "0x7"]).status.code(), Some(0));
    assert_eq!(run(&["explain", "0xdeadbeef"]).status.code(), Some(1));
    assert_eq!(run(&["explain"]).status.code(), Some(2));
}
