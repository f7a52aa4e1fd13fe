//! Attempts: the TCP connections (and RDP-UDP flows, DNS lookups) of one user
//! try, grouped so that a refused first connection followed by the client's
//! own automatic fallback is judged as a whole. Grouping only: the rules
//! judge each connection first ([`ConnVerdict`]), this module reads those
//! verdicts to tell a client's retry from a user's, and the rules then judge
//! the groups.
//!
//! A connection joins the previous one's attempt only when it is the
//! client's own doing: it starts within the window after a connection that
//! failed at a stage clients retry on their own (TCP, negotiation, TLS, NLA,
//! MCS, licensing)
//! or that ended with no verdict, or it runs alongside it (an RD Gateway's
//! two legs). A session that came up, or a failure the client does not retry
//! (activation, session), ends the attempt: whatever follows is
//! the user trying again, and a user's retry is a new attempt. A connection
//! the client closed without any verdict (mstsc closes while the user answers
//! a certificate or credential prompt) joins the next one within a minute.

use crate::session::kdc::KdcFlow;
use crate::session::{ConnectionRecord, DnsLookup, UdpRecord};
use crate::verdict::{ConnVerdict, Outcome, Stage};
use crate::wire::FrameRef;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

/// The connections of one attempt and what is attached to it.
#[derive(Debug)]
pub struct TcpGroup<'a> {
    /// The TCP connections, in capture order.
    pub conns: Vec<&'a ConnectionRecord>,
    /// Each connection's index in the slice given to [`group`].
    pub index: Vec<usize>,
    /// RDP-UDP flows between the same hosts around the same time.
    pub udp: Vec<&'a UdpRecord>,
    /// DNS lookups whose answer named the server, shortly before the first connection.
    pub dns: Vec<&'a DnsLookup>,
    /// Lookups by the same client that got no answer (NXDOMAIN, SERVFAIL,
    /// ...) shortly before the first connection: the name the user may have
    /// typed first. Kept so that a DNS failure stays in the report.
    pub dns_failed: Vec<&'a DnsLookup>,
    /// The client's Kerberos exchanges with its KDC, shortly before or
    /// during the connections.
    pub kdc: Vec<&'a KdcFlow>,
}

impl TcpGroup<'_> {
    /// The last packet of any of the group's connections.
    pub fn end(&self) -> FrameRef {
        let last = self.conns[self.conns.len() - 1].last;
        self.conns.iter().map(|c| c.last).max().unwrap_or(last)
    }
}

/// Everything of a capture, grouped into attempts.
#[derive(Debug, Default)]
pub struct Grouping<'a> {
    /// Attempts made of TCP connections.
    pub tcp: Vec<TcpGroup<'a>>,
    /// RDP-UDP flows that belong to no TCP attempt, in capture order.
    pub lone_udp: Vec<&'a UdpRecord>,
    /// When the capture holds no RDP connection at all (no TCP attempt and
    /// no lone RDP-UDP flow), every DNS lookup with the flow that carried it:
    /// a failed lookup is then the user's try. Empty otherwise, so a busy
    /// capture's failed lookups never become attempts.
    pub dns_only: Vec<(&'a UdpRecord, &'a DnsLookup)>,
}

/// How long a user may take over a client's prompt between a connection
/// that ended without a verdict and the client's next one.
const PROMPT_S: f64 = 60.0;

/// How long before an attempt a DNS lookup of its server counts as the one
/// it used. Independent of the retry window.
const DNS_BEFORE_S: f64 = 60.0;

/// How long before an attempt a Kerberos exchange of its client counts as
/// part of it (Windows asks its KDC for the TERMSRV/ ticket just before
/// CredSSP, after any DNS lookup). Independent of the retry window.
const KDC_BEFORE_S: f64 = 60.0;

/// An RDP-UDP flow belongs to the attempt whose TCP connection is open when
/// it starts (multitransport starts during activation), or that ended this
/// many seconds before.
const UDP_AFTER_S: f64 = 5.0;

