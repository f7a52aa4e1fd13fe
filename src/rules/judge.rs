//! From groups to verdicts: every attempt [`crate::attempt::group`] found is
//! judged here, connection by connection (`judge_connection`), then as a
//! whole; RDP-UDP flows and DNS lookups of their own become attempts too.

use super::{apply_disabled, apply_severity, dns_failure, judge_connection, udp_findings};
use crate::attempt::{self, TcpGroup};
use crate::session::kdc::KdcFlow;
use crate::session::{ConnectionRecord, DnsLookup, UdpRecord};
use crate::verdict::{Attempt, Basis, DiagConfig, Finding, Outcome, Severity, Stage, StageMark};

/// Group connections, UDP flows and DNS lookups into attempts and judge each.
pub fn diagnose(
    conns: &[ConnectionRecord],
    udp: &[UdpRecord],
    kdc: &[KdcFlow],
    cfg: &DiagConfig,
) -> Vec<Attempt> {
    let grouping = attempt::group(conns, udp, kdc, cfg.group_window_s);
    let mut attempts: Vec<Attempt> = grouping
        .tcp
        .iter()
        .map(|g| judge_tcp_group(g, cfg))
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
        a.id = i as u32 + 1;
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
fn judge_tcp_group(g: &TcpGroup<'_>, cfg: &DiagConfig) -> Attempt {
    let mut a = judge_group(&g.conns, cfg);
    for u in &g.udp {
        a.udp_flow_ids.push(u.flow.id);
        udp_findings(u, true, &mut a.findings);
    }
    a.dns.extend(g.dns.iter().map(|l| (*l).clone()));
    super::kerberos::judge_kdc(g, &mut a);
    a
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
/// successful fallback is a success; otherwise the last failed connection
/// names the root cause.
fn judge_group(g: &[&ConnectionRecord], cfg: &DiagConfig) -> Attempt {
    let mut verdicts = Vec::new();
    let mut all_findings: Vec<(u32, Vec<Finding>)> = Vec::new();
    for c in g {
        let (v, f) = judge_connection(c, cfg);
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
        Basis::Decrypted
    } else if tls
        && root
            .as_ref()
            .is_some_and(|r| r.stage >= Stage::Tls && r.inferred)
    {
        Basis::Inferred
    } else {
        Basis::Clear
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
