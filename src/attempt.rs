//! Attempts: the TCP connections (and RDP-UDP flows, DNS lookups) of one user
//! try, grouped so that a refused first connection followed by a successful
//! fallback is judged as a whole; the stage timeline; the verdict.

use crate::flow::{FrameRef, Handshake};
use crate::rules::{self, Finding, Severity};
use crate::session::{ConnectionRecord, DnsLookup, UdpRecord};
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;

/// The stages of an RDP connection, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Dns,
    Tcp,
    Negotiation,
    Tls,
    Nla,
    Mcs,
    Licensing,
    Activation,
    Session,
    Udp,
    Gateway,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Dns => "dns",
            Stage::Tcp => "tcp",
            Stage::Negotiation => "negotiation",
            Stage::Tls => "tls",
            Stage::Nla => "nla",
            Stage::Mcs => "mcs",
            Stage::Licensing => "licensing",
            Stage::Activation => "activation",
            Stage::Session => "session",
            Stage::Udp => "udp",
            Stage::Gateway => "gateway",
        }
    }
    /// Parse a stage name.
    pub fn from_name(s: &str) -> Option<Stage> {
        ALL_STAGES.iter().copied().find(|st| st.name() == s)
    }
}

pub const ALL_STAGES: [Stage; 11] = [
    Stage::Dns,
    Stage::Tcp,
    Stage::Negotiation,
    Stage::Tls,
    Stage::Nla,
    Stage::Mcs,
    Stage::Licensing,
    Stage::Activation,
    Stage::Session,
    Stage::Udp,
    Stage::Gateway,
];

/// The verdict of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    /// The capture ends before anything decisive.
    Incomplete,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Incomplete => "incomplete",
        }
    }
}

/// One stage reached (or failed) by a connection, for the ladder.
#[derive(Debug, Clone, Serialize)]
pub struct StageMark {
    pub stage: Stage,
    pub ok: bool,
    pub frame: Option<FrameRef>,
}

/// The verdict of one connection.
#[derive(Debug, Clone, Serialize)]
pub struct ConnVerdict {
    pub connection: u32,
    pub outcome: Outcome,
    pub failed_stage: Option<Stage>,
    pub stages: Vec<StageMark>,
}

/// One RDP connection attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub id: u32,
    pub client: String,
    pub server: String,
    pub start: FrameRef,
    pub end: FrameRef,
    pub duration_s: f64,
    pub outcome: Outcome,
    pub failed_stage: Option<Stage>,
    /// How the verdict was reached: "decrypted" (seen inside TLS), "clear"
    /// (visible in clear text) or "inferred" (from the encrypted shape).
    pub evidence_basis: &'static str,
    pub root_cause: Option<Finding>,
    pub findings: Vec<Finding>,
    pub stages: Vec<StageMark>,
    pub verdicts: Vec<ConnVerdict>,
    /// Connection ids (TCP) in this attempt.
    pub connection_ids: Vec<u32>,
    pub udp_flow_ids: Vec<u32>,
    pub dns: Vec<DnsLookup>,
}

/// Settings of the diagnosis.
#[derive(Debug, Clone)]
pub struct DiagConfig {
    /// Seconds between connections of the same client and server that still count as one attempt.
    pub group_window_s: f64,
    /// Days before expiry that make a certificate "expiring soon".
    pub expiring_soon_days: i64,
    /// Real retransmissions (per connection) that make a storm, and the share of packets.
    pub retrans_storm_count: u32,
    pub retrans_storm_ratio: f64,
    /// Seconds of silence inside an active session that count as a stall.
    pub stall_s: f64,
    /// Rule ids turned off.
    pub disabled: Vec<String>,
    /// Severity overrides (rule id, severity) from the configuration file.
    /// They change how a finding is reported and what `--fail-on` sees, not
    /// whether a connection failed.
    pub severity: Vec<(String, Severity)>,
}

impl Default for DiagConfig {
    fn default() -> Self {
        DiagConfig {
            group_window_s: 60.0,
            expiring_soon_days: 30,
            retrans_storm_count: 10,
            retrans_storm_ratio: 0.1,
            stall_s: 30.0,
            disabled: Vec::new(),
            severity: Vec::new(),
        }
    }
}

