//! The probe's text report.

use super::report::{NegResult, ProbeReport, TlsReport};
use crate::session::facts::{key_type_name, validity_name};
use rdpdiag_parsers::x509::Validity;
use std::fmt::Write as _;

/// Text rendering.
pub fn render_text(r: &ProbeReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "rdpdiag probe {} (started {})", r.target, r.started);
    reach(&mut o, r);
    negotiation(&mut o, r);
    if let Some(t) = &r.tls {
        tls(&mut o, t);
    }
    nla(&mut o, r);
    if let Some(u) = &r.udp {
        let _ = writeln!(o, "  RDP-UDP    {}: {}", u.result.as_str(), u.detail);
    }
    if r.findings.is_empty() {
        let _ = writeln!(o, "  No findings.");
    } else {
        let _ = writeln!(o, "  Findings:");
        for f in &r.findings {
            let _ = writeln!(o, "    [{}] {} ({})", f.severity.name(), f.title, f.id);
            for rem in f.remediation.iter().take(1) {
                let _ = writeln!(o, "        fix: {rem}");
            }
        }
    }
    if let Some(c) = &r.capture {
        let _ = writeln!(o, "  Traffic written to {c} (rdpdiag analyze {c})");
    }
    o
}

fn reach(o: &mut String, r: &ProbeReport) {
    match &r.dns.error {
        Some(e) => {
            let _ = writeln!(o, "  DNS        {}: {e}", r.dns.name);
        }
        None => {
            let _ = writeln!(
                o,
                "  DNS        {} -> {}",
                r.dns.name,
                r.dns.addresses.join(", ")
            );
        }
    }
    for t in &r.tcp {
        let _ = writeln!(
            o,
            "  TCP        {:<24} {:<10} {:.1} ms{}",
            t.address,
            t.outcome.as_str(),
            t.seconds * 1000.0,
            t.detail
                .as_deref()
                .map(|d| format!("  ({d})"))
                .unwrap_or_default()
        );
    }
}

fn negotiation(o: &mut String, r: &ProbeReport) {
    if r.negotiation.is_empty() {
        return;
    }
    let _ = writeln!(o, "  Security layers (X.224 negotiation):");
    for n in &r.negotiation {
        let _ = writeln!(
            o,
            "    {:<55} -> {}{}",
            n.requested,
            n.describe(),
            match (&n.detail, n.result) {
                (Some(d), NegResult::Selected | NegResult::Legacy) => format!("  ({d})"),
                _ => String::new(),
            }
        );
    }
    if let Some(d) = &r.mstsc_default {
        let _ = writeln!(o, "    default mstsc request gets: {d}");
    }
    let _ = writeln!(
        o,
        "    NLA required: {}",
        match r.nla_required {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        }
    );
}

fn tls(o: &mut String, t: &TlsReport) {
    let _ = writeln!(o, "  TLS        {}", t.channel);
    if let (Some(v), Some(s)) = (&t.negotiated_version, &t.cipher_suite) {
        let _ = writeln!(o, "    negotiated {v}, {s}");
    }
    if let Some(e) = &t.error {
        let _ = writeln!(o, "    handshake failed: {e}");
    }
    for v in &t.versions {
        let _ = writeln!(
            o,
            "    {:<24} {:<9} {}",
            v.version.label(),
            match v.accepted {
                Some(true) => "accepted",
                Some(false) => "refused",
                None => "unknown",
            },
            v.detail
        );
    }
    for c in &t.certificates {
        let _ = writeln!(
            o,
            "    certificate #{} {} (issuer {}), {} .. {}, {} {} bits, {}{}",
            c.index,
            c.subject,
            c.issuer,
            c.not_before,
            c.not_after,
            key_type_name(c.key_type),
            c.key_bits,
            c.signature_algorithm,
            if c.validity_at_capture == Validity::Valid {
                String::new()
            } else {
                format!(
                    ", {}",
                    validity_name(c.validity_at_capture).replace('_', " ")
                )
            }
        );
    }
}

fn nla(o: &mut String, r: &ProbeReport) {
    if let Some(n) = &r.nla {
        let _ = writeln!(
            o,
            "  NLA        NTLM CHALLENGE (CredSSP v{}): computer {} / {}, domain {} / {}, OS {}",
            n.credssp_version.unwrap_or(0),
            n.netbios_computer.as_deref().unwrap_or("-"),
            n.dns_computer.as_deref().unwrap_or("-"),
            n.netbios_domain.as_deref().unwrap_or("-"),
            n.dns_domain.as_deref().unwrap_or("-"),
            n.os_version.as_deref().unwrap_or("-"),
        );
        if let (Some(t), Some(s)) = (&n.server_time, n.clock_skew_s) {
            let _ = writeln!(o, "    server time {t} (clock skew {s:+} s)");
        }
        if let Some(e) = &n.error_code {
            let _ = writeln!(o, "    TSRequest errorCode {e}");
        }
    }
    if let Some(e) = &r.nla_error {
        let _ = writeln!(o, "  NLA        {e}");
    }
}
