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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_version_time_and_skew() {
        let c = ntlm::Challenge {
            target_name: "LAB".into(),
            flags: ntlm::NegotiateFlags(0),
            server_challenge: [0; 8],
            av_pairs: Vec::new(),
            target_info: ntlm::TargetInfo {
                nb_computer_name: Some("SRV".into()),
                dns_computer_name: Some("srv.lab.test".into()),
                timestamp_unix: Some(1_700_000_400),
                ..ntlm::TargetInfo::default()
            },
            version: Some(ntlm::NtlmVersion {
                major: 10,
                minor: 0,
                build: 20348,
                revision: 15,
            }),
        };
        let f = challenge_facts(&c, 1_700_000_000);
        assert_eq!(f.target_name.as_deref(), Some("LAB"));
        assert_eq!(f.netbios_computer.as_deref(), Some("SRV"));
        assert_eq!(f.dns_computer.as_deref(), Some("srv.lab.test"));
        assert_eq!(f.netbios_domain, None);
        assert_eq!(f.os_version.as_deref(), Some("10.0 build 20348"));
        assert_eq!(f.server_time.as_deref(), Some("2023-11-14T22:20:00Z"));
        assert_eq!(f.clock_skew_s, Some(400));
        let empty = ntlm::Challenge {
            target_name: String::new(),
            version: None,
            target_info: ntlm::TargetInfo::default(),
            ..c
        };
        let f = challenge_facts(&empty, 0);
        assert_eq!(f, ChallengeFacts::default());
    }
}
