//! The expectation sidecar: its name beside a capture, its TOML format and checks.

use crate::verdict::Stage;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Extra ports: one number or a list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Ports {
    One(u16),
    Many(Vec<u16>),
}

impl Ports {
    pub(super) fn list(&self) -> Vec<u16> {
        match self {
            Ports::One(p) => vec![*p],
            Ports::Many(v) => v.clone(),
        }
    }
}

/// An expectation sidecar.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// An NSS key log next to the capture (path relative to the sidecar).
    pub keylog: Option<String>,
    /// Extra RDP ports for this capture.
    pub port: Option<Ports>,
    #[serde(default, rename = "attempt")]
    pub attempts: Vec<Expect>,
}

/// What one attempt must yield.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub outcome: String,
    pub stage: Option<String>,
    pub rule: Option<String>,
    pub client: Option<String>,
    pub server: Option<String>,
}

/// Parse and check a sidecar text.
pub fn parse_sidecar(text: &str) -> Result<Sidecar, String> {
    let s: Sidecar = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    for (i, a) in s.attempts.iter().enumerate() {
        let n = i + 1;
        if !matches!(a.outcome.as_str(), "success" | "failure" | "incomplete") {
            return Err(format!(
                "attempt {n}: outcome = \"{}\": use success, failure or incomplete",
                a.outcome
            ));
        }
        if let Some(st) = &a.stage {
            if Stage::from_name(st).is_none() {
                let all: Vec<&str> = crate::verdict::ALL_STAGES
                    .iter()
                    .map(|s| s.name())
                    .collect();
                return Err(format!(
                    "attempt {n}: stage = \"{st}\": use one of {}",
                    all.join(", ")
                ));
            }
        }
        if let Some(r) = &a.rule {
            if crate::rules::rule(r).is_none() {
                return Err(format!(
                    "attempt {n}: rule = \"{r}\" is not a rule id (see `rdpdiag rules`)"
                ));
            }
        }
    }
    Ok(s)
}

/// The sidecar path of a capture: its name minus the last extension, plus `.expect.toml`.
pub fn sidecar_path(capture: &Path) -> Option<PathBuf> {
    let name = capture.file_name()?.to_str()?;
    if name.ends_with(".expect.toml") {
        return None;
    }
    let stem = match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    };
    Some(capture.with_file_name(format!("{stem}.expect.toml")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_names() {
        let s = |p: &str| sidecar_path(Path::new(p)).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(s("a/tls_ok.pcap").as_deref(), Some("a/tls_ok.expect.toml"));
        assert_eq!(
            s("nla_ok.dsb.pcapng").as_deref(),
            Some("nla_ok.dsb.expect.toml")
        );
        assert_eq!(s("x.pcapng.gz").as_deref(), Some("x.pcapng.expect.toml"));
        assert_eq!(s("x.expect.toml"), None);
    }

    #[test]
    fn sidecar_parse_and_check() {
        let s = parse_sidecar(
            "# c\nkeylog = \"k.txt\"\nport = [3390, 443]\n[[attempt]]\noutcome = \"failure\"\nstage = \"tls\"\nrule = \"tls.fatal_alert\"\n",
        )
        .expect("valid");
        assert_eq!(s.keylog.as_deref(), Some("k.txt"));
        assert_eq!(s.port.map(|p| p.list()), Some(vec![3390, 443]));
        assert_eq!(s.attempts[0].rule.as_deref(), Some("tls.fatal_alert"));
        assert!(parse_sidecar("port = 3390\n").is_ok());
        for bad in [
            "[[attempt]]\noutcome = \"ok\"\n",
            "[[attempt]]\noutcome = \"failure\"\nstage = \"x224\"\n",
            "[[attempt]]\noutcome = \"failure\"\nrule = \"tls.nope\"\n",
            "[[attempt]]\noutcome = \"failure\"\nrules = \"tls.fatal_alert\"\n",
        ] {
            assert!(parse_sidecar(bad).is_err(), "{bad}");
        }
    }
}