/// How long after the last packet of a (client IP, server) pair's
/// connections their attempts are final, once none of them is open, given
/// the verdict of the pair's latest connection: no later connection can join
/// them (`joins`: never after a session or a failure clients do not retry;
/// within the retry window after one they do; within [`PROMPT_S`] after a
/// connection without a verdict) and no RDP-UDP flow can attach any more
/// ([`UDP_AFTER_S`]). What a streaming analysis waits for.
pub fn settle_after_s(window_s: f64, latest: Option<&ConnVerdict>) -> f64 {
    let join = match ending(latest) {
        Ending::Session | Ending::Final => 0.0,
        Ending::Retried(_) => window_s,
        Ending::Open => window_s.max(PROMPT_S),
    };
    join.max(UDP_AFTER_S) + 1.0
}

/// [`settle_after_s`] at its longest (whatever the latest verdict).
pub fn settle_max_s(window_s: f64) -> f64 {
    settle_after_s(window_s, None)
}

/// [`settle_after_s`] at its shortest (after a session).
pub fn settle_min_s() -> f64 {
    UDP_AFTER_S + 1.0
}

/// How far before an attempt's first connection a DNS lookup or a Kerberos
/// exchange can belong to it: older ones can be dropped once every attempt
/// that could still claim them started later.
pub const LOOKBACK_S: f64 = if DNS_BEFORE_S > KDC_BEFORE_S {
    DNS_BEFORE_S
} else {
    KDC_BEFORE_S
};

/// Group connections, RDP-UDP flows and DNS lookups. `verdicts[i]` is the
/// verdict of `conns[i]`. A connection of the same client IP and server
/// endpoint joins the previous connection's attempt when it is the client's
/// automatic retry (see the module doc): it starts within `window_s` after a
/// connection that failed at a stage clients retry, or that has no verdict.
/// `dns_only`: whether failed lookups may become attempts of their own when
/// nothing else does (false for a part of a capture whose other parts held
/// RDP attempts).
pub fn group<'a>(
    conns: &'a [ConnectionRecord],
    verdicts: &[ConnVerdict],
    udp: &'a [UdpRecord],
    kdc: &'a [KdcFlow],
    window_s: f64,
    dns_only: bool,
) -> Grouping<'a> {
    let mut tcp: Vec<TcpGroup<'a>> = group_tcp(conns, verdicts, window_s)
        .into_iter()
        .map(|index| TcpGroup {
            conns: index.iter().map(|&i| &conns[i]).collect(),
            index,
            udp: Vec::new(),
            dns: Vec::new(),
            dns_failed: Vec::new(),
            kdc: Vec::new(),
        })
        .collect();
    let used_udp = attach_udp(&mut tcp, udp, UDP_AFTER_S);
    attach_dns(&mut tcp, udp, DNS_BEFORE_S);
    attach_failed_dns(&mut tcp, udp, DNS_BEFORE_S);
    attach_kdc(&mut tcp, kdc, KDC_BEFORE_S);
    let lone_udp: Vec<&UdpRecord> = udp
        .iter()
        .enumerate()
        .filter(|(i, u)| !used_udp[*i] && u.rdpudp.is_some())
        .map(|(_, u)| u)
        .collect();
    let dns_only = if dns_only && tcp.is_empty() && lone_udp.is_empty() {
        udp.iter()
            .flat_map(|u| u.dns.iter().map(move |l| (u, l)))
            .collect()
    } else {
        Vec::new()
    };
    Grouping {
        tcp,
        lone_udp,
        dns_only,
    }
}

