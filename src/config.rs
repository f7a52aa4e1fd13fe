//! The configuration file: extra RDP ports, diagnosis thresholds, rule
//! severities and rules turned off.
//!
//! Looked up at `--config FILE`, else at the per-OS default location
//! ([`default_path`]); a missing default file means "all defaults". The
//! format is documented in `docs/getting-started.md` and by `rdpdiag config --example`.

use crate::analysis::AnalysisConfig;
use crate::rules;
use crate::verdict::DiagConfig;
use crate::verdict::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The file as written by the user. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConfigFile {
    /// Extra TCP/UDP ports to treat as RDP (3389 is always included).
    pub ports: Vec<u16>,
    pub thresholds: Thresholds,
    pub rules: RulesSection,
    pub limits: Limits,
}

/// Resource limits of the engine; an absent key keeps the built-in default.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Most TCP connections open at once before some are finished early (non-RDP first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_open_flows: Option<usize>,
    /// Scan probes (one SYN, no payload) kept as attempts before the rest of
    /// a capture's probes are folded into one scan summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_fold_after: Option<u64>,
    /// Finished connections held before `--format jsonl` judges and writes
    /// the attempts that are final and drops their records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_after: Option<usize>,
    /// Finished connections held at most while streaming; beyond, the
    /// longest quiet are judged before they are final.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_held_records: Option<usize>,
}

/// Diagnosis thresholds; an absent key keeps the built-in default.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Real retransmissions per connection that make a storm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrans_storm_count: Option<u32>,
    /// ... and the share of the connection's packets they must reach (0..1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrans_storm_ratio: Option<f64>,
    /// Days before expiry that make a certificate "expiring soon".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiring_soon_days: Option<i64>,
    /// Seconds of silence in an active session that count as a stall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_seconds: Option<f64>,
    /// Seconds between connections of one client and server that still count as one attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_window_seconds: Option<f64>,
}

/// Rule severities and rules turned off.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesSection {
    /// Rule ids whose findings are dropped.
    pub disabled: Vec<String>,
    /// Rule id → info | warning | error.
    pub severity: BTreeMap<String, String>,
}

/// A configuration problem: what, where, what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "configuration file {}: {}",
            self.path.display(),
            self.message
        )
    }
}

/// A loaded configuration and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// None when no file was read (built-in defaults).
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
}

/// The default location: `%APPDATA%\rdpdiag\config.toml` on Windows,
/// `$XDG_CONFIG_HOME/rdpdiag/config.toml` (else `~/.config/rdpdiag/config.toml`)
/// elsewhere.
pub fn default_path() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        env("APPDATA")
    } else {
        env("XDG_CONFIG_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| env("HOME").map(|h| h.join(".config")))
    };
    base.map(|b| b.join("rdpdiag").join("config.toml"))
}

/// Load `explicit`, else the default file when it exists, else defaults.
/// `none` skips every file.
pub fn load(explicit: Option<&Path>, none: bool) -> Result<Loaded, ConfigError> {
    if none {
        return Ok(Loaded::default());
    }
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match default_path() {
            Some(p) if p.is_file() => p,
            _ => return Ok(Loaded::default()),
        },
    };
    let text = read_capped(&path).map_err(|e| ConfigError {
        path: path.clone(),
        message: format!(
            "cannot read it ({e}). Check the path given to --config, or run without --config to use the defaults."
        ),
    })?;
    let file = parse(&text).map_err(|message| ConfigError {
        path: path.clone(),
        message,
    })?;
    Ok(Loaded {
        path: Some(path),
        file,
    })
}

/// Upper bound on a configuration file (bytes): ours are a few hundred, and
/// `--config /dev/zero` must not grow until memory runs out.
const MAX_CONFIG_FILE: u64 = 1 << 20;

