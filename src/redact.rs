//! `--redact`: replace user names, host and domain names, IP addresses and
//! certificate subjects with stable placeholders (`USER-1`, `HOST-2`,
//! `DOMAIN-1`, `IP-3`, `CERT-1`, `NAME-1`, `TOKEN-1`, `FILE-1` for the input
//! file names) in every output, so a
//! report can be pasted into a ticket.
//!
//! The sensitive values are collected from the report's facts (X.224 cookie,
//! routing token, NTLM user/domain/workstation, NTLM server names, GCC client
//! name, SNI, certificate subjects, issuers and names, DNS names and answers,
//! every endpoint address), plus anything shaped like an IPv4 address in any
//! string of the report. Each value gets one placeholder for the whole run,
//! numbered in order of appearance, so "the same host" stays recognisable.
//! Matching ignores ASCII case (NetBIOS names are upper case, DNS names lower
//! case) and respects word boundaries, so `admin` does not eat `administrator`.
//! Key material is never part of a report, redacted or not.

use crate::report::FileReport;
use serde_json::Value;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

/// Kinds of sensitive values, and their placeholder prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Host,
    Domain,
    Ip,
    Cert,
    Name,
    Token,
    File,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::User => "USER",
            Kind::Host => "HOST",
            Kind::Domain => "DOMAIN",
            Kind::Ip => "IP",
            Kind::Cert => "CERT",
            Kind::Name => "NAME",
            Kind::Token => "TOKEN",
            Kind::File => "FILE",
        }
    }
}

/// The value → placeholder table of one run.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// (lower-cased value, placeholder), longest value first once sealed.
    entries: Vec<(String, String)>,
    /// The lower-cased values recorded (for `add`: each once).
    keys: std::collections::HashSet<String>,
    /// Entries by the first bytes of their value (see [`Prefix`]), in
    /// `entries` order; built by [`Redactor::seal`].
    by_prefix: HashMap<Prefix, Vec<u32>>,
    counters: [usize; 8],
    /// Every value as added, in order (what [`Redactor::absorb`] replays).
    added: Vec<(Kind, String)>,
}

/// The lengths of the prefixes values are indexed by: a value of at least
/// 8 bytes by its first 8, of 4 to 7 by its first 4, of 3 or 2 by itself
/// (a value is at least two characters). Matching at a position looks only
/// at the values that share the text's first bytes there: IP addresses
/// share "10.2" by the thousand, not their first 8 bytes.
const PREFIX_TIERS: [usize; 4] = [8, 4, 3, 2];

/// A tier and the first bytes of a value (zero-padded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Prefix(usize, [u8; 8]);

impl Prefix {
    /// The tier of a value of this length, and its prefix.
    fn of_value(v: &[u8]) -> Option<Prefix> {
        let n = PREFIX_TIERS.iter().copied().find(|n| v.len() >= *n)?;
        Prefix::of_text(v, n)
    }

