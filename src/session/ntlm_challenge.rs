//! What an NTLM CHALLENGE says about the server: its names, Windows version
//! and clock. Shared by the capture analysis (session facts) and the probe,
//! so both read a CHALLENGE the same way.

use rdpdiag_parsers::ntlm;

/// Server facts from one NTLM CHALLENGE (MS-NLMP 2.2.1.2, AV pairs 2.2.2.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChallengeFacts {
    /// TargetName, None when empty.
    pub target_name: Option<String>,
    pub netbios_computer: Option<String>,
    pub netbios_domain: Option<String>,
    pub dns_computer: Option<String>,
    pub dns_domain: Option<String>,
    pub dns_tree: Option<String>,
    /// VERSION field, e.g. "10.0 build 20348".
    pub os_version: Option<String>,
    /// MsvAvTimestamp, RFC 3339.
    pub server_time: Option<String>,
    /// MsvAvTimestamp minus `now_unix`, seconds.
    pub clock_skew_s: Option<i64>,
}

/// Read `c`, judging the server clock against `now_unix` (the capture time
/// of the CHALLENGE, or the probe's own clock).
pub fn challenge_facts(c: &ntlm::Challenge<'_>, now_unix: i64) -> ChallengeFacts {
    let t = &c.target_info;
    let stamp = t.timestamp_unix;
    ChallengeFacts {
        target_name: Some(c.target_name.clone()).filter(|s| !s.is_empty()),
        netbios_computer: t.nb_computer_name.clone(),
        netbios_domain: t.nb_domain_name.clone(),
        dns_computer: t.dns_computer_name.clone(),
        dns_domain: t.dns_domain_name.clone(),
        dns_tree: t.dns_tree_name.clone(),
        os_version: c
            .version
            .map(|v| format!("{}.{} build {}", v.major, v.minor, v.build)),
        server_time: stamp.map(super::conn::unix_rfc3339),
        clock_skew_s: stamp.map(|s| s - now_unix),
    }
}
