//! From groups to verdicts: every attempt [`crate::attempt::group`] found is
//! judged here, connection by connection (`judge_connection`), then as a
//! whole; RDP-UDP flows and DNS lookups of their own become attempts too.

use super::{apply_disabled, apply_severity, dns_failure, judge_connection, udp_findings};
use crate::attempt::{self, TcpGroup};
use crate::session::kdc::KdcFlow;
use crate::session::{ConnectionRecord, DnsLookup, UdpRecord};
use crate::verdict::{
    Attempt, Basis, ConnVerdict, DiagConfig, Finding, Outcome, Severity, Stage, StageMark,
};

/// One connection judged on its own.
type Judged = (ConnVerdict, Vec<Finding>);

/// Judge every connection, group connections, UDP flows, DNS lookups and KDC
/// exchanges into attempts (the connection verdicts tell a client's retry
/// from a user's) and judge each attempt.
pub fn diagnose(
    conns: &[ConnectionRecord],
    udp: &[UdpRecord],
    kdc: &[KdcFlow],
    cfg: &DiagConfig,
) -> Vec<Attempt> {
    diagnose_part(conns, udp, kdc, cfg, Part::default())
}

/// Which part of a capture [`diagnose_part`] judges: a streaming analysis
/// judges the attempts of a capture in parts, as they become final.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    /// The id of the part's first attempt (attempts are numbered across parts).
    pub first_id: u32,
    /// Whether failed DNS lookups may become attempts when the part holds no
    /// RDP attempt: only when no earlier part held one either.
    pub dns_only: bool,
}

impl Default for Part {
    fn default() -> Self {
        Part {
            first_id: 1,
            dns_only: true,
        }
    }
}

/// [`diagnose`] for one part of a capture.
pub fn diagnose_part(
    conns: &[ConnectionRecord],
    udp: &[UdpRecord],
    kdc: &[KdcFlow],
    cfg: &DiagConfig,
    part: Part,
) -> Vec<Attempt> {
    let judged: Vec<Judged> = conns.iter().map(|c| judge_connection(c, cfg)).collect();
    let verdicts: Vec<ConnVerdict> = judged.iter().map(|(v, _)| v.clone()).collect();
    let grouping = attempt::group(
        conns,
        &verdicts,
        udp,
        kdc,
        cfg.group_window_s,
        part.dns_only,
    );
    let mut attempts: Vec<Attempt> = grouping
        .tcp
        .iter()
        .map(|g| judge_tcp_group(g, &judged, cfg))
        .collect();
    attempts.extend(grouping.lone_udp.iter().map(|u| udp_attempt(u)));
    let dns_start = attempts.len();
    attempts.extend(
        grouping
            .dns_only
            .iter()
            .filter_map(|(u, l)| dns_attempt(u, l)),
    );
    // Merge repeated failing lookups of the same name (A and AAAA) into one attempt.
    if dns_start == 0 {
        attempts.dedup_by(|b, a| {
            a.server == b.server
                && a.failed_stage == Some(Stage::Dns)
                && b.failed_stage == Some(Stage::Dns)
        });
    }
    attempts.sort_by_key(|a| a.start);
    for (i, a) in attempts.iter_mut().enumerate() {
        a.id = part.first_id.saturating_add(i as u32);
        apply_config(a, cfg);
    }
    attempts
}

/// Disabled rules and severity overrides from the configuration.
fn apply_config(a: &mut Attempt, cfg: &DiagConfig) {
    apply_disabled(&mut a.findings, &cfg.disabled);
    if a.root_cause
        .as_ref()
        .is_some_and(|r| cfg.disabled.contains(&r.id))
    {
        a.root_cause = a
            .findings
            .iter()
            .find(|f| f.severity == Severity::Error)
            .cloned();
    }
    apply_severity(&mut a.findings, &cfg.severity);
    if let Some(rc) = a.root_cause.as_mut() {
        apply_severity(std::slice::from_mut(rc), &cfg.severity);
    }
}