fn read_capped(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_CONFIG_FILE + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CONFIG_FILE {
        return Err(std::io::Error::other(format!(
            "it is larger than {MAX_CONFIG_FILE} bytes, too large for a configuration file"
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// Parse and check a configuration text.
pub fn parse(text: &str) -> Result<ConfigFile, String> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        format!(
            "{}. See `rdpdiag config --example` for every key.",
            e.to_string().trim_end()
        )
    })?;
    file.check()?;
    Ok(file)
}

impl ConfigFile {
    /// Reject unknown rule ids, severities and out-of-range thresholds.
    pub fn check(&self) -> Result<(), String> {
        let unknown = |id: &str, key: &str| -> Result<(), String> {
            if rules::rule(id).is_none() {
                return Err(format!(
                    "[rules] {key}: unknown rule id \"{id}\". Run `rdpdiag rules` for the list of ids."
                ));
            }
            Ok(())
        };
        for id in &self.rules.disabled {
            unknown(id, "disabled")?;
        }
        for (id, sev) in &self.rules.severity {
            unknown(id, "severity")?;
            if Severity::from_name(sev).is_none() {
                return Err(format!(
                    "[rules.severity] \"{id}\" = \"{sev}\": a severity is info, warning or error."
                ));
            }
        }
        if self.ports.contains(&0) {
            return Err("ports: 0 is not a port. Use 1..65535.".into());
        }
        let t = &self.thresholds;
        let positive = |v: Option<f64>, key: &str| -> Result<(), String> {
            match v {
                Some(x) if !(x.is_finite() && x > 0.0) => Err(format!(
                    "[thresholds] {key} = {x}: it must be a positive number."
                )),
                _ => Ok(()),
            }
        };
        positive(t.stall_seconds, "stall_seconds")?;
        positive(t.attempt_window_seconds, "attempt_window_seconds")?;
        if let Some(r) = t.retrans_storm_ratio {
            if !(0.0..=1.0).contains(&r) || !r.is_finite() {
                return Err(format!(
                    "[thresholds] retrans_storm_ratio = {r}: it is a share of packets, between 0 and 1."
                ));
            }
        }
        if self.limits.max_open_flows == Some(0) {
            return Err(
                "[limits] max_open_flows = 0: at least one connection must be open at a time."
                    .into(),
            );
        }
        if let Some(d) = t.expiring_soon_days {
            if d < 0 {
                return Err(format!(
                    "[thresholds] expiring_soon_days = {d}: it must be 0 or more."
                ));
            }
        }
        Ok(())
    }

    /// The analysis settings: these, plus ports given on the command line.
    pub fn analysis_config(&self, extra_ports: &[u16]) -> AnalysisConfig {
        let mut ports = self.ports.clone();
        ports.extend_from_slice(extra_ports);
        let mut cfg = crate::analysis::with_ports(&ports);
        self.apply_diag(&mut cfg.diag);
        if let Some(n) = self.limits.max_open_flows {
            cfg.engine.flow.max_open_flows = n;
        }
        if let Some(n) = self.limits.scan_fold_after {
            cfg.engine.session.scan_fold_after = n;
        }
        if let Some(n) = self.limits.stream_after {
            cfg.stream.part_records = n;
        }
        if let Some(n) = self.limits.max_held_records {
            cfg.stream.max_held_records = n;
        }
        cfg
    }

    /// Thresholds and rule settings into a [`DiagConfig`].
    pub fn apply_diag(&self, d: &mut DiagConfig) {
        let t = &self.thresholds;
        if let Some(v) = t.retrans_storm_count {
            d.retrans_storm_count = v;
        }
        if let Some(v) = t.retrans_storm_ratio {
            d.retrans_storm_ratio = v;
        }
        if let Some(v) = t.expiring_soon_days {
            d.expiring_soon_days = v;
        }
        if let Some(v) = t.stall_seconds {
            d.stall_s = v;
        }
        if let Some(v) = t.attempt_window_seconds {
            d.group_window_s = v;
        }
        for id in &self.rules.disabled {
            if !d.disabled.contains(id) {
                d.disabled.push(id.clone());
            }
        }
        for (id, sev) in &self.rules.severity {
            if let Some(s) = Severity::from_name(sev) {
                d.severity.retain(|(i, _)| i != id);
                d.severity.push((id.clone(), s));
            }
        }
    }
}

/// A commented example holding every key with its default value.
pub fn example() -> String {
    let d = DiagConfig::default();
    format!(
        "\
# rdpdiag configuration. Default location: {}
# Every key is optional; a missing key keeps the default shown here.

# Extra TCP/UDP ports to treat as RDP (3389 is always included).
ports = []

[thresholds]
retrans_storm_count = {}        # real retransmissions in one connection that make a storm ...
retrans_storm_ratio = {}       # ... when they are also at least this share of its packets
expiring_soon_days = {}         # certificate.expiring_soon fires this many days before notAfter
stall_seconds = {:.1}            # silence inside an active session that counts as a stall
attempt_window_seconds = {:.1}    # a reconnect this soon after a TCP/negotiation/TLS/NLA/MCS/licensing failure is the client's own retry (same attempt); a user's retry is a new attempt

[rules]
# Rule ids (see `rdpdiag rules`) whose findings are not reported.
disabled = []
# disabled = [\"certificate.self_signed\", \"nla.ntlm_used\"]

[rules.severity]
# Rule id = \"info\" | \"warning\" | \"error\". Severities decide --fail-on; they do not
# change an attempt's outcome (a connection that failed still failed).
# \"certificate.expiring_soon\" = \"error\"

[limits]
# TCP connections open at once beyond which some are finished early
# (stats.flows_evicted_early, with a warning): those that are not RDP first,
# then RDP ones without data, the longest idle first. Bounds memory on scans
# (~1.9 KB per open connection).
max_open_flows = {}
# Scan probes (a connection to an RDP port with one SYN, maybe answered by a
# SYN-ACK or RST, and no payload) reported as attempts; beyond, the capture's
# probes are only counted in one scan summary. A client whose RDP traffic
# carried payload is never folded.
scan_fold_after = {}
# Finished RDP connections held before the text report and --format jsonl
# print the attempts that are final (no connection of theirs open, none for
# a minute) and drop their records: memory follows what is open, not the
# size of the capture.
stream_after = {}
# Finished RDP connections held at most while printing as they become final:
# beyond, the longest quiet are judged before they are final (a warning says
# how many), so a client that retries without pause cannot grow memory.
max_held_records = {}
",
        default_path().map_or_else(
            || "(none on this system)".to_string(),
            |p| p.display().to_string()
        ),
        d.retrans_storm_count,
        d.retrans_storm_ratio,
        d.expiring_soon_days,
        d.stall_s,
        d.group_window_s,
        crate::flow::DEFAULT_MAX_OPEN_FLOWS,
        crate::session::scan::DEFAULT_SCAN_FOLD_AFTER,
        crate::analysis::DEFAULT_PART_RECORDS,
        crate::analysis::DEFAULT_MAX_HELD_RECORDS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses_to_defaults() {
        let f = parse(&example()).expect("the example parses");
        let mut d = DiagConfig::default();
        f.apply_diag(&mut d);
        let def = DiagConfig::default();
        assert_eq!(d.retrans_storm_count, def.retrans_storm_count);
        assert_eq!(d.expiring_soon_days, def.expiring_soon_days);
        assert!(d.disabled.is_empty() && d.severity.is_empty());
        let a = f.analysis_config(&[]);
        assert_eq!(
            a.engine.session.scan_fold_after,
            crate::session::scan::DEFAULT_SCAN_FOLD_AFTER
        );
        assert_eq!(
            a.engine.flow.max_open_flows,
            crate::flow::DEFAULT_MAX_OPEN_FLOWS
        );
        assert_eq!(a.stream.part_records, crate::analysis::DEFAULT_PART_RECORDS);
    }

    #[test]
    fn limits_apply() {
        let f = parse("[limits]\nmax_open_flows = 500\nscan_fold_after = 20\nstream_after = 7\nmax_held_records = 9\n")
            .expect("valid");
        let cfg = f.analysis_config(&[]);
        assert_eq!(cfg.engine.flow.max_open_flows, 500);
        assert_eq!(cfg.engine.session.scan_fold_after, 20);
        assert_eq!(cfg.stream.part_records, 7);
        assert_eq!(cfg.stream.max_held_records, 9);
    }

    #[test]
    fn values_apply() {
        let f = parse(
            "ports = [3390]\n[thresholds]\nexpiring_soon_days = 7\nstall_seconds = 5\n\
             [rules]\ndisabled = [\"nla.ntlm_used\"]\n[rules.severity]\n\"certificate.self_signed\" = \"error\"\n",
        )
        .expect("valid");
        let cfg = f.analysis_config(&[4000]);
        assert!(cfg.engine.flow.rdp_ports.contains(&3390));
        assert!(cfg.engine.flow.rdp_ports.contains(&4000));
        assert_eq!(cfg.diag.expiring_soon_days, 7);
        assert_eq!(cfg.diag.stall_s, 5.0);
        assert_eq!(cfg.diag.disabled, vec!["nla.ntlm_used".to_string()]);
        assert_eq!(
            cfg.diag.severity,
            vec![("certificate.self_signed".to_string(), Severity::Error)]
        );
    }

    #[test]
    fn errors_name_the_key_and_the_fix() {
        let e = parse("[rules]\ndisabled = [\"no.such\"]\n").unwrap_err();
        assert!(e.contains("no.such") && e.contains("rdpdiag rules"), "{e}");
        let e = parse("[rules.severity]\n\"tcp.stall\" = \"fatal\"\n").unwrap_err();
        assert!(e.contains("info, warning or error"), "{e}");
        let e = parse("[thresholds]\nstall_seconds = -1\n").unwrap_err();
        assert!(e.contains("stall_seconds"), "{e}");
        let e = parse("colour = 1\n").unwrap_err();
        assert!(e.contains("colour") && e.contains("--example"), "{e}");
        let e = parse("[thresholds]\nretrans_storm_ratio = 3\n").unwrap_err();
        assert!(e.contains("between 0 and 1"), "{e}");
    }

    #[test]
    fn an_oversized_file_is_refused_without_reading_it_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("big.toml");
        // Valid TOML (comments), just too large for a configuration.
        let line = format!("#{}\n", "x".repeat(1023));
        std::fs::write(&p, line.repeat(1025)).expect("write");
        let e = load(Some(&p), false).expect_err("refused");
        assert!(e.to_string().contains("larger than"), "{e}");
        #[cfg(unix)]
        {
            let e = load(Some(Path::new("/dev/zero")), false).expect_err("refused");
            assert!(e.to_string().contains("larger than"), "{e}");
        }
    }
}