/// TCP connections by attempt, as indices into `conns`. Only groups of the
/// same client IP and server can match, so each (client IP, server) keeps
/// the list of its groups: linear, not quadratic, in the number of
/// connections (the live view re-runs this on every refresh).
fn group_tcp(
    conns: &[ConnectionRecord],
    verdicts: &[ConnVerdict],
    window_s: f64,
) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_key: HashMap<(IpAddr, SocketAddr), Vec<usize>> = HashMap::new();
    let mut order: Vec<usize> = (0..conns.len()).collect();
    order.sort_by_key(|&i| (conns[i].first.ts, conns[i].id));
    for i in order {
        let c = &conns[i];
        let same = by_key.entry((c.client.ip(), c.server)).or_default();
        // Only the latest group can be continued: a retry follows the
        // connection before it.
        let g = same
            .last()
            .copied()
            .filter(|&g| joins(conns, verdicts, &groups[g], i, window_s));
        match g {
            Some(g) => groups[g].push(i),
            None => {
                same.push(groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// How a connection ended, for grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// The session came up.
    Session,
    /// Failed at a stage clients retry on their own.
    Retried(Stage),
    /// Failed at a stage no client retries by itself.
    Final,
    /// No verdict: the capture or the client stopped early.
    Open,
}

fn ending(v: Option<&ConnVerdict>) -> Ending {
    match v.map(|v| (v.outcome, v.failed_stage)) {
        Some((Outcome::Success, _)) => Ending::Session,
        Some((Outcome::Failure, Some(st))) if retried_stage(st) => Ending::Retried(st),
        Some((Outcome::Failure, _)) => Ending::Final,
        _ => Ending::Open,
    }
}

/// Stages whose failure clients answer with a new connection on their own:
/// mstsc and FreeRDP reconnect after a negotiation failure with other
/// protocols, mstsc retries a refused NLA with TLS only, and both try the
/// next address (or once more) after a TCP or TLS failure. FreeRDP 2.11 also
/// reconnects once, at once, after an MCS Connect-Response failure or a
/// licensing error (captures/mcs_connect_response_failure.pcap frame 25,
/// captures/licensing_no_license_server.pcap frame 36).
fn retried_stage(st: Stage) -> bool {
    matches!(
        st,
        Stage::Tcp | Stage::Negotiation | Stage::Tls | Stage::Nla | Stage::Mcs | Stage::Licensing
    )
}

/// Whether connection `i` is the client's own continuation of `group`.
fn joins(
    conns: &[ConnectionRecord],
    verdicts: &[ConnVerdict],
    group: &[usize],
    i: usize,
    window_s: f64,
) -> bool {
    let c = &conns[i];
    let Some(&p) = group.last() else {
        return false;
    };
    let (prev, now) = (ending(verdicts.get(p)), ending(verdicts.get(i)));
    let group_end = group
        .iter()
        .map(|&k| conns[k].last.ts)
        .max()
        .unwrap_or(conns[p].last.ts);
    // Running alongside the attempt (an RD Gateway's IN and OUT legs): one
    // attempt, unless both are sessions of their own.
    if c.first.ts < group_end {
        return !(prev == Ending::Session && now == Ending::Session);
    }
    // A connection with no verdict of its own (the client closed it while
    // the user answered a certificate or credential prompt, as mstsc does)
    // hides nothing: the next one within a minute is the same try.
    let limit = if prev == Ending::Open {
        window_s.max(PROMPT_S)
    } else {
        window_s
    };
    if c.first.ts.since(conns[p].last.ts) > limit {
        return false;
    }
    let request = |k: usize| &conns[k].facts.negotiation.requested_protocols;
    match prev {
        Ending::Session | Ending::Final => false,
        // The same credentials cannot succeed on their own after a refusal:
        // a success with the same request is the user typing them again.
        Ending::Retried(Stage::Nla) if now == Ending::Session => request(p) != request(i),
        // A client repeats a failed request at most once by itself; a third
        // identical try is a user or a tool (a password spray).
        Ending::Retried(_) | Ending::Open => {
            group.iter().filter(|&&k| request(k) == request(i)).count() < 2
        }
    }
}

/// Attach RDP-UDP flows between the same hosts around the same time; returns
/// which flows were used.
fn attach_udp<'a>(tcp: &mut [TcpGroup<'a>], udp: &'a [UdpRecord], window_s: f64) -> Vec<bool> {
    let mut used = vec![false; udp.len()];
    let mut by_hosts: HashMap<(IpAddr, IpAddr), Vec<usize>> = HashMap::new();
    for (i, u) in udp.iter().enumerate() {
        if u.rdpudp.is_some() {
            by_hosts
                .entry((u.flow.client.ip(), u.flow.server.ip()))
                .or_default()
                .push(i);
        }
    }
    for g in tcp.iter_mut() {
        let first = g.conns[0];
        let end = g.end();
        let hosts = (first.client.ip(), first.server.ip());
        for &i in by_hosts.get(&hosts).map_or(&[][..], |v| v.as_slice()) {
            let u = &udp[i];
            let near =
                u.flow.first.ts >= first.first.ts && u.flow.first.ts.since(end.ts) <= window_s;
            if !used[i] && near {
                used[i] = true;
                g.udp.push(u);
            }
        }
    }
    used
}

/// Attach the DNS lookups whose answer names the server, made shortly before
/// the attempt's first connection.
fn attach_dns<'a>(tcp: &mut [TcpGroup<'a>], udp: &'a [UdpRecord], window_s: f64) {
    let mut by_answer: HashMap<&str, Vec<&DnsLookup>> = HashMap::new();
    for u in udp.iter().filter(|u| !u.dns.is_empty()) {
        for l in &u.dns {
            for (k, x) in l.answers.iter().enumerate() {
                if !l.answers[..k].contains(x) {
                    by_answer.entry(x.as_str()).or_default().push(l);
                }
            }
        }
    }
    for g in tcp.iter_mut() {
        let first = g.conns[0];
        let server_ip = first.server.ip().to_string();
        for l in by_answer
            .get(server_ip.as_str())
            .map_or(&[][..], |v| v.as_slice())
        {
            let before =
                l.query.ts <= first.first.ts && first.first.ts.since(l.query.ts) <= window_s;
            if before {
                g.dns.push(l);
            }
        }
    }
}