    /// The first `n` bytes of a text, if it has that many.
    fn of_text(t: &[u8], n: usize) -> Option<Prefix> {
        let mut b = [0u8; 8];
        b.get_mut(..n)?.copy_from_slice(t.get(..n)?);
        Some(Prefix(n, b))
    }
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl Redactor {
    /// Record a value; returns its placeholder.
    pub fn add(&mut self, kind: Kind, value: &str) {
        let v = value.trim().trim_end_matches('\0').trim();
        if v.chars().count() < 2 {
            return;
        }
        // A user name may come as DOMAIN\user or user@domain.
        if kind == Kind::User {
            if let Some((d, u)) = v.split_once('\\') {
                self.add(Kind::Domain, d);
                self.add(Kind::User, u);
            } else if let Some((u, d)) = v.split_once('@') {
                self.add(Kind::User, u);
                self.add(Kind::Domain, d);
            }
        }
        let key = v.to_ascii_lowercase();
        if !self.keys.insert(key.clone()) {
            return;
        }
        self.added.push((kind, v.to_string()));
        let i = kind as usize;
        self.counters[i] += 1;
        self.entries
            .push((key, format!("{}-{}", kind.prefix(), self.counters[i])));
    }

    /// A host name, or an address when it parses as one.
    pub fn add_host_or_ip(&mut self, s: &str) {
        let t = s.trim().trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = t.parse::<IpAddr>() {
            self.add_ip(ip);
        } else if let Ok(sa) = s.trim().parse::<SocketAddr>() {
            self.add_ip(sa.ip());
        } else {
            // "name:port" for DNS-named attempts.
            let h = match t.rsplit_once(':') {
                Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
                _ => t,
            };
            self.add(Kind::Host, h);
        }
    }

    pub fn add_ip(&mut self, ip: IpAddr) {
        if !ip.is_unspecified() {
            self.add(Kind::Ip, &ip.to_string());
        }
    }

    /// A certificate subject or issuer: the whole string, and each RDN value
    /// (CN values are host names).
    fn add_dn(&mut self, dn: &str) {
        if dn.trim().is_empty() {
            return;
        }
        for part in dn.split([',', '+', '/']) {
            if let Some((k, v)) = part.split_once('=') {
                let k = k.trim();
                let v = v.trim();
                if k.eq_ignore_ascii_case("CN") {
                    self.add_host_or_ip(v);
                } else if !matches!(k.to_ascii_uppercase().as_str(), "C") {
                    self.add(Kind::Name, v);
                }
            }
        }
        self.add(Kind::Cert, dn);
    }

    /// The sensitive values of one connection's facts, and of the RDP
    /// tunnelled through it (a gateway's findings quote both).
    fn add_facts(&mut self, f: &crate::session::SessionFacts) {
        if let Some(u) = &f.negotiation.cookie {
            self.add(Kind::User, u);
        }
        if let Some(t) = &f.negotiation.routing_token {
            self.add(Kind::Token, t);
        }
        if let Some(ch) = &f.tls.client_hello {
            if let Some(s) = &ch.sni {
                self.add_host_or_ip(s);
            }
        }
        for cert in &f.tls.certificates {
            self.add_cert(cert);
        }
        if let Some(n) = &f.mcs.client_name {
            self.add(Kind::Host, n);
        }
        let nla = &f.nla;
        if let Some(u) = &nla.user {
            self.add(Kind::User, u);
        }
        for d in [
            &nla.domain,
            &nla.server_netbios_domain,
            &nla.server_dns_domain,
        ]
        .into_iter()
        .flatten()
        {
            self.add(Kind::Domain, d);
        }
        for h in [
            &nla.workstation,
            &nla.server_netbios_computer,
            &nla.server_dns_computer,
        ]
        .into_iter()
        .flatten()
        {
            self.add(Kind::Host, h);
        }
        if let Some(g) = &f.gateway {
            for x in &g.kdc_proxy {
                if let Some(realm) = &x.realm {
                    self.add(Kind::Domain, realm);
                }
            }
            if let Some(t) = &g.tunnel {
                for cert in &t.certificates {
                    for n in cert.common_names.iter().chain(&cert.san_dns) {
                        self.add_host_or_ip(n);
                    }
                    self.add_dn(&cert.subject);
                    self.add_dn(&cert.issuer);
                }
                if let Some(u) = &t.negotiation.cookie {
                    self.add(Kind::User, u);
                }
                if let Some(inner) = &t.session {
                    self.add_facts(inner);
                }
            }
        }
    }

    /// Collect every sensitive value of the reports.
    pub fn from_reports(reports: &[FileReport]) -> Redactor {
        let mut r = Redactor::default();
        for rep in reports {
            // The capture's name often names the user, host or ticket. The
            // whole path as given, and its last component where it appears alone.
            // A name without a dot or separator (say `tls`) could be a word
            // of the report itself, so it is left alone.
            let file_like = |n: &str| n.contains(['.', '/', '\\']);
            if file_like(&rep.file) {
                r.add(Kind::File, &rep.file);
            }
            if let Some(base) = std::path::Path::new(&rep.file).file_name() {
                let base = base.to_string_lossy();
                if base.contains('.') {
                    r.add(Kind::File, &base);
                }
            }
            for a in &rep.attempts {
                r.add_host_or_ip(&a.client);
                r.add_host_or_ip(&a.server);
                for l in &a.dns {
                    r.add_host_or_ip(&l.name);
                    for x in &l.answers {
                        r.add_host_or_ip(x);
                    }
                }
            }
            for c in &rep.connections {
                r.add_ip(c.client.ip());
                r.add_ip(c.server.ip());
                r.add_facts(&c.facts);
            }
            for u in &rep.udp_flows {
                r.add_ip(u.flow.client.ip());
                r.add_ip(u.flow.server.ip());
                for l in &u.dns {
                    r.add_host_or_ip(&l.name);
                    for x in &l.answers {
                        r.add_host_or_ip(x);
                    }
                }
            }
            if let Some(scan) = &rep.scan {
                for (ip, _) in scan.top_sources() {
                    r.add_ip(ip);
                }
            }
            // Anything else shaped like an IPv4 address (warnings, free text).
            if let Ok(v) = serde_json::to_value(crate::report::json::File::from(rep)) {
                r.add_ipv4_in(&v);
            }
        }
        r.seal();
        r
    }

    /// A certificate's names, subject and issuer.
    pub fn add_cert(&mut self, cert: &crate::session::facts::CertInfo) {
        for n in cert.common_names.iter().chain(&cert.san_dns) {
            self.add_host_or_ip(n);
        }
        for n in &cert.san_ip {
            self.add_host_or_ip(n);
        }
        self.add_dn(&cert.subject);
        self.add_dn(&cert.issuer);
    }

    /// Every string shaped like an IPv4 address in a JSON document.
    pub fn add_ipv4_in(&mut self, v: &Value) {
        let mut found = Vec::new();
        collect_ipv4(v, &mut found);
        for ip in found {
            self.add(Kind::Ip, &ip);
        }
    }

    /// Add the values of `other` in the order they were added to it, and
    /// seal: a streaming writer collects each part's values as it is made
    /// and absorbs them when the part is written, so placeholders are
    /// numbered in output order whatever order the parts were made in.
    pub fn absorb(&mut self, other: &Redactor) {
        for (k, v) in &other.added {
            self.add(*k, v);
        }
        self.seal();
    }

    /// Order the table for matching: longest value first. Call once every
    /// value is added, before [`Redactor::text`] or [`Redactor::json`].
    pub fn seal(&mut self) {
        self.entries
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        self.by_prefix.clear();
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if let Some(p) = Prefix::of_value(k.as_bytes()) {
                let i = u32::try_from(i).unwrap_or(u32::MAX);
                self.by_prefix.entry(p).or_default().push(i);
            }
        }
    }

