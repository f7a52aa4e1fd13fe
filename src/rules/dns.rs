//! DNS rules: the lookup of the server's name failed.

use super::registry::{DNS_NXDOMAIN, DNS_SERVER_FAILURE};
use super::{ev, make};
use crate::session::DnsLookup;
use crate::verdict::{Basis, Finding};

/// A failed DNS lookup, if this one failed.
pub fn dns_failure(l: &DnsLookup) -> Option<Finding> {
    match l.rcode.as_deref() {
        Some("NXDOMAIN") => Some(make(
            &DNS_NXDOMAIN,
            Basis::Clear,
            Some(format!("the name {} does not exist (NXDOMAIN)", l.name)),
            None,
            vec![
                ev(l.query, format!("query {} {}", l.qtype, l.name)),
                ev(l.response.unwrap_or(l.query), "NXDOMAIN"),
            ],
        )),
        Some("SERVFAIL") | Some("REFUSED") => Some(make(
            &DNS_SERVER_FAILURE,
            Basis::Clear,
            Some(format!(
                "the DNS server could not resolve {} ({})",
                l.name,
                l.rcode.clone().unwrap_or_default()
            )),
            None,
            vec![ev(l.query, format!("query {}", l.name))],
        )),
        _ => None,
    }
}
