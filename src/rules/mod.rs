//! The rule registry: facts → findings. Every rule has a stable id, a stage,
//! a severity, an explanation, the Windows-side fix and the mstsc codes it
//! most likely produced. Rules read facts only, never bytes.
//!
//! One file per stage judges a connection's facts (`tcp`, `negotiation`,
//! `tls`, `certificate`, `decrypt`, `gateway`, `nla`, `mcs`, `activation`,
//! `session`; `udp` and `dns` judge their own records); `conn` runs them in
//! order and decides the connection's outcome, `judge` groups connections
//! into attempts. Rules are typed statics of `registry`, so a finding can
//! only name a rule that exists.

mod activation;
pub mod catalog;
mod certificate;
mod conn;
mod decrypt;
mod dns;
mod gateway;
mod judge;
mod kerberos;
mod mcs;
mod negotiation;
mod nla;
mod nla_shape;
mod registry;
mod related;
mod session;
mod shape;
mod tcp;
#[cfg(test)]
mod testkit;
mod tls;
mod udp;

pub use certificate::certificate_findings;
pub use conn::judge_connection;
pub use dns::dns_failure;
pub use judge::{diagnose, diagnose_part, Part};
pub use registry::*;
pub use related::{explain_with_rules, related_rules};
pub use tcp::tcp_ok;
pub use udp::udp_findings;

use crate::verdict::{Basis, Evidence, Finding, Severity};
use crate::wire::FrameRef;

fn ev(f: FrameRef, detail: impl Into<String>) -> Evidence {
    Evidence {
        frame: f.number,
        time: f.ts.rfc3339(),
        detail: detail.into(),
    }
}

/// Build a finding of `rule`, obtained on `basis`, with optional
/// title/explanation overrides.
fn make(
    rule: &'static RuleDef,
    basis: Basis,
    title: Option<String>,
    explanation: Option<String>,
    evidence: Vec<Evidence>,
) -> Finding {
    Finding {
        id: rule.id.to_string(),
        stage: rule.stage,
        severity: rule.severity,
        title: title.unwrap_or_else(|| rule.title.to_string()),
        explanation: explanation.unwrap_or_else(|| rule.explanation.to_string()),
        evidence,
        remediation: rule.remediation.iter().map(|s| s.to_string()).collect(),
        mstsc_codes: rule.mstsc_codes.iter().map(|s| s.to_string()).collect(),
        decisive: rule.severity == Severity::Error,
        consequence: false,
        inferred: false,
        basis,
        connection: None,
    }
}

/// Mark `finding` as inferred from the encrypted traffic's shape (or, when
/// `inferred` is false, as obtained on `otherwise`).
fn set_inferred(finding: &mut Finding, inferred: bool, otherwise: Basis) {
    finding.inferred = inferred;
    finding.basis = if inferred { Basis::Inferred } else { otherwise };
}

/// Build a finding of `rule` (for front ends other than capture analysis,
/// e.g. `probe`), with optional title/explanation overrides.
pub fn finding(
    rule: &'static RuleDef,
    title: Option<String>,
    explanation: Option<String>,
    evidence: Vec<Evidence>,
) -> Finding {
    make(rule, Basis::Clear, title, explanation, evidence)
}

/// Drop findings whose rule is turned off.
pub fn apply_disabled(findings: &mut Vec<Finding>, disabled: &[String]) {
    if !disabled.is_empty() {
        findings.retain(|f| !disabled.iter().any(|d| d == &f.id));
    }
}

/// Apply severity overrides (rule id, severity) from the configuration.
pub fn apply_severity(findings: &mut [Finding], overrides: &[(String, Severity)]) {
    for f in findings {
        if let Some((_, s)) = overrides.iter().find(|(id, _)| *id == f.id) {
            f.severity = *s;
        }
    }
}

/// A code table's fix steps, when it has any, replace the rule's generic ones.
fn table_fix(finding: &mut Finding, info: Option<&crate::codes::CodeInfo>) {
    if let Some(i) = info {
        if !i.fix.is_empty() {
            finding.remediation = i.fix.iter().map(|s| s.to_string()).collect();
        }
    }
}

#[cfg(test)]
mod coverage {
    use super::RULES;

    /// The unit tests of every stage file and of the probe's findings.
    const TEST_SOURCES: &[&str] = &[
        include_str!("tcp.rs"),
        include_str!("negotiation.rs"),
        include_str!("tls.rs"),
        include_str!("certificate.rs"),
        include_str!("decrypt.rs"),
        include_str!("nla.rs"),
        include_str!("kerberos.rs"),
        include_str!("mcs.rs"),
        include_str!("activation.rs"),
        include_str!("session.rs"),
        include_str!("gateway.rs"),
        include_str!("gateway/kdc.rs"),
        include_str!("udp.rs"),
        include_str!("dns.rs"),
        include_str!("../probe/findings.rs"),
    ];

    /// The `#[test]` function names of the test modules.
    fn test_names() -> Vec<&'static str> {
        TEST_SOURCES
            .iter()
            .filter_map(|src| src.split("#[cfg(test)]").nth(1))
            .flat_map(|tests| tests.split("#[test]").skip(1))
            .filter_map(|t| t.split("fn ").nth(1)?.split('(').next())
            .collect()
    }

    /// Every rule of the registry has a unit test that fires it and one that
    /// shows it silent on the nearest healthy case, named after the rule:
    /// `<name>_fires_…` and `<name>_silent_…` (name: the id after the stage).
    /// A rule added without its tests fails here.
    #[test]
    fn every_rule_has_a_firing_and_a_silent_unit_test() {
        let names = test_names();
        let mut missing = Vec::new();
        for rule in RULES {
            let short = rule.id.split_once('.').map_or(rule.id, |(_, s)| s);
            let prefix = format!("{short}_");
            let of_rule = || names.iter().filter(|n| n.starts_with(prefix.as_str()));
            if !of_rule().any(|n| n.contains("_fires")) {
                missing.push(format!("{}: no firing test", rule.id));
            }
            if !of_rule().any(|n| n.contains("_silent")) {
                missing.push(format!("{}: no silent test", rule.id));
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }
}
