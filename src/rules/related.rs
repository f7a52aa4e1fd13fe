//! Which rules can produce a code `rdpdiag explain` was asked about, and
//! what to capture to confirm. This fills `Explanation::related_rules`
//! (the code tables know nothing about rules; rules know the tables).

use super::registry::RULES;
use crate::codes::{self, Explanation, Role, Table};

/// The codes of a registry `mstsc_codes` entry as (low, high, extended)
/// ranges: `"0x904 / extended 0x7"` → [(0x904, 0x904, false), (0x7, 0x7, true)],
/// `"extended 0x100-0x10A"` → [(0x100, 0x10A, true)].
fn entry_codes(entry: &str) -> Vec<(u32, u32, bool)> {
    let hex = |t: &str| {
        t.strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let mut out = Vec::new();
    let mut extended = false;
    for tok in entry.split(|c: char| c.is_whitespace() || c == '/' || c == ',') {
        if tok.eq_ignore_ascii_case("extended") {
            extended = true;
        } else if let Some((a, b)) = tok.split_once('-') {
            if let (Some(a), Some(b)) = (hex(a), hex(b)) {
                out.push((a, b, extended));
            }
        } else if let Some(v) = hex(tok) {
            out.push((v, v, extended));
        }
    }
    out
}

/// Does one of the rule's mstsc codes name `code` as a disconnect reason
/// (`extended == false`) or as an extended reason? A bare small code listed
/// after the disconnect reason (`["0x904", "0x4"]`) is read as extended.
fn rule_has_code(codes: &[&str], code: u32, extended: bool) -> bool {
    codes.iter().enumerate().any(|(i, e)| {
        entry_codes(e).iter().any(|&(lo, hi, ext)| {
            let ext = ext || (i > 0 && hi < 0x100);
            ext == extended && lo <= code && code <= hi
        })
    })
}

fn push(out: &mut Vec<String>, id: &str) {
    if super::rule(id).is_some() && !out.iter().any(|x| x == id) {
        out.push(id.to_string());
    }
}

/// The ids of the rules that report what the explained code(s) mean, most
/// specific first.
pub fn related_rules(x: &Explanation) -> Vec<String> {
    let mut both = Vec::new();
    let mut out = Vec::new();
    let disc: Vec<u32> = x
        .matches
        .iter()
        .filter(|m| m.table == Table::MstscDisconnect)
        .map(|m| m.code)
        .collect();
    let ext: Vec<u32> = x
        .matches
        .iter()
        .filter(|m| {
            m.table == Table::MstscExtended
                || (m.table == Table::ErrInfo && m.role != Role::AlternateReading)
        })
        .map(|m| m.code)
        .collect();
    // Rules whose mstsc codes match both halves of a pair come first.
    if !disc.is_empty() && !ext.is_empty() {
        for r in RULES {
            if disc.iter().any(|d| rule_has_code(r.mstsc_codes, *d, false))
                && ext.iter().any(|e| rule_has_code(r.mstsc_codes, *e, true))
            {
                push(&mut both, r.id);
            }
        }
    }
    for id in both {
        push(&mut out, &id);
    }
    for m in &x.matches {
        match m.table {
            Table::MstscDisconnect => {
                for r in RULES {
                    if rule_has_code(r.mstsc_codes, m.code, false) {
                        push(&mut out, r.id);
                    }
                }
            }
            Table::MstscExtended | Table::ErrInfo | Table::FreerdpErrInfo => {
                let code = m.code & 0xFFFF;
                for r in RULES {
                    if rule_has_code(r.mstsc_codes, code, true) {
                        push(&mut out, r.id);
                    }
                }
                // Every ERRINFO code reaches the client in a Set Error Info PDU.
                if m.outcome == codes::Outcome::NotAnError {
                    push(&mut out, "session.error_info_normal_end");
                } else {
                    push(&mut out, "activation.server_error_info");
                }
            }
            Table::NtStatus => {
                let n = m.name.to_ascii_uppercase();
                if n.contains("LOGON") || n.contains("PASSWORD") || n.contains("ACCOUNT") {
                    push(&mut out, "nla.credentials_rejected");
                }
                if n.contains("TIME") || n.contains("SKEW") {
                    push(&mut out, "nla.clock_skew");
                }
                push(&mut out, "nla.credssp_error");
            }
            Table::NegoFailure => push(&mut out, "negotiation.failure"),
            Table::TlsAlert => {
                push(&mut out, "tls.fatal_alert");
                let n = m.name.to_ascii_lowercase();
                if n.contains("certificate") || n.contains("unknown_ca") {
                    push(&mut out, "tls.client_rejected_certificate");
                }
                if n.contains("access_denied") {
                    push(&mut out, "nla.credentials_rejected");
                }
            }
            Table::License => push(&mut out, "licensing.error"),
            Table::EarlyUserAuth => push(&mut out, "nla.early_user_auth_denied"),
            Table::Rdstls => push(&mut out, "nla.credentials_rejected"),
            Table::Kerberos => {
                push(&mut out, "kerberos.kdc_error");
                push(&mut out, "nla.kerberos_error");
            }
            Table::Sspi => push(&mut out, "nla.credssp_error"),
            Table::McsResult => push(&mut out, "mcs.connect_failed"),
            Table::McsReason => push(&mut out, "mcs.disconnect_ultimatum"),
            // No rule reads this table yet.
            Table::Gateway => {}
            Table::FreerdpConnect => {
                let n = m.name;
                let ids: &[&str] = if n.contains("DNS") {
                    &["dns.nxdomain", "dns.server_failure"]
                } else if n.contains("TLS") {
                    &[
                        "tls.fatal_alert",
                        "tls.server_closed_after_client_hello",
                        "tls.client_rejected_certificate",
                    ]
                } else if n.contains("SECURITY_NEGO") {
                    &[
                        "negotiation.failure",
                        "negotiation.client_closed_after_confirm",
                    ]
                } else if n.contains("MCS") {
                    &["mcs.connect_failed", "mcs.disconnect_ultimatum"]
                } else if n.contains("TRANSPORT") || n.ends_with("CONNECT_FAILED") {
                    &[
                        "tcp.syn_unanswered",
                        "tcp.rst_to_syn",
                        "tcp.middlebox_rst",
                        "tls.server_closed_after_client_hello",
                    ]
                } else if n.contains("LOGON")
                    || n.contains("AUTHENTICATION")
                    || n.contains("PASSWORD")
                    || n.contains("ACCOUNT")
                    || n.contains("REVOKED")
                {
                    &["nla.credentials_rejected", "nla.credssp_error"]
                } else if n.contains("LICENS") {
                    &["licensing.error"]
                } else {
                    &[]
                };
                for id in ids {
                    push(&mut out, id);
                }
            }
        }
    }
    out
}

/// `explain`, with `related_rules` filled from the registry and the capture
/// advice ending in how to confirm with those rules.
pub fn explain_with_rules(code: &str, extended: Option<&str>) -> Explanation {
    let mut x = codes::explain(code, extended);
    x.related_rules = related_rules(&x);
    if !x.related_rules.is_empty() {
        x.what_to_capture.push(CONFIRM);
    }
    x
}

const CONFIRM: &str = "To confirm, run `rdpdiag analyze` on that capture: the attempt's root cause names one of the related rules below (`rdpdiag rules` lists them all), with the frames that prove it.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_904_7_lists_server_denied_first() {
        let x = explain_with_rules("0x904", Some("0x7"));
        assert!(!x.related_rules.is_empty());
        // The rule whose codes name both halves comes first.
        assert_eq!(
            x.related_rules[0], "tls.server_closed_after_client_hello",
            "{:?}",
            x.related_rules
        );
        assert!(x
            .related_rules
            .iter()
            .any(|r| r == "activation.server_error_info"));
        assert!(x
            .what_to_capture
            .iter()
            .any(|w| w.contains("rdpdiag analyze")));
    }

    #[test]
    fn tables_map_to_rules() {
        let has = |q: &str, id: &str| {
            let x = explain_with_rules(q, None);
            assert!(
                x.related_rules.iter().any(|r| r == id),
                "{q}: {:?}",
                x.related_rules
            );
        };
        has("0x204", "tcp.rst_to_syn");
        has("0x204", "tcp.syn_unanswered");
        has("HYBRID_REQUIRED_BY_SERVER", "negotiation.failure");
        has("handshake_failure", "tls.fatal_alert");
        has("STATUS_LOGON_FAILURE", "nla.credentials_rejected");
        has(
            "ERRINFO_SERVER_DENIED_CONNECTION",
            "activation.server_error_info",
        );
        has("ERRCONNECT_DNS_NAME_NOT_FOUND", "dns.nxdomain");
    }

    #[test]
    fn every_related_rule_exists() {
        for q in [
            "0x904",
            "0x7",
            "0x1B07",
            "0x807",
            "5",
            "40",
            "0xC000006D",
            "nonsense",
        ] {
            for id in explain_with_rules(q, None).related_rules {
                assert!(super::super::rule(&id).is_some(), "{id}");
            }
        }
        assert!(explain_with_rules("nonsense", None)
            .related_rules
            .is_empty());
    }

    #[test]
    fn entry_parsing() {
        assert_eq!(
            entry_codes("0x904 / extended 0x7"),
            vec![(0x904, 0x904, false), (0x7, 0x7, true)]
        );
        assert!(rule_has_code(
            &["0x808", "0x904 / extended 0x100-0x10A"],
            0x105,
            true
        ));
        assert!(!rule_has_code(&["0x904"], 0x7, true));
        assert!(rule_has_code(&["0x904", "0x4"], 0x4, true));
        assert!(!rule_has_code(&["0x904", "0x4"], 0x4, false));
    }
}