/// A TCP attempt with its RDP-UDP flows and DNS lookups.
fn judge_tcp_group(g: &TcpGroup<'_>, judged: &[Judged], cfg: &DiagConfig) -> Attempt {
    let mut a = judge_group(g, judged);
    for u in &g.udp {
        a.udp_flow_ids.push(u.flow.id);
        udp_findings(u, true, &mut a.findings);
    }
    if let Some(u) = g.udp.iter().find(|u| carried_session(g, u, cfg)) {
        ran_over_udp(&mut a, u);
    }
    a.dns.extend(g.dns.iter().map(|l| (*l).clone()));
    // A failed lookup just before: worth seeing, not the attempt's failure
    // (the client then reached the server by another name or address).
    for l in &g.dns_failed {
        if let Some(mut f) = dns_failure(l) {
            f.severity = Severity::Warning;
            f.decisive = false;
            f.title = format!(
                "{} (a lookup by this client just before the attempt)",
                f.title
            );
            a.findings.push(f);
            a.dns.push((*l).clone());
        }
    }
    super::kerberos::judge_kdc(g, &mut a);
    a
}

/// The session moved to RDP-UDP (multitransport, MS-RDPBCGR 1.3.1.1 and
/// MS-RDPEUDP): the UDP handshake completed, data flowed both ways, and the
/// flow was still carrying packets when the TCP connection went quiet (within
/// `stall_seconds` of its end), after the TCP side got past the connection
/// sequence.
fn carried_session(g: &TcpGroup<'_>, u: &UdpRecord, cfg: &DiagConfig) -> bool {
    let Some(r) = &u.rdpudp else {
        return false;
    };
    let tcp_end = g.end().ts;
    let sequence_done = g.conns.iter().any(|c| {
        c.facts.rdp.confirm_active.is_some()
            || c.facts.rdp.multitransport_request.is_some()
            || c.facts.rdp.first_fast_path[crate::wire::Dir::ServerToClient.idx()].is_some()
    });
    r.synack_frame.is_some()
        && r.data_packets >= 8
        && u.flow.packets[0] >= 4
        && u.flow.packets[1] >= 4
        && tcp_end.since(u.flow.last.ts) <= cfg.stall_s
        && sequence_done
}

/// The graphics went over RDP-UDP while the TCP connection stayed quiet: the
/// TCP silence, and a TCP end without an RDP goodbye after it, are not a
/// dropped session. The attempt is a success.
fn ran_over_udp(a: &mut Attempt, u: &UdpRecord) {
    if a.outcome == Outcome::Success {
        return;
    }
    let dropped_only = a
        .verdicts
        .iter()
        .all(|v| v.outcome != Outcome::Failure || v.failed_stage == Some(Stage::Session));
    if !dropped_only {
        return;
    }
    a.outcome = Outcome::Success;
    a.failed_stage = None;
    a.root_cause = None;
    for f in a.findings.iter_mut().filter(|f| {
        f.stage == Stage::Session || (f.stage == Stage::Tcp && f.severity == Severity::Error)
    }) {
        if f.severity > Severity::Info {
            demote(
                f,
                &format!("the session ran over RDP-UDP flow {} meanwhile", u.flow.id),
            );
        }
    }
    for m in a.stages.iter_mut().filter(|m| m.stage == Stage::Session) {
        m.ok = true;
    }
    if let Some(r) = &u.rdpudp {
        a.stages.push(StageMark {
            stage: Stage::Udp,
            ok: true,
            frame: r.synack_frame,
        });
    }
}

/// An RDP-UDP flow with no TCP attempt.
fn udp_attempt(u: &UdpRecord) -> Attempt {
    let mut findings = Vec::new();
    udp_findings(u, false, &mut findings);
    let failed = findings.iter().any(|f| f.severity == Severity::Error);
    let success = u.rdpudp.as_ref().is_some_and(|r| r.synack_frame.is_some());
    let root = findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .cloned();
    Attempt {
        id: 0,
        client: u.flow.client.to_string(),
        server: u.flow.server.to_string(),
        start: u.flow.first,
        end: u.flow.last,
        duration_s: u.flow.last.ts.since(u.flow.first.ts),
        outcome: if failed {
            Outcome::Failure
        } else if success {
            Outcome::Success
        } else {
            Outcome::Incomplete
        },
        failed_stage: failed.then_some(Stage::Udp),
        evidence_basis: Basis::Clear,
        root_cause: root,
        findings,
        stages: vec![StageMark {
            stage: Stage::Udp,
            ok: success,
            frame: Some(u.flow.first),
        }],
        verdicts: Vec::new(),
        connection_ids: Vec::new(),
        udp_flow_ids: vec![u.flow.id],
        dns: Vec::new(),
    }
}