fn ip_of(s: &std::net::SocketAddr) -> IpAddr {
    s.ip()
}

/// Group connections, UDP flows and DNS lookups into attempts and judge each.
pub fn diagnose(conns: &[ConnectionRecord], udp: &[UdpRecord], cfg: &DiagConfig) -> Vec<Attempt> {
    // 1. Group TCP connections: same client IP and server endpoint, starting
    //    within the window after the previous connection's end.
    //    Only groups of the same client IP and server can match, so each
    //    (client IP, server) keeps the list of its groups: linear, not
    //    quadratic, in the number of connections (the live view re-runs
    //    this on every refresh).
    let mut groups: Vec<Vec<&ConnectionRecord>> = Vec::new();
    let mut by_key: std::collections::HashMap<(IpAddr, std::net::SocketAddr), Vec<usize>> =
        std::collections::HashMap::new();
    let mut order: Vec<&ConnectionRecord> = conns.iter().collect();
    order.sort_by_key(|c| (c.first.ts, c.id));
    for c in order {
        let same = by_key.entry((ip_of(&c.client), c.server)).or_default();
        let g = same.iter().rev().copied().find(|&i| {
            groups[i]
                .last()
                .is_some_and(|p| c.first.ts.since(p.last.ts) <= cfg.group_window_s)
        });
        match g {
            Some(i) => groups[i].push(c),
            None => {
                same.push(groups.len());
                groups.push(vec![c]);
            }
        }
    }
    let mut attempts = Vec::new();
    let mut used_udp = vec![false; udp.len()];
    // RDP-UDP flows by (client IP, server IP), and DNS lookups by the
    // address they answered, each in capture order.
    let mut rdpudp_by_hosts: HashMap<(IpAddr, IpAddr), Vec<usize>> = HashMap::new();
    for (i, u) in udp.iter().enumerate() {
        if u.rdpudp.is_some() {
            rdpudp_by_hosts
                .entry((ip_of(&u.flow.client), ip_of(&u.flow.server)))
                .or_default()
                .push(i);
        }
    }
    let mut dns_by_answer: HashMap<&str, Vec<&DnsLookup>> = HashMap::new();
    for u in udp.iter().filter(|u| !u.dns.is_empty()) {
        for l in &u.dns {
            for (k, x) in l.answers.iter().enumerate() {
                if !l.answers[..k].contains(x) {
                    dns_by_answer.entry(x.as_str()).or_default().push(l);
                }
            }
        }
    }
    for g in &groups {
        let mut a = judge_group(g, cfg);
        // Attach RDP-UDP flows between the same hosts around the same time.
        let hosts = (g[0].client.ip(), g[0].server.ip());
        for &i in rdpudp_by_hosts
            .get(&hosts)
            .map_or(&[][..], |v| v.as_slice())
        {
            let u = &udp[i];
            if used_udp[i] {
                continue;
            }
            let near = u.flow.first.ts >= g[0].first.ts
                && u.flow.first.ts.since(a.end.ts) <= cfg.group_window_s;
            if near {
                used_udp[i] = true;
                a.udp_flow_ids.push(u.flow.id);
                rules::udp_findings(u, true, &mut a.findings);
            }
        }
        // Attach the DNS lookup whose answer names the server.
        let server_ip = g[0].server.ip().to_string();
        for l in dns_by_answer
            .get(server_ip.as_str())
            .map_or(&[][..], |v| v.as_slice())
        {
            let before = l.query.ts <= g[0].first.ts
                && g[0].first.ts.since(l.query.ts) <= cfg.group_window_s;
            if before {
                a.dns.push((*l).clone());
            }
        }
        attempts.push(a);
    }
    // 2. RDP-UDP flows with no TCP attempt.
    for (i, u) in udp.iter().enumerate() {
        if used_udp[i] {
            continue;
        }
        if let Some(_r) = &u.rdpudp {
            let mut findings = Vec::new();
            rules::udp_findings(u, false, &mut findings);
            let failed = findings.iter().any(|f| f.severity == Severity::Error);
            let success = u.rdpudp.as_ref().is_some_and(|r| r.synack_frame.is_some());
            let root = findings
                .iter()
                .find(|f| f.severity == Severity::Error)
                .cloned();
            attempts.push(Attempt {
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
                evidence_basis: "clear",
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
            });
        }
    }
    // 3. DNS failures: an attempt when the capture holds no RDP connection at all
    //    (the lookup is then the user's try), never for every failed lookup of a busy capture.
    if attempts.is_empty() {
        for u in udp.iter() {
            for l in &u.dns {
                if let Some(f) = rules::dns_failure(l) {
                    attempts.push(Attempt {
                        id: 0,
                        client: u.flow.client.ip().to_string(),
                        server: l.name.clone(),
                        start: l.query,
                        end: l.response.unwrap_or(l.query),
                        duration_s: l.response.map_or(0.0, |r| r.ts.since(l.query.ts)),
                        outcome: Outcome::Failure,
                        failed_stage: Some(Stage::Dns),
                        evidence_basis: "clear",
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
                    });
                }
            }
        }
        // Merge repeated failing lookups of the same name (A and AAAA) into one attempt.
        attempts.dedup_by(|b, a| {
            a.server == b.server
                && a.failed_stage == Some(Stage::Dns)
                && b.failed_stage == Some(Stage::Dns)
        });
    }
    attempts.sort_by_key(|a| a.start);
    for (i, a) in attempts.iter_mut().enumerate() {
        a.id = i as u32 + 1;
        rules::apply_disabled(&mut a.findings, &cfg.disabled);
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
        rules::apply_severity(&mut a.findings, &cfg.severity);
        if let Some(rc) = a.root_cause.as_mut() {
            rules::apply_severity(std::slice::from_mut(rc), &cfg.severity);
        }
    }
    attempts
}

