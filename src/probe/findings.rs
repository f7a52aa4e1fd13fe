//! The probe's findings, from the same rule registry as `analyze`.

use super::negotiation::{nla_required, MSTSC_DEFAULT};
use super::nla::NlaInfo;
use super::reach::Reach;
use super::record;
use super::report::{NegResult, NegRow, ProbeReport, TlsFailure, TlsReport, TlsVersion};
use super::tls;
use crate::rules;
use crate::verdict::{Evidence, Finding};
use rdpdiag_parsers::nego::FailureCode;
use std::time::Duration;

fn evidence(frame: u64, ts: &str, detail: impl Into<String>) -> Vec<Evidence> {
    vec![Evidence {
        frame,
        time: ts.to_string(),
        detail: detail.into(),
    }]
}

/// The name did not resolve.
pub(super) fn dns(rep: &mut ProbeReport, host: &str) {
    let title = Some(format!("{host} does not resolve"));
    let why = rep.dns.error.as_deref().unwrap_or("no address");
    let explanation = Some(format!("The name lookup failed: {why}"));
    let f = rules::finding(&rules::DNS_NXDOMAIN, title, explanation, Vec::new());
    rep.findings.push(f);
}

/// No address accepted a TCP connection.
pub(super) fn tcp(reach: &Reach, timeout: Duration, out: &mut Vec<Finding>) {
    if let Some((a, f)) = reach.refused.first() {
        let title = Some(format!("{a} refused the connection (RST to SYN)"));
        let ev = evidence(f.number, &f.ts.rfc3339(), "SYN answered by RST");
        out.push(rules::finding(&rules::TCP_RST_TO_SYN, title, None, ev));
    }
    if let Some((a, f)) = reach.silent.first() {
        let title = Some(format!(
            "{a} did not answer the TCP SYN within {:.1} s",
            timeout.as_secs_f64()
        ));
        let ev = evidence(f.number, &f.ts.rfc3339(), "SYN, no answer");
        out.push(rules::finding(&rules::TCP_SYN_UNANSWERED, title, None, ev));
    }
    if let Some((a, f, e)) = reach.unreachable.first() {
        let title = Some(format!("could not connect to {a}: {e}"));
        let explanation = Some("This machine has no route to the server (or a router answered that it has none): check the address, VPN and routing before the firewall.".into());
        let ev = evidence(f.number, &f.ts.rfc3339(), "SYN, not delivered");
        out.push(rules::finding(
            &rules::TCP_SYN_UNANSWERED,
            title,
            explanation,
            ev,
        ));
    }
}

/// What the default mstsc request got, and whether NLA is optional.
pub(super) fn negotiation(rep: &ProbeReport, out: &mut Vec<Finding>) {
    if let Some(d) = rep.row(MSTSC_DEFAULT) {
        let rdp_ok = rep.row(0x0).is_some_and(|r| r.result.accepted());
        if let Some(f) = default_request(d, rdp_ok) {
            out.push(f);
        }
    }
    if let (_, Some(r)) = nla_required(&rep.negotiation) {
        let ts = record::now().rfc3339();
        let detail = format!(
            "X.224 Connection Request for {} accepted ({})",
            r.requested,
            r.describe()
        );
        let ev = evidence(r.frame, &ts, detail);
        let f = rules::finding(&rules::NEGOTIATION_NLA_NOT_REQUIRED, None, None, ev);
        out.push(f);
    }
}