/// A failed DNS lookup in a capture without RDP connections: the user's try.
fn dns_attempt(u: &UdpRecord, l: &DnsLookup) -> Option<Attempt> {
    let f = dns_failure(l)?;
    Some(Attempt {
        id: 0,
        client: u.flow.client.ip().to_string(),
        server: l.name.clone(),
        start: l.query,
        end: l.response.unwrap_or(l.query),
        duration_s: l.response.map_or(0.0, |r| r.ts.since(l.query.ts)),
        outcome: Outcome::Failure,
        failed_stage: Some(Stage::Dns),
        evidence_basis: Basis::Clear,
        root_cause: Some(f.clone()),
        findings: vec![f],
        stages: vec![StageMark {
            stage: Stage::Dns,
            ok: false,
            frame: l.response,
        }],
        verdicts: Vec::new(),
        connection_ids: Vec::new(),
        udp_flow_ids: vec![u.flow.id],
        dns: vec![l.clone()],
    })
}

/// Judge the connections of one attempt together: a failure followed by a
/// successful fallback is a success; otherwise the earliest decisive failure
/// is the root cause, and what the client's automatic retries ran into
/// afterwards is its consequence.
fn judge_group(group: &TcpGroup<'_>, judged: &[Judged]) -> Attempt {
    let g = &group.conns;
    let (verdicts, mut per_conn): (Vec<ConnVerdict>, Vec<Vec<Finding>>) =
        group.index.iter().map(|&i| judged[i].clone()).unzip();
    let any_success = verdicts.iter().any(|v| v.outcome == Outcome::Success);
    let root_at = if any_success {
        None
    } else {
        root_connection(&verdicts, &per_conn)
    };
    let outcome = if any_success {
        Outcome::Success
    } else if root_at.is_some() {
        Outcome::Failure
    } else {
        Outcome::Incomplete
    };
    for (k, fs) in per_conn.iter_mut().enumerate() {
        for f in fs.iter_mut().filter(|f| f.decisive) {
            match root_at {
                _ if any_success => {
                    // A failed connection before a successful fallback: worth knowing, not a failure.
                    demote(f, "the client then reconnected successfully");
                }
                Some(r) if k == r => {}
                Some(r) if k > r => {
                    f.decisive = false;
                    f.consequence = true;
                    f.title = format!(
                        "{} (a consequence: the client's automatic retry after the root cause ran into this)",
                        f.title
                    );
                }
                _ => demote(f, "the client then fell back to other security protocols"),
            }
        }
    }
    let root = root_at.and_then(|k| per_conn[k].iter().find(|f| f.decisive).cloned());
    let failed_stage = root_at
        .and_then(|k| verdicts[k].failed_stage)
        .or(root.as_ref().map(|r| r.stage));
    let findings: Vec<Finding> = per_conn.into_iter().flatten().collect();
    let basis = group_basis(g, root.as_ref());
    let first = g[0];
    let last = g[g.len() - 1];
    let end = g.iter().map(|c| c.last).max().unwrap_or(last.last);
    // The ladder of the connection the verdict comes from, so that it cites
    // the root cause's frames.
    let ladder_of = match root_at {
        Some(k) => verdicts.get(k),
        None => verdicts.iter().rev().find(|v| v.outcome == outcome),
    };
    let stages = ladder_of
        .or(verdicts.last())
        .map(|v| v.stages.clone())
        .unwrap_or_default();
    Attempt {
        id: 0,
        client: first.client.ip().to_string(),
        server: first.server.to_string(),
        start: first.first,
        end,
        duration_s: end.ts.since(first.first.ts),
        outcome,
        failed_stage,
        evidence_basis: basis,
        root_cause: root,
        findings,
        stages,
        verdicts,
        connection_ids: g.iter().map(|c| c.id).collect(),
        udp_flow_ids: Vec::new(),
        dns: Vec::new(),
    }
}

/// The connection whose failure is the attempt's root cause: the earliest
/// failed one with a decisive finding, unless it is a negotiation failure a
/// later connection of the attempt got past (the client's protocol fallback
/// worked around it, so what stopped the fallback is the cause). Without a
/// decisive finding, the earliest failed connection.
fn root_connection(verdicts: &[ConnVerdict], findings: &[Vec<Finding>]) -> Option<usize> {
    let failed = |k: &usize| verdicts[*k].outcome == Outcome::Failure;
    let got_past = |k: usize| {
        verdicts[k + 1..].iter().any(|v| {
            v.stages
                .iter()
                .any(|m| m.ok && m.stage > Stage::Negotiation)
        })
    };
    let superseded = |k: usize| verdicts[k].failed_stage == Some(Stage::Negotiation) && got_past(k);
    (0..verdicts.len())
        .filter(failed)
        .find(|&k| !superseded(k) && findings[k].iter().any(|f| f.decisive))
        .or_else(|| (0..verdicts.len()).find(failed))
}

