//! DNS rules: the lookup of the server's name failed.

use super::registry::{DNS_NXDOMAIN, DNS_SERVER_FAILURE};
use super::{ev, make};
use crate::session::DnsLookup;
use crate::verdict::{Basis, Finding};
use rdpdiag_parsers::dns::Rcode;

/// A failed DNS lookup, if this one failed.
pub fn dns_failure(l: &DnsLookup) -> Option<Finding> {
    match l.rcode? {
        Rcode::NXDOMAIN => Some(make(
            &DNS_NXDOMAIN,
            Basis::Clear,
            Some(format!("the name {} does not exist (NXDOMAIN)", l.name)),
            None,
            vec![
                ev(l.query, format!("query {} {}", l.qtype, l.name)),
                ev(l.response.unwrap_or(l.query), "NXDOMAIN"),
            ],
        )),
        rcode @ (Rcode::SERVFAIL | Rcode::REFUSED) => Some(make(
            &DNS_SERVER_FAILURE,
            Basis::Clear,
            Some(format!(
                "the DNS server could not resolve {} ({rcode})",
                l.name
            )),
            None,
            // The answer too, as for NXDOMAIN: the ladder cites it.
            vec![
                ev(l.query, format!("query {} {}", l.qtype, l.name)),
                ev(l.response.unwrap_or(l.query), rcode.to_string()),
            ],
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{dns, frames};
    use super::dns_failure;
    use rdpdiag_parsers::dns::Rcode;

    #[test]
    fn nxdomain_fires_on_a_name_that_does_not_exist() {
        // captures/dns_nxdomain.pcap: query A rdp-server.lab at frame 1, NXDOMAIN at frame 3.
        let finding =
            dns_failure(&dns(1, "rdp-server.lab", Some((3, Rcode::NXDOMAIN)))).expect("fires");
        assert_eq!(finding.id, "dns.nxdomain");
        assert_eq!(
            finding.title,
            "the name rdp-server.lab does not exist (NXDOMAIN)"
        );
        assert_eq!(frames(&finding), [1, 3]);
        assert_eq!(finding.evidence[0].detail, "query A rdp-server.lab");
        assert!(finding.decisive);
    }

    #[test]
    fn nxdomain_silent_on_an_answer() {
        assert!(dns_failure(&dns(1, "rdp-server.lab", Some((3, Rcode::NOERROR)))).is_none());
    }

    #[test]
    fn server_failure_fires_on_servfail_and_refused() {
        // captures/dns_servfail.pcap and captures/dns_refused.pcap: query
        // rdp-srv.lab at frame 1, answered SERVFAIL / REFUSED at frame 3.
        for rcode in [Rcode::SERVFAIL, Rcode::REFUSED] {
            let finding = dns_failure(&dns(1, "rdp-srv.lab", Some((3, rcode)))).expect("fires");
            assert_eq!(finding.id, "dns.server_failure");
            assert_eq!(
                finding.title,
                format!("the DNS server could not resolve rdp-srv.lab ({rcode})")
            );
            // The answer is cited too: the attempt's ladder marks it.
            assert_eq!(frames(&finding), [1, 3]);
        }
    }

    #[test]
    fn server_failure_silent_without_an_answer() {
        // No response seen (the capture ended, or the answer is elsewhere):
        // nothing is known to have failed.
        assert!(dns_failure(&dns(1, "rdp-srv.lab", None)).is_none());
    }
}