/// The finding for what a default mstsc request (row `d`) got; `rdp_ok`:
/// a Standard RDP Security request is accepted.
fn default_request(d: &NegRow, rdp_ok: bool) -> Option<Finding> {
    let ts = record::now().rfc3339();
    let ev = evidence(d.frame, &ts, "X.224 Connection Request");
    let req = &d.requested;
    let f = match d.result {
        // mstsc reconnects with Standard RDP Security after this code
        // (the fallback seen in zeek/rdp-proprietary-encryption.pcap).
        NegResult::Failure
            if rdp_ok && d.failure_code == Some(FailureCode::SSL_NOT_ALLOWED_BY_SERVER) =>
        {
            let t = Some(format!("the server allows only Standard RDP Security: a default mstsc request ({req}) gets RDP_NEG_FAILURE SSL_NOT_ALLOWED_BY_SERVER and mstsc falls back to it"));
            rules::finding(
                &rules::NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY,
                t,
                None,
                ev,
            )
        }
        NegResult::Failure => {
            let code = d.failure_name();
            let title = Some(format!(
                "a default mstsc request ({req}) gets RDP_NEG_FAILURE {code}"
            ));
            rules::finding(&rules::NEGOTIATION_FAILURE, title, None, ev)
        }
        NegResult::NoAnswer | NegResult::Rejected => {
            let why = d.detail.as_deref().unwrap_or("?");
            let title = Some(format!(
                "a default mstsc request ({req}) gets no Connection Confirm: {why}"
            ));
            rules::finding(
                &rules::NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST,
                title,
                None,
                ev,
            )
        }
        NegResult::Legacy => rules::finding(&rules::NEGOTIATION_LEGACY_SERVER, None, None, ev),
        NegResult::Selected if d.selected_value == Some(0) => {
            let t = Some(format!(
                "the server answers a default mstsc request ({req}) with Standard RDP Security"
            ));
            rules::finding(
                &rules::NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY,
                t,
                None,
                ev,
            )
        }
        NegResult::Selected | NegResult::Error => return None,
    };
    Some(f)
}

/// TLS versions, suites and the certificate chain.
pub(super) fn tls(t: &TlsReport, host: &str, out: &mut Vec<Finding>) {
    let any_accepted = t.versions.iter().any(|v| v.accepted == Some(true));
    if !any_accepted {
        let why = t.error.clone().unwrap_or_default();
        let title = Some(format!("no TLS handshake succeeded: {why}"));
        out.push(match t.failure {
            Some(TlsFailure::Alert) => rules::finding(&rules::TLS_FATAL_ALERT, title, None, vec![]),
            Some(TlsFailure::Closed) => rules::finding(
                &rules::TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO,
                title,
                None,
                vec![],
            ),
            Some(TlsFailure::Other) | None => {
                rules::finding(&rules::TLS_NO_SERVER_HELLO, title, None, vec![])
            }
        });
    }
    let legacy: Vec<&str> = t
        .versions
        .iter()
        .filter(|v| matches!(v.version, TlsVersion::Tls10 | TlsVersion::Tls11))
        .filter(|v| v.accepted == Some(true))
        .map(|v| v.version.label())
        .collect();
    if !legacy.is_empty() {
        let title = Some(format!("the server accepts {}", legacy.join(" and ")));
        let f = rules::finding(&rules::TLS_LEGACY_VERSION_ACCEPTED, title, None, vec![]);
        out.push(f);
    }
    // Only when the server's own ServerHello chose a legacy suite: a modern
    // one there means rustls' refusal had another cause.
    let legacy_suite = t
        .row(TlsVersion::Tls12Legacy)
        .filter(|r| r.accepted == Some(true))
        .and_then(|r| r.suite)
        .is_some_and(|s| tls::offered_suite(s) && !tls::is_modern_suite(s));
    if t.accepted(TlsVersion::Tls12) == Some(false) && legacy_suite {
        let detail = t
            .row(TlsVersion::Tls12Legacy)
            .map(|v| v.detail.clone())
            .unwrap_or_default();
        let title = Some(format!(
            "TLS 1.2 works only with legacy cipher suites ({detail})"
        ));
        let f = rules::finding(&rules::TLS_MODERN_SUITES_REFUSED, title, None, vec![]);
        out.push(f);
    }
    out.extend(certificates(t, host));
}

/// The certificate findings of `analyze`, worded for a live server.
fn certificates(t: &TlsReport, host: &str) -> Vec<Finding> {
    let cfg = crate::verdict::DiagConfig::default();
    let mut certs = Vec::new();
    rules::certificate_findings(&t.certificates, Some(host), &cfg, &mut certs);
    for f in &mut certs {
        // In a probe the certificate is judged against the current time.
        f.title = f.title.replace("before the capture", "before now");
        f.title = f.title.replace("after the capture time", "after now");
        f.title = f
            .title
            .replace("the client asked for", "the probe connected to");
        f.title = f.title.replace("after the capture)", "from now)");
    }
    certs
}