/// A decisive finding that turned out not to decide the attempt.
fn demote(f: &mut Finding, why: &str) {
    f.severity = Severity::Info;
    f.decisive = false;
    f.title = format!("{} ({why})", f.title);
}

/// How the attempt's verdict was reached.
fn group_basis(g: &[&ConnectionRecord], root: Option<&Finding>) -> Basis {
    let decrypted = g.iter().any(|c| {
        c.facts
            .decryption
            .as_ref()
            .is_some_and(|d| d.records_decrypted > 0)
    });
    let tls = g.iter().any(|c| c.facts.tls.server_hello.is_some());
    if decrypted {
        Basis::Decrypted
    } else if tls && root.is_some_and(|r| r.stage >= Stage::Tls && r.inferred) {
        Basis::Inferred
    } else {
        Basis::Clear
    }
}

#[cfg(test)]
mod tests {
    use super::diagnose;
    use crate::rules::testkit::{conn, ConnBuilder};
    use crate::session::ConnectionRecord;
    use crate::verdict::{Attempt, DiagConfig, Outcome, Stage};
    use crate::wire::Dir;
    use rdpdiag_parsers::mcs::McsResult;
    use rdpdiag_parsers::nego::FailureCode;
    use rdpdiag_parsers::tls::{AlertDescription, AlertLevel};

    const C: Dir = Dir::ClientToServer;
    const S: Dir = Dir::ServerToClient;

    /// captures/nla_wrong_password.pcap connection 1 (frames 1-23, client
    /// view of freerdp-shadow-cli): HYBRID selected (6), TLS 1.3 (8, 10),
    /// NTLM up to the client's AUTHENTICATE (17), then the server's
    /// close_notify (18) and FIN (20). Frames are 1 ms apart; `base` moves
    /// the connection `base` ms later.
    fn nla_refused(id: u32, base: u64) -> ConnectionRecord {
        conn()
            .nth(id, base + 1)
            .handshake()
            .request(base + 4, 0x3)
            .confirm(base + 6, 0x2)
            .client_hello(base + 8)
            .server_hello(base + 10, 0x0304)
            .app_data(S, base + 10, 720)
            .app_data(C, base + 11, 69)
            .app_data(S, base + 12, 250)
            .app_data(C, base + 14, 110)
            .ntlm_negotiate(base + 14)
            .app_data(S, base + 15, 179)
            .ntlm_challenge(base + 15, "VM")
            .app_data(C, base + 17, 452)
            .ntlm_authenticate(base + 17, "", "labuser")
            .app_data(S, base + 18, 19)
            .alert(
                S,
                base + 18,
                AlertLevel::WARNING,
                AlertDescription::CLOSE_NOTIFY,
            )
            .fin(S, base + 20)
            .app_data(C, base + 22, 19)
            .decrypted(12)
            .build()
    }

    /// captures/hybrid_required_by_server.pcap: a TLS-only request (4)
    /// answered by RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER (6), FIN (7):
    /// what mstsc's own retry after a refused NLA runs into on Windows.
    fn tls_only_refused(id: u32, base: u64) -> ConnectionRecord {
        conn()
            .nth(id, base + 1)
            .handshake()
            .request(base + 4, 0x1)
            .neg_failure(base + 6, FailureCode::HYBRID_REQUIRED_BY_SERVER)
            .fin(S, base + 7)
            .build()
    }

    /// captures/tls_ok.pcap-like session: TLS (4-9), MCS (13, 14), Demand
    /// and Confirm Active (45, 47), screen output (61), the client's FIN (170).
    fn session(id: u32, base: u64, protocols: u32) -> ConnBuilder {
        conn()
            .nth(id, base + 1)
            .handshake()
            .request(base + 4, protocols)
            .confirm(base + 6, 0x1)
            .client_hello(base + 8)
            .server_hello(base + 9, 0x0304)
            .connect_initial(base + 13)
            .connect_response(base + 14, McsResult::RT_SUCCESSFUL)
            .demand_active(base + 45)
            .confirm_active(base + 47)
            .screen_output(base + 61)
            .decrypted(90)
    }

    fn run(conns: &[ConnectionRecord]) -> Vec<Attempt> {
        diagnose(conns, &[], &[], &DiagConfig::default())
    }