    /// The first entry, in table order, that `lower` (the text from a
    /// position on, lower-cased) starts with and whose end `ok` accepts.
    fn entry_at(&self, lower: &[u8], ok: impl Fn(&str) -> bool) -> Option<&(String, String)> {
        // Tiers from the longest prefix: every value of a longer tier is
        // longer than every value of a shorter one, so this is table order.
        PREFIX_TIERS.iter().find_map(|&n| {
            let ids = self.by_prefix.get(&Prefix::of_text(lower, n)?)?;
            ids.iter()
                .filter_map(|i| self.entries.get(*i as usize))
                .find(|(k, _)| lower.starts_with(k.as_bytes()) && ok(k))
        })
    }

    /// Number of distinct values that will be replaced.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replace every recorded value in `s`.
    pub fn text(&self, s: &str) -> String {
        if self.entries.is_empty() {
            return s.to_string();
        }
        let lower = s.to_ascii_lowercase();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        let mut prev: Option<char> = None;
        while i < s.len() {
            let Some(c) = s[i..].chars().next() else {
                break;
            };
            if prev.is_none_or(|p| !word_char(p) || !word_char(c)) {
                let hit = self.entry_at(&lower.as_bytes()[i..], |k| {
                    s.is_char_boundary(i + k.len())
                        && s[i + k.len()..].chars().next().is_none_or(|n| {
                            !word_char(n) || !k.chars().last().is_some_and(word_char)
                        })
                });
                if let Some((k, ph)) = hit {
                    out.push_str(ph);
                    i += k.len();
                    prev = k.chars().last();
                    continue;
                }
            }
            out.push(c);
            prev = Some(c);
            i += c.len_utf8();
        }
        out
    }

