//! The TLS step over a negotiated channel: one handshake like a current
//! client (and the NTLM CHALLENGE over it when CredSSP was selected), then
//! each TLS version on its own connection.

use super::negotiation::{proto_name, Prober};
use super::nla::{self, NlaInfo};
use super::record;
use super::report::{TlsFailure, TlsMethod, TlsReport, TlsVersion, TlsVersionRow};
use super::tls;
use crate::session::facts::CertSource;
use crate::wire::FrameRef;

/// What the TLS step learned.
pub(super) struct TlsStep {
    pub tls: TlsReport,
    pub nla: Option<NlaInfo>,
    pub nla_error: Option<String>,
}

/// Run the TLS step over channels negotiated with `req`.
pub(super) fn probe_tls(p: &Prober, req: u32) -> TlsStep {
    let mut step = TlsStep {
        tls: TlsReport::default(),
        nla: None,
        nla_error: None,
    };
    let main = main_handshake(p, req, &mut step);
    let t = &mut step.tls;
    modern_rows(p, req, main, t);
    let raw_chain = hand_built_rows(p, req, t);
    if t.certificates.is_empty() && !raw_chain.is_empty() {
        // rustls could not finish a handshake; the chain came in clear after
        // a hand-built ClientHello's ServerHello.
        let fr = FrameRef {
            number: p.rec.frames(),
            ts: record::now(),
        };
        t.certificates = raw_chain
            .iter()
            .enumerate()
            .filter_map(|(i, der)| {
                crate::session::conn::cert_info(der, fr, i, CertSource::ProbeClientHello)
            })
            .collect();
    }
    step
}

/// The main handshake: TLS 1.2 and 1.3 offered, like a current client. The
/// version it got, if it completed.
fn main_handshake(p: &Prober, req: u32, step: &mut TlsStep) -> Option<u16> {
    let t = &mut step.tls;
    let (mut s, sel) = match p.channel(req) {
        Ok(c) => c,
        Err(e) => {
            t.channel = format!("requested {}", proto_name(req));
            t.error = Some(e.detail);
            t.failure = Some(if e.closed {
                TlsFailure::Closed
            } else {
                TlsFailure::Other
            });
            return None;
        }
    };
    t.channel = format!(
        "requested {} -> selected {}",
        proto_name(req),
        proto_name(sel)
    );
    let mut h = match tls::handshake(&p.rec, &mut s, &p.host, tls::Offer::Both) {
        Ok(h) => h,
        Err(f) => {
            t.failure = Some(if f.alert.is_some() {
                TlsFailure::Alert
            } else if f.closed {
                TlsFailure::Closed
            } else {
                TlsFailure::Other
            });
            t.error = Some(f.detail);
            s.close();
            return None;
        }
    };
    let fr = FrameRef {
        number: p.rec.frames(),
        ts: record::now(),
    };
    t.negotiated_version = Some(h.version.clone());
    t.cipher_suite = Some(h.suite.clone());
    t.certificates = h
        .chain
        .iter()
        .enumerate()
        .filter_map(|(i, der)| crate::session::conn::cert_info(der, fr, i, CertSource::Probe))
        .collect();
    if sel & (0x2 | 0x8) != 0 {
        let mut st = rustls::Stream::new(&mut h.conn, &mut s);
        match nla::challenge(&mut st, record::now().secs()) {
            Ok(mut n) => {
                n.frame = p.rec.frames();
                step.nla = Some(n);
            }
            Err(e) => step.nla_error = Some(e),
        }
    }
    h.conn.send_close_notify();
    let _ = h.conn.write_tls(&mut s);
    s.close();
    Some(h.version_id)
}

/// TLS 1.3 and 1.2 rows: from the main handshake where it tells, otherwise
/// with rustls limited to one version.
fn modern_rows(p: &Prober, req: u32, main: Option<u16>, t: &mut TlsReport) {
    let completed = |t: &TlsReport| {
        format!(
            "handshake completed: {}",
            t.cipher_suite.clone().unwrap_or_default()
        )
    };
    match main {
        Some(0x0304) => {
            let detail = completed(t);
            t.versions
                .push(rustls_row(TlsVersion::Tls13, Some(true), detail));
            t.versions
                .push(try_rustls(p, req, tls::Offer::Only12, TlsVersion::Tls12));
        }
        Some(0x0303) => {
            t.versions.push(rustls_row(
                TlsVersion::Tls13,
                Some(false),
                "offered TLS 1.3 and 1.2; the server chose TLS 1.2".into(),
            ));
            let detail = completed(t);
            t.versions
                .push(rustls_row(TlsVersion::Tls12, Some(true), detail));
        }
        _ => {
            t.versions
                .push(try_rustls(p, req, tls::Offer::Only13, TlsVersion::Tls13));
            t.versions
                .push(try_rustls(p, req, tls::Offer::Only12, TlsVersion::Tls12));
        }
    }
}

