//! Reachability: every address the name resolves to, one TCP connect each.

use super::record::{self, Connect, RecStream, Recorder};
use super::report::{ProbeReport, TcpOutcome, TcpResult};
use crate::wire::FrameRef;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// The addresses `host`:`port` resolves to, deduplicated in order; the
/// error goes to the report.
pub(super) fn resolve(rep: &mut ProbeReport, host: &str, port: u16) -> Vec<SocketAddr> {
    let addrs: Vec<SocketAddr> = match (host, port).to_socket_addrs() {
        Ok(a) => {
            let mut v: Vec<SocketAddr> = Vec::new();
            for x in a {
                if !v.contains(&x) {
                    v.push(x);
                }
            }
            v
        }
        Err(e) => {
            rep.dns.error = Some(e.to_string());
            Vec::new()
        }
    };
    rep.dns.addresses = addrs.iter().map(|a| a.ip().to_string()).collect();
    addrs
}

/// What the TCP connects found.
#[derive(Default)]
pub(super) struct Reach {
    /// The first address that accepted, with its open connection.
    pub first: Option<(SocketAddr, RecStream)>,
    /// Addresses that answered the SYN with a RST, and the SYN's frame.
    pub refused: Vec<(SocketAddr, FrameRef)>,
    /// Addresses that did not answer at all.
    pub silent: Vec<(SocketAddr, FrameRef)>,
    /// Addresses the SYN could not be sent to, and why.
    pub unreachable: Vec<(SocketAddr, FrameRef, String)>,
}

/// Connect to every address; rows go to the report.
pub(super) fn connect_all(
    rep: &mut ProbeReport,
    rec: &Recorder,
    addrs: &[SocketAddr],
    timeout: Duration,
) -> Reach {
    let mut r = Reach::default();
    for a in addrs {
        let (outcome, secs, detail) = match record::connect(rec, *a, timeout) {
            Connect::Ok(mut s, secs) => {
                if r.first.is_none() {
                    s.set_io_timeout(timeout);
                    r.first = Some((*a, s));
                } else {
                    s.close();
                }
                (TcpOutcome::Connected, secs, None)
            }
            Connect::Refused(f) => {
                r.refused.push((*a, f));
                (
                    TcpOutcome::Refused,
                    0.0,
                    Some("RST: nothing listens on this port".to_string()),
                )
            }
            Connect::TimedOut(f) => {
                r.silent.push((*a, f));
                (
                    TcpOutcome::TimedOut,
                    timeout.as_secs_f64(),
                    Some("no SYN-ACK and no RST: dropped on the way".to_string()),
                )
            }
            Connect::Failed(e, f) => {
                r.unreachable.push((*a, f, e.clone()));
                (TcpOutcome::Unreachable, 0.0, Some(e))
            }
        };
        rep.tcp.push(TcpResult {
            address: a.to_string(),
            outcome,
            seconds: (secs * 1e4).round() / 1e4,
            detail,
        });
    }
    r
}