    /// Replace every recorded value in the string values of a JSON document.
    pub fn json(&self, v: &mut Value) {
        match v {
            Value::String(s) => {
                let r = self.text(s);
                *s = r;
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.json(x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.json(x)),
            _ => {}
        }
    }
}

fn collect_ipv4(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => scan_ipv4(s, out),
        Value::Array(a) => a.iter().for_each(|x| collect_ipv4(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_ipv4(x, out)),
        _ => {}
    }
}

/// Dotted quads that are whole runs of digits and dots (so version strings
/// like 1.2 or OS builds like 10.0.19041 are not taken).
fn scan_ipv4(s: &str, out: &mut Vec<String>) {
    for run in s.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        let run = run.trim_matches('.');
        let parts: Vec<&str> = run.split('.').collect();
        if parts.len() == 4
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u16>().is_ok_and(|n| n <= 255))
        {
            if let Ok(ip) = run.parse::<std::net::Ipv4Addr>() {
                if !ip.is_unspecified() && !out.contains(&run.to_string()) {
                    out.push(run.to_string());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(items: &[(Kind, &str)]) -> Redactor {
        let mut r = Redactor::default();
        for (k, v) in items {
            r.add(*k, v);
        }
        r.seal();
        r
    }

    /// The prefix index finds what a scan of the whole table would: the
    /// longest value first across tiers (8-byte, 4-byte, 3- and 2-byte
    /// values), values that share a prefix, a value at the very end, and a
    /// value added twice once. Hand-made values: the table's shapes, not a
    /// capture's.
    #[test]
    fn the_prefix_index_keeps_longest_first() {
        let r = sealed(&[
            (Kind::Ip, "10.203.0.1"),
            (Kind::Ip, "10.203.0.19"),
            (Kind::Host, "srv"),
            (Kind::Host, "srv-a"),
            (Kind::Name, "ab"),
            (Kind::Ip, "10.203.0.1"),
        ]);
        assert_eq!(r.len(), 5);
        assert_eq!(
            r.text("10.203.0.19:3389 10.203.0.1 srv-a srv ab AB abc"),
            "IP-2:3389 IP-1 HOST-2 HOST-1 NAME-1 NAME-1 abc"
        );
        assert_eq!(r.text("to srv"), "to HOST-1");
    }

    #[test]
    fn stable_placeholders_and_boundaries() {
        let r = sealed(&[
            (Kind::User, "admin"),
            (Kind::Host, "srv01.corp.example"),
            (Kind::Host, "SRV01"),
            (Kind::Ip, "10.0.0.1"),
        ]);
        let t = r.text("admin logged on to srv01 (SRV01.corp.example) at 10.0.0.1:3389, not administrator on 10.0.0.12");
        assert_eq!(
            t,
            "USER-1 logged on to HOST-2 (HOST-1) at IP-1:3389, not administrator on 10.0.0.12"
        );
    }

    #[test]
    fn domain_user_split() {
        let r = sealed(&[(Kind::User, "CORP\\alice")]);
        assert_eq!(r.text("corp\\alice and alice"), "USER-2 and USER-1");
        let r2 = sealed(&[(Kind::User, "CORP\\alice")]);
        assert_eq!(r2.text("CORP"), "DOMAIN-1");
    }

    #[test]
    fn ipv4_scan_skips_versions() {
        let mut v = Vec::new();
        scan_ipv4(
            "TLS 1.2, build 10.0.19041, peer 192.168.1.20:3389, 1.2.3.4.5",
            &mut v,
        );
        assert_eq!(v, vec!["192.168.1.20".to_string()]);
    }

    #[test]
    fn dn_values() {
        let mut r = Redactor::default();
        r.add_dn("CN=rdp.corp.example, O=Example Corp, C=US");
        r.seal();
        let t = r.text("subject CN=rdp.corp.example, O=Example Corp, C=US; name rdp.corp.example; org Example Corp");
        assert!(!t.to_lowercase().contains("corp"), "{t}");
        assert!(
            t.contains("CERT-1") && t.contains("HOST-1") && t.contains("NAME-1"),
            "{t}"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_removes_tokens(
            tokens in proptest::collection::vec("[a-zA-Z0-9éß.\\-]{2,8}", 1..5),
            text in "\\PC{0,80}",
        ) {
            let mut r = Redactor::default();
            for t in &tokens {
                r.add(Kind::Host, t);
            }
            r.seal();
            let mixed = format!("{text} {} {text}", tokens.join(" "));
            let out = r.text(&mixed);
            // Whole-word occurrences of a token are gone (a token may still
            // appear inside a longer word, which is not that name).
            for w in out.split(' ') {
                for t in &tokens {
                    proptest::prop_assert!(!w.eq_ignore_ascii_case(t), "{w} left in {out}");
                }
            }
        }
    }
}