    fn outcomes(attempts: &[Attempt]) -> Vec<(Outcome, Vec<u32>)> {
        attempts
            .iter()
            .map(|a| (a.outcome, a.connection_ids.clone()))
            .collect()
    }

    #[test]
    fn a_users_retry_tens_of_seconds_later_is_a_new_attempt() {
        // The password refused, then 40 s later the user typed it again and
        // got in: a failure and a success, not one success.
        let conns = [
            nla_refused(1, 0),
            session(2, 40_000, 0x3).fin(C, 40_170).build(),
        ];
        let attempts = run(&conns);
        assert_eq!(
            outcomes(&attempts),
            [(Outcome::Failure, vec![1]), (Outcome::Success, vec![2])]
        );
        assert_eq!(attempts[0].failed_stage, Some(Stage::Nla));
    }

    #[test]
    fn a_password_spray_is_not_hidden_by_its_one_success() {
        // Six refusals 300 ms apart, then a success with the same request:
        // a client repeats a refused request once by itself, not more, and
        // the same credentials cannot succeed on their own after a refusal.
        let mut conns: Vec<ConnectionRecord> =
            (0..6).map(|k| nla_refused(k + 1, 300 * k as u64)).collect();
        conns.push(session(7, 1_800, 0x3).fin(C, 1_970).build());
        let attempts = run(&conns);
        assert_eq!(
            outcomes(&attempts),
            [
                (Outcome::Failure, vec![1, 2]),
                (Outcome::Failure, vec![3, 4]),
                (Outcome::Failure, vec![5, 6]),
                (Outcome::Success, vec![7]),
            ]
        );
    }

    /// zeek/rdp-proprietary-encryption.pcap's first connection: TLS asked,
    /// SSL_NOT_ALLOWED_BY_SERVER, the server closes.
    fn ssl_not_allowed() -> ConnectionRecord {
        conn()
            .nth(1, 1)
            .handshake()
            .request(4, 0x1)
            .neg_failure(6, FailureCode::SSL_NOT_ALLOWED_BY_SERVER)
            .fin(S, 7)
            .build()
    }

    /// The client's legacy (Standard RDP Security) reconnect 2.4 s later,
    /// through the MCS Connect Response.
    fn legacy_fallback() -> ConnBuilder {
        conn()
            .nth(2, 2_400)
            .handshake()
            .legacy_request(2_404)
            .legacy_confirm(2_406)
            .connect_initial(2_408)
            .connect_response(2_409, McsResult::RT_SUCCESSFUL)
    }

    #[test]
    fn the_clients_own_fallback_joins_the_attempt() {
        // zeek/rdp-proprietary-encryption.pcap: SSL_NOT_ALLOWED_BY_SERVER,
        // then 2.4 s later the client's legacy reconnect succeeds.
        let refused = ssl_not_allowed();
        let fallback = legacy_fallback().screen_output(2_450).build();
        let attempts = run(&[refused, fallback]);
        assert_eq!(outcomes(&attempts), [(Outcome::Success, vec![1, 2])]);
    }

    #[test]
    fn a_new_session_after_one_that_ended_is_a_new_attempt() {
        // Two sessions, the second 500 ms after the first was closed.
        let conns = [
            session(1, 0, 0x1).fin(C, 170).build(),
            session(2, 670, 0x1).fin(C, 840).build(),
        ];
        assert_eq!(
            outcomes(&run(&conns)),
            [(Outcome::Success, vec![1]), (Outcome::Success, vec![2])]
        );
    }

    #[test]
    fn the_root_cause_is_the_first_decisive_failure_not_the_retrys() {
        // mstsc against Windows: NLA refused, then 8 ms later its own retry
        // asks for TLS only and gets HYBRID_REQUIRED_BY_SERVER. The cause is
        // the refused credentials, not "enable NLA".
        let attempts = run(&[nla_refused(1, 0), tls_only_refused(2, 30)]);
        assert_eq!(outcomes(&attempts), [(Outcome::Failure, vec![1, 2])]);
        let a = &attempts[0];
        let root = a.root_cause.as_ref().expect("root cause");
        assert_eq!(root.id, "nla.credentials_rejected");
        assert_eq!(root.connection, Some(1));
        assert_eq!(a.failed_stage, Some(Stage::Nla));
        let retry = a
            .findings
            .iter()
            .find(|f| f.id == "negotiation.failure")
            .expect("the retry's finding is listed");
        assert!(retry.consequence && !retry.decisive);
        assert!(retry
            .title
            .contains("a consequence: the client's automatic retry"));
        // The ladder is the root connection's: NLA failed.
        assert!(a.stages.iter().any(|m| m.stage == Stage::Nla && !m.ok));
    }