fn judge_group(g: &[&ConnectionRecord], cfg: &DiagConfig) -> Attempt {
    let mut verdicts = Vec::new();
    let mut all_findings: Vec<(u32, Vec<Finding>)> = Vec::new();
    for c in g {
        let (v, f) = rules::judge_connection(c, cfg);
        verdicts.push(v);
        all_findings.push((c.id, f));
    }
    let any_success = verdicts.iter().any(|v| v.outcome == Outcome::Success);
    let last_failed = verdicts
        .iter()
        .rev()
        .find(|v| v.outcome == Outcome::Failure);
    let outcome = if any_success {
        Outcome::Success
    } else if last_failed.is_some() {
        Outcome::Failure
    } else {
        Outcome::Incomplete
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut root: Option<Finding> = None;
    let root_conn = if outcome == Outcome::Failure {
        last_failed.map(|v| v.connection)
    } else {
        None
    };
    for (cid, fs) in all_findings {
        for mut f in fs {
            if any_success && f.severity == Severity::Error && f.decisive {
                // A failed connection before a successful fallback: worth knowing, not a failure.
                f.severity = Severity::Info;
                f.decisive = false;
                f.title = format!("{} (the client then reconnected successfully)", f.title);
            }
            if root.is_none() && Some(cid) == root_conn && f.decisive {
                root = Some(f.clone());
            }
            findings.push(f);
        }
    }
    let failed_stage = if outcome == Outcome::Failure {
        root.as_ref()
            .map(|r| r.stage)
            .or_else(|| last_failed.and_then(|v| v.failed_stage))
    } else {
        None
    };
    let decrypted = g.iter().any(|c| {
        c.facts
            .decryption
            .as_ref()
            .is_some_and(|d| d.records_decrypted > 0)
    });
    let tls = g.iter().any(|c| c.facts.tls.server_hello.is_some());
    let basis = if decrypted {
        "decrypted"
    } else if tls
        && root
            .as_ref()
            .is_some_and(|r| r.stage >= Stage::Tls && r.inferred)
    {
        "inferred"
    } else {
        "clear"
    };
    let first = g[0];
    let last = g[g.len() - 1];
    let end = g.iter().map(|c| c.last).max().unwrap_or(last.last);
    let stages = verdicts
        .iter()
        .rev()
        .find(|v| v.outcome == outcome)
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

/// Whether the three-way handshake completed (or the capture starts mid-stream with data).
pub fn tcp_ok(c: &ConnectionRecord) -> bool {
    matches!(c.tcp.handshake, Handshake::Completed)
        || (c.tcp.handshake == Handshake::NotSeen && c.bytes[0] + c.bytes[1] > 0)
}