/// The server clock, from the NTLM CHALLENGE.
pub(super) fn clock_skew(n: &NlaInfo, out: &mut Vec<Finding>) {
    let Some(skew) = n.clock_skew_s.filter(|s| s.abs() > 300) else {
        return;
    };
    let title = Some(format!(
        "the server clock differs from this machine's by {skew} s"
    ));
    let stamp = n.server_time.clone().unwrap_or_default();
    let detail = format!("NTLM CHALLENGE timestamp {stamp}");
    let ev = evidence(n.frame, &record::now().rfc3339(), detail);
    out.push(rules::finding(&rules::NLA_CLOCK_SKEW, title, None, ev));
}

#[cfg(test)]
mod tests {
    use super::super::report::{NegResult, NegRow, ProbeReport};
    use super::super::report::{TlsMethod, TlsReport, TlsVersion, TlsVersionRow};
    use super::{negotiation, tls};
    use crate::rules::{TLS_LEGACY_VERSION_ACCEPTED, TLS_MODERN_SUITES_REFUSED};
    use crate::verdict::Finding;
    use rdpdiag_parsers::nego::FailureCode;
    use rdpdiag_parsers::tls::cipher_suite_name;

    fn row(version: TlsVersion, accepted: bool, detail: &str) -> TlsVersionRow {
        let method = match version {
            TlsVersion::Tls13 | TlsVersion::Tls12 => TlsMethod::Rustls,
            _ => TlsMethod::ClientHello,
        };
        // The suite the ServerHello chose, as the probe records it.
        let suite = detail
            .strip_prefix("ServerHello TLS 1.2: ")
            .and_then(|name| (0..=u16::MAX).find(|&s| cipher_suite_name(s) == Some(name)));
        TlsVersionRow {
            version,
            accepted: Some(accepted),
            method,
            detail: detail.into(),
            suite,
        }
    }

    fn judged(versions: Vec<TlsVersionRow>) -> Vec<Finding> {
        let report = TlsReport {
            versions,
            ..Default::default()
        };
        let mut out = Vec::new();
        tls(&report, "rdp-srv.lab", &mut out);
        out
    }

    fn has(findings: &[Finding], id: &str) -> bool {
        findings.iter().any(|f| f.id == id)
    }

    #[test]
    fn legacy_version_accepted_fires_when_tls_1_0_gets_a_server_hello() {
        // The TLS 1.0 row is the answer of the Windows 2008 R2 server of
        // zeek/rdp-to-ssl.pcap (../shared/captures/public, frame 9): a TLS
        // 1.0 ServerHello with TLS_RSA_WITH_AES_128_CBC_SHA. The other rows'
        // details are illustrative: the rule reads only which were accepted.
        let findings = judged(vec![
            row(
                TlsVersion::Tls12,
                false,
                "server sent fatal alert protocol_version",
            ),
            row(
                TlsVersion::Tls11,
                false,
                "server sent fatal alert protocol_version",
            ),
            row(
                TlsVersion::Tls10,
                true,
                "ServerHello TLS 1.0: TLS_RSA_WITH_AES_128_CBC_SHA",
            ),
        ]);
        let finding = findings
            .iter()
            .find(|f| f.id == TLS_LEGACY_VERSION_ACCEPTED.id)
            .expect("fires");
        assert_eq!(finding.title, "the server accepts TLS 1.0");
    }