/// Attach the failed lookups (a response without answers) the attempt's
/// client made shortly before its first connection, to the first attempt
/// after them.
fn attach_failed_dns<'a>(tcp: &mut [TcpGroup<'a>], udp: &'a [UdpRecord], window_s: f64) {
    let mut by_client: HashMap<IpAddr, Vec<&DnsLookup>> = HashMap::new();
    for u in udp {
        for l in u
            .dns
            .iter()
            .filter(|l| l.response.is_some() && l.answers.is_empty())
        {
            by_client.entry(u.flow.client.ip()).or_default().push(l);
        }
    }
    let mut used: Vec<&DnsLookup> = Vec::new();
    let mut order: Vec<usize> = (0..tcp.len()).collect();
    order.sort_by_key(|&i| tcp[i].conns[0].first.ts);
    for i in order {
        let first = tcp[i].conns[0].first.ts;
        let client = tcp[i].conns[0].client.ip();
        for &l in by_client.get(&client).map_or(&[][..], |v| v.as_slice()) {
            let before = l.query.ts <= first && first.since(l.query.ts) <= window_s;
            if before && !used.iter().any(|u| std::ptr::eq(*u, l)) {
                used.push(l);
                tcp[i].dns_failed.push(l);
            }
        }
    }
}

/// Attach each KDC exchange to the first attempt of the same client IP that
/// it precedes by at most `window_s` or falls within: Windows asks its KDC
/// for the TERMSRV/ ticket just before CredSSP starts.
fn attach_kdc<'a>(tcp: &mut [TcpGroup<'a>], kdc: &'a [KdcFlow], window_s: f64) {
    for k in kdc {
        let at = k.first.ts;
        let g = tcp.iter_mut().find(|g| {
            let first = g.conns[0];
            first.client.ip() == k.client.ip()
                && at <= g.end().ts
                && (at >= first.first.ts || first.first.ts.since(at) <= window_s)
        });
        if let Some(g) = g {
            g.kdc.push(k);
        }
    }
}
