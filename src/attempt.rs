//! Attempts: the TCP connections (and RDP-UDP flows, DNS lookups) of one user
//! try, grouped so that a refused first connection followed by a successful
//! fallback is judged as a whole. Grouping only: judging a group is the job
//! of the rules module, which reads these groups.

use crate::session::kdc::KdcFlow;
use crate::session::{ConnectionRecord, DnsLookup, UdpRecord};
use crate::wire::FrameRef;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

/// The connections of one attempt and what is attached to it.
#[derive(Debug)]
pub struct TcpGroup<'a> {
    /// The TCP connections, in capture order.
    pub conns: Vec<&'a ConnectionRecord>,
    /// RDP-UDP flows between the same hosts around the same time.
    pub udp: Vec<&'a UdpRecord>,
    /// DNS lookups whose answer named the server, shortly before the first connection.
    pub dns: Vec<&'a DnsLookup>,
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

/// Group connections, RDP-UDP flows and DNS lookups. Connections of the same
/// client IP and server endpoint that start within `window_s` after the
/// previous connection's end are one attempt.
pub fn group<'a>(
    conns: &'a [ConnectionRecord],
    udp: &'a [UdpRecord],
    kdc: &'a [KdcFlow],
    window_s: f64,
) -> Grouping<'a> {
    let mut tcp: Vec<TcpGroup<'a>> = group_tcp(conns, window_s)
        .into_iter()
        .map(|conns| TcpGroup {
            conns,
            udp: Vec::new(),
            dns: Vec::new(),
            kdc: Vec::new(),
        })
        .collect();
    let used_udp = attach_udp(&mut tcp, udp, window_s);
    attach_dns(&mut tcp, udp, window_s);
    attach_kdc(&mut tcp, kdc, window_s);
    let lone_udp: Vec<&UdpRecord> = udp
        .iter()
        .enumerate()
        .filter(|(i, u)| !used_udp[*i] && u.rdpudp.is_some())
        .map(|(_, u)| u)
        .collect();
    let dns_only = if tcp.is_empty() && lone_udp.is_empty() {
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

/// TCP connections by attempt. Only groups of the same client IP and server
/// can match, so each (client IP, server) keeps the list of its groups:
/// linear, not quadratic, in the number of connections (the live view
/// re-runs this on every refresh).
fn group_tcp(conns: &[ConnectionRecord], window_s: f64) -> Vec<Vec<&ConnectionRecord>> {
    let mut groups: Vec<Vec<&ConnectionRecord>> = Vec::new();
    let mut by_key: HashMap<(IpAddr, SocketAddr), Vec<usize>> = HashMap::new();
    let mut order: Vec<&ConnectionRecord> = conns.iter().collect();
    order.sort_by_key(|c| (c.first.ts, c.id));
    for c in order {
        let same = by_key.entry((c.client.ip(), c.server)).or_default();
        let g = same.iter().rev().copied().find(|&i| {
            groups[i]
                .last()
                .is_some_and(|p| c.first.ts.since(p.last.ts) <= window_s)
        });
        match g {
            Some(i) => groups[i].push(c),
            None => {
                same.push(groups.len());
                groups.push(vec![c]);
            }
        }
    }
    groups
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