    #[test]
    fn legacy_version_accepted_silent_when_only_tls_1_2_and_1_3_work() {
        // The lab's xrdp (captures/tls_ok.pcap: TLS 1.3 at frame 9); the
        // rows' details are illustrative.
        let findings = judged(vec![
            row(TlsVersion::Tls13, true, "TLS 1.3, TLS_AES_256_GCM_SHA384"),
            row(
                TlsVersion::Tls12,
                true,
                "TLS 1.2, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            ),
            row(
                TlsVersion::Tls11,
                false,
                "server sent fatal alert protocol_version",
            ),
            row(
                TlsVersion::Tls10,
                false,
                "server sent fatal alert protocol_version",
            ),
        ]);
        assert!(!has(&findings, TLS_LEGACY_VERSION_ACCEPTED.id));
        assert!(findings.is_empty());
    }

    #[test]
    fn modern_suites_refused_fires_when_only_legacy_suites_work() {
        // The xrdp of captures/tls_cipher_mismatch.pcap (tls_ciphers=AES128-SHA):
        // an ECDHE-GCM ClientHello gets handshake_failure (frame 9 there),
        // an older-suite one a ServerHello.
        let findings = judged(vec![
            row(
                TlsVersion::Tls13,
                false,
                "server sent fatal alert handshake_failure",
            ),
            row(
                TlsVersion::Tls12,
                false,
                "server sent fatal alert handshake_failure",
            ),
            row(
                TlsVersion::Tls12Legacy,
                true,
                "ServerHello TLS 1.2: TLS_RSA_WITH_AES_128_CBC_SHA",
            ),
            row(
                TlsVersion::Tls11,
                false,
                "server sent fatal alert protocol_version",
            ),
            row(
                TlsVersion::Tls10,
                false,
                "server sent fatal alert protocol_version",
            ),
        ]);
        let finding = findings
            .iter()
            .find(|f| f.id == TLS_MODERN_SUITES_REFUSED.id)
            .expect("fires");
        assert_eq!(
            finding.title,
            "TLS 1.2 works only with legacy cipher suites (ServerHello TLS 1.2: TLS_RSA_WITH_AES_128_CBC_SHA)"
        );
    }

    #[test]
    fn modern_suites_refused_silent_when_the_legacy_hello_got_a_modern_suite() {
        // A hostile or odd server: it closes on rustls' TLS 1.2 hello but
        // answers the hand-built one with ECDHE-GCM, a modern suite. That
        // says nothing about legacy suites.
        let findings = judged(vec![
            row(TlsVersion::Tls13, false, "server closed the connection"),
            row(TlsVersion::Tls12, false, "server closed the connection"),
            row(
                TlsVersion::Tls12Legacy,
                true,
                "ServerHello TLS 1.2: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            ),
        ]);
        assert!(
            !has(&findings, TLS_MODERN_SUITES_REFUSED.id),
            "{findings:?}"
        );
    }

    #[test]
    fn modern_suites_refused_silent_when_modern_tls_1_2_works() {
        // The lab's xrdp with its default suites (captures/tls12_cbc_ok.pcap
        // negotiates TLS 1.2): the legacy row is not even tried.
        let findings = judged(vec![
            row(
                TlsVersion::Tls12,
                true,
                "TLS 1.2, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            ),
            row(
                TlsVersion::Tls11,
                false,
                "server sent fatal alert protocol_version",
            ),
            row(
                TlsVersion::Tls10,
                false,
                "server sent fatal alert protocol_version",
            ),
        ]);
        assert!(!has(&findings, TLS_MODERN_SUITES_REFUSED.id));
    }

    /// A negotiation row as the probe records it: `requested` got `result`
    /// (with the selected protocol or the failure code) at frame 4.
    fn neg_row(
        requested: u32,
        result: NegResult,
        selected: Option<u32>,
        failure: Option<FailureCode>,
    ) -> NegRow {
        let mut r = NegRow::bare(requested, result, None);
        r.selected_value = selected;
        r.failure_code = failure;
        r.frame = 4;
        r
    }

    fn negotiated(rows: Vec<NegRow>) -> Vec<Finding> {
        let mut rep = ProbeReport::new("rdp-srv.lab", 3389, String::new());
        rep.negotiation = rows;
        let mut out = Vec::new();
        negotiation(&rep, &mut out);
        out
    }

    #[test]
    fn nla_not_required_fires_when_tls_alone_is_accepted() {
        // xrdp 0.9.21 (tests/probe_servers.rs, security_layer=tls): a
        // request for PROTOCOL_SSL alone gets PROTOCOL_SSL.
        let findings = negotiated(vec![neg_row(0x1, NegResult::Selected, Some(0x1), None)]);
        assert!(
            has(&findings, "negotiation.nla_not_required"),
            "{findings:?}"
        );
    }

    #[test]
    fn nla_not_required_silent_when_the_server_requires_nla() {
        // freerdp-shadow-cli 2.11 with NLA (tests/probe_servers.rs): a TLS-only
        // request gets RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER.
        let findings = negotiated(vec![neg_row(
            0x1,
            NegResult::Failure,
            None,
            Some(FailureCode::HYBRID_REQUIRED_BY_SERVER),
        )]);
        assert!(
            !has(&findings, "negotiation.nla_not_required"),
            "{findings:?}"
        );
    }
}