    #[test]
    fn a_fallback_that_got_past_negotiation_names_the_cause() {
        // SSL_NOT_ALLOWED_BY_SERVER, then the legacy fallback is dropped by
        // the server after the connection sequence: the drop is the cause,
        // the refusal only the reason for the fallback.
        let refused = ssl_not_allowed();
        let fallback = legacy_fallback()
            .demand_active(2_445)
            .confirm_active(2_447)
            .fin(S, 2_470)
            .build();
        let attempts = run(&[refused, fallback]);
        let a = &attempts[0];
        assert_eq!(a.outcome, Outcome::Failure);
        assert_eq!(a.root_cause.as_ref().map(|r| r.connection), Some(Some(2)));
        let refusal = a
            .findings
            .iter()
            .find(|f| f.id == "negotiation.failure")
            .expect("listed");
        assert!(!refusal.decisive && !refusal.consequence);
    }

    #[test]
    fn a_failed_lookup_before_an_attempt_stays_in_the_report() {
        // captures/dns_nxdomain.pcap frames 1-3 (the A query and its
        // NXDOMAIN), then the user connects by address 5 s later.
        let mut lookups = crate::rules::testkit::udp(&[1], None);
        lookups.rdpudp = None;
        lookups.flow.client = "10.0.0.2:40000".parse().unwrap();
        lookups.flow.server = "10.0.0.53:53".parse().unwrap();
        lookups.dns = vec![crate::rules::testkit::dns(
            1,
            "rdp-server.lab",
            Some((3, rdpdiag_parsers::dns::Rcode::NXDOMAIN)),
        )];
        let conns = [session(1, 5_000, 0x1).fin(C, 5_170).build()];
        let attempts = diagnose(&conns, &[lookups], &[], &DiagConfig::default());
        assert_eq!(outcomes(&attempts), [(Outcome::Success, vec![1])]);
        let f = attempts[0]
            .findings
            .iter()
            .find(|f| f.id == "dns.nxdomain")
            .expect("the failed lookup is listed");
        assert_eq!(f.severity, crate::verdict::Severity::Warning);
        assert_eq!(attempts[0].dns.len(), 1);
    }

    /// An RDP-UDP flow 10.0.0.2:50001 → 10.0.0.1:3389: SYN at `syn`, SYN-ACK
    /// at `syn + 1`, then `data` packets each way until frame `last`.
    fn udp_session(syn: u64, last: u64, data: u64) -> crate::session::UdpRecord {
        let mut u = crate::rules::testkit::udp(&[syn], Some(syn + 1));
        u.flow.last = crate::rules::testkit::frame(last);
        u.flow.packets = [data + 1, data + 1];
        if let Some(r) = u.rdpudp.as_mut() {
            r.data_packets = 2 * data;
        }
        u
    }

    #[test]
    fn a_session_that_moved_to_rdp_udp_is_a_success() {
        // Activation over TCP (Confirm Active at 47), the RDP-UDP flow from
        // frame 50 carries the graphics; the TCP connection is silent for
        // 45 s (stall_network_outage.server.pcap's shape) and ends with the
        // client's RST answering the server's next packet.
        let tcp = session(1, 0, 0x1)
            .idle(45.0, 171, 45_172)
            .rst(C, 45_173, 64, false)
            .build();
        let cfg = DiagConfig::default();
        let alone = diagnose(std::slice::from_ref(&tcp), &[], &[], &cfg);
        assert_eq!(alone[0].outcome, Outcome::Failure);
        let with_udp = diagnose(&[tcp], &[udp_session(50, 45_100, 400)], &[], &cfg);
        assert_eq!(with_udp.len(), 1);
        let a = &with_udp[0];
        assert_eq!(a.outcome, Outcome::Success);
        assert!(a.root_cause.is_none());
        assert_eq!(a.udp_flow_ids, [1]);
        assert!(a.findings.iter().all(|f| !f.decisive));
        // A UDP flow that stopped long before the TCP end does not hide the drop.
        let tcp = session(1, 0, 0x1)
            .idle(45.0, 171, 45_172)
            .rst(C, 45_173, 64, false)
            .build();
        let short = diagnose(&[tcp], &[udp_session(50, 160, 40)], &[], &cfg);
        assert_eq!(short[0].outcome, Outcome::Failure);
    }
}