fn rustls_row(version: TlsVersion, accepted: Option<bool>, detail: String) -> TlsVersionRow {
    TlsVersionRow {
        version,
        accepted,
        method: TlsMethod::Rustls,
        detail,
        suite: None,
    }
}

/// One rustls handshake limited to `offer`.
fn try_rustls(p: &Prober, req: u32, offer: tls::Offer, version: TlsVersion) -> TlsVersionRow {
    let (accepted, detail) = match p.channel(req) {
        Ok((mut s, _)) => {
            let out = match tls::handshake(&p.rec, &mut s, &p.host, offer) {
                Ok(mut h) => {
                    h.conn.send_close_notify();
                    let _ = h.conn.write_tls(&mut s);
                    (Some(true), format!("handshake completed: {}", h.suite))
                }
                Err(f) => (Some(false), f.detail),
            };
            s.close();
            out
        }
        Err(e) => (None, format!("no channel: {}", e.detail)),
    };
    rustls_row(version, accepted, detail)
}

/// Hand-built ClientHellos for what rustls cannot offer: TLS 1.1 and 1.0,
/// and TLS 1.2 with older suites when rustls' TLS 1.2 was refused. The
/// first certificate chain seen in clear.
fn hand_built_rows(p: &Prober, req: u32, t: &mut TlsReport) -> Vec<Vec<u8>> {
    let mut raw: Vec<(u16, TlsVersion)> = Vec::new();
    if t.accepted(TlsVersion::Tls12) == Some(false) {
        raw.push((0x0303, TlsVersion::Tls12Legacy));
    }
    raw.push((0x0302, TlsVersion::Tls11));
    raw.push((0x0301, TlsVersion::Tls10));
    let mut raw_chain: Vec<Vec<u8>> = Vec::new();
    for (v, version) in raw {
        let (accepted, detail, suite) = match p.channel(req) {
            Ok((mut s, _)) => {
                let a = tls::raw_hello(&mut s, v, &p.host);
                s.close();
                let suite = match &a {
                    tls::RawAnswer::ServerHello { suite, .. } => Some(*suite),
                    _ => None,
                };
                let (accepted, detail) = judge_hello(v, a, &mut raw_chain);
                (accepted, detail, suite.filter(|_| accepted == Some(true)))
            }
            Err(e) => (None, format!("no channel: {}", e.detail), None),
        };
        t.versions.push(TlsVersionRow {
            version,
            accepted,
            method: TlsMethod::ClientHello,
            detail,
            suite,
        });
    }
    raw_chain
}

/// Send a hand-built ClientHello for `v` into `s` and judge what `s`
/// answers: accepted or not, why, and the certificate chain sent in clear
/// (the hand-built rows' work on one connection, without the network: the
/// fuzz target `probe_replies` drives it).
pub fn hello_row<S: std::io::Read + std::io::Write>(
    s: &mut S,
    v: u16,
    host: &str,
) -> (Option<bool>, String, Vec<Vec<u8>>) {
    let mut chain = Vec::new();
    let (accepted, detail) = judge_hello(v, tls::raw_hello(s, v, host), &mut chain);
    (accepted, detail, chain)
}

/// Whether the answer to a ClientHello for `v` accepts it, and why.
fn judge_hello(v: u16, a: tls::RawAnswer, raw_chain: &mut Vec<Vec<u8>>) -> (Option<bool>, String) {
    match a {
        tls::RawAnswer::ServerHello { version, suite, .. }
            if version == v && !tls::offered_suite(suite) =>
        {
            (
                None,
                format!(
                    "ServerHello {} chose suite {suite:#06x}, which the probe never offered (a broken or hostile server)",
                    tls::version_label(version)
                ),
            )
        }
        tls::RawAnswer::ServerHello {
            version,
            suite,
            chain,
        } if version == v => {
            if raw_chain.is_empty() {
                *raw_chain = chain;
            }
            (
                Some(true),
                format!(
                    "ServerHello {}: {}",
                    tls::version_label(version),
                    rdpdiag_parsers::tls::cipher_suite_name(suite)
                        .map_or_else(|| format!("{suite:#06x}"), str::to_string)
                ),
            )
        }
        tls::RawAnswer::ServerHello { version, .. } => (
            Some(false),
            format!("ServerHello with {} instead", tls::version_label(version)),
        ),
        tls::RawAnswer::Alert(a) => (Some(false), format!("server sent fatal alert {a}")),
        tls::RawAnswer::Closed => (
            Some(false),
            "server closed the connection without a ServerHello".into(),
        ),
        tls::RawAnswer::TimedOut => (None, "no answer (timed out)".into()),
        tls::RawAnswer::Garbage(e) => (None, e),
    }
}
